extension TaskGraph {
    /// A collective of `kind` among GPUs `ranks`, expanded into the transfers of the
    /// algorithm a library runs it with (`CollectiveKind`): the ring's steps for an
    /// all-gather or a reduce-scatter (`ringSteps`: the second or first half of the
    /// ring all-reduce), a pipelined chain in ring order from the root for a broadcast
    /// (`chainBroadcast`), and the same chain backwards into the root for a reduce
    /// (`chainReduce`). `bytes` is the whole message (`CollectiveKind`).
    /// - Parameters:
    ///   - root: for a broadcast or a reduce, the position in `ranks` of the rank that
    ///     sends or receives the message.
    ///   - ready: for each rank, the tasks after which its part is ready.
    ///   - receiverReady: for each rank (empty: none), the tasks after which it can
    ///     receive: the first transfer into it waits for them too (as a collective's
    ///     kernel must run on both ends of a hop).
    ///   - ncclRing: an all-gather or reduce-scatter on NCCL's rings (every layout of
    ///     `NCCLSystem.ringOrders` carrying 1/layouts of the message over the protocol's
    ///     wire efficiency, each step at least NCCL's step latency, the base latency on the
    ///     first, as `ncclAllReduce`'s ring); nil: the one ring in rank order.
    /// - Returns: for each rank, the tasks after which it holds its result (for a
    ///   reduce, every rank but the root its own `ready`: it keeps nothing).
    ///
    /// The transfers carry no executor operation: a ring step relays another rank's
    /// part, which `Operation` cannot name (the executor refuses such plans).
    public mutating func exchange(_ kind: CollectiveKind, bytes: Double, ranks: [Int], root: Int = 0, ready: [[Int]], step: Int,
                                  group: String, ncclRing: NCCLRun? = nil, receiverReady: [[Int]] = []) -> [[Int]] {
        let n = ranks.count
        guard n > 1 else { return ready }
        func receiver(_ position: Int) -> [Int] { position < receiverReady.count ? receiverReady[position] : [] }
        let fromRoot = (0..<n).map { (root + $0) % n }
        switch kind {
        case .allGather, .reduceScatter, .allReduce:
            let steps = kind == .allGather ? (n - 1)..<(2 * (n - 1)) : kind == .reduceScatter ? 0..<(n - 1) : 0..<(2 * (n - 1))
            if let run = ncclRing {
                let system = run.system, choice = run.choice
                let orders = system.ringOrders(NodeGroups(ranks: ranks, gpusPerNode: system.gpusPerNode))
                var done = [[Int]](repeating: [], count: n)
                for (l, order) in orders.enumerated() {
                    let result = ringSteps(steps, bytes: bytes / Double(orders.count) / choice.proto.wireEfficiency,
                                           ranks: order.map { ranks[$0] }, ready: order.map { ready[$0] }, receiverReady: order.map(receiver),
                                           step: step, group: group,
                                           label: "\(group) nccl \(choice) ring \(l)", piece: { _ in 0..<0 }, op: { _, _ in nil },
                                           latency: { t, a, b in
                        system.ringStepLatency(choice, across: a / system.gpusPerNode != b / system.gpusPerNode, firstStep: t == steps.lowerBound)
                    }, pipelined: true, ceiling: system.ringTransferCeilingBytesPerSecond(choice, layouts: orders.count))
                    for (j, position) in order.enumerated() { done[position] += result[j] }
                }
                return done
            }
            // ringSteps sends 1/n of its bytes per step, the same count as the whole message's 1/N here.
            return ringSteps(steps, bytes: bytes, ranks: ranks, ready: ready, receiverReady: receiverReady, step: step, group: group,
                             label: "\(group) ring", piece: { _ in 0..<0 }, op: { _, _ in nil })
        case .broadcast:
            let chain = fromRoot.map { ranks[$0] }
            var byEndpoint = [[Int]](repeating: [], count: receiverReady.isEmpty ? 0 : (chain.max() ?? 0) + 1)
            for (k, position) in fromRoot.enumerated() where !byEndpoint.isEmpty { byEndpoint[chain[k]] = receiver(position) }
            let held = chainBroadcast(bytes, chain: chain, ready: ready[root], receiverReady: byEndpoint, step: step, group: group)
            var out = ready
            for (k, position) in fromRoot.enumerated() { out[position] = held[k] }
            return out
        case .reduce:
            let chain = Array(fromRoot.dropFirst()) + [root]
            var out = ready
            out[root] = chainReduce(bytes, chain: chain.map { ranks[$0] }, ready: chain.map { ready[$0] },
                                    receiverReady: receiverReady.isEmpty ? [] : chain.map(receiver), step: step, group: group)
            return out
        }
    }
}
