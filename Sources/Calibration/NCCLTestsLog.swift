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

        /// busbw / algbw for n ranks (nccl-tests' doc/PERFORMANCE.md, https://github.com/NVIDIA/nccl-tests/blob/master/doc/PERFORMANCE.md).
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
    /// The hosts the ranks ran on, as the `Rank ... on HOST device ...` lines name them
    /// (nil where the log has no such lines).
    public var hosts: Int?

    /// Parses a log.
    ///
    /// Columns may be separated by spaces or tabs, lines may end in LF or CRLF,
    /// and the header lines may come in the orders and forms the nccl-tests
    /// versions print them (`time` or `cputime`, `#wrong` or `error`, a root
    /// column or none, extra per-iteration or timestamp columns). Lines NCCL
    /// itself prints into the same output (`NCCL INFO`, `NCCL WARN`,
    /// `NCCL version`) and other text before the column header are skipped.
    /// - Parameter collective: the collective, when the file name does not say it
    ///   (`all_reduce_perf.log`); else it is inferred from busbw/algbw.
    /// - Throws: `ConfigError` with the line that could not be read: a row whose
    ///   numbers are unreadable, or whose size and time disagree with its own
    ///   algbw column (a corrupted row would otherwise skew the fit, and could
    ///   give a bandwidth no link has).
    public static func parse(_ text: String, file: String, collective given: Collective? = nil) throws -> NCCLTestsLog {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        let shownFile = file.singleLine
        func fail(_ line: Int?, _ message: String) -> ConfigError { ConfigError(file: shownFile, keyPath: "", line: line, message: message) }
        func words(_ text: Substring) -> [String] {
            text.split(whereSeparator: { (c: Character) in c == " " || c == "\t" }).map(String.init)
        }
        var ranks: Int?, rankLines = 0, runLine: Int?, hostNames: Set<String> = []
        var maxBytes: Double?   // the run line's maxBytes: how far the rows should go
        var firstKind: [String: (line: Int, value: String)] = [:]   // the first row's type and redop, with its line
        var header: [String]?
        var rows: [Row] = []
        var average: Double?
        for (index, raw) in lines.enumerated() {
            let line = Self.trimmed(raw)
            var shown: String { line.singleLine }   // for messages only: escaping every line costs
            let number = index + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                let tokens = words(Substring(body))
                if let i = tokens.firstIndex(of: "nGpus"), i + 1 < tokens.count, let g = Int(tokens[i + 1]),
                   let t = tokens.firstIndex(of: "nThread").flatMap({ $0 + 1 < tokens.count ? Int(tokens[$0 + 1]) : nil }) {
                    // One log is one run: a second run's numbers would be fitted as if they were the first's.
                    if let first = runLine {
                        throw fail(number, "a second run starts here (the first's 'nThread ... nGpus' line is line \(first)); "
                                   + "give each run as its own log")
                    }
                    runLine = number
                    guard (1...1_000_000).contains(g), (1...1_000_000).contains(t) else {
                        throw fail(number, "nGpus and nThread must be between 1 and 1,000,000 in '\(shown)'")
                    }
                    ranks = g * t
                    if let i = tokens.firstIndex(of: "maxBytes"), i + 1 < tokens.count { maxBytes = Double(tokens[i + 1]) }
                }
                if tokens.first == "Rank" {
                    rankLines += 1
                    if let on = tokens.firstIndex(of: "on"), on + 1 < tokens.count { hostNames.insert(String(tokens[on + 1])) }
                }
                if tokens.contains("size") && tokens.contains("count") && (tokens.contains("time") || tokens.contains("cputime"))
                    && tokens.contains("algbw") && tokens.contains("busbw") {
                    guard rows.isEmpty else {
                        throw fail(number, "a second column header after \(rows.count) rows: is this a second run? Give each run as its own log")
                    }
                    header = tokens.map { $0 == "cputime" ? "time" : $0 }
                }
                if body.hasPrefix("Avg bus bandwidth") {
                    // "# Avg bus bandwidth    : 56.8255" and, in new versions, " OK" or " FAILED" after it.
                    guard let colon = body.firstIndex(of: ":"), let first = words(body[body.index(after: colon)...]).first,
                          let value = Double(first), value.isFinite else {
                        throw fail(number, "cannot read the average bus bandwidth in '\(shown)'")
                    }
                    average = value
                }
                continue
            }
            if line.contains("NCCL INFO") || line.contains("NCCL WARN") || line.hasPrefix("NCCL version") { continue }
            let cells = words(Substring(line))
            guard let columns = header else {
                // Text before the header (a job launcher's banner, say) is not part of the log,
                // but a row of numbers there means the header is missing.
                if cells.count >= 5, cells.prefix(2).allSatisfy({ Int($0) != nil }) {
                    throw fail(number, "a data row comes before the column header: '\(shown)'")
                }
                continue
            }
            let needed = ["size", "time", "algbw", "busbw"].compactMap { columns.firstIndex(of: $0) }.max()!
            guard cells.count > needed else {
                throw fail(number, "expected \(columns.count) columns (\(columns.joined(separator: " "))), found \(cells.count): '\(shown)'")
            }
            func value(_ name: String) throws -> Double {
                guard let i = columns.firstIndex(of: name), let x = NumberText.decimal(cells[i]), x >= 0, x < 1e18 else {
                    throw fail(number, "cannot read '\(name)' in '\(shown)'")
                }
                return x
            }
            let row = Row(bytes: try value("size"), microseconds: try value("time"), algorithmGBPerSecond: try value("algbw"),
                          busGBPerSecond: try value("busbw"))
            guard row.microseconds > 0 else { throw fail(number, "the time must be positive in '\(shown)'") }
            // `-d all` or `-o all` runs every data type or reduction under one header, each over all sizes:
            // one alpha-beta fits one of them.
            for name in ["type", "redop"] {
                guard let i = columns.firstIndex(of: name), i < cells.count else { continue }
                if let (line, first) = firstKind[name], first != cells[i] {
                    throw fail(number, "\(name) \(cells[i].singleLine) after \(first.singleLine) rows (from line \(line)): "
                               + "give one data type and one reduction per log (-d and -o)")
                }
                if firstKind[name] == nil { firstKind[name] = (number, cells[i]) }
            }
            // nccl-tests prints algbw = size / time (bytes per microsecond / 1000 = GB/s), rounded to
            // two decimals; allow that rounding and a factor of two for versions that count bytes otherwise.
            let implied = row.bytes / row.microseconds / 1e3
            if abs(implied - row.algorithmGBPerSecond) > 0.02 && (implied > 2 * row.algorithmGBPerSecond || row.algorithmGBPerSecond > 2 * implied) {
                throw fail(number, "size \(Self.number(row.bytes)) B in \(Self.number(row.microseconds)) us is \(Self.number(implied)) GB/s, "
                           + "but the row's algbw says \(Self.number(row.algorithmGBPerSecond)) GB/s: '\(shown)'")
            }
            rows.append(row)
        }
        guard header != nil else { throw fail(nil, "no nccl-tests column header ('#  size  count  type ... time  algbw  busbw') was found") }
        guard !rows.isEmpty else { throw fail(nil, "the log has a header but no rows (is it truncated?)") }
        let n = rankLines > 0 ? rankLines : (ranks ?? 0)
        guard n > 0 else { throw fail(nil, "cannot tell how many GPUs ran the test (no 'nGpus' or 'Rank' lines)") }
        guard n >= 2 else {
            throw fail(nil, "the test ran on one GPU: a collective on one GPU moves nothing between GPUs, so there is no link to fit; "
                       + "run it on two or more")
        }
        let base = (file as NSString).lastPathComponent
        let big = rows.max { $0.bytes < $1.bytes }!
        // A log cut short (a killed job, a copy of part of it) has no closing average and stops
        // short of the sizes its run line asked for: its fit would lack the large messages.
        if average == nil, let maxBytes, big.bytes * 2 <= maxBytes {
            throw fail(nil, "the rows stop at \(Self.number(big.bytes)) B, short of the maxBytes \(Self.number(maxBytes)) B its run line "
                       + "names, and the log has no 'Avg bus bandwidth' line: is it truncated? Give the whole log")
        }
        // nccl-tests' other tests, whose names contain a supported one's or whose bus factor equals one
        // (all-to-all moves what all-gather does), are not modelled: refused by name, not guessed.
        // Each test's name, and the supported one whose name contains it (all_gather_perf holds gather_perf).
        let others: [(test: String, within: String?)] = [("alltoall", nil), ("hypercube", nil), ("gather_perf", "all_gather"),
                                                         ("scatter_perf", "reduce_scatter"), ("reduce_perf", "all_reduce")]
        let unsupported = others.first { base.contains($0.test) && !($0.within.map(base.contains) ?? false) }?.test
        if given == nil, let unsupported {
            throw fail(nil, "'\(unsupported)' logs are not modelled; ScaleCast imports \(Collective.allCases.map(\.rawValue).joined(separator: ", ")) "
                       + "(name the file after one, or pass --collective)")
        }
        // The rows' own busbw / algbw on the largest message says which collective ran
        // (`Collective.busFactor`); nil where algbw has too few digits to tell.
        let ratio = big.algorithmGBPerSecond >= 0.1 ? big.busGBPerSecond / big.algorithmGBPerSecond : nil
        let named = given ?? Collective.allCases.first { base.contains($0.rawValue) }
        if let named, let ratio, abs(ratio / named.busFactor(ranks: n) - 1) > Self.busFactorTolerance {
            let source = given == nil ? "the file name says \(named.rawValue)" : "--collective says \(named.rawValue)"
            throw fail(nil, "\(source), whose busbw is \(Self.number(named.busFactor(ranks: n))) x algbw on \(n) GPUs, but the rows' busbw is "
                       + "\(Self.number(ratio)) x algbw (size \(Self.number(big.bytes)) B); which collective ran?")
        }
        let collective = try named ?? {
            guard let ratio else { throw fail(nil, "cannot tell which collective this is; name it with --collective") }
            // Inferred only where one collective's bus factor fits: at 2 GPUs all-reduce, broadcast and
            // sendrecv share a factor of 1, and a guess would fit the wrong algorithm's latency.
            // All-gather and reduce-scatter move the same bytes in the same ring steps: either fits alike.
            let fitting = Collective.allCases.filter { abs(ratio / $0.busFactor(ranks: n) - 1) <= Self.busFactorTolerance }
            let alike: Set<Collective> = [.allGather, .reduceScatter]
            guard fitting.count == 1 || (!fitting.isEmpty && fitting.allSatisfy(alike.contains)) else {
                throw fail(nil, "the file name does not say which collective ran, and busbw / algbw (\(Self.number(ratio)) on \(n) GPUs) "
                           + (fitting.isEmpty ? "fits none of " : "fits each of ")
                           + (fitting.isEmpty ? Collective.allCases : fitting).map(\.rawValue).joined(separator: ", ")
                           + "; name it with --collective")
            }
            return fitting[0]
        }()
        return NCCLTestsLog(file: file, collective: collective, ranks: n, rows: rows, averageBusGBPerSecond: average,
                            hosts: hostNames.isEmpty ? nil : hostNames.count)
    }

    /// How far busbw / algbw may stray from the collective's bus factor: both columns
    /// are printed with two decimals, so a ratio off by more than 10% is another
    /// collective (at 4 GPUs or more the factors differ by 33% or more; at 2, all-reduce,
    /// broadcast and sendrecv share a factor of 1 and are not told apart).
    static let busFactorTolerance = 0.1

    /// `text` without the white space around it (Foundation's trimming costs
    /// microseconds a line, which adds up over a log of a hundred thousand rows).
    static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
              let last = text.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(text[first...last])
    }

    /// A number for a message: whole numbers without a fraction, others with `%g`'s six digits.
    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(format: "%g", x)
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
            throw ConfigError(file: file.singleLine, keyPath: "", line: nil, message: "an alpha-beta fit needs at least two message sizes")
        }
        let x = rows.map(\.bytes), y = rows.map { $0.microseconds * 1e-6 }
        let w = y.map { 1 / max($0 * $0, 1e-30) }
        var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, chisq = 0.0
        guard gsl_fit_wlinear(x, 1, w, 1, y, 1, x.count, &c0, &c1, &cov00, &cov01, &cov11, &chisq) == GSL_SUCCESS, c1 > 0 else {
            throw ConfigError(file: file.singleLine, keyPath: "", line: nil, message: "the times do not grow with the message size; no bandwidth can be fitted")
        }
        let alpha = max(0, c0), beta = 1 / c1
        return AlphaBeta(latencySeconds: alpha, bytesPerSecond: beta, busBytesPerSecond: beta * collective.busFactor(ranks: ranks),
                         relativeErrors: zip(x, y).map { (alpha + $0 / beta - $1) / $1 })
    }
}
