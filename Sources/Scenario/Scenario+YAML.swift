import CostModel
import Foundation
import Hardware
import Parallelism
import Software
import Workload
import Yams
import YAMLSupport

extension Scenario {
    public static let topLevelKeys = ["name", "description", "catalog", "runs", "published"] + runKeys
    public static let runKeys = ["label", "model", "batch_per_gpu", "max_global_batch", "accumulation_steps", "precision", "cluster", "strategy", "cost_model",
                          "simulation", "gpus", "training", "pricing", "software"]
    static let clusterKeys = ["gpu", "gpus_per_node", "fabric", "pcie", "nvlink", "network", "host_link", "cpu_cores_per_node", "speed_variation_cv"]
    static let pcieKeys = ["gpu_link", "uplink", "socket_link", "gpus_per_switch", "switches_per_socket", "cross_socket", "p2p"]
    static let strategyKeys = ["kind", "allreduce", "bucket_mb", "scheme", "variant", "model_parallel_from"]
    static let simulationKeys = ["steps", "fidelity"]
    static let costModelKeys = ["launch_overhead_us", "memory_efficiency", "reserved_memory_gib", "max_efficiency", "half_saturation", "profile",
                                "convolution_lowering"]

    /// Where each key of a run's sections belongs, by the key path a run writes it at, for a
    /// key given at another level (`network:` at the top level is `cluster.network`, `allreduce`
    /// under `cluster` is `strategy.allreduce`); a run's own keys as themselves.
    public static let keysElsewhere: [String: [String]] = {
        let sections: [(String, [String])] = [
            ("", runKeys), ("cluster.", clusterKeys), ("cluster.network.", RunSpec.networkKeys), ("cluster.pcie.", pcieKeys),
            ("strategy.", strategyKeys), ("simulation.", simulationKeys), ("training.", TrainingGoal.keys),
            ("pricing.", PricingSpec.keys), ("cost_model.", costModelKeys), ("software.", ["profile"] + ExecutionProfile.fieldKeys),
        ]
        var paths: [String: [String]] = [:]
        for (section, keys) in sections {
            for key in keys where key != "label" { paths[key, default: []].append(section.isEmpty ? "the top level or in a run" : section + key) }
        }
        for key in topLevelKeys where !runKeys.contains(key) { paths[key, default: []].append("the scenario's top level") }
        return paths
    }()

    /// Reads and checks the scenario at `path`.
    /// - Throws: `ConfigError` naming the file, the key path and the line of the first problem.
    public static func load(path: String) throws -> Scenario {
        try read(yaml: YAMLValue.load(path: path), baseDirectory: (path as NSString).deletingLastPathComponent)
    }

    /// A scenario from parsed YAML, as `init(yaml:baseDirectory:)` reads it, with the files it
    /// names recorded in `namedFiles` (a sweep's varied scenarios name files of their own:
    /// `--vary 'model={file: net.yaml}'`).
    public static func read(yaml root: YAMLValue, baseDirectory: String) throws -> Scenario {
        let log = NamedFileLog()
        var scenario = try NamedFileLog.$current.withValue(log) { try Scenario(yaml: root, baseDirectory: baseDirectory) }
        scenario.namedFiles = log.paths
        return scenario
    }

    /// The catalog a scenario's runs see: the built-in one, then the files its `catalog.files`
    /// lists (relative to `baseDirectory`) in order, then its own `catalog.gpus` and
    /// `catalog.links`; an entry replaces an earlier one of the same name.
    public static func catalog(yaml root: YAMLValue, baseDirectory: String) throws -> Catalog {
        var catalog = try Catalog.builtIn()
        guard let extra = try root.optional("catalog") else { return catalog }
        try extra.checkKeys(["gpus", "links", "files"])
        // Catalog files (e.g. links fitted by `scalecast import nccl-tests`), relative to the scenario.
        for item in try extra.optional("files")?.items() ?? [] {
            // A file whose top level names neither list (`gpu:` for `gpus:`) would add nothing, silently.
            let file = try RunSpec.loadNamedFile(item, what: "catalog", baseDirectory: baseDirectory)
            try file.checkKeys(["gpus", "links"])
            try catalog.read(gpus: file.optional("gpus"), links: file.optional("links"))
        }
        try catalog.read(gpus: extra.optional("gpus"), links: extra.optional("links"))
        return catalog
    }

