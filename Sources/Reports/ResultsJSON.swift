import Foundation
import Scenario

/// The JSON of `scalecast simulate --json`: the stable contract of
/// CLI-CONTRACT.md, with extra keys beside it.
public enum ResultsJSON {
    struct Document: Encodable {
        var scenario: String
        var results: [Row]
    }

    struct Breakdown: Encodable {
        var compute: Double
        var exposedCommunication: Double
        var idle: Double
        enum CodingKeys: String, CodingKey {
            case compute, exposedCommunication = "exposed_communication", idle
        }
    }

    struct Row: Encodable {
        var label: String
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
        var batchPerGPU: Int
        var gpuMemoryBytes: Int
        var strategyDetail: String

        enum CodingKeys: String, CodingKey {
            case label, gpus, strategy, globalBatch = "global_batch", stepSeconds = "step_seconds",
                 imagesPerSecond = "images_per_second", speedup, efficiency, breakdownSeconds = "breakdown_seconds",
                 peakMemoryBytesPerGPU = "peak_memory_bytes_per_gpu", fitsInMemory = "fits_in_memory", model,
                 gpuModel = "gpu_model", nodes, precision, batchPerGPU = "batch_per_gpu",
                 gpuMemoryBytes = "gpu_memory_bytes", strategyDetail = "strategy_detail"
        }
    }

    /// The document for `results` of the scenario at `scenarioPath`, as UTF-8 text
    /// with sorted keys (byte-identical for identical input).
    public static func render(_ results: [ConfigurationResult], scenarioPath: String) throws -> String {
        let rows = results.map { r in
            Row(label: r.label, gpus: r.gpus, strategy: r.strategy.name, globalBatch: r.metrics.globalBatch,
                stepSeconds: r.metrics.stepSeconds, imagesPerSecond: r.metrics.imagesPerSecond, speedup: r.speedup,
                efficiency: r.efficiency,
                breakdownSeconds: Breakdown(compute: r.metrics.computeSeconds,
                                            exposedCommunication: r.metrics.exposedCommunicationSeconds,
                                            idle: r.metrics.idleSeconds),
                peakMemoryBytesPerGPU: Int(r.memory.totalBytes.rounded(.up)), fitsInMemory: r.fitsInMemory,
                model: r.model, gpuModel: r.gpuModel, nodes: r.nodes, precision: r.precision,
                batchPerGPU: r.batchPerGPU, gpuMemoryBytes: Int(r.gpuMemoryBytes), strategyDetail: r.strategy.summary)
        }
        return try encode(Document(scenario: scenarioPath, results: rows))
    }

    /// Encodes any value as pretty, key-sorted JSON text ending in a newline.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
