import CostModel
import Foundation
import Hardware
import Parallelism
import Simulation
import Workload

/// Runs the same plans on the executor and in the simulator and compares their
/// step times: the evidence that the simulator predicts what really runs.
///
/// Each worker is one core running single-threaded OpenBLAS. The simulator sees
/// it as a device described by a calibration profile (`device`, `parameters`):
/// peak = one core's clock × FLOPs per cycle, the profile's fitted efficiency
/// curve for matrix products, its streaming bandwidth and per-call overhead for
/// everything else. Workers are joined pairwise, by memory copies (the profile's
/// copy bandwidth and latency) or by a paced slow link that the executor emulates
/// (`Executor.PacedLink`) and the simulator models with the same bandwidth and latency.
public struct ExecutorValidation {
    /// How the workers are joined.
    public enum Link: String, CaseIterable, Sendable {
        /// Plain copies between the workers' buffers.
        case memory
        /// `slowLink`, paced by the executor.
        case paced
    }

    /// One configuration, predicted and measured.
    public struct Case: Sendable, Encodable {
        public var strategy: String
        public var scheme: String?
        public var variant: String?
        public var workers: Int
        public var link: String
        public var predictedStepSeconds: Double
        public var measuredStepSeconds: Double
        /// predicted / measured − 1.
        public var relativeError: Double
        /// Throughput against one worker on the same link: K · t₁ / t_K.
        public var predictedSpeedup: Double
        public var measuredSpeedup: Double

        enum CodingKeys: String, CodingKey {
            case strategy, scheme, variant, workers, link, predictedStepSeconds = "predicted_step_seconds",
                 measuredStepSeconds = "measured_step_seconds", relativeError = "relative_error",
                 predictedSpeedup = "predicted_speedup", measuredSpeedup = "measured_speedup"
        }
    }

    public let profile: CalibrationProfile
    public var network: Network
    public var batchPerWorker: Int
    /// Steps run per configuration; the first (warm-up) and the last (nothing after
    /// it to overlap, see `StepMetrics.measure`) are not measured.
    public var steps = 6
    /// Runs per configuration on the executor; the measured step is the shortest
    /// measured step of any run. Calibration keeps the best of several timings too:
    /// on a shared machine whose speed drifts by tens of percent from one second to
    /// the next, the minimum is the statistic that repeats.
    public var repeats = 3
    /// The paced link: 125 MB/s and 50 us, about a 1 Gb/s Ethernet link.
    public var slowLink = Executor.PacedLink(bytesPerSecond: 125e6, latencySeconds: 50e-6)

    public init(profile: CalibrationProfile, network: Network = ExecutorValidation.smallCNN(), batchPerWorker: Int = 128) {
        self.profile = profile
        self.network = network
        self.batchPerWorker = batchPerWorker
        HeapPolicy.keepFreedMemory()
    }

    /// A scaled-down one-tower AlexNet on 32×32 inputs: two convolution, ReLU and
    /// pooling stages, two fully connected layers and a softmax loss.
    public static func smallCNN() -> Network {
        do {
            var b = NetworkBuilder(name: "small-owt", input: TensorShape(channels: 3, height: 32, width: 32))
            try b.conv("conv1", out: 8, kernel: 3, pad: 1); try b.relu("relu1")
            try b.maxPool("pool1", kernel: 2, stride: 2)
            try b.conv("conv2", out: 16, kernel: 3, pad: 1); try b.relu("relu2")
            try b.maxPool("pool2", kernel: 2, stride: 2)
            try b.fc("fc1", units: 64); try b.relu("relu3")
            try b.fc("fc2", units: 10)
            try b.softmax("loss")
            return try b.finish()
        } catch {
            preconditionFailure("the built-in small CNN is malformed: \(error)")
        }
    }

