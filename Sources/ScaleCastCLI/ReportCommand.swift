import ArgumentParser
import Foundation
import Planning
import Reports
import Scenario
import Simulation

/// `scalecast report SCENARIO --out DIR [--force]`.
struct ReportCommand: ParsableCommand, OutputProducing, TimeLimited {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write DIR/report.md: the answer first, then charts, tables, assumptions and sources.")

    @OptionGroup var limit: TimeLimit

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, help: "The folder to write the report into (must be empty or new).")
    var out: String

    @Option(name: .long, help: "Chart format: png or svg.")
    var format: Chart.Format = .png

    @Flag(name: .long, help: "Write into a folder that is not empty, replacing the report's files.")
    var force = false

    func produce() throws -> CommandOutput {
        guard !out.isEmpty else { throw UsageError(message: "--out: the folder name is empty") }
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: out), !contents.isEmpty, !force {
            throw UsageError(message: "--out: \(out) is not empty; choose a new folder or pass --force to replace the report's files in it")
        }
        let loaded = try Scenario.load(path: scenario)
        let results = try ScenarioRunner.results(loaded)
        guard let best = MarkdownReport.best(of: results), let spec = loaded.runs.first(where: { run in
            run.label == best.runLabel && run.network.name == best.model && run.strategy == best.strategy
        }) else { throw UsageError(message: "the scenario has no configuration to report") }
        let outcome = try ScenarioRunner.simulate(spec, gpus: best.gpus)
        let analysis = StepAnalysis(trace: outcome.trace, graph: outcome.graph, topology: outcome.topology,
                                    layerNames: spec.network.layers.map(\.name), metrics: outcome.metrics,
                                        step: outcome.measuredStep)
        let charts = [
            try Charts.scaling(results, title: "\(loaded.name): speedup", format: format),
            try Charts.breakdown(results, title: "\(loaded.name): where the step goes", format: format),
            try Charts.gantt(outcome.trace, topology: outcome.topology, title: "\(best.label): one step", format: format,
                             step: outcome.measuredStep),
        ]
        let captions = ["Speedup as GPUs are added", "Where each step's time goes", "One step of \(best.label), GPU by GPU and link by link"]
        // The answer in the scenario's own terms: its training goal, and its pricing if it has one.
        var training: MarkdownReport.TrainingAnswer?
        if let goal = spec.training {
            let estimate = try TrainingEstimate.estimate(spec, gpus: best.gpus, imagesPerSecond: best.metrics.imagesPerSecond,
                                                         catalog: loaded.catalog)
            training = MarkdownReport.TrainingAnswer(images: goal.images, epochs: goal.epochs,
                                                     seconds: goal.totalImages / best.metrics.imagesPerSecond,
                                                     dollars: estimate?.dollars, priceBasis: estimate?.priceBasis,
                                                     capexUSD: estimate?.capexUSD, tcoUSD: estimate?.tcoUSD)
        }
        let text = MarkdownReport.render(MarkdownReport.Input(
            scenario: loaded, scenarioPath: scenario, results: results, best: best, bestAnalysis: analysis,
            charts: zip(charts, captions).map { ($0.imageFile, $1) }, training: training))
        let drawing = try Gnuplot.write(charts, into: out, force: true)
        try OutputFile.write(text, to: out + "/report.md", force: true)
        let drawn = drawing.images.isEmpty ? "the data and scripts of \(charts.count) charts (no pictures)" : "\(drawing.images.count) charts"
        return CommandOutput(stdout: "wrote \(out)/report.md and \(drawn)\n", stderr: drawing.notes.map { $0 + "\n" }.joined())
    }
}
