/// How ScaleCast lays NCCL's rings and trees over the cluster's links, shared by
/// the expanded plan (`TaskGraph.ncclAllReduce`) and the aggregated closed form
/// (`CollectiveModel`), so that both price the same transfers.
///
/// NCCL runs a collective on many channels (one thread block each); channels that
/// take the same route only share its bandwidth, so ScaleCast simulates one channel
/// per distinct route, a *layout*: one per rail (the node's NICs a ring enters and
/// leaves by) and one per ring stride on an NVLink mesh (`NCCLSystem.rails`,
/// `strides`). Each layout carries its share of the message.
///
/// Latency. A step's transfer takes NCCL's per-step latency for its hop and
/// protocol (`stepLatencyMicroseconds`, from `hwLatencies`) as a floor under the
/// route's own latency (`TransferLatency`), and the collective's base latency is
/// added once, to its first step.
///
/// The tree is pipelined: NCCL cuts each channel's data into chunks
/// (`NCCLProtocol.treeChunkBytes`, at most the data per channel) that stream up the
/// tree while earlier ones stream down. ScaleCast runs it as a fluid pipeline: every
/// edge carries its whole share, up and down at once, as concurrent transfers
/// sharing the links, and the pipeline's fill (the last data's climb from the
/// deepest rank to the root and descent to each rank, one hop at a time) is added to
/// the transfers that deliver the result. Under Simple a rank forwards a chunk once
/// all of it has arrived (its step's flag follows the data), so each hop costs its
/// step latency plus a chunk at one channel's bandwidth, `chunk / (efficiency × speed
/// per channel)`, and an idle tree takes about `(its busiest link's bytes) / bandwidth
/// + depth up and down × (latency + chunk time)`, the pipelined tree's classic form
/// (`(K + D − 1)` chunk times for K chunks over D hops). Under LL and LL128 every line
/// carries its own flag and each warp reduces and forwards its slice of lines as soon
/// as their flags arrive (`src/device/prims_ll128.h`, `GenericOp` and
/// `recvReduceSendCopy`; `prims_ll.h` alike), so the pipeline moves line by line and
/// a hop costs its step latency alone: the depth's latencies, as NCCL's own model
/// prices the tree (`tuning.cc`: per-hop latency times the depth, no chunk term).
extension NCCLSystem {
    /// One edge of a simulated tree channel: the reduce goes from `child` to `parent`,
    /// the broadcast back; positions index the communicator's ranks.
    public struct TreeEdge: Sendable, Equatable {
        public var channel: Int
        public var child: Int
        public var parent: Int
        /// Whether the edge joins two nodes (a network hop) or two GPUs of a node.
        public var across: Bool
        /// The reduce transfer's latency (the root's incoming edges carry the fill).
        public var reduceLatency: TransferLatency
        /// The broadcast transfer's latency (every one carries the fill to its child).
        public var broadcastLatency: TransferLatency
    }

    /// The order in which layout `l`'s ring or chain visits the `m` ranks of one node
    /// (positions 0..<m among the node's ranks, the NIC of position p its even share,
    /// rail `p·rails / m`): it steps by the layout's stride from the start `ringStart`
    /// gives, so that the layouts leave each node through different NICs, enter it through
    /// different NICs and, on a mesh, use different links.
    public func nodeOrder(layout l: Int, members m: Int) -> [Int] {
        guard m > 1 else { return Array(0..<m) }
        let start = ringStart(layout: l, members: m), stride = layoutStride(l, members: m)
        return (0..<m).map { (start + $0 * stride) % m }
    }

    /// Layout `l`'s stride through a node of `m` ranks (1 where the mesh's is not coprime to `m`).
    func layoutStride(_ l: Int, members m: Int) -> Int {
        let stride = strides[l % strides.count]
        return Self.gcd(stride, m) == 1 ? stride : 1
    }

