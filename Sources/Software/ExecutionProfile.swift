import Foundation
import Parallelism
import Workload
import YAMLSupport

/// How a training stack runs the schedule: the host-side cost of launching
/// kernels, the dtype gradients travel in, and when they are synchronized.
///
/// Every mechanism is a model with a cited figure (the catalog's `sources:`),
/// not a fitted factor. `ideal` is today's model: no host cost, gradients in the
/// precision's dtype, all-reduced in the scenario's buckets.
public struct ExecutionProfile: Sendable, Equatable {
    /// When gradients are all-reduced.
    public enum GradientSync: String, Sendable, CaseIterable {
        /// One all-reduce of every gradient once backward is done (cuda-convnet2,
        /// 2014-2016 frameworks): nothing overlaps backward.
        case afterBackward = "after-backward"
        /// Buckets of the scenario's `strategy.bucket_mb`, each all-reduced as soon as
        /// backward has produced it (PyTorch DDP, Horovod tensor fusion).
        case buckets
        /// One all-reduce per weighted layer, each as soon as backward has produced the
        /// layer's gradients, whatever `bucket_mb` says (TensorFlow 1.x's graph: an
        /// all-reduce or parameter-server push per variable, run when its gradient exists).
        case layers
    }

    /// Where the training images come from.
    public enum Loader: String, Sendable, CaseIterable {
        /// Images already in GPU memory (or generated there): no input ceiling.
        case synthetic
        /// Decoded and augmented by worker processes or threads on the node's CPU
        /// cores, prefetched ahead of the step: a node delivers at most its
        /// loader rate, shared by the node's GPUs.
        case cpu
    }

