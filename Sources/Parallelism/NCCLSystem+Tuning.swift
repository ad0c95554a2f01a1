/// NCCL's tuning model for all-reduce: the latency and bandwidth it assigns each
/// algorithm and protocol on a communicator, the time it predicts for a message, and
/// the algorithm and protocol it therefore runs.
///
/// Source: NVIDIA/nccl at v2.30.7 (commit 5067397c), `src/graph/tuning.cc`
/// (`ncclTunerConstantsDefaults`, `ncclTopoTuneModel`, `treeCorrectionFactor`,
/// `ncclTopoGetAlgoTime`) and `src/enqueue.cc` (`topoGetAlgoInfo`: the smallest
/// predicted time wins, ties to the first in tree, ring and LL, LL128, Simple order).
/// The tables are NCCL's; the code is ScaleCast's. `NCCL_PROTO` is `protocols` (a profile's
/// `nccl_protocols`). Not modelled: NCCL_ALGO beyond naming one algorithm, tuner plugins,
/// NVLS-tree/CollNet/PAT, POWER CPUs, and the CPU vendor (an Intel x86 host is assumed:
/// `llMaxBws` row 0 across nodes, a 1 µs network post overhead).
///
/// Times are in microseconds and bandwidths in GB/s inside, as NCCL's; the public
/// results are in seconds.
extension NCCLSystem {
    /// `baseLatencies[algorithm][protocol]`, µs: a collective's fixed cost.
    static let baseLatency: [NCCLAlgorithm: [NCCLProtocol: Double]] = [
        .tree: [.ll: 6.8, .ll128: 14.0, .simple: 8.4],
        .ring: [.ll: 6.6, .ll128: 14.0, .simple: 8.4],
        .nvls: [.ll: 0, .ll128: 0, .simple: 0],
    ]
    /// `hwLatencies[hop][algorithm][protocol]`, µs per step over NVLink, PCIe or the network.
    static let hopLatency: [Hop: [NCCLAlgorithm: [NCCLProtocol: Double]]] = [
        .nvlink: [.tree: [.ll: 0.6, .ll128: 1.25, .simple: 4.0], .ring: [.ll: 0.6, .ll128: 1.9, .simple: 3.4],
                  .nvls: [.ll: 0, .ll128: 0, .simple: 25]],
        .pci: [.tree: [.ll: 1.0, .ll128: 1.9, .simple: 4.0], .ring: [.ll: 1.0, .ll128: 2.5, .simple: 5.7],
               .nvls: [.ll: 0, .ll128: 0, .simple: 0]],
        .net: [.tree: [.ll: 5.0, .ll128: 8.5, .simple: 14], .ring: [.ll: 2.7, .ll128: 4.0, .simple: 14.0],
               .nvls: [.ll: 0, .ll128: 0, .simple: 18]],
    ]
    /// `llMaxBws[row][nodes]`, GB/s: LL's ceiling. Row: the GPU generation inside one
    /// node, the CPU vendor across nodes (0 Intel); column: 1, 2, more nodes.
    static let llMaxBandwidth: [[Double]] = [[39.0, 39.0, 20.4], [87.7, 22.5, 19.0], [141.0, 45.0, 35.0], [282.0, 90.0, 70.0]]
    /// `perChMaxRingLL128Bws[generation][nodes]`, GB/s per channel.
    static let ringLL128PerChannel: [[Double]] = [[20, 20, 20], [20, 20, 20], [36.7, 36.7, 36.7], [40, 40, 40]]
    /// `perChMaxTreeLL128Bws[generation][nodes]`, GB/s per channel.
    static let treeLL128PerChannel: [[Double]] = [[20, 20, 20], [20, 20, 20], [36.7, 36.7, 29.0], [55.6, 31.67, 20.0]]
    /// `perChMaxTreeBws[generation][nodes]`, GB/s per channel.
    static let treePerChannel: [[Double]] = [[26.5, 18.5, 10.0], [24.0, 23.6, 17.8], [38.7, 41.4, 36.0], [70.0, 42.8, 24.0]]
    /// `treeCorrectionFactor[protocol][log2(bytes / 64)]`: "Trees are not perfectly
    /// sticking to the model for medium sizes", powers of two from 64 B.
    static let treeCorrection: [NCCLProtocol: [Double]] = [
        .ll: [1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.7, 0.7, 0.7, 0.6, 0.5, 0.4, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0],
        .ll128: [1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.8, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.0],
        .simple: [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.7, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5, 0.6, 0.7, 0.8, 0.7, 0.7, 0.8, 0.9, 0.9, 0.9],
    ]
    /// `getNetOverhead` for an Intel x86 host, µs: each network step's post.
    static let networkOverhead = 1.0

