extension TaskGraph {
    /// Bytes of one piece of a pipelined broadcast or reduce: messages are cut into
    /// pieces of about this size that follow one another down the chain (as NCCL's
    /// chunked pipelines do), so a chain of K GPUs moves a message in about
    /// (pieces + K − 2) piece times instead of K − 1 message times.
    public static let pipelinePieceBytes = 524_288.0

    public static func pieces(for bytes: Double) -> Int { max(1, Int(min(64, (bytes / pipelinePieceBytes).rounded(.up)))) }

    /// A pipelined chain broadcast of `bytes` from `chain[0]` along `chain`.
    /// - Parameter ready: the tasks after which the root holds the message.
    /// - Returns: for each position of the chain, the tasks after which that GPU holds
    ///   the whole message (the root's `ready` for the root).
    /// - Parameters:
    ///   - receiverReady: by endpoint, what its first piece waits for (`treeBroadcast`).
    ///   - elements, operation: the message's element count and the annotation of the
    ///     transfer carrying elements r (for an executor).
    public mutating func chainBroadcast(_ bytes: Double, chain: [Int], ready: [Int], receiverReady: [[Int]] = [], step: Int, group: String,
                                        elements: Int = 0, operation: (Range<Int>) -> Operation? = { _ in nil }) -> [[Int]] {
        guard chain.count > 1 else { return [ready] }
        let arrivals = treeBroadcast(bytes, root: chain[0], edges: zip(chain, chain.dropFirst()).map { ($0, $1) }, ready: ready,
                                     receiverReady: receiverReady, step: step, group: group, elements: elements, operation: operation)
        return [ready] + chain.dropFirst().map { arrivals[$0]! }
    }

    /// A pipelined broadcast of `bytes` from `root` down a tree of `edges` (parent,
    /// child endpoints: GPUs, or a node's host memory), each edge listed after the
    /// edge into its parent: the message is cut into pieces (`pieces(for:)`) and each
    /// edge forwards piece p once its parent holds it and the edge has sent piece
    /// p − 1 (store-and-forward, every hop its own sender).
    /// - Parameters:
    ///   - ready: the tasks after which the root holds the message.
    ///   - receiverReady: by endpoint (those past its end: none), the tasks after which it
    ///     can receive: its edge's first piece waits for them too.
    /// - Returns: for each endpoint of the tree but the root, the tasks after which it
    ///   holds the whole message.
    public mutating func treeBroadcast(_ bytes: Double, root: Int, edges: [(from: Int, to: Int)], ready: [Int], receiverReady: [[Int]] = [],
                                       step: Int, group: String,
                                       elements: Int = 0, operation: (Range<Int>) -> Operation? = { _ in nil }) -> [Int: [Int]] {
        let n = Self.pieces(for: bytes)
        let piece = bytes / Double(n)
        var done: [Int: [Int]] = [:]
        var previousPieceOnEdge = [Int?](repeating: nil, count: edges.count)
        for p in 0..<n {
            var holds: [Int: [Int]] = [root: ready]   // piece p is at the root
            for (e, edge) in edges.enumerated() {
                precondition(holds[edge.from] != nil, "an edge must come after the edge into its parent")
                let deps = holds[edge.from]!
                    + (previousPieceOnEdge[e].map { [$0] } ?? (edge.to < receiverReady.count ? receiverReady[edge.to] : []))
                // Host memory holds no buffer an executor could run: staged pieces carry no operation.
                let annotated = isHostEndpoint(edge.from) || isHostEndpoint(edge.to) ? nil
                    : operation((p * elements / n)..<((p + 1) * elements / n))
                let id = transfer(piece, from: edge.from, to: edge.to, label: "\(group) piece \(p)", after: deps, step: step, group: group,
                                  operation: annotated)
                previousPieceOnEdge[e] = id
                holds[edge.to] = [id]
                if p == n - 1 { done[edge.to] = [id] }
            }
        }
        return done
    }

