/// The wiring of the GPUs of one run: devices, switches and NICs as vertices,
/// and every link direction with its bandwidth and latency.
///
/// Link directions are numbered from 0 in the order they are built; the
/// simulator registers them in that order, so an index here is a link id there.
///
/// **Endpoints.** Transfers run between endpoints: GPU `g` is endpoint `g`
/// (`0..<gpuCount`), and the host memory of node `m` is endpoint `gpuCount + m`
/// (`hostEndpoint(node:)`), where a parameter server keeps its shard. Host memory is
/// the memory of the socket that the node's first NIC hangs off: on a PCIe tree
/// that socket's host bridge, which is already a vertex (cross-socket copies are
/// staged in it); with NVLink fabrics, whose GPUs reach their NICs directly, a
/// socket vertex joined to every NIC of the node by the host link (PCIe), or, on a
/// cluster without a network, to every GPU. Those links are added after every other
/// link, so that they change neither the numbering nor the routes between GPUs.
public final class Topology {
    /// What a vertex is, for names and routing.
    public enum Vertex: Hashable, Sendable {
        case gpu(Int)
        case pcieSwitch(node: Int, index: Int)
        case hostBridge(node: Int, socket: Int)
        case nvswitch(node: Int)
        case nic(node: Int, index: Int)
        case networkSwitch
        /// A leaf switch of a two-tier network (`NetworkSpec.nodesPerLeaf`); the
        /// `networkSwitch` is then the spine.
        case leafSwitch(Int)
        /// Rail switch `rail` of group `group` of a rail-optimized network (NIC `rail`
        /// of each of the group's nodes); the `networkSwitch` is the spine.
        case railSwitch(group: Int, rail: Int)
        /// The router of the node at position `Int` of a torus, joined to its node's
        /// NICs and to its neighbours' routers.
        case router(Int)

        public var name: String {
            switch self {
            case .gpu(let g): return "gpu\(g)"
            case .pcieSwitch(let n, let i): return "n\(n).pcie-switch\(i)"
            case .hostBridge(let n, let s): return "n\(n).socket\(s)"
            case .nvswitch(let n): return "n\(n).nvswitch"
            case .nic(let n, let i): return "n\(n).nic\(i)"
            case .networkSwitch: return "network-switch"
            case .leafSwitch(let i): return "leaf\(i)"
            case .railSwitch(let group, let rail): return "g\(group).rail\(rail)"
            case .router(let i): return "router\(i)"
            }
        }
    }

    /// One direction of one link.
    public struct Link: Sendable {
        /// `from`'s name, an arrow, `to`'s name (`n0.nic1->switch`); made when asked,
        /// so that wiring a hundred thousand GPUs builds no strings.
        public var name: String { "\(fromVertex.name)->\(toVertex.name)" }
        /// What the link is in the design: `gpu-pcie`, `pcie-uplink`, `inter-socket`,
        /// `nvlink`, `nvswitch-port`, `nic-pcie`, `network` (a NIC to its switch or
        /// router), `spine-uplink` (a leaf or rail switch to the spine), `torus` (a
        /// router to a neighbour's), or `host-pcie` (a NIC to host memory on NVLink
        /// fabrics, or a GPU to it on a node of a cluster without a network; see "Endpoints").
        public var role: String
        /// Bytes per second the link carries (its `LinkSpec`'s, or what the wiring makes of it:
        /// an NVLink peer's share, a leaf's aggregated uplink) and its latency in seconds; the
        /// catalog entry itself is not kept (half a million links at 65,536 GPUs).
        public var bytesPerSecond: Double
        public var latencySeconds: Double
        public var from: Int
        public var to: Int
        /// The vertices at `from` and `to`, for the name.
        var fromVertex: Vertex
        var toVertex: Vertex
    }

    /// Everything the wiring (vertices, links, bandwidths, latencies, routes) is built
    /// from: two topologies with equal wirings are the same topology, whatever the rest
    /// of their clusters (the GPU model, CPU cores). A key for what is computed from a
    /// topology alone, shared between runs (`CollectiveModel`'s closed forms).
    public struct Wiring: Hashable, Sendable {
        public var gpus: Int
        public var gpusPerNode: Int
        public var fabric: NodeFabric
        public var network: NetworkSpec?
        public var hostLink: LinkSpec

        public init(cluster: ClusterSpec, gpus: Int) {
            self.gpus = gpus
            gpusPerNode = cluster.gpusPerNode
            fabric = cluster.fabric
            network = cluster.network
            hostLink = cluster.hostLink
        }
    }

