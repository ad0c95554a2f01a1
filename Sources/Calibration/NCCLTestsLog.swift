import CGSL
import Foundation
import YAMLSupport

/// A log printed by one of NVIDIA's nccl-tests (`all_reduce_perf`,
/// `all_gather_perf`, `reduce_scatter_perf`, `broadcast_perf`, `sendrecv_perf`):
/// a header, one row per message size with out-of-place and in-place columns
/// (`#wrong` in new versions, `error` in old ones), and an average bus bandwidth.
public struct NCCLTestsLog: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var bytes: Double
        /// Out-of-place time, microseconds.
        public var microseconds: Double
        public var algorithmGBPerSecond: Double
        public var busGBPerSecond: Double
    }

    public enum Collective: String, CaseIterable, Sendable {
        case allReduce = "all_reduce", allGather = "all_gather", reduceScatter = "reduce_scatter", broadcast, sendRecv = "sendrecv"

        /// busbw / algbw for n ranks (nccl-tests' PERFORMANCE.md).
        public func busFactor(ranks n: Int) -> Double {
            switch self {
            case .allReduce: return 2 * Double(n - 1) / Double(n)
            case .allGather, .reduceScatter: return Double(n - 1) / Double(n)
            case .broadcast, .sendRecv: return 1
            }
        }
    }

    public var file: String
    public var collective: Collective
    public var ranks: Int
    public var rows: [Row]
    public var averageBusGBPerSecond: Double?

    /// Parses a log.
    /// - Parameter collective: the collective, when the file name does not say it
    ///   (`all_reduce_perf.log`); else it is inferred from busbw/algbw.
    /// - Throws: `ConfigError` with the line that could not be read.
    public static func parse(_ text: String, file: String, collective given: Collective? = nil) throws -> NCCLTestsLog {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        func fail(_ line: Int?, _ message: String) -> ConfigError { ConfigError(file: file, keyPath: "", line: line, message: message) }
        var ranks: Int?, rankLines = 0
        var header: [String]?
        var rows: [Row] = []
        var average: Double?
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            let number = index + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                let words = body.split(separator: " ").map(String.init)
                if let i = words.firstIndex(of: "nGpus"), i + 1 < words.count, let g = Int(words[i + 1]),
                   let t = words.firstIndex(of: "nThread").flatMap({ $0 + 1 < words.count ? Int(words[$0 + 1]) : nil }) {
                    guard (1...1_000_000).contains(g), (1...1_000_000).contains(t) else {
                        throw fail(number, "nGpus and nThread must be between 1 and 1,000,000 in '\(line)'")
                    }
                    ranks = g * t
                }
                if words.first == "Rank" { rankLines += 1 }
                if words.contains("size") && words.contains("count") && words.contains("time") { header = words }
                if body.hasPrefix("Avg bus bandwidth") {
                    guard let value = body.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) else {
                        throw fail(number, "cannot read the average bus bandwidth in '\(line)'")
                    }
                    average = value
                }
                continue
            }
            guard let columns = header else { throw fail(number, "a data row comes before the column header: '\(line)'") }
            let cells = line.split(separator: " ").map(String.init)
            guard cells.count == columns.count else {
                throw fail(number, "expected \(columns.count) columns (\(columns.joined(separator: " "))), found \(cells.count): '\(line)'")
            }
            func value(_ name: String) throws -> Double {
                guard let i = columns.firstIndex(of: name), let x = Double(cells[i]), x.isFinite, x >= 0, x < 1e18 else {
                    throw fail(number, "cannot read '\(name)' in '\(line)'")
                }
                return x
            }
            rows.append(Row(bytes: try value("size"), microseconds: try value("time"), algorithmGBPerSecond: try value("algbw"),
                            busGBPerSecond: try value("busbw")))
        }
        guard header != nil else { throw fail(nil, "no nccl-tests column header ('#  size  count  type ... time  algbw  busbw') was found") }
        guard !rows.isEmpty else { throw fail(nil, "the log has a header but no rows (is it truncated?)") }
        let n = rankLines > 0 ? rankLines : (ranks ?? 0)
        guard n >= 2 else { throw fail(nil, "cannot tell how many GPUs ran the test (no 'nGpus' or 'Rank' lines)") }
        let collective = try given ?? Collective.allCases.first { file.contains($0.rawValue) } ?? {
            // Infer from busbw / algbw on the largest message.
            let big = rows.max { $0.bytes < $1.bytes }!
            guard big.algorithmGBPerSecond > 0 else { throw fail(nil, "cannot tell which collective this is; name it with --collective") }
            let ratio = big.busGBPerSecond / big.algorithmGBPerSecond
            return Collective.allCases.min { abs($0.busFactor(ranks: n) - ratio) < abs($1.busFactor(ranks: n) - ratio) }!
        }()
        return NCCLTestsLog(file: file, collective: collective, ranks: n, rows: rows, averageBusGBPerSecond: average)
    }

    /// Time = α + bytes / β fitted by weighted least squares (`gsl_fit_wlinear`,
    /// weights 1/t², so every size counts by its relative error).
    public struct AlphaBeta: Sendable, Equatable {
        /// α, seconds.
        public var latencySeconds: Double
        /// β, algorithm bandwidth in bytes per second.
        public var bytesPerSecond: Double
        /// Bus bandwidth β × busFactor, bytes per second: comparable to one link's speed.
        public var busBytesPerSecond: Double
        /// (fitted − measured) / measured, per row.
        public var relativeErrors: [Double]
    }

    public func fit() throws -> AlphaBeta {
        guard rows.count >= 2, Set(rows.map(\.bytes)).count >= 2 else {
            throw ConfigError(file: file, keyPath: "", line: nil, message: "an alpha-beta fit needs at least two message sizes")
        }
        let x = rows.map(\.bytes), y = rows.map { $0.microseconds * 1e-6 }
        let w = y.map { 1 / max($0 * $0, 1e-30) }
        var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, chisq = 0.0
        guard gsl_fit_wlinear(x, 1, w, 1, y, 1, x.count, &c0, &c1, &cov00, &cov01, &cov11, &chisq) == GSL_SUCCESS, c1 > 0 else {
            throw ConfigError(file: file, keyPath: "", line: nil, message: "the times do not grow with the message size; no bandwidth can be fitted")
        }
        let alpha = max(0, c0), beta = 1 / c1
        return AlphaBeta(latencySeconds: alpha, bytesPerSecond: beta, busBytesPerSecond: beta * collective.busFactor(ranks: ranks),
                         relativeErrors: zip(x, y).map { (alpha + $0 / beta - $1) / $1 })
    }
}
