/// Identifies one direction of one link in a `FlowNetwork`.
public struct LinkID: Hashable, Comparable, Sendable {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: LinkID, b: LinkID) -> Bool { a.index < b.index }
}

/// Link directions with a bandwidth and a latency, shared max-min fairly by the
/// flows that cross them.
///
/// A flow crosses a path of link directions. While flows are active, each gets the
/// max-min fair rate, computed by progressive filling (water-filling; Bertsekas &
/// Gallager, *Data Networks*, 2nd ed., sec. 6.5.2; SimGrid's fluid models): the most
/// contended link divides its remaining bandwidth equally among its unfrozen flows,
/// those flows are frozen at that rate, their share is deducted from every other
/// link they cross, and the rest is shared on the remaining links. A flow finishes
/// when its bytes are through at those rates, plus its path's latency (the sum of
/// its hops').
///
/// A single flow of `b` bytes on an idle path with bottleneck bandwidth `B` and
/// total latency `L` therefore takes exactly `ceil_ns(b / B) + L`.
///
/// ## Incremental recomputation
///
/// Rates are recomputed only where they can change. Links and flows form a
/// bipartite graph (a flow is adjacent to the links of its path); max-min rates in
/// one connected component depend only on that component's links and flows. When a
/// flow starts, only the component that now contains it is refilled; when flows
/// finish, only the components that contained them (which may have split) are.
/// Every other flow keeps its rate, which is bit for bit the rate a refill from
/// scratch would give it: progressive filling run over all links picks, among one
/// component's links, the same bottlenecks in the same order as when it is run over
/// that component alone (each step takes the smallest share, ties to the lowest
/// link index, and a step in one component leaves the others' shares unchanged);
/// and all flows frozen at one bottleneck subtract the same share, so the order in
/// which a link lists its flows does not change the arithmetic.
///
/// Finish instants are incremental too. Each flow keeps its remaining bytes as of
/// an anchor instant, the last time its rate changed; a flow that a refill gives a
/// new rate is first brought to now (`remaining − old rate·(now − anchor)`), then
/// given its finish instant `now + ceil_ns(remaining / new rate)`. The instants wait
/// in an indexed min-heap (`FlowDeadlines`), so a completion check takes the due
/// flows from its top and reports them in start order. A flow whose rate did not
/// change, in the component or outside it, keeps its instant. Until 2026-12-06 every
/// active flow was advanced and its instant re-rounded at every start and
/// completion: a pass over all active flows per event, and instants that moved by a
/// nanosecond back and forth (`IncrementalSharingTests` bounds the difference).
///
/// ## Complexity
///
/// With `F` active flows, paths of at most `P` hops, and a changed component of
/// `Fc` flows over `Lc` links: a start or a completion costs `O(Fc·P + Lc·log Lc)`
/// to find and reset the component, plus `O(Fc·P + I·Lc)` for the filling, where
/// `I ≤ Lc` is the number of distinct bottlenecks (each round scans the component's
/// links that still have unfrozen flows), plus `O(Fc·log F)` to move the component's
/// finish instants in the heap (or `O(F)` to rebuild it, only where the component's
/// re-rated flows are an eighth of `F` or more, so within `O(Fc)`); `d` flows due at once
/// add `O(d·log F + d·log d)`. Nothing else grows with `F`. The first implementation paid
/// `O(F·P + L·log L + I·L)` over all used links `L`, with an allocation per round.
/// Removing a finished flow from a link's list costs that list's length.
///
/// State lives in flat arrays indexed by link or by flow slot (a slot is reused
/// once its flow finishes), inside one struct that the network mutates through a
/// single access per event, so the hot loops have neither per-access exclusivity
/// checks nor reference counting.
public final class FlowNetwork {
    /// One direction of a link.
    public struct Link: Sendable {
        /// Bandwidth of this direction, in bytes (1e0) per second.
        public var bytesPerSecond: Double
        /// Propagation and switching latency of this hop.
        public var latency: SimDuration
    }

