import CostModel
import Hardware
import Parallelism
import Software
import Workload
import YAMLSupport

/// A scenario file, read and checked: one or more runs, each simulated at
/// several GPU counts.
public struct Scenario: Sendable {
    /// The path it was read from, as given.
    public var file: String
    public var name: String
    public var description: String?
    public var runs: [RunSpec]
    /// The catalog the scenario was resolved against (built-in plus its additions).
    public var catalog: Catalog
    /// Figures published for its runs (the top-level `published` block), if any.
    public var published: PublishedMeasurements? = nil
    /// The files it names (model, catalog and cost-model profile files), as resolved
    /// against its directory, where it was read from a file (`Scenario.load`): a command
    /// writing output must not write over one.
    public var namedFiles: [String] = []

    /// What names the run at `index` where it has no label and the scenario has others: its
    /// key path, `runs[1]` (tables, charts, sweep rows). No label may read so.
    public static func keyPath(ofRun index: Int) -> String { "runs[\(index)]" }

    /// The positions of the runs a command's `--run SELECTOR` names, in the scenario's order:
    /// those labelled `selector`, else those labelled so but for case (`resnet-50` for
    /// `ResNet-50`, as GPU and model names are read), else the one whose key path it is
    /// (`runs[1]`, how an unlabelled run is named); every run when `selector` is nil, none
    /// when it names no run.
    public func runIndices(selectedBy selector: String?) -> [Int] {
        guard let selector else { return Array(runs.indices) }
        let labelled = runs.indices.filter { runs[$0].label == selector }
        if !labelled.isEmpty { return labelled }
        let folded = runs.indices.filter { runs[$0].label?.lowercased() == selector.lowercased() }
        return folded.isEmpty ? runs.indices.filter { Self.keyPath(ofRun: $0) == selector } : folded
    }

    /// Why `--run SELECTOR` selects nothing, with the name of each run there is: its label,
    /// else its key path (a scenario of one unlabelled run has none to give).
    public func noRunSelected(by selector: String) -> String {
        let names = runs.indices.map { runs[$0].label ?? Self.keyPath(ofRun: $0) }
        let there = runs.count == 1 && runs[0].label == nil ? "the scenario has one run, unlabelled"
            : "the scenario's runs: \(names.map(\.singleLine).joined(separator: ", "))"
        return "--run: no run is labelled or at '\(selector.singleLine)'; " + there
    }
}

/// One run of a scenario: a model, a cluster design and a strategy, at each of
/// `gpuCounts`.
public struct RunSpec: Sendable {
    /// The run's own label (e.g. "ResNet-50"), if it has one.
    public var label: String?
    public var network: Network
    /// Whether `network` is a built-in model (by name, on its own input or another):
    /// false for a model given by its layers or a file, whatever its name.
    public var modelIsBuiltIn = true
    public var precision: Precision
    public var batchPerGPU: Int
    /// Micro-batches of `batchPerGPU` per step, gradients accumulated locally and
    /// synchronized once, in the last (`accumulation_steps`; 1: none). Data parallelism only.
    public var accumulationSteps = 1
    /// The most images one step may take on all GPUs together (`max_global_batch`); nil: no
    /// limit. Above it each GPU's batch is cut (`batchPerGPU(at:)`), as large runs cut theirs to
    /// keep the global batch their optimizer converges at: NVIDIA's MLPerf v0.6 ResNet-50 trained
    /// 208 images per GPU on one DGX-1 and 52 on 130 of them, a global batch of 54,080.
    public var maxGlobalBatch: Int? = nil
    /// Where `max_global_batch` was set, for messages; nil when it was not.
    public var maxGlobalBatchLocation: ConfigError? = nil
    public var cluster: ClusterSpec
    public var strategy: Strategy
    public var costParameters: CostParameters
    /// Training steps to simulate; metrics come from the last.
    public var steps: Int
    /// How finely to simulate; nil chooses by size (see `ScenarioRunner.fidelity`).
    public var fidelity: Fidelity?
    /// Lay out and simulate every node even where node 0 would stand for all
    /// (`ScenarioRunner.nodeSymmetryRefusal`): the same results, slower; for checks.
    public var simulatesEveryNode = false
    public var gpuCounts: [Int]
    /// The training to price, if the scenario states it.
    public var training: TrainingGoal?
    /// How the cluster is paid for, if the scenario states it.
    public var pricing: PricingSpec?
    /// Where `batch_per_gpu` was set, for messages about memory.
    public var batchLocation: ConfigError
    /// Where the GPU counts were set.
    public var gpusLocation: ConfigError
    /// Where `software:` is written (the run's, else the top level's); nil where it is not.
    public var softwareLocation: ConfigError?
    /// Keys the run is given that change nothing in it, each where it is written and why
    /// (`RunSpec.unusedKeys(in:cluster:pricing:)`), and a training recipe of another model
    /// (`RunSpec.recipeForAnotherModel`): notes `simulate` prints.
    public var unusedKeys: [ConfigError] = []
    /// Why `precision` is not the one the scenario asked for (bf16 on a GPU without bf16
    /// units runs as fp16), or is computed on other units (fp16 in fp32); nil otherwise.
    public var precisionNote: String?
    /// The precision the scenario asked for where `precision` is another (bf16 priced as
    /// fp16, TF32 as fp32); nil where it is the one asked.
    public var precisionAsked: Precision?
    /// How the training stack runs the schedule (`software:`); `ideal` unless the scenario names another.
    public var software: ExecutionProfile = .ideal

