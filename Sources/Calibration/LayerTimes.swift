import Foundation
import Hardware
import Parallelism
import Workload
import YAMLSupport

/// Per-layer times measured on a GPU (by `tools/profile_layers.py`), fitted into
/// the cost model's efficiency curve.
public struct LayerTimes: Sendable {
    public struct Row: Sendable, Equatable {
        public var line: Int
        public var kind: String
        public var batch: Int
        public var precision: Precision
        public var inChannels, height, width, out, kernel, stride, pad, groups: Int
        public var forwardSeconds: Double
        public var backwardSeconds: Double

        /// The layer as ScaleCast models it, input included, named `name` (the name a
        /// `ModelError` about its geometry quotes).
        public func layer(named name: String = "measured") throws -> Layer {
            var b = NetworkBuilder(name: "measured", input: TensorShape(channels: inChannels, height: height, width: width))
            if kind == "conv" {
                try b.conv(name, out: out, kernel: kernel, stride: stride, pad: pad, groups: groups)
            } else {
                try b.fc(name, units: out)
            }
            return try b.finish().layers[1]
        }

        /// Why the layer is too large to model, computed in floating point before
        /// any integer arithmetic: its input or output tensor has more than
        /// `Bounds.elements` elements, or a forward pass of the batch more than
        /// `Bounds.flops` operations. Nil when it is within bounds.
        public func sizeProblem() -> String? {
            let input = Double(inChannels) * Double(height) * Double(width)
            guard input <= Bounds.elements else {
                return "the input (\(inChannels) x \(height) x \(width)) has more than \(Int(Bounds.elements)) elements"
            }
            let macs: Double, output: Double
            if kind == "conv" {
                let ho = ((Double(height) + 2 * Double(pad) - Double(kernel)) / Double(stride)).rounded(.down) + 1
                let wo = ((Double(width) + 2 * Double(pad) - Double(kernel)) / Double(stride)).rounded(.down) + 1
                output = Double(out) * max(ho, 0) * max(wo, 0)
                macs = output * Double(inChannels) / Double(groups) * Double(kernel) * Double(kernel)
            } else {
                output = Double(out)
                macs = input * Double(out)
            }
            guard output <= Bounds.elements else { return "the output has more than \(Int(Bounds.elements)) elements" }
            guard 2 * macs * Double(batch) <= Bounds.flops else {
                return "a forward pass of the batch would take more than \(String(format: "%g", Bounds.flops)) operations"
            }
            return nil
        }

        /// The forward product's dimensions: m × (n per example × batch) × k, times its groups.
        public func product() throws -> (m: Int, n: Int, k: Int, flops: Double) {
            let g = try layer().cost.gemm!
            let n = g.nPerExample * batch
            return (g.m, n, g.k, 2 * Double(g.m) * Double(n) * Double(g.k) * Double(g.count))
        }
    }

    public var file: String
    public var rows: [Row]

    /// The ranges each column must fall in. They are the scenario loader's
    /// limits for a layer (`Limits.width`, `Limits.extent`, `Limits.batch`),
    /// plus bounds on the whole layer so that its sizes stay far inside
    /// the integers the cost model counts in.
    public enum Bounds {
        public static let channels = Limits.width
        public static let extent = Limits.extent
        public static let pad = 0...Limits.extent.upperBound
        public static let batch = Limits.batch
        /// Elements of one example's input or output tensor.
        public static let elements = 1e12
        /// Floating-point operations of one forward pass of the batch.
        public static let flops = 1e18
        /// A forward or backward time, milliseconds (one hour).
        public static let milliseconds = 3.6e6
    }

