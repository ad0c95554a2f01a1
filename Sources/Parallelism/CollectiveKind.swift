/// What a collective computes. The gradient all-reduce is one; the model-parallel
/// layers' exchanges are the others, where a library runs them as collectives
/// (`ModelParallelExchanges.collectives`).
///
/// Bytes (`CollectiveWork.bytes`) are the whole message, as NCCL counts them in its
/// bus-bandwidth formulas (NCCL's nccl-tests, doc/PERFORMANCE.md): the vector every
/// rank ends with for all-reduce, broadcast and all-gather (each rank contributing
/// 1/N of it to an all-gather), the vector every rank starts with for reduce and
/// reduce-scatter (each rank ending with 1/N of a reduce-scatter's sum).
public enum CollectiveKind: String, Hashable, Sendable, CaseIterable {
    /// Every rank ends with the sum of every rank's vector (the gradient all-reduce).
    case allReduce = "all-reduce"
    /// One rank's vector to every other: a pipelined chain in ring order from the
    /// root, the message cut into `TaskGraph.pieces(for:)` pieces, as NCCL's ring
    /// broadcast pipelines its chunks. On idle uniform links of bandwidth β and
    /// latency α, with P pieces: (P + N − 2)·(B/(P·β) + α).
    case broadcast
    /// Every rank's vector summed into one rank: the broadcast's chain run backwards
    /// (each rank adds what arrives to its own and passes it on), the same time.
    case reduce
    /// Every rank's 1/N of the message to every other: the second half of the ring
    /// all-reduce, N − 1 steps of B/N to the next rank (Patarasuk & Yuan 2009; NCCL's
    /// ring all-gather). On idle uniform links: (N − 1)·(B/(N·β) + α).
    case allGather = "all-gather"
    /// Every rank's vector summed, rank i keeping the i-th 1/N: the first half of the
    /// ring all-reduce, N − 1 steps of B/N, each added on arrival. On idle uniform
    /// links: (N − 1)·(B/(N·β) + α).
    case reduceScatter = "reduce-scatter"
}

/// How a plan moves the model-parallel layers' data between workers: the hybrid's
/// activation exchange and gradient return, the all-gathers of layer slices and the
/// reduce-scatters of partial input gradients.
public enum ModelParallelExchanges: String, Sendable, CaseIterable {
    /// Each pair of workers its own transfer (all-to-all, or the program's own copy
    /// networks, as cuda-convnet2 runs them), expanded only.
    case pointToPoint = "point-to-point"
    /// As a collective library runs them: broadcasts, reduces, all-gathers and
    /// reduce-scatters (`CollectiveKind`), expanded into the ring's or the pipelined
    /// chain's transfers, or one task each priced by its closed form (aggregated).
    case collectives
}