    /// What this topology was wired from.
    public let wiring: Wiring
    public private(set) var vertices: [Vertex] = []
    public private(set) var links: [Link] = []
    public let gpuCount: Int
    /// GPUs in a full node (the cluster's); GPU `g` is in node `g / gpusPerNode`.
    public let gpusPerNode: Int
    /// Nodes the run spans.
    public let nodeCount: Int
    /// Cross-socket copies are staged through host memory (see `PCIeTreeSpec`).
    public let stagedAcrossSockets: Bool
    /// The PCIe tree of every node, which says which GPU pairs copy peer to peer; nil on NVLink fabrics.
    let pcieTree: PCIeTreeSpec?
    /// The network, when the run spans nodes.
    let network: NetworkSpec?
    /// Each node's own switches, host bridges and NICs by node and place (`nodeVertexPlace`),
    /// -1 until wired: looking them up in a table keyed by `Vertex` missed the cache on every
    /// one of the half a million links wired at 65,536 GPUs.
    private var nodeVertices: [Int] = []
    /// The places of a node's own vertices (`nodeVertexPlace`): its PCIe switches, then its
    /// host bridges, its NVSwitch and its NICs.
    private let nodeVertexLayout: (switches: Int, sockets: Int, nics: Int)
    /// The vertices no node owns (network, leaf and rail switches, routers), and any other
    /// outside `nodeVertexLayout`.
    private var sharedVertexIndex: [Vertex: Int] = [:]
    var adjacency: [[(neighbor: Int, link: Int)]] = []
    private var routes: [Int: [Int]] = [:]   // source * endpointCount + destination -> path, found on demand
    /// The two legs of each GPU pair of a node that cannot copy peer to peer, by the same key, found on demand.
    private var stagedLegs: [Int: [[Int]]] = [:]
    /// The vertex of each node's host memory.
    var hostVertices: [Int] = []
    /// The NIC vertex each GPU sends through when that is fixed (NVLink fabrics, or a
    /// scenario's `gpu_nic`), or -1 (a PCIe tree's NICs on the host bridges); empty on one node.
    var nicVertexOfGPU: [Int] = []
    /// The switch or router each NIC vertex plugs into.
    var edgeOfNIC: [Int: Int] = [:]
    /// The router vertex of each node position of a torus; empty otherwise.
    var routerVertices: [Int] = []
    /// Whether routes between nodes are laid out NIC to NIC (`structuredRoute`): rail-optimized
    /// networks, tori, and explicit GPU-NIC affinity; otherwise through the hub as below.
    var routesByNIC = false
    /// Paths from an endpoint's vertex to its NIC and back, found on demand, by endpoint vertex.
    var pathsToNIC: [Int: (nic: Int, up: [Int], down: [Int])] = [:]
    /// Paths from an endpoint's vertex up to its node's NIC on another rail, found on
    /// demand, by `vertex * NICs per node + rail` (`structuredRoute`, PCIe trees).
    var pathsToRail: [Int: [Int]] = [:]
    /// Paths from each endpoint's vertex up to a switch and down from it, found on
    /// demand, by `vertex * vertices.count + switch vertex`.
    private var uplinks: [Int: [Int]] = [:], downlinks: [Int: [Int]] = [:]
    /// The leaf switch vertex of each node in a two-tier network; empty otherwise.
    private var leafVertexOfNode: [Int] = []
    /// The node each vertex belongs to, or -1 for the switches nodes share.
    private var nodeOfVertex: [Int] = []
    /// A shared switch's adjacency split by the node of the neighbor (-1: another
    /// switch), each entry with its position in `adjacency`; built on first use.
    private var switchAdjacency: [Int: [Int: [(position: Int, neighbor: Int, link: Int)]]] = [:]
    /// Each link's image in node 0 under the node shift (`firstNodeImage(ofLink:)`), built on first use.
    var firstNodeLinks: [Int] = []
    /// Whether the node shift keeps the order of link indices in each unit (`nodeShiftKeepsLinkOrder`), found on first use.
    var shiftKeepsLinkOrder: Bool?
    /// `firstNodeLegs` of the transfers between the first unit and another, by class (the two ends'
    /// images in the first unit, and which end is outside it), found on demand.
    var firstNodeLegsBetweenUnits: [Int: [[Int]]] = [:]
    /// Whether the node shift maps the wiring onto itself (`nodeShiftRefusal` is nil), found once.
    lazy var isSymmetric: Bool = nodeShiftRefusal == nil
    /// Each link of a unit by unit and by its image's place among the first unit's links
    /// (`shiftedLink`), and each first-unit link's place (-1: not a first-unit link); built on first use.
    var linksByUnit: [Int] = [], placeInFirstUnit: [Int] = [], linksPerUnit = 0
    /// Scratch for `search`: a vertex is seen when its stamp equals the current
    /// generation, so a search costs what it explores, not the size of the topology.
    private var searchStamp: [UInt32] = [], searchParent: [Int] = [], searchGeneration: UInt32 = 0

