import Foundation
import Scenario
import ScaleCastCLI
import Simulation
import Software
import Testing

/// `compute_jitter_cv:`: a synchronous step waits for the slowest of its workers.
@Suite struct StragglerTests {
    /// E[max of N standard normals] against values known in closed form or tabulated
    /// (N = 2: 1/√π; N = 3: 3/(2√π); N = 5: 1.16296; N = 10: 1.53875, Harter 1961).
    @Test func theExpectedMaximumMatchesItsKnownValues() {
        #expect(Stragglers.expectedMaximum(of: 1) == 0)
        #expect(abs(Stragglers.expectedMaximum(of: 2) - 1 / Double.pi.squareRoot()) < 1e-9)
        #expect(abs(Stragglers.expectedMaximum(of: 3) - 1.5 / Double.pi.squareRoot()) < 1e-9)
        #expect(abs(Stragglers.expectedMaximum(of: 5) - 1.16296) < 1e-5)
        #expect(abs(Stragglers.expectedMaximum(of: 10) - 1.53875) < 1e-5)
    }

    func run(cv: Double, gpus: [Int]) throws -> [ConfigurationResult] {
        let path = try temporaryScenario(scenario(gpus: gpus, extra: "software: {profile: ideal, compute_jitter_cv: \(cv)}"))
        return try ScenarioRunner.results(try Scenario.load(path: path))
    }

    /// The excess is cv × compute × E[max of N]: none on one GPU, growing with N.
    @Test func theExcessGrowsWithTheNumberOfGPUs() throws {
        let steady = try run(cv: 0, gpus: [1, 2, 4, 8])
        let jittery = try run(cv: 0.05, gpus: [1, 2, 4, 8])
        #expect(jittery[0].metrics.stepSeconds == steady[0].metrics.stepSeconds)
        var last = 0.0
        for (a, b) in zip(steady.dropFirst(), jittery.dropFirst()) {
            let excess = b.metrics.stepSeconds - a.metrics.stepSeconds
            let expected = 0.05 * a.metrics.computeSeconds * Stragglers.expectedMaximum(of: a.gpus)
            #expect(abs(excess - expected) <= 1e-12 * a.metrics.stepSeconds + 1e-15)
            #expect(abs(b.metrics.stragglerWaitSeconds - expected) < 1e-15 + 1e-12 * expected)
            #expect(excess > last, "\(a.gpus) GPUs")
            last = excess
        }
    }

    @Test func badValuesAreLocated() throws {
        let path = try temporaryScenario(scenario(extra: "software: {profile: ideal, compute_jitter_cv: 1.5}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains("software.compute_jitter_cv"))
    }
}
