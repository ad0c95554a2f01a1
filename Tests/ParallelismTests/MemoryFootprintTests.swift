@testable import Parallelism
import Testing
import Workload

/// `MemoryFootprint.estimate` on a net small enough to sum by hand.
@Suite struct MemoryFootprintTests {
    /// 3x8x8 input; conv 3x3 to 4 channels, pad 1, with bias: 4·3·9 + 4 = 112 parameters,
    /// 4·8·8 = 256 outputs kept; ReLU in place (nothing kept); fc to 10 with bias:
    /// 256·10 + 10 = 2,570 parameters, 10 kept; softmax: 10 kept. 2,682 parameters,
    /// 276 activations plus the 192-element image per example.
    static func tinyNet() throws -> Network {
        var b = NetworkBuilder(name: "tiny", input: TensorShape(channels: 3, height: 8, width: 8))
        try b.conv("conv", out: 4, kernel: 3, pad: 1)
        try b.relu("relu")
        try b.fc("fc", units: 10)
        try b.softmax("loss")
        return try b.finish()
    }

    static let parameters = 2_682.0
    static let keptPerExample = 276.0 + 192.0

    func footprint(gpus: Int, precision: Precision = .fp32, copies: Bool = false, gradientBytes: Int? = nil) throws -> MemoryFootprint {
        var setup = TrainingSetup(network: try Self.tinyNet(), precision: precision, batchPerGPU: 2, gpus: gpus)
        setup.ddpBucketCopies = copies
        if let gradientBytes { setup.gradientBytesPerElement = gradientBytes }
        return try MemoryFootprint.estimate(setup, strategy: .data(), reservedBytes: 1_000)
    }

    /// fp32: weight, gradient and momentum, 12 bytes a parameter; 4-byte activations
    /// for the batch of 2; the reserve as given; nothing else without DDP's buckets.
    @Test func fp32SumsByHand() throws {
        let f = try footprint(gpus: 2)
        #expect(f.weightStateBytes == Self.parameters * 12)
        #expect(f.activationBytes == Self.keptPerExample * 2 * 4)
        #expect(f.gradientBucketBytes == 0 && f.workspaceBytes == 0)
        #expect(f.totalBytes == 32_184 + 3_744 + 1_000)
    }

    /// Mixed precision: half weight and gradient, fp32 master and momentum (12 bytes),
    /// 2-byte activations.
    @Test func mixedPrecisionSumsByHand() throws {
        let f = try footprint(gpus: 1, precision: .fp16)
        #expect(f.weightStateBytes == Self.parameters * 12)
        #expect(f.activationBytes == Self.keptPerExample * 2 * 2)
    }

    /// DDP's buckets hold every gradient a second time, in the gradients' dtype on the
    /// wire, where gradients are copied into them on more than one GPU.
    @Test func ddpBucketsHoldTheGradientsAgain() throws {
        #expect(try footprint(gpus: 2, copies: true).gradientBucketBytes == Self.parameters * 4)
        #expect(try footprint(gpus: 2, copies: true).totalBytes == 32_184 + 3_744 + 1_000 + 10_728)
        #expect(try footprint(gpus: 2, precision: .fp16, copies: true, gradientBytes: 4).gradientBucketBytes == Self.parameters * 4)
        #expect(try footprint(gpus: 2, precision: .fp16, copies: true).gradientBucketBytes == Self.parameters * 2)
        // One GPU all-reduces nothing; without the copies the gradients are the buckets.
        #expect(try footprint(gpus: 1, copies: true).gradientBucketBytes == 0)
        #expect(try footprint(gpus: 8).gradientBucketBytes == 0)
    }

    /// Horovod's fusion buffer: the threshold's bytes on every GPU of a run of more than one,
    /// whatever the model (allocated once and kept); none on one GPU or without fusion.
    @Test func theFusionBufferIsHeldOnEveryGPU() throws {
        func fused(gpus: Int) throws -> MemoryFootprint {
            var setup = TrainingSetup(network: try Self.tinyNet(), precision: .fp32, batchPerGPU: 2, gpus: gpus)
            setup.tensorFusion = TensorFusion(cycleSeconds: 5e-3, thresholdBytes: 64 * 1_048_576, startDelaySeconds: 0,
                                              readySeconds: [:], copyBytesPerSecond: 1e12)
            return try MemoryFootprint.estimate(setup, strategy: .data(), reservedBytes: 1_000)
        }
        #expect(try fused(gpus: 2).fusionBufferBytes == 64 * 1_048_576)
        #expect(try fused(gpus: 2).totalBytes == 32_184 + 3_744 + 1_000 + 64 * 1_048_576)
        #expect(try fused(gpus: 1).fusionBufferBytes == 0 && (try footprint(gpus: 2)).fusionBufferBytes == 0)
    }