    /// Wires `gpus` GPUs of `cluster`, filling nodes in order.
    /// - Precondition: `gpus > 0`, and `cluster.network` is set if more than one node is needed.
    public init(cluster: ClusterSpec, gpus: Int) {
        precondition(gpus > 0, "a topology needs at least one GPU")
        wiring = Wiring(cluster: cluster, gpus: gpus)
        gpuCount = gpus
        gpusPerNode = cluster.gpusPerNode
        nodeCount = cluster.nodes(for: gpus)
        if case .pcieTree(let tree) = cluster.fabric {
            stagedAcrossSockets = !tree.crossSocketPeerToPeer
            pcieTree = tree
        } else {
            stagedAcrossSockets = false
            pcieTree = nil
        }
        let nodes = cluster.nodes(for: gpus)
        network = nodes > 1 ? cluster.network : nil
        var switches = 0, sockets = 1
        if let pcieTree {
            switches = (cluster.gpusPerNode + pcieTree.gpusPerSwitch - 1) / pcieTree.gpusPerSwitch
            sockets = (switches + pcieTree.switchesPerSocket - 1) / pcieTree.switchesPerSocket
        }
        nodeVertexLayout = (switches, sockets, cluster.network?.nicsPerNode ?? 0)
        nodeVertices = [Int](repeating: -1, count: nodes * (switches + sockets + 1 + nodeVertexLayout.nics))
        // Room for what a node usually brings (a switch or a PCIe tree, NICs), so that
        // wiring tens of thousands of GPUs does not regrow the tables (a hint only).
        let estimatedVertices = gpus + nodes * (2 + 2 * (cluster.network?.nicsPerNode ?? 0)) + gpus / 2
        vertices.reserveCapacity(estimatedVertices)
        adjacency.reserveCapacity(estimatedVertices)
        nodeOfVertex.reserveCapacity(estimatedVertices)
        links.reserveCapacity(4 * estimatedVertices)
        for g in 0..<gpus { _ = vertex(.gpu(g)) }
        for node in 0..<nodes {
            let first = node * cluster.gpusPerNode
            let members = Array(first..<min(gpus, first + cluster.gpusPerNode))
            switch cluster.fabric {
            case .pcieTree(let tree): wirePCIeTree(tree, node: node, gpus: members)
            case .nvlinkMesh(let link): wireMesh(link, gpus: members, perNode: cluster.gpusPerNode)
            case .nvswitch(let link): wireSwitch(link, node: node, gpus: members)
            }
        }
        if nodes > 1 {
            precondition(cluster.network != nil, "more than one node needs a network")
            wireNetwork(cluster.network!, cluster: cluster, nodes: nodes)
            if cluster.network!.layout == .leafSpine, let perLeaf = cluster.network!.nodesPerLeaf, nodes > perLeaf {
                leafVertexOfNode = (0..<nodes).map { vertexIndex(of: .leafSwitch($0 / perLeaf))! }
            }
        }
        wireHostMemory(cluster: cluster, nodes: nodes)
    }

    /// The vertex index of GPU `g`.
    public func gpuVertex(_ g: Int) -> Int { g }

    /// The endpoint of node `node`'s host memory (see "Endpoints").
    /// - Precondition: `node` is one of the run's nodes.
    public func hostEndpoint(node: Int) -> Int {
        precondition(node >= 0 && node < nodeCount, "node \(node) is not one of the run's \(nodeCount)")
        return gpuCount + node
    }

    /// Endpoints: GPUs, then one host memory per node.
    public var endpointCount: Int { gpuCount + nodeCount }

    /// A short name of an endpoint: `gpu3`, or the host memory's vertex (`n1.socket0`).
    public func endpointName(_ endpoint: Int) -> String {
        endpoint < gpuCount ? vertices[endpoint].name : vertices[vertex(ofEndpoint: endpoint)].name
    }

    func vertex(ofEndpoint endpoint: Int) -> Int {
        if endpoint < gpuCount { return endpoint }
        let node = endpoint - gpuCount
        precondition(node < nodeCount, "endpoint \(endpoint) is neither a GPU nor a node's host memory")
        return hostVertices[node]
    }

    /// The link directions a transfer from endpoint `source` to endpoint `destination`
    /// (a GPU, or a node's host memory) crosses: the fewest hops, ties broken by build
    /// order (deterministic).
    ///
    /// Between two nodes the path is found as the path up to the network switch joined
    /// to the path down from it, each searched once per endpoint (on a wiring the node
    /// shift maps onto itself, once per endpoint of the first unit, the others' carried
    /// from their images', `path(between:and:node:up:)`): the same path a whole
    /// search finds (every path between nodes crosses the switch, a breadth-first search
    /// explores alike whatever it looks for, and below the switch only the destination
    /// node's vertices lead to it), at a cost linear in the endpoints instead of
    /// quadratic for all-to-all patterns among thousands of GPUs (halving-doubling, a
    /// parameter server's push and pull).
    ///
    /// Routing by structure: each search explores only the vertices of the node it
    /// starts or ends in, and the switch it meets the network at (the leaf, and the
    /// spine when that is the hub). Every vertex kept has all its shortest paths from
    /// the start inside the kept set (leaving a node means crossing a switch, and a
    /// path within a node through the network is longer than one inside it), and a
    /// breadth-first search's parents depend only on the order in which it meets the
    /// vertices it keeps, so the path is the whole search's; a search that explores
    /// the whole topology for each of N endpoints would cost N^2.
    public func route(from source: Int, to destination: Int) -> [Int] {
        if source == destination { return [] }
        if let hub = switchBetweenNodes(source, destination) {
            // The two halves are kept per endpoint and joined on every call, not kept per pair: an
            // all-to-all pattern among N endpoints would keep N^2 routes for one use each.
            return path(between: vertex(ofEndpoint: source), and: hub, node: node(ofEndpoint: source), up: true)
                + path(between: vertex(ofEndpoint: destination), and: hub, node: node(ofEndpoint: destination), up: false)
        }
        let from = vertex(ofEndpoint: source), to = vertex(ofEndpoint: destination)
        let sourceNode = node(ofEndpoint: source), destinationNode = node(ofEndpoint: destination)
        let key = source * endpointCount + destination
        if let cached = routes[key] { return cached }
        let path: [Int]
        if sourceNode != destinationNode && routesByNIC {
            path = structuredRoute(from: source, to: destination)
        } else {
            path = search(from: from, to: to, within: sourceNode, hub: -1)
        }
        routes[key] = path
        return path
    }

