import Parallelism
import YAMLSupport

/// How a stack's own code runs the hybrid's schedule beyond the hardware: where the
/// loss sits, whether passes are serialized with barriers, what each store-and-forward
/// copy stage costs, how the gradient sync is ordered, and the housekeeping that
/// happens once per interval (input copies at data-batch boundaries, evaluation and
/// checkpoint). cuda-convnet2 (github.com/akrizhevsky/cuda-convnet2) is the stack these
/// model; every field is off by default, so other profiles are unchanged.
///
/// The planner reads the schedule fields (`TrainingSetup`); the periodic ones are
/// amortized over the steps of their interval (`periodicSeconds`).
public struct ScheduleMechanisms: Sendable, Equatable {
    /// Where the last weighted layer of a model-parallel part and the loss run.
    public enum LossPlacement: String, Sendable, CaseIterable {
        /// Split by units like the layers before it, the loss on every worker.
        case everyGPU = "every-gpu"
        /// Whole on the first worker: its input slices are gathered there and its
        /// input gradient scattered back (cuda-convnet2 cannot split a cost layer).
        case firstGPU = "first-gpu"
    }

    /// `loss_placement`.
    public var lossPlacement = LossPlacement.everyGPU
    /// `pass_barrier`: every worker finishes a model-parallel pass (chunk), update
    /// included, before any starts the next.
    public var passBarrier = false
    /// `stage_us`: host time one store-and-forward stage of a copy pipeline costs
    /// (launch, stream sync, hand-off to the next segment's thread), in seconds, paid
    /// once per chunk (`CopyStages.chunks(elements:)`) on each hop of a message.
    public var stageSeconds = 0.0
    /// `sync_layers_in_turn`: the data-parallel gradients are synchronized layer by
    /// layer, each all-reduce waiting for the one before, all after backward.
    public var syncLayersInTurn = false
    /// `host_staged_sync_from_gpus`: from this many GPUs on, a `direct` gradient
    /// all-reduce runs as cuda-convnet2's weight sync: each shard's reduce by its reducer
    /// (one GPU after another, or its eight-GPU reducer through host memory), the broadcast
    /// half through host memory; nil: never.
    public var hostStagedSyncFromGPUs: Int?
    /// `activation_broadcast`: how the hybrid's turns broadcast activations
    /// (`chain`, or `cuda-convnet2`'s host-staged networks).
    public var activationBroadcast = ActivationBroadcast.chain
    /// `input_bytes_per_element`: bytes of one input element copied host to GPU.
    public var inputBytesPerElement: Int?
    /// `sync_input_copy_every_images`: the input copy is synchronous (not
    /// prefetched) once per this many images (a data batch).
    public var syncInputCopyEveryImages: Int?
    /// `sync_input_copy_every_step`: the input copy is synchronous in every step (each
    /// forward loads its own batch while the step waits).
    public var syncInputCopyEveryStep = false
    /// `input_copy_gpus_per_pipe`: GPUs whose input copies share one pipe and run
    /// one after another.
    public var inputCopyGPUsPerPipe = 1
    /// `input_memcpy_threads`: host threads that make the host-side copy of every
    /// GPU's slice on a node, one slice after another per thread, each GPU's
    /// host-to-GPU copy running on its own once its slice is made; nil: each pipe
    /// makes its own (`input_copy_gpus_per_pipe`).
    public var inputMemcpyThreads: Int?
    /// `input_memcpy_gb_per_s`: the host-side copy into pinned memory before the
    /// host-to-GPU copy, bytes per second.
    public var inputMemcpyBytesPerSecond: Double?
    /// `evaluation_every_images`: images trained between two evaluations.
    public var evaluationEveryImages: Int?
    /// `evaluation_seconds`: wall time of one evaluation and checkpoint.
    public var evaluationSeconds = 0.0
    /// `ddp_bucket_copies`: where gradients are all-reduced in buckets, each parameter
    /// tensor's gradient is copied into its bucket when its layer's backward produces
    /// it and back after the all-reduce (PyTorch DDP without `gradient_as_bucket_view`):
    /// one kernel per tensor on each side.
    public var ddpBucketCopies = false
    /// `grads_zeroed`: `optimizer.zero_grad()` fills every gradient with zeros instead of
    /// setting it to None (PyTorch before 2.0, `set_to_none=False` by default): one zero kernel
    /// per parameter tensor with each optimizer step, and every backward adds each new gradient
    /// into the existing one (autograd's AccumulateGrad, in place) instead of keeping it.
    public var gradsZeroed = false
    /// `update_kernels_per_tensor`: kernels the optimizer launches per parameter tensor
    /// (a per-tensor loop, as `torch.optim.SGD` before multi-tensor kernels); 0: one
    /// kernel per bucket (a fused or multi-tensor optimizer).
    public var updateKernelsPerTensor = 0
    /// `optimizer_every_images`: the optimizer steps once per this many images over
    /// all GPUs (gradient accumulation to an optimizer batch); nil: every step.
    public var optimizerEveryImages: Int?
    /// `optimizer_step`: false where the measured step runs no optimizer update at all,
    /// forward and backward only, as network benchmarks time it (convnet-benchmarks'
    /// `updateOutput`, `updateGradInput` and `accGradParameters`; cnn-benchmarks'
    /// `model:forward` and `model:backward`): the update's work and kernels are charged
    /// in no step (`zero_grad`'s with them), the data-parallel buckets', the model-parallel
    /// slices' and a host parameter server's alike; the gradients are still computed and,
    /// on several GPUs, exchanged.
    public var optimizerStep = true