    /// Reads a scenario from parsed YAML; `baseDirectory` resolves relative model files.
    public init(yaml root: YAMLValue, baseDirectory: String) throws {
        // A model file given where a scenario belongs (its `layers:` and `input:`, no `model:`): said as such,
        // not as an unknown key with a guess at a scenario key.
        if root.isMapping, try root.optional("model") == nil, try root.optional("layers") != nil, let layers = try root.error(atKey: "layers",
            "this is a model file (input:, layers:), not a scenario: name it from a scenario with model: {file: "
            + "\((root.file as NSString).lastPathComponent.singleLine)} (docs/bring-your-model.md)") {
            throw layers
        }
        try root.checkKeys(Scenario.topLevelKeys, elsewhere: Scenario.keysElsewhere)
        file = root.file
        name = try root.optional("name")?.string() ?? ((root.file as NSString).lastPathComponent as NSString).deletingPathExtension
        description = try root.optional("description")?.string()
        let catalog = try Scenario.catalog(yaml: root, baseDirectory: baseDirectory)
        self.catalog = catalog
        let profiles = try ProfileCatalog.builtIn()
        let base = try Scenario.withoutKeys(root, ["name", "description", "catalog", "runs", "published"])
        if let runsNode = try root.optional("runs") {
            let items = try runsNode.items()
            guard !items.isEmpty else { throw runsNode.error("runs is empty; list at least one run or remove the key") }
            guard items.count <= Limits.runs else {
                throw runsNode.error("\(items.count) runs; a scenario holds at most \(Limits.runs) (use scalecast sweep for larger grids)")
            }
            var labelled: [String: Int] = [:]   // each label's first run
            var modelNamed: [String: (run: Int, network: Network)] = [:]   // each model name's first run
            runs = try items.enumerated().map { index, item in
                try item.checkKeys(Scenario.runKeys, elsewhere: Scenario.keysElsewhere)
                let merged = YAMLValue(node: Scenario.overlay(try Scenario.softwareNamed(base, under: item), item.node),
                                       file: root.file, keyPath: item.keyPath)
                // A label names one run: for --run, a sweep's rows and the published points. A run may
                // inherit the scenario's label, so the merged run's is checked, at the run's own or the top-level key.
                if let label = try merged.optional("label")?.string() {
                    if label.hasPrefix("runs["), label.hasSuffix("]"), Int(label.dropFirst(5).dropLast()) != nil {
                        throw (try item.optional("label") ?? root.optional("label") ?? item)
                            .error("'\(label)' is how an unlabelled run is named (its key path); give the run another label")
                    }
                    if let first = labelled[label] {
                        let labelNode = try item.optional("label") ?? root.optional("label")
                        throw (labelNode ?? item).error("the label '\(label)' is already \(Scenario.keyPath(ofRun: first))'s; give each run its own label")
                    }
                    labelled[label] = index
                }
                do {
                    var spec = try RunSpec(yaml: merged, catalog: catalog, profiles: profiles, baseDirectory: baseDirectory)
                    // Where later refusals (a batch that does not fit, a GPU count) point: the key as written.
                    spec.batchLocation = Scenario.atItsOrigin(spec.batchLocation, run: item, base: base)
                    spec.gpusLocation = Scenario.atItsOrigin(spec.gpusLocation, run: item, base: base)
                    spec.maxGlobalBatchLocation = spec.maxGlobalBatchLocation.map { Scenario.atItsOrigin($0, run: item, base: base) }
                    spec.unusedKeys = spec.unusedKeys.map { Scenario.atItsOrigin($0, run: item, base: base) }
                    spec.softwareLocation = spec.softwareLocation.map { Scenario.atItsOrigin($0, run: item, base: base) }
                    if let pricing = spec.pricing { spec.pricing?.location = Scenario.atItsOrigin(pricing.location, run: item, base: base) }
                    // plan, report and sweep compare configurations per model by its label (`RunSpec.modelLabel`: a
                    // custom model named like a built-in one is `NAME (custom)`, ranked apart): one label, one network,
                    // as `Sweep` checks across --vary. Two files under one label pass where they price alike (their
                    // parameters and work per image).
                    if let first = modelNamed[spec.modelLabel], !Scenario.samePricedNetwork(first.network, spec.network) {
                        let modelNode = try item.optional("model") ?? root.optional("model")
                        throw (modelNode ?? item).error("the model name '\(spec.network.name)' is already runs[\(first.run)]'s, "
                            + "a different network (\(first.network.parameters) against \(spec.network.parameters) parameters, "
                            + "\(first.network.forwardFLOPsPerExample) against \(spec.network.forwardFLOPsPerExample) forward FLOPs "
                            + "per image); give each model its own name (plan and report rank configurations per model name)")
                    }
                    if modelNamed[spec.modelLabel] == nil { modelNamed[spec.modelLabel] = (index, spec.network) }
                    return spec
                } catch let error as ConfigError {
                    throw Scenario.atItsOrigin(error, run: item, base: base)
                }
            }
        } else {
            runs = [try RunSpec(yaml: base, catalog: catalog, profiles: profiles, baseDirectory: baseDirectory)]
        }
        // Read after the runs, whose labels and clusters its points are checked against.
        published = try root.optional("published").map { try PublishedMeasurements(yaml: $0, runs: runs) }
    }

    /// Whether two networks of one name are the same model as far as prices go: the same
    /// parameters and forward and backward FLOPs per image (a built-in model and its
    /// export from PyTorch are, though their layers are written differently).
    public static func samePricedNetwork(_ a: Network, _ b: Network) -> Bool {
        a.parameters == b.parameters && a.forwardFLOPsPerExample == b.forwardFLOPsPerExample
            && a.backwardFLOPsPerExample == b.backwardFLOPsPerExample && a.inputShape == b.inputShape
    }

