import CostModel
import Foundation
@testable import Parallelism
import SimCore
import Testing
import Workload
@testable import Hardware
@testable import Simulation

/// NCCL's all-reduce: its tuning model's choice checked against figures computed by
/// hand from NVIDIA/nccl v2.30.7 `src/graph/tuning.cc`, its channels on the cluster,
/// the expanded ring and tree against their closed forms, and determinism.
@Suite struct NCCLCollectiveTests {
    let catalog = try! Catalog.builtIn()

    /// DGX A100-style nodes: 8 GPUs on NVSwitch (NVLink 3, 300 GB/s), `nics` NICs.
    func dgxA100(nics: Int = 8, nic: String = "ib-hdr") -> ClusterSpec {
        ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                    network: NetworkSpec(nic: catalog.link(named: nic)!, nicsPerNode: nics), hostLink: catalog.link(named: "pcie4-x16")!)
    }

    /// DGX-1-style nodes: 8 V100 in an NVLink mesh (NVLink 2, 150 GB/s per GPU), `nics` NICs.
    func dgx1(nics: Int = 4) -> ClusterSpec {
        ClusterSpec(gpu: catalog.gpu(named: "V100-SXM2-16GB")!, gpusPerNode: 8, fabric: .nvlinkMesh(catalog.link(named: "nvlink2")!),
                    network: NetworkSpec(nic: catalog.link(named: "ib-edr")!, nicsPerNode: nics), hostLink: catalog.link(named: "pcie3-x16")!)
    }

    /// 8 V100 PCIe on a 2-socket PCIe tree (2 GPUs per switch), one 25 GbE NIC per node.
    func pcieServer() -> ClusterSpec {
        Fixtures.pcieCluster(perSwitch: 2, network: NetworkSpec(nic: catalog.link(named: "eth-25g")!, nicsPerNode: 1))
    }

    static func microseconds(_ system: NCCLSystem, _ a: NCCLAlgorithm, _ p: NCCLProtocol, _ bytes: Double) -> Double {
        system.estimatedSeconds(NCCLChoice(a, p), bytes: bytes)! * 1e6
    }

    // MARK: The channels NCCL's search finds

    /// DGX A100, one node: the best path is the 300 GB/s NVSwitch port, so the speed is
    /// the intra array's first entry, 40 GB/s; 7 channels fit 300 GB/s; 40 ≥ 25 doubles
    /// them at half the speed: 14 x 20. Two nodes: a GPU reaches its 25 GB/s HDR NIC, so
    /// the inter array's 24; one channel per NIC: 8 x 24, not doubled. DGX-1: a 150/7
    /// GB/s NVLink per peer gives 20 GB/s, 7 channels over the mesh.
    /// Every architecture of the catalog's GPUs that NCCL runs on (NVIDIA's, Kepler on) gets its
    /// generation's compute capability, which picks NCCL's latency and bandwidth tables (an
    /// architecture it did not know would get 0, Volta's tables).
    @Test func everyNCCLArchitectureOfTheCatalogHasItsComputeCapability() {
        let expected = ["Kepler": 35, "Maxwell": 52, "Pascal": 60, "Volta": 70, "Turing": 75, "Ampere": 80, "Ada Lovelace": 89,
                        "Hopper": 90, "Blackwell": 100]
        for gpu in catalog.gpus where !["Fermi", "CDNA 2", "CDNA 3", "Gaudi 3"].contains(gpu.architecture) {
            #expect(gpu.computeCapability == expected[gpu.architecture], "\(gpu.name)")
        }
    }

    /// The tree's latencies (`NCCLSystem.treeLatencies`) against the module's formula, computed
    /// here by recursion: a hop costs its step latency plus, under Simple, a chunk at one channel's
    /// speed (LL's lines are forwarded as they land, so a hop is its latency alone); a
    /// rank's climb is its hop plus its parent's climb (0 at the root); the fill is the deepest
    /// climb; every broadcast adds base + fill + climb(child) − hop, a reduce into the root base +
    /// fill − hop, any other reduce nothing. Five nodes, so the trees are uneven; two sizes.
    @Test func treeLatenciesAreThePipelinesClimbAndFill() throws {
        let system = NCCLSystem(cluster: dgxA100(), gpus: 40)
        let nodes = NodeGroups(ranks: Array(0..<40), gpusPerNode: 8)
        for proto in NCCLProtocol.allCases {
            let choice = NCCLChoice(.tree, proto)
            for bytes in [64e3, 256e6] {
                let chunk = proto == .simple ? min(proto.treeChunkBytes, bytes / Double(system.communicatorChannels)) : 0
                func hop(_ across: Bool) -> Double {
                    system.stepLatencyMicroseconds(choice, across: across) * 1e-6 + chunk / (system.channelGigabytesPerSecond * 1e9)
                }
                let base = system.baseLatencyMicroseconds(choice) * 1e-6
                let edges = system.treeEdges(choice, nodes: nodes, bytes: bytes)
                for channel in Set(edges.map(\.channel)) {
                    let mine = edges.filter { $0.channel == channel }
                    let up = Dictionary(uniqueKeysWithValues: mine.map { ($0.child, $0) })
                    func climb(_ rank: Int) -> Double { up[rank].map { hop($0.across) + climb($0.parent) } ?? 0 }
                    #expect(Set(mine.map(\.child)).count == 39, "every rank but the root has one parent")
                    let fill = (0..<40).map(climb).max()!
                    for e in mine {
                        let intoRoot = up[e.parent] == nil
                        let reduce = intoRoot ? base + fill - hop(e.across) : 0
                        let broadcast = base + fill + climb(e.child) - hop(e.across)
                        #expect(abs(e.reduceLatency.addedSeconds - reduce) < 1e-12, "\(proto) \(bytes) channel \(channel)")
                        #expect(abs(e.broadcastLatency.addedSeconds - broadcast) < 1e-12, "\(proto) \(bytes) channel \(channel)")
                        #expect(e.broadcastLatency.floorSeconds == system.stepLatencyMicroseconds(choice, across: e.across) * 1e-6)
                    }
                }
            }
        }
    }

    /// Each ring layout leaves a node through its own rail and enters through another: on a
    /// 4-NIC mesh (strides 1, 3, 5, 7) every layout left by rank 7 before, one NIC carrying a
    /// node's whole send, and 4 NICs ran slower than 2. Layouts that never collided keep their
    /// orders: one NIC (every layout from rank 0), a PCIe tree ([0...7]), NVSwitch's 8 rails.
    @Test func ringLayoutsLeaveAndEnterEachNodeByDifferentNICs() {
        let mesh = NCCLSystem(cluster: dgx1(nics: 4), gpus: 16)
        #expect(mesh.rails == 4 && mesh.strides == [1, 3, 5, 7] && mesh.layouts == 4)
        let orders = (0..<mesh.layouts).map { mesh.nodeOrder(layout: $0, members: 8) }
        #expect(orders.allSatisfy { Set($0) == Set(0..<8) })
        #expect(Set(orders.map { $0.last! * 4 / 8 }) == [0, 1, 2, 3], "exits \(orders.map { $0.last! })")
        #expect(Set(orders.map { $0.first! * 4 / 8 }) == [0, 1, 2, 3], "entries \(orders.map { $0.first! })")
        let oneNIC = NCCLSystem(cluster: dgx1(nics: 1), gpus: 8)
        #expect((0..<oneNIC.layouts).allSatisfy { oneNIC.nodeOrder(layout: $0, members: 8).first == 0 })
        let tree = NCCLSystem(cluster: pcieServer(), gpus: 16)
        #expect(tree.layouts == 1 && tree.nodeOrder(layout: 0, members: 8) == Array(0..<8))
        let switched = NCCLSystem(cluster: dgxA100(), gpus: 16)
        #expect((0..<switched.layouts).allSatisfy { switched.nodeOrder(layout: $0, members: 8).first == $0 })
    }

    @Test func channelsFollowNCCLsSearch() {
        let one = NCCLSystem(cluster: dgxA100(), gpus: 8)
        #expect(one.channels == 14 && one.channelGigabytesPerSecond == 20 && one.nodes == 1 && one.computeCapability == 80)
        #expect(one.ll128Enabled && one.intraHop == .nvlink && one.rails == 1 && one.strides == [1])
        let two = NCCLSystem(cluster: dgxA100(), gpus: 16)
        #expect(two.channels == 8 && two.channelGigabytesPerSecond == 24 && two.nodes == 2 && two.rails == 8)
        let mesh = NCCLSystem(cluster: dgx1(), gpus: 8)
        #expect(mesh.channels == 7 && mesh.channelGigabytesPerSecond == 20 && mesh.strides == [1, 3, 5, 7])
        // No more rings than channels. Two nodes on one EDR NIC each: the inter speed 12 GB/s fits the
        // 12.5 GB/s NIC once, one channel, so one ring through each node (stride 1).
        let oneNIC = NCCLSystem(cluster: dgx1(nics: 1), gpus: 16)
        #expect(oneNIC.channels == 1 && oneNIC.channelGigabytesPerSecond == 12 && oneNIC.strides == [1])
        // A 37-GPU mesh: 150 / 36 GB/s per peer, so 4 GB/s channels, 150 / 4 = 37 of them, capped at 32: the
        // 32 smallest of its 36 strides (37 is prime).
        func meshNode(_ g: Int) -> ClusterSpec {
            ClusterSpec(gpu: catalog.gpu(named: "V100-SXM2-16GB")!, gpusPerNode: g, fabric: .nvlinkMesh(catalog.link(named: "nvlink2")!),
                        network: nil, hostLink: catalog.link(named: "pcie3-x16")!)
        }
        let wide = NCCLSystem(cluster: meshNode(37), gpus: 37)
        #expect(wide.channels == 32 && wide.channelGigabytesPerSecond == 4)
        #expect(wide.strides == Array(1...32) && wide.layouts == 32)
        // A 128-GPU mesh: 150 / 127 GB/s per peer is under every speed of the search (3 GB/s the
        // slowest), which finds no channel and falls back to one ring at 0.1 GB/s.
        let thin = NCCLSystem(cluster: meshNode(128), gpus: 128)
        #expect(thin.channels == 1 && thin.channelGigabytesPerSecond == 0.1 && thin.strides == [1])
        let pcie = NCCLSystem(cluster: pcieServer(), gpus: 16)
        #expect(pcie.intraHop == .pci && !pcie.ll128Enabled && pcie.rails == 1)
        #expect(pcie.estimatedSeconds(NCCLChoice(.ring, .ll128), bytes: 1e6) == nil)
    }

    // MARK: NCCL's choice, against figures worked by hand from tuning.cc

    /// Two DGX A100 nodes (16 ranks, 8 channels x 24 GB/s, bus 192 GB/s), in µs:
    /// - 64 KiB: ring LL: bus min(llMaxBw 39.0, 96) → algorithm 39·16/30 = 20.8 GB/s;
    ///   latency 6.6 + 28 · max(0.6, 1.0 network overhead) + 2 · 2.7 = 40.0 → 43.151.
    ///   Tree LL: bus min(192·0.92, 8·23.6) = 176.64, /3.8 = 46.48 → LL's 39 → 19.5,
    ///   corrected x0.6 (log2(65536/64) = 10) = 11.7; latency 6.8 + 2·(7·0.6 + 1·5.0) =
    ///   25.2 → 30.801. Tree LL wins.
    /// - 25 MB: ring LL128: bus min(176.64, 8·20) = 160 → 85.33; latency 14 + 28·1.9 +
    ///   2·4.0 = 75.2 → 368.17. Ring Simple: 102.4 GB/s, latency (8.4 + 28·3.4 + 2·14)·1.4
    ///   (plateau) = 184.24 → 428.38. Tree LL128: 160/2 x0.9 (log2 = 18) = 72 → 48.5 +
    ///   347.22 = 395.72. Ring LL128 wins.
    /// - 256 MB: ring Simple 184.24 + 2500 = 2684.24; ring LL128 75.2 + 3000 = 3075.2; tree
    ///   LL128 48.5 + 3200 = 3248.5. Ring Simple wins.
    @Test func twoDGXNodesGoFromTreeLLToRingLL128ToRingSimple() {
        let system = NCCLSystem(cluster: dgxA100(), gpus: 16)
        #expect(abs(Self.microseconds(system, .ring, .ll, 65536) - (40.0 + 65536 / 20800)) < 1e-6)
        #expect(abs(Self.microseconds(system, .tree, .ll, 65536) - (25.2 + 65536 / 11700)) < 1e-6)
        #expect(system.choose(bytes: 65536) == NCCLChoice(.tree, .ll))
        #expect(abs(Self.microseconds(system, .ring, .ll128, 25e6) - (75.2 + 25e6 / (160e3 * 16 / 30))) < 1e-6)
        #expect(abs(Self.microseconds(system, .ring, .simple, 25e6) - ((8.4 + 28 * 3.4 + 2 * 14) * 1.4 + 25e6 / 102_400)) < 1e-6)
        #expect(abs(Self.microseconds(system, .tree, .ll128, 25e6) - (48.5 + 25e6 / 72_000)) < 1e-6)
        #expect(system.choose(bytes: 25e6) == NCCLChoice(.ring, .ll128))
        #expect(abs(Self.microseconds(system, .ring, .simple, 256e6) - (184.24 + 2500)) < 1e-6)
        #expect(system.choose(bytes: 256e6) == NCCLChoice(.ring, .simple))
        // Pinned to the ring, small messages take LL.
        #expect(system.choose(bytes: 65536, among: [.ring]) == NCCLChoice(.ring, .ll))
    }

    /// The fill of a line-by-line pipeline (LL, LL128) is its step latencies, whatever the message;
    /// a chunk-by-chunk one's (Simple) grows with the chunk, up to its 512 KiB: five DGX A100
    /// nodes, 64 KB against 256 MB.
    @Test func onlySimplesFillGrowsWithTheMessage() {
        let system = NCCLSystem(cluster: dgxA100(), gpus: 40)
        let nodes = NodeGroups(ranks: Array(0..<40), gpusPerNode: 8)
        func fills(_ proto: NCCLProtocol, _ bytes: Double) -> [Double] {
            system.treeEdges(NCCLChoice(.tree, proto), nodes: nodes, bytes: bytes).map(\.broadcastLatency.addedSeconds)
        }
        for proto in [NCCLProtocol.ll, .ll128] { #expect(fills(proto, 64e3) == fills(proto, 256e6), "\(proto)") }
        #expect(zip(fills(.simple, 64e3), fills(.simple, 256e6)).allSatisfy { $0 < $1 })
    }

    /// A stack that lets NCCL run only some protocols (`NCCL_PROTO`; a release before 2.5.6 had
    /// no LL128) gets NCCL's best choice among them: two DGX A100 nodes, whose 25 MB all-reduce
    /// NCCL runs as ring LL128 (above), run it as ring Simple without LL128; LL alone runs LL.
    @Test func theStacksProtocolsBoundNCCLsChoice() {
        var system = NCCLSystem(cluster: dgxA100(), gpus: 16)
        #expect(system.choose(bytes: 25e6) == NCCLChoice(.ring, .ll128))
        system.protocols = [.ll, .simple]
        #expect(system.choose(bytes: 25e6) == NCCLChoice(.ring, .simple) && system.estimatedSeconds(NCCLChoice(.ring, .ll128), bytes: 25e6) == nil)
        system.protocols = [.ll]
        #expect(system.choose(bytes: 25e6).proto == .ll)
    }

    /// The simulated tree's transfers carry NCCL's own size correction (`treeCorrectionFactor`)
    /// under LL and LL128, whose line-by-line pipeline has no fill, as their wire efficiency; not
    /// under Simple, whose chunk-by-chunk fill the simulated tree pays instead: 25 MB (log2 of
    /// 25e6 / 64 = 18) takes LL128's 0.9 and LL's 0.9.
    @Test func theTreeCarriesNCCLsCorrectionUnderLLAndLL128() {
        let system = NCCLSystem(cluster: dgxA100(), gpus: 16)
        #expect(abs(system.treeDataEfficiency(NCCLChoice(.tree, .ll128), bytes: 25e6) - 15.0 / 16.0 * 0.9) < 1e-12)
        #expect(abs(system.treeDataEfficiency(NCCLChoice(.tree, .ll), bytes: 25e6) - 0.5 * 0.9) < 1e-12)
        #expect(system.treeDataEfficiency(NCCLChoice(.tree, .simple), bytes: 25e6) == 1)
        #expect(abs(system.treeDataEfficiency(NCCLChoice(.tree, .ll128), bytes: 1e6) - 15.0 / 16.0 * 0.6) < 1e-12, "log2(1e6 / 64) = 13")
    }

    /// Two DGX A100 nodes on one 100 Gb/s EDR NIC each: one channel at the inter array's 12
    /// GB/s (at most the 12.5 GB/s NIC). The tree search's second pass raises its speed inside
    /// the node 15, 18, 20, 24 GB/s (the NVSwitch port carries them; 24 is twice 12), and on two
    /// nodes NCCL's tuning takes that speed, as a two-node tree sends each NIC the message once
    /// each way where the ring sends it 2(N−1)/N times. A 411 MB bucket, in µs: ring Simple
    /// (8.4 + 28·3.4 + 2·14)·1.4 + 411e6/(12e3·16/30) = 184.24 + 64,218.75; tree LL128 bus
    /// min(24·0.92·120/128, 1·20) = 20, half, x1.0 (log2 = 22): 14 + 2·(7·1.25 + 8.5) + 411e6/10e3
    /// = 41,148.5: the tree, as NCCL's maintainers say it runs on two nodes (NVIDIA/nccl-tests
    /// issue 196). On three nodes the tree takes the 12 GB/s across nodes: the ring again. A
    /// DGX-1 mesh stops at 20 GB/s, the next speed (24) above its 150/7 GB/s per peer.
    @Test func twoNodesRaiseTheTreesSpeedInsideANode() {
        let edr = dgxA100(nics: 1, nic: "ib-edr")
        let two = NCCLSystem(cluster: edr, gpus: 16)
        #expect(two.channels == 1 && two.channelGigabytesPerSecond == 12 && two.treeIntraGigabytesPerSecond == 24)
        #expect(abs(Self.microseconds(two, .ring, .simple, 411e6) - (184.24 + 411e6 / 6400)) < 1e-6)
        #expect(abs(Self.microseconds(two, .tree, .ll128, 411e6) - (48.5 + 411e6 / 10_000)) < 1e-6)
        #expect(two.choose(bytes: 411e6) == NCCLChoice(.tree, .ll128))
        let three = NCCLSystem(cluster: edr, gpus: 24)
        #expect(three.treeIntraGigabytesPerSecond == 24 && three.choose(bytes: 411e6).algorithm == .ring)
        #expect(NCCLSystem(cluster: edr, gpus: 8).treeIntraGigabytesPerSecond == 20, "one node: the ring's speed")
        #expect(NCCLSystem(cluster: dgx1(nics: 1), gpus: 16).treeIntraGigabytesPerSecond == 20)
    }

    /// NCCL's ceilings (`perChMaxTreeBw`, `perChMaxTreeLL128Bw`, `perChMaxRingLL128Bw`,
    /// `llMaxBw` in `tuning.cc`): two DGX A100 nodes behind one HDR NIC each have one channel,
    /// so the tree's Simple 1 × 23.6 GB/s, LL128 min(23.6 × 120/128, 20.0) = 20.0, LL min(23.6 /
    /// 3.8, 39.0) = 6.21 (one node of 14 channels: Simple 14 × 24.0 = 336); the ring's LL128 1 ×
    /// 20.0, LL 39.0 (two nodes of an Intel host), Simple none. Each of the tree's 2 simulated
    /// channels' transfers carries at most half the algorithm's share: Simple 23.6e9 / 2 / 2 =
    /// 5.9e9 B/s, LL128 20e9 / 4 / (15/16) on the wire; a ring transfer the whole ceiling over
    /// its layouts. The simulated tree, expanded and closed form alike, then takes at least a
    /// channel's share of 25 MB at that pace, where the NIC alone (25 GB/s, the message once
    /// each way) would allow 1.0 ms.
    @Test func nothingRunsFasterThanNCCLsCeiling() {
        let cluster = dgxA100(nics: 1)
        let two = NCCLSystem(cluster: cluster, gpus: 16)
        #expect(two.channels == 1)
        #expect(abs(two.ceilingGigabytesPerSecond(NCCLChoice(.tree, .simple)) - 23.6) < 1e-12)
        #expect(abs(two.ceilingGigabytesPerSecond(NCCLChoice(.tree, .ll128)) - 20.0) < 1e-12)
        #expect(abs(two.ceilingGigabytesPerSecond(NCCLChoice(.tree, .ll)) - 23.6 / 3.8) < 1e-12)
        #expect(two.ceilingGigabytesPerSecond(NCCLChoice(.ring, .simple)) == .infinity)
        #expect(abs(two.ceilingGigabytesPerSecond(NCCLChoice(.ring, .ll128)) - 20.0) < 1e-12, "1 × perChMaxRingLL128Bw")
        #expect(abs(two.ceilingGigabytesPerSecond(NCCLChoice(.ring, .ll)) - 39.0) < 1e-12, "llMaxBw, two nodes of an Intel host")
        #expect(abs(two.ringTransferCeilingBytesPerSecond(NCCLChoice(.ring, .ll128), layouts: 1) - 20e9 * 16 / 15) < 1)
        let one = NCCLSystem(cluster: cluster, gpus: 8)
        #expect(one.channels == 14 && abs(one.ceilingGigabytesPerSecond(NCCLChoice(.tree, .simple)) - 336) < 1e-9)
        #expect(abs(two.treeTransferCeilingBytesPerSecond(NCCLChoice(.tree, .simple), simulatedChannels: 2) - 5.9e9) < 1)
        #expect(abs(two.treeTransferCeilingBytesPerSecond(NCCLChoice(.tree, .ll128), simulatedChannels: 2) - 20e9 / 4 * 16 / 15) < 1)
        let bytes = 25e6
        let run = NCCLRun(system: two, choice: NCCLChoice(.tree, .simple))
        let simulated = simulate(run, cluster: cluster, gpus: 16, bytes: bytes).makespan.seconds
        let closed = closedForm(run, cluster: cluster, gpus: 16, bytes: bytes)
        let atTheCeiling = bytes / 2 / 5.9e9
        #expect(simulated >= atTheCeiling && closed >= atTheCeiling, "simulated \(simulated) s, closed \(closed) s")
        #expect(abs(closed / simulated - 1) < 1e-3, "closed \(closed) s, simulated \(simulated) s")
        // LL128 at its ceiling (NCCL's bus bandwidth there is its ceiling too: min(24 × 0.92 × 120/128, 20)),
        // its lines forwarded as they land (no chunk fill) and NCCL's size correction carried (0.9 at 25 MB):
        // the idle tree takes what NCCL predicts, its depth's latencies and the data at the corrected ceiling.
        let ll128 = NCCLRun(system: two, choice: NCCLChoice(.tree, .ll128))
        let predicted = two.estimatedSeconds(ll128.choice, bytes: bytes)!
        let ll128Simulated = simulate(ll128, cluster: cluster, gpus: 16, bytes: bytes).makespan.seconds
        #expect(abs(ll128Simulated / predicted - 1) < 0.01, "simulated \(ll128Simulated) s, NCCL \(predicted) s")
        #expect(abs(closedForm(ll128, cluster: cluster, gpus: 16, bytes: bytes) / ll128Simulated - 1) < 1e-3)
    }

    /// 32 DGX A100 nodes (256 ranks): the ring pays 510 steps, 62 of them across nodes
    /// (LL: 6.6 + 448·1.0 + 62·2.7 = 622.0 µs), the tree 2·(7 + 5) (LL: 6.8 + 2·(7·0.6 +
    /// 5·5.0) = 65.2 µs), so the tree wins small messages: at 64 KiB ring LL 622.0 +
    /// 65536 / (20.4·256/510) against tree LL 65.2 + 65536 / (20.4 / 2 · 0.6).
    @Test func manyNodesSendSmallMessagesDownTheTree() {
        let system = NCCLSystem(cluster: dgxA100(), gpus: 256)
        #expect(abs(Self.microseconds(system, .ring, .ll, 65536) - (622.0 + 65536 / (20.4e3 * 256 / 510))) < 1e-6)
        #expect(abs(Self.microseconds(system, .tree, .ll, 65536) - (65.2 + 65536 / (10.2e3 * 0.6))) < 1e-6)
        #expect(system.choose(bytes: 65536) == NCCLChoice(.tree, .ll))
        // 256 MB: tree LL128 (bus min(142.4·120/128, 8·20) = 133.5, half, x1.0 at log2 = 21)
        // 116.5 + 256e6/66750 = 3951.7 µs beats ring LL128 (1113.2 + 3187.5) and tree Simple (204.4 + 3995.0).
        #expect(abs(Self.microseconds(system, .tree, .ll128, 256e6) - (14 + 2 * (7 * 1.25 + 5 * 8.5) + 256e6 / 66_750)) < 1e-6)
        #expect(system.choose(bytes: 256e6) == NCCLChoice(.tree, .ll128))
        // With one node the ring's LL wins the same message (DGX-1: ring 15.0 µs of latency, tree 15.2).
        let single = NCCLSystem(cluster: dgx1(), gpus: 8)
        #expect(abs(Self.microseconds(single, .ring, .ll, 65536) - (6.6 + 14 * 0.6 + 65536 / (39e3 * 8 / 14))) < 1e-6)
        #expect(single.choose(bytes: 65536) == NCCLChoice(.ring, .ll))
    }

    /// As the message grows at a fixed scale the choice never goes back from ring to
    /// tree nor from Simple to LL, and the smallest and largest messages take the tree
    /// with LL and the ring with Simple on two DGX nodes.
    @Test(arguments: [16, 64])
    func choiceMovesOneWayWithSize(gpus: Int) {
        let system = NCCLSystem(cluster: dgxA100(), gpus: gpus)
        let sizes = (6...30).map { pow(2.0, Double($0)) }
        let choices = sizes.map { system.choose(bytes: $0) }
        let rank: [NCCLProtocol: Int] = [.ll: 0, .ll128: 1, .simple: 2]
        for (a, b) in zip(choices, choices.dropFirst()) { #expect(rank[a.proto]! <= rank[b.proto]!, "\(a) then \(b)") }
        #expect(choices.first == NCCLChoice(.tree, .ll))
        if gpus == 16 { #expect(choices.last == NCCLChoice(.ring, .simple)) }
    }

    // MARK: NVLS

    /// DGX H100-style nodes: 8 H100 on NVSwitch (NVLink 4, 450 GB/s per direction), 8 NDR NICs.
    func dgxH100() -> ClusterSpec {
        ClusterSpec(gpu: catalog.gpu(named: "H100-SXM5")!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink4")!),
                    network: NetworkSpec(nic: catalog.link(named: "ib-ndr")!, nicsPerNode: 8), hostLink: catalog.link(named: "pcie5-x16")!)
    }

    /// One DGX H100 node, worked by hand from search.cc and tuning.cc: 8 heads; each
    /// port carries 9 channel speeds, so bwIntra is the first SM90 speed at most
    /// 450/9 = 50: 50; pass 2 raises bwInter from 50 to 60 (the array's top, below 2 x
    /// 50). Per channel min(2·50·0.85·7/8 = 74.375, 60) = 60: bus 480 GB/s, algorithm
    /// 480·8/14 = 274.29 GB/s, latency 25 µs. A 25 MB bucket: 25 + 25e6/274_285.7 =
    /// 116.15 µs, against the ring's best (LL128: bus min(14·30·0.92, 14·36.7) = 386.4,
    /// latency 14 + 14·1.9 = 40.6 → 40.6 + 25e6/(386.4e3·8/14) = 153.82 µs): NVLS. A
    /// 64 KiB one: the ring's LL (6.6 + 14·0.6 = 15.0 µs of latency) against NVLS's 25.
    @Test func oneHopperNodeRunsLargeBucketsOnNVLS() {
        let system = NCCLSystem(cluster: dgxH100(), gpus: 8)
        #expect(system.nvlsHeads == 8 && system.nvlsIntraGigabytesPerSecond == 50 && system.nvlsInterGigabytesPerSecond == 60)
        #expect(system.channels == 14 && system.channelGigabytesPerSecond == 30)
        #expect(abs(Self.microseconds(system, .nvls, .simple, 25e6) - (25 + 25e6 / (480e3 * 8 / 14))) < 1e-6)
        #expect(abs(Self.microseconds(system, .ring, .ll128, 25e6) - (40.6 + 25e6 / (386.4e3 * 8 / 14))) < 1e-6)
        #expect(system.choose(bytes: 25e6) == NCCLChoice(.nvls, .simple))
        #expect(system.choose(bytes: 65536) == NCCLChoice(.ring, .ll))
        // Only Simple; pinned to the ring, NCCL keeps its ring.
        #expect(system.estimatedSeconds(NCCLChoice(.nvls, .ll128), bytes: 25e6) == nil)
        #expect(system.choose(bytes: 25e6, among: [.ring]).algorithm == .ring)
        // The kernel runs NCCL's 16 NVLS blocks, whatever the size.
        #expect(system.kernelChannels(NCCLChoice(.nvls, .simple), bytes: 1e6) == 16)
    }

    /// No NVLS before Hopper (an A100 NVSwitch node), off the NVSwitch (a DGX-1 mesh), or
    /// across nodes (two H100 nodes; NVLS-tree and CollNet are not modelled): a pin to
    /// NVLS alone falls back to NCCL's ring.
    @Test func nvlsOnlyOnOneHopperNVSwitchNode() {
        for (cluster, gpus) in [(dgxA100(), 8), (dgx1(), 8), (dgxH100(), 16)] {
            let system = NCCLSystem(cluster: cluster, gpus: gpus)
            #expect(system.estimatedSeconds(NCCLChoice(.nvls, .simple), bytes: 25e6) == nil)
            #expect(system.choose(bytes: 25e6).algorithm != .nvls)
            #expect(system.choose(bytes: 25e6, among: [.nvls]) == NCCLChoice(.ring, .simple))
        }
        #expect(NCCLSystem(cluster: dgxA100(), gpus: 8).nvlsHeads == 0)
        #expect(NCCLSystem(cluster: dgxH100(), gpus: 16).nvlsHeads == 0)
    }

    /// Simulated, NVLS moves (heads + 1)/heads of the message over NCCL's efficiency
    /// through each GPU's port once every GPU is ready: on an idle DGX H100 node,
    /// 25e6 · 9/8 / 0.85 / 450e9 + 25 µs, expanded and closed form alike.
    @Test func nvlsOnAnIdleNodeIsItsFormula() {
        let cluster = dgxH100(), bytes = 25e6
        let system = NCCLSystem(cluster: cluster, gpus: 8)
        let run = NCCLRun(system: system, choice: NCCLChoice(.nvls, .simple))
        let formula = bytes * 9 / 8 / 0.85 / 450e9 + 25e-6
        let simulated = simulate(run, cluster: cluster, gpus: 8, bytes: bytes)
        #expect(abs(simulated.makespan.seconds - formula) < 1e-9, "simulated \(simulated.makespan.seconds) s, formula \(formula) s")
        #expect(simulated.records.count == 8)
        #expect(abs(closedForm(run, cluster: cluster, gpus: 8, bytes: bytes) - formula) < 1e-12)
        // Four GPUs of the node: 4 heads, 5/4 of the message each way.
        let four = NCCLSystem(cluster: cluster, gpus: 4)
        #expect(four.nvlsHeads == 4)
        let quarter = NCCLRun(system: four, choice: NCCLChoice(.nvls, .simple))
        #expect(abs(simulate(quarter, cluster: cluster, gpus: 4, bytes: bytes).makespan.seconds
                    - (bytes * 5 / 4 / 0.85 / 450e9 + 25e-6)) < 1e-9)
    }

    // MARK: Expanded against closed forms

    func simulate(_ run: NCCLRun, cluster: ClusterSpec, gpus n: Int, bytes: Double) -> Trace {
        var graph = TaskGraph(gpus: n, steps: 1)
        _ = graph.allReduce(.nccl, bytes: bytes, ranks: Array(0..<n), ready: Array(repeating: [], count: n), step: 0, group: "test",
                            gpusPerNode: cluster.gpusPerNode, nccl: run)
        return GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: n), cost: CostModel(gpu: cluster.gpu, precision: .fp32))
    }

    /// A tree's rank holds the result only once the network hop has carried it. On two nodes
    /// behind one 25 GbE NIC each the NVLink edges end long before the NIC's (on EDR the tree's
    /// ceiling, not the NIC, sets every edge's pace: they end together), and every rank's
    /// result-bearing transfers end no earlier than the last reduce across nodes: its path to
    /// the root crosses it, or it is a reduce into the root. Before, a chain GPU held the sum
    /// at NVLink pace and began its next step early.
    @Test func aTreeRankHoldsTheResultOnlyAfterTheNetworkHop() {
        let cluster = dgxA100(nics: 1, nic: "eth-25g"), n = 16
        let run = NCCLRun(system: NCCLSystem(cluster: cluster, gpus: n), choice: NCCLChoice(.tree, .simple))
        var graph = TaskGraph(gpus: n, steps: 1)
        let done = graph.allReduce(.nccl, bytes: 100e6, ranks: Array(0..<n), ready: Array(repeating: [], count: n), step: 0,
                                   group: "test", gpusPerNode: 8, nccl: run)
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: n), cost: CostModel(gpu: cluster.gpu, precision: .fp32))
        let reduces = graph.tasks.filter { $0.label.hasSuffix("reduce") }
        let across = reduces.filter { $0.device / 8 != $0.destination! / 8 }, inside = reduces.filter { $0.device / 8 == $0.destination! / 8 }
        #expect(across.count == 2 && inside.count == 28)
        let lastAcross = across.map { trace.records[$0.id].end }.max()!
        #expect(inside.map { trace.records[$0.id].end }.max()! < lastAcross, "the NVLink edges end first")
        for rank in 0..<n {
            #expect(done[rank].map { trace.records[$0].end }.max()! >= lastAcross, "rank \(rank)")
        }
    }

    func closedForm(_ run: NCCLRun, cluster: ClusterSpec, gpus n: Int, bytes: Double) -> Double {
        CollectiveModel(topology: Topology(cluster: cluster, gpus: n))
            .seconds(for: CollectiveWork(algorithm: .nccl, bytes: bytes, ranks: n, ranksPerNode: cluster.gpusPerNode, nccl: run))
    }

    /// NCCL's ring on one node of a uniform mesh (β per peer, α per hop): a ring per
    /// stride coprime to N on its own links, each carrying B/(N·layouts) per step over
    /// the protocol's wire efficiency, each step at least NCCL's NVLink step latency:
    /// `base + 2(N−1)·(B/(N·L·η·β) + max(α, step latency))`, simulated and closed form.
    @Test(arguments: [2, 5, 6, 8], NCCLProtocol.allCases)
    func ringOnAnIdleMeshIsItsFormula(gpus n: Int, proto: NCCLProtocol) {
        let bytes = 168e6, beta = 10e9, alpha = 1e-6
        let mesh = Fixtures.meshCluster(gpus: n, bytesPerSecond: beta, latency: alpha)
        let system = NCCLSystem(cluster: mesh, gpus: n)
        let run = NCCLRun(system: system, choice: NCCLChoice(.ring, proto))
        let layouts = Double(system.layouts)
        #expect(system.layouts == (n > 2 ? (1..<n).filter { NCCLSystem.gcd($0, n) == 1 }.count : 1))
        let step = NCCLSystem.hopLatency[.nvlink]![.ring]![proto]! * 1e-6
        let formula = NCCLSystem.baseLatency[.ring]![proto]! * 1e-6
            + 2 * Double(n - 1) * (bytes / (Double(n) * layouts * proto.wireEfficiency * beta) + max(alpha, step))
        let simulated = simulate(run, cluster: mesh, gpus: n, bytes: bytes).makespan.seconds
        #expect(abs(simulated - formula) <= Double(2 * n) * 1e-9, "simulated \(simulated) s, formula \(formula) s")
        #expect(abs(closedForm(run, cluster: mesh, gpus: n, bytes: bytes) - formula) < 1e-12)
    }

    /// NCCL's ring pipelines its steps: on two DGX A100 nodes behind one EDR NIC each (12.5
    /// GB/s), the rank in front of each NIC sends its 30 steps of B/16 back to back and the
    /// last arrives one network step latency (14 µs, Simple) later: `30 · B/(16 · 12.5e9) +
    /// 14 µs`, simulated and closed form. Waiting for each send to arrive, as the ring did
    /// before 2026-12-07, would pay the 14 µs 30 times, with every NVLink step's latency hidden.
    @Test func theRingPipelinesBehindItsSlowestHop() {
        let cluster = dgxA100(nics: 1, nic: "ib-edr"), n = 16, bytes = 26e6
        let run = NCCLRun(system: NCCLSystem(cluster: cluster, gpus: n), choice: NCCLChoice(.ring, .simple))
        #expect(run.system.layouts == 1)
        let nic = 12.5e9, stepLatency = 14e-6
        let formula = 30 * bytes / (16 * nic) + stepLatency
        let simulated = simulate(run, cluster: cluster, gpus: n, bytes: bytes).makespan.seconds
        #expect(abs(simulated - formula) < 1e-7, "simulated \(simulated) s, formula \(formula) s")
        #expect(abs(closedForm(run, cluster: cluster, gpus: n, bytes: bytes) - formula) < 1e-12)
        #expect(formula < 30 * (bytes / (16 * nic) + stepLatency) - 4e-4, "the latency once, not 30 times")
    }

    /// One collective, expanded against the aggregated closed form, on the topologies
    /// the scenarios use, 8 to 256 GPUs, ring and tree at small and large messages in
    /// each protocol NCCL would run there: within 5%.
    @Test(arguments: [("dgx-a100 1 NIC", 8), ("dgx-a100 1 NIC", 16), ("dgx-a100 1 NIC", 64), ("dgx-a100 1 NIC", 256),
                      ("dgx-a100 8 NICs", 16), ("dgx-a100 8 NICs", 32), ("dgx-1 4 NICs", 8), ("dgx-1 4 NICs", 32),
                      ("pcie 1 NIC", 8), ("pcie 1 NIC", 32)])
    func expandedAgreesWithClosedForm(cluster name: String, gpus n: Int) {
        let clusters = ["dgx-a100 1 NIC": dgxA100(nics: 1), "dgx-a100 8 NICs": dgxA100(), "dgx-1 4 NICs": dgx1(), "pcie 1 NIC": pcieServer()]
        let cluster = clusters[name]!
        let system = NCCLSystem(cluster: cluster, gpus: n)
        for bytes in [262_144.0, 25e6] {
            for algorithm in NCCLAlgorithm.allCases {
                if n >= 256 && algorithm == .ring && bytes > 1e6 { continue }   // 130k transfers: covered at 64
                let run = NCCLRun(system: system, choice: system.choose(bytes: bytes, among: [algorithm]))
                let simulated = simulate(run, cluster: cluster, gpus: n, bytes: bytes).makespan.seconds
                let closed = closedForm(run, cluster: cluster, gpus: n, bytes: bytes)
                #expect(abs(closed / simulated - 1) <= 0.05, "\(name), \(n) GPUs, \(bytes) B, \(run.choice): closed \(closed) s, simulated \(simulated) s")
            }
        }
    }

    /// ResNet-50 steps with nccl-auto on network-bound DGX nodes, expanded against
    /// aggregated: within 5% at 8 to 64 GPUs.
    @Test(arguments: [8, 16, 32, 64])
    func stepsAgreeAcrossFidelities(gpus: Int) throws {
        let cluster = dgxA100(nics: 1, nic: "eth-25g")
        func step(_ fidelity: Fidelity) throws -> StepMetrics {
            var setup = TrainingSetup(network: try #require(Zoo.model(named: "resnet50")), precision: .bf16, batchPerGPU: 64, gpus: gpus, steps: 3)
            setup.gpusPerNode = cluster.gpusPerNode
            setup.nccl = NCCLSystem(cluster: cluster, gpus: gpus)
            let graph = try Planner.plan(setup, strategy: .data(DataParallelOptions(algorithm: .nccl)), fidelity: fidelity)
            let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: gpus), cost: CostModel(gpu: cluster.gpu, precision: .bf16))
            return StepMetrics.measure(trace, gpus: graph.gpus, globalBatch: setup.globalBatch, step: 1)
        }
        let expanded = try step(.expanded), aggregated = try step(.aggregated)
        #expect(abs(aggregated.stepSeconds / expanded.stepSeconds - 1) <= 0.05,
                "\(gpus) GPUs: aggregated \(aggregated.stepSeconds) s, expanded \(expanded.stepSeconds) s")
    }

    // MARK: What the layouts buy, and determinism

    /// Across nodes of 8 GPUs with 8 NICs, NCCL's ring puts every NIC to work where the
    /// flat ring funnels each node's traffic through one: on two nodes it is several
    /// times faster at 100 MB.
    @Test func ncclRingUsesEveryRail() {
        let cluster = dgxA100(), n = 16, bytes = 100e6
        let system = NCCLSystem(cluster: cluster, gpus: n)
        let nccl = simulate(NCCLRun(system: system, choice: NCCLChoice(.ring, .simple)), cluster: cluster, gpus: n, bytes: bytes)
        var graph = TaskGraph(gpus: n, steps: 1)
        _ = graph.allReduce(.ring, bytes: bytes, ranks: Array(0..<n), ready: Array(repeating: [], count: n), step: 0, group: "flat")
        let flat = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: n), cost: CostModel(gpu: cluster.gpu, precision: .fp32))
        #expect(nccl.makespan.seconds * 4 < flat.makespan.seconds, "nccl \(nccl.makespan.seconds) s, flat \(flat.makespan.seconds) s")
    }

    /// The same collective planned and simulated twice gives the same records.
    @Test func simulationIsDeterministic() {
        let cluster = dgx1(), n = 32
        let system = NCCLSystem(cluster: cluster, gpus: n)
        for choice in [NCCLChoice(.tree, .ll), NCCLChoice(.ring, .ll128)] {
            let a = simulate(NCCLRun(system: system, choice: choice), cluster: cluster, gpus: n, bytes: 3e6)
            let b = simulate(NCCLRun(system: system, choice: choice), cluster: cluster, gpus: n, bytes: 3e6)
            #expect(a.makespan == b.makespan)
            #expect(a.records.map(\.end) == b.records.map(\.end))
            #expect(a.records.map(\.bytes) == b.records.map(\.bytes))
        }
    }

    /// Max-min fair rates by progressive filling: the 4 B/s link fixes its two flows at
    /// 2; the 10 B/s link gives its other flow the 8 left; a flow alone gets its link.
    @Test func maxMinRatesFillProgressively() {
        #expect(MaxMinRates.rates(routes: [[0], [0, 1], [1]], capacities: [10, 4]) == [8, 2, 2])
        #expect(MaxMinRates.rates(routes: [[2], []], capacities: [10, 4, 6]) == [6, .infinity])
        #expect(MaxMinRates.rates(routes: [[0, 1], [0], [0]], capacities: [9, 1]) == [1, 4, 4])
    }

    /// NCCL's double binary tree (`ncclGetDtree`): every rank but the root has a parent
    /// in each tree, and a rank inner in one tree (with children) is a leaf in the other
    /// for an even count, so no rank forwards both halves.
    @Test(arguments: [2, 3, 4, 7, 8, 13, 14, 32])
    func doubleBinaryTreeShapes(nodes n: Int) {
        for tree in [0, 1] {
            let parents = (0..<n).map { NCCLSystem.doubleTreeParent($0, of: n, tree: tree) }
            #expect(parents.filter { $0 == nil }.count == 1)
            #expect(parents.compactMap { $0 }.allSatisfy { (0..<n).contains($0) })
        }
        if n % 2 == 0 && n > 2 {
            let inner = (0..<2).map { tree in Set((0..<n).compactMap { NCCLSystem.doubleTreeParent($0, of: n, tree: tree) }) }
            #expect(inner[0].intersection(inner[1]).isEmpty, "\(inner)")
        }
    }
}
