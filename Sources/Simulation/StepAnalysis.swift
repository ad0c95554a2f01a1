import Foundation
import Hardware
import Parallelism
import SimCore

/// Where the time of one step goes, per layer and per resource, derived from a
/// trace: what `scalecast explain` prints.
public struct StepAnalysis: Sendable {
    /// Compute time of one layer, averaged over the GPUs, in seconds.
    public struct LayerRow: Sendable {
        public var layer: Int
        public var name: String
        public var forwardSeconds: Double
        public var backwardSeconds: Double
    }

    /// One GPU's compute stream or one link direction over the step.
    public struct ResourceRow: Sendable {
        public var name: String
        /// `compute` for a GPU, else the link's role (`pcie-uplink`, `inter-socket`...).
        public var role: String
        /// Fraction of the step with at least one task or transfer on it.
        public var busyFraction: Double
        /// Bytes through it (links only).
        public var bytes: Double
        /// Bytes / (bandwidth × step): the fraction of its capacity used (links only).
        public var utilization: Double
        /// The transfer groups that moved the most bytes through it, largest first.
        public var topGroups: [(group: String, bytes: Double)]
    }

    /// One gradient all-reduce of the step: what the plan ran it with and how long it took.
    public struct CollectiveRow: Sendable {
        public var plan: CollectivePlan
        /// Seconds of the measured step that the GPU spending longest in it spent there: from
        /// its first send to the end of the last transfer it sent or received (expanded), or the
        /// collective's task (aggregated). The GPUs need not start together: each joins when its
        /// own gradients are ready, and a GPU that finished the step before early starts early;
        /// the span from the first GPU's start to the last GPU's end would count that drift too.
        public var simulatedSeconds: Double
    }

    /// Bytes moved in the step per kind of communication (`activations`,
    /// `gradient return`, `allreduce`...), in the order first seen: summed over every
    /// sender, except that a collective priced by its closed form (aggregated fidelity)
    /// counts its message once (`countsMessagesOnce`).
    public var bytesByCommunication: [(kind: String, bytes: Double)]
    /// Whether some of `bytesByCommunication` are closed-form collectives' message sizes,
    /// not bytes sent by every GPU.
    public var countsMessagesOnce = false
    /// The step's gradient all-reduces in the order they were issued.
    public var collectives: [CollectiveRow]
    public var layers: [LayerRow]
    public var gpus: [ResourceRow]
    /// Link directions that carried anything, the most used (bytes / capacity) first.
    public var links: [ResourceRow]
    public var metrics: StepMetrics
    /// The simulated window's share of the whole step (1 unless waits priced after the
    /// simulation stretch it); the resource rows' shares are of the simulated window.
    public var simulatedShare: Double
    /// Whether an expanded simulation of the run would be accepted: false where it ran
    /// aggregated because its expanded plan passes the limits (`ScenarioRunner.Outcome
    /// .fidelity`), and the bottleneck sentence then offers none.
    public var expandedFits = true
    /// How the aggregated fidelity priced the step's communication, for the bottleneck
    /// sentence: "collectives priced by their closed forms", or where the graph replays
    /// exchanges no closed form describes (`TaskGraph.exchanges`: a program's own copies, a
    /// library's under `stage_us`) that they were simulated alone, or both.
    let wholePricing: String
    /// Whether the graph replays exchanges (`TaskGraph.exchanges`).
    let replaysExchanges: Bool
    /// Compute of the step in no layer's row, seconds averaged over the GPUs: the tasks
    /// without a layer (copies into gradient buckets, an optimizer's fused kernels).
    public var unlayeredComputeSeconds = 0.0

