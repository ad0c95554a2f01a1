import HeapModule

/// A queue of actions ordered by (time, insertion sequence).
///
/// swift-collections' `Heap` is not stable among equal elements, so every entry
/// carries a sequence number that the queue assigns: two events at one instant
/// run in the order they were scheduled (ns-3's `(ts, uid)`, SimPy's `eid`).
public struct EventQueue {
    struct Key: Comparable {
        var time: SimTime
        var sequence: UInt64  // assigned by the queue, never by callers
        static func < (a: Key, b: Key) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
    }

    private var heap = Heap<Key>()
    private var actions: [UInt64: () -> Void] = [:]
    private var nextSequence: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }

    /// The time of the earliest pending event, if any.
    public var nextTime: SimTime? { heap.min?.time }

    /// Adds an action to run at `time`.
    /// - Complexity: O(log n).
    public mutating func push(at time: SimTime, _ action: @escaping () -> Void) {
        let key = Key(time: time, sequence: nextSequence)
        nextSequence += 1
        actions[key.sequence] = action
        heap.insert(key)
    }

    /// Removes and returns the earliest event.
    /// - Complexity: O(log n).
    public mutating func pop() -> (time: SimTime, action: () -> Void)? {
        guard let key = heap.popMin() else { return nil }
        let action = actions.removeValue(forKey: key.sequence)!
        return (key.time, action)
    }
}
