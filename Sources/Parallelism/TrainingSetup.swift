import Workload

/// What is being trained and how much per step: the input to every planner.
public struct TrainingSetup: Sendable {
    public var network: Network
    public var precision: Precision
    /// Examples each GPU processes per micro-batch, which is a step unless gradients are
    /// accumulated (weak scaling: the global batch is `batchPerGPU × gpus × accumulationSteps`).
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
    /// The memory passes the stack's autograd adds to the layers' own (eager PyTorch's
    /// in-place activation clones and `sum_to` reductions); none by default.
    public var autograd: AutogradPasses = .none
    /// The cluster as NCCL sees it, for NCCL's algorithms (`AllReduceAlgorithm.nccl`
    /// and its pinned forms); nil where the plan runs none of them.
    public var nccl: NCCLSystem?
    /// The last weighted layer of a model-parallel part and the loss run whole on
    /// worker 0 (cuda-convnet2's cost layer), not split over every worker.
    public var lossOnFirstWorker = false
    /// Every worker finishes a model-parallel chunk (pass) before any starts the next.
    public var passBarrier = false
    /// Seconds one store-and-forward stage of a copy costs the software, per chunk
    /// and hop (`softwareLatency(messageElements:transfers:)`); 0: none.
    public var stageSeconds = 0.0
    /// Data-parallel gradients all-reduced one layer at a time, each after the one
    /// before, once backward is done.
    public var syncLayersInTurn = false
    /// Each parameter tensor's gradient copied into its bucket on its layer's backward and
    /// back on its bucket's update, one kernel each, where gradients are all-reduced
    /// (`ScheduleMechanisms.ddpBucketCopies`).
    public var ddpBucketCopies = false
    /// Gradients are zeroed, not freed, after each optimizer step (`ScheduleMechanisms.gradsZeroed`):
    /// a zero kernel per parameter tensor with the update, an in-place add per tensor in every backward.
    public var gradsZeroed = false
    /// Mixed precision as autocast runs it: each convolution and fully connected weight
    /// also held as a 2-byte copy from its forward to its backward (`ExecutionProfile.autocastWeightCopies`).
    public var autocastWeightCopies = false
    /// Optimizer kernels per parameter tensor; 0: one per bucket (`ScheduleMechanisms.updateKernelsPerTensor`).
    public var updateKernelsPerTensor = 0
    /// Images over all GPUs per optimizer step; nil: every step (`ScheduleMechanisms.optimizerEveryImages`).
    public var optimizerEveryImages: Int?
    /// Micro-batches of `batchPerGPU` per step, gradients accumulated locally (PyTorch DDP's
    /// `no_sync()`): every micro-batch but the last runs forward and backward alone; the
    /// last one also all-reduces the gradients and updates. 1: no accumulation. Data
    /// parallelism only.
    public var accumulationSteps = 1
    /// From this many GPUs on, a `direct` gradient all-reduce runs as cuda-convnet2's
    /// weight sync: each shard summed by its reducer, broadcast through host memory
    /// (`AllReduce`'s `cudaConvnet2Networks`); nil: never.
    public var hostStagedSyncFromGPUs: Int?
    /// How scheme (b)'s turns broadcast a worker's boundary activations.
    public var activationBroadcast = ActivationBroadcast.chain
    /// How the model-parallel exchanges run: each pair its own transfer (the default,
    /// and the program's own copy networks under `activationBroadcast.cudaConvnet2`), or
    /// as a collective library's broadcasts, reduces, all-gathers and reduce-scatters.
    public var modelParallelExchanges = ModelParallelExchanges.pointToPoint
    /// Horovod's tensor fusion on a cycle: which gradients travel together and when
    /// each fused all-reduce may start; nil: the strategy's buckets, each sent as soon
    /// as backward has produced it.
    public var tensorFusion: TensorFusion?
    /// GPUs that can copy peer to peer with one another, in consecutive groups of
    /// this size (the GPUs of one socket on a PCIe tree whose sockets cannot); nil: all.
    public var peerGroupSize: Int?
    /// Which GPUs can copy peer to peer, for the all-reduces that choose their pairs by
    /// it (`p2psyncTree`); nil: every pair.
    public var peerAccess: PeerAccess?
    /// Bytes per second a parameter server in host memory streams through while it sums,
    /// scales and applies the gradients (`psHost`); nil: its arithmetic is not priced.
    public var hostServerBytesPerSecond: Double?
    /// The same for a GPU serving as parameter server (`psGPUs`): its memory bandwidth as
    /// the cost model prices streaming traffic; nil: not priced.
    public var gpuServerBytesPerSecond: Double?
    /// The NIC each GPU of a node sends and receives through, by its local index (the
    /// scenario's `gpu_nic`, else its even share, the node's only NIC, or on a PCIe tree
    /// the NIC its routes cross: `ClusterSpec.nicOfLocalGPU`); nil where no GPU keeps to
    /// one NIC (no network, or routes out and in through different NICs).
    public var nicOfLocalGPU: [Int]?

    public init(network: Network, precision: Precision, batchPerGPU: Int, gpus: Int, steps: Int = 2) {
        precondition(batchPerGPU > 0 && gpus > 0 && steps > 0)
        self.network = network
        self.precision = precision
        self.batchPerGPU = batchPerGPU
        self.gpus = gpus
        self.steps = steps
        gradientBytesPerElement = precision.gradientBytes
    }

    /// Images per step over every GPU: `batchPerGPU × gpus × accumulationSteps`.
    public var globalBatch: Int { batchPerGPU * gpus * accumulationSteps }
    /// Whether the step runs the optimizer at all (`ScheduleMechanisms.optimizerStep`):
    /// false for a benchmark that times forward and backward only.
    public var optimizerStep = true
    /// The share of steps the optimizer runs in: `min(1, global batch / optimizerEveryImages)`,
    /// 0 without an optimizer step.
    public var optimizerShare: Double {
        guard optimizerStep else { return 0 }
        return optimizerEveryImages.map { min(1, Double(globalBatch) / Double($0)) } ?? 1
    }
}

/// How the hybrid's turns broadcast a worker's boundary activations to the others.
public enum ActivationBroadcast: String, Sendable, CaseIterable {
    /// A pipelined chain from GPU to GPU in ring order.
    case chain
    /// As cuda-convnet2's `IBroadcastNetwork::make` builds it (cudaconvnet/src/copypipeline.cu):
    /// two GPUs copy peer to peer; eight go source → host memory → two GPUs of the
    /// source's peer group and two of the other, each of which forwards to one more
    /// (`EightGPUBroadcaster1`); any other count goes source → host memory → every
    /// other GPU (`NaiveBroadcaster`). Every hop a pipelined store-and-forward segment.
    case cudaConvnet2 = "cuda-convnet2"
}
