import Foundation
import Hardware
import Parallelism
import Scenario
import Simulation

extension Charts {
    /// Rotation of the breakdown's configuration labels, in degrees.
    static let labelAngle = 30.0

    /// Configuration labels (the run part) are kept within this width, in pixels.
    static let breakdownRunWidth = 260.0

    /// Where each configuration's step goes: one bar per configuration, stacked
    /// from compute, exposed communication and the GPUs' waits as shares of the whole
    /// step (so that a 2 ms step and a 400 ms one compare), with the step's length in
    /// ms above the bar. The waits priced after the simulated part (for the loader, for
    /// the slowest GPU, periodic work) are parts of their own where any configuration
    /// has them; "idle" is what is left (waiting for another GPU or a dependency).
    ///
    /// Margins are computed from the labels (`BreakdownLayout`): the labels are
    /// rotated, right-aligned under their bars, so the first ones reach left of the
    /// plot and the longest sets the bottom margin; the title is wrapped.
    public static func breakdown(_ results: [ConfigurationResult], title: String, format: Chart.Format) throws -> Chart {
        let runs = runNames(results) { $0.strategySummary }
        func label(_ r: ConfigurationResult) -> String {
            let gpus = "\(r.gpus) GPU\(r.gpus == 1 ? "" : "s")"
            guard Set(runs.values).count > 1 else { return gpus }
            return ChartText.shortened(Chart.singleLine(runs[r.runIndex]!), toWidth: breakdownRunWidth) + ", " + gpus
        }
        let labels = results.map(label)
        // Compute, communication and idle always; a wait only where it takes at least 0.5% of some configuration's step
        // (`StepMetrics.inputBoundShare`: less is rounding, and a key entry for a sliver no bar shows). Idle is what
        // the parts drawn leave of the step, so that every bar adds up to it.
        let shown = breakdownParts.filter { part in
            part.always || results.contains {
                part.seconds($0.metrics) > 0 && part.seconds($0.metrics) >= StepMetrics.inputBoundShare * $0.metrics.stepSeconds
            }
        }
        var data = "# label " + shown.map { "\($0.column)_percent" }.joined(separator: " ") + " step_label (shares of the step, per GPU)\n"
        for (r, text) in zip(results, labels) {
            let m = r.metrics
            let total = max(m.computeSeconds + m.exposedCommunicationSeconds + m.idleSeconds, 1e-30)
            var seconds = shown.map { $0.seconds(m) }
            seconds[seconds.count - 1] = max(0, total - seconds.dropLast().reduce(0, +))
            data += "\(Chart.dataLabel(text)) " + seconds.map { Format.fixed($0 / total * 100, 3) }.joined(separator: " ")
                + " \(Chart.dataLabel(milliseconds(m.stepSeconds)))\n"
        }
        let plots = shown.enumerated().map { i, part in
            (i == 0 ? "\(Chart.gnuplotString("breakdown.dat")) using \(i + 2):xtic(1)" : "'' using \(i + 2)")
                + " title \(Chart.gnuplotString(part.title)) lc rgb '\(part.color)'"
        } + ["'' using 0:(100):\(shown.count + 2) with labels offset 0,0.8 font \",9\" notitle"]
        let layout = BreakdownLayout(labels: labels, title: title, keyEntries: shown.map(\.title))
        let script = try Chart.fill(template: "breakdown", [
            "TERMINAL": Chart.terminal(format, width: layout.width, height: layout.height),
            "OUTPUT": Chart.output("breakdown.\(format.rawValue)"), "TITLE": ChartText.gnuplotLines(layout.titleLines),
            "PLOTS": plots.joined(separator: ", \\\n     "), "ANGLE": Format.fixed(labelAngle, 0),
            "XRANGE": "[\(Format.fixed(-BreakdownLayout.firstBar, 2)):\(Format.fixed(Double(labels.count) - 1 + BreakdownLayout.lastBar, 2))]",
            "LMARGIN": ChartText.screen(layout.left, of: layout.width),
            "RMARGIN": ChartText.screen(Double(layout.width) - layout.right, of: layout.width),
            "BMARGIN": ChartText.screen(layout.bottom, of: layout.height),
            "TMARGIN": ChartText.screen(Double(layout.height) - layout.top, of: layout.height),
        ])
        return Chart(name: "breakdown", format: format, data: data, script: script)
    }

