import Foundation
import Hardware
import Scenario
import Simulation
import Testing
@testable import Reports

/// Compares `text` with the golden file `Snapshots/NAME`; with
/// SCALECAST_RECORD_SNAPSHOTS=1 in the environment, records it instead (as
/// argument-parser's assertSnapshot does).
func assertSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/\(name)")
    if ProcessInfo.processInfo.environment["SCALECAST_RECORD_SNAPSHOTS"] == "1" {
        try text.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let golden = try #require(try? String(contentsOf: url, encoding: .utf8),
                              "no snapshot \(name); record it with SCALECAST_RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
    #expect(text == golden, "\(name) differs from its snapshot; if the change is intended, re-record with SCALECAST_RECORD_SNAPSHOTS=1",
            sourceLocation: sourceLocation)
}

/// A small scenario that simulates in milliseconds.
func fixtureScenario() throws -> Scenario {
    let yaml = """
        name: snapshot fixture
        description: Two runs of a small CNN on V100s over PCIe.
        model:
          name: snapshot-cnn
          input: [3, 32, 32]
          layers:
            - {name: conv1, type: conv, out: 32, kernel: 3, pad: 1}
            - {type: relu}
            - {type: maxpool, kernel: 2, stride: 2}
            - {name: fc1, type: fc, units: 256}
            - {type: relu}
            - {name: fc2, type: fc, units: 10}
            - {type: softmax}
        batch_per_gpu: 32
        cluster: {gpu: V100, gpus_per_node: 4, fabric: pcie-tree}
        gpus: [1, 2, 4]
        # The hardware alone: these snapshots check rendering, not the default profile.
        software: ideal
        runs:
          - {label: data, strategy: {kind: data, allreduce: ring}}
          - {label: hybrid, strategy: {kind: hybrid, scheme: b}}
        """
    return try Scenario(yaml: YAMLValueFixture.parse(yaml), baseDirectory: ".")
}

@Suite struct SnapshotTests {
    @Test func scalingScriptMatchesItsSnapshot() throws {
        let results = try ScenarioRunner.results(fixtureScenario())
        let chart = try Charts.scaling(results, title: "snapshot fixture: speedup", format: .png)
        try assertSnapshot(chart.script, named: "scaling.gp")
        try assertSnapshot(chart.data, named: "scaling.dat")
        #expect(chart.script.contains("set terminal pngcairo"))
        #expect(chart.script.contains("set xlabel \"GPUs\""))
    }

    @Test func throughputAndTimeToTrainShowEveryRunOnOneAxis() throws {
        let scenario = try fixtureScenario()
        let results = try ScenarioRunner.results(scenario)
        let throughput = try Charts.throughput(results, title: "snapshot fixture: images per second", format: .png)
        try assertSnapshot(throughput.script, named: "throughput.gp")
        try assertSnapshot(throughput.data, named: "throughput.dat")
        // Both axes logarithmic: linear scaling is a straight line, drawn from each run's fewest GPUs.
        #expect(throughput.script.contains("set logscale x 2\nset logscale y 10\n"))
        #expect(throughput.data.contains("# data: linear scaling from 1 GPU\n1 "))
        let time = try Charts.timeToTrain(results, goals: results.map { _ in nil }, title: "snapshot fixture: time per epoch", format: .svg)
        try assertSnapshot(time.script, named: "timetotrain.gp")
        #expect(time.script.contains("time per epoch (seconds, log scale)"))
        // Time falls as GPUs are added: the linear-scaling line, a point at each count (1, 2, 4), ends at a quarter of its start.
        let ideal = time.data.components(separatedBy: "# data: linear scaling from 1 GPU\n")[1].components(separatedBy: "\n\n")[0]
            .split(separator: "\n").map { Double($0.split(separator: " ")[1])! }
        #expect(ideal.count == 3 && abs(ideal[2] / (ideal[0] / 4) - 1) < 1e-6)
        #expect(!time.script.contains("each point’s epochs"))
    }

