import Foundation
import Hardware
import Parallelism
import Scenario
import Simulation

/// The charts ScaleCast draws, each from results or trace records.
public enum Charts {
    /// Speedup against GPUs, one curve per run, the ideal line, efficiency on y2.
    public static func scaling(_ results: [ConfigurationResult], title: String, format: Chart.Format) throws -> Chart {
        let series = seriesByRun(results)
        var data = "# speedup against GPU count; one block per run (gnuplot index)\n"
        var plots: [String] = []
        let palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD"]
        for (i, (name, rows)) in series.enumerated() {
            data += "# \(Chart.dataComment(name))\n# gpus speedup efficiency_percent images_per_second\n"
            for r in rows.sorted(by: { $0.gpus < $1.gpus }) {
                data += "\(r.gpus) \(Format.fixed(r.speedup, 4)) \(Format.fixed(r.efficiency * 100, 2)) \(Format.fixed(r.metrics.imagesPerSecond, 1))\n"
            }
            data += "\n\n"
            let color = palette[i % palette.count]
            plots.append("     'scaling.dat' index \(i) using 1:2 title \(Chart.gnuplotString(name)) noenhanced with linespoints lw 2 pt 7 lc rgb '\(color)'")
            plots.append("     'scaling.dat' index \(i) using 1:3 axes x1y2 notitle with lines dt 3 lw 1 lc rgb '\(color)'")
        }
        let gpus = Set(results.map(\.gpus)).sorted()
        let script = try Chart.fill(template: "scaling", [
            "TERMINAL": Chart.terminal(format, width: 1000, height: 600), "OUTPUT": Chart.output("scaling.\(format.rawValue)"),
            "TITLE": Chart.gnuplotString(title + " (dotted: efficiency, right axis)"),
            "XMIN": "\(Double(gpus.first ?? 1) / 1.3)", "XMAX": "\(Double(gpus.last ?? 1) * 1.3)",
            "XTICS": gpus.map { "\"\($0)\" \($0)" }.joined(separator: ", "),
            "PLOTS": plots.joined(separator: ", \\\n"),
        ])
        return Chart(name: "scaling", format: format, data: data, script: script)
    }

    /// Stacked bars of compute / exposed communication / idle per configuration.
    public static func breakdown(_ results: [ConfigurationResult], title: String, format: Chart.Format) throws -> Chart {
        let runs = Set(results.map { $0.runLabel ?? $0.strategy.summary })
        func label(_ r: ConfigurationResult) -> String {
            let gpus = "\(r.gpus) GPU\(r.gpus == 1 ? "" : "s")"
            guard runs.count > 1 else { return gpus }
            let run = r.runLabel ?? r.strategy.summary
            return (run.count > 24 ? String(run.prefix(23)) + "…" : run) + ", " + gpus
        }
        var data = "# label compute_ms exposed_communication_ms idle_ms (per GPU, per step)\n"
        for r in results {
            let m = r.metrics
            data += "\(Chart.dataLabel(label(r))) \(Format.fixed(m.computeSeconds * 1e3, 3)) "
                + "\(Format.fixed(m.exposedCommunicationSeconds * 1e3, 3)) \(Format.fixed(m.idleSeconds * 1e3, 3))\n"
        }
        let longest = results.map { label($0).count }.max() ?? 8
        let script = try Chart.fill(template: "breakdown", [
            "TERMINAL": Chart.terminal(format, width: max(900, 60 * results.count + 200), height: 650),
            "OUTPUT": Chart.output("breakdown.\(format.rawValue)"), "TITLE": Chart.gnuplotString(title),
            "DATA": Chart.gnuplotString("breakdown.dat"),
            "BMARGIN": "\(min(14, 2 + longest * 3 / 10))",
        ])
        return Chart(name: "breakdown", format: format, data: data, script: script)
    }

    /// A point of a bandwidth what-if: one GPU count at one bandwidth.
    public struct BandwidthPoint: Sendable {
        public var gpus: Int
        /// The varied link's bandwidth per direction, in Gb/s (1e9 bits/s).
        public var gigabitsPerSecond: Double
        public var speedup: Double
        public var stepSeconds: Double
        public init(gpus: Int, gigabitsPerSecond: Double, speedup: Double, stepSeconds: Double) {
            self.gpus = gpus
            self.gigabitsPerSecond = gigabitsPerSecond
            self.speedup = speedup
            self.stepSeconds = stepSeconds
        }
    }

    /// Speedup against a link's bandwidth (log axis), one curve per GPU count.
    public static func bandwidth(_ points: [BandwidthPoint], linkDescription: String, title: String,
                                 format: Chart.Format) throws -> Chart {
        let counts = Set(points.map(\.gpus)).sorted()
        var data = "# speedup against \(Chart.dataComment(linkDescription)) bandwidth; one block per GPU count\n"
        var plots: [String] = []
        for (i, gpus) in counts.enumerated() {
            data += "# \(gpus) GPUs\n# gigabits_per_second speedup step_ms\n"
            for p in points.filter({ $0.gpus == gpus }).sorted(by: { $0.gigabitsPerSecond < $1.gigabitsPerSecond }) {
                data += "\(Format.fixed(p.gigabitsPerSecond, 3)) \(Format.fixed(p.speedup, 4)) \(Format.fixed(p.stepSeconds * 1e3, 3))\n"
            }
            data += "\n\n"
            plots.append("'bandwidth.dat' index \(i) using 1:2 title '\(gpus) GPUs' with linespoints lw 2 pt 7")
        }
        let script = try Chart.fill(template: "bandwidth", [
            "TERMINAL": Chart.terminal(format, width: 1000, height: 600), "OUTPUT": Chart.output("bandwidth.\(format.rawValue)"),
            "TITLE": Chart.gnuplotString(title), "XLABEL": Chart.gnuplotString("\(linkDescription) bandwidth per direction (Gb/s)"),
            "PLOTS": plots.joined(separator: ", \\\n     "),
        ])
        return Chart(name: "bandwidth", format: format, data: data, script: script)
    }

