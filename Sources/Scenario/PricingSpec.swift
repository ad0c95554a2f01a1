import Hardware
import YAMLSupport

/// How a cluster is paid for: rented by the GPU-hour, or bought and run. Every
/// figure left out comes from the dated price catalog (`scenarios/catalog/prices.yaml`);
/// docs/costs.md gives the formulas.
public struct PricingSpec: Sendable, Equatable {
    /// The `seen` of a price the scenario states (it has no date of its own), and its source.
    public static let statedSeen = "scenario", statedSource = "stated in the scenario"

    public enum Mode: String, CaseIterable, Sendable { case cloud, owned }

    public var mode: Mode
    /// Dollars per GPU-hour (cloud); nil, or no entry for the GPU: the catalog's cheapest offer.
    public var cloudPerGPUHour: PerGPUValue?
    /// Dollars per GPU (owned); nil, or no entry for the GPU: the middle of the catalog's range.
    public var purchasePerGPU: PerGPUValue?
    /// Dollars per server without its GPUs (owned); nil: the catalog's server for the GPU.
    public var serverPerNode: PerGPUValue?
    /// Watts a server draws at most besides its GPUs (owned); nil: the catalog's server.
    public var hostWattsPerNode: PerGPUValue?
    /// Years over which the purchase is spread, the cluster busy all along.
    public var lifetimeYears: Double?
    /// Dollars per kWh of electricity.
    public var powerPerKWh: Double?
    /// Power usage effectiveness of the data centre (>= 1).
    public var pue: Double?
    /// Dollars per node per year for space, cooling plant and staff; nil: not counted.
    public var hostingPerNodeYear: Double?
    /// The share of its life an owned cluster trains (`utilization`, 0.01 to 1; 1 unless
    /// stated): the purchase and the hosting are spread over the busy hours only.
    public var utilization: Double = 1
    /// Dollars per network link all in (NIC, its switch port, cables), in place of the
    /// itemised network; nil: NICs, switches and cables priced by speed.
    public var networkPortPrice: Double?
    /// The buyer's own network prices by speed, before the catalog's (`pricing.network`).
    public var network: [NetworkPrice]
    /// Where the pricing was set, for messages.
    public var location: ConfigError
    /// Where in each catalog price range a figure is taken (0: low end, 1: high end):
    /// the midpoint, unless an uncertainty sample draws another (`Uncertainty`).
    package var catalogRangePosition = 0.5
    /// The NIC speed the network is bought at, in bits/s, when it differs from the
    /// simulated one: an uncertainty sample scales the effective bandwidth, not the
    /// hardware bought. Nil: the cluster's NIC speed.
    package var purchasedNICBitsPerSecond: Double?

    /// The per-GPU maps of the mode in use (`purchase_per_gpu: {H200: 25000}`) that name other
    /// GPUs but not `gpu`, which then takes the catalog's figure: each key, with the GPUs it
    /// names. A misnamed board (an H200 priced on an H100 cluster) would otherwise price the
    /// cluster at the catalog's figure without a word.
    public func mapsLeavingOut(_ gpu: GPUSpec) -> [(key: String, names: [String])] {
        let maps: [(String, PerGPUValue?)] = mode == .cloud ? [("cloud_per_gpu_hour", cloudPerGPUHour)]
            : [("purchase_per_gpu", purchasePerGPU), ("server_usd_per_node", serverPerNode), ("host_watts_per_node", hostWattsPerNode)]
        return maps.compactMap { key, map in
            guard let map, map.everyGPU == nil, !map.byGPU.isEmpty, map.byGPU[gpu.name] == nil else { return nil }
            return (key, map.byGPU.keys.sorted())
        }
    }

    /// The keys of `pricing:`.
    static let keys = ["mode", "cloud_per_gpu_hour"] + ownedKeys

    /// The keys only owned clusters read (`cloud_per_gpu_hour` is the one only cloud prices read).
    public static let ownedKeys = ["purchase_per_gpu", "server_usd_per_node", "host_watts_per_node", "lifetime_years",
                                   "power_usd_per_kwh", "pue", "hosting_usd_per_node_year", "network_port_usd", "network", "utilization"]

