/// A server that runs all its jobs at once and shares its speed equally among them
/// (egalitarian processor sharing): with n jobs, each does 1/n nanosecond of its work
/// per nanosecond. A job alone ends `duration` after it starts, as on a `SerialResource`;
/// two equal jobs submitted together both end after twice their duration. It stands for
/// a resource whose capacity concurrent users share fairly, as transfers share a
/// bottleneck link max-min fairly (`FlowNetwork`), where each job is priced as its time
/// alone.
///
/// A job may also be capped: held to a fraction of the resource's speed by a bottleneck
/// of its own, as a flow is by another link of its route, so that alone it still ends
/// `duration` after it starts, having used that fraction. Jobs of one group share one such
/// bottleneck: together they use at most the largest of their caps, split equally among
/// them. Speeds are then shared max-min fairly (water-filling over the groups, a job of no
/// group its own: each group gets the least of its cap and an equal share per job of what
/// the groups capped lower leave), which is equal sharing when no cap binds.
///
/// A job may also stand for several flows alike (`flows`): it is shared as that many jobs
/// of its cap split equally among them would be, each taking a share, in one job whose
/// work ends when theirs would (a stage whose thousands of transfers cross one link).
///
/// Jobs are task indices with their time alone, as on `SerialResource`; the resource
/// schedules its `completion` event (its generation in `stamp`) for the next job due, and
/// the run's handler passes the event back to `complete(_:finished:)`.
public final class SharedResource {
    public let name: String
    private let simulator: Simulator
    private let completion: Event
    /// Jobs under way, in submission order: the task, its time left alone in nanoseconds,
    /// its cap (the most of the resource's speed it uses), its group (nil: its own) and the
    /// flows it stands for.
    private var jobs: [(task: Int, remaining: Double, cap: Double, group: Int?, flows: Int)] = []
    /// Jobs under way whose cap is below 1 or that stand for more than one flow (none: every
    /// job runs at 1/n, as computed before caps existed, to the bit).
    private var capped = 0
    /// When `jobs`' time left was last brought up to date.
    private var since: SimTime = .zero
    /// Tells a completion event scheduled before the last arrival or departure to do nothing.
    private var generation: UInt64 = 0
    /// Time left alone below which a job counts as done: the rounding of event times up to
    /// the nanosecond leaves each job at most a nanosecond's share over or under.
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

    /// Starts task `task`'s job, now: alone it ends `duration` later, using `cap` of the
    /// resource's speed (in (0, 1]) all along; jobs of one `group` share their largest cap.
    /// A job of `flows` flows (no group) shares the resource as that many jobs would, each
    /// capped at `cap / flows`.
    public func submit(task: Int, duration: SimDuration, cap: Double = 1, group: Int? = nil, flows: Int = 1) {
        precondition(cap > 0 && cap <= 1, "a job's cap is a fraction of the resource's speed in (0, 1]")
        precondition(flows >= 1 && (flows == 1 || group == nil), "a job of several flows has at least one and no group")
        advance()
        jobs.append((task, Double(duration.nanoseconds), cap, group, flows))
        if cap < 1 || flows > 1 { capped += 1 }
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
            if job.cap < 1 || job.flows > 1 { capped -= 1 }
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
                let paces = paces()
                for i in jobs.indices { jobs[i].remaining -= elapsed * paces[i] }
            }
        }
        since = simulator.now
    }

    /// Each job's pace: the nanoseconds of its time alone it does per nanosecond, its speed
    /// over its cap. Speeds are max-min fair under the caps (water-filling): the groups in
    /// increasing order of their cap per flow, each gets the least of its cap and an equal
    /// share per flow of the speed the groups before it left, split equally among its jobs'
    /// flows (none above its own cap).
    private func paces() -> [Double] {
        // The units sharing a cap, in order of their first job: a group's jobs, or one job of none.
        var units: [[Int]] = [], unitOfGroup: [Int: Int] = [:]
        for i in jobs.indices {
            if let group = jobs[i].group, let unit = unitOfGroup[group] {
                units[unit].append(i)
            } else {
                if let group = jobs[i].group { unitOfGroup[group] = units.count }
                units.append([i])
            }
        }
        let flows = units.map { unit in unit.reduce(0) { $0 + jobs[$1].flows } }
        let capPerFlow = units.indices.map { u in units[u].map { jobs[$0].cap }.max()! / Double(flows[u]) }
        var paces = [Double](repeating: 0, count: jobs.count)
        var left = 1.0, unserved = flows.reduce(0, +)
        for u in units.indices.sorted(by: { (capPerFlow[$0], $0) < (capPerFlow[$1], $1) }) {
            let speed = min(capPerFlow[u], left / Double(unserved))
            if units[u].count == 1 {
                // A job of its own: its flows' speed over their cap, exactly 1 where the cap binds
                // (speed · flows / cap may round below 1 for flows that are no power of two).
                let i = units[u][0]
                paces[i] = speed / capPerFlow[u]
                left -= speed * Double(jobs[i].flows)
            } else {
                for i in units[u] {
                    // No job runs faster than alone, even where a group's larger cap would allow it.
                    let own = min(speed, jobs[i].cap)
                    paces[i] = own / jobs[i].cap
                    left -= own
                }
            }
            unserved -= flows[u]
        }
        return paces
    }

    /// Schedules the end of the job due first, superseding any earlier event.
    private func scheduleCompletion() {
        generation &+= 1
        guard !jobs.isEmpty else { return }
        let due: Double
        if capped == 0 {
            due = max(0, jobs.map(\.remaining).min()!) * Double(jobs.count)
        } else {
            let paces = paces()
            due = jobs.indices.map { max(0, jobs[$0].remaining) / paces[$0] }.min()!
        }
        var event = completion
        event.stamp = generation
        simulator.schedule(event, after: SimDuration(nanoseconds: Int64(due.rounded(.up))))
    }
}
