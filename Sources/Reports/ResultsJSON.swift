import Foundation
import YAMLSupport
import Scenario

/// The JSON of `scalecast simulate --json` (keys and units in docs/json.md).
public enum ResultsJSON {
    struct Document: Encodable {
        var scenario: String
        var results: [Row]
        /// What the published corpus says against the GPUs simulated (`scalecast plan`'s cautions).
        var cautions: [String]
    }

    struct Breakdown: Encodable {
        var compute: Double
        var exposedCommunication: Double
        var idle: Double
        enum CodingKeys: String, CodingKey {
            case compute, exposedCommunication = "exposed_communication", idle
        }
    }

    /// A cost's price basis: the offer, its dollars per GPU-hour, when seen, its source, every figure.
    struct PriceBasisJSON: Encodable {
        var offer: String
        var usdPerGPUHour: Double
        var seen: String
        var source: String
        var details: String

        enum CodingKeys: String, CodingKey {
            case offer, usdPerGPUHour = "usd_per_gpu_hour", seen, source, details
        }
    }

    struct Row: Encodable {
        /// Optionals encode as null rather than being left out: the keys are part of the contract.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(label, forKey: .label)
            try c.encode(run, forKey: .run)
            try c.encode(gpus, forKey: .gpus)
            try c.encode(strategy, forKey: .strategy)
            try c.encode(globalBatch, forKey: .globalBatch)
            try c.encode(stepSeconds, forKey: .stepSeconds)
            try c.encode(imagesPerSecond, forKey: .imagesPerSecond)
            try c.encode(speedup, forKey: .speedup)
            try c.encode(efficiency, forKey: .efficiency)
            try c.encode(breakdownSeconds, forKey: .breakdownSeconds)
            try c.encode(peakMemoryBytesPerGPU, forKey: .peakMemoryBytesPerGPU)
            try c.encode(fitsInMemory, forKey: .fitsInMemory)
            try c.encode(model, forKey: .model)
            try c.encode(gpuModel, forKey: .gpuModel)
            try c.encode(nodes, forKey: .nodes)
            try c.encode(precision, forKey: .precision)
            try c.encode(precisionNote, forKey: .precisionNote)
            try c.encode(batchPerGPU, forKey: .batchPerGPU)
            try c.encode(accumulationSteps, forKey: .accumulationSteps)
            try c.encode(gpuMemoryBytes, forKey: .gpuMemoryBytes)
            try c.encode(strategyDetail, forKey: .strategyDetail)
            try c.encode(hierarchicalRanAsRing, forKey: .hierarchicalRanAsRing)
            try c.encode(flatRingCrossesRails, forKey: .flatRingCrossesRails)
            try c.encode(fidelity, forKey: .fidelity)
            try c.encode(scheme, forKey: .scheme)
            try c.encode(variant, forKey: .variant)
            try c.encode(timeToTrainSeconds, forKey: .timeToTrainSeconds)
            try c.encode(epochs, forKey: .epochs)
            try c.encode(epochsHeld, forKey: .epochsHeld)
            try c.encode(epochImages, forKey: .epochImages)
            try c.encode(costUSD, forKey: .costUSD)
            try c.encode(capexUSD, forKey: .capexUSD)
            try c.encode(tcoUSD, forKey: .tcoUSD)
            try c.encode(priceBasis, forKey: .priceBasis)
        }

        var label: String
        /// The run's name alone, as `--run` takes it: its label, or its key path (`runs[1]`)
        /// in a scenario of several runs; null for a scenario's only, unlabelled run.
        var run: String? = nil
        var gpus: Int
        var strategy: String
        var globalBatch: Int
        var stepSeconds: Double
        var imagesPerSecond: Double
        var speedup: Double
        var efficiency: Double
        var breakdownSeconds: Breakdown
        var peakMemoryBytesPerGPU: Int
        var fitsInMemory: Bool
        // Beyond the contract:
        var model: String
        var gpuModel: String
        var nodes: Int
        var precision: String
        /// Why `precision` is not the scenario's (bf16 on a GPU without bf16 units runs as fp16); null when it is.
        var precisionNote: String?
        var batchPerGPU: Int
        /// Micro-batches of `batchPerGPU` per step (`accumulation_steps`; 1: none).
        var accumulationSteps: Int
        var gpuMemoryBytes: Int
        var strategyDetail: String
        /// Whether the strategy's hierarchical all-reduce ran as a flat ring at this count (a partly filled last node).
        var hierarchicalRanAsRing: Bool
        /// Whether the gradients' flat ring changes rails over the spine between nodes at this count.
        var flatRingCrossesRails: Bool
        /// "expanded" or "aggregated": how this count was simulated.
        var fidelity: String
        /// "a", "b" or "c" for hybrid rows, null otherwise.
        var scheme: String?
        /// "exact" or "approximate" where model-parallel layers exist, null otherwise.
        var variant: String?
        /// Seconds to train the run's `training:` goal; null without one.
        var timeToTrainSeconds: Double?
        /// The epochs that time trains, at the row's global batch; null without a goal.
        var epochs: Double?
        /// "above" where the row's global batch lies above the largest the epochs are stated for
        /// (their figure held: the time to train is a lower bound), "below" under the smallest;
        /// null within them, under fixed epochs or without a goal (`TrainingGoal.epochsHeld`).
        var epochsHeld: TrainingGoal.EpochsHeld?
        /// The images of one epoch of the run's goal (`training.images`); null without one. A row
        /// whose `globalBatch` exceeds it counts part-steps in its time to train, which no run takes.
        var epochImages: Int?
        /// Dollars for it under the run's `pricing:`; null without both.
        var costUSD: Double?
        /// Owned clusters: dollars up front and over the stated life; null otherwise.
        var capexUSD: Double?
        var tcoUSD: Double?
        /// Where the cost comes from; null without a cost.
        var priceBasis: PriceBasisJSON?

