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
/// On idle uniform links every hop is critical and the path bound, `base + S · (c · B + L)`,
/// is the larger: the per-step phases that priced NCCL's ring before 2026-12-07 and
/// `AllReduceAlgorithm`'s closed form. Where one hop is slower than the rest (a NIC), it
/// paces the ring and the other hops' latencies hide behind it, where the phases added the
/// slowest hop's latency to every step. Everything but the message size is kept per ring
/// (`RingShape`), so each bucket size costs one pass over the window sums.
extension CollectiveModel {
    /// What NCCL's ring price keeps for every message size of one ring: per byte and fixed
    /// seconds of each bound.
    struct RingShape {
        var steps: Int
        /// Seconds per byte of the busiest link's transfer (`c`).
        var busiest: Double
        /// Per transfer as slow as the busiest: its latency, and the seconds per byte and
        /// first-step latency of the transfer into its sender (the step it forwards first).
        var paces: [(latency: Double, leftPerByte: Double, leftFirstLatency: Double)]
        /// Per layout and starting position, the path of `steps` hops: seconds per byte and
        /// seconds of latency (base included), summed in the hops' order.
        var paths: [(perByte: Double, latency: Double)]
    }

    struct RingShapeKey: Hashable {
        var run: NCCLRun
        var ranks: Int
        var steps: Int
    }

    /// A transfer within this fraction of the busiest link's seconds per byte is as slow as it.
    static let criticalTolerance = 1e-9

    /// Seconds for NCCL's ring (`run.choice.algorithm == .ring`) to run `steps` steps
    /// (2(N−1) for an all-reduce, N−1 for an all-gather or reduce-scatter) over ranks
    /// 0..<n with a message of `bytes`, on the transfers `ncclPhases` lays out.
    func ncclRingSeconds(_ run: NCCLRun, ranks n: Int, bytes: Double, steps: Int) -> Double {
        let key = RingShapeKey(run: run, ranks: n, steps: steps)
        let shape = ringShapes[key] ?? ringShape(run, ranks: n, steps: steps)
        ringShapes[key] = shape
        let path = shape.paths.map { bytes * $0.perByte + $0.latency }.max() ?? 0
        // One step is its own path: no second step waits.
        guard steps > 1 else { return path }
        let busiestLink = shape.paces.map { pace in
            let firstWait = max(0, bytes * pace.leftPerByte + pace.leftFirstLatency - bytes * shape.busiest)
            return Double(steps) * bytes * shape.busiest + pace.latency + firstWait
        }.max() ?? 0
        return max(busiestLink, path)
    }

    /// The ring's prices that do not depend on the message size (`RingShape`).
    private func ringShape(_ run: NCCLRun, ranks n: Int, steps: Int) -> RingShape {
        let phases = ncclPhases(run, ranks: n, bytes: 1, ringSteps: steps)
        let first = transferPrices(phases[0].phase), later = transferPrices(phases[1].phase)
        let alone = transferPrices(phases[1].phase, shared: false)
        let busiest = later.map(\.secondsPerByte).max() ?? 0
        let critical = later.map { $0.secondsPerByte >= busiest * (1 - Self.criticalTolerance) }
        // Each layout's ring is laid out as its positions in ring order (only the first unit's
        // where the phase is folded: the other units' hops are their images, the same prices).
        let layouts = run.system.ringOrders(NodeGroups(ranks: Array(0..<n), gpusPerNode: run.system.gpusPerNode)).count
        let period = later.count / max(1, layouts)
        func left(_ h: Int) -> Int { h - h % period + (h % period + period - 1) % period }
        let paces = later.indices.filter { critical[$0] }.map {
            (latency: later[$0].latency, leftPerByte: later[left($0)].secondsPerByte, leftFirstLatency: first[left($0)].latency)
        }
        var paths: [(perByte: Double, latency: Double)] = []
        for l in 0..<layouts {
            let hops = (l * period)..<((l + 1) * period)
            let perByte = hops.map { critical[$0] ? later[$0].secondsPerByte : alone[$0].secondsPerByte }
            let latency = hops.map { later[$0].latency }
            let firstExtra = hops.map { first[$0].latency - later[$0].latency }
            paths += Self.windows(perByte, latency, length: steps, firstExtra: firstExtra)
        }
        return RingShape(steps: steps, busiest: busiest, paces: paces, paths: paths)
    }

    /// For each starting position of the sequence that repeats `perByte` (and `latency`)
    /// without end, the sums of its `length` consecutive entries, plus `firstExtra` of the
    /// start to the latency. Each window is summed in its order, so a sequence priced whole and
    /// one priced by its repeating unit (`Phase.folded`) give the same sums to the bit;
    /// O(positions × length), once per ring.
    static func windows(_ perByte: [Double], _ latency: [Double], length: Int, firstExtra: [Double]) -> [(perByte: Double, latency: Double)] {
        let period = perByte.count
        return (0..<period).map { start in
            var sum = (perByte: 0.0, latency: firstExtra[start]), position = start
            for _ in 0..<length {
                sum.perByte += perByte[position]
                sum.latency += latency[position]
                position += 1
                if position == period { position = 0 }
            }
            return sum
        }
    }
}
