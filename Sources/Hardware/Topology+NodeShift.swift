/// The node shift: the map that carries every vertex and link of node `k` to the same
/// vertex or link of node `k + s` (GPU `x` to GPU `x + s·gpusPerNode`), the nodes a ring
/// (node `n − s` to node 0), and leaves the switches the nodes share where they are. The
/// unit `s` (`nodeShiftNodes`) is one node, or on a two-tier network the nodes under one
/// leaf, the shift then carrying leaf `j` to leaf `j + 1` and leaving the spine in place;
/// "node 0" below stands for the first unit (node 0, or leaf 0's nodes).
///
/// Where the wiring is the same seen from every node (`nodeShiftRefusal` is nil), the
/// shift maps the topology onto itself: every link of a node has an image in every
/// other node with the same bandwidth and latency, and every route between endpoints
/// maps onto the route between their images. A plan that is itself invariant under the
/// shift (every node runs the same program, `TaskGraph.symmetry`) then loads every
/// node's links alike at every instant, so the simulator needs node 0 alone: a
/// transfer from node 0 to an endpoint of node `k` is simulated on the image of its
/// route under the shift by `−k` for the part inside node `k` (`firstNodeImage`), the
/// part that is the image of the transfer node `−k` sends into node 0.
///
/// Why the fair shares stay exact: a link of node 0 then carries one flow for each
/// flow of the whole run that crosses that link or one of its images in the other
/// nodes, and no such flow crosses two images of one link (every link below belongs to
/// one node, and a route leaves its source node and enters its destination node once),
/// so the max-min problem over node 0's links is the whole run's, restricted to one
/// member of each orbit of flows; its solution (unique) is the whole run's (which, by
/// the same uniqueness, gives every member of an orbit the same rate). A link between
/// two switches the shift leaves in place (a spine above rail switches, a torus) is its
/// own image and carries every node's flows: its load cannot be read off one unit, and
/// the wiring is refused. A leaf's uplink is not: the leaf shift carries leaf j's uplink
/// to leaf 0's, and a route climbs to the spine once and comes down once, so it crosses
/// two images of no link there either.
extension Topology {
    /// Why the node shift does not map this wiring onto itself, in a few words, or nil
    /// when it does: the run spans at least two units, every node (and leaf) is full, and
    /// the nodes meet at one switch (or one rail switch), or at leaves under one spine.
    public var nodeShiftRefusal: String? { wiring.nodeShiftRefusal }

    /// Nodes the shift moves by: one, or the nodes under a leaf of a two-tier network.
    public var nodeShiftNodes: Int { wiring.nodeShiftNodes }

    /// Link `link`'s image in node 0: the link of node 0 that the shift carries to it
    /// (itself for a link of node 0).
    /// - Precondition: the wiring is symmetric (`nodeShiftRefusal` is nil).
    public func firstNodeImage(ofLink link: Int) -> Int {
        if firstNodeLinks.isEmpty {
            precondition(nodeShiftRefusal == nil, "the node shift maps only a symmetric wiring onto itself")
            firstNodeLinks = foldedLinks()
        }
        return firstNodeLinks[link]
    }

    /// Whether the node shift keeps the order of link indices inside every unit: of two links of
    /// one unit, the lower-numbered has the lower-numbered image in the first unit. Max-min filling
    /// (`MaxMinRates`) breaks ties between equal shares by link index, so where this holds a unit's
    /// flows that are the images of the first unit's get their rates to the bit, not only in exact
    /// arithmetic. Links between shared switches belong to no unit.
    /// - Precondition: the wiring is symmetric (`nodeShiftRefusal` is nil).
    /// - Complexity: O(links), once.
    public var nodeShiftKeepsLinkOrder: Bool {
        if let known = shiftKeepsLinkOrder { return known }
        var lastImage = [Int](repeating: -1, count: (nodeCount + nodeShiftNodes - 1) / nodeShiftNodes)
        var keeps = true
        for index in links.indices {
            guard let unit = shiftUnit(ofLink: index), unit < lastImage.count else { continue }
            let image = firstNodeImage(ofLink: index)
            if image <= lastImage[unit] { keeps = false; break }
            lastImage[unit] = image
        }
        shiftKeepsLinkOrder = keeps
        return keeps
    }

