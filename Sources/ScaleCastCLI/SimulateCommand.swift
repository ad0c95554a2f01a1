import Foundation
import Hardware
import ArgumentParser
import Parallelism
import Planning
import Reports
import Scenario
import Workload
import YAMLSupport

/// `scalecast simulate SCENARIO [--gpus LIST] [--run LABEL] [--json]`.
struct SimulateCommand: ParsableCommand, OutputProducing, TimeLimited {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate every configuration a scenario names and print a table (or JSON).")

    @OptionGroup var limit: TimeLimit

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, parsing: .unconditional, help: "GPU counts to simulate instead of the scenario's, e.g. 1,2,4,8.")
    var gpus: String?

    @Option(name: .long, help: "Simulate only the run with this label, or runs[N] (default: every run).")
    var run: String?

    @Flag(name: .long, help: "Print JSON: one row per configuration (keys and units in docs/json.md).")
    var json = false

    func produce() throws -> CommandOutput {
        let override = try gpus.map(GPUList.parse)
        let loaded = try RunSelection.only(run, of: Scenario.load(path: scenario))
        let results = try ScenarioRunner.results(loaded, gpuOverride: override)
        var output = CommandOutput()
        let training = try Self.training(results, of: loaded)
        // The runs simulated that fit somewhere, in table order: the corpus's word on their GPUs follows the
        // table (a run that fits nowhere has no prediction to caution about; its error says why).
        let fitting = loaded.runs.indices.filter { i in results.contains { $0.runIndex == i && $0.fitsInMemory } }.map { loaded.runs[$0] }
        let cautions = try EvidenceCautions.lines(fitting, catalog: loaded.catalog)
        output.stdout = json ? try ResultsJSON.render(results, scenarioPath: scenario, training: training, cautions: cautions.map(\.json))
            : ResultsTable.render(results, scenarioName: loaded.name, training: training) + EvidenceCautions.text(cautions)
        // The layout note speaks of runs that fit somewhere (of one that fits nowhere the error speaks).
        let fits = Set(loaded.runs.indices.filter { i in results.contains { $0.runIndex == i && $0.fitsInMemory } })
        // Notes on the counts simulated (the scenario's or --gpus's) that span nodes.
        let simulated = loaded.runs.indices.map { i in results.filter { $0.runIndex == i }.map(\.gpus) }
        output.stderr = Self.unusedKeyNotes(loaded.runs, extra: loaded.runs.indices.map { loaded.runs[$0].acrossNodesNotes(gpus: simulated[$0]) })
            + Self.layoutNotes(loaded, runs: fits, file: scenario)
            + Self.libraryNote(loaded, file: scenario)
        // One located line, as for any bad input (each configuration still appears in the table with fits NO).
        if let error = Self.memoryError(results, of: loaded) {
            output.stderr += "error: \(error)\n"
            output.exitCode = 2
        }
        return output
    }

    /// A note per key the runs are given that changes nothing in them (`RunSpec.unusedKeys`),
    /// in file order, once where several runs inherit it: accepted, since a sweep varies what
    /// makes them count. A note that holds for some of the runs only names them (by label, else
    /// key path): a top-level owned price is unused by the runs that rent, not by those that buy.
    static func unusedKeyNotes(_ runs: [RunSpec], extra: [[ConfigError]] = []) -> String {
        var notes: [(error: ConfigError, runs: [String])] = []
        var index: [String: Int] = [:]
        for (i, run) in runs.enumerated() {
            for note in run.unusedKeys + (i < extra.count ? extra[i] : []) {
                let at = index["\(note)"] ?? notes.count
                if at == notes.count { index["\(note)"] = at; notes.append((note, [])) }
                notes[at].runs.append(run.label ?? Scenario.keyPath(ofRun: i))
            }
        }
        return notes.sorted { ($0.error.file, $0.error.line ?? 0) < ($1.error.file, $1.error.line ?? 0) }.map { note in
            var error = note.error
            if note.runs.count < runs.count {
                let names = note.runs.map { "'\($0.singleLine)'" }
                error.message += " in run\(names.count == 1 ? "" : "s") " + (names.count == 1 ? names[0]
                    : names.dropLast().joined(separator: ", ") + " and " + names.last!)
            }
            return "note: \(error)\n"
        }.joined()
    }

    /// The share of a run's convolution time, at or above which `layoutNotes` speaks: a tenth.
    static let transposeShareNoted = 0.1

    /// A note per execution profile whose runs keep NCHW tensors (`memory_format: nchw`, PyTorch's
    /// default) at a cost to their tensor-core convolutions of a tenth of their time or more in
    /// transposes: a script that asks for channels_last trains that much faster, and the profile
    /// cannot know it. Each run of `indices` at its largest GPU count (its batch per GPU there);
    /// the runs of one profile in one note, with the range of their shares; "" where none.
    static func layoutNotes(_ scenario: Scenario, runs indices: Set<Int>, file: String) -> String {
        var byProfile: [(profile: String, runs: [String], shares: [Double])] = []
        for (i, run) in scenario.runs.enumerated() where indices.contains(i) {
            guard run.software.memoryFormat == .nchw, let gpus = run.gpuCounts.max(),
                  let rows = try? KernelReport.rows(run, gpus: gpus).rows else { continue }
            let transposes = rows.reduce(0) { $0 + $1.transposeSeconds }, total = rows.reduce(0) { $0 + $1.seconds }
            guard total > 0, transposes / total >= transposeShareNoted else { continue }
            let name = "'\((run.label ?? Scenario.keyPath(ofRun: i)).singleLine)'"
            if let at = byProfile.firstIndex(where: { $0.profile == run.software.name }) {
                byProfile[at].runs.append(name)
                byProfile[at].shares.append(transposes / total)
            } else {
                byProfile.append((run.software.name, [name], [transposes / total]))
            }
        }
        return byProfile.map { group in
            let percents = group.shares.map { Int(($0 * 100).rounded()) }
            let share = percents.min() == percents.max() ? "\(percents[0])%" : "\(percents.min()!)-\(percents.max()!)%"
            let one = group.runs.count == 1
            let runs = scenario.runs.count == 1 ? "the run" : (one ? "run " : "runs ") + (one ? group.runs[0]
                : group.runs.dropLast().joined(separator: ", ") + " and " + group.runs.last!)
            return "note: \(file): \(runs) \(one ? "keeps its" : "keep their") tensors NCHW (software.memory_format: nchw, as profile "
                + "'\(group.profile)' runs): \(one ? "its" : "their") tensor-core convolutions spend \(share) of their time transposing "
                + "to NHWC and back; a training script that asks for channels_last skips them: give it software: {memory_format: nhwc}\n"
        }.joined()
    }

    /// A note where the runs price convolutions with different kernel libraries because their
    /// profiles name different ones (or none): two runs of different profiles whose libraries
    /// differ, one of them taking its profile's. Comparing stacks, a user sees
    /// their compute differ by the library (a profile without one prices every convolution as one
    /// implicit GEMM per pass: VGG-16 on a V100 2.3 times slower than under cuDNN 5.1's Winograd)
    /// and may take it for the stacks' communication. Runs that each name their library say so
    /// themselves; "" where every run has the same library.
    static func libraryNote(_ scenario: Scenario, file: String) -> String {
        let libraries = scenario.runs.map { $0.software.kernelLibrary?.name }
        // Two runs of different profiles whose libraries differ, one at least taking its profile's.
        let runs = scenario.runs
        let byProfiles = runs.indices.contains { i in
            runs.indices.contains { j in
                libraries[i] != libraries[j] && runs[i].software.name != runs[j].software.name
                    && !runs[i].software.overridden.contains("kernel_library")
            }
        }
        guard byProfiles else { return "" }
        var groups: [(library: String?, runs: [String])] = []
        for (i, run) in scenario.runs.enumerated() {
            let name = "'\((run.label ?? Scenario.keyPath(ofRun: i)).singleLine)'"
            if let at = groups.firstIndex(where: { $0.library == libraries[i] }) { groups[at].runs.append(name) } else {
                groups.append((libraries[i], [name]))
            }
        }
        let listed = groups.map { group in
            (group.runs.count == 1 ? group.runs[0] : group.runs.dropLast().joined(separator: ", ") + " and " + group.runs.last!)
                + " with " + (group.library ?? "none (one implicit GEMM per pass, no Winograd or FFT)")
        }
        return "note: \(file): the runs price convolutions with different kernel libraries (software.kernel_library, from their "
            + "profiles where not stated): \(listed.joined(separator: "; ")); their compute differs by the library as well as by the "
            + "stack: name one kernel_library in every run to compare the stacks alone\n"
    }

    /// The located error for configurations that do not fit in GPU memory: the first run
    /// with one, at its `batch_per_gpu`, and where the others are; nil when all fit.
    static func memoryError(_ results: [ConfigurationResult], of loaded: Scenario) -> ConfigError? {
        let tooBig = loaded.runs.enumerated().compactMap { i, run -> (run: RunSpec, results: [ConfigurationResult])? in
            let rows = results.filter { $0.runIndex == i && !$0.fitsInMemory }
            return rows.isEmpty ? nil : (run, rows)
        }
        guard let first = tooBig.first else { return nil }
        var error = first.run.batchLocation
        // A run that fits at some of its counts is named with the counts at which it does not.
        let others = tooBig.dropFirst().map { other in
            (run: other.run, gpus: results.contains { $0.runIndex == other.results[0].runIndex && $0.fitsInMemory }
                ? other.results.map(\.gpus) : nil)
        }
        error.message = Self.doesNotFit(first.results, on: first.run.cluster.gpu) + Self.othersThatDoNotFit(others)
        return error
    }

    /// The end of the one error line when more runs than the first do not fit: how many,
    /// each by its label (or key), the GPU counts at which it does not where it fits at
    /// others, and the line of its `batch_per_gpu` (a run that takes the scenario's batch
    /// shares that line).
    static func othersThatDoNotFit(_ runs: [(run: RunSpec, gpus: [Int]?)]) -> String {
        guard !runs.isEmpty else { return "" }
        let names = runs.map { run, gpus in
            let location = run.batchLocation
            let counts = gpus.map { " at " + Self.counts($0) } ?? ""
            return (run.label ?? location.keyPath) + counts + (location.line.map { " (line \($0))" } ?? "")
        }
        return "; \(runs.count) more run\(runs.count == 1 ? "" : "s") do\(runs.count == 1 ? "es" : "") not fit either: "
            + names.joined(separator: ", ")
    }

    /// One line for a run whose configurations do not fit in GPU memory: the GPU
    /// counts, what they need per GPU (a range where it differs) and what the GPU has.
    /// - Parameter results: the run's configurations that do not fit; at least one.
    /// - Parameter gpu: the run's GPU.
    static func doesNotFit(_ results: [ConfigurationResult], on gpu: GPUSpec) -> String {
        let first = results[0]
        return doesNotFit(label: first.runName, model: first.model, batchesPerGPU: results.map(\.batchPerGPU), gpus: results.map(\.gpus),
                          footprints: results.map(\.memory), gpu: gpu, has: first.gpuMemoryBytes,
                          precision: Precision(rawValue: first.precision) ?? .fp32, dataParallel: first.strategy.kind == .data,
                          accumulationSteps: first.accumulationSteps)
    }

    /// GPU counts as a sentence says them: "8 GPUs", "1 GPU", "8, 16 and 64 GPUs".
    static func counts(_ gpus: [Int]) -> String {
        let counts = gpus.map(String.init)
        return counts.count == 1 ? "\(counts[0]) GPU\(gpus[0] == 1 ? "" : "s")"
            : counts.dropLast().joined(separator: ", ") + " and \(counts.last!) GPUs"
    }

    /// The same line from its parts: `gpus` and `footprints` (per GPU) pair up.
    ///
    /// The remedy follows what fills the GPU: where the weights, their gradients and
    /// optimizer state (with the reserve, DDP's buckets and autocast's copies, none of which
    /// shrink with the batch) alone exceed it, no batch fits and only splitting the layers or
    /// a larger GPU helps; else a smaller batch, accumulated to keep the global batch, or
    /// half-precision activations (named as the GPU has them: no bf16 on a V100). Sizes get the
    /// decimals it takes for what is needed not to print as what the GPU has (16.01 of 16.0
    /// GiB, not 16.0 of 16.0).
    static func doesNotFit(label: String?, model: String, batchesPerGPU: [Int], gpus: [Int], footprints: [MemoryFootprint], gpu: GPUSpec,
                           has: Double, precision: Precision, dataParallel: Bool, accumulationSteps: Int) -> String {
        let needs = footprints.map(\.totalBytes)
        let (least, most) = (needs.min()!, needs.max()!)
        let decimals = Format.gibDecimals(least, apartFrom: has)
        func gib(_ bytes: Double) -> String { Format.fixed(bytes / 1_073_741_824, decimals) }
        let need = gib(least) == gib(most) ? gib(least) : "\(gib(least))-\(gib(most))"
        let at = Self.counts(gpus)
        // Under max_global_batch the batch per GPU shrinks with the GPUs: the range of those listed.
        let (smallest, largest) = (batchesPerGPU.min()!, batchesPerGPU.max()!)
        let batch = smallest == largest ? "\(largest)" : "\(smallest)-\(largest)"
        let opening = (label.map { "\($0): " } ?? "") + "\(model) with \(batch) images per GPU does not fit at \(at): "
            + "it needs \(need) GiB per GPU, but the \(gpu.name) has \(Format.gib(has)) GiB; "
        let fixed = footprints.map(\.fixedBytes).min()!
        guard fixed <= has else {
            return opening + "its weights, their gradients and optimizer state, with the reserve, alone need \(gib(fixed)) GiB, "
                + "so no batch fits: split its layers across GPUs (strategy kind model or hybrid) or choose a GPU with more memory"
        }
        // Half-precision activations are the smaller ones; already there, only the batch is left to lower.
        let wider = precision == .fp32 || precision == .tf32
        let accumulate = accumulationSteps > 1 ? " (with more accumulation_steps to keep the global batch)"
            : " (with accumulation_steps to keep the global batch)"
        // The half precisions the GPU has units for (the catalog's peaks); fp16 storage where it has none.
        let halves = ["fp16", "bf16"].filter { gpu.peakFLOPsPerSecond[$0] != nil }
        let half = halves.isEmpty ? "fp16" : halves.joined(separator: " or ")
        return opening + "lower batch_per_gpu" + (dataParallel ? accumulate : "")
            + (wider ? " or train in mixed precision (\(half) activations are half the size)" : "")
    }

    /// Per result, the time (and cost) to train for runs that state a training goal (and pricing); nil for the others.
    static func training(_ results: [ConfigurationResult], of loaded: Scenario) throws -> [ResultsTable.TrainingCell?] {
        try results.map { r -> ResultsTable.TrainingCell? in
            let spec = loaded.runs[r.runIndex]
            guard let goal = spec.training else { return nil }
            let estimate = try TrainingEstimate.estimate(spec, gpus: r.gpus, imagesPerSecond: r.metrics.imagesPerSecond, catalog: loaded.catalog)
            return ResultsTable.TrainingCell(hours: goal.totalImages(atGlobalBatch: r.metrics.globalBatch) / r.metrics.imagesPerSecond / 3600, dollars: estimate?.dollars,
                                             offer: estimate?.basis.offer, usdPerGPUHour: estimate?.basis.usdPerGPUHour,
                                             priceSeen: estimate?.basis.seen, priceSource: estimate?.basis.source,
                                             priceDetails: estimate?.basis.details, capexUSD: estimate?.capexUSD, tcoUSD: estimate?.tcoUSD,
                                             epochs: goal.epochs(atGlobalBatch: r.metrics.globalBatch), epochsByBatch: goal.fixedEpochs == nil,
                                             epochsHeldAboveBatch: goal.batchHeldAbove(atGlobalBatch: r.metrics.globalBatch),
                                             epochsHeldBelowBatch: goal.batchHeldBelow(atGlobalBatch: r.metrics.globalBatch), recipe: goal.recipe,
                                             epochImages: goal.images, epochsHeld: goal.epochsHeld(atGlobalBatch: r.metrics.globalBatch))
        }
    }
}

/// Parses `--gpus 1,2,4,8`.
enum GPUList {
    static func parse(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let counts = try parts.map { part in
            guard let n = NumberText.whole(part) else { throw UsageError(message: "--gpus: '\(part)' is not a whole number; give a list like 1,2,4,8") }
            return try check(n)
        }
        guard counts.count <= Limits.gpuCountsPerRun else {
            throw UsageError(message: "--gpus: \(counts.count) GPU counts; give at most \(Limits.gpuCountsPerRun) (use scalecast sweep --vary gpus=... for larger grids)")
        }
        guard Set(counts).count == counts.count else { throw UsageError(message: "--gpus: a GPU count is listed twice") }
        return counts
    }

    /// `n` if it is a GPU count ScaleCast simulates (`Limits.gpus`).
    static func check(_ n: Int) throws -> Int {
        guard Limits.gpus.contains(n) else {
            throw UsageError(message: "--gpus: GPU counts must be between \(Limits.gpus.lowerBound) and \(Limits.gpus.upperBound), got \(n)")
        }
        return n
    }
}
