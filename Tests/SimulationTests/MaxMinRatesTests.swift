import SimCore
import Testing
@testable import Simulation

/// `MaxMinRates` against progressive filling done the plain way.
@Suite struct MaxMinRatesTests {
    /// Progressive filling by scanning every link: each round the link with the smallest
    /// share of its remaining capacity among its unfixed flows (ties to the lowest index)
    /// fixes them at that share, which comes off every link they cross.
    static func referenceRates(routes: [[Int]], capacities: [Double]) -> [Double] {
        var capacity = capacities
        var waiting = [Int](repeating: 0, count: capacities.count)
        for route in routes { for link in route { waiting[link] += 1 } }
        var rate = [Double](repeating: .infinity, count: routes.count)
        var fixed = [Bool](repeating: false, count: routes.count)
        while true {
            var bottleneck = -1, share = Double.infinity
            for link in capacity.indices where waiting[link] > 0 && capacity[link] / Double(waiting[link]) < share {
                share = capacity[link] / Double(waiting[link])
                bottleneck = link
            }
            guard bottleneck >= 0 else { return rate }
            for flow in routes.indices where !fixed[flow] && routes[flow].contains(bottleneck) {
                fixed[flow] = true
                rate[flow] = share
                for link in routes[flow] {
                    capacity[link] = max(0, capacity[link] - share)
                    waiting[link] -= 1
                }
            }
        }
    }

    /// Capacities of `links` links: a few distinct values (ties between links) or many.
    static func randomCapacities(_ links: Int, fewDistinct: Bool, rng: inout SplitMix64) -> [Double] {
        (0..<links).map { _ in fewDistinct ? Double(1 + rng.next() % 3) * 10 : Double(1 + rng.next() % 1000) * 0.37 }
    }

    /// `count` routes over links `0..<links`, each of 0 to `mostHops` distinct links (fewer where there are fewer links).
    static func randomRoutes(_ count: Int, over links: Int, mostHops: Int, rng: inout SplitMix64) -> [[Int]] {
        (0..<count).map { _ in
            let hops = Int(rng.next() % UInt64(min(links, mostHops) + 1))
            var route: [Int] = []
            while route.count < hops {
                let link = Int(rng.next() % UInt64(links))
                if !route.contains(link) { route.append(link) }
            }
            return route
        }
    }

    /// Bit for bit the reference's rates over thousands of seeded sets of flows over a
    /// few of many links: few distinct capacities (ties between links, many flows per
    /// bottleneck) and many; links no flow crosses in between and at both ends.
    @Test func ratesMatchPlainProgressiveFilling() {
        var rng = SplitMix64(seed: 16)
        for trial in 0..<3000 {
            let links = 1 + Int(rng.next() % (trial % 2 == 0 ? 6 : 60))
            let capacities = Self.randomCapacities(links, fewDistinct: trial % 2 == 0, rng: &rng)
            let routes = Self.randomRoutes(Int(rng.next() % 30), over: links, mostHops: 5, rng: &rng)
            let rates = MaxMinRates.rates(routes: routes, capacities: capacities)
            let expected = Self.referenceRates(routes: routes, capacities: capacities)
            #expect(rates == expected, "trial \(trial): routes \(routes), capacities \(capacities)")
            if rates != expected { return }
        }
    }

    /// The links crossed are numbered densely in ascending order whichever way they are found
    /// (a table over every link where the crossings are many, a sort where they are few): the
    /// same as numbering the set of links crossed, on both sides of the switch between the two.
    @Test func denseNumberingIsTheAscendingOrderOfTheLinksCrossed() {
        var rng = SplitMix64(seed: 32)
        var tabled = 0, sorted = 0
        for trial in 0..<2000 {
            let links = 1 + Int(rng.next() % 400)
            let crossings = (0..<Int(rng.next() % UInt64(links / 2 + 2))).map { _ in Int(rng.next() % UInt64(links)) }
            crossings.count * 4 >= links ? (tabled += 1) : (sorted += 1)
            let used = Set(crossings).sorted()
            let (found, dense) = MaxMinRates.denseLinks(crossings, linkCount: links)
            #expect(found == used, "trial \(trial)")
            #expect(dense == crossings.map { used.firstIndex(of: $0)! }, "trial \(trial)")
        }
        #expect(tabled > 300 && sorted > 300)
    }

