import Foundation
import Scenario
import Simulation
import Software
import Testing

/// `host_sync_before_update:`: the host blocks once per step until the gradients are ready.
@Suite struct HostSyncTests {
    func step(_ software: String, gpus: Int) throws -> ScenarioRunner.Outcome {
        let s = try Scenario.load(path: try temporaryScenario(scenario(batch: 32, gpus: [gpus], precision: "fp16", extra: "software: \(software)")))
        return try ScenarioRunner.simulate(s.runs[0], gpus: gpus)
    }

    /// Without the sync the host launches the next step's kernels while the GPUs are
    /// still in backward; with it, the update's and the next forward's launches start
    /// only once the gradients are in, and the GPUs wait for them.
    @Test func theSyncExposesTheLaunchesAfterTheGradients() throws {
        let free = try step("pytorch-ddp", gpus: 2)
        let synced = try step("{profile: pytorch-ddp, host_sync_before_update: true}", gpus: 2)
        #expect(synced.metrics.stepSeconds > free.metrics.stepSeconds)
        // Each worker's first update is launched only after every gradient task its step's
        // updates wait for has finished.
        let updates = synced.graph.tasks.filter { $0.kind == .update && $0.step == synced.measuredStep }
        let firstPerWorker = Dictionary(grouping: updates, by: \.device).values.map { $0.min { $0.id < $1.id }! }
        for first in firstPerWorker {
            let launch = try #require(synced.trace.host.first { $0.task == first.id })
            let own = Set(first.dependencies).union(updates.filter { $0.device == first.device }.flatMap(\.dependencies))
                .filter { synced.graph.tasks[$0].kind != .update }
            #expect(launch.start >= own.map { synced.trace.records[$0].end }.max()!)
        }
    }

    /// Under model-parallel layers the slices are updated before the data-parallel
    /// backward (exact) or after every chunk (approximate): the sync waits for the first
    /// block of updates' gradients only, so the host never blocks on compute it has yet to
    /// launch (it deadlocked the simulation before), and the step is no shorter than without it.
    @Test(arguments: ["{kind: hybrid}", "{kind: hybrid, scheme: b, variant: approximate}", "{kind: model, variant: approximate}"])
    func modelParallelStepsSyncWithoutDeadlock(strategy: String) throws {
        func outcome(_ software: String) throws -> ScenarioRunner.Outcome {
            let yaml = """
                model: alexnet-owt
                batch_per_gpu: 32
                precision: fp16
                cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 4}
                strategy: \(strategy)
                software: \(software)
                gpus: [3]
                """
            return try ScenarioRunner.simulate(try Scenario.load(path: try temporaryScenario(yaml)).runs[0], gpus: 3)
        }
        let free = try outcome("pytorch-ddp"), synced = try outcome("{profile: pytorch-ddp, host_sync_before_update: true}")
        #expect(synced.metrics.stepSeconds >= free.metrics.stepSeconds && synced.metrics.stepSeconds.isFinite)
    }

    /// Without host dispatch (no launch costs) there is no host to block: nothing changes.
    @Test func withoutHostDispatchItChangesNothing() throws {
        let plain = try step("ideal", gpus: 2)
        let synced = try step("{profile: ideal, host_sync_before_update: true}", gpus: 2)
        #expect(synced.metrics.stepSeconds == plain.metrics.stepSeconds)
    }
}
