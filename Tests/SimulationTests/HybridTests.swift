import CostModel
import Hardware
import Parallelism
import SimCore
import Testing
import Workload
@testable import Simulation

@Suite struct HybridTests {
    let catalog = try! Catalog.builtIn()

    /// The paper's kind of server: K20s, two per PCIe 2.0 switch, two switches per socket.
    func k20Server(gpuLink: String = "pcie2-x16-p2p") -> ClusterSpec {
        k20Server(gpuLink: catalog.link(named: gpuLink)!)
    }

    func k20Server(gpuLink: LinkSpec) -> ClusterSpec {
        ClusterSpec(gpu: catalog.gpu(named: "K20")!, gpusPerNode: 8,
                    fabric: .pcieTree(PCIeTreeSpec(gpuLink: gpuLink, uplink: catalog.link(named: "pcie3-x16")!,
                                                   socketLink: catalog.link(named: "qpi-8gt")!, gpusPerSwitch: 2, switchesPerSocket: 2)),
                    network: nil, hostLink: catalog.link(named: "pcie2-x16")!)
    }

    func simulate(_ strategy: Strategy, gpus: Int, cluster: ClusterSpec? = nil, batch: Int = 128,
                  net: Network? = nil, exchanges: ModelParallelExchanges = .pointToPoint) throws -> (TaskGraph, Trace, StepMetrics) {
        let network = try net ?? #require(Zoo.model(named: "alexnet-owt-cc2"))
        var setup = TrainingSetup(network: network, precision: .fp32, batchPerGPU: batch, gpus: gpus, steps: 3)
        setup.modelParallelExchanges = exchanges
        let graph = try Planner.plan(setup, strategy: strategy)
        let server = cluster ?? k20Server()
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: server, gpus: gpus),
                                        cost: CostModel(gpu: server.gpu, precision: .fp32))
        return (graph, trace, StepMetrics.measure(trace, gpus: gpus, globalBatch: setup.globalBatch, step: 1))
    }

    /// An exact step moves exactly what the method implies: each worker's boundary
    /// activations to every other worker, the same bytes of input gradients back,
    /// the FC slices all-gathered and reduce-scattered around each FC layer, and
    /// 2(K−1)/K of the conv gradients out of every worker (direct all-reduce). As a
    /// library's collectives the exchanges move the same bytes: a ring all-gather's N − 1
    /// steps of N slices are the N(N − 1) slices sent pair by pair, and the pipelined
    /// chains carry each message once per hop.
    @Test(arguments: [2, 4], ModelParallelExchanges.allCases)
    func exactStepMovesTheBytesTheMethodImplies(gpus k: Int, exchanges: ModelParallelExchanges) throws {
        let net = try #require(Zoo.model(named: "alexnet-owt-cc2"))
        let b = 128.0, kk = Double(k), f = 4.0   // fp32 bytes
        let (graph, trace, _) = try simulate(.hybrid(scheme: .b, variant: .exact), gpus: k, exchanges: exchanges)
        #expect(graph.modelParallelExchanges == exchanges)
        let last = graph.steps - 1
        func moved(_ prefix: String) -> Double {
            trace.records.filter { $0.step == last && $0.kind == .transfer && ($0.group ?? "").hasPrefix(prefix) }.reduce(0) { $0 + $1.bytes }
        }
        let pool5 = Double(net.layers[net.index(of: "pool5")!].outputShape.elements)
        let fc6 = Double(net.layers[net.index(of: "fc6")!].outputShape.elements)
        let fc7 = Double(net.layers[net.index(of: "fc7")!].outputShape.elements)
        let fc8 = Double(net.layers[net.index(of: "fc8")!].outputShape.elements)
        let convParameters = Double(net.layers[1..<net.index(of: "fc6")!].reduce(0) { $0 + $1.cost.parameters })
        // K chunks of b examples; per chunk every worker sends its 1/K slice to K−1 others.
        let gatherPerUnit = kk * (kk - 1) * b / kk * f * kk   // over all chunks, per unit of layer width
        #expect(abs(moved("activations") - kk * (kk - 1) * b * pool5 * f) < 1)
        #expect(abs(moved("gradient return") - kk * (kk - 1) * b * pool5 * f) < 1)
        #expect(abs(moved("all-gather fc7 input") - gatherPerUnit * fc6) < 1)
        #expect(abs(moved("all-gather fc8 input") - gatherPerUnit * fc7) < 1)
        #expect(abs(moved("all-gather loss input") - gatherPerUnit * fc8) < 1)
        #expect(abs(moved("reduce-scatter fc8 gradient") - gatherPerUnit * fc7) < 1)
        #expect(abs(moved("reduce-scatter fc7 gradient") - gatherPerUnit * fc6) < 1)
        #expect(abs(moved("allreduce") - 2 * (kk - 1) * convParameters * f) < 1)
        // Nothing else crosses the links.
        let all = trace.records.filter { $0.step == last && $0.kind == .transfer }.reduce(0) { $0 + $1.bytes }
        let named = ["activations", "gradient return", "all-gather", "reduce-scatter", "allreduce"].reduce(0) { $0 + moved($1) }
        #expect(abs(all - named) < 1)
    }

    /// Scheme (b) overlaps each chunk's computation with the next broadcast, so on
    /// a bandwidth-bound link its step is shorter than (a)'s, which exchanges
    /// everything before any FC work. The net has one big FC layer, so the
    /// boundary exchange, not the exchanges between FC layers, is what costs. The FC
    /// products take the default size curve, not the K20's measured cuBLAS curve
    /// (`gemm_curve`), under which (b)'s 64-example products would run at well under half
    /// of (a)'s 256-example efficiency: this compares the schedules, not the GEMM shapes.
    @Test func schemeBOverlapsCommunicationWithComputation() throws {
        var builder = NetworkBuilder(name: "one-fc", input: TensorShape(channels: 3, height: 64, width: 64))
        try builder.conv("conv1", out: 64, kernel: 5, stride: 2, pad: 2); try builder.relu("relu1")
        try builder.conv("conv2", out: 256, kernel: 3, pad: 1); try builder.relu("relu2")
        try builder.maxPool("pool2", kernel: 2, stride: 2)
        try builder.fc("fc", units: 8192)
        try builder.softmax("loss")
        let net = try builder.finish()
        var slow = k20Server(gpuLink: LinkSpec(name: "slow", kind: .pcie, bytesPerSecond: 1e9, latencySeconds: 2.5e-6, source: "test"))
        slow.gpu.gemmCurve = [:]
        let a = try simulate(.hybrid(scheme: .a, variant: .exact), gpus: 4, cluster: slow, batch: 64, net: net).2
        let b = try simulate(.hybrid(scheme: .b, variant: .exact), gpus: 4, cluster: slow, batch: 64, net: net).2
        #expect(b.stepSeconds < a.stepSeconds)
        #expect(b.exposedCommunicationSeconds < a.exposedCommunicationSeconds)
    }

    /// With one GPU every strategy is the single-GPU run.
    @Test(arguments: [Strategy.hybrid(scheme: .a, variant: .exact), .hybrid(scheme: .b, variant: .approximate),
                      .hybrid(scheme: .c, variant: .exact), .model()])
    func oneWorkerEqualsTheSingleGPURun(strategy: Strategy) throws {
        let single = try simulate(.data(), gpus: 1)
        let other = try simulate(strategy, gpus: 1)
        #expect(other.2 == single.2)
        #expect(other.1.records.count == single.1.records.count)
    }

    @Test func approximateUpdatesTheFCSlicesOncePerChunk() throws {
        for (variant, expected) in [(UpdateVariant.exact, 1), (.approximate, 4)] {
            let (graph, _, _) = try simulate(.hybrid(scheme: .b, variant: variant), gpus: 4)
            let updates = graph.tasks.filter { $0.step == 0 && $0.device == 0 && $0.label == "update model-parallel slice" }
            #expect(updates.count == expected)
        }
    }

    @Test(arguments: [ExchangeScheme.a, .b, .c])
    func everySchemeAndVariantRunsAndNoGPUComputesTwoTasksAtOnce(scheme: ExchangeScheme) throws {
        for variant in UpdateVariant.allCases {
            let (_, trace, m) = try simulate(.hybrid(scheme: scheme, variant: variant), gpus: 4, batch: 30)
            #expect(m.stepSeconds > 0)
            for g in 0..<4 {
                let spans = trace.records.filter { $0.device == g && $0.kind != .transfer }.sorted { $0.start < $1.start }
                for (x, y) in zip(spans, spans.dropFirst()) { #expect(x.end <= y.start) }
            }
        }
    }

    /// Scheme (c) with fewer examples per worker than workers: the pieces past the last
    /// example are empty and get no round (b rounds, not K), under point-to-point exchanges
    /// and a library's collectives alike.
    @Test(arguments: ModelParallelExchanges.allCases)
    func schemeCWithFewerExamplesThanWorkersRunsARoundPerExample(exchanges: ModelParallelExchanges) throws {
        for (batch, gpus) in [(1, 2), (3, 4)] {
            let (graph, _, m) = try simulate(.hybrid(scheme: .c, variant: .exact), gpus: gpus, batch: batch, exchanges: exchanges)
            #expect(m.stepSeconds > 0)
            #expect(graph.chunks.count == batch && graph.chunks.allSatisfy { !$0.isEmpty })
        }
    }

    @Test func plainModelParallelismSplitsEveryLayer() throws {
        let (graph, _, m) = try simulate(.model(), gpus: 2)
        #expect(m.stepSeconds > 0)
        #expect(!graph.tasks.contains { ($0.group ?? "").hasPrefix("allreduce") })
        #expect(graph.tasks.contains { ($0.group ?? "").hasPrefix("all-gather conv2 input") })
    }

    @Test func modelParallelismNeedsAChain() throws {
        let resnet = try #require(Zoo.model(named: "resnet50"))
        #expect(throws: ModelError.self) { try Strategy.model().modelParallelStart(in: resnet) }
        #expect(try Strategy.hybrid(scheme: .b, variant: .exact).modelParallelStart(in: resnet) == resnet.index(of: "fc"))
        let inception = try #require(Zoo.model(named: "inception-v3"))
        #expect(try Strategy.hybrid(scheme: .b, variant: .exact).modelParallelStart(in: inception) == inception.index(of: "fc"))
        #expect(throws: ModelError.self) { try Strategy.hybrid(scheme: .b, variant: .exact, from: "nope").modelParallelStart(in: resnet) }
    }
}