    public var name: String
    /// One line: what the profile stands for.
    public var summary: String
    /// Host (CPU) time to launch one forward kernel: framework dispatch plus the
    /// CUDA launch call. The GPU cannot start a kernel before its launch is done.
    public var launchSecondsPerKernelForward: Double
    /// Host time to launch one backward kernel (autograd bookkeeping included).
    public var launchSecondsPerKernelBackward: Double
    /// Host time to launch one optimizer-update kernel.
    public var launchSecondsPerKernelUpdate: Double
    /// Bytes per gradient element on the wire; nil: the precision's.
    public var gradientBytesPerElement: Int?
    public var gradientSync: GradientSync
    /// Where the images come from (`loader:`); `synthetic` has no ceiling.
    public var loader: Loader = .synthetic
    /// Images/s one CPU core prepares (decode, random resized crop, flip,
    /// normalize), times `cluster.cpu_cores_per_node` for the node's ceiling.
    public var loaderImagesPerSecondPerCore: Double?
    /// A measured images/s of a whole node's loader; wins over the per-core figure.
    public var loaderImagesPerSecondPerNode: Double?
    /// Images/s one DataLoader worker process delivers (`loader_images_per_second_per_worker`),
    /// used where the worker count is known (`LoaderCeiling`).
    public var loaderImagesPerSecondPerWorker: Double?
    /// DataLoader worker processes per GPU, i.e. per training process (`loader_workers_per_gpu`,
    /// PyTorch's `num_workers`); nil: unknown, and no worker limit applies.
    public var loaderWorkersPerGPU: Int?
    /// The augmentation policy the loader applies beyond the pipeline its rates were
    /// measured on (`loader_augmentation:`): each image costs its worker that much more
    /// CPU time (`LoaderAugmentation`). None by default.
    public var loaderAugmentation = LoaderAugmentation.none
    /// The kernel library generation whose convolution algorithms the cost model
    /// chooses from (`kernel_library:`); nil: one implicit GEMM per pass kind.
    public var kernelLibrary: KernelLibrary?
    /// The most workspace, in bytes, one convolution kernel may use (`workspace_mb:`;
    /// Caffe's 8 MB, MXNet's 1024 MB); nil: no limit (PyTorch's cudnn.benchmark).
    public var workspaceLimitBytes: Double?
    /// How each convolution's algorithm is picked from the library's (`algorithm_choice:`):
    /// the fastest measured, or cuDNN's heuristic (`AlgorithmChoice`).
    public var algorithmChoice: AlgorithmChoice = .fastest
    /// How activations are laid out (`memory_format:`): `nhwc`, or `nchw`, whose
    /// tensor-core convolutions pay for transposes (`MemoryFormat`).
    public var memoryFormat: MemoryFormat = .nhwc
    /// Whose kernels run depthwise convolutions (`depthwise_kernels:`): the kernel
    /// library's (cuDNN's), or `pytorch`, PyTorch's own where PyTorch picks them
    /// (`DepthwiseKernels`).
    public var depthwiseKernels: DepthwiseKernels = .library
    /// Whether the framework hands a grouped convolution to the library group by group
    /// (`grouped_convolutions: per-group`: BVLC Caffe's cuDNN layer loops over groups,
    /// TensorFlow 1.x had no grouped convolution op), so the library's grouped direct
    /// kernels (`KernelLibrary.groupedDirectKernels`) never run; false (`library`, the
    /// default): the library takes the whole grouped convolution.
    public var groupedConvolutionsPerGroup = false
    /// Which element-wise layers run inside the batch norm kernel before them
    /// (`fused_batchnorm:`): none, `bn-relu`, `bn-add-relu`, `xla`, `conv-stats`, `norm-conv` or
    /// `norm-conv-stats` (`BatchNormFusion`).
    public var batchNormFusion: BatchNormFusion = .none
    /// The memory passes eager PyTorch's autograd runs beyond the layers' own kernels,
    /// and what it keeps beyond the layers' own activations (`inplace_activation_clone:`,
    /// `broadcast_grad_sum_to:`, `inplace_relu6_clone:`, `max_pool_indices:`;
    /// `AutogradPasses`): the clone of an in-place activation's input, a broadcast
    /// multiply's gradient materialised full size and reduced by `sum_to`, the kept
    /// copy of an in-place ReLU6's input, and max pooling's int64 indices. None by default.
    public var autograd = AutogradPasses.none
    /// The coefficient of variation of one worker's compute time per step
    /// (`compute_jitter_cv:`, a fraction); a synchronous step waits for the slowest
    /// worker. 0: every worker takes the same time.
    public var computeJitterCV: Double = 0
    /// Whether the host blocks on the GPU once per step before the optimizer step
    /// (`host_sync_before_update:`): PyTorch's AMP GradScaler reads `found_inf` with
    /// `.item()` before it lets the optimizer step, so the host cannot launch the
    /// update, nor anything after it, until the step's gradients are ready.
    public var hostSyncBeforeUpdate = false
    /// Whether mixed precision is autocast's (`autocast_weight_copies:`): fp32 parameters,
    /// each convolution and fully connected weight cast to fp16 or bf16 in the forward and
    /// the copy kept by its layer for the backward, so that at the peak every such weight
    /// is held a second time at 2 bytes (`MemoryFootprint`). No effect in fp32 or TF32.
    public var autocastWeightCopies = false
    /// The all-reduce the stack runs its gradients with (`collective:`), where the
    /// scenario's `strategy.allreduce` does not name one; nil: the scenario's (ring
    /// by default). `nccl-auto` is NCCL choosing per collective, as its tuning does.
    public var collective: AllReduceAlgorithm?
    /// The share of one streaming multiprocessor each thread block of an NCCL
    /// collective takes from the GPU's compute while the collective runs
    /// (`collective_sm_share:`, a fraction): NCCL runs one block per channel, resident
    /// until the collective is done, so compute overlapped with it runs at
    /// `(SMs − channels × share) / SMs` of its speed. 0: overlap is free (no interference).
    public var collectiveSMShare: Double = 0
    /// The protocols NCCL may run (`nccl_protocols:`, as `NCCL_PROTO` restricts them, or as a
    /// release before NCCL 2.5.6, which added LL128, ran); nil: every one NCCL enables.
    public var ncclProtocols: [NCCLProtocol]?
    /// How the stack's own code runs the schedule (cuda-convnet2's passes, loss
    /// placement, copy stages, periodic housekeeping); nothing by default.
    public var mechanisms = ScheduleMechanisms()
    /// How the communication runtime sends gradients (Horovod's tensor fusion on a
    /// cycle, NCCL's socket transport between nodes); nothing by default.
    public var communication = CommunicationMechanisms()
    /// Where each field's figure comes from, by its YAML key.
    public var sources: [String: String]
    /// Fields a scenario set over the built-in profile, by YAML key, in order.
    public var overridden: [String] = []