    /// Autocast's copies: 2 bytes per convolution and fully connected weight, biases
    /// aside (conv 108, fc 2,560), in fp16 or bf16 only.
    @Test func autocastCopiesTheWeightsOnceAtTwoBytes() throws {
        func copies(_ precision: Precision, gpus: Int = 1) throws -> Double {
            var setup = TrainingSetup(network: try Self.tinyNet(), precision: precision, batchPerGPU: 2, gpus: gpus)
            setup.autocastWeightCopies = true
            let f = try MemoryFootprint.estimate(setup, strategy: .data(), reservedBytes: 0)
            #expect(f.totalBytes == f.weightStateBytes + f.activationBytes + f.autocastCopyBytes)
            return f.autocastCopyBytes
        }
        #expect(try copies(.bf16) == 2 * (108 + 2_560))
        #expect(try copies(.fp16, gpus: 4) == 2 * (108 + 2_560))
        #expect(try copies(.fp32) == 0 && copies(.tf32) == 0)
        #expect(try footprint(gpus: 1, precision: .bf16).autocastCopyBytes == 0)
    }

    /// What eager autograd keeps beyond the layers' own outputs, on conv 3→4 (3x3, pad 1)
    /// on 8x8, an in-place ReLU6, a 2x2 max pool of stride 2, fc 10, softmax. Kept per
    /// example without it: conv 256, pool 64, fc 10, loss 10, the image 192: 532 elements.
    /// The ReLU6's copy adds 256 elements (at the precision's bytes), the pool's 64 int64
    /// indices 512 bytes (at 8 bytes in any precision). Batch 2.
    @Test func eagerAutogradKeepsTheReLU6CopyAndThePoolsIndices() throws {
        var b = NetworkBuilder(name: "tiny-pool", input: TensorShape(channels: 3, height: 8, width: 8))
        try b.conv("conv", out: 4, kernel: 3, pad: 1)
        try b.activation("relu6", .relu6, inPlace: true)
        try b.maxPool("pool", kernel: 2, stride: 2)
        try b.fc("fc", units: 10)
        try b.softmax("loss")
        let net = try b.finish()
        func activations(_ precision: Precision, _ autograd: AutogradPasses) throws -> Double {
            var setup = TrainingSetup(network: net, precision: precision, batchPerGPU: 2, gpus: 1)
            setup.autograd = autograd
            return try MemoryFootprint.estimate(setup, strategy: .data(), reservedBytes: 0).activationBytes
        }
        let eager = AutogradPasses(clonesInPlaceReLU6Input: true, keepsMaxPoolIndices: true)
        #expect(try activations(.fp32, .none) == 532 * 2 * 4)
        #expect(try activations(.fp32, eager) == (532 + 256) * 2 * 4 + 512 * 2)
        #expect(try activations(.fp16, eager) == (532 + 256) * 2 * 2 + 512 * 2)
        #expect(try activations(.fp16, AutogradPasses(keepsMaxPoolIndices: true)) == 532 * 2 * 2 + 512 * 2)
        // Hybrid (b) from fc on 2 GPUs: the conv, ReLU6 and pool are data parallel, as above; fc and the
        // loss hold half their 20 kept elements per example for the chunk of 2 examples, the 64
        // boundary activations of the whole global batch of 4 are resident, and the loss keeps
        // fc's gathered output whole (the other half of its 10 a example).
        var setup = TrainingSetup(network: net, precision: .fp32, batchPerGPU: 2, gpus: 2)
        setup.autograd = eager
        let hybrid = try MemoryFootprint.estimate(setup, strategy: .hybrid(scheme: .b, variant: .exact, from: "fc"), reservedBytes: 0)
        let dataParallel: Double = (256 + 64 + 192 + 256) * 2 * 4 + 512 * 2
        let modelParallel: Double = 20 * 2 * 4 / 2, boundary: Double = 64 * 4 * 4, gathered: Double = 10 * 2 * 4 / 2
        #expect(hybrid.activationBytes == dataParallel + modelParallel + boundary + gathered)
    }