    public private(set) var links: [Link] = []
    private let simulator: Simulator
    private var state = SharingState()
    private var wakeGeneration: UInt64 = 0
    /// The events this network schedules for the run's handler (`stamp` and `task`
    /// aside): its completion checks and its flows' arrivals. Nil: it schedules
    /// closures instead, and keeps each flow's callback in `callbacks`.
    private let events: (wake: Event, arrival: Event, sent: Event?)?
    /// Tasks whose flow reports its last byte leaving (`startFlow(…, reportsSent: true)`).
    private var reportingSent: Set<Int> = []
    /// Callback API only: each flow's callback, by the token that stands in for its task.
    private var callbacks: [Int: (SimTime) -> Void] = [:]
    private var nextToken = 0
    /// Scratch for the flows a completion check finds due, kept to allocate nothing per check.
    private var due: [(latency: SimDuration, task: Int)] = []

    /// Bytes that have entered each link direction (counted when a flow starts).
    public var bytesCarried: [Double] { state.bytesCarried }
    /// Time during which each link direction carried at least one flow.
    public var busyTime: [SimDuration] { state.busyTime }

    /// A network whose flows each carry their own callback (`startFlow(bytes:path:onFinish:)`).
    public init(simulator: Simulator) {
        self.simulator = simulator
        self.events = nil
    }

    /// A network that reports through events to the run's handler: `wake` (its
    /// `stamp` set) when flows may be due, which the handler passes back to
    /// `wake(_:)`, and `arrival` (its `task` set to the flow's task) when a flow's
    /// last byte has arrived; and `sent` (its `task` set), where given, when the last
    /// byte of a flow started with `reportsSent` has left: its bytes are through, its
    /// path's latency not yet elapsed.
    public init(simulator: Simulator, wake: Event, arrival: Event, sent: Event? = nil) {
        self.simulator = simulator
        self.events = (wake, arrival, sent)
    }

    /// Makes room for `count` link directions in all, so that adding hundreds of
    /// thousands (a 65,536-GPU topology) does not regrow every per-link array.
    public func reserveLinks(_ count: Int) {
        links.reserveCapacity(count)
        state.reserveLinks(count)
    }

    /// Adds one link direction.
    /// - Parameters:
    ///   - bytesPerSecond: bandwidth in bytes per second, > 0.
    ///   - latency: added once to every flow that crosses this hop.
    @discardableResult
    public func addLink(name: @autoclosure () -> String, bytesPerSecond: Double, latency: SimDuration) -> LinkID {
        precondition(bytesPerSecond > 0 && bytesPerSecond.isFinite, "link \(name()) needs a positive bandwidth")
        links.append(Link(bytesPerSecond: bytesPerSecond, latency: latency))
        state.addLink(bytesPerSecond: bytesPerSecond, latency: latency)
        return LinkID(links.count - 1)
    }

    /// Number of flows currently moving bytes.
    public var activeFlows: Int { state.deadlines.count }

    /// Starts task `task`'s flow of `bytes` along `path` now (a network made with
    /// events); its `arrival` event, with `task` set, happens when the last byte
    /// arrives, latency included.
    ///
    /// An empty path (source and destination are the same device) arrives after no time.
    /// - Parameters:
    ///   - bytes: payload in bytes, >= 0.
    ///   - path: the link directions crossed, each at most once.
    /// - Parameter reportsSent: whether its `sent` event happens too (a network made with one).
    public func startFlow(bytes: Double, path: [LinkID], task: Int, reportsSent: Bool = false) {
        precondition(events != nil, "this network reports its flows through callbacks: pass one")
        if reportsSent {
            precondition(events?.sent != nil, "this network was made without a sent event")
            reportingSent.insert(task)
        }
        begin(bytes: bytes, path: path, task: task)
    }

    /// Starts a flow of `bytes` along `path` now (a network made with `init(simulator:)`).
    ///
    /// An empty path (source and destination are the same device) finishes at once.
    /// - Parameters:
    ///   - bytes: payload in bytes, >= 0.
    ///   - path: the link directions crossed, each at most once.
    ///   - onFinish: called with the instant the last byte arrives, latency included.
    public func startFlow(bytes: Double, path: [LinkID], onFinish: @escaping (SimTime) -> Void) {
        precondition(events == nil, "this network reports its flows through events: pass a task index")
        let token = nextToken
        nextToken += 1
        callbacks[token] = onFinish
        begin(bytes: bytes, path: path, task: token)
    }

