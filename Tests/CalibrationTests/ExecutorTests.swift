import Hardware
import Parallelism
import Testing
import Workload
@testable import Calibration

/// The executor runs the simulator's own plans for real; one exact-variant step
/// on K workers must equal one single-worker step on all their examples.
@Suite struct ExecutorTests {
    static let perWorker = 128

    func step(_ strategy: Strategy, workers: Int, steps: Int = 1, perWorker: Int = perWorker,
              options: Executor.Options = Executor.Options()) throws -> Executor.Outcome {
        var setup = TrainingSetup(network: ExecutorValidation.smallCNN(), precision: .fp32,
                                  batchPerGPU: workers == 1 ? perWorker * singleFor : perWorker, gpus: workers, steps: steps)
        // For NCCL's algorithms: one node of an NVLink mesh, so that its ring runs one layout per stride.
        let catalog = try Catalog.builtIn()
        setup.nccl = NCCLSystem(cluster: ClusterSpec(gpu: catalog.gpu(named: "V100-SXM2-16GB")!, gpusPerNode: workers,
                                                     fabric: .nvlinkMesh(catalog.link(named: "nvlink2")!), network: nil,
                                                     hostLink: catalog.link(named: "pcie3-x16")!), gpus: workers)
        let graph = try Planner.plan(setup, strategy: strategy)
        return try Executor(graph: graph, setup: setup, strategy: strategy, options: options).run()
    }

    /// The single worker's batch, in multiples of `perWorker` (set per test).
    var singleFor = 1

    /// max |a − b| / max |b| over every weight and bias tensor.
    static func difference(_ a: Executor.Outcome, _ b: Executor.Outcome) -> Double {
        var worst = 0.0
        for (i, w) in b.weights {
            for (x, y) in [(a.weights[i]!, w), (a.biases[i]!, b.biases[i]!)] {
                let scale = Double(y.map { abs($0) }.max() ?? 0)
                let diff = Double(zip(x, y).map { abs($0 - $1) }.max() ?? 0)
                worst = max(worst, diff / max(scale, 1e-12))
            }
        }
        return worst
    }

    /// One worker on k × 128 examples, computed once for the suite.
    static let references: [Int: Executor.Outcome] = Dictionary(uniqueKeysWithValues: [2, 4].map { k in
        var test = ExecutorTests()
        test.singleFor = k
        return (k, try! test.step(.data(), workers: 1))
    })

    func single(_ k: Int) throws -> Executor.Outcome { try #require(Self.references[k]) }

    /// Exchanges planned as a library's collectives relay other workers' slices around a
    /// ring, which `Operation` cannot name: the executor refuses them instead of running them wrong.
    @Test func collectiveExchangesAreRefused() throws {
        var setup = TrainingSetup(network: ExecutorValidation.smallCNN(), precision: .fp32, batchPerGPU: 8, gpus: 2)
        setup.modelParallelExchanges = .collectives
        for scheme in ExchangeScheme.allCases {
            let strategy = Strategy.hybrid(scheme: scheme, variant: .exact)
            let error = #expect(throws: ExecutorError.self) {
                try Executor(graph: try Planner.plan(setup, strategy: strategy), setup: setup, strategy: strategy)
            }
            #expect(error.map { "\($0)" }?.contains("collectives") == true)
        }
    }

