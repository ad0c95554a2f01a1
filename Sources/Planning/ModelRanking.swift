import Foundation

/// The plan for one model: its configurations that fit in memory and within the
/// budgets, ranked cheapest under the deadline, fastest, and on the cost-time front.
public struct ModelRanking: Sendable {
    public let model: String
    /// This model's configurations that fit in GPU memory.
    public let fitting: [SweepRow]
    /// Those within the budgets: the configurations ranked.
    public let candidates: [SweepRow]
    public let deadlineSeconds: Double?
    public let budgets: Plan.Budgets
    public let pessimistic: Bool

    init(model: String, rows: [SweepRow], deadlineSeconds: Double?, budgets: Plan.Budgets, pessimistic: Bool) {
        self.model = model
        self.deadlineSeconds = deadlineSeconds
        self.budgets = budgets
        self.pessimistic = pessimistic
        fitting = rows.filter(\.fitsInMemory)
        candidates = fitting.filter { row in
            (budgets.costToTrainUSD.map { row.cost(pessimistic: pessimistic)! <= $0 } ?? true)
                && (budgets.capexUSD.map { limit in row.capex(pessimistic: pessimistic).map { $0 <= limit } ?? true } ?? true)
        }
    }

    func time(_ r: SweepRow) -> Double { r.time(pessimistic: pessimistic)! }
    func cost(_ r: SweepRow) -> Double { r.cost(pessimistic: pessimistic)! }

    /// Cheapest first; ties by time, then by point (deterministic).
    func byCost(_ a: SweepRow, _ b: SweepRow) -> Bool {
        (cost(a), time(a), a.point) < (cost(b), time(b), b.point)
    }

    /// Candidates that meet the deadline (all, without one), cheapest first.
    public var meetingDeadline: [SweepRow] {
        candidates.filter { deadlineSeconds == nil || time($0) <= deadlineSeconds! }.sorted(by: byCost)
    }

    /// Candidates (within the budgets), fastest first.
    public var withinBudget: [SweepRow] {
        candidates.sorted { (time($0), cost($0), $0.point) < (time($1), cost($1), $1.point) }
    }

    /// Candidates no other beats on both time and cost, cheapest first (of exact ties, one per run and GPU).
    public var paretoFront: [SweepRow] { front(of: candidates) }

    /// The rows of `rows` no other of them beats on both time and cost, cheapest first.
    func front(of rows: [SweepRow]) -> [SweepRow] {
        var front: [SweepRow] = []
        var bestTime = Double.infinity
        for row in rows.sorted(by: byCost) {
            // Equal in cost and time to the last on the front, neither dominates: another run or GPU is kept beside
            // it (a built-in and an exported ResNet-101); the same run with a setting it does not use (a network
            // speed inside one node) is not listed again.
            let tie = front.last.map { cost($0) == cost(row) && time($0) == time(row) && ($0.run != row.run || $0.gpuModel != row.gpuModel) }
            guard time(row) < bestTime || tie == true else { continue }
            front.append(row)
            bestTime = time(row)
        }
        return front
    }

    /// `paretoFront`, each row with the candidates alike that it stands for (`AlikeRows`): the ties
    /// the front leaves out are those a setting that changes nothing makes (the front keeps the
    /// first of them in cost order, the row a fold shows).
    public var paretoFrontFolded: [AlikeRows] { frontFolded(of: candidates) }

    /// Where the budgets leave no candidate but some configurations fit, the front of those,
    /// budgets aside, folded as `paretoFrontFolded`: what each budget would buy, to choose one
    /// by; empty otherwise.
    public var paretoFrontBudgetsAsideFolded: [AlikeRows] {
        candidates.isEmpty && !fitting.isEmpty ? frontFolded(of: fitting) : []
    }

