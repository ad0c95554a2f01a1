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
    /// - Parameter computeSeconds: each task's compute price, `ComputePrices.seconds(of: graph, cost: cost)`
    ///   (worked out here when nil): a caller that has already priced the tasks passes them.
    /// - Parameter simulator: the engine to run on (a fresh one by default); nothing of
    ///   the run keeps it, or anything it held, alive once this returns.
    /// - Returns: one record per task.
    public static func run(_ graph: TaskGraph, topology: Topology, cost: CostModel, profile: ExecutionProfile = .ideal,
                           computeSeconds: [Double]? = nil, on simulator: Simulator = Simulator()) -> Trace {
        let (run, makespan) = execute(graph, topology: topology, cost: cost, profile: profile, computeSeconds: computeSeconds, on: simulator)
        let tasks = graph.tasks
        let (starts, ends) = (run.starts, run.ends)

        let records = tasks.map { task in
            TraceRecord(task: task.id, kind: task.kind, label: task.label, layer: task.layer, device: task.device,
                        destination: task.destination, start: starts[task.id], end: ends[task.id],
                        bytes: task.bytes, flops: task.flops, step: task.step, group: task.group)
        }
        var trace = Trace(records: records, events: simulator.eventsProcessed, makespan: makespan)
        if let interference = run.interference { trace.slowedCompute = interference.spans }
        trace.waits = run.waits.sorted { ($0.start, $0.task) < ($1.start, $1.task) }
        if run.dispatching {
            trace.host = tasks.compactMap { task in
                guard case .compute = task.work else { return nil }
                return HostRecord(task: task.id, device: task.device, start: run.hostStarts[task.id], end: run.hostEnds[task.id], step: task.step)
            }
        }
        return trace
    }

    /// When `graph`'s last task ends on `topology`, simulated as `run` does, without a trace
    /// (a replayed exchange's duration: `GraphRun.exchangeDuration`).
    static func makespan(_ graph: TaskGraph, topology: Topology, cost: CostModel, profile: ExecutionProfile) -> SimTime {
        execute(graph, topology: topology, cost: cost, profile: profile, computeSeconds: nil, on: Simulator()).makespan
    }

    /// Runs `graph` to its end: the run's state and its makespan.
    private static func execute(_ graph: TaskGraph, topology: Topology, cost: CostModel, profile: ExecutionProfile, computeSeconds: [Double]?,
                                on simulator: Simulator) -> (run: GraphRun, makespan: SimTime) {
        precondition(graph.representedGPUs == topology.gpuCount, "graph and topology disagree on the GPU count")
        let run = GraphRun(graph: graph, topology: topology, cost: cost, profile: profile,
                           computeSeconds: computeSeconds ?? ComputePrices.seconds(of: graph, cost: cost), simulator: simulator)
        if run.dispatching && !profile.hostSyncBeforeUpdate {
            run.launchEverything()
        } else if run.dispatching {
            run.launchWithHostSync(workers: graph.gpus)
        }
        let tasks = graph.tasks
        for id in tasks.indices where tasks[id].dependencies.isEmpty && tasks[id].afterLastByteOf.isEmpty { run.startWhenReady(tasks[id].id) }
        let makespan = simulator.run(handler: run)
        precondition(run.waitingOn.allSatisfy { $0 == 0 }, "the task graph has a cycle or a missing dependency")
        return (run, makespan)
    }

    /// The interference model of `profile` on GPUs of kind `gpu` whose compute streams
    /// are `compute`; nil where the profile has none or the catalog lacks the GPU's
    /// SM count (then overlap stays free, as under `ideal`).
    static func interference(profile: ExecutionProfile, gpu: GPUSpec, compute: [SerialResource], simulator: Simulator) -> CollectiveInterference? {
        guard profile.collectiveSMShare > 0, let sms = gpu.streamingMultiprocessors, sms > 0 else { return nil }
        return CollectiveInterference(sms: sms, share: profile.collectiveSMShare, compute: compute, simulator: simulator)
    }
}
