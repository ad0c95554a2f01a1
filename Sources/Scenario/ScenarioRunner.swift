import Foundation
import CostModel
import Hardware
import Parallelism
import Simulation
import Software
import YAMLSupport

/// Simulates the configurations a scenario names.
public enum ScenarioRunner {
    /// A run at one GPU count, simulated.
    public struct Outcome {
        public var setup: TrainingSetup
        public var graph: TaskGraph
        public var topology: Topology
        public var trace: Trace
        public var metrics: StepMetrics
        /// The step the metrics describe (the next one is simulated too).
        public var measuredStep: Int
        /// The fidelity it ran with: `fidelity(_:gpus:)`'s, or aggregated where that chose
        /// expanded by default and the expanded plan passed `PlanLimits`.
        public var fidelity: Fidelity = .expanded
    }

    /// Checks that `run` can be laid out on `gpus` GPUs.
    /// - Throws: `ConfigError` at the GPU counts' location (or `--gpus`) if more than
    ///   one node is needed and the cluster has no network.
    /// The most GPUs simulated expanded with every node laid out: data parallelism, and
    /// strategies with model-parallel layers, whose exchanges grow as the square of the
    /// GPUs (beyond either, aggregated fidelity does the work).
    public static let expandedLimit = (data: 256, modelParallel: 64)

    public static func check(_ run: RunSpec, gpus: Int, location: ConfigError) throws {
        // Named by the run's label where it has one: the location may be a `gpus` line that several runs share.
        func refusal(_ message: String) -> ConfigError {
            var error = location
            error.message = (run.label.map { "run '\($0.singleLine)': " } ?? "") + message
            return error
        }
        guard Limits.gpus.contains(gpus) else {
            throw refusal("GPU counts must be between \(Limits.gpus.lowerBound) and \(Limits.gpus.upperBound), got \(gpus)")
        }
        try checkBatch(run, gpus: gpus)
        if let short = try Planner.tooFewUnits(run.network, strategy: run.plannedStrategy, gpus: gpus) {
            throw refusal(short)
        }
        if let copies = replayedCopies(run), gpus > PlanLimits.replayedRanks {
            throw refusal("\(gpus) GPUs are too many to simulate \(run.strategy.name) parallelism whose exchanges are \(copies): "
                + "both fidelities simulate them transfer by transfer (at most \(PlanLimits.replayedRanks) GPUs); use fewer GPUs, "
                + "or a profile whose exchanges run as a library's collectives (software: pytorch-ddp)")
        }
        // Node 0 standing for every node, an expanded plan grows as N, not N^2: PlanLimits bound it.
        if fidelity(run, gpus: gpus) == .expanded && nodeSymmetryRefusal(run, gpus: gpus) != nil {
            let limit = run.strategy.kind == .data ? expandedLimit.data : expandedLimit.modelParallel
            if gpus > limit {
                throw refusal("\(gpus) GPUs are too many to simulate \(run.strategy.name) parallelism transfer by transfer "
                    + "(at most \(limit)); use simulation: {fidelity: aggregated}" + aggregatedLeavesOut(run))
            }
        }
        // The direct and parameter-server closed forms enumerate every rank's (node's) transfer to every other.
        let algorithm = run.plannedStrategy.gradientSync.algorithm, wiring = Topology.Wiring(cluster: run.simulatedCluster, gpus: gpus)
        if fidelity(run, gpus: gpus) == .aggregated,
           let transfers = CollectiveModel.pricedPhaseTransfers(algorithm, gpus: gpus, wiring: wiring), transfers > PlanLimits.pricedTransfers {
            throw refusal("\(gpus) GPUs: the \(algorithm.rawValue) all-reduce sends from every \(algorithm == .direct ? "GPU" : "node") to every other, "
                + "\(transfers) transfers in one phase to price" + (wiring.nodeShiftRefusal.map { " one by one (the nodes are not all alike: \($0))" } ?? "")
                + ", more than ScaleCast prices (\(PlanLimits.pricedTransfers)); use fewer GPUs"
                + (wiring.nodeShiftRefusal == nil ? "" : ", full nodes and leaves") + ", or strategy.allreduce: ring, tree or hierarchical")
        }
        if run.cluster.nodes(for: gpus) > 1 && run.cluster.network == nil {
            throw refusal("\(gpus) GPUs need \(run.cluster.nodes(for: gpus)) nodes of \(run.cluster.gpusPerNode), "
                + "but the cluster has no network: add cluster.network (e.g. {link: ib-hdr, nics_per_node: 1})")
        }
        if let capacity = run.cluster.network?.torusCapacity, run.cluster.nodes(for: gpus) > capacity {
            throw refusal("\(gpus) GPUs need \(run.cluster.nodes(for: gpus)) nodes of \(run.cluster.gpusPerNode), "
                + "but the torus (cluster.network.dimensions) holds \(capacity)")
        }
    }

