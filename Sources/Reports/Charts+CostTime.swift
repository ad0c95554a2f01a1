import Foundation

extension Charts {
    /// The cost-time chart's file stem (`costtime.dat`, `.gp`, `.png`).
    public static let costTimeName = "costtime"

    /// A configuration on the cost-time chart.
    public struct CostTimePoint: Sendable, Equatable {
        public var hours: Double
        public var dollars: Double
        /// What it is, e.g. "8 x A100-SXM4-40GB, network_gbps=100".
        public var label: String
        /// An owned cluster's purchase, in dollars (the key gives it beside the cost to train); nil in the cloud.
        public var capexUSD: Double?

        public init(hours: Double, dollars: Double, label: String, capexUSD: Double? = nil) {
            self.hours = hours
            self.dollars = dollars
            self.label = label
            self.capexUSD = capexUSD
        }
    }

    /// Pareto-front points numbered on the chart and listed in its key; more are
    /// drawn on the front's line but not numbered.
    static let numberedFrontPoints = 20

    /// Key entries are kept within this width (pixels at 11 points), so that a key
    /// left-aligned under the plot stays inside a 1000-pixel canvas.
    static let costTimeEntryWidth = 760.0

    /// The sizes `frontLabels` assumes, in pixels: the plot inside the 1000-pixel canvas, and a
    /// digit or comma and a line of the labels' 10-point font.
    static let labelSpace = (plotWidth: 900.0, plotHeight: 450.0, character: 7.0, line: 14.0)

    /// The label of each point of `front` on axes `x` and `y`: its number (the first
    /// `numberedFrontPoints`, "" after them), or "" where its label would overlap the label
    /// of an earlier numbered point (`labelSpace`; each is centred a little up and right of its
    /// point), whose label then lists it too ("3,4"): two labels drawn on one spot showed only
    /// the last, as a network that changes a configuration's time and cost by a hair does. A
    /// label that grows by merging is not checked again against the labels placed before it.
    static func frontLabels(_ front: [CostTimePoint], x: LogAxis, y: LogAxis) -> [String] {
        func pixels(_ p: CostTimePoint) -> (Double, Double) {
            (log(p.hours / x.low) / log(x.high / x.low) * labelSpace.plotWidth,
             log(p.dollars / y.low) / log(y.high / y.low) * labelSpace.plotHeight)
        }
        var labels = [String](repeating: "", count: front.count)
        var shown: [(index: Int, at: (Double, Double))] = []
        for (i, p) in front.prefix(numberedFrontPoints).enumerated() {
            let at = pixels(p), own = "\(i + 1)"
            let near = shown.first { other in
                let width = Double(max(labels[other.index].count, own.count)) * labelSpace.character + 4
                return abs(other.at.0 - at.0) < width && abs(other.at.1 - at.1) < labelSpace.line
            }
            if let near {
                labels[near.index] += "," + own
            } else {
                labels[i] = own
                shown.append((i, at))
            }
        }
        return labels
    }

    /// Time and cost to train of every configuration searched (hours, dollars,
    /// both log scales), the Pareto front with its points numbered and named in
    /// the key, the chosen configuration in an open square, and the deadline (vertical) and
    /// budget (horizontal) as dashed lines: one model's plan (`costTime(all:fronts:chosen:...)`).
    /// - Parameters:
    ///   - chosen: the configuration the plan recommends (the cheapest that meets the deadline), if any.
    ///   - title: what the chart shows, in words (not a file name).
    public static func costTime(all: [CostTimePoint], front: [CostTimePoint], chosen: CostTimePoint?, deadlineHours: Double?,
                                budgetDollars: Double?, title: String, format: Chart.Format) throws -> Chart {
        try costTime(all: all, fronts: [(name: "", points: front)], chosen: chosen.map { [$0] } ?? [], deadlineHours: deadlineHours,
                     budgetDollars: budgetDollars, title: title, format: format)
    }

    /// The colours of the fronts, one per model, in order (the first as one model's front).
    static let frontColors = ["#C44E52", "#55A868", "#8172B2", "#DD8452", "#64B5CD", "#937860"]

