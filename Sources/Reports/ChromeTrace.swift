import Foundation
import Hardware
import Parallelism
import Simulation

/// A trace in the Chrome trace event format (chrome://tracing, Perfetto): a
/// process per GPU and per link, one complete ("X") event per task, named
/// threads, a marker where each step begins, and arrows from each transfer to
/// the compute it feeds.
///
/// Compute tasks sit on their GPU's process, thread 0 ("compute": a GPU computes
/// one task at a time). A transfer sits on the process of every link it crosses
/// (one event each, its whole span, as the Gantt chart draws it), on each link's
/// lowest thread free at its start, so events on one thread never overlap
/// ("transfers 1", "transfers 2", ...); its flows leave from the first link's.
/// Aggregated collectives run on thread 1 of each GPU ("collectives"); under an
/// execution profile that charges for kernel launches, thread 2 ("host") shows
/// the host thread's launches; under collective interference, thread 3 ("compute
/// slowed") shows each span in which a collective's thread blocks slowed the GPU's
/// compute, with the rate and the blocks; where tasks wait before they start, threads
/// 4, 5, ... show each wait between the task's inputs being ready and its start, named
/// after the all-reduce, update or pull that waits, on lanes named by the cause
/// (`StartDelayCause`): "fusion wait 1", ... under tensor fusion on a cycle (`horovod`:
/// the rest of the cycle, the negotiation, the copies into and out of the fusion
/// buffer), "server update 1", ... under a parameter server (its sum and update).
///
/// Step markers are global instant events ("i", scope "g") at the first start of
/// each step's tasks. A flow (an "s" event inside the transfer's slice, an "f"
/// event with binding point "e" inside the compute's slice, one id per pair)
/// links each transfer or aggregated collective to every compute task that
/// depends on it in the task graph. Times are microseconds, as the format wants
/// (Trace Event Format, https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU).
public enum ChromeTrace {
    struct Event: Encodable {
        var name: String
        var cat: String
        var ph: String
        var ts: Double?
        var dur: Double?
        var pid: Int
        var tid: Int
        var args: [String: ArgValue]?
        /// Flow events: the id that pairs an "s" with its "f".
        var id: Int?
        /// Flow ends: "e" binds to the enclosing slice.
        var bp: String?
        /// Instant events: "g" global, "p" process, "t" thread.
        var s: String?

        static func metadata(_ name: String, pid: Int, tid: Int, _ args: [String: ArgValue]) -> Event {
            Event(name: name, cat: "__metadata", ph: "M", ts: nil, dur: nil, pid: pid, tid: tid, args: args)
        }
    }

