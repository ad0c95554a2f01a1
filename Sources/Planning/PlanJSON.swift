import Foundation
import Hardware

/// The JSON of `scalecast plan --json`: the search's answer, one ranking per model,
/// in the same rows as `sweep --out FILE.json` writes. Times in seconds, money in dollars.
///
/// Version 2 (version 1 had one ranking for all models and a single `budget_usd`):
/// `cloud_budget_usd` and `capex_budget_usd` replace `budget_usd`; the rankings move
/// under `models`; `sources` expands the catalog tags the rows' `price_source` cites.
public enum PlanJSON {
    /// The version of this layout; bumped when a key changes meaning or goes away.
    public static let schemaVersion = 2

    struct Ranking: Encodable {
        var model: String
        var fitting: Int
        var candidates: Int
        var explanation: String
        /// Cheapest first; every candidate when there is no deadline.
        var meetingDeadline: [SweepRow]
        /// Fastest first; every candidate when there is no budget.
        var withinBudget: [SweepRow]
        var paretoFront: [SweepRow]
        /// Where the budgets leave no candidate, the front of every configuration that fits; else empty.
        var paretoFrontBudgetsAside: [SweepRow]
        /// The rows listed (ranked lists and fronts) that stand for others (`AlikeRows`).
        var alike: [Alike]

        enum CodingKeys: String, CodingKey {
            case model, fitting, candidates, explanation, meetingDeadline = "meeting_deadline", withinBudget = "within_budget"
            case paretoFront = "pareto_front", paretoFrontBudgetsAside = "pareto_front_budgets_aside", alike
        }
    }

    /// A listed row and the points of the configurations alike that it stands for, in rank order.
    struct Alike: Encodable {
        var point: Int
        var points: [Int]
    }

    struct Document: Encodable {
        var schemaVersion: Int
        var scenario: String
        var deadlineSeconds: Double?
        var cloudBudgetUSD: Double?
        var capexBudgetUSD: Double?
        var pessimistic: Bool
        var searched: Int
        var fitting: Int
        var candidates: Int
        var models: [Ranking]
        var sources: [String: String]
        /// Cautions on the GPUs of the rows listed, where the published corpus contradicts the
        /// model or has not measured them: each "GPU in precision group: why".
        var cautions: [String]
        /// The text's other cautions on the rows listed (`PlanCommand.notes`), each a paragraph.
        var notes: [String]

        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", scenario, deadlineSeconds = "deadline_seconds", cloudBudgetUSD = "cloud_budget_usd"
            case capexBudgetUSD = "capex_budget_usd", pessimistic, searched, fitting, candidates, models, sources, cautions, notes
        }

        /// Absent limits encode as null: every document has every key.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(schemaVersion, forKey: .schemaVersion)
            try c.encode(scenario, forKey: .scenario)
            try c.encode(deadlineSeconds, forKey: .deadlineSeconds)
            try c.encode(cloudBudgetUSD, forKey: .cloudBudgetUSD)
            try c.encode(capexBudgetUSD, forKey: .capexBudgetUSD)
            try c.encode(pessimistic, forKey: .pessimistic)
            try c.encode(searched, forKey: .searched)
            try c.encode(fitting, forKey: .fitting)
            try c.encode(candidates, forKey: .candidates)
            try c.encode(models, forKey: .models)
            try c.encode(sources, forKey: .sources)
            try c.encode(cautions, forKey: .cautions)
            try c.encode(notes, forKey: .notes)
        }
    }

    /// The document of `plan` over `searched` evaluated configurations, each ranked list
    /// folded (`AlikeRows`) and cut to `top` rows (the front whole).
    /// - Parameter sources: the catalog's tag table; the tags the rows cite are expanded.
    /// - Parameter citing: more tags to expand: those the listed rows' bills cite beyond their
    ///   `price_source` (an owned cluster's network and servers).
    /// - Parameter notes: the text's cautions on the rows listed beside the evidence's.
    public static func encode(_ plan: Plan, scenario: String, searched: Int, top: Int,
                              sources: [(tag: String, reference: String)], citing: [String] = [], cautions: [String] = [],
                              notes: [String] = []) throws -> String {
        let shownAside = plan.rankings.flatMap(\.paretoFrontBudgetsAsideFolded).map(\.row)
        let cited = Set((plan.candidates + shownAside).compactMap(\.priceSource).flatMap(\.citedCatalogTags)).union(citing)
        let document = Document(
            schemaVersion: schemaVersion, scenario: scenario, deadlineSeconds: plan.deadlineSeconds,
            cloudBudgetUSD: plan.budgets.costToTrainUSD, capexBudgetUSD: plan.budgets.capexUSD, pessimistic: plan.pessimistic,
            searched: searched, fitting: plan.fitting.count, candidates: plan.candidates.count,
            models: plan.rankings.map { r in
                let listed = r.listed(top: top)
                // A row in more than one list stands for the same configurations in each: listed once.
                var alike: [Alike] = []
                for group in listed.meetingDeadline + listed.withinBudget + listed.paretoFront + listed.budgetsAside
                where !group.alike.isEmpty && !alike.contains(where: { $0.point == group.row.point }) {
                    alike.append(Alike(point: group.row.point, points: group.alike.map(\.point)))
                }
                return Ranking(model: r.model, fitting: r.fitting.count, candidates: r.candidates.count, explanation: r.explanation,
                               meetingDeadline: listed.meetingDeadline.map(\.row), withinBudget: listed.withinBudget.map(\.row),
                               paretoFront: listed.paretoFront.map(\.row), paretoFrontBudgetsAside: listed.budgetsAside.map(\.row),
                               alike: alike)
            },
            sources: Dictionary(sources.filter { cited.contains($0.tag) }.map { ($0.tag, $0.reference) }, uniquingKeysWith: { a, _ in a }),
            cautions: cautions, notes: notes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}