    /// Checks that `max_global_batch` leaves each of `gpus` GPUs at least one image.
    /// - Throws: `ConfigError` at `max_global_batch` when it does not.
    static func checkBatch(_ run: RunSpec, gpus: Int) throws {
        guard run.batchPerGPU(at: gpus) < 1, let maximum = run.maxGlobalBatch else { return }
        var error = run.maxGlobalBatchLocation ?? run.batchLocation
        let micro = run.accumulationSteps > 1 ? " in each of \(run.accumulationSteps) micro-batches" : ""
        error.message = "\(maximum) images a step leave fewer than one per GPU\(micro) at \(gpus) GPU\(gpus == 1 ? "" : "s"); "
            + "raise max_global_batch to at least \(gpus * run.accumulationSteps), or use fewer GPUs"
        throw error
    }

    /// Simulates `run` on `gpus` GPUs.
    /// - Parameter location: where the GPU count was given, for errors (default: the run's `gpus`).
    /// - Parameter reusing: a topology of the same wiring (`Topology.Wiring`) to simulate on
    ///   instead of building one: its routes, found for an earlier run, are the ones a fresh
    ///   topology would find. Only from the thread that owns it (a `Topology` is not shared
    ///   between threads); nil builds a fresh one.
    /// - Throws: `ModelError` if the strategy cannot split the run's network;
    ///   `ConfigError` at `location` if the plan is too large to simulate (`PlanLimits`).
    ///
    /// One step more than the run asks for is simulated, and the last asked-for
    /// step is measured: work that runs ahead into the next step (a GPU that
    /// holds its all-reduce result before its own sends are through) then falls
    /// inside the measured window instead of being cut off.
    public static func simulate(_ run: RunSpec, gpus: Int, location: ConfigError? = nil, reusing reused: Topology? = nil) throws -> Outcome {
        try checkBatch(run, gpus: gpus)
        var setup = run.setup(gpus: gpus)
        setup.steps = run.steps + 1
        let topology: Topology
        if let reused {
            precondition(reused.wiring == Topology.Wiring(cluster: run.simulatedCluster, gpus: gpus), "a reused topology must have the run's wiring")
            topology = reused
        } else {
            topology = Topology(cluster: run.simulatedCluster, gpus: gpus)
        }
        let graph: TaskGraph
        var fidelity = fidelity(run, gpus: gpus)
        let symmetry = fidelity == .expanded && nodeSymmetryRefusal(run, gpus: gpus) == nil
            ? NodeSymmetry(ranks: gpus, ranksPerNode: run.cluster.gpusPerNode * topology.nodeShiftNodes) : nil
        do {
            graph = try Planner.plan(setup, strategy: run.plannedStrategy, fidelity: fidelity, symmetry: symmetry)
        } catch var tooLarge as PlanTooLargeError {
            tooLarge.wasAggregated = fidelity == .aggregated
            // The scenario chose no fidelity and the run can be aggregated: the default is expanded
            // only where the plan fits (model-parallel exchanges outgrow it from about 16 GPUs).
            guard run.fidelity == nil, expandedOnly(run) == nil, !tooLarge.wasAggregated else {
                var error = location ?? run.gpusLocation
                // Aggregated is offered where it was not taken by itself (the scenario chose expanded, model
                // parallelism, mechanisms it does not price), with what it leaves out, so that the choice is the user's.
                let offer = !tooLarge.wasAggregated
                error.message = "\(gpus) GPU\(gpus == 1 ? "" : "s"), \(run.strategy.name) parallelism: \(tooLarge)"
                    + (offer ? ", or simulation: {fidelity: aggregated}" + aggregatedLeavesOut(run) : "")
                throw error
            }
            fidelity = .aggregated
            do {
                graph = try Planner.plan(setup, strategy: run.plannedStrategy, fidelity: .aggregated, symmetry: nil)
            } catch var aggregatedTooLarge as PlanTooLargeError {
                // Too large even with every collective one task: located, and without offering what was tried.
                aggregatedTooLarge.wasAggregated = true
                var error = location ?? run.gpusLocation
                error.message = "\(gpus) GPU\(gpus == 1 ? "" : "s"), \(run.strategy.name) parallelism, even aggregated: \(aggregatedTooLarge)"
                throw error
            }
        }
        let cost = try run.costModel(for: run.setup(gpus: gpus))
        let computeSeconds = ComputePrices.seconds(of: graph, cost: cost)
        try checkDurations(graph, topology: topology, computeSeconds: computeSeconds, run: run, batchPerGPU: setup.batchPerGPU)
        let trace = GraphSimulation.run(graph, topology: topology, cost: cost, profile: run.software, computeSeconds: computeSeconds)
        var metrics = StepMetrics.measure(trace, gpus: graph.gpus, globalBatch: setup.globalBatch, step: run.steps - 1,
                                          symmetry: graph.symmetry)
        // The slowest worker stretches the simulated step; a loader ceiling then applies to the stretched step.
        metrics = metrics.withStragglers(cv: run.computeVariationCV, workers: gpus)
        metrics = metrics.withPeriodicWork(inputCopySeconds: run.inputCopySeconds(gpus: gpus, topology: topology),
                                           evaluationSeconds: run.software.mechanisms.evaluationSecondsPerStep(globalBatch: setup.globalBatch))
        if let ceiling = run.loaderCeiling(gpus: gpus)?.imagesPerSecond {
            metrics = metrics.limitedByLoader(imagesPerSecond: ceiling)
        }
        return Outcome(setup: setup, graph: graph, topology: topology, trace: trace, metrics: metrics, measuredStep: run.steps - 1,
                       fidelity: fidelity)
    }

