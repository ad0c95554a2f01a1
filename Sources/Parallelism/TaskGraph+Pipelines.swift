extension TaskGraph {
    /// Bytes of one piece of a pipelined broadcast or reduce: messages are cut into
    /// pieces of about this size that follow one another down the chain (as NCCL's
    /// chunked pipelines do), so a chain of K GPUs moves a message in about
    /// (pieces + K − 2) piece times instead of K − 1 message times.
    public static let pipelinePieceBytes = 524_288.0

    static func pieces(for bytes: Double) -> Int { max(1, Int(min(64, (bytes / pipelinePieceBytes).rounded(.up)))) }

    /// A pipelined chain broadcast of `bytes` from `chain[0]` along `chain`.
    /// - Parameter ready: the tasks after which the root holds the message.
    /// - Returns: for each position of the chain, the tasks after which that GPU holds
    ///   the whole message (the root's `ready` for the root).
    /// - Parameters:
    ///   - elements, operation: the message's element count and the annotation of the
    ///     transfer carrying elements r (for an executor).
    public mutating func chainBroadcast(_ bytes: Double, chain: [Int], ready: [Int], step: Int, group: String,
                                        elements: Int = 0, operation: (Range<Int>) -> Operation? = { _ in nil }) -> [[Int]] {
        guard chain.count > 1 else { return [ready] }
        let n = Self.pieces(for: bytes)
        let piece = bytes / Double(n)
        var done = [[Int]](repeating: [], count: chain.count)
        done[0] = ready
        var previousPieceOnHop = [Int?](repeating: nil, count: chain.count)   // per hop, the last piece it sent
        for p in 0..<n {
            var arrived = ready   // piece p is at the root
            for hop in 1..<chain.count {
                let deps = arrived + (previousPieceOnHop[hop].map { [$0] } ?? [])
                let id = transfer(piece, from: chain[hop - 1], to: chain[hop], label: "\(group) piece \(p)",
                                  after: deps, step: step, group: group,
                                  operation: operation((p * elements / n)..<((p + 1) * elements / n)))
                previousPieceOnHop[hop] = id
                arrived = [id]
                if p == n - 1 { done[hop] = [id] }
            }
        }
        return done
    }

    /// A pipelined chain reduce of `bytes` ending at the last GPU of `chain`: each
    /// GPU adds its contribution to what arrives and passes the sum on.
    /// - Parameter ready: for each position, the tasks after which its contribution is ready.
    /// - Returns: the tasks after which the last GPU holds the sum.
    public mutating func chainReduce(_ bytes: Double, chain: [Int], ready: [[Int]], step: Int, group: String,
                                     elements: Int = 0, operation: (Range<Int>) -> Operation? = { _ in nil }) -> [Int] {
        guard chain.count > 1 else { return ready[0] }
        let n = Self.pieces(for: bytes)
        let piece = bytes / Double(n)
        var last: [Int] = []
        var previousPieceOnHop = [Int?](repeating: nil, count: chain.count)
        for p in 0..<n {
            var arrived: [Int] = []
            for hop in 1..<chain.count {
                let deps = arrived + ready[hop - 1] + (previousPieceOnHop[hop].map { [$0] } ?? [])
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
}
