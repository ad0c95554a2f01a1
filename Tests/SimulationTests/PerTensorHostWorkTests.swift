import Parallelism
import Testing
import Workload

/// Eager PyTorch's per-parameter-tensor work (`ScheduleMechanisms`: `ddp_bucket_copies`,
/// `update_kernels_per_tensor`, `optimizer_every_images`): the kernels the planner
/// gives the backward and update tasks, which the host thread pays a launch for.
@Suite struct PerTensorHostWorkTests {
    /// ResNet-18: 20 convolutions without biases, 20 batch norms (2 tensors each), a
    /// classifier with a bias: 62 parameter tensors.
    static let tensors = 62

    func graph(gpus: Int, copies: Bool = false, perTensor: Int = 0, optimizerEvery: Int? = nil, zeroed: Bool = false,
               accumulation: Int = 1, optimizerStep: Bool = true) throws -> TaskGraph {
        var setup = TrainingSetup(network: try #require(Zoo.model(named: "resnet18")), precision: .fp32, batchPerGPU: 32,
                                  gpus: gpus, steps: 1)
        setup.ddpBucketCopies = copies
        setup.updateKernelsPerTensor = perTensor
        setup.optimizerEveryImages = optimizerEvery
        setup.gradsZeroed = zeroed
        setup.accumulationSteps = accumulation
        setup.optimizerStep = optimizerStep
        return try Planner.plan(setup, strategy: .data(DataParallelOptions(bucketBytes: nil)))
    }

    func kernels(_ graph: TaskGraph, _ kind: TaskGraph.Kind, device: Int = 0) -> Int {
        graph.tasks.filter { $0.kind == kind && $0.device == device }.reduce(0) { total, task in
            guard case .compute(let work) = task.work else { return total }
            return total + work.kernels
        }
    }

    func bytes(_ graph: TaskGraph, _ kind: TaskGraph.Kind, device: Int = 0) -> Double {
        graph.tasks.filter { $0.kind == kind && $0.device == device }.reduce(0) { total, task in
            guard case .compute(let work) = task.work else { return total }
            return total + work.memoryBytes
        }
    }

    func updateWork(_ graph: TaskGraph) throws -> ComputeWork {
        let task = try #require(graph.tasks.first { $0.kind == .update && $0.device == 0 })
        guard case .compute(let work) = task.work else { throw TestFailure() }
        return work
    }
    struct TestFailure: Error {}

    @Test func theNetworkHasTheTensorsCounted() throws {
        let net = try #require(Zoo.model(named: "resnet18"))
        #expect(net.layers.reduce(0) { $0 + $1.kind.parameterTensors } == Self.tensors)
    }

    /// DDP copies each tensor's gradient into its bucket on backward and back on the
    /// update: one kernel per tensor each way, on more than one GPU only.
    @Test func bucketCopiesAddOneKernelPerTensorEachWay() throws {
        let plain = try graph(gpus: 2), copied = try graph(gpus: 2, copies: true)
        #expect(kernels(copied, .backward) - kernels(plain, .backward) == Self.tensors)
        #expect(kernels(copied, .update) - kernels(plain, .update) == Self.tensors)
        // One GPU all-reduces nothing: no copies.
        #expect(kernels(try graph(gpus: 1, copies: true), .backward) == kernels(try graph(gpus: 1), .backward))
        #expect(kernels(try graph(gpus: 1, copies: true), .update) == kernels(try graph(gpus: 1), .update))
    }

    /// A per-tensor optimizer launches that many kernels per tensor instead of one per bucket.
    @Test func aPerTensorOptimizerLaunchesPerTensor() throws {
        #expect(kernels(try graph(gpus: 2), .update) == 1)
        #expect(kernels(try graph(gpus: 2, perTensor: 4), .update) == 4 * Self.tensors)
        #expect(kernels(try graph(gpus: 1, perTensor: 4), .update) == 4 * Self.tensors)
    }

