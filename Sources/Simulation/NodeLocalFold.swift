import Hardware

/// Which transfers of a fluid phase (`CollectiveModel.fluidShares`) need routes and max-min
/// shares of their own where every node runs the same transfers inside it, as NCCL's tree
/// does (each channel's chain through a node is the same in every node, `NCCLSystem.treeEdges`).
///
/// On a wiring the node shift maps onto itself (`Topology+NodeShift`), node `k`'s transfers
/// inside it are the images of node `k mod s`'s in the first unit (checked here, transfer by
/// transfer in phase order), and their routes the images of those routes. Where no transfer
/// between nodes crosses a link that a transfer inside a node crosses (checked on the routes,
/// `isolates`), the max-min problem falls apart into one part per node, on that node's links
/// alone, and the transfers between nodes: every node's part is its image's in the first unit,
/// with equal capacities and, where the shift keeps the order of link indices
/// (`Topology.nodeShiftKeepsLinkOrder`), the same ties, so progressive filling gives its flows
/// the same rates to the bit. Only the first unit's transfers inside nodes and the transfers
/// between nodes are then routed and shared out: at 65,536 GPUs, NCCL's tree on DGX-like nodes
/// routes about 0.3 M transfers instead of 2.1 M.
struct NodeLocalFold {
    /// The transfers to route and share out, ascending: the first unit's inside a node, and
    /// every transfer between nodes (or to or from host memory).
    let priced: [Int]
    /// For every transfer of the phase, the place in `priced` of the transfer whose rates and
    /// route latency it takes: its own, or its image's in the first unit.
    let representative: [Int]
    /// Which of `priced` run inside a node of the first unit.
    let isInsideNode: [Bool]

    /// Nil where the phase's transfers inside nodes are not node after node the images of
    /// the first unit's, where no node has any, or where the shift may reorder ties.
    /// - Precondition: the wiring is symmetric (`Topology.nodeShiftRefusal` is nil).
    /// - Complexity: O(transfers + links).
    init?(_ transfers: [(from: Int, to: Int)], topology: Topology) {
        guard topology.nodeShiftKeepsLinkOrder else { return nil }
        let perNode = topology.gpusPerNode, unit = topology.nodeShiftNodes, gpus = topology.gpuCount
        /// The node both ends of transfer `t` are GPUs of, if they are of one.
        func node(_ t: Int) -> Int? {
            let (a, b) = (transfers[t].from, transfers[t].to)
            guard a < gpus, b < gpus, a / perNode == b / perNode else { return nil }
            return a / perNode
        }
        var firstUnit = [[Int]](repeating: [], count: unit)   // each first-unit node's transfers inside it, in order
        var place = [Int](repeating: -1, count: transfers.count)
        var priced: [Int] = [], isInsideNode: [Bool] = []
        for t in transfers.indices {
            let inside = node(t)
            if let inside, inside >= unit { continue }
            if let inside { firstUnit[inside].append(t) }
            place[t] = priced.count
            priced.append(t)
            isInsideNode.append(inside != nil)
        }
        guard priced.count < transfers.count else { return nil }
        var matched = [Int](repeating: 0, count: topology.nodeCount)
        var representative = [Int](repeating: -1, count: transfers.count)
        for t in transfers.indices {
            guard let inside = node(t), inside >= unit else {
                representative[t] = place[t]
                continue
            }
            let image = inside % unit, offset = (inside - image) * perNode
            let candidates = firstUnit[image], i = matched[inside]
            guard i < candidates.count, transfers[candidates[i]].from + offset == transfers[t].from,
                  transfers[candidates[i]].to + offset == transfers[t].to else { return nil }
            representative[t] = place[candidates[i]]
            matched[inside] += 1
        }
        guard (unit..<topology.nodeCount).allSatisfy({ matched[$0] == firstUnit[$0 % unit].count }) else { return nil }
        self.priced = priced
        self.representative = representative
        self.isInsideNode = isInsideNode
    }

    /// Whether the max-min problem falls apart as the type's documentation says, given the
    /// legs of `priced` (`Topology.legs`): the first unit's transfers inside nodes cross only
    /// links of the first unit, and no transfer between nodes crosses a link whose image in the
    /// first unit one of them crosses.
    func isolates(_ legs: TransferLegs, on topology: Topology) -> Bool {
        var insideNodes = [Bool](repeating: false, count: topology.links.count)
        for p in 0..<legs.count where isInsideNode[p] {
            for link in legs.allLinks(of: p) {
                guard topology.shiftUnit(ofLink: link) == 0 else { return false }
                insideNodes[link] = true
            }
        }
        for p in 0..<legs.count where !isInsideNode[p] {
            for link in legs.allLinks(of: p) where insideNodes[topology.firstNodeImage(ofLink: link)] { return false }
        }
        return true
    }
}
