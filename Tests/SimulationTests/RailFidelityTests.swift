import CostModel
import Hardware
import Parallelism
import Testing
import Workload
@testable import Simulation

/// The aggregated fidelity prices the wiring the expanded one simulates: rail-optimized
/// networks with an oversubscribed spine, both ways across rails.
@Suite struct RailFidelityTests {
    let catalog = try! Catalog.builtIn()

    /// DGX A100-style nodes on four 25 Gb/s NICs (two GPUs per NIC), each node its own
    /// group of rail switches, so every transfer between nodes that changes rails
    /// crosses a 2:1 spine (or, under PXN, NVLink first).
    func railCluster(_ crossRail: CrossRailRoute) -> ClusterSpec {
        ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                    network: NetworkSpec(nic: catalog.link(named: "eth-25g")!, nicsPerNode: 4, nodesPerLeaf: 1, oversubscription: 2,
                                         layout: .railOptimized(crossRail: crossRail)),
                    hostLink: catalog.link(named: "pcie4-x16")!)
    }

    func stepSeconds(_ fidelity: Fidelity, gpus: Int, algorithm: AllReduceAlgorithm, cluster: ClusterSpec,
                     bucketBytes: Double? = 25e6) throws -> Double {
        let net = try #require(Zoo.model(named: "resnet50"))
        var setup = TrainingSetup(network: net, precision: .bf16, batchPerGPU: 64, gpus: gpus, steps: 3)
        setup.gpusPerNode = cluster.gpusPerNode
        let graph = try Planner.plan(setup, strategy: .data(DataParallelOptions(algorithm: algorithm, bucketBytes: bucketBytes)), fidelity: fidelity)
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: gpus), cost: CostModel(gpu: cluster.gpu, precision: .bf16))
        return StepMetrics.measure(trace, gpus: graph.gpus, globalBatch: setup.globalBatch, step: 1).stepSeconds
    }

    /// One all-reduce after backward: the collective alone, so the two fidelities must
    /// agree to rounding (the aggregated prices every transfer on the routes the
    /// expanded simulation sends it over). With 25 MB buckets, within 5%: both run a
    /// worker's all-reduces one after another (`AllReduceAlgorithm.runsInIssueOrder`;
    /// before the expanded plan ordered them, its trees overlapped and it was up to ~7%
    /// faster at 16 GPUs).
    @Test(arguments: [AllReduceAlgorithm.ring, .tree, .hierarchical], CrossRailRoute.allCases)
    func aggregatedAgreesWithExpandedOnRails(algorithm: AllReduceAlgorithm, crossRail: CrossRailRoute) throws {
        let cluster = railCluster(crossRail)
        for (bucket, tolerance) in [(nil, 1e-4), (25e6, 0.05)] as [(Double?, Double)] {
            let expanded = try stepSeconds(.expanded, gpus: 16, algorithm: algorithm, cluster: cluster, bucketBytes: bucket)
            let aggregated = try stepSeconds(.aggregated, gpus: 16, algorithm: algorithm, cluster: cluster, bucketBytes: bucket)
            #expect(abs(aggregated / expanded - 1) <= tolerance,
                    "\(algorithm), \(crossRail), buckets \(bucket.map { "\($0 / 1e6) MB" } ?? "off"): aggregated \(aggregated), expanded \(expanded)")
        }
    }

    /// Four nodes of four GPUs on a 2 x 2 torus of 25 Gb/s links, one NIC each: the
    /// collective alone (one bucket) costs the same in both fidelities.
    @Test(arguments: [AllReduceAlgorithm.ring, .tree, .hierarchical])
    func aggregatedAgreesWithExpandedOnATorus(algorithm: AllReduceAlgorithm) throws {
        var cluster = railCluster(.spine)
        cluster.gpusPerNode = 4
        cluster.network = NetworkSpec(nic: catalog.link(named: "eth-25g")!, nicsPerNode: 1, layout: .torus(dimensions: [2, 2]))
        let seconds = try [Fidelity.expanded, .aggregated].map {
            try stepSeconds($0, gpus: 16, algorithm: algorithm, cluster: cluster, bucketBytes: nil)
        }
        #expect(abs(seconds[1] / seconds[0] - 1) <= 1e-4, "\(algorithm): aggregated \(seconds[1]), expanded \(seconds[0])")
    }

    /// The tree is priced by running its transfers: one idle tree's closed form is then
    /// exactly the chain of whole-buffer copies up and down, here over a uniform link.
    @Test func treeOnIdleUniformLinksIsItsDepthTwice() {
        let n = 7, bytes = 64e6, bandwidth = 25e9, latency = 2e-6
        let link = LinkSpec(name: "t", kind: .nvlink, bytesPerSecond: bandwidth, latencySeconds: latency, source: "test")
        let cluster = ClusterSpec(gpu: catalog.gpu(named: "V100")!, gpusPerNode: n, fabric: .nvswitch(link), network: nil,
                                  hostLink: catalog.link(named: "pcie3-x16")!)
        let model = CollectiveModel(topology: Topology(cluster: cluster, gpus: n), sharesPrices: false)
        let seconds = model.seconds(for: CollectiveWork(algorithm: .tree, bytes: bytes, ranks: n))
        // Depth 2 up and down; a parent receives from its two children at once over its one
        // port (half the bandwidth each), and sends to both at once the same way.
        let expected = 2 * (bytes / (bandwidth / 2) + 2 * latency) * 2
        #expect(abs(seconds - expected) / expected < 1e-9, "\(seconds) vs \(expected)")
    }
}