    private func frontFolded(of rows: [SweepRow]) -> [AlikeRows] {
        let groups = AlikeRows.fold(rows.sorted(by: byCost))
        let byPoint = Dictionary(groups.map { ($0.row.point, $0) }, uniquingKeysWith: { first, _ in first })
        return front(of: rows).map { byPoint[$0.point] ?? AlikeRows(row: $0, alike: []) }
    }

    /// What `plan` lists for this model, in its text and its JSON alike: the cheapest that meet
    /// the deadline and the fastest within the budgets, folded (`AlikeRows`) and cut to `top`
    /// answers, and the whole front, folded; where the budgets leave nothing, the front budgets aside.
    public func listed(top: Int) -> (meetingDeadline: [AlikeRows], withinBudget: [AlikeRows], paretoFront: [AlikeRows],
                                     budgetsAside: [AlikeRows]) {
        (Array(AlikeRows.fold(meetingDeadline).prefix(top)), Array(AlikeRows.fold(withinBudget).prefix(top)), paretoFrontFolded,
         paretoFrontBudgetsAsideFolded)
    }

    /// How many more epochs, as a fraction, `row` trains than `other`: the images each trains
    /// (time to train x images/s) differ where `training.epochs` gives their global batches
    /// different figures; nil below half a percent or without a time.
    static func moreEpochs(_ row: SweepRow, than other: SweepRow) -> Double? {
        guard let t = row.timeToTrainSeconds, let u = other.timeToTrainSeconds, u > 0 else { return nil }
        let more = t * row.imagesPerSecond / (u * other.imagesPerSecond) - 1
        return more >= 0.005 ? more : nil
    }

    /// How far `row` lies beyond the budgets, as a fraction of each budget it exceeds: the largest
    /// (0 within them); ranks the configurations that only the budgets keep from the deadline.
    func excess(_ row: SweepRow) -> Double {
        let overCost = budgets.costToTrainUSD.map { cost(row) / $0 - 1 } ?? 0
        let overCapex = budgets.capexUSD.flatMap { limit in row.capex(pessimistic: pessimistic).map { $0 / limit - 1 } } ?? 0
        return max(0, overCost, overCapex)
    }

    /// By how much `row` exceeds each budget it exceeds, in words ("$210,000 over the capex budget").
    func overshoot(_ row: SweepRow) -> String {
        var parts: [String] = []
        if let limit = budgets.costToTrainUSD, cost(row) > limit { parts.append("$\(Plan.money(cost(row) - limit)) over the cost-to-train budget") }
        if let limit = budgets.capexUSD, let capex = row.capex(pessimistic: pessimistic), capex > limit {
            parts.append("$\(Plan.money(capex - limit)) over the capex budget")
        }
        return parts.joined(separator: " and ")
    }

    /// Words after a row's time to train where it is a lower bound (`SweepRow.epochsHeld`
    /// above): the epochs of the largest batch the goal states are held at a larger one.
    static func lowerBound(_ row: SweepRow) -> String {
        guard row.epochsHeld == .above else { return "" }
        return " (a lower bound: its global batch of \(Plan.grouped(row.globalBatch)) images lies above the largest its epochs are stated for, "
            + "whose epochs are held)"
    }

