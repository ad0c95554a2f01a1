import Foundation

extension Charts {
    /// A bandwidth in a chart's data: four decimals (as every chart wrote them), or six
    /// significant digits below 0.01, which four decimals would write as 0.0000, a point
    /// the log axis then drops.
    static func bandwidthText(_ x: Double) -> String {
        x >= 0.01 ? Format.fixed(x, 4) : String(format: "%.6g", locale: nil, x)
    }

    /// A point of a bandwidth what-if: one GPU count at one bandwidth.
    public struct BandwidthPoint: Sendable {
        public var gpus: Int
        /// The varied link's bandwidth per direction, in the what-if's unit.
        public var bandwidth: Double
        public var imagesPerSecond: Double
        public var stepSeconds: Double

        public init(gpus: Int, bandwidth: Double, imagesPerSecond: Double, stepSeconds: Double) {
            self.gpus = gpus
            self.bandwidth = bandwidth
            self.imagesPerSecond = imagesPerSecond
            self.stepSeconds = stepSeconds
        }
    }

    /// What a bandwidth what-if varies, and where the run stands today.
    public struct BandwidthWhatIf: Sendable {
        /// E.g. "network (eth-25g)".
        public var link: String
        /// The link's name in the catalog, e.g. "eth-25g".
        public var linkName: String
        /// "Gb/s" or "GB/s": the one unit of the chart, its data and its labels.
        public var unit: String
        /// The run's own bandwidth, in `unit`.
        public var operatingPoint: Double
        /// Images/s of the run on one GPU, which linear scaling multiplies, by GPU count: one GPU
        /// at the batch each GPU trains at that count (`max_global_batch` may cut it).
        public var singleGPUImagesPerSecond: [Int: Double]
        /// A link the varied link's traffic also crosses, which the what-if leaves as it is (the
        /// GPUs' PCIe link to their NIC, under a network what-if): where the varied bandwidth
        /// passes it, that link may bind instead, and the curves flatten there. Nil: none drawn.
        public var alsoCrossed: AlsoCrossed?
        /// A rate the software drives every varied link at, at most (the collective library's TCP
        /// sockets, `net_socket_streams` x `net_stream_gb_per_s`): past it a faster link changes
        /// nothing, and the curves are flat. Nil: none drawn.
        public var softwareCap: AlsoCrossed?

        /// A link the varied traffic also crosses: what it is, its catalog name, its bandwidth in the what-if's unit.
        public struct AlsoCrossed: Sendable {
            public var what: String
            public var linkName: String
            public var bandwidth: Double
            public init(what: String, linkName: String, bandwidth: Double) {
                self.what = what
                self.linkName = linkName
                self.bandwidth = bandwidth
            }
        }

        public init(link: String, linkName: String, unit: String, operatingPoint: Double, singleGPUImagesPerSecond: [Int: Double],
                    alsoCrossed: AlsoCrossed? = nil, softwareCap: AlsoCrossed? = nil) {
            self.link = link
            self.linkName = linkName
            self.unit = unit
            self.operatingPoint = operatingPoint
            self.singleGPUImagesPerSecond = singleGPUImagesPerSecond
            self.alsoCrossed = alsoCrossed
            self.softwareCap = softwareCap
        }
    }

    /// The colour of the link the traffic also crosses: near black, apart from every GPU count's
    /// (a dark red read as the 16-GPU curve's, the palette's fourth).
    static let crossedColor = "#222222"

