import Foundation
import Scenario
import ScaleCastCLI
import Simulation
import Software
import Testing

/// `compute_jitter_cv:` and the boards' `speed_variation_cv:`: a synchronous step waits
/// for the slowest of its workers.
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

    /// Runs of AlexNet on V100s with the boards' spread `boards` (nil: the catalog's)
    /// and the profile's step jitter `cv`.
    func run(cv: Double, boards: Double? = 0, gpus: [Int]) throws -> [ConfigurationResult] {
        let text = """
            name: stragglers
            model: alexnet-owt
            batch_per_gpu: 64
            precision: fp32
            cluster: {gpu: V100, gpus_per_node: 8\(boards.map { ", speed_variation_cv: \($0)" } ?? "")}
            gpus: \(gpus)
            software: {profile: ideal, compute_jitter_cv: \(cv)}
            """
        return try ScenarioRunner.results(try Scenario.load(path: try temporaryScenario(text)))
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

    /// The boards' spread and the step's jitter are independent: their variances add
    /// (3% and 4% wait like 5%). Without either set, the catalog's V100 spread applies.
    @Test func theBoardsSpreadAndTheJitterAdd() throws {
        let steady = try run(cv: 0, gpus: [8])[0]
        let both = try run(cv: 0.04, boards: 0.03, gpus: [8])[0]
        let expected = 0.05 * steady.metrics.computeSeconds * Stragglers.expectedMaximum(of: 8)
        #expect(abs(both.metrics.stragglerWaitSeconds - expected) < 1e-12 * expected)
        let catalogs = try run(cv: 0, boards: nil, gpus: [8])[0]
        let v100 = 0.005 * steady.metrics.computeSeconds * Stragglers.expectedMaximum(of: 8)
        #expect(steady.metrics.stragglerWaitSeconds == 0)
        #expect(abs(catalogs.metrics.stragglerWaitSeconds - v100) < 1e-12 * v100)
        #expect(abs(catalogs.metrics.stepSeconds - steady.metrics.stepSeconds - v100) < 1e-12 * catalogs.metrics.stepSeconds)
    }

    /// `explain` names the spread and the jitter and what waiting for the slowest costs.
    @Test func explainSaysWhatTheSlowestGPUCosts() throws {
        // On an NVSwitch node, where AlexNet's all-reduces hide behind backward.
        func switched(_ text: String) -> String { text.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  fabric: nvswitch") }
        let path = try temporaryScenario(switched(scenario(gpus: [8], extra: "software: {profile: ideal, compute_jitter_cv: 0.01}")))
        let out = CLI.execute(["explain", path, "--gpus", "8"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("stragglers: the V100-SXM2-16GB boards' speeds spread 0.5% (speed_variation_cv) and each step's "
                                    + "compute jitters 1.0% (compute_jitter_cv); each step waits for the slowest of 8 GPUs: "), "\(out.stdout)")
        // The bottleneck sentence counts the wait apart from communication, in shares of the whole step.
        let slow = try temporaryScenario(switched(scenario(gpus: [8], extra: "software: {profile: ideal, compute_jitter_cv: 0.2}")))
        let sentence = try #require(CLI.execute(["explain", slow, "--gpus", "8"]).stdout.split(separator: "\n").first { $0.hasPrefix("The GPUs") })
        let shares = sentence.split(separator: " ").compactMap { $0.hasSuffix("%") ? Int($0.dropLast()) : nil }
        // "The GPUs compute C% of the step: compute is the bottleneck. The most used link ... L% of its bandwidth over the
        // simulated S% of the step ... slowest GPU takes W%": the link's figures are over the part the wait leaves, S = 100 - W.
        #expect(sentence.contains("compute is the bottleneck") && !sentence.contains("wait on communication"), "\(sentence)")
        #expect(sentence.contains("Waiting for the slowest GPU takes") && shares.count == 4 && abs(shares[0] + shares[3] - 100) <= 1
                && abs(shares[2] + shares[3] - 100) <= 1, "\(sentence)")
        let single = CLI.execute(["explain", path, "--gpus", "1"])
        #expect(single.exitCode == 0 && !single.stdout.contains("stragglers"))
    }

    /// The report's assumptions say what the slowest GPU's wait comes from: the boards'
    /// spread (the catalog's V100 figure), or only the profile's jitter where the cluster
    /// sets no spread.
    @Test func theReportSaysWhatTheWaitComesFrom() throws {
        func line(_ extra: String, cluster: String = "") throws -> String {
            var text = scenario(gpus: [1, 2], extra: extra)
            if !cluster.isEmpty { text = text.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  " + cluster) }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stragglers-report-\(UUID().uuidString)").path
            let out = CLI.execute(["report", try temporaryScenario(text), "--out", dir])
            #expect(out.exitCode == 0, "\(out.stderr)")
            let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
            return String(try #require(report.split(separator: "\n").first { $0.hasPrefix("- Waiting for the slowest GPU:") }))
        }
        #expect(try line("software: {profile: ideal}").contains("V100-SXM2-16GB 0.5%"))
        #expect(try line("software: {profile: ideal, compute_jitter_cv: 0.01}", cluster: "speed_variation_cv: 0")
            .contains("only the profile's step-to-step compute jitter"))
    }

    @Test func badValuesAreLocated() throws {
        let path = try temporaryScenario(scenario(extra: "software: {profile: ideal, compute_jitter_cv: 1.5}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains("software.compute_jitter_cv"))
        let boards = try temporaryScenario(scenario().replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  speed_variation_cv: -0.01"))
        let refused = CLI.execute(["simulate", boards])
        #expect(refused.exitCode == 2 && refused.stderr.contains("cluster.speed_variation_cv") && refused.stderr.contains("scenario.yaml:8:"), "\(refused.stderr)")
    }
}
