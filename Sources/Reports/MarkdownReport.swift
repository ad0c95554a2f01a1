import CostModel
import Hardware
import Parallelism
import Planning
import Scenario
import Software
import Simulation
import YAMLSupport

/// `report.md`: a one-page summary a manager can read, the answer first.
public enum MarkdownReport {
    /// Images in one epoch of ImageNet-1k's training set, the default unit of
    /// "time per epoch" (ILSVRC 2012: 1,281,167 images).
    public static let imageNetTrainingImages = 1_281_167

    public struct Input {
        public var scenario: Scenario
        public var scenarioPath: String
        public var results: [ConfigurationResult]
        /// The best configuration's step analysis (for the bottleneck sentence).
        public var best: ConfigurationResult
        public var bestAnalysis: StepAnalysis
        /// Image files of the charts, relative to the report, with captions.
        public var charts: [(file: String, caption: String)]
        /// Whether the charts' pictures were drawn (gnuplot installed): where not, the report
        /// says so under each caption instead of linking a picture that does not exist.
        public var chartsDrawn = true
        /// Time (and money) to train the best configuration, when its run states a training goal.
        public var training: TrainingAnswer?
        /// The best configuration's likely range, from the simulator's measured errors.
        public var range: UncertaintyRange?
        /// The corpus's record on the best configuration's GPU and precision.
        public var evidence: MeasuredErrors.Evidence?
        /// Per result (same order), its time and cost to train where its run states them
        /// (`simulate`'s cells): the Results table then gives them for every configuration.
        public var trainingCells: [ResultsTable.TrainingCell?]
        /// The corpus's cautions on the GPUs (and precisions) of the other configurations
        /// than the best, once each (`MeasuredErrors.Evidence.caution`).
        public var otherCautions: [String]
        /// Each offer's price basis, as simulate prints them (`ResultsTable.priceBases`), named by run
        /// where the scenario has several; and the cautions on prices seen years apart (`PriceAgeCautions`).
        public var priceBases: [String] = []
        public var priceCautions: [String] = []

        /// Each result's time to train in hours (`trainingCells`), nil where its run states no goal.
        public var trainingHours: [Double?] { results.indices.map { $0 < trainingCells.count ? trainingCells[$0]?.hours : nil } }

        public init(scenario: Scenario, scenarioPath: String, results: [ConfigurationResult], best: ConfigurationResult,
                    bestAnalysis: StepAnalysis, charts: [(file: String, caption: String)], training: TrainingAnswer? = nil,
                    range: UncertaintyRange? = nil, evidence: MeasuredErrors.Evidence? = nil, trainingCells: [ResultsTable.TrainingCell?] = [],
                    otherCautions: [String] = []) {
            self.scenario = scenario
            self.scenarioPath = scenarioPath
            self.results = results
            self.best = best
            self.bestAnalysis = bestAnalysis
            self.charts = charts
            self.training = training
            self.range = range
            self.evidence = evidence
            self.trainingCells = trainingCells
            self.otherCautions = otherCautions
        }
    }

    /// The 10th to 90th percentile of the best configuration's images/s, and of its
    /// time and cost to train where they are known, and where that range comes from.
    public struct UncertaintyRange: Sendable {
        public var imagesPerSecond: ClosedRange<Double>
        /// Seconds for the training goal (or, without one, for an epoch of ImageNet).
        public var seconds: ClosedRange<Double>?
        public var dollars: ClosedRange<Double>?
        /// In words, e.g. "the simulator's errors on 62 published 1-GPU measurements and ...".
        public var source: String

        public init(imagesPerSecond: ClosedRange<Double>, seconds: ClosedRange<Double>?, dollars: ClosedRange<Double>?, source: String) {
            self.imagesPerSecond = imagesPerSecond
            self.seconds = seconds
            self.dollars = dollars
            self.source = source
        }
    }

    /// What the scenario's `training:` (and `pricing:`) make of the best configuration's rate.
    public struct TrainingAnswer: Sendable {
        /// Images per epoch and epochs, as the run states them.
        public var images: Int
        public var epochs: Double
        /// Seconds to train at the simulated rate.
        public var seconds: Double
        /// Dollars for that time and where the price comes from (every figure, its date and
        /// sources: a paragraph of its own under the answer); nil without `pricing:`.
        public var dollars: Double?
        public var priceBasis: String?
        /// The offer and its dollars per GPU-hour, in the answer's sentence ("owned, 4-year life, at
        /// $1.57 per GPU-hour"); nil without `pricing:`.
        public var priceSummary: String?
        /// An owned cluster's dollars up front and over its stated life; nil in the cloud.
        public var capexUSD: Double?
        public var tcoUSD: Double?
        /// The built-in recipe the epochs come from (`training.recipe`); nil where the scenario states them.
        public var recipe: String?

