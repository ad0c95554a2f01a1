/// The all-reduce algorithms that libraries run at scale, expanded into transfers:
/// two-level (`hierarchical`), recursive halving-doubling, and a parameter server.
/// Their formulas and sources are in `AllReduceAlgorithm`; the aggregated fidelity's
/// closed forms (`CollectiveModel`) lay out the same phases.
extension TaskGraph {
    /// The c-th of n near-equal pieces of `whole`'s elements (empty when unannotated).
    static func pieces(of whole: Range<Int>?, _ n: Int) -> (Int) -> Range<Int> {
        { c in
            guard let whole else { return 0..<0 }
            return (whole.lowerBound + c * whole.count / n)..<(whole.lowerBound + (c + 1) * whole.count / n)
        }
    }

    /// Intra-node ring reduce-scatter, one ring per local rank across the nodes over
    /// its 1/g shard, intra-node ring all-gather (`AllReduceAlgorithm.hierarchical`).
    /// - Parameter firstNodes: plan only the first unit of the symmetric plan
    ///   (`NodeSymmetry`), its first `firstNodes` nodes (one, or a leaf's): their own rings,
    ///   and their places in each ring across the nodes, which the node shift maps onto
    ///   itself by that many positions; `ready` and the result hold the unit's ranks.
    /// - Precondition: at least two nodes, each with the same number of ranks.
    mutating func hierarchicalAllReduce(bytes: Double, ranks: [Int], nodes: NodeGroups, ready: [[Int]], step: Int, group: String,
                                        whole: Range<Int>?, op: (Range<Int>, Bool) -> Operation?,
                                        firstNodes: Int? = nil) -> [[Int]] {
        let g = nodes.members[0].count, n = nodes.members.count
        precondition(n > 1 && nodes.isUniform, "hierarchical all-reduce needs equal nodes")
        let local = Self.pieces(of: whole, g)
        var state = ready
        let planned = Array(nodes.members.prefix(firstNodes ?? nodes.members.count))
        // 1. Reduce-scatter inside every node: local rank l then holds piece (l + 1) mod g of the node's sum.
        for members in planned {
            let done = ringSteps(0..<(g - 1), bytes: bytes, ranks: members.map { ranks[$0] }, ready: members.map { state[$0] },
                                 step: step, group: group, label: "\(group) intra-node ring", piece: local, op: op)
            for (j, position) in members.enumerated() { state[position] = done[j] }
        }
        // 2. For each local rank, a ring across the nodes all-reduces its shard (B/g).
        for l in 0..<g {
            let column = nodes.members.map { $0[l] }
            let shard = whole.map { _ in local((l + 1) % g) }
            let done = ringSteps(0..<(2 * (n - 1)), bytes: bytes / Double(g), ranks: column.map { ranks[$0] },
                                 ready: column.prefix(firstNodes ?? n).map { state[$0] }, step: step, group: group,
                                 label: "\(group) inter-node ring \(l)", piece: Self.pieces(of: shard, n), op: op,
                                 period: firstNodes)
            for (j, position) in column.prefix(done.count).enumerated() { state[position] = done[j] }
        }
        // 3. All-gather inside every node.
        for members in planned {
            let done = ringSteps((g - 1)..<(2 * (g - 1)), bytes: bytes, ranks: members.map { ranks[$0] },
                                 ready: members.map { state[$0] }, step: step, group: group, label: "\(group) intra-node ring",
                                 piece: local, op: op)
            for (j, position) in members.enumerated() { state[position] = done[j] }
        }
        return state
    }