    /// The longest step ScaleCast simulates, in seconds (about three years): beyond
    /// it simulated time could overflow, and no such step is worth simulating.
    static let longestStepSeconds = 1e8

    /// Refuses a configuration whose step could not be simulated: a task time
    /// that is not finite, or steps far beyond any real training run.
    /// - Parameter computeSeconds: each task's compute price (`ComputePrices`).
    /// - Parameter batchPerGPU: the images each GPU trains a micro-batch (`RunSpec.batchPerGPU(at:)`), for the message.
    static func checkDurations(_ graph: TaskGraph, topology: Topology, computeSeconds: [Double], run: RunSpec, batchPerGPU: Int) throws {
        var compute = 0.0, longestTransfer = 0.0
        var slowest = Double.infinity
        for link in topology.links.indices { slowest = min(slowest, topology.links[link].bytesPerSecond) }
        for id in graph.tasks.indices {
            switch graph.tasks[id].work {
            case .compute: compute += computeSeconds[id]
            case .transfer(let bytes, _): longestTransfer = max(longestTransfer, bytes / slowest)
            case .collective(let work): longestTransfer = max(longestTransfer, work.bytes / slowest * 2)
            case .exchange(_, let bytes): longestTransfer = max(longestTransfer, bytes / slowest * 2)
            }
        }
        let perStep = (compute / Double(graph.gpus) + longestTransfer) / Double(max(1, graph.steps))
        guard perStep.isFinite && perStep <= longestStepSeconds else {
            var error = run.batchLocation
            let batch = run.accumulationSteps > 1 ? "\(run.accumulationSteps) micro-batches of \(batchPerGPU)" : "\(batchPerGPU)"
            error.message = "a step of \(run.modelLabel) with \(batch) images per GPU on \(run.cluster.gpu.name) would take "
                + (perStep.isFinite ? "about \(Self.days(perStep)) days" : "forever (the cost model gives no finite time)")
                + "; check the hardware figures (a GPU's peak, max_efficiency, memory_efficiency) and the batch"
            throw error
        }
    }

