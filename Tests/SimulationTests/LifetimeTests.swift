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
}
