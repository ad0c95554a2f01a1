import CostModel
import Hardware
import Parallelism
import SimCore
import Software
import Testing
import Workload
@testable import Simulation

/// Collectives take SMs from the compute they overlap (`CollectiveInterference`), so
/// overlap is never free: the blocks NCCL runs, the slowed compute, both fidelities.
@Suite struct InterferenceTests {
    let catalog = try! Catalog.builtIn()

    /// DGX A100-style nodes behind one NIC (25 GbE: the all-reduces are long and overlap backward).
    func cluster(gpu: String = "A100-SXM4-80GB", nic: String = "eth-25g") -> ClusterSpec {
        ClusterSpec(gpu: catalog.gpu(named: gpu)!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                    network: NetworkSpec(nic: catalog.link(named: nic)!, nicsPerNode: 1), hostLink: catalog.link(named: "pcie4-x16")!)
    }

    func profile(share: Double) -> ExecutionProfile {
        var p = ExecutionProfile.ideal
        p.collectiveSMShare = share
        return p
    }

    func run(_ fidelity: Fidelity, gpus: Int, share: Double, cluster: ClusterSpec) throws -> (graph: TaskGraph, trace: Trace, metrics: StepMetrics) {
        var setup = TrainingSetup(network: try #require(Zoo.model(named: "resnet50")), precision: .bf16, batchPerGPU: 64, gpus: gpus, steps: 3)
        setup.gpusPerNode = cluster.gpusPerNode
        setup.nccl = NCCLSystem(cluster: cluster, gpus: gpus)
        let graph = try Planner.plan(setup, strategy: .data(DataParallelOptions(algorithm: .nccl)), fidelity: fidelity)
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: gpus),
                                        cost: CostModel(gpu: cluster.gpu, precision: .bf16), profile: profile(share: share))
        return (graph, trace, StepMetrics.measure(trace, gpus: graph.gpus, globalBatch: setup.globalBatch, step: 1))
    }

    // MARK: The blocks NCCL runs

    /// `topoGetAlgoInfo` (NVIDIA/nccl v2.30.7 `src/enqueue.cc`): the communicator's
    /// channels, less one while the message is under channels × threads × threshold
    /// bytes. One DGX A100 node: 14 search channels, 28 on the communicator. Ring
    /// Simple: 512 threads × 64 B = 32 KiB a block, so 64 KiB runs 2 blocks, 25 MB all
    /// 28; ring LL on 8 ranks: 512 × 8 × 8 = 32 KiB too; LL128: 640 × 8 = 5 KiB, 64 KiB → 12.
    @Test func kernelBlocksFollowNCCLsChannelTuning() {
        let system = NCCLSystem(cluster: cluster(), gpus: 8)
        #expect(system.communicatorChannels == 28)
        #expect(system.kernelChannels(NCCLChoice(.ring, .simple), bytes: 25e6) == 28)
        #expect(system.kernelChannels(NCCLChoice(.ring, .simple), bytes: 65_536) == 2)
        #expect(system.kernelChannels(NCCLChoice(.ring, .simple), bytes: 65_535) == 1)
        #expect(system.kernelChannels(NCCLChoice(.ring, .ll), bytes: 65_536) == 2)
        #expect(system.kernelChannels(NCCLChoice(.ring, .ll128), bytes: 65_536) == 12)
        #expect(system.kernelChannels(NCCLChoice(.tree, .ll), bytes: 1024) == 1)
        // A ring whose channels together carry at most PCI_BW (12 GB/s) runs 256 threads: 16 KiB a block.
        let slow = NCCLSystem(computeCapability: 70, ranks: 8, nodes: 1, gpusPerNode: 8, intraHop: .pci, channels: 2,
                              channelGigabytesPerSecond: 6, ll128Enabled: false)
        #expect(slow.kernelChannels(NCCLChoice(.ring, .simple), bytes: 32_768) == 2)
        #expect(slow.kernelChannels(NCCLChoice(.tree, .simple), bytes: 32_768) == 1)
    }

    @Test func theComputeRateIsTheSMsTheBlocksLeave() {
        #expect(CollectiveInterference.computeRate(sms: 108, channels: 0, share: 1) == 1)
        #expect(CollectiveInterference.computeRate(sms: 108, channels: 27, share: 1) == 0.75)
        #expect(CollectiveInterference.computeRate(sms: 108, channels: 54, share: 0.5) == 0.75)
        // More blocks than SMs leave compute one SM, not none.
        #expect(CollectiveInterference.computeRate(sms: 13, channels: 28, share: 1) == 1.0 / 13)
    }

    // MARK: The step

    /// The must-show: with interference, the overlapped step is longer than the same
    /// step with communication on a separate idle resource (share 0: the collective
    /// takes nothing from compute), in both fidelities; and a backward task that runs
    /// wholly inside a collective takes SMs / (SMs − blocks) times as long. On a
    /// 200 Gb/s NIC the last bucket's all-reduce is short, so backward's pace sets the step.
    @Test(arguments: [Fidelity.expanded, .aggregated])
    func interferenceMakesAnOverlappedStepLonger(fidelity: Fidelity) throws {
        let c = cluster(nic: "ib-hdr")
        let free = try run(fidelity, gpus: 16, share: 0, cluster: c)
        let slowed = try run(fidelity, gpus: 16, share: 1, cluster: c)
        #expect(slowed.metrics.stepSeconds > free.metrics.stepSeconds)
        #expect(slowed.metrics.computeSeconds > free.metrics.computeSeconds)
        // Only compute that overlaps a collective slows: the step's first forward task does not.
        let first = try #require(free.graph.tasks.first { $0.kind == .forward && $0.step == 1 && $0.device == 0 })
        #expect(slowed.trace.records[first.id].duration == free.trace.records[first.id].duration)
        guard fidelity == .aggregated else { return }
        let sms = try #require(c.gpu.streamingMultiprocessors)
        var checked = 0
        for collective in slowed.trace.records where collective.kind == .collective && collective.step == 1 {
            let blocks = try #require(slowed.graph.collectives.first { $0.group == collective.group }?.ncclChannels)
            for r in slowed.trace.records where r.kind == .backward && r.device == collective.device
                && r.start > collective.start && r.end < collective.end {
                let alone = Double(free.trace.records[r.task].duration.nanoseconds)
                let expected = alone * Double(sms) / Double(sms - blocks)
                #expect(abs(Double(r.duration.nanoseconds) - expected) <= 1, "\(r.label): \(r.duration) vs \(expected) ns")
                checked += 1
            }
        }
        #expect(checked > 10)
    }

    /// Both fidelities price the mechanism alike: with interference, the step agrees
    /// within 5% across fidelities (as without), and so does what interference adds.
    @Test(arguments: [8, 16, 32])
    func fidelitiesAgree(gpus: Int) throws {
        let c = cluster()
        let expanded = try run(.expanded, gpus: gpus, share: 1, cluster: c).metrics
        let aggregated = try run(.aggregated, gpus: gpus, share: 1, cluster: c).metrics
        #expect(abs(aggregated.stepSeconds / expanded.stepSeconds - 1) <= 0.05,
                "\(gpus) GPUs: aggregated \(aggregated.stepSeconds) s, expanded \(expanded.stepSeconds) s")
        let addedExpanded = expanded.computeSeconds - (try run(.expanded, gpus: gpus, share: 0, cluster: c).metrics.computeSeconds)
        let addedAggregated = aggregated.computeSeconds - (try run(.aggregated, gpus: gpus, share: 0, cluster: c).metrics.computeSeconds)
        #expect(addedExpanded > 0 && addedAggregated > 0)
        #expect(abs(addedAggregated / addedExpanded - 1) <= 0.10, "\(gpus) GPUs: added \(addedAggregated) s vs \(addedExpanded) s")
    }

    /// A GPU holds one NCCL collective's blocks at a time, as NCCL's one stream runs them: a
    /// bucket reached while another is in flight on the GPU takes its blocks only once that one
    /// has ended (before, the second bucket's 20 blocks slowed compute from its first send).
    @Test func aGPUHoldsOneCollectivesBlocksAtATime() throws {
        let c = cluster()
        var graph = TaskGraph(gpus: 16, steps: 1)
        let short = graph.add(.forward, label: "short", device: 0, work: .compute(ComputeWork(flops: 1e11, memoryBytes: 0)), after: [], step: 0)
        _ = graph.add(.forward, label: "long", device: 0, work: .compute(ComputeWork(flops: 2e13, memoryBytes: 0)), after: [short], step: 0)
        // Two buckets from GPU 0 to the other node's GPU 8 over one 25 GbE NIC: the first from the start, the second after `short`.
        let first = graph.transfer(5e6, from: 0, to: 8, label: "a", after: [], step: 0, group: "a")
        let second = graph.transfer(5e6, from: 0, to: 8, label: "b", after: [short], step: 0, group: "b")
        graph.collectives = [CollectivePlan(group: "a", bytes: 5e6, algorithm: .nccl, ncclChannels: 2),
                             CollectivePlan(group: "b", bytes: 5e6, algorithm: .nccl, ncclChannels: 20)]
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: c, gpus: 16), cost: CostModel(gpu: c.gpu, precision: .bf16),
                                        profile: profile(share: 1))
        let firstEnd = trace.records[first].end
        #expect(trace.records[short].end < firstEnd && firstEnd < trace.records[second].end, "the buckets overlap")
        let held = trace.slowedCompute.filter { $0.device == 0 }
        #expect(held.contains { $0.blocks == 2 } && held.contains { $0.blocks == 20 })
        #expect(held.filter { $0.blocks == 20 }.allSatisfy { $0.start >= firstEnd }, "\(held.map { ($0.blocks, $0.start, $0.end) })")
    }

    /// A GPU the catalog gives no SM count: no interference is modelled (the step is
    /// the free one) rather than a guessed one.
    @Test func withoutTheSMCountOverlapStaysFree() throws {
        let c = cluster(gpu: "L4")
        #expect(c.gpu.streamingMultiprocessors == nil)
        let free = try run(.aggregated, gpus: 16, share: 0, cluster: c)
        let slowed = try run(.aggregated, gpus: 16, share: 1, cluster: c)
        #expect(slowed.metrics.stepSeconds == free.metrics.stepSeconds)
    }

    /// Same scenario, same bytes: the rate changes are deterministic.
    @Test func deterministic() throws {
        let a = try run(.expanded, gpus: 8, share: 1, cluster: cluster()), b = try run(.expanded, gpus: 8, share: 1, cluster: cluster())
        #expect(zip(a.trace.records, b.trace.records).allSatisfy { $0.start == $1.start && $0.end == $1.end })
    }
}
