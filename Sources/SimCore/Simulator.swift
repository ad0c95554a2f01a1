/// The discrete-event engine: a clock and a queue of pending actions.
///
/// It knows nothing of GPUs, layers or networks (ns-3's `src/core`): resources
/// and links are built on `schedule`, never inside it.
public final class Simulator {
    /// The current simulated time; advances only as events are popped.
    public private(set) var now: SimTime = .zero
    /// How many events have run so far.
    public private(set) var eventsProcessed: Int = 0
    private var queue = EventQueue()

    public init() {}

    /// Schedules `action` to run `delay` after `now`.
    public func schedule(after delay: SimDuration, _ action: @escaping () -> Void) {
        precondition(delay >= .zero, "cannot schedule into the past")
        queue.push(at: now + delay, action)
    }

    /// Schedules `action` at the instant `time`, which must not be in the past.
    public func schedule(at time: SimTime, _ action: @escaping () -> Void) {
        precondition(time >= now, "cannot schedule into the past: \(time) < \(now)")
        queue.push(at: time, action)
    }

    /// Runs events in (time, insertion) order until the queue is empty or the next
    /// event lies after `limit`.
    /// - Returns: the time of the last event run.
    @discardableResult
    public func run(until limit: SimTime? = nil) -> SimTime {
        while let next = queue.nextTime {
            if let limit, next > limit { break }
            let (time, action) = queue.pop()!
            now = time
            eventsProcessed += 1
            action()
        }
        return now
    }

    /// Number of events still waiting.
    public var pendingEvents: Int { queue.count }
}
