import Foundation

/// Writes a failing case to `findings/VERDICT/FAMILY-INDEX/`: its input files, a
/// `command.sh` that reruns it from that folder, what it printed, and the
/// mutations that made it, so that each finding can be rerun and read alone.
public struct FindingWriter: Sendable {
    public var root: String
    /// Findings kept per verdict and family; the rest are only counted.
    public var limit: Int

    public init(root: String, limit: Int = 25) {
        self.root = root
        self.limit = limit
    }

    /// Saves `fuzzCase` if fewer than `limit` of its verdict and family are saved; returns the folder.
    @discardableResult
    public func save(_ fuzzCase: FuzzCase, _ outcome: CaseExecutor.Outcome, seed: UInt64, binary: String) -> String? {
        let group = root + "/" + outcome.verdict.rawValue
        let files = FileManager.default
        let existing = (try? files.contentsOfDirectory(atPath: group))?.filter { $0.hasPrefix(fuzzCase.family.rawValue + "-") }.count ?? 0
        guard existing < limit else { return nil }
        let folder = group + "/\(fuzzCase.family.rawValue)-\(fuzzCase.index)"
        let inputs = folder + "/input"
        try? files.createDirectory(atPath: inputs, withIntermediateDirectories: true)
        for file in fuzzCase.files { CaseExecutor.write(file, in: inputs) }
        for file in fuzzCase.followUp?.files ?? [] { CaseExecutor.write(file, in: inputs) }
        let script = """
            #!/bin/sh
            # \(outcome.verdict.rawValue): case \(fuzzCase.index) of seed \(seed) (\(fuzzCase.family.rawValue)); run from this folder.
            cd "$(dirname "$0")/input" && ulimit -v 4194304 && exec timeout 20 \(fuzzCase.shellLine.replacingOccurrences(of: "'scalecast'", with: "'\(binary)'"))

            """
        _ = files.createFile(atPath: folder + "/command.sh", contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
        let report = """
            verdict: \(outcome.verdict.rawValue)
            ending: \(outcome.result.ending)
            seconds: \(String(format: "%.2f", outcome.result.seconds))
            deciding command: \(outcome.decidingArguments)
            mutations:
            \(fuzzCase.notes.map { "  " + $0 }.joined(separator: "\n"))
            --- stderr (first 4000 characters)
            \(outcome.result.stderr.prefix(4000))
            --- stdout (first 2000 characters)
            \(outcome.result.stdout.prefix(2000))

            """
        _ = files.createFile(atPath: folder + "/finding.txt", contents: Data(report.utf8))
        return folder
    }
}