    public init(name: String, summary: String, launchSecondsPerKernelForward: Double = 0, launchSecondsPerKernelBackward: Double = 0,
                launchSecondsPerKernelUpdate: Double = 0, gradientBytesPerElement: Int? = nil, gradientSync: GradientSync = .buckets,
                sources: [String: String] = [:]) {
        self.name = name
        self.summary = summary
        self.launchSecondsPerKernelForward = launchSecondsPerKernelForward
        self.launchSecondsPerKernelBackward = launchSecondsPerKernelBackward
        self.launchSecondsPerKernelUpdate = launchSecondsPerKernelUpdate
        self.gradientBytesPerElement = gradientBytesPerElement
        self.gradientSync = gradientSync
        self.sources = sources
    }

    /// The hardware alone, built in so that nothing needs the catalog to get it.
    public static let ideal = ExecutionProfile(
        name: "ideal", summary: "The hardware alone: kernels launch for free, gradients travel in the precision's dtype, "
            + "in the scenario's buckets. The default before 2026-11-29 (a scenario without software: now runs pytorch-ddp).")

    /// Whether the profile models nothing beyond the hardware (as `ideal`, whatever its name).
    public var isIdeal: Bool {
        !dispatchesOnHost && gradientBytesPerElement == nil && gradientSync == .buckets && loader == .synthetic && kernelLibrary == nil && algorithmChoice == .fastest
            && batchNormFusion == .none && autograd == .none && memoryFormat == .nhwc && depthwiseKernels == .library && !groupedConvolutionsPerGroup && computeJitterCV == 0 && !hostSyncBeforeUpdate && collective == nil
            && collectiveSMShare == 0 && !autocastWeightCopies
            && mechanisms.isNone && communication.isNone
    }

    /// The node's loader rate as the profile gives it, images/s: the measured per-node
    /// figure, else the per-core figure times `cpuCoresPerNode`, either slowed by the run's
    /// augmentation (`augmentationFactor`); nil when there is neither (or only a per-core
    /// figure and the core count is unknown).
    func nodeLoaderRate(cpuCoresPerNode: Int?) -> Double? {
        if let node = loaderImagesPerSecondPerNode { return node * augmentationFactor }
        // A per-worker rate alone makes no node rate: the worker term bounds those runs (LoaderCeiling).
        guard let perCore = loaderImagesPerSecondPerCore.map(loaderAugmentation.slowed), let cores = cpuCoresPerNode else { return nil }
        return perCore * Double(cores)
    }

    /// The rate one core prepares images at with the run's augmentation (`LoaderAugmentation`):
    /// the per-core figure, else the per-worker one (a worker runs on one core at a time).
    var augmentedPerCoreRate: Double? {
        (loaderImagesPerSecondPerCore ?? loaderImagesPerSecondPerWorker).map(loaderAugmentation.slowed)
    }

    /// The share of its measured rate a loader keeps with the run's augmentation: a core's
    /// (or worker's) rate with the extra time per image over its rate without; 1 without
    /// augmentation or without a per-core or per-worker rate (`loaderProblem` refuses the latter).
    var augmentationFactor: Double {
        guard let rate = loaderImagesPerSecondPerCore ?? loaderImagesPerSecondPerWorker else { return 1 }
        return loaderAugmentation.slowed(rate) / rate
    }

    /// The most images/s the loaders of a run of `gpus` GPUs deliver, `gpusPerNode` to a
    /// node with `cpuCoresPerNode` cores: nil when the loader is synthetic (no ceiling),
    /// or when no rate applies (only a per-core figure and an unknown core count, and
    /// no worker count).
    ///
    /// The loader prefetches (DALI, and PyTorch's DataLoader with workers, keep
    /// batches queued ahead of the step), so it runs alongside the GPUs and the
    /// run's steady rate is the lower of the two, not their sum of times.
    public func loaderCeiling(cpuCoresPerNode: Int?, gpus: Int, gpusPerNode: Int) -> LoaderCeiling? {
        guard loader == .cpu else { return nil }
        let nodes = (gpus + max(1, gpusPerNode) - 1) / max(1, gpusPerNode)
        let ceiling = LoaderCeiling(nodeImagesPerSecond: nodeLoaderRate(cpuCoresPerNode: cpuCoresPerNode),
                                    workersPerGPU: loaderWorkersPerGPU,
                                    imagesPerSecondPerWorker: loaderImagesPerSecondPerWorker.map(loaderAugmentation.slowed),
                                    coresPerNode: cpuCoresPerNode, gpusOnNode: min(gpus, gpusPerNode), nodes: nodes, gpus: gpus,
                                    imagesPerSecondPerCore: augmentedPerCoreRate,
                                    measuredNodeImagesPerSecond: loaderImagesPerSecondPerNode.map { $0 * augmentationFactor })
        return ceiling.imagesPerSecond == nil ? nil : ceiling
    }

