/// What one child process did, as the classifier needs it.
public struct RunResult: Sendable, Equatable {
    /// How the process ended.
    public enum Ending: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// Killed by the fuzzer at its time limit.
        case timedOut
    }

    public var ending: Ending
    public var stdout: String
    public var stderr: String
    public var seconds: Double
    /// Whether a `PWNED` file exists anywhere in the case's directory afterwards.
    public var pwned: Bool

    public init(ending: Ending, stdout: String = "", stderr: String = "", seconds: Double = 0, pwned: Bool = false) {
        self.ending = ending
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.pwned = pwned
    }
}
