import Foundation
import Hardware
import Parallelism
import Scenario
import Simulation

/// The charts ScaleCast draws, each from results or trace records.
///
/// Conventions shared by every chart, so that charts side by side read alike:
/// - GPU counts run along a log2 x axis with a tick at each count simulated;
/// - quantities that scale with the GPU count (images/s, speedup, time to train)
///   run along a log y axis too, so that linear scaling is a straight line of
///   slope 1 (or -1) and a run that falls short bends away from it: on a log x
///   with a linear y, linear scaling would be drawn as an exponential curve and a
///   straight line between two points would not be what a reader compares;
/// - each run keeps its colour in every chart;
/// - titles are wrapped to the canvas and legends shortened to it (`ChartText`),
///   so that nothing is cut at the default size.
public enum Charts {
    /// One colour per run, in run order, in every chart.
    static let palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD"]

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// One point marker per run, in run order (gnuplot point types: filled circle, square, triangle,
    /// inverted triangle, diamond, pentagon, then their open forms), so that runs whose points coincide
    /// (the same model built in and exported) stay told apart where one colour covers the other.
    static let markers = [7, 5, 9, 11, 13, 15, 6, 4, 8, 10, 12, 14]

    static func marker(_ index: Int) -> Int { markers[index % markers.count] }

    /// Legend entries are kept within this width (pixels at 11 points): a legend
    /// inside a 1000-pixel canvas, beside its sample line, never reaches its edge.
    static let legendWidth = 520.0

    /// Speedup against GPUs, one curve per run, the ideal diagonal, efficiency on y2.
    public static func scaling(_ results: [ConfigurationResult], title: String, format: Chart.Format) throws -> Chart {
        let series = seriesByRun(results)
        var data = "# speedup against GPU count; one block per run (gnuplot index)\n"
        var plots: [String] = []
        for (i, run) in series.enumerated() {
            data += "# \(Chart.dataComment(run.name))\n# gpus speedup efficiency_percent images_per_second\n"
            for r in run.results {
                data += "\(r.gpus) \(Format.fixed(r.speedup, 4)) \(Format.fixed(r.efficiency * 100, 2)) \(Format.fixed(r.metrics.imagesPerSecond, 1))\n"
            }
            data += "\n\n"
            plots.append("     'scaling.dat' index \(i) using 1:2 title \(legend(run.name)) noenhanced with linespoints lw 2 pt \(marker(i)) lc rgb '\(color(i))'")
            plots.append("     'scaling.dat' index \(i) using 1:3 axes x1y2 notitle with lines dt 3 lw 2 lc rgb '\(color(i))'")
        }
        let gpus = gpuAxis(results)
        let speedups = results.map(\.speedup) + [1, Double(gpus.counts.last ?? 1)]
        let y = LogAxis(low: speedups.min()!, high: speedups.max()!, powersOfTwo: true)
        let script = try Chart.fill(template: "scaling", [
            "TERMINAL": Chart.terminal(format, width: 1000, height: keyedHeight(entries: series.count + 1)),
            "OUTPUT": Chart.output("scaling.\(format.rawValue)"),
            "TITLE": ChartText.title(title + " (dotted: efficiency, right axis)", canvasWidth: 1000),
            "XRANGE": gpus.range, "XTICS": gpus.tics, "YRANGE": y.range, "YTICS": y.tics(Self.number),
            "PLOTS": plots.joined(separator: ", \\\n"),
        ])
        return Chart(name: "scaling", format: format, data: data, script: script)
    }

    /// Images per second of the whole cluster against GPUs, every run on one axis,
    /// so that a faster GPU type shows as a higher curve (speedup over each run's
    /// own single GPU would put 8 fast GPUs on 8 slow ones). Dashed: each run's
    /// linear scaling from its fewest GPUs.
    public static func throughput(_ results: [ConfigurationResult], title: String, format: Chart.Format) throws -> Chart {
        try perRunLogChart(
            name: "throughput", results: results, title: title, format: format,
            values: results.map(\.metrics.imagesPerSecond), scalesUp: true, comment: "images per second of the whole cluster",
            column: "images_per_second", ylabel: "images per second, whole cluster (log scale)", tickLabel: Self.number)
    }

