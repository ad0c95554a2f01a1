/// A pending event as a value, never a closure: what happens, to which resource,
/// for which task.
///
/// The simulator only orders events; the `EventHandler` passed to `Simulator.run`
/// gives them meaning, in one `switch` over `kind` (a graph run's dispatcher, for
/// instance). Scheduling one copies 24 bytes into the queue: no allocation and no
/// reference counting, unlike a closure, whose context is allocated per event.
public struct Event: Equatable, Sendable {
    /// What happens, in the handler's own numbering (its `enum`'s raw value).
    public var kind: UInt8
    /// Which resource, link or stream it concerns, as the handler numbers them; −1 for none.
    public var target: Int32
    /// Which task (or flow) it concerns, as the handler numbers them; −1 for none.
    public var task: Int
    /// A resource's generation when it scheduled the event: a resource ignores an
    /// event it has since superseded (a completion rescheduled by a change of rate).
    public var stamp: UInt64

    public init(kind: UInt8, target: Int32 = -1, task: Int = -1, stamp: UInt64 = 0) {
        self.kind = kind
        self.target = target
        self.task = task
        self.stamp = stamp
    }
}

/// Gives `Event`s their meaning during `Simulator.run(handler:)`.
///
/// The simulator keeps no reference to a handler once `run` returns, so a handler
/// that owns the simulator (a graph run) makes no reference cycle.
public protocol EventHandler: AnyObject {
    /// Does what `event` says, at the simulator's `now`.
    func handle(_ event: Event)
}