    /// The node an endpoint is in.
    func node(ofEndpoint endpoint: Int) -> Int { endpoint < gpuCount ? endpoint / gpusPerNode : endpoint - gpuCount }

    /// The path from vertex `v` of node `node` up to switch `hub` (`up`), or down from `hub` to `v`:
    /// a search kept to the node (`search(from:to:within:hub:)`), kept per vertex and hub. Where the
    /// node shift maps the wiring onto itself, a node outside the first unit takes the path of its
    /// image in the first unit carried back by the shift (`shiftedLink`): the node's vertices and
    /// links, and the hub's links into it, are the image's in the same order, so a breadth-first
    /// search meets them alike (`CollectiveAlgorithmTests.routesBetweenNodesAreTheShortestPaths`
    /// compares every route with the search over the whole topology, on symmetric wirings too).
    /// At 65,536 GPUs on 8-GPU nodes that is a few dozen searches instead of 131,072.
    private func path(between v: Int, and hub: Int, node: Int, up: Bool) -> [Int] {
        let (path, unit) = firstUnitPath(between: v, and: hub, node: node, up: up)
        return unit == 0 ? path : path.map { shiftedLink($0, toUnit: unit) }
    }

    /// The switch where a transfer between endpoints `source` and `destination` of two nodes
    /// leaves the one and enters the other on a switched network (the leaf when both nodes
    /// hang off one, else the spine or the network switch), where `route` joins the two
    /// halves `path(between:and:node:up:)` finds; nil for endpoints of one node and for
    /// networks routed NIC to NIC (`structuredRoute`).
    private func switchBetweenNodes(_ source: Int, _ destination: Int) -> Int? {
        let sourceNode = node(ofEndpoint: source), destinationNode = node(ofEndpoint: destination)
        guard sourceNode != destinationNode && !routesByNIC, let spine = vertexIndex(of: .networkSwitch) else { return nil }
        if !leafVertexOfNode.isEmpty && leafVertexOfNode[sourceNode] == leafVertexOfNode[destinationNode] {
            return leafVertexOfNode[sourceNode]
        }
        return spine
    }

    /// `path(between:and:node:up:)` as its image in the first unit and the unit the shift
    /// carries it to (0: the path itself).
    private func firstUnitPath(between v: Int, and hub: Int, node: Int, up: Bool) -> (path: [Int], unit: Int) {
        if isSymmetric, node >= nodeShiftNodes {
            let image = firstUnitPath(between: firstNodeVertex(v), and: firstNodeVertex(hub), node: node % nodeShiftNodes, up: up)
            return (image.path, node / nodeShiftNodes)
        }
        return (searchedPath(between: v, and: hub, node: node, up: up), 0)
    }

    /// Appends `path(between:and:node:up:)` to `links` without building it as an array.
    private func appendPath(between v: Int, and hub: Int, node: Int, up: Bool, to links: inout [Int]) {
        let (path, unit) = firstUnitPath(between: v, and: hub, node: node, up: up)
        if unit == 0 {
            links.append(contentsOf: path)
        } else {
            for link in path { links.append(shiftedLink(link, toUnit: unit)) }
        }
    }

    /// The path from vertex `v` of node `node` up to `hub` or down from it, searched inside the
    /// node once and kept.
    private func searchedPath(between v: Int, and hub: Int, node: Int, up: Bool) -> [Int] {
        let key = v * vertices.count + hub
        if up {
            if let known = uplinks[key] { return known }
            let found = search(from: v, to: hub, within: node, hub: hub)
            uplinks[key] = found
            return found
        }
        if let known = downlinks[key] { return known }
        let found = search(from: hub, to: v, within: node, hub: hub)
        downlinks[key] = found
        return found
    }

