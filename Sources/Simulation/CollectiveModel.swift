import Hardware
import Parallelism

/// Closed forms of all-reduce time on a topology, with the contention its
/// concurrent transfers imply: the aggregated fidelity's price of a collective.
///
/// Every phase of an algorithm runs a set of transfers at once. A transfer's
/// bandwidth is that of the tightest link on its route shared equally by the
/// phase's transfers crossing it (the max-min share when, as here, the transfers
/// of a phase are alike); the phase lasts as long as its slowest transfer,
/// bytes / share + route latency. So the time is linear in the bytes:
/// `t(B) = B · secondsPerByte + latencySeconds`, computed once per algorithm.
/// - ring: 2(N−1) phases of N transfers of B/N to the next rank;
/// - tree: up and down a binary tree, one phase per level, B per transfer;
/// - direct: a reduce-scatter phase and an all-gather phase, N(N−1) transfers of B/N.
/// On idle uniform links these reduce to the closed forms in `AllReduceAlgorithm`.
public final class CollectiveModel {
    private let topology: Topology
    private var cache: [String: (secondsPerByte: Double, latency: Double)] = [:]

    public init(topology: Topology) { self.topology = topology }

    /// Seconds for an all-reduce of `work.bytes` among ranks 0..<work.ranks.
    public func seconds(for work: CollectiveWork) -> Double {
        guard work.ranks > 1 else { return 0 }
        let key = "\(work.algorithm.rawValue)/\(work.ranks)"
        if cache[key] == nil { cache[key] = closedForm(work.algorithm, ranks: work.ranks) }
        let (secondsPerByte, latency) = cache[key]!
        return work.bytes * secondsPerByte + latency
    }

    /// A phase: transfers (source, destination) of `fraction` of the message each.
    private struct Phase {
        var pairs: [(Int, Int)]
        var fraction: Double
    }

    private func closedForm(_ algorithm: AllReduceAlgorithm, ranks n: Int) -> (secondsPerByte: Double, latency: Double) {
        var phases: [(phase: Phase, repeats: Int)] = []
        switch algorithm {
        case .ring:
            phases = [(Phase(pairs: (0..<n).map { ($0, ($0 + 1) % n) }, fraction: 1 / Double(n)), 2 * (n - 1))]
        case .direct:
            let all = (0..<n).flatMap { i in (0..<n).filter { $0 != i }.map { (i, $0) } }
            phases = [(Phase(pairs: all, fraction: 1 / Double(n)), 2)]
        case .tree:
            // Level by level up the binary tree of ranks (parent of r is (r−1)/2), then down.
            var levels: [[(Int, Int)]] = []
            var depthOf = [Int](repeating: 0, count: n)
            for r in 1..<n { depthOf[r] = depthOf[(r - 1) / 2] + 1 }
            let depth = depthOf.max() ?? 0
            for d in stride(from: depth, through: 1, by: -1) {
                levels.append((1..<n).filter { depthOf[$0] == d }.map { ($0, ($0 - 1) / 2) })
            }
            for level in levels { phases.append((Phase(pairs: level, fraction: 1), 1)) }
            for level in levels.reversed() { phases.append((Phase(pairs: level.map { ($0.1, $0.0) }, fraction: 1), 1)) }
        }
        var perByte = 0.0, latency = 0.0
        for (phase, repeats) in phases {
            var count = [Int](repeating: 0, count: topology.links.count)
            let routes = phase.pairs.map { topology.route(from: $0.0, to: $0.1) }
            for route in routes { for link in route { count[link] += 1 } }
            var slowestPerByte = 0.0, slowestLatency = 0.0
            for route in routes {
                let share = route.map { topology.links[$0].bytesPerSecond / Double(count[$0]) }.min() ?? .infinity
                slowestPerByte = max(slowestPerByte, phase.fraction / share)
                slowestLatency = max(slowestLatency, topology.latency(of: route))
            }
            perByte += slowestPerByte * Double(repeats)
            latency += slowestLatency * Double(repeats)
        }
        return (perByte, latency)
    }
}
