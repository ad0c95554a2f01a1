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
}

/// One run of a scenario: a model, a cluster design and a strategy, at each of
/// `gpuCounts`.
public struct RunSpec: Sendable {
    /// The run's own label (e.g. "ResNet-50"), if it has one.
    public var label: String?
    public var network: Network
    public var precision: Precision
    public var batchPerGPU: Int
    public var cluster: ClusterSpec
    public var strategy: Strategy
    public var costParameters: CostParameters
    /// Training steps to simulate; metrics come from the last.
    public var steps: Int
    /// How finely to simulate; nil chooses by size (see `ScenarioRunner.fidelity`).
    public var fidelity: Fidelity?
    public var gpuCounts: [Int]
    /// The training to price, if the scenario states it.
    public var training: TrainingGoal?
    /// How the cluster is paid for, if the scenario states it.
    public var pricing: PricingSpec?
    /// Where `batch_per_gpu` was set, for messages about memory.
    public var batchLocation: ConfigError
    /// Where the GPU counts were set.
    public var gpusLocation: ConfigError
    /// How the training stack runs the schedule (`software:`); `ideal` unless the scenario names another.
    public var software: ExecutionProfile = .ideal

    /// The setup of this run on `gpus` GPUs: gradients in the profile's dtype, GPUs
    /// filling the cluster's nodes in order.
    public func setup(gpus: Int) -> TrainingSetup {
        var setup = TrainingSetup(network: network, precision: precision, batchPerGPU: batchPerGPU, gpus: gpus, steps: steps)
        if let bytes = software.gradientBytesPerElement { setup.gradientBytesPerElement = bytes }
        setup.fusion = FusionPlan(network: network, fusion: software.batchNormFusion)
        setup.gpusPerNode = cluster.gpusPerNode
        if plannedStrategy.gradientSync.algorithm.ncclAlgorithms != nil { setup.nccl = NCCLSystem(cluster: cluster, gpus: gpus) }
        let mechanisms = software.mechanisms
        setup.lossOnFirstWorker = mechanisms.lossPlacement == .firstGPU
        setup.passBarrier = mechanisms.passBarrier
        setup.stageSeconds = mechanisms.stageSeconds
        setup.syncLayersInTurn = mechanisms.syncLayersInTurn
        setup.hostStagedSyncFromGPUs = mechanisms.hostStagedSyncFromGPUs
        setup.activationBroadcast = mechanisms.activationBroadcast
        if case .pcieTree(let tree) = cluster.fabric, !tree.crossSocketPeerToPeer {
            setup.peerGroupSize = tree.gpusPerSwitch * tree.switchesPerSocket
        }
        if plannedStrategy.gradientSync.algorithm == .p2psyncTree, case .pcieTree(let tree) = cluster.fabric {
            let local = (0..<cluster.gpusPerNode).map { a in (0..<cluster.gpusPerNode).map { tree.copiesDirectly(from: a, to: $0) } }
            setup.peerAccess = PeerAccess(gpusPerNode: cluster.gpusPerNode, local: local)
        }
        return setup
    }

    /// The cost model of this run: its GPU, precision and cost parameters, and the
    /// profile's kernel library and workspace limit.
    public var costModel: CostModel {
        CostModel(gpu: cluster.gpu, precision: precision, parameters: costParameters,
                  kernelLibrary: software.kernelLibrary, workspaceLimitBytes: software.workspaceLimitBytes)
    }

    /// Seconds per step of the profile's synchronous input copies, amortized
    /// (`ScheduleMechanisms.inputCopySeconds`): the host-to-GPU leg at the bandwidth
    /// of the narrowest link from node 0's host memory to GPU 0 (PCIe on a PCIe
    /// tree); 0 where the topology has no host-memory endpoint.
    public func inputCopySeconds(gpus: Int, topology: Topology) -> Double {
        guard topology.hasHostMemory(node: 0) else { return 0 }
        let link = topology.bottleneck(of: topology.route(from: topology.hostEndpoint(node: 0), to: 0))
        return software.mechanisms.inputCopySeconds(batchPerGPU: batchPerGPU, gpus: gpus, inputElements: network.layers[0].outputShape.elements,
                                                    hostLinkBytesPerSecond: link)
    }

    /// The strategy as the profile runs it: `after-backward` sends every gradient
    /// in one all-reduce once backward is done, whatever `bucket_mb` says; with
    /// `sync_layers_in_turn`, one all-reduce per weighted layer.
    public var plannedStrategy: Strategy {
        var planned = strategy
        if software.gradientSync == .afterBackward { planned.gradientSync.bucketBytes = nil }
        if software.mechanisms.syncLayersInTurn { planned.gradientSync.bucketBytes = 0 }
        return planned
    }
}
