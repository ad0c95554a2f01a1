import Dispatch
import Foundation
import Hardware
import Parallelism
import Scenario
import Simulation
import YAMLSupport

/// One evaluated point of a sweep: the contract's keys, the varied values, and
/// time and cost to train where the scenario states them.
public struct SweepRow: Codable, Sendable, Equatable {
    public var point: Int
    public var run: String
    /// The varied values by key.
    public var vary: VariedValues
    public var gpus: Int
    public var gpuModel: String
    public var strategy: String
    public var scheme: String?
    public var variant: String?
    public var globalBatch: Int
    public var stepSeconds: Double
    public var imagesPerSecond: Double
    public var speedup: Double
    public var efficiency: Double
    public var computeSeconds: Double
    public var exposedCommunicationSeconds: Double
    public var idleSeconds: Double
    /// The parts of `idleSeconds` that are no communication: waiting for the CPU
    /// loaders, for the slowest worker, and for work done once per interval (input
    /// copies, evaluation and checkpoint), as `StepMetrics` has them, seconds; null in
    /// rows written before they were recorded.
    public var inputWaitSeconds: Double?
    public var stragglerWaitSeconds: Double?
    public var periodicSeconds: Double?
    /// Seconds the busiest worker's host thread spends launching the step's kernels
    /// (`StepMetrics.hostBusySeconds`); null in rows written before it was recorded.
    public var hostBusySeconds: Double? = nil
    /// Images per GPU per micro-batch, as `max_global_batch` leaves `batch_per_gpu` at this
    /// GPU count; null in rows written before it was recorded.
    public var batchPerGPU: Int? = nil
    /// The epochs `timeToTrainSeconds` trains at this row's global batch (the goal's figure,
    /// or its table's or recipe's there); null without `training:` or in rows written before.
    public var epochs: Double? = nil
    /// "above" where the global batch lies above the largest the epochs are stated for (their
    /// figure held: `timeToTrainSeconds` is a lower bound), "below" under the smallest
    /// (`TrainingGoal.EpochsHeld`); null within them, under fixed epochs, without `training:`
    /// or in rows written before it was recorded.
    public var epochsHeld: TrainingGoal.EpochsHeld? = nil
    public var peakMemoryBytesPerGPU: Int
    public var fitsInMemory: Bool
    public var timeToTrainSeconds: Double?
    public var costUSD: Double?
    /// Ranges under `Uncertainty` (null without sampling): the 10th and 90th percentiles.
    public var imagesPerSecondP10: Double?
    public var imagesPerSecondP90: Double?
    public var timeToTrainSecondsP10: Double?
    public var timeToTrainSecondsP90: Double?
    public var costUSDP10: Double?
    public var costUSDP90: Double?
    /// The model the run trains (null in rows written before it was recorded).
    public var model: String?
    /// Owned configurations: dollars up front, and over the stated life (null in the cloud).
    public var capexUSD: Double?
    public var tcoUSD: Double?
    public var capexUSDP10: Double?
    public var capexUSDP90: Double?
    /// The price basis: the offer, dollars per GPU-hour, when the price was seen, its source.
    public var priceOffer: String?
    public var usdPerGPUHour: Double?
    public var priceSeen: String?
    public var priceSource: String?
    /// Whether `max_global_batch` holds this row's global batch: one more image in each GPU's
    /// micro-batch would pass it, and so would more accumulation of micro-batches of at least
    /// as many images as there are accumulation steps (true wherever it cut `batch_per_gpu`),
    /// for the plan's advice; not written (the rows' files carry `global_batch`), false when read.
    public var batchAtCap = false
    /// Whether a step takes more images than an epoch of the run's training goal, so that
    /// `timeToTrainSeconds` counts part of a step no run takes; for sweep's note, not written
    /// (the rows carry `global_batch`), false when read.
    public var stepExceedsEpoch = false

