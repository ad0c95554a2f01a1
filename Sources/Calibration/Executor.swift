import Dispatch
import Foundation
import Parallelism
import Workload

/// Runs a planned `TaskGraph` for real: one thread (`WorkerThread`) per worker
/// standing in for a GPU, OpenBLAS kernels for the layers, copies between the
/// workers' buffers for the transfers. Real numbers flow: images, activations,
/// gradients, weight updates.
///
/// A transfer reads the sender's buffer on the sender's thread and writes the
/// receiver's on the receiver's, so each worker's memory is only ever touched by
/// its own thread; the graph's dependencies order everything else. Additions that
/// arrive from several workers at once are summed in arrival order, so results
/// may differ in the last bits from run to run.
///
/// Supported: data parallelism (ring, tree, direct, hierarchical, halving-doubling,
/// and parameter-server on one node, where it is the ring; any buckets), the hybrid
/// (schemes a, b, c; exact and approximate) and plain model parallelism (exact
/// and approximate), on chains of convolution, ReLU, max pooling, fully connected
/// layers and a softmax loss. A model-parallel convolution holds 1/K of the output
/// channels, a FC layer 1/K of the units; ReLUs and pooling work on the slice.
/// Refused: a parameter server across nodes, whose shards live in host memory.
public final class Executor {
    /// SGD with momentum: v ← μv + g + λw; w ← w − ηv.
    public struct Options: Sendable {
        public var learningRate: Float = 0.01
        public var momentum: Float = 0.9
        public var weightDecay: Float = 0.0005
        /// Emulates a slower interconnect: each transfer shares the link from its
        /// sender to its receiver equally with the others in flight on it, and
        /// arrives a latency after its last byte (`PacedLinks`). Nil: transfers
        /// are plain copies between the workers' buffers.
        public var pacedLink: PacedLink?
        public init() {}
    }

    /// A point-to-point link per ordered pair of workers, as `Options.pacedLink`.
    public struct PacedLink: Sendable, Equatable {
        /// Bytes per second in each direction.
        public var bytesPerSecond: Double
        public var latencySeconds: Double
        public init(bytesPerSecond: Double, latencySeconds: Double) {
            self.bytesPerSecond = bytesPerSecond
            self.latencySeconds = latencySeconds
        }
    }

    /// The weights after the run, whole (model-parallel slices put back together).
    public struct Outcome: Sendable {
        public var weights: [Int: [Float]]
        public var biases: [Int: [Float]]
        /// Wall time of each step, in seconds (from the end of the step before).
        public var stepSeconds: [Double]
        /// Whether every data-parallel replica ended with the same weights.
        public var replicasAgree: Bool
        /// When each task (by id) began and ended, in seconds since the run began: a
        /// compute task from when its worker took it up, a transfer from when the
        /// sender began copying it out.
        public var taskStarts: [Double]
        public var taskEnds: [Double]
        /// Of each compute task's time, the seconds its convolution kernels spent in
        /// SGEMM: the product apart from its lowering. 0 for every other task,
        /// fully connected ones included (their pass is its products; nothing to
        /// take apart).
        public var taskProductSeconds: [Double]
    }

    let graph: TaskGraph
    let network: Network
    let setup: TrainingSetup
    let strategy: Strategy
    let options: Options
    let workers: Int
    let split: Int?
    let buckets: [Planner.Bucket]
    let states: [WorkerState]

