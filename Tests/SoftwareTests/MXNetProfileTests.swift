import Foundation
import Testing
import Parallelism
import ScaleCastCLI
import Scenario
import Simulation
import Software
import YAMLSupport

/// The `mxnet-horovod` and `mxnet-horovod-graphs` profiles: NVIDIA's MXNet with Horovod
/// as its MLPerf ResNet-50 submissions ran it (training_results_v0.6, v0.7, v3.0).
@Suite struct MXNetProfileTests {
    func step(_ software: String) throws -> ScenarioRunner.Outcome {
        try simulateFirstRun(fusionScenario(software: software), gpus: 2)
    }

    @Test func theProfilesParseWithTheirSourcedFields() throws {
        let catalog = try ProfileCatalog.builtIn()
        let eager = try #require(catalog.profile(named: "mxnet-horovod"))
        let graphs = try #require(catalog.profile(named: "mxnet-horovod-graphs"))
        for profile in [eager, graphs] {
            let c = profile.communication
            #expect(c.fusionCycleSeconds.map { abs($0 - 1e-4) < 1e-15 } == true, "HOROVOD_CYCLE_TIME=0.1 ms")
            #expect(c.fusionThresholdBytes == 67_108_864)
            #expect(abs(c.negotiationRoundSeconds - 5e-6) < 1e-15)
            #expect(profile.collective == .nccl && profile.collectiveSMShare == 1)
            #expect(profile.memoryFormat == .nhwc && profile.batchNormFusion == .bnAddReLU)
            #expect(abs(profile.launchSecondsPerKernelUpdate - 5e-6) < 1e-15)
            // Every field the profile sets cites the configs or code it comes from.
            for key in c.settings.map(\.key) + ["collective", "gradient_sync", "launch_us_per_kernel_forward"] {
                #expect(profile.sources[key]?.isEmpty == false, "\(profile.name) needs a source for \(key)")
            }
            #expect(profile.sources["fusion_cycle_ms"]?.contains("HOROVOD_CYCLE_TIME=0.1") == true)
        }
        // Without CUDA graphs every kernel is launched by the worker thread; with them only the update's.
        #expect(abs(eager.launchSecondsPerKernelForward - 5e-6) < 1e-15 && abs(eager.launchSecondsPerKernelBackward - 5e-6) < 1e-15)
        #expect(graphs.launchSecondsPerKernelForward == 0 && graphs.launchSecondsPerKernelBackward == 0)
        // v0.6 overlaps the all-reduces with backward (16-20 groups); v0.7+ across nodes does not (1 group, one backward segment).
        #expect(eager.gradientSync == .buckets && graphs.gradientSync == .afterBackward)
        #expect(graphs.sources["gradient_sync"]?.contains("MXNET_HOROVOD_NUM_GROUPS=1") == true)
    }

    /// With a 1 µs cycle the two gradients of the test net, ready tens of µs apart in
    /// backward, travel in two fused all-reduces; under `after-backward` both are ready
    /// when backward ends (MXNet's one bulked backward segment) and go in one.
    @Test func afterBackwardReadiesEveryGradientAtTheEndOfBackward() throws {
        let perLayer = try step("{profile: ideal, fusion_cycle_ms: 0.001, fusion_threshold_mb: 64}")
        let atEnd = try step("{profile: ideal, fusion_cycle_ms: 0.001, fusion_threshold_mb: 64, gradient_sync: after-backward}")
        #expect(perLayer.graph.collectives.count == 2)
        #expect(atEnd.graph.collectives.count == 1)
        // The one all-reduce starts after the last backward kernel of the step, never during backward.
        let records = atEnd.trace.records.filter { $0.step == atEnd.measuredStep }
        let backwardEnd = try #require(records.filter { $0.kind == .backward }.map(\.end).max())
        let allReduceStart = try #require(records.filter { $0.kind == .transfer }.map(\.start).min())
        #expect(allReduceStart >= backwardEnd)
        // The buffer still cuts the groups: a 20 MB buffer holds one 16.8 MB gradient at a time.
        let cut = try step("{profile: ideal, fusion_cycle_ms: 0.001, fusion_threshold_mb: 20, gradient_sync: after-backward}")
        #expect(cut.graph.collectives.count == 2)
    }