    /// The legs a transfer from `source` to `destination` moves in, one after the
    /// other: one leg normally; two when two GPUs cannot copy peer to peer, the first
    /// ending in the memory of the source GPU's socket and the second starting there.
    /// Within a node that is what `PCIeTreeSpec.copiesDirectly` says (a pair under one
    /// PCIe switch then climbs to the host bridge and back down); between nodes, a
    /// route that crosses sockets that cannot copy peer to peer is cut at the
    /// inter-socket link. (A copy to or from host memory is a DMA to or from that
    /// memory, never staged.)
    public func legs(from source: Int, to destination: Int) -> [[Int]] {
        let path = route(from: source, to: destination)
        guard let tree = pcieTree, source < gpuCount, destination < gpuCount, source != destination else { return [path] }
        let node = source / gpusPerNode
        if node == destination / gpusPerNode {
            let local = source % gpusPerNode, other = destination % gpusPerNode
            guard !tree.copiesDirectly(from: local, to: other),
                  let memory = vertexIndex(of: .hostBridge(node: node, socket: tree.socket(ofLocalGPU: local))) else { return [path] }
            let key = source * endpointCount + destination
            if let cached = stagedLegs[key] { return cached }
            let staged = [search(from: source, to: memory, within: node, hub: -1), search(from: memory, to: destination, within: node, hub: -1)]
            stagedLegs[key] = staged
            return staged
        }
        guard stagedAcrossSockets, let cut = path.firstIndex(where: { links[$0].role == "inter-socket" }) else { return [path] }
        return [Array(path[..<cut]), Array(path[cut...])]
    }

    /// Appends the legs of the transfer from `source` to `destination` (`legs(from:to:)`)
    /// to `links`, each leg's end (an index into `links`) to `legEnds`. A transfer of one leg
    /// between nodes of a switched network is written straight from the two halves its route
    /// joins (`route(from:to:)`), with no array of its own: routing NCCL's tree between the
    /// nodes of 65,536 GPUs appends a quarter of a million routes.
    public func appendLegs(from source: Int, to destination: Int, links: inout [Int], legEnds: inout [Int]) {
        let oneLeg = pcieTree == nil || source >= gpuCount || destination >= gpuCount
            || (source / gpusPerNode != destination / gpusPerNode && !stagedAcrossSockets)
        if oneLeg, source != destination, let hub = switchBetweenNodes(source, destination) {
            appendPath(between: vertex(ofEndpoint: source), and: hub, node: node(ofEndpoint: source), up: true, to: &links)
            appendPath(between: vertex(ofEndpoint: destination), and: hub, node: node(ofEndpoint: destination), up: false, to: &links)
            legEnds.append(links.count)
            return
        }
        for leg in legs(from: source, to: destination) {
            links.append(contentsOf: leg)
            legEnds.append(links.count)
        }
    }

    /// Whether GPUs `a` and `b` can copy to each other peer to peer, as
    /// `cudaDeviceCanAccessPeer` would say: GPUs of one node whose PCIe tree lets them
    /// (any two of one node on an NVLink fabric), never GPUs of different nodes.
    public func canCopyPeerToPeer(_ a: Int, _ b: Int) -> Bool {
        guard a / gpusPerNode == b / gpusPerNode else { return false }
        return pcieTree?.copiesDirectly(from: a % gpusPerNode, to: b % gpusPerNode) ?? true
    }

    /// Sum of the latencies of a path's hops, in seconds.
    public func latency(of path: [Int]) -> Double { latency(of: path[...]) }

    /// Sum of the latencies of a path's hops, in seconds (a path stored in a larger array).
    public func latency(of path: ArraySlice<Int>) -> Double {
        var seconds = 0.0
        for link in path { seconds += links[link].latencySeconds }
        return seconds
    }

    /// The smallest bandwidth on a path, in bytes per second.
    public func bottleneck(of path: [Int]) -> Double { path.map { links[$0].bytesPerSecond }.min() ?? .infinity }

    // MARK: Building

    /// The index of vertex `v`, nil if it is not wired.
    func vertexIndex(of v: Vertex) -> Int? {
        if case .gpu(let g) = v { return g >= 0 && g < min(gpuCount, vertices.count) ? g : nil }   // GPUs come first, in order
        if let place = nodeVertexPlace(v) { return nodeVertices[place] >= 0 ? nodeVertices[place] : nil }
        return sharedVertexIndex[v]
    }

    /// Where a node's own vertex `v` is kept in `nodeVertices`; nil for GPUs, the vertices no
    /// node owns and numbers outside `nodeVertexLayout`.
    private func nodeVertexPlace(_ v: Vertex) -> Int? {
        let (switches, sockets, nics) = nodeVertexLayout
        let node: Int, place: Int
        switch v {
        case .pcieSwitch(let n, let i) where i >= 0 && i < switches: (node, place) = (n, i)
        case .hostBridge(let n, let s) where s >= 0 && s < sockets: (node, place) = (n, switches + s)
        case .nvswitch(let n): (node, place) = (n, switches + sockets)
        case .nic(let n, let k) where k >= 0 && k < nics: (node, place) = (n, switches + sockets + 1 + k)
        default: return nil
        }
        let perNode = switches + sockets + 1 + nics
        guard node >= 0, node * perNode < nodeVertices.count else { return nil }
        return node * perNode + place
    }

    private func vertex(_ v: Vertex) -> Int {
        if let i = vertexIndex(of: v) { return i }
        vertices.append(v)
        adjacency.append([])
        if let place = nodeVertexPlace(v) {
            nodeVertices[place] = vertices.count - 1
        } else if case .gpu(let g) = v {
            precondition(g == vertices.count - 1 && g < gpuCount, "GPUs are the first vertices, in order")
        } else {
            sharedVertexIndex[v] = vertices.count - 1
        }
        switch v {
        case .gpu(let g): nodeOfVertex.append(g / gpusPerNode)
        case .pcieSwitch(let node, _), .hostBridge(let node, _), .nvswitch(let node), .nic(let node, _): nodeOfVertex.append(node)
        case .networkSwitch, .leafSwitch, .railSwitch, .router: nodeOfVertex.append(-1)
        }
        return vertices.count - 1
    }