    /// Random flows (as above) copied onto disjoint blocks of links, some copies with one
    /// capacity changed or their links in another order: every copy found is a true one,
    /// and the rates with copies looked for (`FlowComponentClasses`) are bit for bit the
    /// reference's over the whole set.
    @Test func copiesOfComponentsTakeTheirRepresentativesRatesBitForBit() {
        var rng = SplitMix64(seed: 31)
        var copiesFound = 0
        for trial in 0..<1000 {
            let links = 1 + Int(rng.next() % (trial % 2 == 0 ? 6 : 40))
            let capacities = Self.randomCapacities(links, fewDistinct: trial % 2 == 0, rng: &rng)
            let block = Self.randomRoutes(1 + Int(rng.next() % 12), over: links, mostHops: 4, rng: &rng)
            // Block b uses links b·links ..< (b + 1)·links; its flows follow the earlier blocks'
            // (trial % 3 == 0: interleaved with them instead). Some blocks change a capacity
            // or reverse their links' order, so they are no copies.
            let blocks = 2 + Int(rng.next() % 4)
            var routes: [[Int]] = [], allCapacities: [Double] = []
            for b in 0..<blocks {
                let reversed = rng.next() % 4 == 0
                var blockCapacities = capacities
                if rng.next() % 4 == 0 { blockCapacities[Int(rng.next() % UInt64(links))] *= 2 }
                allCapacities += reversed ? blockCapacities.reversed() : blockCapacities
                let moved = block.map { $0.map { b * links + (reversed ? links - 1 - $0 : $0) } }
                if trial % 3 == 0 {
                    for (i, route) in moved.enumerated() { routes.insert(route, at: min(routes.count, i * (b + 1) + b)) }
                } else {
                    routes += moved
                }
            }
            var denseStart = [0], denseLinks: [Int] = []
            for route in routes {
                denseLinks += route
                denseStart.append(denseLinks.count)
            }
            let classes = FlowComponentClasses(routeStart: denseStart, routeLinks: denseLinks, capacities: allCapacities)
            for (c, flows) in classes.flows.enumerated() where classes.representative[c] != c {
                copiesFound += 1
                let image = classes.flows[classes.representative[c]]
                #expect(flows.count == image.count)
                for (f, g) in zip(flows, image) {
                    #expect(routes[f].count == routes[g].count)
                    #expect(zip(routes[f], routes[g]).allSatisfy { allCapacities[$0] == allCapacities[$1] })
                }
            }
            let rates = MaxMinRates.rates(routes: routes, capacities: allCapacities, fewestFlowsToLookForCopies: 0)
            let expected = Self.referenceRates(routes: routes, capacities: allCapacities)
            #expect(rates == expected, "trial \(trial): routes \(routes), capacities \(allCapacities)")
            if rates != expected { return }
        }
        #expect(copiesFound > 500, "the trials exercise the copies: \(copiesFound) found")
    }

    /// One flow over two links and its copy over two others, one copy with its links swapped
    /// in order: the first two components are one class, the swapped one its own.
    @Test func aCopyMustKeepTheOrderOfItsLinks() {
        let classes = FlowComponentClasses(routeStart: [0, 2, 4, 6], routeLinks: [0, 1, 2, 3, 5, 4],
                                           capacities: [1, 2, 1, 2, 1, 2])
        #expect(classes.flows == [[0], [1], [2]])
        #expect(classes.representative == [0, 0, 2])
    }
}