    /// `seconds` in days, as printed in `checkDurations`' refusal: whole days up to a million,
    /// three significant figures beyond (a step of 1e-300 memory efficiency takes 10^290 days,
    /// which written out would fill the message).
    static func days(_ seconds: Double) -> String {
        let days = seconds / 86400
        return days < 1e6 ? String(format: "%.0f", days) : String(format: "%.3g", days)
    }

    /// Why an expanded simulation of `run` on `gpus` GPUs lays out every node instead of
    /// node 0 standing for all (`NodeSymmetry`), in a few words, or nil when node 0 stands
    /// for all: the wiring must be the same from every node (`Topology.Wiring.nodeShiftRefusal`:
    /// two or more full nodes under one switch) and the plan too (`NodeSymmetry.refusal`:
    /// data parallelism with a ring-shaped all-reduce). Either way the results are the same.
    public static func nodeSymmetryRefusal(_ run: RunSpec, gpus: Int) -> String? {
        if run.simulatesEveryNode { return "every node asked for" }
        return Topology.Wiring(cluster: run.simulatedCluster, gpus: gpus).nodeShiftRefusal
            ?? NodeSymmetry.refusal(run.setup(gpus: gpus), strategy: run.plannedStrategy)
    }

    /// How a run is simulated, in a few words: `aggregated`, `expanded` on one node or
    /// `expanded, one node simulated for all 32 nodes (symmetric)`, or `expanded, every node
    /// simulated (not symmetric: <why>)`; given the fidelity it `ran` with (`Outcome.fidelity`),
    /// `aggregated (...)` where the default expanded plan passed the limits or the aggregated
    /// price leaves out a mechanism (`expandedOnly`).
    public static func simulationSummary(_ run: RunSpec, gpus: Int, ran: Fidelity? = nil) -> String {
        if ran == .aggregated && fidelity(run, gpus: gpus) == .expanded {
            return "aggregated (transfer by transfer, the plan would pass the simulator's limits"
                + (replayedCopies(run).map { "; \($0) simulated exchange by exchange, the workers' skew left out" } ?? "") + ")"
        }
        let nodes = run.cluster.nodes(for: gpus)
        guard fidelity(run, gpus: gpus) == .expanded else {
            // Where the aggregated price is known to miss a mechanism, say so and name the reference.
            if let missed = expandedOnly(run) {
                return "aggregated (the profile's \(missed), the software cost of every copy stage, left out: the step comes out "
                    + "shorter than the profile's schedule; simulation: {fidelity: expanded} prices it, up to "
                    + "\(run.strategy.kind == .data ? expandedLimit.data : expandedLimit.modelParallel) GPUs)"
            }
            if let copies = replayedCopies(run) {
                return "aggregated (\(copies): each exchange simulated once, transfer by transfer, sharing links only with the "
                    + "exchanges in flight beside it; the workers' skew is left out, which a reducer that takes one GPU after another "
                    + "amplifies: up to 15% shorter than expanded at 16-24 GPUs, simulation: {fidelity: expanded})"
            }
            if let missed = stageCostLeftOut(run, gpus: gpus) {
                return "aggregated (the profile's \(missed) left out of the model-parallel exchanges and all-reduces past "
                    + "\(PlanLimits.replayedRanks) GPUs: the step comes out shorter than the profile's schedule)"
            }
            guard run.plannedStrategy.kind == .data, run.plannedStrategy.gradientSync.algorithm == .psGPUs, nodes > 1 else {
                return Fidelity.aggregated.rawValue
            }
            return "aggregated (ps-gpus across nodes: the buckets crossing a NIC share it as whole stages, each up to "
                + "the share its server's link lets it use, not as the expanded run's fair flows; where the servers spread "
                + "over the nodes the step can be up to 20% off the expanded reference, simulation: {fidelity: expanded})"
        }
        guard nodes > 1 else { return Fidelity.expanded.rawValue }
        if let refusal = nodeSymmetryRefusal(run, gpus: gpus) { return "expanded, every node simulated (not symmetric: \(refusal))" }
        let unit = Topology.Wiring(cluster: run.simulatedCluster, gpus: gpus).nodeShiftNodes
        return unit == 1 ? "expanded, one node simulated for all \(nodes) nodes (symmetric)"
            : "expanded, one leaf's \(unit) nodes simulated for all \(nodes) nodes (symmetric)"
    }