    /// A link the traffic also crosses is drawn where the range reaches it, and named in the
    /// legend and the data; outside the range nothing is drawn.
    @Test func aLinkTheTrafficAlsoCrossesIsMarkedInsideTheRange() throws {
        let points = [50.0, 100, 200, 400, 800].map { Charts.BandwidthPoint(gpus: 16, bandwidth: $0, imagesPerSecond: min($0, 205) * 100, stepSeconds: 0.1) }
        func chart(at bandwidth: Double) throws -> Chart {
            let whatIf = Charts.BandwidthWhatIf(link: "network (eth-100g)", linkName: "eth-100g", unit: "Gb/s", operatingPoint: 100,
                                                singleGPUImagesPerSecond: [16: 2000],
                                                alsoCrossed: .init(what: "the GPU-NIC PCIe link", linkName: "pcie4-x16", bandwidth: bandwidth))
            return try Charts.bandwidth(points, whatIf: whatIf, title: "t", format: .png)
        }
        let inside = try chart(at: 205.12)
        #expect(inside.script.contains("set arrow from 205.120000, graph 0 to 205.120000, graph 1 nohead dt 3"), "\(inside.script)")
        #expect(inside.script.contains("'pcie4-x16, 205 Gb/s' at 205.120000, graph 0.93"), "\(inside.script)")
        #expect(inside.script.contains("title 'dotted: the GPU-NIC PCIe link (pcie4-x16), crossed too'"), "\(inside.script)")
        #expect(inside.data.split(separator: "\n")[0].hasSuffix("; the traffic also crosses the GPU-NIC PCIe link (pcie4-x16, 205.120 Gb/s)"))
        let outside = try chart(at: 4000)
        #expect(!outside.script.contains("dt 3") && !outside.data.contains("also crosses"), "\(outside.script)")
        // Its line is drawn in a colour no GPU count's curve has (dark red read as the fourth count's).
        #expect(inside.script.contains("dt 3 lw 2 lc rgb '\(Charts.crossedColor)'") && !Charts.palette.contains(Charts.crossedColor))
        // The images/s axis reads as the log axes do, with thousands separators, from zero to the top's round step.
        #expect(inside.script.contains("set ytics (\"0\" 0, \"5,000\" 5000, \"10,000\" 10000, \"15,000\" 15000, \"20,000\" 20000, "
                                       + "\"25,000\" 25000, \"30,000\" 30000, \"35,000\" 35000)"), "\(inside.script)")
    }

    /// The report's prose keeps a tenth of a minute under ten minutes, as `Plan.duration` does (155 s read "3 minutes").
    @Test func theReportsDurationsKeepATenthUnderTenMinutes() {
        #expect(MarkdownReport.duration(155) == "2.6 minutes" && MarkdownReport.duration(599) == "10 minutes")
        #expect(MarkdownReport.duration(105.5) == "105.5 s" && MarkdownReport.duration(1440) == "24 minutes")
    }

    /// A range reads in one unit, its upper end's, where its lower end is at least one of them.
    @Test func aDurationRangeReadsInOneUnit() {
        #expect(MarkdownReport.durationRange(117.1...198) == "2.0 to 3.3 minutes")
        #expect(MarkdownReport.durationRange(5000...9000) == "1.4 to 2.5 hours")
        #expect(MarkdownReport.durationRange(30...7200) == "30.0 s to 2.0 hours")
    }

    /// A linear axis from zero takes a round step (1, 2, 2.5 or 5 x 10^k) that puts five to nine ticks on it.
    @Test func aLinearAxisTakesARoundStep() {
        for high in [0.9, 7.5, 67_277.2, 1.12e6, 3.3e9] {
            let axis = Charts.LinearAxis(high: high)
            let step = axis.ticks[1] - axis.ticks[0]
            let mantissa = step / pow(10, floor(log10(step)))
            #expect([1, 2, 2.5, 5].contains { abs($0 - mantissa) < 1e-9 }, "\(high): step \(step)")
            #expect((5...9).contains(axis.ticks.count) && axis.ticks.first == 0 && axis.ticks.last! <= high
                    && axis.ticks.last! + step > high, "\(high): \(axis.ticks)")
        }
        #expect(Charts.LinearAxis(high: 67_277.2).tics(Charts.number).hasSuffix("\"60,000\" 60000"))
        // Nothing to divide: zero alone, not a trap.
        for high in [0, -5, Double.nan, Double.infinity] { #expect(Charts.LinearAxis(high: high).ticks == [0]) }
    }

    /// A socket transport's cap on every NIC is drawn dash-dotted where the range reaches it, named in the legend and the
    /// data; today's label goes away from the nearest line marked (it ran through the cap's line).
    @Test func theSoftwaresCapOnTheLinkIsMarked() throws {
        let points = [5.0, 10, 20, 40, 80, 160].map { Charts.BandwidthPoint(gpus: 16, bandwidth: $0, imagesPerSecond: min($0, 14.8) * 100, stepSeconds: 0.1) }
        let whatIf = Charts.BandwidthWhatIf(link: "network (eth-20g)", linkName: "eth-20g", unit: "Gb/s", operatingPoint: 20,
                                            singleGPUImagesPerSecond: [16: 200],
                                            alsoCrossed: .init(what: "the GPU-NIC PCIe link", linkName: "pcie3-x16", bandwidth: 102.56),
                                            softwareCap: .init(what: "TCP sockets cap each NIC (1 stream x 1.85 GB/s)", linkName: "sockets",
                                                               bandwidth: 14.8))
        let chart = try Charts.bandwidth(points, whatIf: whatIf, title: "t", format: .png)
        #expect(chart.script.contains("set arrow from 14.800000, graph 0 to 14.800000, graph 1 nohead dt 4 lw 2"), "\(chart.script)")
        #expect(chart.script.contains("'sockets, 14.8 Gb/s' at 14.800000, graph 0.84"), "\(chart.script)")
        #expect(chart.script.contains("title 'dash-dotted: TCP sockets cap each NIC (1 stream x 1.85 GB/s)'"), "\(chart.script)")
        #expect(chart.script.contains("'today: eth-20g, 20 Gb/s' at 20.000000, graph 0.96 left"), "\(chart.script)")
        #expect(chart.data.split(separator: "\n")[0].hasSuffix("; the traffic also crosses the GPU-NIC PCIe link (pcie3-x16, 102.560 Gb/s), "
                                                               + "the software caps the link: TCP sockets cap each NIC (1 stream x 1.85 GB/s) (sockets, 14.800 Gb/s)"))
    }

    /// A bandwidth below 0.01 keeps its digits in the data (four decimals wrote 1e-5 Gb/s as 0.0000, which the log axis drops).
    @Test func aTinyBandwidthKeepsItsDigitsInTheData() throws {
        let points = [1e-5, 0.5, 100].map { Charts.BandwidthPoint(gpus: 2, bandwidth: $0, imagesPerSecond: 100, stepSeconds: 0.1) }
        let whatIf = Charts.BandwidthWhatIf(link: "network (eth-100g)", linkName: "eth-100g", unit: "Gb/s", operatingPoint: 100,
                                            singleGPUImagesPerSecond: [2: 60])
        let rows = try Charts.bandwidth(points, whatIf: whatIf, title: "t", format: .png).data.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.prefix(3).map { String($0.split(separator: " ")[0]) } == ["1e-05", "0.5000", "100.0000"], "\(rows)")
    }

    @Test func bandwidthWhatIfIsCentredOnTodayInOneUnit() throws {
        let points = [0.5, 1, 2].flatMap { factor in
            [2, 4].map { Charts.BandwidthPoint(gpus: $0, bandwidth: 300 * factor, imagesPerSecond: Double($0) * 900 * min(1, factor),
                                               stepSeconds: 0.1) }
        }
        let whatIf = Charts.BandwidthWhatIf(link: "NVLink (nvlink3)", linkName: "nvlink3", unit: "GB/s", operatingPoint: 300,
                                            singleGPUImagesPerSecond: [2: 1000, 4: 1000])
        let chart = try Charts.bandwidth(points, whatIf: whatIf, title: "what if the NVLink were faster or slower?", format: .png)
        try assertSnapshot(chart.script, named: "bandwidth.gp")
        try assertSnapshot(chart.data, named: "bandwidth.dat")
        #expect(chart.script.contains("'today: nvlink3, 300 GB/s'"))
        #expect(chart.script.contains("set arrow from 300.000000, graph 0 to 300.000000, graph 1"))
        #expect(!chart.script.contains("Gb/s") && !chart.data.contains("Gb/s"))
        // Linear scaling (GPUs x one GPU) is a horizontal line per GPU count.
        #expect(chart.script.contains("set arrow from graph 0, first 4000.0 to graph 1, first 4000.0 nohead dt 2"))
    }

    @Test func costTimeLabelsItsPointsAndDrawsTheDeadlineAndBudget() throws {
        let points = [(10.0, 100.0), (5, 150), (2.5, 400), (8, 500)].enumerated().map {
            Charts.CostTimePoint(hours: $1.0, dollars: $1.1, label: "configuration \($0 + 1)")
        }
        let chart = try Charts.costTime(all: points, front: Array(points.prefix(3)), chosen: points[1], deadlineHours: 6,
                                        budgetDollars: 300, title: "fixture: time and cost to train, 4 configurations", format: .png)
        try assertSnapshot(chart.script, named: "costtime.gp")
        #expect(chart.script.contains("set title 'fixture: time and cost to train, 4 configurations'"))
        #expect(chart.script.contains("title '2: configuration 2: 5 h, $150'"))
        #expect(chart.script.contains("set label 'deadline: 6 h'") && chart.script.contains("set label 'budget: $300'"))
        #expect(chart.data.contains("5.0000 150.00 \"2\"\n"))
        // A deadline at the right end of the axis puts its label left of its line, inside the canvas (an audit saw it clipped).
        let late = try Charts.costTime(all: points, front: Array(points.prefix(3)), chosen: nil, deadlineHours: 12, budgetDollars: nil,
                                       title: "t", format: .png)
        #expect(late.script.contains("set label 'deadline: 12 h' at 12.0000, graph 0.96 right offset -0.6,0"), "\(late.script)")
        // Costs under $100 keep their cents (four costs of $30.98-$31.50 read "$31" alike); an owned cluster's capex is in the key.
        let owned = [Charts.CostTimePoint(hours: 2.16, dollars: 12.21, label: "8 x A100", capexUSD: 162_996),
                     Charts.CostTimePoint(hours: 1.29, dollars: 13.53, label: "8 x H100", capexUSD: 311_707)]
        let bought = try Charts.costTime(all: owned, front: owned, chosen: nil, deadlineHours: nil, budgetDollars: nil, title: "t", format: .png)
        #expect(bought.script.contains("title '1: 8 x A100: 2.16 h, $12.21 (capex $162,996)'")
                && bought.script.contains("title '2: 8 x H100: 1.29 h, $13.53 (capex $311,707)'"), "\(bought.script)")
        #expect(bought.script.contains("title 'a configuration searched' with points") && !bought.data.contains("12.21 1\n"))
        // Bought and rented configurations searched beside each other: two marks, told apart in the key.
        let rented = Charts.CostTimePoint(hours: 1.3, dollars: 31.0, label: "8 x H100, rented")
        let both = try Charts.costTime(all: owned + [rented], front: owned, chosen: nil, deadlineHours: nil, budgetDollars: nil, title: "t", format: .png)
        #expect(both.script.contains("using 1:($3 > 0 ? $2 : 1/0) title 'a configuration searched, bought'")
                && both.script.contains("using 1:($3 > 0 ? 1/0 : $2) title 'a configuration searched, rented'"), "\(both.script)")
        #expect(both.data.contains("2.1600 12.21 1\n") && both.data.contains("1.3000 31.00 0\n"), "\(both.data)")
    }

    @Test func breakdownAndGanttScriptsMatchTheirSnapshots() throws {
        let scenario = try fixtureScenario()
        let results = try ScenarioRunner.results(scenario)
        try assertSnapshot(try Charts.breakdown(results, title: "where the step goes", format: .svg).script, named: "breakdown.gp")
        let outcome = try ScenarioRunner.simulate(scenario.runs[1], gpus: 4)
        let gantt = try Charts.gantt(outcome.trace, topology: outcome.topology, title: "one step", format: .png, step: outcome.measuredStep)
        try assertSnapshot(gantt.script, named: "gantt.gp")
    }

    /// The waits priced after the simulated part are parts of the bars of their own: a step stretched to
    /// what the loader delivers drew that wait as grey "idle", as if the GPUs waited for each other.
    @Test func theBreakdownDrawsTheLoaderWaitApartFromIdle() throws {
        var scenario = try fixtureScenario()
        scenario.runs[0].software.loader = .cpu
        scenario.runs[0].software.loaderImagesPerSecondPerNode = 2000
        let results = try ScenarioRunner.results(scenario).filter { $0.runIndex == 0 }
        let waiting = try #require(results.last)
        #expect(waiting.metrics.isInputBound, "the fixture's loader should bind at 4 GPUs")
        let chart = try Charts.breakdown(results, title: "t", format: .png)
        #expect(chart.script.contains("'' using 4 title 'waiting for the loader' lc rgb '#55A868'"), "\(chart.script)")
        #expect(!chart.script.contains("slowest GPU") && !chart.script.contains("periodic work"), "\(chart.script)")
        // Columns: label, compute, exposed communication, loader wait, idle, step ("64 ms").
        #expect(chart.data.hasPrefix("# label compute_percent exposed_communication_percent input_wait_percent idle_percent step_label"))
        let row = try #require(chart.data.split(separator: "\n").last).split(separator: "\"")[1].split(separator: " ")
        let m = waiting.metrics
        #expect(abs(Double(row[2])! - m.inputWaitSeconds / m.stepSeconds * 100) < 0.001, "\(row)")
        #expect(abs(Double(row[3])! - (m.idleSeconds - m.inputWaitSeconds) / m.stepSeconds * 100) < 0.01, "\(row)")
        #expect(abs(row.prefix(4).map { Double($0)! }.reduce(0, +) - 100) < 0.01, "\(row)")
    }

    @Test func reportMatchesItsSnapshotAndAnswersFirst() throws {
        let text = try report()
        try assertSnapshot(text, named: "report.md")
        let firstParagraph = text.components(separatedBy: "\n\n")[1]
        #expect(firstParagraph.hasPrefix("**The answer.**"))
        #expect(firstParagraph.contains("images/s"))
        #expect(firstParagraph.contains("epoch"))
        #expect(firstParagraph.contains("Allowing for the fixture's errors, the rate is likely (10th to 90th percentile) 900-1,100 images/s, "
                                        + "so an epoch takes"))
        #expect(text.contains("## Sources of the hardware figures"))
    }

    @Test func reportsAreByteIdenticalAcrossRuns() throws {
        #expect(try report() == report())
    }

    func report() throws -> String {
        let scenario = try fixtureScenario()
        let results = try ScenarioRunner.results(scenario)
        let best = try #require(MarkdownReport.best(of: results))
        let spec = try #require(scenario.runs.first { $0.label == best.runLabel })
        let outcome = try ScenarioRunner.simulate(spec, gpus: best.gpus)
        let analysis = StepAnalysis(trace: outcome.trace, graph: outcome.graph, topology: outcome.topology,
                                    layerNames: spec.network.layers.map(\.name), metrics: outcome.metrics, step: outcome.measuredStep)
        return MarkdownReport.render(.init(scenario: scenario, scenarioPath: "fixture.yaml", results: results, best: best,
                                           bestAnalysis: analysis, charts: [("scaling.png", "Speedup")],
                                           range: .init(imagesPerSecond: 900...1100, seconds: 1164.7...1423.5, dollars: nil,
                                                        source: "the fixture's errors")))
    }
}