    private func begin(bytes: Double, path: [LinkID], task: Int) {
        precondition(bytes >= 0 && bytes.isFinite, "flow bytes must be finite and >= 0")
        let latency = state.countBytes(bytes, on: path)
        if bytes == 0 || path.isEmpty {
            scheduleSent(of: task)
            scheduleArrival(of: task, after: latency)
            return
        }
        let earliest = state.start(bytes: bytes, path: path, latency: latency, task: task, now: simulator.now)
        scheduleWake(at: earliest)
    }

    /// The `wake` event this network scheduled is due (the handler passes it back):
    /// the flows due by now finish. A superseded one (an older `stamp`) does nothing.
    public func wake(_ event: Event) {
        guard event.stamp == wakeGeneration else { return }  // superseded
        completeDueFlows()
    }

    /// Schedules the next completion check; an earlier one still pending is
    /// superseded (it sees a newer generation and does nothing).
    private func scheduleWake(at earliest: SimTime?) {
        wakeGeneration &+= 1
        guard let earliest else { return }
        if var event = events?.wake {
            event.stamp = wakeGeneration
            simulator.schedule(event, at: earliest)
        } else {
            let generation = wakeGeneration
            simulator.schedule(at: earliest) { [unowned self] in
                guard generation == self.wakeGeneration else { return }  // superseded
                self.completeDueFlows()
            }
        }
    }

    /// Task `task`'s last byte has left now: its `sent` event, if it asked for one.
    private func scheduleSent(of task: Int) {
        guard !reportingSent.isEmpty, reportingSent.remove(task) != nil, var event = events?.sent else { return }
        event.task = task
        simulator.schedule(event, after: .zero)
    }

    private func scheduleArrival(of task: Int, after latency: SimDuration) {
        if var event = events?.arrival {
            event.task = task
            simulator.schedule(event, after: latency)
        } else {
            let onFinish = callbacks.removeValue(forKey: task)!
            simulator.schedule(after: latency) { [simulator] in onFinish(simulator.now) }
        }
    }

    private func completeDueFlows() {
        due.removeAll(keepingCapacity: true)
        let earliest = state.completeDue(now: simulator.now, into: &due)
        scheduleWake(at: earliest)
        for flow in due {
            scheduleSent(of: flow.task)
            scheduleArrival(of: flow.task, after: flow.latency)
        }
    }

    /// Closes the busy intervals of links still carrying flows, for statistics.
    public func busyTimeSoFar(_ link: LinkID) -> SimDuration {
        var t = state.busyTime[link.index]
        if !state.flowsOnLink[link.index].isEmpty { t += simulator.now - state.busySince[link.index] }
        return t
    }

    // MARK: - Checks for tests

    /// The rates of the active flows, in start order.
    func _currentRates() -> [Double] { state.activeInStartOrder().map { state.rate[$0] } }

    /// The finish instants (before latency) of the active flows, in start order.
    func _currentFinishTimes() -> [SimTime] { state.activeInStartOrder().map { state.finishAt[$0] } }

    /// Max-min rates of the active flows, in start order, by progressive filling
    /// over every link from scratch: the reference the incremental rates must equal.
    func _referenceRates() -> [Double] { state.referenceRates() }

    /// Traps if the per-link flow lists disagree with the flows' paths.
    func _checkInvariants() { state.checkInvariants() }
}

/// The network's mutable state, in flat arrays indexed by link or by flow slot.
///
/// A struct mutated through one `inout` access per event: inside its methods every
/// array access is statically exclusive, so the hot loops carry no runtime
/// exclusivity checks.
struct SharingState {
    // Per link direction.
    var bandwidth: [Double] = []
    var linkLatency: [SimDuration] = []
    var bytesCarried: [Double] = []
    var busyTime: [SimDuration] = []
    var busySince: [SimTime] = []
    /// Slots of the active flows crossing each link (unordered).
    var flowsOnLink: [[Int]] = []
    /// Scratch for filling: capacity not yet given out, flows not yet frozen.
    var capacityLeft: [Double] = []
    var unfrozenOnLink: [Int] = []
    /// `epoch` when the link is in the component being refilled.
    var linkMark: [UInt64] = []