    /// The first rank of layout `l`'s order in a node of `m` ranks (where the ring enters the
    /// node; it leaves from the last, `start − stride`). Layout k enters on its own rail's first
    /// rank, `(k mod rails)·m / rails`, unless that would leave by a rail another layout of its
    /// round (`rails` layouts) already leaves by, or enter by one already entered; then the rank
    /// whose exit and entry rails are least used, nearest after that first rank. So layouts that
    /// never collided keep their orders (NVSwitch, one NIC, a PCIe tree, a 2- or 8-NIC mesh), and
    /// on a 4-NIC mesh (strides 1, 3, 5, 7 from ranks 0, 2, 4, 6, each leaving by rank 7 until
    /// 2026-12-07: one NIC carried a node's whole send, and 4 NICs ran slower than 2) the layouts
    /// leave and enter by four different NICs. The NIC of rank p is taken as its even share.
    func ringStart(layout l: Int, members m: Int) -> Int {
        func rail(_ p: Int) -> Int { p * rails / m }
        var exited = [Int](repeating: 0, count: rails), entered = exited
        var start = 0
        for k in 0...l {
            if k % rails == 0 { (exited, entered) = ([Int](repeating: 0, count: rails), [Int](repeating: 0, count: rails)) }
            let stride = layoutStride(k, members: m), preferred = (k % rails) * m / rails
            func key(_ s: Int) -> (Int, Int, Int) { (exited[rail((s - stride % m + m) % m)], entered[rail(s)], (s - preferred + m) % m) }
            start = (0..<m).min { key($0) < key($1) }!
            exited[rail((start - stride % m + m) % m)] += 1
            entered[rail(start)] += 1
        }
        return start
    }

    /// Simulated ring layouts: enough to use every rail and every mesh stride.
    public var layouts: Int { max(rails, strides.count) }

    /// Each ring layout's order over the ranks (positions in `nodes`' rank list):
    /// node after node, each node visited in `nodeOrder`.
    public func ringOrders(_ nodes: NodeGroups) -> [[Int]] {
        (0..<layouts).map { l in
            // One order per node size (all nodes but perhaps the last hold as many ranks), not one per node.
            var orders: [Int: [Int]] = [:]
            return nodes.members.flatMap { m in
                let order = orders[m.count] ?? nodeOrder(layout: l, members: m.count)
                orders[m.count] = order
                return order.map { m[$0] }
            }
        }
    }

    /// The latency of a ring step's transfer under `choice`: NCCL's step latency for
    /// the hop as its floor, and on the first step the collective's base latency.
    public func ringStepLatency(_ choice: NCCLChoice, across: Bool, firstStep: Bool) -> TransferLatency {
        TransferLatency(floorSeconds: stepLatencyMicroseconds(choice, across: across) * 1e-6,
                        addedSeconds: firstStep ? baseLatencyMicroseconds(choice) * 1e-6 : 0)
    }

    /// Simulated tree channels: two trees (NCCL's double binary tree) per layout
    /// across nodes; inside one node, one chain per layout.
    public func treeChannels(_ nodes: NodeGroups) -> Int { layouts * (nodes.members.count > 1 ? 2 : 1) }

    /// The edges of every simulated tree channel for an all-reduce of `bytes` under
    /// `choice`: in each node a chain in `nodeOrder` from its head (the first rank),
    /// and the heads joined by NCCL's double binary tree over the nodes, channel c of
    /// the layouts taking tree `c / layouts` (the first tree, then the mirrored or
    /// shifted one). The edges are `treeLayout`'s, their latencies `treeLatencies`'.
    public func treeEdges(_ choice: NCCLChoice, nodes: NodeGroups, bytes: Double) -> [TreeEdge] {
        let layout = treeLayout(nodes)
        let latencies = treeLatencies(choice, layout: layout, bytes: bytes)
        var edges: [TreeEdge] = []
        edges.reserveCapacity(layout.edgeCount)
        for (c, channel) in layout.channels.enumerated() {
            for link in channel.links {
                let e = edges.count
                edges.append(TreeEdge(channel: c, child: link.child, parent: link.parent, across: link.across,
                                      reduceLatency: latencies[2 * e], broadcastLatency: latencies[2 * e + 1]))
            }
        }
        return edges
    }

