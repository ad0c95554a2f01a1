import Workload

/// Horovod's tensor fusion as its background thread runs it (horovod/horovod
/// v0.16.4, horovod/common/operations.cc, RunLoopOnce; docs/tensor-fusion.rst): every
/// cycle the thread collects the gradients that are ready on every rank, packs them,
/// in the order they became ready, into fusion buffers of at most `thresholdBytes`
/// (a gradient larger than the buffer goes alone), copies them into the buffer,
/// all-reduces the buffer and copies the result back out, one fused all-reduce after
/// the other on its stream.
///
/// The planner knows no durations, so the scenario layer gives it when each gradient
/// is ready (`readySeconds`, from the start of backward, as the cost model prices the
/// backward passes) and how long a fused all-reduce waits after its last gradient
/// (`startDelaySeconds`: half a cycle on average, plus the negotiation).
public struct TensorFusion: Sendable, Equatable {
    /// The cycle (HOROVOD_CYCLE_TIME), seconds, > 0.
    public var cycleSeconds: Double
    /// The fusion buffer (HOROVOD_FUSION_THRESHOLD), bytes, > 0.
    public var thresholdBytes: Double
    /// Seconds from the last of a fused group's gradients being ready on every rank
    /// to its copy into the fusion buffer.
    public var startDelaySeconds: Double
    /// Per data-parallel layer index, seconds from the start of backward until its
    /// gradient is ready.
    public var readySeconds: [Int: Double]
    /// Bytes per second of a device-to-device copy (the GPU's memory bandwidth as the
    /// cost model prices streaming traffic): a copy of B bytes reads and writes them,
    /// `2B / copyBytesPerSecond` seconds.
    public var copyBytesPerSecond: Double

    public init(cycleSeconds: Double, thresholdBytes: Double, startDelaySeconds: Double, readySeconds: [Int: Double],
                copyBytesPerSecond: Double) {
        precondition(cycleSeconds > 0 && thresholdBytes > 0 && startDelaySeconds >= 0 && copyBytesPerSecond > 0)
        self.cycleSeconds = cycleSeconds
        self.thresholdBytes = thresholdBytes
        self.startDelaySeconds = startDelaySeconds
        self.readySeconds = readySeconds
        self.copyBytesPerSecond = copyBytesPerSecond
    }

    /// Seconds to copy a group of `layers` gradients of `bytes` into the fusion buffer
    /// (or out of it): `2 × bytes / copyBytesPerSecond`, on Horovod's stream before
    /// (after) the all-reduce; 0 for a group of one gradient, which Horovod reduces in
    /// place (v0.16.4, horovod/common/ops/nccl_operations.cc, NCCLAllreduce::Execute:
    /// `if (entries.size() > 1) MemcpyInFusionBuffer`).
    public func copySeconds(layers: Int, bytes: Double) -> Double {
        layers > 1 ? 2 * bytes / copyBytesPerSecond : 0
    }

    /// The fused all-reduces of one step, in the order they are issued.
    ///
    /// Walking the weighted layers in backward order, a gradient joins the open group
    /// when it became ready in the same cycle (`⌊ready / cycle⌋`, cycles counted from
    /// the start of backward) and the group's bytes plus its own stay within the
    /// buffer; otherwise it opens a new group. A group's closing layer is its last.
    /// - Parameters:
    ///   - layers: the data-parallel layers (all of the network's by default).
    ///   - bytesPerElement: bytes per gradient element on the wire.
    public func buckets(_ net: Network, layers: Range<Int>? = nil, bytesPerElement: Int) -> [Planner.Bucket] {
        var buckets: [Planner.Bucket] = []
        var current: Planner.Bucket?
        var currentCycle = -1
        for index in (layers ?? net.layers.indices).reversed() where net.layers[index].cost.parameters > 0 {
            let bytes = Double(net.layers[index].cost.parameters * bytesPerElement)
            let cycle = Int(((readySeconds[index] ?? 0) / cycleSeconds).rounded(.down))
            if let open = current, cycle != currentCycle || open.bytes + bytes > thresholdBytes {
                buckets.append(open)
                current = nil
            }
            var bucket = current ?? Planner.Bucket(closingLayer: index, layers: [], parameters: 0, bytes: 0)
            bucket.closingLayer = index
            bucket.layers.append(index)
            bucket.parameters += net.layers[index].cost.parameters
            bucket.bytes += bytes
            current = bucket
            currentCycle = cycle
        }
        if let current { buckets.append(current) }
        return buckets
    }
}
