/// NCCL's all-reduce expanded into transfers: rings or trees on the layouts of
/// `NCCLSystem+Layout`, each transfer carrying the protocol's bytes on the wire
/// (data / `NCCLProtocol.wireEfficiency`; the tree's over `NCCLSystem.treeDataEfficiency`,
/// which carries NCCL's size correction under LL and LL128) and NCCL's latencies. The aggregated
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
                                       period: symmetry?.ranksPerNode, pipelined: true,
                                       ceiling: system.ringTransferCeilingBytesPerSecond(choice, layouts: orders.count))
                for (j, position) in order.prefix(planned).enumerated() { done[position] += result[j] }
            }
        case .tree:
            let edges = system.treeEdges(choice, nodes: nodes, bytes: bytes)
            let share = bytes / Double(system.treeChannels(nodes)) / system.treeDataEfficiency(choice, bytes: bytes)
            let ceiling = system.treeTransferCeilingBytesPerSecond(choice, simulatedChannels: system.treeChannels(nodes))
            var transfers: [(up: Int, down: Int)] = []
            transfers.reserveCapacity(edges.count)
            for edge in edges {
                let up = transfer(share, from: ranks[edge.child], to: ranks[edge.parent], label: "\(label) tree \(edge.channel) reduce",
                                  after: ready[edge.child], step: step, group: group, latency: edge.reduceLatency)
                let down = transfer(share, from: ranks[edge.parent], to: ranks[edge.child],
                                    label: "\(label) tree \(edge.channel) broadcast", after: ready[edge.parent], step: step,
                                    group: group, latency: edge.broadcastLatency)
                limitRate(of: up, toBytesPerSecond: ceiling)
                limitRate(of: down, toBytesPerSecond: ceiling)
                transfers.append((up, down))
            }
            done = Self.treeCompletion(edges, transfers: transfers, ranks: n)
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

    /// For each of `ranks` ranks, the transfers of a tree all-reduce after which it holds
    /// the result and its own sends are out: in every channel, the reduce and broadcast
    /// transfers of each edge on its path to the root, the reduces into the root, and its
    /// broadcasts to its children. The transfers are fluid flows, each
    /// at its own edge's pace, none waiting for the data it forwards: a rank whose own edges
    /// are NVLink hops held the sum before the network hop had carried it, and began its next
    /// step early (two nodes' GPUs drifted apart within a step). The tree's other branches are
    /// not waited for: each is the path's image through other ranks, at the same pace.
    /// - Parameter transfers: each edge's reduce and broadcast transfers, as `edges` lists them.
    static func treeCompletion(_ edges: [NCCLSystem.TreeEdge], transfers: [(up: Int, down: Int)], ranks: Int) -> [[Int]] {
        var done = [[Int]](repeating: [], count: ranks)
        var first = 0
        while first < edges.count {
            let channel = edges[first].channel
            var last = first
            while last < edges.count && edges[last].channel == channel { last += 1 }
            // This channel's edge into each rank from its parent, the reduces into each rank and its broadcasts.
            var edgeOf = [Int](repeating: -1, count: ranks)
            var reducesInto = [[Int]](repeating: [], count: ranks), broadcastsFrom = [[Int]](repeating: [], count: ranks)
            for e in first..<last {
                edgeOf[edges[e].child] = e
                reducesInto[edges[e].parent].append(transfers[e].up)
                broadcastsFrom[edges[e].parent].append(transfers[e].down)
            }
            for rank in 0..<ranks {
                var root = rank, path: [Int] = []
                while edgeOf[root] >= 0 {
                    let e = edgeOf[root]
                    path += [transfers[e].up, transfers[e].down]
                    root = edges[e].parent
                }
                if root == rank && reducesInto[rank].isEmpty { continue }   // not in this channel's tree
                done[rank] += path + reducesInto[root] + broadcastsFrom[rank]
            }
            first = last
        }
        return done.map(Self.distinct)   // a root's child's reduce is on its path and into the root
    }
}