    /// Why the profile's loader fields cannot be priced together, or nil: a worker count
    /// needs a cpu loader and a per-worker rate; a cpu loader needs some rate.
    public var loaderProblem: (key: String, message: String)? {
        if loaderWorkersPerGPU != nil {
            guard loader == .cpu else {
                return ("loader_workers_per_gpu", "DataLoader workers apply to a cpu loader (loader: cpu), not a \(loader.rawValue) one")
            }
            guard loaderImagesPerSecondPerWorker != nil else {
                return ("loader_workers_per_gpu", "a worker count needs loader_images_per_second_per_worker, the images/s one worker delivers")
            }
        }
        if loaderAugmentation != .none {
            guard loader == .cpu else {
                return ("loader_augmentation", "augmentation applies to a cpu loader (loader: cpu), not a \(loader.rawValue) one")
            }
            guard loaderImagesPerSecondPerCore != nil || loaderImagesPerSecondPerWorker != nil else {
                return ("loader_augmentation", "augmentation adds CPU time per image on a core, so it needs loader_images_per_second_per_core "
                        + "or loader_images_per_second_per_worker, not only a node's rate")
            }
        }
        let workerRate = loaderWorkersPerGPU != nil && loaderImagesPerSecondPerWorker != nil
        if loader == .cpu && loaderImagesPerSecondPerCore == nil && loaderImagesPerSecondPerNode == nil && !workerRate {
            return ("loader", "a cpu loader needs loader_images_per_second_per_core or loader_images_per_second_per_node "
                    + "(or loader_images_per_second_per_worker with loader_workers_per_gpu)")
        }
        return nil
    }

    /// Whether launching kernels costs host time: only then does the simulation
    /// give each worker a host thread.
    public var dispatchesOnHost: Bool {
        launchSecondsPerKernelForward > 0 || launchSecondsPerKernelBackward > 0 || launchSecondsPerKernelUpdate > 0
    }

    /// The profile's name with the fields a scenario overrode, e.g. `pytorch-ddp (overrides: gradient_sync)`.
    public var label: String {
        overridden.isEmpty ? name : "\(name) (overrides: \(overridden.joined(separator: ", ")))"
    }

    // MARK: YAML

    /// The keys a profile entry or a scenario override may set, with what they mean.
    public static let fieldKeys = ["launch_us_per_kernel_forward", "launch_us_per_kernel_backward", "launch_us_per_kernel_update",
                                   "gradient_bytes_per_element", "gradient_sync", "loader", "loader_images_per_second_per_core",
                                   "loader_images_per_second_per_node", "loader_images_per_second_per_worker", "loader_workers_per_gpu", "loader_augmentation",
                                   "kernel_library", "workspace_mb", "algorithm_choice", "fused_batchnorm",
                                   "compute_jitter_cv", "host_sync_before_update", "collective"]
        + ["collective_sm_share", "nccl_protocols", "memory_format", "depthwise_kernels", "grouped_convolutions", "inplace_activation_clone", "broadcast_grad_sum_to",
           "inplace_relu6_clone", "max_pool_indices", "autocast_weight_copies"]
        + ScheduleMechanisms.keys
        + CommunicationMechanisms.keys

    /// The keys of the loader's rates, which price a `cpu` loader only.
    public static let loaderRateKeys = ["loader_images_per_second_per_core", "loader_images_per_second_per_node",
                                        "loader_images_per_second_per_worker"]

    /// The largest workspace limit accepted, in MB (a terabyte).
    static let workspaceMegabytesLimit = 1e6

    /// The largest loader rate accepted, images/s (per worker, per core or per node).
    static let loaderRateLimit = 1e9

    /// The DataLoader worker counts per GPU accepted.
    static let loaderWorkers = 1...100_000

    /// The largest launch cost accepted, in microseconds (a second per kernel is no stack's).
    static let launchMicroseconds: ClosedRange<Double> = 0...1e6