    // Per flow slot.
    /// Each slot's path lives at `hops[pathStart[s] ..< pathStart[s] + pathCount[s]]`,
    /// in a region of `pathCapacity[s]` entries that the slot keeps when reused.
    var pathStart: [Int] = []
    var pathCount: [Int] = []
    var pathCapacity: [Int] = []
    var hops: [Int] = []
    /// Bytes left at `anchor`, the instant the flow's rate was last set.
    var remaining: [Double] = []
    var anchor: [SimTime] = []
    var rate: [Double] = []
    /// Scratch for a refill: each component flow's rate before it.
    var previousRate: [Double] = []
    var finishAt: [SimTime] = []
    var flowLatency: [SimDuration] = []
    /// The task (or callback token) each slot's flow stands for; −1 when free.
    var task: [Int] = []
    /// `epoch` when the flow is in the component being refilled; `frozenMark`
    /// is `epoch` once filling has fixed its rate.
    var flowMark: [UInt64] = []
    var frozenMark: [UInt64] = []
    /// The order in which the flows started: flows due at one instant are reported in it.
    var startOrder: [UInt64] = []
    var freeSlots: [Int] = []

    /// The active flows' finish instants, earliest first.
    var deadlines = FlowDeadlines()
    var started: UInt64 = 0
    var epoch: UInt64 = 0

    // Scratch, kept to avoid allocating per event.
    var componentLinks: [Int] = []
    var componentFlows: [Int] = []
    var pending: [Int] = []
    var seeds: [Int] = []
    var dueSlots: [Int] = []
    var rerated: [Int] = []

    mutating func reserveLinks(_ count: Int) {
        bandwidth.reserveCapacity(count)
        linkLatency.reserveCapacity(count)
        bytesCarried.reserveCapacity(count)
        busyTime.reserveCapacity(count)
        busySince.reserveCapacity(count)
        flowsOnLink.reserveCapacity(count)
        capacityLeft.reserveCapacity(count)
        unfrozenOnLink.reserveCapacity(count)
        linkMark.reserveCapacity(count)
    }

    mutating func addLink(bytesPerSecond: Double, latency: SimDuration) {
        bandwidth.append(bytesPerSecond)
        linkLatency.append(latency)
        bytesCarried.append(0)
        busyTime.append(.zero)
        busySince.append(.zero)
        flowsOnLink.append([])
        capacityLeft.append(0)
        unfrozenOnLink.append(0)
        linkMark.append(0)
    }

    /// Counts `bytes` into every link of `path`; returns the path's latency.
    mutating func countBytes(_ bytes: Double, on path: [LinkID]) -> SimDuration {
        var latency = SimDuration.zero
        for link in path {
            latency += linkLatency[link.index]
            bytesCarried[link.index] += bytes
        }
        return latency
    }

    /// Adds a flow now, refills its component; returns the earliest finish instant.
    mutating func start(bytes: Double, path: [LinkID], latency: SimDuration,
                        task flowTask: Int, now: SimTime) -> SimTime? {
        let s = allocateSlot(hopCount: path.count)
        let base = pathStart[s]
        for (k, link) in path.enumerated() {
            let l = link.index
            hops[base + k] = l
            if flowsOnLink[l].isEmpty { busySince[l] = now }
            flowsOnLink[l].append(s)
        }
        remaining[s] = bytes
        anchor[s] = now
        // Not a number: whatever rate the refill gives, it differs, so the new flow is always timed.
        rate[s] = .nan
        finishAt[s] = .zero
        flowLatency[s] = latency
        task[s] = flowTask
        startOrder[s] = started
        started += 1
        seeds.removeAll(keepingCapacity: true)
        seeds.append(path[0].index)
        refill(from: seeds, now: now)
        return earliestFinish
    }

    /// The earliest finish instant of the active flows; nil when none is active.
    private var earliestFinish: SimTime? { deadlines.earliest.map { SimTime(nanoseconds: $0) } }

