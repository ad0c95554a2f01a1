@testable import Hardware
import Testing

/// The node shift (`Topology+NodeShift`): which wirings it maps onto themselves, and the
/// image in node 0 of a route into another node.
@Suite struct NodeShiftTests {
    let catalog = try! Catalog.builtIn()

    /// DGX A100-style nodes on the network described (`NetworkLayoutTests.dgx`).
    func dgx(nics: Int = 8, perLeaf: Int? = nil, oversubscription: Double = 1, layout: NetworkLayout = .leafSpine,
             gpuNIC: [Int]? = nil) -> ClusterSpec {
        NetworkLayoutTests().dgx(nics: nics, perLeaf: perLeaf, oversubscription: oversubscription, layout: layout, gpuNIC: gpuNIC)
    }

    /// V100s in a PCIe tree of two sockets; `staged`: copies across sockets go through host memory.
    func pcieTree(nics: Int, staged: Bool = false) -> ClusterSpec {
        let pcie3 = catalog.link(named: "pcie3-x16")!
        let tree = PCIeTreeSpec(gpuLink: pcie3, uplink: pcie3, socketLink: catalog.link(named: "qpi-8gt")!, gpusPerSwitch: 2,
                                switchesPerSocket: 2, crossSocketPeerToPeer: !staged)
        return ClusterSpec(gpu: catalog.gpu(named: "V100")!, gpusPerNode: 8, fabric: .pcieTree(tree),
                           network: NetworkSpec(nic: catalog.link(named: "ib-edr")!, nicsPerNode: nics), hostLink: pcie3)
    }

    /// The wiring's verdict, taken from the design alone, agrees with the wired links:
    /// symmetric exactly when every node is full, there are two or more, and no link joins
    /// two switches the shift leaves in place (a spine above rail switches, a torus's
    /// links carry every node's flows); leaves under a spine move with their nodes, so a
    /// two-tier network is symmetric when every leaf is full.
    @Test func theVerdictMatchesTheWiredLinks() {
        let designs: [ClusterSpec] = [
            dgx(), dgx(nics: 1), dgx(gpuNIC: [0, 0, 1, 1, 2, 2, 3, 3]), dgx(perLeaf: 8), dgx(perLeaf: 2),
            dgx(perLeaf: 2, oversubscription: 2), dgx(nics: 1, layout: .railOptimized(crossRail: .spine)),
            dgx(layout: .railOptimized(crossRail: .spine)), dgx(layout: .railOptimized(crossRail: .pxn)),
            dgx(nics: 1, layout: .torus(dimensions: [2, 2])), pcieTree(nics: 1), pcieTree(nics: 2),
        ]
        var symmetric = 0
        for cluster in designs {
            for gpus in [8, 20, 32] {
                let topology = Topology(cluster: cluster, gpus: gpus)
                let fixed = topology.links.filter { $0.fromVertex.isShared && $0.toVertex.isShared }
                let leafUplinksOnly = fixed.allSatisfy { link in
                    if case .leafSwitch = link.fromVertex { return true }
                    if case .leafSwitch = link.toVertex { return true }
                    return false
                }
                let fullLeaves = cluster.network!.nodesPerLeaf.map { (gpus / 8) % $0 == 0 } ?? true
                let expected = gpus % 8 == 0 && gpus > 8 && (fixed.isEmpty || (leafUplinksOnly && fullLeaves))
                #expect((topology.nodeShiftRefusal == nil) == expected, "\(cluster.network!) on \(gpus) GPUs: \(topology.nodeShiftRefusal ?? "nil")")
                if expected { symmetric += 1 }
            }
        }
        #expect(symmetric == 9)   // the designs with one switch (or one rail switch), and full leaves, at 32 GPUs
    }

    /// A route from node 0 into node 1 folds onto node 0: up through node 0's NIC as
    /// before, down through node 0's NIC to the GPU at the destination's place, the image
    /// of the route node 3 (node −1) sends into node 0. Every link keeps its role and speed.
    @Test func aRouteIntoAnotherNodeFoldsOntoNodeZero() {
        let topology = Topology(cluster: dgx(), gpus: 32)
        func names(_ route: [Int]) -> [String] { route.map { topology.links[$0].name } }
        #expect(names(topology.route(from: 1, to: 10)) == ["gpu1->n0.nic1", "n0.nic1->network-switch", "network-switch->n1.nic2", "n1.nic2->gpu10"])
        #expect(names(topology.firstNodeRoute(from: 1, to: 10))
                == ["gpu1->n0.nic1", "n0.nic1->network-switch", "network-switch->n0.nic2", "n0.nic2->gpu2"])
        #expect(topology.firstNodeRoute(from: 1, to: 10).suffix(2) == topology.route(from: 25, to: 2).suffix(2))
        // Inside node 0 nothing moves; every link's image has its role and bandwidth.
        #expect(topology.firstNodeRoute(from: 1, to: 2) == topology.route(from: 1, to: 2))
        for link in topology.links.indices {
            let image = topology.links[topology.firstNodeImage(ofLink: link)]
            #expect(image.role == topology.links[link].role && image.bytesPerSecond == topology.links[link].bytesPerSecond)
            #expect(image.fromVertex.node ?? 0 == 0 && image.toVertex.node ?? 0 == 0)
        }
    }

    /// `firstNodeLegs` finds the legs between the first unit and another once per class (the
    /// ends' images, and which end is outside): on every symmetric design, each transfer between
    /// two endpoints (GPUs and host memories), whatever units they are in, gets the image of its
    /// own legs, as a topology that routes every pair afresh says. The transfers are asked in
    /// endpoint order, so most of them are answered from the class found for an earlier one
    /// (48 GPUs: three units even where a unit is a leaf of two nodes). The routes themselves are
    /// checked against the search over the whole topology in `CollectiveAlgorithmTests`.
    @Test func legsBetweenUnitsAreFoundOncePerClassAndAreEachTransfersOwn() {
        let designs: [ClusterSpec] = [
            dgx(), dgx(nics: 1), dgx(gpuNIC: [0, 0, 1, 1, 2, 2, 3, 3]), dgx(perLeaf: 2), dgx(perLeaf: 2, oversubscription: 2),
            dgx(nics: 1, layout: .railOptimized(crossRail: .pxn)), pcieTree(nics: 1), pcieTree(nics: 2),
            pcieTree(nics: 2, staged: true),
        ]
        var compared = 0
        for cluster in designs {
            let classes = Topology(cluster: cluster, gpus: 48), fresh = Topology(cluster: cluster, gpus: 48)
            #expect(classes.nodeShiftRefusal == nil)
            let endpoints = 0..<classes.endpointCount
            for a in endpoints {
                for b in endpoints where a != b {
                    let expected = fresh.legs(from: a, to: b).map { $0.map(fresh.firstNodeImage(ofLink:)) }
                    #expect(classes.firstNodeLegs(from: a, to: b) == expected, "\(cluster.network!): \(a) -> \(b)")
                    compared += 1
                }
            }
        }
        #expect(compared > designs.count * 48 * 47)
    }
}

extension Topology.Vertex {
    /// The node the vertex belongs to; nil for a switch the nodes share.
    var node: Int? {
        switch self {
        case .gpu(let g): return g / 8
        case .pcieSwitch(let n, _), .hostBridge(let n, _), .nvswitch(let n), .nic(let n, _): return n
        case .networkSwitch, .leafSwitch, .railSwitch, .router: return nil
        }
    }

    var isShared: Bool { node == nil }
}
