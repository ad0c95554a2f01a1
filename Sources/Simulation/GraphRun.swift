import CostModel
import Hardware
import Parallelism
import SimCore
import Software

/// The state of one `GraphSimulation.run`: what each task needs at run time, by
/// task index, and the engine's resources, in one object.
///
/// Every event the run schedules is a closure over this object and a task index,
/// never over the run's arrays one by one (each of which a closure would retain and
/// release) nor over a copy of a `TaskGraph.Task`. The engine and the resources hold
/// those closures only until they run, so the object is freed once the run is over.
final class GraphRun {
    let simulator: Simulator
    let topology: Topology
    let cost: CostModel
    let profile: ExecutionProfile
    let tasks: [TaskGraph.Task]

    // Per task, gathered in one pass.
    let devices: [Int]
    let works: [TaskGraph.Work]
    let latencies: [TransferLatency]
    let dependents: [[Int]]
    var waitingOn: [Int]
    /// Per task, its slot in `lastPrice`: its layer and pass kind.
    let priceSlots: [Int]
    /// Per task, its start delay (Horovod's cycle) and the dependencies it counts
    /// from, for the tasks that have one.
    let delays: [Int: (SimDuration, from: [Int])]

    // What the run measures.
    var starts: [SimTime]
    var ends: [SimTime]
    var waits: [WaitRecord] = []

    // Resources.
    let network: FlowNetwork
    let gpus: [SerialResource]
    let collectiveStreams: [SerialResource]
    let collectives: CollectiveModel
    let interference: CollectiveInterference?
    let collectiveBlocks: InFlightCollectives?

    /// Compute prices, remembered per (layer, pass kind): the same layer's pass on every
    /// worker and in every step is usually the same work, and comparing two works is
    /// cheaper than hashing one. A different work (an uneven model-parallel slice)
    /// replaces the entry.
    private var lastPrice: [(work: ComputeWork, duration: SimDuration)?]
    /// Routes depend only on the endpoints: each pair is resolved once.
    private var legCache: [Int: [[LinkID]]] = [:]

    // Host dispatch (profiles whose kernels cost host time to launch).
    let dispatching: Bool
    var launched: [Bool]
    var dependenciesDone: [Bool]
    var hostStarts: [SimTime]
    var hostEnds: [SimTime]
    let hosts: [SerialResource]
    /// Under a host sync before the update: the gate state (`HostSync`).
    var hostSync: HostSync?

    init(graph: TaskGraph, topology: Topology, cost: CostModel, profile: ExecutionProfile, simulator: Simulator) {
        self.simulator = simulator
        self.topology = topology
        self.cost = cost
        self.profile = profile
        let tasks = graph.tasks
        self.tasks = tasks
        var devices: [Int] = [], works: [TaskGraph.Work] = [], latencies: [TransferLatency] = [], waitingOn: [Int] = []
        devices.reserveCapacity(tasks.count)
        works.reserveCapacity(tasks.count)
        latencies.reserveCapacity(tasks.count)
        waitingOn.reserveCapacity(tasks.count)
        var dependents = [[Int]](repeating: [], count: tasks.count)
        var movesBytes = false
        var delays: [Int: (SimDuration, from: [Int])] = [:]
        for id in tasks.indices {
            devices.append(tasks[id].device)
            works.append(tasks[id].work)
            latencies.append(tasks[id].latency)
            waitingOn.append(tasks[id].dependencies.count)
            for d in tasks[id].dependencies { dependents[d].append(tasks[id].id) }
            if case .transfer = tasks[id].work { movesBytes = true }
            if tasks[id].startDelaySeconds > 0 {
                delays[tasks[id].id] = (SimDuration(secondsRoundingUp: tasks[id].startDelaySeconds), tasks[id].delayCountsFrom)
            }
        }
        self.devices = devices
        self.works = works
        self.latencies = latencies
        self.waitingOn = waitingOn
        self.dependents = dependents
        self.delays = delays
        let kinds = TaskGraph.Kind.allCases
        priceSlots = tasks.map { task in (task.layer.map { $0 + 1 } ?? 0) * kinds.count + kinds.firstIndex(of: task.kind)! }
        lastPrice = Array(repeating: nil, count: (priceSlots.max() ?? 0) + 1)
        starts = [SimTime](repeating: .zero, count: tasks.count)
        ends = [SimTime](repeating: .zero, count: tasks.count)

        // Links matter only to transfers: a graph of compute and priced collectives (the
        // aggregated fidelity) registers none, which changes nothing it measures.
        network = FlowNetwork(simulator: simulator)
        if movesBytes {
            network.reserveLinks(topology.links.count)
            for link in topology.links {
                network.addLink(name: link.name, bytesPerSecond: link.bytesPerSecond,
                                latency: SimDuration(secondsRoundingUp: link.latencySeconds))
            }
        }
        gpus = (0..<graph.gpus).map { SerialResource(name: "gpu\($0)", simulator: simulator) }
        interference = GraphSimulation.interference(profile: profile, gpu: cost.gpu, compute: gpus, simulator: simulator)
        collectiveBlocks = interference.map { _ in InFlightCollectives(graph) }
        // Aggregated collectives run one at a time per GPU, beside its compute (as NCCL's stream).
        collectiveStreams = (0..<graph.gpus).map { SerialResource(name: "gpu\($0) collectives", simulator: simulator) }
        collectives = CollectiveModel(topology: topology)

        dispatching = profile.dispatchesOnHost
        launched = [Bool](repeating: !dispatching, count: dispatching ? tasks.count : 0)
        dependenciesDone = [Bool](repeating: false, count: dispatching ? tasks.count : 0)
        hostStarts = [SimTime](repeating: .zero, count: dispatching ? tasks.count : 0)
        hostEnds = [SimTime](repeating: .zero, count: dispatching ? tasks.count : 0)
        hosts = dispatching ? (0..<graph.gpus).map { SerialResource(name: "gpu\($0) host", simulator: simulator) } : []
    }

