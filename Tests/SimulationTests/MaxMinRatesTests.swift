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

    /// Bit for bit the reference's rates over thousands of seeded sets of flows over a
    /// few of many links: few distinct capacities (ties between links, many flows per
    /// bottleneck) and many; links no flow crosses in between and at both ends.
    @Test func ratesMatchPlainProgressiveFilling() {
        var rng = SplitMix64(seed: 16)
        for trial in 0..<3000 {
            let links = 1 + Int(rng.next() % (trial % 2 == 0 ? 6 : 60))
            let capacities = (0..<links).map { _ in trial % 2 == 0 ? Double(1 + rng.next() % 3) * 10 : Double(1 + rng.next() % 1000) * 0.37 }
            let routes: [[Int]] = (0..<Int(rng.next() % 30)).map { _ in
                let hops = Int(rng.next() % UInt64(min(links, 5) + 1))
                var route: [Int] = []
                while route.count < hops {
                    let link = Int(rng.next() % UInt64(links))
                    if !route.contains(link) { route.append(link) }
                }
                return route
            }
            let rates = MaxMinRates.rates(routes: routes, capacities: capacities)
            let expected = Self.referenceRates(routes: routes, capacities: capacities)
            #expect(rates == expected, "trial \(trial): routes \(routes), capacities \(capacities)")
            if rates != expected { return }
        }
    }
}
