import Foundation
import Scenario
import ScaleCastCLI
import Software
import Testing

/// The profile's `collective_sm_share:`: which built-in profiles model interference,
/// what it does to a scenario, and its bad input.
@Suite struct InterferenceProfileTests {
    /// The NCCL profiles (PyTorch's and NVIDIA's MXNet with Horovod) take a whole SM per
    /// block; every other profile leaves overlap free.
    @Test func theNCCLProfilesTurnItOn() throws {
        let catalog = try ProfileCatalog.builtIn()
        for name in catalog.names {
            let profile = try #require(catalog.profile(named: name))
            let nccl = ["pytorch-ddp", "pytorch-ddp-dataloader", "pytorch-compiled", "mxnet-horovod", "mxnet-horovod-graphs"].contains(name)
            #expect(profile.collectiveSMShare == (nccl ? 1 : 0), "\(name)")
            if nccl { #expect(profile.sources["collective_sm_share"]?.contains("src/enqueue.cc") == true) }
        }
        #expect(ExecutionProfile.ideal.collectiveSMShare == 0)
        var p = ExecutionProfile.ideal
        p.collectiveSMShare = 0.5
        #expect(!p.isIdeal)
    }

    /// Under pytorch-ddp the overlapped all-reduces slow backward: a longer step than
    /// the same profile with the share overridden to 0.
    @Test func aScenarioStepIsLongerWithIt() throws {
        func step(_ software: String) throws -> Double {
            let s = try Scenario.load(path: try temporaryScenario(scenario(batch: 32, gpus: [8], extra: "software: \(software)")))
            return try ScenarioRunner.simulate(s.runs[0], gpus: 8).metrics.stepSeconds
        }
        let on = try step("pytorch-ddp"), off = try step("{profile: pytorch-ddp, collective_sm_share: 0}")
        #expect(on > off)
        let overridden = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: pytorch-ddp, collective_sm_share: 0.5}")))
        #expect(overridden.runs[0].software.collectiveSMShare == 0.5 && overridden.runs[0].software.overridden == ["collective_sm_share"])
    }

    /// `explain` says how long compute ran slowed and what it cost; not under ideal.
    @Test func explainNamesIt() throws {
        let path = try temporaryScenario(scenario(batch: 32, gpus: [8], extra: "software: pytorch-ddp"))
        let out = CLI.execute(["explain", path, "--gpus", "8"])
        #expect(out.exitCode == 0 && out.stdout.contains("collective interference: NCCL's kernels held up to"))
        #expect(out.stdout.contains("costing"))
        // The JSON carries the same figures.
        let json = CLI.execute(["explain", path, "--gpus", "8", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let interference = try #require((document["runs"] as? [[String: Any]])?.first?["interference"] as? [String: Any])
        let blocks = try #require(interference["blocks"] as? Int), slowed = try #require(interference["slowed_seconds"] as? Double)
        let rate = try #require(interference["slowest_rate"] as? Double), lost = try #require(interference["lost_compute_seconds"] as? Double)
        #expect(blocks > 0 && slowed > 0 && rate > 0 && rate < 1 && lost > 0 && lost < slowed)
        #expect(out.stdout.contains("held up to \(blocks) thread blocks"))
        // The Chrome trace shows the slowed spans on a "compute slowed" thread of each GPU.
        let tracePath = path + ".trace.json"
        #expect(CLI.execute(["trace", path, "--gpus", "8", "--out", tracePath]).exitCode == 0)
        let trace = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tracePath))) as? [String: Any])
        let events = try #require(trace["traceEvents"] as? [[String: Any]])
        let slowedLanes = Set(events.filter { $0["name"] as? String == "thread_name" && ($0["args"] as? [String: Any])?["name"] as? String == "compute slowed" }
            .map { "\($0["pid"] as! Int)/\($0["tid"] as! Int)" })
        let spans = events.filter { $0["cat"] as? String == "interference" }
        #expect(!spans.isEmpty && Set(spans.map { "\($0["pid"] as! Int)/\($0["tid"] as! Int)" }) == slowedLanes)
        #expect(spans.allSatisfy { (($0["args"] as? [String: Any])?["rate"] as? Double).map { $0 > 0 && $0 < 1 } == true })
        // Each span lies within a compute task of its GPU: a collective in flight while the GPU waits slows nothing
        // (an audit found spans running 1.6 ms past the compute they slowed).
        let computeTasks = events.filter { $0["ph"] as? String == "X" && $0["tid"] as? Int == 0 && $0["cat"] as? String != "transfer" }
        for span in spans {
            let (pid, ts) = (span["pid"] as! Int, span["ts"] as! Double), end = ts + (span["dur"] as! Double)
            #expect(computeTasks.contains { $0["pid"] as? Int == pid && ($0["ts"] as! Double) <= ts + 1e-6
                                            && ($0["ts"] as! Double) + ($0["dur"] as! Double) >= end - 1e-6 }, "\(span)")
        }
        // On each GPU's "compute slowed" thread the spans never overlap (one rate at a time).
        for lane in slowedLanes {
            let onLane = spans.filter { "\($0["pid"] as! Int)/\($0["tid"] as! Int)" == lane }
                .map { ($0["ts"] as! Double, ($0["ts"] as! Double) + ($0["dur"] as! Double)) }.sorted { $0.0 < $1.0 }
            for (a, b) in zip(onLane, onLane.dropFirst()) { #expect(a.1 <= b.0 + 1e-9, "\(lane): \(a) overlaps \(b)") }
        }
        try scenario(batch: 32, gpus: [8], extra: "software: ideal").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(!CLI.execute(["explain", path, "--gpus", "8"]).stdout.contains("interference"))
    }

    /// `scalecast software` lists it: the JSON field where it is on, a line per such profile.
    @Test func theSoftwareListingShowsIt() throws {
        let json = CLI.execute(["software", "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(list.first { $0["name"] as? String == "pytorch-ddp" }?["collective_sm_share"] as? Double == 1)
        #expect(list.first { $0["name"] as? String == "ideal" }?["collective_sm_share"] == nil)
        let text = CLI.execute(["software"]).stdout
        #expect(text.contains("pytorch-ddp interference: each block of an NCCL collective takes 1 SM"))
        #expect(text.contains("  collective_sm_share: NCCL launches each collective"))
    }

    @Test func badInputIsLocated() throws {
        for value in ["-0.1", "1.5", "lots", ".nan"] {
            let e = try scenarioError("software: {profile: pytorch-ddp, collective_sm_share: \(value)}")
            #expect(e.keyPath == "software.collective_sm_share" && e.line == 9, "\(value): \(e)")
        }
        let unknown = try scenarioError("software: {profile: pytorch-ddp, collective_sms: 1}")
        #expect(unknown.line == 9 && unknown.message.contains("collective_sms"))
        let path = try temporaryScenario(scenario(extra: "software: {profile: ideal, collective_sm_share: 2}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains(path) && out.stderr.contains("software.collective_sm_share")
                && out.stderr.contains(":9:"))
    }
}
