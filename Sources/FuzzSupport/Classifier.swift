/// Sorts a run into a `Verdict` by the contract of issue 17.
public struct Classifier: Sendable {
    public init() {}

    /// Messages by which the Swift runtime, the C library or the kernel report an allocation that failed.
    public static let memoryMarkers = ["Could not allocate memory", "out of memory", "Cannot allocate memory", "bad_alloc",
                                       "failed to allocate", "memory exhausted", "mmap failed"]

    /// The verdict of `result`, a run whose inputs a located message may name as `inputNames`
    /// and whose arguments are `arguments` (a message about a flag names the flag).
    public func classify(_ result: RunResult, inputNames: [String], arguments: [String]) -> Verdict {
        if result.pwned { return .injection }
        let memory = Self.memoryMarkers.contains { result.stderr.contains($0) }
        switch result.ending {
        case .timedOut:
            return .hang
        case .signaled(let signal):
            return memory || signal == 9 ? .memory : .trap
        case .exited(let code) where code >= 128:
            return memory || code == 137 ? .memory : .trap
        case .exited(let code) where code == 0 || code == 1:
            return memory ? .memory : .ok
        case .exited(2):
            if memory { return .memory }
            return classifyMessage(result.stderr, inputNames: inputNames, arguments: arguments)
        case .exited:
            return memory ? .memory : .badExit
        }
    }

    /// The verdict of an exit 2's standard error: argument-parser's usage text passes;
    /// otherwise exactly one non-blank line that starts `error:` and names an input
    /// file, or a flag that the arguments contain.
    public func classifyMessage(_ stderr: String, inputNames: [String], arguments: [String]) -> Verdict {
        let lines = stderr.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        if isUsageText(lines) { return .ok }
        guard lines.count == 1, let line = lines.first, line.hasPrefix("error: ") else {
            return lines.count > 1 ? .multiline : .unlocated
        }
        let message = line.dropFirst("error: ".count)
        let names = inputNames.filter { !$0.isEmpty && !$0.contains("\n") && !$0.contains("\r") }
        if names.contains(where: { message.hasPrefix($0 + ":") || message.contains($0) }) { return .ok }
        // An empty file name can only be shown as such: `'': ...`.
        if inputNames.contains("") && message.hasPrefix("'':") { return .ok }
        let flags = arguments.filter { $0.hasPrefix("--") && $0.count > 2 }
        if flags.contains(where: { message.contains($0) }) { return .ok }
        // A name with a line break cannot appear in a one-line message; its escaped spelling may.
        let escaped = inputNames.filter { $0.contains("\n") || $0.contains("\r") }
            .map { $0.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r") }
        if escaped.contains(where: { message.contains($0) }) { return .ok }
        return .unlocated
    }

    /// argument-parser's own report of a bad command line: `Error: ...` and a `Usage:` line.
    func isUsageText(_ lines: [String]) -> Bool {
        guard let first = lines.first, first.hasPrefix("Error: ") || first.hasPrefix("error: ") else { return false }
        return lines.contains { $0.hasPrefix("Usage: ") || $0.contains("--help' for more information") }
    }
}
