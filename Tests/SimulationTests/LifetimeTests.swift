import CostModel
import Hardware
import Parallelism
import SimCore
import Software
import Testing
import Workload
@testable import Simulation

/// A simulation must free everything it built once it returns: a sweep runs
/// hundreds of thousands of them in one process.
@Suite struct LifetimeTests {
    /// The profiles that exercise every path of a run: none (the hardware alone), host
    /// launches, and host launches gated by a sync before the update (each keeps
    /// callbacks in the engine's resources while it runs).
    static let profiles: [ExecutionProfile] = {
        let launches = ExecutionProfile(name: "launches", summary: "test", launchSecondsPerKernelForward: 10e-6,
                                        launchSecondsPerKernelBackward: 20e-6, launchSecondsPerKernelUpdate: 5e-6)
        var synced = launches
        synced.hostSyncBeforeUpdate = true
        return [.ideal, launches, synced]
    }()

    @Test(arguments: [1, 4], profiles.indices)
    func aSimulationFreesItsEngineWhenItReturns(gpus: Int, profile: Int) throws {
        let net = try Fixtures.tinyNetwork()
        let cluster = Fixtures.pcieCluster()
        let setup = TrainingSetup(network: net, precision: .fp32, batchPerGPU: 8, gpus: gpus, steps: 2)
        let graph = try Planner.plan(setup, strategy: .data(DataParallelOptions(algorithm: .ring, bucketBytes: 1e5)))
        weak var engine: Simulator?
        let trace: Trace = try {
            let simulator = Simulator()
            engine = simulator
            let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: gpus),
                                            cost: CostModel(gpu: cluster.gpu, precision: .fp32), profile: Self.profiles[profile],
                                            on: simulator)
            try #require(trace.records.count == graph.tasks.count)
            return trace
        }()
        #expect(trace.makespan > .zero)
        #expect(engine == nil, "the simulation's engine outlived it: something it scheduled still holds it")
    }

    /// The events of every other kind a run schedules leave nothing behind either: NCCL
    /// collectives that slow compute (the collective streams under aggregated fidelity;
    /// transfers in flight under expanded), transfers whose software adds latency after
    /// their last leg, and tasks that wait out a start delay. The run must have taken
    /// each of those paths, or the test proves nothing.
    @Test(arguments: [Fidelity.expanded, .aggregated])
    func everyKindOfEventLeavesNothingBehind(fidelity: Fidelity) throws {
        let catalog = try Catalog.builtIn()
        let cluster = ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: 2,
                                  fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                                  network: NetworkSpec(nic: catalog.link(named: "eth-25g")!, nicsPerNode: 1),
                                  hostLink: catalog.link(named: "pcie4-x16")!)
        var setup = TrainingSetup(network: try Fixtures.tinyNetwork(), precision: .bf16, batchPerGPU: 8, gpus: 4, steps: 2)
        setup.gpusPerNode = cluster.gpusPerNode
        setup.nccl = NCCLSystem(cluster: cluster, gpus: 4)
        var graph = try Planner.plan(setup, strategy: .data(DataParallelOptions(algorithm: .nccl)), fidelity: fidelity)
        let delayed = try #require(graph.tasks.first { !$0.dependencies.isEmpty && $0.kind != .transfer })
        graph.delayStart(of: delayed.id, by: 1e-3, cause: .fusion)
        if fidelity == .expanded {
            let transfer = try #require(graph.tasks.first { $0.kind == .transfer })
            graph.addLatency(5e-6, toTransfer: transfer.id)
        }
        var profile = ExecutionProfile.ideal
        profile.collectiveSMShare = 1
        weak var engine: Simulator?
        let trace: Trace = {
            let simulator = Simulator()
            engine = simulator
            return GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: 4),
                                       cost: CostModel(gpu: cluster.gpu, precision: .bf16), profile: profile, on: simulator)
        }()
        #expect(trace.records.count == graph.tasks.count)
        #expect(trace.waits.map(\.task) == [delayed.id], "the start delay was not waited out")
        #expect(!trace.slowedCompute.isEmpty, "no collective slowed compute")
        #expect(engine == nil, "the simulation's engine outlived it: something it scheduled still holds it")
    }
}
