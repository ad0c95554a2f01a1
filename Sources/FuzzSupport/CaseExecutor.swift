import Foundation

/// Runs one case from a clean directory to a verdict: writes its files, runs the
/// command, and after an import that succeeded, checks that what it wrote loads.
public struct CaseExecutor: Sendable {
    public var runner: ChildRunner
    public var classifier = Classifier()

    public init(runner: ChildRunner) { self.runner = runner }

    /// The outcome of a case: its verdict, the run that decided it, and which command that was.
    public struct Outcome: Sendable {
        public var verdict: Verdict
        public var result: RunResult
        /// The arguments of the run that decided the verdict (the follow-up's, for written-unreadable).
        public var decidingArguments: [String]
    }

    /// Commands that simulate take `--max-seconds`, scalecast's own guard against
    /// a configuration that would take long; it is set below the hang limit, so
    /// that a hang is a command that cannot stop itself (the contract: a long run
    /// ends with exit 2 and one line), not legitimate work on a large input.
    static let guardedCommands: Set = ["simulate", "explain", "trace", "chart", "report", "sweep", "plan"]

    func guarded(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, Self.guardedCommands.contains(command) else { return arguments }
        return arguments + ["--max-seconds", String(format: "%.1f", locale: nil, runner.seconds * 0.5)]
    }

    /// Runs `fuzzCase` in `directory` (emptied first); output files go to `scratch`.
    public func execute(_ fuzzCase: FuzzCase, directory: String, scratch: String) -> Outcome {
        let files = FileManager.default
        try? files.removeItem(atPath: directory)
        try? files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? files.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        for file in fuzzCase.files { Self.write(file, in: directory) }
        let arguments = guarded(fuzzCase.arguments)
        let result = runner.run(arguments, in: directory, outputDirectory: scratch)
        let verdict = classifier.classify(result, inputNames: fuzzCase.inputNames, arguments: arguments)
        guard verdict == .ok, result.ending == .exited(0), let follow = fuzzCase.followUp,
              let written = try? String(contentsOfFile: directory + "/" + follow.written, encoding: .utf8) else {
            return Outcome(verdict: verdict, result: result, decidingArguments: fuzzCase.arguments)
        }
        let link = Self.firstLinkName(in: written) ?? "none"
        for file in follow.files {
            let text = String(decoding: file.data, as: UTF8.self).replacingOccurrences(of: "@LINK@", with: link)
            Self.write(.init(name: file.name, data: Data(text.utf8)), in: directory)
        }
        let followArguments = guarded(follow.arguments)
        let second = runner.run(followArguments, in: directory, outputDirectory: scratch)
        var followVerdict = classifier.classify(second, inputNames: follow.files.map(\.name) + [follow.written], arguments: followArguments)
        if followVerdict == .ok, second.ending == .exited(2) { followVerdict = .writtenUnreadable }
        if followVerdict == .ok { return Outcome(verdict: .ok, result: result, decidingArguments: fuzzCase.arguments) }
        return Outcome(verdict: followVerdict, result: second, decidingArguments: follow.arguments)
    }

    /// Writes a case's file, creating the folders its name has.
    static func write(_ file: FuzzCase.File, in directory: String) {
        let path = directory + "/" + file.name
        let parent = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: file.data)
    }

    /// The first `name:` of a links file written by `import nccl-tests`.
    static func firstLinkName(in yaml: String) -> String? {
        guard let range = yaml.range(of: "{name: ") else { return nil }
        let rest = yaml[range.upperBound...]
        // The importer writes names as YAML double-quoted scalars of safe characters.
        return rest.prefix { $0 != "," && $0 != "}" }.trimmingCharacters(in: .whitespaces)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
}
