import Foundation
import Testing
@testable import Calibration

@Suite struct WorkerThreadTests {
    final class Log: @unchecked Sendable {
        private var entries: [Int] = []
        private var threads = Set<ObjectIdentifier>()
        private let lock = NSLock()
        func add(_ i: Int) {
            lock.lock()
            entries.append(i)
            threads.insert(ObjectIdentifier(Thread.current))
            lock.unlock()
        }
        var values: (entries: [Int], threadCount: Int) { lock.lock(); defer { lock.unlock() }; return (entries, threads.count) }
        func ranOn(_ thread: Thread) -> Bool { lock.lock(); defer { lock.unlock() }; return threads.contains(ObjectIdentifier(thread)) }
    }

    /// Blocks run one at a time, in the order given, on one thread that is not the
    /// caller's; `sync` returns after its block and every block before it ran, and
    /// `stop` after the thread finished what it was given.
    @Test func runsBlocksInOrderOnOneThread() {
        let worker = WorkerThread(name: "test.worker")
        let log = Log()
        for i in 0..<200 { worker.async { log.add(i) } }
        worker.sync {}
        #expect(log.values.entries == Array(0..<200))
        #expect(log.values.threadCount == 1 && !log.ranOn(Thread.current))
        for i in 200..<300 { worker.async { log.add(i) } }
        worker.stop()
        #expect(log.values.entries == Array(0..<300))
        worker.stop()   // a second stop returns at once
    }

    /// The thread lowers its own priority, so that the paced links' thread wins a
    /// core when it wakes (where threads have nice values of their own).
    @Test func runsBelowItsCreatorsPriority() throws {
        let mine = try #require(WorkerThread.currentNiceness(), "no per-thread nice values here")
        let worker = WorkerThread(name: "test.worker")
        let seen = Log()
        worker.sync { seen.add(Int(WorkerThread.currentNiceness() ?? -100)) }
        worker.stop()
        // At the largest nice value (19) there is no lower priority to take.
        #expect(seen.values.entries == [Int(min(19, mine + WorkerThread.nicenessIncrease))])
        #expect(WorkerThread.currentNiceness() == mine, "the caller's own priority changed")
    }
}