    /// Column of the per-node tables: 1 node, 2 nodes, more.
    private var nodeColumn: Int { nodes <= 2 ? nodes - 1 : 2 }

    /// Whether NCCL runs `proto` here: one the stack allows (`protocols`), LL128 only where NCCL enables it.
    public func enables(_ proto: NCCLProtocol) -> Bool { protocols.contains(proto) && (proto != .ll128 || ll128Enabled) }

    /// Whether NCCL runs `choice` here: the protocol enabled, and NVLS only with the
    /// Simple protocol on a node that has it (`NCCLSystem+NVLS`).
    public func runs(_ choice: NCCLChoice) -> Bool {
        guard enables(choice.proto) else { return false }
        return choice.algorithm != .nvls || (choice.proto == .simple && nvlsBandwidthGigabytesPerSecond > 0)
    }

    /// The per-step latency NCCL charges `choice` on a hop, µs: inside a node the
    /// NVLink or PCIe figure (for rings that span nodes at least the network post
    /// overhead, 3x for Simple); across nodes the network figure (with one GPU per
    /// node, the tree's network figure, "latencies are fully exposed").
    public func stepLatencyMicroseconds(_ choice: NCCLChoice, across: Bool) -> Double {
        let (a, p) = (choice.algorithm, choice.proto)
        if across {
            return Self.hopLatency[.net]![ranksPerNode == 1 ? .tree : a]![p]!
        }
        let intra = Self.hopLatency[intraHop]![a]![p]!
        if a == .ring && nodes > 1 { return max(intra, Self.networkOverhead * (p == .simple ? 3 : 1)) }
        return intra
    }

    /// A collective's fixed cost under `choice`, µs (`baseLatencies`).
    public func baseLatencyMicroseconds(_ choice: NCCLChoice) -> Double { Self.baseLatency[choice.algorithm]![choice.proto]! }

    /// NCCL's latency of an all-reduce under `choice`, µs: the base latency plus, for
    /// the ring, one step latency per step (2(N−1) steps, 2(n−1) of them across nodes);
    /// for the tree, twice the chain inside a node (N/n − 1 steps) and ⌊log2 n⌋
    /// network steps; for NVLS, one step inside the node.
    public func latencyMicroseconds(_ choice: NCCLChoice) -> Double {
        let base = baseLatencyMicroseconds(choice)
        let intra = stepLatencyMicroseconds(choice, across: false), inter = stepLatencyMicroseconds(choice, across: true)
        switch choice.algorithm {
        case .ring:
            let steps = 2 * (ranks - 1), across = nodes == 1 ? 0 : 2 * (nodes - 1)
            return base + Double(steps - across) * intra + Double(across) * inter
        case .tree:
            return base + 2 * (Double(ranks / nodes - 1) * intra + Double(Self.log2Floor(nodes)) * inter)
        case .nvls:
            return base + intra
        }
    }

    /// NCCL's algorithm bandwidth of an all-reduce under `choice`, GB/s (bytes of the
    /// message per second), before the tree's size correction; 0 where NCCL does not
    /// run it. Bus bandwidth: channels x per-channel speed (the tree's on at most two nodes
    /// its raised speed inside a node, `treeIntraGigabytesPerSecond`: `ncclTopoTuneModel`
    /// takes `bwIntra` there, `bwInter` on more nodes); ring LL at half of it up
    /// to LL's ceiling; ring LL128 at 0.92 of it up to its per-channel ceiling; the
    /// tree at 0.92 up to its per-channel ceiling, then LL at 1/3.8 of that up to LL's
    /// ceiling, LL128 at 7/9 (one node) or 120/128 up to its per-channel ceiling. The
    /// ring's bus bandwidth is N/(2(N−1)) of the algorithm's, the tree's 1/2. NVLS:
    /// `NCCLSystem+NVLS`.
    public func bandwidthGigabytesPerSecond(_ choice: NCCLChoice) -> Double {
        guard ranks > 1, runs(choice) else { return 0 }
        if choice.algorithm == .nvls { return nvlsBandwidthGigabytesPerSecond }
        let generation = self.generation, column = nodeColumn, channels = Double(self.channels)
        let llMax = Self.llMaxBandwidth[nodes == 1 ? generation : 0][column]
        let perChannel = choice.algorithm == .tree && nodes <= 2 ? treeIntraGigabytesPerSecond : channelGigabytesPerSecond
        var bus = channels * perChannel
        switch (choice.algorithm, choice.proto) {
        case (.ring, .ll): bus = min(llMax, bus * 0.5)
        case (.ring, .ll128): bus = min(bus * 0.92, channels * Self.ringLL128PerChannel[generation][column])
        case (.ring, .simple): break
        case (.nvls, _): break
        case (.tree, let p):
            bus = min(bus * 0.92, channels * Self.treePerChannel[generation][column])
            if p == .ll { bus = min(bus / 3.8, llMax) }
            if p == .ll128 {
                bus = min(bus * (nodes == 1 ? 7.0 / 9.0 : 120.0 / 128.0), channels * Self.treeLL128PerChannel[generation][column])
            }
        }
        switch choice.algorithm {
        case .ring, .nvls: return bus * Double(ranks) / Double(2 * (ranks - 1))
        case .tree: return bus * 0.5
        }
    }

