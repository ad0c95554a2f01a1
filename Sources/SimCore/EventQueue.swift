import HeapModule

/// A queue of events ordered by (time, insertion sequence).
///
/// swift-collections' `Heap` is not stable among equal elements, so every entry
/// carries a sequence number that the queue assigns: two events at one instant
/// run in the order they were scheduled (ns-3's `(ts, uid)`, SimPy's `eid`),
/// whether they are `Event` values or closures.
///
/// An `Event` is stored in the heap's key itself (plain data: pushing and popping
/// it allocates nothing and counts no references). A closure waits in a slot of
/// `actions` that its key names; slots freed by `pop` are reused (a free list), so
/// the array grows only to the most closures ever pending at once.
public struct EventQueue {
    /// What a popped entry does: an `Event` for the run's handler, or a closure.
    public enum Pending {
        case event(Event)
        case closure(() -> Void)
    }

    struct Key: Comparable {
        enum Payload {
            case event(Event)
            case closure(slot: Int)   // where the action waits in `actions`
        }
        var time: SimTime
        var sequence: UInt64  // assigned by the queue, never by callers
        var payload: Payload
        static func < (a: Key, b: Key) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
        static func == (a: Key, b: Key) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    private var heap = Heap<Key>()
    private var actions: [(() -> Void)?] = []
    private var freeSlots: [Int] = []
    private var nextSequence: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }

    /// The time of the earliest pending event, if any.
    public var nextTime: SimTime? { heap.min?.time }

    /// Adds `event` to happen at `time`.
    /// - Complexity: O(log n).
    public mutating func push(at time: SimTime, _ event: Event) {
        insert(Key(time: time, sequence: nextSequence, payload: .event(event)))
    }

    /// Adds an action to run at `time`.
    /// - Complexity: O(log n).
    public mutating func push(at time: SimTime, _ action: @escaping () -> Void) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            actions[slot] = action
        } else {
            slot = actions.count
            actions.append(action)
        }
        insert(Key(time: time, sequence: nextSequence, payload: .closure(slot: slot)))
    }

    private mutating func insert(_ key: Key) {
        heap.insert(key)
        nextSequence += 1
    }

    /// Removes and returns the earliest entry.
    /// - Complexity: O(log n).
    public mutating func pop() -> (time: SimTime, pending: Pending)? {
        guard let key = heap.popMin() else { return nil }
        switch key.payload {
        case .event(let event):
            return (key.time, .event(event))
        case .closure(let slot):
            let action = actions[slot]!
            actions[slot] = nil
            freeSlots.append(slot)
            return (key.time, .closure(action))
        }
    }
}
