import Foundation
import Simulation

/// The search behind `scalecast plan`: over evaluated sweep rows, per model, the
/// cheapest configurations that meet a deadline, the fastest within the budgets, and
/// the cost-time Pareto front, with the reasons in words. Configurations of different
/// models train different things, so each model is ranked on its own (`ModelRanking`).
public struct Plan: Sendable {
    /// The money limits a plan respects; a configuration over either is no candidate.
    public struct Budgets: Sendable, Equatable {
        /// The most the training may cost: cloud rental, or an owned cluster's cost to
        /// train (its capex spread over its life, plus power and hosting, for the hours
        /// it trains). `--cloud-budget` (and its old name `--budget`).
        public var costToTrainUSD: Double?
        /// The most an owned cluster may cost up front (`--capex-budget`); cloud
        /// configurations buy nothing and always fit it.
        public var capexUSD: Double?

        public init(costToTrainUSD: Double? = nil, capexUSD: Double? = nil) {
            self.costToTrainUSD = costToTrainUSD
            self.capexUSD = capexUSD
        }

        public var isEmpty: Bool { costToTrainUSD == nil && capexUSD == nil }

        /// The budgets in words: "a cost to train of $20,000 and a capex of $1,000,000".
        public var text: String {
            [costToTrainUSD.map { "a cost to train of $\(Plan.money($0))" }, capexUSD.map { "a capex of $\(Plan.money($0))" }]
                .compactMap { $0 }.joined(separator: " and ")
        }
    }

    /// Every evaluated row.
    public let rows: [SweepRow]
    public let deadlineSeconds: Double?
    public let budgets: Budgets
    /// Rank by the 90th percentile of time, cost and capex (rows sampled under `Uncertainty`).
    public let pessimistic: Bool
    /// One ranking per model, in the order the models first appear in the rows.
    public let rankings: [ModelRanking]

    /// - Throws: `SweepError` when rows have no time or cost (the scenario states no
    ///   `training:` or `pricing:`).
    public init(rows: [SweepRow], deadlineSeconds: Double?, budgets: Budgets = Budgets(), pessimistic: Bool = false) throws {
        guard rows.allSatisfy({ $0.timeToTrainSeconds != nil && $0.costUSD != nil }) else {
            throw SweepError("plan needs time and cost: give the scenario `training: {epochs: ...}` and `pricing: {mode: cloud}` (or owned)")
        }
        self.rows = rows
        self.deadlineSeconds = deadlineSeconds
        self.budgets = budgets
        self.pessimistic = pessimistic
        var models: [String] = []
        for row in rows where !models.contains(row.model ?? row.run) { models.append(row.model ?? row.run) }
        rankings = models.map { model in
            ModelRanking(model: model, rows: rows.filter { ($0.model ?? $0.run) == model }, deadlineSeconds: deadlineSeconds,
                         budgets: budgets, pessimistic: pessimistic)
        }
    }

    /// Rows that fit in GPU memory, all models.
    public var fitting: [SweepRow] { rankings.flatMap(\.fitting) }
    /// Whether no configuration of any model answers what was asked: none meets the deadline
    /// within the budgets (without a deadline, none is within the budgets). `plan` then exits 1,
    /// "the work ran and found a problem you asked about"; never without a deadline or a budget.
    public var nothingAnswers: Bool { rankings.allSatisfy { $0.meetingDeadline.isEmpty } }
    /// Rows that fit in memory and within the budgets, all models.
    public var candidates: [SweepRow] { rankings.flatMap(\.candidates) }

    /// What holds a configuration back, in words: the CPU loaders when the GPUs wait for
    /// them at least 0.5% of the step (1% as printed; faster GPUs would then not help),
    /// else the host thread launching the kernels when it is busy 95% of the step or more
    /// (`StepMetrics.isHostBound`), else communication when the GPUs wait on it over 30% of the step (under data
    /// parallelism naming the two remedies, faster links and accumulation: a row does not say
    /// whether its GPUs share one node, so the links are named for both cases), else waiting for
    /// the slowest GPU and for periodic work when those take 10% of it or more, else poor
    /// scaling, else compute. Waiting for the slowest worker and for work done once per
    /// interval is no communication (rows written before those waits were recorded count
    /// all idle time as communication).
    static func limit(of row: SweepRow) -> String {
        func percent(_ seconds: Double) -> Int { Int((seconds / row.stepSeconds * 100).rounded()) }
        let input = row.inputWaitSeconds ?? 0
        if isInputBound(row) {
            return "it is input-bound: its CPU loaders deliver fewer images than its GPUs can train, so the GPUs wait for them "
                + "\(percent(input))% of each step; it needs more CPU cores per GPU or a faster loader, not faster GPUs"
        }
        if let host = row.hostBusySeconds, host > 0, host >= StepMetrics.hostBoundShare * row.stepSeconds {
            // Where max_global_batch holds the global batch, a larger batch per GPU means fewer GPUs.
            let larger = row.batchAtCap ? "fewer GPUs, each with a larger batch (the global batch is at max_global_batch here)" : "a larger batch per GPU"
            return "it is host-bound: the host thread that launches its kernels is busy \(min(100, percent(host)))% of each step and the GPUs "
                + "wait for it; \(larger), or compiled code or CUDA graphs (software: pytorch-compiled), would help, "
                + "not faster GPUs or links"
        }
        let straggler = row.stragglerWaitSeconds ?? 0, periodic = row.periodicSeconds ?? 0
        let communication = row.exposedCommunicationSeconds + max(0, row.idleSeconds - input - straggler - periodic)
        if communication / row.stepSeconds > 0.3 {
            let where_ = row.vary["network_gbps"].map { " at \($0) Gb/s" } ?? ""
            // Under data parallelism accumulating gradients pays the all-reduce once per several micro-batches.
            // At max_global_batch accumulating only cuts each micro-batch further: fewer GPUs instead.
            let other = row.batchAtCap ? "or fewer GPUs, each with a larger batch (the global batch is at max_global_batch here)"
                : "or gradient accumulation (accumulation_steps, a larger global batch)"
            let remedy = row.strategy == "data"
                ? "; faster links between its GPUs (the fabric inside a node, the network between nodes), \(other), would help" : ""
            return "it is communication-bound\(where_): GPUs wait on communication \(percent(communication))% of each step" + remedy
        }
        if (straggler + periodic) / row.stepSeconds >= 0.1 {
            return "its GPUs wait \(percent(straggler + periodic))% of each step for the slowest GPU (\(percent(straggler))%) "
                + "and for periodic work, tests, checkpoints and synchronous input copies (\(percent(periodic))%)"
        }
        if row.efficiency < 0.6 { return "it scales poorly: \(Int((row.efficiency * 100).rounded()))% efficiency" }
        return "its \(row.gpus == 1 ? "GPU computes" : "\(row.gpus) GPUs compute") \(percent(row.computeSeconds))% of each step: it needs more or faster GPUs"
    }