    enum CodingKeys: String, CodingKey {
        case point, run, vary, gpus, gpuModel = "gpu_model", strategy, scheme, variant, globalBatch = "global_batch",
             stepSeconds = "step_seconds", imagesPerSecond = "images_per_second", speedup, efficiency,
             computeSeconds = "compute_seconds", exposedCommunicationSeconds = "exposed_communication_seconds",
             idleSeconds = "idle_seconds", inputWaitSeconds = "input_wait_seconds", stragglerWaitSeconds = "straggler_wait_seconds",
             periodicSeconds = "periodic_seconds", hostBusySeconds = "host_busy_seconds", peakMemoryBytesPerGPU = "peak_memory_bytes_per_gpu", fitsInMemory = "fits_in_memory",
             timeToTrainSeconds = "time_to_train_seconds", costUSD = "cost_usd",
             imagesPerSecondP10 = "images_per_second_p10", imagesPerSecondP90 = "images_per_second_p90",
             timeToTrainSecondsP10 = "time_to_train_seconds_p10", timeToTrainSecondsP90 = "time_to_train_seconds_p90",
             costUSDP10 = "cost_usd_p10", costUSDP90 = "cost_usd_p90", model, capexUSD = "capex_usd", tcoUSD = "tco_usd",
             capexUSDP10 = "capex_usd_p10", capexUSDP90 = "capex_usd_p90", priceOffer = "price_offer", usdPerGPUHour = "usd_per_gpu_hour",
             priceSeen = "price_seen", priceSource = "price_source", batchPerGPU = "batch_per_gpu", epochs,
             epochsHeld = "epochs_held"
    }

    /// Optionals are written as null, not left out: every row has every key.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(point, forKey: .point); try c.encode(run, forKey: .run); try c.encode(vary, forKey: .vary)
        try c.encode(gpus, forKey: .gpus); try c.encode(gpuModel, forKey: .gpuModel); try c.encode(strategy, forKey: .strategy)
        try c.encode(scheme, forKey: .scheme); try c.encode(variant, forKey: .variant); try c.encode(globalBatch, forKey: .globalBatch)
        try c.encode(stepSeconds, forKey: .stepSeconds); try c.encode(imagesPerSecond, forKey: .imagesPerSecond)
        try c.encode(speedup, forKey: .speedup); try c.encode(efficiency, forKey: .efficiency)
        try c.encode(computeSeconds, forKey: .computeSeconds)
        try c.encode(exposedCommunicationSeconds, forKey: .exposedCommunicationSeconds)
        try c.encode(idleSeconds, forKey: .idleSeconds); try c.encode(inputWaitSeconds, forKey: .inputWaitSeconds)
        try c.encode(stragglerWaitSeconds, forKey: .stragglerWaitSeconds); try c.encode(periodicSeconds, forKey: .periodicSeconds)
        try c.encode(hostBusySeconds, forKey: .hostBusySeconds)
        try c.encode(peakMemoryBytesPerGPU, forKey: .peakMemoryBytesPerGPU)
        try c.encode(fitsInMemory, forKey: .fitsInMemory); try c.encode(timeToTrainSeconds, forKey: .timeToTrainSeconds)
        try c.encode(costUSD, forKey: .costUSD)
        try c.encode(imagesPerSecondP10, forKey: .imagesPerSecondP10); try c.encode(imagesPerSecondP90, forKey: .imagesPerSecondP90)
        try c.encode(timeToTrainSecondsP10, forKey: .timeToTrainSecondsP10)
        try c.encode(timeToTrainSecondsP90, forKey: .timeToTrainSecondsP90)
        try c.encode(costUSDP10, forKey: .costUSDP10); try c.encode(costUSDP90, forKey: .costUSDP90)
        try c.encode(model, forKey: .model); try c.encode(capexUSD, forKey: .capexUSD); try c.encode(tcoUSD, forKey: .tcoUSD)
        try c.encode(capexUSDP10, forKey: .capexUSDP10); try c.encode(capexUSDP90, forKey: .capexUSDP90)
        try c.encode(priceOffer, forKey: .priceOffer); try c.encode(usdPerGPUHour, forKey: .usdPerGPUHour)
        try c.encode(priceSeen, forKey: .priceSeen); try c.encode(priceSource, forKey: .priceSource)
        try c.encode(batchPerGPU, forKey: .batchPerGPU); try c.encode(epochs, forKey: .epochs)
        try c.encode(epochsHeld, forKey: .epochsHeld)
    }

    /// The varied values other than the GPU count and type, as `key=value`, sorted by key.
    public var otherSettings: [String] {
        vary.pairs.filter { !["gpus", "cluster.gpu"].contains($0.key) }.map { "\($0.key)=\($0.value)" }
    }

    /// The time to rank by: the pessimistic end (90th percentile) when asked and known.
    public func time(pessimistic: Bool) -> Double? { pessimistic ? (timeToTrainSecondsP90 ?? timeToTrainSeconds) : timeToTrainSeconds }
    /// The cost to rank by: the pessimistic end (90th percentile) when asked and known.
    public func cost(pessimistic: Bool) -> Double? { pessimistic ? (costUSDP90 ?? costUSD) : costUSD }
    /// The up-front cost to bound: the pessimistic end when asked and known; nil in the cloud.
    public func capex(pessimistic: Bool) -> Double? { pessimistic ? (capexUSDP90 ?? capexUSD) : capexUSD }
}

