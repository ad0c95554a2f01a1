/// A cluster design: one kind of GPU in identical nodes, how the GPUs of a node
/// are joined, and the network between nodes.
public struct ClusterSpec: Sendable {
    public var gpu: GPUSpec
    /// GPUs in a full node; a run on fewer GPUs uses part of one node.
    public var gpusPerNode: Int
    public var fabric: NodeFabric
    /// How nodes are joined; required when a run needs more than one node.
    public var network: NetworkSpec?
    /// The GPU's link to its host (and NICs), from the catalog.
    public var hostLink: LinkSpec
    /// CPU cores in a node (`cluster.cpu_cores_per_node`), for a loader rate given
    /// per core; nil when the scenario does not say.
    public var cpuCoresPerNode: Int?

    public init(gpu: GPUSpec, gpusPerNode: Int, fabric: NodeFabric, network: NetworkSpec?, hostLink: LinkSpec, cpuCoresPerNode: Int? = nil) {
        self.cpuCoresPerNode = cpuCoresPerNode
        self.gpu = gpu
        self.gpusPerNode = gpusPerNode
        self.fabric = fabric
        self.network = network
        self.hostLink = hostLink
    }

    /// Nodes needed for `gpus` GPUs, filling each node before the next.
    public func nodes(for gpus: Int) -> Int { (gpus + gpusPerNode - 1) / gpusPerNode }
}

/// How the GPUs inside one node are connected.
public enum NodeFabric: Hashable, Sendable {
    /// GPUs under PCIe switches under the sockets' host bridges.
    case pcieTree(PCIeTreeSpec)
    /// Every pair of GPUs joined directly; each GPU's NVLink bandwidth is spread
    /// evenly over its peers.
    case nvlinkMesh(LinkSpec)
    /// Every GPU joined to one non-blocking NVSwitch at its full NVLink bandwidth.
    case nvswitch(LinkSpec)

    public var name: String {
        switch self {
        case .pcieTree: return "pcie-tree"
        case .nvlinkMesh: return "nvlink-mesh"
        case .nvswitch: return "nvswitch"
        }
    }
}

/// A PCIe tree as 2-socket servers build them: `gpusPerSwitch` GPUs under each
/// PCIe switch, `switchesPerSocket` switches under each socket's host bridge
/// (root complex), sockets joined by an inter-socket link (QPI/UPI).
///
/// Peer-to-peer traffic between GPUs under one switch stays in that switch;
/// between switches it crosses both switches' uplinks through the host bridge;
/// between sockets it also crosses the inter-socket link. The uplinks and the
/// inter-socket link are where contention costs speedup.
public struct PCIeTreeSpec: Hashable, Sendable {
    public var gpuLink: LinkSpec
    public var uplink: LinkSpec
    public var socketLink: LinkSpec
    public var gpusPerSwitch: Int
    public var switchesPerSocket: Int
    /// Whether GPUs under different sockets can copy peer to peer. Servers of the
    /// Sandy/Ivy Bridge era could not: such a copy is staged through host memory,
    /// a copy up to the source socket's memory and then a second one across the
    /// inter-socket link and down ("P2P through PCIe bridges, but not across socket
    /// level links", Caffe's multi-GPU notes,
    /// https://github.com/BVLC/caffe/blob/master/docs/multigpu.md).
    public var crossSocketPeerToPeer: Bool
    /// Which of a node's GPUs can copy to which directly, as `nvidia-smi topo -p2p r`
    /// reports it: `peerToPeer[i][j]` for local GPUs `i` and `j`. nil: every pair
    /// under one socket can, and pairs across sockets as `crossSocketPeerToPeer` says.
    /// A pair that cannot is staged through host memory: a copy up to the memory of
    /// the source GPU's socket, then a second one down (and across sockets) to the
    /// destination, as the CUDA runtime copies between devices without peer access
    /// (with it, "peer-to-peer memory copy between these two devices no longer needs
    /// to be staged through the host": CUDA C++ Programming Guide, "Peer-to-Peer
    /// Memory Copy", docs.nvidia.com/cuda/cuda-c-programming-guide).
    public var peerToPeer: [[Bool]]?

    public init(gpuLink: LinkSpec, uplink: LinkSpec, socketLink: LinkSpec, gpusPerSwitch: Int, switchesPerSocket: Int,
                crossSocketPeerToPeer: Bool = true, peerToPeer: [[Bool]]? = nil) {
        self.gpuLink = gpuLink
        self.uplink = uplink
        self.socketLink = socketLink
        self.gpusPerSwitch = gpusPerSwitch
        self.switchesPerSocket = switchesPerSocket
        self.crossSocketPeerToPeer = crossSocketPeerToPeer
        self.peerToPeer = peerToPeer
    }

    /// The socket local GPU `gpu` of a node hangs off.
    public func socket(ofLocalGPU gpu: Int) -> Int { gpu / gpusPerSwitch / switchesPerSocket }

    /// Whether local GPU `source` can copy to local GPU `destination` directly.
    public func copiesDirectly(from source: Int, to destination: Int) -> Bool {
        if let peerToPeer { return peerToPeer[source][destination] }
        return crossSocketPeerToPeer || socket(ofLocalGPU: source) == socket(ofLocalGPU: destination)
    }
}

/// The network between nodes: NICs in each node, all on one non-blocking switch.
public struct NetworkSpec: Hashable, Sendable {
    public var nic: LinkSpec
    public var nicsPerNode: Int
    /// Nodes under one leaf switch of a two-tier (leaf-spine) network; nil: one
    /// switch joins every node at full bandwidth.
    public var nodesPerLeaf: Int?
    /// How much more bandwidth a leaf's nodes can send than its uplinks to the
    /// spine carry (1: a non-blocking fat tree; 2: "2:1 oversubscribed"). A leaf's
    /// uplinks are one aggregated link of `nodesPerLeaf × nicsPerNode × NIC bandwidth
    /// / oversubscription`: the fluid view of equal-cost multipath over its uplinks.
    public var oversubscription: Double

    public init(nic: LinkSpec, nicsPerNode: Int, nodesPerLeaf: Int? = nil, oversubscription: Double = 1) {
        self.nic = nic
        self.nicsPerNode = nicsPerNode
        self.nodesPerLeaf = nodesPerLeaf
        self.oversubscription = oversubscription
    }

    /// The leaf switch of `node`, or nil without leaves.
    public func leaf(of node: Int) -> Int? { nodesPerLeaf.map { node / $0 } }
}
