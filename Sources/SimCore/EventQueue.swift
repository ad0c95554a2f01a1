import HeapModule

/// A queue of actions ordered by (time, insertion sequence).
///
/// swift-collections' `Heap` is not stable among equal elements, so every entry
/// carries a sequence number that the queue assigns: two events at one instant
/// run in the order they were scheduled (ns-3's `(ts, uid)`, SimPy's `eid`).
///
/// The heap holds only keys; each key names the slot of `actions` that holds its
/// closure. Slots freed by `pop` are reused (a free list), so pushing and popping
/// hash nothing and the array grows only to the most events ever pending at once.
public struct EventQueue {
    struct Key: Comparable {
        var time: SimTime
        var sequence: UInt64  // assigned by the queue, never by callers
        var slot: Int         // where the action waits in `actions`
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
        heap.insert(Key(time: time, sequence: nextSequence, slot: slot))
        nextSequence += 1
    }

    /// Removes and returns the earliest event.
    /// - Complexity: O(log n).
    public mutating func pop() -> (time: SimTime, action: () -> Void)? {
        guard let key = heap.popMin() else { return nil }
        let action = actions[key.slot]!
        actions[key.slot] = nil
        freeSlots.append(key.slot)
        return (key.time, action)
    }
}
