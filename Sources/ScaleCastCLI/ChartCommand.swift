import ArgumentParser
import Foundation
import Hardware
import Reports
import Scenario
import YAMLSupport

/// `scalecast chart KIND SCENARIO [--out DIR] [--format png|svg]`.
struct ChartCommand: ParsableCommand, OutputProducing, TimeLimited {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case throughput, timeToTrain = "time-to-train", scaling, breakdown, bandwidth, gantt

        /// The name of the chart's files (`Chart.name`): `timetotrain.png`, the others by the kind.
        var chartName: String { self == .timeToTrain ? "timetotrain" : rawValue }
    }

    static let configuration = CommandConfiguration(
        commandName: "chart",
        abstract: "Draw a chart with gnuplot: throughput, time-to-train, scaling, breakdown, bandwidth (what-if) or gantt (one step's timeline).",
        discussion: """
            throughput: images/s of every run against GPUs on one axis (a faster GPU type is a higher curve); \
            time-to-train: each run's training goal (or, unless every run states one, an epoch) against GPUs; \
            scaling: speedup over each run's own single GPU, and efficiency; breakdown: the shares of each step; \
            bandwidth: images/s as the network (or GPU link) bandwidth varies around the run's own, which is marked; \
            gantt: one step, GPU by GPU and link by link. GPU counts and the values that scale with them are drawn on \
            log axes, so linear scaling is a straight line. Writes NAME.dat and NAME.gp beside the picture, so the chart \
            can be restyled and redrawn with gnuplot.
            """)

    @OptionGroup var limit: TimeLimit

    @Argument(help: "throughput | time-to-train | scaling | breakdown | bandwidth | gantt")
    var kind: Kind

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, parsing: .unconditional, help: "GPU counts (throughput, time-to-train, scaling, breakdown, bandwidth) or the one count (gantt), e.g. 1,2,4,8.")
    var gpus: String?

    @Option(name: .long, help: "Only the run with this label (an unlabelled run: runs[N]).")
    var run: String?

    @Option(name: .long, help: "bandwidth: the link to vary, network or gpu (default: network if the run spans nodes).")
    var link: String?

    @Option(name: .long, parsing: .unconditional, help: """
        bandwidth: the values to try per direction, in the link's unit: Gb/s for the network, GB/s for GPU links \
        (default: factors of two each way around the run's own, reaching the catalog's slowest and fastest such links).
        """)
    var bandwidths: String?

    @Option(name: .long, help: "The folder to write into.")
    var out: String = "."

    @Option(name: .long, help: "png or svg.")
    var format: Chart.Format = .png

    @Flag(name: .long, help: "Overwrite existing chart files.")
    var force = false

    func produce() throws -> CommandOutput {
        // Options of the bandwidth chart given to another: refused, not ignored.
        if kind != .bandwidth, let given = [link.map { _ in "--link" }, bandwidths.map { _ in "--bandwidths" }].compactMap({ $0 }).first {
            throw UsageError(message: "\(given) applies to the bandwidth chart only, not to \(kind.rawValue)")
        }
        let counts = try gpus.map(GPUList.parse)
        let loaded = try Scenario.load(path: scenario)
        // The files before the simulations, which can take minutes: a refusal after them would waste them.
        try Gnuplot.checkTargets(kind.chartName, format: format, into: out, force: force)
        let chart = try ChartBuilder.chart(kind, scenario: loaded, run: run, gpus: counts, link: link,
                                           bandwidths: try bandwidths.map(Self.parseBandwidths), format: format)
        let outcome = try Gnuplot.write([chart], into: out, force: force)
        var wrote = outcome.images.isEmpty ? "wrote \(out)/\(chart.dataFile) and \(chart.scriptFile), no picture\n"
            : "wrote \(out)/\(chart.imageFile) (data \(chart.dataFile), script \(chart.scriptFile))\n"
        // gantt and bandwidth draw one run: say which when the scenario has others.
        if [.gantt, .bandwidth].contains(kind), run == nil, loaded.runs.count > 1 {
            // Each run by its label, else its key path; the next quoted for a shell (`[` is a glob).
            func name(_ i: Int) -> String { (loaded.runs[i].label ?? Scenario.keyPath(ofRun: i)).singleLine }
            wrote += "drew the first run, '\(name(0))' (\(loaded.runs[0].modelLabel)), of \(loaded.runs.count); "
                + "--run '\(name(1).replacingOccurrences(of: "'", with: "'\\''"))' draws the next\n"
        }
        return CommandOutput(stdout: wrote, stderr: outcome.notes.map { $0 + "\n" }.joined())
    }

    /// `--bandwidths`: a comma-separated list of at least one positive, finite
    /// decimal number (Gb/s or GB/s, the link's unit). Empty items (`''`, `1,,2`), hexadecimal (`0x10`),
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
                throw UsageError(message: "--bandwidths: expected comma-separated numbers such as 10,100,400, got '\(text)' (an empty item)")
            }
            // The bounds a link may have depend on the link's unit: checked with it (`ChartBuilder.bandwidth`).
            guard let x = NumberText.decimal(part), x > 0 else {
                throw UsageError(message: "--bandwidths: '\(part)' is not a positive number")
            }
            return x
        }
    }
}

