import ArgumentParser
import Foundation
import Hardware
import Planning
import Reports
import Scenario
import Simulation

/// `scalecast report SCENARIO --out DIR [--run LABEL] [--force] [--json]`.
struct ReportCommand: ParsableCommand, OutputProducing, TimeLimited {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write DIR/report.md: the answer first, then charts, tables, assumptions and sources.",
        discussion: "--json prints the answer as data (schema_version \(ReportJSON.schemaVersion)): the best configuration and every configuration as "
            + "rows of simulate --json, the bottleneck, the time and cost to train the scenario's training: goal, and the files "
            + "written; with --json, --out may be left out to write no files.")

    @OptionGroup var limit: TimeLimit

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, help: "The folder to write the report into (must be empty or new; optional with --json).")
    var out: String?

    @Option(name: .long, help: "Report only the run with this label, or runs[N] (default: every run).")
    var run: String?

    @Option(name: .long, help: "Chart format: png or svg.")
    var format: Chart.Format = .png

    @Flag(name: .long, help: "Write into a folder that is not empty, replacing the report's files.")
    var force = false

    @Flag(name: .long, help: "Print the answer as JSON (schema_version \(ReportJSON.schemaVersion)) instead of a line naming the files written.")
    var json = false

    func produce() throws -> CommandOutput {
        guard out != nil || json else { throw UsageError(message: "--out DIR is needed (or --json to print the answer without writing files)") }
        guard out?.isEmpty != true else { throw UsageError(message: "--out: the folder name is empty") }
        if let out { try OutputFile.checkFolderName(out, writes: "report.md and its charts") }
        if let out, let contents = try? FileManager.default.contentsOfDirectory(atPath: out), !contents.isEmpty, !force {
            throw UsageError(message: "--out: \(out) is not empty; choose a new folder or pass --force to replace the report's files in it")
        }
        let loaded = try RunSelection.only(run, of: Scenario.load(path: scenario))
        let results = try ScenarioRunner.results(loaded)
        // Nothing to recommend when no configuration fits: say so, as simulate does, and write nothing.
        if !results.contains(where: \.fitsInMemory), let error = SimulateCommand.memoryError(results, of: loaded) { throw error }
        // Time and cost to train beside each configuration, where its run states them: with them the best is the soonest trained.
        let cells = try SimulateCommand.training(results, of: loaded)
        guard let best = MarkdownReport.best(of: results, training: cells)
        else { throw UsageError(message: "the scenario has no configuration to report") }
        let spec = loaded.runs[best.runIndex]
        let outcome = try ScenarioRunner.simulate(spec, gpus: best.gpus)
        var analysis = StepAnalysis(trace: outcome.trace, graph: outcome.graph, topology: outcome.topology,
                                    layerNames: spec.network.layers.map(\.name), metrics: outcome.metrics,
                                        step: outcome.measuredStep)
        analysis.expandedFits = outcome.fidelity == ScenarioRunner.fidelity(spec, gpus: best.gpus)
            && ScenarioRunner.acceptsExpanded(spec, gpus: best.gpus)
        // Images/s and time to train of every run on one axis first (what a buyer compares), then
        // how each run scales, where its steps go, and one step of the best.
        var kinds: [(ChartCommand.Kind, String)] = [(.throughput, "Images per second as GPUs are added, every run on one axis")]
        if loaded.runs.contains(where: { $0.training != nil }) {
            kinds.append((.timeToTrain, loaded.runs.allSatisfy { $0.training != nil } ? "Time to train as GPUs are added"
                                                                                       : "Time per epoch as GPUs are added"))
        }
        kinds += [(.scaling, "Speedup over each run's own single GPU"), (.breakdown, "Where each step's time goes")]
        var charts = try kinds.map { try ChartBuilder.perConfiguration($0.0, results: results, scenario: loaded, format: format) }
        charts.append(try ChartBuilder.gantt(spec, gpus: best.gpus, title: best.label, format: format))
        let captions = kinds.map(\.1) + ["One step of \(best.label), " + (outcome.fidelity == .aggregated
            ? "on GPU 0, which stands for every GPU (aggregated: each collective or exchange one task, no link drawn)"
            : "GPU by GPU and link by link")]
        // The answer in the scenario's own terms: its training goal, and its pricing if it has one.
        var training: MarkdownReport.TrainingAnswer?
        if let goal = spec.training {
            let estimate = try TrainingEstimate.estimate(spec, gpus: best.gpus, imagesPerSecond: best.metrics.imagesPerSecond,
                                                         catalog: loaded.catalog)
            let batch = best.metrics.globalBatch
            training = MarkdownReport.TrainingAnswer(images: goal.images, epochs: goal.epochs(atGlobalBatch: batch),
                                                     seconds: goal.totalImages(atGlobalBatch: batch) / best.metrics.imagesPerSecond,
                                                     dollars: estimate?.dollars, priceBasis: estimate?.priceBasis,
                                                     priceSummary: estimate.map { "\($0.basis.offer), at $\(Format.dollars($0.basis.usdPerGPUHour)) per GPU-hour" },
                                                     capexUSD: estimate?.capexUSD, tcoUSD: estimate?.tcoUSD, recipe: goal.recipe)
        }
        let errors = try MeasuredErrors.builtIn()
        // The corpus's cautions on the other configurations' GPUs (the best's is in the answer).
        var otherCautions: [String] = []
        for r in results where r.fitsInMemory && r.runIndex < loaded.runs.count {
            let other = loaded.runs[r.runIndex]
            guard other.cluster.gpu.name != spec.cluster.gpu.name || other.evidencePrecision != spec.evidencePrecision else { continue }
            if let caution = EvidenceCautions.evidence(other, gpus: r.gpus, errors: errors, catalog: loaded.catalog).caution,
               !otherCautions.contains(caution) {
                otherCautions.append(caution)
            }
        }
        var input = MarkdownReport.Input(scenario: loaded, scenarioPath: scenario, results: results, best: best, bestAnalysis: analysis,
                                         charts: [], training: training, range: try Self.range(spec, best: best, catalog: loaded.catalog),
                                         evidence: EvidenceCautions.evidence(spec, gpus: best.gpus, errors: errors, catalog: loaded.catalog),
                                         trainingCells: cells, otherCautions: otherCautions)
        (input.priceBases, input.priceCautions) = try Self.priceNotes(results, cells: cells, scenario: loaded)
        guard let out else {
            return CommandOutput(stdout: try ReportJSON.encode(input, training: cells, report: nil))
        }
        input.charts = zip(charts, captions).map { ($0.imageFile, $1) }
        // Every file the report replaces is refused (a folder, a link...) before any is written, then all of
        // them are written into a staging folder and put in place together: a failure changes nothing.
        try OutputFile.checkTarget(out + "/report.md", force: true)
        for chart in charts { try Gnuplot.checkTargets(chart.name, format: chart.format, into: out, force: true) }
        let folder = try StagedFolder(out)
        let drawing: Gnuplot.Outcome
        do {
            drawing = try Gnuplot.write(charts, into: folder.staging, force: true, shownAs: out)
            input.chartsDrawn = !drawing.images.isEmpty
            try OutputFile.write(MarkdownReport.render(input), to: folder.path(of: "report.md"), force: true)
            try folder.commit(replacing: force)
        } catch {
            folder.discard()
            throw folder.described(error)
        }
        let removed = force ? Self.removeEarlierReportFiles(in: out, keeping: Set(charts.flatMap { [$0.imageFile, $0.dataFile, $0.scriptFile] })) : []
        let notes = drawing.notes.map { $0 + "\n" }.joined()
            + (removed.isEmpty ? "" : "note: removed \(removed.count) file\(removed.count == 1 ? "" : "s") of an earlier report in \(out.singleLine) "
               + "that this one does not write: \(removed.joined(separator: ", "))\n")
        if json {
            return CommandOutput(stdout: try ReportJSON.encode(input, training: cells, report: out + "/report.md"), stderr: notes)
        }
        let drawn = drawing.images.isEmpty ? "the data and scripts of \(charts.count) charts (no pictures)" : "\(drawing.images.count) charts"
        return CommandOutput(stdout: "wrote \(out)/report.md and \(drawn)\n", stderr: notes)
    }

    /// Under `--force` (the only way into a folder that is not empty), removes the files an
    /// earlier report wrote there that this one does not replace: a chart it draws no more (the
    /// time to train of a scenario without a training goal) or in another picture format. Only
    /// the file names a report writes are touched (regular files), never a user's other files; called after the
    /// new report is in place, so a failure before leaves the earlier one whole.
    /// - Returns: the names removed, sorted.
    static func removeEarlierReportFiles(in folder: String, keeping written: Set<String>) -> [String] {
        let stems = [ChartCommand.Kind.throughput, .timeToTrain, .scaling, .breakdown, .gantt].map(\.chartName)
        let extensions = Chart.Format.allCases.map(\.rawValue) + ["dat", "gp"]
        var removed: [String] = []
        for stem in stems {
            for ext in extensions where !written.contains("\(stem).\(ext)") {
                // Regular files only, as --force replaces: never a folder, a device, a FIFO or a symbolic link.
                let path = folder + "/\(stem).\(ext)"
                var status = stat()
                guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, unlink(path) == 0 else { continue }
                removed.append("\(stem).\(ext)")
            }
        }
        return removed.sorted()
    }

    /// The price basis of each run's offers (`ResultsTable.priceBases`, named by run where the
    /// scenario has several), and the cautions `plan` gives on prices seen years apart: the offers
    /// compared, and each run's owned bill for its largest configuration that fits.
    /// `cells` per result, in the same order.
    static func priceNotes(_ results: [ConfigurationResult], cells: [ResultsTable.TrainingCell?], scenario: Scenario) throws
        -> (bases: [String], cautions: [String]) {
        var runs: [Int] = []
        for r in results where !runs.contains(r.runIndex) { runs.append(r.runIndex) }
        var bases: [String] = [], bills: [(name: String, bill: OwnedCost)] = []
        for run in runs {
            let indices = results.indices.filter { results[$0].runIndex == run }
            // Named by run where the scenario has several: "H100: Lambda 8x H100 SXM, ...", "H100 on H100-SXM5".
            let runName = runs.count > 1 ? results[indices[0]].runName?.singleLine : nil
            for basis in ResultsTable.priceBases(indices.map { results[$0] }, cells: indices.map { $0 < cells.count ? cells[$0] : nil })
            where !bases.contains((runName.map { "\($0): " } ?? "") + basis) {
                bases.append((runName.map { "\($0): " } ?? "") + basis)
            }
            guard let largest = indices.filter({ results[$0].fitsInMemory }).max(by: { results[$0].gpus < results[$1].gpus }),
                  run < scenario.runs.count,
                  let bill = try TrainingEstimate.estimate(scenario.runs[run], gpus: results[largest].gpus,
                                                           imagesPerSecond: results[largest].metrics.imagesPerSecond,
                                                           catalog: scenario.catalog)?.owned else { continue }
            bills.append(((runName.map { "\($0) on " } ?? "") + results[largest].gpuModel, bill))
        }
        let cautions = [PriceAgeCautions.offersApart(zip(results, cells).compactMap { result, cell in cell?.priceSeen.map { ($0, cell?.offer.map { "\($0) (\(result.gpuModel))" }) } }), PriceAgeCautions.billPartsApart(bills)]
        return (bases, cautions.compactMap { $0 })
    }

    /// Draws of the best configuration from the simulator's measured errors: enough
    /// that the percentiles do not move with the seed (drawing simulates nothing).
    /// The calibration of the ranges' tails drew as many (`RangeCalibration.samples`).
    static let rangeSamples = RangeCalibration.samples

    /// The best configuration's 10th to 90th percentile under the simulator's
    /// measured errors: of its time and cost to train when its run states them, or
    /// else of the time per ImageNet epoch.
    static func range(_ spec: RunSpec, best: ConfigurationResult, catalog: Catalog) throws -> MarkdownReport.UncertaintyRange {
        let uncertainty = try Uncertainty.builtIn(samples: rangeSamples)
        let ranges = try uncertainty.ranges(spec, gpus: best.gpus, imagesPerSecond: best.metrics.imagesPerSecond, catalog: catalog)
        let epoch = Double(MarkdownReport.imageNetTrainingImages)
        let seconds = ranges.seconds
            ?? (epoch / ranges.imagesPerSecond.upperBound)...(epoch / ranges.imagesPerSecond.lowerBound)
        return MarkdownReport.UncertaintyRange(imagesPerSecond: ranges.imagesPerSecond, seconds: seconds, dollars: ranges.dollars,
                                               source: uncertainty.errors.summary)
    }
}
