import Foundation
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

        /// The layer as ScaleCast models it, input included.
        public func layer() throws -> Layer {
            var b = NetworkBuilder(name: "measured", input: TensorShape(channels: inChannels, height: height, width: width))
            if kind == "conv" {
                try b.conv("layer", out: out, kernel: kernel, stride: stride, pad: pad, groups: groups)
            } else {
                try b.fc("layer", units: out)
            }
            return try b.finish().layers[1]
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

    /// Reads the CSV of tools/profile_layers.py.
    /// - Throws: `ConfigError` naming the line that cannot be read.
    public init(csv text: String, file: String) throws {
        self.file = file
        var header: [String]?
        rows = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\r "))
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard let columns = header else { header = cells; continue }
            func fail(_ message: String) -> ConfigError { ConfigError(file: file, keyPath: "", line: index + 1, message: message) }
            guard cells.count == columns.count else { throw fail("expected \(columns.count) columns, found \(cells.count)") }
            func cell(_ name: String) throws -> String {
                guard let i = columns.firstIndex(of: name) else { throw fail("the header has no '\(name)' column") }
                return cells[i]
            }
            func int(_ name: String) throws -> Int {
                guard let v = Int(try cell(name)), v >= 0, v <= 10_000_000 else { throw fail("'\(name)' must be a whole number, got '\(try cell(name))'") }
                return v
            }
            func seconds(_ name: String) throws -> Double {
                guard let v = Double(try cell(name)), v >= 0, v.isFinite else { throw fail("'\(name)' must be milliseconds, got '\(try cell(name))'") }
                return v / 1000
            }
            let kind = try cell("kind")
            guard kind == "conv" || kind == "fc" else { throw fail("kind must be conv or fc, got '\(kind)'") }
            guard let precision = Precision(rawValue: try cell("precision")) else { throw fail("unknown precision '\(try cell("precision"))'") }
            guard try int("batch") >= 1 else { throw fail("'batch' must be at least 1") }
            let row = Row(line: index + 1, kind: kind, batch: try int("batch"), precision: precision, inChannels: try int("in_channels"),
                          height: try int("height"), width: try int("width"), out: try int("out"), kernel: try int("kernel"),
                          stride: try int("stride"), pad: try int("pad"), groups: try int("groups"),
                          forwardSeconds: try seconds("forward_ms"), backwardSeconds: try seconds("backward_ms"))
            do { _ = try row.product() } catch let e as ModelError { throw fail("the layer does not fit its input: \(e.message)") }
            rows.append(row)
        }
        guard header != nil, !rows.isEmpty else {
            throw ConfigError(file: file, keyPath: "", line: nil, message: "no layer times found (expected tools/profile_layers.py's CSV)")
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