    /// The model's name as output prints it and the published corpus's records are looked up
    /// by: its name, or, for a custom model named like a built-in one (on some input:
    /// `resnet50-32x32`), `NAME (custom)`, which is not taken for the built-in model on screen
    /// and matches none of its records.
    public var modelLabel: String {
        modelIsBuiltIn || Zoo.network(ofModelNamed: network.name) == nil ? network.name : "\(network.name) (custom)"
    }

    /// The strategy as the run carries it out, for labels: the planned strategy's
    /// (`data (ring, 25 MB buckets)`, or `after backward` / `per layer` where the profile
    /// syncs gradients so), or, under a profile that fuses gradients on a cycle
    /// (Horovod), `data (ring, fused up to 64 MB every 5 ms)`, since the fusion buffer
    /// then replaces the buckets.
    public var strategySummary: String {
        let planned = plannedStrategy
        var summary = planned.summary
        if planned.kind == .data, let fused = software.communication.fusionSummary {
            summary = "data (\(planned.gradientSync.algorithm.rawValue), \(fused))"
        }
        guard accumulationSteps > 1 else { return summary }
        let accumulation = "\(accumulationSteps) micro-batches a step"
        return summary.hasSuffix(")") ? summary.dropLast() + ", \(accumulation))" : summary + " (\(accumulation))"
    }

    /// Images per GPU per micro-batch on `gpus` GPUs: `batchPerGPU`, or, where the global
    /// batch would exceed `maxGlobalBatch`, the most that keeps it within:
    /// ⌊max_global_batch / (gpus · accumulation_steps)⌋. Below 1 where not even one image per
    /// GPU fits (`ScenarioRunner.check` refuses such a count).
    public func batchPerGPU(at gpus: Int) -> Int {
        guard let maxGlobalBatch else { return batchPerGPU }
        return min(batchPerGPU, maxGlobalBatch / (gpus * accumulationSteps))
    }

    /// Images per optimizer step over all `gpus` GPUs: the batch per GPU there
    /// (`batchPerGPU(at:)`) x GPUs x `accumulationSteps`, as `TrainingSetup.globalBatch`.
    public func globalBatch(at gpus: Int) -> Int { batchPerGPU(at: gpus) * gpus * accumulationSteps }