/// Makes charts from a loaded scenario; shared by `chart` and `report`.
enum ChartBuilder {
    /// - Parameter bandwidths: for `bandwidth`, the values in the link's unit (nil: the default range).
    static func chart(_ kind: ChartCommand.Kind, scenario: Scenario, run label: String?, gpus: [Int]?, link: String?,
                      bandwidths: [Double]?, format: Chart.Format) throws -> Chart {
        let subset = try RunSelection.only(label, of: scenario)
        let runs = subset.runs
        switch kind {
        case .throughput, .timeToTrain, .scaling, .breakdown:
            let results = try ScenarioRunner.results(subset, gpuOverride: gpus)
            // A chart has no "fits" column: a configuration that cannot run is refused, as simulate words it.
            if let error = SimulateCommand.memoryError(results, of: subset) { throw error }
            return try perConfiguration(kind, results: results, scenario: subset, format: format)
        case .gantt:
            if let gpus, gpus.count > 1 {
                throw UsageError(message: "--gpus: a gantt chart draws one configuration; give one GPU count, not \(gpus.count)")
            }
            let (count, location) = RunSelection.count(gpus?.first, of: [runs[0]])
            try ScenarioRunner.check(runs[0], gpus: count, location: location)
            if let error = try ExplainCommand.memoryError([runs[0]], gpus: count) { throw error }
            let name = "\(runs[0].label.map { "\($0): " } ?? "")\(runs[0].modelLabel) on \(count) x \(runs[0].cluster.gpu.name), "
                + "\(runs[0].strategySummary)"
            return try gantt(runs[0], gpus: count, title: name, format: format)
        case .bandwidth:
            return try bandwidth(runs[0], catalog: scenario.catalog, gpus: gpus, link: link, values: bandwidths, format: format)
        }
    }

    /// One step of `spec` on `gpus` GPUs, GPU by GPU and link by link, laid out as a timeline
    /// shows it (`RunSelection.timeline`): every GPU where every node is laid out, else the
    /// GPUs that stand for the others (a node's or a leaf's; aggregated, GPU 0), which the
    /// title says.
    static func gantt(_ spec: RunSpec, gpus: Int, title: String, format: Chart.Format) throws -> Chart {
        let outcome = try RunSelection.timeline(spec, gpus: gpus)
        let aggregated = outcome.fidelity == .aggregated
        let lanes = aggregated ? 1 : outcome.graph.symmetry?.ranksPerNode
        let standing = aggregated ? " (GPU 0, which stands for all: aggregated)"
            : lanes.map { " (GPUs 0-\($0 - 1), which stand for all \(gpus): the same on every node)" } ?? ""
        // The chart draws the simulated step; the waits priced after the simulation (the slowest GPU,
        // periodic work, the loader) lengthen the step the tables print, which the title then gives.
        let step = outcome.measuredStep, records = outcome.trace.records
        let begin = records.filter { $0.step == step - 1 }.map(\.end.nanoseconds).max() ?? 0
        let simulated = Double((records.filter { $0.step == step }.map(\.end.nanoseconds).max() ?? begin) - begin) / 1e9
        let stretched = outcome.metrics.stepSeconds > simulated * 1.005
            ? "; \(Format.fixed(simulated * 1e3, 1)) ms drawn of a \(Format.fixed(outcome.metrics.stepSeconds * 1e3, 1)) ms step, "
                + "the rest waits priced after the simulation" : ""
        return try Charts.gantt(outcome.trace, topology: outcome.topology, title: "\(title): one simulated step\(standing)\(stretched)", format: format,
                                step: step, gpuLanes: lanes)
    }