        enum CodingKeys: String, CodingKey {
            case label, run, gpus, strategy, globalBatch = "global_batch", stepSeconds = "step_seconds",
                 imagesPerSecond = "images_per_second", speedup, efficiency, breakdownSeconds = "breakdown_seconds",
                 peakMemoryBytesPerGPU = "peak_memory_bytes_per_gpu", fitsInMemory = "fits_in_memory", model,
                 gpuModel = "gpu_model", nodes, precision, precisionNote = "precision_note", batchPerGPU = "batch_per_gpu", accumulationSteps = "accumulation_steps",
                 gpuMemoryBytes = "gpu_memory_bytes", strategyDetail = "strategy_detail",
                 hierarchicalRanAsRing = "hierarchical_ran_as_ring", flatRingCrossesRails = "flat_ring_crosses_rails", fidelity, scheme, variant,
                 timeToTrainSeconds = "time_to_train_seconds", epochs, epochsHeld = "epochs_held", epochImages = "epoch_images",
                 costUSD = "cost_usd", capexUSD = "capex_usd", tcoUSD = "tco_usd",
                 priceBasis = "price_basis"
        }
    }

    /// The document for `results` of the scenario at `scenarioPath`, as UTF-8 text
    /// with sorted keys (byte-identical for identical input).
    /// - Parameters:
    ///   - training: per result (same order), its time and cost to train, if its run states them.
    ///   - cautions: the published corpus's cautions on the GPUs simulated, once each.
    public static func render(_ results: [ConfigurationResult], scenarioPath: String,
                              training: [ResultsTable.TrainingCell?] = [], cautions: [String]) throws -> String {
        try encode(Document(scenario: scenarioPath, results: rows(results, training: training), cautions: cautions))
    }

    /// One row per result, as `simulate --json` writes them.
    /// - Parameter training: per result (same order), its time and cost to train, if its run states them.
    static func rows(_ results: [ConfigurationResult], training: [ResultsTable.TrainingCell?]) -> [Row] {
        results.enumerated().map { i, r in
            Row(label: r.label, run: r.runName, gpus: r.gpus, strategy: r.strategy.name, globalBatch: r.metrics.globalBatch,
                stepSeconds: r.metrics.stepSeconds, imagesPerSecond: r.metrics.imagesPerSecond, speedup: r.speedup,
                efficiency: r.efficiency,
                breakdownSeconds: Breakdown(compute: r.metrics.computeSeconds,
                                            exposedCommunication: r.metrics.exposedCommunicationSeconds,
                                            idle: r.metrics.idleSeconds),
                peakMemoryBytesPerGPU: Int(saturating: r.memory.totalBytes.rounded(.up)), fitsInMemory: r.fitsInMemory,
                model: r.model, gpuModel: r.gpuModel, nodes: r.nodes, precision: r.precision, precisionNote: r.precisionNote,
                batchPerGPU: r.batchPerGPU, accumulationSteps: r.accumulationSteps, gpuMemoryBytes: Int(saturating: r.gpuMemoryBytes), strategyDetail: r.strategySummary,
                hierarchicalRanAsRing: r.hierarchicalRanAsRing, flatRingCrossesRails: r.flatRingCrossesRails,
                fidelity: r.fidelity.rawValue, scheme: r.strategy.schemeIfHybrid?.rawValue, variant: r.strategy.variantIfModelParallel?.rawValue,
                timeToTrainSeconds: i < training.count ? training[i].map { $0.hours * 3600 } : nil,
                epochs: i < training.count ? training[i]?.epochs : nil,
                epochsHeld: i < training.count ? training[i]?.epochsHeld : nil,
                epochImages: i < training.count ? training[i]?.epochImages : nil,
                costUSD: i < training.count ? training[i]?.dollars : nil,
                capexUSD: i < training.count ? training[i]?.capexUSD : nil, tcoUSD: i < training.count ? training[i]?.tcoUSD : nil,
                priceBasis: i < training.count ? training[i].flatMap(basis) : nil)
        }
    }

    static func basis(_ cell: ResultsTable.TrainingCell) -> PriceBasisJSON? {
        guard let offer = cell.offer, let perGPUHour = cell.usdPerGPUHour else { return nil }
        return PriceBasisJSON(offer: offer, usdPerGPUHour: perGPUHour, seen: cell.priceSeen ?? "", source: cell.priceSource ?? "",
                              details: cell.priceDetails ?? "")
    }

    /// Encodes any value as pretty, key-sorted JSON text ending in a newline.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