    public init() {}

    /// Whether nothing is modelled beyond the hardware.
    public var isNone: Bool { self == ScheduleMechanisms() }

    /// The fields set away from their defaults, as YAML keys and values (seconds back
    /// in the keys' units), in `keys` order: for listings.
    public var settings: [(key: String, value: Double?, text: String)] {
        var out: [(key: String, value: Double?, text: String)] = []
        func number(_ key: String, _ x: Double) { out.append((key, x, String(format: "%g", x))) }
        if lossPlacement != .everyGPU { out.append(("loss_placement", nil, lossPlacement.rawValue)) }
        if passBarrier { out.append(("pass_barrier", nil, "true")) }
        if stageSeconds > 0 { number("stage_us", (stageSeconds * 1e12).rounded() / 1e6) }
        if syncLayersInTurn { out.append(("sync_layers_in_turn", nil, "true")) }
        if let k = hostStagedSyncFromGPUs { number("host_staged_sync_from_gpus", Double(k)) }
        if activationBroadcast != .chain { out.append(("activation_broadcast", nil, activationBroadcast.rawValue)) }
        if let b = inputBytesPerElement { number("input_bytes_per_element", Double(b)) }
        if let n = syncInputCopyEveryImages { number("sync_input_copy_every_images", Double(n)) }
        if syncInputCopyEveryStep { out.append(("sync_input_copy_every_step", nil, "true")) }
        if inputCopyGPUsPerPipe != 1 { number("input_copy_gpus_per_pipe", Double(inputCopyGPUsPerPipe)) }
        if let n = inputMemcpyThreads { number("input_memcpy_threads", Double(n)) }
        if let r = inputMemcpyBytesPerSecond { number("input_memcpy_gb_per_s", r / 1e9) }
        if let n = evaluationEveryImages { number("evaluation_every_images", Double(n)) }
        if evaluationSeconds > 0 { number("evaluation_seconds", evaluationSeconds) }
        if ddpBucketCopies { out.append(("ddp_bucket_copies", nil, "true")) }
        if gradsZeroed { out.append(("grads_zeroed", nil, "true")) }
        if updateKernelsPerTensor > 0 { number("update_kernels_per_tensor", Double(updateKernelsPerTensor)) }
        if let n = optimizerEveryImages { number("optimizer_every_images", Double(n)) }
        if !optimizerStep { out.append(("optimizer_step", nil, "false")) }
        return out
    }

