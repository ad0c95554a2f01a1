import Foundation
import Testing
@testable import ScaleCastCLI
@testable import Reports
import Scenario

/// Charts are read at their default size: no title, label, tick or legend may be
/// cut at the canvas' edge, whatever the scenario's names.
@Suite struct ChartLayoutTests {
    /// A long name of wide letters, with a word too long for any line.
    static let longName = String(repeating: "WMW Wide Name ", count: 12) + String(repeating: "W", count: 150)

    /// Every chart kind for a scenario and runs with `longName`s, and a cost-time chart with long configurations.
    static func charts() throws -> [Chart] {
        let scenario = try Scenario.load(path: try writeTemporary(HostileNameTests.scenario(named: longName)))
        var charts = try ChartCommand.Kind.allCases.map { kind in
            try ChartBuilder.chart(kind, scenario: scenario, run: nil, gpus: kind == .gantt ? [4] : [1, 2, 4, 8], link: nil,
                                   bandwidths: nil, format: .png)
        }
        let points = (1...30).map { i in
            Charts.CostTimePoint(hours: 100 / Double(i), dollars: 1000 + 37 * Double(i), label: "\(i) x \(longName)")
        }
        charts.append(try Charts.costTime(all: points, front: points, chosen: points[3], deadlineHours: 20, budgetDollars: 1500,
                                          title: longName, format: .png))
        return charts
    }

