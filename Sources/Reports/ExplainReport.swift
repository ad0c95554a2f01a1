import Hardware
import Parallelism
import Scenario
import Simulation
import Software
import Workload

/// The text of `scalecast explain`: where the time of a step goes, per layer and
/// per resource, and the bottleneck in one sentence.
public enum ExplainReport {
    /// What the execution profile adds to a step: nothing under `ideal`; otherwise
    /// the profile and each worker's host thread time launching the step's kernels.
    /// - Parameter mechanisms: what each of the profile's mechanisms costs the step
    ///   (`ScenarioRunner.mechanismCosts`), listed the costliest first.
    /// - Parameter network: the run's network, to say which of its layers the profile's
    ///   autograd passes (`AutogradPasses`) touch; nil: not said.
    public static func software(_ profile: ExecutionProfile, trace: Trace, step: Int, stepSeconds: Double,
                                metrics: StepMetrics? = nil, ceiling: LoaderCeiling? = nil,
                                mechanisms: [ScenarioRunner.MechanismCost] = [], network: Network? = nil) -> String {
        guard !profile.isIdeal else { return "" }
        var out = "\nExecution profile \(profile.label): \(profile.summary)\n"
        out += mechanismTable(mechanisms, stepSeconds: stepSeconds)
        out += "gradients on the wire: \(profile.gradientBytesPerElement.map { "\($0) bytes per element" } ?? "the precision's dtype"); "
            + "sync: \(profile.gradientSync.rawValue)"
            + (profile.collective.map { "; all-reduce: \($0.rawValue) where the strategy names none" } ?? "") + "\n"
        out += loaderLine(profile, metrics: metrics, ceiling: ceiling)
        if profile.batchNormFusion != .none {
            let intoConvolutions = [.convStats, .normConv, .normConvStats].contains(profile.batchNormFusion)
            out += "fused batch norm: \(profile.batchNormFusion.rawValue) (the ReLUs and adds it fuses run inside the batch norms' kernels "
                + "and are priced in the batch norms' rows above; their own rows are absent or show 0 ms"
                + (intoConvolutions ? "; the batch norms' statistics or normalization done inside the convolutions are "
                    + "left out of the batch norms' rows, and the convolutions' rows are priced as plain convolutions" : "") + ")\n"
        }
        if let network { out += autogradLine(profile.autograd, network: network) }
        out += interferenceLine(profile, trace: trace, step: step)
        guard !trace.host.isEmpty else { return out + "kernel launches cost no host time\n" }
        var busy: [Int: Int64] = [:], launches: [Int: Int] = [:]
        for h in trace.host where h.step == step {
            busy[h.device, default: 0] += h.end.nanoseconds - h.start.nanoseconds
            launches[h.device, default: 0] += 1
        }
        let longest = busy.values.max() ?? 0
        let seconds = Double(longest) / 1e9
        out += "host thread: \(Format.fixed(seconds * 1e3, 2)) ms launching the step's \(launches.values.max() ?? 0) tasks "
            + "(\(Format.fixed(seconds / max(stepSeconds, 1e-12) * 100, 0))% of the step on the busiest worker); "
            + (seconds >= stepSeconds * StepMetrics.hostBoundShare ? "the GPUs wait on it: the step is host-bound\n" : "the GPUs rarely wait on it\n")
        return out
    }

    /// How an expanded run spanning nodes was simulated (`ScenarioRunner.simulationSummary`),
    /// in one line: node 0 standing for all, or every node and why; or that a run expanded
    /// by default ran aggregated, its plan beyond the limits; or that a run asking for
    /// aggregated ran expanded, and what kept it there; "" for a run on one node or
    /// aggregated by choice or size, so that their text stays as it was.
    public static func simulation(_ summary: String) -> String {
        summary.hasPrefix("expanded,") || summary.hasPrefix("aggregated (") ? "\nSimulation: \(summary)\n" : ""
    }

