import Foundation

/// How large a plan ScaleCast will simulate transfer by transfer. Beyond these a
/// configuration is refused once its first step is planned (or part of it, for a
/// step that alone is too large), with the estimate, instead of exhausting memory
/// or running for hours.
///
/// Each limit is checked against one planned step times the steps:
/// - `tasks` and `dependencies`: a task takes a few hundred bytes in the graph and
///   the trace, a dependency 8, so these keep a plan near 1 GB at most.
/// - `exchangeWork`: with model-parallel layers every worker exchanges with every
///   other, so the transfers of one phase share the same links and each start or
///   end of one re-divides bandwidth among the others. The engine's time then grows
///   as transfers x GPUs^2: measured 0.55-0.61 us per unit for the hybrid (b) on
///   8, 16 and 24 K20s with the first link-sharing engine, about 0.04 us with the
///   incremental one (release build, 2-core Xeon, 2026-11-29; BENCHMARKS.md), so
///   1e8 units is a few seconds now; the limit was set at about a minute of the
///   old engine and is left there until the exchanges are planned as collectives.
///
/// One limit bounds the aggregated fidelity's closed forms instead:
/// - `pricedTransfers`: the direct and parameter-server all-reduces send from every rank
///   (or node) to every other, and their price enumerates those transfers' routes. Where the
///   nodes are not all alike (`CollectiveModel.pricedPhaseTransfers`) that is N(N − 1): 16.7 M
///   transfers for a direct all-reduce on 4,096 GPUs took 74 s and 4 GB, a parameter server
///   on 1,024 nodes (1.05 M) 5.1 s and 330 MB, 8,000 nodes exhausted memory (release build,
///   2-core AMD EPYC VM, 2026-12-01).
/// - `replayedRanks`: the most GPUs whose model-parallel exchanges the aggregated fidelity
///   replays transfer by transfer (`LayerwisePlanner.replayed`): an all-gather of slices sends
///   from every GPU to every other, so they grow as N^2 (cuda-convnet2's hybrid on 64 GPUs of
///   eight-GPU nodes about 2 s, on 128 about 30 s). Past it a program's own copies are refused
///   (`ScenarioRunner.replayedCopies`) and a library's collectives priced by closed forms
///   without their stage cost.
public enum PlanLimits {
    public static let tasks = 2_000_000
    public static let dependencies = 50_000_000
    public static let exchangeWork = 1e8
    public static let pricedTransfers = 1 << 20
    public static let replayedRanks = 64
}

/// A configuration too large to simulate transfer by transfer (see `PlanLimits`).
public struct PlanTooLargeError: Error, CustomStringConvertible, Sendable {
    /// Tasks the whole plan would have (one step's count times the steps).
    public var estimatedTasks: Double
    /// Dependencies (edges) the whole plan would have.
    public var estimatedDependencies: Double
    /// Transfers times GPUs squared, where layers are model parallel; else 0.
    public var estimatedExchangeWork: Double
    /// Whether planning stopped so early that the estimates are only lower bounds.
    public var isLowerBound = false
    /// Whether the plan refused was already aggregated (collectives as single tasks), so
    /// that aggregating is no way out.
    public var wasAggregated = false

    public var description: String {
        func sci(_ x: Double) -> String { String(format: "%.2g", locale: nil, x) }
        // The exchanges' message where they alone are over their limit; else the plan's size.
        if estimatedExchangeWork <= PlanLimits.exchangeWork || estimatedTasks > Double(PlanLimits.tasks)
            || estimatedDependencies > Double(PlanLimits.dependencies) {
            return "the plan would have \(isLowerBound ? "at least" : "about") \(sci(estimatedTasks)) tasks with \(sci(estimatedDependencies)) dependencies, "
                + "more than ScaleCast simulates\(wasAggregated ? "" : " transfer by transfer") (\(sci(Double(PlanLimits.tasks))) tasks, "
                + "\(sci(Double(PlanLimits.dependencies))) dependencies); use fewer GPUs, steps or accumulation_steps"
        }
        return "its model-parallel exchanges need about \(sci(estimatedExchangeWork)) transfer-sharing updates, "
            + "more than ScaleCast simulates (\(sci(PlanLimits.exchangeWork))); use fewer GPUs"
    }
}
