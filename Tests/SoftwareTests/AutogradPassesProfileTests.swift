import Foundation
import Parallelism
import Scenario
import ScaleCastCLI
import Software
import Testing
import Workload

/// `inplace_activation_clone:` and `broadcast_grad_sum_to:`: eager PyTorch's autograd
/// passes, in the planned tasks' bytes and kernels, and only under the PyTorch profiles.
@Suite struct AutogradPassesProfileTests {
    /// conv 3→4 (3x3, pad 1) on 8x8, batch norm, SiLU in place, squeeze-and-excitation
    /// (SiLU not in place, sigmoid gate) scaling the 4x8x8 map, FC 10, softmax.
    static func network() throws -> Network {
        var b = NetworkBuilder(name: "tiny-mbconv", input: TensorShape(channels: 3, height: 8, width: 8))
        let x = try b.convNormActivation("c", out: 4, kernel: 3, activation: .activation(.silu))
        // torchvision's SqueezeExcitation, module by module, with its default `activation()`, not in place.
        try b.adaptiveAvgPool("se.avgpool", from: x, height: 1, width: 1)
        try b.conv("se.fc1", out: 2, kernel: 1)
        try b.activation("se.activation", .silu)
        try b.conv("se.fc2", out: 4, kernel: 1)
        let gate = try b.activation("se.scale_activation", .sigmoid)
        try b.channelScale("se.scale", x, gate: gate)
        try b.fc("fc", units: 10)
        try b.softmax("loss")
        return try b.finish()
    }

    /// The first step's task of `kind` for the layer called `name`, planned on one GPU.
    func task(_ kind: TaskGraph.Kind, _ name: String, autograd: AutogradPasses) throws -> (bytes: Double, kernels: Int) {
        let net = try Self.network()
        var setup = TrainingSetup(network: net, precision: .fp32, batchPerGPU: 2, gpus: 1)
        setup.autograd = autograd
        let graph = try Planner.plan(setup, strategy: .data())
        let index = try #require(net.index(of: name))
        let task = try #require(graph.tasks.first { $0.layer == index && $0.kind == kind && $0.step == 0 })
        guard case .compute(let work) = task.work else { Issue.record("not a compute task"); return (0, 0) }
        return (work.memoryBytes, work.kernels)
    }

    /// Batch 2, fp32. SiLU forward: read and write 4·8·8 = 256 elements per example,
    /// 2 · 256 · 2 · 4 = 4,096 bytes; the clone as much again, in a second kernel.
    @Test func theCloneDoublesTheInPlaceSiLUsForwardBytes() throws {
        let plain = try task(.forward, "c.2", autograd: .none)
        #expect(plain.bytes == 4096 && plain.kernels == 1)
        let eager = try task(.forward, "c.2", autograd: AutogradPasses(clonesInPlaceActivationInput: true))
        #expect(eager.bytes == 8192 && eager.kernels == 2)
        // Backward is untouched, and the SE's own SiLU (2 elements, not in place) too.
        #expect(try task(.backward, "c.2", autograd: AutogradPasses(clonesInPlaceActivationInput: true)) == task(.backward, "c.2", autograd: .none))
        #expect(try task(.forward, "se.activation", autograd: AutogradPasses(clonesInPlaceActivationInput: true)).kernels == 1)
    }

    /// Scale backward, x = 256 elements and C = 4 per example, batch 2, 4 bytes:
    /// fused (3 · 256 + 2 · 4) · 8 = 6,208 bytes in one kernel; eager
    /// dx = dy·gate (2 · 256 + 4), the product dy·x (3 · 256), sum_to (256 + 4):
    /// (6 · 256 + 2 · 4) · 8 = 12,352 bytes in three kernels.
    @Test func sumToDoublesTheScalesBackwardBytes() throws {
        let plain = try task(.backward, "se.scale", autograd: .none)
        #expect(plain.bytes == 6208 && plain.kernels == 1)
        let eager = try task(.backward, "se.scale", autograd: AutogradPasses(reducesBroadcastGradient: true))
        #expect(eager.bytes == 12352 && eager.kernels == 3)
        #expect(try task(.forward, "se.scale", autograd: AutogradPasses(reducesBroadcastGradient: true)) == task(.forward, "se.scale", autograd: .none))
    }

    func run(_ software: String) throws -> RunSpec {
        try Scenario.load(path: try temporaryScenario(oneGPUScenario(model: "efficientnet_b0", software: software))).runs[0]
    }