    /// Adds a full-duplex link as two directions.
    private func connect(_ a: Vertex, _ b: Vertex, spec: LinkSpec, role: String, bytesPerSecond: Double? = nil) {
        let ia = vertex(a), ib = vertex(b)
        let bw = bytesPerSecond ?? spec.bytesPerSecond
        links.append(Link(role: role, bytesPerSecond: bw, latencySeconds: spec.latencySeconds, from: ia, to: ib, fromVertex: a, toVertex: b))
        adjacency[ia].append((ib, links.count - 1))
        links.append(Link(role: role, bytesPerSecond: bw, latencySeconds: spec.latencySeconds, from: ib, to: ia, fromVertex: b, toVertex: a))
        adjacency[ib].append((ia, links.count - 1))
    }

    private func wirePCIeTree(_ tree: PCIeTreeSpec, node: Int, gpus: [Int]) {
        var sockets = Set<Int>()
        for (local, g) in gpus.enumerated() {
            let sw = local / tree.gpusPerSwitch
            let socket = sw / tree.switchesPerSocket
            if vertexIndex(of: .pcieSwitch(node: node, index: sw)) == nil {
                connect(.pcieSwitch(node: node, index: sw), .hostBridge(node: node, socket: socket), spec: tree.uplink, role: "pcie-uplink")
            }
            connect(.gpu(g), .pcieSwitch(node: node, index: sw), spec: tree.gpuLink, role: "gpu-pcie")
            sockets.insert(socket)
        }
        let ordered = sockets.sorted()
        for (i, a) in ordered.enumerated() {
            for b in ordered[(i + 1)...] {
                connect(.hostBridge(node: node, socket: a), .hostBridge(node: node, socket: b), spec: tree.socketLink, role: "inter-socket")
            }
        }
    }

    private func wireMesh(_ link: LinkSpec, gpus: [Int], perNode: Int) {
        guard gpus.count > 1 else { return }
        let perPeer = link.bytesPerSecond / Double(perNode - 1)
        for (i, a) in gpus.enumerated() {
            for b in gpus[(i + 1)...] { connect(.gpu(a), .gpu(b), spec: link, role: "nvlink", bytesPerSecond: perPeer) }
        }
    }

    private func wireSwitch(_ link: LinkSpec, node: Int, gpus: [Int]) {
        guard gpus.count > 1 else { return }
        for g in gpus { connect(.gpu(g), .nvswitch(node: node), spec: link, role: "nvswitch-port") }
    }

    private func wireNetwork(_ network: NetworkSpec, cluster: ClusterSpec, nodes: Int) {
        switch network.layout {
        case .leafSpine:
            // A two-tier network: each leaf's nodes hang off the leaf, and the leaf's uplinks
            // to the spine (the network switch) are one link of its nodes' NIC bandwidth over
            // the oversubscription. Nodes that fit under one leaf need no spine.
            let leaves = network.nodesPerLeaf.map { (nodes + $0 - 1) / $0 } ?? 1
            if leaves > 1, let perLeaf = network.nodesPerLeaf {
                let uplink = Double(perLeaf * network.nicsPerNode) * network.nic.bytesPerSecond / network.oversubscription
                for leaf in 0..<leaves {
                    connect(.leafSwitch(leaf), .networkSwitch, spec: network.nic, role: "spine-uplink", bytesPerSecond: uplink)
                }
            }
        case .railOptimized:
            // A rail switch per NIC index and group, each with one NIC of each of the
            // group's nodes below it and one aggregated uplink to the spine above.
            let perGroup = network.nodesPerLeaf ?? nodes
            let groups = (nodes + perGroup - 1) / perGroup
            if groups > 1 || network.nicsPerNode > 1 {
                let uplink = Double(perGroup) * network.nic.bytesPerSecond / network.oversubscription
                for group in 0..<groups {
                    for rail in 0..<network.nicsPerNode {
                        connect(.railSwitch(group: group, rail: rail), .networkSwitch, spec: network.nic, role: "spine-uplink",
                                bytesPerSecond: uplink)
                    }
                }
            }
            routesByNIC = true
        case .torus(let dimensions):
            wireTorus(dimensions, link: network.nic)
            routesByNIC = true
        }
        if network.gpuNIC != nil { routesByNIC = true }
        nicVertexOfGPU = [Int](repeating: -1, count: gpuCount)
        let pinnedNIC = cluster.pinnedNICOfLocalGPU
        for node in 0..<nodes {
            for k in 0..<network.nicsPerNode {
                let edge = edgeSwitch(network, node: node, nic: k)
                connect(.nic(node: node, index: k), edge, spec: network.nic, role: "network")
                if routesByNIC { edgeOfNIC[vertexIndex(of: .nic(node: node, index: k))!] = vertexIndex(of: edge)! }
            }
            let first = node * cluster.gpusPerNode
            let members = Array(first..<min(gpuCount, first + cluster.gpusPerNode))
            switch cluster.fabric {
            case .pcieTree(let tree):
                // NICs hang off the host bridges, shared with the GPUs' uplinks; with an
                // explicit affinity, each NIC its GPUs' PCIe switch (as DGX-1 and DGX-2 wire
                // theirs), and a NIC no GPU of the run uses the host bridge.
                let switches = (cluster.gpusPerNode + tree.gpusPerSwitch - 1) / tree.gpusPerSwitch
                let sockets = (switches + tree.switchesPerSocket - 1) / tree.switchesPerSocket
                for k in 0..<network.nicsPerNode {
                    let users = members.filter { pinnedNIC?[$0 - first] == k }
                    if let user = users.first {
                        connect(.nic(node: node, index: k), .pcieSwitch(node: node, index: (user - first) / tree.gpusPerSwitch),
                                spec: cluster.hostLink, role: "nic-pcie")
                        for g in users { nicVertexOfGPU[g] = vertexIndex(of: .nic(node: node, index: k))! }
                        continue
                    }
                    let socket = k % sockets
                    if vertexIndex(of: .hostBridge(node: node, socket: socket)) != nil {
                        connect(.nic(node: node, index: k), .hostBridge(node: node, socket: socket), spec: cluster.hostLink, role: "nic-pcie")
                    }
                }
            case .nvlinkMesh, .nvswitch:
                for (g, nic) in wireGPUsToNICs(network, cluster: cluster, node: node, gpus: members) { nicVertexOfGPU[g] = nic }
            }
        }
    }