    /// Time to train against GPUs, every run on one axis: each run's `training:`
    /// goal when every run states one, else the time per epoch (the run's
    /// `training.images`, or ImageNet-1k's 1,281,167). Dashed: linear scaling. Ringed:
    /// the points whose global batch lies above the largest the epochs are stated for
    /// (`TrainingGoal.batchHeldAbove`), whose times are lower bounds.
    /// - Parameter goals: per result (same order), its run's training goal, or nil.
    public static func timeToTrain(_ results: [ConfigurationResult], goals: [TrainingGoal?], title: String,
                                   format: Chart.Format) throws -> Chart {
        let whole = !goals.isEmpty && goals.allSatisfy { $0 != nil }
        func images(_ i: Int) -> Double {
            let goal = i < goals.count ? goals[i] : nil
            return whole ? goal!.totalImages(atGlobalBatch: results[i].metrics.globalBatch)
                : Double(goal?.images ?? MarkdownReport.imageNetTrainingImages)
        }
        let work = results.indices.map(images)
        let seconds = results.enumerated().map { i, r in work[i] / r.metrics.imagesPerSecond }
        let unit = TimeUnit.fitting(seconds.max() ?? 1)
        let what = whole ? "time to train each run's training goal" : "time per epoch (each run's training.images, else ImageNet-1k's 1,281,167)"
        let held = whole ? results.indices.filter { goals[$0]!.batchHeldAbove(atGlobalBatch: results[$0].metrics.globalBatch) != nil } : []
        return try perRunLogChart(
            name: "timetotrain", results: results, title: title, format: format,
            values: seconds.map { $0 / unit.seconds }, scalesUp: false, work: work, comment: "\(what), in \(unit.name)", column: unit.name,
            ylabel: (whole ? "time to train" : "time per epoch") + " (\(unit.name), log scale)", tickLabel: Self.number,
            ringed: held.isEmpty ? nil : (held, "ringed: lower bound (batch above those with epochs)"))
    }

    /// A log-log chart of one value per result against GPUs, a curve per run and
    /// each run's linear scaling from its fewest GPUs dashed: `throughput` and
    /// `timeToTrain`. `scalesUp`: whether linear scaling multiplies the value by the GPU
    /// ratio (a rate) or divides it (a time), whichever way the run's own values go. `work`
    /// (per result, for a time): what each point has to do, images to train, so that linear
    /// scaling of a time also grows with the epochs a larger global batch trains. `ringed`: results
    /// (indices) drawn again as open circles, in a last data block, with a legend entry saying why.
    private static func perRunLogChart(name: String, results: [ConfigurationResult], title: String, format: Chart.Format,
                                       values allValues: [Double], scalesUp grows: Bool, work: [Double]? = nil, comment: String, column: String, ylabel: String,
                                       tickLabel: (Double) -> String, ringed: (indices: [Int], why: String)? = nil) throws -> Chart {
        let series = seriesByRun(results)
        var data = "# \(Chart.dataComment(comment)) against GPU count; per run two blocks (gnuplot index): "
            + "the simulated points, then linear scaling from the run's fewest GPUs\n"
        var plots: [String] = []
        var values: [Double] = []
        for (i, run) in series.enumerated() {
            data += "# \(Chart.dataComment(run.name))\n# gpus \(column)\n"
            let runValues = run.indices.map { allValues[$0] }
            for (r, v) in zip(run.results, runValues) { data += "\(r.gpus) \(Format.fixed(v, 4))\n" }
            let first = run.results.first!
            // Linear scaling: the value times (or, for a time, over) the GPU ratio, a straight line on log-log axes
            // where every point has the same work; a point at each GPU count, since a time to train also scales
            // with the epochs its global batch trains, which need not follow a straight line.
            let ideal = zip(run.results, run.indices).map { r, index in
                let ratio = Double(r.gpus) / Double(first.gpus)
                let workRatio = work.map { $0[index] / $0[run.indices.first!] } ?? 1
                return (grows ? runValues.first! * ratio : runValues.first! / ratio) * workRatio
            }
            data += "\n\n# \(Chart.dataComment(run.name)): linear scaling from \(first.gpus) GPU\(first.gpus == 1 ? "" : "s")\n"
            for (r, v) in zip(run.results, ideal) { data += "\(r.gpus) \(Format.fixed(v, 4))\n" }
            data += "\n\n"
            values += runValues + ideal
            plots.append("'\(name).dat' index \(2 * i) using 1:2 title \(legend(run.name)) noenhanced with linespoints lw 2 pt \(marker(i)) lc rgb '\(color(i))'")
            plots.append("'\(name).dat' index \(2 * i + 1) using 1:2 notitle with lines dt 2 lw 1.2 lc rgb '\(color(i))'")
        }
        // Where the work differs along a run (a time to train whose epochs grow with the batch), the line bends with it.
        let workVaries = work.map { w in series.contains { run in Set(run.indices.map { w[$0] }).count > 1 } } ?? false
        plots.append("NaN title 'dashed: linear scaling from the run’s fewest GPUs\(workVaries ? ", at each point’s epochs" : "")' "
                     + "with lines dt 2 lw 1.2 lc rgb '#555555'")
        if let ringed {
            data += "# \(Chart.dataComment(ringed.why))\n# gpus \(column)\n"
            for i in ringed.indices { data += "\(results[i].gpus) \(Format.fixed(allValues[i], 4))\n" }
            plots.append("'\(name).dat' index \(2 * series.count) using 1:2 title \(legend(ringed.why)) noenhanced "
                         + "with points pt 6 ps 2.2 lw 1.5 lc rgb '#222222'")
        }
        let gpus = gpuAxis(results)
        let y = LogAxis(low: values.min() ?? 1, high: values.max() ?? 10)
        let script = try Chart.fill(template: "perrun", [
            "NAME": name,
            "TERMINAL": Chart.terminal(format, width: 1000, height: keyedHeight(entries: series.count + 1 + (ringed == nil ? 0 : 1))),
            "OUTPUT": Chart.output("\(name).\(format.rawValue)"),
            "TITLE": ChartText.title(title, canvasWidth: 1000), "YLABEL": Chart.gnuplotString(ylabel),
            "XRANGE": gpus.range, "XTICS": gpus.tics, "YRANGE": y.range, "YTICS": y.tics(tickLabel),
            "PLOTS": plots.joined(separator: ", \\\n     "),
        ])
        return Chart(name: name, format: format, data: data, script: script)
    }

