import Foundation

/// The search behind `scalecast plan`: over evaluated sweep rows, the cheapest
/// configurations that meet a deadline, the fastest within a budget, and the
/// cost-time Pareto front, with the reasons in words.
public struct Plan: Sendable {
    /// Configurations that fit in memory and have a time and a cost.
    public let candidates: [SweepRow]
    public let deadlineSeconds: Double?
    public let budgetDollars: Double?
    /// Rank by the 90th percentile of time and cost (rows sampled under `Uncertainty`).
    public let pessimistic: Bool

    /// - Throws: `SweepError` when rows have no time or cost (the scenario states no
    ///   `training:` or `pricing:`).
    public init(rows: [SweepRow], deadlineSeconds: Double?, budgetDollars: Double?, pessimistic: Bool = false) throws {
        guard rows.allSatisfy({ $0.timeToTrainSeconds != nil && $0.costUSD != nil }) else {
            throw SweepError("plan needs time and cost: give the scenario `training: {epochs: ...}` and `pricing: {mode: cloud}` (or owned)")
        }
        candidates = rows.filter(\.fitsInMemory)
        self.deadlineSeconds = deadlineSeconds
        self.budgetDollars = budgetDollars
        self.pessimistic = pessimistic
    }

    func time(_ r: SweepRow) -> Double { r.time(pessimistic: pessimistic)! }
    func cost(_ r: SweepRow) -> Double { r.cost(pessimistic: pessimistic)! }

    /// Cheapest first; ties by time, then by point (deterministic).
    func byCost(_ a: SweepRow, _ b: SweepRow) -> Bool {
        (cost(a), time(a), a.point) < (cost(b), time(b), b.point)
    }

    /// Configurations that meet the deadline (all, without one), cheapest first.
    public var meetingDeadline: [SweepRow] {
        candidates.filter { deadlineSeconds == nil || time($0) <= deadlineSeconds! }.sorted(by: byCost)
    }

    /// Configurations within the budget (all, without one), fastest first.
    public var withinBudget: [SweepRow] {
        candidates.filter { budgetDollars == nil || cost($0) <= budgetDollars! }
            .sorted { (time($0), cost($0), $0.point) < (time($1), cost($1), $1.point) }
    }

    /// Configurations no other beats on both time and cost, cheapest first.
    public var paretoFront: [SweepRow] {
        var front: [SweepRow] = []
        var bestTime = Double.infinity
        for row in candidates.sorted(by: byCost) where time(row) < bestTime {
            front.append(row)
            bestTime = time(row)
        }
        return front
    }

    /// Why the cheapest configuration that meets the deadline wins, in plain words.
    public var explanation: String {
        guard let winner = meetingDeadline.first else {
            guard let fastest = candidates.min(by: { time($0) < time($1) }) else {
                return "No configuration fits in GPU memory."
            }
            return "No configuration meets the deadline; the fastest, \(Self.describe(fastest)), takes \(Self.hours(time(fastest))), "
                + "because \(Self.limit(of: fastest))."
        }
        var text = "\(Self.describe(winner)) is the cheapest way to meet the deadline: \(Self.hours(time(winner))) "
            + "for $\(Self.money(cost(winner)))" + (pessimistic ? " (90th percentiles of time and cost)." : ".")
        if let cheapest = candidates.sorted(by: byCost).first, cheapest.point != winner.point {
            text += " The cheapest configuration overall, \(Self.describe(cheapest)) ($\(Self.money(cost(cheapest)))), "
                + "would take \(Self.hours(time(cheapest))) because \(Self.limit(of: cheapest))."
        }
        // The next cheapest that costs noticeably more (configurations that differ only
        // in what they do not use, a network inside one node, cost the same).
        let runnerUp = meetingDeadline.first { cost($0) > cost(winner) * 1.01 }
        if let runnerUp {
            text += " The next cheapest that meets it, \(Self.describe(runnerUp)), costs $\(Self.money(cost(runnerUp) - cost(winner))) more"
            text += runnerUp.efficiency < winner.efficiency - 0.05
                ? ": its GPUs are \(Int((runnerUp.efficiency * 100).rounded()))% efficient against \(Int((winner.efficiency * 100).rounded()))%."
                : "."
        }
        return text
    }

    /// What holds a configuration back, in words.
    static func limit(of row: SweepRow) -> String {
        let communication = (row.exposedCommunicationSeconds + row.idleSeconds) / row.stepSeconds
        if communication > 0.3 {
            let where_ = row.vary.keys.contains("network_gbps") ? " at \(row.vary["network_gbps"]!) Gb/s" : ""
            return "it is communication-bound\(where_): GPUs wait on communication \(Int((communication * 100).rounded()))% of each step"
        }
        if row.efficiency < 0.6 { return "it scales poorly: \(Int((row.efficiency * 100).rounded()))% efficiency" }
        return "its \(row.gpus) GPUs compute \(Int((row.computeSeconds / row.stepSeconds * 100).rounded()))% of each step: it needs more or faster GPUs"
    }

    static func describe(_ row: SweepRow) -> String {
        let varied = row.otherSettings
        return "\(row.run) on \(row.gpus) x \(row.gpuModel), \(row.strategy)" + (varied.isEmpty ? "" : " (\(varied.joined(separator: ", ")))")
    }

    static func hours(_ seconds: Double) -> String { String(format: "%.1f h", locale: nil, seconds / 3600) }
    /// Dollars: cents below $1,000, thousands separators above.
    static func money(_ x: Double) -> String {
        if abs(x) < 1000 { return String(format: "%.2f", locale: nil, x) }
        guard x.magnitude < 1e15 else { return String(format: "%.3g", locale: nil, x) }
        let whole = Int(x.rounded())
        let digits = String(abs(whole))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (whole < 0 ? "-" : "") + String(out.reversed())
    }
}
