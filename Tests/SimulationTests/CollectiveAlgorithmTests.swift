import CostModel
import Parallelism
import SimCore
import Testing
import Workload
@testable import Hardware
@testable import Simulation

/// The all-reduces libraries run at scale — hierarchical, halving-doubling and a
/// parameter server — simulated transfer by transfer against their textbook closed
/// forms, against the aggregated fidelity's `CollectiveModel`, and against the flat ring.
///
/// Figures are chosen so that every phase lasts a whole number of nanoseconds: the
/// engine rounds each flow's time up to the nanosecond, so with other figures the
/// simulated time may exceed the formula by up to 1 ns per phase.
@Suite struct CollectiveAlgorithmTests {
    let catalog = try! Catalog.builtIn()

    /// Nodes of `perNode` GPUs in an NVLink mesh (`intra` bytes/s and `intraLatency` to
    /// each peer), `nics` NICs of `network` bytes/s and `networkLatency` per node, GPUs
    /// and host memory reaching them over a host link of `host` bytes/s and `hostLatency`.
    func cluster(perNode: Int, intra: Double = 50e9, intraLatency: Double = 1e-6, network: Double = 10e9,
                 networkLatency: Double = 2e-6, host: Double = 100e9, hostLatency: Double = 0.5e-6, nics: Int = 1) -> ClusterSpec {
        let mesh = LinkSpec(name: "mesh", kind: .nvlink, bytesPerSecond: intra * Double(max(1, perNode - 1)),
                            latencySeconds: intraLatency, source: "test")
        let nic = LinkSpec(name: "nic", kind: .infiniband, bytesPerSecond: network, latencySeconds: networkLatency, source: "test")
        let hostLink = LinkSpec(name: "host", kind: .pcie, bytesPerSecond: host, latencySeconds: hostLatency, source: "test")
        return ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: perNode, fabric: .nvlinkMesh(mesh),
                           network: NetworkSpec(nic: nic, nicsPerNode: nics), hostLink: hostLink)
    }

    /// One all-reduce of `bytes` over all GPUs, expanded and simulated.
    func simulate(_ algorithm: AllReduceAlgorithm, cluster: ClusterSpec, gpus n: Int, bytes: Double) -> (Trace, Topology) {
        var graph = TaskGraph(gpus: n, steps: 1)
        _ = graph.allReduce(algorithm, bytes: bytes, ranks: Array(0..<n), ready: Array(repeating: [], count: n),
                            step: 0, group: "test", gpusPerNode: cluster.gpusPerNode)
        let topology = Topology(cluster: cluster, gpus: n)
        return (GraphSimulation.run(graph, topology: topology, cost: CostModel(gpu: cluster.gpu, precision: .fp32)), topology)
    }

    func closedForm(_ algorithm: AllReduceAlgorithm, cluster: ClusterSpec, gpus n: Int, bytes: Double) -> Double {
        CollectiveModel(topology: Topology(cluster: cluster, gpus: n))
            .seconds(for: CollectiveWork(algorithm: algorithm, bytes: bytes, ranks: n, ranksPerNode: cluster.gpusPerNode))
    }

    static func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / b }

    // MARK: Idle links: simulated = closed form = textbook formula

    /// Halving-doubling on one node's uniform mesh: 2·log2(p)·α + 2(p−1)/p·B/β, plus
    /// MPICH's fold and unfold (2·(α + B/β)) when N is not a power of two p.
    @Test(arguments: [2, 3, 4, 6, 8, 12, 16])
    func halvingDoublingMatchesItsClosedForm(gpus n: Int) {
        let bytes = 160e6, beta = 10e9, alpha = 2e-6
        let mesh = Fixtures.meshCluster(gpus: n, bytesPerSecond: beta, latency: alpha)
        let (trace, _) = simulate(.halvingDoubling, cluster: mesh, gpus: n, bytes: bytes)
        var p = 1
        while p * 2 <= n { p *= 2 }
        let steps = Double(Int.bitWidth - 1 - p.leadingZeroBitCount)
        var formula = 2 * steps * alpha + 2 * Double(p - 1) / Double(p) * bytes / beta
        if p < n { formula += 2 * (alpha + bytes / beta) }
        #expect(Self.relative(trace.makespan.seconds, formula) < 1e-9, "simulated \(trace.makespan.seconds) s, formula \(formula) s")
        #expect(Self.relative(closedForm(.halvingDoubling, cluster: mesh, gpus: n, bytes: bytes), formula) < 1e-9)
        // Every participant of the power-of-two part sends 2(p−1)/p·B; a folded pair's ranks B more each.
        let sent = (0..<n).map { g in trace.records.filter { $0.device == g }.reduce(0) { $0 + $1.bytes } }
        for g in (2 * (n - p))..<n { #expect(abs(sent[g] - 2 * Double(p - 1) / Double(p) * bytes) < 1e-3) }
    }

    /// Hierarchical on nodes of g GPUs (mesh: β_i, α_i per step), one NIC per GPU or one
    /// per node: 2(g−1)·(B/(g·β_i) + α_i) + 2(n−1)·(B/(g·n·β_e) + α_e), with β_e the
    /// NIC's bandwidth shared by the rings that cross it and α_e the route's latency
    /// (host link, NIC, NIC, host link).
    @Test(arguments: [(4, 2, 4), (4, 4, 4), (4, 2, 1), (2, 8, 1), (8, 4, 8)])
    func hierarchicalMatchesItsClosedForm(perNode g: Int, nodes n: Int, nics: Int) {
        let bytes = 128e6, intra = 50e9, network = 10e9
        let c = cluster(perNode: g, intra: intra, network: network, nics: nics)
        let (trace, _) = simulate(.hierarchical, cluster: c, gpus: g * n, bytes: bytes)
        let ringsPerNIC = Double(g / nics)
        let formula = 2 * Double(g - 1) * (bytes / Double(g) / intra + 1e-6)
            + 2 * Double(n - 1) * (bytes / Double(g * n) / (network / ringsPerNIC) + 2 * 0.5e-6 + 2 * 2e-6)
        #expect(Self.relative(trace.makespan.seconds, formula) < 1e-9, "simulated \(trace.makespan.seconds) s, formula \(formula) s")
        #expect(Self.relative(closedForm(.hierarchical, cluster: c, gpus: g * n, bytes: bytes), formula) < 1e-9)
    }

    /// Parameter server with one NIC per node: the intra-node rings, the g copies of
    /// B/g to host memory sharing the NIC's host link (B/β_h + 2α_h), the push and the
    /// pull ((n−1)/n·B/β_e + 2α_h + 2α_e each: n−1 flows share each NIC), the copies back.
    /// (Node counts whose n−1 flows split 10 GB/s into whole bytes per second: with
    /// n = 4 each share is 3.33 GB/s and the engine rounds the push and the pull up by
    /// 1 ns each.)
    @Test(arguments: [(4, 2), (4, 3), (1, 5), (8, 2), (2, 5)])
    func parameterServerMatchesItsClosedForm(perNode g: Int, nodes n: Int) {
        let bytes = 120e6, intra = 50e9, network = 10e9, host = 100e9
        let c = cluster(perNode: g, intra: intra, network: network, host: host)
        let (trace, _) = simulate(.parameterServer, cluster: c, gpus: g * n, bytes: bytes)
        let formula = 2 * Double(g - 1) * (bytes / Double(g) / intra + 1e-6)
            + 2 * (bytes / host + 2 * 0.5e-6)
            + 2 * (Double(n - 1) / Double(n) * bytes / network + 2 * 0.5e-6 + 2 * 2e-6)
        #expect(Self.relative(trace.makespan.seconds, formula) < 1e-9, "simulated \(trace.makespan.seconds) s, formula \(formula) s")
        #expect(Self.relative(closedForm(.parameterServer, cluster: c, gpus: g * n, bytes: bytes), formula) < 1e-9)
    }

    /// The parameter server's four stages (inside the nodes, the push, the pull, inside the
    /// nodes again) are its closed form's parts: each as the textbook formula's, summing to the
    /// whole; a single server's two (push, pull) likewise. Every other all-reduce, and the
    /// parameter server on one node, is one stage.
    @Test(arguments: [(4, 2), (8, 2), (2, 5)])
    func parameterServerStagesSumToItsClosedForm(perNode g: Int, nodes n: Int) {
        let bytes = 120e6, intra = 50e9, network = 10e9, host = 100e9
        let c = cluster(perNode: g, intra: intra, network: network, host: host)
        let model = CollectiveModel(topology: Topology(cluster: c, gpus: g * n))
        let work = CollectiveWork(algorithm: .parameterServer, bytes: bytes, ranks: g * n, ranksPerNode: g)
        let stages = model.stageSeconds(for: work)
        let local = Double(g - 1) * (bytes / Double(g) / intra + 1e-6) + bytes / host + 2 * 0.5e-6
        let wire = Double(n - 1) / Double(n) * bytes / network + 2 * 0.5e-6 + 2 * 2e-6
        #expect(stages.count == 4)
        for (stage, formula) in zip(stages, [local, wire, wire, local]) {
            #expect(Self.relative(stage, formula) < 1e-9, "stage \(stage) s, formula \(formula) s")
        }
        #expect(Self.relative(stages.reduce(0, +), model.seconds(for: work)) < 1e-12)
        for algorithm in [AllReduceAlgorithm.ring, .hierarchical, .halvingDoubling, .tree] {
            let other = CollectiveWork(algorithm: algorithm, bytes: bytes, ranks: g * n, ranksPerNode: g)
            #expect(model.stageSeconds(for: other) == [model.seconds(for: other)])
        }
        let oneNode = CollectiveWork(algorithm: .parameterServer, bytes: bytes, ranks: g, ranksPerNode: g)
        #expect(model.stageSeconds(for: oneNode).count == 1)
        // A single server (here GPU 0) has two: every rank's gradient in, the result out.
        let server = CollectiveWork(algorithm: .psGPUs, bytes: bytes, ranks: g * n, ranksPerNode: g)
        let halves = model.stageSeconds(for: server)
        #expect(halves.count == 2 && Self.relative(halves[0], halves[1]) < 1e-12)
        #expect(Self.relative(halves.reduce(0, +), model.seconds(for: server)) < 1e-12)
    }

    /// The links the parameter server's stages share, on two nodes of eight GPUs whose copies
    /// to host memory cross the NIC's link to it: into host memory the eight copies (stage 0)
    /// and the push and pull from the other node (B/2 each); out of it the push and pull to
    /// the other node and the eight copies back (stage 3); the NIC's links to the network the
    /// push and the pull; each GPU's link to the next the rings before and after. Every link listed is
    /// node 0's and crossed by two stages or more.
    @Test func parameterServerStagesShareTheNICsLinkToHostMemory() throws {
        let bytes = 120e6, host = 100e9, network = 10e9
        let topology = Topology(cluster: cluster(perNode: 8, network: network, host: host), gpus: 16)
        let work = CollectiveWork(algorithm: .parameterServer, bytes: bytes, ranks: 16, ranksPerNode: 8)
        let shared = CollectiveModel(topology: topology).sharedStageLinks(for: work)
        func link(_ role: String, from: String) throws -> CollectiveModel.SharedStageLink {
            try #require(shared.first { topology.links[$0.link].role == role && topology.links[$0.link].name.hasPrefix(from) })
        }
        func near(_ a: [Double], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 } && a.count == b.count }
        let intoHost = try link("host-pcie", from: "n0.nic0"), outOfHost = try link("host-pcie", from: "n0.socket")
        #expect(near(intoHost.seconds, [bytes / host, bytes / 2 / host, bytes / 2 / host, 0]) && intoHost.transfers == [8, 1, 1, 0],
                "\(intoHost)")
        #expect(near(outOfHost.seconds, [0, bytes / 2 / host, bytes / 2 / host, bytes / host]) && outOfHost.transfers == [0, 1, 1, 8],
                "\(outOfHost)")
        let toNetwork = try link("network", from: "n0.nic0")
        #expect(near(toNetwork.seconds, [0, bytes / 2 / network, bytes / 2 / network, 0]) && toNetwork.transfers == [0, 1, 1, 0])
        #expect(shared.allSatisfy { topology.shiftUnit(ofLink: $0.link) == 0 && $0.seconds.filter { $0 > 0 }.count >= 2 })
        // The ring inside the node, before and after: seven steps of B/8 over each GPU's link to the next.
        let rings = shared.filter { topology.links[$0.link].role == "nvlink" }
        #expect(rings.count == 8 && rings.allSatisfy { near($0.seconds, [7 * bytes / 8 / 50e9, 0, 0, 7 * bytes / 8 / 50e9]) },
                "\(rings.map { (topology.links[$0.link].name, $0.seconds) })")
        // Collectives that run as one stage share nothing.
        #expect(CollectiveModel(topology: topology).sharedStageLinks(for: CollectiveWork(algorithm: .ring, bytes: bytes, ranks: 16)).isEmpty)
    }

    /// With a partly filled last node (p of g GPUs), the parameter server's rings inside the
    /// nodes run p − 1 steps of B/p (that node's ring, the slowest) and then g − p steps of B/g
    /// (the full nodes' rings alone): each run of like steps is priced once with its repeats,
    /// and the stages still match the formula and sum to the whole.
    @Test(arguments: [(4, 2), (8, 3), (8, 1)])
    func parameterServerWithAPartlyFilledNodeMatchesItsFormula(perNode g: Int, last p: Int) {
        let bytes = 120e6, intra = 50e9, network = 10e9, host = 100e9, n = 3
        let c = cluster(perNode: g, intra: intra, network: network, host: host)
        let ranks = g * (n - 1) + p
        let model = CollectiveModel(topology: Topology(cluster: c, gpus: ranks))
        let work = CollectiveWork(algorithm: .parameterServer, bytes: bytes, ranks: ranks, ranksPerNode: g)
        let stages = model.stageSeconds(for: work)
        let rings = Double(p - 1) * (bytes / Double(p) / intra + 1e-6) + Double(g - p) * (bytes / Double(g) / intra + 1e-6)
        let local = rings + bytes / host + 2 * 0.5e-6
        #expect(stages.count == 4)
        #expect(Self.relative(stages[0], local) < 1e-9, "stage \(stages[0]) s, formula \(local) s")
        #expect(Self.relative(stages[3], local) < 1e-9)
        #expect(Self.relative(stages.reduce(0, +), model.seconds(for: work)) < 1e-12)
    }

    /// On one node the two-level algorithms are the flat ring, transfer for transfer.
    @Test(arguments: [AllReduceAlgorithm.hierarchical, .parameterServer])
    func oneNodeFallsBackToTheRing(algorithm: AllReduceAlgorithm) {
        let c = cluster(perNode: 8)
        let (ring, _) = simulate(.ring, cluster: c, gpus: 8, bytes: 64e6)
        let (other, _) = simulate(algorithm, cluster: c, gpus: 8, bytes: 64e6)
        #expect(other.makespan == ring.makespan)
        #expect(other.records.map(\.bytes) == ring.records.map(\.bytes))
        #expect(closedForm(algorithm, cluster: c, gpus: 8, bytes: 64e6) == closedForm(.ring, cluster: c, gpus: 8, bytes: 64e6))
    }

    // MARK: What each algorithm is for

    /// Small buckets across many nodes: a flat ring pays 2(N−1) network latencies, the
    /// hierarchical one 2(n−1) and 4(g−1) NVLink ones; simulated and in closed form.
    @Test func hierarchicalBeatsTheFlatRingWhenLatencyDominates() {
        let c = cluster(perNode: 8, nics: 8)
        let (ring, _) = simulate(.ring, cluster: c, gpus: 64, bytes: 256e3)
        let (hierarchical, _) = simulate(.hierarchical, cluster: c, gpus: 64, bytes: 256e3)
        #expect(hierarchical.makespan.seconds < 0.5 * ring.makespan.seconds,
                "hierarchical \(hierarchical.makespan.seconds) s, ring \(ring.makespan.seconds) s")
        let ringAt512 = closedForm(.ring, cluster: c, gpus: 512, bytes: 256e3)
        let hierarchicalAt512 = closedForm(.hierarchical, cluster: c, gpus: 512, bytes: 256e3)
        #expect(hierarchicalAt512 < 0.2 * ringAt512, "hierarchical \(hierarchicalAt512) s, ring \(ringAt512) s at 512 GPUs")
    }

    /// Bytes leaving each node through its NIC: the parameter server's 2(n−1)/n·B
    /// (pushes as a worker, pull replies as a shard's host) against the flat ring's
    /// 2(N−1)/N·B, on 2 and 4 nodes of 8 GPUs.
    @Test(arguments: [2, 4])
    func parameterServerMovesFewerBytesPerNICThanTheRing(nodes n: Int) {
        let bytes = 80e6, g = 8, total = g * n
        let c = cluster(perNode: g)
        func bytesOutOfEachNIC(_ algorithm: AllReduceAlgorithm) -> [Double] {
            let (trace, topology) = simulate(algorithm, cluster: c, gpus: total, bytes: bytes)
            let uplinks = topology.links.indices.filter {
                topology.links[$0].role == "network" && topology.vertices[topology.links[$0].to] == .networkSwitch
            }
            var out = [Double](repeating: 0, count: topology.links.count)
            for r in trace.records where r.kind == .transfer {
                for link in topology.route(from: r.device, to: r.destination!) { out[link] += r.bytes }
            }
            return uplinks.map { out[$0] }
        }
        let ps = bytesOutOfEachNIC(.parameterServer), ring = bytesOutOfEachNIC(.ring)
        #expect(ps.count == n && ring.count == n)
        for (server, flat) in zip(ps, ring) {
            #expect(abs(server - 2 * Double(n - 1) / Double(n) * bytes) < 1e-3)
            #expect(abs(flat - 2 * Double(total - 1) / Double(total) * bytes) < 1e-3)
            #expect(server < flat)
        }
    }

    // MARK: Aggregated against expanded

    func step(_ fidelity: Fidelity, gpus: Int, algorithm: AllReduceAlgorithm, cluster: ClusterSpec) throws -> StepMetrics {
        let net = try #require(Zoo.model(named: "resnet50"))
        var setup = TrainingSetup(network: net, precision: .bf16, batchPerGPU: 64, gpus: gpus, steps: 3)
        setup.gpusPerNode = cluster.gpusPerNode
        let graph = try Planner.plan(setup, strategy: .data(DataParallelOptions(algorithm: algorithm)), fidelity: fidelity)
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: gpus), cost: CostModel(gpu: cluster.gpu, precision: .bf16))
        return StepMetrics.measure(trace, gpus: graph.gpus, globalBatch: setup.globalBatch, step: 1)
    }

    /// VGG-16 in fp32 on nodes of 8 V100s (NVLink mesh) with one 8 Gb/s NIC each: its
    /// 64 MB buckets (fc6's gradient alone is 411 MB) overlap in the network, where the
    /// expanded run shares each NIC among them. Each stage of the aggregated parameter
    /// server shares its resource among the buckets in it (`SharedResource`); queued one
    /// after another instead, its step came out 6-9% long here (12-15% on the BytePS
    /// corpus case), and first come first served per stage 6-7% short there.
    @Test(arguments: [16, 32])
    func parameterServerBucketsShareTheNetworkAsExpanded(gpus: Int) throws {
        let net = try #require(Zoo.model(named: "vgg16"))
        let nic = LinkSpec(name: "8 Gb/s", kind: .ethernet, bytesPerSecond: 1e9, latencySeconds: 3e-6, source: "test")
        let v100 = ClusterSpec(gpu: catalog.gpu(named: "V100-SXM2-16GB")!, gpusPerNode: 8, fabric: .nvlinkMesh(catalog.link(named: "nvlink2")!),
                               network: NetworkSpec(nic: nic, nicsPerNode: 1),
                               hostLink: catalog.link(named: "pcie3-x16")!)
        func step(_ fidelity: Fidelity) throws -> Double {
            var setup = TrainingSetup(network: net, precision: .fp32, batchPerGPU: 64, gpus: gpus, steps: 3)
            setup.gpusPerNode = 8
            let options = DataParallelOptions(algorithm: .parameterServer, bucketBytes: 64e6)
            let graph = try Planner.plan(setup, strategy: .data(options), fidelity: fidelity)
            let trace = GraphSimulation.run(graph, topology: Topology(cluster: v100, gpus: gpus), cost: CostModel(gpu: v100.gpu, precision: .fp32))
            return StepMetrics.measure(trace, gpus: graph.gpus, globalBatch: setup.globalBatch, step: 1).stepSeconds
        }
        let expanded = try step(.expanded), aggregated = try step(.aggregated)
        #expect(abs(aggregated / expanded - 1) <= 0.03, "on \(gpus): aggregated \(aggregated), expanded \(expanded)")
    }

    /// Under ps-gpus across nodes (aggregated) a NIC's two directions are shared by every
    /// lane whose transfers cross them (`CrossLaneLoads`). On two one-GPU nodes, bucket a is
    /// served on node 0 and bucket b on node 1, b starting when a's push is over: a's pull
    /// (node 0 to node 1) and b's push (node 0 to node 1 too) both cross node 0's egress and
    /// node 1's ingress. Alone, a stage lasts d on its own lane (the NIC's time c = B / 10 GB/s
    /// and the route's latencies, which do not hold the NIC: the part is capped at c / d) and
    /// c on the other's. Sharing both NICs equally, a's pull and b's push end at d + 2c, and
    /// b's pull, alone, at 2d + 2c. Without the loads the lanes kept them apart: 2d and 3d.
    @Test func serversOnDifferentNodesShareTheNICDirectionsTheyBothCross() throws {
        let two = cluster(perNode: 1)
        let topology = Topology(cluster: two, gpus: 2)
        func work(lane: Int) -> CollectiveWork { CollectiveWork(algorithm: .psGPUs, bytes: 1e8, ranks: 2, ranksPerNode: 1, stageLane: lane) }
        let stages = CollectiveModel(topology: topology).stageSeconds(for: work(lane: 0))
        let d = stages[0], c = 1e8 / 10e9
        try #require(stages.count == 2 && abs(stages[0] - stages[1]) < 1e-9 && d > c && d < c * 1.01)
        func ends(crossLoads: Bool) -> [Double] {
            var graph = TaskGraph(gpus: 1, steps: 1, representing: 2)
            let a = graph.add(.collective, label: "a", device: 0, work: .collective(work(lane: 0)), after: [], step: 0)
            let b = graph.add(.collective, label: "b", device: 0, work: .collective(work(lane: 1)), after: [], step: 0)
            graph.delayStart(of: b, by: d, cause: .serverUpdate)
            if crossLoads { graph.crossLaneLoads = CrossLaneLoads(gpus: 2, gpusPerNode: 1, nicOfLocalGPU: [0]) }
            let trace = GraphSimulation.run(graph, topology: topology, cost: CostModel(gpu: two.gpu, precision: .fp32))
            return [a, b].map { id in trace.records.first { $0.task == id }!.end.seconds }
        }
        let shared = ends(crossLoads: true), apart = ends(crossLoads: false)
        #expect(abs(shared[0] - (d + 2 * c)) < 1e-8 && abs(shared[1] - (2 * d + 2 * c)) < 1e-8, "\(shared) against d = \(d), c = \(c)")
        #expect(abs(apart[0] - 2 * d) < 1e-8 && abs(apart[1] - 3 * d) < 1e-8, "\(apart) against d = \(d)")
    }

    /// AlexNet's eight weighted layers under `psGPUs`, a bucket each, served by the least
    /// loaded GPUs (0-7: nodes 0 and 1) across 41 nodes of four GPUs with two NICs each
    /// (GPUs 0-1 on NIC 0, 2-3 on NIC 1), the last node with three (two lanes of 2 and 1
    /// GPUs). Every other node is quiet: its lanes carry a part of each bucket and nothing
    /// else, so the simulation runs one lane for each GPU count among them
    /// (`CrossLaneLoads.Folding`: two, of 2 GPUs and of 1) instead of 78; every task ends at
    /// the same nanosecond as with each lane run on its own. (With one NIC speed a quiet
    /// lane's part never ends a stage, its load below the serving lanes': the end times check
    /// that folding changes nothing else, and the lanes listed, by hand, the folding itself.)
    @Test func quietNodesLanesFoldedEndEveryTaskAtTheSameTime() throws {
        let net = try #require(Zoo.model(named: "alexnet"))
        let nodes = cluster(perNode: 4, network: 12.5e9, host: 16e9, nics: 2)
        let gpus = 163
        var setup = TrainingSetup(network: net, precision: .fp32, batchPerGPU: 64, gpus: gpus, steps: 3)
        setup.gpusPerNode = 4
        setup.nicOfLocalGPU = [0, 0, 1, 1]
        var graph = try Planner.plan(setup, strategy: .data(DataParallelOptions(algorithm: .psGPUs, bucketBytes: 0)), fidelity: .aggregated)
        var loads = try #require(graph.crossLaneLoads)
        let servingLanes = Set(graph.tasks.compactMap { task -> Int? in
            if case .collective(let work) = task.work { return work.stageLane } else { return nil }
        })
        let folding = loads.folding(servingLanes: servingLanes)
        #expect(servingLanes == [0, 1, 2, 3] && folding.serving.map(\.lane) == [0, 1, 2, 3])
        #expect(folding.quiet.map(\.gpus) == [2, 1] && loads.gpusOfLane.count == 82)
        #expect(loads.crossLanes(of: 2, folding: folding).map(\.lane) == [0, 1, 4, 81])
        #expect(loads.remoteGPUs(of: 2) == gpus - 4)
        func ends(_ graph: TaskGraph) -> [Int64] {
            let trace = GraphSimulation.run(graph, topology: Topology(cluster: nodes, gpus: gpus), cost: CostModel(gpu: nodes.gpu, precision: .fp32))
            return trace.records.sorted { $0.task < $1.task }.map(\.end.nanoseconds)
        }
        let folded = ends(graph)
        loads.foldsQuietNodes = false
        graph.crossLaneLoads = loads
        let whole = ends(graph)
        #expect(folded.count == graph.tasks.count && folded == whole)
    }

    /// Two nodes of two GPUs, one 10 GB/s NIC each, each GPU's link to it 8 GB/s: buckets a
    /// and b of 100 MB served on node 0 both start at once. Alone each stage lasts d =
    /// 2 × 100 MB / 8 GB/s (and latencies): node 1's two gradients into the server's link.
    /// The NIC carries them in c = 2 × 100 MB / 10 GB/s, so a bucket uses c / d = 0.8 of it.
    /// Served by different GPUs, they get half of it each and node 0's NIC carries both in 2c,
    /// as node 1's carries its four copies (its lane: 2c): each stage ends at 2c, each bucket
    /// at 4c, as the NICs would carry the transfers. Served by one GPU, they share its link
    /// and its cap: 2d a stage, 4d a bucket. Without caps, the two stages of d shared the lane
    /// as if the NIC bound both: 4d either way.
    @Test func bucketsOfServersBehindOneNICShareItAsTheirTransfersWould() throws {
        let nodes = cluster(perNode: 2, host: 8e9)
        let topology = Topology(cluster: nodes, gpus: 4)
        func work(server: Int) -> CollectiveWork {
            CollectiveWork(algorithm: .psGPUs, bytes: 1e8, ranks: 4, ranksPerNode: 2, stageLane: 0, stageServer: server)
        }
        let stages = CollectiveModel(topology: topology).stageSeconds(for: work(server: 0))
        let d = stages[0], c = 2 * 1e8 / 10e9
        try #require(stages.count == 2 && abs(stages[0] - stages[1]) < 1e-9 && abs(d / (2 * 1e8 / 8e9) - 1) < 0.01)
        func ends(servers: [Int]) -> [Double] {
            var graph = TaskGraph(gpus: 1, steps: 1, representing: 4)
            let ids = servers.map { graph.add(.collective, label: "bucket", device: 0, work: .collective(work(server: $0)), after: [], step: 0) }
            graph.crossLaneLoads = CrossLaneLoads(gpus: 4, gpusPerNode: 2, nicOfLocalGPU: [0, 0])
            let trace = GraphSimulation.run(graph, topology: topology, cost: CostModel(gpu: nodes.gpu, precision: .fp32))
            return ids.map { id in trace.records.first { $0.task == id }!.end.seconds }
        }
        let apart = ends(servers: [0, 1]), together = ends(servers: [0, 0])
        #expect(apart.allSatisfy { abs($0 - 4 * c) < 1e-8 }, "\(apart) against c = \(c), d = \(d)")
        #expect(together.allSatisfy { abs($0 - 4 * d) < 1e-8 }, "\(together) against c = \(c), d = \(d)")
    }

    /// ResNet-50 on DGX-style nodes of 4 GPUs (NVSwitch) joined by one 25 Gb/s NIC
    /// each, so that the network sets the step: one worker with closed-form
    /// collectives against every transfer, 2 to 16 nodes. The parameter servers' buckets
    /// overlap (one's network stage with the next one's first; one's pull out of a single
    /// server with the next one's push into it), which the aggregated run follows by running
    /// each stage on its own resource; run one after another, the parameter server's step
    /// came out 4-5% long at 32 and 64 GPUs, the single server's 10% at 8 (on a PCIe tree).
    @Test(arguments: [AllReduceAlgorithm.hierarchical, .halvingDoubling, .parameterServer, .psGPUs], [8, 16, 32, 64])
    func aggregatedAgreesWithExpanded(algorithm: AllReduceAlgorithm, gpus: Int) throws {
        let dgx = ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: 4, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                              network: NetworkSpec(nic: catalog.link(named: "eth-25g")!, nicsPerNode: 1),
                              hostLink: catalog.link(named: "pcie4-x16")!)
        let expanded = try step(.expanded, gpus: gpus, algorithm: algorithm, cluster: dgx)
        let aggregated = try step(.aggregated, gpus: gpus, algorithm: algorithm, cluster: dgx)
        #expect(abs(aggregated.stepSeconds / expanded.stepSeconds - 1) <= 0.05,
                "\(algorithm) on \(gpus): aggregated \(aggregated.stepSeconds), expanded \(expanded.stepSeconds)")
    }

    /// A parameter-server bucket alone keeps its price with its parts on the links its stages
    /// share: it ends at the sum of its four stages (each rounded up to the nanosecond), to
    /// the nanosecond, although it runs parts on 12 shared links (the NIC's two to and from host
    /// memory, its two to and from the network, the ring's eight), some standing for 8 flows.
    @Test func aParameterServerBucketAloneEndsAtItsStagesSum() throws {
        let topology = Topology(cluster: cluster(perNode: 8, network: 10e9, host: 100e9), gpus: 16)
        let work = CollectiveWork(algorithm: .parameterServer, bytes: 120e6, ranks: 16, ranksPerNode: 8)
        let model = CollectiveModel(topology: topology)
        try #require(model.sharedStageLinks(for: work).count == 12)
        var graph = TaskGraph(gpus: 1, steps: 1, representing: 16)
        let id = graph.add(.collective, label: "bucket", device: 0, work: .collective(work), after: [], step: 0)
        let trace = GraphSimulation.run(graph, topology: topology, cost: CostModel(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, precision: .fp32))
        let end = try #require(trace.records.first { $0.task == id }).end.nanoseconds
        let stages = model.stageSeconds(for: work).map { SimDuration(secondsRoundingUp: $0).nanoseconds }
        #expect(stages.count == 4 && end == stages.reduce(0, +), "\(end) ns against \(stages)")
    }

    /// AlexNet in fp16 (61 M parameters, 25 MB buckets) under the parameter server on NVSwitch
    /// nodes of eight A100s with one EDR NIC, whose GPUs reach host memory through the NIC's
    /// link to it: a bucket's pull out of host memory beside the previous bucket's eight copies
    /// back gets a ninth of that link in the expanded run, below the network's rate. The
    /// aggregated run shares the link among the stages' transfers (`sharedStageLinks`); giving
    /// each stage its own resource alone, it was 12% short at 16 GPUs and 6% at 32. Issue 16's
    /// 5% holds at 32; at 16 the aggregated step is still 7% short (BENCHMARKS.md, forty-eighth session).
    @Test(arguments: [(16, 0.08), (32, 0.05)])
    func parameterServerStagesShareTheHostLinkAsExpanded(gpus: Int, within: Double) throws {
        let net = try #require(Zoo.model(named: "alexnet"))
        let cluster = ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                                  network: NetworkSpec(nic: catalog.link(named: "ib-edr")!, nicsPerNode: 1),
                                  hostLink: catalog.link(named: "pcie4-x16")!)
        func step(_ fidelity: Fidelity) throws -> Double {
            var setup = TrainingSetup(network: net, precision: .fp16, batchPerGPU: 128, gpus: gpus, steps: 3)
            setup.gpusPerNode = 8
            let graph = try Planner.plan(setup, strategy: .data(DataParallelOptions(algorithm: .parameterServer, bucketBytes: 25e6)),
                                         fidelity: fidelity)
            let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: gpus),
                                            cost: CostModel(gpu: cluster.gpu, precision: .fp16))
            return StepMetrics.measure(trace, gpus: graph.gpus, globalBatch: setup.globalBatch, step: 1).stepSeconds
        }
        let expanded = try step(.expanded), aggregated = try step(.aggregated)
        #expect(abs(aggregated / expanded - 1) <= within, "on \(gpus): aggregated \(aggregated), expanded \(expanded)")
    }

    /// 32 servers of 8 GPUs on PCIe trees (two GPUs per switch, two switches per socket) with
    /// one 25 GbE NIC: the hierarchical all-reduce's cross-node rings reach the NIC by
    /// different paths and drift apart, each leaving the NIC to the others in its steps'
    /// latency. Run as flows the stage agrees with the expanded plan within 1%; priced as
    /// phases, each as long as the slowest ring with all eight sharing, it was 1.8% above.
    @Test func hierarchicalRingsOnPCIeTreesRunAsFlows() throws {
        let pcie = catalog.link(named: "pcie3-x16")!
        let cluster = ClusterSpec(gpu: catalog.gpu(named: "V100")!, gpusPerNode: 8,
                                  fabric: .pcieTree(PCIeTreeSpec(gpuLink: pcie, uplink: pcie, socketLink: catalog.link(named: "qpi-8gt")!,
                                                                 gpusPerSwitch: 2, switchesPerSocket: 2)),
                                  network: NetworkSpec(nic: catalog.link(named: "eth-25g")!, nicsPerNode: 1), hostLink: pcie)
        let expanded = try step(.expanded, gpus: 256, algorithm: .hierarchical, cluster: cluster)
        let aggregated = try step(.aggregated, gpus: 256, algorithm: .hierarchical, cluster: cluster)
        #expect(abs(aggregated.stepSeconds / expanded.stepSeconds - 1) <= 0.01,
                "aggregated \(aggregated.stepSeconds), expanded \(expanded.stepSeconds)")
    }

    // MARK: Host memory and the plan

    /// Host memory exists per node and joins a PCIe tree at the first NIC's socket; every
    /// route between nodes, found through the network switch, is the one a whole search
    /// finds (PCIe trees with NICs on both sockets and staged copies, NVLink meshes with
    /// one NIC per node or per GPU, NVSwitch nodes with a partly filled last node,
    /// leaf-spine networks); routes are searched within a node (`Topology.route`), so
    /// this also checks that keeping to a node finds the whole search's paths.
    @Test func routesBetweenNodesAreTheShortestPaths() {
        let pcie = Fixtures.stagedPCIeCluster(nics: 2), dgx = Fixtures.dgxCluster(nics: 4)
        var leafSpine = dgx, pcieLeaves = pcie
        leafSpine.network = NetworkSpec(nic: catalog.link(named: "ib-hdr")!, nicsPerNode: 4, nodesPerLeaf: 2, oversubscription: 2)
        pcieLeaves.network = NetworkSpec(nic: catalog.link(named: "eth-25g")!, nicsPerNode: 2, nodesPerLeaf: 3)
        // Where the wiring is symmetric (every node and leaf full), the nodes past the first unit take
        // their paths to and from the switches from the first unit's (`Topology.shiftedLink`).
        var stagedTransfers = 0
        for (c, gpus) in [(pcie, 32), (cluster(perNode: 4, nics: 1), 16), (cluster(perNode: 8, nics: 8), 32), (dgx, 28),
                          (leafSpine, 44), (leafSpine, 32), (pcieLeaves, 40), (pcieLeaves, 48)] {
            let topology = Topology(cluster: c, gpus: gpus)
            let nodes = (gpus + c.gpusPerNode - 1) / c.gpusPerNode
            #expect(topology.endpointCount == gpus + nodes)
            func vertex(_ e: Int) -> Int { e < gpus ? e : topology.vertices.firstIndex(of: .hostBridge(node: e - gpus, socket: 0))! }
            for a in 0..<nodes { #expect(topology.endpointName(topology.hostEndpoint(node: a)) == "n\(a).socket0") }
            for a in 0..<topology.endpointCount {
                for b in 0..<topology.endpointCount where b != a {
                    #expect(topology.route(from: a, to: b) == topology.search(from: vertex(a), to: vertex(b)),
                            "\(topology.endpointName(a)) -> \(topology.endpointName(b))")
                }
            }
            // The flat legs a fluid phase routes (`Topology.appendLegs`) are `legs`, pair by pair:
            // on the PCIe trees, those staged through host memory too.
            let pairs = (0..<topology.endpointCount).flatMap { a in (0..<topology.endpointCount).map { (from: a, to: $0) } }
            let flat = TransferLegs(pairs, on: topology)
            for (t, pair) in pairs.enumerated() {
                let legs = topology.legs(from: pair.from, to: pair.to)
                stagedTransfers += legs.count > 1 ? 1 : 0
                #expect((0..<flat.legCount(of: t)).map { Array(flat.links(of: t, leg: $0)) } == legs,
                        "\(topology.endpointName(pair.from)) -> \(topology.endpointName(pair.to))")
            }
        }
        #expect(stagedTransfers > 0, "some pairs of the PCIe trees copy through host memory")
        #expect([(pcie, 32), (leafSpine, 32), (pcieLeaves, 48)].allSatisfy { Topology(cluster: $0, gpus: $1).isSymmetric })
    }

    /// Adding host memory changes no route between GPUs: the same links, in the same order,
    /// on several nodes and on one.
    @Test(arguments: [12, 4]) func hostMemoryLeavesGPURoutesAlone(gpus: Int) {
        let c = cluster(perNode: 4, nics: 2)
        let topology = Topology(cluster: c, gpus: gpus)
        let hostLinks = Set(topology.links.indices.filter { topology.links[$0].role == "host-pcie" })
        #expect(hostLinks.count == 2 * (gpus / 4) * 2)
        // Built last: on one node its GPU-NIC links come just before them.
        let built = topology.links.count - hostLinks.count - (gpus == 4 ? 2 * 4 : 0)
        #expect(hostLinks.min()! == topology.links.count - hostLinks.count)
        #expect(Set(topology.links.indices.filter { topology.links[$0].role == "nic-pcie" }).allSatisfy { gpus == 12 || $0 >= built })
        // Between GPUs of a node only the mesh's links (never a NIC's or host memory's); across nodes, no host link.
        for a in 0..<gpus {
            for b in 0..<gpus where a != b {
                let route = topology.route(from: a, to: b)
                #expect(hostLinks.isDisjoint(with: route))
                if a / 4 == b / 4 { #expect(route.allSatisfy { topology.links[$0].role == "nvlink" }, "\(a) -> \(b)") }
            }
        }
    }

    /// One node on an NVLink fabric reaches its host memory as each node of a cluster of
    /// several does: each GPU over its PCIe link to its NIC, the NIC over its link to host
    /// memory, so two GPUs sharing a NIC share that link on one node as on many; a node of
    /// a cluster without a network joins each GPU to host memory by its own host link.
    @Test func oneNVLinkNodeReachesHostMemoryAsEveryNodeDoes() {
        let c = cluster(perNode: 4, nics: 2)
        let one = Topology(cluster: c, gpus: 4), two = Topology(cluster: c, gpus: 8)
        func roles(_ t: Topology, _ from: Int, _ to: Int) -> [String] { t.route(from: from, to: to).map { t.links[$0].role } }
        for g in 0..<4 {
            #expect(roles(one, g, one.hostEndpoint(node: 0)) == ["nic-pcie", "host-pcie"])
            #expect(roles(one, g, one.hostEndpoint(node: 0)) == roles(two, g, two.hostEndpoint(node: 0)))
            #expect(roles(one, one.hostEndpoint(node: 0), g) == ["host-pcie", "nic-pcie"])
        }
        // GPUs 0 and 1 share NIC 0, so their routes to host memory share its link; GPU 2's does not.
        let shared = Set(one.route(from: 0, to: one.hostEndpoint(node: 0))).intersection(one.route(from: 1, to: one.hostEndpoint(node: 0)))
        #expect(shared.count == 1 && Set(one.route(from: 2, to: one.hostEndpoint(node: 0))).isDisjoint(with: shared))
        var alone = c
        alone.network = nil
        let bare = Topology(cluster: alone, gpus: 4)
        for g in 0..<4 { #expect(roles(bare, g, bare.hostEndpoint(node: 0)) == ["host-pcie"]) }
        #expect(bare.endpointName(bare.hostEndpoint(node: 0)) == "n0.socket0")
    }

    /// The expanded parameter server lays out what the text says: per node g−1 ring
    /// steps each way, g copies each way, and n(n−1) pushes and pulls.
    @Test func parameterServerPlanHasItsTransfers() {
        let g = 4, n = 3
        var graph = TaskGraph(gpus: g * n, steps: 1)
        _ = graph.allReduce(.parameterServer, bytes: 12e6, ranks: Array(0..<(g * n)), ready: Array(repeating: [], count: g * n),
                            step: 0, group: "b", gpusPerNode: g)
        func count(_ word: String) -> Int { graph.tasks.filter { $0.label.contains(word) }.count }
        #expect(count("intra-node ring") == 2 * (g - 1) * g * n)
        #expect(count("copy to host") == g * n && count("copy from host") == g * n)
        #expect(count("push") == n * (n - 1) && count("pull") == n * (n - 1))
        #expect(graph.usesHostMemory)
        #expect(graph.tasks.filter { graph.isHostEndpoint($0.device) }.allSatisfy { $0.operation == nil })
    }
}
