extension NetworkSpec {
    /// The network in one line, for `explain`: its layout, the NICs, and which NIC each
    /// local GPU of a node uses (`pinnedNICOfLocalGPU`, from `ClusterSpec`), e.g.
    /// `rail-optimized: 8 rails of ib-hdr, a rail switch per NIC index for every 32 nodes,
    /// uplinks to the spine 2:1; across rails: pxn; GPU->NIC 0 1 2 3 4 5 6 7 (scenario)`.
    /// Where no GPU owns a NIC (nil: a PCIe tree without `gpu_nic`) the NICs hang off the
    /// host bridges and each transfer takes a shortest route through them (`Topology`),
    /// which the line says instead, with the NIC each local GPU's routes then cross where
    /// `routedNICOfLocalGPU` gives it (`ClusterSpec.nicOfLocalGPU`: its socket's first).
    public func summary(pinnedNICOfLocalGPU: [Int]?, routedNICOfLocalGPU: [Int]? = nil) -> String {
        func ratio(_ x: Double) -> String { x == x.rounded() ? "\(Int(x)):1" : "\(x):1" }
        var text: String
        switch layout {
        case .leafSpine:
            // Without nodes_per_leaf every node hangs off one switch: no spine to name.
            text = nodesPerLeaf.map { "leaf-spine: \(nicsPerNode) x \(nic.name) per node, \($0) nodes per leaf, uplinks to the spine \(ratio(oversubscription))" }
                ?? "one non-blocking switch: \(nicsPerNode) x \(nic.name) per node"
        case .railOptimized(let crossRail):
            text = "rail-optimized: \(nicsPerNode) rail\(nicsPerNode == 1 ? "" : "s") of \(nic.name), a rail switch per NIC index for "
                + (nodesPerLeaf.map { "every \($0) nodes" } ?? "all nodes") + ", uplinks to the spine \(ratio(oversubscription)); "
                + "across rails: \(crossRail.rawValue)"
        case .torus(let dimensions):
            text = "torus: \(dimensions.map(String.init).joined(separator: " x ")) nodes, \(nicsPerNode) x \(nic.name) per node, "
                + "\(nic.name) links to the neighbours, dimension-ordered routes"
        }
        guard let pinned = pinnedNICOfLocalGPU else {
            return text + "; NICs on the host bridges, each transfer by a shortest route through them (no gpu_nic)"
                + (routedNICOfLocalGPU.map { ": GPU->NIC " + $0.map(String.init).joined(separator: " ") } ?? "")
        }
        return text + "; GPU->NIC " + pinned.map(String.init).joined(separator: " ") + (gpuNIC == nil ? " (even share)" : " (scenario)")
    }
}