    /// The network a run spanning nodes uses, in one line (`RunSpec.networkSummary`), for
    /// every design but one non-blocking switch with the NICs shared evenly (leaves and a
    /// spine, rails, a torus, `gpu_nic`); "" for that one and on one node, so that those
    /// runs' text stays as it was.
    public static func network(_ run: RunSpec, gpus: Int) -> String {
        guard run.cluster.nodes(for: gpus) > 1, let network = run.cluster.network, let summary = run.networkSummary,
              network.layout != .leafSpine || network.nodesPerLeaf != nil || network.gpuNIC != nil else { return "" }
        return "\nNetwork \(summary)\n"
    }

    /// Where NCCL chooses (`nccl-auto`) across nodes of Hopper or later GPUs on NVSwitch, the
    /// algorithms NCCL has there that ScaleCast does not model; "" elsewhere.
    public static func ncclNotModelled(_ run: RunSpec, gpus: Int) -> String {
        guard run.plannedStrategy.gradientSync.algorithm == .nccl, run.cluster.nodes(for: gpus) > 1,
              run.cluster.gpu.computeCapability >= 90,
              case .nvswitch = run.cluster.fabric else { return "" }
        return "\nNCCL on \(run.cluster.gpu.architecture) GPUs in NVSwitch nodes can also run NVLS-tree across nodes (the switch's "
            + "reduction inside each node, a tree between nodes), and CollNet on SHARP switches; ScaleCast does not model them and "
            + "chooses between the ring and the tree above, so NCCL's real choice, and its time, can differ (docs/nccl-model.md)\n"
    }

    /// Collective interference on GPU 0 in one step (`ExecutionProfile.collectiveSMShare`).
    public struct Interference: Sendable, Equatable {
        /// The most thread blocks NCCL's kernels held at once.
        public var blocks: Int
        /// How long compute ran slowed: the time compute tasks ran while a collective's
        /// thread blocks held SMs, seconds (0: no collective overlapped compute).
        public var slowedSeconds: Double
        /// The lowest rate compute ran at, a fraction of its speed (1 where none was slowed).
        public var slowestRate: Double
        /// The compute time that cost: slowed time × (1 − rate) where compute ran, seconds.
        public var lostComputeSeconds: Double
    }

    /// How long GPU 0's compute ran slowed in step `step`, how slow, and what it cost;
    /// nil when the profile has no interference or GPU 0 ran nothing in the step.
    public static func interference(_ profile: ExecutionProfile, trace: Trace, step: Int) -> Interference? {
        guard profile.collectiveSMShare > 0 else { return nil }
        let own = trace.records.filter { $0.step == step && $0.device == 0 }
        guard let from = own.map(\.start).min(), let to = own.map(\.end).max() else { return nil }
        let compute = own.filter { $0.kind == .forward || $0.kind == .backward || $0.kind == .update }
        var slowed: Int64 = 0, lost = 0.0, slowest = 1.0, blocks = 0
        // A span slows the GPU's compute only while compute runs in it (a collective in flight
        // while the GPU waits slows nothing).
        for span in trace.slowedCompute where span.device == 0 && span.end > from && span.start < to {
            let a = max(span.start.nanoseconds, from.nanoseconds), b = min(span.end.nanoseconds, to.nanoseconds)
            blocks = max(blocks, span.blocks)
            for r in compute where r.end.nanoseconds > a && r.start.nanoseconds < b {
                let overlap = min(r.end.nanoseconds, b) - max(r.start.nanoseconds, a)
                slowed += overlap
                lost += Double(overlap) * (1 - span.rate)
                slowest = min(slowest, span.rate)
            }
        }
        return Interference(blocks: blocks, slowedSeconds: Double(slowed) / 1e9, slowestRate: slowest, lostComputeSeconds: lost / 1e9)
    }

