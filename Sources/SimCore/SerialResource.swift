import DequeModule

/// A server that runs one job at a time, first come first served: a GPU's
/// compute stream, for instance.
public final class SerialResource {
    public let name: String
    private let simulator: Simulator
    private var waiting = Deque<(duration: SimDuration, started: (SimTime) -> Void, finished: (SimTime) -> Void)>()
    private var busy = false
    /// Total time this resource has spent running jobs.
    public private(set) var busyTime: SimDuration = .zero

    public init(name: String, simulator: Simulator) {
        self.name = name
        self.simulator = simulator
    }

    /// Queues a job that occupies the resource for `duration`.
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

    private func startNext() {
        guard let job = waiting.popFirst() else { busy = false; return }
        busy = true
        let start = simulator.now
        job.started(start)
        busyTime += job.duration
        simulator.schedule(after: job.duration) { [unowned self] in
            job.finished(self.simulator.now)
            self.startNext()
        }
    }
}