    /// Removes the flows due by `now`, in start order, appending their latency and
    /// task to `finished`; refills what they shared. Returns the earliest finish.
    mutating func completeDue(now: SimTime, into finished: inout [(latency: SimDuration, task: Int)]) -> SimTime? {
        seeds.removeAll(keepingCapacity: true)
        dueSlots.removeAll(keepingCapacity: true)
        deadlines.removeDue(atOrBefore: now.nanoseconds, into: &dueSlots)
        if dueSlots.count > 1 { dueSlots.sort { startOrder[$0] < startOrder[$1] } }
        for s in dueSlots {
            finished.append((flowLatency[s], task[s]))
            task[s] = -1
            let base = pathStart[s]
            for k in 0..<pathCount[s] {
                let l = hops[base + k]
                removeFlow(s, fromLink: l)
                if flowsOnLink[l].isEmpty {
                    busyTime[l] += now - busySince[l]
                } else {
                    seeds.append(l)
                }
            }
            freeSlots.append(s)
        }
        if !seeds.isEmpty { refill(from: seeds, now: now) }
        return earliestFinish
    }

    private mutating func allocateSlot(hopCount: Int) -> Int {
        let s: Int
        if let free = freeSlots.popLast() {
            s = free
        } else {
            s = remaining.count
            pathStart.append(hops.count)
            pathCount.append(0)
            pathCapacity.append(0)
            remaining.append(0)
            anchor.append(.zero)
            rate.append(0)
            previousRate.append(0)
            finishAt.append(.zero)
            flowLatency.append(.zero)
            task.append(-1)
            flowMark.append(0)
            frozenMark.append(0)
            startOrder.append(0)
        }
        if pathCapacity[s] < hopCount {
            pathStart[s] = hops.count
            pathCapacity[s] = hopCount
            hops.append(contentsOf: repeatElement(0, count: hopCount))
        }
        pathCount[s] = hopCount
        return s
    }

    private mutating func removeFlow(_ s: Int, fromLink l: Int) {
        let n = flowsOnLink[l].count
        var k = 0
        while flowsOnLink[l][k] != s { k += 1 }
        flowsOnLink[l][k] = flowsOnLink[l][n - 1]
        flowsOnLink[l].removeLast()
    }

    /// `SimDuration(secondsRoundingUp: seconds).nanoseconds`, with the same checks:
    /// for `0 <= x < 2^63`, `ceil(x)` is `trunc(x)` plus one when `x` has a fraction.
    @inline(__always)
    static func nanosecondsRoundingUp(_ seconds: Double) -> Int64 {
        precondition(seconds.isFinite && seconds >= 0, "duration must be finite and >= 0, got \(seconds)")
        let ns = seconds * 1e9
        precondition(ns < 9.2e18, "duration \(seconds) s overflows 64-bit nanoseconds")
        let whole = Int64(ns)
        return Double(whole) < ns ? whole + 1 : whole
    }

    /// Finds the component of links and flows reachable from `seeds` (links),
    /// brings its flows' remaining bytes to `now`, refills it by progressive
    /// filling and sets its flows' finish instants.
    private mutating func refill(from seeds: [Int], now: SimTime) {
        epoch &+= 1
        let mark = epoch
        componentLinks.removeAll(keepingCapacity: true)
        componentFlows.removeAll(keepingCapacity: true)
        pending.removeAll(keepingCapacity: true)
        for l in seeds where linkMark[l] != mark && !flowsOnLink[l].isEmpty {
            linkMark[l] = mark
            pending.append(l)
        }
        // Depth-first search over the bipartite link-flow graph.
        while let l = pending.popLast() {
            componentLinks.append(l)
            capacityLeft[l] = bandwidth[l]
            unfrozenOnLink[l] = flowsOnLink[l].count
            for k in 0..<flowsOnLink[l].count {
                let f = flowsOnLink[l][k]
                if flowMark[f] == mark { continue }
                flowMark[f] = mark
                componentFlows.append(f)
                let base = pathStart[f]
                for h in base..<(base + pathCount[f]) {
                    let next = hops[h]
                    if linkMark[next] != mark {
                        linkMark[next] = mark
                        pending.append(next)
                    }
                }
            }
        }
        for f in componentFlows { previousRate[f] = rate[f] }
        // Ascending link order: among equal shares the lowest index is the bottleneck.
        componentLinks.sort()
        var unfrozenFlows = componentFlows.count
        while unfrozenFlows > 0 {
            var bottleneck = -1
            var share = Double.infinity
            // Scan the links that still have unfrozen flows, dropping the others.
            var kept = 0
            for k in 0..<componentLinks.count {
                let l = componentLinks[k]
                let unfrozen = unfrozenOnLink[l]
                if unfrozen == 0 { continue }
                componentLinks[kept] = l
                kept += 1
                let s = capacityLeft[l] / Double(unfrozen)
                if s < share { share = s; bottleneck = l }
            }
            componentLinks.removeLast(componentLinks.count - kept)
            precondition(bottleneck >= 0, "max-min sharing found no bottleneck")
            for k in 0..<flowsOnLink[bottleneck].count {
                let f = flowsOnLink[bottleneck][k]
                if frozenMark[f] == mark { continue }
                frozenMark[f] = mark
                unfrozenFlows -= 1
                rate[f] = share
                let base = pathStart[f]
                for h in base..<(base + pathCount[f]) {
                    let l = hops[h]
                    capacityLeft[l] -= share
                    unfrozenOnLink[l] -= 1
                }
            }
        }
        // A flow whose rate is unchanged keeps its anchor and its finish instant.
        rerated.removeAll(keepingCapacity: true)
        for f in componentFlows where rate[f] != previousRate[f] {
            let dt = (now - anchor[f]).seconds
            if dt > 0 { remaining[f] = max(0, remaining[f] - previousRate[f] * dt) }
            anchor[f] = now
            finishAt[f] = now + SimDuration(nanoseconds: Self.nanosecondsRoundingUp(remaining[f] / rate[f]))
            rerated.append(f)
        }
        // One heap pass where the flows re-rated are many of the active ones (a
        // parameter server's links join them all), a heap update each where they are few.
        if rerated.count * 8 >= deadlines.count {
            deadlines.setAll(rerated, from: finishAt)
        } else {
            for f in rerated { deadlines.set(f, at: finishAt[f].nanoseconds) }
        }
    }