    // MARK: Shared pieces

    /// A run's results, by GPU count, their places in the list they came from,
    /// and the run's name in legends.
    struct Series {
        var name: String
        var results: [ConfigurationResult]
        var indices: [Int]
    }

    /// Results grouped by run, in order, each sorted by GPU count, named by `runNames`
    /// (a run without a label by its model and strategy). When the runs use more than one
    /// GPU type, a name that does not say its GPU gets it: "ResNet-50 on H100-SXM5"
    /// ("H100 NVSwitch, data" says it already).
    static func seriesByRun(_ results: [ConfigurationResult]) -> [Series] {
        var order: [Int] = []
        var groups: [Int: [Int]] = [:]
        for (i, r) in results.enumerated() {
            if groups[r.runIndex] == nil { order.append(r.runIndex) }
            groups[r.runIndex, default: []].append(i)
        }
        let gpuTypes = Set(results.map(\.gpuModel))
        let names = runNames(results) { r in
            let key = "\(r.model), \(r.strategySummary)"
            let family = r.gpuModel.split(separator: "-").first.map(String.init) ?? r.gpuModel   // "H100" of "H100-SXM5"
            return gpuTypes.count > 1 && !key.localizedCaseInsensitiveContains(family) ? "\(key) on \(r.gpuModel)" : key
        }
        return order.map { run in
            let indices = groups[run]!.sorted { (results[$0].gpus, $0) < (results[$1].gpus, $1) }
            return Series(name: names[run]!, results: indices.map { results[$0] }, indices: indices)
        }
    }

    /// Each run's name in a legend or bar label, by `runIndex`: its label, else `describe` of
    /// its first result; where runs without labels read alike, each of them gets its key path
    /// first ("runs[1]: resnet50, data", which survives shortening), so that no two runs share a name.
    static func runNames(_ results: [ConfigurationResult], describe: (ConfigurationResult) -> String) -> [Int: String] {
        var names: [Int: String] = [:]
        for r in results where names[r.runIndex] == nil { names[r.runIndex] = r.runLabel ?? describe(r) }
        let unlabelled = Set(results.filter { $0.runLabel == nil }.map(\.runIndex))
        let clashing = names.filter { run, name in unlabelled.contains(run) && names.contains { $0.key != run && $0.value == name } }
        for (run, name) in clashing { names[run] = "\(Scenario.keyPath(ofRun: run)): \(name)" }
        return names
    }

    /// The height of a 1000-pixel-wide chart whose key lists `entries` lines under the plot.
    static func keyedHeight(entries: Int) -> Int { 560 + 22 * entries }

    /// A legend entry: shortened to `legendWidth`, as a gnuplot string.
    static func legend(_ text: String) -> String {
        Chart.gnuplotString(ChartText.shortened(Chart.singleLine(text), toWidth: legendWidth))
    }

