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

    /// XLA fuses the layers `bn-add-relu` does and reads the same addend forward; its
    /// batch norm gradients move 2 tensors more than their own inside a block and 3 at a
    /// block's end, where cuDNN's fused kernel writes 1 (the addend's gradient).
    @Test func xlaFusesAsCuDNNAndPricesItsBackwardPassByPass() {
        let full = FusionPlan(network: resnet, fusion: .bnAddReLU)
        let xla = FusionPlan(network: resnet, fusion: .xla)
        #expect(xla.absorbed == full.absorbed)
        #expect(xla.addendElements == full.addendElements)
        #expect(full.backwardExtraElements.count == 16 && xla.backwardExtraElements.count == 33 + 16)
        for (bn, extra) in xla.backwardExtraElements {
            let elements = resnet.layers[bn].outputShape.elements
            if let addend = full.addendElements[bn] {
                #expect(extra == 3 * addend && full.backwardExtraElements[bn] == addend)
            } else {
                #expect(extra == 2 * elements && full.backwardExtraElements[bn] == nil)
            }
            #expect(xla.extraElements(of: bn, backward: false) == full.extraElements(of: bn, backward: false))
        }
        // A network without batch norms fuses nothing under any value.
        #expect(FusionPlan(network: Zoo.model(named: "alexnet-owt")!, fusion: .xla) == .none)
    }

    /// The plan prices what `FusionPlan` says: `xla`'s backward work of a batch norm is
    /// the unfused batch norm's plus its extra tensors; its whole backward moves less than
    /// the unfused one and more than cuDNN's fused one; it launches cuDNN's fused kernels'
    /// tasks, and its step lies between the two.
    @Test func thePlanPricesXLAsBackwardAsThePlanSays() throws {
        func setup(_ fusion: String) throws -> TrainingSetup {
            let text = oneGPUScenario(model: "resnet50", precision: "fp16", software: "{profile: ideal, fused_batchnorm: \(fusion)}")
            return try Scenario.load(path: try temporaryScenario(text)).runs[0].setup(gpus: 1)
        }
        let none = try setup("none"), full = try setup("bn-add-relu"), xla = try setup("xla")
        let bytesPerElement = Double(Precision.fp16.activationBytes) * Double(xla.batchPerGPU)
        for bn in xla.fusion.backwardExtraElements.keys {
            let extra = Double(xla.fusion.backwardExtraElements[bn]!) * bytesPerElement
            #expect(Planner.dataBackwardWork(ofLayer: bn, setup: xla).memoryBytes
                    == Planner.dataBackwardWork(ofLayer: bn, setup: none).memoryBytes + extra)
        }
        func backwardBytes(_ s: TrainingSetup) -> Double {
            s.network.layers.indices.filter { Planner.hasBackwardWork(s.network.layers[$0]) && !s.fusion.absorbed.contains($0) }
                .reduce(0.0) { $0 + Planner.dataBackwardWork(ofLayer: $1, setup: s).memoryBytes }
        }
        #expect(backwardBytes(full) < backwardBytes(xla) && backwardBytes(xla) < backwardBytes(none))
        let outcomes = try ["none", "bn-add-relu", "xla"].map { try run($0) }
        #expect(outcomes[0].graph.tasks.count > outcomes[2].graph.tasks.count)
        #expect(outcomes[1].graph.tasks.count == outcomes[2].graph.tasks.count)
        #expect(outcomes[1].metrics.stepSeconds < outcomes[2].metrics.stepSeconds)
        #expect(outcomes[2].metrics.stepSeconds < outcomes[0].metrics.stepSeconds)
    }

    /// NVIDIA's MLPerf networks move batch norm into the convolutions. `conv-stats`: every batch norm after
    /// a convolution but the stem (52 of ResNet-50's 53) reads its input once less (the statistics come from
    /// the convolution's epilogue), and the 4 projections' batch norms, applied in the block's last kernel,
    /// move nothing of their own; `norm-conv`: the 32 batch norms whose ReLU feeds a convolution (each
    /// bottleneck's first two) move nothing forward; `norm-conv-stats` both. All fuse and price backward as
    /// `bn-add-relu`, and leave grouped convolutions alone.
    @Test func convolutionFusionsMoveBatchNormForwardIntoTheConvolutions() throws {
        let full = FusionPlan(network: resnet, fusion: .bnAddReLU)
        let stats = FusionPlan(network: resnet, fusion: .convStats), normConv = FusionPlan(network: resnet, fusion: .normConv)
        let both = FusionPlan(network: resnet, fusion: .normConvStats)
        for plan in [stats, normConv, both] {
            #expect(plan.absorbed == full.absorbed && plan.addendElements == full.addendElements)
            #expect(plan.backwardExtraElements == full.backwardExtraElements)
        }
        func elements(_ bn: Int) -> Int { resnet.layers[bn].outputShape.elements }
        func name(_ bn: Int) -> String { resnet.layers[bn].name }
        let stem = try #require(resnet.index(of: "conv1.bn"))
        #expect(stats.forwardSavedElements.count == 52 && stats.forwardSavedElements[stem] == nil)
        #expect(stats.forwardSavedElements.filter { $0.value == 3 * elements($0.key) }.keys.map(name).sorted()
                == (1...4).map { "layer\($0).0.downsample.bn" })
        #expect(stats.forwardSavedElements.filter { $0.value != 3 * elements($0.key) }.allSatisfy { $0.value == elements($0.key) })
        #expect(normConv.forwardSavedElements.count == 32)
        #expect(normConv.forwardSavedElements.allSatisfy { $0.value == 3 * elements($0.key)
                                                           && (name($0.key).hasSuffix(".conv1.bn") || name($0.key).hasSuffix(".conv2.bn")) })
        // norm-conv-stats saves the larger of the two on each batch norm.
        #expect(both.forwardSavedElements.keys.sorted() == stats.forwardSavedElements.keys.sorted())
        #expect(both.forwardSavedElements.allSatisfy { $0.value == max(stats.forwardSavedElements[$0.key] ?? 0,
                                                                        normConv.forwardSavedElements[$0.key] ?? 0) })
        // Grouped convolutions take no part: ResNeXt's bottleneck keeps only its 1x1 convolutions' statistics.
        let resnext = try #require(Zoo.model(named: "resnext50_32x4d"))
        let grouped = FusionPlan(network: resnext, fusion: .normConvStats)
        let afterGrouped = try #require(resnext.index(of: "layer1.0.conv2.bn")), afterDense = try #require(resnext.index(of: "layer1.0.conv1.bn"))
        #expect(grouped.forwardSavedElements[afterGrouped] == nil)
        #expect(grouped.forwardSavedElements[afterDense] == resnext.layers[afterDense].outputShape.elements)
        // A block's last batch norm reads the addend and, under conv-stats, not its input for the statistics.
        let last = try #require(resnet.index(of: "layer2.1.conv3.bn"))
        #expect(stats.extraElements(of: last, backward: false) == 0 && normConv.extraElements(of: last, backward: false) == elements(last))
        let inner = try #require(resnet.index(of: "layer2.1.conv2.bn"))
        #expect(normConv.extraElements(of: inner, backward: false) == -3 * elements(inner) && stats.extraElements(of: inner, backward: true) == 0)
        let steps = try ["bn-add-relu", "conv-stats", "norm-conv", "norm-conv-stats"].map { try run($0).metrics.stepSeconds }
        // Either saves forward bytes bn-add-relu moves (which saves more depends on the widths: conv-stats
        // saves a little on the wide block ends, norm-conv all of the narrow inner batch norms).
        #expect(steps[0] > steps[1] && steps[0] > steps[2] && steps[3] < min(steps[1], steps[2]), "\(steps)")
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

    @Test func badValuesAreLocated() throws {
        let path = try temporaryScenario(scenario(extra: "software: {profile: ideal, fused_batchnorm: everything}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains("software.fused_batchnorm") && out.stderr.contains("bn-add-relu"))
    }
}
