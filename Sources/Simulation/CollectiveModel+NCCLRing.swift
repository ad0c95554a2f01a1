import Parallelism

/// NCCL's ring, pipelined: its price in the aggregated fidelity.
///
/// NCCL's ring kernel sends a step while the step before is still on its way: each
/// connection has `NCCL_STEPS` (8) buffer slots, so a sender runs up to eight slices ahead
/// of its receiver (NVIDIA/nccl v2.30.7, `src/include/device.h`, `src/device/prims_simple.h`),
/// and NCCL's time model charges each hop's latency once along the ring, not once per step
/// (`src/graph/tuning.cc`: `latency + nBytes / busBw`). The expanded plan
/// (`TaskGraph.ringSteps`, `pipelined`) lets a rank send its next step once its previous
/// send's last byte has left (`Task.afterLastByteOf`) and the step it forwards has arrived.
/// This closed form prices what that plan does, the larger of two bounds over `S` steps:
/// - the busiest link: the transfer with the least share of its tightest link among a
///   step's transfers sends one step after another, `S · c · B + L` (c: its seconds per
///   byte of the message, L: its latency), after waiting, before its second step, for the
///   first step it forwards where that is slower (every rank sends its first step at once,
///   at its share, with the collective's base latency);
/// - the data's path: the last piece crosses `S` consecutive hops of its ring, each taking
///   its bytes' time and its latency, `Σ (c_h · B + L_h)`, the collective's base latency on
///   the first hop, from the worst starting position. A hop whose time at its share is the
///   busiest link's (a critical hop) runs at that share: every step of every ring crosses
///   such a link at once. Any other hop runs at its links' whole bandwidth: the rings are paced
///   by their critical hops on other links, so their transfers reach the shared link apart
///   and rarely find it busy.
/// On idle uniform links every hop is critical and both give `S · (c · B + L)`, the per-step
/// phases that priced NCCL's ring before 2026-12-07 and `AllReduceAlgorithm`'s closed form.
/// Where one hop is slower than the rest (a NIC), it paces the ring and the other hops'
/// latencies hide behind it, where the phases added the slowest hop's latency to every step.
extension CollectiveModel {
    /// Seconds for NCCL's ring (`run.choice.algorithm == .ring`) to run `steps` steps
    /// (2(N−1) for an all-reduce, N−1 for an all-gather or reduce-scatter) over ranks
    /// 0..<n with a message of `bytes`, on the transfers `ncclPhases` lays out.
    func ncclRingSeconds(_ run: NCCLRun, ranks n: Int, bytes: Double, steps: Int) -> Double {
        let phases = ncclPhases(run, ranks: n, bytes: bytes, ringSteps: steps)
        let first = transferPrices(phases[0].phase), later = transferPrices(phases[1].phase)
        let alone = transferPrices(phases[1].phase, shared: false)
        guard let busiest = later.map(\.secondsPerByte).max(), busiest > 0 else { return 0 }
        // Each layout's ring is laid out as its positions in ring order (only the first unit's
        // where the phase is folded: the other units' hops are their images, the same prices).
        let layouts = run.system.ringOrders(NodeGroups(ranks: Array(0..<n), gpusPerNode: run.system.gpusPerNode)).count
        let period = later.count / layouts
        // The busiest link's sender waits, before its second step, for the first step it forwards,
        // which every rank sends at once (at its share) with the base latency: the rest it keeps up with.
        let busiestLink = later.indices.filter { later[$0].secondsPerByte == busiest }.map { pace in
            let left = pace - pace % period + (pace % period + period - 1) % period
            let firstWait = max(0, bytes * later[left].secondsPerByte + first[left].latency - bytes * busiest)
            return Double(steps) * bytes * busiest + later[pace].latency + firstWait
        }.max()!
        var path = 0.0
        for l in 0..<layouts {
            let hops = (l * period)..<((l + 1) * period)
            let cost = hops.map { h in
                bytes * (later[h].secondsPerByte == busiest ? busiest : alone[h].secondsPerByte) + later[h].latency
            }
            path = max(path, Self.longestWindow(cost, length: steps, firstExtra: hops.map { first[$0].latency - later[$0].latency }))
        }
        return max(busiestLink, path)
    }

    /// The largest sum of `length` consecutive entries of the sequence that repeats `cost`
    /// without end, starting at any of its positions, plus `firstExtra` of the start. Each
    /// window is summed in its order, so a sequence priced whole and one priced by its repeating
    /// unit (`Phase.folded`) give the same sums to the bit; O(positions × length).
    static func longestWindow(_ cost: [Double], length: Int, firstExtra: [Double]) -> Double {
        let period = cost.count
        guard period > 0 else { return 0 }
        var longest = -Double.infinity
        for start in 0..<period {
            var sum = firstExtra[start], position = start
            for _ in 0..<length {
                sum += cost[position]
                position += 1
                if position == period { position = 0 }
            }
            longest = max(longest, sum)
        }
        return longest
    }
}
