import HeapModule

/// Max-min fair rates of flows that share links, all running at once: the rates the
/// flow network gives them at the instant they all start (SimGrid's and ns-3's fluid
/// sharing; Bertsekas & Gallager, *Data Networks*, 2nd ed., section 6.5.2).
///
/// Progressive filling: the link whose remaining capacity divided among its unfixed
/// flows is the smallest fixes those flows at that share; their rates come off every
/// other link they cross; repeat. A heap of link shares, refreshed lazily (one new entry
/// per link a step changed; older entries are skipped by their version), keeps it
/// O(E log E) for E link crossings.
///
/// Only the links the flows cross are worked on, renumbered densely in ascending
/// order: a 512-GPU topology has thousands of links, of which one phase of NCCL's tree
/// crosses a few hundred, and arrays sized by all of them made the calls O(links)
/// (three quarters of their instructions in a sweep). Ascending numbering keeps every
/// comparison, ties to the lowest link included, and so every rate bit for bit.
///
/// Where the flows fall apart into components that are copies of one another
/// (`FlowComponentClasses`: NCCL's tree at 65,536 GPUs, one per rail), only one
/// component of each class is filled and the others take its rates, again bit for bit.
enum MaxMinRates {
    /// Problems with fewer flows are filled whole, without looking for copies (the calls
    /// of a sweep's small phases gain nothing from it; the rates are the same either way).
    static let fewestFlowsToLookForCopies = 256

    /// - Parameters:
    ///   - routes: each flow's links (indices into `capacities`).
    ///   - capacities: bytes/s of each link.
    ///   - fewestFlowsToLookForCopies: below this many flows, no copies are looked for.
    /// - Returns: each flow's rate in bytes/s (infinite for a flow that crosses no link).
    static func rates(routes: [[Int]], capacities: [Double],
                      fewestFlowsToLookForCopies: Int = Self.fewestFlowsToLookForCopies) -> [Double] {
        var routeStart = [0], routeLinks: [Int] = []
        routeStart.reserveCapacity(routes.count + 1)
        routeLinks.reserveCapacity(routes.reduce(0) { $0 + $1.count })
        for route in routes {
            routeLinks.append(contentsOf: route)
            routeStart.append(routeLinks.count)
        }
        return rates(routeStart: routeStart, routeLinks: routeLinks, capacities: capacities,
                     fewestFlowsToLookForCopies: fewestFlowsToLookForCopies)
    }

    /// The same, with the routes flat: flow `f` crosses `routeLinks[routeStart[f]..<routeStart[f + 1]]`
    /// (`routeStart` has one entry more than there are flows, the first 0).
    static func rates(routeStart: [Int], routeLinks links: [Int], capacities: [Double],
                      fewestFlowsToLookForCopies: Int = Self.fewestFlowsToLookForCopies) -> [Double] {
        // The links crossed, ascending (`used`), and each crossing's dense link: its place in `used`.
        let (used, routeLinks) = denseLinks(links, linkCount: capacities.count)
        let flowCount = routeStart.count - 1
        let capacity = used.map { capacities[$0] }
        guard flowCount >= fewestFlowsToLookForCopies else {
            return fill(Array(0..<flowCount), routeStart: routeStart, routeLinks: routeLinks, capacities: capacity)
        }
        let classes = FlowComponentClasses(routeStart: routeStart, routeLinks: routeLinks, capacities: capacity)
        guard classes.hasCopies else {
            return fill(Array(0..<flowCount), routeStart: routeStart, routeLinks: routeLinks, capacities: capacity)
        }
        let solved = classes.flows.indices.filter { classes.representative[$0] == $0 }.flatMap { classes.flows[$0] }
        var rate = fill(solved.sorted(), routeStart: routeStart, routeLinks: routeLinks, capacities: capacity)
        for (c, flows) in classes.flows.enumerated() where classes.representative[c] != c {
            for (flow, image) in zip(flows, classes.flows[classes.representative[c]]) { rate[flow] = rate[image] }
        }
        return rate
    }

