import Dispatch
import Foundation
import Parallelism

/// One execution of a graph: worker threads, dependency counters and task times.
///
/// Transfers behave as a GPU's copy engine does, beside the compute stream rather
/// than in it:
/// - The sender copies the payload out as soon as the task that made it ends, on
///   the same thread (a copy enqueued right after the kernel), not behind whatever
///   compute its thread took up meanwhile.
/// - Delivery puts the payload in the receiver's mailbox and completes the transfer
///   at once; the receiver's thread writes it into its memory at the start of its
///   next task (`drain`), not after the task it is running. Every task that reads
///   the data depends on the transfer, so it drains before it reads.
final class Run: @unchecked Sendable {
    let executor: Executor
    let tasks: [TaskGraph.Task]
    let dependents: [[Int]]
    /// One thread per worker (`WorkerThread`).
    let threads: [WorkerThread]
    /// Deliveries not yet written into each worker's memory.
    let mailboxes: [Mailbox]
    /// The paced links, if any: a lane per ordered pair (sender × workers + receiver).
    let links: PacedLinks?
    let waiting: Counter
    let times: TaskTimes
    let group = DispatchGroup()
    let clock = ContinuousClock()
    let began: ContinuousClock.Instant

    /// How long an idle worker polls before it sleeps, when every worker has a
    /// core of its own (`WorkerThread`).
    static let idlePollSeconds = 2e-3

    init(executor: Executor, tasks: [TaskGraph.Task], workers: Int) {
        self.executor = executor
        self.tasks = tasks
        // A transfer waits for its sender's previous send's last byte (`afterLastByteOf`): a
        // copy on a thread has no last byte apart from its end, so it waits for the end.
        var dependents = [[Int]](repeating: [], count: tasks.count)
        for task in tasks { for d in task.dependencies + task.afterLastByteOf { dependents[d].append(task.id) } }
        self.dependents = dependents
        let poll = workers <= ProcessInfo.processInfo.activeProcessorCount ? Self.idlePollSeconds : 0
        threads = (0..<workers).map { WorkerThread(name: "scalecast.worker\($0)", pollSeconds: poll) }
        mailboxes = (0..<workers).map { _ in Mailbox() }
        links = executor.options.pacedLink.map { PacedLinks(lanes: workers * workers, link: $0) }
        waiting = Counter(tasks.map { $0.dependencies.count + $0.afterLastByteOf.count })
        times = TaskTimes(count: tasks.count)
        began = clock.now
    }

    /// Starts the tasks without dependencies, waits until every task has run,
    /// writes what is still in the mailboxes and ends the worker threads.
    func start() {
        for task in tasks where task.dependencies.isEmpty && task.afterLastByteOf.isEmpty { launch(task.id, on: nil) }
        group.wait()
        for (w, thread) in threads.enumerated() {
            thread.sync { self.drain(w) }
            thread.stop()
        }
        links?.stop()
    }

    /// Seconds since the run began.
    var now: Double { Executor.seconds(clock.now - began) }

    /// Writes the deliveries waiting for worker `w`, in arrival order (on its thread).
    private func drain(_ w: Int) {
        for (task, payload) in mailboxes[w].takeAll() { executor.apply(task, payload, to: w) }
    }

    /// - Parameter worker: the worker whose thread this runs on, if any.
    private func finish(_ id: Int, on worker: Int?) {
        times.setEnd(id, now)
        for next in dependents[id] where waiting.decrement(next) == 0 { launch(next, on: worker) }
        group.leave()
    }

    /// - Parameter worker: the worker whose thread this runs on, if any.
    private func launch(_ id: Int, on worker: Int?) {
        group.enter()
        let task = tasks[id]
        if case .transfer(let bytes, let destination) = task.work {
            let send: @Sendable () -> Void = {
                self.times.setStart(id, self.now)
                let payload = self.executor.snapshot(task, from: task.device)
                let deliver: @Sendable () -> Void = {
                    self.mailboxes[destination].post(task, payload)
                    self.finish(id, on: nil)
                }
                if let links = self.links {
                    links.carry(bytes: bytes, lane: task.device * self.threads.count + destination, then: deliver)
                } else {
                    deliver()
                }
            }
            if worker == task.device {
                drain(task.device)
                send()
            } else {
                threads[task.device].async {
                    self.drain(task.device)
                    send()
                }
            }
        } else {
            threads[task.device].async {
                self.drain(task.device)
                self.times.setStart(id, self.now)
                let scratch = self.executor.states[task.device].convolutionScratch
                let productBefore = scratch.productSeconds
                self.executor.compute(task)
                self.times.setProduct(id, scratch.productSeconds - productBefore)
                self.finish(id, on: task.device)
            }
        }
    }
}

/// Deliveries to one worker that its thread has not written yet.
final class Mailbox: @unchecked Sendable {
    private var pending: [(TaskGraph.Task, [Float])] = []
    private let lock = NSLock()
    func post(_ task: TaskGraph.Task, _ payload: [Float]) { lock.lock(); pending.append((task, payload)); lock.unlock() }
    func takeAll() -> [(TaskGraph.Task, [Float])] {
        lock.lock(); defer { lock.unlock() }
        let all = pending
        pending = []
        return all
    }
}

/// Dependency counters shared by the worker threads.
final class Counter: @unchecked Sendable {
    private var values: [Int]
    private let lock = NSLock()
    init(_ values: [Int]) { self.values = values }
    func decrement(_ i: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        values[i] -= 1
        return values[i]
    }
}

/// When each task began and ended, in seconds since the run began, and how long
/// each compute task spent in its convolutions' SGEMM calls.
final class TaskTimes: @unchecked Sendable {
    private var starts: [Double], ends: [Double], products: [Double]
    private let lock = NSLock()
    init(count: Int) { (starts, ends, products) = (Array(repeating: 0, count: count), Array(repeating: 0, count: count), Array(repeating: 0, count: count)) }
    func setStart(_ i: Int, _ t: Double) { lock.lock(); starts[i] = t; lock.unlock() }
    func setEnd(_ i: Int, _ t: Double) { lock.lock(); ends[i] = t; lock.unlock() }
    func setProduct(_ i: Int, _ seconds: Double) { lock.lock(); products[i] = seconds; lock.unlock() }
    var values: (starts: [Double], ends: [Double], products: [Double]) { lock.lock(); defer { lock.unlock() }; return (starts, ends, products) }
}