    // MARK: - Reference and invariants (tests)

    /// The active flows' slots in start order.
    func activeInStartOrder() -> [Int] {
        task.indices.filter { task[$0] >= 0 }.sorted { startOrder[$0] < startOrder[$1] }
    }

    /// Progressive filling over all links, from scratch, as the network did before
    /// it became incremental: the active flows' rates in start order.
    func referenceRates() -> [Double] {
        var capacity = [Double](repeating: 0, count: bandwidth.count)
        var unfrozen = [Int](repeating: 0, count: bandwidth.count)
        var onLink = [[Int]](repeating: [], count: bandwidth.count)
        var used: [Int] = []
        let active = activeInStartOrder()
        for (i, s) in active.enumerated() {
            for h in pathStart[s]..<(pathStart[s] + pathCount[s]) {
                let l = hops[h]
                if unfrozen[l] == 0 { used.append(l); capacity[l] = bandwidth[l] }
                unfrozen[l] += 1
                onLink[l].append(i)
            }
        }
        used.sort()
        var rates = [Double](repeating: 0, count: active.count)
        var frozen = [Bool](repeating: false, count: active.count)
        var left = active.count
        while left > 0 {
            var bottleneck = -1
            var share = Double.infinity
            for l in used where unfrozen[l] > 0 {
                let s = capacity[l] / Double(unfrozen[l])
                if s < share { share = s; bottleneck = l }
            }
            precondition(bottleneck >= 0)
            for i in onLink[bottleneck] where !frozen[i] {
                frozen[i] = true
                left -= 1
                rates[i] = share
                let s = active[i]
                for h in pathStart[s]..<(pathStart[s] + pathCount[s]) {
                    capacity[hops[h]] -= share
                    unfrozen[hops[h]] -= 1
                }
            }
        }
        return rates
    }

    func checkInvariants() {
        var expected = [[Int]](repeating: [], count: bandwidth.count)
        let active = activeInStartOrder()
        precondition(active.count == deadlines.count, "\(active.count) active flows, \(deadlines.count) finish instants")
        for s in active {
            precondition(rate[s] > 0, "active flow \(s) has rate \(rate[s])")
            for h in pathStart[s]..<(pathStart[s] + pathCount[s]) { expected[hops[h]].append(s) }
        }
        for l in expected.indices {
            precondition(expected[l].sorted() == flowsOnLink[l].sorted(), "link \(l) lists the wrong flows")
        }
        deadlines.checkInvariants(holding: active, at: finishAt)
        precondition(Set(active).count == active.count, "a slot is active twice")
        precondition(Set(active).isDisjoint(with: freeSlots), "a slot is both active and free")
    }
}