    /// Gradients zeroed rather than freed (PyTorch before 2.0): the optimizer step also
    /// launches a zero kernel per tensor, writing each gradient once (4 bytes an element in
    /// fp32), and every backward adds each new gradient into the zeroed one: a kernel per
    /// tensor reading both and writing the sum. ResNet-18 has 11,689,512 parameters.
    @Test func zeroedGradientsAddAZeroKernelAndAnAddPerTensor() throws {
        let parameters = 11_689_512.0
        let plain = try graph(gpus: 1, perTensor: 4), zeroed = try graph(gpus: 1, perTensor: 4, zeroed: true)
        #expect(kernels(zeroed, .update) - kernels(plain, .update) == Self.tensors)
        #expect(abs(bytes(zeroed, .update) - bytes(plain, .update) - 4 * parameters) < 1)
        #expect(kernels(zeroed, .backward) - kernels(plain, .backward) == Self.tensors)
        #expect(abs(bytes(zeroed, .backward) - bytes(plain, .backward) - 3 * 4 * parameters) < 1)
        // Zeroing comes with the optimizer step: once per four global batches, a quarter of the kernels;
        // the adds stay every backward's.
        let quarter = try graph(gpus: 1, perTensor: 4, optimizerEvery: 4 * 32, zeroed: true)
        #expect(kernels(quarter, .update) == Int((Double(5 * Self.tensors) / 4).rounded()))
        #expect(kernels(quarter, .backward) == kernels(zeroed, .backward))
        // Horovod's gradient-ready estimates read the same backward work as the plan.
        var setup = TrainingSetup(network: try #require(Zoo.model(named: "resnet18")), precision: .fp32, batchPerGPU: 32, gpus: 1, steps: 1)
        let conv = try #require(setup.network.layers.firstIndex { $0.kind.parameterTensors > 0 })
        let before = Planner.dataBackwardWork(ofLayer: conv, setup: setup)
        setup.gradsZeroed = true
        #expect(Planner.dataBackwardWork(ofLayer: conv, setup: setup).kernels == before.kernels + setup.network.layers[conv].kind.parameterTensors)
        // Under gradient accumulation the first micro-batch adds too, into the zeroed gradients.
        let accumulated = try graph(gpus: 1, accumulation: 2), accumulatedZeroed = try graph(gpus: 1, zeroed: true, accumulation: 2)
        #expect(kernels(accumulatedZeroed, .backward) - kernels(accumulated, .backward) == Self.tensors)
    }

    /// Stepping once per four global batches charges each step a quarter of the
    /// optimizer, kernels rounded; the bucket copies stay every step's.
    @Test func anOptimizerBatchAmortizesTheOptimizerNotTheCopies() throws {
        let every = try updateWork(try graph(gpus: 2, perTensor: 4))
        let quarter = try updateWork(try graph(gpus: 2, perTensor: 4, optimizerEvery: 4 * 2 * 32))
        #expect(quarter.kernels == Self.tensors)
        #expect(abs(quarter.flops - every.flops / 4) < 1e-6 * every.flops)
        #expect(abs(quarter.memoryBytes - every.memoryBytes / 4) < 1e-6 * every.memoryBytes)
        let withCopies = try updateWork(try graph(gpus: 2, copies: true, perTensor: 4, optimizerEvery: 4 * 2 * 32))
        #expect(withCopies.kernels == Self.tensors + Self.tensors)
        // An optimizer batch no larger than the global batch: every step.
        #expect(try updateWork(try graph(gpus: 2, perTensor: 4, optimizerEvery: 32)).kernels == 4 * Self.tensors)
    }

    /// A benchmark that times forward and backward only (`optimizer_step: false`) is
    /// charged no optimizer and no `zero_grad`, however often the optimizer would step; the
    /// backward keeps its work and the bucket copies stay every step's.
    @Test func withoutAnOptimizerStepTheUpdateCostsNothing() throws {
        for (gpus, every) in [(1, nil), (2, 4 * 2 * 32)] as [(Int, Int?)] {
            let none = try updateWork(try graph(gpus: gpus, perTensor: 4, optimizerEvery: every, zeroed: true, optimizerStep: false))
            #expect(none.kernels == 0 && none.flops == 0 && none.memoryBytes == 0, "\(gpus) GPUs")
        }
        let plain = try graph(gpus: 1, zeroed: true), timed = try graph(gpus: 1, zeroed: true, optimizerStep: false)
        #expect(kernels(timed, .backward) == kernels(plain, .backward) && bytes(timed, .backward) == bytes(plain, .backward))
        let copies = try updateWork(try graph(gpus: 2, copies: true, optimizerStep: false))
        #expect(copies.kernels == Self.tensors)
    }
}