        public init(images: Int, epochs: Double, seconds: Double, dollars: Double? = nil, priceBasis: String? = nil,
                    priceSummary: String? = nil, capexUSD: Double? = nil, tcoUSD: Double? = nil, recipe: String? = nil) {
            self.recipe = recipe
            self.priceSummary = priceSummary
            self.images = images
            self.epochs = epochs
            self.seconds = seconds
            self.dollars = dollars
            self.priceBasis = priceBasis
            self.capexUSD = capexUSD
            self.tcoUSD = tcoUSD
        }
    }

    /// What one GPU of configuration `r` holds, part by part (`MemoryReport.parts`, the
    /// parts it has), against the board: the "does it fit" of the results table, explained.
    static func memorySection(_ r: ConfigurationResult) -> String {
        var out = "\n## Memory per GPU of the fastest configuration\n\n"
        out += "\(Format.gib(r.memory.totalBytes)) GiB of the \(r.gpuModel)'s \(Format.gib(r.gpuMemoryBytes)) GiB: "
            + (r.fitsInMemory ? "it fits" : "**it does not fit**") + ".\n\n| part | GiB |\n|---|---:|\n"
        for part in MemoryReport.parts(r.memory) where part.bytes > 0 {
            out += "| \(part.name) | \(Format.fixed(part.bytes / 1_073_741_824, 2)) |\n"
        }
        return out
    }

    /// The best configuration the report details (`bestIndex(of:training:)`).
    public static func best(of results: [ConfigurationResult], training: [ResultsTable.TrainingCell?] = []) -> ConfigurationResult? {
        bestIndex(of: results, training: training).map { results[$0] }
    }

    /// Each model's fastest configuration (`bestIndices(of:training:)`).
    public static func bestPerModel(of results: [ConfigurationResult], training: [ResultsTable.TrainingCell?] = []) -> [ConfigurationResult] {
        bestIndices(of: results, training: training).map { results[$0] }
    }

    /// Where in `results` the configuration the report details is: the first model's best
    /// (`bestIndices(of:training:)`, models in the order the results name them) among the
    /// models with a configuration that fits in memory; images/s of different networks are never
    /// ranked together. The first model's best when none fits.
    public static func bestIndex(of results: [ConfigurationResult], training: [ResultsTable.TrainingCell?] = []) -> Int? {
        let perModel = bestIndices(of: results, training: training)
        return perModel.first { results[$0].fitsInMemory } ?? perModel.first
    }

    /// Where in `results` each model's fastest configuration is, the models in the order
    /// the results first name them, among the model's configurations that fit in memory (among
    /// all of them when none fits): the shortest time to train where every one of them has one
    /// (`training`, per result in the same order: where the epochs depend on the global
    /// batch, the most images/s is not the soonest trained), else the most images per second;
    /// of equally fast ones, the cheapest to train where both are priced (a rented cluster as
    /// fast as a bought one for less), then the one with the fewest GPUs, then the first listed.
    public static func bestIndices(of results: [ConfigurationResult], training: [ResultsTable.TrainingCell?] = []) -> [Int] {
        func hours(_ i: Int) -> Double? { i < training.count ? training[i]?.hours : nil }
        func dollars(_ i: Int) -> Double? { i < training.count ? training[i]?.dollars : nil }
        var models: [String] = []
        for r in results where !models.contains(r.model) { models.append(r.model) }
        return models.compactMap { model in
            let own = results.indices.filter { results[$0].model == model }
            let fitting = own.filter { results[$0].fitsInMemory }
            let candidates = fitting.isEmpty ? own : fitting
            let byTime = candidates.allSatisfy { hours($0) != nil }
            return candidates.max { a, b in
                let (x, y) = (results[a], results[b])
                if byTime, let ha = hours(a), let hb = hours(b), abs(ha / hb - 1) >= 1e-9 { return ha > hb }
                if !byTime && !equallyFast(x, y) { return x.metrics.imagesPerSecond < y.metrics.imagesPerSecond }
                if let da = dollars(a), let db = dollars(b), abs(da / db - 1) >= 1e-9 { return da > db }
                if x.gpus != y.gpus { return x.gpus > y.gpus }
                return a > b
            }
        }
    }

