import Testing
@testable import SimCore

@Suite struct EngineTests {
    /// The queue reuses the slots of popped actions: actions pushed into reused slots
    /// still run in (time, insertion) order, each exactly once.
    @Test func reusedSlotsKeepTheOrderAndRunEachActionOnce() {
        var queue = EventQueue()
        var ran: [Int] = []
        for i in 0..<3 { queue.push(at: SimTime(nanoseconds: 10)) { ran.append(i) } }
        func run(_ pending: EventQueue.Pending) { if case .closure(let action) = pending { action() } }
        run(queue.pop()!.pending)                 // frees a slot
        queue.push(at: SimTime(nanoseconds: 10)) { ran.append(3) }   // reuses it, runs after 1 and 2
        queue.push(at: SimTime(nanoseconds: 5)) { ran.append(4) }    // a new slot, runs first
        while let (_, pending) = queue.pop() { run(pending) }
        #expect(ran == [0, 4, 1, 2, 3])
        #expect(queue.isEmpty && queue.pop() == nil)
    }

    /// Shaped like NIO's testScheduledTasksInOrder: two events at one instant and
    /// one earlier; they run earliest first, then in insertion order.
    @Test func sameTimeEventsRunInInsertionOrder() {
        let sim = Simulator()
        var order: [String] = []
        sim.schedule(at: SimTime(nanoseconds: 10)) { order.append("first at 10") }
        sim.schedule(at: SimTime(nanoseconds: 10)) { order.append("second at 10") }
        sim.schedule(at: SimTime(nanoseconds: 5)) { order.append("at 5") }
        sim.run()
        #expect(order == ["at 5", "first at 10", "second at 10"])
        #expect(sim.now == SimTime(nanoseconds: 10))
        #expect(sim.eventsProcessed == 3)
    }

    @Test func eventsScheduledDuringARunKeepOrder() {
        let sim = Simulator()
        var order: [Int] = []
        sim.schedule(after: .zero) {
            order.append(1)
            sim.schedule(after: .zero) { order.append(3) }
        }
        sim.schedule(after: .zero) { order.append(2) }
        sim.run()
        #expect(order == [1, 2, 3])
    }

    @Test func runStopsAtTheLimit() {
        let sim = Simulator()
        var ran = 0
        for t in [1, 2, 3, 4] as [Int64] { sim.schedule(at: SimTime(nanoseconds: t)) { ran += 1 } }
        sim.run(until: SimTime(nanoseconds: 2))
        #expect(ran == 2)
        #expect(sim.pendingEvents == 2)
    }

    /// A seeded randomized check: whatever order events are scheduled in, they run
    /// sorted by (time, insertion sequence).
    @Test(arguments: 0..<20)
    func randomSchedulesRunSorted(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed))
        let sim = Simulator()
        var ran: [(time: Int64, sequence: Int)] = []
        for sequence in 0..<200 {
            let t = Int64(rng.next() % 50)
            sim.schedule(at: SimTime(nanoseconds: t)) { ran.append((sim.now.nanoseconds, sequence)) }
        }
        sim.run()
        #expect(ran.count == 200)
        for (a, b) in zip(ran, ran.dropFirst()) {
            #expect(a.time < b.time || (a.time == b.time && a.sequence < b.sequence))
        }
    }

    @Test func durationsRoundUpToTheNanosecond() {
        #expect(SimDuration(secondsRoundingUp: 1e-9).nanoseconds == 1)
        #expect(SimDuration(secondsRoundingUp: 1.5e-9).nanoseconds == 2)
        #expect(SimDuration(secondsRoundingUp: 0).nanoseconds == 0)
        #expect(SimDuration(secondsRoundingUp: 2.0).nanoseconds == 2_000_000_000)
    }

    @Test func serialResourceRunsOneJobAtATimeFirstComeFirstServed() {
        let sim = Simulator()
        let gpu = SerialResource(name: "gpu0", simulator: sim)
        var log: [(String, Int64, Int64)] = []
        var starts: [String: Int64] = [:]
        for (name, ns) in [("a", 10), ("b", 5), ("c", 1)] as [(String, Int64)] {
            gpu.submit(duration: SimDuration(nanoseconds: ns), started: { starts[name] = $0.nanoseconds },
                       finished: { log.append((name, starts[name]!, $0.nanoseconds)) })
        }
        sim.run()
        #expect(log.map(\.0) == ["a", "b", "c"])
        #expect(log.map(\.1) == [0, 10, 15])
        #expect(log.map(\.2) == [10, 15, 16])
        #expect(gpu.busyTime == SimDuration(nanoseconds: 16))
    }
}