    /// The YAML keys, in the order `explain` lists them.
    public static let keys = ["loss_placement", "pass_barrier", "stage_us", "sync_layers_in_turn", "host_staged_sync_from_gpus",
                              "activation_broadcast", "input_bytes_per_element",
                              "sync_input_copy_every_images", "sync_input_copy_every_step", "input_copy_gpus_per_pipe",
                              "input_memcpy_threads", "input_memcpy_gb_per_s",
                              "evaluation_every_images", "evaluation_seconds", "ddp_bucket_copies", "grads_zeroed", "update_kernels_per_tensor",
                              "optimizer_every_images", "optimizer_step"]

    /// Sets `key` from `value`.
    /// - Throws: `ConfigError` at the value: a negative or absurd figure, an unknown placement.
    mutating func apply(_ key: String, _ value: YAMLValue) throws {
        func nonNegative(_ limit: Double, _ unit: String) throws -> Double {
            let x = try value.double()
            guard x >= 0 else { throw value.error("must not be negative, got \(x) \(unit)") }
            guard x <= limit else { throw value.error("must be at most \(Int(limit)) \(unit), got \(x)") }
            return x
        }
        switch key {
        case "loss_placement": lossPlacement = LossPlacement(rawValue: try value.oneOf(LossPlacement.allCases.map(\.rawValue)))!
        case "pass_barrier": passBarrier = try value.bool()
        case "stage_us": stageSeconds = try nonNegative(1e6, "µs") * 1e-6
        case "sync_layers_in_turn": syncLayersInTurn = try value.bool()
        case "host_staged_sync_from_gpus": hostStagedSyncFromGPUs = try value.int(in: 2...1_000_000)
        case "activation_broadcast":
            activationBroadcast = ActivationBroadcast(rawValue: try value.oneOf(ActivationBroadcast.allCases.map(\.rawValue)))!
        case "input_bytes_per_element":
            let bytes = try value.int()
            guard [1, 2, 4, 8].contains(bytes) else { throw value.error("must be 1, 2, 4 or 8 bytes, got \(bytes)") }
            inputBytesPerElement = bytes
        case "sync_input_copy_every_images": syncInputCopyEveryImages = try value.int(in: 1...1_000_000_000)
        case "sync_input_copy_every_step": syncInputCopyEveryStep = try value.bool()
        case "input_copy_gpus_per_pipe": inputCopyGPUsPerPipe = try value.int(in: 1...1_000_000)
        case "input_memcpy_threads": inputMemcpyThreads = try value.int(in: 1...1_000_000)
        case "input_memcpy_gb_per_s":
            let x = try nonNegative(1e6, "GB/s")
            guard x > 0 else { throw value.error("a copy rate must be positive, got \(x) GB/s") }
            inputMemcpyBytesPerSecond = x * 1e9
        case "evaluation_every_images": evaluationEveryImages = try value.int(in: 1...1_000_000_000)
        case "ddp_bucket_copies": ddpBucketCopies = try value.bool()
        case "grads_zeroed": gradsZeroed = try value.bool()
        case "update_kernels_per_tensor": updateKernelsPerTensor = try value.int(in: 0...1_000)
        case "optimizer_every_images": optimizerEveryImages = try value.int(in: 1...1_000_000_000)
        case "optimizer_step": optimizerStep = try value.bool()
        default: evaluationSeconds = try nonNegative(1e6, "s")   // evaluation_seconds
        }
    }

    /// Whether an input copy is synchronous at all (every step or every data batch).
    public var hasSyncInputCopy: Bool { syncInputCopyEveryStep || syncInputCopyEveryImages != nil }