    /// GPU counts above which data-parallel runs are simulated aggregated unless the
    /// scenario says otherwise: expanded simulation grows faster than the GPU count
    /// (BENCHMARKS.md), and past this size identical workers are simulated once.
    public static let aggregateAbove = 32

    /// Whether `run` with `simulation: {fidelity: expanded}` would be simulated at `gpus`
    /// GPUs: it passes `check` (expanded simulation's GPU limits) and, where the default
    /// fidelity is aggregated, its expanded plan stays within `PlanLimits` (planned, not
    /// simulated: a fraction of a second at a thousand GPUs, and planning stops at the
    /// first step that is too large). Where it would not, nothing may suggest it.
    public static func acceptsExpanded(_ run: RunSpec, gpus: Int) -> Bool {
        var expanded = run
        expanded.fidelity = .expanded
        guard (try? check(expanded, gpus: gpus, location: ConfigError(file: "", keyPath: "", line: nil, message: ""))) != nil else {
            return false
        }
        guard fidelity(run, gpus: gpus) == .aggregated else { return true }
        var setup = run.setup(gpus: gpus)
        setup.steps = run.steps + 1
        let symmetry = nodeSymmetryRefusal(run, gpus: gpus) == nil
            ? NodeSymmetry(ranks: gpus, ranksPerNode: run.cluster.gpusPerNode * Topology(cluster: run.simulatedCluster, gpus: gpus).nodeShiftNodes)
            : nil
        return (try? Planner.plan(setup, strategy: run.plannedStrategy, fidelity: .expanded, symmetry: symmetry)) != nil
    }

    /// The fidelity `run` is simulated with on `gpus` GPUs: the scenario's choice, else
    /// aggregated above `aggregateAbove` GPUs where it leaves out nothing (`expandedOnly`),
    /// else expanded.
    public static func fidelity(_ run: RunSpec, gpus: Int) -> Fidelity {
        if let chosen = run.fidelity { return chosen }
        return gpus > aggregateAbove && expandedOnly(run) == nil ? .aggregated : .expanded
    }

    /// The profile's mechanisms that only expanded simulation prices, or nil: the closed forms
    /// of data parallelism's aggregated all-reduces leave out a copy stage's software cost
    /// (`stage_us`), so a default fidelity stays expanded where it is on (cuda-convnet2 at 64
    /// GPUs ran 8x faster aggregated). A plan with model-parallel layers prices it aggregated
    /// too: it replays its exchanges and all-reduces transfer by transfer
    /// (`LayerwisePlanner.replayed`). (Both fidelities price `sync_layers_in_turn`: each
    /// all-reduce waits for the end of backward and for the one before.)
    public static func expandedOnly(_ run: RunSpec) -> String? {
        run.strategy.kind == .data && run.software.mechanisms.stageSeconds > 0 ? "stage_us" : nil
    }

    /// The model-parallel exchanges of `run` that are the program's own copies, which the
    /// aggregated fidelity too simulates transfer by transfer (`LayerwisePlanner.replayed`, each
    /// once), in words that name the setting, or nil: cuda-convnet2's copy networks, or
    /// point-to-point copies beside an all-reduce that is not a library's. Their transfers grow
    /// as the square of the GPUs (an all-gather of slices sends from every GPU to every other),
    /// so both fidelities stop at `PlanLimits.replayedRanks`.
    public static func replayedCopies(_ run: RunSpec) -> String? {
        guard run.strategy.kind != .data, run.modelParallelExchanges == .pointToPoint else { return nil }
        let mechanisms = run.software.mechanisms
        return mechanisms.activationBroadcast == .cudaConvnet2 || mechanisms.hostStagedSyncFromGPUs != nil
            ? "cuda-convnet2's copy networks, the program's own copies"
            : "the program's own copies beside allreduce: \(run.plannedStrategy.gradientSync.algorithm.rawValue), not a library's collectives"
    }