    /// The line on waiting for the slowest GPU (`Stragglers`): the spread of the
    /// boards' speeds and the stack's jitter that set it, and what it adds to the
    /// step; empty where neither varies or one GPU runs.
    public static func stragglers(_ run: RunSpec, gpus: Int, metrics: StepMetrics) -> String {
        guard run.computeVariationCV > 0 && gpus > 1 else { return "" }
        var parts: [String] = []
        if run.cluster.gpu.speedVariationCV > 0 {
            parts.append("the \(run.cluster.gpu.name) boards' speeds spread \(Format.fixed(run.cluster.gpu.speedVariationCV * 100, 1))% (speed_variation_cv)")
        }
        if run.software.computeJitterCV > 0 {
            parts.append("each step's compute jitters \(Format.fixed(run.software.computeJitterCV * 100, 1))% (compute_jitter_cv)")
        }
        return "\nstragglers: " + parts.joined(separator: " and ") + "; each step waits for the slowest of \(gpus) GPUs: "
            + "\(Format.fixed(metrics.stragglerWaitSeconds * 1e3, 2)) ms "
            + "(\(Format.fixed(metrics.stragglerWaitSeconds / metrics.stepSeconds * 100, 1))% of the step)\n"
    }

    /// Collective interference as one line of `explain` (see `interference`).
    static func interferenceLine(_ profile: ExecutionProfile, trace: Trace, step: Int) -> String {
        guard let i = interference(profile, trace: trace, step: step) else { return "" }
        guard i.slowedSeconds > 0 else {
            return "collective interference: no collective overlapped compute on GPU 0 (or the catalog lacks the GPU's SM count)\n"
        }
        return "collective interference: NCCL's kernels held up to \(i.blocks) thread blocks; GPU 0's compute ran slowed for "
            + "\(Format.fixed(i.slowedSeconds * 1e3, 2)) ms of the step (down to \(Format.fixed(i.slowestRate * 100, 0))% of its speed), "
            + "costing \(Format.fixed(i.lostComputeSeconds * 1e3, 2)) ms of compute\n"
    }

    /// The profile's mechanisms, the costliest first, with what each adds to the step.
    static func mechanismTable(_ mechanisms: [ScenarioRunner.MechanismCost], stepSeconds: Double) -> String {
        guard !mechanisms.isEmpty else { return "" }
        var table = TextTable(headers: ["mechanism (profile keys)", "ms", "of step"], alignments: [.left, .right, .right])
        for m in mechanisms {
            // A share under 0.05% keeps two decimals: "-0.04%", not "-0.0%".
            let percent = m.seconds / max(stepSeconds, 1e-12) * 100
            table.append([m.name, Format.fixed(m.seconds * 1e3, 2), Format.fixed(percent, abs(percent) < 0.05 && percent != 0 ? 2 : 1) + "%"])
        }
        // Off, a mechanism gives way to another (a GPU-to-GPU chain for a host-staged broadcast): that one may be slower.
        let cheaper = mechanisms.contains { $0.seconds < 0 }
            ? "A negative cost: the step is faster with the mechanism than with what the profile does with it off.\n" : ""
        return "\nWhat each mechanism costs the step (the step less the same step with it off, the others kept):\n" + table.render() + cheaper + "\n"
    }