    /// A pipelined chain reduce of `bytes` ending at the last GPU of `chain`: each
    /// GPU adds its contribution to what arrives and passes the sum on.
    /// - Parameters:
    ///   - ready: for each position, the tasks after which its contribution is ready.
    ///   - receiverReady: for each position (empty: none), what the first piece into it also waits for.
    /// - Returns: the tasks after which the last GPU holds the sum.
    public mutating func chainReduce(_ bytes: Double, chain: [Int], ready: [[Int]], receiverReady: [[Int]] = [], step: Int, group: String,
                                     elements: Int = 0, operation: (Range<Int>) -> Operation? = { _ in nil }) -> [Int] {
        guard chain.count > 1 else { return ready[0] }
        let n = Self.pieces(for: bytes)
        let piece = bytes / Double(n)
        var last: [Int] = []
        var previousPieceOnHop = [Int?](repeating: nil, count: chain.count)
        for p in 0..<n {
            var arrived: [Int] = []
            for hop in 1..<chain.count {
                let deps = arrived + ready[hop - 1]
                    + (previousPieceOnHop[hop].map { [$0] } ?? (hop < receiverReady.count ? receiverReady[hop] : []))
                let id = transfer(piece, from: chain[hop - 1], to: chain[hop], label: "\(group) piece \(p)",
                                  after: deps, step: step, group: group,
                                  operation: operation((p * elements / n)..<((p + 1) * elements / n)))
                previousPieceOnHop[hop] = id
                arrived = [id]
            }
            last = arrived
        }
        return last + ready[chain.count - 1]
    }

    /// A pipelined reduce of `bytes` into `root` up a tree of `edges` (child, parent
    /// endpoints: GPUs, or a node's host memory), each edge listed after every edge into
    /// its child: the message is cut into pieces (`pieces(for:)`), and each edge sends
    /// piece p once piece p has arrived at its child from every edge into it, the
    /// child's own contribution is ready, and the edge has sent piece p − 1
    /// (store-and-forward, every hop its own sender; each endpoint adds what arrives to
    /// its own part before passing it on).
    /// - Parameters:
    ///   - ready: for each endpoint with a contribution, the tasks after which it is
    ///     ready (host memory contributes nothing).
    ///   - operation: the annotation of a GPU-to-GPU piece carrying elements r (for an
    ///     executor); a piece to or from host memory carries none.
    /// - Returns: the transfers into `root` of the last piece, after which it holds the
    ///   sum once its own contribution is ready (`ready[root]`, not repeated here).
    public mutating func treeReduce(_ bytes: Double, root: Int, edges: [(from: Int, to: Int)], ready: [Int: [Int]], step: Int,
                                    group: String, elements: Int = 0,
                                    operation: (Range<Int>) -> Operation? = { _ in nil }) -> [Int] {
        let n = Self.pieces(for: bytes)
        let piece = bytes / Double(n)
        var previousPieceOnEdge = [Int?](repeating: nil, count: edges.count)
        var atRoot: [Int] = []
        for p in 0..<n {
            var arrived: [Int: [Int]] = [:]   // piece p's transfers into each endpoint so far
            for (e, edge) in edges.enumerated() {
                // The first piece waits for the child's contribution; each later one follows it on the edge.
                let deps = (previousPieceOnEdge[e].map { [$0] } ?? ready[edge.from] ?? []) + (arrived[edge.from] ?? [])
                let annotated = isHostEndpoint(edge.from) || isHostEndpoint(edge.to) ? nil
                    : operation((p * elements / n)..<((p + 1) * elements / n))
                let id = transfer(piece, from: edge.from, to: edge.to, label: "\(group) piece \(p)", after: deps, step: step, group: group,
                                  operation: annotated)
                previousPieceOnEdge[e] = id
                arrived[edge.to, default: []].append(id)
            }
            atRoot = arrived[root] ?? []
        }
        return atRoot
    }
}