    /// The simulated tree channels without their latencies, which are all that the message
    /// size changes (`treeLatencies`): the aggregated price keeps one layout for a
    /// collective's every bucket.
    public struct TreeLayout: Sendable {
        public struct Channel: Sendable {
            /// The channel's edges (reduce from `child` to `parent`), node after node: the
            /// node's head to its parent in the tree across nodes, then its chain.
            public var links: [(child: Int, parent: Int, across: Bool)]
            /// Each rank's parent in the channel (−1: the root, or a rank not in it).
            var parentOf: [Int]
            /// Whether each rank's edge to its parent joins two nodes.
            var acrossTo: [Bool]
            /// The channel's ranks, chain after chain.
            var members: [Int]
        }
        public var channels: [Channel]
        /// Edges over all channels.
        public var edgeCount: Int { channels.reduce(0) { $0 + $1.links.count } }
    }

    /// The tree channels `treeEdges` lays out, without latencies.
    public func treeLayout(_ nodes: NodeGroups) -> TreeLayout {
        let k = nodes.members.count
        let ranks = nodes.members.reduce(0) { max($0, ($1.max() ?? -1) + 1) }
        var channels: [TreeLayout.Channel] = []
        for c in 0..<treeChannels(nodes) {
            let shape = c / layouts
            var orders: [Int: [Int]] = [:]   // this layout's order through a node, by its member count
            let chains = nodes.members.map { m in
                if orders[m.count] == nil { orders[m.count] = nodeOrder(layout: c % layouts, members: m.count) }
                return orders[m.count]!.map { m[$0] }
            }
            var links: [(child: Int, parent: Int, across: Bool)] = []
            links.reserveCapacity(ranks)
            var parentOf = [Int](repeating: -1, count: ranks), acrossTo = [Bool](repeating: false, count: ranks)
            for (a, chain) in chains.enumerated() {
                if let up = Self.doubleTreeParent(a, of: k, tree: shape) {
                    links.append((chain[0], chains[up][0], true))
                    (parentOf[chain[0]], acrossTo[chain[0]]) = (chains[up][0], true)
                }
                for i in chain.indices.dropFirst() {
                    links.append((chain[i], chain[i - 1], false))
                    (parentOf[chain[i]], acrossTo[chain[i]]) = (chain[i - 1], false)
                }
            }
            channels.append(TreeLayout.Channel(links: links, parentOf: parentOf, acrossTo: acrossTo, members: Array(chains.joined())))
        }
        return TreeLayout(channels: channels)
    }

    /// The latencies of `layout`'s transfers for an all-reduce of `bytes` under `choice`, two
    /// per edge in edge order (the reduce's, then the broadcast's): a hop's step latency as
    /// the floor, and the pipeline's fill (module documentation) added to the transfers into
    /// the root and to every broadcast.
    public func treeLatencies(_ choice: NCCLChoice, layout: TreeLayout, bytes: Double) -> [TransferLatency] {
        var latencies: [TransferLatency] = []
        treeLatencies(choice, layout: layout, bytes: bytes, into: &latencies)
        return latencies
    }

