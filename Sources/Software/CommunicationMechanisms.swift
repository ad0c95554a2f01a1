import Foundation
import YAMLSupport

/// How a stack's communication runtime sends the gradients beyond what the
/// hardware and the collective's algorithm price: Horovod's tensor fusion, run by a
/// background thread on a cycle after a negotiation among the ranks, and NCCL's
/// socket transport between nodes (no InfiniBand, no GPUDirect RDMA). Every field is
/// off by default, so other profiles are unchanged.
///
/// The scenario layer turns the fusion fields into the planner's `TensorFusion` (which
/// gradients travel together, and when each fused all-reduce may start) and the socket
/// fields into the network as the transport drives it (`networkAsDriven`).
public struct CommunicationMechanisms: Sendable, Equatable {
    /// `fusion_cycle_ms`: the background thread's cycle (HOROVOD_CYCLE_TIME), seconds;
    /// nil: no cycle (gradients go in the scenario's buckets).
    public var fusionCycleSeconds: Double?
    /// `fusion_threshold_mb`: the fusion buffer (HOROVOD_FUSION_THRESHOLD), bytes
    /// (MB = 2^20 bytes, as Horovod counts it).
    public var fusionThresholdBytes: Double?
    /// `negotiation_us`: one round of the ranks' per-cycle negotiation (a small
    /// message over the network), seconds; a cycle's negotiation is ⌈log2 K⌉ rounds.
    public var negotiationRoundSeconds = 0.0
    /// `gradient_groups`: how many groups the framework hands the gradients to the
    /// runtime in (Horovod's MXNet `DistributedOptimizer(num_groups=N)`): the weighted
    /// layers, in network order, split into N contiguous groups of near-equal count,
    /// each group handed over when its last gradient is ready; nil: each gradient on its own.
    public var gradientGroups: Int?

    /// How gradients travel under tensor fusion, for labels (`fused up to 64 MB every
    /// 5 ms`); nil without a fusion cycle, where the scenario's buckets apply.
    public var fusionSummary: String? {
        guard let cycle = fusionCycleSeconds, let threshold = fusionThresholdBytes else { return nil }
        func shortest(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String((x * 100).rounded() / 100) }
        return "fused up to \(shortest(threshold / 1_048_576)) MB every \(shortest(cycle * 1e3)) ms"
    }
    /// `net_socket_streams`: TCP streams one inter-node connection of the collective
    /// library uses (NCCL_SOCKET_NTHREADS × NCCL_NSOCKS_PERTHREAD); nil: not modelled.
    public var socketStreams: Int?
    /// `net_stream_gb_per_s`: bytes per second one such stream carries.
    public var streamBytesPerSecond: Double?
    /// `net_step_latency_us`: the software latency the socket transport adds to every
    /// hop between nodes (proxy thread, socket calls, host buffers), seconds.
    public var socketStepLatencySeconds = 0.0
    /// `ps_host_gb_per_s`: bytes per second a parameter server in host memory (the
    /// `ps-host` all-reduce) streams while it sums, scales and applies the gradients;
    /// nil: the server's arithmetic is not priced.
    public var serverHostBytesPerSecond: Double?

    public init() {}

    /// Whether nothing is modelled beyond the hardware.
    public var isNone: Bool { self == CommunicationMechanisms() }

    /// The YAML keys, in the order `explain` and `scalecast software` list them.
    public static let keys = ["fusion_cycle_ms", "fusion_threshold_mb", "negotiation_us", "gradient_groups",
                              "net_socket_streams", "net_stream_gb_per_s", "net_step_latency_us", "ps_host_gb_per_s"]

    /// The fields set away from their defaults, as YAML keys and values in the keys'
    /// units, in `keys` order: for listings.
    public var settings: [(key: String, value: Double?, text: String)] {
        var out: [(key: String, value: Double?, text: String)] = []
        func number(_ key: String, _ x: Double) { out.append((key, x, String(format: "%g", x))) }
        if let c = fusionCycleSeconds { number("fusion_cycle_ms", (c * 1e9).rounded() / 1e6) }
        if let t = fusionThresholdBytes { number("fusion_threshold_mb", t / 1_048_576) }
        if negotiationRoundSeconds > 0 { number("negotiation_us", (negotiationRoundSeconds * 1e12).rounded() / 1e6) }
        if let g = gradientGroups { number("gradient_groups", Double(g)) }
        if let s = socketStreams { number("net_socket_streams", Double(s)) }
        if let r = streamBytesPerSecond { number("net_stream_gb_per_s", r / 1e9) }
        if socketStepLatencySeconds > 0 { number("net_step_latency_us", (socketStepLatencySeconds * 1e12).rounded() / 1e6) }
        if let r = serverHostBytesPerSecond { number("ps_host_gb_per_s", r / 1e9) }
        return out
    }

