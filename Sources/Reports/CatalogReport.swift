import CostModel
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
    /// Each file is read at `path` and named as `shown` (as the user wrote it).
    static func modelRows(files: [(path: String, shown: String)]) throws -> [ModelRow] {
        try files.map { file in
            row(try Network(yaml: YAMLValue.load(path: file.path)), aliases: [], summary: "from \(file.shown)", reference: file.shown)
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
    public static func modelsJSON(files: [(path: String, shown: String)] = []) throws -> String {
        try ResultsJSON.encode(files.isEmpty ? modelRows() : modelRows(files: files))
    }

    /// The built-in models, or with `files` the custom models in those files, as a table.
    public static func modelsTable(files: [(path: String, shown: String)] = []) throws -> String {
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
        /// Other names a scenario (`cluster.gpu`) or `--gpu` may give the GPU, compared without case.
        var aliases: [String]
        var architecture: String
        var memoryBytes: Int
        var memoryBytesPerSecond: Double
        var peakFLOPsPerSecond: [String: Double]
        var hostLink: String
        var nvlink: String?
        /// The node fabric a cluster of this GPU gets by default (`nvswitch`, `nvlink-mesh`, `pcie-tree`).
        var fabric: String
        var tdpWatts: Double?
        var source: String
        var sms: Int?
        /// Fitted convolution kernel efficiency by precision and pass (empty where none is fitted).
        var kernelEfficiency: [String: [String: Double]]
        /// The measured fraction of peak large matrix products reach, by precision (empty where
        /// the catalog has none and the cost model's defaults apply).
        var maxEfficiency: [String: Double]
        /// The measured size curve of products that are not convolutions, by precision
        /// (`max_efficiency`, `half_saturation`; empty where the catalog has none).
        var gemmCurve: [String: [String: Double]]
        /// The coefficient of variation of one board's speed among its peers (0: none measured).
        var speedVariationCV: Double
        /// The measured fraction of peak bandwidth streaming kernels reach (nil: none measured,
        /// the cost model's default applies).
        var memoryEfficiency: Double?
        var measured: String?
        enum CodingKeys: String, CodingKey {
            case name, aliases, architecture, memoryBytes = "memory_bytes", memoryBytesPerSecond = "memory_bytes_per_second",
                 peakFLOPsPerSecond = "peak_flops_per_second", hostLink = "host_link", nvlink, fabric, tdpWatts = "tdp_watts", source, sms,
                 kernelEfficiency = "kernel_efficiency", maxEfficiency = "max_efficiency", gemmCurve = "gemm_curve", speedVariationCV = "speed_variation_cv",
                 memoryEfficiency = "memory_efficiency", measured
        }

        /// Absent values encode as null: every row has every key.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(aliases, forKey: .aliases)
            try c.encode(architecture, forKey: .architecture)
            try c.encode(memoryBytes, forKey: .memoryBytes)
            try c.encode(memoryBytesPerSecond, forKey: .memoryBytesPerSecond)
            try c.encode(peakFLOPsPerSecond, forKey: .peakFLOPsPerSecond)
            try c.encode(hostLink, forKey: .hostLink)
            try c.encode(nvlink, forKey: .nvlink)
            try c.encode(fabric, forKey: .fabric)
            try c.encode(tdpWatts, forKey: .tdpWatts)
            try c.encode(source, forKey: .source)
            try c.encode(sms, forKey: .sms)
            try c.encode(kernelEfficiency, forKey: .kernelEfficiency)
            try c.encode(maxEfficiency, forKey: .maxEfficiency)
            try c.encode(gemmCurve, forKey: .gemmCurve)
            try c.encode(speedVariationCV, forKey: .speedVariationCV)
            try c.encode(memoryEfficiency, forKey: .memoryEfficiency)
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

    /// A price as the catalog gives it: low and high ends in dollars (equal for one price).
    struct RangeJSON: Encodable {
        var low: Double
        var high: Double
        init(_ range: PriceRange) { (low, high) = (range.low, range.high) }
    }

    /// The price catalog (`prices.yaml`), every entry with its date and source; absent parts are null.
    struct PricesDocument: Encodable {
        struct Cloud: Encodable {
            var gpu, provider, instance: String
            var usdPerHour: Double
            var gpus: Int
            var usdPerGPUHour: Double
            var seen, source: String
            enum CodingKeys: String, CodingKey {
                case gpu, provider, instance, usdPerHour = "usd_per_hour", gpus, usdPerGPUHour = "usd_per_gpu_hour", seen, source
            }
        }
        struct Purchase: Encodable {
            var gpu: String
            var usdPerGPU: RangeJSON
            var seen, source: String
            enum CodingKeys: String, CodingKey { case gpu, usdPerGPU = "usd_per_gpu", seen, source }
        }
        struct Server: Encodable {
            var gpu: String
            var gpusPerServer: Int
            var usdPerServer: RangeJSON
            var hostWatts: Double
            var seen, source: String
            enum CodingKeys: String, CodingKey {
                case gpu, gpusPerServer = "gpus_per_server", usdPerServer = "usd_per_server", hostWatts = "host_watts", seen, source
            }
        }
        struct Network: Encodable {
            var kind: String
            var gbitPerSecond: Double
            var nicUSD: RangeJSON?
            var switchPorts: Int?
            var switchUSD: RangeJSON?
            var cableUSDPerLink: RangeJSON?
            var seen, source: String
            enum CodingKeys: String, CodingKey {
                case kind, gbitPerSecond = "gbit_per_s", nicUSD = "nic_usd", switchPorts = "switch_ports", switchUSD = "switch_usd"
                case cableUSDPerLink = "cable_usd_per_link", seen, source
            }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(kind, forKey: .kind); try c.encode(gbitPerSecond, forKey: .gbitPerSecond)
                try c.encode(nicUSD, forKey: .nicUSD); try c.encode(switchPorts, forKey: .switchPorts)
                try c.encode(switchUSD, forKey: .switchUSD); try c.encode(cableUSDPerLink, forKey: .cableUSDPerLink)
                try c.encode(seen, forKey: .seen); try c.encode(source, forKey: .source)
            }
        }
        var cloud: [Cloud]
        var purchase: [Purchase]
        var servers: [Server]
        var network: [Network]

        init(_ catalog: Catalog) {
            cloud = catalog.cloudPrices.map {
                Cloud(gpu: $0.gpu, provider: $0.provider, instance: $0.instance, usdPerHour: $0.perHour, gpus: $0.gpusPerInstance,
                      usdPerGPUHour: $0.perGPUHour, seen: $0.seen, source: $0.source)
            }
            purchase = catalog.purchasePrices.map { Purchase(gpu: $0.gpu, usdPerGPU: RangeJSON($0.range), seen: $0.seen, source: $0.source) }
            servers = catalog.serverPrices.map {
                Server(gpu: $0.gpu, gpusPerServer: $0.gpusPerServer, usdPerServer: RangeJSON($0.price), hostWatts: $0.hostWatts,
                       seen: $0.seen, source: $0.source)
            }
            network = catalog.networkPrices.map {
                Network(kind: $0.kind?.rawValue ?? "any", gbitPerSecond: $0.gbitPerSecond, nicUSD: $0.nic.map(RangeJSON.init),
                        switchPorts: $0.switchPorts, switchUSD: $0.switchPrice.map(RangeJSON.init),
                        cableUSDPerLink: $0.cablePerLink.map(RangeJSON.init), seen: $0.seen, source: $0.source)
            }
        }
    }

    struct HardwareDocument: Encodable {
        var gpus: [GPURow]
        var links: [LinkRow]
        var prices: PricesDocument
        var sources: [String: String]
    }

    public static func hardwareJSON(_ catalog: Catalog) throws -> String {
        try ResultsJSON.encode(HardwareDocument(
            gpus: catalog.gpus.map {
                GPURow(name: $0.name, aliases: $0.aliases, architecture: $0.architecture, memoryBytes: Int($0.memoryBytes),
                       memoryBytesPerSecond: $0.memoryBytesPerSecond, peakFLOPsPerSecond: $0.peakFLOPsPerSecond,
                       hostLink: $0.hostLink, nvlink: $0.nvlink, fabric: $0.nodeFabric, tdpWatts: $0.tdpWatts,
                       source: $0.source, sms: $0.streamingMultiprocessors,
                       kernelEfficiency: $0.kernelEfficiency, maxEfficiency: $0.maxEfficiency,
                       gemmCurve: $0.gemmCurve.mapValues { ["max_efficiency": $0.maxEfficiency, "half_saturation": $0.halfSaturation] },
                       speedVariationCV: $0.speedVariationCV, memoryEfficiency: $0.memoryEfficiency,
                       measured: $0.measured)
            },
            links: catalog.links.map {
                LinkRow(name: $0.name, kind: $0.kind.rawValue, bytesPerSecond: $0.bytesPerSecond,
                        latencySeconds: $0.latencySeconds, source: $0.source)
            },
            prices: PricesDocument(catalog),
            sources: Dictionary(catalog.sources.map { ($0.tag, $0.reference) }, uniquingKeysWith: { a, _ in a })))
    }

    /// One line saying what `source` changed from `builtIn` to `catalog`: the GPUs and links
    /// it added and those it put in place of built-in entries (by name, without regard to case).
    public static func changes(from builtIn: Catalog, to catalog: Catalog, by source: String) -> String {
        func partition(_ names: [String], against known: [String]) -> (added: [String], replaced: [String]) {
            let lowered = Set(known.map { $0.lowercased() })
            return (names.filter { !lowered.contains($0.lowercased()) }, names.filter { lowered.contains($0.lowercased()) })
        }
        // An entry equal to a built-in one changes nothing.
        let gpus = partition(catalog.gpus.filter { !builtIn.gpus.contains($0) }.map(\.name), against: builtIn.gpus.map(\.name))
        let links = partition(catalog.links.filter { !builtIn.links.contains($0) }.map(\.name), against: builtIn.links.map(\.name))
        var parts: [String] = []
        for (what, names) in [("GPUs added", gpus.added), ("GPUs replaced", gpus.replaced), ("links added", links.added),
                              ("links replaced", links.replaced)] where !names.isEmpty {
            parts.append("\(what): \(names.joined(separator: ", "))")
        }
        guard !parts.isEmpty else { return "\(source) adds or replaces no entry: the built-in catalog.\n" }
        return "The built-in catalog with \(source)'s entries (" + parts.joined(separator: "; ") + ").\n"
    }

    public static func hardwareTable(_ catalog: Catalog) -> String {
        var gpus = TextTable(headers: ["GPU", "arch", "memory GiB", "mem GB/s", "streams at", "fp32 TF", "tf32 TF", "fp16 TF", "bf16 TF", "fp8 TF", "TDP W",
                                       "host", "scale-up", "fabric", "SMs", "kernels fitted", "GEMM measured", "speed cv %"],
                             alignments: [.left, .left, .right, .right, .right, .right, .right, .right, .right, .right, .right, .left, .left, .left,
                                          .right, .left, .left, .right])
        func peak(_ gpu: GPUSpec, _ p: String) -> String { gpu.peakFLOPsPerSecond[p].map { Format.fixed($0 / 1e12, 1) } ?? "-" }
        for gpu in catalog.gpus {
            gpus.append([gpu.name, gpu.architecture, Format.gib(gpu.memoryBytes), Format.fixed(gpu.memoryBytesPerSecond / 1e9, 0),
                         gpu.memoryEfficiency.map { Format.fixed($0, 3) } ?? "-",
                         peak(gpu, "fp32"), peak(gpu, "tf32"), peak(gpu, "fp16"), peak(gpu, "bf16"), peak(gpu, "fp8"),
                         gpu.tdpWatts.map { Format.fixed($0, 0) } ?? "-", gpu.hostLink, gpu.nvlink ?? "-", gpu.nodeFabric,
                         gpu.streamingMultiprocessors.map(String.init) ?? "-",
                         gpu.kernelEfficiency.isEmpty ? "-" : gpu.kernelEfficiency.keys.sorted().joined(separator: ", "),
                         gpu.maxEfficiency.isEmpty && gpu.gemmCurve.isEmpty
                             ? "-" : Set(gpu.maxEfficiency.keys).union(gpu.gemmCurve.keys).sorted().joined(separator: ", "),
                         gpu.speedVariationCV > 0 ? Format.fixed(gpu.speedVariationCV * 100, 1) : "-"])
        }
        var links = TextTable(headers: ["link", "kind", "GB/s per direction", "latency us/hop", "source"],
                              alignments: [.left, .left, .right, .right, .left])
        for link in catalog.links {
            links.append([link.name, link.kind.rawValue, Format.fixed(link.bytesPerSecond / 1e9, 2),
                          Format.fixed(link.latencySeconds * 1e6, 1), link.source])
        }
        // The short names people type (a100, v100) pick one board each: list which.
        var aliases = "Other names a scenario's cluster.gpu (or --gpu) may give, without regard to case:\n"
        for gpu in catalog.gpus {
            // The name itself in other case needs no listing: names are compared without case.
            let others = gpu.aliases.filter { $0.lowercased() != gpu.name.lowercased() }
            if !others.isEmpty { aliases += "  \(gpu.name): \(others.joined(separator: ", "))\n" }
        }
        var sources = "GPU sources:\n"
        for gpu in catalog.gpus {
            sources += "  \(gpu.name): \(gpu.source)\n"
            if let measured = gpu.measured { sources += "    measured: \(measured)\n" }
        }
        var prices = TextTable(headers: ["GPU", "offer", "$ per hour", "GPUs", "$ per GPU-hour", "seen", "source"],
                               alignments: [.left, .left, .right, .right, .right, .left, .left])
        for p in catalog.cloudPrices {
            prices.append([p.gpu, "\(p.provider) \(p.instance)", Format.fixed(p.perHour, 2), "\(p.gpusPerInstance)",
                           Format.fixed(p.perGPUHour, 2), p.seen, p.source])
        }
        for p in catalog.purchasePrices {
            prices.append([p.gpu, "purchase, per GPU", "\(Format.whole(p.low))-\(Format.whole(p.high))", "1", "", p.seen, p.source])
        }
        func range(_ r: PriceRange?) -> String {
            guard let r else { return "-" }
            return r.low == r.high ? Format.whole(r.low) : "\(Format.whole(r.low))-\(Format.whole(r.high))"
        }
        var servers = TextTable(headers: ["GPU", "GPUs per server", "$ per server, GPUs excluded", "host W", "seen", "source"],
                                alignments: [.left, .right, .right, .right, .left, .left])
        for p in catalog.serverPrices {
            servers.append([p.gpu, "\(p.gpusPerServer)", range(p.price), Format.fixed(p.hostWatts, 0), p.seen, p.source])
        }
        var network = TextTable(headers: ["kind", "Gb/s", "$ per NIC", "switch ports", "$ per switch", "$ per link cable", "seen", "source"],
                                alignments: [.left, .right, .right, .right, .right, .right, .left, .left])
        for p in catalog.networkPrices {
            network.append([p.kind?.rawValue ?? "any", Format.fixed(p.gbitPerSecond, 0), range(p.nic), p.switchPorts.map(String.init) ?? "-",
                            range(p.switchPrice), range(p.cablePerLink), p.seen, p.source])
        }
        var legend = "Sources cited above:\n"
        for (tag, reference) in catalog.sources { legend += "  [\(tag)] \(reference)\n" }
        return "GPUs (peaks are dense datasheet figures; TF = TFLOP/s; fp8 is listed, not simulated (docs/add-a-gpu.md); \"streams at\": the measured fraction of the "
            + "memory bandwidth streaming kernels reach, the cost model's \(Format.fixed(CostParameters().defaultMemoryEfficiency, 2)) where none is measured; \"scale-up\": "
            + "the GPU-to-GPU link, \"fabric\": the node a scenario gets without fabric:; \"kernels fitted\": the precisions whose "
            + "convolution kernel efficiencies are fitted to measured kernel times, docs/kernel-model.md; \"GEMM measured\": the "
            + "precisions whose large-matrix-product ceiling (max_efficiency) is measured, the cost model's default elsewhere; \"speed cv\": the measured "
            + "spread of one board's speed among its peers, which a synchronous step waits on, docs/hardware-facts.md)\n" + gpus.render() + "\n" + aliases
            + "\n" + sources
            + "\nLinks\n" + links.render()
            + "\nPrices (US dollars; dated, not current: override them under a scenario's pricing:; docs/costs.md)\n" + prices.render()
            + "\nServers, without their GPUs (owned clusters)\n" + servers.render()
            + "\nNetwork parts by link speed (owned clusters with more than one node)\n" + network.render() + "\n" + legend
    }
}
