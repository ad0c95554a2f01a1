import Testing
@testable import Scenario

/// Boards built on one GPU die price their kernels at the same fractions of their own peaks
/// (the catalog's `measured` notes say whose they take), so the one with the higher peaks
/// is never predicted slower: the GB200 takes the B200's measured GEMM ceilings.
@Suite struct SameDieBoardsTests {
    func step(_ gpu: String, precision: String) throws -> Double {
        let run = try Scenario.load(path: try temporaryScenario("""
            model: resnet50
            batch_per_gpu: 64
            precision: \(precision)
            cluster: {gpu: \(gpu), gpus_per_node: 1}
            gpus: [1]
            """)).runs[0]
        return try ScenarioRunner.simulate(run, gpus: 1).metrics.stepSeconds
    }

    @Test(arguments: ["fp32", "bf16", "fp16"])
    func theGB200IsNoSlowerThanTheB200(precision: String) throws {
        let b200 = try step("B200-SXM", precision: precision), gb200 = try step("GB200", precision: precision)
        #expect(gb200 <= b200, "\(precision): GB200 \(gb200) s, B200 \(b200) s")
    }
}
