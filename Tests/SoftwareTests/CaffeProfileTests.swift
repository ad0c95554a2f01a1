import Foundation
import Testing
import Hardware
import Parallelism
import ScaleCastCLI
import Scenario
import Simulation
import Software
import YAMLSupport

/// The `caffe-p2psync` profile: BVLC Caffe's multi-GPU training before NCCL.
@Suite struct CaffeProfileTests {
    /// AlexNet, data parallel, on Kamenev's 4-K40m server (two GPUs per PCIe switch, one
    /// switch per socket, no peer access across sockets), under `software`.
    func kamenevServer(software: String, strategy: String = "{kind: data, bucket_mb: \"off\"}") -> String {
        """
        name: caffe-test
        model: alexnet-owt
        batch_per_gpu: 64
        precision: fp32
        cluster:
          gpu: K40
          gpus_per_node: 4
          fabric: pcie-tree
          pcie: {gpu_link: pcie3-x16, uplink: pcie3-x16, socket_link: qpi-8gt, gpus_per_switch: 2, switches_per_socket: 1,
                 cross_socket: staged}
        strategy: \(strategy)
        gpus: [1, 4]
        software: \(software)
        """
    }

    func simulate(_ yaml: String, gpus: Int) throws -> ScenarioRunner.Outcome { try simulateFirstRun(yaml, gpus: gpus) }

    @Test func theProfileParsesWithItsSources() throws {
        let p = try #require(try ProfileCatalog.builtIn().profile(named: "caffe-p2psync"))
        #expect(p.collective == .p2psyncTree && p.gradientSync == .afterBackward)
        #expect(p.workspaceLimitBytes.map { $0 == 8 * 1_048_576.0 } == true)
        #expect(p.kernelLibrary == nil && !p.dispatchesOnHost && p.mechanisms.isNone)
        #expect(p.algorithmChoice == .heuristic, "Caffe asks cudnnGet*, never cudnnFind*")
        for key in ["collective", "gradient_sync", "workspace_mb", "algorithm_choice"] {
            #expect(p.sources[key]?.contains("BVLC/caffe @ 2317fa1") == true || p.sources[key]?.contains("Same commit") == true)
        }
    }

    /// After backward, the whole gradient goes up Caffe's tree and comes back down: the
    /// 4-GPU step is the 1-GPU step plus the copies, each priced over its legs (a copy
    /// between the sockets staged through host memory): t(1→0) + t(2→0) + t(0→2) + t(0→1),
    /// t = Σ over legs (B / narrowest link + latency), B = the parameters in fp32.
    @Test func theStepGrowsByTheTreesCopies() throws {
        let yaml = kamenevServer(software: "caffe-p2psync")
        let one = try simulate(yaml, gpus: 1), four = try simulate(yaml, gpus: 4)
        let bytes = Double(four.setup.network.parameters * 4)
        func copy(_ a: Int, _ b: Int) -> Double {
            four.topology.legs(from: a, to: b).reduce(0) { $0 + bytes / four.topology.bottleneck(of: $1) + four.topology.latency(of: $1) }
        }
        #expect(four.topology.legs(from: 2, to: 0).count == 2 && four.topology.legs(from: 1, to: 0).count == 1)
        let formula = copy(1, 0) + copy(2, 0) + copy(0, 2) + copy(0, 1)
        let grown = four.metrics.stepSeconds - one.metrics.stepSeconds
        #expect(abs(grown / formula - 1) < 1e-6, "step grew \(grown) s, the copies take \(formula) s")
        // Aggregated: the closed form, the same.
        let aggregated = try simulate(yaml + "\nsimulation: {fidelity: aggregated}", gpus: 4)
        #expect(abs((aggregated.metrics.stepSeconds - one.metrics.stepSeconds) / formula - 1) < 1e-6)
    }