    /// One worker core as the cost model sees it.
    public var device: GPUSpec {
        GPUSpec(name: "cpu-core", architecture: profile.cpu, memoryBytes: Double(ProcessInfo.processInfo.physicalMemory),
                memoryBytesPerSecond: profile.streamBytesPerSecond,
                peakFLOPsPerSecond: ["fp32": profile.peakFLOPsPerSecond / Double(profile.threads)], hostLink: "memory",
                source: "scalecast calibrate on this machine (\(profile.cpu), OpenBLAS \(profile.kernel))",
                maxEfficiency: ["fp32": profile.maxEfficiency])
    }

    /// The cost model's constants from the profile: its per-call overhead, its
    /// half-saturation dimension, streaming bandwidth used as measured (efficiency
    /// 1), and convolutions lowered by im2col, as the executor's kernels do.
    public var parameters: CostParameters {
        var p = CostParameters()
        p.launchOverheadSeconds = profile.kernelOverheadSeconds
        p.halfSaturationDimension[.fp32] = profile.halfSaturation
        p.memoryEfficiency = 1
        p.reservedMemoryBytes = 0
        p.convolutionLowering = .im2col
        p.loweringBytesPerSecond = profile.loweringBytesPerSecond
        return p
    }

    /// The link between two workers, per direction.
    public func linkSpec(_ link: Link) -> LinkSpec {
        switch link {
        case .memory:
            return LinkSpec(name: "memcpy", kind: .pcie, bytesPerSecond: profile.copyBytesPerSecond, latencySeconds: profile.copyLatencySeconds,
                            source: "scalecast calibrate: memory copies on this machine")
        case .paced:
            return LinkSpec(name: "paced", kind: .pcie, bytesPerSecond: slowLink.bytesPerSecond, latencySeconds: slowLink.latencySeconds,
                            source: "the executor's paced link")
        }
    }

    /// `workers` cores, each pair joined by its own link in each direction (a mesh
    /// whose per-worker bandwidth, spread over the K − 1 peers, gives each pair the link's).
    public func cluster(workers: Int, link: Link) -> ClusterSpec {
        var spec = linkSpec(link)
        let pair = spec
        spec.bytesPerSecond *= Double(max(1, workers - 1))
        return ClusterSpec(gpu: device, gpusPerNode: workers, fabric: .nvlinkMesh(spec), network: nil, hostLink: pair)
    }

    /// The strategies compared on `workers` workers: data parallelism (ring
    /// all-reduce) and, on more than one, the hybrid with every scheme and variant.
    public static func strategies(workers: Int) -> [Strategy] {
        guard workers > 1 else { return [.data()] }
        var list: [Strategy] = [.data()]
        for scheme in ExchangeScheme.allCases {
            for variant in UpdateVariant.allCases { list.append(.hybrid(scheme: scheme, variant: variant)) }
        }
        return list
    }

    func setup(workers: Int) -> TrainingSetup {
        TrainingSetup(network: network, precision: .fp32, batchPerGPU: batchPerWorker, gpus: workers, steps: steps)
    }

    var measuredSteps: ClosedRange<Int> { 1...(steps - 2) }

    /// The simulator's step time, in seconds.
    public func predict(_ strategy: Strategy, workers: Int, link: Link) throws -> Double {
        let setup = setup(workers: workers)
        let graph = try Planner.plan(setup, strategy: strategy)
        let topology = Topology(cluster: cluster(workers: workers, link: link), gpus: workers)
        let trace = GraphSimulation.run(graph, topology: topology, cost: CostModel(gpu: device, precision: .fp32, parameters: parameters))
        let times = measuredSteps.map { StepMetrics.measure(trace, gpus: workers, globalBatch: setup.globalBatch, step: $0).stepSeconds }
        return Self.median(times)
    }

