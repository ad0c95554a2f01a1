/// The kernel NCCL launches for one collective: how many thread blocks (CTAs) it
/// runs, one per channel, each resident on the GPU until the collective is done.
///
/// Source: NVIDIA/nccl at v2.30.7 (commit 5067397c). `ncclLaunchKernel`
/// (`src/enqueue.cc`) launches the plan's kernel with a grid of one block per channel
/// it uses (`grid = {nChannels, 1, 1}`, `nChannels = countOneBits(plan->channelMask)`);
/// `topoGetAlgoInfo` (`src/enqueue.cc`) starts from the communicator's channels
/// (`comm->nChannels`) and drops one while the message is smaller than
/// `nc × nt × threadThreshold` bytes (ring and tree), so small collectives run on
/// fewer blocks. NCCL's documentation of `NCCL_MAX_NCHANNELS` says what the blocks
/// cost: "Reducing the number of channels also reduces the number of CUDA blocks used
/// for communication, hence the impact on GPU computing resources"
/// (docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html).
extension NCCLSystem {
    /// `PCI_BW` (`src/graph/topo.h`), GB/s: below it a ring's Simple kernel runs 256 threads.
    static let pciGigabytesPerSecond = 12.0

    /// Threads per block NCCL allows `choice` before trimming (`comm->maxThreads`,
    /// `ncclTopoTuneModel` in `src/graph/tuning.cc`): Simple 512 (`NCCL_SIMPLE_MAX_NTHREADS`;
    /// the ring's 256 when its channels together carry at most `PCI_BW`), LL 512
    /// (`NCCL_LL_MAX_NTHREADS`), LL128 640 (`NCCL_LL128_MAX_NTHREADS`).
    func maxThreads(_ choice: NCCLChoice) -> Int {
        switch choice.proto {
        case .ll: return 512
        case .ll128: return 640
        case .simple:
            let slowRing = choice.algorithm == .ring && channelGigabytesPerSecond * Double(channels) <= Self.pciGigabytesPerSecond
            return slowRing ? 256 : 512
        }
    }

    /// Bytes per thread below which NCCL takes a channel away (`comm->threadThresholds`,
    /// `src/graph/tuning.cc`): LL 8 (`NCCL_LL_THREAD_THRESHOLD`, times the ranks for the
    /// ring), LL128 8, Simple 64 (`src/include/comm.h`).
    func threadThreshold(_ choice: NCCLChoice) -> Int {
        switch choice.proto {
        case .ll: return choice.algorithm == .ring ? 8 * ranks : 8
        case .ll128: return 8
        case .simple: return 64
        }
    }

    /// Thread blocks NCCL's kernel runs for an all-reduce of `bytes` under `choice`:
    /// the communicator's channels, less one while `bytes < nc × nt × threshold`, at
    /// least one (`topoGetAlgoInfo`). A 25 MB bucket runs on every channel; a 64 KB one
    /// on one or two. NVLS runs its own blocks, untrimmed (`nvlsBlocks`).
    /// - Parameter bytes: the message, data bytes (NCCL's `nBytes`: count × type size).
    public func kernelChannels(_ choice: NCCLChoice, bytes: Double) -> Int {
        if choice.algorithm == .nvls { return nvlsBlocks }
        let perChannel = Double(maxThreads(choice) * threadThreshold(choice))
        let fitting = (bytes / perChannel).rounded(.down)
        return Int(max(1, min(Double(communicatorChannels), fitting)))
    }
}