    /// Analyses step `step` of `trace` (by default the last).
    ///
    /// Under node symmetry (`TaskGraph.symmetry`) the trace is node 0's: its GPUs are
    /// node 0's, each transfer is counted on node 0's images of its links, which carry
    /// what every node's do at the same times, so every link is reported as its image in
    /// node 0, and every GPU as its image (the whole run's tables); the bytes by communication
    /// are node 0's times the nodes.
    public init(trace: Trace, graph: TaskGraph, topology: Topology, layerNames: [String], metrics: StepMetrics, step: Int? = nil) {
        self.metrics = metrics
        replaysExchanges = !graph.exchanges.isEmpty
        let closedForms = graph.tasks.contains { if case .collective = $0.work { true } else { false } }
        switch (closedForms, replaysExchanges) {
        case (true, true): wholePricing = "collectives priced by their closed forms and the other exchanges simulated alone, transfer by transfer"
        case (false, true): wholePricing = "every exchange simulated alone, transfer by transfer"
        default: wholePricing = "collectives priced by their closed forms"
        }
        let last = step ?? trace.records.map(\.step).max() ?? 0
        let begin = trace.records.filter { $0.step == last - 1 }.map(\.end).max() ?? .zero
        let end = trace.records.filter { $0.step == last }.map(\.end).max() ?? begin
        let stepNs = Double(max(1, end.nanoseconds - begin.nanoseconds))
        // The share of the whole step the simulated window is: the waits priced after the simulation
        // (the slowest GPU, periodic work, the loader) stretch it to metrics.stepSeconds.
        simulatedShare = min(1, stepNs / 1e9 / metrics.stepSeconds)
        let records = trace.records.filter { $0.step == last }
        // A resource's busy time is its spans in the measured step, wherever they fall: a GPU
        // that starts the step before the window (which opens when the previous step's last
        // task ends) is busy as long per step as the others.
        let measured = Interval(min(begin.nanoseconds, records.map(\.start.nanoseconds).min() ?? begin.nanoseconds), end.nanoseconds)
        let gpus = Double(graph.gpus)
        let nodes = Double(graph.symmetry?.nodes ?? 1)

        var forward = [Double](repeating: 0, count: layerNames.count)
        var backward = [Double](repeating: 0, count: layerNames.count)
        var busy = [[Interval]](repeating: [], count: graph.gpus)
        var linkSpans = [[Interval]](repeating: [], count: topology.links.count)
        var linkBytes = [Double](repeating: 0, count: topology.links.count)
        var linkGroups = [[String: Double]](repeating: [:], count: topology.links.count)
        var kinds: [(kind: String, bytes: Double)] = []
        var groupSpans: [String: (start: Int64, end: Int64)] = [:]
        // Per group of transfers, per GPU: its first send's start and the last end of what it sent or received.
        var rankSpans: [String: [Int: (start: Int64?, end: Int64)]] = [:]
        for r in records {
            let span = Interval(r.start.nanoseconds, r.end.nanoseconds)
            if r.kind == .collective, let group = r.group {
                let known = groupSpans[group] ?? (r.start.nanoseconds, r.end.nanoseconds)
                groupSpans[group] = (min(known.start, r.start.nanoseconds), max(known.end, r.end.nanoseconds))
            }
            if r.kind == .transfer, let group = r.group, let destination = r.destination {
                let (start, end) = (r.start.nanoseconds, r.end.nanoseconds)
                let sender = rankSpans[group, default: [:]][r.device] ?? (nil, end)
                rankSpans[group, default: [:]][r.device] = (min(sender.start ?? start, start), max(sender.end, end))
                let receiver = rankSpans[group, default: [:]][destination] ?? (nil, end)
                rankSpans[group, default: [:]][destination] = (receiver.start, max(receiver.end, end))
            }
            switch r.kind {
            case .forward, .backward, .update:
                busy[r.device].append(span)
                if let layer = r.layer {
                    if r.kind == .forward { forward[layer] += r.duration.seconds / gpus } else { backward[layer] += r.duration.seconds / gpus }
                } else {
                    unlayeredComputeSeconds += r.duration.seconds / gpus
                }
            case .collective:
                countsMessagesOnce = true
                let kind = StepAnalysis.communicationKind(r.group ?? r.label)
                if let i = kinds.firstIndex(where: { $0.kind == kind }) { kinds[i].bytes += r.bytes } else { kinds.append((kind, r.bytes)) }
            case .transfer:
                let group = r.group ?? r.label
                let kind = StepAnalysis.communicationKind(group)
                let bytes = r.bytes * nodes
                if let i = kinds.firstIndex(where: { $0.kind == kind }) { kinds[i].bytes += bytes } else { kinds.append((kind, bytes)) }
                let route = graph.symmetry == nil ? topology.route(from: r.device, to: r.destination!)
                    : topology.firstNodeRoute(from: r.device, to: r.destination!)
                for link in route {
                    linkSpans[link].append(span)
                    linkBytes[link] += r.bytes
                    linkGroups[link][kind, default: 0] += r.bytes
                }
            }
        }
        if graph.symmetry != nil {
            for l in topology.links.indices {
                let image = topology.firstNodeImage(ofLink: l)
                (linkSpans[l], linkBytes[l], linkGroups[l]) = (linkSpans[image], linkBytes[image], linkGroups[image])
            }
        }
        bytesByCommunication = kinds
        // One GPU plans its buckets but communicates nothing: no collective to list.
        var groupNanoseconds = groupSpans.mapValues { $0.end - $0.start }
        for (group, ranks) in rankSpans {
            groupNanoseconds[group] = ranks.values.compactMap { rank in rank.start.map { rank.end - $0 } }.max()
        }
        collectives = graph.representedGPUs < 2 ? [] : graph.collectives.map { plan in
            CollectiveRow(plan: plan, simulatedSeconds: Double(groupNanoseconds[plan.group] ?? 0) / 1e9)
        }
        layers = layerNames.indices.compactMap { i in
            forward[i] + backward[i] > 0 ? LayerRow(layer: i, name: layerNames[i], forwardSeconds: forward[i], backwardSeconds: backward[i]) : nil
        }
        // Under node symmetry every GPU's row is its node-0 image's (the whole run's table).
        let rows = graph.symmetry == nil ? graph.gpus : graph.representedGPUs
        self.gpus = (0..<rows).map { g in
            ResourceRow(name: "gpu\(g)", role: "compute",
                        busyFraction: min(1, Double(Interval.length(Interval.union(busy[g % graph.gpus], within: measured))) / stepNs),
                        bytes: 0, utilization: 0, topGroups: [])
        }
        links = topology.links.indices.filter { linkBytes[$0] > 0 }.map { l in
            let link = topology.links[l]
            let groups = linkGroups[l].sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { (group: $0.key, bytes: $0.value) }
            return ResourceRow(name: link.name, role: link.role,
                               busyFraction: min(1, Double(Interval.length(Interval.union(linkSpans[l], within: measured))) / stepNs),
                               bytes: linkBytes[l], utilization: linkBytes[l] / (link.bytesPerSecond * stepNs / 1e9),
                               topGroups: groups)
        }.sorted { ($0.utilization, $0.busyFraction, $1.name) > ($1.utilization, $1.busyFraction, $0.name) }
    }

