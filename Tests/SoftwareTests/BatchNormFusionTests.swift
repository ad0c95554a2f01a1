import Foundation
import Parallelism
import Scenario
import ScaleCastCLI
import Software
import Testing
import Workload

/// `fused_batchnorm:`: which layers run inside batch norm kernels, and what that saves.
@Suite struct BatchNormFusionTests {
    let resnet = Zoo.model(named: "resnet50")!

    func count(_ kind: (LayerKind) -> Bool) -> Int { resnet.layers.filter { kind($0.kind) }.count }

    /// ResNet-50: every ReLU right after a batch norm goes into it (the stem's and
    /// two per bottleneck: 1 + 16 × 2 = 33); with the residual add, each of the 16
    /// blocks' add and final ReLU go too, and one batch norm per block reads the addend.
    @Test func resNet50FusesWhatCuDNNCan() {
        let bnReLU = FusionPlan(network: resnet, fusion: .bnReLU)
        #expect(bnReLU.absorbed.count == 33)
        #expect(bnReLU.addendElements.isEmpty)
        #expect(bnReLU.absorbed.allSatisfy { if case .relu = resnet.layers[$0].kind { return true } else { return false } })
        let full = FusionPlan(network: resnet, fusion: .bnAddReLU)
        #expect(full.absorbed.count == 33 + 16 * 2)
        #expect(full.addendElements.count == 16)
        for (bn, elements) in full.addendElements {
            guard case .batchNorm = resnet.layers[bn].kind else { Issue.record("\(resnet.layers[bn].name) is not a batch norm"); continue }
            #expect(elements == resnet.layers[bn].outputShape.elements)
        }
        #expect(FusionPlan(network: resnet, fusion: .none) == .none)
        // AlexNet has no batch norm: nothing to fuse.
        #expect(FusionPlan(network: Zoo.model(named: "alexnet-owt")!, fusion: .bnAddReLU) == .none)
    }

    /// XLA fuses forward what `bn-add-relu` does; backward it keeps every ReLU's
    /// gradient and writes no addend gradient from the batch norm.
    @Test func xlaFusesTheForwardOnly() {
        let full = FusionPlan(network: resnet, fusion: .bnAddReLU)
        let xla = FusionPlan(network: resnet, fusion: .xla)
        #expect(xla.absorbed == full.absorbed)
        #expect(xla.addendElements == full.addendElements)
        #expect(full.absorbedBackward == full.absorbed && full.writesAddendGradient)
        #expect(!xla.writesAddendGradient)
        #expect(xla.absorbedBackward.count == 16)
        #expect(xla.absorbedBackward.allSatisfy { if case .add = resnet.layers[$0].kind { return true } else { return false } })
        for bn in xla.addendElements.keys {
            #expect(xla.addendElements(of: bn, backward: false) == full.addendElements(of: bn, backward: false))
            #expect(xla.addendElements(of: bn, backward: true) == 0 && full.addendElements(of: bn, backward: true) > 0)
        }
    }

    /// A batch norm whose output something else also reads cannot take the ReLU in.
    @Test func aSharedBatchNormOutputIsNotFused() throws {
        var b = NetworkBuilder(name: "shared", input: TensorShape(channels: 8, height: 8, width: 8))
        try b.conv("conv", out: 8, kernel: 3, pad: 1)
        let bn = try b.add("bn", .batchNorm)
        try b.add("relu", .relu, inputs: [bn])
        try b.add("other", .relu, inputs: [bn])
        let net = try b.finish()
        #expect(FusionPlan(network: net, fusion: .bnAddReLU).absorbed.isEmpty)
    }

    func run(_ fusion: String, precision: String = "fp16") throws -> ScenarioRunner.Outcome {
        let text = oneGPUScenario(model: "resnet50", precision: precision, software: "{profile: ideal, fused_batchnorm: \(fusion)}")
        let s = try Scenario.load(path: try temporaryScenario(text))
        return try ScenarioRunner.simulate(s.runs[0], gpus: 1)
    }

    /// Fused layers launch no kernels of their own, and each fusion shortens the step:
    /// the ReLU's and the add's reads and writes of whole activation tensors are gone.
    @Test func fusionRemovesTasksAndShortensTheStep() throws {
        let none = try run("none"), bnReLU = try run("bn-relu"), full = try run("bn-add-relu")
        func tasks(_ o: ScenarioRunner.Outcome) -> Int { o.graph.tasks.count }
        #expect(tasks(none) - tasks(bnReLU) == 33 * 2 * 3)   // forward and backward, three steps
        // The add has no backward task (its gradient passes through): per step 16 adds
        // forward and 16 ReLUs forward and backward.
        #expect(tasks(bnReLU) - tasks(full) == (16 + 16 * 2) * 3)
        #expect(full.metrics.stepSeconds < bnReLU.metrics.stepSeconds)
        #expect(bnReLU.metrics.stepSeconds < none.metrics.stepSeconds)
    }

    /// Under `xla` the forward runs `bn-add-relu`'s tasks and the backward `none`'s, so
    /// the step lies between theirs: it keeps the ReLUs' 49 backward tasks per step.
    @Test func xlaKeepsTheBackwardPrice() throws {
        let none = try run("none"), full = try run("bn-add-relu"), xla = try run("xla")
        func tasks(_ o: ScenarioRunner.Outcome, _ kind: TaskGraph.Kind) -> Int {
            o.graph.tasks.filter { $0.kind == kind }.count
        }
        #expect(tasks(xla, .forward) == tasks(full, .forward))
        #expect(tasks(xla, .backward) == tasks(none, .backward))
        #expect(tasks(xla, .backward) - tasks(full, .backward) == 49 * 3)
        #expect(full.metrics.stepSeconds < xla.metrics.stepSeconds)
        #expect(xla.metrics.stepSeconds < none.metrics.stepSeconds)
    }

    @Test func badValuesAreLocated() throws {
        let path = try temporaryScenario(scenario(extra: "software: {profile: ideal, fused_batchnorm: everything}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains("software.fused_batchnorm") && out.stderr.contains("bn-add-relu"))
    }
}