    // MARK: Tasks

    /// Task `id` has ended at `time`: its dependents that wait for nothing else become ready.
    func finish(_ id: Int, at time: SimTime) {
        ends[id] = time
        if let interference, let collectiveBlocks { collectiveBlocks.transferEnded(id, interference) }
        if hostSync != nil { hostSyncSawFinish(id) }
        for next in dependents[id] {
            waitingOn[next] -= 1
            if waitingOn[next] == 0 { startWhenReady(next) }
        }
    }

    /// Task `id` is ready: it starts now, or after its start delay where it has one.
    func startWhenReady(_ id: Int) {
        guard let (delay, from) = delays[id] else { return start(id) }
        // The wait counts from the dependencies it names (all of them by default): the
        // task starts at the later of their last end plus the delay and now.
        let since = from.isEmpty ? simulator.now : from.map { ends[$0] }.max()!
        let until = since + delay
        guard until > simulator.now else { return start(id) }
        let readyAt = simulator.now
        simulator.schedule(after: until - readyAt) { [self] in
            waits.append(WaitRecord(task: id, device: devices[id], start: readyAt, end: simulator.now, step: tasks[id].step))
            start(id)
        }
    }

    func start(_ id: Int) {
        switch works[id] {
        case .compute:
            if dispatching && !launched[id] {
                dependenciesDone[id] = true     // the launch, when done, submits it
            } else {
                runOnGPU(id)
            }
        case .transfer(let bytes, let destination):
            startTransfer(id, bytes: bytes, destination: destination)
        case .collective(let work):
            let device = devices[id]
            let duration = SimDuration(secondsRoundingUp: collectives.seconds(for: work))
            let blocks = interference == nil ? nil : work.nccl.map { $0.system.kernelChannels($0.choice, bytes: work.bytes) }
            collectiveStreams[device].submit(duration: duration, started: { [self] time in
                starts[id] = time
                if let blocks { interference!.begin(gpu: device, channels: blocks) }
            }, finished: { [self] time in
                if let blocks { interference!.end(gpu: device, channels: blocks) }
                finish(id, at: time)
            })
        }
    }

    /// Compute task `id` queues on its GPU.
    func runOnGPU(_ id: Int) {
        guard case .compute(let work) = works[id] else { return }
        let slot = priceSlots[id]
        let duration: SimDuration
        if let last = lastPrice[slot], last.work == work { duration = last.duration } else {
            duration = SimDuration(secondsRoundingUp: cost.seconds(for: work))
            lastPrice[slot] = (work, duration)
        }
        gpus[devices[id]].submit(duration: duration, started: { [self] in starts[id] = $0 }, finished: { [self] in finish(id, at: $0) })
    }

    /// Transfer task `id` starts: its route's legs run one after the other (a copy
    /// staged through host memory), then the latency its software adds, if any.
    func startTransfer(_ id: Int, bytes: Double, destination: Int) {
        starts[id] = simulator.now
        if let interference, let collectiveBlocks { collectiveBlocks.transferStarted(id, interference) }
        let route = legs(from: devices[id], to: destination)
        // The latency the software adds beyond the route's (a collective library's step cost).
        let extra = latencies[id] == .none ? .zero
            : SimDuration(secondsRoundingUp: latencies[id].extraSeconds(beyond: topology.latency(of: route.flatMap { $0.map(\.index) })))
        startLeg(0, of: route, task: id, bytes: bytes, then: extra)
    }