    /// The profile's stage cost (`stage_us`) where the aggregated fidelity leaves it out of a
    /// run with model-parallel layers whose exchanges run as a library's collectives: past
    /// `PlanLimits.replayedRanks` GPUs, where their closed forms price them instead of their
    /// replayed transfers; nil elsewhere.
    static func stageCostLeftOut(_ run: RunSpec, gpus: Int) -> String? {
        run.strategy.kind != .data && replayedCopies(run) == nil && run.software.mechanisms.stageSeconds > 0
            && gpus > PlanLimits.replayedRanks ? "stage_us" : nil
    }

    /// Whether `gpus` GPUs fill nodes of `gpusPerNode` unevenly (several nodes, the last partly
    /// filled), by the node grouping the two-level all-reduces use (`NodeGroups`): there both
    /// fidelities run a hierarchical all-reduce as a flat ring.
    static func nodesAreUneven(gpus: Int, gpusPerNode: Int) -> Bool {
        let nodes = NodeGroups(ranks: Array(0..<gpus), gpusPerNode: gpusPerNode)
        return nodes.members.count > 1 && !nodes.isUniform
    }

    /// Where aggregated fidelity is offered in place of expanded, what it would leave out of
    /// `run` (`expandedOnly`), said so that the faster step it gives is not taken for the same
    /// schedule's; "" where it leaves out nothing.
    static func aggregatedLeavesOut(_ run: RunSpec) -> String {
        expandedOnly(run).map { " (which leaves out the profile's \($0), the software cost of every copy stage: its steps come out shorter)" } ?? ""
    }

    /// Every configuration of `scenario`: each run at each of its GPU counts (or at
    /// `gpuOverride`), with speedups against the same run on one GPU.
    /// - Throws: `ConfigError` for a configuration that cannot be laid out.
    public static func results(_ scenario: Scenario, gpuOverride: [Int]? = nil) throws -> [ConfigurationResult] {
        var results: [ConfigurationResult] = []
        for (runIndex, run) in scenario.runs.enumerated() {
            let counts = gpuOverride ?? run.gpuCounts
            let location = gpuOverride == nil ? run.gpusLocation
                : ConfigError(file: "--gpus", keyPath: "", line: nil, message: "")
            for gpus in counts { try check(run, gpus: gpus, location: location) }
            let singleOutcome = try simulate(run, gpus: 1)
            let single = singleOutcome.metrics
            let singleFits = try run.memoryFootprint(for: run.setup(gpus: 1)).totalBytes <= run.cluster.gpu.memoryBytes
            for gpus in counts {
                let outcome = gpus == 1 ? singleOutcome : try simulate(run, gpus: gpus, location: location)
                let metrics = outcome.metrics
                let setup = run.setup(gpus: gpus)
                let memory = try run.memoryFootprint(for: setup)
                let configuration = "\(gpus) GPU\(gpus == 1 ? "" : "s"), \(run.strategySummary)"
                let runName = run.label ?? (scenario.runs.count > 1 ? Scenario.keyPath(ofRun: runIndex) : nil)
                results.append(ConfigurationResult(
                    label: runName.map { "\($0) · \(configuration)" } ?? configuration,
                    runLabel: run.label, runName: runName, runIndex: runIndex, model: run.modelLabel, gpuModel: run.cluster.gpu.name, gpus: gpus,
                    nodes: run.cluster.nodes(for: gpus), strategy: run.strategy, strategySummary: run.strategySummary,
                    precision: run.precision.rawValue, precisionNote: run.precisionNote,
                    batchPerGPU: run.batchPerGPU(at: gpus), accumulationSteps: run.accumulationSteps, metrics: metrics,
                    speedup: metrics.imagesPerSecond / single.imagesPerSecond, baselineFits: singleFits,
                    memory: memory, gpuMemoryBytes: run.cluster.gpu.memoryBytes, batchCut: run.batchPerGPU(at: gpus) < run.batchPerGPU,
                    hierarchicalRanAsRing: run.plannedStrategy.gradientSync.algorithm == .hierarchical
                        && Self.nodesAreUneven(gpus: gpus, gpusPerNode: run.cluster.gpusPerNode),
                    flatRingCrossesRails: Self.flatRingCrossesRails(run, gpus: gpus), fidelity: outcome.fidelity))
            }
        }
        return results
    }
}

