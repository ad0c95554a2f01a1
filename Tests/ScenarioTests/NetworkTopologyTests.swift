import Foundation
import Hardware
import Parallelism
import Scenario
import Testing
import YAMLSupport

/// `cluster.network.topology` (leaf-spine, rail-optimized, torus), `cross_rail`,
/// `dimensions` and `gpu_nic` in scenarios: what they read into, what a step costs on
/// them, and where bad values are reported.
@Suite struct NetworkTopologyTests {
    func scenario(_ network: String, fabric: String = "nvswitch", gpus: Int = 32, allreduce: String = "ring") throws -> Scenario {
        let text = """
            name: rails
            model: resnet50
            batch_per_gpu: 32
            precision: bf16
            cluster:
              gpu: A100-SXM4-80GB
              gpus_per_node: 8
              fabric: \(fabric)
              network: {link: ib-hdr\(network)}
            strategy: {kind: data, allreduce: \(allreduce), bucket_mb: 25}
            simulation: {fidelity: expanded}
            gpus: [\(gpus)]
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-rails-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("s.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try Scenario.load(path: path)
    }

    func network(_ text: String, fabric: String = "nvswitch") throws -> NetworkSpec {
        try #require(try scenario(text, fabric: fabric).runs[0].cluster.network)
    }

    @Test func keysReadIntoTheNetwork() throws {
        let leafSpine = try network(", nics_per_node: 8")
        #expect(leafSpine.layout == .leafSpine && leafSpine.gpuNIC == nil)
        #expect(try network(", nics_per_node: 8, topology: rail-optimized").layout == .railOptimized(crossRail: .pxn))
        #expect(try network(", nics_per_node: 8, topology: rail-optimized, cross_rail: spine, nodes_per_leaf: 32, oversubscription: 2")
                == NetworkSpec(nic: leafSpine.nic, nicsPerNode: 8, nodesPerLeaf: 32, oversubscription: 2, layout: .railOptimized(crossRail: .spine)))
        // PCIe trees have no NVLink to move traffic between rails over: the spine it is.
        #expect(try network(", nics_per_node: 2, topology: rail-optimized", fabric: "pcie-tree").layout == .railOptimized(crossRail: .spine))
        #expect(try network(", topology: torus, dimensions: [4, 4, 2]").layout == .torus(dimensions: [4, 4, 2]))
        #expect(try network(", nics_per_node: 4, gpu_nic: [0, 0, 1, 1, 2, 2, 3, 3]").gpuNIC == [0, 0, 1, 1, 2, 2, 3, 3])
    }

    /// The NIC each GPU sends through reaches the setup (the aggregated parameter servers'
    /// lanes, `TrainingSetup.nicOfLocalGPU`): the scenario's gpu_nic, else the even share,
    /// as the topology wires them; a one-NIC node's only NIC; on a PCIe tree of several NICs
    /// without gpu_nic, whose NICs hang off the host bridges (NIC k on socket k mod 2 here:
    /// two GPUs a switch, two switches a socket), the first NIC of each GPU's socket, which
    /// its routes to other nodes cross (no GPU is pinned there).
    @Test func theSetupPinsEachGPUToTheNICTheTopologyGivesIt() throws {
        func nics(_ network: String, fabric: String = "nvswitch") throws -> (setup: [Int]?, pinned: [Int]?) {
            let run = try scenario(network, fabric: fabric).runs[0]
            return (run.setup(gpus: 32).nicOfLocalGPU, run.cluster.pinnedNICOfLocalGPU)
        }
        let even = try nics(", nics_per_node: 4"), given = try nics(", nics_per_node: 4, gpu_nic: [3, 3, 2, 2, 1, 1, 0, 0]")
        #expect(even.setup == [0, 0, 1, 1, 2, 2, 3, 3] && even.pinned == even.setup)
        #expect(given.setup == [3, 3, 2, 2, 1, 1, 0, 0] && given.pinned == given.setup)
        let bridges = try nics(", nics_per_node: 2", fabric: "pcie-tree"), four = try nics(", nics_per_node: 4", fabric: "pcie-tree")
        #expect(bridges.setup == [0, 0, 0, 0, 1, 1, 1, 1] && bridges.pinned == nil)
        #expect(four.setup == [0, 0, 0, 0, 1, 1, 1, 1] && four.pinned == nil)
        let only = try nics(", nics_per_node: 1", fabric: "pcie-tree")
        #expect(only.setup == [Int](repeating: 0, count: 8) && only.pinned == nil)
        let tree = try nics(", nics_per_node: 4, gpu_nic: [1, 1, 0, 0, 3, 3, 2, 2]", fabric: "pcie-tree")
        #expect(tree.setup == [1, 1, 0, 0, 3, 3, 2, 2] && tree.pinned == tree.setup)
    }

    /// The NIC the setup takes for each GPU of a PCIe tree without gpu_nic (found on two nodes
    /// under one switch) is the one its routes cross in the whole run, whatever the network
    /// beyond: four nodes, two leaves behind a 2:1 spine, and a 2 x 2 torus; out to the last
    /// node and in from it.
    @Test(arguments: [", nodes_per_leaf: 2, oversubscription: 2", ", topology: torus, dimensions: [2, 2]"])
    func theRoutedNICIsTheOneEveryRouteCrosses(network: String) throws {
        let run = try scenario(", nics_per_node: 4" + network, fabric: "pcie-tree").runs[0]
        let nics = try #require(run.cluster.nicOfLocalGPU)
        let topology = Topology(cluster: run.cluster, gpus: 32)
        // The index of node 0's NIC a route leaves through (its first link out of one, `n0.nicK->...`)
        // or enters through (its last link into one, `...->n0.nicK`), read from the links' names.
        func nic(_ route: [Int], leaving: Bool) -> Int? {
            let ends = route.map { topology.links[$0].name.components(separatedBy: "->") }
            let end = leaving ? ends.first { $0[0].hasPrefix("n0.nic") }?[0] : ends.last { $0[1].hasPrefix("n0.nic") }?[1]
            return end.flatMap { Int($0.dropFirst("n0.nic".count)) }
        }
        for gpu in 0..<8 {
            #expect(nic(topology.route(from: gpu, to: 31), leaving: true) == nics[gpu], "GPU \(gpu) out")
            #expect(nic(topology.route(from: 31, to: gpu), leaving: false) == nics[gpu], "GPU \(gpu) in")
        }
    }

    /// Each mistake is reported at its key (exit 2 on the command line, as every `ConfigError`).
    @Test(arguments: [
        (", topology: fat-tree", "cluster.network.topology"),
        (", cross_rail: pxn", "cluster.network.cross_rail"),
        (", topology: rail-optimized, cross_rail: nvlink", "cluster.network.cross_rail"),
        (", topology: rail-optimized, dimensions: [2, 2]", "cluster.network.dimensions"),
        (", topology: torus", "cluster.network"),
        (", topology: torus, dimensions: [16]", "cluster.network.dimensions"),
        (", topology: torus, dimensions: [4, 0]", "cluster.network.dimensions[1]"),
        (", topology: torus, dimensions: [4096, 4096]", "cluster.network.dimensions"),
        (", topology: torus, dimensions: [2, 2], oversubscription: 2", "cluster.network.oversubscription"),
        (", topology: torus, dimensions: [2, 2], nodes_per_leaf: 2", "cluster.network.nodes_per_leaf"),
        (", topology: rail-optimized, oversubscription: 0.5", "cluster.network.oversubscription"),
        (", nics_per_node: 4, gpu_nic: [0, 1, 2, 3]", "cluster.network.gpu_nic"),
        (", nics_per_node: 4, gpu_nic: [0, 0, 1, 1, 2, 2, 3, 4]", "cluster.network.gpu_nic[7]"),
        (", nics_per_node: 4, gpu_nic: [0, 0, 1, 1, 2, 2, 3, -1]", "cluster.network.gpu_nic[7]"),
        (", nic_affinity: [0]", "cluster.network.nic_affinity"),
    ])
    func badValuesAreLocated(text: String, key: String) throws {
        do {
            _ = try scenario(text)
            Issue.record("\(text) was accepted")
        } catch let error as ConfigError {
            #expect(error.keyPath == key, "\(error)")
            #expect(error.line != nil)
        }
    }

    /// A run that names another topology than the top level's keeps the top level's NIC
    /// keys and drops the keys of the old topology that do not apply to its own, so it
    /// need not undo them (a torus under a rail-optimized top level was refused at
    /// `cross_rail`); the keys both topologies take are kept.
    @Test func aRunChangesTheTopologyWithoutUndoingTheTopLevels() throws {
        let text = """
            model: resnet50
            batch_per_gpu: 32
            cluster:
              gpu: A100-SXM4-80GB
              gpus_per_node: 8
              network: {link: ib-hdr, nics_per_node: 8, topology: rail-optimized, cross_rail: spine, nodes_per_leaf: 2, oversubscription: 2}
            gpus: [32]
            runs:
              - {label: rails}
              - {label: torus, cluster: {network: {topology: torus, dimensions: [2, 2]}}}
              - {label: leaves, cluster: {network: {topology: leaf-spine}}}
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-runs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("s.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let networks = try Scenario.load(path: path).runs.map { try #require($0.cluster.network) }
        #expect(networks.map(\.layout) == [.railOptimized(crossRail: .spine), .torus(dimensions: [2, 2]), .leafSpine])
        #expect(networks.allSatisfy { $0.nicsPerNode == 8 && $0.nic.name == "ib-hdr" })
        #expect(networks[1].nodesPerLeaf == nil && networks[1].oversubscription == 1)
        #expect(networks[2].nodesPerLeaf == 2 && networks[2].oversubscription == 2)
    }

    @Test func pcieTreeRefusesWhatItCannotWire() throws {
        for (text, key) in [(", nics_per_node: 4, gpu_nic: [0, 1, 1, 1, 2, 2, 3, 3]", "cluster.network.gpu_nic[2]"),
                            (", nics_per_node: 2, topology: rail-optimized, cross_rail: pxn", "cluster.network.cross_rail")] {
            do {
                _ = try scenario(text, fabric: "pcie-tree")
                Issue.record("\(text) was accepted on a PCIe tree")
            } catch let error as ConfigError {
                #expect(error.keyPath == key, "\(error)")
            }
        }
    }

    /// A run needing more nodes than the torus holds is refused at its GPU count.
    @Test func torusTooSmallForTheRunIsRefused() throws {
        let small = try scenario(", topology: torus, dimensions: [2, 2]", gpus: 40)
        do {
            _ = try ScenarioRunner.results(small)
            Issue.record("5 nodes on a 2 x 2 torus were accepted")
        } catch let error as ConfigError {
            #expect(error.keyPath == "gpus" && error.message.contains("holds 4"), "\(error)")
        }
    }

    /// One ResNet-50 step on four DGX A100 nodes with eight NICs each, ring all-reduce
    /// (expanded): the ring's hop from GPU 7 of one node to GPU 0 of the next changes
    /// rails, so it crosses the spine, and a 4:1 spine slows it; PXN keeps it on a rail
    /// and the spine does not matter. Hierarchical all-reduce keeps every transfer
    /// between nodes on its rail, so a thin spine costs it nothing.
    @Test func theSpineMattersOnlyForTrafficBetweenRails() throws {
        func step(_ text: String, _ allreduce: String = "ring") throws -> Double {
            try ScenarioRunner.results(try scenario(", nics_per_node: 8" + text, allreduce: allreduce))[0].metrics.stepSeconds
        }
        let flat = try step("")
        let spineFull = try step(", topology: rail-optimized, cross_rail: spine")
        let spineThin = try step(", topology: rail-optimized, cross_rail: spine, oversubscription: 8")
        let pxnThin = try step(", topology: rail-optimized, cross_rail: pxn, oversubscription: 8")
        #expect(abs(spineFull / flat - 1) < 0.01)
        #expect(spineThin > spineFull * 1.05)
        #expect(abs(pxnThin / spineFull - 1) < 0.01)
        let hierarchicalFull = try step(", topology: rail-optimized, cross_rail: spine", "hierarchical")
        let hierarchicalThin = try step(", topology: rail-optimized, cross_rail: spine, oversubscription: 8", "hierarchical")
        #expect(hierarchicalThin == hierarchicalFull)
    }

    /// NCCL keeps each ring on one NIC index on every node (its topology search: NET n ->
    /// GPU a -> ... -> GPU x -> NET n), so under its algorithms no hop between nodes of one
    /// rail group crosses the spine, however thin, with or without PXN, on NVLink fabrics
    /// and on PCIe trees (whose GPUs reach the rail's NIC over PCIe).
    @Test func ncclRingsStayOnTheirRails() throws {
        func step(_ text: String, fabric: String = "nvswitch") throws -> Double {
            try ScenarioRunner.results(try scenario(", nics_per_node: 8, topology: rail-optimized" + text, fabric: fabric, allreduce: "nccl-ring"))[0]
                .metrics.stepSeconds
        }
        let spineFull = try step(", cross_rail: spine"), spineThin = try step(", cross_rail: spine, oversubscription: 8")
        let pxnThin = try step(", cross_rail: pxn, oversubscription: 8")
        #expect(spineThin == spineFull && spineThin == pxnThin)
        let treeFull = try step(", cross_rail: spine", fabric: "pcie-tree")
        let treeThin = try step(", cross_rail: spine, oversubscription: 8", fabric: "pcie-tree")
        #expect(treeThin == treeFull)
    }
}
