import DequeModule
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A thread of its own for one executor worker, running the blocks given to it one
/// at a time in order, as a GPU's stream runs its kernels.
///
/// Not a `DispatchQueue`: libdispatch's thread pool on Linux holds about one
/// thread per core, so while every worker ran a long kernel on a pool thread,
/// other work on the pool (the paced links' timers, then) waited for a free
/// thread. BENCHMARKS.md ("third session") has the measurements.
///
/// The thread lowers its own priority by `nicenessIncrease` (on Linux, where a
/// nice value belongs to a thread): the paced links' thread (`PacedLinks`) then
/// wins a core sooner when it wakes while every worker computes, as a network
/// card works beside the GPU. In paced hybrid runs on the 2-vCPU development
/// machine, 56 and 70 of 2,700 deliveries came more than 0.5 ms late with the
/// increase, 120 and 140 without (BENCHMARKS.md). The cost: against other
/// processes at the default priority, the workers get a smaller share of a busy
/// core. Raising one's own nice value needs no privilege; if it fails anyway, the
/// thread runs at its creator's priority.
///
/// With nothing to run, the thread first polls for up to `pollSeconds` before it
/// sleeps, as a GPU stream waiting on an event polls rather than halts. A sleeping
/// thread leaves its core idle, and a virtual machine's idle core is halted: the
/// block that wakes it waited 0.2 ms on average, and up to 4 ms, after a paced
/// delivery (10 runs of hybrid (b) on the 2-vCPU machine). Polling for 2 ms cut
/// that to 0.07 ms on average and 0.4-2 ms at most, and the step's time lost to
/// waking from 4.6% to 2.1% (BENCHMARKS.md, "fourth session"). Polling only
/// pays where every worker has a core of its own: the executor passes 0 when
/// its workers outnumber the cores, where polling would take a core from a
/// worker with work. (It does not know of other processes' threads, or of other
/// runs at the same time, as in the tests: those lose at most `pollSeconds` to
/// each idle spell.) The poll reads atomics only, so that it never holds the
/// lock a thread giving it a block needs.
final class WorkerThread: @unchecked Sendable {
    /// How much the thread raises its own nice value.
    static let nicenessIncrease: Int32 = 5

    /// How long an idle thread polls before it sleeps, in seconds.
    let pollSeconds: Double

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var blocks = Deque<@Sendable () -> Void>()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    /// Blocks given and not yet taken, and whether `stop` was called: what the
    /// idle thread polls, without taking the lock a giver needs.
    private let queued = Atomic<Int>(0)
    private let stopCalled = Atomic<Bool>(false)

    /// Starts the thread, named `name` (as debuggers and `top -H` show it), polling
    /// for `pollSeconds` when idle before it sleeps.
    init(name: String, pollSeconds: Double = 0) {
        self.pollSeconds = pollSeconds
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.stackSize = 8 << 20   // the main thread's default on Linux
        thread.start()
    }

    /// Runs `block` on the thread after every block given before it.
    func async(_ block: @escaping @Sendable () -> Void) {
        condition.lock()
        precondition(!stopping, "a block was given to a stopped worker thread")
        blocks.append(block)
        queued.add(1, ordering: .releasing)
        condition.signal()
        condition.unlock()
    }

    /// Runs `block` on the thread after every block given before it, and waits for it.
    func sync(_ block: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        async {
            block()
            done.signal()
        }
        done.wait()
    }

    /// Lets the thread finish the blocks it was given, then end; waits until it
    /// has. Calling it again returns at once.
    func stop() {
        condition.lock()
        let first = !stopping
        stopping = true
        stopCalled.store(true, ordering: .releasing)
        condition.signal()
        condition.unlock()
        guard first else { return }
        finished.wait()
    }

    /// The thread's nice value now, or nil where threads have none of their own.
    static func currentNiceness() -> Int32? {
        #if canImport(Glibc)
        errno = 0
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)   // who = 0: this thread, on Linux
        return errno == 0 ? nice : nil
        #else
        return nil
        #endif
    }

    /// Returns when a block is waiting or `stop` was called, or after `pollSeconds`.
    private func pollUntilGiven() {
        guard pollSeconds > 0 else { return }
        let clock = ContinuousClock()
        let limit = clock.now + .seconds(pollSeconds)
        while queued.load(ordering: .acquiring) == 0 && !stopCalled.load(ordering: .acquiring) {
            if clock.now > limit { return }
        }
    }

    private func run() {
        #if canImport(Glibc)
        if let nice = Self.currentNiceness() {
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice + Self.nicenessIncrease)
        }
        #endif
        while true {
            pollUntilGiven()
            condition.lock()
            while blocks.isEmpty && !stopping { condition.wait() }
            guard let block = blocks.popFirst() else {
                condition.unlock()
                finished.signal()
                return
            }
            queued.subtract(1, ordering: .relaxed)
            condition.unlock()
            block()
        }
    }
}