    /// The setup of this run on `gpus` GPUs: gradients in the profile's dtype, GPUs
    /// filling the cluster's nodes in order, each GPU's batch as `batchPerGPU(at:)` gives it.
    public func setup(gpus: Int) -> TrainingSetup {
        var setup = TrainingSetup(network: network, precision: precision, batchPerGPU: batchPerGPU(at: gpus), gpus: gpus, steps: steps)
        if let bytes = software.gradientBytesPerElement { setup.gradientBytesPerElement = bytes }
        setup.fusion = FusionPlan(network: network, fusion: software.batchNormFusion)
        setup.autograd = software.autograd
        setup.autocastWeightCopies = software.autocastWeightCopies
        setup.gpusPerNode = cluster.gpusPerNode
        setup.nicOfLocalGPU = cluster.nicOfLocalGPU
        if plannedStrategy.gradientSync.algorithm.ncclAlgorithms != nil {
            setup.nccl = NCCLSystem(cluster: cluster, gpus: gpus)
            if let protocols = software.ncclProtocols { setup.nccl?.protocols = Set(protocols) }
        }
        let mechanisms = software.mechanisms
        setup.lossOnFirstWorker = mechanisms.lossPlacement == .firstGPU
        setup.passBarrier = mechanisms.passBarrier
        setup.stageSeconds = mechanisms.stageSeconds
        setup.syncLayersInTurn = mechanisms.syncLayersInTurn
        setup.ddpBucketCopies = mechanisms.ddpBucketCopies
        setup.gradsZeroed = mechanisms.gradsZeroed
        setup.updateKernelsPerTensor = mechanisms.updateKernelsPerTensor
        setup.optimizerEveryImages = mechanisms.optimizerEveryImages
        setup.optimizerStep = mechanisms.optimizerStep
        setup.accumulationSteps = accumulationSteps
        setup.hostStagedSyncFromGPUs = mechanisms.hostStagedSyncFromGPUs
        setup.activationBroadcast = mechanisms.activationBroadcast
        setup.modelParallelExchanges = modelParallelExchanges
        if case .pcieTree(let tree) = cluster.fabric, !tree.crossSocketPeerToPeer {
            setup.peerGroupSize = tree.gpusPerSwitch * tree.switchesPerSocket
        }
        setup.tensorFusion = tensorFusion(setup)
        // A parameter server's sum and update: the host's streaming rate as the profile
        // states it, a GPU's as the cost model prices streaming traffic.
        setup.hostServerBytesPerSecond = software.communication.serverHostBytesPerSecond
        setup.gpuServerBytesPerSecond = costModel.streamingBytesPerSecond
        if plannedStrategy.gradientSync.algorithm == .p2psyncTree, case .pcieTree(let tree) = cluster.fabric {
            let local = (0..<cluster.gpusPerNode).map { a in (0..<cluster.gpusPerNode).map { tree.copiesDirectly(from: a, to: $0) } }
            setup.peerAccess = PeerAccess(gpusPerNode: cluster.gpusPerNode, local: local)
        }
        return setup
    }

    /// The profile's tensor fusion on a cycle for `gpus` GPUs (nil without a cycle, or
    /// on one GPU, where there is nothing to all-reduce).
    ///
    /// A gradient is ready when backward has run from the last layer down to its own:
    /// `ready(i) = Σ_{j ≥ i} backward(j)`, each pass priced by the run's cost model
    /// (seconds, from the start of backward, each layer's work as the plan runs it:
    /// `Planner.dataBackwardWork`, with what a fused batch norm moves beyond its own
    /// tensors and the profile's autograd passes; layers absorbed into a fused batch norm
    /// cost nothing of their own). Under `gradient_sync: after-backward` every gradient is ready
    /// only when the whole backward is: `ready(i) = Σ_j backward(j)` (MXNet's executor bulks
    /// the whole backward into one engine operation, so no gradient is signalled before its
    /// end, and the fusion groups are cut by the threshold alone). With `gradient_groups: N`
    /// the weighted layers are split into N contiguous groups (`groupIndices`) and every
    /// gradient of a group is ready when the group's last is. A fused all-reduce starts `cycle / 2 + ⌈log2 K⌉ × negotiation`
    /// after its last gradient (`CommunicationMechanisms.fusionStartDelaySeconds`);
    /// fusion-buffer copies run at the device memory bandwidth the cost model prices
    /// streaming traffic at (`CostModel.streamingBytesPerSecond`).
    func tensorFusion(_ setup: TrainingSetup) -> TensorFusion? {
        let communication = software.communication
        let fusion = setup.fusion
        guard setup.gpus > 1, let cycle = communication.fusionCycleSeconds, let threshold = communication.fusionThresholdBytes else { return nil }
        let cost = costModel
        var ready: [Int: Double] = [:]
        var elapsed = 0.0
        for i in network.layers.indices.reversed() {
            if Planner.hasBackwardWork(network.layers[i]) && !fusion.absorbed.contains(i) {
                elapsed += cost.seconds(for: Planner.dataBackwardWork(ofLayer: i, setup: setup))
            }
            ready[i] = elapsed
        }
        if software.gradientSync == .afterBackward { for i in ready.keys { ready[i] = elapsed } }
        let weighted = network.layers.indices.filter { network.layers[$0].cost.parameters > 0 }
        if let groups = communication.groupIndices(count: weighted.count) {
            // A group is handed over when its last gradient is ready: backward runs from the
            // end, so that is the group's first layer in network order, the latest ready time.
            var groupReady: [Int: Double] = [:]
            for (k, i) in weighted.enumerated() { groupReady[groups[k]] = max(groupReady[groups[k]] ?? 0, ready[i] ?? 0) }
            for (k, i) in weighted.enumerated() { ready[i] = groupReady[groups[k]] }
        }
        return TensorFusion(cycleSeconds: cycle, thresholdBytes: threshold,
                            startDelaySeconds: communication.fusionStartDelaySeconds(ranks: setup.gpus), readySeconds: ready,
                            copyBytesPerSecond: cost.streamingBytesPerSecond)
    }

