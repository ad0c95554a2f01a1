import Foundation
import Hardware
import Parallelism
import Scenario
import Simulation
import Testing
import YAMLSupport

/// Node 0 standing for every node (`NodeSymmetry`, `Topology+NodeShift`): a symmetric
/// expanded run gives what laying out every node gives, to the nanosecond; a run that
/// is not symmetric lays out every node.
@Suite struct NodeSymmetryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    /// The bench's scenario (`scenarios/bench/resnet50-data-parallel.yaml`: ResNet-50, 8 A100
    /// per NVSwitch node, 8 HDR NICs per node) under `allreduce`, on `network` if given;
    /// on `nicBound`, 32 images per GPU (instead of 256), so that the network sets the step.
    static func run(allreduce: String, network: String? = nil, software: String = "ideal") throws -> RunSpec {
        var text = try String(contentsOfFile: root.appendingPathComponent("scenarios/bench/resnet50-data-parallel.yaml").path, encoding: .utf8)
        text = text.replacingOccurrences(of: "allreduce: ring", with: "allreduce: \(allreduce)")
            .replacingOccurrences(of: "software: ideal", with: "software: \(software)")
        if let network { text = text.replacingOccurrences(of: "network: {link: ib-hdr, nics_per_node: 8}", with: "network: \(network)") }
        if network == nicBound { text = text.replacingOccurrences(of: "batch_per_gpu: 256", with: "batch_per_gpu: 32") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-symmetry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try Scenario.load(path: path).runs[0]
    }

    /// One 25 GbE NIC per node: the all-reduce's crossings bind on the NIC.
    static let nicBound = "{link: eth-25g, nics_per_node: 1}"

    /// Simulates `run` on `gpus` GPUs with node 0 standing for all, and with every node laid out.
    static func both(_ run: RunSpec, gpus: Int) throws -> (symmetric: ScenarioRunner.Outcome, every: ScenarioRunner.Outcome) {
        var every = run
        every.simulatesEveryNode = true
        return (try ScenarioRunner.simulate(run, gpus: gpus), try ScenarioRunner.simulate(every, gpus: gpus))
    }

    /// The start and end of every task node 0 runs or sends, by what it is (the same
    /// task has the same label, endpoints and step in both plans; ids differ).
    static func nodeZeroTimes(_ outcome: ScenarioRunner.Outcome, gpusPerNode: Int) -> [String: [Int64]] {
        var times: [String: [Int64]] = [:]
        for r in outcome.trace.records where r.device < gpusPerNode {
            times["\(r.step)|\(r.label)|\(r.device)->\(r.destination ?? -1)", default: []] += [r.start.nanoseconds, r.end.nanoseconds]
        }
        return times
    }

    /// The symmetric run lays out node 0 alone and gives the every-node run's metrics and
    /// node 0's every start and end, to the nanosecond: ring, NCCL's rings and the
    /// hierarchical all-reduce, on the bench's network and on one 25 GbE NIC per node.
    @Test(arguments: ["ring", "nccl-ring", "hierarchical"], [nil, nicBound])
    func oneNodeStandsForAll(allreduce: String, network: String?) throws {
        let run = try Self.run(allreduce: allreduce, network: network)
        for gpus in [16, 32, 64] {
            #expect(ScenarioRunner.nodeSymmetryRefusal(run, gpus: gpus) == nil)
            let (symmetric, every) = try Self.both(run, gpus: gpus)
            #expect(symmetric.graph.symmetry == NodeSymmetry(ranks: gpus, ranksPerNode: 8))
            #expect(symmetric.graph.gpus == 8 && every.graph.gpus == gpus && every.graph.symmetry == nil)
            #expect(symmetric.graph.tasks.count * (gpus / 8) == every.graph.tasks.count)
            #expect(symmetric.metrics == every.metrics, "\(allreduce) on \(gpus) GPUs")
            #expect(symmetric.metrics.imagesPerSecond == every.metrics.imagesPerSecond)
            #expect(Self.nodeZeroTimes(symmetric, gpusPerNode: 8) == Self.nodeZeroTimes(every, gpusPerNode: 8), "\(allreduce) on \(gpus) GPUs")
        }
    }

    /// On PCIe-tree servers (`scenarios/bench/fidelity-agreement.yaml`: the NIC on the host
    /// bridge, cross-socket copies staged in host memory) a flow into node 0 shares node
    /// 0's host bridge and PCIe switch links with node 0's own flows: only routing it on
    /// node 0's image of its route (`Topology.firstNodeImage`) gives the whole run's shares.
    @Test(arguments: ["PCIe tree ring", "PCIe tree hierarchical"])
    func pcieTreeNodesShareTheirLinksAsTheWholeRunDoes(label: String) throws {
        var run = try Scenario.load(path: Self.root.appendingPathComponent("scenarios/bench/fidelity-agreement.yaml").path)
            .runs.first { $0.label == label }!
        run.fidelity = .expanded
        for gpus in [16, 32] {
            let (symmetric, every) = try Self.both(run, gpus: gpus)
            #expect(symmetric.graph.symmetry != nil)
            #expect(symmetric.metrics == every.metrics, "\(label) on \(gpus) GPUs")
            #expect(Self.nodeZeroTimes(symmetric, gpusPerNode: 8) == Self.nodeZeroTimes(every, gpusPerNode: 8), "\(label) on \(gpus) GPUs")
        }
    }

    /// The NIC-bound variant is communication-bound (so the check above is not one of
    /// compute alone): most of its step waits on the network.
    @Test func theNICBoundVariantWaitsOnTheNetwork() throws {
        for allreduce in ["ring", "hierarchical"] {
            let slow = try ScenarioRunner.simulate(try Self.run(allreduce: allreduce, network: Self.nicBound), gpus: 32).metrics
            #expect(slow.exposedCommunicationSeconds + slow.idleSeconds > 0.5 * slow.stepSeconds, "\(allreduce)")
        }
    }

    /// A profile with kernel launches, collective interference (NCCL's thread blocks
    /// slow compute while a collective is in flight on a GPU, counted on both ends of
    /// every transfer) and compute jitter (stragglers, from the N workers) stays exact.
    @Test func aProfileWithLaunchesInterferenceAndJitterStaysExact() throws {
        let run = try Self.run(allreduce: "nccl-ring", network: Self.nicBound,
                               software: "{profile: pytorch-ddp, collective_sm_share: 0.5, compute_jitter_cv: 0.05}")
        #expect(ScenarioRunner.nodeSymmetryRefusal(run, gpus: 32) == nil)
        let (symmetric, every) = try Self.both(run, gpus: 32)
        #expect(symmetric.graph.symmetry != nil && !symmetric.trace.slowedCompute.isEmpty)
        #expect(symmetric.metrics == every.metrics)
        #expect(symmetric.metrics.stragglerWaitSeconds > 0)
        #expect(Self.nodeZeroTimes(symmetric, gpusPerNode: 8) == Self.nodeZeroTimes(every, gpusPerNode: 8))
    }

    /// Runs that are not the same from every node lay out every node: a tree rooted at
    /// rank 0, halving-doubling, a partly filled last node or last leaf, a rail-optimized
    /// network, one node.
    @Test func asymmetricRunsLayOutEveryNode() throws {
        let cases: [(RunSpec, Int, String)] = [
            (try Self.run(allreduce: "tree"), 32, "rooted at one rank"),
            (try Self.run(allreduce: "halving-doubling"), 32, "pairs ranks by bit"),
            (try Self.run(allreduce: "ring"), 20, "partly filled"),
            (try Self.run(allreduce: "ring", network: Self.twoTier), 24, "last leaf is partly filled"),
            (try Self.run(allreduce: "ring", network: "{link: ib-hdr, nics_per_node: 8, topology: rail-optimized}"), 32, "rail-optimized"),
            (try Self.run(allreduce: "ring"), 8, "one node"),
        ]
        for (run, gpus, why) in cases {
            let refusal = ScenarioRunner.nodeSymmetryRefusal(run, gpus: gpus)
            #expect(refusal?.contains(why) == true, "\(refusal ?? "nil") should say \(why)")
            let outcome = try ScenarioRunner.simulate(run, gpus: gpus)
            #expect(outcome.graph.symmetry == nil && outcome.graph.gpus == gpus)
        }
    }

    /// Two nodes per leaf under a 2:1 oversubscribed spine, one 100 GbE NIC per node.
    static let twoTier = "{link: eth-100g, nics_per_node: 1, nodes_per_leaf: 2, oversubscription: 2}"

    /// On a two-tier network the shift moves a whole leaf: leaf 0's nodes stand for every
    /// leaf's (a leaf's uplink images leaf 0's), to the nanosecond, for the ring, NCCL's
    /// rings and the hierarchical all-reduce, on 2 and 4 leaves.
    @Test(arguments: ["ring", "nccl-ring", "hierarchical"])
    func oneLeafStandsForAll(allreduce: String) throws {
        let run = try Self.run(allreduce: allreduce, network: Self.twoTier)
        for gpus in [32, 64] {
            #expect(ScenarioRunner.nodeSymmetryRefusal(run, gpus: gpus) == nil)
            let (symmetric, every) = try Self.both(run, gpus: gpus)
            #expect(symmetric.graph.symmetry == NodeSymmetry(ranks: gpus, ranksPerNode: 16))
            #expect(symmetric.graph.gpus == 16 && symmetric.graph.tasks.count * (gpus / 16) == every.graph.tasks.count)
            #expect(symmetric.metrics == every.metrics, "\(allreduce) on \(gpus) GPUs")
            #expect(Self.nodeZeroTimes(symmetric, gpusPerNode: 16) == Self.nodeZeroTimes(every, gpusPerNode: 16), "\(allreduce) on \(gpus) GPUs")
        }
        #expect(ScenarioRunner.simulationSummary(run, gpus: 64) == "expanded, one leaf's 2 nodes simulated for all 8 nodes (symmetric)")
    }

    /// How a run is simulated, in words, for `explain`.
    @Test func theSummarySaysWhichWay() throws {
        let ring = try Self.run(allreduce: "ring")
        #expect(ScenarioRunner.simulationSummary(ring, gpus: 256) == "expanded, one node simulated for all 32 nodes (symmetric)")
        #expect(ScenarioRunner.simulationSummary(ring, gpus: 8) == "expanded")
        #expect(ScenarioRunner.simulationSummary(try Self.run(allreduce: "tree"), gpus: 32)
                == "expanded, every node simulated (not symmetric: the tree all-reduce is rooted at one rank)")
    }

    /// Node 0 standing for all, an expanded data-parallel run is no longer limited to
    /// `expandedLimit` GPUs; one that lays out every node still is.
    @Test func theExpandedLimitAppliesOnlyToEveryNode() throws {
        let location = ConfigError(file: "t", keyPath: "", line: nil, message: "")
        #expect(throws: Never.self) { try ScenarioRunner.check(try Self.run(allreduce: "ring"), gpus: 1024, location: location) }
        #expect(throws: ConfigError.self) { try ScenarioRunner.check(try Self.run(allreduce: "tree"), gpus: 1024, location: location) }
    }
}
