import Foundation
import Hardware
import Parallelism
import Planning
import Scenario
import Simulation
import YAMLSupport
import Workload

/// The JSON of `scalecast explain --json`: per run, the step's breakdown, the
/// bottleneck sentence, per-layer compute, communication, resources, memory and (with a
/// kernel library) the convolution kernels chosen. Keys are snake_case; times in
/// seconds, sizes in bytes, shares as fractions.
public enum ExplainJSON {
    /// The version of this layout; bumped when a key changes meaning or goes away.
    public static let schemaVersion = 1

    struct Document: Encodable {
        var schemaVersion: Int
        var scenario: String
        var gpus: Int
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", scenario, gpus, runs }
    }

    struct Run: Encodable {
        var label: String
        var software: String
        /// How the run was simulated (`ScenarioRunner.simulationSummary`), as `explain`'s
        /// "Simulation:" line words it: `expanded`, `aggregated`, or either with why.
        var simulation: String
        var stepSeconds: Double
        var imagesPerSecond: Double
        var computeSeconds: Double
        var exposedCommunicationSeconds: Double
        var idleSeconds: Double
        var inputWaitSeconds: Double
        var stragglerWaitSeconds: Double
        /// CPU cores per GPU the loaders need to keep up with the GPUs, or to reach the node's
        /// measured rate where that is lower (`ExplainReport.coresNeeded`); null without a CPU
        /// loader with a per-core or per-worker rate.
        @NullWhenAbsent var loaderCoresPerGPUNeeded: Int?
        var bottleneck: String
        var layers: [Layer]
        var communication: [Communication]
        var collectives: [Collective]
        var resources: [Resource]
        var memory: Memory
        var kernels: [Kernel]
        var mechanisms: [Mechanism]
        @NullWhenAbsent var interference: Interference?
        @NullWhenAbsent var network: Network?
        var evidence: EvidenceJSON
        enum CodingKeys: String, CodingKey {
            case label, software, simulation, stepSeconds = "step_seconds", imagesPerSecond = "images_per_second"
            case computeSeconds = "compute_seconds", exposedCommunicationSeconds = "exposed_communication_seconds"
            case idleSeconds = "idle_seconds", inputWaitSeconds = "input_wait_seconds"
            case stragglerWaitSeconds = "straggler_wait_seconds", loaderCoresPerGPUNeeded = "loader_cores_per_gpu_needed", bottleneck, layers, communication, collectives, resources, memory, kernels
            case mechanisms, interference, network, evidence
        }
    }

    /// The network between the run's nodes, as the scenario describes it (null on one node).
    struct Network: Encodable {
        /// `leaf-spine`, `rail-optimized` or `torus`.
        var topology: String
        var link: String
        var nicsPerNode: Int
        /// Nodes per leaf (per rail group on a rail-optimized network); null: one switch or group.
        @NullWhenAbsent var nodesPerLeaf: Int?
        var oversubscription: Double
        /// `pxn` or `spine` on a rail-optimized network, else null.
        @NullWhenAbsent var crossRail: String?
        /// The torus's dimension sizes, else null.
        @NullWhenAbsent var dimensions: [Int]?
        /// The NIC each local GPU sends through; null where no GPU owns one (a PCIe tree
        /// without `gpu_nic`: NICs on the host bridges).
        @NullWhenAbsent var gpuNIC: [Int]?
        /// The same in one line, as `explain` prints it.
        var summary: String

        init(_ network: NetworkSpec, cluster: ClusterSpec, summary: String) {
            topology = network.layout.name
            link = network.nic.name
            nicsPerNode = network.nicsPerNode
            nodesPerLeaf = network.nodesPerLeaf
            oversubscription = network.oversubscription
            if case .railOptimized(let route) = network.layout { crossRail = route.rawValue } else { crossRail = nil }
            if case .torus(let sizes) = network.layout { dimensions = sizes } else { dimensions = nil }
            gpuNIC = cluster.pinnedNICOfLocalGPU
            self.summary = summary
        }

