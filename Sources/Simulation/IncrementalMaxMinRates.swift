/// Max-min fair rates (`MaxMinRates`) of a set of flows that changes one start or end
/// at a time, recomputed after a change only for the flows it can affect: those
/// connected to a started or ended flow's links through links they share (its
/// component). The tree all-reduce's fluid run (`CollectiveModel.treeFinishTimes`)
/// re-shares after every transfer that starts or ends; recomputing every active flow
/// each time was half of its time, where each change touches a handful of flows.
///
/// Exactness: progressive filling never moves bandwidth between flows of different
/// components (a fixed flow's share comes off only the links it crosses), and on one
/// component alone its heap pops that component's links in the same (share, link)
/// order as among all of them (`MaxMinRates` numbers links in ascending order, and
/// each link's shares only grow as flows are fixed), subtracting the same shares in
/// the same order. So every rate is bit for bit what `MaxMinRates.rates` gives for the
/// whole set (`IncrementalMaxMinRatesTests` checks it over thousands of seeds).
///
/// Cost per refresh: O(R × F × H) to find the component (R rounds of its breadth, F
/// flows, H links per route) plus `MaxMinRates.rates` on the component alone.
struct IncrementalMaxMinRates {
    let capacities: [Double]
    /// Each flow's rate in bytes/s, in the order flows were added (less those removed);
    /// valid after `refresh`.
    private(set) var rates: [Double] = []
    /// Links of flows started or ended since the last refresh.
    private var touched: [Int] = []
    /// `linkStamp[l] == stamp`: link l is in the component being gathered.
    private var linkStamp: [Int]
    private var stamp = 0

    /// - Parameter capacities: bytes/s of each link (indexed as the routes index them).
    init(capacities: [Double]) {
        self.capacities = capacities
        linkStamp = [Int](repeating: 0, count: capacities.count)
    }

    /// Whether a flow has started or ended since the last `refresh`.
    var isStale: Bool { !touched.isEmpty }

    /// A flow starts on `route`, after the existing ones.
    mutating func append(route: [Int]) {
        rates.append(.infinity)   // a flow that crosses no link is not slowed by any
        touched.append(contentsOf: route)
    }

    /// The flows at `indices` (ascending) end; `routes[i]` is flow i's route.
    mutating func remove(at indices: [Int], routes: (Int) -> [Int]) {
        for i in indices.reversed() {
            touched.append(contentsOf: routes(i))
            rates.remove(at: i)
        }
    }

    /// Recomputes the rates of the flows connected to what changed; `routes(i)` is flow
    /// i's route, for every current flow (`rates.count` of them).
    mutating func refresh(routes: (Int) -> [Int]) {
        guard !touched.isEmpty else { return }
        stamp += 1
        for link in touched { linkStamp[link] = stamp }
        touched.removeAll(keepingCapacity: true)
        var inComponent = [Bool](repeating: false, count: rates.count)
        var grew = true
        while grew {
            grew = false
            for flow in rates.indices where !inComponent[flow] {
                let route = routes(flow)
                guard route.contains(where: { linkStamp[$0] == stamp }) else { continue }
                inComponent[flow] = true
                grew = true
                for link in route { linkStamp[link] = stamp }
            }
        }
        let component = rates.indices.filter { inComponent[$0] }
        let fresh = MaxMinRates.rates(routes: component.map(routes), capacities: capacities)
        for (k, flow) in component.enumerated() { rates[flow] = fresh[k] }
    }
}