    /// The pixels of the outermost row and column on each side of `png` that are
    /// not white, as gnuplot reads them (x, y, r, g, b per line): ink at the edge
    /// is something cut off.
    static func inkAtTheEdge(_ png: String, width: Int, height: Int, in directory: String) throws -> [String] {
        let script = """
            set table 'edge.txt'
            plot '\(png)' binary filetype=png using 1:2:3 with table \
            if (($0 == 0 || $0 == \(width - 1) || column(-1) == 0 || column(-1) == \(height - 1)) && $1 + $2 + $3 < 720)
            unset table
            """
        try script.write(toFile: directory + "/edge.gp", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = try #require(Gnuplot.executable)
        process.arguments = ["--default-settings", "edge.gp"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let table = try String(contentsOfFile: directory + "/edge.txt", encoding: .utf8)
        return table.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    @Test(.enabled(if: Gnuplot.executable != nil, "gnuplot is not installed"))
    func nothingIsCutAtTheCanvasEdgeEvenWithLongNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-layout-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let charts = try Self.charts()
        let drawn = try Gnuplot.write(charts, into: directory, force: false)
        #expect(drawn.images.count == charts.count)
        for chart in charts {
            let size = try #require(chart.script.firstMatch(of: /size (\d+),(\d+)/), "\(chart.name): no canvas size")
            let ink = try Self.inkAtTheEdge(chart.imageFile, width: Int(size.1)!, height: Int(size.2)!, in: directory)
            #expect(ink.isEmpty, "\(chart.name).png is cut at its edge: \(ink.prefix(5))")
        }
    }

    /// The check above can fail: a label placed past the canvas is found.
    @Test(.enabled(if: Gnuplot.executable != nil, "gnuplot is not installed"))
    func theEdgeCheckFindsACutLabel() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-layout-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = Chart.terminal(.png, width: 300, height: 200) + "\n" + Chart.output("cut.png") + "\n"
            + "set label 'a label far too long for this canvas' at screen 0.5, screen 0.5\nplot x notitle\n"
        _ = try Gnuplot.write([Chart(name: "cut", format: .png, data: "\n", script: script)], into: directory, force: false)
        #expect(!(try Self.inkAtTheEdge("cut.png", width: 300, height: 200, in: directory)).isEmpty)
    }

    @Test func marginsAndTitlesFollowTheText() {
        // The breakdown's bottom and left margins grow with its labels.
        let short = Charts.BreakdownLayout(labels: ["a, 1 GPU", "b, 2 GPUs"], title: "t", keyEntries: ["idle"])
        let long = Charts.BreakdownLayout(labels: [Self.longName + ", 1 GPU", "b, 2 GPUs"], title: "t", keyEntries: ["idle"])
        #expect(long.bottom > short.bottom + 50)
        #expect(long.left > short.left + 50)
        // Each rotated label fits left of its bar and above the canvas' bottom.
        let radians = Charts.labelAngle * .pi / 180
        let width = ChartText.width(Self.longName + ", 1 GPU")
        let plot = Double(long.width) - long.left - long.right
        let firstBar = long.left + Charts.BreakdownLayout.firstBar / (1 + Charts.BreakdownLayout.firstBar + Charts.BreakdownLayout.lastBar) * plot
        #expect(firstBar - width * cos(radians) > 0)
        #expect(long.bottom - width * sin(radians) > 0)
        // Titles wrap to the room they have; legends are shortened to theirs.
        let lines = ChartText.titleLines(Self.longName, width: 800)
        #expect(lines.count > 1 && lines.count <= 3)
        #expect(lines.allSatisfy { ChartText.width($0, points: ChartText.titlePoints) <= 800 })
        // No word alone on a title's last line where the line above can lend it its last word.
        let title = "Data parallel vs the one weird trick, 2014 PCIe vs 2022 NVSwitch: where the step goes, simulated"
        for width in stride(from: 300.0, through: 900, by: 10) {
            let wrapped = ChartText.titleLines(title, width: width)
            guard !wrapped.last!.hasSuffix("…") else { continue }   // too narrow for three lines: shortened instead
            #expect(wrapped.joined(separator: " ") == title, "\(width): \(wrapped)")
            #expect(wrapped.count == 1 || wrapped.last!.contains(" "), "\(width): \(wrapped)")
            #expect(wrapped.allSatisfy { ChartText.width($0, points: ChartText.titlePoints) <= width }, "\(width): \(wrapped)")
        }
        let legend = ChartText.shortened(Self.longName, toWidth: Charts.legendWidth)
        #expect(legend.hasSuffix("…") && ChartText.width(legend) <= Charts.legendWidth)
        #expect(ChartText.shortened("short", toWidth: Charts.legendWidth) == "short")
    }

    /// Front points whose numbers would be drawn on one another share one label, the first's ("1,2");
    /// points a label's width apart keep their own, and past `numberedFrontPoints` none is numbered.
    @Test func nearbyFrontLabelsMerge() throws {
        let near = [Charts.CostTimePoint(hours: 2.1559, dollars: 12.21, label: "a"), Charts.CostTimePoint(hours: 2.1558, dollars: 12.22, label: "b"),
                    Charts.CostTimePoint(hours: 0.2, dollars: 15, label: "c")]
        let x = Charts.LogAxis(low: 0.2, high: 2.2), y = Charts.LogAxis(low: 12, high: 15)
        #expect(Charts.frontLabels(near, x: x, y: y) == ["1,2", "", "3"])
        let chart = try Charts.costTime(all: near, front: near, chosen: nil, deadlineHours: nil, budgetDollars: nil, title: "t", format: .png)
        #expect(chart.data.contains("2.1559 12.21 \"1,2\"\n2.1558 12.22 \"\"\n0.2000 15.00 \"3\"\n"), "\(chart.data)")
        // Apart on either axis by more than a label: each its own number.
        let apart = [Charts.CostTimePoint(hours: 2, dollars: 12, label: "a"), Charts.CostTimePoint(hours: 1, dollars: 12.01, label: "b"),
                     Charts.CostTimePoint(hours: 2, dollars: 15, label: "c")]
        #expect(Charts.frontLabels(apart, x: x, y: y) == ["1", "2", "3"])
        let many = (1...25).map { Charts.CostTimePoint(hours: 100 / pow(1.2, Double($0)), dollars: 10 * pow(1.2, Double($0)), label: "\($0)") }
        let labels = Charts.frontLabels(many, x: Charts.LogAxis(low: many.last!.hours, high: many[0].hours),
                                        y: Charts.LogAxis(low: many[0].dollars, high: many.last!.dollars))
        #expect(labels.prefix(Charts.numberedFrontPoints) == ArraySlice((1...Charts.numberedFrontPoints).map(String.init)))
        #expect(labels.dropFirst(Charts.numberedFrontPoints).allSatisfy { $0.isEmpty })
    }

    /// A plan over two models draws each model's front as its own line and colour (joined, the
    /// line crossed itself), numbers their points in turn with the model in the key, and rings
    /// each model's chosen configuration.
    @Test func eachModelHasItsOwnFront() throws {
        let a = [Charts.CostTimePoint(hours: 4, dollars: 10, label: "8 x H100"), Charts.CostTimePoint(hours: 1, dollars: 30, label: "32 x H100")]
        let b = [Charts.CostTimePoint(hours: 9, dollars: 5, label: "8 x H100"), Charts.CostTimePoint(hours: 2, dollars: 20, label: "32 x H100")]
        let chart = try Charts.costTime(all: a + b, fronts: [("resnet50", a), ("efficientnet_b0", b)], chosen: [a[0], b[1]],
                                        deadlineHours: 5, budgetDollars: nil, title: "t", format: .png)
        let blocks = chart.data.components(separatedBy: "\n\n\n")
        #expect(blocks.count == 4, "\(chart.data)")
        #expect(blocks[1].hasPrefix("# Pareto front of resnet50: hours dollars number\n4.0000 10.00 \"1\"\n1.0000 30.00 \"2\""), "\(blocks[1])")
        #expect(blocks[2].hasPrefix("# Pareto front of efficientnet_b0: hours dollars number\n9.0000 5.00 \"3\""), "\(blocks[2])")
        #expect(blocks[3] == "# chosen\n4.0000 10.00\n2.0000 20.00\n", "\(blocks[3])")
        #expect(chart.script.contains("index 1 using 1:2 title 'Pareto front of resnet50 (nothing of it both cheaper and faster)' "
                                      + "with linespoints lw 2 pt 7 lc rgb '#C44E52'"), "\(chart.script)")
        #expect(chart.script.contains("index 2 using 1:2 title 'Pareto front of efficientnet_b0 (nothing of it both cheaper and faster)' "
                                      + "with linespoints lw 2 pt 7 lc rgb '#55A868'"))
        #expect(chart.script.contains("index 3 using 1:2 title 'chosen: each model’s cheapest that meets the deadline' with points pt 4"))
        #expect(chart.script.contains("'3: efficientnet_b0, 8 x H100: "), "\(chart.script)")
        // A model without a front draws none: the later fronts and the choices keep their indices.
        let empty = try Charts.costTime(all: a + b, fronts: [("alexnet", []), ("resnet50", a), ("efficientnet_b0", b)], chosen: [a[0]],
                                        deadlineHours: 5, budgetDollars: nil, title: "t", format: .png)
        #expect(empty.data.components(separatedBy: "\n\n\n").count == 4 && !empty.data.contains("alexnet"), "\(empty.data)")
        #expect(empty.script.contains("index 1 using 1:2 title 'Pareto front of resnet50") && empty.script.contains("index 3 using 1:2 title 'chosen"))
        // One model's chart is as it was: its front unnamed, its chosen configuration alone.
        let one = try Charts.costTime(all: a, front: a, chosen: a[0], deadlineHours: 5, budgetDollars: nil, title: "t", format: .png)
        #expect(one.script.contains("index 1 using 1:2 title 'Pareto front: nothing is both cheaper and faster'")
                && one.script.contains("index 2 using 1:2 title 'chosen: the cheapest that meets the deadline'"))
    }

    /// A bandwidth what-if's linear-scaling ceiling at a count where max_global_batch cuts the
    /// batch is that count times one GPU at the cut batch, not at the batch asked for (a buyer read
    /// the smaller batch's cost as the network's).
    @Test func theLinearCeilingIsAtTheBatchEachGPUTrains() throws {
        let text = """
            name: cut
            model: resnet50
            precision: bf16
            batch_per_gpu: 256
            max_global_batch: 4096
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}
            gpus: [8, 64]
            """
        let scenario = try Scenario.load(path: try writeTemporary(text))
        let chart = try ChartBuilder.chart(.bandwidth, scenario: scenario, run: nil, gpus: nil, link: nil, bandwidths: [100, 200], format: .png)
        let small = try Scenario.load(path: try writeTemporary(text.replacingOccurrences(of: "batch_per_gpu: 256", with: "batch_per_gpu: 64")))
        let full = try ScenarioRunner.simulate(scenario.runs[0], gpus: 1).metrics.imagesPerSecond
        let cut = try ScenarioRunner.simulate(small.runs[0], gpus: 1).metrics.imagesPerSecond
        #expect(cut < full)
        #expect(chart.script.contains("first \(Format.fixed(8 * full, 1)) nohead"), "\(chart.script)")
        #expect(chart.script.contains("first \(Format.fixed(64 * cut, 1)) nohead") && !chart.script.contains("first \(Format.fixed(64 * full, 1)) nohead"),
                "\(chart.script)")
    }

    @Test func textWidthsAreDejaVuSans() {
        // 11 points at 96 dpi: an em is 14.67 px; "W" is 2025/2048 em, "i" 569/2048 (plus 3%).
        #expect(abs(ChartText.width("W") - 2025.0 / 2048 * 11 * 96 / 72 * 1.03) < 1e-9)
        #expect(ChartText.width("iiii") < ChartText.width("WW"))
        #expect(abs(ChartText.width("日") - 11 * 96 / 72 * 1.03) < 1e-9)
    }
}