    /// A mapping without `keys`.
    static func withoutKeys(_ value: YAMLValue, _ keys: [String]) throws -> YAMLValue {
        guard case .mapping(let mapping) = value.node else { throw value.error("a scenario must be a mapping of keys to values") }
        let pairs = mapping.filter { !keys.contains($0.key.string ?? "") }
        return YAMLValue(node: .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark)), file: value.file, keyPath: "")
    }

    /// `error`, raised reading a run merged from the top level (`base`) and its own entry
    /// (`run`, at `runs[i]`), with the key path of where its key is written: a key the run
    /// does not set and the top level does is the top level's (`batch_per_gpu`, not
    /// `runs[1].batch_per_gpu`; the line already points there).
    static func atItsOrigin(_ error: ConfigError, run: YAMLValue, base: YAMLValue) -> ConfigError {
        let prefix = run.keyPath + "."
        guard error.keyPath.hasPrefix(prefix) else { return error }
        let rest = String(error.keyPath.dropFirst(prefix.count))
        // Whether `node` holds the mapping keys along `path` ("cluster.network.link"; at "layers[3].kernel"
        // the sequence's key decides, since a sequence is replaced whole). Matched key by key, not split
        // at dots: a key may hold one ("8192.0", a table's bad key).
        func has(_ node: Node, _ path: Substring) -> Bool {
            guard !path.isEmpty else { return true }
            guard case .mapping(let mapping) = node else { return false }
            return mapping.contains { pair in
                guard let key = pair.key.string, path.hasPrefix(key) else { return false }
                let after = path.dropFirst(key.count)
                return after.isEmpty || after.hasPrefix("[") || (after.hasPrefix(".") && has(pair.value, after.dropFirst()))
            }
        }
        guard !has(run.node, rest[...]), has(base.node, rest[...]) else { return error }
        var located = error
        located.keyPath = rest
        return located
    }

    /// The top level's node for merging under `run`: where it names its profile alone (`software:
    /// tensorflow-1`) and the run overrides fields (`software: {memory_format: nhwc}`), the name
    /// becomes `{profile: tensorflow-1}`, so the run keeps the top level's profile rather than
    /// falling back to the default one.
    static func softwareNamed(_ base: YAMLValue, under run: YAMLValue) throws -> Node {
        guard case .mapping(let mapping) = base.node,
              let index = mapping.firstIndex(where: { $0.key.string == "software" }),
              case .scalar(let name) = mapping[index].value,
              let runSoftware = try run.optional("software"), runSoftware.isMapping else { return base.node }
        var pairs = Array(mapping)
        let key = Node.scalar(Node.Scalar("profile", .implicit, .plain, name.mark))
        pairs[index].value = .mapping(Node.Mapping([(key, .scalar(name))], .implicit, .flow, name.mark))
        return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
    }

    /// `override` laid over `base`: mappings merge key by key, anything else replaces.
    public static func deepMerge(_ base: Node, _ override: Node) -> Node { merge(base, override, path: nil) }

    /// `override` (a run, or a sweep point's varied keys) laid over the scenario node `base`
    /// as `deepMerge` lays it, except that a `software` profile named alone takes the override's
    /// fields as `{profile: NAME}` would, a `cluster.network` naming another topology
    /// first drops the base's keys of the old one (`RunSpec.networkBase`), a `training.epochs`
    /// table replaces the base's whole, and a `training.recipe` replaces the base's images and
    /// epochs, as epochs replace its recipe (`trainingBase`).
    public static func overlay(_ base: Node, _ override: Node) -> Node { merge(base, override, path: []) }

    /// `deepMerge`, at `path` (keys from the scenario's root) where the topology rule applies.
    private static func merge(_ base: Node, _ override: Node, path: [String]?) -> Node {
        // A profile named alone (`software: ideal`) under fields (a sweep's `software.memory_format`) is
        // `{profile: ideal}`: the fields are laid over it, not over the default profile (`softwareNamed`).
        if path == ["software"], case .scalar(let name) = base, case .mapping = override {
            let key = Node.scalar(Node.Scalar("profile", .implicit, .plain, name.mark))
            return merge(.mapping(Node.Mapping([(key, .scalar(name))], .implicit, .flow, name.mark)), override, path: path)
        }
        guard case .mapping(var b) = base, case .mapping(let o) = override else { return override }
        // Epochs by global batch are one table: a run's or a sweep point's replaces the scenario's whole.
        if path == ["training", "epochs"] { return override }
        if path == ["cluster", "network"] { b = RunSpec.networkBase(b, under: o) }
        if path == ["training"] { b = trainingBase(b, under: o) }
        func value(_ mapping: Node.Mapping, _ key: Node) -> Node? {
            mapping.first { $0.key.string == key.string }?.value
        }
        var pairs: [(Node, Node)] = []
        for (key, baseValue) in b {
            if let replacement = value(o, key) {
                pairs.append((key, merge(baseValue, replacement, path: path.map { $0 + [key.string ?? ""] })))
            } else {
                pairs.append((key, baseValue))
            }
        }
        for (key, overrideValue) in o where value(b, key) == nil { pairs.append((key, overrideValue)) }
        return .mapping(Node.Mapping(pairs, o.tag, o.style, o.mark))
    }

    /// The scenario's `training:` keys a run's (or a sweep point's) `training:` leaves: a
    /// recipe (`training.recipe`) states the images and the epochs, so an override naming a
    /// recipe drops the base's `images` and `epochs`, and one stating `epochs` drops its recipe.
    static func trainingBase(_ base: Node.Mapping, under override: Node.Mapping) -> Node.Mapping {
        func has(_ mapping: Node.Mapping, _ key: String) -> Bool { mapping.contains { $0.key.string == key } }
        let replaced: Set<String> = has(override, "recipe") ? ["images", "epochs"] : has(override, "epochs") ? ["recipe"] : []
        return Node.Mapping(base.filter { !replaced.contains($0.key.string ?? "") }, base.tag, base.style, base.mark)
    }
}