    /// Where the best was ranked by its time to train and a configuration of its model that fits
    /// has more images/s, that one and why it trains later (its global batch needs more epochs);
    /// nil otherwise.
    static func moreImagesSentence(_ input: Input, best: ConfigurationResult) -> String? {
        let hours = input.trainingHours
        guard let bestIndex = input.results.firstIndex(where: { $0.label == best.label }), let bestHours = hours[bestIndex] else { return nil }
        let faster = input.results.indices.filter { i in
            let r = input.results[i]
            return r.model == best.model && r.fitsInMemory && !equallyFast(r, best) && r.metrics.imagesPerSecond > best.metrics.imagesPerSecond
                && hours[i] != nil
        }
        guard let top = faster.max(by: { input.results[$0].metrics.imagesPerSecond < input.results[$1].metrics.imagesPerSecond }),
              let topHours = hours[top], topHours > bestHours,
              let cell = input.trainingCells[top] else { return nil }
        let r = input.results[top]
        let epochs = cell.epochs.map { "its global batch of \(Format.grouped(r.metrics.globalBatch)) images trains \(ResultsTable.epochsText($0)) epochs, so " } ?? ""
        return "**\(r.label.singleLine)** runs more images a second (\(Format.whole(r.metrics.imagesPerSecond))), but "
            + epochs + "it takes " + (cell.epochsHeldAboveBatch != nil ? "at least " : "") + "\(duration(topHours * 3600)) to train."
    }

    /// Where a configuration of the best's model that fits trains for fewer dollars than the best
    /// (by its cell's cost to train; of equal ones, the fewest GPUs), that one, its time and what
    /// buying it costs, and where to ask for the cheapest that meets a deadline: the fastest is no
    /// purchase advice (a reader signed for the largest cluster listed). Nil where the best is the
    /// cheapest or no cost is known.
    static func cheapestParagraph(_ input: Input, best b: ConfigurationResult) -> String? {
        guard let bestIndex = input.results.firstIndex(where: { $0.label == b.label }), bestIndex < input.trainingCells.count,
              let bestDollars = input.trainingCells[bestIndex]?.dollars else { return nil }
        let priced = input.results.indices.compactMap { i -> (index: Int, cell: ResultsTable.TrainingCell, dollars: Double)? in
            let r = input.results[i]
            guard r.model == b.model, r.fitsInMemory, i < input.trainingCells.count, let cell = input.trainingCells[i],
                  let dollars = cell.dollars else { return nil }
            return (i, cell, dollars)
        }
        guard let cheapest = priced.min(by: { x, y in
            x.dollars != y.dollars ? x.dollars < y.dollars : input.results[x.index].gpus < input.results[y.index].gpus
        }), cheapest.dollars < bestDollars * (1 - 0.005) else { return nil }
        let r = input.results[cheapest.index]
        let bestCapex = input.trainingCells[bestIndex]?.capexUSD.map { ", against $\(Format.whole($0))" } ?? ""
        let buying = cheapest.cell.capexUSD.map { "; buying it costs $\(Format.whole($0)) up front\(bestCapex)" } ?? ""
        return "**The cheapest to train** is **\(r.label.singleLine)**: \(duration(cheapest.cell.hours * 3600)) for "
            + "**$\(Format.dollars(cheapest.dollars))**, against $\(Format.dollars(bestDollars)) for the fastest\(buying). The fastest is "
            + "not advice to buy it: `scalecast plan \(input.scenarioPath) --deadline-hours H` gives the cheapest configuration that "
            + "trains within H hours" + (cheapest.cell.capexUSD != nil ? ", and `--capex-budget` bounds what an owned cluster may cost up front." : ".")
    }

    /// Whether two configurations train at the same images/s, within rounding (1e-9 of it):
    /// a CPU loader that binds gives many the same rate, computed along different paths.
    static func equallyFast(_ x: ConfigurationResult, _ y: ConfigurationResult) -> Bool {
        abs(x.metrics.imagesPerSecond / y.metrics.imagesPerSecond - 1) < 1e-9
    }

    /// The configurations of the best's model that fit and train as fast as it
    /// (`equallyFast`), as a sentence; nil when none does.
    static func tieSentence(_ results: [ConfigurationResult], best: ConfigurationResult) -> String? {
        let ties = results.filter { $0.model == best.model && $0.fitsInMemory && $0.label != best.label && equallyFast($0, best) }
        guard !ties.isEmpty else { return nil }
        let named = ties.prefix(3).map { "**\($0.label.singleLine)**" }.joined(separator: ", ") + (ties.count > 3 ? " and \(ties.count - 3) more" : "")
        let why = best.metrics.isInputBound
            ? "the CPU loaders set the pace, so neither the GPUs nor the network decide between them; the cheaper to train is the answer where they are priced"
            : "their steps take as long; the cheaper to train is the answer where they are priced"
        return "\(ties.count == 1 ? "One other configuration trains" : "\(ties.count) other configurations train") exactly as fast "
            + "(\(named)): \(why)."
    }

