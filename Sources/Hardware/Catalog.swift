import Foundation
import YAMLSupport

/// The GPUs and links ScaleCast knows by name, each figure with its source.
///
/// The built-in catalog is `scenarios/catalog/*.yaml`, shipped inside the
/// package; a scenario may add entries or override them.
public struct Catalog: Sendable {
    public var gpus: [GPUSpec]
    public var links: [LinkSpec]
    /// The references that entries cite by tag (`[facts]`), in file order.
    public var sources: [(tag: String, reference: String)] = []
    /// Cloud offers, purchase prices of GPUs and servers, and network parts by
    /// speed, dated and sourced.
    public var cloudPrices: [CloudPrice] = []
    public var purchasePrices: [PurchasePrice] = []
    public var serverPrices: [ServerPrice] = []
    public var networkPrices: [NetworkPrice] = []

    public init(gpus: [GPUSpec], links: [LinkSpec]) {
        self.gpus = gpus
        self.links = links
    }

    /// The link called `name` (case-insensitive).
    public func link(named name: String) -> LinkSpec? {
        let key = name.lowercased()
        return links.first { $0.name.lowercased() == key }
    }

    /// Adds or replaces entries (matched by name).
    public mutating func merge(_ other: Catalog) {
        for gpu in other.gpus {
            gpus.removeAll { $0.name.lowercased() == gpu.name.lowercased() }
            gpus.append(gpu)
        }
        for link in other.links {
            links.removeAll { $0.name.lowercased() == link.name.lowercased() }
            links.append(link)
        }
    }

    /// The catalog that ships with ScaleCast.
    ///
    /// Read once per process and then handed out as a copy: its files are part of the
    /// build and cannot change while the process runs, and every scenario reads it (a
    /// sweep parses its scenario once per combination of varied keys; reading the YAML
    /// again each time took a sixth of a 10,000-point sweep).
    public static func builtIn() throws -> Catalog { try builtInOnce.get() }

    /// The built-in catalog, or why it could not be read, from the first call on.
    private static let builtInOnce = Result { try readBuiltIn() }

    private static func readBuiltIn() throws -> Catalog {
        guard let directory = Bundle.module.url(forResource: "Catalog", withExtension: nil) else {
            throw ConfigError(file: "Catalog", keyPath: "", line: nil, message: "the built-in catalog is missing from this build")
        }
        let gpus = try YAMLValue.load(path: directory.appendingPathComponent("gpus.yaml").path)
        let links = try YAMLValue.load(path: directory.appendingPathComponent("links.yaml").path)
        let prices = try YAMLValue.load(path: directory.appendingPathComponent("prices.yaml").path)
        var catalog = Catalog(gpus: [], links: [])
        try catalog.read(gpus: gpus.optional("gpus"), links: links.optional("links"))
        try catalog.readPrices(prices)
        for file in [links, gpus, prices] { try catalog.readSources(file) }
        return catalog
    }