    /// One line naming the layers of `network` the autograd passes add work to (empty
    /// when they touch none): the in-place activations cloned before the forward, the
    /// channel scales whose gate gradient is reduced by `sum_to`, the max pools that keep
    /// int64 indices.
    static func autogradLine(_ autograd: AutogradPasses, network: Network) -> String {
        let cloned = network.layers.filter { autograd.forward($0).kernels > 0 }.count
        let reduced = network.layers.filter { autograd.backward($0).kernels > 0 }.count
        let pools = network.layers.filter { autograd.keptBytes($0) > 0 }.count
        var parts: [String] = []
        if cloned > 0 {
            parts.append(cloned == 1 ? "1 in-place activation copies its input before the forward (autograd saves it)"
                                     : "\(cloned) in-place activations copy their input before the forward (autograd saves it)")
        }
        if reduced > 0 {
            parts.append(reduced == 1 ? "1 channel scale writes its gate's gradient full size and sums it with sum_to"
                                      : "\(reduced) channel scales write their gate's gradient full size and sum it with sum_to")
        }
        if pools > 0 {
            parts.append(pools == 1 ? "1 max pool keeps an int64 index per output element"
                                    : "\(pools) max pools keep an int64 index per output element")
        }
        guard !parts.isEmpty else { return "" }
        return "eager autograd: " + parts.joined(separator: "; ") + " (in the layers' times above and the memory below)\n"
    }

    /// The input pipeline: its ceiling, the limit that sets it (the node's rate, or the
    /// DataLoader workers of each GPU, or the node's cores under them), and its share
    /// of the step when it binds.
    static func loaderLine(_ profile: ExecutionProfile, metrics: StepMetrics?, ceiling: LoaderCeiling?) -> String {
        guard profile.loader == .cpu else { return "" }
        guard let ceiling, let total = ceiling.imagesPerSecond else {
            return "loader: cpu, no ceiling known (no per-node rate, no cluster.cpu_cores_per_node and no loader_workers_per_gpu)\n"
        }
        func rate(_ x: Double) -> String { Format.fixed(x, 0) }
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        // On a partly filled last node the step waits for the fullest node's GPUs, which share its rate.
        let fullNodes = ceiling.gpus == ceiling.nodes * ceiling.gpusOnNode
        let nodeCap = ceiling.nodeImagesPerSecond.map {
            fullNodes ? "\(rate($0)) images/s per node x \(count(ceiling.nodes, "node"))"
                : "\(rate($0)) images/s per node shared by the fullest node's \(count(ceiling.gpusOnNode, "GPU")), "
                  + "x \(count(ceiling.gpus, "GPU")) (the step waits for them)"
        }
        var out = "loader: cpu, at most \(rate(total)) images/s: "
        if let perGPU = ceiling.workerImagesPerSecondPerGPU, let w = ceiling.workersPerGPU, let perWorker = ceiling.imagesPerSecondPerWorker {
            let workers = "\(rate(perGPU)) images/s per GPU x \(count(ceiling.gpus, "GPU"))"
            let detail = "\(w) per GPU x \(rate(perWorker)) images/s per worker" + augmentation(profile) + (ceiling.coresBindWorkers
                ? "; the node's \(ceiling.coresPerNode ?? 0) cores run \(ceiling.coresPerNode ?? 0) of its \(w * ceiling.gpusOnNode) workers at a time" : "")
            if ceiling.limit == .node, let nodeCap {
                out += "\(nodeCap); the DataLoader workers would deliver \(workers) (\(detail))"
            } else {
                out += "\(workers) from the DataLoader workers (\(detail))" + (nodeCap.map { ", below the node's \($0)" } ?? "")
            }
        } else {
            out += (nodeCap ?? "") + augmentation(profile)
        }
        if let m = metrics, m.isInputBound {
            out += "; the step is input-bound: the GPUs wait \(Format.fixed(m.inputWaitSeconds * 1e3, 1)) ms "
                + "(\(Format.fixed(m.inputWaitSeconds / m.stepSeconds * 100, 0))% of the step) for images"
        } else {
            out += "; the loader keeps up"
        }
        if let m = metrics, let need = coresNeeded(m, ceiling: ceiling), let perCore = ceiling.imagesPerSecondPerCore {
            let coresPerGPU = ceiling.coresPerNode.map { cores -> String in
                let perGPU = Double(cores) / Double(max(1, ceiling.gpusOnNode))
                return Format.fixed(perGPU, perGPU == perGPU.rounded() ? 0 : 1)
            }
            out += ". The GPUs \(m.isInputBound ? "could train" : "train") \(rate(need.imagesPerSecondPerGPU)) images/s each, which needs "
            // Where the node's measured rate falls short, the count reaches that rate and no more.
            let capped = ceiling.nodeShareCaps(need.imagesPerSecondPerGPU)
            if capped, let share = ceiling.nodeShare {
                let measured = profile.loaderAugmentation == .none ? "measured" : "measured rate, slowed by the augmentation, of"
                out += "more than the node's \(measured) \(rate(share)) images/s per GPU; reaching that takes "
            }
            if let workers = ceiling.workersPerGPU, profile.loaderImagesPerSecondPerCore == nil {
                // The rate is a DataLoader worker's: the lever is the workers, each on a core of its own.
                out += "\(count(need.cores, "DataLoader worker")) per GPU, each on its own core, at \(rate(perCore)) images/s per worker "
                    + "(the run has \(workers) per GPU" + (coresPerGPU.map { "; the cluster has \($0) cores per GPU)" } ?? ")")
            } else {
                out += "\(count(need.cores, "CPU core")) per GPU at \(rate(perCore)) images/s per core"
                    + (profile.loaderImagesPerSecondPerCore == nil ? ", a DataLoader worker on each" : "")
                    + (coresPerGPU.map { " (the cluster has \($0) per GPU)" } ?? "")
            }
            if capped {
                let measured = profile.loaderImagesPerSecondPerNode.map { "\(rate($0)) images/s per node" } ?? "node rate"
                let slowed = profile.loaderAugmentation == .none ? ""
                    : " (\(rate(ceiling.measuredNodeImagesPerSecond ?? 0)) with \(profile.loaderAugmentation.rawValue))"
                out += ", and more cores would not lift the node's rate: "
                if profile.overridden.contains("loader_images_per_second_per_node") {
                    out += "the \(measured) the scenario states\(slowed)"
                        + (profile.loaderAugmentation == .none ? ""
                            : "; a rate measured with the policy already in it counts the policy twice: state it without, or set "
                              + "loader_augmentation: none")
                } else {
                    out += "the profile's \(measured)\(slowed) is one node's measurement (`scalecast software` gives its source); "
                        + "where your nodes deliver more, state your own measurement"
                        + (profile.loaderAugmentation == .none ? "" : ", taken without the augmentation policy,")
                        + " as software.loader_images_per_second_per_node"
                }
            }
        }
        return out + "\n"
    }

