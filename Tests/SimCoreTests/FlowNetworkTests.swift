import Testing
@testable import SimCore

@Suite struct FlowNetworkTests {
    /// One flow on an idle link takes latency + bytes / bandwidth, exactly (to the
    /// nanosecond rounding rule).
    @Test(arguments: [(1e6, 10e9, 5_000), (123_456_789, 15.75e9, 2_500), (1, 1e9, 0), (64e6, 450e9, 500)] as [(Double, Double, Int64)])
    func singleFlowTakesLatencyPlusBytesOverBandwidth(bytes: Double, bandwidth: Double, latencyNs: Int64) {
        let sim = Simulator()
        let net = FlowNetwork(simulator: sim)
        let link = net.addLink(name: "l", bytesPerSecond: bandwidth, latency: SimDuration(nanoseconds: latencyNs))
        var finished: SimTime?
        net.startFlow(bytes: bytes, path: [link]) { finished = $0 }
        sim.run()
        let expected = SimDuration(secondsRoundingUp: bytes / bandwidth) + SimDuration(nanoseconds: latencyNs)
        #expect(finished == SimTime.zero + expected)
    }

    @Test func twoEqualFlowsOnOneLinkEachGetHalf() {
        let sim = Simulator()
        let net = FlowNetwork(simulator: sim)
        let link = net.addLink(name: "l", bytesPerSecond: 1e9, latency: .zero)
        var ends: [SimTime] = []
        net.startFlow(bytes: 1e6, path: [link]) { ends.append($0) }
        net.startFlow(bytes: 1e6, path: [link]) { ends.append($0) }
        sim.run()
        // Each moves 1 MB at 0.5 GB/s: 2 ms, not 1 ms.
        #expect(ends == [SimTime(nanoseconds: 2_000_000), SimTime(nanoseconds: 2_000_000)])
    }

    @Test func aFlowSpeedsUpWhenItsNeighbourLeaves() {
        let sim = Simulator()
        let net = FlowNetwork(simulator: sim)
        let link = net.addLink(name: "l", bytesPerSecond: 1e9, latency: .zero)
        var short: SimTime?, long: SimTime?
        net.startFlow(bytes: 1e6, path: [link]) { short = $0 }
        net.startFlow(bytes: 3e6, path: [link]) { long = $0 }
        sim.run()
        // Both at 0.5 GB/s until the short one ends at 2 ms; the long one has 2 MB left, at 1 GB/s: 4 ms.
        #expect(short == SimTime(nanoseconds: 2_000_000))
        #expect(long == SimTime(nanoseconds: 4_000_000))
    }

    /// Max-min fairness: the tightest shared hop governs; what a bottlenecked flow
    /// cannot use goes to the others.
    @Test func maxMinSharingGivesLeftoverToUnconstrainedFlows() {
        let sim = Simulator()
        let net = FlowNetwork(simulator: sim)
        let shared = net.addLink(name: "shared", bytesPerSecond: 10e9, latency: .zero)
        let narrow = net.addLink(name: "narrow", bytesPerSecond: 2e9, latency: .zero)
        var a: SimTime?, b: SimTime?
        // Flow A crosses the narrow hop (2 GB/s); flow B gets the remaining 8 GB/s of the shared one.
        net.startFlow(bytes: 2e6, path: [shared, narrow]) { a = $0 }
        net.startFlow(bytes: 8e6, path: [shared]) { b = $0 }
        sim.run()
        #expect(a == SimTime(nanoseconds: 1_000_000))
        #expect(b == SimTime(nanoseconds: 1_000_000))
    }

    @Test func pathLatencyIsTheSumOfItsHops() {
        let sim = Simulator()
        let net = FlowNetwork(simulator: sim)
        let hops = (0..<3).map { net.addLink(name: "h\($0)", bytesPerSecond: 1e9, latency: SimDuration(nanoseconds: 1_000 * Int64($0 + 1))) }
        var end: SimTime?
        net.startFlow(bytes: 1e3, path: hops) { end = $0 }
        sim.run()
        #expect(end == SimTime(nanoseconds: 1_000 + 6_000))
    }

    @Test func emptyPathAndZeroBytesFinishAfterLatencyOnly() {
        let sim = Simulator()
        let net = FlowNetwork(simulator: sim)
        let link = net.addLink(name: "l", bytesPerSecond: 1e9, latency: SimDuration(nanoseconds: 700))
        var local: SimTime?, empty: SimTime?
        net.startFlow(bytes: 1e9, path: []) { local = $0 }
        net.startFlow(bytes: 0, path: [link]) { empty = $0 }
        sim.run()
        #expect(local == .zero)
        #expect(empty == SimTime(nanoseconds: 700))
    }

    /// Seeded random flows: every flow finishes, no earlier than its idle-link time,
    /// and each link carries exactly the bytes of the flows that crossed it.
    @Test(arguments: 0..<10)
    func randomFlowsFinishAndConserveBytes(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) + 100)
        let sim = Simulator()
        let net = FlowNetwork(simulator: sim)
        let links = (0..<6).map { net.addLink(name: "l\($0)", bytesPerSecond: Double(1 + $0) * 1e9, latency: SimDuration(nanoseconds: 100)) }
        var expectedBytes = [Double](repeating: 0, count: links.count)
        var finished = 0
        let flows = 60
        for _ in 0..<flows {
            let startAt = Int64(rng.next() % 1_000_000)
            let bytes = Double(1 + rng.next() % 1_000_000)
            var path = Array(Set((0..<(1 + Int(rng.next() % 3))).map { _ in Int(rng.next() % 6) })).sorted().map { links[$0] }
            if path.isEmpty { path = [links[0]] }
            for l in path { expectedBytes[l.index] += bytes }
            let fastest = SimDuration(secondsRoundingUp: bytes / path.map { net.links[$0.index].bytesPerSecond }.min()!)
            sim.schedule(at: SimTime(nanoseconds: startAt)) {
                let begun = sim.now
                net.startFlow(bytes: bytes, path: path) { end in
                    finished += 1
                    #expect(end - begun >= fastest)
                }
            }
        }
        sim.run()
        #expect(finished == flows)
        #expect(net.activeFlows == 0)
        #expect(net.bytesCarried == expectedBytes)
    }
}