    /// The parts of the breakdown's bars, bottom to top: their data columns, key entries, colours
    /// and seconds per GPU (adding up to the step; idle last, as what the others leave); `always`
    /// parts are drawn even where every configuration has none.
    struct BreakdownPart: Sendable {
        var column: String
        var title: String
        var color: String
        var always: Bool
        var seconds: @Sendable (StepMetrics) -> Double
    }

    static let breakdownParts: [BreakdownPart] = [
        BreakdownPart(column: "compute", title: "compute", color: "#4C72B0", always: true) { $0.computeSeconds },
        BreakdownPart(column: "exposed_communication", title: "exposed communication", color: "#DD8452", always: true) {
            $0.exposedCommunicationSeconds
        },
        BreakdownPart(column: "input_wait", title: "waiting for the loader", color: "#55A868", always: false) { $0.inputWaitSeconds },
        BreakdownPart(column: "straggler_wait", title: "waiting for the slowest GPU", color: "#8172B3", always: false) {
            $0.stragglerWaitSeconds
        },
        BreakdownPart(column: "periodic", title: "periodic work (input copies, evaluation, checkpoints)", color: "#CCB974", always: false) {
            $0.inputCopySeconds + $0.evaluationSeconds
        },
        BreakdownPart(column: "idle", title: "idle", color: "#BBBBBB", always: true) {
            max(0, $0.idleSeconds - $0.inputWaitSeconds - $0.stragglerWaitSeconds - $0.inputCopySeconds - $0.evaluationSeconds)
        },
    ]

    /// A step's length for a label: three significant digits below 100 ms, whole
    /// milliseconds (grouped) above.
    static func milliseconds(_ seconds: Double) -> String {
        let ms = seconds * 1e3
        return (ms >= 100 ? Format.whole(ms) : String(format: "%.3g", locale: nil, ms)) + " ms"
    }

    /// The breakdown's canvas and margins (pixels), from its labels and title.
    struct BreakdownLayout {
        /// The x range runs from `-firstBar` to `bars - 1 + lastBar`: room for half a bar and a gap at each end.
        static let firstBar = 0.6, lastBar = 0.6
        /// Room for the y tic labels (up to "100") and the y label.
        static let yAxisRoom = 80.0
        var width: Int
        var height: Int
        var left: Double
        var right: Double
        var bottom: Double
        var top: Double
        var titleLines: [String]

        /// - Parameter keyEntries: the key's entries, right of the plot.
        init(labels: [String], title: String, keyEntries: [String]) {
            let radians = Charts.labelAngle * .pi / 180
            let line = ChartText.lineHeight(points: ChartText.bodyPoints)
            let widths = labels.map { ChartText.width($0) }
            width = max(900, 70 * labels.count + 420)
            // Right: the key, a sample line and the longest entry.
            right = 60 + (keyEntries.map { ChartText.width($0) }.max() ?? 0) + 20
            // Bottom: the longest rotated label, its height, the tic's offset and a gap.
            bottom = (widths.max() ?? 0) * sin(radians) + line * cos(radians) + 24
            // Left: each label reaches w cos(angle) left of its bar; the bar sits a fraction f of
            // the plot's width in, and the plot is (width - left - right) wide, so
            // left >= (w cos(angle) + gap - f (width - right)) / (1 - f).
            var left = Self.yAxisRoom
            let span = Double(labels.count) - 1 + Self.firstBar + Self.lastBar
            for (i, w) in widths.enumerated() {
                let f = (Double(i) + Self.firstBar) / span
                let reach = w * cos(radians) + line * sin(radians) + 12
                left = max(left, (reach - f * (Double(width) - right)) / (1 - f))
            }
            self.left = left
            // The title is centred over the plot: it may reach as far each way as the nearer canvas edge.
            let centre = (left + Double(width) - right) / 2
            titleLines = ChartText.titleLines(title, width: 2 * min(centre, Double(width) - centre) - 40)
            top = Double(titleLines.count) * ChartText.lineHeight(points: ChartText.titlePoints) + 30
            height = max(650, Int((top + bottom + 380).rounded(.up)))
        }
    }

