import Foundation
import Testing
import Workload
import YAMLSupport
@testable import Scenario

/// The `published` block of a scenario and the statistics of `validate --published`.
@Suite struct PublishedTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation/published").standardized.path

    /// Two labelled runs of a small data-parallel job, and a published block.
    static func scenario(published: String) -> String {
        """
        name: published test
        model: alexnet-owt
        batch_per_gpu: 64
        cluster: {gpu: V100, gpus_per_node: 8}
        gpus: [1, 2]
        runs:
          - {label: fp32 run, precision: fp32}
          - {label: fp16 run, precision: fp16}
        published:
        \(published)
        """
    }

    static let goodBlock = """
          source: "A paper"
          url: https://example.org/paper
          where: "Table 2"
          software: "Framework 1.0"
          notes: "free text"
          points:
            - {run: fp32 run, gpus: 1, images_per_second: 1000}
            - {run: fp32 run, gpus: 4, images_per_second: 3600.5}
            - {run: fp16 run, gpus: 2, images_per_second: 3000}
        """

    @Test func theFormatParses() throws {
        let scenario = try Scenario.load(path: try temporaryScenario(Self.scenario(published: Self.goodBlock)))
        let published = try #require(scenario.published)
        #expect(published.source == "A paper")
        #expect(published.url == "https://example.org/paper")
        #expect(published.whereInSource == "Table 2")
        #expect(published.software == "Framework 1.0")
        #expect(published.notes == "free text")
        #expect(published.points.map(\.run) == ["fp32 run", "fp32 run", "fp16 run"])
        #expect(published.points.map(\.runIndex) == [0, 0, 1])
        // 4 GPUs is not in the run's list: simulated anyway.
        #expect(published.points.map(\.gpus) == [1, 4, 2])
        #expect(published.points.map(\.imagesPerSecond) == [1000, 3600.5, 3000])
        // The block does not leak into the runs.
        #expect(scenario.runs.count == 2)
        #expect(scenario.runs[0].gpuCounts == [1, 2])
    }

    @Test func scenariosWithoutTheBlockAreUnaffected() throws {
        let scenario = try Scenario.load(path: try temporaryScenario(validScenario))
        #expect(scenario.published == nil)
        #expect(scenario.runs.count == 1)
    }

    @Test func aOneRunScenarioMayLeaveRunOut() throws {
        let yaml = validScenario + "\npublished:\n  source: s\n  url: http://example.org\n  points: [{gpus: 1, images_per_second: 5}]\n"
        let published = try #require(try Scenario.load(path: try temporaryScenario(yaml)).published)
        #expect(published.points[0].run == nil)
        #expect(published.points[0].runIndex == 0)
    }

    /// (what replaces the good block's text, the expected key path, a word of the message,
    /// the text on the line the error should point at: for a missing key, the first line
    /// of the mapping that lacks it, as everywhere in a scenario).
    static let badBlocks: [(String, String, String, String)] = [
        ("  url: https://example.org/paper\n  points: [{run: fp32 run, gpus: 1, images_per_second: 1}]",
         "published.source", "missing", "url: https://example.org/paper"),
        ("  source: s\n  points: [{run: fp32 run, gpus: 1, images_per_second: 1}]", "published.url", "missing", "source: s"),
        ("  source: s\n  url: ftp://example.org\n  points: [{run: fp32 run, gpus: 1, images_per_second: 1}]",
         "published.url", "http", "url: ftp"),
        ("  source: \"  \"\n  url: https://e.org\n  points: [{run: fp32 run, gpus: 1, images_per_second: 1}]",
         "published.source", "empty", "source:"),
        ("  source: [a, b]\n  url: https://e.org\n  points: [{run: fp32 run, gpus: 1, images_per_second: 1}]",
         "published.source", "text", "source:"),
        ("  source: s\n  url: https://e.org\n  points: []", "published.points", "empty", "points:"),
        ("  source: s\n  url: https://e.org", "published.points", "missing", "source: s"),
        ("  source: s\n  url: https://e.org\n  points: {run: fp32 run}", "published.points", "list", "points:"),
        ("  source: s\n  url: https://e.org\n  sauce: x\n  points: [{run: fp32 run, gpus: 1, images_per_second: 1}]",
         "published.sauce", "unknown key", "sauce:"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 1, img_per_second: 1}",
         "published.points[0].img_per_second", "unknown key", "img_per_second"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp64 run, gpus: 1, images_per_second: 1}",
         "published.points[0].run", "fp32 run", "fp64 run"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {gpus: 1, images_per_second: 1}",
         "published.points[0]", "say which", "- {gpus: 1"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, images_per_second: 1}",
         "published.points[0].gpus", "missing", "- {run: fp32 run, images"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 0, images_per_second: 1}",
         "published.points[0].gpus", "between", "gpus: 0"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 2.5, images_per_second: 1}",
         "published.points[0].gpus", "whole number", "gpus: 2.5"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 16, images_per_second: 1}",
         "published.points[0].gpus", "network", "gpus: 16"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 2, images_per_second: 1}\n"
            + "    - {run: fp32 run, gpus: 2, images_per_second: 3}",
         "published.points[1].gpus", "second point", "images_per_second: 3"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 1}",
         "published.points[0].images_per_second", "missing", "- {run: fp32 run, gpus: 1}"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 1, images_per_second: 0}",
         "published.points[0].images_per_second", "positive", "images_per_second: 0"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 1, images_per_second: -5}",
         "published.points[0].images_per_second", "positive", "images_per_second: -5"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 1, images_per_second: 0x10}",
         "published.points[0].images_per_second", "number", "0x10"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 1, images_per_second: .inf}",
         "published.points[0].images_per_second", "number", ".inf"),
        ("  source: s\n  url: https://e.org\n  points:\n    - {run: fp32 run, gpus: 1, images_per_second: 1e12}",
         "published.points[0].images_per_second", "beyond", "1e12"),
    ]

    @Test(arguments: badBlocks.indices)
    func eachBadFieldIsLocated(index: Int) throws {
        let (block, keyPath, word, lineText) = Self.badBlocks[index]
        let yaml = Self.scenario(published: block)
        let path = try temporaryScenario(yaml)
        let expectedLine = try #require(yaml.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains(lineText) }) + 1
        do {
            _ = try Scenario.load(path: path)
            Issue.record("expected a ConfigError for \(keyPath)")
        } catch let e as ConfigError {
            #expect(e.file == path)
            #expect(e.keyPath == keyPath, "\(e)")
            #expect(e.line == expectedLine, "\(e)")
            #expect(e.message.contains(word), "\(e)")
        }
    }

    // MARK: Statistics, by hand

    static func point(_ name: String, _ gpus: Int, _ published: Double, _ predicted: Double,
                      _ precision: Precision = .fp32) -> PublishedValidation.Point {
        PublishedValidation.Point(caseName: name, run: "r", gpus: gpus, precision: precision, gpu: "V100-SXM2-16GB", model: "resnet50",
                                  publishedImagesPerSecond: published, predictedImagesPerSecond: predicted)
    }

    @Test func medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        #expect(PublishedValidation.median([]) == nil)
        #expect(PublishedValidation.median([0.3]) == 0.3)
        #expect(abs((PublishedValidation.median([0.4, 0.1, 0.2, 0.8]) ?? 0) - 0.3) < 1e-12)
        #expect(PublishedValidation.median([2, 1]) == 1.5)
        #expect(PublishedValidation.median([0.5, 0.1, 0.3]) == 0.3)
    }

    @Test func summaryOfATinyCorpus() throws {
        // Errors +10%, -20%, +5%, -40%: |error| sorted 5, 10, 20, 40 -> median 15%, largest 40% (case "b").
        let points = [Self.point("a", 1, 100, 110), Self.point("a", 4, 400, 320, .fp16),
                      Self.point("b", 1, 200, 210, .tf32), Self.point("b", 2, 100, 60)]
        // Published speedups 3.2 and 1.6 at 4 and 2 GPUs; predicted 3.0 and 1.6.
        let speedups = [PublishedValidation.Speedup(caseName: "a", run: "r", gpus: 4, precision: .fp32, gpu: "V100-SXM2-16GB", model: "resnet50", publishedSpeedup: 3.2, predictedSpeedup: 3.0),
                        PublishedValidation.Speedup(caseName: "b", run: "r", gpus: 2, precision: .fp32, gpu: "V100-SXM2-16GB", model: "resnet50", publishedSpeedup: 1.6, predictedSpeedup: 1.6)]
        let v = PublishedValidation(cases: [], points: points, speedups: speedups)
        let t = try #require(v.throughput)
        #expect(t.count == 4)
        #expect(abs(t.medianAbsError - 0.15) < 1e-12)
        #expect(abs(t.largestAbsError - 0.40) < 1e-12)
        #expect(t.largestCase == "b" && t.largestGPUs == 2)

        // Model: |3.0/3.2 - 1| = 0.0625, 0 -> median 0.03125, largest 0.0625 at a.
        let s = try #require(v.speedup)
        #expect(s.count == 2)
        #expect(abs(s.medianAbsError - 0.03125) < 1e-12)
        #expect(abs(s.largestAbsError - 0.0625) < 1e-12)
        #expect(s.largestCase == "a")
        // Baseline: 4/3.2 - 1 = 0.25, 2/1.6 - 1 = 0.25 -> median 0.25, largest 0.25 (first: a).
        let b = try #require(v.baselineSpeedup)
        #expect(abs(speedups[0].baselineError - 0.25) < 1e-12)
        #expect(abs(b.medianAbsError - 0.25) < 1e-12)
        #expect(abs(b.largestAbsError - 0.25) < 1e-12)
        #expect(b.largestCase == "a")

        // 1-GPU points: +10% (fp32), +5% (tf32) -> median 7.5%, largest 10%.
        let one = try #require(v.singleGPU())
        #expect(one.count == 2)
        #expect(abs(one.medianAbsError - 0.075) < 1e-12)
        #expect(abs(one.largestAbsError - 0.10) < 1e-12)
        #expect(v.singleGPU([.fp32])?.count == 1)
        #expect(v.singleGPU([.tf32])?.largestCase == "b")
        #expect(v.singleGPU([.fp16, .bf16]) == nil)

        let goals = v.goals
        #expect(goals.map(\.limit) == [0.05, 0.15, 0.10, 0.25])
        #expect(goals.map(\.met) == [true, true, true, true])
        #expect(PublishedValidation(cases: [], points: [], speedups: []).goals.allSatisfy { $0.met == nil })
    }

    /// Architectures are listed oldest first by their GPUs' earliest year, each once, only
    /// where a 1-GPU point is; a GPU of unknown architecture goes under "other" at its year,
    /// unknown years come last, and ties order by name.
    @Test func architecturesAreListedOldestFirst() {
        func point(_ gpu: String, gpus: Int = 1) -> PublishedValidation.Point {
            var p = Self.point("c", gpus, 100, 110)
            p.gpu = gpu
            return p
        }
        let architecture = ["A100": "Ampere", "V100": "Volta", "K40": "Kepler", "K80": "Kepler", "T4": "Turing", "H100": "Hopper"]
        let year = ["A100": 2020, "V100": 2017, "K40": 2013, "K80": 2014, "T4": 2018, "H100": 2022, "mystery": 2021]
        let v = PublishedValidation(cases: [], points: [point("A100"), point("K80"), point("mystery"), point("V100"), point("K40"),
                                                        point("H100", gpus: 8), point("T4")], speedups: [])
        let groups = v.singleGPUByArchitecture(architectureOf: { architecture[$0] }, yearOf: { year[$0] })
        #expect(groups.map(\.architecture) == ["Kepler", "Volta", "Turing", "Ampere", "other"])
        #expect(groups.map { $0.statistics?.count } == [2, 1, 1, 1, 1])
        #expect(v.singleGPUByArchitecture(architectureOf: { architecture[$0] }, yearOf: { _ in nil }).map(\.architecture)
                == ["Ampere", "Kepler", "Turing", "Volta", "other"])
    }

    @Test func theBaselineIsExactOnLinearScaling() throws {
        let yaml = Self.scenario(published: """
              source: s
              url: https://e.org
              points:
                - {run: fp32 run, gpus: 1, images_per_second: 250}
                - {run: fp32 run, gpus: 2, images_per_second: 500}
                - {run: fp32 run, gpus: 8, images_per_second: 2000}
            """)
        let v = try PublishedValidation.evaluate(files: [try temporaryScenario(yaml)])
        #expect(v.speedups.map(\.gpus) == [2, 8])
        #expect(v.speedups.map(\.publishedSpeedup) == [2, 8])
        #expect(v.speedups.allSatisfy { $0.baselineError == 0 })
        #expect(v.baselineSpeedup?.largestAbsError == 0)
        #expect(v.baselineSpeedup?.medianAbsError == 0)
    }

    @Test func aFileWithoutTheBlockIsRefused() throws {
        let path = try temporaryScenario(validScenario)
        #expect(throws: ConfigError.self) { try PublishedValidation.evaluate(files: [path]) }
    }

    /// Files are simulated on every core, yet the cases and points come in the order given,
    /// and where several files fail the error is the first failing file's.
    @Test func filesKeepTheirOrderAndTheFirstFailureInOrderIsReported() throws {
        let names = ["zeta", "alpha", "mid", "beta", "omega", "gamma"]
        let files = try names.enumerated().map { index, name in
            try temporaryScenario(Self.scenario(published: """
                  source: s
                  url: https://e.org
                  points:
                    - {run: fp32 run, gpus: 1, images_per_second: \(100 + index)}
                    - {run: fp32 run, gpus: 2, images_per_second: 190}
                """), name: "\(name).yaml")
        }
        let v = try PublishedValidation.evaluate(files: files)
        #expect(v.cases.map(\.name) == names)
        #expect(v.points.map(\.caseName) == names.flatMap { [$0, $0] })
        #expect(v.points.filter { $0.gpus == 1 }.map(\.publishedImagesPerSecond) == (0..<names.count).map { Double(100 + $0) })
        #expect(v.speedups.map(\.caseName) == names)
        let unpublished = [try temporaryScenario(validScenario, name: "first-bad.yaml"),
                           try temporaryScenario(validScenario, name: "second-bad.yaml")]
        for order in [unpublished, unpublished.reversed()] {
            do {
                _ = try PublishedValidation.evaluate(files: files + order)
                Issue.record("files without a published block were accepted")
            } catch let error as ConfigError {
                #expect(error.file == order[0])
            }
        }
    }

    @Test func theSeedCasesRun() throws {
        let files = ["dle-pytorch-resnet50-dgxa100.yaml", "krizhevsky-owt-alexnet-k20.yaml"].map { (Self.corpus as NSString).appendingPathComponent($0) }
        let v = try PublishedValidation.evaluate(files: files)
        #expect(v.cases.map(\.name) == ["dle-pytorch-resnet50-dgxa100", "krizhevsky-owt-alexnet-k20"])
        #expect(v.points.count == 12)
        #expect(v.speedups.count == 8)
        #expect(v.points.allSatisfy { $0.predictedImagesPerSecond.isFinite && $0.predictedImagesPerSecond > 0 })
        // Table 1's printed speedups come back from the images/s in the file (to its rounding).
        let owt = v.speedups.filter { $0.caseName == "krizhevsky-owt-alexnet-k20" }.map(\.publishedSpeedup)
        for (got, paper) in zip(owt, [1.95, 3.74, 6.25, 1.93, 3.66, 6.16]) { #expect(abs(got - paper) < 0.005) }
        #expect(v.singleGPU([.tf32])?.count == 1)
        #expect(v.singleGPU([.fp16, .bf16])?.count == 1)
        #expect(v.singleGPU([.fp32])?.count == 2)
    }
}