    /// The cluster as the run's software drives it; topologies are built from this.
    /// - The profile's socket transport: every NIC at `min(line rate, streams × per-stream
    ///   rate)` with the transport's step latency added (`CommunicationMechanisms
    ///   .linkAsDriven`), except on InfiniBand NICs, on which NCCL runs its InfiniBand verbs
    ///   transport instead of sockets (NVIDIA/nccl v2.4.6-1, src/init.cc, `initNet`: the IB
    ///   transport where it initializes, sockets only otherwise).
    /// - NCCL's collectives on a rail-optimized network with `cross_rail: spine`
    ///   (`ncclKeepsRails`): their transfers take the destination's rail as under PXN
    ///   (`CrossRailRoute.pxn`).
    public var simulatedCluster: ClusterSpec {
        guard var network = cluster.network else { return cluster }
        let communication = software.communication
        if network.nic.kind != .infiniband, communication.socketStreams != nil || communication.socketStepLatencySeconds > 0 {
            let driven = communication.linkAsDriven(bytesPerSecond: network.nic.bytesPerSecond, latencySeconds: network.nic.latencySeconds)
            network.nic.bytesPerSecond = driven.bytesPerSecond
            network.nic.latencySeconds = driven.latencySeconds
        }
        if ncclKeepsRails { network.layout = .railOptimized(crossRail: .pxn) }
        guard network != cluster.network else { return cluster }
        var simulated = cluster
        simulated.network = network
        return simulated
    }

    /// Whether NCCL's collectives keep this run's hops between nodes on their rails though
    /// the rail-optimized network says `cross_rail: spine`: NCCL keeps each ring and tree
    /// channel on one NIC index on every node ("Ring: NET n -> GPU a -> ... -> GPU x -> NET n
    /// (or m if crossNic)", NVIDIA/nccl v2.18.3-1 src/graph/search.cc, which tries
    /// NCCL_CROSS_NIC=0, the same NIC, first), so no such hop changes rails. Priced as
    /// `CrossRailRoute.pxn` routes them (`Topology.structuredRoute`): on NVLink fabrics the
    /// hop from a ring's last GPU to that NIC (over PCIe in NCCL without PXN) as PXN's
    /// NVLink hop; on PCIe-tree nodes over the PCIe tree, as NCCL runs it.
    public var ncclKeepsRails: Bool {
        guard case .railOptimized(crossRail: .spine)? = cluster.network?.layout,
              plannedStrategy.gradientSync.algorithm.ncclAlgorithms != nil,
              strategy.kind == .data || modelParallelExchanges == .collectives else { return false }
        return true
    }

    /// The network design in one line as the run is priced (`NetworkSpec.summary`), with
    /// what NCCL's collectives change in it (`ncclKeepsRails`); nil without a network.
    public var networkSummary: String? {
        cluster.network.map { network in
            network.summary(pinnedNICOfLocalGPU: cluster.pinnedNICOfLocalGPU,
                            routedNICOfLocalGPU: cluster.pinnedNICOfLocalGPU == nil ? cluster.nicOfLocalGPU : nil)
                + (!ncclKeepsRails ? "" : cluster.fabric.isPCIeTree
                    ? "; NCCL's collectives keep to their rails, so a GPU reaches another rail's NIC over PCIe"
                    : "; NCCL's collectives keep to their rails, so their hops are priced as pxn")
        }
    }

    /// The cost model of this run: its GPU, precision and cost parameters, and the
    /// profile's kernel library, workspace limit, algorithm choice, memory format, depthwise kernels and
    /// how grouped convolutions reach the library.
    public var costModel: CostModel {
        CostModel(gpu: cluster.gpu, precision: precision, parameters: costParameters,
                  kernelLibrary: software.kernelLibrary, workspaceLimitBytes: software.workspaceLimitBytes,
                  algorithmChoice: software.algorithmChoice,
                  memoryFormat: software.memoryFormat, depthwiseKernels: software.depthwiseKernels,
                  groupedConvolutionsPerGroup: software.groupedConvolutionsPerGroup)
    }

