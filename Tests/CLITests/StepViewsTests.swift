import Foundation
import Testing
@testable import ScaleCastCLI

/// The views of one simulated step agree: the trace shows every link `explain` lists,
/// `explain` credits alike GPUs alike, its interference line measures compute that ran
/// slowed, and a Gantt chart of a step stretched after the simulation says so.
@Suite struct StepViewsTests {
    func json(_ arguments: [String]) throws -> [String: Any] {
        let out = CLI.execute(arguments)
        #expect(out.exitCode == 0, "\(out.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    }

    func explained(_ arguments: [String]) throws -> [String: Any] {
        try #require((try json(["explain"] + arguments + ["--json"])["runs"] as? [[String: Any]])?.first)
    }

    /// Two nodes of 8 GPUs on one NIC each (AlexNet, the default scenario): the bottleneck is
    /// the NIC's uplink, which no transfer starts on.
    @Test func theTraceShowsATransferOnEveryLinkItCrosses() throws {
        let arguments = ["scenarios/default.yaml", "--run", "AlexNet", "--gpus", "16"]
        // The trace names a link's process `link NAME (ROLE)`.
        let links = try #require(try explained(arguments)["resources"] as? [[String: Any]])
            .filter { ($0["role"] as? String) != "compute" }.compactMap { row in (row["name"] as? String).map { "link \($0) (\(row["role"] as? String ?? ""))" } }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-views-\(UUID().uuidString).json").path
        let traced = CLI.execute(["trace"] + arguments + ["--out", path])
        #expect(traced.exitCode == 0, "\(traced.stderr)")
        let events = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])?["traceEvents"]
                                  as? [[String: Any]])
        let processes = Set(events.filter { ($0["name"] as? String) == "process_name" && ($0["pid"] as? Int ?? 0) >= 1000 }
            .compactMap { ($0["args"] as? [String: Any])?["name"] as? String })
        #expect(links.contains("link n0.nic0->network-switch (network)"))
        #expect(Set(links) == processes, "explain's links \(links.sorted()), the trace's \(processes.sorted())")
    }

    /// The ring on 16 GPUs of PCIe trees: every GPU computes the same per step, and some start
    /// their step before GPU 0; each is busy the same share.
    @Test func alikeGPUsAreEquallyBusy() throws {
        let resources = try #require(try explained(["scenarios/bench/fidelity-agreement.yaml", "--run", "PCIe tree ring", "--gpus", "16"])["resources"]
                                     as? [[String: Any]])
        let busy = resources.filter { ($0["role"] as? String) == "compute" }.compactMap { $0["busy_fraction"] as? Double }
        #expect(busy.count == 16)
        #expect(busy.max()! - busy.min()! < 1e-6, "\(busy)")
    }

    /// Collectives in flight slow compute only while compute runs: the slowed time is no
    /// longer than the compute, and the compute lost is that time at the one rate's loss.
    @Test func slowedComputeIsComputeThatRanSlowed() throws {
        let run = try explained(["scenarios/examples/accumulate-or-faster-network.yaml", "--run", "25 GbE + 4 micro-batches", "--gpus", "32"])
        let interference = try #require(run["interference"] as? [String: Any])
        let slowed = try #require(interference["slowed_seconds"] as? Double), rate = try #require(interference["slowest_rate"] as? Double)
        let lost = try #require(interference["lost_compute_seconds"] as? Double)
        let compute = try #require(run["compute_seconds"] as? Double)
        #expect(slowed > 0 && slowed <= compute, "slowed \(slowed) s, compute \(compute) s")
        #expect(abs(lost - slowed * (1 - rate)) < 1e-6, "lost \(lost) s, slowed \(slowed) s at \(rate)")
    }

    /// explain --json counts whole bytes, though a message's pieces sum to it up to rounding.
    @Test func communicatedBytesAreWhole() throws {
        let run = try explained(["scenarios/paper/one-weird-trick.yaml", "--gpus", "8"])
        let bytes = try #require(run["communication"] as? [[String: Any]]).compactMap { $0["bytes"] as? Double }
        #expect(!bytes.isEmpty && bytes.allSatisfy { $0 == $0.rounded() }, "\(bytes)")
    }

    /// The paper's hybrid prices its periodic test after the simulation: the chart's title says
    /// how much of the step it draws; a step with nothing priced after it says nothing.
    @Test func aGanttChartSaysWhenTheStepIsLongerThanItDraws() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-views-\(UUID().uuidString)").path
        let out = CLI.execute(["chart", "gantt", "scenarios/paper/one-weird-trick.yaml", "--gpus", "8", "--out", folder])
        #expect(out.exitCode == 0, "\(out.stderr)")
        // The title as one line (a long one is wrapped where it fits, as '...'."\n".'...').
        let script = try String(contentsOfFile: folder + "/gantt.gp", encoding: .utf8).replacingOccurrences(of: "'.\"\\n\".'", with: " ")
        #expect(script.contains("one simulated step; 452.7 ms drawn of a 482.7 ms step, the rest waits priced after the simulation"),
                "\(script.prefix(600))")
        let plain = CLI.execute(["chart", "gantt", "scenarios/default.yaml", "--gpus", "8", "--out", folder + "-plain"])
        #expect(plain.exitCode == 0, "\(plain.stderr)")
        #expect(!(try String(contentsOfFile: folder + "-plain/gantt.gp", encoding: .utf8)).contains("priced after the simulation"))
    }
}
