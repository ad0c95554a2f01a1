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
/// max-min fair rate (progressive filling, as in SimGrid's fluid models): the most
/// contended link divides its bandwidth equally among its flows, those flows are
/// frozen at that rate, and the rest is shared on the remaining links. Rates are
/// recomputed whenever a flow starts or ends. A flow finishes when its bytes are
/// through at those rates, plus its path's latency (the sum of its hops').
///
/// A single flow of `b` bytes on an idle path with bottleneck bandwidth `B` and
/// total latency `L` therefore takes exactly `ceil_ns(b / B) + L`.
public final class FlowNetwork {
    /// One direction of a link.
    public struct Link: Sendable {
        public var name: String
        /// Bandwidth of this direction, in bytes (1e0) per second.
        public var bytesPerSecond: Double
        /// Propagation and switching latency of this hop.
        public var latency: SimDuration
    }

    private struct Flow {
        var id: Int
        var path: [LinkID]
        var remainingBytes: Double
        var rate: Double = 0
        var finishAt: SimTime = .zero
        var latency: SimDuration
        var onFinish: (SimTime) -> Void
    }

    public private(set) var links: [Link] = []
    private let simulator: Simulator
    private var active: [Flow] = []          // in start order: deterministic iteration
    private var lastAdvance: SimTime = .zero
    private var wakeGeneration: UInt64 = 0
    private var nextFlowID = 0

    /// Bytes that have entered each link direction (counted when a flow starts).
    public private(set) var bytesCarried: [Double] = []
    /// Time during which each link direction carried at least one flow.
    public private(set) var busyTime: [SimDuration] = []
    private var activeCount: [Int] = []
    private var busySince: [SimTime] = []

    /// Scratch space for the max-min computation, sized to `links`.
    private var capacityLeft: [Double] = []
    private var unfrozenOnLink: [Int] = []
    private var flowsOnLink: [[Int]] = []

    public init(simulator: Simulator) { self.simulator = simulator }

    /// Adds one link direction.
    /// - Parameters:
    ///   - bytesPerSecond: bandwidth in bytes per second, > 0.
    ///   - latency: added once to every flow that crosses this hop.
    @discardableResult
    public func addLink(name: String, bytesPerSecond: Double, latency: SimDuration) -> LinkID {
        precondition(bytesPerSecond > 0 && bytesPerSecond.isFinite, "link \(name) needs a positive bandwidth")
        links.append(Link(name: name, bytesPerSecond: bytesPerSecond, latency: latency))
        bytesCarried.append(0)
        busyTime.append(.zero)
        activeCount.append(0)
        busySince.append(.zero)
        capacityLeft.append(0)
        unfrozenOnLink.append(0)
        flowsOnLink.append([])
        return LinkID(links.count - 1)
    }

    /// Number of flows currently moving bytes.
    public var activeFlows: Int { active.count }

    /// Starts a flow of `bytes` along `path` now.
    ///
    /// An empty path (source and destination are the same device) finishes at once.
    /// - Parameters:
    ///   - bytes: payload in bytes, >= 0.
    ///   - path: the link directions crossed, each at most once.
    ///   - onFinish: called with the instant the last byte arrives, latency included.
    public func startFlow(bytes: Double, path: [LinkID], onFinish: @escaping (SimTime) -> Void) {
        precondition(bytes >= 0 && bytes.isFinite, "flow bytes must be finite and >= 0")
        let latency = path.reduce(SimDuration.zero) { $0 + links[$1.index].latency }
        for link in path { bytesCarried[link.index] += bytes }
        if bytes == 0 || path.isEmpty {
            simulator.schedule(after: latency) { [simulator] in onFinish(simulator.now) }
            return
        }
        advance()
        for link in path {
            if activeCount[link.index] == 0 { busySince[link.index] = simulator.now }
            activeCount[link.index] += 1
        }
        active.append(Flow(id: nextFlowID, path: path, remainingBytes: bytes, latency: latency, onFinish: onFinish))
        nextFlowID += 1
        reshare()
    }

    /// Deducts the bytes moved since the last change from every active flow.
    private func advance() {
        let now = simulator.now
        let dt = (now - lastAdvance).seconds
        if dt > 0 {
            for i in active.indices {
                active[i].remainingBytes = max(0, active[i].remainingBytes - active[i].rate * dt)
            }
        }
        lastAdvance = now
    }

    /// Recomputes max-min fair rates and schedules the next completion.
    private func reshare() {
        assignMaxMinRates()
        let now = simulator.now
        var earliest: SimTime?
        for i in active.indices {
            let seconds = active[i].remainingBytes / active[i].rate
            active[i].finishAt = now + SimDuration(secondsRoundingUp: seconds)
            if earliest == nil || active[i].finishAt < earliest! { earliest = active[i].finishAt }
        }
        wakeGeneration &+= 1
        guard let earliest else { return }
        let generation = wakeGeneration
        simulator.schedule(at: earliest) { [unowned self] in
            guard generation == self.wakeGeneration else { return }  // superseded
            self.completeDueFlows()
        }
    }

    private func completeDueFlows() {
        advance()
        let now = simulator.now
        var finished: [Flow] = []
        active.removeAll { flow in
            if flow.finishAt <= now { finished.append(flow); return true }
            return false
        }
        for flow in finished {
            for link in flow.path {
                activeCount[link.index] -= 1
                if activeCount[link.index] == 0 { busyTime[link.index] += now - busySince[link.index] }
            }
        }
        reshare()
        for flow in finished {
            let onFinish = flow.onFinish
            simulator.schedule(after: flow.latency) { [simulator] in onFinish(simulator.now) }
        }
    }

    /// Progressive filling: repeatedly find the link whose remaining capacity per
    /// unfrozen flow is smallest, give its flows that share, and remove them.
    /// Ties go to the lowest link index, so the result is deterministic.
    private func assignMaxMinRates() {
        guard !active.isEmpty else { return }
        var usedLinks: [Int] = []
        for (i, flow) in active.enumerated() {
            for link in flow.path {
                let l = link.index
                if unfrozenOnLink[l] == 0 {
                    usedLinks.append(l)
                    capacityLeft[l] = links[l].bytesPerSecond
                    flowsOnLink[l].removeAll(keepingCapacity: true)
                }
                unfrozenOnLink[l] += 1
                flowsOnLink[l].append(i)
            }
        }
        usedLinks.sort()
        var frozen = [Bool](repeating: false, count: active.count)
        var unfrozenFlows = active.count
        while unfrozenFlows > 0 {
            var bottleneck = -1
            var share = Double.infinity
            for l in usedLinks where unfrozenOnLink[l] > 0 {
                let s = capacityLeft[l] / Double(unfrozenOnLink[l])
                if s < share { share = s; bottleneck = l }
            }
            precondition(bottleneck >= 0, "max-min sharing found no bottleneck")
            for i in flowsOnLink[bottleneck] where !frozen[i] {
                frozen[i] = true
                unfrozenFlows -= 1
                active[i].rate = share
                for link in active[i].path {
                    capacityLeft[link.index] -= share
                    unfrozenOnLink[link.index] -= 1
                }
            }
        }
        for l in usedLinks { unfrozenOnLink[l] = 0 }
    }

    /// Closes the busy intervals of links still carrying flows, for statistics.
    public func busyTimeSoFar(_ link: LinkID) -> SimDuration {
        var t = busyTime[link.index]
        if activeCount[link.index] > 0 { t += simulator.now - busySince[link.index] }
        return t
    }
}