    /// The closed form agrees with every transfer simulated (within 5%) on larger PCIe
    /// servers, two sockets whose copies across are staged: there the tree's levels and
    /// turns hold copies of unequal length and links shared among them.
    @Test(arguments: [(1, 2, 4), (2, 2, 8), (2, 4, 16)])
    func aggregatedAgreesWithExpanded(perSwitch: Int, switches: Int, gpus: Int) throws {
        let yaml = kamenevServer(software: "caffe-p2psync")
            .replacingOccurrences(of: "gpus_per_node: 4", with: "gpus_per_node: \(gpus)")
            .replacingOccurrences(of: "gpus_per_switch: 2, switches_per_socket: 1",
                                  with: "gpus_per_switch: \(perSwitch), switches_per_socket: \(switches)")
            .replacingOccurrences(of: "gpus: [1, 4]", with: "gpus: [1, \(gpus)]")
        let expanded = try simulate(yaml + "\nsimulation: {fidelity: expanded}", gpus: gpus)
        let aggregated = try simulate(yaml + "\nsimulation: {fidelity: aggregated}", gpus: gpus)
        let one = try simulate(yaml, gpus: 1)
        #expect(expanded.metrics.stepSeconds > one.metrics.stepSeconds * 1.05)
        #expect(abs(aggregated.metrics.stepSeconds / expanded.metrics.stepSeconds - 1) <= 0.05,
                "aggregated \(aggregated.metrics.stepSeconds) s, expanded \(expanded.metrics.stepSeconds) s")
    }

    /// `gradient_sync: after-backward`: with 25 MB buckets in the strategy, the profile
    /// still sends nothing before every GPU's backward is done.
    @Test func nothingIsSentBeforeBackwardEnds() throws {
        let o = try simulate(kamenevServer(software: "caffe-p2psync", strategy: "{kind: data, bucket_mb: 25}"), gpus: 4)
        let step = o.trace.records.filter { $0.step == o.measuredStep }
        let backwardEnd = step.filter { $0.kind == .backward }.map(\.end).max()!
        let sends = step.filter { $0.kind == .transfer }
        #expect(!sends.isEmpty && sends.allSatisfy { $0.start >= backwardEnd })
        #expect(Set(sends.compactMap(\.group)).count == 1)
        let buckets = try simulate(kamenevServer(software: "{profile: caffe-p2psync, gradient_sync: buckets}",
                                                 strategy: "{kind: data, bucket_mb: 25}"), gpus: 4)
        #expect(Set(buckets.trace.records.compactMap(\.group).filter { $0.hasPrefix("allreduce") }).count > 1)
    }

    /// explain names the tree and what it costs against a ring.
    @Test func explainListsTheTree() throws {
        let path = try temporaryScenario(kamenevServer(software: "caffe-p2psync"))
        let out = CLI.execute(["explain", path, "--gpus", "4"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("collective: caffe-p2psync-tree; against a ring"))
        let withLibrary = try temporaryScenario(kamenevServer(software: "{profile: caffe-p2psync, kernel_library: cudnn-5.1}"))
        #expect(CLI.execute(["explain", withLibrary, "--gpus", "4"]).stdout.contains("(workspace_mb)"))
    }

    @Test func badValuesAreLocated() throws {
        let unknown = try scenarioError("software: {profile: caffe-p2psync, collective: caffe-tree}")
        #expect(unknown.keyPath == "software.collective" && unknown.line == 9 && unknown.message.contains("caffe-p2psync-tree"))
        let workspace = try scenarioError("software: {profile: caffe-p2psync, workspace_mb: -8}")
        #expect(workspace.keyPath == "software.workspace_mb" && workspace.line == 9)
        let both = try loadError(kamenevServer(software: "{profile: caffe-p2psync, collective: ring}",
                                               strategy: "{kind: data, allreduce: caffe-p2psync-tree}"))
        #expect(both.keyPath == "software.collective" && both.message.contains("keep one"))
        let path = try temporaryScenario(scenario(extra: "software: {profile: caffe-p2psync, workspace_mb: -8}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains(path) && out.stderr.contains("software.workspace_mb"))
    }
}
