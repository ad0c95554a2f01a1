import Workload

/// What is being trained and how much per step: the input to every planner.
public struct TrainingSetup: Sendable {
    public var network: Network
    public var precision: Precision
    /// Examples each GPU processes per step (weak scaling: the global batch is
    /// `batchPerGPU × gpus`).
    public var batchPerGPU: Int
    public var gpus: Int
    /// Training steps to lay out; reports use the last (steady state).
    public var steps: Int
    /// Bytes per gradient element all-reduced: the precision's unless the training
    /// stack sends another dtype (PyTorch autocast keeps fp32 gradients under fp16).
    public var gradientBytesPerElement: Int
    /// GPUs per node of the cluster the GPUs fill in order, for the two-level
    /// all-reduces (`hierarchical`, `parameter-server`); nil: all on one node.
    public var gpusPerNode: Int?
    /// The element-wise layers the training stack runs inside batch norm kernels.
    public var fusion: FusionPlan = .none
    /// The cluster as NCCL sees it, for NCCL's algorithms (`AllReduceAlgorithm.nccl`
    /// and its pinned forms); nil where the plan runs none of them.
    public var nccl: NCCLSystem?

    public init(network: Network, precision: Precision, batchPerGPU: Int, gpus: Int, steps: Int = 2) {
        precondition(batchPerGPU > 0 && gpus > 0 && steps > 0)
        self.network = network
        self.precision = precision
        self.batchPerGPU = batchPerGPU
        self.gpus = gpus
        self.steps = steps
        gradientBytesPerElement = precision.gradientBytes
    }

    public var globalBatch: Int { batchPerGPU * gpus }
}