    /// Why the cheapest candidate that meets the deadline wins, in plain words.
    public var explanation: String {
        var text = budgetNote
        guard let winner = meetingDeadline.first else {
            guard let fastest = candidates.min(by: { time($0) < time($1) }) else {
                return text + (fitting.isEmpty ? "No configuration fits in GPU memory." : "No configuration is within the budget.")
            }
            // Configurations over the budgets that would meet the deadline: the budget, not the GPUs, is what rules them out.
            if let deadline = deadlineSeconds, !budgets.isEmpty {
                let candidatePoints = Set(candidates.map(\.point))
                let overBudget = fitting.filter { !candidatePoints.contains($0.point) && time($0) <= deadline }
                if let nearest = overBudget.min(by: { (excess($0), $0.point) < (excess($1), $1.point) }) {
                    let percentiles = pessimistic ? " (90th percentiles of time and cost)" : ""
                    let both = budgets.capexUSD != nil && budgets.costToTrainUSD != nil
                    return text + "No configuration within \(budgets.text) meets the deadline, but \(overBudget.count) beyond "
                        + "\(both ? "the budgets" : "the budget") \(overBudget.count == 1 ? "does" : "do"): the nearest to \(both ? "them" : "it"), "
                        + "\(Plan.describe(nearest)), takes \(Plan.duration(time(nearest)))\(Self.lowerBound(nearest)) for "
                        + "$\(Plan.money(cost(nearest)))\(ownedTerms(nearest))\(percentiles), \(overshoot(nearest)). "
                        + "Within \(both ? "them" : "it") the fastest, "
                        + "\(Plan.describe(fastest)), takes \(Plan.duration(time(fastest), missing: deadline))\(Self.lowerBound(fastest))\(percentiles)."
                }
            }
            return text + "No configuration meets the deadline; the fastest, \(Plan.describe(fastest)), takes "
                + Plan.duration(time(fastest), missing: deadlineSeconds)
                + "\(Self.lowerBound(fastest)), "
                + "because \(Plan.limit(of: fastest))."
        }
        // Without a deadline every candidate meets it: the winner is simply the cheapest.
        let goal = deadlineSeconds == nil ? "the cheapest configuration (no deadline given)" : "the cheapest way to meet the deadline"
        text += "\(Plan.describe(winner)) is \(goal): \(Plan.duration(time(winner)))\(Self.lowerBound(winner)) "
            + "for $\(Plan.money(cost(winner)))\(ownedTerms(winner))" + (pessimistic ? " (90th percentiles of time and cost)." : ".")
        // The winner's settings a what-if varied may change nothing (a network inside one node): say so with the answer.
        if let alike = AlikeRows.fold(meetingDeadline).first, !alike.alike.isEmpty {
            text += (alike.alike.count == 1 ? " So does 1 configuration whose settings change"
                     : " So do \(alike.alike.count) configurations with settings that change")
                + " nothing there, to the same figures" + (alike.differingEfficiencies.isEmpty ? "" : " but the efficiency, which compares "
                    + "with one GPU at the batch each asks for") + " (\(alike.differencesInWords(limit: 3)))."
        }
        // As cheap to the cent in another time: GPUs that scale linearly cost the same per image however many
        // train, so the same money buys the training on fewer GPUs, which a buyer may rather own or rent; the
        // runner-up below costs at least a cent more. Rows of the winner's very figures are the sentence above's.
        let sameCost = meetingDeadline.dropFirst().filter {
            abs(cost($0) - cost(winner)) < 0.005 && abs(time($0) - time(winner)) > 1e-9 * time(winner)
        }
        if !sameCost.isEmpty {
            let named = sameCost.sorted { (time($0), $0.point) < (time($1), $1.point) }.prefix(3)
                .map { "\(Plan.describe($0)) in \(Plan.duration(time($0)))\(ownedTerms($0))" }
            text += " The same $\(Plan.money(cost(winner))) also trains it on "
                + "\(sameCost.count == 1 ? "one other configuration" : "\(sameCost.count) others"): "
                + named.joined(separator: "; ") + (sameCost.count > 3 ? "; and \(sameCost.count - 3) more" : "") + "."
        }
        if let near = nearMiss {
            text += " Just over the deadline, \(Plan.describe(near)) takes \(Plan.duration(time(near), missing: deadlineSeconds)) "
                + "(\(Plan.duration(time(near) - deadlineSeconds!)) over) for $\(Plan.money(cost(near)))\(ownedTerms(near)): "
                + "within the simulator's errors, not a clear miss."
        }
        if deadlineSeconds != nil, let cheapest = candidates.sorted(by: byCost).first, cheapest.point != winner.point,
           cheapest.point != nearMiss?.point {
            text += " The cheapest configuration overall, \(Plan.describe(cheapest)) ($\(Plan.money(cost(cheapest)))), "
                + "would take \(Plan.duration(time(cheapest), missing: deadlineSeconds)) because \(Plan.limit(of: cheapest))."
        }
        // The next cheapest that costs more, by a cent at least (configurations that differ
        // only in what they do not use, a network inside one node, cost the same).
        let runnerUp = meetingDeadline.first { cost($0) - cost(winner) >= 0.005 }
        if let runnerUp {
            text += " The next cheapest\(deadlineSeconds == nil ? "" : " that meets it"), \(Plan.describe(runnerUp)), "
                + "costs $\(Plan.money(cost(runnerUp) - cost(winner))) more"
            // An owned cluster's cost to train is its lifetime cost by the hour: say what each buys up front.
            if let winnerCapex = winner.capex(pessimistic: pessimistic), let capex = runnerUp.capex(pessimistic: pessimistic),
               abs(capex - winnerCapex) >= 0.5 {
                text += " to train and $\(Plan.money(abs(capex - winnerCapex))) \(capex > winnerCapex ? "more" : "less") up front "
                    + "(capex $\(Plan.money(capex))\(pessimistic && runnerUp.capexUSDP90 != nil ? " at the 90th percentile of its prices" : ""))"
            }
            // An input-bound runner-up's GPUs wait for images, not for each other: say so, not "efficient".
            let inputBound = Plan.isInputBound(runnerUp)
            if inputBound {
                text += ": \(Plan.limit(of: runnerUp))."
            } else {
                var reasons: [String] = []
                if runnerUp.efficiency < winner.efficiency - 0.05 {
                    reasons.append("its GPUs are \(Int((runnerUp.efficiency * 100).rounded()))% efficient against \(Int((winner.efficiency * 100).rounded()))%")
                }
                // Images trained (time x rate): more where training.epochs gives its larger global batch more epochs.
                if let more = Self.moreEpochs(runnerUp, than: winner) {
                    reasons.append("at its global batch of \(runnerUp.globalBatch) images it trains \(Int((more * 100).rounded()))% more epochs (the training goal states them by batch)")
                }
                text += reasons.isEmpty ? "." : ": " + reasons.joined(separator: "; ") + "."
            }
        }
        // Said once: the runner-up or a configuration of the same cost may be it already.
        if let smaller = smallerPurchase, smaller.point != runnerUp?.point, !sameCost.contains(where: { $0.point == smaller.point }) {
            text += " Within \(Int(Self.nearCostFraction * 100))% of the answer's $\(Plan.money(cost(winner))) cost to train (far inside the simulator's errors), "
                + "\(Plan.describe(smaller)) meets the deadline in \(Plan.duration(time(smaller))) for $\(Plan.money(cost(smaller))), buying "
                + "$\(Plan.money(winner.capex(pessimistic: pessimistic)! - smaller.capex(pessimistic: pessimistic)!)) less up front "
                + "(capex $\(Plan.money(smaller.capex(pessimistic: pessimistic)!))): where the purchase is what is decided, it is the smaller commitment."
        }
        if winner.capexUSD != nil {
            text += " An owned cluster's cost to train is its TCO per busy hour times the hours of training: busy all its life "
                + "unless pricing.utilization says less, which raises it (docs/costs.md); its capex is what is bought up front."
        }
        return text
    }