    /// The unit (`nodeShiftNodes` nodes, numbered from 0) the node shift moves link `link` with:
    /// that of its node-side end (a GPU, PCIe switch, host bridge, NVSwitch or NIC), or of its leaf
    /// switch where the shift moves leaves; nil for a link between switches the nodes share.
    public func shiftUnit(ofLink link: Int) -> Int? {
        let s = nodeShiftNodes
        func nodeUnit(_ v: Int) -> Int? {
            switch vertices[v] {
            case .gpu(let g): return g / (gpusPerNode * s)
            case .pcieSwitch(let node, _), .hostBridge(let node, _), .nic(let node, _), .nvswitch(let node): return node / s
            case .leafSwitch, .networkSwitch, .railSwitch, .router: return nil
            }
        }
        func leafUnit(_ v: Int) -> Int? {
            guard case .leafSwitch(let leaf) = vertices[v], let network, network.layout == .leafSpine,
                  let perLeaf = network.nodesPerLeaf, nodeCount > perLeaf else { return nil }
            return leaf
        }
        let (from, to) = (links[link].from, links[link].to)
        return nodeUnit(from) ?? nodeUnit(to) ?? leafUnit(from) ?? leafUnit(to)
    }

    /// The legs of the transfer from `source` to `destination` (`legs(from:to:)`), each link
    /// replaced by its image in node 0: what node 0's links carry for it.
    ///
    /// Between the first unit and another unit they are found once per class: every transfer
    /// from a given endpoint of the first unit to the endpoints of the other units that share
    /// one image (and every transfer the other way) has the same legs in node 0. Such a route
    /// leaves one unit through a switch the shift leaves in place (the network switch, a rail
    /// switch, the spine) and enters the other from it: the part in the first unit is the
    /// same whichever unit the other end is in (it meets the network at the same switch: a
    /// leaf's nodes are one unit), and the part in the other unit is the shift of its image's
    /// (`firstNodeImage` undoes it). A direct all-reduce or a parameter server's push at 65,536
    /// GPUs then routes a few dozen transfers, not half a million.
    public func firstNodeLegs(from source: Int, to destination: Int) -> [[Int]] {
        let unit = nodeShiftNodes
        let sourceUnit = node(ofEndpoint: source) / unit, destinationUnit = node(ofEndpoint: destination) / unit
        guard sourceUnit != destinationUnit, sourceUnit == 0 || destinationUnit == 0 else {
            return legs(from: source, to: destination).map { $0.map(firstNodeImage(ofLink:)) }
        }
        let from = firstNodeVertex(vertex(ofEndpoint: source)), to = firstNodeVertex(vertex(ofEndpoint: destination))
        let key = (from * vertices.count + to) * 2 + (sourceUnit == 0 ? 0 : 1)
        if let known = firstNodeLegsBetweenUnits[key] { return known }
        let found = legs(from: source, to: destination).map { $0.map(firstNodeImage(ofLink:)) }
        firstNodeLegsBetweenUnits[key] = found
        return found
    }

    /// The route from `source` to `destination` (`route(from:to:)`) with each link
    /// replaced by its image in node 0.
    public func firstNodeRoute(from source: Int, to destination: Int) -> [Int] {
        route(from: source, to: destination).map(firstNodeImage(ofLink:))
    }