    /// The switch (or router) NIC `nic` of node `node` plugs into: its leaf or the one
    /// switch (leaf-spine), its group's rail switch (rail-optimized), its router (torus).
    private func edgeSwitch(_ network: NetworkSpec, node: Int, nic: Int) -> Vertex {
        switch network.layout {
        case .leafSpine:
            guard let perLeaf = network.nodesPerLeaf, (nodeCount + perLeaf - 1) / perLeaf > 1 else { return .networkSwitch }
            return .leafSwitch(node / perLeaf)
        case .railOptimized:
            return .railSwitch(group: network.nodesPerLeaf.map { node / $0 } ?? 0, rail: nic)
        case .torus:
            return .router(node)
        }
    }

    /// A router for every position of a torus of `dimensions` (the run's nodes take the
    /// first positions; the rest still forward), each joined to the next position
    /// along every dimension, the last wrapping to the first: one link pair per
    /// neighbour (a dimension of 2 has one neighbour, of 1 none).
    private func wireTorus(_ dimensions: [Int], link: LinkSpec) {
        let positions = dimensions.reduce(1, *)
        routerVertices = (0..<positions).map { vertex(.router($0)) }
        var stride = 1
        for size in dimensions {
            for position in 0..<positions where size > 1 {
                let coordinate = position / stride % size
                if size == 2 && coordinate == 1 { continue }   // the pair is already joined
                let next = position + ((coordinate + 1) % size - coordinate) * stride
                connect(.router(position), .router(next), spec: link, role: "torus")
            }
            stride *= size
        }
    }

    /// Joins each of `gpus` (node `node`'s) to its NIC over PCIe (GPUDirect RDMA): the
    /// scenario's affinity, or its own share of the NICs (`ClusterSpec.pinnedNICOfLocalGPU`).
    /// - Returns: each GPU with its NIC's vertex.
    private func wireGPUsToNICs(_ network: NetworkSpec, cluster: ClusterSpec, node: Int, gpus: [Int]) -> [(gpu: Int, nic: Int)] {
        let pinnedNIC = cluster.pinnedNICOfLocalGPU
        return gpus.enumerated().map { local, g in
            let k = pinnedNIC?[local] ?? network.nic(ofLocalGPU: local, gpusPerNode: cluster.gpusPerNode)
            connect(.gpu(g), .nic(node: node, index: k), spec: cluster.hostLink, role: "nic-pcie")
            return (g, vertexIndex(of: .nic(node: node, index: k))!)
        }
    }

    /// Host memory per node, after every other link (see "Endpoints"): on a PCIe
    /// tree the host bridge that the node's first NIC hangs off (socket 0); on NVLink
    /// fabrics a socket vertex joined to each of the node's NICs by the host link. A
    /// single node is wired as it is in a cluster of several, its GPUs to their NICs and
    /// the NICs to host memory (the network's links aside), so that a GPU reaches host
    /// memory over the same PCIe links, shared alike, on one node as on many: the
    /// NIC's link to host memory stands for the uplink of the PCIe switch a GPU shares
    /// with its NIC (DGX-1, DGX A100). A single node of a cluster without a network joins
    /// each GPU to host memory by its own host link.
    private func wireHostMemory(cluster: ClusterSpec, nodes: Int) {
        for node in 0..<nodes {
            let host = Vertex.hostBridge(node: node, socket: 0)
            switch cluster.fabric {
            case .pcieTree:
                break
            case .nvlinkMesh, .nvswitch:
                if let network = cluster.network {
                    if nodes == 1 { _ = wireGPUsToNICs(network, cluster: cluster, node: node, gpus: Array(0..<gpuCount)) }
                    for k in 0..<network.nicsPerNode {
                        connect(.nic(node: node, index: k), host, spec: cluster.hostLink, role: "host-pcie")
                    }
                } else {
                    precondition(nodes == 1, "more than one node needs a network")
                    for g in 0..<gpuCount { connect(.gpu(g), host, spec: cluster.hostLink, role: "host-pcie") }
                }
            }
            hostVertices.append(vertexIndex(of: host)!)
        }
    }

