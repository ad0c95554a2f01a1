import Foundation
import Planning
import Testing
@testable import Reports
@testable import ScaleCastCLI
import Scenario
import YAMLSupport

/// Runs without labels are told apart by their place in `runs`: two of them on the same model
/// once printed under one heading (the second run's numbers under the first's GPU), shared one
/// JSON label, one chart line and the first run's training goal.
@Suite struct UnlabelledRunsTests {
    /// Two unlabelled ResNet-50 runs on different GPUs and batches; only the second states a training goal.
    static let scenario = """
        name: two unlabelled
        model: resnet50
        strategy: {kind: data}
        gpus: [1, 8]
        runs:
          - {batch_per_gpu: 32, cluster: {gpu: V100-SXM2-16GB, gpus_per_node: 8}}
          - {batch_per_gpu: 64, cluster: {gpu: A100-SXM4-40GB, gpus_per_node: 8}, training: {epochs: 1}}
        """

    @Test func eachRunIsNamedByItsKeyPath() throws {
        let loaded = try Scenario.load(path: try writeTemporary(Self.scenario))
        let results = try ScenarioRunner.results(loaded)
        #expect(results.map(\.runName) == ["runs[0]", "runs[0]", "runs[1]", "runs[1]"])
        #expect(results.map(\.runLabel) == [nil, nil, nil, nil])
        #expect(Set(results.map(\.label)).count == 4, "\(results.map(\.label))")
        #expect(results[3].label.hasPrefix("runs[1] · 8 GPUs"))

        // Each run under its own heading, with its own GPU.
        let table = ResultsTable.render(results, scenarioName: loaded.name)
        let sections = table.components(separatedBy: "\n\n").dropFirst()
        #expect(sections.count == 2, "\(table)")
        #expect(sections.first?.hasPrefix("runs[0]: resnet50 on V100-SXM2-16GB") == true, "\(table)")
        #expect(sections.last?.hasPrefix("runs[1]: resnet50 on A100-SXM4-40GB") == true, "\(table)")

        // The training goal is the second run's, not the first unlabelled run's.
        let training = try SimulateCommand.training(results, of: loaded)
        #expect(training.map { $0 != nil } == [false, false, true, true])
    }

    @Test func aSingleUnlabelledRunHasNoName() throws {
        let single = Self.scenario.components(separatedBy: "\n").filter { !$0.contains("A100") }.joined(separator: "\n")
        let results = try ScenarioRunner.results(try Scenario.load(path: try writeTemporary(single)))
        #expect(results.allSatisfy { $0.runName == nil } && results[1].label.hasPrefix("8 GPUs"))
        #expect(ResultsTable.render(results, scenarioName: "s").contains("\n\nresnet50 on V100-SXM2-16GB"))
    }

    @Test func chartsGiveRunsThatReadAlikeTheirKeyPath() throws {
        let results = try ScenarioRunner.results(try Scenario.load(path: try writeTemporary(Self.scenario)))
        // Described by strategy alone (as the breakdown's bars are), the two runs read alike.
        let byStrategy = Charts.runNames(results) { $0.strategySummary }
        #expect(byStrategy[0]!.hasPrefix("runs[0]: data") && byStrategy[1]!.hasPrefix("runs[1]: data"), "\(byStrategy)")
        // Lines name their GPU where the runs use two, and so need no key path.
        let series = Charts.seriesByRun(results)
        #expect(series.map(\.results.count) == [2, 2])
        #expect(series[0].name.hasSuffix("on V100-SXM2-16GB") && series[1].name.hasSuffix("on A100-SXM4-40GB"), "\(series.map(\.name))")
        let bars = try Charts.breakdown(results, title: "t", format: .png).data
        #expect(bars.contains("\"runs[0]: data") && bars.contains("\"runs[1]: data"), "\(bars)")
    }

    @Test func aSweepNamesEachUnlabelledRun() throws {
        let sweep = try Sweep(scenarioPath: try writeTemporary(Self.scenario), axes: [Sweep.Axis(key: "gpus", values: ["8"])])
        #expect(sweep.points.map(\.runLabel) == ["resnet50 (runs[0])", "resnet50 (runs[1])"])
        // Beside a labelled run, as simulate names it: by its key path.
        let mixed = Self.scenario.replacingOccurrences(of: "- {batch_per_gpu: 32", with: "- {label: V, batch_per_gpu: 32")
        let both = try Sweep(scenarioPath: try writeTemporary(mixed), axes: [Sweep.Axis(key: "gpus", values: ["8"])])
        #expect(both.points.map(\.runLabel) == ["V", "resnet50 (runs[1])"])
    }

    @Test func theMemoryErrorNamesTheRun() throws {
        let tooBig = Self.scenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 4096")
        let loaded = try Scenario.load(path: try writeTemporary(tooBig))
        let error = try #require(SimulateCommand.memoryError(try ScenarioRunner.results(loaded, gpuOverride: [1]), of: loaded))
        #expect(error.keyPath == "runs[1].batch_per_gpu" && error.message.hasPrefix("runs[1]: resnet50 with 4096 images per GPU"), "\(error)")
    }

    /// The time-to-train chart takes each run's own goal: two unlabelled runs alike but for their
    /// epochs are drawn a factor of two apart, at every GPU count.
    @Test func theTimeToTrainChartTakesEachRunsGoal() throws {
        let goals = Self.scenario
            .replacingOccurrences(of: "- {batch_per_gpu: 32, cluster: {gpu: V100-SXM2-16GB, gpus_per_node: 8}}",
                                  with: "- {batch_per_gpu: 64, cluster: {gpu: A100-SXM4-40GB, gpus_per_node: 8}, training: {epochs: 2}}")
        let loaded = try Scenario.load(path: try writeTemporary(goals))
        let chart = try ChartBuilder.chart(.timeToTrain, scenario: loaded, run: nil, gpus: nil, link: nil, bandwidths: nil, format: .png)
        // Per run, its simulated points (the first block), then its linear scaling.
        let blocks = chart.data.components(separatedBy: "\n\n\n").map { block in
            block.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { Double($0.split(separator: " ")[1])! }
        }
        let first = blocks[0], second = blocks[2]
        #expect(first.count == 2 && second.count == 2, "\(chart.data)")
        for (a, b) in zip(first, second) { #expect(abs(a / b - 2) < 2e-3, "\(first) against \(second)") }
    }

    @Test func noLabelReadsAsAKeyPath() throws {
        let clash = Self.scenario.replacingOccurrences(of: "- {batch_per_gpu: 32", with: "- {label: \"runs[1]\", batch_per_gpu: 32")
        #expect(throws: ConfigError.self) { try Scenario.load(path: try writeTemporary(clash)) }
        let fine = Self.scenario.replacingOccurrences(of: "- {batch_per_gpu: 32", with: "- {label: \"runs[a]\", batch_per_gpu: 32")
        #expect(try Scenario.load(path: try writeTemporary(fine)).runs[0].label == "runs[a]")
    }
}