    /// Horovod's `split_list`: `count = d·N + r`, the first `r` groups one larger.
    @Test func groupsSplitAsHorovodSplitsTheList() {
        var c = CommunicationMechanisms()
        #expect(c.groupIndices(count: 7) == nil)
        c.gradientGroups = 3
        #expect(c.groupIndices(count: 7) == [0, 0, 0, 1, 1, 2, 2])
        #expect(c.groupIndices(count: 6) == [0, 0, 1, 1, 2, 2])
        c.gradientGroups = 5
        #expect(c.groupIndices(count: 2) == [0, 1])
        c.gradientGroups = 1
        #expect(c.groupIndices(count: 4) == [0, 0, 0, 0])
    }

    /// One group holds both gradients of the test net: handed over when the later one
    /// (fc1's, at the end of backward) is ready, so one fused all-reduce after backward,
    /// as `after-backward` gives; two groups keep the per-layer behaviour.
    @Test func aGroupWaitsForItsLastGradient() throws {
        let one = try step("{profile: ideal, fusion_cycle_ms: 0.001, fusion_threshold_mb: 64, gradient_groups: 1}")
        let two = try step("{profile: ideal, fusion_cycle_ms: 0.001, fusion_threshold_mb: 64, gradient_groups: 2}")
        let atEnd = try step("{profile: ideal, fusion_cycle_ms: 0.001, fusion_threshold_mb: 64, gradient_sync: after-backward}")
        let perLayer = try step("{profile: ideal, fusion_cycle_ms: 0.001, fusion_threshold_mb: 64}")
        #expect(one.graph.collectives.count == 1 && two.graph.collectives.count == 2)
        #expect(abs(one.metrics.stepSeconds - atEnd.metrics.stepSeconds) < 1e-9)
        #expect(abs(two.metrics.stepSeconds - perLayer.metrics.stepSeconds) < 1e-9)
        // Holding fc2's gradient back until fc1's is ready costs the overlap it had.
        #expect(one.metrics.stepSeconds > perLayer.metrics.stepSeconds)
    }

    @Test func badOverridesStopAtTheirLineAndExitTwo() throws {
        let cases: [(String, String, String)] = [
            ("{profile: mxnet-horovod, fusion_cycle: 0.1}", "software", "fusion_cycle"),
            ("{profile: mxnet-horovod-graphs, launch_us_per_kernel_update: -1}", "software.launch_us_per_kernel_update", "must not be negative"),
            ("{profile: mxnet-horovod, negotiation_us: -5}", "software.negotiation_us", "must not be negative"),
            ("{profile: mxnet-horovod, gradient_groups: 0}", "software.gradient_groups", "gradient_groups"),
            ("{profile: ideal, gradient_groups: 4}", "software", "gradient_groups needs fusion_cycle_ms"),
        ]
        for (software, key, message) in cases {
            let path = try temporaryScenario(fusionScenario(software: software))
            let error = try loadError(fusionScenario(software: software))
            #expect(error.line == 19, "\(error.description)")
            #expect(error.keyPath.hasPrefix(key), "\(error.description)")
            #expect(error.description.contains(message), "\(error.description)")
            let out = CLI.execute(["simulate", path])
            #expect(out.exitCode == 2)
            #expect(out.stderr.contains(path) && out.stderr.contains(key) && out.stderr.contains(":19"), "\(out.stderr)")
        }
    }
}

/// Horovod's gradient-ready times are an estimate made before planning; they must price
/// each layer's backward as the plan runs it, the fused batch norm's addend gradient and
/// the profile's autograd passes included.
@Suite struct TensorFusionReadyTimesTests {
    @Test func theWholeBackwardIsReadyWhenThePlansBackwardEnds() throws {
        let yaml = scenario(batch: 32, gpus: [2], extra: "software: {profile: mxnet-horovod}")
            .replacingOccurrences(of: "model: alexnet-owt", with: "model: resnet50")
        let s = try Scenario.load(path: try temporaryScenario(yaml))
        let run = s.runs[0]
        let setup = run.setup(gpus: 2)
        #expect(!setup.fusion.addendElements.isEmpty, "mxnet-horovod fuses bn-add-relu, whose addends the check needs")
        let fusion = try #require(setup.tensorFusion)
        let graph = try Planner.plan(setup, strategy: run.plannedStrategy, fidelity: .aggregated)
        let prices = ComputePrices.seconds(of: graph, cost: run.costModel)
        let planned = graph.tasks.indices.filter { graph.tasks[$0].kind == .backward && graph.tasks[$0].step == 0 }
            .reduce(0.0) { $0 + prices[$1] }
        let whole = try #require(fusion.readySeconds.values.max())
        #expect(abs(whole / planned - 1) < 1e-9, "ready \(whole) s, planned backward \(planned) s")
    }
}
