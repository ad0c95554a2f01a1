import Foundation
import Hardware
import Parallelism
import Simulation

/// A trace in the Chrome trace event format (chrome://tracing, Perfetto): a
/// process per GPU and per link, one complete ("X") event per task.
///
/// Compute tasks sit on their GPU's process, thread 0 (a GPU computes one task at
/// a time). A transfer sits on the process of the first link it crosses (the
/// sender's way out), on the lowest thread free at its start, so events on one
/// thread never overlap. Under an execution profile that charges for kernel
/// launches, each GPU's thread 2 ("host") shows its host thread's launches.
/// Times are microseconds, as the format wants.
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

    /// The process id of link `index` (GPUs use their own index).
    public static func linkProcess(_ index: Int) -> Int { 1000 + index }

    /// The trace of `trace` as JSON text.
    public static func render(_ trace: Trace, topology: Topology, layerNames: [String], title: String) throws -> String {
        var events: [Event] = []
        for g in 0..<topology.gpuCount {
            events.append(Event(name: "process_name", cat: "__metadata", ph: "M", ts: nil, dur: nil, pid: g, tid: 0,
                                args: ["name": .text("GPU \(g)")]))
            events.append(Event(name: "process_sort_index", cat: "__metadata", ph: "M", ts: nil, dur: nil, pid: g, tid: 0,
                                args: ["sort_index": .number(Double(g))]))
        }
        var usedLinks = Set<Int>()
        var threadFreeAt: [Int: [Int64]] = [:]   // link -> per-thread end of its last event
        for r in trace.records {
            var args: [String: ArgValue] = ["step": .number(Double(r.step)), "task": .number(Double(r.task))]
            if r.flops > 0 { args["flops"] = .number(r.flops) }
            if r.bytes > 0 { args["bytes"] = .number(r.bytes) }
            if let layer = r.layer { args["layer"] = .text(layerNames[layer]) }
            let ts = Double(r.start.nanoseconds) / 1e3, dur = Double(r.end.nanoseconds - r.start.nanoseconds) / 1e3
            if r.kind == .transfer, let destination = r.destination {
                args["from"] = .text(topology.endpointName(r.device))
                args["to"] = .text(topology.endpointName(destination))
                let route = topology.route(from: r.device, to: destination)
                guard let link = route.first else { continue }
                usedLinks.insert(link)
                var threads = threadFreeAt[link, default: []]
                let tid = threads.firstIndex { $0 <= r.start.nanoseconds } ?? threads.count
                if tid == threads.count { threads.append(0) }
                threads[tid] = r.end.nanoseconds
                threadFreeAt[link] = threads
                events.append(Event(name: r.group ?? r.label, cat: "transfer", ph: "X", ts: ts, dur: dur,
                                    pid: linkProcess(link), tid: tid, args: args))
            } else if r.kind == .collective {
                // Aggregated collectives run beside compute: a second thread of the GPU.
                events.append(Event(name: r.label, cat: "collective", ph: "X", ts: ts, dur: dur, pid: r.device, tid: 1, args: args))
            } else {
                events.append(Event(name: r.label, cat: r.kind.rawValue, ph: "X", ts: ts, dur: dur, pid: r.device, tid: 0, args: args))
            }
        }
        // Host dispatch (an execution profile that charges for launches): thread 2 of each GPU, named "host".
        var hostThreads = Set<Int>()
        for h in trace.host {
            let r = trace.records[h.task]
            let ts = Double(h.start.nanoseconds) / 1e3, dur = Double(h.end.nanoseconds - h.start.nanoseconds) / 1e3
            events.append(Event(name: "launch \(r.label)", cat: "host", ph: "X", ts: ts, dur: dur, pid: h.device, tid: 2,
                                args: ["step": .number(Double(h.step)), "task": .number(Double(h.task))]))
            hostThreads.insert(h.device)
        }
        for g in hostThreads.sorted() {
            events.append(Event(name: "thread_name", cat: "__metadata", ph: "M", ts: nil, dur: nil, pid: g, tid: 2,
                                args: ["name": .text("host")]))
        }
        for link in usedLinks.sorted() {
            events.append(Event(name: "process_name", cat: "__metadata", ph: "M", ts: nil, dur: nil, pid: linkProcess(link), tid: 0,
                                args: ["name": .text("link \(topology.links[link].name) (\(topology.links[link].role))")]))
            events.append(Event(name: "process_sort_index", cat: "__metadata", ph: "M", ts: nil, dur: nil, pid: linkProcess(link), tid: 0,
                                args: ["sort_index": .number(Double(linkProcess(link)))]))
        }
        return try ResultsJSON.encode(Document(traceEvents: events, displayTimeUnit: "ms", otherData: ["title": title]))
    }
}
