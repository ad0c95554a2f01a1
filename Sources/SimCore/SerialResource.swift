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
public final class SerialResource {
    public let name: String
    private let simulator: Simulator
    private var waiting = Deque<(duration: SimDuration, started: (SimTime) -> Void, finished: (SimTime) -> Void)>()
    /// From a job's start until the next one starts (so that a job submitted by a
    /// completion callback queues behind those already waiting).
    private var busy = false
    /// The running job's completion callback and work left, nanoseconds at full speed.
    private var running: (finished: (SimTime) -> Void, remaining: Double)?
    /// When `running.remaining` was last brought up to date.
    private var since: SimTime = .zero
    /// Tells a completion event scheduled before the last change of rate to do nothing.
    private var generation: UInt64 = 0
    /// Total work of the jobs started so far, at full speed.
    public private(set) var busyTime: SimDuration = .zero
    /// The current speed, a fraction of full speed in (0, 1].
    public private(set) var rate: Double = 1

    public init(name: String, simulator: Simulator) {
        self.name = name
        self.simulator = simulator
    }

    /// Queues a job of `duration` of work at full speed.
    /// - Parameters:
    ///   - started: called with the instant the job begins.
    ///   - finished: called with the instant it ends.
    public func submit(duration: SimDuration,
                       started: @escaping (SimTime) -> Void = { _ in },
                       finished: @escaping (SimTime) -> Void) {
        waiting.append((duration, started, finished))
        if !busy { startNext() }
    }

    public var queueLength: Int { waiting.count }

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

    private func startNext() {
        guard let job = waiting.popFirst() else { busy = false; return }
        busy = true
        running = (job.finished, Double(job.duration.nanoseconds))
        since = simulator.now
        busyTime += job.duration
        job.started(simulator.now)
        scheduleCompletion()
    }

    /// Schedules the running job's end at the current rate, superseding any earlier one.
    private func scheduleCompletion() {
        generation &+= 1
        let mine = generation
        let left = (running!.remaining / rate).rounded(.up)
        simulator.schedule(after: SimDuration(nanoseconds: Int64(left))) { [unowned self] in
            guard mine == self.generation, let job = self.running else { return }
            self.running = nil
            job.finished(self.simulator.now)
            self.startNext()
        }
    }
}