    /// Sets the fields `node` names (a catalog entry or a scenario's overrides).
    /// - Throws: `ConfigError` at the bad value: a negative or huge cost, an unknown policy.
    mutating func apply(_ node: YAMLValue, recordingOverrides: Bool, libraries: [KernelLibrary]) throws {
        func microseconds(_ key: String) throws -> Double? {
            guard let value = try node.optional(key) else { return nil }
            let x = try value.double()
            guard x >= 0 else { throw value.error("a launch cost must not be negative, got \(x) µs") }
            guard Self.launchMicroseconds.contains(x) else { throw value.error("must be at most 1000000 µs, got \(x)") }
            return x * 1e-6
        }
        // `off` on one socket key removes the cap; a figure on the other would be dropped unseen, whatever the order.
        let socketKeys = ["net_socket_streams", "net_stream_gb_per_s"]
        if let off = try socketKeys.first(where: { try node.optional($0).flatMap { try? $0.string() } == "off" }),
           let other = socketKeys.first(where: { $0 != off }), let value = try node.optional(other),
           (try? value.string()) != "off" {
            throw value.error("\(off): off removes the socket cap, so \(other) has nothing to set: drop it, or say off there too")
        }
        for key in Self.fieldKeys {
            guard let value = try node.optional(key) else { continue }
            if ScheduleMechanisms.keys.contains(key) {
                try mechanisms.apply(key, value)
                if recordingOverrides && !overridden.contains(key) { overridden.append(key) }
                continue
            }
            if CommunicationMechanisms.keys.contains(key) {
                try communication.apply(key, value)
                if recordingOverrides && !overridden.contains(key) { overridden.append(key) }
                continue
            }
            switch key {
            case "launch_us_per_kernel_forward": launchSecondsPerKernelForward = try microseconds(key)!
            case "launch_us_per_kernel_backward": launchSecondsPerKernelBackward = try microseconds(key)!
            case "launch_us_per_kernel_update": launchSecondsPerKernelUpdate = try microseconds(key)!
            case "gradient_bytes_per_element":
                if (try? value.string()) == "precision" { gradientBytesPerElement = nil } else {
                    let bytes = try value.int()
                    guard [1, 2, 4, 8].contains(bytes) else { throw value.error("must be 1, 2, 4 or 8 bytes (or 'precision'), got \(bytes)") }
                    gradientBytesPerElement = bytes
                }
            case "loader":
                loader = Loader(rawValue: try value.oneOf(Loader.allCases.map(\.rawValue)))!
            case _ where Self.loaderRateKeys.contains(key):
                let x = try value.double()
                guard x > 0 else { throw value.error("a loader rate must be positive, got \(x) images/s") }
                guard x <= Self.loaderRateLimit else { throw value.error("must be at most 1000000000 images/s, got \(x)") }
                switch key {
                case "loader_images_per_second_per_core": loaderImagesPerSecondPerCore = x
                case "loader_images_per_second_per_node": loaderImagesPerSecondPerNode = x
                default: loaderImagesPerSecondPerWorker = x
                }
            case "loader_workers_per_gpu":
                let workers = try value.int()
                guard Self.loaderWorkers.contains(workers) else {
                    throw value.error("DataLoader workers per GPU must be a whole number from \(Self.loaderWorkers.lowerBound) "
                                      + "to \(Self.loaderWorkers.upperBound), got \(workers)")
                }
                loaderWorkersPerGPU = workers
            case "loader_augmentation":
                loaderAugmentation = try LoaderAugmentation(yaml: value)
            case "kernel_library":
                let name = try value.string()
                if name == "none" { kernelLibrary = nil } else {
                    guard let library = libraries.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                        throw value.error("unknown kernel library '\(name)'; built-in libraries: "
                                          + (["none"] + libraries.map(\.name)).joined(separator: ", "))
                    }
                    kernelLibrary = library
                }
            case "autocast_weight_copies":
                autocastWeightCopies = try value.bool()
            case "host_sync_before_update":
                hostSyncBeforeUpdate = try value.bool()
            case "collective":
                let name = try value.oneOf(["scenario"] + AllReduceAlgorithm.allCases.map(\.rawValue))
                collective = AllReduceAlgorithm(rawValue: name)
            case "nccl_protocols":
                let names = try value.items()
                guard !names.isEmpty else { throw value.error("list at least one of \(NCCLProtocol.allCases.map(\.rawValue).joined(separator: ", "))") }
                var protocols: [NCCLProtocol] = []
                for name in names {
                    let chosen = try name.oneOfIgnoringCase(NCCLProtocol.allCases.map(\.rawValue))
                    let proto = NCCLProtocol(rawValue: chosen)!
                    guard !protocols.contains(proto) else { throw name.error("'\(chosen)' is listed twice") }
                    protocols.append(proto)
                }
                // NCCL runs LL and Simple everywhere, LL128 only where it enables it (NCCLSystem.ll128Enabled).
                guard protocols != [.ll128] else {
                    throw value.error("LL128 alone: NCCL enables it only on some systems (Volta and later, not over a PCIe tree "
                                      + "across nodes); list LL or Simple too, which it runs everywhere")
                }
                ncclProtocols = protocols
            case "collective_sm_share":
                let x = try value.double()
                guard (0...1).contains(x) else { throw value.error("a share of an SM must be from 0 to 1, got \(x)") }
                collectiveSMShare = x
            case "compute_jitter_cv":
                let x = try value.double()
                guard (0...1).contains(x) else { throw value.error("a coefficient of variation must be from 0 to 1, got \(x)") }
                computeJitterCV = x
            case "algorithm_choice":
                algorithmChoice = AlgorithmChoice(rawValue: try value.oneOf(AlgorithmChoice.allCases.map(\.rawValue)))!
            case "memory_format":
                memoryFormat = MemoryFormat(rawValue: try value.oneOf(MemoryFormat.allCases.map(\.rawValue)))!
            case "depthwise_kernels":
                depthwiseKernels = DepthwiseKernels(rawValue: try value.oneOf(DepthwiseKernels.allCases.map(\.rawValue)))!
            case "grouped_convolutions":
                groupedConvolutionsPerGroup = try value.oneOf(["library", "per-group"]) == "per-group"
            case "inplace_activation_clone":
                autograd.clonesInPlaceActivationInput = try value.bool()
            case "broadcast_grad_sum_to":
                autograd.reducesBroadcastGradient = try value.bool()
            case "inplace_relu6_clone":
                autograd.clonesInPlaceReLU6Input = try value.bool()
            case "max_pool_indices":
                autograd.keepsMaxPoolIndices = try value.bool()
            case "fused_batchnorm":
                batchNormFusion = BatchNormFusion(rawValue: try value.oneOf(BatchNormFusion.allCases.map(\.rawValue)))!
            case "workspace_mb":
                if (try? value.string()) == "unlimited" { workspaceLimitBytes = nil } else {
                    let x = try value.double()
                    guard x >= 0 else { throw value.error("a workspace limit must not be negative, got \(x) MB") }
                    guard x <= Self.workspaceMegabytesLimit else { throw value.error("must be at most 1000000 MB, got \(x)") }
                    workspaceLimitBytes = x * 1_048_576
                }
            default:
                gradientSync = GradientSync(rawValue: try value.oneOf(GradientSync.allCases.map(\.rawValue)))!
            }
            if recordingOverrides && !overridden.contains(key) { overridden.append(key) }
        }
        try mechanisms.check(in: node)
        try communication.check(in: node)
    }

    /// Reads one catalog entry: `name`, `summary`, the fields, and `sources:` (one per field set).
    init(catalogEntry yaml: YAMLValue, libraries: [KernelLibrary]) throws {
        try yaml.checkKeys(["name", "summary", "sources"] + Self.fieldKeys)
        self.init(name: try yaml.required("name").string(), summary: try yaml.required("summary").string())
        try apply(yaml, recordingOverrides: false, libraries: libraries)
        if let table = try yaml.optional("sources") {
            try table.checkKeys(Self.fieldKeys)
            for (key, text) in try table.entries() { sources[key] = try text.string() }
        }
        for key in Self.fieldKeys {
            if let value = try yaml.optional(key), sources[key] == nil {
                throw value.error("every figure needs its source: add sources.\(key)")
            }
        }
        if let problem = loaderProblem { throw try yaml.required(problem.key).error(problem.message) }
    }
}