    /// Sets `key` from `value`.
    /// - Throws: `ConfigError` at the value: a negative, zero or absurd figure.
    mutating func apply(_ key: String, _ value: YAMLValue) throws {
        func number(_ range: ClosedRange<Double>, _ unit: String, positive: Bool = false) throws -> Double {
            let x = try value.double()
            guard x >= 0 else { throw value.error("must not be negative, got \(x) \(unit)") }
            guard !positive || x > 0 else { throw value.error("must be positive, got \(x) \(unit)") }
            guard x <= range.upperBound else { throw value.error("must be at most \(String(format: "%g", range.upperBound)) \(unit), got \(x)") }
            return x
        }
        // A bad figure for a key that also takes `off` says so.
        func orOff<T>(_ read: () throws -> T) throws -> T {
            do { return try read() } catch var error as ConfigError {
                error.message += " (or off, for no socket cap)"
                throw error
            }
        }
        if ["net_socket_streams", "net_stream_gb_per_s"].contains(key), (try? value.string()) == "off" {
            // No socket cap (NCCL over InfiniBand verbs or RoCE, not its socket transport): both go together.
            (socketStreams, streamBytesPerSecond) = (nil, nil)
            return
        }
        switch key {
        case "fusion_cycle_ms": fusionCycleSeconds = try number(0...60_000, "ms", positive: true) * 1e-3
        case "fusion_threshold_mb": fusionThresholdBytes = try number(0...1e6, "MB", positive: true) * 1_048_576
        case "negotiation_us": negotiationRoundSeconds = try number(0...1e6, "µs") * 1e-6
        case "gradient_groups": gradientGroups = try value.int(in: 1...1_000_000)
        case "net_socket_streams": socketStreams = try orOff { try value.int(in: 1...1024) }
        case "net_stream_gb_per_s": streamBytesPerSecond = try orOff { try number(0...1e4, "GB/s", positive: true) } * 1e9
        case "ps_host_gb_per_s": serverHostBytesPerSecond = try number(0...1e4, "GB/s", positive: true) * 1e9
        default: socketStepLatencySeconds = try number(0...1e6, "µs") * 1e-6   // net_step_latency_us
        }
    }

    /// Checks that the fields make one model: a cycle needs its fusion buffer (and a
    /// buffer its cycle), a stream count its rate (and a rate its count), and the
    /// negotiation a cycle to happen in.
    /// - Throws: `ConfigError` at `node` (the entry or override that set them).
    func check(in node: YAMLValue) throws {
        if (fusionCycleSeconds == nil) != (fusionThresholdBytes == nil) {
            throw node.error("fusion_cycle_ms and fusion_threshold_mb go together: set both or neither")
        }
        if negotiationRoundSeconds > 0 && fusionCycleSeconds == nil {
            throw node.error("negotiation_us needs fusion_cycle_ms (the negotiation happens once per cycle)")
        }
        if gradientGroups != nil && fusionCycleSeconds == nil {
            throw node.error("gradient_groups needs fusion_cycle_ms (the groups are handed to the fusion thread)")
        }
        if (socketStreams == nil) != (streamBytesPerSecond == nil) {
            throw node.error("net_socket_streams and net_stream_gb_per_s go together: set both or neither")
        }
    }

    /// The group of each of `count` gradients (in network order) when they are split
    /// into `gradientGroups` contiguous groups as Horovod's `split_list` does: with
    /// `count = d·N + r`, the first `r` groups hold `d + 1` gradients and the rest `d`
    /// (horovod/common/util.py, `split_list`); nil without groups. More groups than
    /// gradients leave the extra groups empty.
    public func groupIndices(count: Int) -> [Int]? {
        guard let n = gradientGroups else { return nil }
        let (d, r) = count.quotientAndRemainder(dividingBy: n)
        var out: [Int] = []
        for g in 0..<n { out += Array(repeating: g, count: d + (g < r ? 1 : 0)) }
        return out
    }

    /// Seconds one cycle's negotiation takes among `ranks` ranks: `⌈log2 ranks⌉ ×
    /// negotiationRoundSeconds` (a recursive-doubling all-reduce of the ranks'
    /// ready-tensor bit vectors, one small message per round); 0 for one rank.
    public func negotiationSeconds(ranks: Int) -> Double {
        guard ranks > 1 else { return 0 }
        return Double(Int.bitWidth - (ranks - 1).leadingZeroBitCount) * negotiationRoundSeconds
    }

    /// The seconds a fused all-reduce waits after the last of its gradients is ready
    /// on every rank: half a cycle (the background thread wakes every cycle, at a
    /// phase the step does not control, so a gradient waits `cycle / 2` on average)
    /// plus the cycle's negotiation. 0 without a cycle.
    public func fusionStartDelaySeconds(ranks: Int) -> Double {
        guard let cycle = fusionCycleSeconds else { return 0 }
        return cycle / 2 + negotiationSeconds(ranks: ranks)
    }

    /// A NIC's link to the network switch as the socket transport drives it: bandwidth
    /// `min(line rate, streams × per-stream rate)` (each inter-node connection's bytes go
    /// through its streams, and a flat ring crosses each NIC with one connection per
    /// direction), latency the link's plus half the transport's software step latency: a
    /// hop between nodes crosses two such links (its NIC to the switch, the switch to
    /// the other NIC), so it carries the step latency once.
    /// - Returns: `bytesPerSecond` and `latencySeconds` for the link, unchanged where no
    ///   socket transport is modelled.
    public func linkAsDriven(bytesPerSecond: Double, latencySeconds: Double) -> (bytesPerSecond: Double, latencySeconds: Double) {
        (min(bytesPerSecond, socketCapBytesPerSecond ?? .infinity), latencySeconds + socketStepLatencySeconds / 2)
    }

    /// The rate NCCL's socket transport drives one NIC at, `net_socket_streams` x
    /// `net_stream_gb_per_s`, bytes per second; nil where no socket transport is modelled.
    public var socketCapBytesPerSecond: Double? {
        guard let streams = socketStreams, let perStream = streamBytesPerSecond else { return nil }
        return Double(streams) * perStream
    }
}
