/// NVLS: NCCL's all-reduce through NVLink SHARP, the NVSwitch's own multicast and
/// in-switch reduction, as NCCL searches, tunes and runs it inside one node.
///
/// Source: NVIDIA/nccl at v2.30.7 (commit 5067397c). The tables are NCCL's; the code is
/// ScaleCast's.
/// - **Where.** `ncclTopoCompute` (`src/graph/search.cc`) searches an NVLS graph only
///   where the node has an NVSwitch and every GPU has compute capability 9.0 or more
///   (Hopper, Blackwell); `ncclNvlsInit` (`src/transport/nvls.cc`) needs two GPUs or
///   more. Across nodes NCCL runs NVLS only with CollNet (SHARP network switches;
///   `src/graph/tuning.cc` disables it otherwise) and otherwise NVLS-tree; neither is
///   modelled, so here NVLS is a one-node algorithm. fp32, fp16 and bf16 sums, the
///   gradients' types, are all supported (`ncclNvlsSupported`, `src/include/device.h`).
/// - **Channels.** One per head GPU: `min(NCCL_MAX_NVLS_ARITY = 32, GPUs)`, and inside
///   one node the search must find all of them (`minChannels = maxChannels`).
/// - **Speed.** For each channel `ncclTopoSearchTryNvls` reserves the channel's speed
///   on every GPU's NVSwitch port, each way, and twice that on the head's, so the
///   channels together take (heads + 1) x `bwIntra` of a port: `bwIntra` is the first
///   speed of the intra-node array (`sm90SpeedArrayIntra`, `sm100SpeedArrayIntra`) at
///   most the port / (heads + 1) (and, as for every graph, at most the port, with
///   heads x speed at most the GPU's bandwidth x GPUs/(GPUs − 1)). The search's second
///   pass then raises `bwInter` one speed at a time while it is below 2 x `bwIntra`.
/// - **Bandwidth** (`ncclTopoTuneModel`): an all-reduce's per-channel bandwidth is
///   `min(2 x bwIntra x nvlsEfficiency x (heads − 1)/heads, bwInter)` ("AllReduce
///   pipelines two operations"), with NCCL's NVLS efficiency factor 0.85 on Hopper and
///   0.74 on Blackwell; the bus bandwidth is heads x that, and the algorithm bandwidth
///   N/(2(N − 1)) of it, as for the ring. Simple protocol only.
/// - **Latency**: base 0 and one NVLink hop of 25 µs (`hwLatencies[NVLINK][NVLS]`).
/// - **Thread blocks** (`ncclNvlsTuning`): `comm->nvlsChannels`, 16 on Hopper
///   (`NVLS_NCHANNELS_SM90`) and 24 on a Blackwell node (`NVLS_NCHANNELS_SM100_NVL`),
///   which `topoGetAlgoInfo` (`src/enqueue.cc`) does not trim for small messages.
///
/// **As simulated** (`TaskGraph.ncclAllReduce`, `CollectiveModel`): the switch's work
/// cannot be drawn as GPU-to-GPU copies, so NVLS is laid out as copies that load each
/// GPU's port as NVLS does. Per channel a GPU sends its share up and receives the sum
/// down, and the head moves twice that: over all channels (heads + 1)/heads of the
/// message each way per GPU. ScaleCast runs one transfer per GPU, from each GPU to the
/// next, of `bytes x (heads + 1)/heads / nvlsEfficiency` (the efficiency as wire bytes,
/// as a protocol's is), all starting once every GPU's gradients are ready, with the
/// NVLS latency. Through a non-blocking NVSwitch each port carries one transfer each
/// way, so the time is NCCL's `2 x bwIntra x efficiency` term at the port's full
/// bandwidth. Where heads < GPUs (more than 32), the GPUs that are not heads move only
/// the message each way; the layout charges every GPU the heads' share.
extension NCCLSystem {
    /// An NVLS graph as `ncclTopoCompute` finds it: its channels (heads) and speeds.
    public struct NVLSGraph: Hashable, Sendable {
        public var heads: Int
        public var intraGigabytesPerSecond: Double
        public var interGigabytesPerSecond: Double
    }

