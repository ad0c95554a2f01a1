import Foundation
import Parallelism
import Testing
@testable import Scenario

/// Table 1 of Krizhevsky (2014), simulated from scenarios/paper/one-weird-trick.yaml:
/// one hardware description for every row, nothing fitted per row.
@Suite struct PaperTableTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/paper/one-weird-trick.yaml").standardized.path

    /// Speedups of the paper, by (GPUs, variant).
    static let paper: [String: [Int: Double]] = [
        "exact": [2: 1.95, 4: 3.74, 8: 6.25],
        "approximate": [2: 1.93, 4: 3.66, 8: 6.16],
    ]

    /// How far the simulator is from each row today with the `cuda-convnet2` profile
    /// (BENCHMARKS.md says why): within 3% at 2 and 4 GPUs, as the issue asks, but not
    /// yet at 8 (+8.5%: the 8-GPU reducer's CPU adds, Kepler GEMM efficiency on narrow
    /// slices and the CPU loader are not modelled). A change that widens
    /// the gap fails here; one that narrows it should tighten these.
    static let allowedError: [Int: Double] = [2: 0.03, 4: 0.03, 8: 0.09]

    /// Simulated once for the whole suite.
    static let simulated = Result { try ScenarioRunner.results(Scenario.load(path: path)) }

    func results() throws -> [ConfigurationResult] { try Self.simulated.get() }

    @Test func singleGPUThroughputIsWithinTenPercentOfThePaper() throws {
        let one = try #require(try results().first { $0.gpus == 1 })
        // 1.28 M images x 90 epochs / 98.05 h = 326 images/s.
        let paper = 1_281_167.0 * 90 / (98.05 * 3600)
        #expect(abs(one.metrics.imagesPerSecond / paper - 1) <= 0.10)
    }

    @Test func speedupsStayWithinTheDocumentedGap() throws {
        for r in try results() where r.gpus > 1 {
            let variant = try #require(r.strategy.variantIfModelParallel?.rawValue)
            let expected = try #require(Self.paper[variant]?[r.gpus])
            let error = r.speedup / expected - 1
            #expect(abs(error) <= Self.allowedError[r.gpus]!, "\(r.label): \(r.speedup) vs \(expected)")
        }
    }

    @Test func exactIsFasterThanApproximateAtEveryK() throws {
        let all = try results()
        for k in [2, 4, 8] {
            let exact = try #require(all.first { $0.gpus == k && $0.strategy.variant == .exact })
            let approximate = try #require(all.first { $0.gpus == k && $0.strategy.variant == .approximate })
            #expect(exact.speedup > approximate.speedup)
        }
    }

    @Test func jsonNamesTheSchemeAndVariant() throws {
        let results = try results()
        #expect(results.allSatisfy { $0.strategy.schemeIfHybrid == .b })
        #expect(Set(results.compactMap { $0.strategy.variantIfModelParallel }) == [.exact, .approximate])
    }
}