    /// Checks that the fields make one model: a synchronous input copy needs the
    /// bytes per element and the host copy rate, and is either every step or every
    /// data batch; the host-side copies are made either per pipe or by a node's threads.
    /// - Throws: `ConfigError` at `node` (the entry or override that set them).
    func check(in node: YAMLValue) throws {
        if syncInputCopyEveryStep && syncInputCopyEveryImages != nil {
            throw node.error("sync_input_copy_every_step and sync_input_copy_every_images exclude each other: set one")
        }
        if hasSyncInputCopy && (inputBytesPerElement == nil || inputMemcpyBytesPerSecond == nil) {
            let key = syncInputCopyEveryStep ? "sync_input_copy_every_step" : "sync_input_copy_every_images"
            throw node.error("\(key) needs input_bytes_per_element and input_memcpy_gb_per_s")
        }
        if inputMemcpyThreads != nil && inputCopyGPUsPerPipe != 1 {
            throw node.error("input_memcpy_threads and input_copy_gpus_per_pipe exclude each other: a node's threads make every slice, or each pipe makes its own")
        }
        if evaluationSeconds > 0 && evaluationEveryImages == nil {
            throw node.error("evaluation_seconds needs evaluation_every_images")
        }
    }

    /// Seconds per step of the synchronous input copy, amortized.
    ///
    /// Each GPU's input, `B = batchPerGPU × inputElements × inputBytesPerElement` bytes,
    /// is copied on the host at the memcpy rate and then to its GPU at
    /// `hostLinkBytesPerSecond`, while the step waits:
    /// - by pipes (`input_copy_gpus_per_pipe`, cuda-convnet2): GPUs sharing a pipe make
    ///   both copies one after the other, so the wait is
    ///   `min(gpusOnNode, inputCopyGPUsPerPipe) × (B / memcpy + B / hostLink)`;
    /// - by a node's threads (`input_memcpy_threads` = T, MXNet's engine): the threads
    ///   make the node's slices in turn and each GPU's host-to-GPU copy runs on its own
    ///   once its slice is made, so the last GPU waits
    ///   `⌈gpusOnNode / T⌉ × B / memcpy + B / hostLink`.
    ///
    /// Every step (`sync_input_copy_every_step`), or once per `syncInputCopyEveryImages`
    /// images, i.e. every `syncInputCopyEveryImages / (batchPerGPU × gpus)` micro-batches
    /// (steps, unless the run accumulates gradients: `RunSpec.inputCopySeconds`
    /// multiplies by the micro-batches of a step).
    /// - Parameters:
    ///   - gpus: the run's GPUs.
    ///   - gpusOnNode: the run's GPUs on its fullest node (one process's).
    /// - Returns: 0 when no synchronous copy is modelled.
    public func inputCopySeconds(batchPerGPU: Int, gpus: Int, gpusOnNode: Int, inputElements: Int, hostLinkBytesPerSecond: Double) -> Double {
        guard hasSyncInputCopy, let bytesPerElement = inputBytesPerElement, let memcpy = inputMemcpyBytesPerSecond,
              hostLinkBytesPerSecond > 0 else { return 0 }
        let bytes = Double(batchPerGPU) * Double(inputElements) * Double(bytesPerElement)
        let local = max(1, min(gpus, gpusOnNode))
        let wait: Double
        if let threads = inputMemcpyThreads {
            let turns = (local + threads - 1) / threads
            wait = Double(turns) * bytes / memcpy + bytes / hostLinkBytesPerSecond
        } else {
            wait = Double(min(local, inputCopyGPUsPerPipe)) * (bytes / memcpy + bytes / hostLinkBytesPerSecond)
        }
        guard let every = syncInputCopyEveryImages else { return wait }
        return wait * Double(batchPerGPU * gpus) / Double(every)
    }

    /// Seconds per step of the periodic evaluation and checkpoint, amortized:
    /// `evaluationSeconds × globalBatch / evaluationEveryImages`.
    public func evaluationSecondsPerStep(globalBatch: Int) -> Double {
        guard let every = evaluationEveryImages else { return 0 }
        return evaluationSeconds * Double(globalBatch) / Double(every)
    }
}