extension ScenarioRunner {
    /// Whether `run`'s gradients go round a flat ring (`allreduce: ring`, or a hierarchical one run
    /// as a ring over uneven nodes) whose hops between nodes change rails across the spine, at `gpus`
    /// GPUs on more than one node: on a rail-optimized network, the NIC of a node's last GPU (which
    /// sends to the next node's first) is on another rail than the first GPU's, and the route between
    /// rails is the spine's (`cross_rail: spine`, or a PCIe tree, where PXN does not apply). NCCL's
    /// own algorithms keep each ring on one rail (README, "Networks between nodes").
    public static func flatRingCrossesRails(_ run: RunSpec, gpus: Int) -> Bool {
        let algorithm = run.plannedStrategy.gradientSync.algorithm
        guard algorithm == .ring || (algorithm == .hierarchical && nodesAreUneven(gpus: gpus, gpusPerNode: run.cluster.gpusPerNode)),
              run.strategy.kind != .model, run.cluster.nodes(for: gpus) > 1,
              let network = run.cluster.network, network.nicsPerNode > 1,
              case .railOptimized(let crossRail) = network.layout, crossRail == .spine || run.cluster.fabric.isPCIeTree,
              let nics = run.cluster.nicOfLocalGPU, let first = nics.first, let last = nics.last else { return false }
        return first != last
    }

    /// What one mechanism of a run's execution profile costs a step.
    public struct MechanismCost: Sendable, Equatable {
        /// What the mechanism is, with the profile keys that set it.
        public var name: String
        /// The step's seconds with every mechanism, less its seconds with this one
        /// off (the others kept): what the step would save without it.
        public var seconds: Double
    }