    /// Where `max_global_batch` cut the best configuration's batch per GPU, what its speedup and
    /// efficiency compare with: one GPU at the batch the run asks for, which trains more
    /// efficiently than the smaller batch each GPU trains here (a reader took the whole loss for
    /// scaling's); "" otherwise.
    static func cutBatchNote(_ input: Input, best b: ConfigurationResult) -> String {
        guard b.batchCut, b.runIndex < input.scenario.runs.count else { return "" }
        let asked = input.scenario.runs[b.runIndex].batchPerGPU(at: 1)
        return ", against one GPU at the \(asked) images it is asked for, where max_global_batch leaves each of these GPUs "
            + "\(b.batchPerGPU): the smaller batch costs part of it"
    }

    public static func render(_ input: Input) -> String {
        let b = input.best
        let epochSeconds = Double(imageNetTrainingImages) / b.metrics.imagesPerSecond
        var out = "# \(input.scenario.name.singleLine)\n\n"
        let perModel = bestPerModel(of: input.results, training: input.trainingCells)
        if perModel.count > 1 {
            // Ranked by time to train where every configuration has one (bestIndices): then said so, since the
            // images/s printed beside it may be beaten by a configuration whose larger batch needs more epochs.
            let ranked = input.trainingCells.count == input.results.count && input.trainingCells.allSatisfy { $0 != nil }
                ? "The configuration of each that trains soonest (a larger global batch may need more epochs, so the most "
                    + "images/s is not always the soonest trained): "
                : "The fastest configuration of each: "
            out += "**The answer, model by model.** Runs of different models are never ranked together: their images/s count "
                + "different work. " + ranked
                + perModel.map { r in
                    "**\(r.label.singleLine)** (\(r.model.singleLine)): \(Format.whole(r.metrics.imagesPerSecond)) images/s, "
                        + "\(Format.fixed(r.speedup, 2))x one GPU (\(Format.fixed(r.efficiency * 100, 0))% scaling efficiency)"
                        + (r.fitsInMemory ? "" : ", but it does not fit in GPU memory")
                }.joined(separator: "; ")
                + ". The rest of this report details \(b.model == perModel[0].model ? "the first" : "the first that fits in GPU memory"), "
                + "\(b.model.singleLine).\n\n**\(b.model.singleLine).**"
        } else {
            out += "**The answer.**"
        }
        // The best is chosen among the configurations that fit (bestIndices): say so where a faster one does not.
        let fasterUnfitting = input.results.contains { $0.model == b.model && !$0.fitsInMemory && $0.metrics.imagesPerSecond > b.metrics.imagesPerSecond }
        // Ranked by time to train, a configuration with more images/s may train later: the answer says which it is.
        let moreImages = moreImagesSentence(input, best: b)
        let fastest = moreImages != nil ? "configuration simulated that trains soonest" : "fastest configuration simulated"
        out += (fasterUnfitting && b.fitsInMemory ? " The \(fastest) that fits in GPU memory is **\(b.label.singleLine)**"
                                                  : " The \(fastest) is **\(b.label.singleLine)**")
            + ": **\(Format.whole(b.metrics.imagesPerSecond)) images/s**, "
            + "\(Format.fixed(b.speedup, 2))x the speed of one GPU (\(Format.fixed(b.efficiency * 100, 0))% scaling efficiency"
            + cutBatchNote(input, best: b) + ") "
            + "at a global batch of \(Format.grouped(b.metrics.globalBatch)) images per step"
            + (input.training != nil ? epochsCaution(input.scenario.runs[b.runIndex], globalBatch: b.metrics.globalBatch, gpus: b.gpus) : "")
            + ", "
        if let t = input.training {
            let recipe = t.recipe.map { ", as recipe \($0) gives them at that batch" } ?? ""
            out += "so the scenario's training (\(ResultsTable.epochsText(t.epochs)) epochs of \(Format.grouped(t.images)) images\(recipe)) "
                + "takes **\(duration(t.seconds))**"
            if let dollars = t.dollars {
                // The price basis itemises an owned cluster's bill: its own paragraph under the answer, not inside it.
                out += " and costs **$\(Format.dollars(dollars))** (\(t.priceSummary ?? t.priceBasis ?? "the scenario's pricing")"
                    + (t.priceSummary != nil && t.priceBasis != nil ? "; its price basis follows" : "") + ")"
            }
            if let capex = t.capexUSD, let tco = t.tcoUSD {
                out += "; buying it costs **$\(Format.whole(capex))** up front and "
                    + "$\(Format.whole(tco)) over its life with power"
            }
            out += ". "
        } else {
            out += "so one epoch of ImageNet (\(Format.grouped(imageNetTrainingImages)) images) takes **\(duration(epochSeconds))**. "
            if b.metrics.globalBatch > imageNetTrainingImages {
                out += "Its step of \(Format.grouped(b.metrics.globalBatch)) images is more than that epoch, so that time counts part "
                    + "of a step no run takes; state the largest global batch the recipe trains at as max_global_batch. "
            }
        }
        // What the published record says against this GPU comes with the answer, before its range.
        if let caution = input.evidence?.caution {
            out += "**Caution:** " + caution + " (Published evidence, below). "
        } else if let lean = input.evidence?.lean {
            out += "On its record, " + lean + " (Published evidence, below). "
        }
        if let ties = tieSentence(input.results, best: b) { out += ties + " " }
        if let moreImages { out += moreImages + " " }
        if let range = input.range {
            out += rangeSentence(range, training: input.training != nil) + " "
            // The corpus's errors are whole predictions', loader-bound ones among them.
            if b.metrics.isInputBound {
                out += "The range may exceed the loader's rate: that rate is modelled too, and the corpus's errors include it. "
            }
        }
        if b.runIndex < input.scenario.runs.count, let pipeline = inputSentence(input.scenario.runs[b.runIndex], best: b) {
            out += pipeline + " "
        }
        out += input.bestAnalysis.bottleneck + "\n\n"
        if let t = input.training, t.priceSummary != nil, let basis = t.priceBasis {
            out += "**Its price basis** (dated, not current): \(basis).\n\n"
        }
        if let cheapest = cheapestParagraph(input, best: b) { out += cheapest + "\n\n" }
        if let description = input.scenario.description {
            out += description.trimmingCharacters(in: .whitespacesAndNewlines) + "\n\n"
        }
        out += "Scenario: `\(input.scenarioPath)`. Every figure below is simulated by ScaleCast, not measured.\n\n"
        for chart in input.charts {
            let name = String(chart.file[..<(chart.file.lastIndex(of: ".") ?? chart.file.endIndex)])
            out += "## \(chart.caption.singleLine)\n\n" + (input.chartsDrawn ? "![\(chart.caption.singleLine)](\(chart.file))\n\n"
                : "Not drawn: gnuplot was not installed when this report was written. In this folder, `gnuplot \(name).gp` draws "
                  + "`\(chart.file)` from `\(name).dat`.\n\n")
        }
        out += "## Results\n\n"
        // Time and cost to train beside every configuration where the runs state them: what a buyer compares.
        let cells = input.results.indices.map { $0 < input.trainingCells.count ? input.trainingCells[$0] : nil }
        let timed = cells.contains { $0 != nil }, priced = cells.contains { $0?.dollars != nil }
        let owned = cells.contains { $0?.capexUSD != nil }
        func dollars(_ x: Double?) -> String { x.map(Format.dollars) ?? "-" }
        out += "| configuration | GPUs | step (ms) | images/s | speedup | efficiency | compute (ms) | exposed communication (ms) | idle (ms) | memory per GPU (GiB) | fits |"
            + (timed ? " to train |" : "") + (priced ? " cost ($) |" : "") + (owned ? " capex ($) |" : "") + "\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|" + (timed ? "---:|" : "") + (priced ? "---:|" : "") + (owned ? "---:|" : "") + "\n"
        for (r, cell) in zip(input.results, cells) {
            let m = r.metrics
            out += "| \(r.label.singleLine.replacingOccurrences(of: "|", with: "\\|")) | \(r.gpus) | \(Format.fixed(m.stepSeconds * 1e3, 1)) | \(Format.whole(m.imagesPerSecond)) | "
                + "\(Format.fixed(r.speedup, 2))x | \(Format.fixed(r.efficiency * 100, 0))% | \(Format.fixed(m.computeSeconds * 1e3, 1)) | "
                + "\(Format.fixed(m.exposedCommunicationSeconds * 1e3, 1)) | \(Format.fixed(m.idleSeconds * 1e3, 1)) | "
                + "\(Format.gib(r.memory.totalBytes)) of \(Format.gib(r.gpuMemoryBytes)) | \(r.fitsInMemory ? "yes" : "**no**") |"
                + (timed ? " \(cell.map { Plan.duration($0.hours * 3600) } ?? "-") |" : "")
                + (priced ? " \(dollars(cell?.dollars)) |" : "") + (owned ? " \(dollars(cell?.capexUSD)) |" : "") + "\n"
        }
        // GPU counts that train slower than fewer GPUs of the same run, as simulate says under its table.
        for run in Set(input.results.map(\.runIndex)).sorted() {
            let rows = input.results.filter { $0.runIndex == run }
            let line = ResultsTable.slowerWithMoreGPUs(rows)
            guard !line.isEmpty else { continue }
            out += "\n" + (rows[0].runName.map { "\($0.singleLine): " } ?? "") + line.trimmingCharacters(in: .newlines) + "\n"
        }
        // Times to train at a batch above every batch the epochs are stated for: lower bounds (as simulate says under its table).
        let heldAbove = zip(input.results, cells).filter { $0.1?.epochsHeldAboveBatch != nil }.map { "\($0.0.label.singleLine)" }
        if !heldAbove.isEmpty {
            out += "\nAbove the largest global batch its epochs are stated for, a configuration's time to train holds that batch's epochs, "
                + "which no run at the larger batch measured, so it is a lower bound: " + heldAbove.joined(separator: "; ") + ".\n"
        }
        if priced {
            out += "\nCosts to train at each configuration's own price basis (dated, not current; each offer as priced for the largest "
                + "configuration that takes it):\n\n" + input.priceBases.map { "- " + $0 + "\n" }.joined()
            for caution in input.priceCautions { out += "\n**Caution:** " + caution + "\n" }
        }
        if !input.otherCautions.isEmpty {
            out += "\n**Cautions on the other configurations' GPUs:**\n\n" + input.otherCautions.map { "- " + $0 + "\n" }.joined()
        }
        out += memorySection(b)
        if let evidence = input.evidence { out += EvidenceReport.markdown(evidence) }
        out += "\n## Assumptions\n\n"
        for run in input.scenario.runs {
            let p = run.costParameters
            let cost = run.costModel
            out += "- **\((run.label ?? run.modelLabel).singleLine)**: \(run.modelLabel.singleLine) (\(Format.grouped(run.network.parameters)) parameters), "
                + "\(run.batchPerGPU) images per GPU per \(run.accumulationSteps > 1 ? "micro-batch" : "step"), "
                + (run.maxGlobalBatch.map { "fewer where more than \(Format.grouped($0)) images a step in all would be needed (max_global_batch), " } ?? "")
                + "\(run.precision.rawValue)" + (run.precisionNote.map { " (\($0))" } ?? "") + ", \(run.strategySummary); "
                + "\(run.cluster.gpu.name) in nodes of \(run.cluster.gpusPerNode) joined by \(run.cluster.fabric.name)"
                + (run.networkSummary.map { "; the network between nodes: \($0)" } ?? "") + ". "
                + "Cost model: best GEMM efficiency \(Format.fixed(cost.maxEfficiency, 2)) of peak, half-saturation dimension "
                + "\(Format.fixed(cost.halfSaturation(run.precision), 0)), kernel launch \(Format.fixed(p.launchOverheadSeconds * 1e6, 1)) us, "
                + "memory-bound kernels at \(Format.fixed(p.memoryEfficiency(on: run.cluster.gpu) * 100, 0))% of peak bandwidth, "
                + "\(Format.gib(p.reservedMemoryBytes)) GiB reserved per GPU; metrics from step \(run.steps), with one more step simulated after it.\n"
        }
        // The epochs to train: where a built-in recipe gives them, which, its target and source.
        var recipes = Set<String>()
        for run in input.scenario.runs {
            guard let name = run.training?.recipe, let recipe = try? TrainingRecipe.named(name), recipes.insert(name).inserted else { continue }
            out += "- Epochs to train: recipe \(recipe.name), those \(recipe.model) needs to reach \(recipe.target), by global batch "
                + "(docs/costs.md); source: \(recipe.source)\n"
        }
        for run in input.scenario.runs {
            guard let recipe = run.recipeOfAnotherModel else { continue }
            out += "- **\((run.label ?? run.modelLabel).singleLine)** trains \(run.modelLabel.singleLine) on recipe \(recipe.name)'s "
                + "epochs, which were measured on \(recipe.model), not on it.\n"
        }
        let libraries = Set(input.scenario.runs.compactMap { $0.software.kernelLibrary?.name })
        out += "- Convolution kernels: " + (libraries.isEmpty
            ? "one implicit GEMM per pass kind, no workspace (no run names a kernel library).\n"
            : "the fastest algorithm of \(libraries.sorted().joined(separator: ", ")) whose workspace fits, pass by pass; the largest workspace counts in memory.\n")
        out += "- Modelled only where the execution profile says so: the input pipeline (a CPU loader's ceiling), each step's compute jitter.\n"
        let spreads = Set(input.scenario.runs.filter { $0.cluster.gpu.speedVariationCV > 0 }
            .map { "\($0.cluster.gpu.name) \(Format.fixed($0.cluster.gpu.speedVariationCV * 100, 1))%" })
        let jitter = input.scenario.runs.contains { $0.software.computeJitterCV > 0 }
        out += "- Waiting for the slowest GPU: " + (spreads.isEmpty
            ? (jitter ? "only the profile's step-to-step compute jitter (no run's GPU has a measured board-to-board spread of speed).\n"
                      : "none (no run's GPU has a measured board-to-board spread of speed, no cluster sets one, no profile sets compute jitter).\n")
            : "each step waits for the slowest of its boards, whose speeds spread (the catalog's measurement or the cluster's own figure; docs/hardware-facts.md): \(spreads.sorted().joined(separator: ", "))"
                + (jitter ? ", and for the profile's step-to-step compute jitter.\n" : ".\n"))
        out += "\n## Sources of the hardware figures\n\n"
        var seen = Set<String>()
        for run in input.scenario.runs {
            let gpu = run.cluster.gpu
            if seen.insert("gpu:" + gpu.name).inserted { out += "- \(gpu.name): \(gpu.source)\(gpu.measured.map { "; measured: \($0)" } ?? "")\n" }
            for link in linksOf(run) where seen.insert("link:" + link.name).inserted {
                out += "- \(link.name): \(link.source)\n"
            }
        }
        let tags = input.scenario.catalog.sources.filter { tag in
            out.contains("[\(tag.tag)]")
        }
        if !tags.isEmpty {
            out += "\nWhere the tags point:\n\n"
            for (tag, reference) in tags { out += "- [\(tag)] \(reference)\n" }
        }
        // Names and labels are written on one line (`singleLine`, above); a scenario's description
        // may span lines, but no other control character reaches the file.
        return out.terminalSafe
    }

