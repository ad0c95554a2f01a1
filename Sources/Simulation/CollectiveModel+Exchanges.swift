import Parallelism

/// The model-parallel exchanges as a collective library runs them, priced as the
/// all-reduces are (`price`: each phase as long as its slowest transfer, at the
/// share of the tightest link it crosses among the phase's transfers, plus the
/// route's latency), ranks 0..<N in ring order:
/// - all-gather and reduce-scatter: N − 1 phases of the N transfers of B/N from each
///   rank to the next (the halves of the ring all-reduce, `CollectiveKind`); on idle
///   uniform links (N − 1)·(B/(N·β) + α) (Patarasuk & Yuan 2009, ring all-gather);
/// - broadcast: the pipelined chain 0 → 1 → ... → N − 1 with the message cut into
///   P = `TaskGraph.pieces(for:)` pieces, every hop carrying a piece of B/P at once
///   (the steady state: the hops share links as in the pipeline's middle), hop h taking
///   τ_h = B/P at its share + its latency: the first piece crosses every hop, the rest
///   follow at the slowest hop's pace, Σ_h τ_h + (P − 1)·max_h τ_h (a linear pipeline's
///   makespan; on idle uniform links (P + N − 2)·(B/(P·β) + α), the pipelined
///   broadcast's time, as NCCL's ring broadcast pipelines its chunks down the ring);
/// - reduce: the same chain run into rank 0 (1 → 2 → ... → N − 1 → 0), the same time.
/// The root of a broadcast or reduce is rank 0: on uniform links every root costs the same.
/// Under NCCL's algorithms (`CollectiveWork.ncclRing`) an all-gather or reduce-scatter
/// runs on NCCL's rings as its all-reduce's ring does (`ncclPhases`: every rail and mesh
/// stride a ring carrying 1/layouts of the message over the protocol's wire efficiency,
/// each step at least NCCL's step latency, the base latency once), N − 1 steps instead
/// of 2(N − 1): NCCL's ring all-gather and reduce-scatter (NVIDIA/nccl v2.30.7,
/// src/device/all_gather.h, reduce_scatter.h: nranks − 1 steps per chunk). Broadcast and
/// reduce keep the one chain (NCCL's ring broadcast and reduce; their protocols and
/// per-step latencies are not applied). Other algorithms do not change these forms.
extension CollectiveModel {
    /// What the exchange `work`'s price depends on: its kind and ranks, and for a
    /// pipeline, whose pieces follow the message, its size (the price then all in `latency`).
    func exchangeKey(_ work: CollectiveWork) -> Key {
        let pipelined = work.kind == .broadcast || work.kind == .reduce
        let ncclRing = work.ncclRing?.choice.algorithm == .ring
        return Key(kind: work.kind, algorithm: .ring, ranks: work.ranks, perNode: nil, nccl: work.ncclRing,
                   bytes: pipelined || ncclRing ? work.bytes : nil)
    }

    /// Seconds per byte and seconds of latency of the exchange `work` on this topology.
    func exchangePrice(of work: CollectiveWork) -> (secondsPerByte: Double, latency: Double) {
        let n = work.ranks
        switch work.kind {
        case .allGather, .reduceScatter:
            if let run = work.ncclRing, run.choice.algorithm == .ring { return (0, ncclRingSeconds(run, ranks: n, bytes: work.bytes, steps: n - 1)) }
            return price([(Phase(pairs: (0..<n).map { ($0, ($0 + 1) % n) }, fraction: 1 / Double(n)), n - 1)])
        case .broadcast, .reduce:
            let pieces = Double(TaskGraph.pieces(for: work.bytes))
            let hops = work.kind == .broadcast ? (0..<(n - 1)).map { ($0, $0 + 1) } : (1..<n).map { ($0, ($0 + 1) % n) }
            let piece = transferPrices(Phase(pairs: hops, fraction: 1 / pieces)).map { $0.secondsPerByte * work.bytes + $0.latency }
            return (0, piece.reduce(0, +) + (pieces - 1) * (piece.max() ?? 0))
        case .allReduce:
            preconditionFailure("all-reduces are priced by their algorithm")
        }
    }
}
