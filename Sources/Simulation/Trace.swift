import Parallelism
import SimCore

/// One record per task of a simulated run: where and when it ran and what it moved.
/// Every report is derived from these records.
public struct TraceRecord: Sendable {
    public var task: Int
    public var kind: TaskGraph.Kind
    public var label: String
    public var layer: Int?
    /// The GPU that computed, or the endpoint that sent (a GPU, or a node's host
    /// memory: `Topology.hostEndpoint(node:)`).
    public var device: Int
    /// The receiving endpoint of a transfer (a GPU, or a node's host memory).
    public var destination: Int?
    public var start: SimTime
    public var end: SimTime
    public var bytes: Double
    public var flops: Double
    public var step: Int
    public var group: String?

    public var duration: SimDuration { end - start }
}

/// A span of one task's life outside its own run: the host thread's dispatch of a
/// compute task's kernels (`HostRecord`: an execution profile with a launch cost only;
/// the GPU part of the task starts no earlier than `end`).
public struct TaskSpan: Sendable {
    public var task: Int
    /// The worker whose host thread launched the kernels.
    public var device: Int
    public var start: SimTime
    public var end: SimTime
    public var step: Int

    public var duration: SimDuration { end - start }
}

/// The host thread's dispatch of one compute task's kernels.
public typealias HostRecord = TaskSpan

/// A task's wait before it starts (`TaskGraph.Task.startDelaySeconds`): tensor fusion
/// on a cycle, or a parameter server's update.
public struct WaitRecord: Sendable {
    public var task: Int
    /// The endpoint the waiting task runs on (a GPU, or for a transfer its sender).
    public var device: Int
    public var start: SimTime
    public var end: SimTime
    public var step: Int
    public var cause: StartDelayCause

    public var duration: SimDuration { end - start }
}

/// A span of time during which a GPU's compute ran slower because a collective's
/// thread blocks held some of its SMs (`CollectiveInterference`).
public struct SlowedSpan: Sendable {
    public var device: Int
    public var start: SimTime
    public var end: SimTime
    /// The fraction of full speed compute had, in (0, 1).
    public var rate: Double
    /// The thread blocks the collective ran.
    public var blocks: Int

    public var duration: SimDuration { end - start }
}

/// The records of a run, in task order, with engine statistics.
public struct Trace: Sendable {
    public var records: [TraceRecord]
    /// Host dispatches, in task order; empty when launching kernels costs no host time.
    public var host: [HostRecord] = []
    /// Spans of slowed compute, by GPU and time; empty without collective interference.
    public var slowedCompute: [SlowedSpan] = []
    /// Start delays, by time; empty without tensor fusion on a cycle or a server's update.
    public var waits: [WaitRecord] = []
    /// Events the engine processed.
    public var events: Int
    /// The instant the last task ended.
    public var makespan: SimTime
}
