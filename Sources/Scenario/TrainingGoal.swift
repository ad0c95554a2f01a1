import YAMLSupport

/// How much training a run stands for: images × epochs, to turn images/s into
/// time to train.
public struct TrainingGoal: Sendable, Equatable {
    /// Images in one epoch.
    public var images: Int
    public var epochs: Double

    public var totalImages: Double { Double(images) * epochs }

    /// Reads `training: {images: 1281167, epochs: 90}` (images defaults to
    /// ImageNet-1k's training set, 1,281,167).
    init(yaml: YAMLValue) throws {
        try yaml.checkKeys(["images", "epochs"])
        images = try yaml.optional("images")?.int(in: 1...1_000_000_000_000) ?? 1_281_167
        epochs = try yaml.required("epochs").double(in: 0.001...1e6)
    }
}

/// How a cluster is paid for: rented by the GPU-hour, or bought and run.
public struct PricingSpec: Sendable, Equatable {
    public enum Mode: String, CaseIterable, Sendable { case cloud, owned }

    public var mode: Mode
    /// Dollars per GPU-hour (cloud); nil: the catalog's cheapest offer for the GPU.
    public var cloudPerGPUHour: Double?
    /// Dollars per GPU (owned); nil: the middle of the catalog's purchase range.
    public var purchasePerGPU: Double?
    /// Years over which the purchase is spread, the cluster busy all along.
    public var lifetimeYears: Double?
    /// Dollars per kWh of electricity.
    public var powerPerKWh: Double?
    /// Power usage effectiveness of the data centre (>= 1).
    public var pue: Double?
    /// Dollars per network port (a NIC and its switch port), spread like the GPUs.
    public var networkPortPrice: Double
    /// Where the pricing was set, for messages.
    public var location: ConfigError

    /// Reads `pricing:`. Owned clusters must state their lifetime, power price and
    /// PUE: ScaleCast has no defaults for numbers only the buyer knows.
    init(yaml: YAMLValue) throws {
        try yaml.checkKeys(["mode", "cloud_per_gpu_hour", "purchase_per_gpu", "lifetime_years", "power_usd_per_kwh", "pue",
                            "network_port_usd"])
        mode = Mode(rawValue: try yaml.required("mode").oneOf(Mode.allCases.map(\.rawValue)))!
        cloudPerGPUHour = try yaml.optional("cloud_per_gpu_hour")?.double(in: 0.0001...1e6)
        purchasePerGPU = try yaml.optional("purchase_per_gpu")?.double(in: 0.01...1e9)
        lifetimeYears = try yaml.optional("lifetime_years")?.double(in: 0.01...100)
        powerPerKWh = try yaml.optional("power_usd_per_kwh")?.double(in: 0...100)
        pue = try yaml.optional("pue")?.double(in: 1...10)
        networkPortPrice = try yaml.optional("network_port_usd")?.double(in: 0...1e9) ?? 0
        location = yaml.error("")
        if mode == .owned {
            for key in ["lifetime_years", "power_usd_per_kwh", "pue"] where try yaml.optional(key) == nil {
                throw ConfigError(file: yaml.file, keyPath: yaml.keyPath + "." + key, line: yaml.line,
                                  message: "owned clusters need \(key): ScaleCast does not guess it")
            }
        }
    }
}