    /// A caution on the best configuration's global batch, in parentheses: where one step holds
    /// more images than an epoch (its time to train counts part-steps no run takes, as `plan`
    /// cautions), or, on several GPUs, where the time to train takes epochs no figure states
    /// for it: a fixed figure taken at every batch, or a table's largest batch's held beyond
    /// it; "" where the table covers the batch.
    static func epochsCaution(_ run: RunSpec, globalBatch: Int, gpus: Int) -> String {
        guard let goal = run.training else { return "" }
        if globalBatch > goal.images {
            return " (more than the \(Format.grouped(goal.images)) images of an epoch, so the time to train counts part-steps no run "
                + "takes: state the largest global batch your recipe trains at as max_global_batch)"
        }
        guard gpus > 1 else { return "" }
        let cap = run.maxGlobalBatch == nil ? "; max_global_batch keeps it to one the recipe does)" : ")"
        if goal.fixedEpochs != nil { return " (the time to train assumes the same epochs at that batch, which a training recipe may not allow" + cap }
        guard let held = goal.batchHeldAbove(atGlobalBatch: globalBatch) else { return "" }
        return " (the time to train holds the epochs stated for \(Format.grouped(held)) images a step, the largest batch "
            + (goal.recipe.map { "recipe \($0) was run at" } ?? "training.epochs gives") + "; a recipe may need more at this one" + cap
    }

