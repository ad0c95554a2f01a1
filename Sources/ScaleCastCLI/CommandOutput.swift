/// What a command prints and how it exits; the executable writes it out, tests
/// read it directly.
public struct CommandOutput: Sendable, Equatable {
    public var stdout: String
    public var stderr: String
    /// 0 success; 1 a problem the user asked about; 2 bad input (docs/json.md, docs/limits.md).
    public var exitCode: Int32

    public init(stdout: String = "", stderr: String = "", exitCode: Int32 = 0) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
    }
}

/// A subcommand that produces its output instead of printing it.
protocol OutputProducing {
    func produce() throws -> CommandOutput
}
