import YAMLSupport

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
}

/// The price range of one GPU bought as part of a server.
public struct PurchasePrice: Sendable, Equatable {
    public var gpu: String
    /// Dollars per GPU, low and high ends of the source's range.
    public var low: Double
    public var high: Double
    public var seen: String
    public var source: String

    public var midpoint: Double { (low + high) / 2 }
}

extension Catalog {
    /// The cheapest known cloud offer for `gpu`, per GPU-hour.
    public func cheapestCloudPrice(for gpu: GPUSpec) -> CloudPrice? {
        cloudPrices.filter { $0.gpu == gpu.name }.min { ($0.perGPUHour, $0.provider) < ($1.perGPUHour, $1.provider) }
    }

    public func purchasePrice(for gpu: GPUSpec) -> PurchasePrice? {
        purchasePrices.first { $0.gpu == gpu.name }
    }

    /// Reads `cloud:` and `purchase:` lists (see `scenarios/catalog/prices.yaml`).
    mutating func readPrices(_ yaml: YAMLValue) throws {
        try yaml.checkKeys(["sources", "cloud", "purchase"])
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
    }

    private func knownGPU(_ node: YAMLValue) throws -> String {
        let name = try node.string()
        guard let gpu = gpu(named: name) else { throw node.error("unknown GPU '\(name)'") }
        return gpu.name
    }
}