        enum CodingKeys: String, CodingKey {
            case topology, link, nicsPerNode = "nics_per_node", nodesPerLeaf = "nodes_per_leaf", oversubscription
            case crossRail = "cross_rail", dimensions, gpuNIC = "gpu_nic", summary
        }
    }

    /// What one of the profile's schedule mechanisms costs the step: the step less the
    /// same step with it off (`ScenarioRunner.mechanismCosts`).
    struct Mechanism: Encodable {
        var name: String
        var seconds: Double
    }

    /// Collective interference on GPU 0 (`ExplainReport.Interference`).
    struct Interference: Encodable {
        var blocks: Int
        var slowedSeconds: Double
        var slowestRate: Double
        var lostComputeSeconds: Double
        enum CodingKeys: String, CodingKey {
            case blocks, slowedSeconds = "slowed_seconds", slowestRate = "slowest_rate", lostComputeSeconds = "lost_compute_seconds"
        }
    }

    struct Layer: Encodable {
        var name: String
        var forwardSeconds: Double
        var backwardSeconds: Double
        enum CodingKeys: String, CodingKey { case name, forwardSeconds = "forward_seconds", backwardSeconds = "backward_seconds" }
    }

    struct Communication: Encodable {
        var what: String
        var bytes: Double
    }

    /// One gradient all-reduce: its algorithm, NCCL's choice and estimate (null for
    /// algorithms that are not NCCL's), and its simulated time.
    struct Collective: Encodable {
        var group: String
        var bytes: Double
        var algorithm: String
        var ncclAlgorithm: String?
        var ncclProtocol: String?
        var ncclEstimateSeconds: Double?
        var simulatedSeconds: Double
        /// Under `nccl-auto`, the best algorithm NCCL's tuning passed over and its estimate.
        var ncclPassedOver: PassedOver?

        struct PassedOver: Encodable {
            var ncclAlgorithm: String
            var ncclProtocol: String
            var ncclEstimateSeconds: Double

            enum CodingKeys: String, CodingKey {
                case ncclAlgorithm = "nccl_algorithm", ncclProtocol = "nccl_protocol", ncclEstimateSeconds = "nccl_estimate_seconds"
            }
        }

        enum CodingKeys: String, CodingKey {
            case group, bytes, algorithm, ncclAlgorithm = "nccl_algorithm", ncclProtocol = "nccl_protocol",
                 ncclEstimateSeconds = "nccl_estimate_seconds", simulatedSeconds = "simulated_seconds", ncclPassedOver = "nccl_passed_over"
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(group, forKey: .group)
            try c.encode(bytes, forKey: .bytes)
            try c.encode(algorithm, forKey: .algorithm)
            try c.encode(ncclAlgorithm, forKey: .ncclAlgorithm)
            try c.encode(ncclProtocol, forKey: .ncclProtocol)
            try c.encode(ncclEstimateSeconds, forKey: .ncclEstimateSeconds)
            try c.encode(simulatedSeconds, forKey: .simulatedSeconds)
            try c.encode(ncclPassedOver, forKey: .ncclPassedOver)
        }
    }

    struct Resource: Encodable {
        var name: String
        var role: String
        var busyFraction: Double
        var utilization: Double?
        var bytes: Double?
        var mostly: String?
        enum CodingKeys: String, CodingKey {
            case name, role, busyFraction = "busy_fraction", utilization, bytes, mostly
        }

