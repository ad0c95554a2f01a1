import CostModel
import Hardware
import Parallelism
import SimCore
import Software

/// Runs a `TaskGraph` on the discrete-event engine: each GPU's compute is a
/// serial resource (tasks in the order they become ready), each transfer a flow
/// over its route through the topology, sharing link bandwidth max-min fairly
/// with the transfers that overlap it.
///
/// Under an execution profile whose kernels cost host time to launch, each
/// worker also has a host thread (a serial resource) that launches its compute
/// tasks' kernels in program order (task order), `kernels × launch cost` each.
/// Launches are asynchronous, as CUDA's are: the host thread runs ahead and never
/// waits for the GPU, but a task's GPU part starts only once its launch is done
/// and its dependencies are, so a GPU whose kernels are shorter than their
/// launches waits on the host. With no launch cost (`ideal`) there is no host
/// thread and the run is the same as without a profile. Under
/// `hostSyncBeforeUpdate` the host thread also blocks once per step, before the
/// step's first update, until the gradients that step's updates wait for are in.
///
/// Under a profile whose NCCL collectives take SMs from compute (`collectiveSMShare`
/// above 0, on a GPU whose SM count the catalog gives), each GPU's compute runs
/// slower while a collective is in flight on it (`CollectiveInterference`): a compute
/// task keeps the work it has done when a collective starts or ends mid-task and the
/// rest runs at the new speed. A collective is in flight on a GPU from the start of
/// its first transfer that GPU sends (expanded; the kernel is launched once the GPU's
/// bucket is ready) or from its start on the collective stream (aggregated) until the
/// last of its transfers to or from that GPU ends (or its end on the stream).
public enum GraphSimulation {
    /// Simulates `graph` on `topology`, pricing compute with `cost` and host
    /// dispatch with `profile`.
    /// - Parameter simulator: the engine to run on (a fresh one by default); nothing of
    ///   the run keeps it, or anything it held, alive once this returns.
    /// - Returns: one record per task.
    public static func run(_ graph: TaskGraph, topology: Topology, cost: CostModel, profile: ExecutionProfile = .ideal,
                           on simulator: Simulator = Simulator()) -> Trace {
        precondition(graph.representedGPUs == topology.gpuCount, "graph and topology disagree on the GPU count")
        let tasks = graph.tasks
        // What each task needs at run time, by index, gathered in one pass: events carry
        // task indices and never copy a `TaskGraph.Task` (its strings and arrays) into a closure.
        var devices: [Int] = [], works: [TaskGraph.Work] = [], latencies: [TransferLatency] = [], waitingOn: [Int] = []
        devices.reserveCapacity(tasks.count)
        works.reserveCapacity(tasks.count)
        latencies.reserveCapacity(tasks.count)
        waitingOn.reserveCapacity(tasks.count)
        var dependents = [[Int]](repeating: [], count: tasks.count)
        var movesBytes = false
        for id in tasks.indices {
            devices.append(tasks[id].device)
            works.append(tasks[id].work)
            latencies.append(tasks[id].latency)
            waitingOn.append(tasks[id].dependencies.count)
            for d in tasks[id].dependencies { dependents[d].append(tasks[id].id) }
            if case .transfer = tasks[id].work { movesBytes = true }
        }
        // Links matter only to transfers: a graph of compute and priced collectives (the
        // aggregated fidelity) registers none, which changes nothing it measures.
        let network = FlowNetwork(simulator: simulator)
        if movesBytes {
            network.reserveLinks(topology.links.count)
            for link in topology.links {
                network.addLink(name: link.name, bytesPerSecond: link.bytesPerSecond,
                                latency: SimDuration(secondsRoundingUp: link.latencySeconds))
            }
        }
        let gpus = (0..<graph.gpus).map { SerialResource(name: "gpu\($0)", simulator: simulator) }
        let interference = Self.interference(profile: profile, gpu: cost.gpu, compute: gpus, simulator: simulator)
        let collectiveBlocks = interference.map { _ in InFlightCollectives(graph) }
        // Aggregated collectives run one at a time per GPU, beside its compute (as NCCL's stream).
        let collectiveStreams = (0..<graph.gpus).map { SerialResource(name: "gpu\($0) collectives", simulator: simulator) }
        let collectives = CollectiveModel(topology: topology)
        var starts = [SimTime](repeating: .zero, count: tasks.count)
        var ends = [SimTime](repeating: .zero, count: tasks.count)
        // Compute prices, remembered per (layer, pass kind): the same layer's pass on every
        // worker and in every step is usually the same work, and comparing two works is
        // cheaper than hashing one. A different work (an uneven model-parallel slice)
        // replaces the entry.
        let kinds = TaskGraph.Kind.allCases
        let priceSlots = tasks.map { task in (task.layer.map { $0 + 1 } ?? 0) * kinds.count + kinds.firstIndex(of: task.kind)! }
        var lastPrice = [(work: ComputeWork, duration: SimDuration)?](repeating: nil, count: (priceSlots.max() ?? 0) + 1)
        // Routes depend only on the endpoints: resolve each pair once.
        var legCache: [Int: [[LinkID]]] = [:]
        func legs(from source: Int, to destination: Int) -> [[LinkID]] {
            let key = source &* topology.endpointCount &+ destination
            if let cached = legCache[key] { return cached }
            let legs = topology.legs(from: source, to: destination).map { $0.map(LinkID.init) }
            legCache[key] = legs
            return legs
        }

        // Host dispatch: per task, whether its launch is done and whether its dependencies are.
        let dispatching = profile.dispatchesOnHost
        var launched = [Bool](repeating: !dispatching, count: dispatching ? tasks.count : 0)
        var dependenciesDone = [Bool](repeating: false, count: dispatching ? tasks.count : 0)
        var hostStarts = [SimTime](repeating: .zero, count: dispatching ? tasks.count : 0)
        var hostEnds = [SimTime](repeating: .zero, count: dispatching ? tasks.count : 0)
        // Under a host sync: told of every finished task (see below).
        var finished: (Int) -> Void = { _ in }

        var start: (Int) -> Void = { _ in }
        // Tasks that wait a while once ready (Horovod's cycle): when each became ready.
        var delays: [Int: (SimDuration, from: [Int])] = [:]
        for task in tasks where task.startDelaySeconds > 0 {
            delays[task.id] = (SimDuration(secondsRoundingUp: task.startDelaySeconds), task.delayCountsFrom)
        }
        var waits: [WaitRecord] = []
        var startWhenReady: (Int) -> Void = { _ in }
        func finish(_ id: Int, at time: SimTime) {
            ends[id] = time
            if let interference, let blocks = collectiveBlocks { blocks.transferEnded(id, interference) }
            finished(id)
            for next in dependents[id] {
                waitingOn[next] -= 1
                if waitingOn[next] == 0 { startWhenReady(next) }
            }
        }
        func runOnGPU(_ id: Int, _ work: ComputeWork) {
            let slot = priceSlots[id]
            let duration: SimDuration
            if let last = lastPrice[slot], last.work == work { duration = last.duration } else {
                duration = SimDuration(secondsRoundingUp: cost.seconds(for: work))
                lastPrice[slot] = (work, duration)
            }
            gpus[devices[id]].submit(duration: duration, started: { starts[id] = $0 }, finished: { finish(id, at: $0) })
        }
        start = { id in
            let device = devices[id]
            switch works[id] {
            case .compute(let work):
                if dispatching && !launched[id] {
                    dependenciesDone[id] = true     // the launch, when done, submits it
                } else {
                    runOnGPU(id, work)
                }
            case .transfer(let bytes, let destination):
                starts[id] = simulator.now
                if let interference, let blocks = collectiveBlocks { blocks.transferStarted(id, interference) }
                // Legs run one after the other (a copy staged through host memory).
                let route = legs(from: device, to: destination)
                // The latency the software adds beyond the route's (a collective library's step cost).
                let extra = latencies[id] == .none ? .zero
                    : SimDuration(secondsRoundingUp: latencies[id].extraSeconds(beyond: topology.latency(of: route.flatMap { $0.map(\.index) })))
                var leg = 0
                func next() {
                    let path = route[leg]
                    leg += 1
                    network.startFlow(bytes: bytes, path: path) { end in
                        if leg < route.count { next() } else if extra == .zero { finish(id, at: end) } else {
                            simulator.schedule(after: extra) { finish(id, at: simulator.now) }
                        }
                    }
                }
                next()
            case .collective(let work):
                let duration = SimDuration(secondsRoundingUp: collectives.seconds(for: work))
                let blocks = interference == nil ? nil : work.nccl.map { $0.system.kernelChannels($0.choice, bytes: work.bytes) }
                collectiveStreams[device].submit(duration: duration, started: {
                    starts[id] = $0
                    if let blocks { interference!.begin(gpu: device, channels: blocks) }
                }, finished: {
                    if let blocks { interference!.end(gpu: device, channels: blocks) }
                    finish(id, at: $0)
                })
            }
        }
        startWhenReady = { id in
            guard let (delay, from) = delays[id] else { return start(id) }
            // The wait counts from the dependencies it names (all of them by default): the
            // task starts at the later of their last end plus the delay and now.
            let since = from.isEmpty ? simulator.now : from.map { ends[$0] }.max()!
            let until = since + delay
            guard until > simulator.now else { return start(id) }
            let readyAt = simulator.now
            simulator.schedule(after: until - readyAt) {
                waits.append(WaitRecord(task: id, device: devices[id], start: readyAt, end: simulator.now, step: tasks[id].step))
                start(id)
            }
        }
        // Every worker's host thread launches its compute tasks in program order, from the start.
        // (Kept alive until the run is over: the engine's events refer to them unowned.)
        let hosts = dispatching ? (0..<graph.gpus).map { SerialResource(name: "gpu\($0) host", simulator: simulator) } : []
        func submitLaunch(_ id: Int, then: (() -> Void)? = nil) {
            guard case .compute(let work) = works[id] else { return }
            let perKernel: Double
            switch tasks[id].kind {
            case .forward: perKernel = profile.launchSecondsPerKernelForward
            case .backward: perKernel = profile.launchSecondsPerKernelBackward
            default: perKernel = profile.launchSecondsPerKernelUpdate
            }
            hosts[devices[id]].submit(duration: SimDuration(secondsRoundingUp: Double(work.kernels) * perKernel),
                                      started: { hostStarts[id] = $0 }) { end in
                hostEnds[id] = end
                launched[id] = true
                if dependenciesDone[id] { runOnGPU(id, work) }
                then?()
            }
        }
        if dispatching && !profile.hostSyncBeforeUpdate {
            for id in tasks.indices { if case .compute = works[id] { submitLaunch(tasks[id].id) } }
        } else if dispatching {
            // Once per step, before the step's first update task, the host blocks until the
            // step's gradients are ready: every task an update of that worker's step depends on,
            // other than updates, has finished (the AMP scaler's `.item()` on found_inf, after
            // DDP has waited for its all-reduces). Each worker's launches are chained, the next
            // submitted when the previous is through.
            var queues = [[Int]](repeating: [], count: graph.gpus)
            var firstOf: [String: Int] = [:]        // "worker/step" -> the step's first update task
            var gates: [Int: [Int]] = [:]           // a gradient task -> the first updates it gates
            var pending: [Int: Int] = [:]           // first update -> gradient tasks not finished yet
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
            var position = [Int](repeating: 0, count: graph.gpus)
            var blocked = Set<Int>()
            func launchNext(_ worker: Int) {
                guard position[worker] < queues[worker].count else { return }
                let id = queues[worker][position[worker]]
                position[worker] += 1
                if let waiting = pending[id], waiting > 0 { blocked.insert(id); return }
                submitLaunch(id) { launchNext(worker) }
            }
            finished = { id in
                for first in gates[id] ?? [] {
                    pending[first]! -= 1
                    if pending[first] == 0 && blocked.remove(first) != nil { submitLaunch(first) { launchNext(devices[first]) } }
                }
            }
            for worker in 0..<graph.gpus { launchNext(worker) }
        }
        for id in tasks.indices where tasks[id].dependencies.isEmpty { startWhenReady(tasks[id].id) }
        let makespan = simulator.run()
        withExtendedLifetime(hosts) {}
        withExtendedLifetime(interference) {}
        // `start` and `finish` refer to each other; break the cycle, or every
        // simulation's engine, network and graph would outlive it (a leak per run).
        start = { _ in }
        startWhenReady = { _ in }
        finished = { _ in }
        precondition(waitingOn.allSatisfy { $0 == 0 }, "the task graph has a cycle or a missing dependency")

        let records = tasks.map { task in
            TraceRecord(task: task.id, kind: task.kind, label: task.label, layer: task.layer, device: task.device,
                        destination: task.destination, start: starts[task.id], end: ends[task.id],
                        bytes: task.bytes, flops: task.flops, step: task.step, group: task.group)
        }
        var trace = Trace(records: records, events: simulator.eventsProcessed, makespan: makespan)
        if let interference { trace.slowedCompute = interference.spans }
        trace.waits = waits.sorted { ($0.start, $0.task) < ($1.start, $1.task) }
        if dispatching {
            trace.host = tasks.compactMap { task in
                guard case .compute = task.work else { return nil }
                return HostRecord(task: task.id, device: task.device, start: hostStarts[task.id], end: hostEnds[task.id], step: task.step)
            }
        }
        return trace
    }

    /// The interference model of `profile` on GPUs of kind `gpu` whose compute streams
    /// are `compute`; nil where the profile has none or the catalog lacks the GPU's
    /// SM count (then overlap stays free, as under `ideal`).
    static func interference(profile: ExecutionProfile, gpu: GPUSpec, compute: [SerialResource], simulator: Simulator) -> CollectiveInterference? {
        guard profile.collectiveSMShare > 0, let sms = gpu.streamingMultiprocessors, sms > 0 else { return nil }
        return CollectiveInterference(sms: sms, share: profile.collectiveSMShare, compute: compute, simulator: simulator)
    }
}
