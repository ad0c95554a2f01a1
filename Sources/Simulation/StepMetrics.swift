import Parallelism
import SimCore

/// What one training step costs, measured from a trace.
public struct StepMetrics: Sendable, Equatable {
    /// Wall time of the step, in seconds.
    public var stepSeconds: Double
    public var globalBatch: Int
    /// Where a GPU's time goes during the step, in seconds, averaged over GPUs;
    /// the three add up to `stepSeconds`.
    /// - compute: its compute stream is busy;
    /// - exposedCommunication: it is not computing while a communication it takes
    ///   part in (a collective, an exchange: a transfer group with one of its
    ///   transfers to or from this GPU) is still in flight anywhere;
    /// - idle: neither (waiting for another GPU's compute, or for a dependency).
    public var computeSeconds: Double
    public var exposedCommunicationSeconds: Double
    public var idleSeconds: Double
    /// The part of `idleSeconds` spent waiting for the input pipeline: the step
    /// stretched to what the nodes' loaders deliver (0 when they keep up).
    public var inputWaitSeconds: Double = 0
    /// The part of `idleSeconds` spent waiting for the slowest worker's compute
    /// (`withStragglers`; 0 where neither the boards nor the steps vary).
    public var stragglerWaitSeconds: Double = 0
    /// The part of `idleSeconds` spent, amortized per step, on work done once per
    /// interval outside the simulated step (`withPeriodicWork`): synchronous input
    /// copies, and evaluation with checkpoint.
    public var inputCopySeconds: Double = 0
    public var evaluationSeconds: Double = 0
    /// Seconds the busiest worker's host thread spends launching the step's tasks
    /// (`Trace.host`; 0 where launches cost no host time).
    public var hostBusySeconds: Double = 0

    /// The share of the step a host thread must be busy for the step to count as
    /// host-bound: the GPUs then wait for their launches, not for communication.
    public static let hostBoundShare = 0.95

    /// Whether the host threads that launch the kernels set the step's pace
    /// (`hostBusySeconds` at least `hostBoundShare` of the step; `plan`, `explain` and `report` alike).
    public var isHostBound: Bool { hostBusySeconds > 0 && hostBusySeconds >= Self.hostBoundShare * stepSeconds }

    public var imagesPerSecond: Double { Double(globalBatch) / stepSeconds }

    /// The share of the step the GPUs must wait for the CPU loader for a step to count as
    /// input-bound: 0.5% (1% as percentages are printed); a shorter wait is the loader
    /// keeping up within rounding, not a limit a buyer would act on.
    public static let inputBoundShare = 0.005

    /// Whether the loader, not the GPUs, sets the step time: the GPUs wait for it at least
    /// `inputBoundShare` of the step (`plan`, `simulate`, `explain` and `report` alike).
    public var isInputBound: Bool { inputWaitSeconds >= Self.inputBoundShare * stepSeconds && inputWaitSeconds > 0 }

    /// The step as loaders delivering `imagesPerSecond` for the whole run feed it: a
    /// prefetching loader runs alongside the GPUs, so the step takes the longer of
    /// the simulated step and the time the loaders need for the global batch
    /// (`globalBatch / imagesPerSecond`, seconds); the difference is time the GPUs wait
    /// for input. Below the ceiling nothing changes, nor at it: a loader within 1e-9 of
    /// the step (rounding) keeps up.
    public func limitedByLoader(imagesPerSecond: Double) -> StepMetrics {
        let loaderSeconds = Double(globalBatch) / imagesPerSecond
        guard loaderSeconds > stepSeconds * (1 + 1e-9) else { return self }
        var limited = self
        let wait = loaderSeconds - stepSeconds
        limited.stepSeconds = loaderSeconds
        limited.idleSeconds += wait
        limited.inputWaitSeconds = wait
        return limited
    }

