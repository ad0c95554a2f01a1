

/// A training schedule as tasks with dependencies, each bound to a GPU (compute)
/// or to a pair of endpoints (a transfer). Both the simulator and, later, the
/// executor run this one graph.
///
/// Transfer endpoints are GPUs `0..<representedGPUs` and, for collectives that
/// stage data in host memory (a parameter server's shards), the host memory of
/// node `m`, endpoint `representedGPUs + m` (`hostEndpoint(node:)`), numbered as
/// `Topology` numbers its endpoints.
public struct TaskGraph: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case forward, backward, update, transfer
        /// A whole collective or exchange (aggregated fidelity), priced by its closed form
        /// or by simulating its transfers alone (`Work.exchange`).
        case collective
    }

    /// What a task does. The compute and collective payloads (about 180 and 260 bytes)
    /// are kept out of line, so that a task stays small to copy and to store: a plan
    /// holds thousands, most of them transfers of 16 bytes of payload.
    public enum Work: Sendable {
        indirect case compute(ComputeWork)
        /// Bytes moved from endpoint `device` to endpoint `destination` (GPUs, or a
        /// node's host memory: see `hostEndpoint(node:)`).
        case transfer(bytes: Double, destination: Int)
        /// An all-reduce among `ranks` GPUs of which `device` stands for all
        /// (aggregated fidelity): its time comes from a closed form with the
        /// contention the topology implies, not from expanded transfers.
        indirect case collective(CollectiveWork)
        /// An exchange among every GPU that one worker stands for (aggregated fidelity),
        /// moving `bytes` (its message, as the expanded plan counts it), that takes as long as
        /// `exchanges[replay]`, its transfers as the expanded plan lays them out, take alone
        /// on the topology (`LayerwisePlanner.replayed`).
        case exchange(replay: Int, bytes: Double)
    }

    /// What a task means for the data, so that an executor can run it for real.
    /// Element ranges count single values (not bytes) of the buffers named.
    public enum Operation: Sendable, Equatable {
        /// The task's layer, over the worker's own examples (chunk nil) or over
        /// model-parallel chunk `chunk`; forward or backward by the task's kind.
        case layer(chunk: Int?)
        /// SGD on the whole weights of these data-parallel layers (a bucket).
        case updateLayers([Int])
        /// SGD on the worker's slices of every model-parallel layer.
        case updateSlices
        /// Elements of bucket `bucket`'s flattened gradient, added to the
        /// receiver's (`add`) or copied over them.
        case gradient(bucket: Int, elements: Range<Int>, add: Bool)
        /// Elements of the boundary activations of `owner`'s examples `examples`
        /// (its batch positions) in chunk `chunk`, as one examples × features block.
        case activations(chunk: Int, owner: Int, examples: Range<Int>, elements: Range<Int>)
        /// The sender's slice of the input of model-parallel layer `layer`, chunk `chunk`.
        case gatherSlice(layer: Int, chunk: Int)
        /// The receiver's slice of the sender's partial input gradient of `layer`, added.
        case scatterGradient(layer: Int, chunk: Int)
        /// Elements of the partial gradient of `owner`'s examples' boundary
        /// activations in chunk `chunk`, added to the receiver's.
        case returnGradient(chunk: Int, owner: Int, examples: Range<Int>, elements: Range<Int>)
    }

    public struct Task: Sendable {
        public var id: Int
        public var kind: Kind
        /// A short description: the layer name, or the collective and its step.
        public var label: String
        /// The layer this task belongs to, if any.
        public var layer: Int?
        /// The GPU that computes, or the endpoint that sends (a GPU, or a node's host
        /// memory for a parameter server's transfers).
        public var device: Int
        public var work: Work
        /// Tasks that must finish before this one may start, each once (`TaskGraph.add`).
        public var dependencies: [Int]
        /// Transfers whose last byte must have left (not arrived: their route's and software's
        /// latency may still be elapsing) before this one may start: a collective library's
        /// next send on a channel, which runs ahead of its receiver (`ringSteps`, pipelined).
        /// Empty for nearly every task.
        public internal(set) var afterLastByteOf: [Int] = []
        /// The training step (iteration) this task belongs to, from 0.
        public var step: Int
        /// The communication this transfer is part of (e.g. `allreduce bucket 2`), if any.
        public var group: String?
        /// What the task does to the data, where the planner says (see `Operation`).
        public var operation: Operation?
        /// For a transfer, the latency the software that runs it adds to the route's
        /// (`TransferLatency`); none for every other task and for plain transfers.
        public var latency: TransferLatency = .none
        /// For a transfer, the most bytes per second the software that runs it moves,
        /// whatever the links allow (NCCL's per-channel ceilings on its tree and ring,
        /// `NCCLSystem.ceilingGigabytesPerSecond`); infinity for every other.
        public internal(set) var ceilingBytesPerSecond = Double.infinity
        /// Seconds the task waits, once its dependencies are done, before it starts
        /// (Horovod's background thread: the rest of its cycle and the negotiation; a
        /// parameter server's update); 0 for every task of a plan without either.
        public internal(set) var startDelaySeconds = 0.0
        /// What the start delay is (nil without one).
        public internal(set) var startDelayCause: StartDelayCause?
        /// The dependencies the start delay counts from (empty: all of them): the task
        /// starts at `max(last of these done + startDelaySeconds, every dependency done)`.
        public var delayCountsFrom: [Int] = []

        public var flops: Double { if case .compute(let w) = work { return w.flops } else { return 0 } }
        public var bytes: Double {
            switch work {
            case .compute: return 0
            case .transfer(let bytes, _): return bytes
            case .collective(let c): return c.bytes
            case .exchange(_, let bytes): return bytes
            }
        }
        public var destination: Int? { if case .transfer(_, let d) = work { return d } else { return nil } }
    }

    /// Examples of one owner in a model-parallel chunk: positions in its own batch.
    public struct ChunkPart: Sendable, Equatable {
        public var owner: Int
        public var examples: Range<Int>
    }

    public private(set) var tasks: [Task] = []
    /// The model-parallel chunks of every step, in order: whose examples each holds.
    public var chunks: [[ChunkPart]] = []
    /// The gradient all-reduces of one step, in the order they are issued, with the
    /// algorithm each runs (the same every step).
    public var collectives: [CollectivePlan] = []
    /// The exchanges an aggregated plan prices by simulating them alone (`Work.exchange`):
    /// each a graph of one step's transfers among every GPU, waiting for nothing outside it.
    public internal(set) var exchanges: [TaskGraph] = []
    /// The first model-parallel layer, if the plan has any.
    public var modelParallelStart: Int?
    /// How the model-parallel exchanges are planned (meaningful only with `modelParallelStart`).
    public var modelParallelExchanges = ModelParallelExchanges.pointToPoint
    /// Under `psGPUs` across nodes (aggregated), where each lane is one NIC: how a bucket's
    /// push and pull load the other nodes' NICs (`CrossLaneLoads`); nil elsewhere.
    public var crossLaneLoads: CrossLaneLoads?
    /// GPUs that have tasks in the graph.
    public let gpus: Int
    /// GPUs the graph stands for: `gpus`, or more when identical workers are
    /// simulated once (aggregated fidelity) or one node stands for every node (`symmetry`).
    public let representedGPUs: Int
    public let steps: Int
    /// Set when the graph is node 0's part of a plan that is the same seen from every
    /// node (`NodeSymmetry`): its transfers from node 0 into another node stand for the
    /// transfers into node 0 of the same orbit; nil for a whole plan.
    public let symmetry: NodeSymmetry?

    /// Dependencies of all tasks added up (the graph's edges).
    public private(set) var dependencyCount = 0

    /// Tasks or dependencies past which a planner stops laying out the plan it is about to
    /// refuse (`PlanLimits`): the loops that expand one collective into transfers, one per
    /// rank and step, check `isFull` and stop, so that a plan far past the limits is refused
    /// at about the memory of the limits, not of the plan (a ring over 131,072 GPUs adds
    /// millions of transfers per bucket before the planner's next check). Unlimited by default.
    public var taskLimit = Int.max
    /// Dependencies past which it stops, as `taskLimit`.
    public var dependencyLimit = Int.max

    /// Whether the graph has reached its limits: what is planned from here on will be refused.
    public var isFull: Bool { tasks.count >= taskLimit || dependencyCount >= dependencyLimit }

    /// - Parameter symmetry: for node 0's part of a symmetric plan, its symmetry; `gpus`
    ///   is then its ranks per node and `represented` its ranks.
    public init(gpus: Int, steps: Int, representing represented: Int? = nil, symmetry: NodeSymmetry? = nil) {
        precondition(symmetry.map { $0.ranksPerNode == gpus && $0.ranks == represented } ?? true,
                     "a symmetric graph lays out node 0's ranks and stands for all")
        self.gpus = gpus
        self.representedGPUs = represented ?? gpus
        self.steps = steps
        self.symmetry = symmetry
    }

    /// The endpoint of the graph whose tasks stand for endpoint `endpoint`'s: itself in a
    /// whole plan; under `symmetry`, its image in node 0 (a GPU, or node 0's host memory).
    public func representative(ofEndpoint endpoint: Int) -> Int {
        guard let symmetry else { return endpoint }
        return isHostEndpoint(endpoint) ? hostEndpoint(node: 0) : symmetry.representative(of: endpoint)
    }

    /// The endpoint of node `node`'s host memory, for transfers to and from it.
    public func hostEndpoint(node: Int) -> Int { representedGPUs + node }

    /// Whether transfer endpoint `endpoint` is a node's host memory rather than a GPU.
    public func isHostEndpoint(_ endpoint: Int) -> Bool { endpoint >= representedGPUs }

    /// Whether any transfer starts or ends in host memory.
    public var usesHostMemory: Bool {
        tasks.contains { $0.kind == .transfer && (isHostEndpoint($0.device) || isHostEndpoint($0.destination ?? 0)) }
    }

    /// Room for `count` tasks in all, so that appending up to them copies none (a task is
    /// a few hundred bytes; a plan of thousands grew its array a dozen times).
    public mutating func reserveCapacity(tasks count: Int) { tasks.reserveCapacity(count) }

    /// Appends a task; its dependencies must already be in the graph.
    /// - Precondition: `device` is a GPU of the graph; a transfer may also start in
    ///   host memory (`hostEndpoint(node:)`).
    @discardableResult
    public mutating func add(_ kind: Kind, label: String, layer: Int? = nil, device: Int, work: Work,
                             after dependencies: [Int], step: Int, group: String? = nil, operation: Operation? = nil,
                             latency: TransferLatency = .none) -> Int {
        precondition(device >= 0 && (device < gpus || (kind == .transfer && isHostEndpoint(device))),
                     "task on GPU \(device) outside 0..<\(gpus)")
        precondition(dependencies.allSatisfy { $0 >= 0 && $0 < tasks.count }, "a dependency must come before its task")
        let id = tasks.count
        let distinct = Self.distinct(dependencies)
        dependencyCount += distinct.count
        tasks.append(Task(id: id, kind: kind, label: label, layer: layer, device: device, work: work,
                          dependencies: distinct, step: step, group: group, operation: operation, latency: latency))
        return id
    }

    /// `dependencies` without repeats, each where it first appears. Planners join the
    /// lists of several workers (a barrier's "everyone's last tasks", a reducer waiting for
    /// every contribution), which repeat tasks many times over; a repeat changes nothing
    /// about when the task may start, only what the simulator walks at every finish.
    static func distinct(_ dependencies: [Int]) -> [Int] {
        if dependencies.count <= 16 {
            // Short lists (nearly all): a repeat is rare, and looking back is cheaper than hashing.
            for i in dependencies.indices.dropFirst() where dependencies[..<i].contains(dependencies[i]) {
                var seen = Set(dependencies[..<i])
                return Array(dependencies[..<i]) + dependencies[i...].filter { seen.insert($0).inserted }
            }
            return dependencies
        }
        // Long lists join recent tasks, whose ids lie close together: one bit per id in
        // their span is cheaper than hashing, where the span is at most 512 ids per entry.
        let low = dependencies.min()!, span = dependencies.max()! - low + 1
        var kept: [Int] = []
        kept.reserveCapacity(dependencies.count)
        if span <= 512 * dependencies.count {
            var seen = [UInt64](repeating: 0, count: (span + 63) / 64)
            for d in dependencies {
                let offset = d - low, bit = UInt64(1) << (offset % 64)
                if seen[offset / 64] & bit == 0 {
                    seen[offset / 64] |= bit
                    kept.append(d)
                }
            }
        } else {
            var seen = Set<Int>(minimumCapacity: dependencies.count)
            kept = dependencies.filter { seen.insert($0).inserted }
        }
        return kept.count == dependencies.count ? dependencies : kept
    }

    /// Adds latency the software adds (`TransferLatency.addedSeconds`) to transfer `id`.
    public mutating func addLatency(_ seconds: Double, toTransfer id: Int) {
        precondition(tasks[id].kind == .transfer, "only a transfer carries latency")
        tasks[id].latency.addedSeconds += seconds
    }

    /// Task `id` also waits until transfer `sent`'s last byte has left (`Task.afterLastByteOf`).
    mutating func waitForLastByte(of sent: Int, before id: Int) {
        precondition(tasks[sent].kind == .transfer && sent < id, "an earlier transfer's last byte")
        tasks[id].afterLastByteOf.append(sent)
    }

    /// Transfer `id` moves at most `bytesPerSecond`, whatever its links allow
    /// (`Task.ceilingBytesPerSecond`).
    mutating func limitRate(of id: Int, toBytesPerSecond bytesPerSecond: Double) {
        precondition(tasks[id].kind == .transfer && bytesPerSecond > 0, "a positive ceiling, on a transfer")
        tasks[id].ceilingBytesPerSecond = bytesPerSecond
    }

    /// Makes task `id` wait `seconds` after its dependencies before it starts, for
    /// `cause`: after those in `from` only (each must be a dependency), if given; then
    /// it also waits for the rest, without further delay.
    public mutating func delayStart(of id: Int, by seconds: Double, from: [Int] = [], cause: StartDelayCause) {
        precondition(seconds >= 0, "a start delay must not be negative")
        precondition(from.allSatisfy(tasks[id].dependencies.contains), "a delay counts from the task's own dependencies")
        tasks[id].startDelaySeconds = seconds
        tasks[id].delayCountsFrom = from
        tasks[id].startDelayCause = cause
    }

    /// Convenience for a transfer of `bytes` from endpoint `source` to endpoint `destination`.
    @discardableResult
    public mutating func transfer(_ bytes: Double, from source: Int, to destination: Int, label: String,
                                  after dependencies: [Int], step: Int, group: String, operation: Operation? = nil,
                                  latency: TransferLatency = .none) -> Int {
        add(.transfer, label: label, device: source, work: .transfer(bytes: bytes, destination: destination),
            after: dependencies, step: step, group: group, operation: operation, latency: latency)
    }
}

