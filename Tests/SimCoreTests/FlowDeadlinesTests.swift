import Testing
@testable import SimCore

/// The finish-instant heap against a plain dictionary of slot -> instant.
@Suite struct FlowDeadlinesTests {
    /// Random sets (one at a time and many at once) and removals of the due slots:
    /// the heap always yields the reference's earliest instant and removes exactly the
    /// slots due by then, each once.
    @Test func matchesAReferenceUnderRandomOperations() {
        for seed in UInt64(1)...200 {
            var rng = SplitMix64(seed: seed)
            var heap = FlowDeadlines()
            var reference: [Int: Int64] = [:]
            var now: Int64 = 0
            for _ in 0..<300 {
                switch rng.next() % 3 {
                case 0:
                    let slot = Int(rng.next() % 40)
                    let at = now + Int64(rng.next() % 50)
                    heap.set(slot, at: at)
                    reference[slot] = at
                case 1:
                    let slots = Array(Set((0..<Int(rng.next() % 20)).map { _ in Int(rng.next() % 40) }))
                    var instants = [SimTime](repeating: .zero, count: 40)
                    for slot in slots {
                        instants[slot] = SimTime(nanoseconds: now + Int64(rng.next() % 50))
                        reference[slot] = instants[slot].nanoseconds
                    }
                    heap.setAll(slots, from: instants)
                default:
                    now += Int64(rng.next() % 20)
                    var due: [Int] = []
                    heap.removeDue(atOrBefore: now, into: &due)
                    let expected = reference.filter { $0.value <= now }.keys.sorted()
                    #expect(due.sorted() == expected, "seed \(seed)")
                    for slot in expected { reference[slot] = nil }
                }
                #expect(heap.count == reference.count, "seed \(seed)")
                #expect(heap.earliest == reference.values.min(), "seed \(seed)")
            }
        }
    }

    /// Due slots come out earliest first, ties to the lower slot.
    @Test func dueSlotsComeOutInInstantOrder() {
        var heap = FlowDeadlines()
        heap.set(3, at: 30)
        heap.set(1, at: 10)
        heap.set(2, at: 10)
        heap.set(0, at: 40)
        heap.set(0, at: 5)   // moved up in place
        var due: [Int] = []
        heap.removeDue(atOrBefore: 30, into: &due)
        #expect(due == [0, 1, 2, 3])
        #expect(heap.earliest == nil)
    }
}