/// The built-in execution profiles (`Profiles/profiles.yaml`).
public struct ProfileCatalog: Sendable {
    public var profiles: [ExecutionProfile]
    /// The kernel library generations profiles may name (`Profiles/libraries.yaml`).
    public var libraries: [KernelLibrary]

    public init(profiles: [ExecutionProfile], libraries: [KernelLibrary] = []) {
        self.profiles = profiles
        self.libraries = libraries
    }

    /// The name of the profile a scenario without `software:` runs.
    public static let defaultProfileName = "pytorch-ddp"

    /// The profile a scenario without `software:` runs: `pytorch-ddp`, eager PyTorch
    /// with DistributedDataParallel over NCCL, the most common way CNNs train today
    /// (`ideal` in a catalog without it).
    public var defaultProfile: ExecutionProfile { profile(named: Self.defaultProfileName) ?? .ideal }

    /// The profile called `name` (case-insensitive).
    public func profile(named name: String) -> ExecutionProfile? {
        profiles.first { $0.name.lowercased() == name.lowercased() }
    }

    public var names: [String] { profiles.map(\.name) }

    /// Reads a profiles file (`profiles:`, a list of entries) whose entries may name `libraries`.
    public init(yaml: YAMLValue, libraries: [KernelLibrary] = []) throws {
        try yaml.checkKeys(["profiles"])
        profiles = []
        self.libraries = libraries
        for item in try yaml.required("profiles").items() {
            let profile = try ExecutionProfile(catalogEntry: item, libraries: libraries)
            guard self.profile(named: profile.name) == nil else { throw item.error("profile '\(profile.name)' is listed twice") }
            profiles.append(profile)
        }
    }

