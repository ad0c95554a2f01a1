/// Routes between nodes laid out NIC to NIC, by the network's structure: rail-optimized
/// networks, tori, and any network with an explicit GPU-NIC affinity.
///
/// A route from an endpoint in one node to an endpoint in another is
/// 1. the path inside the source node from the endpoint to its NIC: a GPU's own NIC
///    (`NetworkSpec.nic(ofLocalGPU:gpusPerNode:)`), or for a GPU of a PCIe tree without
///    an affinity and for host memory the NIC the fewest hops away (the lowest index on a tie);
/// 2. the network from that NIC to the destination's: its switch alone when both NICs
///    plug into one (a leaf, or a rail switch of one group); else up to the spine and
///    down; on a torus, router to router in dimension order;
/// 3. the path inside the destination node from its NIC to the endpoint.
/// A rail-optimized network with `CrossRailRoute.pxn` first moves a transfer whose NICs
/// are on different rails over NVLink to the source node's GPU on the destination's rail
/// (the first local GPU whose NIC has the destination NIC's index), whose NIC then
/// carries it along the rail. On PCIe-tree nodes, which a scenario cannot give PXN but
/// whose NCCL channels keep to one NIC index on every node (`RunSpec.ncclKeepsRails`),
/// the source GPU instead reaches its node's NIC on the destination's rail over the
/// PCIe tree, as NCCL's ring hop from a node's last GPU to the channel's NIC goes without
/// PXN ("NET n -> GPU a -> ... -> GPU x -> NET n", NVIDIA/nccl v2.18.3-1 src/graph/search.cc).
extension Topology {
    /// The links from endpoint `source` to endpoint `destination` of another node, as the
    /// type's comment lays them out.
    func structuredRoute(from source: Int, to destination: Int) -> [Int] {
        let sourceNode = node(ofEndpoint: source), destinationNode = node(ofEndpoint: destination)
        var start = pathToNIC(endpoint: source, node: sourceNode)
        let end = pathToNIC(endpoint: destination, node: destinationNode)
        var head: [Int] = []
        if case .railOptimized(.pxn) = network?.layout, source < gpuCount, rail(ofNIC: start.nic) != rail(ofNIC: end.nic) {
            if pcieTree != nil {
                start = pathToRail(rail(ofNIC: end.nic), endpoint: source, node: sourceNode)
            } else if let proxy = gpu(inNode: sourceNode, onRail: rail(ofNIC: end.nic)) {
                head = search(from: vertex(ofEndpoint: source), to: proxy, within: sourceNode, hub: -1)
                start = pathToNIC(endpoint: proxy, node: sourceNode)
            }
        }
        return head + start.up + networkPath(fromNIC: start.nic, toNIC: end.nic) + end.down
    }

    /// The NIC index of NIC vertex `nic`: its rail in a rail-optimized network.
    private func rail(ofNIC nic: Int) -> Int {
        guard case .nic(_, let index) = vertices[nic] else { preconditionFailure("\(vertices[nic].name) is not a NIC") }
        return index
    }

    /// The first GPU of node `node` in this run whose NIC is NIC `rail`, if any.
    private func gpu(inNode node: Int, onRail rail: Int) -> Int? {
        guard let nic = vertexIndex(of: .nic(node: node, index: rail)) else { return nil }
        let first = node * gpusPerNode
        return (first..<min(gpuCount, first + gpusPerNode)).first { nicVertexOfGPU[$0] == nic }
    }

    /// The NIC an endpoint sends and receives through, and the paths to it and back.
    private func pathToNIC(endpoint: Int, node: Int) -> (nic: Int, up: [Int], down: [Int]) {
        let from = vertex(ofEndpoint: endpoint)
        if let cached = pathsToNIC[from] { return cached }
        var best: (nic: Int, up: [Int], down: [Int])?
        if endpoint < gpuCount && nicVertexOfGPU[endpoint] >= 0 {
            let nic = nicVertexOfGPU[endpoint]
            best = (nic, search(from: from, to: nic, within: node, hub: -1), [])
        } else {
            for k in 0..<(network?.nicsPerNode ?? 0) {
                guard let nic = vertexIndex(of: .nic(node: node, index: k)) else { continue }
                let up = search(from: from, to: nic, within: node, hub: -1)
                if best == nil || up.count < best!.up.count { best = (nic, up, []) }
            }
        }
        precondition(best != nil, "node \(node) has no NIC")
        best!.down = search(from: best!.nic, to: from, within: node, hub: -1)
        pathsToNIC[from] = best!
        return best!
    }