    /// Whether a row's GPUs wait for the CPU loader at least `StepMetrics.inputBoundShare`
    /// of the step, as a simulated step's `isInputBound` says.
    static func isInputBound(_ row: SweepRow) -> Bool {
        let wait = row.inputWaitSeconds ?? 0
        return wait > 0 && wait >= StepMetrics.inputBoundShare * row.stepSeconds
    }

    public static func describe(_ row: SweepRow) -> String {
        let varied = row.otherSettings
        return "\(row.run) on \(row.gpus) x \(row.gpuModel), \(row.strategy)" + (varied.isEmpty ? "" : " (\(varied.joined(separator: ", ")))")
    }

    /// A time to train in words, rounded before the unit is chosen (never "60 min" or
    /// "60 s"), within 5% from a tenth of a second up: hours to a tenth from one hour up, whole minutes
    /// from ten minutes up (0.1 h would hide a factor of two), tenths of a minute from one
    /// minute up (1.44 min is not "1 min"), whole seconds from ten seconds up, hundredths
    /// below (a deadline of 0.0001 h is not "0 s").
    public static func duration(_ seconds: Double) -> String {
        let minutes = (seconds / 60).rounded()
        if minutes >= 60 { return String(format: "%.1f h", locale: nil, seconds / 3600) }
        if (seconds / 6).rounded() >= 100 { return String(format: "%.0f min", locale: nil, minutes) }
        if seconds.rounded() >= 60 { return String(format: "%.1f min", locale: nil, seconds / 60) }
        if seconds.rounded() >= 10 { return String(format: "%.0f s", locale: nil, seconds.rounded()) }
        return String(format: "%.2f s", locale: nil, seconds)
    }
    /// A deadline of `hours` as the user gave it (1.26 h, 12 h; 15 min below an hour), not rounded as a time to train
    /// is: a table headed "within 1.3 h" beside a time of 1.29 h that misses it reads as a contradiction.
    public static func deadline(hours: Double) -> String {
        if hours >= 1 { return String(format: "%g h", locale: nil, hours) }
        if hours * 60 >= 1 { return String(format: "%g min", locale: nil, hours * 60) }
        return String(format: "%g s", locale: nil, hours * 3600)
    }

    /// `duration(seconds)` for a time that misses a deadline of `deadline` seconds, with as many
    /// more digits (up to four) as it takes to read longer than the deadline does: 1.31 h, not
    /// 1.3 h, against a deadline of 1.3 h. Without a deadline, or within it, `duration(seconds)`.
    public static func duration(_ seconds: Double, missing deadline: Double?) -> String {
        let plain = duration(seconds)
        guard let deadline, seconds > deadline else { return plain }
        let parts = plain.split(separator: " ")
        guard parts.count == 2, let shown = Double(parts[0]) else { return plain }
        let scale = parts[1] == "h" ? 3600.0 : parts[1] == "min" ? 60 : 1
        guard shown <= deadline / scale else { return plain }
        for digits in 1...4 {
            let text = String(format: "%.\(digits)f", locale: nil, seconds / scale)
            if Double(text)! > deadline / scale { return "\(text) \(parts[1])" }
        }
        return plain
    }

    /// Dollars: cents below $1,000, thousands separators above.
    public static func money(_ x: Double) -> String {
        if abs(x) < 1000 { return String(format: "%.2f", locale: nil, x) }
        guard x.magnitude < 1e15 else { return String(format: "%.3g", locale: nil, x) }
        return grouped(Int(x.rounded()))
    }

    /// A whole number with thousands separators: 262,144.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + String(out.reversed())
    }
}
