/// The wiring of the GPUs of one run: devices, switches and NICs as vertices,
/// and every link direction with its bandwidth and latency.
///
/// Link directions are numbered from 0 in the order they are built; the
/// simulator registers them in that order, so an index here is a link id there.
public final class Topology {
    /// What a vertex is, for names and routing.
    public enum Vertex: Hashable, Sendable {
        case gpu(Int)
        case pcieSwitch(node: Int, index: Int)
        case hostBridge(node: Int, socket: Int)
        case nvswitch(node: Int)
        case nic(node: Int, index: Int)
        case networkSwitch

        public var name: String {
            switch self {
            case .gpu(let g): return "gpu\(g)"
            case .pcieSwitch(let n, let i): return "n\(n).pcie-switch\(i)"
            case .hostBridge(let n, let s): return "n\(n).socket\(s)"
            case .nvswitch(let n): return "n\(n).nvswitch"
            case .nic(let n, let i): return "n\(n).nic\(i)"
            case .networkSwitch: return "network-switch"
            }
        }
    }

    /// One direction of one link.
    public struct Link: Sendable {
        public var name: String
        /// What the link is in the design: `gpu-pcie`, `pcie-uplink`, `inter-socket`,
        /// `nvlink`, `nvswitch-port`, `nic-pcie` or `network`.
        public var role: String
        public var spec: LinkSpec
        public var bytesPerSecond: Double
        public var latencySeconds: Double
        public var from: Int
        public var to: Int
    }

    public private(set) var vertices: [Vertex] = []
    public private(set) var links: [Link] = []
    public let gpuCount: Int
    /// Cross-socket copies are staged through host memory (see `PCIeTreeSpec`).
    public let stagedAcrossSockets: Bool
    private var vertexIndex: [Vertex: Int] = [:]
    private var adjacency: [[(neighbor: Int, link: Int)]] = []
    private var routes: [Int: [Int]] = [:]   // source * gpuCount + destination -> path, found on demand

    /// Wires `gpus` GPUs of `cluster`, filling nodes in order.
    /// - Precondition: `gpus > 0`, and `cluster.network` is set if more than one node is needed.
    public init(cluster: ClusterSpec, gpus: Int) {
        precondition(gpus > 0, "a topology needs at least one GPU")
        gpuCount = gpus
        if case .pcieTree(let tree) = cluster.fabric { stagedAcrossSockets = !tree.crossSocketPeerToPeer } else { stagedAcrossSockets = false }
        for g in 0..<gpus { _ = vertex(.gpu(g)) }
        let nodes = cluster.nodes(for: gpus)
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
        }
    }

    /// The vertex index of GPU `g`.
    public func gpuVertex(_ g: Int) -> Int { g }

    /// The link directions a transfer from GPU `source` to GPU `destination`
    /// crosses: the fewest hops, ties broken by build order (deterministic).
    public func route(from source: Int, to destination: Int) -> [Int] {
        if source == destination { return [] }
        let key = source * gpuCount + destination
        if let cached = routes[key] { return cached }
        let path = search(from: source, to: destination)
        routes[key] = path
        return path
    }

    /// The legs a transfer from `source` to `destination` moves in, one after the
    /// other: one leg normally; two when the route crosses sockets that cannot copy
    /// peer to peer, the first ending in the source socket's memory.
    public func legs(from source: Int, to destination: Int) -> [[Int]] {
        let path = route(from: source, to: destination)
        guard stagedAcrossSockets, let cut = path.firstIndex(where: { links[$0].role == "inter-socket" }) else { return [path] }
        return [Array(path[..<cut]), Array(path[cut...])]
    }

    /// Sum of the latencies of a path's hops, in seconds.
    public func latency(of path: [Int]) -> Double { path.reduce(0) { $0 + links[$1].latencySeconds } }

    /// The smallest bandwidth on a path, in bytes per second.
    public func bottleneck(of path: [Int]) -> Double { path.map { links[$0].bytesPerSecond }.min() ?? .infinity }

    // MARK: Building

    private func vertex(_ v: Vertex) -> Int {
        if let i = vertexIndex[v] { return i }
        vertices.append(v)
        adjacency.append([])
        vertexIndex[v] = vertices.count - 1
        return vertices.count - 1
    }

    /// Adds a full-duplex link as two directions.
    private func connect(_ a: Vertex, _ b: Vertex, spec: LinkSpec, role: String, bytesPerSecond: Double? = nil) {
        let ia = vertex(a), ib = vertex(b)
        let bw = bytesPerSecond ?? spec.bytesPerSecond
        for (from, to) in [(ia, ib), (ib, ia)] {
            links.append(Link(name: "\(vertices[from].name)->\(vertices[to].name)", role: role, spec: spec,
                              bytesPerSecond: bw, latencySeconds: spec.latencySeconds, from: from, to: to))
            adjacency[from].append((to, links.count - 1))
        }
    }

    private func wirePCIeTree(_ tree: PCIeTreeSpec, node: Int, gpus: [Int]) {
        var sockets = Set<Int>()
        for (local, g) in gpus.enumerated() {
            let sw = local / tree.gpusPerSwitch
            let socket = sw / tree.switchesPerSocket
            if vertexIndex[.pcieSwitch(node: node, index: sw)] == nil {
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
        for node in 0..<nodes {
            for k in 0..<network.nicsPerNode {
                connect(.nic(node: node, index: k), .networkSwitch, spec: network.nic, role: "network")
            }
            let first = node * cluster.gpusPerNode
            let members = Array(first..<min(gpuCount, first + cluster.gpusPerNode))
            switch cluster.fabric {
            case .pcieTree(let tree):
                // NICs hang off the host bridges, shared with the GPUs' uplinks.
                let switches = (cluster.gpusPerNode + tree.gpusPerSwitch - 1) / tree.gpusPerSwitch
                let sockets = (switches + tree.switchesPerSocket - 1) / tree.switchesPerSocket
                for k in 0..<network.nicsPerNode {
                    let socket = k % sockets
                    if vertexIndex[.hostBridge(node: node, socket: socket)] != nil {
                        connect(.nic(node: node, index: k), .hostBridge(node: node, socket: socket), spec: cluster.hostLink, role: "nic-pcie")
                    }
                }
            case .nvlinkMesh, .nvswitch:
                // Each GPU reaches its own share of the NICs over PCIe (GPUDirect RDMA).
                for (local, g) in members.enumerated() {
                    let k = local * network.nicsPerNode / cluster.gpusPerNode
                    connect(.gpu(g), .nic(node: node, index: k), spec: cluster.hostLink, role: "nic-pcie")
                }
            }
        }
    }

    /// Breadth-first search from `source`, stopping at `destination`; GPUs other
    /// than the endpoints are never crossed.
    private func search(from source: Int, to destination: Int) -> [Int] {
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
            precondition(link >= 0, "GPU \(destination) is not reachable from GPU \(source)")
            path.append(link)
            v = links[link].from
        }
        return path.reversed()
    }
}