    /// The kind of a transfer group: its name without the chunk, round or bucket number.
    static func communicationKind(_ group: String) -> String {
        var words: [Substring] = []
        for word in group.split(separator: " ") {
            if word.first?.isNumber == true || word == "chunk" || word == "round" || word == "bucket" { break }
            words.append(word)
        }
        return words.joined(separator: " ").trimmingCharacters(in: CharacterSet(charactersIn: ","))
    }

    /// The bottleneck in one plain sentence.
    public var bottleneck: String {
        // Shares of the whole step; the waits priced after the simulation are no communication.
        let compute = metrics.computeSeconds / metrics.stepSeconds   // as the header's compute ms over its step ms
        let exposed = metrics.exposedCommunicationSeconds / metrics.stepSeconds
        let afterwards = metrics.stragglerWaitSeconds + metrics.inputCopySeconds + metrics.evaluationSeconds
        let idle = max(0, metrics.idleSeconds - afterwards - metrics.inputWaitSeconds) / metrics.stepSeconds
        func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }
        // The waits priced after the simulation, each said where it takes half a percent of the step or more.
        var waitsAfter = metrics.stragglerWaitSeconds / metrics.stepSeconds >= 0.005
            ? " Waiting for the slowest GPU takes \(percent(metrics.stragglerWaitSeconds / metrics.stepSeconds)) of the step." : ""
        let periodic = (metrics.inputCopySeconds + metrics.evaluationSeconds) / metrics.stepSeconds
        if periodic >= 0.005 && !metrics.isInputBound {
            waitsAfter += " Periodic work (input copies, evaluation and checkpoints) takes \(percent(periodic)) of the step."
        }
        // Idle time in the simulation is waiting on other GPUs: their transfers, or more work on one of them (the loss on GPU 0).
        let split = idle >= 0.005 ? " (\(percent(exposed)) on their own transfers, \(percent(idle)) on other GPUs: their transfers, "
            + "or more work on one of them)" : ""
        if metrics.isInputBound {
            return "The step is input-bound: the GPUs wait \(percent(metrics.inputWaitSeconds / metrics.stepSeconds)) of it for the "
                + "loader to deliver images, and compute \(percent(metrics.computeSeconds / metrics.stepSeconds)) of it." + waitsAfter
        }
        if metrics.isHostBound && exposed + idle >= 0.05 {
            return "The step is host-bound: the host thread that launches each GPU's kernels is busy "
                + "\(percent(min(1, metrics.hostBusySeconds / metrics.stepSeconds))) of it, and the GPUs, which compute \(percent(compute)) of it, "
                + "wait for their launches the rest (a larger batch per GPU gives each launch more work; compiled code or CUDA graphs, "
                + "e.g. software: pytorch-compiled, launch less)."
                + waitsAfter
        }
        guard let link = links.first else {
            // No link carried a transfer: either nothing is communicated, or the collectives were
            // priced by their closed forms (aggregated fidelity), which leave no per-link record.
            let communicated = !bytesByCommunication.isEmpty
            if communicated && exposed + idle >= 0.05 {
                // The bottleneck only where waiting on communication takes more of the step than computing.
                let verdict = exposed + idle > compute ? ": communication is the bottleneck" : ""
                return "The GPUs compute \(percent(compute)) of the step and wait on communication \(percent(exposed + idle)) of it\(split)"
                    + "\(verdict) (\(wholePricing), so no per-link breakdown"
                    + (expandedFits ? "; simulation: {fidelity: expanded} gives one)." : ")." ) + waitsAfter
            }
            if communicated {
                return "The GPUs compute \(percent(compute)) of the step: compute is the bottleneck; the collectives are "
                    + (exposed + idle >= 0.005 ? "mostly hidden behind it (the GPUs wait on communication \(percent(exposed + idle)) of the step; "
                       : "hidden behind it (") + (replaysExchanges ? wholePricing : "priced by their closed forms")
                    + ", so no per-link breakdown)." + waitsAfter
            }
            return "The GPUs compute \(percent(compute)) of the step; nothing is communicated, so compute is the bottleneck." + waitsAfter
        }
        // A link's figures are over the simulated window, which the waits priced after it (the loader, the slowest
        // GPU, periodic work) stretch to the step: said so where they take 0.5% or more of it, as the resources table does.
        let window = simulatedShare < 0.995 ? "over the simulated \(percent(simulatedShare)) of the step" : "over the step"
        let waitingGroups = link.topGroups.prefix(2).map(\.group)
        let waiting = waitingGroups.joined(separator: " and ") + (waitingGroups.count == 1 ? " waits" : " wait")
        if exposed + idle < 0.05 {
            return "The GPUs compute \(percent(compute)) of the step: compute is the bottleneck. The most used link, \(link.name) "
                + "(\(link.role)), carries \(percent(link.utilization)) of its bandwidth \(window), "
                + (exposed + idle >= 0.005 ? "mostly hidden behind computation (the GPUs wait on communication \(percent(exposed + idle)) of the step)."
                   : "hidden behind computation.") + waitsAfter
        }
        return "The GPUs compute \(percent(compute)) of the step and wait on communication \(percent(exposed + idle)) of it\(split). "
            + "The most used link, \(link.name) (\(link.role)), carries \(percent(link.utilization)) of its bandwidth "
            + "\(window) and is busy \(percent(link.busyFraction)) of it; \(waiting) on it." + waitsAfter
    }
}