/// A network what-if under a profile whose sockets cap every Ethernet NIC marks the cap, the rate past which a
/// faster NIC buys nothing (the curves flattened there with nothing drawn to say why); on InfiniBand, where NCCL
/// runs its verbs transport instead, none is drawn.
@Suite struct BandwidthCapTests {
    static func scenario(link: String) -> String {
        """
        name: sockets
        model:
          name: tiny
          input: [3, 32, 32]
          layers:
            - {name: conv1, type: conv, out: 32, kernel: 3, pad: 1}
            - {type: relu}
            - {name: fc1, type: fc, units: 4096}
            - {name: fc2, type: fc, units: 10}
            - {type: softmax}
        batch_per_gpu: 32
        software: horovod
        cluster: {gpu: V100, gpus_per_node: 2, fabric: nvswitch, network: {link: \(link), nics_per_node: 1}}
        strategy: {kind: data, allreduce: ring}
        gpus: [4]
        """
    }

    @Test func theSocketsCapIsMarkedOnEthernetOnly() throws {
        let ethernet = try Scenario.load(path: try writeTemporary(Self.scenario(link: "eth-25g")))
        let capped = try ChartBuilder.chart(.bandwidth, scenario: ethernet, run: nil, gpus: nil, link: nil, bandwidths: nil, format: .png)
        #expect(capped.script.contains("title 'dash-dotted: TCP sockets cap each NIC (1 stream x "), "\(capped.script)")
        #expect(capped.script.contains("'sockets, "), "\(capped.script)")
        let infiniband = try Scenario.load(path: try writeTemporary(Self.scenario(link: "ib-edr")))
        let verbs = try ChartBuilder.chart(.bandwidth, scenario: infiniband, run: nil, gpus: nil, link: nil, bandwidths: nil, format: .png)
        #expect(!verbs.script.contains("sockets") && !verbs.script.contains("dt 4"), "\(verbs.script)")
        // On one node the network carries nothing: the what-if is refused, not drawn as flat curves; with a count that
        // spans nodes beside it, drawn, the marks with it.
        #expect(throws: UsageError.self) {
            try ChartBuilder.chart(.bandwidth, scenario: ethernet, run: nil, gpus: [2], link: "network", bandwidths: nil, format: .png)
        }
        let both = try ChartBuilder.chart(.bandwidth, scenario: ethernet, run: nil, gpus: [2, 4], link: "network", bandwidths: nil, format: .png)
        #expect(both.script.contains("dt 4"), "\(both.script)")
    }
}
