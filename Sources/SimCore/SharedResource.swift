/// A server that runs all its jobs at once and shares its speed equally among them
/// (egalitarian processor sharing): with n jobs, each does 1/n nanosecond of its work
/// per nanosecond. A job alone ends `duration` after it starts, as on a `SerialResource`;
/// two equal jobs submitted together both end after twice their duration. It stands for
/// a resource whose capacity concurrent users share fairly, as transfers share a
/// bottleneck link max-min fairly (`FlowNetwork`), where each job is priced as its time
/// alone.
///
/// A job may also be capped: held by a bottleneck of its own to a fraction of the
/// resource's speed, as a flow is by another link of its route. Speeds are then shared
/// max-min fairly (water-filling: each job gets the least of its cap and an equal share of
/// what the jobs capped lower leave), which is equal sharing when no cap binds; a capped
/// job alone ends after its work divided by its cap.
///
/// Jobs are task indices with their work at full speed, as on `SerialResource`; the
/// resource schedules its `completion` event (its generation in `stamp`) for the next
/// job due, and the run's handler passes the event back to `complete(_:finished:)`.
public final class SharedResource {
    public let name: String
    private let simulator: Simulator
    private let completion: Event
    /// Jobs under way: (task, work left in nanoseconds at full speed, the most of the
    /// resource's speed it can use), in submission order.
    private var jobs: [(task: Int, remaining: Double, cap: Double)] = []
    /// Jobs under way whose cap is below 1 (none: every job runs at 1/n, as computed
    /// before caps existed, to the bit).
    private var capped = 0
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

    /// Starts task `task`'s job of `duration` of work at full speed, now, running at most
    /// at `cap` of the resource's speed (in (0, 1]: alone it ends `duration / cap` later).
    public func submit(task: Int, duration: SimDuration, cap: Double = 1) {
        precondition(cap > 0 && cap <= 1, "a job's cap is a fraction of the resource's speed in (0, 1]")
        advance()
        jobs.append((task, Double(duration.nanoseconds), cap))
        if cap < 1 { capped += 1 }
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
            if job.cap < 1 { capped -= 1 }
            return true
        }
        scheduleCompletion()
        for task in ended { finished(task) }
    }

    /// Charges every job its share of the time since `since`.
    private func advance() {
        let elapsed = Double((simulator.now - since).nanoseconds)
        if !jobs.isEmpty && elapsed > 0 {
            if capped == 0 {
                let share = elapsed / Double(jobs.count)
                for i in jobs.indices { jobs[i].remaining -= share }
            } else {
                let speeds = speeds()
                for i in jobs.indices { jobs[i].remaining -= elapsed * speeds[i] }
            }
        }
        since = simulator.now
    }

    /// Each job's share of the resource's speed, max-min fair under the jobs' caps
    /// (water-filling): in increasing order of cap, each job gets the least of its cap and
    /// an equal share of the speed the jobs before it left.
    private func speeds() -> [Double] {
        var speeds = [Double](repeating: 0, count: jobs.count)
        var left = 1.0, unserved = jobs.count
        for i in jobs.indices.sorted(by: { (jobs[$0].cap, $0) < (jobs[$1].cap, $1) }) {
            speeds[i] = min(jobs[i].cap, left / Double(unserved))
            left -= speeds[i]
            unserved -= 1
        }
        return speeds
    }

    /// Schedules the end of the job due first, superseding any earlier event.
    private func scheduleCompletion() {
        generation &+= 1
        guard !jobs.isEmpty else { return }
        let due: Double
        if capped == 0 {
            due = max(0, jobs.map(\.remaining).min()!) * Double(jobs.count)
        } else {
            let speeds = speeds()
            due = jobs.indices.map { max(0, jobs[$0].remaining) / speeds[$0] }.min()!
        }
        var event = completion
        event.stamp = generation
        simulator.schedule(event, after: SimDuration(nanoseconds: Int64(due.rounded(.up))))
    }
}
