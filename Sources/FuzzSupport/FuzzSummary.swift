import Foundation

/// The counts of a run, per verdict and per family, and the distinct failures
/// (grouped by a signature of the message) that the report lists.
public struct FuzzSummary: Sendable {
    public private(set) var counts: [FuzzFamily: [Verdict: Int]] = [:]
    /// Failure signature -> (verdict, family, count, an example case index and command line).
    public private(set) var signatures: [String: (verdict: Verdict, family: FuzzFamily, count: Int, example: Int, command: String)] = [:]
    public private(set) var total = 0
    public private(set) var seconds = 0.0

    public init() {}

    public mutating func add(_ fuzzCase: FuzzCase, _ outcome: CaseExecutor.Outcome) {
        counts[fuzzCase.family, default: [:]][outcome.verdict, default: 0] += 1
        total += 1
        seconds += outcome.result.seconds
        guard outcome.verdict.isFailure else { return }
        let key = "\(outcome.verdict.rawValue) \(fuzzCase.family.rawValue) \(fuzzCase.command): \(Self.signature(outcome))"
        if let old = signatures[key] {
            signatures[key] = (old.verdict, old.family, old.count + 1, min(old.example, fuzzCase.index), old.command)
        } else {
            signatures[key] = (outcome.verdict, fuzzCase.family, 1, fuzzCase.index, fuzzCase.shellLine)
        }
    }

    public var failures: Int { counts.values.reduce(0) { $0 + $1.filter { $0.key.isFailure }.values.reduce(0, +) } }

    public func count(_ verdict: Verdict) -> Int { counts.values.reduce(0) { $0 + ($1[verdict] ?? 0) } }

    /// A short, input-independent description of a failure: for a crash, the Swift
    /// runtime's reason and the first frame in a source file (`File.swift:LINE`);
    /// otherwise the message's first line with quoted values, numbers and paths elided.
    public static func signature(_ outcome: CaseExecutor.Outcome) -> String {
        let lines = outcome.result.stderr.split(separator: "\n").map(String.init)
        switch outcome.verdict {
        case .hang: return "timed out"
        case .injection: return "PWNED created"
        default: break
        }
        let reasons = ["Swift runtime failure:", "Fatal error:", "fatal error:", "Program crashed:"]
        if let reason = lines.lazy.compactMap({ line in reasons.lazy.compactMap { line.range(of: $0) }.first.map { String(line[$0.lowerBound...]) } }).first {
            var text = reason.replacingOccurrences(of: "*", with: "").trimmingCharacters(in: .whitespaces)
            text = text.replacingOccurrences(of: #" at 0x[0-9a-f]+"#, with: "", options: .regularExpression)
            if let frame = lines.first(where: { $0.range(of: #"\.swift:[0-9]+"#, options: .regularExpression) != nil }),
               let file = frame.range(of: #"[A-Za-z0-9_+]+\.swift:[0-9]+"#, options: .regularExpression) {
                text += " @ " + frame[file]
            }
            return String(text.prefix(200))
        }
        let first = lines.first ?? "(no message)"
        var text = first.replacingOccurrences(of: #"'[^']*'"#, with: "'…'", options: .regularExpression)
        text = text.replacingOccurrences(of: #"-?[0-9][0-9.e+\-]*"#, with: "N", options: .regularExpression)
        text = text.replacingOccurrences(of: #"^error: [^:]*:"#, with: "error: FILE:", options: .regularExpression)
        text = text.replacingOccurrences(of: #"/[^ :]*/"#, with: "…/", options: .regularExpression)
        return String(text.prefix(160))
    }

    /// The table of counts: a row per family, a column per verdict seen, and totals.
    public func table() -> String {
        let verdicts = Verdict.allCases.filter { count($0) > 0 || $0 == .ok }
        var rows = [["family"] + verdicts.map(\.rawValue) + ["total"]]
        for family in counts.keys.sorted() {
            let c = counts[family]!
            rows.append([family.rawValue] + verdicts.map { String(c[$0] ?? 0) } + [String(c.values.reduce(0, +))])
        }
        rows.append(["all"] + verdicts.map { String(count($0)) } + [String(total)])
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max()! }
        return rows.map { row in
            row.enumerated().map { i, cell in i == 0 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[i] - cell.count) + cell }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// The distinct failures: the worst verdicts first (traps before hangs before
    /// messages), the most frequent first within a verdict.
    public func signatureList(limit: Int = 60) -> String {
        let sorted = signatures.sorted {
            if $0.value.verdict != $1.value.verdict { return $0.value.verdict < $1.value.verdict }
            return $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key
        }
        return sorted.prefix(limit).map { key, value in
            "\(String(value.count).leftPadded(5))  \(key)\n       e.g. case \(value.example): \(value.command.prefix(300))"
        }.joined(separator: "\n") + (sorted.count > limit ? "\n  ... and \(sorted.count - limit) more signatures\n" : "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(width - count, 0)) + self }
}