    /// The catalog that ships with ScaleCast.
    ///
    /// Read once per process and then handed out as a copy: its files are part of the
    /// build and cannot change while the process runs, and every scenario reads it (a
    /// sweep parses its scenario once per combination of varied keys).
    public static func builtIn() throws -> ProfileCatalog { try builtInOnce.get() }

    /// The built-in profiles, or why they could not be read, from the first call on.
    private static let builtInOnce = Result { try readBuiltIn() }

    private static func readBuiltIn() throws -> ProfileCatalog {
        guard let url = Bundle.module.url(forResource: "Profiles", withExtension: nil) else {
            throw ConfigError(file: "Profiles", keyPath: "", line: nil, message: "the built-in execution profiles are missing from this build")
        }
        let libraries = try ProfileCatalog.readLibraries(YAMLValue.load(path: url.appendingPathComponent("libraries.yaml").path))
        return try ProfileCatalog(yaml: YAMLValue.load(path: url.appendingPathComponent("profiles.yaml").path), libraries: libraries)
    }

    /// Reads a libraries file: `libraries:`, a list of `KernelLibrary` entries.
    public static func readLibraries(_ yaml: YAMLValue) throws -> [KernelLibrary] {
        try yaml.checkKeys(["libraries"])
        var libraries: [KernelLibrary] = []
        for item in try yaml.required("libraries").items() {
            let library = try KernelLibrary(catalogEntry: item)
            guard !libraries.contains(where: { $0.name.lowercased() == library.name.lowercased() }) else {
                throw item.error("library '\(library.name)' is listed twice")
            }
            libraries.append(library)
        }
        return libraries
    }

    /// A scenario's `software:` value: a profile name, or `{profile: NAME, <field>: value, ...}`;
    /// a mapping without `profile` overrides the default profile's fields (`{memory_format: nhwc}`).
    /// - Parameter elsewhere: where keys of other levels belong (`YAMLValue.checkKeys`), for a key
    ///   given here that belongs elsewhere in the scenario (`allreduce` is `strategy.allreduce`).
    /// - Throws: `ConfigError` naming the file, key and line of an unknown profile or field, or a bad value.
    public func read(_ node: YAMLValue, elsewhere: [String: [String]] = [:]) throws -> ExecutionProfile {
        let nameNode: YAMLValue?
        if node.isMapping {
            try node.checkKeys(["profile"] + ExecutionProfile.fieldKeys, elsewhere: elsewhere)
            nameNode = try node.optional("profile")
        } else {
            nameNode = node
        }
        let name = try nameNode?.string() ?? Self.defaultProfileName
        guard var profile = profile(named: name) else {
            throw (nameNode ?? node).error("unknown execution profile '\(name)'; built-in profiles: \(names.joined(separator: ", "))")
        }
        if node.isMapping { try profile.apply(node, recordingOverrides: true, libraries: libraries) }
        return profile
    }
}
