import CostModel
import Parallelism
import SimCore
import Testing
@testable import Hardware
@testable import Simulation

/// `PCIeTreeSpec.peerToPeer` (`cluster.pcie.p2p`): a pair of GPUs that cannot copy
/// peer to peer is staged through the memory of the source GPU's socket, in the
/// transfer-by-transfer simulation and in the closed forms alike.
@Suite struct PeerToPeerTests {
    let catalog = Fixtures.catalog

    /// One socket, two PCIe switches of two GPUs each, links of `beta` bytes/s and
    /// `alpha` seconds everywhere; `blocked` lists the local pairs (both ways) that
    /// cannot copy peer to peer.
    func cluster(blocked: [(Int, Int)], beta: Double = 10e9, alpha: Double = 1e-6) -> ClusterSpec {
        let link = LinkSpec(name: "pcie", kind: .pcie, bytesPerSecond: beta, latencySeconds: alpha, source: "test")
        var matrix = (0..<4).map { i in (0..<4).map { $0 != i } }
        for (a, b) in blocked { matrix[a][b] = false; matrix[b][a] = false }
        return ClusterSpec(gpu: catalog.gpu(named: "V100")!, gpusPerNode: 4,
                           fabric: .pcieTree(PCIeTreeSpec(gpuLink: link, uplink: link, socketLink: link, gpusPerSwitch: 2,
                                                          switchesPerSocket: 2, peerToPeer: matrix)),
                           network: nil, hostLink: link)
    }

    func oneTransfer(_ bytes: Double, from a: Int, to b: Int, cluster: ClusterSpec) -> Double {
        var graph = TaskGraph(gpus: 4, steps: 1)
        graph.transfer(bytes, from: a, to: b, label: "copy", after: [], step: 0, group: "test")
        return GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: 4), cost: CostModel(gpu: cluster.gpu, precision: .fp32))
            .makespan.seconds
    }

    /// GPUs 0 and 1 share a PCIe switch: peer to peer, 0 → switch → 1; without it, up to
    /// the host bridge (socket 0's memory) and back down, two copies one after the other.
    @Test func aPairWithoutPeerToPeerIsStagedThroughHostMemory() throws {
        let staged = cluster(blocked: [(0, 1)])
        let topology = Topology(cluster: staged, gpus: 4)
        let legs = topology.legs(from: 0, to: 1)
        try #require(legs.count == 2)
        let memory = try #require(topology.vertices.firstIndex(of: .hostBridge(node: 0, socket: 0)))
        #expect(topology.links[legs[0].last!].to == memory && topology.links[legs[1].first!].from == memory)
        #expect(legs.map(\.count) == [2, 2])
        #expect(topology.legs(from: 0, to: 2).count == 1 && topology.legs(from: 2, to: 3).count == 1)
        #expect(Topology(cluster: cluster(blocked: []), gpus: 4).legs(from: 0, to: 1) == [topology.route(from: 0, to: 1)])

        // B/β + 2α directly; twice B/β + 2α staged (four hops, two copies).
        let bytes = 100e6, beta = 10e9, alpha = 1e-6
        #expect(abs(oneTransfer(bytes, from: 0, to: 1, cluster: cluster(blocked: [])) - (bytes / beta + 2 * alpha)) < 1e-9)
        #expect(abs(oneTransfer(bytes, from: 0, to: 1, cluster: staged) - 2 * (bytes / beta + 2 * alpha)) < 1e-9)
    }

    /// The closed form prices the staged legs as the simulation runs them: a ring
    /// all-reduce on the four GPUs with pairs blocked, within 5% (it prices each phase
    /// by its slowest transfer), and slower than with peer to peer everywhere.
    @Test(arguments: [[(0, 1)], [(0, 1), (2, 3)], [(0, 1), (1, 2), (2, 3), (3, 0)]])
    func theClosedFormPricesTheStagedLegs(blocked: [(Int, Int)]) {
        let bytes = 64e6
        let staged = cluster(blocked: blocked)
        var graph = TaskGraph(gpus: 4, steps: 1)
        _ = graph.allReduce(.ring, bytes: bytes, ranks: Array(0..<4), ready: Array(repeating: [], count: 4),
                            step: 0, group: "test", gpusPerNode: 4)
        let simulated = GraphSimulation.run(graph, topology: Topology(cluster: staged, gpus: 4),
                                            cost: CostModel(gpu: staged.gpu, precision: .fp32)).makespan.seconds
        let work = CollectiveWork(algorithm: .ring, bytes: bytes, ranks: 4, ranksPerNode: 4)
        let closed = CollectiveModel(topology: Topology(cluster: staged, gpus: 4)).seconds(for: work)
        let direct = CollectiveModel(topology: Topology(cluster: cluster(blocked: []), gpus: 4)).seconds(for: work)
        #expect(abs(closed / simulated - 1) <= 0.05, "closed form \(closed) s, simulated \(simulated) s")
        #expect(closed > 1.5 * direct)
    }

    /// Without a matrix, pairs under one socket copy directly and pairs across sockets
    /// as `crossSocketPeerToPeer` says.
    @Test func withoutAMatrixTheSocketsDecide() {
        let link = catalog.link(named: "pcie3-x16")!
        var tree = PCIeTreeSpec(gpuLink: link, uplink: link, socketLink: link, gpusPerSwitch: 2, switchesPerSocket: 2,
                                crossSocketPeerToPeer: false)
        #expect(tree.socket(ofLocalGPU: 3) == 0 && tree.socket(ofLocalGPU: 4) == 1)
        #expect(tree.copiesDirectly(from: 0, to: 3) && !tree.copiesDirectly(from: 0, to: 4))
        tree.crossSocketPeerToPeer = true
        #expect(tree.copiesDirectly(from: 0, to: 7))
    }
}
