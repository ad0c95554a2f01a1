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
    }

    /// Blocks run one at a time, in the order given, on one thread that is not the
    /// caller's; `sync` returns after its block and every block before it ran, and
    /// `stop` after the thread finished what it was given.
    @Test func runsBlocksInOrderOnOneThread() {
        let worker = WorkerThread(name: "test.worker")
        let log = Log()
        for i in 0..<200 { worker.async { log.add(i) } }
        var ranOn: Thread?
        worker.sync { ranOn = Thread.current }
        #expect(log.values.entries == Array(0..<200))
        #expect(log.values.threadCount == 1 && ranOn != nil && ranOn !== Thread.current)
        for i in 200..<300 { worker.async { log.add(i) } }
        worker.stop()
        #expect(log.values.entries == Array(0..<300))
    }
}