    /// The links `crossings` name, ascending and each once, and each crossing renumbered as
    /// its link's place among them. Where the crossings are many against the links (a
    /// quarter of them or more: NCCL's tree at 65,536 GPUs crosses 2 M times 300,000 of
    /// 524,288 links), the links crossed are marked in a table over every link, O(links +
    /// crossings); else sorted, O(crossings log crossings), so that a sweep's small phases
    /// on topologies of thousands of links stay O(crossings). Both number alike.
    static func denseLinks(_ crossings: [Int], linkCount: Int) -> (used: [Int], dense: [Int]) {
        if crossings.count * 4 >= linkCount {
            var place = [Int](repeating: -1, count: linkCount)
            for link in crossings { place[link] = 0 }
            var used: [Int] = []
            for link in 0..<linkCount where place[link] == 0 {
                place[link] = used.count
                used.append(link)
            }
            return (used, crossings.map { place[$0] })
        }
        var used = crossings
        used.sort()
        var kept = 0
        for i in used.indices where kept == 0 || used[i] != used[kept - 1] {
            used[kept] = used[i]
            kept += 1
        }
        used.removeLast(used.count - kept)
        /// The place of link `link` (one the crossings name) in `used`.
        func dense(_ link: Int) -> Int {
            var low = 0, high = used.count - 1
            while low < high {
                let mid = (low + high) / 2
                if used[mid] < link { low = mid + 1 } else { high = mid }
            }
            return low
        }
        return (used, crossings.map(dense))
    }

    /// Progressive filling of `flows` (ascending) alone, as if no other flow existed.
    /// - Returns: a rate for every flow of the CSR: the filled ones' rates, infinity for the rest.
    private static func fill(_ flows: [Int], routeStart: [Int], routeLinks: [Int], capacities: [Double]) -> [Double] {
        struct Entry: Comparable {
            var share: Double
            var link: Int
            var version: Int
            static func < (a: Entry, b: Entry) -> Bool { (a.share, a.link) < (b.share, b.link) }
        }
        let links = capacities.count
        var waiting = [Int](repeating: 0, count: links)
        for flow in flows { for r in routeStart[flow]..<routeStart[flow + 1] { waiting[routeLinks[r]] += 1 } }
        var userStart = [Int](repeating: 0, count: links + 1)
        for link in 0..<links { userStart[link + 1] = userStart[link] + waiting[link] }
        var userFlows = [Int](repeating: 0, count: userStart[links])
        var filled = userStart
        for flow in flows {
            for r in routeStart[flow]..<routeStart[flow + 1] {
                let link = routeLinks[r]
                userFlows[filled[link]] = flow
                filled[link] += 1
            }
        }
        var capacity = capacities
        var version = [Int](repeating: 0, count: links)
        var heap = Heap<Entry>()
        for link in 0..<links where waiting[link] > 0 {
            heap.insert(Entry(share: capacity[link] / Double(waiting[link]), link: link, version: 0))
        }
        var rate = [Double](repeating: .infinity, count: routeStart.count - 1)
        var fixed = [Bool](repeating: false, count: routeStart.count - 1)
        // The links whose share a fixing step changed, each once (`touchedIn`: the step that last listed it),
        // so that a link gets one new heap entry per step, not one per flow fixed.
        var touched: [Int] = [], touchedIn = [Int](repeating: -1, count: links), step = 0
        while let entry = heap.popMin() {
            guard entry.version == version[entry.link], waiting[entry.link] > 0 else { continue }
            step += 1
            touched.removeAll(keepingCapacity: true)
            for u in userStart[entry.link]..<userStart[entry.link + 1] {
                let flow = userFlows[u]
                guard !fixed[flow] else { continue }
                fixed[flow] = true
                rate[flow] = entry.share
                for r in routeStart[flow]..<routeStart[flow + 1] {
                    let link = routeLinks[r]
                    capacity[link] = max(0, capacity[link] - entry.share)
                    waiting[link] -= 1
                    if touchedIn[link] != step {
                        touchedIn[link] = step
                        touched.append(link)
                    }
                }
            }
            for link in touched where waiting[link] > 0 && link != entry.link {
                version[link] += 1
                heap.insert(Entry(share: capacity[link] / Double(waiting[link]), link: link, version: version[link]))
            }
        }
        return rate
    }
}
