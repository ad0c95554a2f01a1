import DequeModule

/// A server that runs one job at a time, first come first served: a GPU's
/// compute stream, for instance. Its speed may change while a job runs (a GPU's
/// compute while a collective's thread blocks hold some of its SMs).
///
/// A job is `duration` of work at full speed (rate 1). At rate r it progresses r
/// nanoseconds of work per nanosecond, so a change of rate mid-job keeps the work
/// done so far and reprices only what is left (as a flow keeps its bytes sent when
/// its fair share changes): `end = now + ⌈remaining / r⌉`. At rate 1 throughout, a
/// job ends exactly `duration` after it starts.
///
/// ## Jobs are task indices
///
/// A job is a task index (the caller's numbering) and its duration, queued in one
/// flat `Deque`; nothing is allocated per job. A resource made with
/// `init(name:simulator:completion:)` schedules its `completion` event (with its
/// generation in `stamp`) when the running job is due; the run's `EventHandler`
/// passes that event back to `complete(_:finished:started:)`, which reports the
/// finished task and the next one started through non-escaping closures (which
/// allocate nothing). A resource made with `init(name:simulator:)` instead takes a
/// pair of callbacks per job (`submit(duration:started:finished:)`), for tests and
/// one-off callers; each job then costs its closures.
public final class SerialResource {
    public let name: String
    private let simulator: Simulator
    /// The event that ends the running job (`stamp` aside); nil: the resource
    /// schedules closures to itself and keeps its jobs' callbacks in `callbacks`.
    private let completion: Event?
    /// Jobs not started yet: (task, work at full speed), in submission order.
    private var waiting = Deque<(task: Int, duration: SimDuration)>()
    /// From a job's start until the next one starts (so that a job submitted by a
    /// completion callback queues behind those already waiting).
    private var busy = false
    /// The running job's task and work left, nanoseconds at full speed.
    private var running: (task: Int, remaining: Double)?
    /// When `running.remaining` was last brought up to date.
    private var since: SimTime = .zero
    /// Tells a completion event scheduled before the last change of rate to do nothing.
    private var generation: UInt64 = 0
    /// Total work of the jobs started so far, at full speed.
    public private(set) var busyTime: SimDuration = .zero
    /// The current speed, a fraction of full speed in (0, 1].
    public private(set) var rate: Double = 1

    /// Callback API only: each job's callbacks, by the job number that stands in for its task.
    private var callbacks: [Int: (started: (SimTime) -> Void, finished: (SimTime) -> Void)] = [:]
    private var nextJob = 0

    /// A resource whose running job ends with `completion` (its `stamp` replaced by
    /// the resource's generation), for the run's handler to pass to `complete`.
    public init(name: String, simulator: Simulator, completion: Event) {
        self.name = name
        self.simulator = simulator
        self.completion = completion
    }

    /// A resource whose jobs each carry their own callbacks (`submit(duration:started:finished:)`).
    public init(name: String, simulator: Simulator) {
        self.name = name
        self.simulator = simulator
        self.completion = nil
    }

    public var queueLength: Int { waiting.count }

    /// Queues task `task`'s job of `duration` of work at full speed.
    /// - Parameter started: called with `task` if the resource was idle and the job starts now.
    public func submit(task: Int, duration: SimDuration, started: (Int) -> Void) {
        precondition(completion != nil, "resource \(name) reports its jobs through callbacks: submit them")
        enqueue(task: task, duration: duration, started: started)
    }

    private func enqueue(task: Int, duration: SimDuration, started: (Int) -> Void) {
        waiting.append((task, duration))
        if !busy { startNext(started) }
    }

    /// The completion event this resource scheduled is due (the handler passes it
    /// back); a superseded one (an older `stamp`) does nothing.
    /// - Parameters:
    ///   - finished: called with the task whose job ended now.
    ///   - started: then called with the task whose job starts now, if one waits.
    public func complete(_ event: Event, finished: (Int) -> Void, started: (Int) -> Void) {
        complete(stamp: event.stamp, finished: finished, started: started)
    }

    private func complete(stamp: UInt64, finished: (Int) -> Void, started: (Int) -> Void) {
        guard stamp == generation, let job = running else { return }
        running = nil
        finished(job.task)
        startNext(started)
    }

    /// Queues a job of `duration` of work at full speed (a resource made with `init(name:simulator:)`).
    /// - Parameters:
    ///   - started: called with the instant the job begins.
    ///   - finished: called with the instant it ends.
    public func submit(duration: SimDuration,
                       started: @escaping (SimTime) -> Void = { _ in },
                       finished: @escaping (SimTime) -> Void) {
        precondition(completion == nil, "resource \(name) reports its jobs through events: submit a task index")
        let job = nextJob
        nextJob += 1
        callbacks[job] = (started, finished)
        enqueue(task: job, duration: duration, started: startedCallback)
    }

    private func startedCallback(_ job: Int) { callbacks[job]!.started(simulator.now) }
    private func finishedCallback(_ job: Int) { callbacks.removeValue(forKey: job)!.finished(simulator.now) }

    /// Sets the speed from now on; the running job keeps the work it has done.
    /// - Precondition: `0 < rate <= 1`.
    public func setRate(_ rate: Double) {
        precondition(rate > 0 && rate <= 1, "a rate must be in (0, 1], got \(rate)")
        guard rate != self.rate else { return }
        if var job = running {
            job.remaining = max(0, job.remaining - Double((simulator.now - since).nanoseconds) * self.rate)
            running = job
            since = simulator.now
            self.rate = rate
            scheduleCompletion()
        } else {
            self.rate = rate
        }
    }

    private func startNext(_ started: (Int) -> Void) {
        guard let job = waiting.popFirst() else { busy = false; return }
        busy = true
        running = (job.task, Double(job.duration.nanoseconds))
        since = simulator.now
        busyTime += job.duration
        started(job.task)
        scheduleCompletion()
    }

    /// Schedules the running job's end at the current rate, superseding any earlier one.
    private func scheduleCompletion() {
        generation &+= 1
        let left = SimDuration(nanoseconds: Int64((running!.remaining / rate).rounded(.up)))
        if var event = completion {
            event.stamp = generation
            simulator.schedule(event, after: left)
        } else {
            let mine = generation
            simulator.schedule(after: left) { [unowned self] in
                complete(stamp: mine, finished: finishedCallback, started: startedCallback)
            }
        }
    }
}
