import Dispatch
import Foundation

/// Every paced link of one executor run (`Executor.Options.pacedLink`), emulated
/// on one thread of its own: a lane per ordered pair of workers, on which the
/// transfers in flight share the bandwidth equally, as the simulator's links
/// share theirs max-min fairly (the only hop between two workers is their own
/// link, where max-min fair is equal shares). Each transfer arrives a latency
/// after its last byte: t = latency + bytes / share, the alpha-beta model the
/// simulator's links use. (Holding a lane for one transfer at a time instead held
/// a 16 KB all-gather 4 ms behind a 512 KB activation transfer, where the
/// simulator let it through in 0.3 ms.)
///
/// Progress is computed from the clock, event by event (processor sharing: when
/// the flow with the fewest bytes left ends, the others' shares grow), so a late
/// wake-up delays only the delivery, not the model. The thread keeps its
/// creator's priority, which the workers lower for themselves (`WorkerThread`),
/// as a network card works beside the GPU. (On libdispatch's timers and pool,
/// the lanes' deliveries came 1-4 ms late several times a step while both
/// workers computed: BENCHMARKS.md, "third session".)
final class PacedLinks: @unchecked Sendable {
    private struct Flow {
        var remainingBytes: Double
        var deliver: @Sendable () -> Void
    }

    private struct Arrival {
        var due: ContinuousClock.Instant
        /// When its last byte went, among arrivals due at the same instant.
        var order: Int
        var deliver: @Sendable () -> Void
    }

    private let link: Executor.PacedLink
    private let clock = ContinuousClock()
    private let condition = NSCondition()
    private let finished = DispatchSemaphore(value: 0)
    // Guarded by `condition`.
    private var lanes: [[Flow]]
    private var updated: [ContinuousClock.Instant]
    private var arrivals: [Arrival] = []
    private var sent = 0
    private var stopping = false

    /// Starts the thread, with `lanes` idle lanes of `link`.
    init(lanes count: Int, link: Executor.PacedLink) {
        self.link = link
        lanes = Array(repeating: [], count: count)
        updated = Array(repeating: clock.now, count: count)
        let thread = Thread { [self] in run() }
        thread.name = "scalecast.links"
        thread.start()
    }

    /// Sends `bytes` on lane `lane` now; `deliver` runs on the links' thread when
    /// they have arrived.
    func carry(bytes: Double, lane: Int, then deliver: @escaping @Sendable () -> Void) {
        condition.lock()
        precondition(!stopping, "a transfer was sent on stopped links")
        advance(lane, to: clock.now)
        lanes[lane].append(Flow(remainingBytes: bytes, deliver: deliver))
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once everything sent has arrived; waits until it has.
    /// Calling it again returns at once.
    func stop() {
        condition.lock()
        let first = !stopping
        stopping = true
        condition.signal()
        condition.unlock()
        guard first else { return }
        finished.wait()
    }

    /// Moves lane `lane`'s flows forward to `now`, ending each flow whose last byte
    /// went at the instant it went.
    private func advance(_ lane: Int, to now: ContinuousClock.Instant) {
        var time = updated[lane]
        while let fewest = lanes[lane].map(\.remainingBytes).min() {
            let last = time + .seconds(fewest * Double(lanes[lane].count) / link.bytesPerSecond)
            guard last <= now else { break }
            for i in lanes[lane].indices { lanes[lane][i].remainingBytes -= fewest }
            for flow in lanes[lane] where flow.remainingBytes <= 0 {
                arrivals.append(Arrival(due: last + .seconds(link.latencySeconds), order: sent, deliver: flow.deliver))
                sent += 1
            }
            lanes[lane].removeAll { $0.remainingBytes <= 0 }
            time = last
        }
        if !lanes[lane].isEmpty {
            let share = link.bytesPerSecond * Executor.seconds(now - time) / Double(lanes[lane].count)
            for i in lanes[lane].indices { lanes[lane][i].remainingBytes -= share }
        }
        updated[lane] = now
    }

    /// The next instant a flow's last byte goes or an arrival is due.
    private func nextEvent() -> ContinuousClock.Instant? {
        var next = arrivals.map(\.due).min()
        for lane in lanes.indices {
            guard let fewest = lanes[lane].map(\.remainingBytes).min() else { continue }
            let last = updated[lane] + .seconds(max(0, fewest) * Double(lanes[lane].count) / link.bytesPerSecond)
            next = min(next ?? last, last)
        }
        return next
    }

    private func run() {
        while true {
            condition.lock()
            let now = clock.now
            for lane in lanes.indices { advance(lane, to: now) }
            let due = arrivals.filter { $0.due <= now }.sorted { ($0.due, $0.order) < ($1.due, $1.order) }
            arrivals.removeAll { $0.due <= now }
            if due.isEmpty {
                guard let next = nextEvent() else {
                    if stopping {
                        condition.unlock()
                        finished.signal()
                        return
                    }
                    condition.wait()
                    condition.unlock()
                    continue
                }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Executor.seconds(next - now)))
                condition.unlock()
                continue
            }
            condition.unlock()
            for arrival in due { arrival.deliver() }
        }
    }
}
