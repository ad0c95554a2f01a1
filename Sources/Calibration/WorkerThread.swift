import DequeModule
import Foundation

/// A thread of its own for one executor worker, running the blocks given to it one
/// at a time in order, as a GPU's stream runs its kernels.
///
/// Not a `DispatchQueue`: libdispatch's thread pool on Linux holds about one
/// thread per core, so while every worker ran a long kernel on a pool thread, the
/// paced links' timers (then also on the pool) waited for a free thread. With
/// two spinning pool blocks on this 2-vCPU machine, a 524 KB transfer paced to
/// 4.2 ms arrived after 10-16 ms; beside two spinning threads of their own, in
/// 4.3-4.5 ms. Worker threads outside the pool leave it to the links.
///
/// The thread also runs at a lower priority (nice 5): a link's timer thread that
/// wakes while every core computes then takes a core at once, as a copy engine or
/// a network card works beside the GPU rather than waiting for it, instead of
/// after the running kernel's time slice. In the executor's paced hybrid runs,
/// timers fired 1-4 ms late nine times in six steps at equal priority, four times
/// with this. The workers lose nothing when nothing else runs.
final class WorkerThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var blocks = Deque<() -> Void>()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    /// The worker threads' nice value (0 is the default; higher yields more readily).
    static let niceness: Int32 = 5

    /// Starts the thread, named `name` (as debuggers and `top -H` show it).
    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.stackSize = 8 << 20   // the main thread's default on Linux
        thread.start()
    }

    /// Runs `block` on the thread after every block given before it.
    func async(_ block: @escaping () -> Void) {
        condition.lock()
        precondition(!stopping, "a block was given to a stopped worker thread")
        blocks.append(block)
        condition.signal()
        condition.unlock()
    }

    /// Runs `block` on the thread after every block given before it, and waits for it.
    func sync(_ block: @escaping () -> Void) {
        let done = DispatchSemaphore(value: 0)
        async {
            block()
            done.signal()
        }
        done.wait()
    }

    /// Lets the thread finish the blocks it was given, then end; waits until it has.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        finished.wait()
    }

    private func run() {
        // Linux keeps a nice value per thread: who = 0 is this thread alone.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
        while true {
            condition.lock()
            while blocks.isEmpty && !stopping { condition.wait() }
            guard let block = blocks.popFirst() else {
                condition.unlock()
                finished.signal()
                return
            }
            condition.unlock()
            block()
        }
    }
}