    /// As `treeLatencies(_:layout:bytes:)`, written over `latencies` (whose storage a caller
    /// pricing many message sizes keeps).
    public func treeLatencies(_ choice: NCCLChoice, layout: TreeLayout, bytes: Double, into latencies: inout [TransferLatency]) {
        // The data a hop waits for before it forwards (module documentation): a chunk under Simple, a line otherwise.
        let chunk = choice.proto == .simple ? min(choice.proto.treeChunkBytes, bytes / Double(communicatorChannels)) : 0
        // A hop's step latency and its pipeline cost, inside a node and across nodes.
        let floors = [false, true].map { stepLatencyMicroseconds(choice, across: $0) * 1e-6 }
        let hops = floors.map { $0 + chunk / (channelGigabytesPerSecond * 1e9) }
        let base = baseLatencyMicroseconds(choice) * 1e-6
        latencies.removeAll(keepingCapacity: true)
        latencies.reserveCapacity(2 * layout.edgeCount)
        var toRoot: [Double] = []
        for channel in layout.channels {
            Self.pipelineCostsToRoot(channel, hops: (hops[0], hops[1]), into: &toRoot)
            var fill = 0.0   // the deepest rank's cost: the pipeline's fill
            for (i, x) in channel.members.enumerated() where i == 0 || toRoot[x] > fill { fill = toRoot[x] }
            for link in channel.links {
                let floor = floors[link.across ? 1 : 0], hop = hops[link.across ? 1 : 0]
                let intoRoot = channel.parentOf[link.parent] < 0
                latencies.append(TransferLatency(floorSeconds: floor, addedSeconds: intoRoot ? base + fill - hop : 0))
                latencies.append(TransferLatency(floorSeconds: floor, addedSeconds: base + fill + toRoot[link.child] - hop))
            }
        }
    }

    /// The pipeline's cost from each of `channel`'s ranks up to its root, hop by hop
    /// (`hops`: inside a node, across nodes): `toRoot[x] = hop(x) + toRoot[parent(x)]`, 0 at
    /// the root; ranks outside the channel are left at 0.
    static func pipelineCostsToRoot(_ channel: TreeLayout.Channel, hops: (inside: Double, across: Double), into toRoot: inout [Double]) {
        let parentOf = channel.parentOf, acrossTo = channel.acrossTo
        toRoot.removeAll(keepingCapacity: true)
        toRoot.append(contentsOf: repeatElement(.nan, count: parentOf.count))
        var path: [Int] = []
        for start in channel.members where toRoot[start].isNaN {
            // Climb to the root or to a rank already priced, then price the ranks on the way down.
            var x = start
            while toRoot[x].isNaN && parentOf[x] >= 0 {
                path.append(x)
                x = parentOf[x]
            }
            if toRoot[x].isNaN { toRoot[x] = 0 }
            while let y = path.popLast() { toRoot[y] = (acrossTo[y] ? hops.across : hops.inside) + toRoot[parentOf[y]] }
        }
        for x in toRoot.indices where toRoot[x].isNaN { toRoot[x] = 0 }
    }

    /// The parent of rank `r` of `n` in NCCL's binary tree rooted at 0
    /// (`ncclGetBtree`, `src/graph/trees.cc`): with `b` the lowest set bit of r, the
    /// rank with b cleared and the next bit set, or, when that is beyond the last
    /// rank, r with b cleared; nil for the root.
    static func binaryTreeParent(_ r: Int, of n: Int) -> Int? {
        guard r > 0 else { return nil }
        let b = r & -r, cleared = r & ~b
        let up = cleared | (b << 1)
        return up < n ? up : cleared
    }

    /// The parent of rank `r` of `n` in tree 0 or 1 of NCCL's double binary tree
    /// (`ncclGetDtree`): tree 1 is tree 0 mirrored (rank r as n − 1 − r) when n is
    /// even, shifted by one rank when n is odd, so that a rank inner in one tree is a
    /// leaf in the other.
    static func doubleTreeParent(_ r: Int, of n: Int, tree: Int) -> Int? {
        guard tree == 1 else { return binaryTreeParent(r, of: n) }
        if n % 2 == 1 { return binaryTreeParent((r - 1 + n) % n, of: n).map { ($0 + 1) % n } }
        return binaryTreeParent(n - 1 - r, of: n).map { n - 1 - $0 }
    }
}
