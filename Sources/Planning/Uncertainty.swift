import Hardware
import SimCore
import Parallelism
import Scenario

/// Predictions as ranges: each configuration simulated again with its uncertain
/// figures drawn at random (a fixed seed, so runs repeat), reported as the 10th
/// and 90th percentiles.
///
/// Drawn, each uniformly and independently per sample:
/// - the best compute efficiency, ±`efficiency` (default ±20%: the median error of
///   the uncalibrated cost model against published ResNet-50 throughput is 17.6%,
///   BENCHMARKS.md);
/// - every link's bandwidth, by one common factor, ±`bandwidth` (default ±15%:
///   protocol overheads put effective NVLink bandwidth about 20% under its peak,
///   nccl-tests issue 212, docs/hardware-facts.md);
/// - the purchase price of an owned GPU, across the catalog's low-high range.
public struct Uncertainty: Sendable, Equatable {
    public var samples: Int
    public var seed: UInt64
    public var efficiency: Double
    public var bandwidth: Double

    public init(samples: Int, seed: UInt64 = 1, efficiency: Double = 0.20, bandwidth: Double = 0.15) {
        self.samples = samples
        self.seed = seed
        self.efficiency = efficiency
        self.bandwidth = bandwidth
    }

    /// Sample `sample` of `run`, drawn from a generator keyed by `key` (a point's
    /// identity, so a shard draws what the whole sweep draws).
    func perturbed(_ run: RunSpec, sample: Int, key: UInt64, catalog: Catalog) -> RunSpec {
        var rng = SplitMix64(seed: seed ^ (key &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(sample + 1) &* 0xD1B5_4A32_D192_ED03)
        func draw(_ spread: Double) -> Double { 1 + spread * (2 * rng.unit() - 1) }
        var changed = run
        let cost = CostModelProbe.maxEfficiency(run)
        changed.costParameters.maxEfficiencyOverride[run.precision] = min(1, cost * draw(efficiency))
        changed.cluster = run.cluster.scalingBandwidths(by: draw(bandwidth))
        let u = rng.unit()
        if var pricing = changed.pricing, pricing.mode == .owned, pricing.purchasePerGPU == nil,
           let range = catalog.purchasePrice(for: run.cluster.gpu) {
            pricing.purchasePerGPU = range.low + (range.high - range.low) * u
            changed.pricing = pricing
        }
        return changed
    }

    /// The p-th percentile (0...1) of `values`, linearly interpolated.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard sorted.count > 1 else { return sorted.first ?? .nan }
        let x = p * Double(sorted.count - 1)
        let i = Int(x.rounded(.down)), f = x - Double(i)
        return i + 1 < sorted.count ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i]
    }

    /// A stable hash of text (FNV-1a), for seeds that do not change between processes.
    static func stableHash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }
}

/// The cost model's best efficiency for a run, as the simulator will use it.
enum CostModelProbe {
    static func maxEfficiency(_ run: RunSpec) -> Double {
        run.costParameters.maxEfficiencyOverride[run.precision] ?? run.cluster.gpu.maxEfficiency[run.precision.rawValue]
            ?? run.costParameters.maxEfficiency(run.precision)
    }
}

extension ClusterSpec {
    /// The cluster with every link's bandwidth multiplied by `factor`.
    func scalingBandwidths(by factor: Double) -> ClusterSpec {
        func scaled(_ link: LinkSpec) -> LinkSpec { var l = link; l.bytesPerSecond *= factor; return l }
        var c = self
        switch fabric {
        case .pcieTree(var tree):
            tree.gpuLink = scaled(tree.gpuLink); tree.uplink = scaled(tree.uplink); tree.socketLink = scaled(tree.socketLink)
            c.fabric = .pcieTree(tree)
        case .nvlinkMesh(let link): c.fabric = .nvlinkMesh(scaled(link))
        case .nvswitch(let link): c.fabric = .nvswitch(scaled(link))
        }
        c.hostLink = scaled(hostLink)
        if var network = c.network { network.nic = scaled(network.nic); c.network = network }
        return c
    }
}
