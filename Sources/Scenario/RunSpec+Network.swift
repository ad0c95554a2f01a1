import Hardware
import Yams
import YAMLSupport

extension RunSpec {
    /// The keys of `cluster.network`.
    static let networkKeys = ["link", "nics_per_node", "nodes_per_leaf", "oversubscription", "topology", "cross_rail", "dimensions",
                              "gpu_nic"]

    /// The keys of `cluster.network` that apply to some topologies only, and those topologies.
    static let topologyKeys: [String: [String]] = [
        "nodes_per_leaf": ["leaf-spine", "rail-optimized"], "oversubscription": ["leaf-spine", "rail-optimized"],
        "cross_rail": ["rail-optimized"], "dimensions": ["torus"],
    ]

    /// `cluster.network`'s topology when it names none.
    static let defaultTopology = "leaf-spine"

    /// A `cluster.network` (`base`, the top level's) for a run or a sweep point to lay
    /// `override` over: where `override` names another topology, without the keys that do
    /// not apply to it (a run's `topology: torus` under a top-level rail-optimized network
    /// drops `cross_rail` and keeps `link` and `nics_per_node`), so that a run can change
    /// the topology without undoing the top level's keys one by one.
    static func networkBase(_ base: Node.Mapping, under override: Node.Mapping) -> Node.Mapping {
        func topology(_ mapping: Node.Mapping) -> String? { mapping.first { $0.key.string == "topology" }?.value.string }
        guard let chosen = topology(override), chosen != (topology(base) ?? defaultTopology) else { return base }
        let kept = base.filter { key, _ in topologyKeys[key.string ?? ""].map { $0.contains(chosen) } ?? true }
        return Node.Mapping(kept, base.tag, base.style, base.mark)
    }

    /// `cluster.network` (its keys already checked against `networkKeys`): the NIC
    /// (already looked up in the catalog), how many per node,
    /// which NIC each local GPU uses (`gpu_nic`), and how the NICs are joined
    /// (`topology`: `leaf-spine`, with `nodes_per_leaf` and `oversubscription`;
    /// `rail-optimized`, the same two and `cross_rail`; `torus`, with `dimensions`).
    /// - Throws: `ConfigError` at the offending key: a value out of range, a key that does
    ///   not apply to the topology, an affinity that names a missing NIC or, on a PCIe tree,
    ///   gives one NIC GPUs under different PCIe switches.
    static func readNetwork(_ net: YAMLValue, nic: LinkSpec, gpusPerNode: Int, fabric: NodeFabric) throws -> NetworkSpec {
        let nics = try net.optional("nics_per_node")?.int(in: Limits.perNode) ?? 1
        let topologyNode = try net.optional("topology")
        let topology = try topologyNode?.oneOf(["leaf-spine", "rail-optimized", "torus"]) ?? defaultTopology
        func only(_ key: String) throws -> YAMLValue? {
            guard let value = try net.optional(key) else { return nil }
            let topologies = topologyKeys[key]!
            guard topologies.contains(topology) else {
                throw value.error("\(key) applies to topology \(topologies.joined(separator: " and ")) only, not \(topology)")
            }
            return value
        }
        var spec = NetworkSpec(nic: nic, nicsPerNode: nics,
                               nodesPerLeaf: try only("nodes_per_leaf")?.int(in: Limits.nodesPerLeaf),
                               oversubscription: try only("oversubscription")?
                                   .double(in: Limits.oversubscription) ?? 1)
        // Oversubscription thins the uplinks of leaf switches; a leaf-spine network without
        // nodes_per_leaf is one non-blocking switch, with no uplink for it to thin. (Rail
        // switches always have uplinks, for the traffic between rails.)
        if topology == "leaf-spine", spec.oversubscription != 1, spec.nodesPerLeaf == nil, let value = try net.optional("oversubscription") {
            throw value.error("oversubscription thins the uplinks from leaf switches to the spine, so it needs nodes_per_leaf "
                              + "(the nodes under one leaf switch); without it the network is one non-blocking switch")
        }
        let crossRailNode = try only("cross_rail")
        let dimensionsNode = try only("dimensions")
        switch topology {
        case "rail-optimized":
            var crossRail = CrossRailRoute.pxn
            if case .pcieTree = fabric { crossRail = .spine }
            if let crossRailNode {
                crossRail = CrossRailRoute(rawValue: try crossRailNode.oneOf(CrossRailRoute.allCases.map(\.rawValue)))!
                if crossRail == .pxn, case .pcieTree = fabric {
                    throw crossRailNode.error("pxn moves traffic between rails over NVLink; a pcie-tree node has none (use spine)")
                }
            }
            spec.layout = .railOptimized(crossRail: crossRail)
        case "torus":
            guard let dimensionsNode else { throw net.error("a torus needs dimensions: the nodes along each axis, e.g. [4, 4] or [4, 4, 4]") }
            let items = try dimensionsNode.items()
            guard (2...3).contains(items.count) else {
                throw dimensionsNode.error("a torus has 2 or 3 dimensions, got \(items.count)")
            }
            let dimensions = try items.map { try $0.int(in: Limits.torusDimension) }
            guard dimensions.reduce(1, *) <= Limits.gpus.upperBound else {
                throw dimensionsNode.error("a torus of \(dimensions.map(String.init).joined(separator: " x ")) holds more than "
                                           + "\(Limits.gpus.upperBound) nodes")
            }
            spec.layout = .torus(dimensions: dimensions)
        default:
            break
        }
        if let affinity = try net.optional("gpu_nic") {
            spec.gpuNIC = try readGPUNIC(affinity, nics: nics, gpusPerNode: gpusPerNode, fabric: fabric)
        }
        return spec
    }

    /// `cluster.network.gpu_nic`: the NIC of each local GPU, one entry per GPU of a node.
    private static func readGPUNIC(_ node: YAMLValue, nics: Int, gpusPerNode: Int, fabric: NodeFabric) throws -> [Int] {
        let items = try node.items()
        guard items.count == gpusPerNode else {
            throw node.error("list the NIC of each of the node's \(gpusPerNode) GPUs, got \(items.count) entries")
        }
        let affinity = try items.map { item in
            let nic = try item.int()
            guard (0..<nics).contains(nic) else {
                throw item.error("no NIC \(nic): the node's \(nics) NIC\(nics == 1 ? " is" : "s are") numbered from 0 to \(nics - 1)")
            }
            return nic
        }
        if case .pcieTree(let tree) = fabric {
            // A NIC sits under one PCIe switch: every GPU that uses it must be under that switch.
            for (local, nic) in affinity.enumerated() {
                let first = affinity.firstIndex(of: nic)!
                guard first / tree.gpusPerSwitch == local / tree.gpusPerSwitch else {
                    throw items[local].error("NIC \(nic) is under GPU \(first)'s PCIe switch; GPU \(local) is under another "
                                             + "(\(tree.gpusPerSwitch) GPUs per switch)")
                }
            }
        }
        return affinity
    }
}
