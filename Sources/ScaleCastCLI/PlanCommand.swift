import ArgumentParser
import Foundation
import Hardware
import Planning
import Reports
import Scenario
import YAMLSupport

/// `scalecast plan SCENARIO --deadline-hours H [--cloud-budget USD] [--capex-budget USD] --vary ...`.
struct PlanCommand: ParsableCommand, OutputProducing, TimeLimited {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Search configurations (--vary, as sweep) for the cheapest that meets a deadline, the fastest within a budget, "
            + "and the cost-time Pareto front, per model.",
        discussion: "The scenario must state `training:` (epochs and images, or a recipe: training: {recipe: mlperf-resnet50}) and `pricing:` (cloud or owned). Every cost table shows "
            + "the time to train, the cost to train, the offer and its dollars per GPU-hour; owned clusters add their capex (bought "
            + "up front) and TCO (capex plus power and hosting over the stated life). Configurations that repeat every figure of "
            + "another (a network varied on one node) are one row, marked (+N alike), with how they differ under the table. "
            + "The price basis of each offer, with its date and source, follows the tables. docs/costs.md gives every formula and source. Exit 1 when no configuration of any "
            + "model meets the deadline within the budgets (the plan is printed all the same).")

    @OptionGroup var limit: TimeLimit

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, help: "KEY=VALUE,VALUE,... (repeatable; [4,4] or {kind: data} is one YAML value): the options to consider.")
    var vary: [String] = []

    @Option(name: .long, help: "Only the run with this label (an unlabelled run: runs[N]).")
    var run: String?

    // parsing: .unconditional: a value is taken whatever it looks like, so "-1" reaches the range check
    // ("above 0") instead of being read as an unknown flag ("Missing value").
    @Option(name: .customLong("deadline-hours"), parsing: .unconditional, help: "The training must finish within this many hours (at most 1e6).",
            transform: DecimalArgument.parser("--deadline-hours", in: 1e-6...1e6))
    var deadlineHours: Double?

    @Option(name: .customLong("cloud-budget"), parsing: .unconditional,
            help: ArgumentHelp("The most the training may cost, in dollars (at most 1e12): cloud rental, or an owned cluster's cost "
                + "to train (its capex spread over its life, plus power and hosting, for the hours it trains)."),
            transform: DecimalArgument.parser("--cloud-budget", in: 1e-6...1e12))
    var cloudBudget: Double?

    @Option(name: .customLong("capex-budget"), parsing: .unconditional,
            help: "The most an owned cluster may cost up front, in dollars (at most 1e12): GPUs, servers, NICs, switches, cables.",
            transform: DecimalArgument.parser("--capex-budget", in: 1e-6...1e12))
    var capexBudget: Double?

    @Option(name: .long, parsing: .unconditional, help: "The old name of --cloud-budget: it bounds the cost to train, not the purchase (that is --capex-budget).",
            transform: DecimalArgument.parser("--budget", in: 1e-6...1e12))
    var budget: Double?

    @Option(name: .long, parsing: .unconditional, help: "Rows to show per ranked table (each row one answer, standing for the configurations alike).")
    var top: Int = 5

    @Option(name: .long, help: "Also draw the cost-time chart into this folder.")
    var out: String?

    @Flag(name: .long, help: "Overwrite chart files in --out.")
    var force = false

    @Flag(name: .long, help: "Print JSON (schema_version 2): per model, the explanation, the rows meeting the deadline, within the budgets and on the Pareto front, as sweep writes rows in JSON (--out FILE.json).")
    var json = false

    @Flag(name: .long, help: "No progress bar (the line saying what was written, and the notes, still print).")
    var quiet = false

    @Flag(name: .long, help: "Rank by the pessimistic end: the 90th percentiles of time and cost over --samples draws from the simulator's measured errors.")
    var pessimistic = false

    @Option(name: .long, parsing: .unconditional, help: "Samples (10 to 2000) of each configuration's uncertain figures (default \(Self.pessimisticSamples) with --pessimistic).")
    var samples: Int?

    @Option(name: .long, parsing: .unconditional, help: "Seed for the samples (default 1).")
    var seed: UInt64?

    func produce() throws -> CommandOutput {
        guard top > 0 else { throw UsageError(message: "--top must be positive") }
        guard budget == nil || cloudBudget == nil else {
            throw UsageError(message: "--budget is the old name of --cloud-budget; give one of them")
        }
        let budgets = Plan.Budgets(costToTrainUSD: cloudBudget ?? budget, capexUSD: capexBudget)
        let axes = try vary.map { text in try wrap { try Sweep.Axis.parse(text) } }
        let sweep = try wrap { try Sweep(scenarioPath: scenario, axes: axes, run: run) }
        // Before any simulation: a plan ranks by time and cost, so every run needs both.
        let loaded = try Scenario.load(path: scenario)
        for spec in loaded.runIndices(selectedBy: run).map({ loaded.runs[$0] }) {
            let missing = [spec.training == nil ? "training" : nil, spec.pricing == nil ? "pricing" : nil].compactMap { $0 }
            if let key = missing.first {
                // Ask for what is missing: a scenario with a training goal and no pricing needs only the pricing.
                let asks = [spec.training == nil ? "`training: {epochs: ...}` (or `{recipe: ...}`)" : nil,
                            spec.pricing == nil ? "`pricing: {mode: cloud}` (or owned)" : nil].compactMap { $0 }
                throw ConfigError(file: scenario, keyPath: key, line: nil,
                                  message: "plan needs time and cost: give the scenario \(asks.joined(separator: " and "))"
                                    + (spec.label.map { "; run '\($0)' has no \(missing.joined(separator: " or "))" } ?? ""))
            }
        }
        if pessimistic && samples == 0 {
            // The 90th percentiles are drawn: without draws there are none to rank by.
            throw UsageError(message: "--pessimistic ranks by the 90th percentiles of --samples draws: give --samples 10 or more "
                             + "(default \(Self.pessimisticSamples)), or leave out --pessimistic")
        }
        // The chart's files are checked before the search, which can take minutes: a refusal after it would waste them.
        if let out {
            try Gnuplot.checkTargets(Charts.costTimeName, format: .png, into: out, force: force)
        }
        let bar = ProgressBar(enabled: !quiet)
        let uncertainty = try SweepCommand.uncertainty(samples: samples ?? (pessimistic ? Self.pessimisticSamples : 0), seed: seed)
        let rows = try wrap { try sweep.evaluate(uncertainty: uncertainty, progress: bar.update) }
        bar.finish()
        let plan = try wrap {
            try Plan(rows: rows, deadlineSeconds: deadlineHours.map { $0 * 3600 }, budgets: budgets, pessimistic: pessimistic)
        }
        // Nothing to plan when no configuration fits: bad input, as simulate, explain and report treat a model that does not fit.
        if plan.fitting.isEmpty, let smallest = rows.min(by: { $0.peakMemoryBytesPerGPU < $1.peakMemoryBytesPerGPU }) {
            let has = sweep.catalog.gpu(named: smallest.gpuModel)?.memoryBytes
            let message = "none of the \(rows.count) configurations searched fits in GPU memory; the one that "
                + "needs least, \(Plan.describe(smallest)), needs \(Format.gib(Double(smallest.peakMemoryBytesPerGPU))) GiB per GPU"
                + (has.map { ", where the \(smallest.gpuModel) has \(Format.gib($0)) GiB" } ?? "")
                + ": lower batch_per_gpu, vary gpus or cluster.gpu, or split the model's layers (strategy kind model or hybrid)"
            // Located at the batch of the run that needs least, as simulate locates one that does not fit.
            guard var located = sweep.points.first(where: { $0.index == smallest.point })?.run.batchLocation else {
                throw UsageError(message: "\(scenario): " + message)
            }
            located.message = message
            throw located
        }
        if json {
            guard out == nil else { throw UsageError(message: "--json prints the plan; draw the chart in a separate run with --out") }
            let folded = plan.rankings.flatMap { ranking in
                let listed = ranking.listed(top: top)
                return listed.meetingDeadline + listed.withinBudget + listed.paretoFront + listed.budgetsAside
            }
            let listed = Set(folded.map(\.row.point))
            // The cautions and notes cover what a listed row stands for too (`alikeCovered`).
            let covered = listed.union(folded.flatMap(\.alike).map(\.point))
            let cautions = try EvidenceCautions.lines(sweep.points.filter { covered.contains($0.index) }.map(\.run), catalog: sweep.catalog)
            let billTags = try priceBasisLines(rows.filter { listed.contains($0.point) }, sweep: sweep).tags
            return CommandOutput(stdout: try PlanJSON.encode(plan, scenario: scenario, searched: rows.count, top: top,
                                                             sources: sweep.catalog.sources, citing: billTags, cautions: cautions.map(\.json),
                                                             notes: plan.rankings.compactMap { Self.recordNote(on: $0.meetingDeadline.first, sweep: sweep) }
                                                                + Self.buyOrRentNotes(plan, sweep: sweep)
                                                                + Self.notes(rows.filter { covered.contains($0.point) }, compared: plan.candidates,
                                                                             sweep: sweep)),
                                 stderr: Self.budgetKindNote(budgets, rows: rows), exitCode: plan.nothingAnswers ? 1 : 0)
        }
        let fitting = plan.fitting.count == 1 ? "1 configuration fits" : "\(plan.fitting.count) configurations fit"
        let within = plan.candidates.count == 1 ? "1 is" : "\(plan.candidates.count) are"
        let leftOut = sweep.exclusionsByReason.reduce(0) { $0 + $1.points }
        var text = "\(fitting) in memory, of \(rows.count) searched"
            + (budgets.isEmpty ? "" : "; \(within) within \(budgets.text)")
            + (leftOut == 0 ? "" : "; \(leftOut) more left out, which their run cannot take (the notes at the end say why)") + ".\n"
        // The rows the tables show, and those the shown rows stand for (`AlikeRows`): the cautions and notes cover
        // both, since a configuration can repeat another's every figure and still carry a caution of its own (bf16
        // priced as fp16 on a GPU without bf16 units repeats the fp16 configuration); the price basis, the shown.
        var shown: [SweepRow] = [], alikeCovered: [SweepRow] = []
        for ranking in plan.rankings {
            if plan.rankings.count > 1 {
                text += "\n\(ranking.model): \(ranking.fitting.count) configurations fit in memory (ranked apart from other models)\n"
            }
            text += "\n" + ranking.explanation + "\n"
            if let caution = Self.recordNote(on: ranking.meetingDeadline.first, sweep: sweep) { text += caution + "\n" }
            // The lists fold configurations that give one answer (`AlikeRows`) before they are cut to --top.
            let listed = ranking.listed(top: top)
            var tables: [(title: String, rows: [AlikeRows])] = []
            // Where the budgets leave nothing, the lists say so, and the front is drawn from every configuration
            // that fits: what each budget would buy.
            let overBudget = !listed.budgetsAside.isEmpty
            let within = overBudget ? " (none within \(budgets.text))" : ""
            if let d = deadlineHours { tables.append(("Cheapest that finish within \(Plan.deadline(hours: d))\(within)", listed.meetingDeadline)) }
            if !budgets.isEmpty { tables.append(("Fastest within \(budgets.text)", listed.withinBudget)) }
            if overBudget {
                tables.append(("Cost-time Pareto front of the \(ranking.fitting.count) configurations that fit, budgets aside "
                               + "(no configuration is both cheaper and faster; a budget at a row's cost admits it)",
                               listed.budgetsAside))
            } else {
                tables.append(("Cost-time Pareto front (no configuration is both cheaper and faster)", listed.paretoFront))
            }
            for (title, rows) in tables {
                text += "\n\(title)\n" + table(rows) + Self.alikeNote(rows)
                shown += rows.map(\.row)
                alikeCovered += rows.flatMap(\.alike)
            }
        }
        text += try priceBases(shown, sweep: sweep)
        for note in Self.buyOrRentNotes(plan, sweep: sweep) + Self.notes(shown + alikeCovered, compared: plan.candidates, sweep: sweep) {
            text += "\n\(note)\n"
        }
        let shownPoints = Set((shown + alikeCovered).map(\.point))
        text += EvidenceCautions.text(try EvidenceCautions.lines(sweep.points.filter { shownPoints.contains($0.index) }.map(\.run),
                                                                 catalog: sweep.catalog))
        var output = CommandOutput(stdout: text, stderr: Self.budgetKindNote(budgets, rows: rows), exitCode: plan.nothingAnswers ? 1 : 0)
        if let out {
            let runs = Set(plan.candidates.map(\.run))
            let point = { (r: SweepRow) in
                Charts.CostTimePoint(hours: r.time(pessimistic: pessimistic)! / 3600, dollars: r.cost(pessimistic: pessimistic)!,
                                     label: Self.configuration(r, withRun: runs.count > 1), capexUSD: r.capex(pessimistic: pessimistic))
            }
            let name = try Scenario.load(path: scenario).name
            let title = "\(Charts.titlePrefix(name)) simulated time and cost to train, \(plan.candidates.count) configurations"
                + (plan.budgets.isEmpty ? "" : " within the budgets") + (pessimistic ? " (90th percentiles)" : "")
            // One front per model, each ranked apart (a front joined across models would cross itself).
            let chart = try Charts.costTime(all: plan.candidates.map(point),
                                            fronts: plan.rankings.map { (name: $0.model, points: $0.paretoFront.map(point)) },
                                            chosen: deadlineHours == nil ? [] : plan.rankings.compactMap { $0.meetingDeadline.first.map(point) },
                                            deadlineHours: deadlineHours, budgetDollars: cloudBudget ?? budget, title: title, format: .png)
            let outcome = try Gnuplot.write([chart], into: out, force: force)
            output.stderr += outcome.notes.map { $0 + "\n" }.joined()
            output.stdout += outcome.images.isEmpty ? "\nwrote \(out)/\(chart.dataFile) and \(chart.scriptFile), no picture\n"
                : "\nwrote \(out)/\(chart.imageFile)\n"
        }
        return output
    }

    /// A note where a cost-to-train budget alone bounds owned configurations: it does not bound
    /// their purchase, which a buyer's budget usually is (`--capex-budget`); and where a capex
    /// budget meets no owned configuration: rentals buy nothing, so it bounds none of them;
    /// "" otherwise.
    static func budgetKindNote(_ budgets: Plan.Budgets, rows: [SweepRow]) -> String {
        let owned = rows.contains { $0.capexUSD != nil }
        if budgets.capexUSD != nil, !owned {
            return "note: --capex-budget bounds what an owned cluster costs up front; every configuration searched is rented, "
                + "buys nothing and is within it: --cloud-budget bounds what a training costs\n"
        }
        guard budgets.costToTrainUSD != nil, budgets.capexUSD == nil, owned else { return "" }
        return "note: --cloud-budget (or --budget) bounds what each training costs, an owned cluster's by the hour it trains; "
            + "it does not bound the purchase: give --capex-budget for what may be bought up front\n"
    }

    /// Draws per configuration under --pessimistic: as many as `report` draws for its answer
    /// (`RangeCalibration.samples`), so that with the same seed a configuration's range is
    /// the same in both; drawing costs no simulation.
    static let pessimisticSamples = RangeCalibration.samples

    /// A configuration in a few words: "8 x A100-SXM4-40GB, data, network_gbps=100"
    /// (and its run first, when the plan searched more than one).
    static func configuration(_ r: SweepRow, withRun: Bool) -> String {
        (withRun ? "\(r.run): " : "") + "\(r.gpus) x \(r.gpuModel), \(r.strategy)" + (r.scheme.map { " (\($0))" } ?? "")
            + r.otherSettings.map { ", " + $0 }.joined()
    }

    /// Whole dollars with separators, for any size.
    static func dollars(_ x: Double) -> String { Format.dollars(x) }

    /// A cost table: time and money to train with the offer and its price per GPU-hour,
    /// and for owned configurations their capex and TCO.
    private func table(_ folded: [AlikeRows]) -> String {
        guard !folded.isEmpty else { return "(none)\n" }
        let rows = folded.map(\.row)
        let ranged = rows.contains { $0.timeToTrainSecondsP90 != nil }
        let owned = rows.contains { $0.capexUSD != nil }
        // The global batch (images per optimizer step: per GPU x GPUs x accumulation steps) beside
        // the GPUs: the time to train takes the epochs training.epochs gives for it, the same at
        // every batch unless stated by batch (a larger batch can need more epochs or a new learning rate).
        var t = TextTable(headers: ["run", "GPUs", "global batch", "GPU", "strategy", "varied", "images/s", "efficiency", "hours", "cost $",
                                    "$/GPU-h", "offer"]
                            + (owned ? ["capex $", "TCO $"] : []) + (ranged ? ["hours p10-p90", "cost $ p10-p90"] : []),
                          alignments: [.left, .right, .right, .left, .left, .left, .right, .right, .right, .right, .right, .left]
                            + (owned ? [.right, .right] : []) + (ranged ? [.right, .right] : []))
        for group in folded {
            let r = group.row
            let varied = (r.otherSettings + (group.alike.isEmpty ? [] : ["(+\(group.alike.count) alike)"])).joined(separator: " ")
            t.append([r.run, "\(r.gpus)", Format.grouped(r.globalBatch), r.gpuModel, r.strategy + (r.scheme.map { " (\($0))" } ?? ""), varied,
                      Format.fixed(r.imagesPerSecond, 0), Format.fixed(r.efficiency * 100, 0) + "%",
                      Format.hours(r.timeToTrainSeconds! / 3600), Self.dollars(r.costUSD!),
                      r.usdPerGPUHour.map { Format.fixed($0, 2) } ?? "-", r.priceOffer ?? "-"]
                     + (owned ? [r.capexUSD.map(Self.dollars) ?? "-", r.tcoUSD.map(Self.dollars) ?? "-"] : [])
                     + (ranged ? ["\(Format.hours((r.timeToTrainSecondsP10 ?? .nan) / 3600))-\(Format.hours((r.timeToTrainSecondsP90 ?? .nan) / 3600))",
                                  "\(Self.dollars(r.costUSDP10 ?? 0))-\(Self.dollars(r.costUSDP90 ?? 0))"] : []))
        }
        return t.render()
    }

    /// Under a table whose rows stand for others (`AlikeRows`), which: per such row, the settings
    /// in which each configuration it stands for differs from it (the first `alikeListed`, then a
    /// count); "" where no row does.
    static func alikeNote(_ folded: [AlikeRows]) -> String {
        let standing = folded.filter { !$0.alike.isEmpty }
        guard !standing.isEmpty else { return "" }
        var text = "A row marked (+N alike) stands for N more configurations with every figure the same: they differ from it only in "
            + "settings that change nothing there (such as the network of a single node, or a link faster than a profile's "
            + "socket streams let it carry: net_socket_streams x net_stream_gb_per_s).\n"
        for group in standing {
            text += "  \(configuration(group.row, withRun: true)): also \(group.differencesInWords(limit: alikeListed))\n"
        }
        // Under max_global_batch, rows asking for different batches per GPU can train the same one: every figure
        // the same but the efficiency, which compares with one GPU at the batch asked for.
        let differing = standing.filter { !$0.differingEfficiencies.isEmpty }
        if !differing.isEmpty {
            text += "Some of them ask for a larger batch per GPU than max_global_batch leaves and train the same one: their efficiency, "
                + "which compares with one GPU at the batch asked for, differs ("
                + differing.map { group in
                    "\(configuration(group.row, withRun: true)): \(percent(group.row.efficiency)), the others "
                        + group.differingEfficiencies.prefix(alikeListed).map(percent).joined(separator: ", ")
                }.joined(separator: "; ") + ").\n"
        }
        return text
    }

    /// Where the published record on the answer's GPU, in its precision, contradicts the model
    /// (its own measurements ran outside the span of the errors elsewhere), or leans one way
    /// (`MeasuredErrors.Evidence.lean`: every measurement there on one side, beyond the corpus's
    /// median error), a sentence to read
    /// with the answer, not only in the cautions after the tables; nil otherwise.
    static func recordNote(on answer: SweepRow?, sweep: Sweep) -> String? {
        guard let answer, let run = sweep.points.first(where: { $0.index == answer.point })?.run,
              let errors = try? MeasuredErrors.builtIn() else { return nil }
        let record = EvidenceCautions.evidence(run, errors: errors, catalog: sweep.catalog)
        guard !record.points.isEmpty else { return nil }
        if let lean = record.lean { return "On its record, " + lean + "." }
        guard record.caution != nil else { return nil }
        return "Read this answer with the caution at the end: the published measurements on the \(record.gpu) in "
            + "\(record.precisionGroup) contradict the model's prediction for it."
    }

    /// An efficiency as the tables print it ("72%").
    private static func percent(_ efficiency: Double) -> String { "\(Int((efficiency * 100).rounded()))%" }

    /// How many of the configurations a row stands for `alikeNote` names.
    static let alikeListed = 6

    /// The cautions on the rows shown beside the published evidence's, each a paragraph without
    /// its surrounding blank lines: prices seen years apart (among every configuration `compared`,
    /// shown or not: an old price that ranks a GPU out decides the answer as much as one shown),
    /// owned bills' parts priced years apart, a step of more images than an epoch, epochs held
    /// above the largest stated batch, a precision priced as another, and a model trained on
    /// another model's recipe. The text prints them under the tables; `--json` lists them as `notes`.
    static func notes(_ shown: [SweepRow], compared: [SweepRow], sweep: Sweep) -> [String] {
        let runsByPoint = Dictionary(sweep.points.map { ($0.index, $0.run) }, uniquingKeysWith: { a, _ in a })
        let shownPoints = Set(shown.map(\.point))
        let precision = sweep.precisionNotes(sweep.points.filter { shownPoints.contains($0.index) }).map { note, pricedAs in
            "Precision: \(note)" + (pricedAs.map { "; those configurations are priced as \($0.rawValue)" } ?? "") + "."
        }
        let leftOut = sweep.exclusionsByReason.map {
            "Left out: \($0.points) configuration\($0.points == 1 ? "" : "s")\($0.runLabel.map { " of run '\($0.singleLine)'" } ?? ""), "
                + "a combination of varied values the run cannot take (each value is searched with others): \($0.reason)."
        }
        let overrides = sweep.runOverrides.map { "Varied: \($0)." }
        return overrides + leftOut + ([priceAgeNote(compared), billAgeNote(shown, sweep: sweep), idleInstanceNote(shown, sweep: sweep),
                 globalBatchNote(shown, runs: runsByPoint), fixedEpochsNote(shown, runs: runsByPoint),
                 heldEpochsNote(shown, runs: runsByPoint)]
            .map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }) + precision + recipeNotes(shown, runs: runsByPoint)
            + sweep.flatNetworkPriceNotes(sweep.points.filter { shownPoints.contains($0.index) }).map { "Network price: \($0)." }
            + sweep.socketCapNotes(sweep.points.filter { shownPoints.contains($0.index) }).map { "Network speed: \($0)." }
            + sweep.catalogPriceNotes(sweep.points.filter { shownPoints.contains($0.index) }).map { "Price: \($0)." }
    }

    /// A caution per built-in recipe and model where configurations shown train a model on another
    /// model's recipe (`RunSpec.recipeOfAnotherModel`): their epochs are no measurement of it.
    static func recipeNotes(_ rows: [SweepRow], runs: [Int: RunSpec]) -> [String] {
        var seen = Set<String>(), notes: [String] = []
        for row in rows {
            guard let run = runs[row.point], let recipe = run.recipeOfAnotherModel,
                  seen.insert(recipe.name + "\u{0}" + run.modelLabel).inserted else { continue }
            notes.append("Recipe \(recipe.name) gives the epochs \(recipe.model) needs (\(recipe.target)); the configurations shown that train "
                         + "\(run.modelLabel.singleLine) take them all the same, which no run of that model measured: state training.epochs "
                         + "from its own recipe where there is one.")
        }
        return notes
    }

    /// Per model where the configurations that meet the deadline (or, without one, all) include
    /// both an owned and a rented one: how busy the cheapest owned cluster must be to train for
    /// less than the cheapest rental (`OwnedCost.breakEvenUtilization`), the buy-or-rent answer
    /// an owned cost to train, which assumes a utilization, leaves open. None under
    /// --pessimistic (its costs are percentiles of draws, the break-even a central figure).
    static func buyOrRentNotes(_ plan: Plan, sweep: Sweep) -> [String] {
        guard !plan.pessimistic else { return [] }
        return plan.rankings.compactMap { ranking in
            let meeting = ranking.meetingDeadline
            guard let owned = meeting.first(where: { $0.capexUSD != nil }), let rented = meeting.first(where: { $0.capexUSD == nil }),
                  let ownedCost = owned.costUSD, let rentedCost = rented.costUSD, let seconds = owned.timeToTrainSeconds,
                  let point = sweep.points.first(where: { $0.index == owned.point }),
                  let bill = (try? TrainingEstimate.estimate(point.run, gpus: owned.gpus, imagesPerSecond: owned.imagesPerSecond,
                                                             catalog: sweep.catalog, describing: false))??.owned else { return nil }
            let model = plan.rankings.count > 1 ? " (\(ranking.model))" : ""
            let busy = bill.utilization < 1 ? "\(Int((bill.utilization * 100).rounded()))% busy, as pricing.utilization states"
                : "busy all of its \(String(format: "%g", locale: nil, bill.lifetimeYears))-year life"
            let rival = "the cheapest rented configuration\(ranking.deadlineSeconds == nil ? "" : " that meets the deadline"), "
                + "\(Plan.describe(rented)) ($\(Plan.money(rentedCost)))"
            let ownedText = "\(Plan.describe(owned)) ($\(Plan.money(ownedCost)) to train, \(busy))"
            guard let breakEven = bill.breakEvenUtilization(trainingHours: seconds / 3600, rentedUSD: rentedCost), breakEven <= 1 else {
                return "Buy or rent\(model): \(rival) costs less to train than the cheapest owned one, \(ownedText), however busy "
                    + "the owned cluster is kept."
            }
            // The owned cost shown is at the stated utilization: below the break-even, renting is the cheaper of the two there.
            if bill.utilization < breakEven {
                return "Buy or rent\(model): at the utilization stated, \(rival) costs less to train than \(ownedText); "
                    + "owning costs less once the cluster trains at least \(Self.percentUp(breakEven)) of its life "
                    + "(`--vary pricing.utilization=...` ranks both ways)."
            }
            return "Buy or rent\(model): \(ownedText) costs less to train than \(rival), while the cluster trains at least "
                + "\(Self.percentUp(breakEven)) of its life; less busy, renting costs less (`--vary pricing.utilization=...` ranks both ways)."
        }
    }

    /// A share as a whole percent rounded up (a break-even at 22.1% is not met at 22%; floating-point
    /// noise above a whole percent is not rounded up), at least 1%.
    static func percentUp(_ share: Double) -> String { "\(max(1, Int((share * 100 - 1e-9).rounded(.up))))%" }

    /// `PriceAgeCautions.offersApart` on the offers of `rows`, as a note; "" where none.
    static func priceAgeNote(_ rows: [SweepRow]) -> String {
        PriceAgeCautions.offersApart(rows.compactMap { row in row.priceSeen.map { ($0, row.priceOffer.map { "\($0) (\(row.gpuModel))" }) } }).map { "\n\($0)\n" } ?? ""
    }

    /// `PriceAgeCautions.billPartsApart` on the owned bills shown, as a note: a bill per run, GPU
    /// type and varied setting that changes it (`billSettings`), for its largest configuration
    /// shown; "" where no bill has parts priced years apart.
    static func billAgeNote(_ rows: [SweepRow], sweep: Sweep) -> String {
        var largest: [String: SweepRow] = [:], order: [String] = []
        for row in rows where row.capexUSD != nil {
            let key = "\(row.run)\u{1}\(row.gpuModel)\u{1}\(Self.billSettings(row).joined(separator: ","))"
            if largest[key] == nil { order.append(key) }
            if row.gpus > largest[key]?.gpus ?? 0 { largest[key] = row }
        }
        let bills = order.compactMap { key -> (name: String, bill: OwnedCost)? in
            guard let row = largest[key], let point = sweep.points.first(where: { $0.index == row.point }),
                  let estimate = try? TrainingEstimate.estimate(point.run, gpus: row.gpus, imagesPerSecond: row.imagesPerSecond,
                                                                catalog: sweep.catalog),
                  let bill = estimate.owned else { return nil }
            let settings = Self.billSettings(row).isEmpty ? "" : " (\(Self.billSettings(row).joined(separator: ", ")))"
            let run = Set(rows.map(\.run)).count > 1 ? "\(row.run.singleLine) on " : ""
            return ("\(run)\(row.gpuModel)\(settings)", bill)
        }
        return PriceAgeCautions.billPartsApart(bills).map { "\n\($0)\n" } ?? ""
    }

    /// A note where a configuration shown leaves part of its last cloud instance idle: it pays for
    /// the whole instance (`TrainingEstimate`), so its $/GPU-h is above the offer's; "" otherwise.
    static func idleInstanceNote(_ rows: [SweepRow], sweep: Sweep) -> String {
        var named: [String] = []
        for row in rows {
            guard let point = sweep.points.first(where: { $0.index == row.point }), let pricing = point.run.pricing,
                  pricing.mode == .cloud, pricing.cloudPerGPUHour?.value(for: point.run.cluster.gpu) == nil,
                  let offer = sweep.catalog.cheapestCloudPrice(for: point.run.cluster.gpu, gpus: row.gpus) else { continue }
            let instances = offer.instances(for: row.gpus)
            guard instances * offer.gpusPerInstance > row.gpus else { continue }
            let text = "\(row.gpus) x \(row.gpuModel) on \(instances) \(offer.provider) \(offer.instance) of \(offer.gpusPerInstance) GPUs"
            if !named.contains(text) { named.append(text) }
        }
        guard !named.isEmpty else { return "" }
        return "\nA cloud instance is rented whole: a configuration that leaves part of one idle pays for all of it, so its $/GPU-h "
            + "is above the offer's (\(named.joined(separator: "; "))).\n"
    }

    /// A caution where a configuration shown takes more images a step than its training goal's
    /// epoch holds: its time to train counts steps of part of a batch, which no run takes, and no
    /// recipe trains in the same epochs at such a batch; "" otherwise.
    static func globalBatchNote(_ rows: [SweepRow], runs: [Int: RunSpec]) -> String {
        let over = rows.compactMap { row -> (row: SweepRow, images: Int)? in
            guard let images = runs[row.point]?.training?.images, row.globalBatch > images else { return nil }
            return (row, images)
        }
        guard let largest = over.max(by: { $0.row.globalBatch < $1.row.globalBatch }) else { return "" }
        let count = Set(over.map(\.row.point)).count
        return "\n\(count == 1 ? "One configuration shown takes" : "\(count) configurations shown take") more images a step than an epoch "
            + "of the training holds (the largest, \(largest.row.gpus) GPUs: \(Format.grouped(largest.row.globalBatch)) images a step against "
            + "\(Format.grouped(largest.images)) an epoch), so \(count == 1 ? "its" : "their") time to train counts part-steps no run takes: state the largest "
            + "global batch your recipe trains at as max_global_batch (README, \"The global batch at scale\").\n"
    }

    /// A caution where the configurations shown train at different global batches on one fixed
    /// figure of epochs (`training.epochs: 90`): their times to train take those epochs at every
    /// batch, which a recipe may not allow at the larger ones (larger batches need more epochs
    /// where they converge at all), so a ranking by time or cost favours the largest; "" otherwise.
    static func fixedEpochsNote(_ rows: [SweepRow], runs: [Int: RunSpec]) -> String {
        let fixed = rows.compactMap { row -> (row: SweepRow, epochs: Double)? in
            guard let goal = runs[row.point]?.training, goal.recipe == nil, let epochs = goal.fixedEpochs else { return nil }
            return (row, epochs)
        }
        let batches = Set(fixed.map(\.row.globalBatch))
        guard batches.count > 1, let smallest = batches.min(), let largest = batches.max() else { return "" }
        let epochs = Set(fixed.map(\.epochs)).sorted().map { NumberText.written($0) }.joined(separator: " or ")
        return "\nThe times to train take training.epochs (\(epochs)) at every global batch shown (\(Format.grouped(smallest)) to "
            + "\(Format.grouped(largest)) images a step); a training recipe may need more at the larger ones, where they converge "
            + "at all, which these times do not count: state the epochs by global batch (training.epochs: {BATCH: EPOCHS, ...}), "
            + "a built-in recipe (training: {recipe: ...}), or the largest batch your recipe trains at as max_global_batch "
            + "(README, \"The global batch at scale\").\n"
    }

    /// A caution where a configuration shown trains at a global batch above the largest its
    /// goal states epochs for (`training.epochs` by batch, or a recipe's): it takes that batch's
    /// epochs, which no run at its own batch measured, so its time to train is a lower bound
    /// (larger batches need more epochs where they converge at all); "" otherwise.
    static func heldEpochsNote(_ rows: [SweepRow], runs: [Int: RunSpec]) -> String {
        let over = rows.compactMap { row -> (row: SweepRow, held: Int, source: String)? in
            guard let goal = runs[row.point]?.training, let held = goal.batchHeldAbove(atGlobalBatch: row.globalBatch) else { return nil }
            return (row, held, goal.recipe.map { "recipe \($0)" } ?? "training.epochs")
        }
        guard let largest = over.max(by: { $0.row.globalBatch < $1.row.globalBatch }) else { return "" }
        let count = Set(over.map(\.row.point)).count
        return "\n\(count == 1 ? "One configuration shown trains" : "\(count) configurations shown train") above the largest global batch "
            + "\(largest.source) states epochs for (the largest, \(largest.row.gpus) GPUs: \(Format.grouped(largest.row.globalBatch)) images a step "
            + "against \(Format.grouped(largest.held))), so \(count == 1 ? "it takes" : "they take") that batch's epochs, which no run at "
            + "\(count == 1 ? "its" : "their") own batch measured: \(count == 1 ? "its" : "their") time to train is a lower bound. State max_global_batch "
            + "to keep the batch to one the epochs are known at (README, \"The global batch at scale\").\n"
    }

    /// The varied settings of `row` that change an owned cluster's bill: the network and the
    /// node (NICs, switches, cables, servers) and the pricing itself; not the batch or the strategy.
    static func billSettings(_ row: SweepRow) -> [String] {
        row.otherSettings.filter { setting in
            ["network_gbps=", "cluster.network", "cluster.gpus_per_node=", "pricing."].contains { setting.hasPrefix($0) }
        }
    }

    /// The price basis of each offer in the tables, then the sources its tags cite: a cloud
    /// offer's once (its price per instance is the same at every size), an owned cluster's
    /// for each configuration shown (its servers, NICs and switches change with the GPUs
    /// and the network), in the order the tables show them, the answer's first.
    private func priceBases(_ rows: [SweepRow], sweep: Sweep) throws -> String {
        let (lines, tags) = try priceBasisLines(rows, sweep: sweep)
        guard !lines.isEmpty else { return "" }
        var text = "\nPrice basis (dated, not current; docs/costs.md)\n" + lines.joined(separator: "\n") + "\n"
        let references = sweep.catalog.sources.filter { tags.contains($0.tag) }
        if !references.isEmpty {
            text += "Sources:\n" + references.map { "  [\($0.tag)] \($0.reference)" }.joined(separator: "\n") + "\n"
        }
        return text
    }

    /// `priceBases`' lines, and the catalog tags their bills cite: an owned cluster's NICs,
    /// switches, cables and servers as well as its GPUs (a row's `price_source` names the GPU's alone).
    private func priceBasisLines(_ rows: [SweepRow], sweep: Sweep) throws -> (lines: [String], tags: [String]) {
        var lines: [String] = []
        var tags: [String] = []
        var seen: Set<String> = []
        let priced = try rows.compactMap { row -> (row: SweepRow, offer: String, estimate: TrainingEstimate, settings: [String])? in
            guard let offer = row.priceOffer, let point = sweep.points.first(where: { $0.index == row.point }),
                  let estimate = try TrainingEstimate.estimate(point.run, gpus: row.gpus, imagesPerSecond: row.imagesPerSecond,
                                                               catalog: sweep.catalog) else { return nil }
            return (row, offer, estimate, estimate.owned == nil ? [] : Self.billSettings(row))
        }
        // Runs can differ in what their bills price (one run's network is another's) with nothing else to tell their
        // lines apart: a line names its run where another run's bill under the same words differs.
        func label(_ p: (row: SweepRow, offer: String, estimate: TrainingEstimate, settings: [String])) -> String {
            "\(p.offer)\u{1}\(p.row.gpuModel)\u{1}\(p.row.gpus)\u{1}\(p.settings)"
        }
        var billsByLabel: [String: Set<String>] = [:]
        for p in priced where p.estimate.owned != nil { billsByLabel[label(p), default: []].insert(p.estimate.basis.details) }
        for p in priced {
            let (row, offer, estimate, settings) = p
            let namesRun = (billsByLabel[label(p)]?.count ?? 0) > 1
            // One line per model, offer and GPU; an owned cluster's per GPU count and setting that changes
            // its bill too (a network speed prices other NICs and switches).
            let key = "\(row.model ?? "")\u{1}\(offer)\u{1}\(row.gpuModel)"
                + (estimate.owned == nil ? "" : "\u{1}\(row.gpus)\u{1}\(settings)\u{1}\(namesRun ? row.run : "")")
            guard seen.insert(key).inserted else { continue }
            let example = estimate.owned == nil ? "" : " (for \(namesRun ? "run \(row.run.singleLine): " : "")\(row.gpus) x \(row.gpuModel)"
                + settings.map { ", " + $0 }.joined() + ")"
            let line = "  \(offer), \(row.gpuModel)\(example): \(estimate.basis.details)"
            if lines.contains(line) { continue }
            lines.append(line)
            for tag in estimate.basis.citedTags where !tags.contains(tag) { tags.append(tag) }
        }
        return (lines, tags)
    }
}