    /// - Throws: `ExecutorError` for a plan or network the executor cannot run.
    public init(graph: TaskGraph, setup: TrainingSetup, strategy: Strategy, options: Options = Options()) throws {
        guard graph.representedGPUs == graph.gpus else { throw ExecutorError("the executor runs expanded plans, not aggregated ones") }
        guard setup.accumulationSteps == 1 else {
            throw ExecutorError("the executor trains one batch per step; it does not accumulate gradients over micro-batches")
        }
        guard !graph.usesHostMemory else {
            throw ExecutorError("the executor has no host memory: a parameter server across nodes (its shards in host memory) "
                                + "or in host memory (ps-host) is simulated only")
        }
        guard graph.modelParallelStart == nil || graph.modelParallelExchanges == .pointToPoint else {
            throw ExecutorError("the executor runs model-parallel exchanges point to point (each slice from the worker that holds it); "
                                + "this plan runs them as a library's collectives, whose ring steps relay other workers' slices, "
                                + "which it does not run yet: plan with modelParallelExchanges = .pointToPoint")
        }
        guard !graph.collectives.contains(where: { $0.nccl?.algorithm == .tree }) else {
            throw ExecutorError("NCCL's tree is simulated as a fluid pipeline whose transfers carry no data; "
                                + "the executor runs its ring (allreduce: nccl-ring) and the other algorithms")
        }
        guard !graph.collectives.contains(where: { $0.nccl?.algorithm == .nvls }) else {
            throw ExecutorError("NCCL's NVLS sums inside the NVSwitch, which the executor has no counterpart for; "
                                + "it runs NCCL's ring (allreduce: nccl-ring) and the other algorithms")
        }
        self.graph = graph
        self.network = setup.network
        self.setup = setup
        self.strategy = graph.gpus == 1 ? .data(DataParallelOptions(bucketBytes: nil)) : strategy
        self.options = options
        workers = graph.gpus
        split = graph.modelParallelStart
        let dataEnd = split ?? network.layers.count
        buckets = Planner.gradientBuckets(network, precision: setup.precision, bucketBytes: self.strategy.gradientSync.bucketBytes,
                                          layers: 1..<dataEnd)
        guard case .softmaxCrossEntropy = network.layers.last!.kind else {
            throw ExecutorError("the executor needs the network to end in a softmax loss")
        }
        if let split {
            for i in split..<network.layers.count {
                let layer = network.layers[i]
                if let u = Self.unitCount(layer), u < graph.gpus {
                    throw ExecutorError("\(layer.name) has \(u) units or channels, fewer than the \(graph.gpus) workers it is split over")
                }
                switch layer.kind {
                case .relu, .maxPool:
                    guard i > split else { throw ExecutorError("the first model-parallel layer, \(layer.name), must be a convolution or FC layer") }
                default: break
                }
            }
        }
        for (i, layer) in network.layers.enumerated().dropFirst() {
            guard layer.inputs == [i - 1] else { throw ExecutorError("the executor runs chains; \(layer.name) is fed by several layers") }
            switch layer.kind {
            case .convolution(let c) where c.groups == 1 && c.kernelHeight == c.kernelWidth && c.strideHeight == c.strideWidth
                                        && c.padHeight == c.padWidth && c.bias:
                break
            case .maxPool(let p) where p.pad == 0 && !p.ceilMode:
                break
            case .relu, .fullyConnected(_, true): break
            case .softmaxCrossEntropy where i == network.layers.count - 1: break
            case .convolution(let c) where c.groups > 1:
                throw ExecutorError("the executor does not run \(layer.name), a grouped convolution (\(c.groups) groups), yet: "
                                    + "it runs dense square convolutions with bias, max pooling without padding or ceil mode, ReLU, "
                                    + "FC layers with bias and a final softmax loss; grouped convolutions are simulated only")
            default:
                throw ExecutorError("the executor does not run \(layer.name) (\(layer.kind.shortName)) yet: "
                                    + "it runs dense square convolutions with bias, max pooling without padding or ceil mode, ReLU, "
                                    + "FC layers with bias and a final softmax loss; other layers are simulated only")
            }
        }
        states = (0..<graph.gpus).map(WorkerState.init)
        for state in states { initialize(state) }
    }

    // MARK: Geometry

    var batch: Int { setup.batchPerGPU }
    var globalBatch: Int { setup.batchPerGPU * workers }
    func elements(_ layer: Int) -> Int { network.layers[layer].outputShape.elements }
    var features: Int { elements(split! - 1) }
    func isModelParallel(_ layer: Int) -> Bool { split.map { layer >= $0 } ?? false }

    /// What a model-parallel layer is split by: a FC layer's units, a convolution's output channels.
    static func unitCount(_ layer: Layer) -> Int? {
        switch layer.kind {
        case .fullyConnected(let u, _): return u
        case .convolution(let c): return c.outChannels
        default: return nil
        }
    }

    /// The units (or output channels) of layer `layer` that worker `w` holds: a
    /// contiguous 1/K of them when the layer is model-parallel, else all.
    func units(_ layer: Int, _ w: Int) -> Range<Int> {
        let u = Self.unitCount(network.layers[layer]) ?? elements(layer)
        guard isModelParallel(layer) else { return 0..<u }
        return (w * u / workers)..<((w + 1) * u / workers)
    }

    /// The channels of a model-parallel convolution's output that worker `w` holds,
    /// carried through ReLUs and pooling; nil where the slice is a FC layer's units.
    func channelSlice(_ layer: Int, _ w: Int) -> Range<Int>? {
        guard isModelParallel(layer) else { return nil }
        switch network.layers[layer].kind {
        case .convolution: return units(layer, w)
        case .relu, .maxPool: return channelSlice(layer - 1, w)
        default: return nil
        }
    }

    /// The columns of layer `layer`'s output (per example, NCHW) that worker `w`
    /// holds: its units, or its channels' pixels (contiguous within an example),
    /// carried through ReLUs and pooling; all of them outside the model-parallel part.
    func columns(_ layer: Int, _ w: Int) -> Range<Int> {
        if let channels = channelSlice(layer, w) {
            let perChannel = elements(layer) / network.layers[layer].outputShape.channels
            return (channels.lowerBound * perChannel)..<(channels.upperBound * perChannel)
        }
        switch network.layers[layer].kind {
        case .fullyConnected: return units(layer, w)
        case .relu where isModelParallel(layer): return columns(layer - 1, w)
        default: return 0..<elements(layer)
        }
    }

