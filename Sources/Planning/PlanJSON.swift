import Foundation

/// The JSON of `scalecast plan --json`: the search's answer in the same rows as
/// `sweep --json`. Times in seconds, money in dollars.
public enum PlanJSON {
    /// The version of this layout; bumped when a key changes meaning or goes away.
    public static let schemaVersion = 1

    struct Document: Encodable {
        var schemaVersion: Int
        var scenario: String
        var deadlineSeconds: Double?
        var budgetUSD: Double?
        var pessimistic: Bool
        var searched: Int
        var fitting: Int
        var explanation: String
        /// Cheapest first; every candidate when there is no deadline.
        var meetingDeadline: [SweepRow]
        /// Fastest first; every candidate when there is no budget.
        var withinBudget: [SweepRow]
        var paretoFront: [SweepRow]

        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", scenario, deadlineSeconds = "deadline_seconds", budgetUSD = "budget_usd"
            case pessimistic, searched, fitting, explanation, meetingDeadline = "meeting_deadline", withinBudget = "within_budget"
            case paretoFront = "pareto_front"
        }

        /// Absent limits encode as null: every document has every key.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(schemaVersion, forKey: .schemaVersion)
            try c.encode(scenario, forKey: .scenario)
            try c.encode(deadlineSeconds, forKey: .deadlineSeconds)
            try c.encode(budgetUSD, forKey: .budgetUSD)
            try c.encode(pessimistic, forKey: .pessimistic)
            try c.encode(searched, forKey: .searched)
            try c.encode(fitting, forKey: .fitting)
            try c.encode(explanation, forKey: .explanation)
            try c.encode(meetingDeadline, forKey: .meetingDeadline)
            try c.encode(withinBudget, forKey: .withinBudget)
            try c.encode(paretoFront, forKey: .paretoFront)
        }
    }

    /// The document of `plan` over `searched` evaluated configurations, each list cut to `top` rows (the front whole).
    public static func encode(_ plan: Plan, scenario: String, searched: Int, top: Int) throws -> String {
        let document = Document(schemaVersion: schemaVersion, scenario: scenario, deadlineSeconds: plan.deadlineSeconds,
                                budgetUSD: plan.budgetDollars, pessimistic: plan.pessimistic, searched: searched,
                                fitting: plan.candidates.count, explanation: plan.explanation,
                                meetingDeadline: Array(plan.meetingDeadline.prefix(top)), withinBudget: Array(plan.withinBudget.prefix(top)),
                                paretoFront: plan.paretoFront)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}
