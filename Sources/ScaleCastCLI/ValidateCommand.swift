import ArgumentParser
import Calibration
import Foundation
import Parallelism
import Planning
import Reports
import Scenario
import Workload
import YAMLSupport

/// `scalecast validate [--json]`: the executor against the simulator on this CPU;
/// `scalecast validate --against MEASUREMENTS.csv [--profile P]`: the simulator
/// against step times measured elsewhere; `scalecast validate --published DIR_OR_FILES...`:
/// the simulator against published throughput (ValidatePublished.swift).
struct ValidateCommand: ParsableCommand, OutputProducing {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Compare the simulator's predictions with measured step times: the executor's on this CPU, "
            + "measurements made elsewhere (--against), or published throughput (--published).",
        discussion: """
            Without --against: runs a small CNN on the executor (one core per worker, single-threaded OpenBLAS) for 1 and 2 \
            workers, and up to this machine's cores in powers of two: data parallelism and the hybrid with schemes a, b and c, \
            exact and approximate, over plain memory copies and over a paced 1 Gb/s link. Each measured step is set beside the \
            simulator's prediction under a calibration profile (--profile, from `scalecast calibrate --threads 1`; else one is \
            measured first). Build in release mode (`swift build -c release`) for meaningful timings.

            With --against: MEASUREMENTS.csv has the columns scenario, model, batch_per_gpu, precision, gpus, \
            measured_step_seconds (model: the scenario's own model's name, which keeps it as the scenario defines it, built-in \
            or from a file, or a built-in model's name to put in its place), and optionally measured_peak_bytes (torch.cuda.max_memory_allocated, compared with the memory \
            footprint less its reserve; tools/measure_step.py writes both); each scenario path is relative to the CSV, and --profile \
            is a profile from `scalecast import layer-times`.

            Exit 1 if any |error| exceeds --tolerance.

            With --published DIR_OR_FILES...: each file (a directory gives its *.yaml and *.yml files) is a scenario with a \
            top-level `published` block (source, url, where, software, notes, points of {run, gpus, images_per_second}; \
            README.md, "Validation against published measurements"). Each point is simulated at its own GPU count, and \
            printed beside the published figure; each multi-GPU point whose run also has a published 1-GPU point gets its \
            speedup beside the predicted one and the "always linear" baseline's (speedup = GPUs). A summary gives count, \
            median and largest |error| for throughput (all points), speedup (model and baseline, same points) and 1-GPU \
            throughput (all, per precision: fp32, tf32, fp16+bf16, and per architecture of the GPU, oldest first), then \
            the goals (speedup median <= 5%, largest <= 15%; 1-GPU median <= 10%, largest <= 25%), met or not. Files are \
            taken in file-name order, points in file order. \
            --tolerance does not apply: exit 0 whatever the errors, 2 on bad input. --errors-out FILE also writes every \
            1-GPU point's and every speedup's published and predicted figures as YAML: the errors that uncertainty ranges \
            (sweep --samples, plan --pessimistic, report) draw from; `make validation-errors` rewrites the built-in copy.
            --json keys: cases[] {name, file, source, url, where, software, notes}; points[] {case, run, gpus, precision, \
            published_images_per_second, predicted_images_per_second, relative_error}; speedups[] {case, run, gpus, \
            published_speedup, predicted_speedup, relative_error, linear_baseline_error}; summary {throughput, speedup, \
            linear_baseline, single_gpu, single_gpu_by_precision {fp32, tf32, fp16+bf16}, single_gpu_by_architecture \
            {one key per architecture}}, each {count, median_abs_error, largest_abs_error, largest_case, largest_run, \
            largest_gpus}; goals[] {name, limit, value, met}. Errors are predicted / published - 1 (fractions); a median \
            of an even count is the mean of the middle two; absent values are null.
            """)

    @Option(name: .long, help: "Measurements made elsewhere (CSV); without it the executor is measured here.")
    var against: String?

    @Option(name: .long, parsing: .upToNextOption,
            help: "Scenario files with a `published` block, or directories of them: the simulator against published throughput.")
    var published: [String] = []

    @Option(name: .long, help: "A profile: from `scalecast calibrate --threads 1` (executor), or `scalecast import layer-times` (--against).")
    var profile: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Worker counts for the executor (default: 1, 2, then powers of two up to the cores).")
    var workers: [Int] = []

    @Option(name: .long, help: "Executor: images per worker.")
    var batch = 128

    @Option(name: .long, parsing: .unconditional, help: "Executor: rounds of measurement (each figure is the mean over its rounds).")
    var rounds = 8

    @Flag(name: .long, help: "Executor: also compare each compute task of worker 0, measured in the same runs (data parallel on the fewest and most workers, hybrid (b) on the most, over memory copies).")
    var tasks = false

    @Option(name: .long, help: "The largest acceptable |relative error|, a fraction (0.10 is 10%).",
            transform: DecimalArgument.parser("--tolerance", in: 1e-9...1e6))
    var tolerance: Double = 0.10

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Option(name: .customLong("errors-out"),
            help: "With --published: also write the errors (every 1-GPU point and speedup) that uncertainty ranges draw from, as YAML (make validation-errors).")
    var errorsOut: String?

    @Flag(name: .long, help: "Overwrite --errors-out if it exists.")
    var force = false

    struct Case: Encodable {
        var scenario, model, precision: String
        var batchPerGPU, gpus: Int
        var predictedStepSeconds, measuredStepSeconds, relativeError: Double
        /// The tensors one GPU holds at their peak as the model adds them up: its memory
        /// footprint less the reserve for the CUDA context and the allocator's cache, which
        /// `torch.cuda.max_memory_allocated` does not count; in bytes.
        var predictedAllocatedBytes: Int
        /// `torch.cuda.max_memory_allocated` over the timed steps, where the CSV has it.
        var measuredPeakBytes: Int?
        var memoryRelativeError: Double? {
            measuredPeakBytes.map { Double(predictedAllocatedBytes) / Double($0) - 1 }
        }
        enum CodingKeys: String, CodingKey {
            case scenario, model, precision, gpus, batchPerGPU = "batch_per_gpu", predictedStepSeconds = "predicted_step_seconds",
                 measuredStepSeconds = "measured_step_seconds", relativeError = "relative_error",
                 predictedAllocatedBytes = "predicted_allocated_bytes", measuredPeakBytes = "measured_peak_bytes",
                 memoryRelativeError = "memory_relative_error"
        }

        /// Every key, the memory ones null where the CSV has no measurement.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(scenario, forKey: .scenario)
            try c.encode(model, forKey: .model)
            try c.encode(precision, forKey: .precision)
            try c.encode(gpus, forKey: .gpus)
            try c.encode(batchPerGPU, forKey: .batchPerGPU)
            try c.encode(predictedStepSeconds, forKey: .predictedStepSeconds)
            try c.encode(measuredStepSeconds, forKey: .measuredStepSeconds)
            try c.encode(relativeError, forKey: .relativeError)
            try c.encode(predictedAllocatedBytes, forKey: .predictedAllocatedBytes)
            try c.encode(measuredPeakBytes, forKey: .measuredPeakBytes)
            try c.encode(memoryRelativeError, forKey: .memoryRelativeError)
        }
    }

    struct Document: Encodable {
        var profile: String?
        var cases: [Case]
    }

    func produce() throws -> CommandOutput {
        guard tolerance > 0 else { throw UsageError(message: "--tolerance must be positive") }
        if !published.isEmpty { return try validatePublished() }
        guard errorsOut == nil else { throw UsageError(message: "--errors-out writes the errors of --published; give --published DIR") }
        try Self.checkProfileKind(profile, forAgainst: against != nil)
        guard let against else { return try validateExecutor() }
        guard workers.isEmpty, !tasks else { throw UsageError(message: "--workers and --tasks apply to the executor, not to --against") }
        let text: String
        do { text = try TextFile.read(against) } catch let error as ConfigError { throw UsageError(message: "\(error)") }
        let base = (against as NSString).deletingLastPathComponent
        var profilePath = profile
        if let p = profilePath, !p.hasPrefix("/") { profilePath = FileManager.default.currentDirectoryPath + "/" + p }
        var cases: [Case] = []
        // RFC 4180 as tools/measure_step.py's csv.DictWriter writes it (quoted fields, CRLF, a BOM).
        let measurements: CSVTable
        do { measurements = try CSVTable(text, file: against) } catch let error as ConfigError { throw UsageError(message: "\(error)") }
        for required in ["scenario", "model", "precision", "batch_per_gpu", "gpus", "measured_step_seconds"] where !measurements.columns.contains(required) {
            throw UsageError(message: "\(against): the header has no '\(required)' column (columns: \(measurements.columns.joined(separator: ",")))")
        }
        // Every row is read and checked before any scenario runs, so a bad row is reported
        // as itself, not as the failure of an earlier row's scenario.
        struct Measurement {
            var line: Int, scenario: String, model: String, precision: String, batch: Int, gpus: Int, seconds: Double, peakBytes: Int?
        }
        var measured: [Measurement] = []
        var firstLine: [String: Int] = [:]   // each measured configuration's line, to refuse a second measurement of it
        for record in measurements.rows {
            let line = record.line
            func cell(_ name: String) throws -> String {
                do { return try record.cell(name) } catch let error as ConfigError { throw UsageError(message: "\(error)") }
            }
            guard let gpus = Int(try cell("gpus")), let batch = Int(try cell("batch_per_gpu")) else {
                throw UsageError(message: "\(against):\(line): gpus and batch_per_gpu must be whole numbers")
            }
            guard Limits.gpus.contains(gpus), batch >= 1 else {
                throw UsageError(message: "\(against):\(line): gpus must be from \(Limits.gpus.lowerBound) to \(Limits.gpus.upperBound) "
                                 + "and batch_per_gpu at least 1, got \(gpus) and \(batch)")
            }
            // A training step of more than a day is no measurement of one (a time in the wrong unit, a typo).
            guard let seconds = Double(try cell("measured_step_seconds")), seconds.isFinite, seconds > 0, seconds <= 86_400 else {
                throw UsageError(message: "\(against):\(line): measured_step_seconds must be a positive number of seconds up to "
                                 + "86,400 (a day), got '\(try cell("measured_step_seconds"))'")
            }
            // Optional: torch.cuda.max_memory_allocated, where tools/measure_step.py recorded it.
            var peak: Int?
            if measurements.columns.contains("measured_peak_bytes"), !(try cell("measured_peak_bytes")).isEmpty {
                guard let bytes = Int(try cell("measured_peak_bytes")), bytes > 0 else {
                    throw UsageError(message: "\(against):\(line): measured_peak_bytes must be a positive whole number of bytes")
                }
                peak = bytes
            }
            let row = Measurement(line: line, scenario: try cell("scenario"), model: try cell("model"), precision: try cell("precision"),
                                  batch: batch, gpus: gpus, seconds: seconds, peakBytes: peak)
            // One configuration however it is written: the scenario's path standardized, the model by its
            // catalog name (an alias names the same model), the precision without case.
            let configuration = [((base as NSString).appendingPathComponent(row.scenario) as NSString).standardizingPath,
                                 Zoo.entry(named: row.model)?.name ?? row.model, row.precision.lowercased(), "\(batch)", "\(gpus)"]
                .joined(separator: "\u{1F}")
            if let earlier = firstLine[configuration] {
                throw UsageError(message: "\(against):\(line): the same configuration as line \(earlier) (scenario, model, precision, "
                                 + "batch_per_gpu and gpus); give each configuration once, its median step")
            }
            firstLine[configuration] = line
            measured.append(row)
        }
        var notes = ""   // rows compared though the model says they would not fit
        for m in measured {
            let scenario = (base as NSString).appendingPathComponent(m.scenario)
            // A value the sweep or the scenario refuses (an unknown model name) is this row's error.
            func located<T>(_ body: () throws -> T) throws -> T {
                do { return try body() } catch let error as SweepError {
                    throw UsageError(message: "\(against):\(m.line): \(error.message)")
                } catch var error as ConfigError {
                    // A problem inside the --profile file is the flag's, not this row's (and no --vary was given).
                    if let profilePath, error.file == profilePath {
                        error.message = error.message.replacingOccurrences(of: #" \(with --vary [^)]*\)$"#, with: "", options: .regularExpression)
                        throw UsageError(message: "--profile: \(error)")
                    }
                    throw UsageError(message: "\(against):\(m.line): \(error)")
                }
            }
            // A row naming the scenario's own model keeps it (a custom model, with its own input);
            // another name is a built-in model put in its place.
            let own = try located { try Scenario.load(path: scenario) }.runs.first?.network.name
            // The batch as measured: a scenario's max_global_batch would cut it to another one.
            var axes = [Sweep.Axis(key: "batch_per_gpu", values: ["\(m.batch)"]),
                        Sweep.Axis(key: "max_global_batch", values: ["\(Limits.globalBatch.upperBound)"]),
                        Sweep.Axis(key: "precision", values: [m.precision]), Sweep.Axis(key: "gpus", values: ["\(m.gpus)"])]
            if m.model != own { axes.insert(Sweep.Axis(key: "model", values: [m.model]), at: 0) }
            if let profilePath { axes.append(Sweep.Axis(key: "cost_model.profile", values: [profilePath])) }
            let sweep = try located { () throws -> Sweep in
                let sweep = try Sweep(scenarioPath: scenario, axes: axes)
                // The scenario's first run is the one compared: where it cannot take the row, say why.
                if let first = sweep.excluded.first, first.runIndex == 0 { throw first.asWhole }
                return sweep
            }
            let row = try located { try sweep.evaluate([sweep.points[0]]) }[0]
            let run = sweep.points[0].run
            let footprint = try wrap { try run.memoryFootprint(for: run.setup(gpus: m.gpus)) }
            if footprint.totalBytes > run.cluster.gpu.memoryBytes {
                notes += "\(against):\(m.line): the model needs \(Format.gib(footprint.totalBytes)) GiB a GPU, more than the "
                    + "\(run.cluster.gpu.name)'s \(Format.gib(run.cluster.gpu.memoryBytes)): was this configuration measured as written?\n"
            }
            cases.append(Case(scenario: m.scenario, model: m.model, precision: m.precision, batchPerGPU: m.batch,
                              gpus: m.gpus, predictedStepSeconds: row.stepSeconds, measuredStepSeconds: m.seconds,
                              relativeError: row.stepSeconds / m.seconds - 1,
                              predictedAllocatedBytes: Int((footprint.totalBytes - footprint.reservedBytes).rounded(.up)), measuredPeakBytes: m.peakBytes))
        }
        guard !cases.isEmpty else { throw UsageError(message: "\(against): no measurements found") }
        let memoryErrors = cases.compactMap(\.memoryRelativeError).map(abs).sorted()
        let worst = cases.map { abs($0.relativeError) }.max()!
        var output = CommandOutput(exitCode: max(worst, memoryErrors.last ?? 0) > tolerance ? 1 : 0)
        output.stderr = notes
        if json {
            output.stdout = try ResultsJSON.encode(Document(profile: profile, cases: cases))
            return output
        }
        let memory = !memoryErrors.isEmpty
        var table = TextTable(headers: ["model", "precision", "batch", "GPUs", "predicted ms", "measured ms", "error"]
                                + (memory ? ["predicted GiB", "measured GiB", "memory error"] : []),
                              alignments: [.left, .left, .right, .right, .right, .right, .right] + (memory ? [.right, .right, .right] : []))
        for c in cases {
            var cells = [c.model, c.precision, "\(c.batchPerGPU)", "\(c.gpus)", Format.fixed(c.predictedStepSeconds * 1e3, 2),
                         Format.fixed(c.measuredStepSeconds * 1e3, 2), Format.fixed(c.relativeError * 100, 1) + "%"]
            if memory {
                cells += [Format.fixed(Double(c.predictedAllocatedBytes) / 1_073_741_824, 2),
                          c.measuredPeakBytes.map { Format.fixed(Double($0) / 1_073_741_824, 2) } ?? "-",
                          c.memoryRelativeError.map { Format.fixed($0 * 100, 1) + "%" } ?? "-"]
            }
            table.append(cells)
        }
        let sorted = cases.map { abs($0.relativeError) }.sorted()
        // The calibration profile (--profile), not the execution profile (software:) each scenario names.
        output.stdout = (profile.map { "calibration profile (--profile): \($0)\n" }
                         ?? "calibration profile (--profile): none, the catalog's kernel figures (each scenario's software: profile applies)\n")
            + table.render()
            + "median |error| \(Format.fixed(sorted[sorted.count / 2] * 100, 1))%, largest \(Format.fixed(worst * 100, 1))% "
            + "(tolerance \(Format.fixed(tolerance * 100, 1))%)\n"
        if memory, let median = PublishedValidation.median(memoryErrors) {
            output.stdout += "memory (the footprint less its reserve, against max_memory_allocated; \(memoryErrors.count) of \(cases.count) rows): "
                + "median |error| \(Format.fixed(median * 100, 1))%, largest \(Format.fixed(memoryErrors.last! * 100, 1))% "
                + "(tolerance \(Format.fixed(tolerance * 100, 1))%)\n"
        }
        return output
    }

    // MARK: The executor against the simulator

    struct ExecutorDocument: Encodable {
        var kernel: String
        var cpu: String
        var profile: String
        var cases: [ExecutorValidation.Case]
    }

    /// A profile of the other kind given to --profile (a GPU's, from `import layer-times`, where
    /// the executor validates; a CPU's, from `calibrate`, with --against) is said to be one,
    /// before its reader names the key it does not expect (`gpu`, `cpu`).
    static func checkProfileKind(_ profile: String?, forAgainst: Bool) throws {
        guard let profile, let yaml = try? YAMLValue.load(path: profile), yaml.isMapping else { return }
        func has(_ key: String) -> Bool { (try? yaml.optional(key)) != nil }
        if forAgainst, has("cpu"), !has("gpu") {
            throw UsageError(message: "--profile \(profile.singleLine): a CPU profile (from `scalecast calibrate`), which the executor's "
                             + "validation takes; --against compares GPU steps and takes a GPU profile from `scalecast import layer-times`")
        }
        if !forAgainst, has("gpu"), !has("cpu") {
            throw UsageError(message: "--profile \(profile.singleLine): a GPU profile (from `scalecast import layer-times`), which "
                             + "--against takes; without --against validate checks the executor and takes a CPU profile from "
                             + "`scalecast calibrate --threads 1`")
        }
    }

    private func validateExecutor() throws -> CommandOutput {
        guard let cpu = CPUInfo.current() else { throw UsageError(message: "validate needs /proc/cpuinfo (Linux) to know this CPU") }
        let counts = workers.isEmpty ? Self.defaultWorkers(cores: cpu.cores) : workers
        if let bad = counts.first(where: { !(1...cpu.cores).contains($0) }) {
            throw UsageError(message: "--workers: \(bad) is not between 1 and this machine's \(cpu.cores) cores (one core per worker)")
        }
        var given: CalibrationProfile?
        if let profile { given = try wrap { try CalibrationProfile.load(path: profile, cpu: cpu.model, kernel: BLAS.coreName) } }
        // The executor's workers run one BLAS thread each: a profile measured on more threads
        // prices their kernels as something they are not.
        if let profile, let threads = given?.threads, threads != 1 {
            throw UsageError(message: "\(profile): the profile was measured with \(threads) threads, and the executor's workers run one "
                             + "thread each: measure one with `scalecast calibrate --threads 1 --out FILE`")
        }
        let source = profile ?? "measured in the same rounds (as `scalecast calibrate --threads 1`)"
        guard (1...100_000).contains(batch) else { throw UsageError(message: "--batch must be between 1 and 100000 images per worker") }
        guard (1...100).contains(rounds) else { throw UsageError(message: "--rounds must be between 1 and 100") }
        var validation = ExecutorValidation(profile: given, batchPerWorker: batch)
        validation.repeats = rounds
        let report = try wrap { try validation.run(workerCounts: Array(Set(counts)).sorted(), cpu: cpu) }
        let cases = report.cases
        let errors = cases.map { abs($0.relativeError) }
        var output = CommandOutput(exitCode: errors.max()! > tolerance ? 1 : 0)
        if json {
            output.stdout = try ResultsJSON.encode(ExecutorDocument(kernel: BLAS.coreName, cpu: cpu.model, profile: source, cases: cases))
            return output
        }
        var table = TextTable(headers: ["workers", "strategy", "link", "predicted ms", "measured ms", "error", "95% margin",
                                        "speedup pred.", "speedup meas."],
                              alignments: [.right, .left, .left, .right, .right, .right, .right, .right, .right])
        for c in cases {
            let name = c.strategy + (c.scheme.map { " (\($0))" } ?? "") + (c.variant.map { ", \($0)" } ?? "")
            table.append(["\(c.workers)", name, c.link, Format.fixed(c.predictedStepSeconds * 1e3, 2), Format.fixed(c.measuredStepSeconds * 1e3, 2),
                          Format.fixed(c.relativeError * 100, 1) + "%", c.relativeErrorMargin.map { "±" + Format.fixed($0 * 100, 1) + "%" } ?? "",
                          Format.fixed(c.predictedSpeedup, 2), Format.fixed(c.measuredSpeedup, 2)])
        }
        let link = validation.slowLink
        var text = "CPU: \(cpu.model), OpenBLAS kernel \(BLAS.coreName); profile: \(source)\n"
        text += "network: \(validation.network.name), \(validation.batchPerWorker) images per worker; paced link: "
            + "\(Format.fixed(link.bytesPerSecond / 1e6, 0)) MB/s, \(Format.fixed(link.latencySeconds * 1e6, 0)) us\n\n"
        text += table.render()
        if tasks {
            let most = counts.max()!
            var runs: [(Strategy, Int)] = [(.data(), counts.min()!)]
            if most > 1 { runs += [(.data(), most), (.hybrid(scheme: .b, variant: .exact), most)] }
            for (strategy, k) in runs {
                guard let i = cases.firstIndex(where: { $0.workers == k && $0.link == ExecutorValidation.Link.memory.rawValue
                    && $0.strategy == strategy.kind.rawValue && $0.scheme == strategy.schemeIfHybrid?.rawValue
                    && $0.variant == strategy.variantIfModelParallel?.rawValue }) else { continue }
                var detail = TextTable(headers: ["task", "predicted ms", "measured ms", "error"], alignments: [.left, .right, .right, .right])
                for t in report.tasks[i] {
                    detail.append(["\(t.kind) \(t.label)", Format.fixed(t.predictedSeconds * 1e3, 3), Format.fixed(t.measuredSeconds * 1e3, 3),
                                   t.predictedSeconds > 0 ? Format.fixed((t.predictedSeconds / t.measuredSeconds - 1) * 100, 1) + "%" : ""])
                }
                text += "\nworker 0's compute tasks, \(strategy.summary) on \(k) worker\(k == 1 ? "" : "s"), memory copies:\n" + detail.render()
            }
        }
        let sorted = errors.sorted()
        text += "median |error| \(Format.fixed(sorted[sorted.count / 2] * 100, 1))%, largest \(Format.fixed(sorted.last! * 100, 1))% "
            + "(tolerance \(Format.fixed(tolerance * 100, 1))%)\n"
        let margins = cases.compactMap(\.relativeErrorMargin).sorted()
        if !margins.isEmpty {
            let beyond = cases.filter { abs($0.relativeError) > tolerance }
            let couldBeWithin = beyond.filter { abs($0.relativeError) - ($0.relativeErrorMargin ?? 0) <= tolerance }
            text += "95% margins from the \(rounds) rounds' spread: median ±\(Format.fixed(margins[margins.count / 2] * 100, 1))%, "
                + "largest ±\(Format.fixed(margins.last! * 100, 1))%"
                + (beyond.isEmpty ? "" : "; \(couldBeWithin.count) of the \(beyond.count) cases beyond the tolerance could be within it, "
                    + "given their margin")
                + "\n"
        }
        output.stdout = text
        return output
    }

    /// 1, then powers of two up to `cores` (2, 4, ...).
    static func defaultWorkers(cores: Int) -> [Int] {
        var counts = [1], k = 2
        while k <= cores { counts.append(k); k *= 2 }
        return counts
    }
}
