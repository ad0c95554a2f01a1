import Foundation
import Testing
import Reports
import Scenario
import Simulation

/// Tensor fusion's waits (the rest of Horovod's cycle, the negotiation, the fusion-buffer
/// copies) and a parameter server's update are in the Chrome trace and the Gantt chart, on
/// lanes of their own named by their cause.
@Suite struct FusionWaitTests {
    func outcome(software: String) throws -> (Scenario, ScenarioRunner.Outcome) {
        let text = """
        name: fusion-wait
        model: resnet18
        batch_per_gpu: 16
        precision: fp32
        cluster: {gpu: V100-SXM2-16GB, gpus_per_node: 4}
        strategy: {kind: data, bucket_mb: 25}
        gpus: [4]
        software: \(software)
        """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-fusion-wait-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("scenario.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let scenario = try Scenario.load(path: path)
        return (scenario, try ScenarioRunner.simulate(scenario.runs[0], gpus: 4))
    }

    @Test func theChromeTraceShowsEveryWaitOnNamedLanesThatNeverOverlap() throws {
        let (scenario, fused) = try outcome(software: "{profile: ideal, fusion_cycle_ms: 5, fusion_threshold_mb: 64, negotiation_us: 35}")
        #expect(!fused.trace.waits.isEmpty)
        let json = try ChromeTrace.render(fused.trace, topology: fused.topology,
                                          layerNames: scenario.runs[0].network.layers.map(\.name), title: "t")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        let waits = events.filter { $0["cat"] as? String == "fusion wait" }
        #expect(waits.count == fused.trace.waits.filter { $0.end > $0.start }.count)
        let names = Set(events.filter { $0["name"] as? String == "thread_name" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String })
        #expect(names.contains("fusion wait 1"))
        var lanes: [String: [(Double, Double)]] = [:]
        for e in waits {
            lanes["\(e["pid"] as! Int)/\(e["tid"] as! Int)", default: []].append((e["ts"] as! Double, (e["ts"] as! Double) + (e["dur"] as! Double)))
        }
        for (_, spans) in lanes {
            let sorted = spans.sorted { $0.0 < $1.0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.1 <= b.0 + 1e-9) }
        }
    }

    /// The paper's hybrid under cuda-convnet2, aggregated: its replayed exchanges run beside one
    /// another (and its collectives beside them), so the trace spreads them over named lanes
    /// ("collectives", "collectives 2", ...) on which no two slices overlap, every one drawn.
    @Test func overlappingAggregatedCollectivesGetLanesThatNeverOverlap() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scenarios/paper/one-weird-trick.yaml").standardized.path
        var run = try Scenario.load(path: path).runs[0]
        run.fidelity = .aggregated
        let outcome = try ScenarioRunner.simulate(run, gpus: 8)
        let json = try ChromeTrace.render(outcome.trace, topology: outcome.topology, layerNames: run.network.layers.map(\.name), title: "t")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        let collectives = events.filter { $0["cat"] as? String == "collective" }
        #expect(collectives.count == outcome.trace.records.filter { $0.kind == .collective }.count)
        let names = Set(events.filter { $0["name"] as? String == "thread_name" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String })
        #expect(names.contains("collectives") && names.contains("collectives 2"))
        var lanes: [Int: [(Double, Double)]] = [:]
        for e in collectives { lanes[e["tid"] as! Int, default: []].append((e["ts"] as! Double, (e["ts"] as! Double) + (e["dur"] as! Double))) }
        for (_, spans) in lanes {
            let sorted = spans.sorted { $0.0 < $1.0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.1 <= b.0 + 1e-9) }
        }
    }

    /// TensorFlow's parameter servers on GPUs wait for the server's sum and update between
    /// the pushes and the pulls: named so, not as tensor fusion's waits.
    @Test func aServersUpdateIsNamedAsSuch() throws {
        let (scenario, served) = try outcome(software: "{profile: tensorflow-1-ps, launch_us_per_kernel_forward: 0}")
        #expect(!served.trace.waits.isEmpty && served.trace.waits.allSatisfy { $0.cause == .serverUpdate })
        let json = try ChromeTrace.render(served.trace, topology: served.topology,
                                          layerNames: scenario.runs[0].network.layers.map(\.name), title: "t")
        #expect(json.contains("\"server update 1\"") && json.contains("\"cat\" : \"server update\"") && !json.contains("fusion wait"), "\(json.prefix(300))")
        let gantt = try Charts.gantt(served.trace, topology: served.topology, title: "t", format: .png)
        #expect(gantt.data.contains("# server update") && gantt.script.contains("title 'server update'") && !gantt.data.contains("fusion"))
    }

    @Test func theGanttDrawsWaitsOnlyWhereThereAreAny() throws {
        let (_, fused) = try outcome(software: "{profile: ideal, fusion_cycle_ms: 5, fusion_threshold_mb: 64}")
        let (_, plain) = try outcome(software: "ideal")
        let withWaits = try Charts.gantt(fused.trace, topology: fused.topology, title: "t", format: .png)
        let without = try Charts.gantt(plain.trace, topology: plain.topology, title: "t", format: .png)
        #expect(withWaits.data.contains("# fusion wait"))
        #expect(withWaits.script.contains("title 'fusion wait'"))
        #expect(!without.data.contains("fusion wait"))
    }
}
