import CostModel
import Hardware
import Parallelism
import SimCore
import Testing
import Workload
@testable import Simulation

@Suite struct DataParallelTests {
    func run(_ net: Network, gpus: Int, cluster: ClusterSpec, options: DataParallelOptions, batch: Int = 32,
             precision: Precision = .fp32) -> (TaskGraph, Trace, StepMetrics) {
        let setup = TrainingSetup(network: net, precision: precision, batchPerGPU: batch, gpus: gpus, steps: 3)
        let graph = try! Planner.plan(setup, strategy: .data(options))
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: gpus),
                                        cost: CostModel(gpu: cluster.gpu, precision: precision))
        return (graph, trace, StepMetrics.measure(trace, gpus: gpus, globalBatch: setup.globalBatch, step: 1))
    }

    @Test func bucketsCoverEveryWeightOnce() throws {
        let net = try #require(Zoo.model(named: "resnet50"))
        let buckets = Planner.gradientBuckets(net, precision: .fp32, bucketBytes: 25e6)
        #expect(buckets.reduce(0) { $0 + $1.parameters } == net.parameters)
        let layers = buckets.flatMap(\.layers)
        #expect(Set(layers).count == layers.count)
        for bucket in buckets.dropLast() { #expect(bucket.bytes >= 25e6) }
        #expect(Planner.gradientBuckets(net, precision: .fp32, bucketBytes: nil).count == 1)
    }

    /// A ring moves 2(N−1) × the gradient bytes per step in all (every bucket).
    @Test(arguments: [2, 4, 8])
    func ringMovesTheGradientBytesTheMethodImplies(gpus: Int) throws {
        let net = try Fixtures.tinyNetwork()
        let (graph, _, _) = run(net, gpus: gpus, cluster: Fixtures.pcieCluster(), options: DataParallelOptions(algorithm: .ring, bucketBytes: 1e5))
        let perStep = graph.tasks.filter { $0.step == 0 && $0.kind == .transfer }.reduce(0) { $0 + $1.bytes }
        let gradient = Double(net.parameters * 4)
        #expect(abs(perStep - 2 * Double(gpus - 1) * gradient) < 1e-3 * gradient)
    }

    @Test func oneGPUHasNoCommunicationAndComputesTheWholeStep() throws {
        let net = try Fixtures.tinyNetwork()
        let (graph, _, m) = run(net, gpus: 1, cluster: Fixtures.pcieCluster(), options: DataParallelOptions())
        #expect(!graph.tasks.contains { $0.kind == .transfer })
        #expect(m.exposedCommunicationSeconds == 0)
        #expect(abs(m.computeSeconds - m.stepSeconds) < 1e-9)
    }

    @Test func breakdownAddsUpToTheStep() throws {
        let net = try #require(Zoo.model(named: "alexnet-owt"))
        let (_, _, m) = run(net, gpus: 4, cluster: Fixtures.pcieCluster(gpuLink: "pcie2-x16", perSwitch: 2), options: DataParallelOptions())
        #expect(abs(m.computeSeconds + m.exposedCommunicationSeconds + m.idleSeconds - m.stepSeconds) < 1e-9)
        #expect(m.exposedCommunicationSeconds > 0)
    }

    /// Bucketed all-reduce overlaps the backward pass, so on a bandwidth-bound link
    /// the step is shorter than synchronizing after backward.
    @Test func bucketsOverlapCommunicationWithBackward() throws {
        let net = try #require(Zoo.model(named: "resnet50"))
        let cluster = Fixtures.pcieCluster(gpuLink: "pcie2-x16", perSwitch: 2)
        let overlapped = run(net, gpus: 4, cluster: cluster, options: DataParallelOptions(algorithm: .ring, bucketBytes: 25e6)).2
        let serial = run(net, gpus: 4, cluster: cluster, options: DataParallelOptions(algorithm: .ring, bucketBytes: nil)).2
        #expect(overlapped.stepSeconds < serial.stepSeconds)
    }

    @Test func moreBandwidthIsNeverSlower() throws {
        let net = try #require(Zoo.model(named: "alexnet-owt"))
        var previous = Double.infinity
        for link in ["pcie1-x16", "pcie2-x16", "pcie3-x16", "pcie4-x16", "pcie5-x16"] {
            let m = run(net, gpus: 8, cluster: Fixtures.pcieCluster(gpuLink: link, perSwitch: 2), options: DataParallelOptions()).2
            #expect(m.stepSeconds <= previous)
            previous = m.stepSeconds
        }
    }

    /// A GPU that holds a tree all-reduce's result runs ahead into the next step
    /// while its own sends are in flight; the measured window must still count one
    /// step's worth of compute per GPU.
    @Test func computeIsOneStepsComputeEvenWhenGPUsRunAhead() throws {
        let net = try #require(Zoo.model(named: "resnet50"))
        let (graph, _, m) = run(net, gpus: 8, cluster: Fixtures.pcieCluster(gpuLink: "pcie2-x16", perSwitch: 2),
                                options: DataParallelOptions(algorithm: .tree, bucketBytes: 25e6))
        let cost = CostModel(gpu: Fixtures.pcieCluster().gpu, precision: .fp32)
        let perGPU = graph.tasks.filter { $0.step == 1 && $0.kind != .transfer }.reduce(0.0) { total, task in
            guard case .compute(let work) = task.work else { return total }
            return total + SimDuration(secondsRoundingUp: cost.seconds(for: work)).seconds
        } / 8
        #expect(abs(m.computeSeconds - perGPU) / perGPU < 1e-3)
    }

    @Test func stepsRepeatInTheSteadyState() throws {
        let net = try Fixtures.tinyNetwork()
        let (_, trace, last) = run(net, gpus: 4, cluster: Fixtures.pcieCluster(), options: DataParallelOptions())
        let first = StepMetrics.measure(trace, gpus: 4, globalBatch: 128, step: 0)
        #expect(abs(first.stepSeconds - last.stepSeconds) < 1e-6)
        // No GPU computes two tasks at once.
        for g in 0..<4 {
            let spans = trace.records.filter { $0.device == g && $0.kind != .transfer }.sorted { $0.start < $1.start }
            for (a, b) in zip(spans, spans.dropFirst()) { #expect(a.end <= b.start) }
        }
    }
}