    /// The breadth-first search of `search(from:to:)` kept to the vertices of node
    /// `node`, the node's leaf switch (if any) and `hub` (-1: none), see `route`; it
    /// meets the kept vertices in the whole search's order. Falls back to the whole
    /// search should the kept vertices not connect the two (no topology built here
    /// does that).
    func search(from source: Int, to destination: Int, within node: Int, hub: Int) -> [Int] {
        let leaf = leafVertexOfNode.isEmpty ? -1 : leafVertexOfNode[node]
        func kept(_ w: Int) -> Bool { nodeOfVertex[w] == node || w == hub || w == leaf }
        if searchStamp.count < vertices.count {
            searchStamp = [UInt32](repeating: 0, count: vertices.count)
            searchParent = [Int](repeating: -1, count: vertices.count)
            searchGeneration = 0
        }
        searchGeneration &+= 1
        if searchGeneration == 0 {   // wrapped: clear the stamps once
            for i in searchStamp.indices { searchStamp[i] = 0 }
            searchGeneration = 1
        }
        let generation = searchGeneration
        // The marks are taken out of the class for the search, so that each step reads
        // and writes a local array, not a stored property behind a dynamic exclusivity check.
        var stamp: [UInt32] = [], parent: [Int] = []
        swap(&stamp, &searchStamp)
        swap(&parent, &searchParent)
        defer {
            swap(&stamp, &searchStamp)
            swap(&parent, &searchParent)
        }
        var frontier = [source]
        stamp[source] = generation
        var found = false
        search: while !frontier.isEmpty {
            var next: [Int] = []
            for v in frontier {
                for (w, link) in neighbors(of: v, towards: node) where stamp[w] != generation && kept(w) {
                    stamp[w] = generation
                    parent[w] = link
                    if w == destination { found = true; break search }
                    if case .gpu = vertices[w] { continue }   // only GPUs may be endpoints
                    next.append(w)
                }
            }
            frontier = next
        }
        guard found else { return search(from: source, to: destination) }
        var path: [Int] = []
        var v = destination
        while v != source {
            let link = parent[v]
            path.append(link)
            v = links[link].from
        }
        return path.reversed()
    }

    /// The neighbors of `v` a search kept to node `node` may step to, in adjacency
    /// order: all of them for a node's own vertex; for a shared switch only those in
    /// `node` and the other switches, without scanning every node's NICs.
    private func neighbors(of v: Int, towards node: Int) -> [(neighbor: Int, link: Int)] {
        guard nodeOfVertex[v] < 0 else { return adjacency[v] }
        if switchAdjacency[v] == nil {
            var groups: [Int: [(position: Int, neighbor: Int, link: Int)]] = [:]
            for (position, entry) in adjacency[v].enumerated() {
                groups[nodeOfVertex[entry.neighbor], default: []].append((position, entry.neighbor, entry.link))
            }
            switchAdjacency[v] = groups
        }
        let own = switchAdjacency[v]![node] ?? [], shared = switchAdjacency[v]![-1] ?? []
        var merged: [(neighbor: Int, link: Int)] = []
        merged.reserveCapacity(own.count + shared.count)
        var i = 0, j = 0
        while i < own.count || j < shared.count {
            if j == shared.count || (i < own.count && own[i].position < shared[j].position) {
                merged.append((own[i].neighbor, own[i].link)); i += 1
            } else {
                merged.append((shared[j].neighbor, shared[j].link)); j += 1
            }
        }
        return merged
    }

    /// Breadth-first search from vertex `source`, stopping at vertex `destination`;
    /// GPUs other than the endpoints are never crossed. Explores the whole topology:
    /// `route` keeps its searches to a node (the same paths), and tests compare the two.
    func search(from source: Int, to destination: Int) -> [Int] {
        var parents = [Int](repeating: -1, count: vertices.count)
        var seen = [Bool](repeating: false, count: vertices.count)
        var frontier = [source]
        seen[source] = true
        search: while !frontier.isEmpty {
            var next: [Int] = []
            for v in frontier {
                for (w, link) in adjacency[v] where !seen[w] {
                    seen[w] = true
                    parents[w] = link
                    if w == destination { break search }
                    if case .gpu = vertices[w] { continue }   // only GPUs may be endpoints
                    next.append(w)
                }
            }
            frontier = next
        }
        var path: [Int] = []
        var v = destination
        while v != source {
            let link = parents[v]
            precondition(link >= 0, "\(vertices[destination].name) is not reachable from \(vertices[source].name)")
            path.append(link)
            v = links[link].from
        }
        return path.reversed()
    }
}