@Suite struct ChromeTraceTests {
    /// Every task appears once, a transfer once on each link of its route.
    @Test func everyTaskAppearsOnceAndNoGPULaneOverlaps() throws {
        let scenario = try fixtureScenario()
        let outcome = try ScenarioRunner.simulate(scenario.runs[1], gpus: 4)
        let json = try ChromeTrace.render(outcome.trace, topology: outcome.topology,
                                          layerNames: scenario.runs[1].network.layers.map(\.name), title: "t")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]]).filter { $0["ph"] as? String == "X" }
        let tasks = events.compactMap { ($0["args"] as? [String: Any])?["task"] as? Int }
        let expected = outcome.trace.records.flatMap { r in
            r.kind == .transfer ? Array(repeating: r.task, count: outcome.topology.route(from: r.device, to: r.destination!).count) : [r.task]
        }
        #expect(outcome.trace.records.contains { $0.kind == .transfer && outcome.topology.route(from: $0.device, to: $0.destination!).count > 1 })
        #expect(tasks.sorted() == expected.sorted())
        #expect(Set(tasks) == Set(0..<outcome.graph.tasks.count))
        // On every (process, thread) lane, complete events never overlap.
        var lanes: [String: [(Double, Double)]] = [:]
        for e in events {
            let key = "\(e["pid"] as! Int)/\(e["tid"] as! Int)"
            lanes[key, default: []].append((e["ts"] as! Double, (e["ts"] as! Double) + (e["dur"] as! Double)))
        }
        for (_, spans) in lanes {
            let sorted = spans.sorted { $0.0 < $1.0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.1 <= b.0 + 1e-9) }
        }
        // GPUs are processes 0..<4, links from 1000 on.
        #expect(Set(events.map { $0["pid"] as! Int }.filter { $0 < 1000 }) == [0, 1, 2, 3])
        #expect(events.contains { ($0["pid"] as! Int) >= 1000 })
    }

    /// Where one GPU stands for all (aggregated), only the GPUs with tasks get tracks: the others'
    /// empty ones only make the file larger (131,072 of them made a 96 MB trace of 1,026 tasks).
    @Test func onlyGPUsWithTasksGetTracks() throws {
        let scenario = try fixtureScenario()
        var run = scenario.runs[0]
        run.fidelity = .aggregated
        let outcome = try ScenarioRunner.simulate(run, gpus: 4)
        let json = try ChromeTrace.render(outcome.trace, topology: outcome.topology, layerNames: run.network.layers.map(\.name), title: "t")
        let events = try #require((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["traceEvents"] as? [[String: Any]])
        let named = events.filter { $0["name"] as? String == "process_name" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(named.filter { $0.hasPrefix("GPU ") } == ["GPU 0"], "\(named)")
        #expect(Set(outcome.trace.records.map(\.device)) == [0])
    }

    /// Every lane has a name, every step a marker, and each transfer an arrow to
    /// the compute that waits for it: a pair of flow events inside the two slices.
    @Test func threadsAreNamedStepsMarkedAndTransfersPointToTheirCompute() throws {
        let scenario = try fixtureScenario()
        let outcome = try ScenarioRunner.simulate(scenario.runs[1], gpus: 4)
        let json = try ChromeTrace.render(outcome.trace, topology: outcome.topology,
                                          layerNames: scenario.runs[1].network.layers.map(\.name), title: "t", graph: outcome.graph)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        func lane(_ e: [String: Any]) -> String { "\(e["pid"] as! Int)/\(e["tid"] as! Int)" }
        let slices = events.filter { $0["ph"] as? String == "X" }
        let named = Set(events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }.map(lane))
        #expect(Set(slices.map(lane)).isSubset(of: named), "a lane without a thread name")
        #expect(events.contains { $0["name"] as? String == "thread_name" && ($0["args"] as? [String: Any])?["name"] as? String == "compute" })
        #expect(events.contains { $0["name"] as? String == "thread_name" && ($0["args"] as? [String: Any])?["name"] as? String == "transfers 1" })
        // One global marker per step, at the first start of its tasks.
        let markers = events.filter { $0["ph"] as? String == "i" }
        let steps = Set(outcome.trace.records.map(\.step))
        #expect(markers.count == steps.count)
        for marker in markers {
            #expect(marker["s"] as? String == "g")
            let step = try #require((marker["args"] as? [String: Any])?["step"] as? Int)
            let first = outcome.trace.records.filter { $0.step == step }.map(\.start.nanoseconds).min()!
            #expect(marker["ts"] as? Double == Double(first) / 1e3)
        }
        // Flows: each "s" inside a transfer's slice, its "f" inside a compute slice of a task that depends on that transfer.
        let starts = events.filter { $0["ph"] as? String == "s" }, ends = events.filter { $0["ph"] as? String == "f" }
        #expect(!starts.isEmpty)
        #expect(starts.count == ends.count)
        let slicesByLane = Dictionary(grouping: slices, by: lane)
        func enclosing(_ e: [String: Any]) -> [String: Any]? {
            let ts = e["ts"] as! Double
            return slicesByLane[lane(e)]?.first { ($0["ts"] as! Double) < ts && ts < ($0["ts"] as! Double) + ($0["dur"] as! Double) }
        }
        let endByID = Dictionary(uniqueKeysWithValues: ends.map { ($0["id"] as! Int, $0) })
        for start in starts {
            let end = try #require(endByID[start["id"] as! Int])
            #expect(end["bp"] as? String == "e")
            let from = try #require(enclosing(start)), to = try #require(enclosing(end))
            #expect(from["cat"] as? String == "transfer")
            #expect(["forward", "backward", "update"].contains(to["cat"] as? String))
            let source = (from["args"] as! [String: Any])["task"] as! Int, target = (to["args"] as! [String: Any])["task"] as! Int
            #expect(outcome.graph.tasks[target].dependencies.contains(source))
        }
        // Every transfer some compute depends on has its arrow.
        let fed = Set(outcome.graph.tasks.filter { [.forward, .backward, .update].contains($0.kind) }
            .flatMap { task in task.dependencies.filter { outcome.graph.tasks[$0].kind == .transfer }.map { "\($0)>\(task.id)" } })
        #expect(starts.count == fed.count)
    }
}

