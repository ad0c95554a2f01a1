import CostModel
import Hardware
@testable import Parallelism
import Testing
import Workload
@testable import Simulation

/// The model-parallel exchanges as a library's collectives (`CollectiveKind`): each
/// expanded into its algorithm's transfers and simulated must take what its closed form
/// (`CollectiveModel+Exchanges`) and the textbook formula say on idle uniform links;
/// and a hybrid planned with them agrees between the fidelities where nothing contends.
@Suite struct ExchangeCollectiveTests {
    let catalog = try! Catalog.builtIn()

    /// One collective of `kind` over `n` GPUs of a uniform mesh (β per pair, α per hop), expanded and simulated.
    func simulated(_ kind: CollectiveKind, gpus n: Int, bytes: Double, root: Int, cluster: ClusterSpec) -> Double {
        var graph = TaskGraph(gpus: n, steps: 1)
        _ = graph.exchange(kind, bytes: bytes, ranks: Array(0..<n), root: root, ready: Array(repeating: [], count: n), step: 0,
                           group: "test")
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: n), cost: CostModel(gpu: cluster.gpu, precision: .fp32))
        return trace.makespan.seconds
    }

    func closedForm(_ kind: CollectiveKind, gpus n: Int, bytes: Double, cluster: ClusterSpec) -> Double {
        CollectiveModel(topology: Topology(cluster: cluster, gpus: n), sharesPrices: false)
            .seconds(for: CollectiveWork(kind, algorithm: .ring, bytes: bytes, ranks: n))
    }

    /// Ring all-gather and reduce-scatter: (N − 1)·(B/(N·β) + α); pipelined broadcast and
    /// reduce of P pieces: (P + N − 2)·(B/(P·β) + α). The engine rounds each transfer up to
    /// the nanosecond, so simulated times may exceed the formula by a nanosecond per step.
    @Test(arguments: [CollectiveKind.allGather, .reduceScatter, .broadcast, .reduce], [2, 3, 4, 8, 16])
    func expandedEqualsClosedFormOnIdleUniformLinks(kind: CollectiveKind, gpus n: Int) {
        let beta = 10e9, alpha = 2e-6, bytes = 96e6
        let mesh = Fixtures.meshCluster(gpus: n, bytesPerSecond: beta, latency: alpha)
        let nn = Double(n), pieces = Double(TaskGraph.pieces(for: bytes))
        let steps = kind == .broadcast || kind == .reduce ? pieces + nn - 2 : nn - 1
        let formula = kind == .broadcast || kind == .reduce ? steps * (bytes / pieces / beta + alpha) : steps * (bytes / nn / beta + alpha)
        let closed = closedForm(kind, gpus: n, bytes: bytes, cluster: mesh)
        #expect(abs(closed - formula) < 1e-12 * steps, "\(kind) on \(n): closed form \(closed) s, formula \(formula) s")
        for root in Set([0, n - 1]) {
            let expanded = simulated(kind, gpus: n, bytes: bytes, root: root, cluster: mesh)
            #expect(expanded >= formula - 1e-12 && expanded - formula <= 1e-9 * steps,
                    "\(kind) on \(n) from root \(root): simulated \(expanded) s, formula \(formula) s")
        }
    }

    /// Under NCCL's algorithms an all-gather or reduce-scatter runs on NCCL's rings (one
    /// per stride coprime to N on a mesh): on one node of a uniform mesh, NCCL's base
    /// latency + (N − 1)·(B/(N·L·η·β) + max(α, step latency)), simulated and closed form
    /// (half the steps of `NCCLCollectiveTests`' all-reduce ring); across DGX A100-style
    /// nodes with eight NICs (a ring per rail), the expanded rings within 5% of the closed form.
    @Test(arguments: [CollectiveKind.allGather, .reduceScatter], [2, 4, 5, 8])
    func ncclRingExchangesAreTheirFormula(kind: CollectiveKind, gpus n: Int) {
        let bytes = 168e6, beta = 10e9, alpha = 1e-6
        let mesh = Fixtures.meshCluster(gpus: n, bytesPerSecond: beta, latency: alpha)
        let system = NCCLSystem(cluster: mesh, gpus: n)
        for proto in NCCLProtocol.allCases {
            let run = NCCLRun(system: system, choice: NCCLChoice(.ring, proto))
            let layouts = Double(system.layouts)
            let formula = NCCLSystem.baseLatency[.ring]![proto]! * 1e-6
                + Double(n - 1) * (bytes / (Double(n) * layouts * proto.wireEfficiency * beta) + max(alpha, NCCLSystem.hopLatency[.nvlink]![.ring]![proto]! * 1e-6))
            var graph = TaskGraph(gpus: n, steps: 1)
            _ = graph.exchange(kind, bytes: bytes, ranks: Array(0..<n), ready: Array(repeating: [], count: n), step: 0, group: "test", ncclRing: run)
            let simulated = GraphSimulation.run(graph, topology: Topology(cluster: mesh, gpus: n), cost: CostModel(gpu: mesh.gpu, precision: .fp32))
                .makespan.seconds
            let closed = CollectiveModel(topology: Topology(cluster: mesh, gpus: n), sharesPrices: false)
                .seconds(for: CollectiveWork(kind, algorithm: .nccl, bytes: bytes, ranks: n, ncclRing: run))
            #expect(abs(simulated - formula) <= Double(n) * 1e-9, "\(kind) \(proto) on \(n): simulated \(simulated) s, formula \(formula) s")
            #expect(abs(closed - formula) < 1e-12, "\(kind) \(proto) on \(n): closed form \(closed) s, formula \(formula) s")
        }
        let dgx = ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                              network: NetworkSpec(nic: catalog.link(named: "ib-hdr")!, nicsPerNode: 8), hostLink: catalog.link(named: "pcie4-x16")!)
        let ranks = 2 * n
        let nodes = NCCLSystem(cluster: dgx, gpus: ranks)
        let run = NCCLRun(system: nodes, choice: nodes.choose(bytes: 25e6, among: [.ring]))
        var graph = TaskGraph(gpus: ranks, steps: 1)
        _ = graph.exchange(kind, bytes: 25e6, ranks: Array(0..<ranks), ready: Array(repeating: [], count: ranks), step: 0, group: "test",
                           ncclRing: run)
        let simulated = GraphSimulation.run(graph, topology: Topology(cluster: dgx, gpus: ranks), cost: CostModel(gpu: dgx.gpu, precision: .fp32))
            .makespan.seconds
        let closed = CollectiveModel(topology: Topology(cluster: dgx, gpus: ranks), sharesPrices: false)
            .seconds(for: CollectiveWork(kind, algorithm: .nccl, bytes: 25e6, ranks: ranks, ranksPerNode: 8, ncclRing: run))
        #expect(abs(closed / simulated - 1) <= 0.05, "\(kind) on \(ranks) DGX GPUs: closed \(closed) s, simulated \(simulated) s")
    }

    /// Exchanges are priced by their own forms, not the all-reduce's: an all-gather is
    /// half a ring all-reduce of the same bytes on the same links (one of its two halves).
    @Test func allGatherIsHalfTheRingAllReduce() {
        let mesh = Fixtures.meshCluster(gpus: 8, bytesPerSecond: 10e9, latency: 2e-6)
        let model = CollectiveModel(topology: Topology(cluster: mesh, gpus: 8), sharesPrices: false)
        let half = model.seconds(for: CollectiveWork(.allGather, algorithm: .ring, bytes: 64e6, ranks: 8))
        let whole = model.seconds(for: CollectiveWork(algorithm: .ring, bytes: 64e6, ranks: 8))
        #expect(abs(2 * half - whole) < 1e-12)
        #expect(model.seconds(for: CollectiveWork(.broadcast, algorithm: .ring, bytes: 64e6, ranks: 1)) == 0)
    }

    func setup(gpus: Int, exchanges: ModelParallelExchanges) throws -> TrainingSetup {
        var setup = TrainingSetup(network: try #require(Zoo.model(named: "alexnet-owt-cc2")), precision: .fp32, batchPerGPU: 128,
                                  gpus: gpus, steps: 3)
        setup.gpusPerNode = 8
        setup.modelParallelExchanges = exchanges
        return setup
    }

    /// On one NVSwitch node (every GPU its own port) the exchanges contend with nothing but
    /// each other, and aggregated, each one task at its closed form, gives the expanded step.
    @Test(arguments: [ExchangeScheme.a, .b, .c])
    func aggregatedHybridAgreesWithExpandedOnOneNode(scheme: ExchangeScheme) throws {
        let cluster = ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                                  network: nil, hostLink: catalog.link(named: "pcie4-x16")!)
        let setup = try setup(gpus: 8, exchanges: .collectives)
        let strategy = Strategy.hybrid(scheme: scheme, variant: .exact)
        var steps: [Double] = []
        for fidelity in [Fidelity.expanded, .aggregated] {
            let graph = try Planner.plan(setup, strategy: strategy, fidelity: fidelity)
            #expect(graph.gpus == (fidelity == .aggregated ? 1 : 8))
            let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: 8), cost: CostModel(gpu: cluster.gpu, precision: .fp32))
            steps.append(StepMetrics.measure(trace, gpus: graph.gpus, globalBatch: setup.globalBatch, step: 1).stepSeconds)
        }
        #expect(abs(steps[1] / steps[0] - 1) < 0.02, "scheme \(scheme): expanded \(steps[0]) s, aggregated \(steps[1]) s")
    }

    /// Aggregated, each exchange is one collective task of its kind; point to point, one task
    /// whose transfers are laid out once beside the plan (`TaskGraph.exchanges`).
    @Test func aggregatedPlanHasOneTaskPerExchange() throws {
        let k = 64
        let graph = try Planner.plan(try setup(gpus: k, exchanges: .collectives), strategy: .hybrid(scheme: .b, variant: .exact), fidelity: .aggregated)
        #expect(graph.gpus == 1 && graph.representedGPUs == k)
        var kinds: [CollectiveKind: Int] = [:]
        for task in graph.tasks where task.step == 0 {
            if case .collective(let work) = task.work {
                #expect(work.ranks == k)
                kinds[work.kind, default: 0] += 1
            }
        }
        // Per chunk (K of them): the broadcast, fc7's, fc8's and the loss's input all-gathered,
        // fc8's and fc7's input gradients reduce-scattered, the return reduced.
        #expect(kinds[.broadcast] == k && kinds[.reduce] == k && kinds[.allGather] == 3 * k && kinds[.reduceScatter] == 2 * k)
        #expect(!graph.tasks.contains { $0.kind == .transfer })
        let pointToPoint = try Planner.plan(try setup(gpus: 8, exchanges: .pointToPoint), strategy: .hybrid(scheme: .b, variant: .exact),
                                            fidelity: .aggregated)
        #expect(pointToPoint.gpus == 1 && !pointToPoint.exchanges.isEmpty && !pointToPoint.tasks.contains { $0.kind == .transfer })
        #expect(pointToPoint.exchanges.allSatisfy { $0.gpus == 8 && $0.tasks.allSatisfy { $0.kind == .transfer } })
    }
}