    /// NIC `rail` of node `node` and the path inside the node from `endpoint` up to it
    /// (the PCIe tree's, through the host bridges where the NIC hangs elsewhere).
    private func pathToRail(_ rail: Int, endpoint: Int, node: Int) -> (nic: Int, up: [Int], down: [Int]) {
        let from = vertex(ofEndpoint: endpoint), key = from * (network?.nicsPerNode ?? 1) + rail
        let nic = vertexIndex(of: .nic(node: node, index: rail))!
        if let cached = pathsToRail[key] { return (nic, cached, []) }
        let up = search(from: from, to: nic, within: node, hub: -1)
        pathsToRail[key] = up
        return (nic, up, [])
    }

    /// The links from NIC vertex `a` to NIC vertex `b` of another node (see the type's comment).
    private func networkPath(fromNIC a: Int, toNIC b: Int) -> [Int] {
        let up = edgeOfNIC[a]!, down = edgeOfNIC[b]!
        let first = link(from: a, to: up), last = link(from: down, to: b)
        if up == down { return [first, last] }
        if !routerVertices.isEmpty { return [first] + torusPath(from: up, to: down) + [last] }
        let spine = vertexIndex(of: .networkSwitch)!
        return [first, link(from: up, to: spine), link(from: spine, to: down), last]
    }

    /// Dimension-ordered routing between two routers of the torus: along the first
    /// dimension until the coordinates agree, then the second, and so on, each the
    /// shorter way round (forward on a tie), as torus networks route deadlock-free
    /// (W. J. Dally and C. L. Seitz, "Deadlock-Free Message Routing in Multiprocessor
    /// Interconnection Networks", IEEE Trans. Computers C-36(5), 1987; W. J. Dally and
    /// B. Towles, "Principles and Practices of Interconnection Networks", 2004, ch. 14).
    private func torusPath(from a: Int, to b: Int) -> [Int] {
        guard case .router(var position) = vertices[a], case .router(let target) = vertices[b],
              case .torus(let dimensions) = network?.layout else { preconditionFailure("not routers of a torus") }
        var path: [Int] = []
        var stride = 1
        for size in dimensions {
            let here = position / stride % size, there = target / stride % size
            let forward = (there - here + size) % size
            let step = forward <= size - forward ? 1 : -1
            for _ in 0..<min(forward, size - forward) {
                let coordinate = position / stride % size
                let next = position + ((coordinate + step + size) % size - coordinate) * stride
                path.append(link(from: routerVertices[position], to: routerVertices[next]))
                position = next
            }
            stride *= size
        }
        return path
    }

    /// The link direction from vertex `a` to its neighbour `b`, found in the shorter
    /// of the two adjacency lists (a link's two directions are built one after the
    /// other, the first at an even index: `connect`).
    private func link(from a: Int, to b: Int) -> Int {
        if adjacency[a].count <= adjacency[b].count, let entry = adjacency[a].first(where: { $0.neighbor == b }) {
            return entry.link
        }
        guard let entry = adjacency[b].first(where: { $0.neighbor == a }) else {
            preconditionFailure("\(vertices[a].name) and \(vertices[b].name) are not joined")
        }
        return entry.link ^ 1
    }
}

extension Topology {
    /// For each local GPU of node 0, the index of the NIC its routes to and from node 1
    /// cross, where one NIC carries both; nil on one node, or where a GPU's route out
    /// and its route in cross different NICs (or none). On a PCIe tree without `gpu_nic`
    /// this is the NIC the fewest hops away, the lowest index on a tie (the NICs hang
    /// off the host bridges, so a socket's GPUs share its first NIC).
    public var nicOfLocalGPUByRoute: [Int]? {
        guard gpuCount >= 2 * gpusPerNode else { return nil }
        func nicIndex(_ vertex: Vertex) -> Int? {
            if case .nic(0, let index) = vertex { return index }
            return nil
        }
        return (0..<gpusPerNode).reduce([Int]?([])) { nics, gpu in
            guard let nics,
                  let out = route(from: gpu, to: gpusPerNode).lazy.compactMap({ nicIndex(self.links[$0].fromVertex) }).first,
                  let into = route(from: gpusPerNode, to: gpu).lazy.compactMap({ nicIndex(self.links[$0].toVertex) }).first,
                  out == into else { return nil }
            return nics + [out]
        }
    }
}