    /// The charts drawn from one result per configuration, titled with the scenario's name.
    static func perConfiguration(_ kind: ChartCommand.Kind, results: [ConfigurationResult], scenario: Scenario,
                                 format: Chart.Format) throws -> Chart {
        let named = Charts.titlePrefix(scenario.name)
        switch kind {
        case .throughput:
            return try Charts.throughput(results, title: "\(named) images per second, simulated", format: format)
        case .timeToTrain:
            let goals = results.map { scenario.runs[$0.runIndex].training }
            let whole = goals.allSatisfy { $0 != nil }
            return try Charts.timeToTrain(results, goals: goals, title: "\(named) \(whole ? "time to train" : "time per epoch"), simulated",
                                          format: format)
        case .scaling:
            return try Charts.scaling(results, title: "\(named) speedup, simulated", format: format)
        case .breakdown:
            return try Charts.breakdown(results, title: "\(named) where the step goes, simulated", format: format)
        case .bandwidth, .gantt:
            throw UsageError(message: "chart \(kind.rawValue) is drawn from simulations of its own, not from one result per configuration")
        }
    }

    /// A number in its shortest form (`%g`).
    static func shortest(_ x: Double) -> String { String(format: "%g", locale: nil, x) }

    /// Images/s as one link's bandwidth varies around the run's own.
    static func bandwidth(_ spec: RunSpec, catalog: Catalog, gpus: [Int]?, link: String?, values: [Double]?,
                          format: Chart.Format) throws -> Chart {
        // One GPU sends nothing over any link: its curve would be flat, answering nothing, so it is not drawn.
        let counts = (gpus ?? spec.gpuCounts).filter { $0 > 1 }
        guard let largest = counts.max() else {
            guard gpus == nil else {
                throw UsageError(message: "--gpus: a bandwidth what-if needs a GPU count above 1 (one GPU sends nothing over any link)")
            }
            // The counts came from the scenario: say where.
            var error = spec.gpusLocation
            error.message = "a bandwidth what-if needs a GPU count above 1, and this run lists only 1 GPU (add a larger count, or pass --gpus)"
            throw error
        }
        for count in counts { try ScenarioRunner.check(spec, gpus: count, location: spec.gpusLocation) }
        for count in counts { if let error = try ExplainCommand.memoryError([spec], gpus: count) { throw error } }
        let choice: WhatIf.LinkChoice
        if let link {
            guard let c = WhatIf.LinkChoice(rawValue: link) else { throw UsageError(message: "--link must be network or gpu, got '\(link)'") }
            choice = c
        } else {
            choice = WhatIf.defaultLink(spec, gpus: largest)
        }
        guard let current = WhatIf.link(choice, in: spec) else {
            throw UsageError(message: "--link \(choice.rawValue): the cluster has no network to vary")
        }
        // On one node the network carries nothing: every curve would be flat, answering nothing.
        if choice == .network, !counts.contains(where: { spec.cluster.nodes(for: $0) > 1 }) {
            throw UsageError(message: "--link network: at \(counts.map(String.init).joined(separator: ", ")) GPUs the run stays on one node of "
                             + "\(spec.cluster.gpusPerNode), where the network carries nothing; give --gpus counts above \(spec.cluster.gpusPerNode), "
                             + "or --link gpu")
        }
        let unit = WhatIf.unit(for: choice)
        let today = current.bytesPerSecond / unit.bytesPerSecond
        let alternatives = catalog.links.filter { WhatIf.alternatives(for: choice).contains($0.kind) }.map { $0.bytesPerSecond / unit.bytesPerSecond }
        // A value is a link's bandwidth: within what a catalog link may have (in GB/s), as a scenario's link is.
        for value in values ?? [] where !Limits.gigabytesPerSecond.contains(value * unit.bytesPerSecond / 1e9) {
            throw UsageError(message: "--bandwidths: \(Self.shortest(value)) \(unit.rawValue) is outside the "
                             + "\(Self.shortest(Limits.gigabytesPerSecond.lowerBound * 1e9 / unit.bytesPerSecond)) to "
                             + "\(Self.shortest(Limits.gigabytesPerSecond.upperBound * 1e9 / unit.bytesPerSecond)) \(unit.rawValue) a link may have")
        }
        var tried = values ?? WhatIf.defaultBandwidths(around: today, alternatives: alternatives)
        if !tried.contains(today) { tried.append(today) }
        let single = try ScenarioRunner.simulate(spec, gpus: 1).metrics
        // Linear scaling at each count is one GPU at the batch each GPU trains there: where max_global_batch cuts it,
        // one GPU at the cut batch (a ceiling at the batch asked for would count the smaller batch's cost as the network's).
        var singleByCount: [Int: Double] = [:]
        for count in counts {
            let batch = spec.batchPerGPU(at: count)
            guard batch != spec.batchPerGPU(at: 1) else { singleByCount[count] = single.imagesPerSecond; continue }
            var atBatch = spec
            atBatch.batchPerGPU = batch
            atBatch.maxGlobalBatch = nil
            singleByCount[count] = try ScenarioRunner.simulate(atBatch, gpus: 1).metrics.imagesPerSecond
        }
        var points: [Charts.BandwidthPoint] = []
        for value in Set(tried).sorted() {
            let varied: RunSpec
            do { varied = try WhatIf.withBandwidth(spec, link: choice, bytesPerSecond: value * unit.bytesPerSecond) } catch let e as WhatIfError {
                throw UsageError(message: "--link \(choice.rawValue): \(e.message)")
            }
            for count in counts {
                let m = try ScenarioRunner.simulate(varied, gpus: count).metrics
                points.append(Charts.BandwidthPoint(gpus: count, bandwidth: value, imagesPerSecond: m.imagesPerSecond, stepSeconds: m.stepSeconds))
            }
        }
        let what = WhatIf.describe(choice, in: spec)
        // Between nodes the traffic also crosses each GPU's PCIe path to its NIC, which a faster NIC does not speed up:
        // marked, so that where the curves flatten is explained. On NVLink fabrics the GPU's PCIe link (GPUDirect RDMA);
        // on a PCIe tree also the GPU's link and its switch's uplink to the host bridge the NIC hangs off (the path
        // NCCLSystem bounds the same way), the narrowest of them named.
        var path = [spec.cluster.hostLink]
        if case .pcieTree(let tree) = spec.cluster.fabric { path += [tree.gpuLink, tree.uplink] }
        let narrowest = path.min { $0.bytesPerSecond < $1.bytesPerSecond }!
        // Only where some count spans nodes: on one node the network carries nothing, and lines over flat curves explain nothing.
        let acrossNodes = choice == .network && counts.contains { spec.cluster.nodes(for: $0) > 1 }
        let alsoCrossed = acrossNodes
            ? Charts.BandwidthWhatIf.AlsoCrossed(what: "the GPU-NIC PCIe link", linkName: narrowest.name,
                                                 bandwidth: narrowest.bytesPerSecond / unit.bytesPerSecond) : nil
        // Between nodes, a socket transport drives every NIC at most at its streams' rate (`Scenario.simulatedCluster`,
        // not on InfiniBand): marked too, as the rate past which a faster NIC buys nothing.
        let communication = spec.software.communication
        var softwareCap: Charts.BandwidthWhatIf.AlsoCrossed?
        if acrossNodes, current.kind != .infiniband, let cap = communication.socketCapBytesPerSecond,
           let streams = communication.socketStreams, let perStream = communication.streamBytesPerSecond {
            softwareCap = .init(what: "TCP sockets cap each NIC (\(streams) stream\(streams == 1 ? "" : "s") x "
                                + "\(Self.shortest(perStream / 1e9)) GB/s)",
                                linkName: "sockets", bandwidth: cap / unit.bytesPerSecond)
        }
        let whatIf = Charts.BandwidthWhatIf(link: what, linkName: current.name, unit: unit.rawValue, operatingPoint: today,
                                            singleGPUImagesPerSecond: singleByCount, alsoCrossed: alsoCrossed,
                                            softwareCap: softwareCap)
        return try Charts.bandwidth(points, whatIf: whatIf,
                                    title: "\(spec.label.map { "\($0): " } ?? "")\(spec.modelLabel) on \(spec.cluster.gpu.name): what if the \(what) were faster or slower? (simulated)",
                                    format: format)
    }
}

/// `--format png|svg`, checked by argument-parser like any other choice.
extension Chart.Format: ExpressibleByArgument {}