extension Sweep {
    /// Points simulated and written at a time where a sweep's rows are streamed
    /// (`sweep --out FILE.csv`, `evaluate(chunkPoints:emit:)`): a few MB of rows, and enough
    /// jobs to keep every core busy.
    public static let streamingChunkPoints = 4096

    /// Simulates `points` (by default all) on every core, with speedups against
    /// each configuration on one GPU. Rows come back in point order whatever the
    /// scheduling, so the output is deterministic.
    /// - Parameter progress: called with (done, total) as simulations finish.
    /// - Parameter uncertainty: also report each point's 10th and 90th percentiles
    ///   under the simulator's measured errors (`Uncertainty`; nothing more is simulated).
    public func evaluate(_ selected: [Point]? = nil, uncertainty: Uncertainty? = nil,
                         progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [SweepRow] {
        var rows: [SweepRow] = []
        try evaluate(selected, uncertainty: uncertainty, progress: progress, chunkPoints: Int.max) { rows += $0 }
        return rows
    }

    /// `evaluate`, a chunk of `chunkPoints` points at a time: each chunk's rows, in point
    /// order, go to `emit` before the next chunk is simulated, and only they and the
    /// single-GPU baselines' metrics are kept meanwhile, so that memory does not grow with
    /// the rows (a 100,000-point sweep written as CSV: `SweepCommand`; the grid itself, its
    /// points and jobs, is held whole). The rows are those `evaluate` returns, whatever the
    /// chunk size. Every configuration passes `ScenarioRunner.check`, and its pricing
    /// finds every price it needs, before any is simulated; an error found later (in a
    /// simulation) ends the evaluation after the chunks already emitted.
    public func evaluate(_ selected: [Point]? = nil, uncertainty: Uncertainty? = nil,
                         progress: (@Sendable (Int, Int) -> Void)? = nil, chunkPoints: Int,
                         emit: ([SweepRow]) throws -> Void) throws {
        precondition(chunkPoints > 0, "a chunk holds at least one point")
        let chosen = selected ?? points
        // Jobs: each point, and each distinct single-GPU baseline.
        var jobs: [EvaluationJob] = []
        var baselineJob: [String: Int] = [:]
        var pointJob: [Int] = []
        var pointBaseline: [Int] = []
        // Each job's first point (in `chosen`), whose varied values an error names: an index, not
        // their text, which a 100,000-point sweep would hold for every job.
        var jobPoint: [Int] = []
        for (n, p) in chosen.enumerated() {
            let variant = Self.variantKey(runIndex: p.runIndex, axes: axes, values: p.values)
            if baselineJob[variant] == nil {
                baselineJob[variant] = jobs.count
                jobs.append(EvaluationJob(shared: p.shared, gpus: 1, runIndex: p.runIndex))
                jobPoint.append(n)
            }
            pointBaseline.append(baselineJob[variant]!)
            if p.gpus == 1 { pointJob.append(baselineJob[variant]!) } else {
                pointJob.append(jobs.count)
                jobs.append(EvaluationJob(shared: p.shared, gpus: p.gpus, runIndex: p.runIndex))
                jobPoint.append(n)
            }
        }
        let variedCounts = axes.first { $0.key == "gpus" }.map { Set($0.values.compactMap { Int($0) }) }
        // A job's varied settings other than the GPU count, as `--vary` writes them.
        func settings(_ job: Int) -> [String] {
            zip(axes, chosen[jobPoint[job]].values).filter { $0.0.key != "gpus" }.map { "\($0.0.key)=\($0.1)" }
        }
        for (j, job) in jobs.enumerated() {
            do { try ScenarioRunner.check(job.run, gpus: job.gpus, location: job.run.gpusLocation) } catch let checked as ConfigError {
                // Named as the scenario numbers its runs (a varied scenario under --run holds only the chosen ones).
                var error = Self.renumberingRun(checked) { _ in job.runIndex }
                // The count came from --vary, not from the line named: say so, as for any other varied value.
                if let variedCounts {
                    error.message += variedCounts.contains(job.gpus) ? " (with --vary gpus=\(job.gpus))"
                        : " (at \(job.gpus) GPU\(job.gpus == 1 ? "" : "s"), which the sweep's speedups are measured against)"
                }
                // A varied cap has no line of its own: name the value.
                if error.keyPath.hasSuffix("max_global_batch"), axes.contains(where: { $0.key == "max_global_batch" }),
                   let cap = job.run.maxGlobalBatch {
                    error.message += " (with --vary max_global_batch=\(cap))"
                } else if !settings(j).isEmpty {
                    // The point's other varied settings (a scheme, a variant): the line named holds none of them.
                    error.message += " (with --vary \(settings(j).joined(separator: " ")))"
                }
                throw error
            }
        }
        // Prices need no simulation: a price the pricing cannot find stops the sweep before any point is simulated,
        // with every distinct price missing at that key said at once (a network at 100 and at 400 Gb/s, say), so
        // that one edit states them all.
        var missing: ConfigError?
        var reasons: [String] = []
        for p in chosen {
            do {
                _ = try TrainingEstimate.estimate(p.run, gpus: p.gpus, imagesPerSecond: 1, catalog: catalog)
            } catch let error as ConfigError {
                guard missing == nil || (error.file == missing!.file && error.keyPath == missing!.keyPath && error.line == missing!.line) else { continue }
                if missing == nil { missing = error }
                if !reasons.contains(error.message) { reasons.append(error.message) }
            }
        }
        if var missing {
            // "WHAT; state it as KEY" each: where every one names the same way out, it is said once.
            let parts = reasons.map { $0.components(separatedBy: "; state it as ") }
            if reasons.count > 1, parts.allSatisfy({ $0.count == 2 && $0[1] == parts[0][1] }) {
                missing.message = parts.map { $0[0] }.joined(separator: "; ") + "; state them as " + parts[0][1]
            } else {
                missing.message = reasons.joined(separator: "; and ")
            }
            throw missing
        }
        // Every row's varied keys in ascending order, one array shared by all of them.
        let varyOrder = axes.indices.sorted { axes[$0].key < axes[$1].key }
        let varyKeys = varyOrder.map { axes[$0].key }
        func row(_ p: Point, _ m: StepMetrics, single: StepMetrics) throws -> SweepRow {
            let setup = p.run.setup(gpus: p.gpus)
            let memory = try p.run.memoryFootprint(for: setup)
            let estimate = try TrainingEstimate.estimate(p.run, gpus: p.gpus, imagesPerSecond: m.imagesPerSecond, catalog: catalog)
            let speedup = m.imagesPerSecond / single.imagesPerSecond
            let ranges = try uncertainty?.ranges(p.run, gpus: p.gpus, imagesPerSecond: m.imagesPerSecond, catalog: catalog)
            return SweepRow(
                point: p.index, run: p.runLabel, vary: VariedValues(keys: varyKeys, values: varyOrder.map { p.values[$0] }),
                gpus: p.gpus, gpuModel: p.run.cluster.gpu.name, strategy: p.run.strategy.name,
                scheme: p.run.strategy.schemeIfHybrid?.rawValue, variant: p.run.strategy.variantIfModelParallel?.rawValue,
                globalBatch: m.globalBatch, stepSeconds: m.stepSeconds, imagesPerSecond: m.imagesPerSecond, speedup: speedup,
                efficiency: speedup / Double(p.gpus), computeSeconds: m.computeSeconds,
                exposedCommunicationSeconds: m.exposedCommunicationSeconds, idleSeconds: m.idleSeconds,
                inputWaitSeconds: m.inputWaitSeconds, stragglerWaitSeconds: m.stragglerWaitSeconds,
                periodicSeconds: m.inputCopySeconds + m.evaluationSeconds, hostBusySeconds: m.hostBusySeconds,
                batchPerGPU: p.run.batchPerGPU(at: p.gpus), epochs: p.run.training?.epochs(atGlobalBatch: m.globalBatch),
                epochsHeld: p.run.training?.epochsHeld(atGlobalBatch: m.globalBatch),
                peakMemoryBytesPerGPU: Int(saturating: memory.totalBytes.rounded(.up)), fitsInMemory: memory.totalBytes <= p.run.cluster.gpu.memoryBytes,
                timeToTrainSeconds: p.run.training.map { $0.totalImages(atGlobalBatch: m.globalBatch) / m.imagesPerSecond },
                costUSD: estimate?.dollars,
                imagesPerSecondP10: ranges?.imagesPerSecond.lowerBound, imagesPerSecondP90: ranges?.imagesPerSecond.upperBound,
                timeToTrainSecondsP10: ranges?.seconds?.lowerBound, timeToTrainSecondsP90: ranges?.seconds?.upperBound,
                costUSDP10: ranges?.dollars?.lowerBound, costUSDP90: ranges?.dollars?.upperBound,
                model: p.run.modelLabel, capexUSD: estimate?.capexUSD, tcoUSD: estimate?.tcoUSD,
                capexUSDP10: ranges?.capex?.lowerBound, capexUSDP90: ranges?.capex?.upperBound,
                priceOffer: estimate?.basis.offer, usdPerGPUHour: estimate?.basis.usdPerGPUHour,
                priceSeen: estimate?.basis.seen, priceSource: estimate?.basis.source,
                batchAtCap: p.run.maxGlobalBatch.map { m.globalBatch + p.gpus * p.run.accumulationSteps > $0 } ?? false,
                stepExceedsEpoch: p.run.training.map { m.globalBatch > $0.images } ?? false)
        }
        var metrics: [Int: StepMetrics] = [:]   // by job: the chunk's, and the baselines met so far
        var simulated = 0
        var chunkStart = 0
        while chunkStart < chosen.count {
            let chunk = chunkStart..<(chunkStart + min(chunkPoints, chosen.count - chunkStart))
            // The chunk's jobs not simulated yet, in the order the points first need them.
            var needed: [Int] = [], seen = Set<Int>()
            for n in chunk {
                for job in [pointBaseline[n], pointJob[n]] where metrics[job] == nil && seen.insert(job).inserted { needed.append(job) }
            }
            let before = simulated, total = jobs.count
            // An error met in a simulation names the point's varied settings, as the checks' do (written only then).
            let neededPoints = needed.map { chosen[jobPoint[$0]].values }, axes = self.axes
            let note: @Sendable (Int, Int) -> String = { i, gpus in
                let varied = zip(axes, neededPoints[i]).filter { $0.0.key != "gpus" }.map { "\($0.0.key)=\($0.1)" }
                    + (variedCounts?.contains(gpus) == true ? ["gpus=\(gpus)"] : [])
                return varied.isEmpty ? "" : " (with --vary \(varied.joined(separator: " ")))"
            }
            let found = try Self.simulate(needed.map { jobs[$0] }, errorNote: note, progress: progress.map { report in
                { @Sendable done, _ in report(before + done, total) }
            })
            for (job, m) in zip(needed, found) { metrics[job] = m }
            simulated += needed.count
            try emit(chunk.map { n in try row(chosen[n], metrics[pointJob[n]]!, single: metrics[pointBaseline[n]]!) })
            // Keep the baselines: later chunks measure their speedups against them.
            for n in chunk where pointJob[n] != pointBaseline[n] { metrics[pointJob[n]] = nil }
            chunkStart = chunk.upperBound
        }
    }

    /// The step metrics of `jobs`, in order, simulated on every core.
    /// - Parameters:
    ///   - errorNote: for a job (its index in `jobs`, its GPU count), the words a `ConfigError` its
    ///     simulation throws ends with (the point's varied settings).
    ///   - progress: called with (done, jobs.count) as simulations finish.
    private static func simulate(_ jobs: [EvaluationJob], errorNote: @escaping @Sendable (Int, Int) -> String,
                                 progress: (@Sendable (Int, Int) -> Void)?) throws -> [StepMetrics] {
        let box = ResultBox<StepMetrics>(count: jobs.count)
        // One worker per core, each taking the next job in turn and keeping the topology of
        // its last one: consecutive points mostly share a wiring (the GPU count and network
        // vary slowest), and a topology reused is one neither built nor routed again.
        let workers = max(1, min(jobs.count, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var last: Topology?
            while let i = box.nextJob() {
                let job = jobs[i]
                let wiring = Topology.Wiring(cluster: job.run.simulatedCluster, gpus: job.gpus)
                if last?.wiring != wiring { last = Topology(cluster: job.run.simulatedCluster, gpus: job.gpus) }
                let topology = last
                let result = Result { try ScenarioRunner.simulate(job.run, gpus: job.gpus, reusing: topology).metrics }.mapError { error -> Error in
                    guard var located = error as? ConfigError else { return error }
                    located.message += errorNote(i, job.gpus)
                    return located
                }
                let done = box.store(result, at: i)
                progress?(done, jobs.count)
            }
        }
        return try box.values()
    }
}

/// A configuration a sweep simulates: a point's run at its GPU count, or its run on one GPU
/// (the baseline its speedup is measured against).
struct EvaluationJob: Sendable {
    var shared: Sweep.SharedRun
    var gpus: Int
    /// The scenario's index of the job's run (`Sweep.Point.runIndex`), for errors.
    var runIndex: Int
    var run: RunSpec { shared.run }
}