    /// How much dearer to train than the answer, as a fraction of its cost, a configuration may be
    /// and still be named for buying less up front (`smallerPurchase`): 1%, as `nearMissFraction`
    /// for the deadline, well inside the simulator's median error on one GPU (about 10%).
    static let nearCostFraction = 0.01
    /// How much less up front, as a fraction of the answer's capex, a smaller purchase must buy to be named.
    static let smallerCapexFraction = 0.01

    /// The owned configuration that meets the deadline for at most `nearCostFraction` more than
    /// the answer's cost to train and buys the least up front, where that is at least
    /// `smallerCapexFraction` less than the answer's capex: an owned cluster's cost to train spreads its capex over a busy
    /// life, so a larger purchase can look as cheap to train, and a difference that small is no
    /// ranking the simulator's errors support (a walkthrough's plan bought 128 GPUs over 32 to
    /// save 0.5% of a training). Nil otherwise.
    public var smallerPurchase: SweepRow? {
        guard let winner = meetingDeadline.first, let winnerCapex = winner.capex(pessimistic: pessimistic) else { return nil }
        return meetingDeadline.dropFirst()
            .filter { row in
                guard let capex = row.capex(pessimistic: pessimistic) else { return false }
                return cost(row) <= cost(winner) * (1 + Self.nearCostFraction) && capex < winnerCapex * (1 - Self.smallerCapexFraction)
            }
            .min { ($0.capex(pessimistic: pessimistic)!, cost($0), $0.point) < ($1.capex(pessimistic: pessimistic)!, cost($1), $1.point) }
    }

