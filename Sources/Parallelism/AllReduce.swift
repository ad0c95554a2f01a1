/// An all-reduce algorithm, expanded into point-to-point transfers.
public enum AllReduceAlgorithm: String, CaseIterable, Sendable {
    /// Reduce-scatter then all-gather around a ring: 2(N−1) steps of B/N bytes
    /// (Patarasuk & Yuan 2009; NCCL's ring). On idle links of bandwidth β and
    /// latency α per step it takes 2(N−1)·(B/(N·β) + α).
    case ring
    /// Reduce up a binary tree to rank 0, then broadcast down it, whole messages
    /// per hop (no pipelining): 2·⌊log2 N⌋ levels of B/β + α on idle links.
    case tree
    /// Every GPU sends the j-th of N pieces to GPU j, which sums them and sends the
    /// sum to everyone (reduce-scatter + all-gather in one hop each): "each worker
    /// owns 1/K of the gradient", as in Krizhevsky (2014).
    case direct
}

/// An aggregated all-reduce: `bytes` summed across `ranks` GPUs with `algorithm`.
public struct CollectiveWork: Hashable, Sendable {
    public var algorithm: AllReduceAlgorithm
    public var bytes: Double
    public var ranks: Int

    public init(algorithm: AllReduceAlgorithm, bytes: Double, ranks: Int) {
        self.algorithm = algorithm
        self.bytes = bytes
        self.ranks = ranks
    }
}

/// How finely a plan is simulated.
public enum Fidelity: String, CaseIterable, Sendable {
    /// Every transfer of every collective, on every GPU: exact contention, cost
    /// growing faster than the GPU count.
    case expanded
    /// Identical data-parallel workers simulated once, each collective one task
    /// priced by its closed form with the contention the topology implies: cost
    /// independent of the GPU count.
    case aggregated
}

extension TaskGraph {
    /// Expands an all-reduce of `bytes` over GPUs `ranks` into transfers.
    /// - Parameters:
    ///   - ready: for each rank, the task after which its contribution is ready.
    /// - Returns: for each rank, the tasks after which it holds the full result
    ///   (empty when a single rank needs no communication).
    ///   - bucket: the bucket and its element count, to annotate each transfer with
    ///     the gradient elements it moves (for an executor); nil leaves them plain.
    public mutating func allReduce(_ algorithm: AllReduceAlgorithm, bytes: Double, ranks: [Int], ready: [[Int]],
                                   step: Int, group: String, bucket: (index: Int, elements: Int)? = nil) -> [[Int]] {
        let n = ranks.count
        guard n > 1 else { return ready }
        /// The c-th of n near-equal pieces of the bucket's elements.
        func piece(_ c: Int) -> Range<Int> {
            guard let bucket else { return 0..<0 }
            return (c * bucket.elements / n)..<((c + 1) * bucket.elements / n)
        }
        func op(_ elements: Range<Int>, add: Bool) -> Operation? {
            bucket.map { .gradient(bucket: $0.index, elements: elements, add: add) }
        }
        switch algorithm {
        case .ring: return ringAllReduce(bytes: bytes, ranks: ranks, ready: ready, step: step, group: group, piece: piece, op: op)
        case .tree: return treeAllReduce(bytes: bytes, ranks: ranks, ready: ready, step: step, group: group,
                                         whole: bucket.map { 0..<$0.elements } ?? 0..<0, op: op)
        case .direct: return directAllReduce(bytes: bytes, ranks: ranks, ready: ready, step: step, group: group, piece: piece, op: op)
        }
    }

    private mutating func ringAllReduce(bytes: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                        piece: (Int) -> Range<Int>, op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let n = ranks.count
        let chunk = bytes / Double(n)
        var previous = [Int](repeating: -1, count: n)   // the transfer each rank sent in the last ring step
        for t in 0..<(2 * (n - 1)) {
            var current = [Int](repeating: -1, count: n)
            for i in 0..<n {
                let left = (i + n - 1) % n
                // Rank i forwards what it received from its left neighbour in the
                // previous step, after its own previous send has gone out.
                let deps = t == 0 ? ready[i] : [previous[left], previous[i]]
                let reducing = t < n - 1
                let phase = reducing ? "reduce-scatter" : "all-gather"
                // Reduce-scatter step s: rank i sends piece (i − s) mod n, added on arrival; after
                // n−1 steps rank i holds piece (i + 1) mod n whole. All-gather step s: it sends
                // piece (i + 1 − s) mod n, copied on arrival.
                let index = reducing ? ((i - t) % n + n) % n : ((i + 1 - (t - (n - 1))) % n + n) % n
                current[i] = transfer(chunk, from: ranks[i], to: ranks[(i + 1) % n],
                                      label: "\(group) ring \(phase) step \(t)", after: deps, step: step, group: group,
                                      operation: op(piece(index), reducing))
            }
            previous = current
        }
        // Rank i holds the result once it has received the last step's chunk from its left.
        return (0..<n).map { [previous[($0 + n - 1) % n], previous[$0]] }
    }

    private mutating func treeAllReduce(bytes: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                        whole: Range<Int>, op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let n = ranks.count
        func children(_ r: Int) -> [Int] { [2 * r + 1, 2 * r + 2].filter { $0 < n } }
        // Reduce: leaves first (highest rank first reaches the root last).
        var reduced = [[Int]](repeating: [], count: n)   // tasks after which rank r holds its subtree's sum
        var sendUp = [Int: Int]()                          // rank -> its transfer to its parent
        for r in stride(from: n - 1, through: 0, by: -1) {
            reduced[r] = ready[r] + children(r).map { sendUp[$0]! }
            if r > 0 {
                sendUp[r] = transfer(bytes, from: ranks[r], to: ranks[(r - 1) / 2], label: "\(group) tree reduce",
                                     after: reduced[r], step: step, group: group, operation: op(whole, true))
            }
        }
        var done = [[Int]](repeating: [], count: n)
        done[0] = reduced[0]
        for r in 0..<n {
            for c in children(r) {
                let down = transfer(bytes, from: ranks[r], to: ranks[c], label: "\(group) tree broadcast",
                                    after: done[r], step: step, group: group, operation: op(whole, false))
                done[c] = [down]
            }
        }
        return done
    }

    private mutating func directAllReduce(bytes: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                          piece: (Int) -> Range<Int>, op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let n = ranks.count
        let size = bytes / Double(n)
        var received = [[Int]](repeating: [], count: n)
        for i in 0..<n {
            for j in 0..<n where j != i {
                received[j].append(transfer(size, from: ranks[i], to: ranks[j], label: "\(group) reduce-scatter",
                                            after: ready[i], step: step, group: group, operation: op(piece(j), true)))
            }
        }
        var done = [[Int]](repeating: [], count: n)
        for j in 0..<n {
            for i in 0..<n where i != j {
                done[i].append(transfer(size, from: ranks[j], to: ranks[i], label: "\(group) all-gather",
                                        after: received[j] + ready[j], step: step, group: group, operation: op(piece(j), false)))
            }
        }
        return (0..<n).map { done[$0] + received[$0] }
    }
}