    /// The loader's augmentation policy and what it costs each image, e.g. `, with
    /// autoaugment's +0.68 ms of CPU per image`; empty without one.
    static func augmentation(_ profile: ExecutionProfile) -> String {
        let policy = profile.loaderAugmentation
        guard policy != .none else { return "" }
        return ", with \(policy.rawValue)'s +\(Format.fixed(policy.extraSecondsPerImage * 1e3, 2)) ms of CPU per image"
    }

    /// The rate the GPUs train at when the loader keeps up (images/s per GPU: the global
    /// batch over the step less its wait for input), and the CPU cores per GPU that
    /// rate needs, or the node's measured rate where that is lower
    /// (`LoaderCeiling.coresPerGPU`); nil without a per-core or per-worker rate.
    static func coresNeeded(_ metrics: StepMetrics, ceiling: LoaderCeiling) -> (imagesPerSecondPerGPU: Double, cores: Int)? {
        let gpuBound = metrics.stepSeconds - metrics.inputWaitSeconds
        guard gpuBound > 0 else { return nil }
        let perGPU = Double(metrics.globalBatch) / Double(max(1, ceiling.gpus)) / gpuBound
        return ceiling.coresPerGPU(toDeliver: perGPU).map { (perGPU, $0) }
    }

    /// The explanation of one run's step.
    /// - Parameter top: how many layers to list, the slowest first; nil lists them all.
    public static func render(label: String, analysis: StepAnalysis, top: Int? = nil) -> String {
        let m = analysis.metrics
        var out = "\(label)\n"
        out += "step \(Format.fixed(m.stepSeconds * 1e3, 1)) ms, \(Format.fixed(m.imagesPerSecond, 0)) images/s; "
            + "per GPU: compute \(Format.fixed(m.computeSeconds * 1e3, 1)) ms, exposed communication "
            + "\(Format.fixed(m.exposedCommunicationSeconds * 1e3, 1)) ms, idle \(Format.fixed(m.idleSeconds * 1e3, 1)) ms\n\n"
        out += analysis.bottleneck + "\n\n"
        out += layerTable(analysis.layers, top: top, unlayeredSeconds: analysis.unlayeredComputeSeconds)
        if !analysis.bytesByCommunication.isEmpty {
            out += analysis.countsMessagesOnce
                ? "\nCommunication in the step (all GPUs; a collective priced by its closed form counts its message once)\n"
                : "\nCommunication in the step (all GPUs)\n"
            var comm = TextTable(headers: ["what", "MB"], alignments: [.left, .right])
            for (kind, bytes) in analysis.bytesByCommunication { comm.append([kind, Format.fixed(bytes / 1e6, 1)]) }
            out += comm.render()
        }

        out += collectives(analysis.collectives)

        // The rows are shares of the simulated window; the waits priced after it (loader, slowest GPU,
        // periodic work) stretch the step beyond it, which the heading says where they do.
        out += analysis.simulatedShare < 0.995
            ? "\nResources over the simulated \(Format.fixed(analysis.simulatedShare * 100, 0))% of the step (the waits priced after "
                + "the simulation are not in it): busy = share of it with work on it; used = bytes / capacity over it\n"
            : "\nResources (busy = share of the step with work on it; used = bytes / capacity over it)\n"
        var resources = TextTable(headers: ["resource", "role", "busy", "used", "MB", "mostly"],
                                  alignments: [.left, .left, .right, .right, .right, .left])
        for gpu in analysis.gpus {
            resources.append([gpu.name, gpu.role, percent(gpu.busyFraction), "", "", ""])
        }
        for link in analysis.links.prefix(12) {
            resources.append([link.name, link.role, percent(link.busyFraction), percent(link.utilization),
                              Format.fixed(link.bytes / 1e6, 1), link.topGroups.first?.group ?? ""])
        }
        out += resources.render()
        if analysis.links.count > 12 { out += "(\(analysis.links.count - 12) less used links not shown)\n" }
        return out
    }

