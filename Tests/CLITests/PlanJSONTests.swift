import Foundation
import Testing
@testable import ScaleCastCLI

/// `scalecast plan --json`: the answer as data, in the rows `sweep --json` writes.
@Suite struct PlanJSONTests {
    @Test func thePlanAsJSON() throws {
        let scenario = "scenarios/whatif/resnet50-deadline.yaml"
        let out = CLI.execute(["plan", scenario, "--vary", "gpus=8,16", "--deadline-hours", "100", "--budget", "100000", "--quiet", "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(Set(document.keys) == ["schema_version", "scenario", "deadline_seconds", "budget_usd", "pessimistic", "searched",
                                       "fitting", "explanation", "meeting_deadline", "within_budget", "pareto_front"])
        #expect(document["schema_version"] as? Int == 1 && document["deadline_seconds"] as? Double == 360_000)
        let cheapest = try #require(document["meeting_deadline"] as? [[String: Any]])
        let costs = cheapest.compactMap { $0["cost_usd"] as? Double }
        #expect(costs == costs.sorted())
        #expect(cheapest.allSatisfy { ($0["time_to_train_seconds"] as? Double ?? .infinity) <= 360_000 })
        // The rows are sweep rows (`sweep --out FILE.json`): every key of one, nulls included.
        let row = try #require(cheapest.first)
        for key in ["point", "run", "vary", "gpus", "gpu_model", "images_per_second", "time_to_train_seconds", "cost_usd",
                    "cost_usd_p10", "fits_in_memory"] {
            #expect(row.keys.contains(key), "\(key)")
        }
        // No deadline: null.
        let open = CLI.execute(["plan", scenario, "--vary", "gpus=8", "--quiet", "--json"])
        let openDocument = try #require(try JSONSerialization.jsonObject(with: Data(open.stdout.utf8)) as? [String: Any])
        #expect(openDocument["deadline_seconds"] is NSNull)
    }
}