    /// Where the run's profile models no input pipeline (the images already in GPU memory,
    /// no host-to-GPU input copies), what decoding them on CPUs would take at the best
    /// configuration's rate: the cores per node at one PyTorch DataLoader worker's rate (the
    /// built-in `torchvision-dataloader` profile's `loader_images_per_second_per_worker`, a
    /// measured node rate over its worker processes); nil where a loader is modelled.
    static func inputSentence(_ run: RunSpec, best: ConfigurationResult) -> String? {
        guard run.software.loader == .synthetic, run.software.mechanisms.inputBytesPerElement == nil,
              let dataLoader = (try? ProfileCatalog.builtIn())?.profile(named: "torchvision-dataloader"),
              let perWorker = dataLoader.loaderImagesPerSecondPerWorker, perWorker > 0 else { return nil }
        let perNode = best.metrics.imagesPerSecond / Double(max(1, best.nodes))
        let cores = Int((perNode / perWorker).rounded(.up))
        let autoaugment = LoaderAugmentation.autoaugment
        let withPolicy = Int((perNode / autoaugment.slowed(perWorker)).rounded(.up))
        // A built-in profile of another framework (TensorFlow's tf.data, MXNet's and Caffe's own readers, cuda-convnet2's
        // loader) runs another pipeline; Horovod's and a user's own profiles may feed any framework.
        let name = run.software.name
        let otherFramework = ["tensorflow-", "mxnet-", "caffe-", "cuda-convnet2"].contains { name.hasPrefix($0) }
        return "The images are taken as already in GPU memory (the execution profile models no input pipeline): decoding and "
            + "augmenting \(Format.whole(perNode)) images/s per node on CPUs, as PyTorch's DataLoader does at about "
            + "\(Format.fixed(perWorker, 0)) images/s per core (a measured node rate over its worker processes"
            + (otherFramework ? "; the one CPU pipeline ScaleCast has a measured rate for: profile '\(name)' runs its framework's "
               + "own, whose rate may differ" : "") + "), would take about \(Format.grouped(cores)) cores per node "
            + "(\(Format.grouped(withPolicy)) with AutoAugment, \(Format.fixed(autoaugment.extraSecondsPerImage * 1e3, 2)) ms more per image); "
            + dataLoaderAdvice(run.software, rates: dataLoader) + "."
    }

