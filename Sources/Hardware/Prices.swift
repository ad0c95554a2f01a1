import YAMLSupport

/// A price as sources give it: the low and high ends of what they report (one
/// price has low == high), in US dollars.
public struct PriceRange: Sendable, Equatable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    public init(_ price: Double) { self.init(low: price, high: price) }

    /// The middle of the range: the price ScaleCast uses unless told otherwise.
    public var midpoint: Double { (low + high) / 2 }

    /// The price a fraction `u` (0...1) of the way from low to high: what an
    /// uncertainty sample draws.
    public func at(_ u: Double) -> Double { low + (high - low) * u }
}

/// An on-demand cloud offer, as seen on a date.
public struct CloudPrice: Sendable, Equatable {
    public var gpu: String
    public var provider: String
    public var instance: String
    /// Dollars per instance-hour.
    public var perHour: Double
    public var gpusPerInstance: Int
    /// When the price was seen (free text: "2024-Q2").
    public var seen: String
    public var source: String

    public var perGPUHour: Double { perHour / Double(gpusPerInstance) }

    /// Instances rented for `gpus` GPUs: ⌈gpus / gpusPerInstance⌉ (a provider rents them whole).
    public func instances(for gpus: Int) -> Int { (gpus + gpusPerInstance - 1) / gpusPerInstance }
}

/// The price range of one GPU bought for a server.
public struct PurchasePrice: Sendable, Equatable {
    public var gpu: String
    /// Dollars per GPU, low and high ends of the sources' range.
    public var low: Double
    public var high: Double
    public var seen: String
    public var source: String

    public var range: PriceRange { PriceRange(low: low, high: high) }
    public var midpoint: Double { range.midpoint }
}

/// One server for a GPU model, without its GPUs, and its power besides them.
public struct ServerPrice: Sendable, Equatable {
    public var gpu: String
    /// GPUs the server holds: the price is for nodes of this size.
    public var gpusPerServer: Int
    /// Dollars per server, GPUs excluded.
    public var price: PriceRange
    /// Watts the server draws at most besides its GPUs (CPUs, memory, NICs, fans).
    public var hostWatts: Double
    public var seen: String
    public var source: String
}

/// What one network link of a speed costs: its NIC, the switch its port is on,
/// and its cables and transceivers. A part no source prices is nil.
public struct NetworkPrice: Sendable, Equatable {
    /// The link kind it prices; nil (scenario overrides only): any kind.
    public var kind: LinkKind?
    /// The port speed, in Gb/s (1e9 bits/s) per direction.
    public var gbitPerSecond: Double
    /// Dollars per NIC (one per link).
    public var nic: PriceRange?
    /// Ports of one switch, and dollars per switch.
    public var switchPorts: Int?
    public var switchPrice: PriceRange?
    /// Dollars of cable and transceivers per link, node-to-switch or switch-to-switch.
    public var cablePerLink: PriceRange?
    public var seen: String
    public var source: String

    public init(kind: LinkKind?, gbitPerSecond: Double, nic: PriceRange? = nil, switchPorts: Int? = nil, switchPrice: PriceRange? = nil,
                cablePerLink: PriceRange? = nil, seen: String, source: String) {
        self.kind = kind
        self.gbitPerSecond = gbitPerSecond
        self.nic = nic
        self.switchPorts = switchPorts
        self.switchPrice = switchPrice
        self.cablePerLink = cablePerLink
        self.seen = seen
        self.source = source
    }

    /// Reads one entry: `kind` (required in the catalog), `gbit_per_s`, and any of
    /// `nic_usd`, `switch_ports` with `switch_usd`, `cable_usd` (each price a number
    /// or `{low, high}`), `seen`, `source`.
    public init(yaml: YAMLValue, kindRequired: Bool, defaultSeen: String? = nil, defaultSource: String? = nil) throws {
        try yaml.checkKeys(["kind", "gbit_per_s", "nic_usd", "switch_ports", "switch_usd", "cable_usd", "seen", "source"])
        if let kindNode = kindRequired ? try yaml.required("kind") : try yaml.optional("kind") {
            kind = LinkKind(rawValue: try kindNode.oneOf([LinkKind.infiniband.rawValue, LinkKind.ethernet.rawValue]))
        }
        gbitPerSecond = try yaml.required("gbit_per_s").double(in: (Limits.gigabytesPerSecond.lowerBound * 8)...(Limits.gigabytesPerSecond.upperBound * 8))
        nic = try yaml.optional("nic_usd").map(PriceRange.init(yaml:))
        let portsNode = try yaml.optional("switch_ports"), switchNode = try yaml.optional("switch_usd")
        switchPorts = try portsNode?.int(in: 2...100_000)
        switchPrice = try switchNode.map(PriceRange.init(yaml:))
        guard (switchPorts == nil) == (switchPrice == nil) else {
            throw (portsNode ?? switchNode ?? yaml).error("give switch_ports and switch_usd together: the planner counts switches by their ports")
        }
        cablePerLink = try yaml.optional("cable_usd").map(PriceRange.init(yaml:))
        if let defaultSeen, try yaml.optional("seen") == nil { seen = defaultSeen } else { seen = try yaml.required("seen").string() }
        if let defaultSource, try yaml.optional("source") == nil { source = defaultSource } else { source = try yaml.requiredSource() }
    }

    /// Whether this entry prices a `kind` link of `bitsPerSecond`: the same kind (or
    /// any), and at least as fast (a port is bought at the next speed up).
    public func covers(kind: LinkKind, bitsPerSecond: Double) -> Bool {
        (self.kind == nil || self.kind == kind) && gbitPerSecond * 1e9 >= bitsPerSecond * (1 - 1e-9)
    }
}