    /// The step with the amortized cost of work that happens once per interval, not
    /// every step (an input copy the loader does not prefetch, an evaluation and
    /// checkpoint), added: the GPUs wait while it runs, so it counts as idle time.
    public func withPeriodicWork(inputCopySeconds: Double, evaluationSeconds: Double) -> StepMetrics {
        guard inputCopySeconds > 0 || evaluationSeconds > 0 else { return self }
        var slowed = self
        slowed.stepSeconds += inputCopySeconds + evaluationSeconds
        slowed.idleSeconds += inputCopySeconds + evaluationSeconds
        slowed.inputCopySeconds = inputCopySeconds
        slowed.evaluationSeconds = evaluationSeconds
        return slowed
    }

    /// Measures step `step` of `trace` (by default the last: the steady state).
    ///
    /// The step runs from the end of the previous step's last task (0 for the
    /// first) to the end of its own last task. A GPU's compute is its own tasks of
    /// this step, wherever they fall: GPUs out of phase (a parameter server's nodes of
    /// unequal size, say) start a step before the slowest has ended the last, and a
    /// window would cut those tasks off and count another step's instead, so that
    /// compute read less than the layers' own sum. Communication counts where it runs
    /// in that window and the GPU computes nothing, whichever step it belongs to (the
    /// next step's early transfers are in it as the same step's were in the previous
    /// window), up to what the step leaves beside the GPU's compute; idle is the rest.
    ///
    /// With `symmetry` (a trace of node 0's part of a symmetric plan, whose `gpus` are
    /// node 0's), a transfer into another node counts its destination's image in node 0
    /// as a member of its group: the transfer into node 0 it stands for (`NodeSymmetry`).
    public static func measure(_ trace: Trace, gpus: Int, globalBatch: Int, step: Int? = nil, symmetry: NodeSymmetry? = nil) -> StepMetrics {
        let records = trace.records
        var lastStep = records.isEmpty ? 0 : Int.min
        for i in records.indices { lastStep = max(lastStep, records[i].step) }
        let s = step ?? lastStep
        // The last ends of the step before and of the step itself (read in place, no records copied).
        var previousEnd: SimTime?, ownEnd: SimTime?
        for i in records.indices {
            if records[i].step == s - 1 { previousEnd = max(previousEnd ?? records[i].end, records[i].end) }
            if records[i].step == s { ownEnd = max(ownEnd ?? records[i].end, records[i].end) }
        }
        let begin = previousEnd ?? .zero
        let end = ownEnd ?? begin
        let window = Interval(begin.nanoseconds, end.nanoseconds)
        var busy = [[Interval]](repeating: [], count: gpus)
        var ownCompute = [[Interval]](repeating: [], count: gpus)   // this step's compute tasks, not clipped
        var communicating = [[Interval]](repeating: [], count: gpus)
        for i in records.indices where records[i].step == s && records[i].device < gpus {
            switch records[i].kind {
            case .transfer, .collective: break
            default: ownCompute[records[i].device].append(Interval(records[i].start.nanoseconds, records[i].end.nanoseconds))
            }
        }
        // A transfer group of one step: its transfers' spans and the GPUs taking part,
        // numbered in the order the records first name them.
        var groupIndex: [TransferGroupKey: Int] = [:]
        var groupSpans: [[Interval]] = []
        var groupMembers: [Set<Int>] = []
        for i in records.indices where records[i].end > begin && records[i].start < end {
            let span = Interval(records[i].start.nanoseconds, records[i].end.nanoseconds)
            let device = records[i].device
            switch records[i].kind {
            case .transfer:
                let key = TransferGroupKey(step: records[i].step, group: records[i].group, task: records[i].group == nil ? records[i].task : -1)
                let g: Int
                if let known = groupIndex[key] { g = known } else {
                    g = groupSpans.count
                    groupIndex[key] = g
                    groupSpans.append([])
                    groupMembers.append([])
                }
                groupSpans[g].append(span)
                // Members are GPUs; host memory (a parameter server's shards) computes nothing here.
                if device < gpus { groupMembers[g].insert(device) }
                // Under node symmetry a transfer into another node stands for one into node 0's GPU at its place.
                if let d = records[i].destination.map({ d in symmetry.map { d < $0.ranks ? $0.representative(of: d) : d } ?? d }), d < gpus {
                    groupMembers[g].insert(d)
                }
            case .collective:
                communicating[device].append(span)
            default:
                busy[device].append(span)
            }
        }
        // Each member gets its group's spans merged first: a group of N GPUs with
        // N^2 overlapping transfers hands each member a few intervals, not N^2 of
        // them. The union is the same either way (merging is canonical).
        for g in groupSpans.indices {
            let merged = Interval.union(groupSpans[g], within: window)
            for member in groupMembers[g].sorted() { communicating[member] += merged }
        }
        var compute: Int64 = 0, exposed: Int64 = 0
        let stepNs = end.nanoseconds - begin.nanoseconds
        let unbounded = Interval(Int64.min, Int64.max)
        for g in 0..<gpus {
            let b = Interval.union(busy[g], within: window)
            let c = Interval.union(communicating[g], within: window)
            let own = min(Interval.length(Interval.union(ownCompute[g], within: unbounded)), stepNs)
            compute += own
            exposed += min(Interval.length(c) - Interval.overlap(c, b), stepNs - own)
        }
        let n = Double(gpus) * 1e9
        let computeSeconds = Double(compute) / n
        let exposedSeconds = Double(exposed) / n
        var hostBusy: [Int: Int64] = [:]
        for h in trace.host where h.step == s { hostBusy[h.device, default: 0] += h.end.nanoseconds - h.start.nanoseconds }
        var metrics = StepMetrics(stepSeconds: Double(stepNs) / 1e9, globalBatch: globalBatch, computeSeconds: computeSeconds,
                                  exposedCommunicationSeconds: exposedSeconds,
                                  // In whole nanoseconds: the difference of the seconds left float residue (4e-19 s).
                                  idleSeconds: Double(max(0, stepNs * Int64(gpus) - compute - exposed)) / n)
        metrics.hostBusySeconds = Double(hostBusy.values.max() ?? 0) / 1e9
        return metrics
    }
}