    /// Reads `pricing:`. Owned clusters must state their lifetime, power price and
    /// PUE: ScaleCast has no defaults for numbers only the buyer knows. Keys of the
    /// other mode are accepted and unused, so a sweep can vary `pricing.mode`.
    /// - Parameter catalog: resolves the GPU names of per-GPU maps.
    init(yaml: YAMLValue, catalog: Catalog) throws {
        try yaml.checkKeys(Self.keys, elsewhere: Scenario.keysElsewhere)
        mode = Mode(rawValue: try yaml.required("mode").oneOf(Mode.allCases.map(\.rawValue)))!
        func perGPU(_ key: String, in range: ClosedRange<Double>) throws -> PerGPUValue? {
            try yaml.optional(key).map { try PerGPUValue(yaml: $0, in: range, catalog: catalog) }
        }
        cloudPerGPUHour = try perGPU("cloud_per_gpu_hour", in: 0.0001...1e6)
        purchasePerGPU = try perGPU("purchase_per_gpu", in: 0.01...1e9)
        serverPerNode = try perGPU("server_usd_per_node", in: 0...1e9)
        hostWattsPerNode = try perGPU("host_watts_per_node", in: 0...1e6)
        // Bounds a real cluster stays within, so that a figure in another unit is refused: a life in
        // months (36), a price in cents (12); the dearest grid power sold is under $1 per kWh.
        lifetimeYears = try yaml.optional("lifetime_years")?.double(in: 0.01...20, unit: "years: 36 months is 3")
        powerPerKWh = try yaml.optional("power_usd_per_kwh")?.double(in: 0...5, unit: "dollars per kWh: 12 cents is 0.12")
        pue = try yaml.optional("pue")?.double(in: 1...10)
        hostingPerNodeYear = try yaml.optional("hosting_usd_per_node_year")?.double(in: 0...1e9)
        utilization = try yaml.optional("utilization")?.double(in: 0.01...1) ?? 1
        networkPortPrice = try yaml.optional("network_port_usd")?.double(in: 0...1e9)
        network = try yaml.optional("network")?.items().map {
            try NetworkPrice(yaml: $0, kindRequired: false, defaultSeen: Self.statedSeen, defaultSource: Self.statedSource)
        } ?? []
        location = yaml.error("")
        if mode == .owned {
            for key in ["lifetime_years", "power_usd_per_kwh", "pue"] where try yaml.optional(key) == nil {
                throw ConfigError(file: yaml.file, keyPath: yaml.keyPath + "." + key, line: yaml.line,
                                  message: "owned clusters need \(key): ScaleCast does not guess it")
            }
        }
    }

    /// The error for a price the mode needs and neither the scenario nor the catalog has.
    public func missing(_ what: String, stateAs key: String) -> ConfigError { missing([(what, key)]) }

    /// One error for every figure missing at once, so that a user states them all in one edit:
    /// "WHAT; WHAT; state them as pricing.KEY, pricing.KEY". A reason two figures share (a server
    /// of another size lacks both its price and its power) is said once.
    public func missing(_ figures: [(what: String, key: String)]) -> ConfigError {
        var error = location
        let keys = figures.map { "pricing.\($0.key)" }
        var reasons: [String] = []
        for figure in figures where !reasons.contains(figure.what) { reasons.append(figure.what) }
        error.message = reasons.joined(separator: "; ") + "; state " + (figures.count == 1 ? "it" : "them") + " as "
            + keys.joined(separator: ", ")
        return error
    }
}

/// A pricing figure given once for every GPU model, or per model so that a sweep
/// over `cluster.gpu` prices each GPU by its own figure: `30000` or
/// `{H100-SXM5: 30000, A100-SXM4-80GB: 15000}` (names or aliases from the catalog).
public struct PerGPUValue: Sendable, Equatable {
    /// The figure for every GPU, when given as one number.
    public var everyGPU: Double?
    /// Figures by catalog GPU name, when given as a map.
    public var byGPU: [String: Double]

    public init(everyGPU: Double? = nil, byGPU: [String: Double] = [:]) {
        self.everyGPU = everyGPU
        self.byGPU = byGPU
    }

    /// The figure for `gpu`; nil when a map leaves it out (the catalog's then applies).
    public func value(for gpu: GPUSpec) -> Double? { byGPU[gpu.name] ?? everyGPU }

    init(yaml: YAMLValue, in range: ClosedRange<Double>, catalog: Catalog) throws {
        guard yaml.isMapping else {
            self.init(everyGPU: try yaml.double(in: range))
            return
        }
        var table: [String: Double] = [:]
        for (name, value) in try yaml.entries() {
            guard let gpu = catalog.gpu(named: name) else {
                throw value.error(catalog.unknownGPUMessage(name))
            }
            guard table[gpu.name] == nil else { throw value.error("\(gpu.name) is priced twice (a name and an alias)") }
            table[gpu.name] = try value.double(in: range)
        }
        self.init(byGPU: table)
    }
}