    /// How to price a DataLoader on top of what the run models: the built-in
    /// `pytorch-ddp-dataloader` where the run is `pytorch-ddp` as it stands, else the loader
    /// fields of `rates` (torchvision-dataloader's) over the run's own profile, so that
    /// nothing else the profile models changes.
    static func dataLoaderAdvice(_ profile: ExecutionProfile, rates: ExecutionProfile) -> String {
        let settings = "; set `loader_workers_per_gpu` to the DataLoader's `num_workers` and, if the recipe has one, `loader_augmentation`"
        if profile.name == ProfileCatalog.defaultProfileName && profile.overridden.isEmpty {
            return "`software: {profile: pytorch-ddp-dataloader}` prices that pipeline with the same GPU side\(settings)"
        }
        let fields = [("loader_images_per_second_per_node", rates.loaderImagesPerSecondPerNode),
                      ("loader_images_per_second_per_worker", rates.loaderImagesPerSecondPerWorker)]
            .compactMap { key, rate in rate.map { ", \(key): \(Format.fixed($0, 0))" } }.joined()
        return "adding `loader: cpu\(fields)` (\(rates.name)'s rates) to the run's `software:` prices that pipeline over its "
            + "profile\(settings)"
    }

    /// "Allowing for ..., it is likely (10th to 90th percentile) A-B images/s: C to D, $E to $F."
    static func rangeSentence(_ range: UncertaintyRange, training: Bool) -> String {
        let rate = range.imagesPerSecond
        var out = "Allowing for \(range.source), the rate is likely (10th to 90th percentile) "
            + "\(Format.whole(rate.lowerBound))-\(Format.whole(rate.upperBound)) images/s"
        if let seconds = range.seconds {
            out += ", so \(training ? "the training" : "an epoch") takes \(durationRange(seconds))"
            if let dollars = range.dollars {
                // Both ends to the cents where one is under $100 ("$72.50 to $125.40", not "$72.50 to $125").
                let cents = dollars.lowerBound < 100
                func end(_ x: Double) -> String {
                    guard cents, x < 1e13 else { return Format.dollars(x) }
                    let c = Int((x * 100).rounded())
                    return Format.grouped(c / 100) + "." + String(format: "%02d", locale: nil, c % 100)
                }
                out += " and costs $\(end(dollars.lowerBound)) to $\(end(dollars.upperBound))"
            }
        }
        return out + "."
    }

