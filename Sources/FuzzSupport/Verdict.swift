/// How a run of `scalecast` measured against the contract of issue 17: exit 0, 1
/// or 2; on 2 one located line; never a signal, a hang, a memory blow-up, or a
/// command run from input.
public enum Verdict: String, CaseIterable, Sendable, Comparable {
    /// Within the contract.
    case ok
    /// Killed by a signal, or an exit status of 128 and above (a Swift trap is SIGILL or SIGTRAP).
    case trap
    /// Still running at the time limit.
    case hang
    /// Ran out of memory under the limit (an allocation failure, or killed for it).
    case memory
    /// Exit 2 with more than one line about the input.
    case multiline
    /// Exit 2 with a message that does not name the input file (or the flag) at fault, or no message at all.
    case unlocated
    /// A `PWNED` marker appeared: some part of the input was run as a command.
    case injection
    /// An exit status other than 0, 1, 2 below 128.
    case badExit = "bad-exit"
    /// An import exited 0 but a scenario using what it wrote was refused.
    case writtenUnreadable = "written-unreadable"

    public var isFailure: Bool { self != .ok }

    public static func < (a: Verdict, b: Verdict) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
