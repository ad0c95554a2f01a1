import ArgumentParser
import Foundation
import Reports
import Scenario
import YAMLSupport

/// `scalecast chart KIND SCENARIO [--out DIR] [--format png|svg]`.
struct ChartCommand: ParsableCommand, OutputProducing, TimeLimited {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case scaling, breakdown, bandwidth, gantt
    }

    static let configuration = CommandConfiguration(
        commandName: "chart",
        abstract: "Draw a chart with gnuplot: scaling, breakdown, bandwidth (what-if) or gantt (one step's timeline).",
        discussion: "Writes NAME.dat and NAME.gp beside the picture, so the chart can be restyled and redrawn with gnuplot.")

    @OptionGroup var limit: TimeLimit

    @Argument(help: "scaling | breakdown | bandwidth | gantt")
    var kind: Kind

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, help: "GPU counts (scaling, breakdown, bandwidth) or the one count (gantt), e.g. 1,2,4,8.")
    var gpus: String?

    @Option(name: .long, help: "Only the run with this label.")
    var run: String?

    @Option(name: .long, help: "bandwidth: the link to vary, network or gpu (default: network if the run spans nodes).")
    var link: String?

    @Option(name: .long, help: "bandwidth: the values to try, in Gb/s per direction.")
    var bandwidths: String = "10,25,50,100,200,400,800"

    @Option(name: .long, help: "The folder to write into.")
    var out: String = "."

    @Option(name: .long, help: "png or svg.")
    var format: Chart.Format = .png

    @Flag(name: .long, help: "Overwrite existing chart files.")
    var force = false

    func produce() throws -> CommandOutput {
        let counts = try gpus.map(GPUList.parse)
        let loaded = try Scenario.load(path: scenario)
        let chart = try ChartBuilder.chart(kind, scenario: loaded, run: run, gpus: counts, link: link,
                                           bandwidths: try Self.parseBandwidths(bandwidths), format: format)
        let outcome = try Gnuplot.write([chart], into: out, force: force)
        let wrote = outcome.images.isEmpty ? "wrote \(out)/\(chart.dataFile) and \(chart.scriptFile), no picture\n"
            : "wrote \(out)/\(chart.imageFile) (data \(chart.dataFile), script \(chart.scriptFile))\n"
        return CommandOutput(stdout: wrote, stderr: outcome.notes.map { $0 + "\n" }.joined())
    }

    /// `--bandwidths`: a comma-separated list of at least one positive, finite
    /// decimal number of Gb/s. Empty items (`''`, `1,,2`), hexadecimal (`0x10`),
    /// `nan` and `inf` are refused, so gnuplot never gets a chart without data.
    /// The most values a bandwidth chart draws: each is a full simulation per GPU count.
    static let maximumBandwidths = 64

    static func parseBandwidths(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count <= maximumBandwidths else {
            throw UsageError(message: "--bandwidths: \(parts.count) values; a chart draws at most \(maximumBandwidths)")
        }
        return try parts.map { part in
            guard !part.isEmpty else {
                throw UsageError(message: "--bandwidths: expected comma-separated Gb/s such as 10,100,400, got '\(text)' (an empty item)")
            }
            guard let x = NumberText.decimal(part), x > 0, x <= 1e9 else {
                throw UsageError(message: "--bandwidths: '\(part)' is not a positive number of Gb/s (at most 1e9)")
            }
            return x
        }
    }
}

/// Makes charts from a loaded scenario; shared by `chart` and `report`.
enum ChartBuilder {
    static func chart(_ kind: ChartCommand.Kind, scenario: Scenario, run label: String?, gpus: [Int]?, link: String?,
                      bandwidths: [Double], format: Chart.Format) throws -> Chart {
        var runs = scenario.runs
        if let label {
            runs = runs.filter { $0.label == label }
            guard !runs.isEmpty else { throw UsageError(message: "--run: no run is labelled '\(label)'") }
        }
        switch kind {
        case .scaling, .breakdown:
            var subset = scenario
            subset.runs = runs
            let results = try ScenarioRunner.results(subset, gpuOverride: gpus)
            return kind == .scaling ? try Charts.scaling(results, title: "\(scenario.name): speedup", format: format)
                : try Charts.breakdown(results, title: "\(scenario.name): where the step goes", format: format)
        case .gantt:
            let spec = runs[0]
            let count = gpus?.first ?? spec.gpuCounts.max()!
            try ScenarioRunner.check(spec, gpus: count, location: spec.gpusLocation)
            let outcome = try ScenarioRunner.simulate(spec, gpus: count)
            let title = "\(spec.label.map { "\($0): " } ?? "")\(spec.network.name) on \(count) x \(spec.cluster.gpu.name), \(spec.strategy.summary): one step"
            return try Charts.gantt(outcome.trace, topology: outcome.topology, title: title, format: format, step: outcome.measuredStep)
        case .bandwidth:
            let spec = runs[0]
            let counts = gpus ?? spec.gpuCounts.filter { $0 > 1 }
            guard let largest = counts.max() else { throw UsageError(message: "--gpus: a bandwidth what-if needs a GPU count above 1") }
            for count in counts { try ScenarioRunner.check(spec, gpus: count, location: spec.gpusLocation) }
            let choice: WhatIf.LinkChoice
            if let link {
                guard let c = WhatIf.LinkChoice(rawValue: link) else { throw UsageError(message: "--link must be network or gpu, got '\(link)'") }
                choice = c
            } else {
                choice = WhatIf.defaultLink(spec, gpus: largest)
            }
            let single = try ScenarioRunner.simulate(spec, gpus: 1).metrics
            var points: [Charts.BandwidthPoint] = []
            for gbit in bandwidths {
                let varied: RunSpec
                do { varied = try WhatIf.withBandwidth(spec, link: choice, bytesPerSecond: gbit * 1e9 / 8) } catch let e as WhatIfError {
                    throw UsageError(message: "--link \(choice.rawValue): \(e.message)")
                }
                for count in counts {
                    let m = try ScenarioRunner.simulate(varied, gpus: count).metrics
                    points.append(Charts.BandwidthPoint(gpus: count, gigabitsPerSecond: gbit,
                                                        speedup: m.imagesPerSecond / single.imagesPerSecond, stepSeconds: m.stepSeconds))
                }
            }
            let what = WhatIf.describe(choice, in: spec)
            return try Charts.bandwidth(points, linkDescription: what,
                                        title: "\(spec.label.map { "\($0): " } ?? "")\(spec.network.name) on \(spec.cluster.gpu.name): what if the \(what) were faster or slower?",
                                        format: format)
        }
    }
}

/// `--format png|svg`, checked by argument-parser like any other choice.
extension Chart.Format: ExpressibleByArgument {}