    /// Images/s against a link's bandwidth (log axis, one unit), one curve per GPU
    /// count; each count's linear scaling (GPUs x one GPU's images/s) dashed as a
    /// horizontal line, the ceiling no bandwidth lifts it past; today's bandwidth
    /// marked by a vertical line and a ring on each curve; a link the traffic also crosses
    /// (`BandwidthWhatIf.alsoCrossed`), where it lies inside the range, by a dotted line, and
    /// the software's cap on the varied link (`softwareCap`) by a dash-dotted one.
    public static func bandwidth(_ points: [BandwidthPoint], whatIf: BandwidthWhatIf, title: String,
                                 format: Chart.Format) throws -> Chart {
        let counts = Set(points.map(\.gpus)).sorted()
        let unitName = whatIf.unit
        var data = "# images per second against \(Chart.dataComment(whatIf.link)) bandwidth per direction (\(unitName)); "
            + "per GPU count a block of points, then today's point (\(Format.fixed(whatIf.operatingPoint, 3)) \(unitName))\n"
        var plots: [String] = [], ceilings: [String] = []
        for (i, gpus) in counts.enumerated() {
            let rows = points.filter { $0.gpus == gpus }.sorted { $0.bandwidth < $1.bandwidth }
            data += "# \(gpus) GPUs\n# bandwidth_\(unitName == "Gb/s" ? "gbit" : "gbyte")_per_s images_per_second step_ms\n"
            for p in rows { data += "\(Self.bandwidthText(p.bandwidth)) \(Format.fixed(p.imagesPerSecond, 1)) \(Format.fixed(p.stepSeconds * 1e3, 3))\n" }
            data += "\n\n# \(gpus) GPUs today\n"
            for p in rows where abs(p.bandwidth / whatIf.operatingPoint - 1) < 1e-9 {
                data += "\(Self.bandwidthText(p.bandwidth)) \(Format.fixed(p.imagesPerSecond, 1)) \(Format.fixed(p.stepSeconds * 1e3, 3))\n"
            }
            data += "\n\n"
            let ideal = Format.fixed(Double(gpus) * whatIf.singleGPUImagesPerSecond[gpus]!, 1)
            ceilings.append("set arrow from graph 0, first \(ideal) to graph 1, first \(ideal) nohead dt 2 lw 1.2 lc rgb '\(color(i))'")
            plots.append("'bandwidth.dat' index \(2 * i) using 1:2 title '\(gpus) GPU\(gpus == 1 ? "" : "s")' with linespoints lw 2 pt 7 lc rgb '\(color(i))'")
            plots.append("'bandwidth.dat' index \(2 * i + 1) using 1:2 notitle with points pt 6 ps 2.2 lw 2 lc rgb '\(color(i))'")
        }
        plots.append("NaN title 'dashed: linear scaling, GPUs x one GPU' with lines dt 2 lw 1.2 lc rgb '#555555'")
        plots.append("NaN title 'circled: the bandwidth now' with points pt 6 ps 2.2 lw 2 lc rgb '#555555'")
        let x = LogAxis(low: (points.map(\.bandwidth) + [whatIf.operatingPoint]).min()!,
                        high: (points.map(\.bandwidth) + [whatIf.operatingPoint]).max()!)
        // A label beside a vertical line at `bandwidth`, on the side with more room.
        func side(of bandwidth: Double) -> String {
            log(bandwidth / x.low) / log(x.high / x.low) > 0.55 ? "right offset -0.6,0" : "left offset 0.6,0"
        }
        /// The side of a label at `bandwidth` away from another line drawn at `other` (where the axis leaves room),
        /// so that that line does not run through the text; `side(of:)` without one in the range.
        func side(of bandwidth: Double, awayFrom other: Double?) -> String {
            guard let other, (x.low...x.high).contains(other) else { return side(of: bandwidth) }
            let across = log(bandwidth / x.low) / log(x.high / x.low)
            return (other <= bandwidth ? across <= 0.8 : across < 0.2) ? "left offset 0.6,0" : "right offset -0.6,0"
        }
        // The link the traffic also crosses, and the software's cap, where the range reaches them: past either the
        // varied link no longer binds. Each is a near-black vertical line (dotted; the cap dash-dotted), labelled on the
        // side away from today's line: the link above the top dashed ceiling (at 1/1.12 of the height), the cap clear
        // below it (at 0.84), so that neither label sits on that line.
        var firstLine = true
        for (mark, style, legendStyle, height) in [(whatIf.alsoCrossed, 3, "dotted", "0.93"), (whatIf.softwareCap, 4, "dash-dotted", "0.84")] {
            guard let mark, (x.low...x.high).contains(mark.bandwidth) else { continue }
            let at = Format.fixed(mark.bandwidth, 6)
            let label = ChartText.shortened("\(Chart.singleLine(mark.linkName)), \(threeDigits(mark.bandwidth)) \(unitName)", toWidth: 380)
            ceilings.append("set arrow from \(at), graph 0 to \(at), graph 1 nohead dt \(style) lw 2 lc rgb '\(crossedColor)'")
            ceilings.append("set label \(Chart.gnuplotString(label)) at \(at), graph \(height) "
                            + "\(side(of: mark.bandwidth, awayFrom: whatIf.operatingPoint)) noenhanced tc rgb '\(crossedColor)'")
            let what = style == 3 ? "\(mark.what) (\(mark.linkName)), crossed too" : mark.what
            plots.append("NaN title \(legend("\(legendStyle): \(what)")) noenhanced with lines dt \(style) lw 2 lc rgb '\(crossedColor)'")
            let comment = style == 3 ? "the traffic also crosses" : "the software caps the link:"
            data = data.replacingOccurrences(of: "\n", with: "\(firstLine ? ";" : ",") \(comment) \(Chart.dataComment(mark.what)) "
                                             + "(\(Chart.dataComment(mark.linkName)), \(Format.fixed(mark.bandwidth, 3)) \(unitName))\n",
                                             options: [], range: data.range(of: "\n"))
            firstLine = false
        }
        // Today's label goes away from the nearest line marked in the range (on a log axis), so that it does not run through it.
        let nearestMark = [whatIf.alsoCrossed, whatIf.softwareCap].compactMap { $0?.bandwidth }.filter { (x.low...x.high).contains($0) }
            .min { abs(log($0 / whatIf.operatingPoint)) < abs(log($1 / whatIf.operatingPoint)) }
        let top = (counts.map { Double($0) * whatIf.singleGPUImagesPerSecond[$0]! } + points.map(\.imagesPerSecond)).max() ?? 1
        let y = LinearAxis(high: top * 1.12)
        // Today's label beside its line, on the side with more room, or away from the nearest line marked.
        let today = ChartText.shortened("today: \(Chart.singleLine(whatIf.linkName)), \(threeDigits(whatIf.operatingPoint)) \(unitName)",
                                        toWidth: 380)
        let xlabel = ChartText.shortened(Chart.singleLine("\(whatIf.link) bandwidth per direction (\(unitName), log scale)"),
                                         toWidth: 800)
        let script = try Chart.fill(template: "bandwidth", [
            "TERMINAL": Chart.terminal(format, width: 1000, height: keyedHeight(entries: plots.count - counts.count)),
            "OUTPUT": Chart.output("bandwidth.\(format.rawValue)"), "CEILINGS": ceilings.joined(separator: "\n"),
            "TITLE": ChartText.title(title, canvasWidth: 1000), "XLABEL": Chart.gnuplotString(xlabel),
            "XRANGE": x.range, "XTICS": x.tics(number), "YMAX": Format.fixed(y.high, 1), "YTICS": y.tics(number),
            "TODAY": Format.fixed(whatIf.operatingPoint, 6), "TODAY_LABEL": Chart.gnuplotString(today),
            "TODAY_SIDE": side(of: whatIf.operatingPoint, awayFrom: nearestMark),
            "PLOTS": plots.joined(separator: ", \\\n     "),
        ])
        return Chart(name: "bandwidth", format: format, data: data, script: script)
    }
}