    /// Link `link` of the first unit carried by the shift into unit `unit`; a link between
    /// switches the shift leaves in place is its own image.
    /// - Precondition: the wiring is symmetric (`nodeShiftRefusal` is nil).
    /// - Complexity: O(1); O(links) on first use.
    func shiftedLink(_ link: Int, toUnit unit: Int) -> Int {
        if placeInFirstUnit.isEmpty {
            var place = [Int](repeating: -1, count: links.count), perUnit = 0
            for index in links.indices where shiftUnit(ofLink: index) == 0 {
                place[index] = perUnit
                perUnit += 1
            }
            let units = (nodeCount + nodeShiftNodes - 1) / nodeShiftNodes
            var table = [Int](repeating: -1, count: units * perUnit)
            for index in links.indices {
                guard let u = shiftUnit(ofLink: index) else { continue }
                table[u * perUnit + place[firstNodeImage(ofLink: index)]] = index
            }
            (linksByUnit, placeInFirstUnit, linksPerUnit) = (table, place, perUnit)
        }
        let place = placeInFirstUnit[link]
        return place < 0 ? link : linksByUnit[unit * linksPerUnit + place]
    }

    /// The image in node 0 of every link, by link index: each link's two vertices carried
    /// to node 0 (shared switches stay), and the link of node 0 between those two.
    /// - Complexity: O(links).
    private func foldedLinks() -> [Int] {
        var nodeZero: [Int: Int] = [:]   // from × vertices + to -> link, for links of node 0 and the shared switches
        let count = vertices.count
        let image = vertices.indices.map(firstNodeVertex)
        for (index, link) in links.enumerated() where image[link.from] == link.from && image[link.to] == link.to {
            nodeZero[link.from * count + link.to] = index
        }
        return links.map { link in
            guard let folded = nodeZero[image[link.from] * count + image[link.to]] else {
                preconditionFailure("\(link.name) has no image in node 0")
            }
            return folded
        }
    }

    /// The vertex of the first unit that the shift carries to vertex `v` (a node's vertex
    /// to the same vertex of node `k mod s`, a leaf to leaf 0; a shared switch: itself).
    func firstNodeVertex(_ v: Int) -> Int {
        let unit = nodeShiftNodes
        switch vertices[v] {
        case .gpu(let g): return g % (gpusPerNode * unit)
        case .pcieSwitch(let node, let i): return vertexIndex(of: .pcieSwitch(node: node % unit, index: i))!
        case .hostBridge(let node, let socket): return vertexIndex(of: .hostBridge(node: node % unit, socket: socket))!
        case .nvswitch(let node): return vertexIndex(of: .nvswitch(node: node % unit))!
        case .nic(let node, let k): return vertexIndex(of: .nic(node: node % unit, index: k))!
        case .leafSwitch: return vertexIndex(of: .leafSwitch(0))!   // the first unit is leaf 0's nodes
        case .networkSwitch, .railSwitch, .router: return v
        }
    }
}

extension Topology.Wiring {
    /// Nodes the node shift moves by (see `Topology+NodeShift`): the nodes under one leaf
    /// where a two-tier network has two or more leaves, else one.
    public var nodeShiftNodes: Int {
        guard let network, network.layout == .leafSpine, let perLeaf = network.nodesPerLeaf,
              (gpus + gpusPerNode - 1) / gpusPerNode > perLeaf else { return 1 }
        return perLeaf
    }

    /// Why the node shift does not map the wiring onto itself (see `Topology+NodeShift`),
    /// or nil when it does. Decided from the design alone, without wiring it; a test
    /// checks it against the wired links (no link between two switches the shift leaves in place).
    public var nodeShiftRefusal: String? {
        let nodes = (gpus + gpusPerNode - 1) / gpusPerNode
        guard nodes > 1, let network else { return "one node" }
        guard gpus % gpusPerNode == 0 else { return "the last node is partly filled" }
        switch network.layout {
        case .leafSpine:
            if let perLeaf = network.nodesPerLeaf, nodes > perLeaf, nodes % perLeaf != 0 { return "the last leaf is partly filled" }
        case .railOptimized:
            if network.nicsPerNode > 1 || (network.nodesPerLeaf.map { nodes > $0 } ?? false) {
                return "a rail-optimized network (rail switches under a spine)"
            }
        case .torus:
            return "a torus network"
        }
        return nil
    }
}