/// Latency a transfer takes beyond its bytes, set by the software that moves it: a
/// collective library's per-step cost (NCCL's `hwLatencies`), its fixed cost per
/// collective, a pipeline's fill. The simulator delivers a transfer
/// `max(route latency, floor) + added` after its last byte leaves: the floor stands
/// for a measured end-to-end step latency that already contains the wire's, so the
/// two are not added.
public struct TransferLatency: Hashable, Sendable {
    /// The least latency of the step, seconds.
    public var floorSeconds: Double
    /// Seconds added after it.
    public var addedSeconds: Double

    public init(floorSeconds: Double = 0, addedSeconds: Double = 0) {
        self.floorSeconds = floorSeconds
        self.addedSeconds = addedSeconds
    }

    /// No latency beyond the route's.
    public static let none = TransferLatency()

    /// Seconds beyond a route whose hops' latencies sum to `routeSeconds`.
    public func extraSeconds(beyond routeSeconds: Double) -> Double { max(0, floorSeconds - routeSeconds) + addedSeconds }
}

/// A gradient all-reduce as the plan runs it, for reports: which bucket, how many
/// bytes, the algorithm, and for NCCL the algorithm and protocol its tuning chose and
/// the time it predicted.
public struct CollectivePlan: Sendable, Equatable {
    /// The transfers' group (`allreduce bucket 3`).
    public var group: String
    public var bytes: Double
    public var algorithm: AllReduceAlgorithm
    /// NCCL's choice, for NCCL's algorithms.
    public var nccl: NCCLChoice?
    /// NCCL's own estimate of the collective's time, seconds (`NCCLSystem.estimatedSeconds`).
    public var ncclEstimateSeconds: Double?
    /// For NCCL's algorithms, the thread blocks its kernel runs on every GPU, one per
    /// channel (`NCCLSystem.kernelChannels`); nil for the other algorithms.
    public var ncclChannels: Int?
    /// Where NCCL chose among several algorithms (`nccl-auto`): the best of the others, with
    /// NCCL's estimate of it in seconds, the choice NCCL's tuning passed over (`explain` shows it:
    /// the simulated time of NCCL's choice can exceed NCCL's estimate, and `nccl-ring` /
    /// `nccl-tree` pin the other as `NCCL_ALGO` does). nil elsewhere.
    public var ncclRunnerUp: NCCLEstimate?

    public init(group: String, bytes: Double, algorithm: AllReduceAlgorithm, nccl: NCCLChoice? = nil, ncclEstimateSeconds: Double? = nil,
                ncclChannels: Int? = nil, ncclRunnerUp: NCCLEstimate? = nil) {
        self.group = group
        self.bytes = bytes
        self.algorithm = algorithm
        self.nccl = nccl
        self.ncclEstimateSeconds = ncclEstimateSeconds
        self.ncclChannels = ncclChannels
        self.ncclRunnerUp = ncclRunnerUp
    }

    /// `ring`, or `nccl: tree/LL` for NCCL's algorithms.
    public var description: String { nccl.map { "\(algorithm.rawValue): \($0)" } ?? algorithm.rawValue }
}
