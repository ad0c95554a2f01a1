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

    /// The NIC each local GPU of a node sends through (GPUDirect RDMA to its own NIC):
    /// the scenario's `gpu_nic`, or else the even share (`NetworkSpec.nic(ofLocalGPU:)`).
    /// Nil without a network, and on a PCIe tree without `gpu_nic`: there the NICs hang
    /// off the host bridges and each transfer takes a shortest route through them
    /// (`Topology`), so no GPU owns a NIC.
    public var pinnedNICOfLocalGPU: [Int]? {
        guard let network, !fabric.isPCIeTree || network.gpuNIC != nil else { return nil }
        return (0..<gpusPerNode).map { network.nic(ofLocalGPU: $0, gpusPerNode: gpusPerNode) }
    }

    /// The NIC each local GPU's traffic to other nodes leaves and enters through: its pinned
    /// one (`pinnedNICOfLocalGPU`), or its node's only NIC, or on a PCIe tree with several
    /// NICs and no `gpu_nic`, where a transfer takes the NIC on its shortest route, the one
    /// the routes between two nodes cross (`Topology.nicOfLocalGPUByRoute`: its socket's
    /// first). The NIC is chosen inside the node, so two nodes on one switch tell it whatever
    /// the network beyond (collectives that keep to NCCL's rails aside, which do not use
    /// this). Nil without a network, or where a GPU's routes out and in cross different NICs.
    public var nicOfLocalGPU: [Int]? {
        guard let network else { return nil }
        if let pinned = pinnedNICOfLocalGPU { return pinned }
        if network.nicsPerNode == 1 { return [Int](repeating: 0, count: gpusPerNode) }
        var twoNodes = self
        twoNodes.network = NetworkSpec(nic: network.nic, nicsPerNode: network.nicsPerNode)
        return Topology(cluster: twoNodes, gpus: 2 * gpusPerNode).nicOfLocalGPUByRoute
    }
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

    public var isPCIeTree: Bool {
        if case .pcieTree = self { return true }
        return false
    }

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

/// The network between nodes: NICs in each node, which of them each GPU uses, and
/// the switches (or direct links) that join them.
public struct NetworkSpec: Hashable, Sendable {
    public var nic: LinkSpec
    public var nicsPerNode: Int
    /// Nodes under one leaf switch of a two-tier (leaf-spine) network; nil: one
    /// switch joins every node at full bandwidth. In a rail-optimized network, the
    /// nodes of one group (a scalable unit) whose NICs share its rail switches; nil:
    /// every node of the run in one group.
    public var nodesPerLeaf: Int?
    /// How much more bandwidth a leaf's nodes can send than its uplinks to the
    /// spine carry (1: a non-blocking fat tree; 2: "2:1 oversubscribed"). A leaf's
    /// uplinks are one aggregated link of `nodesPerLeaf × nicsPerNode × NIC bandwidth
    /// / oversubscription` (a rail switch's: `nodesPerLeaf × NIC bandwidth /
    /// oversubscription`, one NIC per node): the fluid view of equal-cost multipath
    /// over its uplinks.
    public var oversubscription: Double
    /// How the NICs are joined: leaf-spine (or one switch), rail-optimized, or a torus.
    public var layout: NetworkLayout
    /// GPU-NIC affinity: `gpuNIC[i]` is the NIC local GPU `i` sends and receives
    /// through (`cluster.network.gpu_nic`); nil: each GPU its even share of the NICs
    /// in order (`defaultNIC`).
    public var gpuNIC: [Int]?

    public init(nic: LinkSpec, nicsPerNode: Int, nodesPerLeaf: Int? = nil, oversubscription: Double = 1,
                layout: NetworkLayout = .leafSpine, gpuNIC: [Int]? = nil) {
        self.nic = nic
        self.nicsPerNode = nicsPerNode
        self.nodesPerLeaf = nodesPerLeaf
        self.oversubscription = oversubscription
        self.layout = layout
        self.gpuNIC = gpuNIC
    }

