/// TensorFlow 1.x's local parameter servers expanded into transfers
/// (`AllReduceAlgorithm.psHost`, `.psGPUs`): whole gradients pushed to the server,
/// the server's sum and update as a wait, whole results pulled back.
extension TaskGraph {
    /// Every rank copies `bytes` to `server` (an endpoint: a GPU among `ranks` or a host
    /// memory); once every copy is in and `serverSeconds` have passed, the server copies
    /// the result to every rank but itself.
    /// - Parameters:
    ///   - server: the serving endpoint; a rank that is the server pushes nothing.
    ///   - operation: whether the pushes and pulls carry gradient operations (GPU to GPU
    ///     copies do; copies to and from host memory carry none, as the executor has no host memory).
    /// - Returns: for each rank, the tasks after which it holds the result.
    mutating func centralServerAllReduce(bytes: Double, ranks: [Int], server: Int, serverSeconds: Double, ready: [[Int]],
                                           step: Int, group: String, whole: Range<Int>?,
                                           op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let everything = whole ?? 0..<0
        let onHost = isHostEndpoint(server)
        var pushes: [Int] = []
        for (i, rank) in ranks.enumerated() where rank != server {
            pushes.append(transfer(bytes, from: rank, to: server, label: "\(group) push to server", after: ready[i], step: step,
                                   group: group, operation: onHost ? nil : op(everything, true)))
        }
        let serverReady = pushes + (ranks.firstIndex(of: server).map { ready[$0] } ?? [])
        var done = [[Int]](repeating: [], count: ranks.count)
        for (i, rank) in ranks.enumerated() {
            guard rank != server else { done[i] = serverReady; continue }
            let pull = transfer(bytes, from: server, to: rank, label: "\(group) pull from server", after: serverReady, step: step,
                                group: group, operation: onHost ? nil : op(everything, false))
            if serverSeconds > 0 { delayStart(of: pull, by: serverSeconds, from: pushes, cause: .serverUpdate) }
            done[i] = [pull]
        }
        return done
    }
}
