import Parallelism
import SimCore

/// One record per task of a simulated run: where and when it ran and what it moved.
/// Every report is derived from these records.
public struct TraceRecord: Sendable {
    public var task: Int
    public var kind: TaskGraph.Kind
    public var label: String
    public var layer: Int?
    /// The GPU that computed, or that sent.
    public var device: Int
    /// The receiving GPU of a transfer.
    public var destination: Int?
    public var start: SimTime
    public var end: SimTime
    public var bytes: Double
    public var flops: Double
    public var step: Int
    public var group: String?

    public var duration: SimDuration { end - start }
}

/// The records of a run, in task order, with engine statistics.
public struct Trace: Sendable {
    public var records: [TraceRecord]
    /// Events the engine processed.
    public var events: Int
    /// The instant the last task ended.
    public var makespan: SimTime
}
