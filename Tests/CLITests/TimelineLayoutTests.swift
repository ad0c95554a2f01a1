import Foundation
import Testing
@testable import ScaleCastCLI
import Scenario

/// A timeline (trace, gantt chart) of a symmetric run lays out every node where that stays
/// within its task budget, and node 0's GPUs, which stand for every node, beyond it.
@Suite struct TimelineLayoutTests {
    @Test func everyNodeIsLaidOutOnlyWithinTheBudget() throws {
        let path = try writeTemporary("""
            name: timeline
            model: resnet18
            batch_per_gpu: 32
            precision: bf16
            cluster: {gpu: H100, gpus_per_node: 4, network: {link: ib-ndr, nics_per_node: 4}}
            strategy: {kind: data, allreduce: ring}
            simulation: {fidelity: expanded}
            gpus: [16]
            """)
        let run = try Scenario.load(path: path).runs[0]
        let nodeZero = try ScenarioRunner.simulate(run, gpus: 16)
        let symmetry = try #require(nodeZero.graph.symmetry, "the run is simulated node 0 for all")
        #expect(symmetry.nodes == 4 && symmetry.ranksPerNode == 4)
        let planned = nodeZero.graph.tasks.count * symmetry.nodes
        // Within the budget: every node laid out, the same step.
        let everyNode = try RunSelection.timeline(run, gpus: 16, taskBudget: planned)
        #expect(everyNode.graph.symmetry == nil && everyNode.graph.tasks.count > nodeZero.graph.tasks.count * 3)
        #expect(abs(everyNode.metrics.stepSeconds / nodeZero.metrics.stepSeconds - 1) < 1e-6)
        // One task over it: node 0's GPUs alone.
        let overBudget = try RunSelection.timeline(run, gpus: 16, taskBudget: planned - 1)
        #expect(overBudget.graph.symmetry != nil && overBudget.graph.tasks.count == nodeZero.graph.tasks.count)
    }

    /// `trace --out` refuses a file that exists before it simulates anything: on a run that
    /// does not fit in GPU memory, which the simulation would refuse, the file is what it names.
    @Test func traceRefusesAnExistingFileFirst() throws {
        let path = try writeTemporary("name: t\nmodel: resnet18\nbatch_per_gpu: 65536\ncluster: {gpu: H100, gpus_per_node: 8}\ngpus: [1]\n")
        let existing = path + ".json"
        try "{}".write(toFile: existing, atomically: true, encoding: .utf8)
        let out = CLI.execute(["trace", path, "--out", existing])
        #expect(out.exitCode == 2 && out.stderr.contains("--force") && !out.stderr.contains("does not fit"), "\(out.stderr)")
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "{}")
        // With --force, the memory refusal, and the file untouched.
        let forced = CLI.execute(["trace", path, "--out", existing, "--force"])
        #expect(forced.exitCode == 2 && forced.stderr.contains("does not fit"), "\(forced.stderr)")
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "{}")
    }
}