    /// The ceiling NCCL's tuning model puts on the bus bandwidth under `choice`, GB/s: the
    /// terms of `bandwidthGigabytesPerSecond` that do not follow the links, what one channel's
    /// kernel moves (`tuning.cc`). Tree: `nChannels × perChMaxTreeBw`; LL at 1/3.8 of it up to
    /// `llMaxBw`; LL128 at 7/9 on one node or 120/128 of it, up to `nChannels ×
    /// perChMaxTreeLL128Bw`. Ring: LL up to `llMaxBw`, LL128 up to `nChannels ×
    /// perChMaxRingLL128Bw`, Simple none. NVLS: none. The simulated transfers run no faster
    /// (`treeTransferCeilingBytesPerSecond`, `ringTransferCeilingBytesPerSecond`); infinity: no ceiling.
    public func ceilingGigabytesPerSecond(_ choice: NCCLChoice) -> Double {
        let channels = Double(self.channels), generation = self.generation, column = nodeColumn
        let llMax = Self.llMaxBandwidth[nodes == 1 ? generation : 0][column]
        switch (choice.algorithm, choice.proto) {
        case (.tree, let proto):
            let tree = channels * Self.treePerChannel[generation][column]
            switch proto {
            case .simple: return tree
            case .ll: return min(tree / 3.8, llMax)
            case .ll128: return min(tree * (nodes == 1 ? 7.0 / 9.0 : 120.0 / 128.0), channels * Self.treeLL128PerChannel[generation][column])
            }
        case (.ring, .ll): return llMax
        case (.ring, .ll128): return channels * Self.ringLL128PerChannel[generation][column]
        case (.ring, .simple), (.nvls, _): return .infinity
        }
    }

    /// The most wire bytes per second one transfer of the simulated tree may move under
    /// `choice` among `simulatedChannels` channels (`treeChannels`): the tree's algorithm
    /// bandwidth is half its bus bandwidth, and each of a channel's transfers (an edge, up or
    /// down) carries that channel's share of the message at that pace, so each runs at most
    /// `ceiling / 2 / channels` of data, `/ wire efficiency` on the wire.
    public func treeTransferCeilingBytesPerSecond(_ choice: NCCLChoice, simulatedChannels: Int) -> Double {
        ceilingGigabytesPerSecond(choice) * 1e9 / 2 / Double(simulatedChannels) / choice.proto.wireEfficiency
    }

    /// The most wire bytes per second one transfer of a simulated ring may move under
    /// `choice` among `layouts` rings (`ringOrders`): a ring's bus bandwidth is what each rank
    /// sends per second (2(N−1)/N of the message in the time the algorithm bandwidth takes for
    /// it), shared by the layouts, so each rank's transfer on a layout runs at most
    /// `ceiling / layouts` of data, `/ wire efficiency` on the wire; infinity where NCCL's model
    /// has no ceiling (Simple).
    public func ringTransferCeilingBytesPerSecond(_ choice: NCCLChoice, layouts: Int) -> Double {
        ceilingGigabytesPerSecond(choice) * 1e9 / Double(layouts) / choice.proto.wireEfficiency
    }

