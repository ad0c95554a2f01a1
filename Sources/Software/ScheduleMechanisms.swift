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
    /// `input_copy_gpus_per_pipe`: GPUs whose input copies share one pipe and run
    /// one after another.
    public var inputCopyGPUsPerPipe = 1
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
        if inputCopyGPUsPerPipe != 1 { number("input_copy_gpus_per_pipe", Double(inputCopyGPUsPerPipe)) }
        if let r = inputMemcpyBytesPerSecond { number("input_memcpy_gb_per_s", r / 1e9) }
        if let n = evaluationEveryImages { number("evaluation_every_images", Double(n)) }
        if evaluationSeconds > 0 { number("evaluation_seconds", evaluationSeconds) }
        if ddpBucketCopies { out.append(("ddp_bucket_copies", nil, "true")) }
        if gradsZeroed { out.append(("grads_zeroed", nil, "true")) }
        if updateKernelsPerTensor > 0 { number("update_kernels_per_tensor", Double(updateKernelsPerTensor)) }
        if let n = optimizerEveryImages { number("optimizer_every_images", Double(n)) }
        return out
    }

    /// The YAML keys, in the order `explain` lists them.
    public static let keys = ["loss_placement", "pass_barrier", "stage_us", "sync_layers_in_turn", "host_staged_sync_from_gpus",
                              "activation_broadcast", "input_bytes_per_element",
                              "sync_input_copy_every_images", "input_copy_gpus_per_pipe", "input_memcpy_gb_per_s",
                              "evaluation_every_images", "evaluation_seconds", "ddp_bucket_copies", "grads_zeroed", "update_kernels_per_tensor",
                              "optimizer_every_images"]

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
        case "input_copy_gpus_per_pipe": inputCopyGPUsPerPipe = try value.int(in: 1...1_000_000)
        case "input_memcpy_gb_per_s":
            let x = try nonNegative(1e6, "GB/s")
            guard x > 0 else { throw value.error("a copy rate must be positive, got \(x) GB/s") }
            inputMemcpyBytesPerSecond = x * 1e9
        case "evaluation_every_images": evaluationEveryImages = try value.int(in: 1...1_000_000_000)
        case "ddp_bucket_copies": ddpBucketCopies = try value.bool()
        case "grads_zeroed": gradsZeroed = try value.bool()
        case "update_kernels_per_tensor": updateKernelsPerTensor = try value.int(in: 0...1_000)
        case "optimizer_every_images": optimizerEveryImages = try value.int(in: 1...1_000_000_000)
        default: evaluationSeconds = try nonNegative(1e6, "s")   // evaluation_seconds
        }
    }

    /// Checks that the fields make one model: a synchronous input copy needs the
    /// bytes per element and the host copy rate.
    /// - Throws: `ConfigError` at `node` (the entry or override that set them).
    func check(in node: YAMLValue) throws {
        if syncInputCopyEveryImages != nil && (inputBytesPerElement == nil || inputMemcpyBytesPerSecond == nil) {
            throw node.error("sync_input_copy_every_images needs input_bytes_per_element and input_memcpy_gb_per_s")
        }
        if evaluationSeconds > 0 && evaluationEveryImages == nil {
            throw node.error("evaluation_seconds needs evaluation_every_images")
        }
    }

    /// Seconds per step of the synchronous input copy, amortized.
    ///
    /// Once per `syncInputCopyEveryImages` images the next minibatch is not
    /// prefetched and each GPU's input is copied while the step waits:
    /// `B / memcpy rate + B / hostLinkBytesPerSecond`, `B = batchPerGPU × inputElements ×
    /// inputBytesPerElement` bytes, and GPUs sharing a pipe copy one after another, so
    /// the wait is `min(gpus, inputCopyGPUsPerPipe)` such copies. It happens every
    /// `syncInputCopyEveryImages / (batchPerGPU × gpus)` micro-batches (steps, unless the
    /// run accumulates gradients: `RunSpec.inputCopySeconds` multiplies by the micro-batches
    /// of a step).
    /// - Returns: 0 when no synchronous copy is modelled.
    public func inputCopySeconds(batchPerGPU: Int, gpus: Int, inputElements: Int, hostLinkBytesPerSecond: Double) -> Double {
        guard let every = syncInputCopyEveryImages, let bytesPerElement = inputBytesPerElement, let memcpy = inputMemcpyBytesPerSecond,
              hostLinkBytesPerSecond > 0 else { return 0 }
        let bytes = Double(batchPerGPU) * Double(inputElements) * Double(bytesPerElement)
        let perCopy = bytes / memcpy + bytes / hostLinkBytesPerSecond
        let wait = Double(min(gpus, inputCopyGPUsPerPipe)) * perCopy
        return wait * Double(batchPerGPU * gpus) / Double(every)
    }

    /// Seconds per step of the periodic evaluation and checkpoint, amortized:
    /// `evaluationSeconds × globalBatch / evaluationEveryImages`.
    public func evaluationSecondsPerStep(globalBatch: Int) -> Double {
        guard let every = evaluationEveryImages else { return 0 }
        return evaluationSeconds * Double(globalBatch) / Double(every)
    }
}
