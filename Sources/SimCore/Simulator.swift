/// The discrete-event engine: a clock and a queue of pending events.
///
/// It knows nothing of GPUs, layers or networks (ns-3's `src/core`): resources
/// and links are built on `schedule`, never inside it. An event is either an
/// `Event` value, which the `EventHandler` given to `run` interprets (the hot path:
/// nothing allocated per event), or a closure (convenient for tests and one-off
/// callers; each allocates its context). Both kinds share one order: time, then
/// the order they were scheduled in.
public final class Simulator {
    /// The current simulated time; advances only as events are popped.
    public private(set) var now: SimTime = .zero
    /// How many events have run so far.
    public private(set) var eventsProcessed: Int = 0
    private var queue = EventQueue()

    public init() {}

    /// Schedules `event` to happen `delay` after `now`.
    public func schedule(_ event: Event, after delay: SimDuration) {
        precondition(delay >= .zero, "cannot schedule into the past")
        queue.push(at: now + delay, event)
    }

    /// Schedules `event` at the instant `time`, which must not be in the past.
    public func schedule(_ event: Event, at time: SimTime) {
        precondition(time >= now, "cannot schedule into the past: \(time) < \(now)")
        queue.push(at: time, event)
    }

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
    /// - Parameter handler: interprets the `Event` values; needed only when some are
    ///   scheduled, and not kept once this returns.
    /// - Returns: the time of the last event run.
    @discardableResult
    public func run(until limit: SimTime? = nil, handler: EventHandler? = nil) -> SimTime {
        while let next = queue.nextTime {
            if let limit, next > limit { break }
            let (time, pending) = queue.pop()!
            now = time
            eventsProcessed += 1
            switch pending {
            case .event(let event):
                guard let handler else { preconditionFailure("event \(event) at \(time) has no handler to run it") }
                handler.handle(event)
            case .closure(let action):
                action()
            }
        }
        return now
    }

    /// Number of events still waiting.
    public var pendingEvents: Int { queue.count }
}
