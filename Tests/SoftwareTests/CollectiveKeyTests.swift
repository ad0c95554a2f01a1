import Parallelism
import Scenario
import ScaleCastCLI
import Testing
import YAMLSupport

/// The profile's `collective:` field: the all-reduce a stack runs where the
/// scenario's strategy names none, and its bad input.
@Suite struct CollectiveKeyTests {
    @Test func theProfileNamesTheAllReduceWhereTheStrategyDoesNot() throws {
        let run = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: ideal, collective: nccl-auto}"))).runs[0]
        #expect(run.strategy.gradientSync.algorithm == .nccl && run.strategy.summary == "data (nccl-auto, 25 MB buckets)")
        #expect(run.software.collective == .nccl && !run.software.isIdeal)
        #expect(run.setup(gpus: 16).nccl?.ranks == 16)
        // `scenario` leaves the strategy's (ring by default), and no NCCL system is derived.
        let plain = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: ideal, collective: scenario}"))).runs[0]
        #expect(plain.strategy.gradientSync.algorithm == .ring && plain.software.isIdeal && plain.setup(gpus: 2).nccl == nil)
        // PyTorch's DDP profiles all-reduce through NCCL's own choice...
        let ddp = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: pytorch-ddp"))).runs[0]
        #expect(ddp.strategy.gradientSync.algorithm == .nccl && ddp.software.sources["collective"]?.contains("nccl") == true)
        // ...but a strategy that names its all-reduce keeps it.
        let pinned = try Scenario.load(path: try temporaryScenario(scenario(
            extra: "strategy: {kind: data, allreduce: ring}\nsoftware: pytorch-compiled"))).runs[0]
        #expect(pinned.strategy.gradientSync.algorithm == .ring && pinned.software.collective == .nccl)
    }

    @Test func badInputIsLocated() throws {
        let unknown = try scenarioError("software: {profile: ideal, collective: nccl-fast}")
        #expect(unknown.keyPath == "software.collective" && unknown.line == 9 && unknown.message.contains("nccl-auto"))
        let both = try scenarioError("strategy: {kind: data, allreduce: ring}\nsoftware: {profile: ideal, collective: nccl-auto}")
        #expect(both.keyPath == "software.collective" && both.line == 10 && both.message.contains("strategy.allreduce (line 9)"))
        let path = try temporaryScenario(scenario(extra: "software: {profile: ideal, collective: 3}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains(path) && out.stderr.contains("software.collective"))
    }
}