extension RunSpec {
    /// Reads one run; `self` is built once all its fields are read and checked.
    init(yaml: YAMLValue, catalog: Catalog, profiles: ProfileCatalog, baseDirectory: String) throws {
        let labelNode = try yaml.optional("label")
        let label = try labelNode?.string()
        // A blank label names the run as nothing: tables and headings would start ": resnet18". One written without
        // a value (`label:`) is as blank, not the key left out.
        let blank = "a blank label; give the run a label, or leave the key out (an unlabelled run is named by its model)"
        if let labelNode, let label, label.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw labelNode.error(blank) }
        if labelNode == nil, let empty = try yaml.error(atKey: "label", blank) { throw empty }
        let modelNode = try yaml.required("model")
        let network = try RunSpec.readModel(modelNode, baseDirectory: baseDirectory)
        guard network.hasWeightedLayer else { throw modelNode.error(network.noWeightedLayerMessage) }
        let askedPrecision = try yaml.optional("precision")?.oneOfIgnoringCase(Precision.allCases.map(\.rawValue)) ?? "fp32"
        let batchNode = try yaml.required("batch_per_gpu")
        let batchPerGPU = try batchNode.int(in: Limits.batch)
        let cluster = try RunSpec.readCluster(try yaml.required("cluster"), catalog: catalog)
        // Mixed precision on a GPU without bf16 units (before Ampere) is fp16: PyTorch's autocast refused
        // bf16 there ("Current CUDA Device does not support bfloat16. Please switch dtype to float16"), so
        // a bf16 run, say one of a sweep across GPU generations, trains as fp16 there, and says so.
        let halfInstead = askedPrecision == Precision.bf16.rawValue && cluster.gpu.peakFLOPsPerSecond["bf16"] == nil
        // TF32 on a GPU without TF32 units (before Ampere) is plain fp32: PyTorch's allow_tf32 and cuDNN's
        // TF32 math apply only where the hardware has it, so such a run trains at fp32's rate, with fp32's
        // efficiencies and kernel tables, and says so.
        let singleInstead = askedPrecision == Precision.tf32.rawValue && CostModel.computed(.tf32, on: cluster.gpu) == .fp32
        let precisionName = halfInstead ? Precision.fp16.rawValue : singleInstead ? Precision.fp32.rawValue : askedPrecision
        let strategyNode = try yaml.optional("strategy")
        var strategy = try RunSpec.readStrategy(strategyNode, network: network)
        let accumulationNode = try yaml.optional("accumulation_steps")
        let accumulationSteps = try accumulationNode?.int(in: Limits.accumulationSteps) ?? 1
        let maxGlobalBatchNode = try yaml.optional("max_global_batch")
        let maxGlobalBatch = try maxGlobalBatchNode?.int(in: Limits.globalBatch)
        if let accumulationNode, accumulationSteps > 1, strategy.kind != .data {
            throw accumulationNode.error("gradient accumulation (micro-batches synchronized once a step) needs a data-parallel "
                                         + "strategy; this run's is \(strategy.kind.rawValue)")
        }
        let costParameters = try RunSpec.readCostParameters(try yaml.optional("cost_model"), baseDirectory: baseDirectory,
                                                            gpu: cluster.gpu, precision: Precision(rawValue: precisionName)!)
        var steps = 2
        var fidelity: Fidelity?
        if let simulation = try yaml.optional("simulation") {
            try simulation.checkKeys(Scenario.simulationKeys, elsewhere: Scenario.keysElsewhere)
            if let s = try simulation.optional("steps") { steps = try s.int(in: Limits.steps) }
            if let f = try simulation.optional("fidelity") {
                let name = try f.oneOf(["auto"] + Fidelity.allCases.map(\.rawValue))
                fidelity = Fidelity(rawValue: name)
            }
        }
        let gpusNode = try yaml.required("gpus")
        let gpuItems = try gpusNode.items()
        guard gpuItems.count <= Limits.gpuCountsPerRun else {
            throw gpusNode.error("\(gpuItems.count) GPU counts; a run lists at most \(Limits.gpuCountsPerRun) "
                                 + "(use scalecast sweep --vary gpus=... for larger grids)")
        }
        var gpuCounts: [Int] = []
        for item in gpuItems {
            let count = try item.int(in: Limits.gpus)
            guard !gpuCounts.contains(count) else { throw item.error("\(count) GPUs is listed twice") }
            gpuCounts.append(count)
        }
        guard !gpuCounts.isEmpty else { throw gpusNode.error("list at least one GPU count") }
        let training = try yaml.optional("training").map(TrainingGoal.init(yaml:))
        let pricing = try yaml.optional("pricing").map { try PricingSpec(yaml: $0, catalog: catalog) }
        let softwareNode = try yaml.optional("software")
        // Without `software:`, the stack most CNNs train on today (issue 13): eager PyTorch with DDP over NCCL.
        let software = try softwareNode.map { try profiles.read($0, elsewhere: Scenario.keysElsewhere) } ?? profiles.defaultProfile
        // The profile's collective applies where the strategy names no all-reduce; a
        // scenario that names one in both places is asked to keep one.
        if let collective = software.collective {
            if let named = try strategyNode?.optional("allreduce") {
                if let softwareNode, softwareNode.isMapping, let override = try softwareNode.optional("collective") {
                    throw override.error("strategy.allreduce (line \(named.line.map(String.init) ?? "?")) already names the all-reduce; "
                                         + "keep one of the two")
                }
            } else {
                strategy.gradientSync.algorithm = collective
            }
        }
        if let softwareNode {
            try Self.checkOverridesApply(softwareNode, software: software, algorithm: strategy.gradientSync.algorithm)
            if let problem = software.loaderProblem {
                let at = softwareNode.isMapping ? (try softwareNode.optional(problem.key)) ?? softwareNode : softwareNode
                throw at.error(problem.message)
            }
            if software.loader == .cpu, software.loaderImagesPerSecondPerNode == nil, software.loaderImagesPerSecondPerCore != nil,
               cluster.cpuCoresPerNode == nil {
                throw softwareNode.error("profile '\(software.name)' prices the loader per CPU core: add cluster.cpu_cores_per_node, "
                                         + "or give software.loader_images_per_second_per_node")
            }
        }
        self.init(label: label, network: network, precision: Precision(rawValue: precisionName)!, batchPerGPU: batchPerGPU,
                  cluster: cluster, strategy: strategy, costParameters: costParameters, steps: steps, fidelity: fidelity,
                  gpuCounts: gpuCounts, training: training, pricing: pricing,
                  batchLocation: batchNode.error(""), gpusLocation: gpusNode.error(""))
        self.software = software
        self.accumulationSteps = accumulationSteps
        self.maxGlobalBatch = maxGlobalBatch
        self.maxGlobalBatchLocation = maxGlobalBatchNode?.error("")
        self.unusedKeys = try RunSpec.unusedKeys(in: yaml, cluster: cluster, pricing: pricing, costParameters: costParameters,
                                                 software: software)
            + RunSpec.priceUnitNotes(in: yaml, pricing: pricing, gpu: cluster.gpu, catalog: catalog)
            + RunSpec.leafNotes(in: yaml, cluster: cluster, gpuCounts: gpuCounts) + RunSpec.switchedMeshNotes(in: yaml, cluster: cluster)
            + RunSpec.profileCoverageNotes(in: yaml, costParameters: costParameters, precision: Precision(rawValue: precisionName)!)
        self.modelIsBuiltIn = RunSpec.namesBuiltInModel(modelNode)
        if software.ncclProtocols != nil, plannedStrategy.gradientSync.algorithm.ncclAlgorithms == nil,
           let note = try yaml.optional("software")?.error(atKey: "nccl_protocols", "not used while the all-reduce is "
               + "\(plannedStrategy.gradientSync.algorithm.rawValue), not NCCL's (nccl-auto, nccl-ring, nccl-tree)") {
            self.unusedKeys.append(note)
        }
        if let note = try RunSpec.recipeForAnotherModel(in: yaml, training: training, modelName: modelLabel, label: label) {
            self.unusedKeys.append(note)
        }
        // No precision stated on a GPU with TF32 units: fp32, where the frameworks' default is TF32 convolutions.
        if try yaml.optional("precision") == nil, CostModel.computed(.tf32, on: cluster.gpu) == .tf32 {
            self.unusedKeys.append(ConfigError(file: yaml.file, keyPath: "precision", line: nil, message: "not stated, so fp32 without TF32 "
                + "on the \(cluster.gpu.name), where on NVIDIA GPUs since Ampere PyTorch (torch.backends.cudnn.allow_tf32) and TensorFlow "
                + "(from 2.4) run convolutions in TF32 by default: state precision: tf32 for that, bf16 or fp16 for mixed precision, "
                + "or fp32 to keep this"))
        }
        // A precision the kernel library has no tensor-core kernels for, on tensor cores: its products at the fp32 rate
        // (CostModel.libraryReachesTensorCores).
        if !costModel.libraryReachesTensorCores, let library = software.kernelLibrary, cluster.gpu.unitsRunning(precision.rawValue) != "fp32" {
            let name = precision.rawValue
            let how = precision == .tf32 ? "as plain fp32 (TF32 is a tensor-core mode)"
                : "on its CUDA cores at the fp32 rate, \(name) data with fp32 compute, as frameworks then ran them (TensorFlow: "
                    + "TF_FP16_CONV_USE_FP32_COMPUTE)"
            if let note = try yaml.error(atKey: "software", "kernel_library \(library.name) has no tensor-core kernels for \(name) "
                + "(cuDNN 7 brought fp16's, with Volta; cuDNN 8 TF32's and bf16's, with Ampere): this run's \(name) convolutions and "
                + "products on the \(cluster.gpu.name) are priced \(how); name kernel_library: "
                + (precision == .fp16 ? "cudnn-7 or cudnn-8" : "cudnn-8") + " for its tensor cores") {
                self.unusedKeys.append(note)
            }
        }
        // Where `software:` is written: the notes on runs across nodes (`acrossNodesNotes`) point at it.
        self.softwareLocation = try yaml.error(atKey: "software", "")
        // fp16 without fp16 units: half-size tensors, computed at the fp32 peak (GPUSpec.peakFLOPsPerSecond(precision:)).
        let noHalfUnits = precision == .fp16 && cluster.gpu.unitsRunning("fp16") != "fp16"
        if halfInstead {
            precisionNote = "bf16 asked: the \(cluster.gpu.name) has no bf16 units" + (noHalfUnits ? ", nor fp16 ones: fp16 tensors computed in fp32" : "")
        } else if noHalfUnits {
            precisionNote = "fp16 tensors computed in fp32: the \(cluster.gpu.name) has no fp16 units"
        }
        if singleInstead { precisionNote = "tf32 asked: the \(cluster.gpu.name) has no TF32 rate in the catalog" }
        if halfInstead || singleInstead { precisionAsked = Precision(rawValue: askedPrecision) }
    }

    /// Refuses a field the scenario's `software:` mapping sets for a mechanism the run does
    /// not use, which would change nothing, silently: a loader rate beside a loader that is
    /// not `cpu`, `ps_host_gb_per_s` beside an all-reduce other than `ps-host`, a
    /// `gradient_sync` under `sync_layers_in_turn` (which synchronizes layer by layer after
    /// backward whatever the policy). (What a built-in profile carries for such a mechanism
    /// is kept: a run that sets `loader: synthetic` on a profile with loader rates means to
    /// leave the loader out.)
    /// - Throws: `ConfigError` at the field's key.
    static func checkOverridesApply(_ node: YAMLValue, software: ExecutionProfile, algorithm: AllReduceAlgorithm) throws {
        guard node.isMapping else { return }
        if software.mechanisms.syncLayersInTurn, let value = try node.optional("gradient_sync") {
            throw value.error("profile '\(software.name)' synchronizes the gradients layer by layer after backward "
                              + "(sync_layers_in_turn: true), whatever gradient_sync says; add sync_layers_in_turn: false for this policy")
        }
        if software.loader != .cpu {
            for key in ExecutionProfile.loaderRateKeys {
                guard let value = try node.optional(key) else { continue }
                throw value.error("a loader rate prices a cpu loader, and profile '\(software.name)' has a \(software.loader.rawValue) one, "
                                  + "so it would change nothing; add loader: cpu")
            }
        }
        if algorithm != .psHost, let value = try node.optional("ps_host_gb_per_s") {
            throw value.error("ps_host_gb_per_s prices a parameter server in host memory (all-reduce ps-host), and this run's "
                              + "all-reduce is \(algorithm.rawValue), so it would change nothing")
        }
    }

    /// The link between a PCIe tree's two sockets where the scenario names none, by the
    /// era of the GPU's host link: `upi-16gt` (one UPI link of a 4th-generation Xeon, 2023)
    /// beside GPUs on PCIe 4.0 or later, `qpi-8gt` (a 2013 Xeon E5 v2's) beside older ones.
    /// Either is one link; servers that join their sockets with several are faster across them
    /// (state `cluster.pcie.socket_link`).
    static func defaultSocketLink(hostLink: LinkSpec) -> String {
        hostLink.kind == .pcie && hostLink.bytesPerSecond >= 25e9 ? "upi-16gt" : "qpi-8gt"
    }

    /// Whether a `model:` value `readModel` has read names a built-in model (a name, or
    /// `{name: NAME, input: ...}` without layers), not a custom one (layers, or a file).
    static func namesBuiltInModel(_ node: YAMLValue) -> Bool {
        guard node.isMapping else { return true }
        let file = (try? node.optional("file")) ?? nil, layers = (try? node.optional("layers")) ?? nil
        return file == nil && layers == nil
    }

    /// The path `node` names, relative to the scenario's directory unless absolute.
    /// - Throws: `ConfigError` at `node` (the scenario's key that names the file) for a
    ///   `what` file (model, catalog) that is a directory, missing or unreadable.
    static func readablePath(_ node: YAMLValue, what: String, baseDirectory: String) throws -> String {
        var path = try node.string()
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else { throw node.error("an empty path; name the \(what)'s YAML file") }
        if !path.hasPrefix("/") { path = (baseDirectory as NSString).appendingPathComponent(path) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw node.error("\(what) file \(path.singleLine): is a directory; name the \(what)'s YAML file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            let missing = !FileManager.default.fileExists(atPath: path)
            throw node.error("\(what) file \(path.singleLine): " + (missing ? "no such file (a relative path starts at the scenario's directory)"
                                                                          : "cannot read it"))
        }
        NamedFileLog.current?.record(path)
        return path
    }

    /// The YAML of the `what` file `node` names (`readablePath`). Where the whole file is the
    /// problem (not UTF-8 text, a device, empty) the error is at the scenario's key, which
    /// names the file; an error inside it points into the file.
    static func loadNamedFile(_ node: YAMLValue, what: String, baseDirectory: String) throws -> YAMLValue {
        let path = try readablePath(node, what: what, baseDirectory: baseDirectory)
        do {
            return try YAMLValue.load(path: path)
        } catch let error as ConfigError where error.file == path && error.line == nil && error.keyPath.isEmpty {
            throw node.error("\(what) file \(path.singleLine): \(error.message)")
        }
    }

    static func readModel(_ node: YAMLValue, baseDirectory: String) throws -> Network {
        if node.isMapping {
            if let fileNode = try node.optional("file") {
                try node.checkKeys(["file"])
                // An error inside a readable model file points into that file.
                return try Network(yaml: RunSpec.loadNamedFile(fileNode, what: "model", baseDirectory: baseDirectory))
            }
            // A built-in model on another input: {name: resnet50, input: [3, 160, 160]}; with neither
            // input nor layers, only a built-in model can be meant ({name: resnet5} is a misspelling).
            if try node.optional("layers") == nil, let nameNode = try node.optional("name"),
               try Zoo.entry(named: try nameNode.string()) != nil || node.optional("input") == nil {
                try node.checkKeys(["name", "input"])
                return try zooModel(nameNode, input: try node.optional("input"))
            }
            // The keys a `model:` mapping takes, `file` among them, so that a misspelt `fiel` is named as such.
            try node.checkKeys(["name", "input", "layers", "file"])
            return try Network(yaml: node)
        }
        return try zooModel(node, input: nil)
    }

    /// A built-in model by name, on its own input or on `input` (`[channels, height, width]`).
    private static func zooModel(_ nameNode: YAMLValue, input inputNode: YAMLValue?) throws -> Network {
        let name = try nameNode.string()
        guard let entry = Zoo.entry(named: name) else {
            let aliases = Zoo.entries.flatMap(\.aliases)
            if let near = nearest(name, in: Zoo.names + aliases, maxEdits: 2) {
                throw nameNode.error("unknown model '\(name)'; did you mean '\(near)'? (scalecast models lists the built-in models)")
            }
            // A path where a name goes: the model file is given as a mapping.
            if name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.contains("/") {
                throw nameNode.error("unknown model '\(name.singleLine)'; a model file is given as model: {file: \(name.singleLine)} "
                                     + "(relative to the scenario's directory), a built-in model by its name")
            }
            throw nameNode.error("unknown model '\(name)'; built-in models: \(Zoo.names.joined(separator: ", "))"
                                 + (aliases.isEmpty ? "" : " (also: \(aliases.joined(separator: ", ")))") + " (or give a custom model as a mapping)")
        }
        guard let inputNode else {
            do { return try entry.build() } catch let error as ModelError { throw nameNode.error(error.message) }
        }
        let dims = try inputNode.items().enumerated().map { i, item in try item.int(in: i == 0 ? Limits.width : Limits.extent) }
        guard dims.count == 3 else { throw inputNode.error("input must be [channels, height, width] for a built-in model") }
        do {
            return try Zoo.model(named: entry.name, input: TensorShape(channels: dims[0], height: dims[1], width: dims[2]))!
        } catch let error as ModelError {
            throw inputNode.error(error.message)
        }
    }

    /// Tokens of `nvidia-smi topo -p2p r` (its legend): X the GPU itself, OK peer to
    /// peer works, and the reasons it does not.
    static let peerToPeerTokens = ["X", "OK", "CNS", "GNS", "TNS", "NS", "U"]

    /// `cluster.pcie.p2p`: which of a node's GPUs can copy to which directly, a row per
    /// GPU as `nvidia-smi topo -p2p r` prints them, each a list of tokens or one
    /// string of them (`"X OK NS NS"`): X on the diagonal, OK where GPU row can copy to
    /// GPU column peer to peer, and CNS, GNS, TNS, NS or U (chipset, GPU or topology
    /// not supported, not supported, unknown) where it cannot.
    static func readPeerToPeer(_ node: YAMLValue, gpusPerNode: Int) throws -> [[Bool]] {
        let rows = try node.items()
        guard rows.count == gpusPerNode else {
            throw node.error("p2p has \(rows.count) rows; it needs one per GPU of a node (gpus_per_node: \(gpusPerNode))")
        }
        return try rows.enumerated().map { i, row in
            let tokens: [String] = row.isSequence ? try row.items().map { try $0.string() }
                : try row.string().split(whereSeparator: \.isWhitespace).map(String.init)
            guard tokens.count == gpusPerNode else {
                throw row.error("p2p row \(i) has \(tokens.count) entries; it needs \(gpusPerNode), one per GPU")
            }
            return try tokens.enumerated().map { j, token in
                let word = token.uppercased()
                guard peerToPeerTokens.contains(word) else {
                    throw row.error("p2p row \(i): '\(token)' is not one of \(peerToPeerTokens.joined(separator: ", ")) (nvidia-smi topo -p2p r)")
                }
                guard (word == "X") == (i == j) else {
                    throw row.error("p2p row \(i), column \(j): X marks a GPU itself, on the diagonal only")
                }
                return word == "OK"
            }
        }
    }

    static func readCluster(_ node: YAMLValue, catalog: Catalog) throws -> ClusterSpec {
        try node.checkKeys(Scenario.clusterKeys, elsewhere: Scenario.keysElsewhere)
        let gpuNode = try node.required("gpu")
        let gpuName = try gpuNode.string()
        guard var gpu = catalog.gpu(named: gpuName) else {
            throw gpuNode.error(catalog.unknownGPUMessage(gpuName))
        }
        // This cluster's own spread of board speeds (0: boards screened to one speed), in place of the catalog's.
        if let cv = try node.optional("speed_variation_cv") { gpu.speedVariationCV = try cv.double(in: 0...1) }
        let perNode = try node.required("gpus_per_node").int(in: Limits.perNode)
        /// The catalog link `value` names (else `name`), which must be of one of `kinds`: a
        /// network between nodes is no NVLink, a GPU's PCIe slot no network.
        func link(_ value: YAMLValue?, default name: String?, kinds: [LinkKind]) throws -> LinkSpec? {
            guard let value else { return name.flatMap { catalog.link(named: $0) } }
            let linkName = try value.string()
            let fitting = catalog.links.filter { kinds.contains($0.kind) }.map(\.name)
            guard let spec = catalog.link(named: linkName) else {
                throw value.error("unknown link '\(linkName)'; " + (nearest(linkName, in: fitting, maxEdits: 2).map { "did you mean '\($0)'? " } ?? "")
                                  + "the catalog's \(kinds.map(\.rawValue).joined(separator: " and ")) links are: " + fitting.joined(separator: ", "))
            }
            guard kinds.contains(spec.kind) else {
                throw value.error("'\(linkName)' is a link of kind \(spec.kind.rawValue); this key takes "
                                  + "\(kinds.map(\.rawValue).joined(separator: " or ")): " + fitting.joined(separator: ", "))
            }
            return spec
        }
        let hostLink = try link(try node.optional("host_link"), default: gpu.hostLink, kinds: [.pcie])!
        let fabricNode = try node.optional("fabric")
        let fabricName = try fabricNode?.oneOf(["pcie-tree", "nvlink-mesh", "nvswitch"]) ?? gpu.nodeFabric
        let fabric: NodeFabric
        switch fabricName {
        case "pcie-tree":
            let pcie = try node.optional("pcie")
            try pcie?.checkKeys(Scenario.pcieKeys, elsewhere: Scenario.keysElsewhere)
            let gpuLink = try link(try pcie?.optional("gpu_link"), default: gpu.hostLink, kinds: [.pcie])!
            let uplink = try link(try pcie?.optional("uplink"), default: gpuLink.name, kinds: [.pcie])!
            let socketLink = try link(try pcie?.optional("socket_link"), default: RunSpec.defaultSocketLink(hostLink: hostLink),
                                      kinds: [.interSocket])!
            fabric = .pcieTree(PCIeTreeSpec(gpuLink: gpuLink, uplink: uplink, socketLink: socketLink,
                                            gpusPerSwitch: try pcie?.optional("gpus_per_switch")?.int(in: Limits.perNode) ?? 2,
                                            switchesPerSocket: try pcie?.optional("switches_per_socket")?.int(in: Limits.perNode) ?? 2,
                                            crossSocketPeerToPeer: try pcie?.optional("cross_socket")?.oneOf(["p2p", "staged"]) != "staged",
                                            peerToPeer: try pcie?.optional("p2p").map { try readPeerToPeer($0, gpusPerNode: perNode) }))
            if let p2p = try pcie?.optional("p2p"), try pcie?.optional("cross_socket") != nil {
                throw p2p.error("cross_socket and p2p both say which GPUs copy peer to peer: give one of them")
            }
        default:
            let nvNode = try node.optional("nvlink")
            guard let nvlink = try link(nvNode, default: gpu.nvlink, kinds: LinkKind.scaleUp) else {
                throw (fabricNode ?? node).error("the \(gpu.name) has no scale-up link (NVLink, Infinity Fabric); use fabric: pcie-tree, or name a link under cluster.nvlink")
            }
            fabric = fabricName == "nvswitch" ? .nvswitch(nvlink) : .nvlinkMesh(nvlink)
        }
        var network: NetworkSpec?
        if let net = try node.optional("network") {
            // A NIC's speed is no key of its own: it comes with the link named (a walkthrough wrote bandwidth_gbps).
            for key in ["bandwidth_gbps", "speed_gbps", "network_gbps", "gbps", "bandwidth", "speed"] {
                if let error = try net.error(atKey: key, "no key sets a NIC's speed: it comes with the catalog link named in link "
                                             + "(eth-100g, ib-ndr, ...: `scalecast hardware` lists them; a sweep varies it with --vary network_gbps=...)") {
                    throw error
                }
            }
            try net.checkKeys(networkKeys, elsewhere: Scenario.keysElsewhere)   // before the link, so a misspelt key is named first
            let nic = try link(try net.required("link"), default: nil, kinds: LinkKind.network)!
            network = try readNetwork(net, nic: nic, gpusPerNode: perNode, fabric: fabric)
        }
        let cores = try node.optional("cpu_cores_per_node")?.int(in: Limits.cpuCoresPerNode)
        return ClusterSpec(gpu: gpu, gpusPerNode: perNode, fabric: fabric, network: network, hostLink: hostLink, cpuCoresPerNode: cores)
    }

    static func readStrategy(_ node: YAMLValue?, network: Network) throws -> Strategy {
        guard let node else { return .data() }
        try node.checkKeys(Scenario.strategyKeys, elsewhere: Scenario.keysElsewhere)
        let kindNode = try node.optional("kind")
        let kind = Strategy.Kind(rawValue: try kindNode?.oneOf(Strategy.Kind.allCases.map(\.rawValue)) ?? "data")!
        var strategy: Strategy
        switch kind {
        case .data: strategy = .data()
        case .model: strategy = .model()
        case .hybrid: strategy = .hybrid(scheme: .b, variant: .exact)
        }
        if let scheme = try node.optional("scheme") {
            guard kind == .hybrid else { throw scheme.error("scheme applies to kind: hybrid only") }
            strategy.scheme = ExchangeScheme(rawValue: try scheme.oneOf(ExchangeScheme.allCases.map(\.rawValue)))!
        }
        if let variant = try node.optional("variant") {
            guard kind != .data else { throw variant.error("variant applies to kinds model and hybrid only") }
            strategy.variant = UpdateVariant(rawValue: try variant.oneOf(UpdateVariant.allCases.map(\.rawValue)))!
        }
        if let from = try node.optional("model_parallel_from") {
            guard kind == .hybrid else { throw from.error("model_parallel_from applies to kind: hybrid only") }
            strategy.modelParallelFrom = try from.string()
        }
        if let algorithm = try node.optional("allreduce") {
            strategy.gradientSync.algorithm = AllReduceAlgorithm(rawValue: try algorithm.oneOf(AllReduceAlgorithm.allCases.map(\.rawValue)))!
        }
        if let bucket = try node.optional("bucket_mb") {
            switch try? bucket.string() {
            case "off": strategy.gradientSync.bucketBytes = nil
            case "layer": strategy.gradientSync.bucketBytes = 0
            default: strategy.gradientSync.bucketBytes = try bucket.double(in: Limits.bucketMegabytes) * 1e6
            }
        }
        do {
            _ = try strategy.modelParallelStart(in: network)
        } catch let error as ModelError {
            throw (try node.optional("model_parallel_from") ?? kindNode ?? node).error(error.message)
        }
        return strategy
    }

    static func readCostParameters(_ node: YAMLValue?, baseDirectory: String, gpu: GPUSpec, precision: Precision) throws -> CostParameters {
        var p = CostParameters()
        guard let node else { return p }
        try node.checkKeys(Scenario.costModelKeys, elsewhere: Scenario.keysElsewhere)
        if let profileNode = try node.optional("profile") {
            try applyProfile(profileNode, baseDirectory: baseDirectory, gpu: gpu, precision: precision, to: &p)
        }
        if let v = try node.optional("launch_overhead_us") { p.launchOverheadSeconds = try v.double(in: Limits.microseconds) * 1e-6 }
        if let v = try node.optional("memory_efficiency") { p.memoryEfficiencyOverride = try fraction(v) }
        if let v = try node.optional("convolution_lowering") {
            p.convolutionLowering = CostParameters.ConvolutionLowering(rawValue: try v.oneOf(CostParameters.ConvolutionLowering.allCases.map(\.rawValue)))!
        }
        if let v = try node.optional("reserved_memory_gib") { p.reservedMemoryBytes = try v.double(in: 0...1e6) * 1_073_741_824 }
        if let table = try node.optional("max_efficiency") {
            try table.checkKeys(Precision.allCases.map(\.rawValue))
            for (key, value) in try table.entries() { p.maxEfficiencyOverride[Precision(rawValue: key)!] = try fraction(value) }
        }
        if let table = try node.optional("half_saturation") {
            try table.checkKeys(Precision.allCases.map(\.rawValue))
            for (key, value) in try table.entries() { p.halfSaturationOverride[Precision(rawValue: key)!] = try value.double(in: 0...1e6) }
        }
        return p
    }

    /// Applies a profile written by `scalecast import layer-times`: its curve for
    /// every precision it has, and the launch overhead fitted for the run's precision.
    static func applyProfile(_ node: YAMLValue, baseDirectory: String, gpu: GPUSpec, precision: Precision,
                             to p: inout CostParameters) throws {
        let profile = try loadNamedFile(node, what: "profile", baseDirectory: baseDirectory)
        let path = profile.file
        try profile.checkKeys(["gpu", "max_efficiency", "half_saturation", "launch_overhead_us", "reported_error"])
        let gpuNode = try profile.required("gpu")
        guard try gpuNode.string() == gpu.name else {
            throw node.error("the profile \(path) was fitted on the \(try gpuNode.string()), but this run uses the \(gpu.name)")
        }
        for (key, value) in try profile.required("max_efficiency").entries() {
            guard let q = Precision(rawValue: key) else { throw value.error("unknown precision '\(key)'") }
            p.maxEfficiencyOverride[q] = try fraction(value)
        }
        for (key, value) in try profile.required("half_saturation").entries() {
            guard let q = Precision(rawValue: key) else { throw value.error("unknown precision '\(key)'") }
            p.halfSaturationOverride[q] = try value.double(in: 0...1e6)
        }
        if let overheads = try profile.optional("launch_overhead_us"), let mine = try overheads.optional(precision.rawValue) {
            p.launchOverheadSeconds = try mine.double(in: Limits.microseconds) * 1e-6
        }
    }

    private static func fraction(_ value: YAMLValue) throws -> Double {
        let x = try value.double()
        guard x > 0 && x <= 1 else { throw value.error("must be a fraction in (0, 1], got \(x)") }
        return x
    }
}

/// The files a scenario names (model, catalog and cost-model profile files), recorded as
/// `RunSpec.readablePath` resolves them while `Scenario.read` (and so `Scenario.load`) reads it, for `Scenario.namedFiles`.
final class NamedFileLog: @unchecked Sendable {
    /// The log of the scenario being read on this task, if any.
    @TaskLocal static var current: NamedFileLog?
    private let lock = NSLock()
    private var recorded: [String] = []

    func record(_ path: String) {
        lock.withLock { if !recorded.contains(path) { recorded.append(path) } }
    }

    /// The paths recorded, first use first.
    var paths: [String] { lock.withLock { recorded } }
}