    /// The executor trains one batch per step: a plan of several micro-batches per step
    /// (`accumulation_steps`) is refused, not run as if it were one.
    @Test func accumulatedMicroBatchesAreRefused() throws {
        var setup = TrainingSetup(network: ExecutorValidation.smallCNN(), precision: .fp32, batchPerGPU: 8, gpus: 2)
        setup.accumulationSteps = 2
        let strategy = Strategy.data()
        let error = #expect(throws: ExecutorError.self) {
            try Executor(graph: try Planner.plan(setup, strategy: strategy), setup: setup, strategy: strategy)
        }
        #expect(error.map { "\($0)" }?.contains("does not accumulate gradients over micro-batches") == true)
    }

    @Test(arguments: [2, 4])
    func exactHybridEqualsOneWorkerOnAllExamples(workers k: Int) throws {
        let reference = try single(k)
        for scheme in ExchangeScheme.allCases {
            let hybrid = try step(.hybrid(scheme: scheme, variant: .exact), workers: k)
            #expect(hybrid.replicasAgree)
            #expect(Self.difference(hybrid, reference) < 1e-5, "scheme \(scheme) on \(k) workers")
        }
    }

    /// Plain model parallelism: every layer split by output channels or units,
    /// slices all-gathered before each convolution and FC layer and partial input
    /// gradients reduce-scattered back. One exact step on K workers equals one step
    /// of one worker on all K × 128 examples; the approximate variant, which updates
    /// after each worker's 128, does not.
    @Test(arguments: [2, 4])
    func plainModelParallelEqualsOneWorkerOnAllExamples(workers k: Int) throws {
        let reference = try single(k)
        let model = try step(.model(variant: .exact), workers: k)
        #expect(Self.difference(model, reference) < 1e-5, "model parallel on \(k) workers")
        let approximate = try step(.model(variant: .approximate), workers: k)
        #expect(Self.difference(approximate, reference) > 1e-3)
    }

    @Test(arguments: [2, 4])
    func dataParallelEqualsOneWorkerOnAllExamples(workers k: Int) throws {
        let reference = try single(k)
        for algorithm in AllReduceAlgorithm.allCases {
            let strategy = Strategy.data(DataParallelOptions(algorithm: algorithm, bucketBytes: 20_000))
            // NCCL's tree is a fluid pipeline whose transfers carry no data, and a parameter
            // server in host memory needs the host memory the executor does not have: refused.
            if algorithm == .ncclTree || algorithm == .psHost {
                #expect(throws: ExecutorError.self) { try step(strategy, workers: k) }
                continue
            }
            let data = try step(strategy, workers: k)
            #expect(data.replicasAgree)
            #expect(Self.difference(data, reference) < 1e-5, "\(algorithm) on \(k) workers")
        }
    }

    /// NCCL's NVLS sums inside the NVSwitch, which the executor has nothing to run with:
    /// a plan with an NVLS collective is refused, naming the ring to use instead.
    @Test func nvlsIsRefused() throws {
        let catalog = try Catalog.builtIn()
        let cluster = ClusterSpec(gpu: catalog.gpu(named: "H100-SXM5")!, gpusPerNode: 2, fabric: .nvswitch(catalog.link(named: "nvlink4")!),
                                  network: nil, hostLink: catalog.link(named: "pcie5-x16")!)
        var setup = TrainingSetup(network: ExecutorValidation.smallCNN(), precision: .fp32, batchPerGPU: Self.perWorker, gpus: 2, steps: 1)
        setup.nccl = NCCLSystem(cluster: cluster, gpus: 2)
        let strategy = Strategy.data(DataParallelOptions(algorithm: .nccl, bucketBytes: 20_000))
        var graph = try Planner.plan(setup, strategy: strategy)
        #expect(throws: Never.self) { _ = try Executor(graph: graph, setup: setup, strategy: strategy) }
        graph.collectives.append(CollectivePlan(group: "nvls", bytes: 25e6, algorithm: .nccl, nccl: NCCLChoice(.nvls, .simple)))
        #expect(throws: ExecutorError.self) { _ = try Executor(graph: graph, setup: setup, strategy: strategy) }
    }

    /// The approximate variant updates the FC slices after every chunk of 128
    /// examples (4 updates per step, each averaging its own chunk), so its FC
    /// weights differ from the exact step's: by about half the largest FC bias at
    /// the default learning rate (biases start small and move most). The conv layers'
    /// gradients come back at the exact step's scale: with a learning rate small
    /// enough that the FC weights barely move within the step, the conv layers
    /// match the exact step while the FC layers still move about 4x as far.
    @Test func approximateDiffersAndTheTestSaysByHowMuch() throws {
        let reference = try single(4)
        let approximate = try step(.hybrid(scheme: .b, variant: .approximate), workers: 4)
        let difference = Self.difference(approximate, reference)
        #expect(difference > 0.1)
        #expect(difference < 1)

        var slow = Executor.Options()
        slow.learningRate = 1e-5
        slow.momentum = 0
        slow.weightDecay = 0
        var test = self
        test.singleFor = 4
        let exact = try test.step(.data(), workers: 1, options: slow)
        let initial = try test.step(.data(), workers: 1, options: { var o = slow; o.learningRate = 0; return o }())
        let approx = try step(.hybrid(scheme: .b, variant: .approximate), workers: 4, options: slow)
        func moved(_ run: Executor.Outcome, _ layer: Int) -> Double {
            zip(run.weights[layer]!, initial.weights[layer]!).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) }
        }
        let conv = moved(approx, 1) / moved(exact, 1), fc = moved(approx, 9) / moved(exact, 9)
        #expect(abs(conv - 1) < 0.01, "conv1 moved \(conv)x the exact step")
        #expect(abs(fc - 4) < 0.1, "fc2 moved \(fc)x the exact step")
    }

    /// Three steps in a row: buffers of one step must not leak into the next, and
    /// a worker that runs ahead must not mix its steps' data.
    @Test func severalStepsStillEqualOneWorker() throws {
        var reference = self
        reference.singleFor = 4
        let single = try reference.step(.data(), workers: 1, steps: 3, perWorker: 8)
        for strategy in [Strategy.hybrid(scheme: .a, variant: .exact), .hybrid(scheme: .b, variant: .exact),
                         .hybrid(scheme: .c, variant: .exact), .data(DataParallelOptions(algorithm: .ring, bucketBytes: 20_000)),
                         .data(DataParallelOptions(algorithm: .direct, bucketBytes: 0))] {
            let run = try step(strategy, workers: 4, steps: 3, perWorker: 8)
            #expect(run.replicasAgree)
            #expect(Self.difference(run, single) < 1e-5, "\(strategy.summary)")
        }
    }

    /// Across nodes (here 2 workers per node), the two-level algorithms leave the ring:
    /// hierarchical and halving-doubling still equal one worker; a parameter server,
    /// whose shards live in host memory, is refused.
    @Test func collectivesAcrossNodesEqualOneWorkerOrAreRefused() throws {
        let reference = try single(4)
        for algorithm in [AllReduceAlgorithm.hierarchical, .halvingDoubling, .parameterServer] {
            let strategy = Strategy.data(DataParallelOptions(algorithm: algorithm, bucketBytes: 20_000))
            var setup = TrainingSetup(network: ExecutorValidation.smallCNN(), precision: .fp32, batchPerGPU: Self.perWorker, gpus: 4, steps: 1)
            setup.gpusPerNode = 2
            let graph = try Planner.plan(setup, strategy: strategy)
            if algorithm == .parameterServer {
                #expect(throws: ExecutorError.self) { try Executor(graph: graph, setup: setup, strategy: strategy) }
                continue
            }
            #expect(graph.tasks.contains { $0.label.contains(algorithm == .hierarchical ? "inter-node ring" : "halving-doubling") })
            let run = try Executor(graph: graph, setup: setup, strategy: strategy).run()
            #expect(run.replicasAgree)
            #expect(Self.difference(run, reference) < 1e-5, "\(algorithm) across 2 nodes")
        }
    }

    @Test func unsupportedPlansAreRefused() throws {
        let setup = TrainingSetup(network: ExecutorValidation.smallCNN(), precision: .fp32, batchPerGPU: 8, gpus: 2, steps: 1)
        #expect(throws: ExecutorError.self) {
            try Executor(graph: try Planner.plan(setup, strategy: .data(), fidelity: .aggregated), setup: setup, strategy: .data())
        }
        var tiny = NetworkBuilder(name: "few-units", input: TensorShape(channels: 1, height: 4, width: 4))
        try tiny.conv("conv", out: 2, kernel: 3, pad: 1); try tiny.fc("fc1", units: 8); try tiny.fc("fc2", units: 2); try tiny.softmax("loss")
        let few = TrainingSetup(network: try tiny.finish(), precision: .fp32, batchPerGPU: 4, gpus: 4, steps: 1)
        let hybrid = Strategy.hybrid(scheme: .a, variant: .exact)
        // A layer of fewer units than GPUs: the planner refuses the split before the executor sees a plan.
        #expect(throws: ModelError.self) { try Planner.plan(few, strategy: hybrid) }
        let resnet = TrainingSetup(network: try #require(Zoo.model(named: "resnet50")), precision: .fp32, batchPerGPU: 1, gpus: 1, steps: 1)
        #expect(throws: ExecutorError.self) { try Executor(graph: try Planner.plan(resnet, strategy: .data()), setup: resnet, strategy: .data()) }
    }

    /// The layer kinds of MobileNet and EfficientNet (grouped convolutions, hard
    /// swish, SiLU...) are simulated only: the executor names the layer and refuses.
    @Test func groupedConvolutionsAndNewActivationsAreRefusedByName() throws {
        func refusal(_ build: (inout NetworkBuilder) throws -> Void) throws -> String {
            var b = NetworkBuilder(name: "t", input: TensorShape(channels: 4, height: 8, width: 8))
            try build(&b)
            try b.fc("fc", units: 4); try b.softmax("loss")
            let setup = TrainingSetup(network: try b.finish(), precision: .fp32, batchPerGPU: 2, gpus: 1, steps: 1)
            do {
                _ = try Executor(graph: try Planner.plan(setup, strategy: .data()), setup: setup, strategy: .data())
                return "accepted"
            } catch let error as ExecutorError {
                return error.message
            }
        }
        let depthwise = try refusal { try $0.conv("dw", out: 4, kernel: 3, pad: 1, groups: 4) }
        #expect(depthwise.contains("dw, a grouped convolution (4 groups)"))
        let hardSwish = try refusal { try $0.conv("c", out: 4, kernel: 3, pad: 1); try $0.activation("hs", .hardSwish) }
        #expect(hardSwish.contains("hs (hardswish)") && hardSwish.contains("simulated only"))
    }
}
