@testable import Hardware
import Testing

/// GPU-NIC affinity, rail-optimized networks and tori: what `Topology` wires and
/// which links a route between nodes crosses.
@Suite struct NetworkLayoutTests {
    let catalog = try! Catalog.builtIn()

    func dgx(nics: Int = 8, perLeaf: Int? = nil, oversubscription: Double = 1, layout: NetworkLayout = .leafSpine,
             gpuNIC: [Int]? = nil) -> ClusterSpec {
        ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                    network: NetworkSpec(nic: catalog.link(named: "ib-hdr")!, nicsPerNode: nics, nodesPerLeaf: perLeaf,
                                         oversubscription: oversubscription, layout: layout, gpuNIC: gpuNIC),
                    hostLink: catalog.link(named: "pcie4-x16")!)
    }

    /// The vertices a route visits after its source, by name.
    func hops(_ topology: Topology, _ a: Int, _ b: Int) -> [String] {
        topology.route(from: a, to: b).map { topology.links[$0].toVertex.name }
    }

    /// Eight V100s per node on a PCIe tree (two per switch, two switches per socket) with four
    /// EDR NICs, each under its pair of GPUs' switch (as DGX-1 places them).
    func pcieWithNICAffinity() -> ClusterSpec {
        let pcie3 = catalog.link(named: "pcie3-x16")!
        let tree = PCIeTreeSpec(gpuLink: pcie3, uplink: pcie3, socketLink: catalog.link(named: "qpi-8gt")!, gpusPerSwitch: 2,
                                switchesPerSocket: 2)
        return ClusterSpec(gpu: catalog.gpu(named: "V100")!, gpusPerNode: 8, fabric: .pcieTree(tree),
                           network: NetworkSpec(nic: catalog.link(named: "ib-edr")!, nicsPerNode: 4, gpuNIC: [0, 0, 1, 1, 2, 2, 3, 3]),
                           hostLink: pcie3)
    }

    func roles(_ topology: Topology, _ a: Int, _ b: Int) -> [String] {
        topology.route(from: a, to: b).map { topology.links[$0].role }
    }

    /// Without an affinity each GPU takes its even share of the NICs in order; with one,
    /// the NIC it names, on the way out and on the way in.
    @Test func affinityPicksEachGPUsNIC() {
        let even = Topology(cluster: dgx(nics: 4), gpus: 16)
        #expect(hops(even, 3, 11) == ["n0.nic1", "network-switch", "n1.nic1", "gpu11"])
        let reversed = Topology(cluster: dgx(nics: 4, gpuNIC: [3, 2, 1, 0, 3, 2, 1, 0]), gpus: 16)
        #expect(hops(reversed, 0, 9) == ["n0.nic3", "network-switch", "n1.nic2", "gpu9"])
        #expect(hops(reversed, 9, 0) == ["n1.nic2", "network-switch", "n0.nic3", "gpu0"])
        #expect(reversed.links.filter { $0.role == "nic-pcie" }.count == 2 * 16)   // one PCIe link per GPU, both ways
        #expect(NetworkSpec(nic: catalog.link(named: "ib-hdr")!, nicsPerNode: 4).nic(ofLocalGPU: 5, gpusPerNode: 8) == 2)
    }

    /// An affinity that says what the even share says routes exactly as the search
    /// over the whole topology does, host memories included, on a leaf-spine network.
    @Test func explicitEvenAffinityRoutesAsTheWholeSearch() {
        for cluster in [dgx(nics: 4, perLeaf: 2, oversubscription: 2, gpuNIC: [0, 0, 1, 1, 2, 2, 3, 3]),
                        dgx(nics: 8, gpuNIC: Array(0..<8))] {
            let topology = Topology(cluster: cluster, gpus: 40)
            #expect(topology.routesByNIC)
            func vertex(_ e: Int) -> Int { topology.vertex(ofEndpoint: e) }
            for a in 0..<topology.endpointCount {
                for b in 0..<topology.endpointCount where b != a {
                    #expect(topology.route(from: a, to: b).count == topology.search(from: vertex(a), to: vertex(b)).count,
                            "\(topology.endpointName(a)) -> \(topology.endpointName(b))")
                }
            }
            for a in 0..<40 {
                for b in 0..<40 where b != a && a / 8 != b / 8 {
                    #expect(topology.route(from: a, to: b) == topology.search(from: vertex(a), to: vertex(b)))
                }
            }
        }
    }

    /// On a PCIe tree an affinity puts each NIC under its GPUs' PCIe switch (as DGX-1
    /// does): traffic out of the node no longer climbs to the host bridge.
    @Test func pcieAffinityPutsNICsUnderTheGPUsSwitch() {
        let topology = Topology(cluster: pcieWithNICAffinity(), gpus: 16)
        #expect(roles(topology, 2, 10) == ["gpu-pcie", "nic-pcie", "network", "network", "nic-pcie", "gpu-pcie"])
        #expect(hops(topology, 2, 10) == ["n0.pcie-switch1", "n0.nic1", "network-switch", "n1.nic1", "n1.pcie-switch1", "gpu10"])
        // Host memory (socket 0) reaches the network through the nearest NIC: NIC 0, under its first switch.
        #expect(hops(topology, topology.hostEndpoint(node: 0), 8).prefix(3) == ["n0.pcie-switch0", "n0.nic0", "network-switch"])
    }

    /// NIC k of every node on rail switch k: the same local rank of two nodes meets at
    /// its rail; different rails meet at the spine, or (PXN) the source first hands the
    /// data over NVLink to its node's GPU on the destination's rail.
    @Test func railsKeepEachLocalRankOnItsRail() {
        let spine = Topology(cluster: dgx(layout: .railOptimized(crossRail: .spine)), gpus: 32)
        #expect(hops(spine, 3, 11) == ["n0.nic3", "g0.rail3", "n1.nic3", "gpu11"])
        #expect(hops(spine, 7, 8) == ["n0.nic7", "g0.rail7", "network-switch", "g0.rail0", "n1.nic0", "gpu8"])
        #expect(roles(spine, 7, 8) == ["nic-pcie", "network", "spine-uplink", "spine-uplink", "network", "nic-pcie"])
        let pxn = Topology(cluster: dgx(layout: .railOptimized(crossRail: .pxn)), gpus: 32)
        #expect(hops(pxn, 7, 8) == ["n0.nvswitch", "gpu0", "n0.nic0", "g0.rail0", "n1.nic0", "gpu8"])
        #expect(roles(pxn, 7, 8) == ["nvswitch-port", "nvswitch-port", "nic-pcie", "network", "network", "nic-pcie"])
        #expect(hops(pxn, 3, 11) == hops(spine, 3, 11))
        // A partly filled node has no GPU on rail 6: the transfer crosses the spine.
        let partial = Topology(cluster: dgx(layout: .railOptimized(crossRail: .pxn)), gpus: 12)
        #expect(hops(partial, 9, 6) == ["n1.nic1", "g0.rail1", "network-switch", "g0.rail6", "n0.nic6", "gpu6"])
    }

    /// On PCIe-tree nodes (where NCCL keeps each channel on one NIC index and the run's
    /// layout is priced as `pxn`, `RunSpec.ncclKeepsRails`) a transfer between rails
    /// climbs the PCIe tree to its node's NIC on the destination's rail, never the spine.
    @Test func pcieTreesReachAnotherRailsNICOverPCIe() {
        var cluster = pcieWithNICAffinity()
        cluster.network!.layout = .railOptimized(crossRail: .spine)
        let spine = Topology(cluster: cluster, gpus: 16)
        #expect(hops(spine, 7, 8) == ["n0.pcie-switch3", "n0.nic3", "g0.rail3", "network-switch", "g0.rail0", "n1.nic0", "n1.pcie-switch0", "gpu8"])
        cluster.network!.layout = .railOptimized(crossRail: .pxn)
        let kept = Topology(cluster: cluster, gpus: 16)
        // GPU 7 (socket 1) up its switch, across the sockets and down to NIC 0 under GPU 0's switch.
        #expect(hops(kept, 7, 8) == ["n0.pcie-switch3", "n0.socket1", "n0.socket0", "n0.pcie-switch0", "n0.nic0", "g0.rail0",
                                     "n1.nic0", "n1.pcie-switch0", "gpu8"])
        #expect(!roles(kept, 7, 8).contains("spine-uplink"))
        #expect(hops(kept, 1, 9) == hops(spine, 1, 9))   // the same rail: nothing changes
        #expect(kept.legs(from: 7, to: 8).count == 1)
        // Where sockets cannot copy peer to peer, the copy is staged in socket 1's memory first.
        guard case .pcieTree(var tree) = cluster.fabric else { Issue.record("not a PCIe tree"); return }
        tree.crossSocketPeerToPeer = false
        cluster.fabric = .pcieTree(tree)
        #expect(Topology(cluster: cluster, gpus: 16).legs(from: 7, to: 8).map { $0.count } == [2, 7])
    }

    /// Groups of nodes (scalable units) each have their own rail switches; a rail switch's
    /// uplink is its group's NICs on that rail over the oversubscription.
    @Test func railGroupsMeetAtTheSpine() {
        let topology = Topology(cluster: dgx(nics: 4, perLeaf: 2, oversubscription: 2, layout: .railOptimized(crossRail: .spine)), gpus: 48)
        #expect(hops(topology, 0, 8) == ["n0.nic0", "g0.rail0", "n1.nic0", "gpu8"])
        #expect(hops(topology, 0, 16) == ["n0.nic0", "g0.rail0", "network-switch", "g1.rail0", "n2.nic0", "gpu16"])
        let uplinks = topology.links.filter { $0.role == "spine-uplink" }
        #expect(uplinks.count == 3 * 4 * 2)   // three groups, four rails, both directions
        #expect(uplinks.allSatisfy { abs($0.bytesPerSecond - 2 * 200e9 / 8 / 2) < 1e-3 })
        // One rail and one group: no spine at all.
        #expect(!Topology(cluster: dgx(nics: 1, layout: .railOptimized(crossRail: .spine)), gpus: 32).links.contains { $0.role == "spine-uplink" })
    }

    /// A torus joins each router to its neighbours with wraparound; a route goes the
    /// shorter way round in the first dimension, then in the second.
    @Test func torusRoutesAreDimensionOrdered() {
        var cluster = dgx(nics: 1, layout: .torus(dimensions: [4, 3]))
        cluster.gpusPerNode = 1
        cluster.fabric = .nvswitch(catalog.link(named: "nvlink3")!)
        let topology = Topology(cluster: cluster, gpus: 10)
        // 12 routers (two of them without a node in this run): 4 x 3 links along the first
        // dimension, 4 x 3 along the second, both ways.
        #expect(topology.links.filter { $0.role == "torus" }.count == 2 * (12 + 12))
        func routers(_ a: Int, _ b: Int) -> [String] { hops(topology, a, b).filter { $0.hasPrefix("router") } }
        #expect(routers(0, 3) == ["router0", "router3"])                          // (0,0) -> (3,0): one hop back round
        #expect(routers(0, 2) == ["router0", "router1", "router2"])               // a tie goes forward
        #expect(routers(1, 9) == ["router1", "router9"])                          // (1,0) -> (1,2): one hop back round
        #expect(routers(5, 3) == ["router5", "router6", "router7", "router3"])    // (1,1) -> (3,0): first dimension first
        #expect(roles(topology, 5, 3) == ["nic-pcie", "network", "torus", "torus", "torus", "network", "nic-pcie"])
    }

    /// Every wired vertex is found at its own index (a node's switches, host bridges and NICs
    /// by node and place, GPUs by number, shared switches and routers by name), and a vertex
    /// no wiring made is not found: on one and several nodes, PCIe trees (a partly filled
    /// last node, NICs on the GPUs' switches), NVSwitch nodes under a leaf-spine, rails, a torus.
    @Test func everyVertexIsFoundAtItsIndex() {
        let pcie = pcieWithNICAffinity()
        var torus = dgx(nics: 1, layout: .torus(dimensions: [4, 3]))
        torus.gpusPerNode = 4
        let topologies = [Topology(cluster: pcie, gpus: 8), Topology(cluster: pcie, gpus: 20),
                          Topology(cluster: dgx(nics: 4, perLeaf: 2, oversubscription: 2), gpus: 48),
                          Topology(cluster: dgx(layout: .railOptimized(crossRail: .spine)), gpus: 32),
                          Topology(cluster: torus, gpus: 40)]
        for topology in topologies {
            for (i, v) in topology.vertices.enumerated() {
                #expect(topology.vertexIndex(of: v) == i, "\(v.name) in \(topology.vertices.count) vertices")
            }
            let nodes = topology.nodeCount
            // Each node's NICs and host memory are wired, each its own vertex.
            let perNode = (0..<nodes).flatMap { node in
                (0..<(topology.network?.nicsPerNode ?? 0)).map { Topology.Vertex.nic(node: node, index: $0) }
                    + [.hostBridge(node: node, socket: 0)]
            }
            for v in perNode {
                #expect(topology.vertexIndex(of: v).map { topology.vertices[$0] } == v, "\(v.name)")
            }
            for missing in [Topology.Vertex.gpu(topology.gpuCount), .nic(node: nodes, index: 0), .nic(node: 0, index: 64),
                            .pcieSwitch(node: 0, index: 64), .hostBridge(node: nodes, socket: 0), .nvswitch(node: nodes),
                            .leafSwitch(nodes), .railSwitch(group: nodes, rail: 0), .router(1 << 20)] {
                #expect(topology.vertexIndex(of: missing) == nil, "\(missing.name)")
            }
        }
    }
}