    /// The eager PyTorch profiles run both passes and keep max-pool indices, and those of
    /// PyTorch 1.10 and later clone an in-place ReLU6 (DLE's 21.03 container is 1.8); the
    /// compiled one, ideal, and the TensorFlow, MXNet, Caffe and cuda-convnet2 stacks run none.
    @Test func onlyEagerPyTorchProfilesRunThem() throws {
        let eager = AutogradPasses(clonesInPlaceActivationInput: true, reducesBroadcastGradient: true,
                                   clonesInPlaceReLU6Input: true, keepsMaxPoolIndices: true)
        for name in ["pytorch-ddp", "pytorch-ddp-dataloader", "torchvision-dataloader"] {
            #expect(try run(name).setup(gpus: 1).autograd == eager, "\(name)")
        }
        var older = eager
        older.clonesInPlaceReLU6Input = false
        #expect(try run("dle-pytorch-21.03").setup(gpus: 1).autograd == older)
        let catalog = try ProfileCatalog.builtIn()
        for profile in catalog.profiles where !["pytorch-ddp", "pytorch-ddp-dataloader", "torchvision-dataloader", "dle-pytorch-21.03"].contains(profile.name) {
            #expect(profile.autograd == .none, "\(profile.name)")
        }
        for name in ["ideal", "pytorch-compiled", "tensorflow-1", "mxnet-horovod", "caffe-p2psync", "cuda-convnet2"] {
            #expect(try run(name).setup(gpus: 1).autograd == .none, "\(name)")
        }
    }

    /// On EfficientNet-B0 the passes lengthen the step, each on its own; under a
    /// non-PyTorch profile the same scenario is as without them.
    @Test func thePassesLengthenEfficientNetsStep() throws {
        func step(_ software: String) throws -> Double {
            try ScenarioRunner.simulate(try run(software), gpus: 1).metrics.stepSeconds
        }
        let eager = try step("torchvision-dataloader")
        let none = try step("{profile: torchvision-dataloader, inplace_activation_clone: false, broadcast_grad_sum_to: false}")
        let cloneOnly = try step("{profile: torchvision-dataloader, broadcast_grad_sum_to: false}")
        let sumToOnly = try step("{profile: torchvision-dataloader, inplace_activation_clone: false}")
        #expect(none < cloneOnly && cloneOnly < eager)
        #expect(none < sumToOnly && sumToOnly < eager)
        #expect(try step("ideal") == step("{profile: ideal, inplace_activation_clone: false}"))
        #expect(try step("{profile: ideal, inplace_activation_clone: true}") > step("ideal"))
    }

    /// `explain` names the layers the passes touch, and says nothing where they touch none.
    @Test func explainCountsTheClonesAndReductions() throws {
        let efficientNet = try temporaryScenario(oneGPUScenario(model: "efficientnet_b0", software: "torchvision-dataloader"))
        let out = CLI.execute(["explain", efficientNet, "--gpus", "1", "--top", "1"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("eager autograd: 49 in-place activations copy their input before the forward"))
        #expect(out.stdout.contains("16 channel scales write their gate's gradient full size and sum it with sum_to"))
        let resnet = try temporaryScenario(oneGPUScenario(model: "resnet50", software: "torchvision-dataloader"))
        let pooled = CLI.execute(["explain", resnet, "--gpus", "1", "--top", "1"])
        #expect(pooled.exitCode == 0 && pooled.stdout.contains("eager autograd: 1 max pool keeps an int64 index per output element ("))
        // MobileNet v2 has no max pool, and PyTorch 1.8 (DLE's 21.03) did not clone its in-place ReLU6s.
        let mobile = try temporaryScenario(oneGPUScenario(model: "mobilenet_v2", software: "dle-pytorch-21.03"))
        let plain = CLI.execute(["explain", mobile, "--gpus", "1", "--top", "1"])
        #expect(plain.exitCode == 0 && !plain.stdout.contains("eager autograd"))
        let cloned = try temporaryScenario(oneGPUScenario(model: "mobilenet_v2", software: "pytorch-ddp"))
        #expect(CLI.execute(["explain", cloned, "--gpus", "1", "--top", "1"]).stdout
            .contains("eager autograd: 35 in-place activations copy their input before the forward"))
    }

    @Test func badValuesAreLocated() throws {
        let path = try temporaryScenario(scenario(extra: "software: {profile: pytorch-ddp, inplace_activation_clone: sometimes}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains("software.inplace_activation_clone"))
        let other = try temporaryScenario(scenario(extra: "software: {profile: pytorch-ddp, broadcast_grad_sum_to: 3}"))
        let second = CLI.execute(["simulate", other])
        #expect(second.exitCode == 2 && second.stderr.contains("software.broadcast_grad_sum_to"))
        for key in ["inplace_relu6_clone", "max_pool_indices"] {
            let bad = try temporaryScenario(scenario(extra: "software: {profile: pytorch-ddp, \(key): 1.5}"))
            let out = CLI.execute(["simulate", bad])
            #expect(out.exitCode == 2 && out.stderr.contains("software.\(key)"), "\(key)")
        }
    }
}
