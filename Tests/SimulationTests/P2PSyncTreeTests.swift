import CostModel
import Parallelism
import SimCore
import Testing
@testable import Hardware
@testable import Simulation

/// Caffe's P2PSync tree (`P2PSyncTree`, `AllReduceAlgorithm.p2psyncTree`): the pairs
/// `DevicePair::compute` chooses, and its all-reduce simulated transfer by transfer
/// against the copies it is made of and against the aggregated fidelity's closed form.
@Suite struct P2PSyncTreeTests {
    let catalog = Fixtures.catalog

    /// One socket, two PCIe switches of two GPUs each, every link `beta` bytes/s and
    /// `alpha` s; GPUs under different switches cannot copy peer to peer (as in
    /// Kamenev's 4-K40m server, whose Caffe log says "GPU 2 does not have p2p access to GPU 0").
    func pairedServer(beta: Double = 10e9, alpha: Double = 1e-6) -> ClusterSpec {
        let link = LinkSpec(name: "pcie", kind: .pcie, bytesPerSecond: beta, latencySeconds: alpha, source: "test")
        let matrix = (0..<4).map { i in (0..<4).map { $0 != i && $0 / 2 == i / 2 } }
        return ClusterSpec(gpu: catalog.gpu(named: "V100")!, gpusPerNode: 4,
                           fabric: .pcieTree(PCIeTreeSpec(gpuLink: link, uplink: link, socketLink: link, gpusPerSwitch: 2,
                                                          switchesPerSocket: 2, peerToPeer: matrix)),
                           network: nil, hostLink: link)
    }

    func simulated(_ cluster: ClusterSpec, gpus n: Int, bytes: Double) -> Double {
        let topology = Topology(cluster: cluster, gpus: n)
        var graph = TaskGraph(gpus: n, steps: 1)
        _ = graph.allReduce(.p2psyncTree, bytes: bytes, ranks: Array(0..<n), ready: Array(repeating: [], count: n),
                            step: 0, group: "test", gpusPerNode: n, canPeer: { topology.canCopyPeerToPeer($0, $1) })
        return GraphSimulation.run(graph, topology: topology, cost: CostModel(gpu: cluster.gpu, precision: .fp32)).makespan.seconds
    }

    func closedForm(_ cluster: ClusterSpec, gpus n: Int, bytes: Double) -> Double {
        CollectiveModel(topology: Topology(cluster: cluster, gpus: n))
            .seconds(for: CollectiveWork(algorithm: .p2psyncTree, bytes: bytes, ranks: n, ranksPerNode: n))
    }

    /// Kamenev's log: "GPUs pairs 0:1, 2:3, 0:2". GPU 0 is the root with children 1
    /// and 2 (broadcast to 2 first), GPU 2 the parent of 3.
    @Test func pairsFollowPeerAccessAsCaffesLogPrintsThem() {
        let tree = P2PSyncTree(ranks: 4) { $0 / 2 == $1 / 2 }
        #expect(tree.root == 0 && tree.parent == [nil, 0, 0, 2])
        #expect(tree.broadcastOrder == [[2, 1], [], [3], []])
        #expect(tree.reduceLevels.map { $0.map { [$0.from, $0.to] } } == [[[1, 0], [3, 2]], [[2, 0]]])
        #expect(tree.broadcastTurns.map { $0.map { [$0.from, $0.to] } } == [[[0, 2]], [[0, 1], [2, 3]]])
        // Nobody can peer: the leftover pairing gives the same tree; everybody can: too.
        #expect(P2PSyncTree(ranks: 4) { _, _ in false } == tree)
        #expect(P2PSyncTree(ranks: 4) { _, _ in true } == tree)
        // 0 and 3 can peer, 1 and 2 can: the P2P rounds pair 0:3, 1:2, then 0:1.
        let crossed = P2PSyncTree(ranks: 4) { [$0, $1].sorted() == [0, 3] || [$0, $1].sorted() == [1, 2] }
        #expect(crossed.parent == [nil, 0, 1, 0] && crossed.broadcastOrder[0] == [1, 3])
    }

    /// Eight GPUs that all peer: rounds pair 0:1 2:3 4:5 6:7, then 0:2 4:6, then 0:4. The
    /// root sends to 4, 2, 1 in turn, so the broadcast takes three turns as the reduce
    /// takes three levels.
    @Test func eightPeersMakeABinomialTree() {
        let tree = P2PSyncTree(ranks: 8) { _, _ in true }
        #expect(tree.parent == [nil, 0, 0, 2, 0, 4, 4, 6])
        #expect(tree.broadcastOrder[0] == [4, 2, 1] && tree.broadcastOrder[4] == [6, 5])
        #expect(tree.reduceLevels.count == 3 && tree.broadcastTurns.count == 3)
        #expect(tree.broadcastTurns[2].count == 4)
        // Three GPUs: 0:1, then 0:2.
        #expect(P2PSyncTree(ranks: 3) { _, _ in true }.parent == [nil, 0, 0])
    }

    /// On the paired server every copy is B/β + 2α (two hops through a switch) or, staged
    /// through host memory across the switches, 2·(B/β + 2α). The step: 1→0 and 3→2 at
    /// once, then 2→0 staged; down, 0→2 staged, then 0→1 and 2→3 at once:
    /// 6·B/β + 12·α. Simulated and closed form alike.
    @Test func theSimulatedAllReduceIsTheSumOfItsCopies() {
        let bytes = 100e6, beta = 10e9, alpha = 1e-6
        let server = pairedServer(beta: beta, alpha: alpha)
        let formula = 6 * bytes / beta + 12 * alpha
        #expect(abs(simulated(server, gpus: 4, bytes: bytes) - formula) < 1e-8)
        #expect(abs(closedForm(server, gpus: 4, bytes: bytes) - formula) < 1e-8)
        // The generic binary tree (1→0, 2→0, 3→1) crosses the switches twice on the way up.
        #expect(closedForm(server, gpus: 4, bytes: bytes) < CollectiveModel(topology: Topology(cluster: server, gpus: 4))
            .seconds(for: CollectiveWork(algorithm: .tree, bytes: bytes, ranks: 4, ranksPerNode: 4)))
    }

    /// Eight GPUs on a uniform mesh: three levels up and three serial turns down, each
    /// one copy of B/β + α: 6·(B/β + α), simulated and closed form.
    @Test func aParentsBroadcastsFollowOneAnother() {
        let bytes = 80e6, beta = 20e9, alpha = 2e-6
        let mesh = Fixtures.meshCluster(gpus: 8, bytesPerSecond: beta, latency: alpha)
        let formula = 6 * (bytes / beta + alpha)
        #expect(abs(simulated(mesh, gpus: 8, bytes: bytes) - formula) < 1e-8)
        #expect(abs(closedForm(mesh, gpus: 8, bytes: bytes) - formula) < 1e-8)
    }
}