    /// Kinds of work in a timeline, in legend order, with their colours.
    static let ganttKinds: [(name: String, color: String)] = [
        ("forward", "#4C72B0"), ("backward", "#55A868"), ("update", "#8172B3"), ("transfer", "#DD8452"), ("collective", "#C44E52"),
    ]

    /// One step's timeline: a lane per GPU and per busy link (the `maxLinks`
    /// busiest), tasks coloured by kind; a transfer shows on every link it crosses.
    public static func gantt(_ trace: Trace, topology: Topology, title: String, format: Chart.Format, step: Int? = nil,
                             maxLinks: Int = 16) throws -> Chart {
        let last = step ?? trace.records.map(\.step).max() ?? 0
        let begin = trace.records.filter { $0.step == last - 1 }.map(\.end).max() ?? .zero
        let records = trace.records.filter { $0.step == last }
        let end = records.map(\.end).max() ?? begin
        // Lanes: GPUs, then links by busy time in the step.
        var linkBusy = [Int64](repeating: 0, count: topology.links.count)
        for r in records where r.kind == .transfer {
            for link in topology.route(from: r.device, to: r.destination!) { linkBusy[link] += r.end.nanoseconds - r.start.nanoseconds }
        }
        let links = topology.links.indices.filter { linkBusy[$0] > 0 }.sorted { (linkBusy[$0], $1) > (linkBusy[$1], $0) }.prefix(maxLinks)
        var lane: [Int: Int] = [:]   // link -> lane
        var names = (0..<topology.gpuCount).map { "gpu\($0)" }
        for link in links { lane[link] = names.count; names.append(topology.links[link].name) }
        func ms(_ t: Int64) -> String { Format.fixed(Double(t - begin.nanoseconds) / 1e6, 4) }
        var blocks = [String](repeating: "", count: ganttKinds.count)
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
            } else {
                blocks[kind] += "\(r.device) \(ms(r.start.nanoseconds)) \(ms(r.end.nanoseconds))\n"
            }
        }
        var data = "# lane start_ms end_ms; one block per kind: \(ganttKinds.map(\.name).joined(separator: ", "))\n"
        var plots: [String] = []
        for (i, kind) in ganttKinds.enumerated() {
            data += "# \(kind.name)\n" + (blocks[i].isEmpty ? "-10 0 0\n" : blocks[i]) + "\n\n"
            plots.append("'gantt.dat' index \(i) using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '\(kind.color)' title '\(kind.name)'")
        }
        let script = try Chart.fill(template: "gantt", [
            "TERMINAL": Chart.terminal(format, width: 1200, height: max(400, 28 * names.count + 160)),
            "OUTPUT": Chart.output("gantt.\(format.rawValue)"), "TITLE": Chart.gnuplotString(title),
            "YMAX": "\(names.count)", "XMAX": Format.fixed(Double(end.nanoseconds - begin.nanoseconds) / 1e6 * 1.01, 4),
            "YTICS": names.enumerated().map { "\(Chart.gnuplotString($1)) \($0)" }.joined(separator: ", "),
            "PLOTS": plots.joined(separator: ", \\\n     "),
        ])
        return Chart(name: "gantt", format: format, data: data, script: script)
    }

    /// Time and cost to train of every configuration (hours, dollars), the Pareto
    /// front, and the deadline as a vertical line.
    public static func costTime(all: [(Double, Double)], front: [(Double, Double)], deadlineHours: Double?, title: String,
                                format: Chart.Format) throws -> Chart {
        var data = "# hours dollars: all configurations, then the Pareto front\n"
        for (h, d) in all { data += "\(Format.fixed(h, 4)) \(Format.fixed(d, 2))\n" }
        data += "\n\n"
        for (h, d) in front { data += "\(Format.fixed(h, 4)) \(Format.fixed(d, 2))\n" }
        let deadline = deadlineHours.map {
            "set arrow from \(Format.fixed($0, 3)), graph 0 to \(Format.fixed($0, 3)), graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'\n"
                + "set label 'deadline' at \(Format.fixed($0, 3)), graph 0.95 offset 0.5,0"
        } ?? ""
        let script = try Chart.fill(template: "costtime", [
            "TERMINAL": Chart.terminal(format, width: 1000, height: 650), "OUTPUT": Chart.output("costtime.\(format.rawValue)"),
            "TITLE": Chart.gnuplotString(title), "DEADLINE": deadline,
        ])
        return Chart(name: "costtime", format: format, data: data, script: script)
    }

    /// Results grouped by run (or by strategy when runs have no labels), in order.
    static func seriesByRun(_ results: [ConfigurationResult]) -> [(String, [ConfigurationResult])] {
        var order: [String] = []
        var groups: [String: [ConfigurationResult]] = [:]
        for r in results {
            let key = r.runLabel ?? "\(r.model), \(r.strategy.summary)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        return order.map { ($0, groups[$0]!) }
    }
}