    enum ArgValue: Encodable {
        case number(Double), text(String)
        func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .number(let x): try c.encode(x)
            case .text(let s): try c.encode(s)
            }
        }
    }

    struct Document: Encodable {
        var traceEvents: [Event]
        var displayTimeUnit: String
        var otherData: [String: String]
    }

    /// Where one task's slice was placed.
    struct Lane {
        var pid: Int
        var tid: Int
    }

    /// The process id of link `index` (GPUs use their own index).
    public static func linkProcess(_ index: Int) -> Int { 1000 + index }

    /// Thread ids on a GPU's process.
    static let computeThread = 0, collectiveThread = 1, hostThread = 2, slowedThread = 3, waitThread = 4
    /// Thread id of a GPU's collective lane `lane` (`collectiveLanes`): the first is
    /// `collectiveThread`, the others above every thread the waits' lanes (`waitThread` up) use.
    static func collectiveThread(lane: Int) -> Int { lane == 0 ? collectiveThread : (1 << 30) + lane }

    /// The lowest lane of `ends` (each lane's last end) free at `start`, a new one if none is,
    /// now busy until `end`: first fit, so that slices of one lane never overlap.
    static func firstFitLane(_ ends: inout [Int64], start: Int64, end: Int64) -> Int {
        let lane = ends.firstIndex { $0 <= start } ?? ends.count
        if lane == ends.count { ends.append(0) }
        ends[lane] = end
        return lane
    }

    /// A lane for each aggregated collective of `records` on its GPU, first fit in start order:
    /// collectives on one GPU's stream never overlap, but staged collectives and replayed
    /// exchanges (`TaskGraph.exchanges`) run beside one another, and a viewer draws slices that
    /// overlap on one thread as if nested.
    static func collectiveLanes(_ records: [TraceRecord]) -> [Int: Int] {
        var lanes: [Int: Int] = [:], freeAt: [Int: [Int64]] = [:]
        let collectives = records.filter { $0.kind == .collective }
            .sorted { ($0.start.nanoseconds, $0.task) < ($1.start.nanoseconds, $1.task) }
        for r in collectives {
            lanes[r.task] = firstFitLane(&freeAt[r.device, default: []], start: r.start.nanoseconds, end: r.end.nanoseconds)
        }
        return lanes
    }

    /// The trace of `trace` as JSON text.
    /// - Parameter graph: the task graph `trace` ran, for the arrows from transfers
    ///   to the compute they feed; nil draws none.
    public static func render(_ trace: Trace, topology: Topology, layerNames: [String], title: String,
                              graph: TaskGraph? = nil) throws -> String {
        var events: [Event] = []
        // A track per GPU with tasks: where one GPU or one node stands for all (aggregated, node
        // symmetry) the others have none, and naming 131,072 empty tracks took 96 MB.
        let gpusWithTasks = Set(trace.records.lazy.map(\.device).filter { $0 < topology.gpuCount })
        for g in 0..<topology.gpuCount where gpusWithTasks.contains(g) {
            events.append(.metadata("process_name", pid: g, tid: 0, ["name": .text("GPU \(g)")]))
            events.append(.metadata("process_sort_index", pid: g, tid: 0, ["sort_index": .number(Double(g))]))
            events.append(.metadata("thread_name", pid: g, tid: computeThread, ["name": .text("compute")]))
            events.append(.metadata("thread_sort_index", pid: g, tid: computeThread, ["sort_index": .number(0)]))
        }
        var usedLinks = Set<Int>()
        var threadFreeAt: [Int: [Int64]] = [:]   // link -> per-thread end of its last event
        var collectiveThreads: [Int: Int] = [:]   // GPU -> its collective lanes
        let collectiveLane = collectiveLanes(trace.records)
        var lanes: [Int: Lane] = [:]              // task -> where its slice is
        for r in trace.records {
            var args: [String: ArgValue] = ["step": .number(Double(r.step)), "task": .number(Double(r.task))]
            if r.flops > 0 { args["flops"] = .number(r.flops) }
            if r.bytes > 0 { args["bytes"] = .number(r.bytes) }
            if let layer = r.layer { args["layer"] = .text(layerNames[layer]) }
            let ts = microseconds(r.start.nanoseconds), dur = microseconds(r.end.nanoseconds - r.start.nanoseconds)
            if r.kind == .transfer, let destination = r.destination {
                args["from"] = .text(topology.endpointName(r.device))
                args["to"] = .text(topology.endpointName(destination))
                // On every link of its route, as the Gantt chart draws it; its flows leave from the first.
                for link in topology.route(from: r.device, to: destination) {
                    usedLinks.insert(link)
                    let tid = firstFitLane(&threadFreeAt[link, default: []], start: r.start.nanoseconds, end: r.end.nanoseconds)
                    events.append(Event(name: r.group ?? r.label, cat: "transfer", ph: "X", ts: ts, dur: dur,
                                        pid: linkProcess(link), tid: tid, args: args))
                    if lanes[r.task] == nil { lanes[r.task] = Lane(pid: linkProcess(link), tid: tid) }
                }
            } else if r.kind == .collective {
                // Aggregated collectives run beside compute: a second thread of the GPU, and more where they overlap.
                let lane = collectiveLane[r.task] ?? 0
                events.append(Event(name: r.label, cat: "collective", ph: "X", ts: ts, dur: dur, pid: r.device,
                                    tid: collectiveThread(lane: lane), args: args))
                collectiveThreads[r.device] = max(collectiveThreads[r.device] ?? 0, lane + 1)
                lanes[r.task] = Lane(pid: r.device, tid: collectiveThread(lane: lane))
            } else {
                events.append(Event(name: r.label, cat: r.kind.rawValue, ph: "X", ts: ts, dur: dur, pid: r.device, tid: computeThread, args: args))
                lanes[r.task] = Lane(pid: r.device, tid: computeThread)
            }
        }
        for (g, count) in collectiveThreads.sorted(by: { $0.key < $1.key }) {
            for lane in 0..<count {
                let tid = collectiveThread(lane: lane)
                events.append(.metadata("thread_name", pid: g, tid: tid, ["name": .text(lane == 0 ? "collectives" : "collectives \(lane + 1)")]))
                events.append(.metadata("thread_sort_index", pid: g, tid: tid, ["sort_index": .number(Double(lane == 0 ? 1 : 10 + lane))]))
            }
        }
        // Host dispatch (an execution profile that charges for launches): thread 2 of each GPU, named "host".
        var hostThreads = Set<Int>()
        for h in trace.host {
            let r = trace.records[h.task]
            let ts = microseconds(h.start.nanoseconds), dur = microseconds(h.end.nanoseconds - h.start.nanoseconds)
            events.append(Event(name: "launch \(r.label)", cat: "host", ph: "X", ts: ts, dur: dur, pid: h.device, tid: hostThread,
                                args: ["step": .number(Double(h.step)), "task": .number(Double(h.task))]))
            hostThreads.insert(h.device)
        }
        for g in hostThreads.sorted() {
            events.append(.metadata("thread_name", pid: g, tid: hostThread, ["name": .text("host")]))
            events.append(.metadata("thread_sort_index", pid: g, tid: hostThread, ["sort_index": .number(2)]))
        }
        // Collective interference: thread 3 of each GPU, named "compute slowed": each span in which a
        // collective's blocks held SMs, cut to the compute that ran in it (a GPU waiting is slowed in nothing),
        // as `explain` counts it. A GPU's compute tasks run one at a time, in start order.
        var computeSpans: [Int: [(start: Int64, end: Int64)]] = [:]
        if !trace.slowedCompute.isEmpty {
            for r in trace.records where r.kind == .forward || r.kind == .backward || r.kind == .update {
                computeSpans[r.device, default: []].append((r.start.nanoseconds, r.end.nanoseconds))
            }
            for g in computeSpans.keys { computeSpans[g]!.sort { $0.start < $1.start } }
        }
        var slowedThreads = Set<Int>()
        for span in trace.slowedCompute {
            let computing = computeSpans[span.device] ?? []
            // The first compute task that ends after the span starts (binary search), then each that starts before it ends.
            var low = 0, high = computing.count
            while low < high { let mid = (low + high) / 2; if computing[mid].end <= span.start.nanoseconds { low = mid + 1 } else { high = mid } }
            var k = low
            while k < computing.count && computing[k].start < span.end.nanoseconds {
                let a = max(computing[k].start, span.start.nanoseconds), b = min(computing[k].end, span.end.nanoseconds)
                k += 1
                guard b > a else { continue }
                events.append(Event(name: "compute at \(Format.fixed(span.rate * 100, 0))%", cat: "interference", ph: "X",
                                    ts: microseconds(a), dur: microseconds(b - a), pid: span.device, tid: slowedThread,
                                    args: ["rate": .number(span.rate), "blocks": .number(Double(span.blocks))]))
                slowedThreads.insert(span.device)
            }
        }
        for g in slowedThreads.sorted() {
            events.append(.metadata("thread_name", pid: g, tid: slowedThread, ["name": .text("compute slowed")]))
            events.append(.metadata("thread_sort_index", pid: g, tid: slowedThread, ["sort_index": .number(3)]))
        }
        // Start delays (Horovod's cycle, negotiation and fusion-buffer copies; a parameter server's
        // update): threads 4, 5, ... of each GPU, named by their cause, the lowest free at each wait's
        // start, so none overlap.
        var waitThreadsFreeAt: [Int: [Int64]] = [:], waitCauses: [Int: Set<StartDelayCause>] = [:]
        for w in trace.waits where w.end > w.start {
            let r = trace.records[w.task]
            let lane = firstFitLane(&waitThreadsFreeAt[w.device, default: []], start: w.start.nanoseconds, end: w.end.nanoseconds)
            waitCauses[w.device, default: []].insert(w.cause)
            events.append(Event(name: "wait: \(r.group ?? r.label)", cat: w.cause.rawValue, ph: "X", ts: microseconds(w.start.nanoseconds),
                                dur: microseconds(w.end.nanoseconds - w.start.nanoseconds), pid: w.device, tid: waitThread + lane,
                                args: ["step": .number(Double(w.step)), "task": .number(Double(w.task))]))
        }
        for (g, threads) in waitThreadsFreeAt.sorted(by: { $0.key < $1.key }) {
            // One cause per run in practice (fusion and a server's update are never planned together).
            let causes = waitCauses[g, default: []]
            let name = causes.count == 1 ? causes.first!.rawValue : "start wait"
            for lane in threads.indices {
                events.append(.metadata("thread_name", pid: g, tid: waitThread + lane, ["name": .text("\(name) \(lane + 1)")]))
                events.append(.metadata("thread_sort_index", pid: g, tid: waitThread + lane, ["sort_index": .number(Double(waitThread + lane))]))
            }
        }
        for link in usedLinks.sorted() {
            let pid = linkProcess(link)
            events.append(.metadata("process_name", pid: pid, tid: 0,
                                    ["name": .text("link \(topology.links[link].name) (\(topology.links[link].role))")]))
            events.append(.metadata("process_sort_index", pid: pid, tid: 0, ["sort_index": .number(Double(pid))]))
            for tid in threadFreeAt[link, default: []].indices {
                events.append(.metadata("thread_name", pid: pid, tid: tid, ["name": .text("transfers \(tid + 1)")]))
                events.append(.metadata("thread_sort_index", pid: pid, tid: tid, ["sort_index": .number(Double(tid))]))
            }
        }
        events += stepMarkers(trace)
        if let graph { events += flows(trace, graph: graph, lanes: lanes) }
        return try ResultsJSON.encode(Document(traceEvents: events, displayTimeUnit: "ms", otherData: ["title": title]))
    }

    /// A global instant event where each step's first task starts on a GPU or a link (the host's
    /// launches, which run ahead, are not tasks of the trace's records).
    static func stepMarkers(_ trace: Trace) -> [Event] {
        var first: [Int: Int64] = [:]
        for r in trace.records { first[r.step] = min(first[r.step] ?? .max, r.start.nanoseconds) }
        return first.keys.sorted().map { step in
            Event(name: "step \(step)", cat: "step", ph: "i", ts: microseconds(first[step]!), dur: nil, pid: 0, tid: 0,
                  args: ["step": .number(Double(step))], s: "g")
        }
    }

    /// An arrow from each transfer (or aggregated collective) to each compute task
    /// that depends on it: an "s" event 1 ns before the transfer's end and an "f"
    /// event 1 ns after the compute's start (half the slice when it is shorter),
    /// so that each lies inside its own slice.
    static func flows(_ trace: Trace, graph: TaskGraph, lanes: [Int: Lane]) -> [Event] {
        var byTask: [Int: TraceRecord] = [:]
        for r in trace.records { byTask[r.task] = r }
        var events: [Event] = []
        var id = 0
        for r in trace.records where [.forward, .backward, .update].contains(r.kind) && r.task < graph.tasks.count {
            guard let target = lanes[r.task] else { continue }
            for d in graph.tasks[r.task].dependencies {
                guard let source = byTask[d], source.kind == .transfer || source.kind == .collective, let from = lanes[d] else { continue }
                id += 1
                let out = source.end.nanoseconds - min(1, (source.end.nanoseconds - source.start.nanoseconds) / 2)
                let into = r.start.nanoseconds + min(1, (r.end.nanoseconds - r.start.nanoseconds) / 2)
                events.append(Event(name: "feeds", cat: "flow", ph: "s", ts: microseconds(out), dur: nil, pid: from.pid, tid: from.tid,
                                    args: nil, id: id))
                events.append(Event(name: "feeds", cat: "flow", ph: "f", ts: microseconds(into), dur: nil, pid: target.pid, tid: target.tid,
                                    args: nil, id: id, bp: "e"))
            }
        }
        return events
    }

    static func microseconds(_ nanoseconds: Int64) -> Double { Double(nanoseconds) / 1e3 }
}
