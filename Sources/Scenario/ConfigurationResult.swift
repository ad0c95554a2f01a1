import Parallelism
import Simulation

/// The simulated outcome of one run at one GPU count.
public struct ConfigurationResult: Sendable {
    /// E.g. "ResNet-50 · 8 GPUs, data (ring, 25 MB buckets)": the configuration, after
    /// `runName` where there is one.
    public var label: String
    /// The run's `label:`; nil where it has none.
    public var runLabel: String?
    /// What tells the run apart from the scenario's others: its `label:`, or its key path
    /// (`runs[1]`) for an unlabelled run of a scenario with several; nil for a scenario's
    /// only run without a label.
    public var runName: String? = nil
    /// The run's place in its scenario's `runs` (0 for a scenario without `runs:`).
    public var runIndex = 0
    public var model: String
    public var gpuModel: String
    public var gpus: Int
    public var nodes: Int
    public var strategy: Strategy
    /// The strategy as the run carried it out (`RunSpec.strategySummary`).
    public var strategySummary: String
    public var precision: String
    /// Why `precision` is not the scenario's (`RunSpec.precisionNote`); nil when it is.
    public var precisionNote: String? = nil
    public var batchPerGPU: Int
    /// Micro-batches of `batchPerGPU` per step (the run's `accumulation_steps`; 1: none).
    public var accumulationSteps = 1
    public var metrics: StepMetrics
    /// Images/s relative to the same run on one GPU.
    public var speedup: Double
    /// Whether that one-GPU configuration, which `speedup` divides by, fits in GPU memory:
    /// where it does not, the speedup is against a configuration that cannot run.
    public var baselineFits = true
    public var memory: MemoryFootprint
    /// Device memory of one GPU, in bytes.
    public var gpuMemoryBytes: Double
    /// Whether `max_global_batch` cut `batchPerGPU` below the run's `batch_per_gpu` here.
    public var batchCut = false
    /// Whether the strategy's hierarchical all-reduce ran as a flat ring here: its two levels
    /// need every node full (`TaskGraph.allReduce`, `CollectiveModel`), and the last is not.
    public var hierarchicalRanAsRing = false
    /// Whether the gradients' flat ring changes rails between nodes over the spine here: on a
    /// rail-optimized network, the last GPU of a node and the first of the next send through NICs
    /// on different rails (`ScenarioRunner.flatRingCrossesRails`); NCCL's rings keep to one rail.
    public var flatRingCrossesRails = false
    /// How the step was simulated: transfer by transfer (expanded) or with each collective priced
    /// by its closed form (aggregated), as `ScenarioRunner.simulate` chose for this GPU count.
    public var fidelity: Fidelity = .expanded

    public var efficiency: Double { speedup / Double(gpus) }
    public var fitsInMemory: Bool { memory.totalBytes <= gpuMemoryBytes }
}