    /// The cost of each mechanism `run`'s profile turns on, at `gpus` GPUs, the
    /// largest first (ties in the profile's key order). Each is measured by
    /// simulating the run again with that mechanism off; mechanisms interact, so
    /// the costs need not add up to the difference from `ideal`.
    /// - Parameter stepSeconds: the step with every mechanism on (`simulate`'s).
    public static func mechanismCosts(_ run: RunSpec, gpus: Int, stepSeconds: Double, metrics: StepMetrics) throws -> [MechanismCost] {
        var costs: [MechanismCost] = []
        func without(_ name: String, _ change: (inout ExecutionProfile) -> Void) throws {
            var off = run
            let before = off.software
            change(&off.software)
            guard off.software != before else { return }
            // Turning off the last mechanism only expanded prices would let `auto` aggregate the
            // comparison run: both are simulated alike, or the difference is the fidelities'.
            if off.fidelity == nil, expandedOnly(run) != nil, expandedOnly(off) == nil { off.fidelity = .expanded }
            let step = try simulate(off, gpus: gpus).metrics.stepSeconds
            costs.append(MechanismCost(name: name, seconds: stepSeconds - step))
        }
        let m = run.software.mechanisms
        if run.strategy.gradientSync.algorithm == .p2psyncTree && gpus > 1 {
            // Against the ring every other stack of the era's corpus cases is modelled with.
            var ring = run
            ring.strategy.gradientSync.algorithm = .ring
            let step = try simulate(ring, gpus: gpus).metrics.stepSeconds
            costs.append(MechanismCost(name: "Caffe's P2P tree: whole buffers up GPU pairs chosen by peer access, copies down one after another "
                                       + "(collective: caffe-p2psync-tree; against a ring)", seconds: stepSeconds - step))
        }
        if run.strategy.gradientSync.algorithm.updatesOnServer && (gpus > 1 || run.strategy.gradientSync.algorithm.communicatesOnOneGPU) {
            // Against the ring the replicated mode runs (each worker updating its own copy).
            var ring = run
            ring.strategy.gradientSync.algorithm = .ring
            let step = try simulate(ring, gpus: gpus).metrics.stepSeconds
            costs.append(MechanismCost(name: "parameter server: whole gradients pushed to the server, summed and applied there, "
                                       + "whole weights pulled back (collective: \(run.strategy.gradientSync.algorithm.rawValue); against a ring)",
                                       seconds: stepSeconds - step))
        }
        if run.strategy.gradientSync.algorithm == .psHost {
            try without("the parameter server's sum and update in host memory (ps_host_gb_per_s)") { $0.communication.serverHostBytesPerSecond = nil }
        }
        try without("one all-reduce per layer as backward produces it (gradient_sync: layers; off: the scenario's buckets)") {
            if $0.gradientSync == .layers { $0.gradientSync = .buckets }
        }
        if run.software.workspaceLimitBytes != nil && run.software.kernelLibrary != nil {
            try without("convolution workspace capped (workspace_mb)") { $0.workspaceLimitBytes = nil }
        }
        try without("activations broadcast through host memory from 3 GPUs on (activation_broadcast)") {
            $0.mechanisms.activationBroadcast = .chain
        }
        try without("last weighted layer and loss on GPU 0 (loss_placement)") { $0.mechanisms.lossPlacement = .everyGPU }
        // Aggregated, one worker stands for all: a barrier among identical workers waits for nobody.
        let barrierAggregated = fidelity(run, gpus: gpus) == .aggregated
            ? "; aggregated, one worker stands for all and it waits for nobody: simulation: {fidelity: expanded} prices the workers' skew" : ""
        try without("a barrier after every model-parallel pass (pass_barrier\(barrierAggregated))") { $0.mechanisms.passBarrier = false }
        try without("software cost per copy stage and chunk (stage_us)") { $0.mechanisms.stageSeconds = 0 }
        try without("gradients synchronized layer by layer after backward (sync_layers_in_turn)") { $0.mechanisms.syncLayersInTurn = false }
        try without("synchronized gradients broadcast through host memory (host_staged_sync_from_gpus)") {
            $0.mechanisms.hostStagedSyncFromGPUs = nil
        }
        try without("each gradient copied into its DDP bucket and back (ddp_bucket_copies)") { $0.mechanisms.ddpBucketCopies = false }
        try without("gradients zeroed after each optimizer step and added to in backward (grads_zeroed)") { $0.mechanisms.gradsZeroed = false }
        try without("the optimizer's kernels launched tensor by tensor (update_kernels_per_tensor)") { $0.mechanisms.updateKernelsPerTensor = 0 }
        try without("the optimizer stepping once per optimizer batch (optimizer_every_images; off: every step)") {
            $0.mechanisms.optimizerEveryImages = nil
        }
        try without("fused all-reduces wait for the background thread's cycle (fusion_cycle_ms, fusion_threshold_mb; off: the scenario's buckets)") {
            $0.communication.fusionCycleSeconds = nil; $0.communication.fusionThresholdBytes = nil; $0.communication.negotiationRoundSeconds = 0
            $0.communication.gradientGroups = nil
        }
        try without("negotiation among the ranks once per cycle (negotiation_us)") { $0.communication.negotiationRoundSeconds = 0 }
        try without("gradients handed to the fusion thread in groups (gradient_groups)") { $0.communication.gradientGroups = nil }
        try without("NCCL's socket transport caps each NIC at streams x per-stream rate (net_socket_streams, net_stream_gb_per_s)") {
            $0.communication.socketStreams = nil; $0.communication.streamBytesPerSecond = nil
        }
        try without("socket transport latency on every hop between nodes (net_step_latency_us)") { $0.communication.socketStepLatencySeconds = 0 }
        try without("host time launching kernels (launch_us_per_kernel_*)") {
            $0.launchSecondsPerKernelForward = 0; $0.launchSecondsPerKernelBackward = 0; $0.launchSecondsPerKernelUpdate = 0
        }
        if m.syncInputCopyEveryImages != nil {
            costs.append(MechanismCost(name: "synchronous input copies at data-batch boundaries (sync_input_copy_every_images, input_*)",
                                       seconds: metrics.inputCopySeconds))
        }
        if m.syncInputCopyEveryStep {
            costs.append(MechanismCost(name: "synchronous input copies in every step (sync_input_copy_every_step, input_*)",
                                       seconds: metrics.inputCopySeconds))
        }
        if m.evaluationEveryImages != nil {
            costs.append(MechanismCost(name: "test and checkpoint every interval (evaluation_*)", seconds: metrics.evaluationSeconds))
        }
        return costs.enumerated().sorted { a, b in
            a.element.seconds > b.element.seconds || (a.element.seconds == b.element.seconds && a.offset < b.offset)
        }.map(\.element)
    }
}