    /// Reads the CSV of tools/profile_layers.py.
    ///
    /// The CSV may be written by any tool that follows RFC 4180 (see
    /// `CSVReader`): quoted fields, CRLF line ends, a byte order mark, the
    /// columns in any order, and columns besides the ones read. Numbers must
    /// be plain decimals within `Bounds`; whole numbers where the column counts.
    /// - Throws: `ConfigError` naming the line that cannot be read, before any
    ///   layer is built from it.
    public init(csv text: String, file: String) throws {
        self.file = file
        let shownFile = file.singleLine
        rows = []
        let table = try CSVTable(text, file: shownFile)
        // Where the file names its layers (tools/profile_layers.py's model and layer columns),
        // each layer's line, to refuse a second timing of it.
        let named = table.columns.contains("model") && table.columns.contains("layer")
        var firstLine: [String: Int] = [:]
        for tableRow in table.rows {
            func fail(_ message: String) -> ConfigError { tableRow.fail(message) }
            func cell(_ name: String) throws -> String { try tableRow.cell(name) }
            func int(_ name: String, in range: ClosedRange<Int>) throws -> Int { try tableRow.int(name, in: range) }
            // A forward pass takes time; tools/profile_layers.py writes a backward time of 0
            // where the backward pass was lost in the forward's noise (fits skip it).
            func seconds(_ name: String, zeroAllowed: Bool) throws -> Double {
                let text = try cell(name)
                guard let v = NumberText.decimal(text), zeroAllowed ? v >= 0 : v > 0, v <= Bounds.milliseconds else {
                    throw fail("'\(name)' must be milliseconds \(zeroAllowed ? "from 0" : "above 0") and at most \(Int(Bounds.milliseconds)), "
                               + "got '\(text.singleLine)'")
                }
                return v / 1000
            }
            let kind = try cell("kind")
            guard kind == "conv" || kind == "fc" else { throw fail("kind must be conv or fc, got '\(kind.singleLine)'") }
            guard let precision = Precision(rawValue: try cell("precision")) else {
                throw fail("unknown precision '\((try cell("precision")).singleLine)'")
            }
            let row = Row(line: tableRow.line, kind: kind, batch: try int("batch", in: Bounds.batch), precision: precision,
                          inChannels: try int("in_channels", in: Bounds.channels),
                          height: try int("height", in: Bounds.extent), width: try int("width", in: Bounds.extent),
                          out: try int("out", in: Bounds.channels), kernel: try int("kernel", in: Bounds.extent),
                          stride: try int("stride", in: Bounds.extent), pad: try int("pad", in: Bounds.pad),
                          groups: try int("groups", in: Bounds.channels),
                          forwardSeconds: try seconds("forward_ms", zeroAllowed: false),
                          backwardSeconds: try seconds("backward_ms", zeroAllowed: true))
            if let problem = row.sizeProblem() { throw fail(problem) }
            // Named as the file names it (tools/profile_layers.py's layer column), else by its kind.
            do { _ = try row.layer(named: named ? try cell("layer") : kind) } catch let e as ModelError { throw fail(e.message) }
            if named {
                let key = [try cell("model"), try cell("layer"), "\(row.batch)", row.precision.rawValue].joined(separator: "\u{1F}")
                if let earlier = firstLine[key] {
                    throw fail("layer '\((try cell("layer")).singleLine)' of '\((try cell("model")).singleLine)' at batch \(row.batch) in "
                               + "\(row.precision.rawValue) is timed on line \(earlier) too; give each layer once, its median time")
                }
                firstLine[key] = row.line
            }
            rows.append(row)
        }
        guard table.hasHeader, !rows.isEmpty else {
            throw ConfigError(file: shownFile, keyPath: "", line: nil, message: "no layer times found (expected tools/profile_layers.py's CSV)")
        }
    }

    /// Refuses rows of `precisions` that `gpu` cannot have produced (`MeasuredRate`): a precision it has no
    /// units for, or a forward or backward time that implies a rate above its peak
    /// (forward: the layer's product, `LayerTimes.Row.product`; backward: twice that,
    /// the data and the weight gradients).
    /// - Throws: `ConfigError` naming the first such row's line.
    public func check(on gpu: GPUSpec, precisions: Set<Precision>) throws {
        for row in rows where precisions.contains(row.precision) {
            let fail = { (message: String) in ConfigError(file: file.singleLine, keyPath: "", line: row.line, message: message) }
            if let problem = MeasuredRate.missingUnits(row.precision.rawValue, on: gpu) { throw fail(problem) }
            let flops = try row.product().flops
            let savings = row.kind == "conv" ? Double(row.kernel * row.kernel) : 1
            for (column, seconds, work) in [("forward_ms", row.forwardSeconds, flops), ("backward_ms", row.backwardSeconds, 2 * flops)] {
                if let problem = MeasuredRate.impossible(flops: work, seconds: seconds, precision: row.precision.rawValue, gpu: gpu,
                                                         savings: savings) {
                    throw fail("'\(column)': " + problem)
                }
            }
        }
    }

    /// A fitted curve for one precision, with its errors in predicting times.
    public struct Fit: Sendable {
        public var precision: Precision
        public var curve: Calibrator.EfficiencyFit
        /// |predicted − measured| / measured forward times of the rows fitted, 90th percentile.
        public var reportedError: Double
    }

    /// Fits `t = overhead + flops / (peak · e_max · s(m)s(n)s(k))` to the forward
    /// passes of `rows` (weighted least squares via GSL; see `Calibrator.fitEfficiency`):
    /// the overhead is the per-kernel launch time the cost model adds.
    public static func fit(_ rows: [Row], precision: Precision, peak: Double) throws -> Fit? {
        let selected = rows.filter { $0.precision == precision && $0.forwardSeconds > 0 }
        let samples = try selected.map { row -> Calibrator.GEMMSample in
            let p = try row.product()
            // A grouped product runs as `groups` products; its time is shared among them.
            return Calibrator.GEMMSample(m: p.m, n: p.n, k: p.k, seconds: row.forwardSeconds * 2 * Double(p.m * p.n * p.k) / p.flops)
        }
        guard let curve = Calibrator.fitEfficiency(samples, peak: peak, fitOverhead: true) else { return nil }
        let errors = try selected.map { try abs(predictForward($0, curve: curve, peak: peak) / $0.forwardSeconds - 1) }
        return Fit(precision: precision, curve: curve, reportedError: percentile(errors, 0.9))
    }

    /// The forward time the curve predicts for a row.
    public static func predictForward(_ row: Row, curve: Calibrator.EfficiencyFit, peak: Double) throws -> Double {
        let p = try row.product()
        return curve.overheadSeconds + p.flops / (peak * curve.efficiency(m: p.m, n: p.n, k: p.k))
    }

    /// The q-th quantile (0...1) of `values`, the nearest rank above.
    public static func percentile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded(.up)))]
    }
}