    /// conv (4 x 8 x 8) -> fc1 (16) -> ReLU -> fc2 (10) -> softmax, model-parallel from fc1 on
    /// two workers, scheme (b), batch 2: fc2 all-gathers fc1's sliced output (16 a example) and
    /// the loss fc2's (10); with the loss on worker 0, fc2 onwards runs whole there, fc2's input
    /// gathered to it alone.
    @Test func gatheredInputsAndTheLossOnWorkerZeroCount() throws {
        var b = NetworkBuilder(name: "two-fc", input: TensorShape(channels: 3, height: 8, width: 8))
        try b.conv("conv", out: 4, kernel: 3, pad: 1)
        try b.relu("relu")
        try b.fc("fc1", units: 16)
        try b.relu("relu1")
        try b.fc("fc2", units: 10)
        try b.softmax("loss")
        let net = try b.finish()
        let fc1 = try #require(net.index(of: "fc1")), fc2 = try #require(net.index(of: "fc2")), loss = try #require(net.index(of: "loss"))
        #expect(LayerwisePlanner.gatheredLayers(net, split: fc1, tail: nil) == [fc2, loss])
        #expect(LayerwisePlanner.tailOnFirstWorker(net, split: fc1, workers: 2, lossOnFirstWorker: true) == fc2)
        #expect(LayerwisePlanner.gatheredLayers(net, split: fc1, tail: fc2) == [fc2])
        func footprint(lossOnFirst: Bool) throws -> MemoryFootprint {
            var setup = TrainingSetup(network: net, precision: .fp32, batchPerGPU: 2, gpus: 2)
            setup.lossOnFirstWorker = lossOnFirst
            return try MemoryFootprint.estimate(setup, strategy: .hybrid(scheme: .b, variant: .exact, from: "fc1"), reservedBytes: 0)
        }
        let spread = try footprint(lossOnFirst: false), first = try footprint(lossOnFirst: true)
        // Worker 0 holds fc2 (170 parameters) whole: the other half of its 12 bytes a parameter.
        #expect(first.weightStateBytes - spread.weightStateBytes == 170 * 12 * 0.5)
        // Gathered inputs, kept whole (the other half of each, 4 bytes, 2 examples): 16 + 10 spread,
        // 16 on worker 0 with the loss; and there fc2's and the loss's own outputs (10 + 10) whole.
        let gathered: Double = (16 - 26) * 4 * 2 * 0.5, tailOutputs: Double = 20 * 4 * 2 * 0.5
        #expect(first.activationBytes - spread.activationBytes == gathered + tailOutputs)
        // In fp16 with autocast, worker 0 also keeps the 2-byte copy of fc2's 160 weights whole.
        func copies(lossOnFirst: Bool) throws -> Double {
            var setup = TrainingSetup(network: net, precision: .fp16, batchPerGPU: 2, gpus: 2)
            setup.lossOnFirstWorker = lossOnFirst
            setup.autocastWeightCopies = true
            return try MemoryFootprint.estimate(setup, strategy: .hybrid(scheme: .b, variant: .exact, from: "fc1"), reservedBytes: 0)
                .autocastCopyBytes
        }
        #expect(try copies(lossOnFirst: true) - copies(lossOnFirst: false) == 2 * 160 * 0.5)
    }

    /// A hybrid all-reduces only its data-parallel layers' gradients: the conv's 112.
    @Test func aHybridBucketsOnlyItsDataParallelLayers() throws {
        var setup = TrainingSetup(network: try Self.tinyNet(), precision: .fp32, batchPerGPU: 2, gpus: 2)
        setup.ddpBucketCopies = true
        let f = try MemoryFootprint.estimate(setup, strategy: .hybrid(scheme: .b, variant: .exact, from: "fc"), reservedBytes: 0)
        #expect(f.gradientBucketBytes == 112 * 4)
    }
}
