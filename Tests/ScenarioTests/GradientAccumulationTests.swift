import Hardware
import Parallelism
import Simulation
import Testing
import YAMLSupport
@testable import Scenario

/// `accumulation_steps`: gradient accumulation as PyTorch DDP's `no_sync()` runs it.
@Suite struct GradientAccumulationTests {
    func scenario(_ accumulation: Int, model: String = "resnet18", batch: Int = 32, gpus: [Int] = [1, 2],
                  cluster: String = "{gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch}", software: String = "ideal") throws -> Scenario {
        try Scenario.load(path: try temporaryScenario("""
            model: \(model)
            batch_per_gpu: \(batch)
            accumulation_steps: \(accumulation)
            cluster: \(cluster)
            strategy: {kind: data, allreduce: ring, bucket_mb: 25}
            software: \(software)
            gpus: \(gpus)
            """))
    }

    func tasks(_ run: RunSpec, gpus: Int, _ kind: TaskGraph.Kind) throws -> [TaskGraph.Task] {
        let graph = try Planner.plan(run.setup(gpus: gpus), strategy: run.plannedStrategy)
        return graph.tasks.filter { $0.kind == kind && $0.step == 0 && $0.device == 0 }
    }

    /// Four micro-batches plan four forward and backward passes per worker and step, but
    /// the all-reduces and updates of one; each later micro-batch's backward adds every
    /// gradient to the parameter's (ResNet-18: 62 parameter tensors, one kernel each).
    @Test func aStepPlansEveryMicroBatchAndSynchronizesOnce() throws {
        let one = try scenario(1).runs[0], four = try scenario(4).runs[0]
        #expect(try tasks(four, gpus: 2, .forward).count == 4 * tasks(one, gpus: 2, .forward).count)
        #expect(try tasks(four, gpus: 2, .backward).count == 4 * tasks(one, gpus: 2, .backward).count)
        #expect(try tasks(four, gpus: 2, .update).count == tasks(one, gpus: 2, .update).count)
        let graph = { (run: RunSpec) in try Planner.plan(run.setup(gpus: 2), strategy: run.plannedStrategy) }
        #expect(try graph(four).tasks.filter { $0.kind == .transfer }.count == graph(one).tasks.filter { $0.kind == .transfer }.count)
        func kernels(_ tasks: [TaskGraph.Task]) -> Int {
            tasks.reduce(0) { total, task in
                guard case .compute(let work) = task.work else { return total }
                return total + work.kernels
            }
        }
        // The first micro-batch's gradients become the parameters' own; the three after it add theirs.
        #expect(try kernels(tasks(four, gpus: 2, .backward)) == 4 * kernels(tasks(one, gpus: 2, .backward)) + 3 * 62)
        #expect(four.setup(gpus: 2).globalBatch == 4 * 32 * 2)
    }

    /// Under DDP's bucket copies only the synchronizing micro-batch copies gradients into
    /// buckets (no_sync's hooks do nothing): ResNet-18's backward kernels over a step are
    /// four passes, three adds and one set of copies, 62 tensors each.
    @Test func onlyTheSynchronizingMicroBatchCopiesIntoBuckets() throws {
        var one = try scenario(1).runs[0], four = try scenario(4).runs[0]
        for run in [0, 1] {
            var spec = run == 0 ? one : four
            spec.software.mechanisms.ddpBucketCopies = true
            if run == 0 { one = spec } else { four = spec }
        }
        func kernels(_ run: RunSpec) throws -> Int {
            try tasks(run, gpus: 2, .backward).reduce(0) { total, task in
                guard case .compute(let work) = task.work else { return total }
                return total + work.kernels
            }
        }
        let plain = try kernels(try scenario(1).runs[0])
        #expect(try kernels(one) == plain + 62)
        #expect(try kernels(four) == 4 * plain + 3 * 62 + 62)
    }

    /// Node 0 standing for every node, and one worker standing for all (aggregated), give
    /// the expanded plan's step under accumulation too.
    @Test func theFidelitiesAgreeUnderAccumulation() throws {
        let cluster = "{gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}"
        var run = try scenario(3, model: "alexnet-owt", batch: 64, gpus: [16], cluster: cluster).runs[0]
        run.fidelity = .expanded
        let symmetric = try ScenarioRunner.simulate(run, gpus: 16).metrics.stepSeconds
        run.simulatesEveryNode = true
        let every = try ScenarioRunner.simulate(run, gpus: 16).metrics.stepSeconds
        run.simulatesEveryNode = false
        run.fidelity = .aggregated
        let aggregated = try ScenarioRunner.simulate(run, gpus: 16).metrics.stepSeconds
        #expect(abs(symmetric - every) <= 1e-9 * every)
        #expect(abs(aggregated - every) < 0.05 * every, "aggregated \(aggregated) s, expanded \(every) s")
    }

