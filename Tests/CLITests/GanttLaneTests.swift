import Foundation
import Testing
@testable import ScaleCastCLI
import Reports
import Scenario

/// A gantt chart has a lane for every GPU it shows work for, and says which GPUs stand
/// for the others; it draws one configuration and says which run.
@Suite struct GanttLaneTests {
    /// Two nodes of 4 GPUs on a network, data parallel: symmetric, so node 0 alone is
    /// simulated unless the timeline lays out every node.
    static let scenario = """
        name: gantt lanes
        model: resnet50
        batch_per_gpu: 32
        cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 4, network: {link: ib-hdr, nics_per_node: 1}}
        strategy: {kind: data, allreduce: ring, bucket_mb: 25}
        gpus: [8, 64]
        runs:
          - {label: first}
          - {label: second, batch_per_gpu: 16}
        """

    /// The lane numbers that carry GPU compute in the chart's data (lanes 0..<GPUs).
    func computeLanes(_ chart: Chart, gpus: Int) -> Set<Int> {
        Set(chart.data.split(separator: "\n").compactMap { line -> Int? in
            guard !line.hasPrefix("#"), let lane = Int(line.split(separator: " ").first ?? "") else { return nil }
            return (0..<gpus).contains(lane) ? lane : nil
        })
    }

    @Test func everyGPUOfASymmetricRunHasWork() throws {
        let loaded = try Scenario.load(path: try writeTemporary(Self.scenario))
        let chart = try ChartBuilder.chart(.gantt, scenario: loaded, run: "first", gpus: [8], link: nil, bandwidths: nil, format: .png)
        #expect(computeLanes(chart, gpus: 8) == Set(0..<8), "node 1's GPUs were drawn empty")
        #expect(chart.script.contains("'gpu7' 7"))
    }

    @Test func aggregatedDrawsTheOneGPUThatStandsForAll() throws {
        let loaded = try Scenario.load(path: try writeTemporary(Self.scenario))
        let chart = try ChartBuilder.chart(.gantt, scenario: loaded, run: "first", gpus: [64], link: nil, bandwidths: nil, format: .png)
        #expect(chart.script.contains("GPU 0, which"))
        #expect(chart.script.contains("'gpu0' 0") && !chart.script.contains("'gpu1' 1"))
    }

    /// Aggregated, a collective runs on the GPU's lane beside the backward it overlaps: it is drawn as a thin strip just
    /// outside the lane's bar, not over the compute (a chart audit read a 23 ms backward as 1 ms under a full-height
    /// collective, and a later one read strips inside the bar's edge as drawn over it).
    @Test func aCollectiveOnAGPULaneLeavesTheComputeItOverlapsVisible() throws {
        let loaded = try Scenario.load(path: try writeTemporary(Self.scenario))
        let chart = try ChartBuilder.chart(.gantt, scenario: loaded, run: "first", gpus: [64], link: nil, bandwidths: nil, format: .png)
        let blocks = chart.data.components(separatedBy: "\n\n\n")
        let thin = try #require(blocks.first { $0.hasPrefix("# collective on its GPU's lane") })
        #expect(thin.split(separator: "\n").count > 1)
        // The full-height collective block holds no GPU lane's collective, only the placeholder row.
        let full = try #require(blocks.first { $0.hasPrefix("# collective\n") })
        #expect(full == "# collective\n-10 0 0", "\(full)")
        #expect(chart.script.contains("($1-0.45):(($3-$2)/2):(0.05) with boxxyerror lc rgb '#C44E52' title 'collective (thin: beside the compute it overlaps)'"))
        #expect(chart.script.contains("index 4 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#C44E52' notitle"))
        // Nothing is a transfer in an aggregated timeline: the key does not name one (an audit found "transfer" listed).
        #expect(blocks.contains("# transfer\n-10 0 0") && !chart.script.contains("title 'transfer'"), "\(chart.script)")
        #expect(chart.script.contains("title 'forward'") && chart.script.contains("title 'backward'"))
    }

    @Test func oneCountAndTheRunDrawnIsNamed() throws {
        let path = try writeTemporary(Self.scenario)
        let two = CLI.execute(["chart", "gantt", path, "--gpus", "8,64", "--out", NSTemporaryDirectory()])
        #expect(two.exitCode == 2 && two.stderr.contains("--gpus: a gantt chart draws one configuration"), "\(two.stderr)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-gantt-\(UUID().uuidString)").path
        let first = CLI.execute(["chart", "gantt", path, "--gpus", "8", "--out", folder])
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stdout.contains("drew the first run, 'first' (resnet50), of 2; --run 'second' draws the next"))
        let named = CLI.execute(["chart", "gantt", path, "--gpus", "8", "--run", "second", "--out", folder, "--force"])
        #expect(named.exitCode == 0 && !named.stdout.contains("drew the first run"))
    }
}
