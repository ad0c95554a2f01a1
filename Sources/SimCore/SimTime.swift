/// A point in simulated time, in integer nanoseconds since the run began.
///
/// Instants and intervals are different types (as NIO's `NIODeadline` and
/// `TimeAmount`): an instant plus a duration is an instant, two instants differ
/// by a duration, and two instants cannot be added.
public struct SimTime: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the start of the simulation.
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The start of every simulation.
    public static let zero = SimTime(nanoseconds: 0)

    /// This instant in seconds, for reports only.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public static func < (a: SimTime, b: SimTime) -> Bool { a.nanoseconds < b.nanoseconds }
    public static func + (a: SimTime, d: SimDuration) -> SimTime { SimTime(nanoseconds: a.nanoseconds + d.nanoseconds) }
    public static func - (a: SimTime, b: SimTime) -> SimDuration { SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds) }
    public static func += (a: inout SimTime, d: SimDuration) { a.nanoseconds += d.nanoseconds }

    public var description: String { "t=\(nanoseconds)ns" }
}

/// A length of simulated time, in integer nanoseconds.
public struct SimDuration: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Length in nanoseconds; may be zero, never negative in a valid schedule.
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = SimDuration(nanoseconds: 0)

    /// Converts seconds to a duration, rounding up to the next whole nanosecond.
    ///
    /// This is the one rounding rule at the cost-model boundary: a task that takes
    /// any time at all takes at least 1 ns, and a sum of durations never
    /// undercounts. Non-finite or negative inputs are a programming error.
    /// - Parameter seconds: a finite, non-negative number of seconds.
    public init(secondsRoundingUp seconds: Double) {
        precondition(seconds.isFinite && seconds >= 0, "duration must be finite and >= 0, got \(seconds)")
        let ns = (seconds * 1e9).rounded(.up)
        precondition(ns < 9.2e18, "duration \(seconds) s overflows 64-bit nanoseconds")
        self.nanoseconds = Int64(ns)
    }

    public static func microseconds(_ us: Double) -> SimDuration { SimDuration(secondsRoundingUp: us * 1e-6) }

    /// This duration in seconds, for reports only.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    public static func < (a: SimDuration, b: SimDuration) -> Bool { a.nanoseconds < b.nanoseconds }
    public static func + (a: SimDuration, b: SimDuration) -> SimDuration { SimDuration(nanoseconds: a.nanoseconds + b.nanoseconds) }
    public static func - (a: SimDuration, b: SimDuration) -> SimDuration { SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds) }
    public static func += (a: inout SimDuration, b: SimDuration) { a.nanoseconds += b.nanoseconds }
    public static func * (a: SimDuration, k: Int64) -> SimDuration { SimDuration(nanoseconds: a.nanoseconds * k) }

    public var description: String { "\(nanoseconds)ns" }
}