/// Which transfer group a transfer record belongs to: its step and group, or, for a
/// transfer in no group, its step and task (a group of its own). A value, so that
/// finding a record's group builds no string.
struct TransferGroupKey: Hashable {
    var step: Int
    var group: String?
    /// The task of a transfer in no group; −1 otherwise.
    var task: Int
}

/// A half-open interval of nanoseconds, with the set operations the metrics need.
struct Interval {
    var start: Int64
    var end: Int64
    init(_ start: Int64, _ end: Int64) { self.start = start; self.end = end }

    /// The union of `spans`, clipped to `window`, as sorted disjoint intervals.
    static func union(_ spans: [Interval], within window: Interval) -> [Interval] {
        let clipped = spans.compactMap { s -> Interval? in
            let a = max(s.start, window.start), b = min(s.end, window.end)
            return a < b ? Interval(a, b) : nil
        }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        var merged: [Interval] = []
        for s in clipped {
            if let last = merged.last, s.start <= last.end {
                merged[merged.count - 1].end = max(last.end, s.end)
            } else {
                merged.append(s)
            }
        }
        return merged
    }

    static func length(_ spans: [Interval]) -> Int64 { spans.reduce(0) { $0 + ($1.end - $1.start) } }

    /// Total length of the intersection of two sorted disjoint lists.
    static func overlap(_ a: [Interval], _ b: [Interval]) -> Int64 {
        var i = 0, j = 0
        var total: Int64 = 0
        while i < a.count && j < b.count {
            let lo = max(a[i].start, b[j].start), hi = min(a[i].end, b[j].end)
            if lo < hi { total += hi - lo }
            if a[i].end < b[j].end { i += 1 } else { j += 1 }
        }
        return total
    }
}
