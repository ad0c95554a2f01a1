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
    @Test(arguments: [0, 2e-3]) func runsBlocksInOrderOnOneThread(pollSeconds: Double) {
        let worker = WorkerThread(name: "test.worker", pollSeconds: pollSeconds)
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

    /// An idle thread polls for its polling time, then sleeps: over 600 ms idle, a
    /// thread polling 30 ms spends some CPU time but far less than 600 ms, and one
    /// that does not poll spends next to none. (Upper bounds hold however busy the
    /// machine; the lower one asks for a thirtieth of the polling time, which a
    /// thread at nice 5 gets on a busy machine.)
    @Test func pollsThenSleepsWhenIdle() {
        func idleCPUSeconds(pollSeconds: Double) -> Double {
            let worker = WorkerThread(name: "test.worker", pollSeconds: pollSeconds)
            defer { worker.stop() }
            let before = Log(), after = Log()
            worker.sync { before.add(Int(Self.threadCPUSeconds() * 1e6)) }
            Thread.sleep(forTimeInterval: 0.6)
            worker.sync { after.add(Int(Self.threadCPUSeconds() * 1e6)) }
            return Double(after.values.entries[0] - before.values.entries[0]) / 1e6
        }
        let polling = idleCPUSeconds(pollSeconds: 30e-3)
        #expect(polling > 1e-3 && polling < 0.2, "CPU time while idle: \(polling) s")
        #expect(idleCPUSeconds(pollSeconds: 0) < 1e-3)
    }

    /// CPU time the calling thread has used, in seconds.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