    /// The leaf switch of `node`, or nil without leaves.
    public func leaf(of node: Int) -> Int? { nodesPerLeaf.map { node / $0 } }

    /// The NIC local GPU `local` of a node of `gpusPerNode` uses: the scenario's
    /// affinity, or else its even share in order (`local × nicsPerNode / gpusPerNode`:
    /// GPU i on NIC i with one NIC per GPU, GPUs 2k and 2k+1 on NIC k with one NIC per two).
    public func nic(ofLocalGPU local: Int, gpusPerNode: Int) -> Int {
        gpuNIC?[local] ?? Self.defaultNIC(ofLocalGPU: local, nicsPerNode: nicsPerNode, gpusPerNode: gpusPerNode)
    }

    /// The even share in order (see `nic(ofLocalGPU:gpusPerNode:)`).
    public static func defaultNIC(ofLocalGPU local: Int, nicsPerNode: Int, gpusPerNode: Int) -> Int {
        local * nicsPerNode / gpusPerNode
    }

    /// Nodes a torus holds (the product of its dimensions); nil for switched networks.
    public var torusCapacity: Int? {
        guard case .torus(let dimensions) = layout else { return nil }
        return dimensions.reduce(1, *)
    }
}

/// How a network joins its nodes' NICs.
public enum NetworkLayout: Hashable, Sendable {
    /// Every NIC of a leaf's nodes on that leaf, leaves joined by a spine
    /// (`NetworkSpec.nodesPerLeaf`); without leaves, one non-blocking switch.
    case leafSpine
    /// NIC k of every node of a group on rail switch k of the group, the rail
    /// switches of every group joined by a spine, as NVIDIA's DGX SuperPOD reference
    /// architectures wire their compute fabric ("rail-optimized": 8 rails for the 8
    /// compute NICs of a DGX A100 or H100, a scalable unit of 20 or 32 nodes per set
    /// of rail switches; NVIDIA DGX SuperPOD Reference Architecture, DGX A100 (2023)
    /// and DGX H100 (2023), docs.nvidia.com/dgx-superpod). A transfer between NICs of
    /// one rail in one group crosses its rail switch alone; every other crosses the
    /// spine, unless `crossRail` moves it onto the destination's rail inside the node.
    case railOptimized(crossRail: CrossRailRoute)
    /// Nodes on a torus of these dimension sizes (2 or 3 of them), each linked to
    /// its neighbour both ways in every dimension, with wraparound, by links of the
    /// network's NIC; routes are dimension-ordered. Node m sits at the mixed-radix
    /// coordinates of m, the first dimension fastest.
    case torus(dimensions: [Int])

    /// The scenario's name (`cluster.network.topology`).
    public var name: String {
        switch self {
        case .leafSpine: return "leaf-spine"
        case .railOptimized: return "rail-optimized"
        case .torus: return "torus"
        }
    }
}

/// How a rail-optimized network carries a transfer between GPUs whose NICs are on
/// different rails.
public enum CrossRailRoute: String, Hashable, Sendable, CaseIterable {
    /// Up the source NIC's rail switch, across the spine, down the destination's rail.
    case spine
    /// First over the node's NVLink to the local GPU whose NIC is on the destination
    /// NIC's rail, then out that NIC along the rail: NCCL's PXN ("PCI x NVLink",
    /// NCCL 2.12; on by default, `NCCL_PXN_DISABLE=0`, and used for point-to-point
    /// traffic at `NCCL_P2P_PXN_LEVEL=2`, the default: NCCL's environment variable
    /// documentation, docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html, and
    /// "Doubling all2all Performance with NVIDIA Collective Communication Library 2.12",
    /// NVIDIA technical blog, 2022). Only on NVLink fabrics (NVSwitch or mesh); on a PCIe
    /// tree, or where the node runs no GPU on that rail, the transfer crosses the spine.
    case pxn
}