    /// The executor's step time, in seconds, with one OpenBLAS thread per worker.
    public func measure(_ strategy: Strategy, workers: Int, link: Link) throws -> Double {
        let setup = setup(workers: workers)
        let graph = try Planner.plan(setup, strategy: strategy)
        var options = Executor.Options()
        options.pacedLink = link == .paced ? slowLink : nil
        let threads = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = threads }
        var times: [Double] = []
        for _ in 0..<repeats {
            let outcome = try Executor(graph: graph, setup: setup, strategy: strategy, options: options).run()
            times += measuredSteps.map { outcome.stepSeconds[$0] }
        }
        return times.min()!
    }

    /// One kind of compute task on worker 0, per step: what the cost model gives and
    /// the shortest time the executor took.
    public struct TaskTime: Sendable, Encodable {
        public var kind: String
        public var label: String
        public var predictedSeconds: Double
        public var measuredSeconds: Double

        enum CodingKeys: String, CodingKey {
            case kind, label, predictedSeconds = "predicted_seconds", measuredSeconds = "measured_seconds"
        }
    }

    /// The compute tasks of one worker, predicted and measured, in plan order: where
    /// the cost model misses the executor.
    public func taskTimes(_ strategy: Strategy, workers: Int) throws -> [TaskTime] {
        let setup = setup(workers: workers)
        let graph = try Planner.plan(setup, strategy: strategy)
        let cost = CostModel(gpu: device, precision: .fp32, parameters: parameters)
        let threads = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = threads }
        var measured: [String: [Double]] = [:]
        var stepSeconds: [Double] = [], busySeconds: [Double] = []
        for _ in 0..<repeats {
            let outcome = try Executor(graph: graph, setup: setup, strategy: strategy).run()
            var busy = [Double](repeating: 0, count: steps)
            for task in graph.tasks where task.device == 0 && measuredSteps.contains(task.step) {
                guard case .compute = task.work else { continue }
                let took = outcome.taskEnds[task.id] - outcome.taskStarts[task.id]
                measured["\(task.kind.rawValue) \(task.label)", default: []].append(took)
                busy[task.step] += took
            }
            stepSeconds += measuredSteps.map { outcome.stepSeconds[$0] }
            busySeconds += measuredSteps.map { busy[$0] }
        }
        var rows: [TaskTime] = []
        for task in graph.tasks where task.device == 0 && task.step == measuredSteps.lowerBound {
            guard case .compute(let work) = task.work, let times = measured["\(task.kind.rawValue) \(task.label)"] else { continue }
            rows.append(TaskTime(kind: task.kind.rawValue, label: task.label, predictedSeconds: cost.seconds(for: work),
                                 measuredSeconds: times.min()!))
        }
        // What the step took beyond its tasks on worker 0: handing tasks between
        // threads, and waiting for the other workers.
        let fastest = stepSeconds.indices.min { stepSeconds[$0] < stepSeconds[$1] }!
        rows.append(TaskTime(kind: "idle", label: "between tasks (fastest step)", predictedSeconds: 0,
                             measuredSeconds: stepSeconds[fastest] - busySeconds[fastest]))
        return rows
    }

    /// Every strategy on each worker count and link, with the speedups over one worker.
    public func run(workerCounts: [Int], links: [Link] = Link.allCases) throws -> [Case] {
        var cases: [Case] = []
        for link in links {
            var single: (predicted: Double, measured: Double)?
            for workers in workerCounts.sorted() {
                for strategy in Self.strategies(workers: workers) {
                    let predicted = try predict(strategy, workers: workers, link: link)
                    let measured = try measure(strategy, workers: workers, link: link)
                    if workers == 1 { single = (predicted, measured) }
                    let base = single ?? (predicted / Double(workers), measured / Double(workers))
                    cases.append(Case(strategy: strategy.kind.rawValue, scheme: strategy.schemeIfHybrid?.rawValue,
                                      variant: strategy.variantIfModelParallel?.rawValue, workers: workers, link: link.rawValue,
                                      predictedStepSeconds: predicted, measuredStepSeconds: measured, relativeError: predicted / measured - 1,
                                      predictedSpeedup: Double(workers) * base.predicted / predicted,
                                      measuredSpeedup: Double(workers) * base.measured / measured))
                }
            }
        }
        return cases
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