    /// How far past the deadline, as a fraction of it, a configuration is said to miss it only
    /// just: 1%, well inside the simulator's median error on one GPU (about 10%, `make validate`).
    static let nearMissFraction = 0.01

    /// The nearest candidate that misses the deadline by at most `nearMissFraction` (ties: the
    /// cheaper) and costs less than the answer to train or up front (one dearer both ways would
    /// not be chosen were it on time): a table that rounds its time to the deadline's reads as
    /// meeting it, and its figures are no more certain than the answer's. Nil without a deadline,
    /// an answer or such a miss.
    public var nearMiss: SweepRow? {
        guard let deadline = deadlineSeconds, let winner = meetingDeadline.first else { return nil }
        func cheaper(_ row: SweepRow) -> Bool {
            cost(row) < cost(winner) || (row.capex(pessimistic: pessimistic).map { capex in
                winner.capex(pessimistic: pessimistic).map { capex < $0 } ?? false } ?? false)
        }
        return candidates.filter { time($0) > deadline && time($0) <= deadline * (1 + Self.nearMissFraction) && cheaper($0) }
            .min { (time($0), cost($0), $0.point) < (time($1), cost($1), $1.point) }
    }

    /// An owned configuration's up-front and lifetime cost, for the explanation: both at the
    /// catalog's central prices (the TCO includes that capex), and under `--pessimistic` the
    /// capex's 90th percentile over the prices' ranges beside them.
    func ownedTerms(_ row: SweepRow) -> String {
        guard let capex = row.capexUSD, let tco = row.tcoUSD else { return "" }
        let high = pessimistic ? row.capexUSDP90.flatMap { $0 > capex ? $0 : nil } : nil
        return " (capex $\(Plan.money(capex))" + (high.map { ", $\(Plan.money($0)) at the 90th percentile of its prices" } ?? "")
            + ", TCO $\(Plan.money(tco)) over its life)"
    }

    /// How many fitting configurations the budgets leave out, and the cheapest of them up front.
    var budgetNote: String {
        let over = fitting.count - candidates.count
        guard !budgets.isEmpty, over > 0 else { return "" }
        var text = "\(over) of \(fitting.count) configurations that fit in memory exceed \(budgets.text)"
        if candidates.isEmpty, budgets.capexUSD != nil,
           let smallest = fitting.compactMap({ row in row.capex(pessimistic: pessimistic).map { (row, $0) } }).min(by: { $0.1 < $1.1 }) {
            text += "; the smallest capex is $\(Plan.money(smallest.1)), \(Plan.describe(smallest.0))"
        }
        if candidates.isEmpty, budgets.costToTrainUSD != nil,
           let cheapest = fitting.compactMap({ row in row.cost(pessimistic: pessimistic).map { (row, $0) } }).min(by: { $0.1 < $1.1 }) {
            text += "; the cheapest to train costs $\(Plan.money(cheapest.1)), \(Plan.describe(cheapest.0))"
        }
        return text + ". "
    }
}
