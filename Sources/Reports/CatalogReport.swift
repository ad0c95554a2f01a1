import Hardware
import YAMLSupport
import Workload

/// `scalecast models` and `scalecast hardware`.
public enum CatalogReport {
    struct ModelRow: Encodable {
        var name: String
        /// Other names the model answers to (torchvision's spelling).
        var aliases: [String]
        var parameters: Int
        var forwardFLOPsPerImage: Int
        var trainingFLOPsPerImage: Int
        var input: [Int]
        var layers: Int
        var summary: String
        var reference: String
        enum CodingKeys: String, CodingKey {
            case name, aliases, parameters, forwardFLOPsPerImage = "forward_flops_per_image",
                 trainingFLOPsPerImage = "training_flops_per_image", input, layers, summary, reference
        }
    }

    static func modelRows() throws -> [ModelRow] {
        try Zoo.entries.map { entry in
            row(try entry.build(), aliases: entry.aliases, summary: entry.summary, reference: entry.reference)
        }
    }

    /// One row per custom model file (a model YAML as `tools/export_model.py`
    /// writes it), counted as a scenario naming it with `model: {file: ...}` counts it.
    /// - Throws: `ConfigError` naming the file, key path and line of the first problem.
    static func modelRows(files: [String]) throws -> [ModelRow] {
        try files.map { path in
            row(try Network(yaml: YAMLValue.load(path: path)), aliases: [], summary: "from \(path)", reference: path)
        }
    }

    private static func row(_ net: Network, aliases: [String], summary: String, reference: String) -> ModelRow {
        let shape = net.inputShape
        return ModelRow(name: net.name, aliases: aliases, parameters: net.parameters, forwardFLOPsPerImage: net.forwardFLOPsPerExample,
                        trainingFLOPsPerImage: net.trainingFLOPsPerExample,
                        input: [shape.channels, shape.height, shape.width], layers: net.layers.count - 1,
                        summary: summary, reference: reference)
    }

    /// The built-in models, or with `files` the custom models in those files, as JSON.
    public static func modelsJSON(files: [String] = []) throws -> String {
        try ResultsJSON.encode(files.isEmpty ? modelRows() : modelRows(files: files))
    }

    /// The built-in models, or with `files` the custom models in those files, as a table.
    public static func modelsTable(files: [String] = []) throws -> String {
        var table = TextTable(headers: ["model", "parameters", "forward/image", "train/image", "input", "description"],
                              alignments: [.left, .right, .right, .right, .left, .left])
        for row in try files.isEmpty ? modelRows() : modelRows(files: files) {
            table.append([row.name, Format.grouped(row.parameters), Format.flops(Double(row.forwardFLOPsPerImage)),
                          Format.flops(Double(row.trainingFLOPsPerImage)), row.input.map(String.init).joined(separator: "x"),
                          row.summary + (row.aliases.isEmpty ? "" : " (also: \(row.aliases.joined(separator: ", ")))")])
        }
        return table.render()
    }

    struct GPURow: Encodable {
        var name: String
        var architecture: String
        var memoryBytes: Int
        var memoryBytesPerSecond: Double
        var peakFLOPsPerSecond: [String: Double]
        var hostLink: String
        var nvlink: String?
        var source: String
        var sms: Int?
        /// Fitted convolution kernel efficiency by precision and pass (empty where none is fitted).
        var kernelEfficiency: [String: [String: Double]]
        var measured: String?
        enum CodingKeys: String, CodingKey {
            case name, architecture, memoryBytes = "memory_bytes", memoryBytesPerSecond = "memory_bytes_per_second",
                 peakFLOPsPerSecond = "peak_flops_per_second", hostLink = "host_link", nvlink, source, sms,
                 kernelEfficiency = "kernel_efficiency", measured
        }