    /// The cost-time chart of a plan over several models, each ranked apart: one Pareto front
    /// per model, each its own line and colour (a front joined across models would cross
    /// itself and hold points that another model's beat), their points numbered in turn and
    /// named in the key with their model; each model's chosen configuration in an open square.
    /// With one front the chart is `costTime(all:front:chosen:...)`'s.
    /// - Parameters:
    ///   - fronts: each model's name and its front, cheapest-and-slowest first as the plan lists it.
    ///   - chosen: each model's recommended configuration, where it has one.
    public static func costTime(all: [CostTimePoint], fronts: [(name: String, points: [CostTimePoint])], chosen: [CostTimePoint],
                                deadlineHours: Double?, budgetDollars: Double?, title: String, format: Chart.Format) throws -> Chart {
        // A model with no front (nothing fits, or nothing within the budgets) draws none: an empty data block
        // is no index to gnuplot, and every later index would name the next model's points.
        let named = fronts.count > 1
        let fronts = fronts.filter { !$0.points.isEmpty }
        let front = fronts.flatMap(\.points)
        let hours = all.map(\.hours) + front.map(\.hours) + (deadlineHours.map { [$0] } ?? [])
        let x = LogAxis(low: hours.min() ?? 1, high: hours.max() ?? 10)
        let dollars = all.map(\.dollars) + front.map(\.dollars) + (budgetDollars.map { [$0] } ?? [])
        let y = LogAxis(low: dollars.min() ?? 1, high: dollars.max() ?? 10)
        var data = "# hours dollars (and 1 where bought, 0 where rented, when both are searched): all configurations, then the Pareto front\(named ? " of each model" : "") (with its numbers), "
            + "then the chosen one\(named ? "s" : "")\n"
        // Bought and rented configurations searched are told apart where both are (the third column: 1 bought).
        let mixed = all.contains { $0.capexUSD != nil } && all.contains { $0.capexUSD == nil }
        for p in all { data += "\(Format.fixed(p.hours, 4)) \(Format.fixed(p.dollars, 2))" + (mixed ? " \(p.capexUSD == nil ? 0 : 1)" : "") + "\n" }
        let labels = frontLabels(front, x: x, y: y)
        var plots = mixed
            ? ["'costtime.dat' index 0 using 1:($3 > 0 ? $2 : 1/0) title 'a configuration searched, bought' with points pt 7 ps 0.6 lc rgb '#9DB4D6'",
               "'costtime.dat' index 0 using 1:($3 > 0 ? 1/0 : $2) title 'a configuration searched, rented' with points pt 9 ps 0.9 lc rgb '#C9A66B'"]
            : ["'costtime.dat' index 0 using 1:2 title 'a configuration searched' with points pt 7 ps 0.6 lc rgb '#9DB4D6'"]
        var first = 0
        for (k, model) in fronts.enumerated() {
            data += "\n\n# Pareto front\(named ? " of \(Chart.dataComment(model.name))" : ""): hours dollars number\n"
            for (p, label) in zip(model.points, labels[first..<(first + model.points.count)]) {
                data += "\(Format.fixed(p.hours, 4)) \(Format.fixed(p.dollars, 2)) \(Chart.dataLabel(label))\n"
            }
            first += model.points.count
            let legend = named ? "Pareto front of \(Chart.singleLine(model.name)) (nothing of it both cheaper and faster)"
                : "Pareto front: nothing is both cheaper and faster"
            plots.append("'costtime.dat' index \(k + 1) using 1:2 title \(Chart.gnuplotString(legend)) with linespoints lw 2 pt 7 "
                         + "lc rgb '\(frontColors[k % frontColors.count])'")
            plots.append("'costtime.dat' index \(k + 1) using 1:2:3 with labels offset 0.9,0.7 font ',10' notitle")
        }
        data += "\n\n# chosen\n" + (chosen.isEmpty ? "-1 -1\n" : chosen.map { "\(Format.fixed($0.hours, 4)) \(Format.fixed($0.dollars, 2))\n" }.joined())
        if !chosen.isEmpty {
            let what = named ? "chosen: each model's cheapest that meets the deadline" : "chosen: the cheapest that meets the deadline"
            plots.append("'costtime.dat' index \(fronts.count + 1) using 1:2 title \(Chart.gnuplotString(what)) with points pt 4 ps 2.4 lw 2 lc rgb '#222222'")
        }
        let modelOfPoint = fronts.flatMap { model in model.points.map { _ in model.name } }
        for (i, p) in front.prefix(numberedFrontPoints).enumerated() {
            let entry = "\(i + 1): \(named ? Chart.singleLine(modelOfPoint[i]) + ", " : "")\(Chart.singleLine(p.label)): "
                + "\(threeDigits(p.hours)) h, $\(Format.dollars(p.dollars))" + (p.capexUSD.map { " (capex $\(Format.dollars($0)))" } ?? "")
            plots.append("NaN title \(Chart.gnuplotString(ChartText.shortened(entry, toWidth: costTimeEntryWidth))) with points pt 7 ps 0 lc rgb '#FFFFFF'")
        }
        if front.count > numberedFrontPoints {
            plots.append("NaN title '(\(front.count - numberedFrontPoints) more on the front\(named ? "s" : ""): see the plan’s table)' with points pt 7 ps 0 lc rgb '#FFFFFF'")
        }
        var marks: [String] = []
        if let d = deadlineHours {
            marks.append("set arrow from \(Format.fixed(d, 4)), graph 0 to \(Format.fixed(d, 4)), graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'")
            // Right of its line, or left of it in the axis' last fifth, where it would run off the canvas.
            let across = log(d / x.low) / log(x.high / x.low)
            marks.append("set label 'deadline: \(threeDigits(d)) h' at \(Format.fixed(d, 4)), graph 0.96 "
                         + (across > 0.8 ? "right offset -0.6,0" : "left offset 0.6,0"))
        }
        if let b = budgetDollars {
            marks.append("set arrow from graph 0, first \(Format.fixed(b, 2)) to graph 1, first \(Format.fixed(b, 2)) nohead dt 4 lw 1.5 lc rgb '#555555'")
            marks.append("set label 'budget: $\(number(b.rounded()))' at graph 0.98, first \(Format.fixed(b, 2)) right offset 0,0.7")
        }
        let entries = min(front.count, numberedFrontPoints + 1) + 2 + fronts.count + (mixed ? 1 : 0)
        let script = try Chart.fill(template: "costtime", [
            "TERMINAL": Chart.terminal(format, width: 1000, height: 560 + 20 * entries),
            "OUTPUT": Chart.output("\(costTimeName).\(format.rawValue)"), "TITLE": ChartText.title(title, canvasWidth: 1000),
            "XRANGE": x.range, "XTICS": x.tics(number), "YRANGE": y.range, "YTICS": y.tics { "$" + number($0) },
            "MARKS": marks.joined(separator: "\n"), "PLOTS": plots.joined(separator: ", \\\n     "),
        ])
        return Chart(name: costTimeName, format: format, data: data, script: script)
    }
}