    /// The share of a simulated tree transfer's bytes that is the message's data under `choice`
    /// for an all-reduce of `bytes`: the protocol's wire efficiency, times, under LL and LL128,
    /// NCCL's own correction of its tree model by message size (`treeCorrectionFactor`, 0.4-1.0:
    /// "Trees are not perfectly sticking to the model for medium sizes"), which NCCL's estimate
    /// applies too (`estimatedSeconds`). Not under Simple: there the simulated tree pays its
    /// pipeline's fill chunk by chunk (`treeLatencies`), what NCCL's model, which has no fill,
    /// corrects for, so the correction would count it twice; LL and LL128 forward line by line
    /// and have no such fill.
    public func treeDataEfficiency(_ choice: NCCLChoice, bytes: Double) -> Double {
        let efficiency = choice.proto.wireEfficiency
        guard choice.proto != .simple, let correction = Self.treeCorrectionFactor(choice.proto, bytes: bytes) else { return efficiency }
        return efficiency * correction
    }

    /// `treeCorrectionFactor[proto][log2(bytes / 64)]`, nil outside the 23 sizes NCCL reads it
    /// at (`logSize < 23`; the factor is 1 there).
    static func treeCorrectionFactor(_ proto: NCCLProtocol, bytes: Double) -> Double? {
        let logSize = log2Floor(Int(bytes) >> 6)
        return logSize >= 0 && logSize < 23 ? treeCorrection[proto]![logSize] : nil
    }

    /// NCCL's predicted time of an all-reduce of `bytes` under `choice`, in seconds;
    /// nil where NCCL does not run it. `latency + bytes / bandwidth`, the tree's
    /// bandwidth times its correction factor for the message size, and the ring's
    /// Simple latency across nodes times 1.4 (1.9 before compute capability 8.0) once
    /// each rank's share per channel reaches 64 bytes ("plateau effect of ring").
    public func estimatedSeconds(_ choice: NCCLChoice, bytes: Double) -> Double? {
        var bandwidth = bandwidthGigabytesPerSecond(choice)
        guard bandwidth > 0 else { return nil }
        var latency = latencyMicroseconds(choice)
        if choice.algorithm == .tree, let correction = Self.treeCorrectionFactor(choice.proto, bytes: bytes) { bandwidth *= correction }
        if choice == NCCLChoice(.ring, .simple), nodes > 1, Int(bytes) / (communicatorChannels * ranks) >= 64 {
            latency *= computeCapability < 80 ? 1.9 : 1.4
        }
        return (latency + bytes / (1000 * bandwidth)) * 1e-6
    }

    /// What NCCL runs an all-reduce of `bytes` with: of `algorithms` (every one by
    /// default; one to pin it, as `NCCL_ALGO` does) and every protocol it runs here, the
    /// smallest estimated time, ties to the first in NCCL's order.
    public func choose(bytes: Double, among algorithms: [NCCLAlgorithm] = NCCLAlgorithm.allCases) -> NCCLChoice {
        var best: (choice: NCCLChoice, seconds: Double)?
        for a in NCCLAlgorithm.allCases where algorithms.contains(a) {
            for p in NCCLProtocol.allCases {
                let choice = NCCLChoice(a, p)
                guard let t = estimatedSeconds(choice, bytes: bytes) else { continue }
                if best == nil || t < best!.seconds { best = (choice, t) }
            }
        }
        // Nothing runs (one rank, or NVLS alone where there is none): NCCL's fallback ring.
        return best?.choice ?? NCCLChoice(algorithms.first { $0 != .nvls } ?? .ring, .simple)
    }

    /// Where `algorithms` offer NCCL more than one (`nccl-auto`), the best choice of an algorithm
    /// other than `chosen`'s and NCCL's estimate of it, seconds; nil where there is none.
    public func runnerUp(to chosen: NCCLChoice, bytes: Double, among algorithms: [NCCLAlgorithm]) -> NCCLEstimate? {
        let others = algorithms.filter { $0 != chosen.algorithm }
        guard !others.isEmpty else { return nil }
        let choice = choose(bytes: bytes, among: others)
        return estimatedSeconds(choice, bytes: bytes).map { NCCLEstimate(choice: choice, seconds: $0) }
    }

    /// ⌊log2 n⌋, −1 for n ≤ 0 (NCCL's `log2i`).
    static func log2Floor(_ n: Int) -> Int { n <= 0 ? -1 : Int.bitWidth - 1 - n.leadingZeroBitCount }
}
