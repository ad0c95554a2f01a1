/// The node shift: the map that carries every vertex and link of node `k` to the same
/// vertex or link of node `k + 1` (GPU `x` to GPU `x + gpusPerNode`), the nodes a ring
/// (node `n − 1` to node 0), and leaves the switches the nodes share where they are.
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
/// two shared switches (a spine, a torus) is its own image and carries every node's
/// flows: its load cannot be read off one node, and the wiring is refused.
extension Topology {
    /// Why the node shift does not map this wiring onto itself, in a few words, or nil
    /// when it does: the run spans at least two nodes, every node is full, and the nodes
    /// meet at one switch (or one rail switch) with no link between shared switches.
    public var nodeShiftRefusal: String? { wiring.nodeShiftRefusal }

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

    /// The legs of the transfer from `source` to `destination` (`legs(from:to:)`), each link
    /// replaced by its image in node 0: what node 0's links carry for it.
    public func firstNodeLegs(from source: Int, to destination: Int) -> [[Int]] {
        legs(from: source, to: destination).map { $0.map(firstNodeImage(ofLink:)) }
    }

    /// The route from `source` to `destination` (`route(from:to:)`) with each link
    /// replaced by its image in node 0.
    public func firstNodeRoute(from source: Int, to destination: Int) -> [Int] {
        route(from: source, to: destination).map(firstNodeImage(ofLink:))
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

    /// The vertex of node 0 that the shift carries to vertex `v` (a shared switch: itself).
    private func firstNodeVertex(_ v: Int) -> Int {
        switch vertices[v] {
        case .gpu(let g): return g % gpusPerNode
        case .pcieSwitch(_, let index): return vertexIndex[.pcieSwitch(node: 0, index: index)]!
        case .hostBridge(_, let socket): return vertexIndex[.hostBridge(node: 0, socket: socket)]!
        case .nvswitch: return vertexIndex[.nvswitch(node: 0)]!
        case .nic(_, let index): return vertexIndex[.nic(node: 0, index: index)]!
        case .networkSwitch, .leafSwitch, .railSwitch, .router: return v
        }
    }
}

extension Topology.Wiring {
    /// Why the node shift does not map the wiring onto itself (see `Topology+NodeShift`),
    /// or nil when it does. Decided from the design alone, without wiring it; a test
    /// checks it against the wired links (no link between two shared switches).
    public var nodeShiftRefusal: String? {
        let nodes = (gpus + gpusPerNode - 1) / gpusPerNode
        guard nodes > 1, let network else { return "one node" }
        guard gpus % gpusPerNode == 0 else { return "the last node is partly filled" }
        switch network.layout {
        case .leafSpine:
            if let perLeaf = network.nodesPerLeaf, nodes > perLeaf { return "a two-tier network (leaves under a spine)" }
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
