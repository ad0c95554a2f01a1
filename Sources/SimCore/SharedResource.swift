/// A server that runs all its jobs at once and shares its speed equally among them
/// (egalitarian processor sharing): with n jobs, each does 1/n nanosecond of its work
/// per nanosecond. A job alone ends `duration` after it starts, as on a `SerialResource`;
/// two equal jobs submitted together both end after twice their duration. It stands for
/// a resource whose capacity concurrent users share fairly, as transfers share a
/// bottleneck link max-min fairly (`FlowNetwork`), where each job is priced as its time
/// alone.
///
/// Jobs are task indices with their work at full speed, as on `SerialResource`; the
/// resource schedules its `completion` event (its generation in `stamp`) for the next
/// job due, and the run's handler passes the event back to `complete(_:finished:)`.
public final class SharedResource {
    public let name: String
    private let simulator: Simulator
    private let completion: Event
    /// Jobs under way: (task, work left in nanoseconds at full speed), in submission order.
    private var jobs: [(task: Int, remaining: Double)] = []
    /// When `jobs`' work left was last brought up to date.
    private var since: SimTime = .zero
    /// Tells a completion event scheduled before the last arrival or departure to do nothing.
    private var generation: UInt64 = 0
    /// Work left below which a job counts as done: the rounding of event times up to the
    /// nanosecond leaves each job at most a nanosecond's share over or under.
    private static let doneBelow = 0.5

    /// A resource whose next job due ends with `completion` (its `stamp` replaced by the
    /// resource's generation), for the run's handler to pass to `complete`.
    public init(name: String, simulator: Simulator, completion: Event) {
        self.name = name
        self.simulator = simulator
        self.completion = completion
    }

    /// Jobs under way.
    public var count: Int { jobs.count }

    /// Starts task `task`'s job of `duration` of work at full speed, now.
    public func submit(task: Int, duration: SimDuration) {
        advance()
        jobs.append((task, Double(duration.nanoseconds)))
        scheduleCompletion()
    }

    /// The completion event this resource scheduled is due; a superseded one (an older
    /// `stamp`) does nothing.
    /// - Parameter finished: called with each task whose job ends now, in submission order.
    public func complete(_ event: Event, finished: (Int) -> Void) {
        guard event.stamp == generation else { return }
        advance()
        var ended: [Int] = []
        jobs.removeAll { job in
            guard job.remaining < Self.doneBelow else { return false }
            ended.append(job.task)
            return true
        }
        scheduleCompletion()
        for task in ended { finished(task) }
    }

    /// Charges every job its share of the time since `since`.
    private func advance() {
        let elapsed = Double((simulator.now - since).nanoseconds)
        if !jobs.isEmpty && elapsed > 0 {
            let share = elapsed / Double(jobs.count)
            for i in jobs.indices { jobs[i].remaining -= share }
        }
        since = simulator.now
    }

    /// Schedules the end of the job with the least work left, superseding any earlier event.
    private func scheduleCompletion() {
        generation &+= 1
        guard let least = jobs.map(\.remaining).min() else { return }
        var event = completion
        event.stamp = generation
        simulator.schedule(event, after: SimDuration(nanoseconds: Int64((max(0, least) * Double(jobs.count)).rounded(.up))))
    }
}