        /// Absent values encode as null: every row has every key.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(architecture, forKey: .architecture)
            try c.encode(memoryBytes, forKey: .memoryBytes)
            try c.encode(memoryBytesPerSecond, forKey: .memoryBytesPerSecond)
            try c.encode(peakFLOPsPerSecond, forKey: .peakFLOPsPerSecond)
            try c.encode(hostLink, forKey: .hostLink)
            try c.encode(nvlink, forKey: .nvlink)
            try c.encode(source, forKey: .source)
            try c.encode(sms, forKey: .sms)
            try c.encode(kernelEfficiency, forKey: .kernelEfficiency)
            try c.encode(measured, forKey: .measured)
        }
    }

    struct LinkRow: Encodable {
        var name: String
        var kind: String
        var bytesPerSecond: Double
        var latencySeconds: Double
        var source: String
        enum CodingKeys: String, CodingKey {
            case name, kind, bytesPerSecond = "bytes_per_second", latencySeconds = "latency_seconds", source
        }
    }

    struct HardwareDocument: Encodable {
        var gpus: [GPURow]
        var links: [LinkRow]
        var sources: [String: String]
    }

    public static func hardwareJSON(_ catalog: Catalog) throws -> String {
        try ResultsJSON.encode(HardwareDocument(
            gpus: catalog.gpus.map {
                GPURow(name: $0.name, architecture: $0.architecture, memoryBytes: Int($0.memoryBytes),
                       memoryBytesPerSecond: $0.memoryBytesPerSecond, peakFLOPsPerSecond: $0.peakFLOPsPerSecond,
                       hostLink: $0.hostLink, nvlink: $0.nvlink, source: $0.source, sms: $0.streamingMultiprocessors,
                       kernelEfficiency: $0.kernelEfficiency, measured: $0.measured)
            },
            links: catalog.links.map {
                LinkRow(name: $0.name, kind: $0.kind.rawValue, bytesPerSecond: $0.bytesPerSecond,
                        latencySeconds: $0.latencySeconds, source: $0.source)
            },
            sources: Dictionary(catalog.sources.map { ($0.tag, $0.reference) }, uniquingKeysWith: { a, _ in a })))
    }

    public static func hardwareTable(_ catalog: Catalog) -> String {
        var gpus = TextTable(headers: ["GPU", "arch", "memory GiB", "mem GB/s", "fp32 TF", "tf32 TF", "fp16 TF", "bf16 TF", "host", "nvlink",
                                       "SMs", "kernels fitted"],
                             alignments: [.left, .left, .right, .right, .right, .right, .right, .right, .left, .left, .right, .left])
        func peak(_ gpu: GPUSpec, _ p: String) -> String { gpu.peakFLOPsPerSecond[p].map { Format.fixed($0 / 1e12, 1) } ?? "-" }
        for gpu in catalog.gpus {
            gpus.append([gpu.name, gpu.architecture, Format.gib(gpu.memoryBytes), Format.fixed(gpu.memoryBytesPerSecond / 1e9, 0),
                         peak(gpu, "fp32"), peak(gpu, "tf32"), peak(gpu, "fp16"), peak(gpu, "bf16"), gpu.hostLink, gpu.nvlink ?? "-",
                         gpu.streamingMultiprocessors.map(String.init) ?? "-",
                         gpu.kernelEfficiency.isEmpty ? "-" : gpu.kernelEfficiency.keys.sorted().joined(separator: ", ")])
        }
        var links = TextTable(headers: ["link", "kind", "GB/s per direction", "latency us/hop", "source"],
                              alignments: [.left, .left, .right, .right, .left])
        for link in catalog.links {
            links.append([link.name, link.kind.rawValue, Format.fixed(link.bytesPerSecond / 1e9, 2),
                          Format.fixed(link.latencySeconds * 1e6, 1), link.source])
        }
        var sources = "GPU sources:\n"
        for gpu in catalog.gpus { sources += "  \(gpu.name): \(gpu.source)\n" }
        var prices = TextTable(headers: ["GPU", "offer", "$ per hour", "GPUs", "$ per GPU-hour", "seen", "source"],
                               alignments: [.left, .left, .right, .right, .right, .left, .left])
        for p in catalog.cloudPrices {
            prices.append([p.gpu, "\(p.provider) \(p.instance)", Format.fixed(p.perHour, 2), "\(p.gpusPerInstance)",
                           Format.fixed(p.perGPUHour, 2), p.seen, p.source])
        }
        for p in catalog.purchasePrices {
            prices.append([p.gpu, "purchase, per GPU", "\(Format.grouped(Int(p.low)))-\(Format.grouped(Int(p.high)))", "1", "", p.seen, p.source])
        }
        var legend = "Sources cited above:\n"
        for (tag, reference) in catalog.sources { legend += "  [\(tag)] \(reference)\n" }
        return "GPUs (peaks are dense datasheet figures; TF = TFLOP/s; \"kernels fitted\": the precisions whose convolution kernel "
            + "efficiencies are fitted to measured kernel times, docs/kernel-model.md)\n" + gpus.render() + "\n" + sources
            + "\nLinks\n" + links.render()
            + "\nPrices (US dollars; dated, not current: override them under a scenario's pricing:)\n" + prices.render() + "\n" + legend
    }
}
