/// The connected components of a max-min problem's flows (two flows are connected when
/// they cross a common link, directly or through other flows), grouped into classes of
/// components that are copies of one another: equal flow by flow (in ascending flow
/// order) in route length and in the rank of each link crossed among the component's
/// links (ascending link order), with equal capacities rank by rank.
///
/// Progressive filling never moves bandwidth between components, and on one component its
/// steps depend only on the component's own flows, links and capacities, compared in link
/// order (`MaxMinRates`). So two components of one class, mapped rank to rank, run the same
/// steps on the same numbers, and give their flows the same rates to the bit: only one
/// component per class needs to be solved. NCCL's tree at scale is such a problem: each
/// channel's transfers between nodes ride one NIC index on every node (a rail), so the
/// transfers of channels on different rails form copies of one another.
///
/// No property of the topology is assumed: every copy is checked link by link, so a
/// problem without copies is merely solved whole.
struct FlowComponentClasses {
    /// The flows of each component, ascending; components numbered by their first flow.
    let flows: [[Int]]
    /// For each component, the component whose rates it takes (itself for the first of
    /// its class).
    let representative: [Int]

    /// Whether any component takes another's rates.
    var hasCopies: Bool { representative.indices.contains { representative[$0] != $0 } }

    /// - Parameters:
    ///   - routeStart: flow `f` crosses `routeLinks[routeStart[f]..<routeStart[f + 1]]`.
    ///   - routeLinks: dense link numbers, `0..<capacities.count`.
    ///   - capacities: bytes/s of each dense link.
    /// - Complexity: O(E log L + L) at worst for E link crossings and L links (union-find
    ///   with path halving, no union by rank), plus the comparison of each component with
    ///   the classes its signature's hash names.
    init(routeStart: [Int], routeLinks: [Int], capacities: [Double]) {
        let flowCount = routeStart.count - 1, linkCount = capacities.count
        // Union-find over links: a flow joins every link it crosses.
        var parent = Array(0..<linkCount)
        func root(_ link: Int) -> Int {
            var l = link
            while parent[l] != l {
                parent[l] = parent[parent[l]]
                l = parent[l]
            }
            return l
        }
        for f in 0..<flowCount where routeStart[f + 1] > routeStart[f] {
            let first = root(routeLinks[routeStart[f]])
            for r in (routeStart[f] + 1)..<routeStart[f + 1] {
                let other = root(routeLinks[r])
                if other != first { parent[other] = first }
            }
        }
        // Components numbered in the order of their first flow; flows crossing no link form none.
        var componentOfRoot = [Int](repeating: -1, count: linkCount)
        var flows: [[Int]] = []
        for f in 0..<flowCount where routeStart[f + 1] > routeStart[f] {
            let r = root(routeLinks[routeStart[f]])
            if componentOfRoot[r] < 0 {
                componentOfRoot[r] = flows.count
                flows.append([])
            }
            flows[componentOfRoot[r]].append(f)
        }
        // Each component's links ascending, and each link's rank among them.
        var links = [[Int]](repeating: [], count: flows.count)
        var rank = [Int](repeating: 0, count: linkCount)
        for link in 0..<linkCount {
            let c = componentOfRoot[root(link)]
            guard c >= 0 else { continue }
            rank[link] = links[c].count
            links[c].append(link)
        }
        func signature(_ c: Int) -> Int {
            var hasher = Hasher()
            hasher.combine(flows[c].count)
            for f in flows[c] {
                hasher.combine(routeStart[f + 1] - routeStart[f])
                for r in routeStart[f]..<routeStart[f + 1] { hasher.combine(rank[routeLinks[r]]) }
            }
            for link in links[c] { hasher.combine(capacities[link].bitPattern) }
            return hasher.finalize()
        }
        func isCopy(_ c: Int, of d: Int) -> Bool {
            guard flows[c].count == flows[d].count, links[c].count == links[d].count else { return false }
            for (f, g) in zip(flows[c], flows[d]) {
                guard routeStart[f + 1] - routeStart[f] == routeStart[g + 1] - routeStart[g] else { return false }
                for i in 0..<(routeStart[f + 1] - routeStart[f])
                where rank[routeLinks[routeStart[f] + i]] != rank[routeLinks[routeStart[g] + i]] { return false }
            }
            return zip(links[c], links[d]).allSatisfy { capacities[$0].bitPattern == capacities[$1].bitPattern }
        }
        var classes: [Int: [Int]] = [:]   // signature -> the first component of each class with it
        var representative = Array(flows.indices)
        for c in flows.indices {
            let key = signature(c)
            if let match = classes[key]?.first(where: { isCopy(c, of: $0) }) {
                representative[c] = match
            } else {
                classes[key, default: []].append(c)
            }
        }
        self.flows = flows
        self.representative = representative
    }
}