    /// Compute per layer, the slowest first (ties in network order), with each
    /// layer's place in the network (#; the input is 0), the `top` slowest only when given, and
    /// a total over every layer; where the step computes more than 0.5% of that total in no
    /// layer's row (`unlayeredSeconds`, `StepAnalysis.unlayeredComputeSeconds`), a line for it.
    static func layerTable(_ rows: [StepAnalysis.LayerRow], top: Int?, unlayeredSeconds: Double = 0) -> String {
        let total = rows.reduce(0) { $0 + $1.forwardSeconds + $1.backwardSeconds }
        let sorted = rows.enumerated().sorted { a, b in
            let x = a.element.forwardSeconds + a.element.backwardSeconds, y = b.element.forwardSeconds + b.element.backwardSeconds
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
        let shown = top.map { Array(sorted.prefix($0)) } ?? sorted
        func share(_ seconds: Double) -> String { Format.fixed(seconds / max(total, 1e-12) * 100, 1) + "%" }
        func ms(_ seconds: Double) -> String { Format.fixed(seconds * 1e3, 2) }
        let out = "Compute per layer (mean over GPUs), slowest first"
            + (shown.count < sorted.count ? ": the \(shown.count) slowest of \(sorted.count) layers (--all lists every one)" : "") + "\n"
        var table = TextTable(headers: ["#", "layer", "forward ms", "backward ms", "total ms", "share"],
                              alignments: [.right, .left, .right, .right, .right, .right])
        for row in shown {
            table.append(["\(row.layer)", row.name, ms(row.forwardSeconds), ms(row.backwardSeconds),
                          ms(row.forwardSeconds + row.backwardSeconds), share(row.forwardSeconds + row.backwardSeconds)])
        }
        let rest = sorted.dropFirst(shown.count)
        if !rest.isEmpty {
            let f = rest.reduce(0) { $0 + $1.forwardSeconds }, b = rest.reduce(0) { $0 + $1.backwardSeconds }
            table.append(["", "(\(rest.count) other layers)", ms(f), ms(b), ms(f + b), share(f + b)])
        }
        let forward = rows.reduce(0) { $0 + $1.forwardSeconds }, backward = rows.reduce(0) { $0 + $1.backwardSeconds }
        table.setFooter(["", "total (\(rows.count) layers)", ms(forward), ms(backward), ms(forward + backward), rows.isEmpty ? "" : "100.0%"])
        var outside = ""
        // Said wherever it shows at the table's precision, so the rows and this line add up to the compute above.
        if ms(unlayeredSeconds) != ms(0) {
            outside = "Plus \(ms(unlayeredSeconds)) ms of compute in no layer's row (work outside the layers: the optimizer's "
                + "kernels that are not per layer, copies into and out of gradient buckets or a fusion buffer): "
                + "\(ms(total + unlayeredSeconds)) ms of the step's compute in all\n"
        }
        return out + table.render() + outside
    }

    /// The step's gradient all-reduces: the algorithm each ran with (for NCCL, the
    /// algorithm and protocol its tuning chose and the time it predicted) and the
    /// simulated time, first transfer to last. Only where NCCL chose (a fixed
    /// algorithm is named in the run's label already).
    static func collectives(_ rows: [StepAnalysis.CollectiveRow]) -> String {
        guard rows.contains(where: { $0.plan.nccl != nil }) else { return "" }
        let out = "\nGradient all-reduces as NCCL runs them (its tuning model's choice per collective, "
            + "after NVIDIA/nccl v2.30.7 src/graph/tuning.cc)\n"
        // Where NCCL chose among algorithms, the one it passed over and its estimate: how near the choice was.
        let passedOver = rows.contains { $0.plan.ncclRunnerUp != nil }
        var table = TextTable(headers: ["bucket", "MB", "algorithm", "protocol", "NCCL's estimate ms", "simulated ms"]
                                + (passedOver ? ["passed over (NCCL's estimate ms)"] : []),
                              alignments: [.left, .right, .left, .left, .right, .right] + (passedOver ? [.left] : []))
        for row in rows {
            table.append([row.plan.group.replacingOccurrences(of: "allreduce ", with: ""), Format.fixed(row.plan.bytes / 1e6, 2),
                          row.plan.nccl?.algorithm.rawValue ?? row.plan.algorithm.rawValue, row.plan.nccl?.proto.rawValue ?? "",
                          row.plan.ncclEstimateSeconds.map { Format.fixed($0 * 1e3, 3) } ?? "", Format.fixed(row.simulatedSeconds * 1e3, 3)]
                         + (passedOver ? [row.plan.ncclRunnerUp.map { "\($0.choice.algorithm.rawValue) \($0.choice.proto.rawValue) \(Format.fixed($0.seconds * 1e3, 3))" } ?? ""] : []))
        }
        let pin = passedOver ? "NCCL runs the smaller estimate; `allreduce: nccl-ring` or `nccl-tree` pins one (as NCCL_ALGO does), "
            + "which `sweep --vary strategy.allreduce=nccl-auto,nccl-ring,nccl-tree` simulates\n" : ""
        return out + table.render() + pin
    }

    private static func percent(_ x: Double) -> String { Format.fixed(x * 100, 0) + "%" }
}
