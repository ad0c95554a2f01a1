/// The active flows' finish instants, earliest first.
///
/// An indexed binary min-heap of flow slots (Sedgewick & Wayne, *Algorithms*, 4th ed.,
/// sec. 2.4, "Index priority queue"): it knows where each slot sits, so a slot's
/// instant changes in place. Inserting or moving a slot, or removing the earliest, costs
/// O(log F) for F slots held, setting many at once O(F); the earliest is read in O(1). (swift-collections'
/// `Heap` cannot move an element it holds, which this needs at every change of rate.)
///
/// Each heap entry carries its instant beside its slot, so that the sift loops compare
/// neighbouring memory; they run on buffer pointers, as the network's other hot loops do.
struct FlowDeadlines {
    struct Entry {
        /// Finish instant, in nanoseconds.
        var at: Int64
        var slot: Int
    }

    /// In heap order: `heap[0]` finishes first; ties go to the lower slot (any fixed
    /// rule keeps runs deterministic).
    private var heap: [Entry] = []
    /// By slot: its index in `heap`, or −1 when it holds none.
    private var position: [Int] = []

    /// Number of slots held.
    var count: Int { heap.count }

    /// The earliest finish instant held, in nanoseconds; nil when none is.
    var earliest: Int64? { heap.first?.at }

    /// Sets `slot`'s finish instant to `nanoseconds`, adding the slot if it is not held.
    mutating func set(_ slot: Int, at nanoseconds: Int64) {
        let index = place(slot, at: nanoseconds)
        let heapCount = heap.count
        heap.withUnsafeMutableBufferPointer { heap in
            position.withUnsafeMutableBufferPointer { position in
                let moved = Self.siftUp(index, heap, position)
                Self.siftDown(moved, count: heapCount, heap, position)
            }
        }
    }

    /// Sets each of `slots` to its instant in `instants` (indexed by slot), adding those
    /// not held, then restores the heap in one pass (Floyd's bottom-up construction,
    /// O(F)): cheaper than `set` for each when the slots are a large part of those held.
    mutating func setAll(_ slots: [Int], from instants: [SimTime]) {
        for slot in slots { place(slot, at: instants[slot].nanoseconds) }
        let heapCount = heap.count
        heap.withUnsafeMutableBufferPointer { heap in
            position.withUnsafeMutableBufferPointer { position in
                var i = heapCount / 2
                while i > 0 {
                    i -= 1
                    Self.siftDown(i, count: heapCount, heap, position)
                }
            }
        }
    }

    /// Removes and appends to `due` every slot whose instant is at or before `nanoseconds`.
    mutating func removeDue(atOrBefore nanoseconds: Int64, into due: inout [Int]) {
        while let first = heap.first, first.at <= nanoseconds {
            due.append(first.slot)
            position[first.slot] = -1
            let last = heap.removeLast()
            guard !heap.isEmpty else { return }
            heap[0] = last
            position[last.slot] = 0
            let heapCount = heap.count
            heap.withUnsafeMutableBufferPointer { heap in
                position.withUnsafeMutableBufferPointer { position in
                    Self.siftDown(0, count: heapCount, heap, position)
                }
            }
        }
    }

    /// Writes `slot`'s instant into its entry, appending one at the end if it holds
    /// none, without restoring the heap order; returns the entry's index.
    @discardableResult
    private mutating func place(_ slot: Int, at nanoseconds: Int64) -> Int {
        while position.count <= slot { position.append(-1) }
        if position[slot] < 0 {
            position[slot] = heap.count
            heap.append(Entry(at: nanoseconds, slot: slot))
        } else {
            heap[position[slot]].at = nanoseconds
        }
        return position[slot]
    }

    @inline(__always)
    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.at < b.at || (a.at == b.at && a.slot < b.slot)
    }

    /// Moves the entry at `start` up to its place; returns where it ends.
    private static func siftUp(_ start: Int, _ heap: UnsafeMutableBufferPointer<Entry>,
                               _ position: UnsafeMutableBufferPointer<Int>) -> Int {
        let entry = heap[start]
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard precedes(entry, heap[parent]) else { break }
            heap[i] = heap[parent]
            position[heap[i].slot] = i
            i = parent
        }
        heap[i] = entry
        position[entry.slot] = i
        return i
    }

    /// Moves the entry at `start` down to its place among the first `count`.
    private static func siftDown(_ start: Int, count: Int, _ heap: UnsafeMutableBufferPointer<Entry>,
                                 _ position: UnsafeMutableBufferPointer<Int>) {
        let entry = heap[start]
        var i = start
        while true {
            let left = 2 * i + 1
            guard left < count else { break }
            var child = left
            if left + 1 < count && precedes(heap[left + 1], heap[left]) { child = left + 1 }
            guard precedes(heap[child], entry) else { break }
            heap[i] = heap[child]
            position[heap[i].slot] = i
            i = child
        }
        heap[i] = entry
        position[entry.slot] = i
    }

    /// Traps unless the heap holds exactly `slots`, each at its instant in `instants` (by
    /// slot), every entry where its position says and none before its parent (tests).
    func checkInvariants(holding slots: [Int], at instants: [SimTime]) {
        precondition(heap.count == slots.count, "\(heap.count) entries for \(slots.count) slots")
        for (index, entry) in heap.enumerated() {
            precondition(position[entry.slot] == index, "slot \(entry.slot) at \(index), its position says \(position[entry.slot])")
            precondition(index == 0 || !Self.precedes(entry, heap[(index - 1) / 2]), "entry \(index) precedes its parent")
        }
        for slot in slots {
            precondition(slot < position.count && position[slot] >= 0, "slot \(slot) is not held")
            precondition(heap[position[slot]].at == instants[slot].nanoseconds, "slot \(slot)'s instant is stale")
        }
    }
}