    /// Recursive halving reduce-scatter and recursive doubling all-gather, MPICH's
    /// way (`AllReduceAlgorithm.halvingDoubling`), with its fold for N not a power of two.
    mutating func halvingDoublingAllReduce(bytes: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                           whole: Range<Int>?, op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let n = ranks.count
        var p = 1
        while p * 2 <= n { p *= 2 }
        let extra = n - p
        /// The position in `ranks` of participant k of the power-of-two algorithm:
        /// the odd rank of each folded pair, then the ranks beyond them.
        func real(_ k: Int) -> Int { k < extra ? 2 * k + 1 : k + extra }
        let everything = whole ?? 0..<0
        // Fold: even rank 2i < 2·extra sends its whole vector to 2i + 1, which adds it.
        var state = (0..<p).map { ready[real($0)] }
        for i in 0..<extra {
            let fold = transfer(bytes, from: ranks[2 * i], to: ranks[2 * i + 1], label: "\(group) halving-doubling fold",
                                after: ready[2 * i], step: step, group: group, operation: op(everything, true))
            state[i] = ready[2 * i + 1] + [fold]
        }
        let piece = Self.pieces(of: whole, p)
        /// The elements of pieces `w` of p.
        func elements(_ w: Range<Int>) -> Range<Int> {
            whole == nil || w.isEmpty ? 0..<0 : piece(w.lowerBound).lowerBound..<piece(w.upperBound - 1).upperBound
        }
        // Reduce-scatter: partners 1, 2, 4, ... apart; the lower keeps the lower half of
        // what both still hold, the upper the upper half; each sends the other half, added.
        var window = [Range<Int>](repeating: 0..<p, count: p)   // the pieces participant k is responsible for
        var mask = 1, round = 0
        while mask < p {
            var sent = [Int](repeating: -1, count: p), kept = window
            for k in 0..<p {
                let partner = k ^ mask, w = window[k], half = w.lowerBound + w.count / 2
                let (keep, give) = k < partner ? (w.lowerBound..<half, half..<w.upperBound) : (half..<w.upperBound, w.lowerBound..<half)
                sent[k] = transfer(bytes * Double(give.count) / Double(p), from: ranks[real(k)], to: ranks[real(partner)],
                                   label: "\(group) halving-doubling reduce-scatter step \(round)", after: state[k], step: step,
                                   group: group, operation: op(elements(give), true))
                kept[k] = keep
            }
            state = (0..<p).map { [sent[$0 ^ mask], sent[$0]] }
            window = kept
            mask <<= 1
            round += 1
        }
        // All-gather: the same partners in reverse; each sends what it holds, copied.
        mask = p / 2
        while mask > 0 {
            var sent = [Int](repeating: -1, count: p), grown = window
            for k in 0..<p {
                let partner = k ^ mask
                sent[k] = transfer(bytes * Double(window[k].count) / Double(p), from: ranks[real(k)], to: ranks[real(partner)],
                                   label: "\(group) halving-doubling all-gather step \(round)", after: state[k], step: step,
                                   group: group, operation: op(elements(window[k]), false))
                grown[k] = min(window[k].lowerBound, window[partner].lowerBound)..<max(window[k].upperBound, window[partner].upperBound)
            }
            state = (0..<p).map { [sent[$0 ^ mask], sent[$0]] }
            window = grown
            mask >>= 1
            round += 1
        }
        // Unfold: each odd rank of a folded pair sends the result back.
        var result = [[Int]](repeating: [], count: n)
        for k in 0..<p { result[real(k)] = state[k] }
        for i in 0..<extra {
            let back = transfer(bytes, from: ranks[2 * i + 1], to: ranks[2 * i], label: "\(group) halving-doubling unfold",
                                after: state[i], step: step, group: group, operation: op(everything, false))
            result[2 * i + 1] = state[i] + [back]
            result[2 * i] = [back]
        }
        return result
    }

    /// Push-pull through server shards in each node's host memory, after an
    /// intra-node reduce-scatter and before an intra-node all-gather
    /// (`AllReduceAlgorithm.parameterServer`). Transfers to and from host memory carry
    /// no operation (the executor has no host memory); the intra-node rings do.
    /// - Precondition: at least two nodes.
    mutating func parameterServerAllReduce(bytes: Double, ranks: [Int], nodes: NodeGroups, ready: [[Int]], step: Int, group: String,
                                           whole: Range<Int>?, op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let servers = nodes.members.count
        precondition(servers > 1, "a parameter server across one node is a ring")
        let hosts = nodes.nodes.map { hostEndpoint(node: $0) }
        var state = ready
        // 1. Reduce-scatter inside each node, then 2. each GPU copies its reduced 1/g to host memory.
        var inHost = [[Int]](repeating: [], count: servers)
        for (a, members) in nodes.members.enumerated() {
            let g = members.count
            let done = ringSteps(0..<(g - 1), bytes: bytes, ranks: members.map { ranks[$0] }, ready: members.map { state[$0] },
                                 step: step, group: group, label: "\(group) intra-node ring", piece: Self.pieces(of: whole, g), op: op)
            for (j, position) in members.enumerated() {
                state[position] = done[j]
                inHost[a].append(transfer(bytes / Double(g), from: ranks[position], to: hosts[a],
                                          label: "\(group) parameter-server copy to host", after: done[j], step: step, group: group))
            }
        }
        // 3. Each node pushes the s-th 1/S of its sum to shard s (its own shard stays in place).
        let shard = bytes / Double(servers)
        var summed = inHost   // per shard: what its sum waits for
        for a in 0..<servers {
            for s in 0..<servers where s != a {
                summed[s].append(transfer(shard, from: hosts[a], to: hosts[s], label: "\(group) parameter-server push",
                                          after: inHost[a], step: step, group: group))
            }
        }
        // 4. Once every part of a shard is in (its sum hidden behind the pushes), every node pulls it.
        var complete = summed   // per node: what holding the whole sum waits for (its own shard first)
        for s in 0..<servers {
            for a in 0..<servers where a != s {
                complete[a].append(transfer(shard, from: hosts[s], to: hosts[a], label: "\(group) parameter-server pull",
                                         after: summed[s], step: step, group: group))
            }
        }
        // 5. Each GPU copies back the piece it reduced, and 6. the node all-gathers.
        for (a, members) in nodes.members.enumerated() {
            let g = members.count
            let copies = members.map { position in
                [transfer(bytes / Double(g), from: hosts[a], to: ranks[position], label: "\(group) parameter-server copy from host",
                          after: complete[a], step: step, group: group)]
            }
            let done = ringSteps((g - 1)..<(2 * (g - 1)), bytes: bytes, ranks: members.map { ranks[$0] }, ready: copies,
                                 step: step, group: group, label: "\(group) intra-node ring", piece: Self.pieces(of: whole, g), op: op)
            for (j, position) in members.enumerated() { state[position] = done[j] }
        }
        return state
    }
}