    /// `NCCL_MAX_NVLS_ARITY` (`src/include/device.h`): the most heads.
    static let maxNVLSHeads = 32

    /// `nvlsEfficiency[compCap]` (`src/graph/tuning.cc`): 0 before Hopper.
    static let nvlsEfficiencyByGeneration: [Double] = [0, 0, 0.85, 0.74]

    /// The NVLS graph NCCL's search finds on a node of `gpus` GPUs whose NVSwitch ports
    /// carry `portGigabytesPerSecond` each way; nil where NCCL runs no NVLS (before
    /// compute capability 9.0, or one GPU).
    static func nvlsGraph(computeCapability cc: Int, gpus: Int, portGigabytesPerSecond port: Double) -> NVLSGraph? {
        guard cc >= 90, gpus >= 2 else { return nil }
        let heads = min(maxNVLSHeads, gpus)
        let speeds = cc >= 100 ? speedsIntraSM100 : speedsIntraSM90
        // The non-ring graphs' bandwidth allowance (`totalBw x ndevs/(ndevs − 1)`).
        let total = port * Double(gpus) / Double(gpus - 1)
        guard let intraIndex = speeds.firstIndex(where: { $0 <= port && $0 * Double(heads) <= total && $0 * Double(heads + 1) <= port })
        else { return nil }
        var interIndex = intraIndex
        while interIndex > 0 && speeds[interIndex] < 2 * speeds[intraIndex] { interIndex -= 1 }
        return NVLSGraph(heads: heads, intraGigabytesPerSecond: speeds[intraIndex], interGigabytesPerSecond: speeds[interIndex])
    }

    /// NCCL's NVLS efficiency factor on this GPU generation (0 without NVLS).
    public var nvlsEfficiency: Double { nvlsHeads > 0 ? Self.nvlsEfficiencyByGeneration[generation] : 0 }

    /// NCCL's NVLS all-reduce bandwidth, GB/s of the message per second (0 where NCCL
    /// runs no NVLS): heads x min(2 x bwIntra x efficiency x (heads − 1)/heads, bwInter)
    /// as bus bandwidth, N/(2(N − 1)) of it as the algorithm's.
    var nvlsBandwidthGigabytesPerSecond: Double {
        guard nvlsHeads >= 2, nodes == 1, ranks > 1 else { return 0 }
        let heads = Double(nvlsHeads)
        let perChannel = min(2 * nvlsIntraGigabytesPerSecond * nvlsEfficiency * (heads - 1) / heads, nvlsInterGigabytesPerSecond)
        return heads * perChannel * Double(ranks) / Double(2 * (ranks - 1))
    }

    /// The data each GPU moves each way in the simulated NVLS layout, as a share of the
    /// message: (heads + 1)/heads over the NVLS efficiency.
    public var nvlsWireShare: Double {
        precondition(nvlsHeads > 0 && nvlsEfficiency > 0, "NVLS on a system without it")
        return (Double(nvlsHeads) + 1) / Double(nvlsHeads) / nvlsEfficiency
    }

    /// Thread blocks of an NVLS kernel (`comm->nvlsChannels`): 16 on Hopper, 24 on a
    /// Blackwell node.
    var nvlsBlocks: Int { computeCapability >= 100 ? 24 : 16 }

    /// The simulated NVLS layout over `n` ranks (positions): each GPU's transfer to the
    /// next, with the NVLS latency (one NVLink hop, the base latency added).
    public func nvlsTransfers(ranks n: Int) -> [(from: Int, to: Int, latency: TransferLatency)] {
        let choice = NCCLChoice(.nvls, .simple)
        let latency = TransferLatency(floorSeconds: stepLatencyMicroseconds(choice, across: false) * 1e-6,
                                      addedSeconds: baseLatencyMicroseconds(choice) * 1e-6)
        return n < 2 ? [] : (0..<n).map { ($0, ($0 + 1) % n, latency) }
    }
}