    private func startLeg(_ leg: Int, of route: [[LinkID]], task id: Int, bytes: Double, then extra: SimDuration) {
        network.startFlow(bytes: bytes, path: route[leg]) { [self] end in
            if leg + 1 < route.count {
                startLeg(leg + 1, of: route, task: id, bytes: bytes, then: extra)
            } else if extra == .zero {
                finish(id, at: end)
            } else {
                simulator.schedule(after: extra) { [self] in finish(id, at: simulator.now) }
            }
        }
    }

    private func legs(from source: Int, to destination: Int) -> [[LinkID]] {
        let key = source &* topology.endpointCount &+ destination
        if let cached = legCache[key] { return cached }
        let legs = topology.legs(from: source, to: destination).map { $0.map(LinkID.init) }
        legCache[key] = legs
        return legs
    }

    // MARK: Host dispatch

    /// Queues compute task `id`'s kernel launches on its worker's host thread; once
    /// they are through, the task runs on the GPU if its dependencies are done.
    func submitLaunch(_ id: Int, then: (() -> Void)? = nil) {
        guard case .compute(let work) = works[id] else { return }
        let perKernel: Double
        switch tasks[id].kind {
        case .forward: perKernel = profile.launchSecondsPerKernelForward
        case .backward: perKernel = profile.launchSecondsPerKernelBackward
        default: perKernel = profile.launchSecondsPerKernelUpdate
        }
        hosts[devices[id]].submit(duration: SimDuration(secondsRoundingUp: Double(work.kernels) * perKernel),
                                  started: { [self] in hostStarts[id] = $0 }) { [self] end in
            hostEnds[id] = end
            launched[id] = true
            if dependenciesDone[id] { runOnGPU(id) }
            then?()
        }
    }

    /// Every worker's host thread launches its compute tasks in program order, from the start.
    func launchEverything() {
        for id in tasks.indices { if case .compute = works[id] { submitLaunch(tasks[id].id) } }
    }

    /// What a host sync before the update waits for.
    struct HostSync {
        /// Per worker, its compute tasks in program order, and how many it has launched.
        var queues: [[Int]]
        var position: [Int]
        /// A gradient task -> the first updates it gates.
        var gates: [Int: [Int]]
        /// First update -> gradient tasks not finished yet.
        var pending: [Int: Int]
        /// First updates whose launch waits for their gradients.
        var blocked = Set<Int>()
    }

    /// Once per step, before the step's first update task, the host blocks until the
    /// step's gradients are ready: every task an update of that worker's step depends on,
    /// other than updates, has finished (the AMP scaler's `.item()` on found_inf, after
    /// DDP has waited for its all-reduces). Each worker's launches are chained, the next
    /// submitted when the previous is through.
    func launchWithHostSync(workers: Int) {
        var queues = [[Int]](repeating: [], count: workers)
        var firstOf: [String: Int] = [:]        // "worker/step" -> the step's first update task
        var gates: [Int: [Int]] = [:]
        var pending: [Int: Int] = [:]
        for task in tasks {
            if case .compute = task.work { queues[task.device].append(task.id) }
            guard task.kind == .update, case .compute = task.work else { continue }
            let key = "\(task.device)/\(task.step)"
            let first = firstOf[key] ?? task.id
            firstOf[key] = first
            for d in task.dependencies where tasks[d].kind != .update && !(gates[d]?.contains(first) ?? false) {
                gates[d, default: []].append(first)
                pending[first, default: 0] += 1
            }
        }
        hostSync = HostSync(queues: queues, position: [Int](repeating: 0, count: workers), gates: gates, pending: pending)
        for worker in 0..<workers { launchNext(worker) }
    }

    private func launchNext(_ worker: Int) {
        guard hostSync!.position[worker] < hostSync!.queues[worker].count else { return }
        let id = hostSync!.queues[worker][hostSync!.position[worker]]
        hostSync!.position[worker] += 1
        if let waiting = hostSync!.pending[id], waiting > 0 { hostSync!.blocked.insert(id); return }
        submitLaunch(id) { [self] in launchNext(worker) }
    }

    private func hostSyncSawFinish(_ id: Int) {
        for first in hostSync!.gates[id] ?? [] {
            hostSync!.pending[first]! -= 1
            if hostSync!.pending[first] == 0 && hostSync!.blocked.remove(first) != nil {
                submitLaunch(first) { [self] in launchNext(devices[first]) }
            }
        }
    }
}