    /// Kinds of work in a timeline, in legend order, with their colours.
    static let ganttKinds: [(name: String, color: String)] = [
        ("forward", "#4C72B0"), ("backward", "#55A868"), ("update", "#8172B3"), ("transfer", "#DD8452"), ("collective", "#C44E52"),
    ]

    /// The colour of each cause of start delays (`StartDelayCause`), drawn only in timelines
    /// that have any: tensor fusion's waits, and a parameter server's update.
    static let waitColors: [StartDelayCause: String] = [.fusion: "#937860", .serverUpdate: "#8c8c8c"]

    /// Lane names (9 points) are kept within this width, in pixels.
    static let laneNameWidth = 300.0

    /// One step's timeline: a lane per GPU and per busy link (the `maxLinks`
    /// busiest), tasks coloured by kind; a transfer shows on every link it crosses;
    /// where tasks wait before they start (tensor fusion, a parameter server's update),
    /// each GPU's waits as a thin strip on its lane.
    /// - Parameter gpuLanes: how many GPUs (the first) get a lane; every GPU of the topology when nil
    ///   (a symmetric run simulated node 0 alone passes that node's GPUs).
    public static func gantt(_ trace: Trace, topology: Topology, title: String, format: Chart.Format, step: Int? = nil,
                             maxLinks: Int = 16, gpuLanes: Int? = nil) throws -> Chart {
        let last = step ?? trace.records.map(\.step).max() ?? 0
        let records = trace.records.filter { $0.step == last }
        // Time 0 is where the step's first task starts: the previous step's last task's end, or
        // earlier where a GPU starts this step before that (GPUs out of phase), as `trace` and
        // explain's busy shares count the step, so that no GPU's start is cut off.
        let previousEnd = trace.records.filter { $0.step == last - 1 }.map(\.end).max() ?? .zero
        let begin = min(previousEnd, records.map(\.start).min() ?? previousEnd)
        let end = records.map(\.end).max() ?? begin
        // Lanes: GPUs, then links by busy time in the step.
        var linkBusy = [Int64](repeating: 0, count: topology.links.count)
        for r in records where r.kind == .transfer {
            for link in topology.route(from: r.device, to: r.destination!) { linkBusy[link] += r.end.nanoseconds - r.start.nanoseconds }
        }
        let busyLinks = topology.links.indices.filter { linkBusy[$0] > 0 }.sorted { (linkBusy[$0], $1) > (linkBusy[$1], $0) }
        let links = busyLinks.prefix(maxLinks)
        var lane: [Int: Int] = [:]   // link -> lane
        let gpuCount = min(gpuLanes ?? topology.gpuCount, topology.gpuCount)
        var names = (0..<gpuCount).map { "gpu\($0)" }
        for link in links { lane[link] = names.count; names.append(topology.links[link].name) }
        names = names.map { ChartText.shortened(Chart.singleLine($0), toWidth: laneNameWidth, points: 9) }
        func ms(_ t: Int64) -> String { Format.fixed(Double(t - begin.nanoseconds) / 1e6, 4) }
        var blocks = [String](repeating: "", count: ganttKinds.count)
        // A collective on a GPU's lane (aggregated: one task beside the compute it overlaps) is a thin
        // strip just above the lane's bar, outside it (the lanes run down the chart; the bar is ±0.38 of a
        // lane, the strip 0.40-0.50 above, a start delay's 0.40-0.50 below, so neighbours' strips never meet),
        // so that the backward it overlaps stays visible.
        var gpuCollectives = ""
        for r in records {
            let kind: Int
            switch r.kind {
            case .forward: kind = 0
            case .backward: kind = 1
            case .update: kind = 2
            case .transfer: kind = (r.group ?? "").hasPrefix("allreduce") ? 4 : 3
            case .collective: kind = 4
            }
            if r.kind == .transfer {
                for link in topology.route(from: r.device, to: r.destination!) {
                    if let l = lane[link] { blocks[kind] += "\(l) \(ms(r.start.nanoseconds)) \(ms(r.end.nanoseconds))\n" }
                }
            } else if r.kind == .collective, r.device < gpuCount {
                gpuCollectives += "\(r.device) \(ms(r.start.nanoseconds)) \(ms(r.end.nanoseconds))\n"
            } else if r.device < gpuCount {
                blocks[kind] += "\(r.device) \(ms(r.start.nanoseconds)) \(ms(r.end.nanoseconds))\n"
            }
        }
        var data = "# lane start_ms end_ms; one block per kind: \(ganttKinds.map(\.name).joined(separator: ", "))\n"
        var plots: [String] = []
        for (i, kind) in ganttKinds.enumerated() {
            data += "# \(kind.name)\n" + (blocks[i].isEmpty ? "-10 0 0\n" : blocks[i]) + "\n\n"
            // The key names only the kinds drawn (an aggregated timeline has no transfers); collectives only on
            // GPU lanes are named by their thin strip's entry alone.
            let titled = !blocks[i].isEmpty
            plots.append("'gantt.dat' index \(i) using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '\(kind.color)' "
                         + (titled ? "title '\(kind.name)'" : "notitle"))
        }
        if !gpuCollectives.isEmpty {
            data += "# collective on its GPU's lane, a thin strip beside the compute it overlaps\n" + gpuCollectives + "\n\n"
            plots.append("'gantt.dat' index \(plots.count) using (($2+$3)/2):($1-0.45):(($3-$2)/2):(0.05) with boxxyerror "
                         + "lc rgb '\(ganttKinds[4].color)' title 'collective (thin: beside the compute it overlaps)'")
        }
        // Start delays (tensor fusion on a cycle: the rest of the cycle, the negotiation, the
        // fusion-buffer copies; a parameter server's update): each GPU's as a thin strip just below
        // its lane's bar, beside the compute they overlap, one block per cause. Only where there
        // are any, so other timelines stay as they were.
        let waits = trace.waits.filter { $0.step == last && $0.device < gpuCount && $0.end > $0.start }
        for cause in StartDelayCause.allCases {
            let spans = waits.filter { $0.cause == cause }
            guard !spans.isEmpty else { continue }
            data += "# \(cause.rawValue)\n" + spans.map { "\($0.device) \(ms($0.start.nanoseconds)) \(ms($0.end.nanoseconds))\n" }.joined() + "\n\n"
            plots.append("'gantt.dat' index \(plots.count) using (($2+$3)/2):($1+0.45):(($3-$2)/2):(0.05) with boxxyerror "
                         + "lc rgb '\(waitColors[cause]!)' title '\(cause.rawValue)'")
        }
        let width = 1200
        let left = (names.map { ChartText.width($0, points: 9) }.max() ?? 0) + 30
        let script = try Chart.fill(template: "gantt", [
            "TERMINAL": Chart.terminal(format, width: width, height: max(400, 28 * names.count + 160)),
            "OUTPUT": Chart.output("gantt.\(format.rawValue)"),
            // A timeline that leaves links out says how many it shows.
            "TITLE": ChartText.title(title + (busyLinks.count > links.count ? " (the \(links.count) busiest of \(busyLinks.count) links)" : ""),
                                     canvasWidth: width),
            "LMARGIN": ChartText.screen(left, of: width),
            "YMAX": "\(names.count)", "XMAX": Format.fixed(Double(end.nanoseconds - begin.nanoseconds) / 1e6 * 1.01, 4),
            "YTICS": names.enumerated().map { "\(Chart.gnuplotString($1)) \($0)" }.joined(separator: ", "),
            "PLOTS": plots.joined(separator: ", \\\n     "),
        ])
        return Chart(name: "gantt", format: format, data: data, script: script)
    }
}
