import Parallelism
import SimCore

/// Interference between a collective and the compute it overlaps: NCCL runs one
/// thread block per channel (`NCCLSystem.kernelChannels`), each resident on the GPU
/// from the collective's start on that GPU to its end there, so while it runs the
/// GPU's compute kernels get the SMs those blocks leave.
///
/// The model: compute runs at `(SMs − occupied) / SMs` of its speed, where
/// `occupied = min(channels × share, SMs − 1)` SMs and `share` is the profile's
/// `collective_sm_share` (1: each block denies compute a whole SM). Collectives of
/// one process group run one after another on NCCL's stream, so a GPU with several
/// collectives in flight at once (the expanded fidelity may overlap their transfers)
/// has the SMs of the largest occupied, not their sum. Sources: NCCL's launch of one
/// block per channel (`src/enqueue.cc`, `ncclLaunchKernel`) and its documentation of
/// `NCCL_MAX_NCHANNELS` ("Reducing the number of channels also reduces the number of
/// CUDA blocks used for communication, hence the impact on GPU computing resources").
///
/// Not modelled: the device-memory (HBM) traffic of the collective's reductions and
/// copies, and the wave quantization of a compute kernel that loses SMs (its blocks
/// no longer fit in whole waves); both would slow compute further.
public final class CollectiveInterference {
    /// The GPU's streaming multiprocessors.
    public let sms: Int
    /// The share of an SM each of a collective's blocks takes, in (0, 1].
    public let share: Double
    /// Per GPU, the blocks of each collective in flight on it.
    private var inFlight: [[Int]]
    /// The GPUs' compute streams, by GPU.
    let compute: [SerialResource]
    private let simulator: Simulator
    /// Per GPU, the span of slowed compute under way, if any.
    private var open: [SlowedSpan?]
    /// The spans of slowed compute so far, in the order they closed.
    public private(set) var spans: [SlowedSpan] = []

    /// - Parameter compute: the GPUs' compute streams, by GPU, whose speed this sets.
    public init(sms: Int, share: Double, compute: [SerialResource], simulator: Simulator) {
        precondition(sms > 0 && share > 0 && share <= 1)
        self.sms = sms
        self.share = share
        self.compute = compute
        self.simulator = simulator
        inFlight = [[Int]](repeating: [], count: compute.count)
        open = [SlowedSpan?](repeating: nil, count: compute.count)
    }

    /// The fraction of full speed compute keeps on a GPU of `sms` SMs while `channels`
    /// blocks of a collective each take `share` of an SM:
    /// `(sms − min(channels × share, sms − 1)) / sms`, 1 with no blocks. At least one SM
    /// is left to compute: with more blocks than SMs, blocks share SMs and the model
    /// does not price that sharing.
    public static func computeRate(sms: Int, channels: Int, share: Double) -> Double {
        let total = Double(sms)
        let occupied = min(Double(channels) * share, total - 1)
        return occupied > 0 ? (total - occupied) / total : 1
    }

    /// A collective whose kernel runs `channels` blocks starts on `gpu`.
    public func begin(gpu: Int, channels: Int) {
        inFlight[gpu].append(channels)
        update(gpu)
    }

    /// That collective is done on `gpu`.
    public func end(gpu: Int, channels: Int) {
        guard let i = inFlight[gpu].firstIndex(of: channels) else { preconditionFailure("no collective of \(channels) blocks on GPU \(gpu)") }
        inFlight[gpu].remove(at: i)
        update(gpu)
    }

    private func update(_ gpu: Int) {
        let blocks = inFlight[gpu].max() ?? 0
        let rate = Self.computeRate(sms: sms, channels: blocks, share: share)
        guard rate != compute[gpu].rate else { return }
        compute[gpu].setRate(rate)
        if var span = open[gpu] {
            span.end = simulator.now
            if span.end > span.start { spans.append(span) }
        }
        open[gpu] = rate < 1 ? SlowedSpan(device: gpu, start: simulator.now, end: simulator.now, rate: rate, blocks: blocks) : nil
    }
}
