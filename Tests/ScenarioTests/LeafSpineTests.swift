import Foundation
import Hardware
import Scenario
import Testing
import YAMLSupport

/// Two-tier networks: `cluster.network.nodes_per_leaf` and `oversubscription`.
@Suite struct LeafSpineTests {
    let catalog = try! Catalog.builtIn()

    func cluster(perLeaf: Int?, oversubscription: Double = 1) -> ClusterSpec {
        ClusterSpec(gpu: catalog.gpu(named: "A100")!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                    network: NetworkSpec(nic: catalog.link(named: "eth-100g")!, nicsPerNode: 1, nodesPerLeaf: perLeaf,
                                         oversubscription: oversubscription),
                    hostLink: catalog.link(named: "pcie4-x16")!)
    }

    /// Nodes under one leaf meet there; nodes under different leaves cross both leaves'
    /// uplinks and the spine, whose capacity is the leaf's NICs over the oversubscription.
    @Test func routesMeetAtTheLowestCommonSwitch() {
        let topology = Topology(cluster: cluster(perLeaf: 2, oversubscription: 4), gpus: 32)
        func roles(_ a: Int, _ b: Int) -> [String] { topology.route(from: a, to: b).map { topology.links[$0].role } }
        #expect(roles(0, 8) == ["nic-pcie", "network", "network", "nic-pcie"])
        #expect(roles(0, 16) == ["nic-pcie", "network", "spine-uplink", "spine-uplink", "network", "nic-pcie"])
        let uplinks = topology.links.filter { $0.role == "spine-uplink" }
        #expect(uplinks.count == 2 * 2)   // two leaves, both directions
        #expect(uplinks.allSatisfy { abs($0.bytesPerSecond - 2 * 100e9 / 8 / 4) < 1e-3 })
        // Every node under one leaf: no spine at all.
        #expect(!Topology(cluster: cluster(perLeaf: 4), gpus: 32).links.contains { $0.role == "spine-uplink" })
    }

    func step(_ extra: String) throws -> [Double] {
        let text = """
            name: leaves
            model: resnet50
            batch_per_gpu: 32
            precision: fp16
            cluster: {gpu: A100, gpus_per_node: 8, fabric: nvswitch, network: {link: eth-100g, nics_per_node: 1\(extra)}}
            strategy: {kind: data, allreduce: ring, bucket_mb: 25}
            gpus: [32]
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-leaf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("s.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ScenarioRunner.results(try Scenario.load(path: path)).map(\.metrics.stepSeconds)
    }

    /// A ring sends one flow each way through a leaf's uplink: 2:1 on two-node leaves
    /// still leaves it a NIC's bandwidth (no change); 4:1 halves it and the step grows.
    @Test func oversubscriptionSlowsTheRingOnlyWhenTheUplinkBinds() throws {
        let flat = try step("")
        let fatTree = try step(", nodes_per_leaf: 2, oversubscription: 1")
        let twoToOne = try step(", nodes_per_leaf: 2, oversubscription: 2")
        let fourToOne = try step(", nodes_per_leaf: 2, oversubscription: 4")
        // A non-blocking two-tier network only adds the spine's hops' latency to the flat one.
        #expect(fatTree[0] >= flat[0] && (fatTree[0] - flat[0]) / flat[0] < 0.03)
        #expect(abs(twoToOne[0] - fatTree[0]) / fatTree[0] < 0.005)
        #expect(fourToOne[0] > fatTree[0] * 1.1)
    }

    @Test func badValuesAreLocated() throws {
        for (extra, key) in [(", nodes_per_leaf: 0", "cluster.network.nodes_per_leaf"), (", oversubscription: 0.5", "cluster.network.oversubscription")] {
            do {
                _ = try step(extra)
                Issue.record("\(extra) was accepted")
            } catch let e as ConfigError {
                #expect(e.keyPath == key, "\(e)")
            }
        }
    }
}