    static func linksOf(_ run: RunSpec) -> [LinkSpec] {
        var links: [LinkSpec] = []
        switch run.cluster.fabric {
        case .pcieTree(let tree): links += [tree.gpuLink, tree.uplink, tree.socketLink]
        case .nvlinkMesh(let link), .nvswitch(let link): links.append(link)
        }
        links.append(run.cluster.hostLink)
        if let network = run.cluster.network { links.append(network.nic) }
        return links
    }

    /// A duration in words: "3.2 hours", "41 minutes", "2.6 minutes", "12.5 s": a tenth of a minute under ten
    /// minutes, as `Plan.duration` keeps (whole minutes wrote 155 s as "3 minutes").
    static func duration(_ seconds: Double) -> String {
        let (size, decimals, name) = durationUnit(seconds)
        return Format.fixed(seconds / size, decimals) + " " + name
    }

    /// The unit `duration` writes `seconds` in: its size in seconds, decimals and name.
    static func durationUnit(_ seconds: Double) -> (size: Double, decimals: Int, name: String) {
        if seconds >= 3600 * 48 { return (86400, 1, "days") }
        if seconds >= 3600 { return (3600, 1, "hours") }
        if (seconds / 6).rounded() >= 100 { return (60, 0, "minutes") }
        if seconds >= 120 { return (60, 1, "minutes") }
        return (1, 1, "s")
    }

    /// `range` in one unit, the upper end's ("2.0 to 3.3 minutes", not "117.1 s to 3.3 minutes"),
    /// where the lower end reads at least 1 in it; else each end in its own.
    static func durationRange(_ range: ClosedRange<Double>) -> String {
        let (size, decimals, name) = durationUnit(range.upperBound)
        guard range.lowerBound / size >= 1 else { return duration(range.lowerBound) + " to " + duration(range.upperBound) }
        return Format.fixed(range.lowerBound / size, decimals) + " to " + Format.fixed(range.upperBound / size, decimals) + " " + name
    }
}

