import ArgumentParser
import Foundation
import Planning
import Reports
import Scenario
import YAMLSupport

/// `scalecast plan SCENARIO --deadline-hours H [--budget USD] --vary ...`.
struct PlanCommand: ParsableCommand, OutputProducing, TimeLimited {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Search configurations (--vary, as sweep) for the cheapest that meets a deadline, the fastest within a budget, "
            + "and the cost-time Pareto front.",
        discussion: "The scenario must state `training:` (epochs, images) and `pricing:` (cloud or owned).")

    @OptionGroup var limit: TimeLimit

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, help: "KEY=VALUE,VALUE,... (repeatable): the options to consider.")
    var vary: [String] = []

    @Option(name: .long, help: "Only the run with this label.")
    var run: String?

    @Option(name: .customLong("deadline-hours"), help: "The training must finish within this many hours (at most 1e6).",
            transform: DecimalArgument.parser("--deadline-hours", in: 1e-6...1e6))
    var deadlineHours: Double?

    @Option(name: .long, help: "The most the training may cost, in dollars (at most 1e12).",
            transform: DecimalArgument.parser("--budget", in: 1e-6...1e12))
    var budget: Double?

    @Option(name: .long, help: "Rows to show per table.")
    var top: Int = 5

    @Option(name: .long, help: "Also draw the cost-time chart into this folder.")
    var out: String?

    @Flag(name: .long, help: "Overwrite chart files in --out.")
    var force = false

    @Flag(name: .long, help: "Print JSON (schema_version 1): the explanation, the rows meeting the deadline, within the budget and on the Pareto front, as sweep --json writes rows.")
    var json = false

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @Flag(name: .long, help: "Rank by the pessimistic end: the 90th percentiles of time and cost over --samples draws from the simulator's measured errors.")
    var pessimistic = false

    @Option(name: .long, help: "Samples of each configuration's uncertain figures (default \(Self.pessimisticSamples) with --pessimistic).")
    var samples: Int?

    @Option(name: .long, help: "Seed for the samples.")
    var seed: UInt64 = 1

    func produce() throws -> CommandOutput {
        guard top > 0 else { throw UsageError(message: "--top must be positive") }
        let axes = try vary.map { text in try wrap { try Sweep.Axis.parse(text) } }
        let sweep = try wrap { try Sweep(scenarioPath: scenario, axes: axes, run: run) }
        // Before any simulation: a plan ranks by time and cost, so every run needs both.
        for spec in try Scenario.load(path: scenario).runs where run == nil || spec.label == run {
            let missing = [spec.training == nil ? "training" : nil, spec.pricing == nil ? "pricing" : nil].compactMap { $0 }
            if let key = missing.first {
                throw ConfigError(file: scenario, keyPath: key, line: nil,
                                  message: "plan needs time and cost: give the scenario `training: {epochs: ...}` and "
                                    + "`pricing: {mode: cloud}` (or owned)\(spec.label.map { "; run '\($0)' has no \(missing.joined(separator: " or "))" } ?? "")")
            }
        }
        let bar = ProgressBar(enabled: !quiet)
        let uncertainty = try SweepCommand.uncertainty(samples: samples ?? (pessimistic ? Self.pessimisticSamples : 0), seed: seed)
        let rows = try wrap { try sweep.evaluate(uncertainty: uncertainty, progress: bar.update) }
        bar.finish()
        let plan = try wrap {
            try Plan(rows: rows, deadlineSeconds: deadlineHours.map { $0 * 3600 }, budgetDollars: budget, pessimistic: pessimistic)
        }
        if json {
            guard out == nil else { throw UsageError(message: "--json prints the plan; draw the chart in a separate run with --out") }
            return CommandOutput(stdout: try PlanJSON.encode(plan, scenario: scenario, searched: rows.count, top: top))
        }
        var text = "\(plan.candidates.count) configurations fit in memory, of \(rows.count) searched.\n\n"
        text += plan.explanation + "\n"
        if let d = deadlineHours {
            text += "\nCheapest that finish within \(Format.fixed(d, 1)) h\n" + table(Array(plan.meetingDeadline.prefix(top)))
        }
        if let b = budget {
            text += "\nFastest within $\(Format.fixed(b, 0))\n" + table(Array(plan.withinBudget.prefix(top)))
        }
        text += "\nCost-time Pareto front (no configuration is both cheaper and faster)\n" + table(plan.paretoFront)
        var output = CommandOutput(stdout: text)
        if let out {
            let runs = Set(plan.candidates.map(\.run))
            let point = { (r: SweepRow) in
                Charts.CostTimePoint(hours: r.time(pessimistic: pessimistic)! / 3600, dollars: r.cost(pessimistic: pessimistic)!,
                                     label: Self.configuration(r, withRun: runs.count > 1))
            }
            let name = try Scenario.load(path: scenario).name
            let title = "\(name): time and cost to train, \(plan.candidates.count) configurations"
                + (pessimistic ? " (90th percentiles)" : "")
            let chart = try Charts.costTime(all: plan.candidates.map(point), front: plan.paretoFront.map(point),
                                            chosen: deadlineHours == nil ? nil : plan.meetingDeadline.first.map(point),
                                            deadlineHours: deadlineHours, budgetDollars: budget, title: title, format: .png)
            let outcome = try Gnuplot.write([chart], into: out, force: force)
            output.stderr = outcome.notes.map { $0 + "\n" }.joined()
            output.stdout += outcome.images.isEmpty ? "\nwrote \(out)/\(chart.dataFile) and \(chart.scriptFile), no picture\n"
                : "\nwrote \(out)/\(chart.imageFile)\n"
        }
        return output
    }

    /// Draws per configuration under --pessimistic: drawing costs no simulation, and
    /// with 400 draws the sampled 90th percentile's standard error is about 2% of
    /// it on today's errors (sqrt(0.9 x 0.1 / 400) over the density there).
    static let pessimisticSamples = 400

    /// A configuration in a few words: "8 x A100-SXM4-40GB, data, network_gbps=100"
    /// (and its run first, when the plan searched more than one).
    static func configuration(_ r: SweepRow, withRun: Bool) -> String {
        (withRun ? "\(r.run): " : "") + "\(r.gpus) x \(r.gpuModel), \(r.strategy)" + (r.scheme.map { " (\($0))" } ?? "")
            + r.otherSettings.map { ", " + $0 }.joined()
    }

    /// Whole dollars with separators, for any size.
    static func dollars(_ x: Double) -> String {
        x.magnitude < 1e15 ? Format.grouped(Int(x.rounded())) : Format.fixed(x, 0)
    }

    private func table(_ rows: [SweepRow]) -> String {
        guard !rows.isEmpty else { return "(none)\n" }
        let ranged = rows.contains { $0.timeToTrainSecondsP90 != nil }
        var t = TextTable(headers: ["run", "GPUs", "GPU", "strategy", "varied", "images/s", "efficiency", "hours", "cost $"]
                            + (ranged ? ["hours p10-p90", "cost $ p10-p90"] : []),
                          alignments: [.left, .right, .left, .left, .left, .right, .right, .right, .right] + (ranged ? [.right, .right] : []))
        for r in rows {
            let varied = r.otherSettings.joined(separator: " ")
            t.append([r.run, "\(r.gpus)", r.gpuModel, r.strategy + (r.scheme.map { " (\($0))" } ?? ""), varied,
                      Format.fixed(r.imagesPerSecond, 0), Format.fixed(r.efficiency * 100, 0) + "%",
                      Format.fixed(r.timeToTrainSeconds! / 3600, 1), Self.dollars(r.costUSD!)]
                     + (ranged ? ["\(Format.fixed((r.timeToTrainSecondsP10 ?? .nan) / 3600, 1))-\(Format.fixed((r.timeToTrainSecondsP90 ?? .nan) / 3600, 1))",
                                  "\(Self.dollars(r.costUSDP10 ?? 0))-\(Self.dollars(r.costUSDP90 ?? 0))"] : []))
        }
        return t.render()
    }
}