    /// Adds a catalog file's `sources:` table (tag: text); a tag already known keeps its first text.
    /// - Throws: `ConfigError` at a tag that could not be cited: an entry cites a source as
    ///   `[tag]`, lowercase letters, digits and hyphens (`String.citedCatalogTags`).
    mutating func readSources(_ file: YAMLValue) throws {
        guard let table = try file.optional("sources") else { return }
        for (tag, text) in try table.entries() where !sources.contains(where: { $0.tag == tag }) {
            guard !tag.isEmpty, tag.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw try table.required(tag).error("a source's tag is cited as [\(tag)], so it must be lowercase letters, digits and hyphens")
            }
            sources.append((tag, try text.string()))
        }
    }

    /// Reads `gpus:` and `links:` lists in the catalog's YAML form. An entry named as
    /// a catalog entry replaces it; an entry named twice in one list, or a GPU name or
    /// alias another GPU already answers to (`gpu(named:)` would find the other one),
    /// is a slip and refused.
    /// - Throws: `ConfigError` naming the file, key and line of a bad entry.
    public mutating func read(gpus: YAMLValue?, links: YAMLValue?) throws {
        var firstLine: [String: Int?] = [:]   // this list's names, lowercased, and their lines
        func once(_ name: String, _ node: YAMLValue, what: String) throws {
            if let line = firstLine[name.lowercased()] {
                throw node.error("\(what) '\(name)' is given twice in this list" + (line.map { " (first at line \($0))" } ?? "")
                                 + "; one entry per name")
            }
            firstLine[name.lowercased()] = node.line
        }
        if let links {
            for item in try links.items() {
                let link = try LinkSpec(yaml: item)
                try once(link.name, try item.required("name"), what: "link")
                merge(Catalog(gpus: [], links: [link]))
            }
        }
        firstLine = [:]
        if let gpus {
            for item in try gpus.items() {
                var gpu = try GPUSpec(yaml: item, catalog: self)
                let nameNode = try item.required("name")
                // An entry that replaces another without `aliases:` keeps its short names (`gpu: h100` still names
                // it); `aliases: []` drops them.
                if try item.optional("aliases") == nil, let replaced = self.gpus.first(where: { $0.name.lowercased() == gpu.name.lowercased() }) {
                    gpu.aliases = replaced.aliases
                }
                try once(gpu.name, nameNode, what: "GPU")
                if let node = try item.optional("architecture") {
                    let meant = architecturesMeant(by: gpu.architecture).map { "'\($0)'" }
                    if !meant.isEmpty {
                        let named = meant.count == 1 ? meant[0] : meant.dropLast().joined(separator: ", ") + " or " + meant.last!
                        throw node.error("'\(gpu.architecture)' is not how the catalog names that architecture: its GPUs say \(named) "
                                         + "(the published evidence on a GPU's architecture and NCCL's tuning match it by name); "
                                         + "write \(meant.count == 1 ? "it" : "the one meant") as written there, or a name of a generation of its own")
                    }
                }
                // The entry this one replaces (same name) answers to nothing after it; every other keeps its names.
                let others = self.gpus.filter { $0.name.lowercased() != gpu.name.lowercased() }
                let aliasNodes = try item.optional("aliases")?.items() ?? []
                for (name, node) in zip(GPUName.names(of: gpu), [nameNode] + aliasNodes) {
                    if let holder = others.first(where: { GPUName.names(of: $0).contains { $0.lowercased() == name.lowercased() } }) {
                        throw node.error("'\(name)' is already a name of the catalog's \(holder.name), which a scenario naming it "
                                         + "would get; choose another name" + (name == gpu.name ? ", or replace that entry by its name \(holder.name)" : ""))
                    }
                }
                merge(Catalog(gpus: [gpu], links: []))
            }
        }
    }
}

extension Catalog {
    /// The catalog's names for the architecture `written` names another way: its GPUs'
    /// architectures whose words (ignoring case, spaces, hyphens and parentheses) hold all of
    /// `written`'s or are all held by them (`Ada` and `Ada-Lovelace` for `Ada Lovelace`,
    /// `Hopper (GH100)` and `NVIDIA Hopper` for `Hopper`, `CDNA` for `CDNA 2` and `CDNA 3`);
    /// empty where `written` is a catalog architecture or shares no such relation with any (a
    /// generation of its own: `CDNA 4`).
    func architecturesMeant(by written: String) -> [String] {
        func words(_ text: String) -> [String] {
            text.lowercased().split(whereSeparator: { " -_()/".contains($0) }).map(String.init)
        }
        let key = words(written)
        var known: [String] = []
        for gpu in gpus where !known.contains(gpu.architecture) { known.append(gpu.architecture) }
        guard !key.isEmpty, !known.contains(where: { $0.lowercased() == written.lowercased() }) else { return [] }
        return known.filter { name in
            let other = words(name)
            return !other.isEmpty && (Set(key).isSubset(of: other) || Set(other).isSubset(of: key))
        }
    }
}

/// `node`'s text, refused when blank: a blank name or alias would be answered to by nothing a
/// user writes, and listed (in tables, the report's network line) as nothing.
private func nonBlank(_ node: YAMLValue, _ what: String) throws -> String {
    let text = try node.string()
    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw node.error("a blank \(what)") }
    return text
}

