import Hardware

/// The legs of many transfers (`Topology.legs`) in three flat arrays instead of an array
/// per leg and per transfer: a fluid phase of NCCL's tree at 65,536 GPUs routes a quarter
/// of a million transfers, and their arrays were a sixth of its time (allocation, and the
/// page faults of memory touched once).
///
/// Transfer `t`'s legs are the legs `j` in `transferStart[t]..<transferStart[t + 1]` (counted
/// over all transfers), leg `j` the links `links[legEnds[j]..<legEnds[j + 1]]`.
struct TransferLegs {
    /// Every leg's links, leg after leg, transfer after transfer.
    private(set) var links: [Int] = []
    /// Where each leg's links start in `links`, and one past the last leg's end.
    private(set) var legEnds: [Int] = [0]
    /// Where each transfer's legs start in `legEnds`, and one past the last transfer's.
    private var transferStart: [Int] = [0]

    /// Routes `transfers` on `topology`, in order.
    init(_ transfers: [(from: Int, to: Int)], on topology: Topology) {
        transferStart.reserveCapacity(transfers.count + 1)
        legEnds.reserveCapacity(transfers.count + 1)
        for (from, to) in transfers {
            topology.appendLegs(from: from, to: to, links: &links, legEnds: &legEnds)
            transferStart.append(legEnds.count - 1)
        }
    }

    /// How many transfers there are.
    var count: Int { transferStart.count - 1 }

    /// How many legs transfer `t` moves in.
    func legCount(of t: Int) -> Int { transferStart[t + 1] - transferStart[t] }

    /// The links of transfer `t`'s leg `k` (k < `legCount(of: t)`).
    func links(of t: Int, leg k: Int) -> ArraySlice<Int> {
        let j = transferStart[t] + k
        return links[legEnds[j]..<legEnds[j + 1]]
    }

    /// Every link transfer `t` crosses, leg after leg.
    func allLinks(of t: Int) -> ArraySlice<Int> { links[legEnds[transferStart[t]]..<legEnds[transferStart[t + 1]]] }

    /// The routes of leg `k` of `transfers` (ascending, each with such a leg), as `MaxMinRates`
    /// takes them: where every transfer has a single leg and all are asked for, the arrays
    /// themselves, else copied.
    func routes(leg k: Int, of transfers: [Int]) -> (routeStart: [Int], routeLinks: [Int]) {
        if k == 0 && transfers.count == count && legEnds.count == count + 1 { return (legEnds, links) }
        var routeStart = [0], routeLinks: [Int] = []
        routeStart.reserveCapacity(transfers.count + 1)
        for t in transfers {
            routeLinks.append(contentsOf: links(of: t, leg: k))
            routeStart.append(routeLinks.count)
        }
        return (routeStart, routeLinks)
    }
}