    /// The GPU axis every GPU-count chart shares: log2, a tick at each count,
    /// a margin of a factor 1.3 on both sides.
    static func gpuAxis(_ results: [ConfigurationResult]) -> (counts: [Int], range: String, tics: String) {
        let counts = Set(results.map(\.gpus)).sorted()
        let low = Double(counts.first ?? 1) / 1.3, high = Double(counts.last ?? 1) * 1.3
        return (counts, "[\(Format.fixed(low, 4)):\(Format.fixed(high, 4))]", counts.map { "\"\($0)\" \($0)" }.joined(separator: ", "))
    }

    /// A number for a tick or label: whole and with thousands separators from
    /// 1,000 up, else as few digits as show it (0.25, 1.5, 800).
    /// A scenario's name before what a chart draws: "name:", or "name —" where the name ends in
    /// its own punctuation ("H100 or A100?" would read "A100?:").
    public static func titlePrefix(_ name: String) -> String {
        name.last.map { "?!.:".contains($0) } == true ? "\(name) —" : "\(name):"
    }

    static func number(_ x: Double) -> String {
        if x >= 1000 && x < 1e15 { return Format.whole(x) }
        return String(format: "%g", locale: nil, x)
    }

    /// `x` to three significant digits, as `number` writes it: 3.14, 31.4, 3,140.
    static func threeDigits(_ x: Double) -> String {
        number(Double(String(format: "%.3g", locale: nil, x)) ?? x)
    }

    /// A logarithmic axis: a range padded by a factor 1.25 and ticks at round
    /// values (1, 2, 5 x 10^k; or powers of two), as explicit gnuplot tics.
    struct LogAxis {
        var low: Double
        var high: Double
        var ticks: [Double]

        init(low rawLow: Double, high rawHigh: Double, powersOfTwo: Bool = false) {
            let floorValue = max(rawLow, 1e-12)
            let low = floorValue / 1.25, high = max(rawHigh, floorValue * 1.0001) * 1.25
            self.low = low
            self.high = high
            if powersOfTwo {
                ticks = (-40...40).map { pow(2, Double($0)) }.filter { $0 >= low && $0 <= high }
                return
            }
            // The sparsest set of round values that puts at least four ticks on the axis.
            let mantissas: [[Double]] = [[1], [1, 2, 5], [1, 1.5, 2, 3, 4, 5, 6, 8]]
            var chosen: [Double] = []
            for set in mantissas {
                chosen = (Int(floor(log10(low)))...Int(ceil(log10(high)))).flatMap { k in set.map { $0 * pow(10, Double(k)) } }
                    .filter { $0 >= low && $0 <= high }
                if chosen.count >= 4 { break }
            }
            ticks = chosen
        }

        var range: String { "[\(String(format: "%.6g", locale: nil, low)):\(String(format: "%.6g", locale: nil, high))]" }

        func tics(_ label: (Double) -> String) -> String {
            ticks.map { "\"\(label($0))\" \(String(format: "%.6g", locale: nil, $0))" }.joined(separator: ", ")
        }
    }

    /// A linear axis from zero: ticks at multiples of a round step (1, 2, 2.5 or 5 x 10^k) that
    /// puts five to nine of them on the axis, labelled as `number` writes them ("60,000"), so
    /// that its figures read as the log axes' do ("%.0f" wrote 60000).
    struct LinearAxis {
        var high: Double
        var ticks: [Double]

        init(high: Double) {
            self.high = high
            // Nothing to divide (a zero, negative or non-finite top): the axis's zero alone.
            guard high.isFinite, high > 1e-9 else { ticks = [0]; return }
            let rough = high / 8
            let magnitude = pow(10, floor(log10(rough)))
            let step = [1, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
            ticks = (0...Int((high / step).rounded(.down))).map { Double($0) * step }
        }

        func tics(_ label: (Double) -> String) -> String {
            ticks.map { "\"\(label($0))\" \(String(format: "%.6g", locale: nil, $0))" }.joined(separator: ", ")
        }
    }

    /// The unit a chart of durations is drawn in: the largest that keeps the
    /// longest duration at 2 or more.
    struct TimeUnit {
        var name: String
        var seconds: Double

        static func fitting(_ longest: Double) -> TimeUnit {
            if longest >= 2 * 86400 { return TimeUnit(name: "days", seconds: 86400) }
            if longest >= 2 * 3600 { return TimeUnit(name: "hours", seconds: 3600) }
            if longest >= 120 { return TimeUnit(name: "minutes", seconds: 60) }
            return TimeUnit(name: "seconds", seconds: 1)
        }
    }
}
