import Hardware

/// The switches and cables a cluster's network needs, counted from its topology
/// for the price of buying it.
///
/// - One node: no network is bought (its GPUs talk over the node's own fabric).
/// - `nodes_per_leaf` set (a leaf-spine network): each leaf of n nodes has
///   d = n × NICs per node ports down and u = ⌈d / oversubscription⌉ up (none with a
///   single leaf); a leaf takes ⌈(d + u) / ports⌉ switches, the spine ⌈Σu / ports⌉,
///   and Σu switch-to-switch links.
/// - Rail-optimized: each group of n nodes (`nodes_per_leaf`, or every node) has one
///   rail switch per NIC index, with d = n ports down (one NIC of each node) and
///   u = ⌈d / oversubscription⌉ up to the spine (none with one group and one rail); each
///   takes ⌈(d + u) / ports⌉ switches, the spine ⌈Σu / ports⌉.
/// - A torus: no switches; its NICs, each with one cable to a neighbour (a lower
///   bound: a node of a 3D torus has six neighbours to cable).
/// - Otherwise the scenario's single non-blocking switch, as built from switches of
///   `ports` ports: the fewest tiers t of a folded Clos (fat tree) that hold the
///   L = nodes × NICs per node links (one tier: ports; t tiers: 2·(ports/2)^t),
///   with ⌈L / (ports/2)⌉ switches in each of the t − 1 lower tiers, ⌈L / ports⌉ in
///   the top one, and (t − 1)·L switch-to-switch links (Al-Fares et al., "A Scalable,
///   Commodity Data Center Network Architecture", SIGCOMM 2008: a k-port fat tree
///   of three tiers holds k³/4 hosts on 5k²/4 switches).
public struct SwitchCount: Sendable, Equatable {
    /// Node-to-switch links: one NIC each.
    public var nodeLinks: Int
    public var switches: Int
    /// Switch-to-switch links, each needing a cable and a port at both ends.
    public var interSwitchLinks: Int

    public init(nodeLinks: Int, switches: Int, interSwitchLinks: Int) {
        self.nodeLinks = nodeLinks
        self.switches = switches
        self.interSwitchLinks = interSwitchLinks
    }

    /// Links of both kinds: what cables are bought for.
    public var cables: Int { nodeLinks + interSwitchLinks }

    /// The network of `nodes` nodes on `network`, built from switches of `ports` ports (>= 2).
    public init(network: NetworkSpec, nodes: Int, ports: Int) {
        guard nodes > 1 else {
            self.init(nodeLinks: 0, switches: 0, interSwitchLinks: 0)
            return
        }
        let links = nodes * network.nicsPerNode
        switch network.layout {
        case .torus:
            self.init(nodeLinks: links, switches: 0, interSwitchLinks: 0)
            return
        case .railOptimized:
            let perGroup = network.nodesPerLeaf ?? nodes
            let groups = Self.ceilDiv(nodes, perGroup)
            let spine = groups > 1 || network.nicsPerNode > 1
            var switches = 0, uplinks = 0
            for group in 0..<groups {
                let down = min(perGroup, nodes - group * perGroup)
                let up = spine ? Int((Double(down) / network.oversubscription).rounded(.up)) : 0
                switches += network.nicsPerNode * Self.ceilDiv(down + up, ports)
                uplinks += network.nicsPerNode * up
            }
            self.init(nodeLinks: links, switches: switches + Self.ceilDiv(uplinks, ports), interSwitchLinks: uplinks)
            return
        case .leafSpine:
            break
        }
        if let perLeaf = network.nodesPerLeaf {
            let leaves = (nodes + perLeaf - 1) / perLeaf
            var switches = 0, uplinks = 0
            for leaf in 0..<leaves {
                let down = min(perLeaf, nodes - leaf * perLeaf) * network.nicsPerNode
                let up = leaves > 1 ? Int((Double(down) / network.oversubscription).rounded(.up)) : 0
                switches += Self.ceilDiv(down + up, ports)
                uplinks += up
            }
            self.init(nodeLinks: links, switches: switches + Self.ceilDiv(uplinks, ports), interSwitchLinks: uplinks)
            return
        }
        guard links > ports else {
            self.init(nodeLinks: links, switches: 1, interSwitchLinks: 0)
            return
        }
        let half = max(1, ports / 2)
        var tiers = 2
        var capacity = 2.0 * Double(half) * Double(half)
        while Double(links) > capacity && tiers < 16 {
            tiers += 1
            capacity *= Double(half)
        }
        self.init(nodeLinks: links, switches: (tiers - 1) * Self.ceilDiv(links, half) + Self.ceilDiv(links, ports),
                  interSwitchLinks: (tiers - 1) * links)
    }

    private static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
}