extension LinkSpec {
    /// Reads one catalog entry: `name`, `kind`, `bandwidth_gb_per_s` or
    /// `gbit_per_s`, `latency_us`, `source`.
    public init(yaml: YAMLValue) throws {
        try yaml.checkKeys(["name", "kind", "bandwidth_gb_per_s", "gbit_per_s", "latency_us", "source"])
        name = try nonBlank(try yaml.required("name"), "name")
        let kindNode = try yaml.required("kind")
        guard let kind = LinkKind(rawValue: try kindNode.string()) else {
            throw kindNode.error("unknown link kind; expected one of: \(LinkKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.kind = kind
        switch (try yaml.optional("bandwidth_gb_per_s"), try yaml.optional("gbit_per_s")) {
        case (let gb?, nil): bytesPerSecond = try gb.double(in: Limits.gigabytesPerSecond) * 1e9
        case (nil, let gbit?): bytesPerSecond = try gbit.double(in: (Limits.gigabytesPerSecond.lowerBound * 8)...(Limits.gigabytesPerSecond.upperBound * 8)) * 1e9 / 8
        case (.some, .some): throw yaml.error("give either bandwidth_gb_per_s or gbit_per_s, not both")
        case (nil, nil): throw yaml.error("missing bandwidth: give bandwidth_gb_per_s (GB/s) or gbit_per_s (Gb/s)")
        }
        latencySeconds = try yaml.required("latency_us").double(in: Limits.microseconds) * 1e-6
        source = try yaml.requiredSource()
    }
}

extension GPUSpec {
    /// Reads one catalog entry (see `scenarios/catalog/gpus.yaml`).
    public init(yaml: YAMLValue, catalog: Catalog) throws {
        try yaml.checkKeys(["name", "aliases", "architecture", "year", "memory_gib", "memory_bandwidth_gb_per_s",
                            "peak_tflops", "host_link", "nvlink", "source", "measured", "max_efficiency", "tdp_watts",
                            "kernel_efficiency", "sms", "half_saturation", "gemm_curve", "fabric", "speed_variation_cv",
                            "memory_efficiency"])
        name = try nonBlank(try yaml.required("name"), "name")
        aliases = try yaml.optional("aliases")?.items().map { try nonBlank($0, "alias") } ?? []
        architecture = try yaml.optional("architecture")?.string() ?? "unknown"
        // From the first programmable GPUs on; a year is a label, but -5 is a slip.
        year = try yaml.optional("year")?.int(in: 1990...2100)
        memoryBytes = try yaml.required("memory_gib").double(in: Limits.gibibytes) * 1_073_741_824
        memoryBytesPerSecond = try yaml.required("memory_bandwidth_gb_per_s").double(in: Limits.gigabytesPerSecond) * 1e9
        let peaks = try yaml.required("peak_tflops")
        try peaks.checkKeys(GPUSpec.peakPrecisionKeys)
        var table: [String: Double] = [:]
        for (precision, value) in try peaks.entries() { table[precision] = try value.double(in: Limits.teraflops) * 1e12 }
        guard let fp32 = table["fp32"] else { throw peaks.error("an fp32 peak is required") }
        // A slower precision would price a run below what the GPU does: where a GPU's half or TF32 units are
        // slower than its fp32 ones, frameworks compute those tensors in fp32 (cuBLAS's 32-bit compute type,
        // cuDNN's pseudo-half configuration), so the figure belongs out of the entry (GPUSpec.unitsRunning).
        for (precision, value) in try peaks.entries() where ["tf32", "fp16", "bf16"].contains(precision) && table[precision]! < fp32 {
            throw value.error("\(NumberText.written(table[precision]! / 1e12)) TFLOP/s is below the fp32 peak "
                              + "(\(NumberText.written(fp32 / 1e12))): where a GPU's \(precision) units are slower than its fp32 "
                              + "ones, frameworks compute such tensors in fp32, so leave the figure out; else check it (dense TFLOP/s)")
        }
        peakFLOPsPerSecond = table
        let host = try yaml.required("host_link")
        hostLink = try host.string()
        guard let hostSpec = catalog.link(named: hostLink) else { throw host.error("unknown link '\(hostLink)'") }
        guard hostSpec.kind == .pcie else { throw host.error("'\(hostLink)' is a link of kind \(hostSpec.kind.rawValue); host_link takes a pcie link") }
        if let nv = try yaml.optional("nvlink") {
            nvlink = try nv.string()
            guard let spec = catalog.link(named: nvlink!) else { throw nv.error("unknown link '\(nvlink!)'") }
            guard LinkKind.scaleUp.contains(spec.kind) else {
                throw nv.error("'\(nvlink!)' is a link of kind \(spec.kind.rawValue); nvlink takes a scale-up link "
                               + "(\(LinkKind.scaleUp.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        if let fabric = try yaml.optional("fabric") {
            defaultFabric = try fabric.oneOf(GPUSpec.scaleUpFabrics)
            guard nvlink != nil else { throw fabric.error("a scale-up fabric needs the GPU's scale-up link: add nvlink:") }
        }
        source = try yaml.requiredSource()
        if let node = try yaml.optional("measured") {
            // Measured figures need their source as `source:` does: blank says nothing.
            measured = try node.string()
            guard !measured!.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw node.error("an empty measurement note; say what was measured, where and when")
            }
        }
        tdpWatts = try yaml.optional("tdp_watts")?.double(in: 1...100_000)
        if let table = try yaml.optional("max_efficiency") {
            try table.checkKeys(GPUSpec.scenarioPrecisionKeys)
            for (precision, value) in try table.entries() {
                let x = try value.double()
                guard x > 0 && x <= 1 else { throw value.error("must be a fraction in (0, 1], got \(x)") }
                maxEfficiency[precision] = x
            }
        }
        if let table = try yaml.optional("half_saturation") {
            try table.checkKeys(GPUSpec.scenarioPrecisionKeys)
            for (precision, value) in try table.entries() { halfSaturation[precision] = try value.double(in: 1...1e6) }
            guard measured != nil else { throw table.error("a fitted size curve needs its source: add measured:") }
        }
        if let table = try yaml.optional("gemm_curve") {
            try table.checkKeys(GPUSpec.scenarioPrecisionKeys)
            for (precision, curve) in try table.entries() {
                try curve.checkKeys(["max_efficiency", "half_saturation"])
                let best = try curve.required("max_efficiency")
                let x = try best.double()
                guard x > 0 && x <= 1 else { throw best.error("must be a fraction in (0, 1], got \(x)") }
                gemmCurve[precision] = GPUSpec.GEMMCurve(maxEfficiency: x,
                                                         halfSaturation: try curve.required("half_saturation").double(in: 1...1e6))
            }
            guard measured != nil else { throw table.error("a measured GEMM curve needs its source: add measured:") }
        }
        if let node = try yaml.optional("memory_efficiency") {
            let x = try node.double()
            guard x > 0 && x <= 1 else { throw node.error("must be a fraction in (0, 1], got \(x)") }
            guard measured != nil else { throw node.error("a measured bandwidth needs its source: add measured:") }
            memoryEfficiency = x
        }
        streamingMultiprocessors = try yaml.optional("sms")?.int(in: 1...100_000)
        if let cv = try yaml.optional("speed_variation_cv") {
            speedVariationCV = try cv.double(in: 0...1)
            guard measured != nil else { throw cv.error("a measured spread needs its source: add measured:") }
        }
        if let table = try yaml.optional("kernel_efficiency") {
            try table.checkKeys(GPUSpec.scenarioPrecisionKeys)
            for (precision, passes) in try table.entries() {
                try passes.checkKeys(GPUSpec.kernelPassKeys)
                var row: [String: Double] = [:]
                for (pass, value) in try passes.entries() {
                    let x = try value.double()
                    guard x > 0 && x <= 1 else { throw value.error("must be a fraction in (0, 1], got \(x)") }
                    row[pass] = x
                }
                guard row.count == GPUSpec.kernelPassKeys.count else {
                    throw passes.error("give all three passes: \(GPUSpec.kernelPassKeys.joined(separator: ", "))")
                }
                kernelEfficiency[precision] = row
            }
            guard measured != nil else { throw table.error("fitted efficiencies need their source: add measured:") }
            guard streamingMultiprocessors != nil else { throw table.error("fitted efficiencies need the GPU's SM count: add sms:") }
        }
    }
}

extension YAMLValue {
    /// An entry's `source:`, which every catalog figure needs: missing or blank is refused.
    func requiredSource() throws -> String {
        let node = try required("source")
        let text = try node.string()
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw node.error("an empty source; say where the figures come from (document and date)")
        }
        return text
    }
}
