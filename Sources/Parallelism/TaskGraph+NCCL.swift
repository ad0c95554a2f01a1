/// NCCL's all-reduce expanded into transfers: rings or trees on the layouts of
/// `NCCLSystem+Layout`, each transfer carrying the protocol's bytes on the wire
/// (data / `NCCLProtocol.wireEfficiency`) and NCCL's latencies. The aggregated
/// fidelity's closed form (`CollectiveModel`) prices the same transfers.
extension TaskGraph {
    /// NCCL's all-reduce of `bytes` over GPUs `ranks` as `run` says.
    /// - Parameters:
    ///   - whole: the bucket's elements, to annotate the ring's transfers for an
    ///     executor; nil leaves them plain. The tree's transfers carry no operation:
    ///     its fluid pipeline sends each edge's share before the subtree's sum is
    ///     complete, which an executor cannot run.
    ///   - symmetry: plan node 0's part only (`NodeSymmetry`; rings only): every ring
    ///     visits the nodes in order, each in the same `nodeOrder`, so the node shift maps
    ///     it onto itself by g positions; `ready` and the result hold node 0's ranks.
    /// - Returns: for each rank, the tasks after which it holds the result and its own
    ///   sends are out.
    mutating func ncclAllReduce(_ run: NCCLRun, bytes: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                whole: Range<Int>?, op: (Range<Int>, Bool) -> Operation?, symmetry: NodeSymmetry? = nil) -> [[Int]] {
        let system = run.system, choice = run.choice
        let n = ranks.count
        let nodes = NodeGroups(ranks: ranks, gpusPerNode: system.gpusPerNode)
        func node(_ gpu: Int) -> Int { gpu / system.gpusPerNode }
        precondition(symmetry == nil || choice.algorithm == .ring, "only NCCL's rings are planned for one node")
        var done = [[Int]](repeating: [], count: ready.count)
        let label = "\(group) nccl \(choice)"
        switch choice.algorithm {
        case .ring:
            let orders = system.ringOrders(nodes)
            let channelPieces = Self.pieces(of: whole, orders.count)
            let planned = symmetry?.ranksPerNode ?? n   // node 0's ranks come first in every order
            for (l, order) in orders.enumerated() {
                let channel = whole.map { _ in channelPieces(l) }
                let result = ringSteps(0..<(2 * (n - 1)), bytes: bytes / Double(orders.count) / choice.proto.wireEfficiency,
                                       ranks: order.map { ranks[$0] }, ready: order.prefix(planned).map { ready[$0] }, step: step,
                                       group: group, label: "\(label) ring \(l)", piece: Self.pieces(of: channel, n), op: op,
                                       latency: { t, a, b in system.ringStepLatency(choice, across: node(a) != node(b), firstStep: t == 0) },
                                       period: symmetry?.ranksPerNode)
                for (j, position) in order.prefix(planned).enumerated() { done[position] += result[j] }
            }
        case .tree:
            let edges = system.treeEdges(choice, nodes: nodes, bytes: bytes)
            let share = bytes / Double(system.treeChannels(nodes)) / choice.proto.wireEfficiency
            for edge in edges {
                let up = transfer(share, from: ranks[edge.child], to: ranks[edge.parent], label: "\(label) tree \(edge.channel) reduce",
                                  after: ready[edge.child], step: step, group: group, latency: edge.reduceLatency)
                let down = transfer(share, from: ranks[edge.parent], to: ranks[edge.child],
                                    label: "\(label) tree \(edge.channel) broadcast", after: ready[edge.parent], step: step,
                                    group: group, latency: edge.broadcastLatency)
                done[edge.child] += [up, down]
                done[edge.parent] += [up, down]
            }
        case .nvls:
            // The switch reduces once every GPU has its gradients: each transfer waits for all.
            let everyone = Array(Set(ready.joined())).sorted()
            let share = bytes * system.nvlsWireShare
            for t in system.nvlsTransfers(ranks: n) {
                let id = transfer(share, from: ranks[t.from], to: ranks[t.to], label: "\(label) nvls", after: everyone, step: step,
                                  group: group, latency: t.latency)
                done[t.from].append(id)
                done[t.to].append(id)
            }
        }
        return done
    }
}