    /// A convolution's geometry for `n` examples; `outChannels` for a worker's slice.
    func convolution(_ layer: Int, batch n: Int, outChannels: Int? = nil) -> Kernels.Convolution {
        guard case .convolution(let c) = network.layers[layer].kind else { fatalError("not a convolution") }
        let x = network.layers[layer].inputShapes[0]
        return Kernels.Convolution(batch: n, inChannels: x.channels, height: x.height, width: x.width, outChannels: outChannels ?? c.outChannels,
                                   kernel: c.kernelHeight, stride: c.strideHeight, pad: c.padHeight)
    }

    /// A pooling layer's geometry for `n` examples; `channels` for a worker's slice.
    func pooling(_ layer: Int, batch n: Int, channels: Int? = nil) -> Kernels.Pooling {
        guard case .maxPool(let p) = network.layers[layer].kind else { fatalError("not a pooling layer") }
        let x = network.layers[layer].inputShapes[0]
        return Kernels.Pooling(batch: n, channels: channels ?? x.channels, height: x.height, width: x.width, kernel: p.kernel, stride: p.stride)
    }

    /// Sets a worker's input images and its initial weights (the same on every worker).
    private func initialize(_ s: WorkerState) {
        let size = network.inputShape.elements
        func images(_ examples: [Int]) -> [Float] { examples.flatMap { e in (0..<size).map { Synthetic.pixel(example: e, $0) } } }
        s.images = images(Array((s.index * batch)..<((s.index + 1) * batch)))
        if split == 1 {
            // Plain model parallelism: every worker holds every chunk's images.
            for (c, parts) in graph.chunks.enumerated() {
                s.chunkImages[c] = images(parts.flatMap { part in part.examples.map { part.owner * batch + $0 } })
            }
        }
        for (i, layer) in network.layers.enumerated() {
            let fanIn: Int, fanOut: Int, rows: Range<Int>
            switch layer.kind {
            case .convolution(let c):
                fanIn = layer.inputShapes[0].channels * c.kernelHeight * c.kernelWidth
                fanOut = c.outChannels
                rows = units(i, s.index)
            case .fullyConnected(let u, _):
                fanIn = layer.inputShapes[0].elements
                fanOut = u
                rows = units(i, s.index)
            default: continue
            }
            s.weights[i] = rows.flatMap { r in (0..<fanIn).map { Synthetic.weight(layer: i, r * fanIn + $0, fanIn: fanIn, fanOut: fanOut) } }
            s.bias[i] = rows.map { Synthetic.weight(layer: i + 10_000, $0, fanIn: fanIn, fanOut: fanOut) * 0.1 }
            s.weightVelocity[i] = [Float](repeating: 0, count: s.weights[i]!.count)
            s.biasVelocity[i] = [Float](repeating: 0, count: rows.count)
            s.weightGrad[i] = s.weightVelocity[i]
            s.biasGrad[i] = s.biasVelocity[i]
        }
    }

    // MARK: Running

    /// Runs every task of the graph and returns the resulting weights.
    public func run() -> Outcome {
        let tasks = graph.tasks
        let run = Run(executor: self, tasks: tasks, workers: workers)
        run.start()
        let (starts, ends, products) = run.times.values

        var stepEnds = [Double](repeating: 0, count: graph.steps)
        for task in tasks { stepEnds[task.step] = max(stepEnds[task.step], ends[task.id]) }
        let steps = stepEnds.indices.map { $0 == 0 ? stepEnds[0] : stepEnds[$0] - stepEnds[$0 - 1] }
        var weights: [Int: [Float]] = [:], biases: [Int: [Float]] = [:]
        for i in states[0].weights.keys {
            if isModelParallel(i) {
                weights[i] = states.flatMap { $0.weights[i]! }
                biases[i] = states.flatMap { $0.bias[i]! }
            } else {
                weights[i] = states[0].weights[i]!
                biases[i] = states[0].bias[i]!
            }
        }
        let agree = states.allSatisfy { s in
            s.weights.keys.allSatisfy { isModelParallel($0) || (s.weights[$0]! == states[0].weights[$0]! && s.bias[$0]! == states[0].bias[$0]!) }
        }
        return Outcome(weights: weights, biases: biases, stepSeconds: steps, replicasAgree: agree, taskStarts: starts, taskEnds: ends,
                       taskProductSeconds: products)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
}

/// A plan or network the executor cannot run.
public struct ExecutorError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Executor: @unchecked Sendable {}