    /// cuda-convnet2's synchronous input copies are per micro-batch: a step of three pays three.
    @Test func inputCopiesArePaidPerMicroBatch() throws {
        let cluster = "{gpu: K20, gpus_per_node: 4, fabric: pcie-tree}"
        let one = try scenario(1, model: "alexnet-owt", batch: 128, gpus: [2], cluster: cluster, software: "cuda-convnet2").runs[0]
        let three = try scenario(3, model: "alexnet-owt", batch: 128, gpus: [2], cluster: cluster, software: "cuda-convnet2").runs[0]
        let topology = Topology(cluster: one.simulatedCluster, gpus: 2)
        let perStep = one.inputCopySeconds(gpus: 2, topology: topology)
        #expect(perStep > 0)
        #expect(abs(three.inputCopySeconds(gpus: 2, topology: topology) - 3 * perStep) <= 1e-12)
    }

    /// On one GPU a step of four micro-batches is four forward and backward passes, three
    /// gradient adds and one update: images/s move only by the adds and the update's share;
    /// the global batch is four times larger.
    @Test func oneGPUKeepsItsRate() throws {
        let one = try ScenarioRunner.simulate(try scenario(1).runs[0], gpus: 1).metrics
        let four = try ScenarioRunner.simulate(try scenario(4).runs[0], gpus: 1).metrics
        #expect(four.globalBatch == 4 * one.globalBatch)
        #expect(abs(four.imagesPerSecond / one.imagesPerSecond - 1) < 0.03)
    }

    /// Where the all-reduce is exposed (AlexNet's 244 MB of fp32 gradients between two
    /// nodes on one 100 Gb/s NIC each), it is paid once per four micro-batches: the same
    /// exposed communication per step, four times the images, better efficiency.
    @Test func accumulationAmortizesAnExposedAllReduce() throws {
        let cluster = "{gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: eth-100g, nics_per_node: 1}}"
        let one = try scenario(1, model: "alexnet-owt", batch: 128, gpus: [16], cluster: cluster)
        let four = try scenario(4, model: "alexnet-owt", batch: 128, gpus: [16], cluster: cluster)
        let a = try ScenarioRunner.simulate(one.runs[0], gpus: 16).metrics
        let b = try ScenarioRunner.simulate(four.runs[0], gpus: 16).metrics
        #expect(a.exposedCommunicationSeconds > 0.1 * a.stepSeconds)
        #expect(abs(b.exposedCommunicationSeconds - a.exposedCommunicationSeconds) < 0.1 * a.exposedCommunicationSeconds)
        // Four micro-batches of compute and one exposed all-reduce (the adds of 16 tensors are small).
        let expected = 4 * a.computeSeconds + a.exposedCommunicationSeconds + a.idleSeconds
        #expect(abs(b.stepSeconds - expected) < 0.03 * expected)
        #expect(b.imagesPerSecond > 1.1 * a.imagesPerSecond)
    }

    /// simulate's results carry the micro-batches and the global batch they make.
    @Test func resultsCarryTheMicroBatches() throws {
        let results = try ScenarioRunner.results(try scenario(4))
        #expect(results.map(\.accumulationSteps) == [4, 4])
        #expect(results.map(\.metrics.globalBatch) == [4 * 32, 4 * 32 * 2])
    }

    /// The run says it accumulates in its strategy's summary (tables, JSON, explain).
    @Test func theSummaryNamesTheMicroBatches() throws {
        #expect(try scenario(4).runs[0].strategySummary == "data (ring, 25 MB buckets, 4 micro-batches a step)")
        #expect(try scenario(1).runs[0].strategySummary == "data (ring, 25 MB buckets)")
    }

    /// Out of range, not a whole number, or with model-parallel layers: exit 2 at the key's line.
    @Test(arguments: ["0", "1025", "2.5", "many"])
    func badCountsNameTheKey(value: String) throws {
        let path = try temporaryScenario("""
            model: resnet18
            batch_per_gpu: 32
            accumulation_steps: \(value)
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [2]
            """)
        let error = try #require(throws: ConfigError.self) { try Scenario.load(path: path) }
        #expect(error.keyPath == "accumulation_steps" && error.line == 3, "\(error)")
    }

    @Test func aHybridIsRefused() throws {
        let path = try temporaryScenario("""
            model: alexnet-owt
            batch_per_gpu: 128
            cluster: {gpu: V100, gpus_per_node: 8}
            strategy: {kind: hybrid, scheme: b, variant: exact}
            accumulation_steps: 2
            gpus: [2]
            """)
        let error = try #require(throws: ConfigError.self) { try Scenario.load(path: path) }
        #expect(error.line == 5 && error.message.contains("data-parallel"), "\(error)")
    }
}
