import SimCore
import Testing
@testable import Simulation

/// `IncrementalMaxMinRates` against `MaxMinRates.rates` over the whole set after
/// every change.
@Suite struct IncrementalMaxMinRatesTests {
    /// Bit for bit the whole set's rates after each of a run of seeded starts and ends,
    /// over thousands of seeds: few links (one component, ties) and many (several
    /// components that merge and split), and routes that cross no link.
    @Test func ratesMatchRecomputingEveryFlow() {
        var rng = SplitMix64(seed: 1616)
        for trial in 0..<800 {
            let links = 1 + Int(rng.next() % (trial % 2 == 0 ? 5 : 40))
            let capacities = (0..<links).map { _ in trial % 2 == 0 ? Double(1 + rng.next() % 3) * 10 : Double(1 + rng.next() % 1000) * 0.37 }
            var sharing = IncrementalMaxMinRates(capacities: capacities)
            var routes: [[Int]] = []
            for change in 0..<40 {
                if routes.isEmpty || rng.next() % 3 != 0 {
                    let hops = Int(rng.next() % UInt64(min(links, 4) + 1))
                    var route: [Int] = []
                    while route.count < hops {
                        let link = Int(rng.next() % UInt64(links))
                        if !route.contains(link) { route.append(link) }
                    }
                    routes.append(route)
                    sharing.append(route: route)
                } else {
                    let ended = routes.indices.filter { _ in rng.next() % 4 == 0 }
                    sharing.remove(at: ended, routes: { routes[$0] })
                    for i in ended.reversed() { routes.remove(at: i) }
                }
                if rng.next() % 2 == 0 || change == 39 {
                    sharing.refresh(routes: { routes[$0] })
                    let expected = MaxMinRates.rates(routes: routes, capacities: capacities)
                    #expect(sharing.rates == expected, "trial \(trial), change \(change): routes \(routes), capacities \(capacities)")
                    if sharing.rates != expected { return }
                }
            }
        }
    }

    /// Worked by hand: two flows share link 1 (5 each); a third on a link of its own
    /// runs at that link's 30; when the second ends, the first has link 1 to itself.
    @Test func startsAndEndsWorkedByHand() {
        var sharing = IncrementalMaxMinRates(capacities: [10, 10, 30])
        sharing.append(route: [0, 1])
        sharing.append(route: [1])
        var routes: [[Int]] = [[0, 1], [1]]
        sharing.refresh(routes: { routes[$0] })
        #expect(sharing.rates == [5, 5])
        #expect(!sharing.isStale)
        sharing.append(route: [2])
        routes.append([2])
        #expect(sharing.isStale)
        sharing.refresh(routes: { routes[$0] })
        #expect(sharing.rates == [5, 5, 30])
        sharing.remove(at: [1], routes: { routes[$0] })
        routes.remove(at: 1)
        sharing.refresh(routes: { routes[$0] })
        #expect(sharing.rates == [10, 30])
    }
}