        /// Absent values encode as null: the keys are the same in every row.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(role, forKey: .role)
            try c.encode(busyFraction, forKey: .busyFraction)
            try c.encode(utilization, forKey: .utilization)
            try c.encode(bytes, forKey: .bytes)
            try c.encode(mostly, forKey: .mostly)
        }
    }

    /// One GPU's memory footprint (`MemoryFootprint`), part by part, in bytes.
    struct Memory: Encodable {
        var weightStateBytes: Int
        var activationBytes: Int
        var gradientBucketBytes: Int
        var autocastCopyBytes: Int
        var fusionBufferBytes: Int
        var workspaceBytes: Int
        var reservedBytes: Int
        /// As `simulate`'s `peak_memory_bytes_per_gpu`: the parts' sum rounded up.
        var totalBytes: Int
        var gpuMemoryBytes: Int
        var fits: Bool
        enum CodingKeys: String, CodingKey {
            case weightStateBytes = "weight_state_bytes", activationBytes = "activation_bytes"
            case gradientBucketBytes = "gradient_bucket_bytes", autocastCopyBytes = "autocast_copy_bytes"
            case fusionBufferBytes = "fusion_buffer_bytes"
            case workspaceBytes = "workspace_bytes", reservedBytes = "reserved_bytes"
            case totalBytes = "total_bytes", gpuMemoryBytes = "gpu_memory_bytes", fits
        }

        /// Each part rounded to whole bytes (a model-parallel share can be fractional).
        init(_ f: MemoryFootprint, gpuMemoryBytes: Double) {
            func bytes(_ x: Double) -> Int { Int(saturating: x.rounded()) }
            weightStateBytes = bytes(f.weightStateBytes)
            activationBytes = bytes(f.activationBytes)
            gradientBucketBytes = bytes(f.gradientBucketBytes)
            autocastCopyBytes = bytes(f.autocastCopyBytes)
            fusionBufferBytes = bytes(f.fusionBufferBytes)
            workspaceBytes = bytes(f.workspaceBytes)
            reservedBytes = bytes(f.reservedBytes)
            totalBytes = Int(saturating: f.totalBytes.rounded(.up))
            self.gpuMemoryBytes = bytes(gpuMemoryBytes)
            fits = f.totalBytes <= gpuMemoryBytes
        }
    }

    struct Kernel: Encodable {
        var layer: String
        /// Algorithm per pass; nil for a pass the layer does not run (a first layer's data gradient).
        var forward: String?
        var backwardData: String?
        var backwardFilter: String?
        var seconds: Double
        var workspaceBytes: Double
        enum CodingKeys: String, CodingKey {
            case layer, forward, backwardData = "backward_data", backwardFilter = "backward_filter", seconds
            case workspaceBytes = "workspace_bytes"
        }

        /// A pass the layer does not run encodes as null.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(layer, forKey: .layer)
            try c.encode(forward, forKey: .forward)
            try c.encode(backwardData, forKey: .backwardData)
            try c.encode(backwardFilter, forKey: .backwardFilter)
            try c.encode(seconds, forKey: .seconds)
            try c.encode(workspaceBytes, forKey: .workspaceBytes)
        }
    }

    /// One run's entry; `mechanisms` and `interference` as `explain` prints them.
    static func run(label: String, spec: RunSpec, analysis: StepAnalysis, gpus: Int,
                    mechanisms: [ScenarioRunner.MechanismCost], interference: ExplainReport.Interference?,
                    evidence: MeasuredErrors.Evidence, simulation: String) throws -> Run {
        let m = analysis.metrics
        let kernels = try KernelReport.rows(spec, gpus: gpus).rows.map { row in
            Kernel(layer: row.layer, forward: row.algorithms[.forward], backwardData: row.algorithms[.backwardData],
                   backwardFilter: row.algorithms[.backwardFilter], seconds: row.seconds, workspaceBytes: row.workspaceBytes)
        }
        return Run(label: label, software: spec.software.label, simulation: simulation, stepSeconds: m.stepSeconds,
                   imagesPerSecond: m.imagesPerSecond,
                   computeSeconds: m.computeSeconds, exposedCommunicationSeconds: m.exposedCommunicationSeconds,
                   idleSeconds: m.idleSeconds, inputWaitSeconds: m.inputWaitSeconds, stragglerWaitSeconds: m.stragglerWaitSeconds,
                   loaderCoresPerGPUNeeded: spec.loaderCeiling(gpus: gpus).flatMap { ExplainReport.coresNeeded(m, ceiling: $0)?.cores },
                   bottleneck: analysis.bottleneck,
                   layers: analysis.layers.map { Layer(name: $0.name, forwardSeconds: $0.forwardSeconds, backwardSeconds: $0.backwardSeconds) },
                   // Whole bytes: pieces of a message sum to it up to rounding (209715200.00000167).
                   communication: analysis.bytesByCommunication.map { Communication(what: $0.kind, bytes: $0.bytes.rounded()) },
                   collectives: analysis.collectives.map {
                       Collective(group: $0.plan.group, bytes: $0.plan.bytes, algorithm: $0.plan.algorithm.rawValue,
                                  ncclAlgorithm: $0.plan.nccl?.algorithm.rawValue, ncclProtocol: $0.plan.nccl?.proto.rawValue,
                                  ncclEstimateSeconds: $0.plan.ncclEstimateSeconds, simulatedSeconds: $0.simulatedSeconds,
                                  ncclPassedOver: $0.plan.ncclRunnerUp.map {
                                      .init(ncclAlgorithm: $0.choice.algorithm.rawValue, ncclProtocol: $0.choice.proto.rawValue,
                                            ncclEstimateSeconds: $0.seconds)
                                  })
                   },
                   resources: analysis.gpus.map { Resource(name: $0.name, role: $0.role, busyFraction: $0.busyFraction, utilization: nil,
                                                           bytes: nil, mostly: nil) }
                       + analysis.links.map { Resource(name: $0.name, role: $0.role, busyFraction: $0.busyFraction, utilization: $0.utilization,
                                                      bytes: $0.bytes, mostly: $0.topGroups.first?.group) },
                   memory: Memory(try spec.memoryFootprint(for: spec.setup(gpus: gpus)), gpuMemoryBytes: spec.cluster.gpu.memoryBytes),
                   kernels: kernels,
                   mechanisms: mechanisms.map { Mechanism(name: $0.name, seconds: $0.seconds) },
                   interference: interference.map { Interference(blocks: $0.blocks, slowedSeconds: $0.slowedSeconds,
                                                                 slowestRate: $0.slowestRate, lostComputeSeconds: $0.lostComputeSeconds) },
                   network: spec.cluster.nodes(for: gpus) > 1 ? spec.cluster.network.flatMap { network in spec.networkSummary.map { Network(network, cluster: spec.cluster, summary: $0) } } : nil,
                   evidence: EvidenceJSON(evidence))
    }

    /// One run to explain: its label, spec and analysis, what each of its profile's
    /// mechanisms costs, the interference its collectives cause, and the corpus's
    /// record on its GPU and precision.
    public struct Explained {
        public var label: String
        public var spec: RunSpec
        public var analysis: StepAnalysis
        public var mechanisms: [ScenarioRunner.MechanismCost]
        public var interference: ExplainReport.Interference?
        public var evidence: MeasuredErrors.Evidence
        /// `ScenarioRunner.simulationSummary` for the fidelity the run ran with.
        public var simulation: String

        public init(label: String, spec: RunSpec, analysis: StepAnalysis, mechanisms: [ScenarioRunner.MechanismCost],
                    interference: ExplainReport.Interference?, evidence: MeasuredErrors.Evidence, simulation: String) {
            self.label = label
            self.spec = spec
            self.simulation = simulation
            self.analysis = analysis
            self.mechanisms = mechanisms
            self.interference = interference
            self.evidence = evidence
        }
    }

    /// The document for `runs`.
    public static func encode(scenario: String, gpus: Int, runs: [Explained]) throws -> String {
        let document = Document(schemaVersion: schemaVersion, scenario: scenario, gpus: gpus,
                                runs: try runs.map { try run(label: $0.label, spec: $0.spec, analysis: $0.analysis, gpus: gpus,
                                                             mechanisms: $0.mechanisms, interference: $0.interference,
                                                             evidence: $0.evidence, simulation: $0.simulation) })
        return try ResultsJSON.encode(document)
    }
}