extension PriceRange {
    /// Reads a price: a number, or `{low: L, high: H}` with L <= H (dollars, 0 to 1e9).
    public init(yaml: YAMLValue) throws {
        if yaml.isMapping {
            try yaml.checkKeys(["low", "high"])
            let lowNode = try yaml.required("low"), highNode = try yaml.required("high")
            let low = try lowNode.double(in: 0...1e9), high = try highNode.double(in: 0...1e9)
            guard low <= high else { throw highNode.error("high (\(high)) is below low (\(low))") }
            self.init(low: low, high: high)
        } else {
            self.init(try yaml.double(in: 0...1e9))
        }
    }
}

extension Catalog {
    /// The catalog's offer that rents `gpus` of `gpu` cheapest, billed by whole instances
    /// (`CloudPrice.instances(for:)` × $ per instance-hour): a 1-GPU run on an 8-GPU instance pays
    /// for all 8. Ties go to the lower $ per GPU-hour, then the provider's name.
    public func cheapestCloudPrice(for gpu: GPUSpec, gpus: Int) -> CloudPrice? {
        func billed(_ offer: CloudPrice) -> Double { Double(offer.instances(for: gpus)) * offer.perHour }
        return cloudPrices.filter { $0.gpu == gpu.name }
            .min { (billed($0), $0.perGPUHour, $0.provider) < (billed($1), $1.perGPUHour, $1.provider) }
    }

    public func purchasePrice(for gpu: GPUSpec) -> PurchasePrice? {
        purchasePrices.first { $0.gpu == gpu.name }
    }

    public func serverPrice(for gpu: GPUSpec) -> ServerPrice? {
        serverPrices.first { $0.gpu == gpu.name }
    }

    /// Reads `cloud:`, `purchase:`, `servers:` and `network:` lists (see `scenarios/catalog/prices.yaml`).
    mutating func readPrices(_ yaml: YAMLValue) throws {
        try yaml.checkKeys(["sources", "cloud", "purchase", "servers", "network"])
        for item in try yaml.optional("cloud")?.items() ?? [] {
            try item.checkKeys(["gpu", "provider", "instance", "per_hour", "gpus", "seen", "source"])
            cloudPrices.append(CloudPrice(
                gpu: try knownGPU(item.required("gpu")), provider: try item.required("provider").string(),
                instance: try item.required("instance").string(), perHour: try item.required("per_hour").double(in: 0.0001...1e7),
                gpusPerInstance: try item.required("gpus").int(in: 1...1024), seen: try item.required("seen").string(),
                source: try item.requiredSource()))
        }
        for item in try yaml.optional("purchase")?.items() ?? [] {
            try item.checkKeys(["gpu", "low", "high", "seen", "source"])
            let lowNode = try item.required("low"), highNode = try item.required("high")
            let low = try lowNode.double(in: 0.01...1e9), high = try highNode.double(in: 0.01...1e9)
            guard low <= high else { throw highNode.error("high (\(high)) is below low (\(low))") }
            purchasePrices.append(PurchasePrice(gpu: try knownGPU(item.required("gpu")), low: low, high: high,
                                                seen: try item.required("seen").string(), source: try item.requiredSource()))
        }
        for item in try yaml.optional("servers")?.items() ?? [] {
            try item.checkKeys(["gpu", "gpus", "low", "high", "host_watts", "seen", "source"])
            let lowNode = try item.required("low"), highNode = try item.required("high")
            let low = try lowNode.double(in: 0...1e9), high = try highNode.double(in: 0...1e9)
            guard low <= high else { throw highNode.error("high (\(high)) is below low (\(low))") }
            serverPrices.append(ServerPrice(
                gpu: try knownGPU(item.required("gpu")), gpusPerServer: try item.required("gpus").int(in: 1...1024),
                price: PriceRange(low: low, high: high), hostWatts: try item.required("host_watts").double(in: 0...1e6),
                seen: try item.required("seen").string(), source: try item.requiredSource()))
        }
        for item in try yaml.optional("network")?.items() ?? [] {
            networkPrices.append(try NetworkPrice(yaml: item, kindRequired: true))
        }
    }

    private func knownGPU(_ node: YAMLValue) throws -> String {
        let name = try node.string()
        guard let gpu = gpu(named: name) else { throw node.error(unknownGPUMessage(name)) }
        return gpu.name
    }
}

extension String {
    /// The catalog tags a source cites (`xither` for `[xither]`), in order, once each.
    /// A plain scan, not a regular expression: a sampled sweep asks it of every price basis it
    /// draws, and Swift compiles a regex literal again on each use (two thirds of the time of
    /// `sweep --samples` on owned clusters).
    public var citedCatalogTags: [String] {
        var tags: [String] = []
        let scalars = Array(unicodeScalars)
        var i = 0
        while i < scalars.count {
            defer { i += 1 }
            guard scalars[i] == "[" else { continue }
            var j = i + 1
            while j < scalars.count, ("a"..."z").contains(scalars[j]) || ("0"..."9").contains(scalars[j]) || scalars[j] == "-" { j += 1 }
            guard j > i + 1, j < scalars.count, scalars[j] == "]" else { continue }
            let tag = String(String.UnicodeScalarView(scalars[(i + 1)..<j]))
            if !tags.contains(tag) { tags.append(tag) }
            i = j
        }
        return tags
    }

    /// A catalog source cut to its citation: the `[tag]`s it cites, or the whole text
    /// when it cites none (the tags' references are in the catalog's `sources:`).
    public var catalogCitation: String {
        let tags = citedCatalogTags
        return tags.isEmpty ? self : tags.map { "[\($0)]" }.joined()
    }
}