    /// The precision whose published record applies to this run: the one its products compute
    /// in (`CostModel.computed`: TF32 on a GPU without TF32 units is fp32).
    public var evidencePrecision: Precision {
        CostModel.computed(precision, on: cluster.gpu)
    }

    /// The profile's CPU loader ceiling on `gpus` GPUs of this cluster (`LoaderCeiling`);
    /// nil where the loader is synthetic or no rate applies.
    public func loaderCeiling(gpus: Int) -> LoaderCeiling? {
        software.loaderCeiling(cpuCoresPerNode: cluster.cpuCoresPerNode, gpus: gpus, gpusPerNode: cluster.gpusPerNode)
    }

    /// The coefficient of variation of one GPU's compute time per step against its
    /// peers, as a synchronous step's wait for the slowest prices it (`Stragglers`):
    /// the boards' own spread of speeds (`GPUSpec.speedVariationCV`, the catalog's or
    /// `cluster.speed_variation_cv`) and the stack's step-to-step jitter
    /// (`compute_jitter_cv`), independent, so their variances add. The jitter is a
    /// forward and backward pass's: over `accumulationSteps` independent micro-batches a
    /// step's sum varies by `compute_jitter_cv / √accumulationSteps` of its mean, while a
    /// slow board is as slow in every micro-batch.
    public var computeVariationCV: Double {
        let jitter = software.computeJitterCV * software.computeJitterCV / Double(accumulationSteps)
        return (cluster.gpu.speedVariationCV * cluster.gpu.speedVariationCV + jitter).squareRoot()
    }

    /// Seconds per step of the profile's synchronous input copies, amortized
    /// (`ScheduleMechanisms.inputCopySeconds`): the host-to-GPU leg at the bandwidth
    /// of the narrowest link from node 0's host memory to GPU 0 (PCIe: the PCIe tree's,
    /// or the host link of a GPU on an NVLink fabric).
    public func inputCopySeconds(gpus: Int, topology: Topology) -> Double {
        let link = topology.bottleneck(of: topology.route(from: topology.hostEndpoint(node: 0), to: 0))
        // Per micro-batch, and a step runs `accumulationSteps` of them.
        return Double(accumulationSteps)
            * software.mechanisms.inputCopySeconds(batchPerGPU: batchPerGPU(at: gpus), gpus: gpus, gpusOnNode: min(gpus, cluster.gpusPerNode),
                                                   inputElements: network.layers[0].outputShape.elements, hostLinkBytesPerSecond: link)
    }

    /// How the run's model-parallel exchanges run: as a collective library's broadcasts,
    /// reduces, all-gathers and reduce-scatters wherever the stack has one, point to
    /// point where the profile models the program's own copies instead: cuda-convnet2's
    /// copy networks (`activation_broadcast: cuda-convnet2`, `host_staged_sync_from_gpus`),
    /// and stacks whose gradient sync is their own copies, not a library's collective
    /// (`caffe-p2psync-tree`, Caffe's cudaMemcpy tree; the parameter servers `ps-host` and
    /// `ps-gpus`, TensorFlow's send and receive ops).
    public var modelParallelExchanges: ModelParallelExchanges {
        let mechanisms = software.mechanisms
        if mechanisms.activationBroadcast == .cudaConvnet2 || mechanisms.hostStagedSyncFromGPUs != nil { return .pointToPoint }
        switch plannedStrategy.gradientSync.algorithm {
        case .p2psyncTree, .psHost, .psGPUs: return .pointToPoint
        default: return .collectives
        }
    }

    /// The strategy as the profile runs it: `after-backward` sends every gradient
    /// in one all-reduce once backward is done, whatever `bucket_mb` says; `layers`
    /// and `sync_layers_in_turn`, one all-reduce per weighted layer.
    public var plannedStrategy: Strategy {
        var planned = strategy
        if software.gradientSync == .afterBackward { planned.gradientSync.bucketBytes = nil }
        if software.gradientSync == .layers { planned.gradientSync.bucketBytes = 0 }
        if software.mechanisms.syncLayersInTurn { planned.gradientSync.bucketBytes = 0 }
        return planned
    }
}
