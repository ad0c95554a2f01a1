import Foundation

/// One input and the command that reads it. Paths are relative to the directory the
/// case runs in, so a message that names a file names it as given here, and a
/// `touch PWNED` that gets run lands where the fuzzer looks for it.
public struct FuzzCase: Sendable {
    /// A file to create before the run.
    public struct File: Sendable, Equatable {
        public var name: String
        public var data: Data
        public init(name: String, data: Data) {
            self.name = name
            self.data = data
        }
    }

    /// After an import that exits 0, a command that must load what it wrote (exit 0 or 1).
    public struct FollowUp: Sendable, Equatable {
        /// Files to create first; `@LINK@` in their text becomes the first link name in `written`.
        public var files: [File]
        public var arguments: [String]
        /// The file the import wrote.
        public var written: String
        public init(files: [File], arguments: [String], written: String) {
            self.files = files
            self.arguments = arguments
            self.written = written
        }
    }

    public var index: Int
    public var family: FuzzFamily
    /// The `scalecast` arguments, subcommand first.
    public var arguments: [String]
    public var files: [File]
    /// The names a located message may give: the inputs as the arguments spell them.
    public var inputNames: [String]
    /// What was changed, a line per mutation.
    public var notes: [String]
    public var followUp: FollowUp?

    public init(index: Int, family: FuzzFamily, arguments: [String], files: [File], inputNames: [String],
                notes: [String], followUp: FollowUp? = nil) {
        self.index = index
        self.family = family
        self.arguments = arguments
        self.files = files
        self.inputNames = inputNames
        self.notes = notes
        self.followUp = followUp
    }

    /// The subcommand, with the second word of the two-word ones (`import nccl-tests`).
    public var command: String {
        guard let first = arguments.first else { return "" }
        return ["import", "chart"].contains(first) && arguments.count > 1 ? first + " " + arguments[1] : first
    }

    /// The command as a shell line, each argument single-quoted.
    public var shellLine: String {
        (["scalecast"] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    }
}
