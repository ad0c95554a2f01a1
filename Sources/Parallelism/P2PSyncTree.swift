/// The reduction tree BVLC Caffe's multi-GPU training builds over its GPUs before it
/// had NCCL (github.com/BVLC/caffe @ 2317fa1, the parent of "Switched multi-GPU to
/// NCCL", src/caffe/parallel.cpp), and the order its copies run in.
///
/// `DevicePair::compute` (parallel.cpp lines 117-197) pairs the GPUs in
/// ⌈log2 n⌉ rounds: in each, every GPU still unpaired (in order) takes as its child
/// the first later GPU it can copy to peer to peer (`cudaDeviceCanAccessPeer`), which
/// leaves the list; GPUs left over once no pair can peer are paired in order,
/// neighbours, in further rounds; the one GPU left is the root. (Caffe first pairs
/// the two GPUs of a dual-GPU board, lines 124-141; such a pair can peer, so the P2P
/// rounds pair them too unless an earlier GPU can also reach one of them.)
/// `P2PSync::Prepare` (lines 382-418) then gives each parent its children in the
/// order of the pairs, a child whose parent is not built yet waiting for a later
/// pass over the list.
///
/// How a step uses it (`P2PSync::on_gradients_ready`, lines 324-380, called by
/// `Solver::Step` after `ForwardBackward`, src/caffe/solver.cpp lines 221-253): every
/// GPU adds its children's gradients as they arrive, then copies its whole gradient
/// buffer to its parent (one `cudaMemcpyAsync`, no chunks); the root divides by the
/// GPU count and alone applies the update (`WorkerSolver::ApplyUpdate` is empty,
/// include/caffe/solver.hpp). At the next step's start (`P2PSync::on_start`, lines
/// 286-322) every GPU, once its parent's weights are in, copies its whole weight
/// buffer to each child in turn, last child first, synchronizing the stream after
/// each copy: a parent's broadcasts are serial.
public struct P2PSyncTree: Sendable, Equatable {
    /// The root's rank.
    public var root: Int
    /// Each rank's parent; nil for the root.
    public var parent: [Int?]
    /// Each rank's children in the order the parent broadcasts to them (the reverse
    /// of `P2PSync::children_`).
    public var broadcastOrder: [[Int]]

    /// The tree over ranks `0..<ranks`, where `canPeer(a, b)` says whether ranks `a`
    /// and `b` can copy to each other peer to peer.
    public init(ranks: Int, canPeer: (Int, Int) -> Bool) {
        precondition(ranks > 0)
        /// ⌈log2 count⌉, the rounds Caffe runs (`remaining_depth`).
        func depth(_ count: Int) -> Int { count > 1 ? Int.bitWidth - (count - 1).leadingZeroBitCount : 0 }
        var remaining = Array(0..<ranks)
        var pairs: [(parent: Int, child: Int)] = []
        // Group by P2P accessibility (parallel.cpp lines 148-164).
        for _ in 0..<depth(remaining.count) {
            var i = 0
            while i < remaining.count {
                if let j = ((i + 1)..<remaining.count).first(where: { canPeer(remaining[i], remaining[$0]) }) {
                    pairs.append((remaining[i], remaining[j]))
                    remaining.remove(at: j)
                }
                i += 1
            }
        }
        // Group the remaining in order (lines 171-180); an odd last GPU waits for the next round.
        for _ in 0..<depth(remaining.count) {
            var i = 0
            while i + 1 < remaining.count {
                pairs.append((remaining[i], remaining[i + 1]))
                remaining.remove(at: i + 1)
                i += 1
            }
        }
        while remaining.count > 1 {   // only when an odd count left a GPU over in the last round
            pairs.append((remaining[0], remaining[1]))
            remaining.remove(at: 1)
        }
        root = remaining[0]
        // P2PSync::Prepare: passes over the pairs, each building the children whose parent exists.
        var parent = [Int?](repeating: nil, count: ranks)
        var children = [[Int]](repeating: [], count: ranks)
        var built: Set<Int> = [root]
        while built.count < ranks {
            for pair in pairs where !built.contains(pair.child) && built.contains(pair.parent) {
                parent[pair.child] = pair.parent
                children[pair.parent].append(pair.child)
                built.insert(pair.child)
            }
        }
        self.parent = parent
        broadcastOrder = children.map { $0.reversed() }
    }

    /// Each rank's height: 0 for a leaf, one more than its tallest child otherwise.
    /// A rank sends its gradients up once all its children's have arrived, so the
    /// copies of ranks of one height run at the same time (`reduceLevels`).
    public var heights: [Int] {
        var height = [Int](repeating: 0, count: parent.count)
        for r in parent.indices {
            var (node, h) = (r, 0)
            while let p = parent[node] {
                h += 1
                height[p] = max(height[p], h)
                node = p
            }
        }
        return height
    }

    /// The copies up the tree, (child, parent), grouped by the child's height, lowest first.
    public var reduceLevels: [[(from: Int, to: Int)]] {
        let height = heights
        let top = height.max() ?? 0
        return (0..<top).map { h in parent.indices.compactMap { r in parent[r].flatMap { height[r] == h ? (r, $0) : nil } } }
    }

    /// The broadcast copies, (parent, child), grouped by the turn they start in: the
    /// root's i-th copy (1-based) in turn i, and a child's i-th copy i turns after the
    /// copy that reached it (each parent copies to its children one after the other).
    public var broadcastTurns: [[(from: Int, to: Int)]] {
        var turn = [Int](repeating: 0, count: parent.count)
        var copies: [(turn: Int, from: Int, to: Int)] = []
        var queue = [root]
        while !queue.isEmpty {
            let p = queue.removeFirst()
            for (i, c) in broadcastOrder[p].enumerated() {
                turn[c] = turn[p] + i + 1
                copies.append((turn[c], p, c))
                queue.append(c)
            }
        }
        let last = copies.map(\.turn).max() ?? 0
        return (1...max(1, last)).map { t in copies.filter { $0.turn == t }.map { ($0.from, $0.to) } }.filter { !$0.isEmpty }
    }
}
