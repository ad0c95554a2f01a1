import Foundation
import ArgumentParser
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

    @Option(name: .long, help: "GPU counts to simulate instead of the scenario's, e.g. 1,2,4,8.")
    var gpus: String?

    @Option(name: .long, help: "Simulate only the run with this label (default: every run).")
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
        let fitting = loaded.runs.filter { run in results.contains { $0.runLabel == run.label && $0.model == run.network.name && $0.fitsInMemory } }
        let cautions = try EvidenceCautions.lines(fitting, catalog: loaded.catalog)
        output.stdout = json ? try ResultsJSON.render(results, scenarioPath: scenario, training: training, cautions: cautions.map(\.json))
            : ResultsTable.render(results, scenarioName: loaded.name, training: training) + EvidenceCautions.text(cautions)
        // One located line, as for any bad input (each configuration still appears in the table with fits NO).
        if let error = Self.memoryError(results, of: loaded) {
            output.stderr = "error: \(error)\n"
            output.exitCode = 2
        }
        return output
    }

    /// The located error for configurations that do not fit in GPU memory: the first run
    /// with one, at its `batch_per_gpu`, and where the others are; nil when all fit.
    static func memoryError(_ results: [ConfigurationResult], of loaded: Scenario) -> ConfigError? {
        let tooBig = loaded.runs.compactMap { run -> (run: RunSpec, results: [ConfigurationResult])? in
            let rows = results.filter { $0.runLabel == run.label && $0.model == run.network.name && !$0.fitsInMemory }
            return rows.isEmpty ? nil : (run, rows)
        }
        guard let first = tooBig.first else { return nil }
        var error = first.run.batchLocation
        error.message = Self.doesNotFit(first.results) + Self.othersThatDoNotFit(tooBig.dropFirst().map(\.run))
        return error
    }

    /// The end of the one error line when more runs than the first do not fit: how many,
    /// each by its label (or key) and the line of its `batch_per_gpu` (a run that takes the
    /// scenario's batch shares that line).
    static func othersThatDoNotFit(_ runs: [RunSpec]) -> String {
        guard !runs.isEmpty else { return "" }
        let names = runs.map { run in
            let location = run.batchLocation
            return (run.label ?? location.keyPath) + (location.line.map { " (line \($0))" } ?? "")
        }
        return "; \(runs.count) more run\(runs.count == 1 ? "" : "s") do\(runs.count == 1 ? "es" : "") not fit either: "
            + names.joined(separator: ", ")
    }

    /// One line for a run whose configurations do not fit in GPU memory: the GPU
    /// counts, what they need per GPU (a range where it differs) and what the GPU has.
    /// - Parameter results: the run's configurations that do not fit; at least one.
    static func doesNotFit(_ results: [ConfigurationResult]) -> String {
        let first = results[0]
        return doesNotFit(label: first.runLabel, model: first.model, batchPerGPU: first.batchPerGPU, gpus: results.map(\.gpus),
                          needs: results.map(\.memory.totalBytes), gpu: first.gpuModel, has: first.gpuMemoryBytes,
                          precision: Precision(rawValue: first.precision) ?? .fp32, dataParallel: first.strategy.kind == .data)
    }

    /// The same line from its parts: `gpus` and `needs` (bytes per GPU) pair up.
    static func doesNotFit(label: String?, model: String, batchPerGPU: Int, gpus: [Int], needs: [Double], gpu: String, has: Double,
                           precision: Precision, dataParallel: Bool) -> String {
        let (least, most) = (needs.min()!, needs.max()!)
        let need = least == most ? Format.gib(least) : "\(Format.gib(least))-\(Format.gib(most))"
        let counts = gpus.map(String.init)
        let at = counts.count == 1 ? "\(counts[0]) GPU\(gpus[0] == 1 ? "" : "s")"
            : counts.dropLast().joined(separator: ", ") + " and \(counts.last!) GPUs"
        // Half-precision activations are the smaller ones; already there, only the batch is left to lower.
        let wider = precision == .fp32 || precision == .tf32
        return (label.map { "\($0): " } ?? "") + "\(model) with \(batchPerGPU) images per GPU does not fit at \(at): "
            + "it needs \(need) GiB per GPU, but the \(gpu) has \(Format.gib(has)) GiB; "
            + "lower batch_per_gpu" + (dataParallel ? " (with accumulation_steps to keep the global batch)" : "")
            + (wider ? " or train in mixed precision (fp16 or bf16 activations are half the size)" : "")
    }

    /// Per result, the time (and cost) to train for runs that state a training goal (and pricing); nil for the others.
    static func training(_ results: [ConfigurationResult], of loaded: Scenario) throws -> [ResultsTable.TrainingCell?] {
        try results.map { r -> ResultsTable.TrainingCell? in
            guard let spec = loaded.runs.first(where: { $0.label == r.runLabel && $0.network.name == r.model && $0.strategy == r.strategy }),
                  let goal = spec.training else { return nil }
            let estimate = try TrainingEstimate.estimate(spec, gpus: r.gpus, imagesPerSecond: r.metrics.imagesPerSecond, catalog: loaded.catalog)
            return ResultsTable.TrainingCell(hours: goal.totalImages / r.metrics.imagesPerSecond / 3600, dollars: estimate?.dollars,
                                             offer: estimate?.basis.offer, usdPerGPUHour: estimate?.basis.usdPerGPUHour,
                                             priceSeen: estimate?.basis.seen, priceSource: estimate?.basis.source,
                                             priceDetails: estimate?.basis.details, capexUSD: estimate?.capexUSD, tcoUSD: estimate?.tcoUSD)
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
