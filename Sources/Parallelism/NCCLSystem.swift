import Hardware

/// A cluster as NCCL sees it when it tunes a communicator: the GPU generation, the
/// ranks and nodes, the kind of link inside a node, and the channels its topology
/// search finds with their bandwidth; and how ScaleCast lays NCCL's channels over
/// the cluster's links when it simulates them transfer by transfer.
///
/// Source: NVIDIA/nccl at v2.30.7 (commit 5067397c, June 2026). NCCL measures its
/// node (`src/graph/topo.cc`) and searches ring and tree channels over it
/// (`ncclTopoCompute`, `src/graph/search.cc`); ScaleCast does not repeat that search
/// over real PCIe and NVLink paths but follows its rule on the scenario's links:
/// - the per-channel speed is the first entry of NCCL's speed array (by compute
///   capability: `speedArrayIntra`/`Inter`, `sm90...`, `sm100...`; the inter array
///   once the communicator spans nodes) that is at most the best single path's
///   bandwidth (`system->maxBw`: one GPU to another inside a node; once it spans
///   nodes, a GPU to its NIC) and at most the GPU's total link bandwidth (`totalBw`);
/// - the search then packs as many channels at that speed as every link on their
///   way can carry: inside a node, the GPU's NVSwitch port or NVLinks, or the
///   narrowest PCIe link a ring crosses; across nodes also the NICs (one NIC per
///   channel each way); at most `MAXCHANNELS / 2` = 32 (`src/init.cc`);
/// - `ncclTopoDupChannels` then doubles the channels and halves their speed when
///   the speed is at least 25 GB/s (not above compute capability 8.0 with under
///   50 GB/s and more than 4 channels);
/// - trees get the rings' channel count and speed (`src/init.cc` sets the tree
///   search's channels to the ring's, then takes the smaller of the two); across nodes
///   the tree search's second pass then raises the tree's speed inside a node
///   (`bwIntra`) one speed of the array at a time while it is below twice the speed
///   across nodes and the node's links carry the channels at it ("increase bwIntra for
///   trees (2 nodes or collnet)"), which NCCL's tuning uses on two nodes.
/// NCCL's own link figures (`SM80_NVLINK_BW` 20 GB/s per link, `PCI_BW` 12 GB/s)
/// differ from the catalog's datasheet figures, which ScaleCast uses instead.
/// Bandwidths are in GB/s (1e9 bytes/s), as NCCL's are.
public struct NCCLSystem: Hashable, Sendable {
    /// The kind of hop a step crosses, indexing NCCL's `hwLatencies` (`NCCL_HW_NVLINK`,
    /// `NCCL_HW_PCI`, `NCCL_HW_NET`).
    public enum Hop: Int, CaseIterable, Sendable, Hashable { case nvlink, pci, net }

    /// Compute capability times ten (70 for Volta, 80 Ampere, 89 Ada, 90 Hopper, 100
    /// Blackwell), from the GPU's architecture; 0 where NCCL does not run (AMD's
    /// GPUs run RCCL, Fermi predates NCCL), which gets the Volta tables without LL128.
    public var computeCapability: Int
    /// GPUs in the communicator.
    public var ranks: Int
    /// Nodes they fill, `gpusPerNode` each in order.
    public var nodes: Int
    /// GPUs in a full node of the cluster.
    public var gpusPerNode: Int
    /// The link between GPUs of a node: `.nvlink` (NVSwitch or an NVLink mesh) or `.pci`.
    public var intraHop: Hop
    /// Channels of the ring and tree graphs (NCCL's `graphs[a]->nChannels`).
    public var channels: Int
    /// Bandwidth of one channel, GB/s (NCCL's `bwIntra` and `bwInter` of the ring graph,
    /// equal; the tree graph's `bwInter`).
    public var channelGigabytesPerSecond: Double
    /// The tree graph's `bwIntra` per channel, GB/s: `channelGigabytesPerSecond` inside
    /// one node; across nodes up to twice it, as the search's second pass raises it.
    public var treeIntraGigabytesPerSecond: Double
    /// Whether NCCL enables LL128 on this system (see `init(cluster:gpus:)`).
    public var ll128Enabled: Bool
    /// The protocols the stack lets NCCL run (`NCCL_PROTO`; an execution profile's
    /// `nccl_protocols`, as a release without LL128, before NCCL 2.5.6, ran): all by
    /// default, LL128 still only where `ll128Enabled`.
    public var protocols = Set(NCCLProtocol.allCases)
    /// NICs a node's channels leave and enter through, one simulated channel layout
    /// each (1 inside one node, and on PCIe trees, whose NICs the route picks).
    public var rails: Int
    /// The GPU strides of the rings laid inside a node: on an NVLink mesh the strides
    /// coprime to the node's GPU count (each a ring over its own links: 1, 3, 5, 7 on 8
    /// GPUs), the smallest first and no more than the search's channels; elsewhere 1 (an
    /// NVSwitch port or a PCIe link is shared by every ring).
    public var strides: [Int]
    /// NVLS (`NCCLSystem+NVLS`): the NVLS graph's channels, one per head GPU; 0 where
    /// NCCL cannot run NVLS here.
    public var nvlsHeads: Int
    /// The NVLS graph's `bwIntra` and `bwInter` per channel, GB/s (0 without NVLS).
    public var nvlsIntraGigabytesPerSecond: Double
    public var nvlsInterGigabytesPerSecond: Double

    /// The search's speed arrays, GB/s per channel (`src/graph/search.cc`).
    static let speedsIntra: [Double] = [40, 30, 20, 18, 15, 12, 10, 9, 7, 6, 5, 4, 3]
    static let speedsInter: [Double] = [48, 30, 28, 24, 20, 18, 15, 12, 10, 9, 7, 6, 5, 4, 3, 2.4, 1.2, 0.24, 0.12]
    static let speedsIntraSM90: [Double] = [60, 50, 40, 30, 24, 20, 15, 12, 11, 6, 3]
    static let speedsInterSM90: [Double] = [48, 45, 42, 40, 30, 24, 22, 20, 17.5, 15, 12, 6, 3, 2.4, 1.2, 0.24, 0.12]
    static let speedsIntraSM100: [Double] = [90, 80, 70, 60, 50, 45, 40, 30, 24, 20, 19, 18]
    static let speedsInterSM100: [Double] = [96, 86, 80, 48, 45.1, 42, 40, 30, 24, 22, 20, 17.5, 15, 12, 6, 3, 2.4, 1.2, 0.24, 0.12]
    /// `MAXCHANNELS / 2`, the ring search's most channels (`src/init.cc`).
    static let maxChannels = 32
    /// GB/s of the one channel NCCL runs where its search finds none, no path carrying even
    /// the slowest speed of its array (a link thinner than 3 GB/s inside a node up to Hopper,
    /// 18 GB/s on Blackwell): one ring in GPU order at 0.1 GB/s (`ncclTopoCompute`,
    /// `src/graph/search.cc`: "Could not find a path for pattern %d, falling back to simple order").
    static let fallbackSpeed = 0.1

    public init(computeCapability: Int, ranks: Int, nodes: Int, gpusPerNode: Int, intraHop: Hop, channels: Int,
                channelGigabytesPerSecond: Double, ll128Enabled: Bool, rails: Int = 1, strides: [Int] = [1],
                nvls: NVLSGraph? = nil, treeIntraGigabytesPerSecond: Double? = nil) {
        precondition(ranks > 0 && nodes > 0 && gpusPerNode > 0 && channels > 0 && rails > 0 && !strides.isEmpty)
        self.computeCapability = computeCapability
        self.ranks = ranks
        self.nodes = nodes
        self.gpusPerNode = gpusPerNode
        self.intraHop = intraHop
        self.channels = channels
        self.channelGigabytesPerSecond = channelGigabytesPerSecond
        self.treeIntraGigabytesPerSecond = treeIntraGigabytesPerSecond ?? channelGigabytesPerSecond
        self.ll128Enabled = ll128Enabled
        self.rails = rails
        self.strides = strides
        self.nvlsHeads = nvls?.heads ?? 0
        self.nvlsIntraGigabytesPerSecond = nvls?.intraGigabytesPerSecond ?? 0
        self.nvlsInterGigabytesPerSecond = nvls?.interGigabytesPerSecond ?? 0
    }

    /// NCCL's view of `gpus` GPUs of `cluster`, filling its nodes in order.
    ///
    /// LL128 is enabled as `ncclTopoTuneModel` enables it by default: compute
    /// capability 7.0 or more, GPUs of a node joined by NVLink (path type up to
    /// `PATH_NVB`), and across nodes each GPU reaching a NIC without crossing a CPU
    /// (up to `PATH_PXB`; `PATH_PXN` from 9.0): true of the NVLink fabrics here, whose
    /// GPUs reach their NICs over PCIe, not of the PCIe trees, whose NICs hang off
    /// the host bridge.
    public init(cluster: ClusterSpec, gpus: Int) {
        let cc = cluster.gpu.computeCapability
        let nodes = cluster.nodes(for: gpus)
        let local = min(gpus, cluster.gpusPerNode)
        let gb = 1e9
        // Inside a node: the best GPU-to-GPU path, the GPU's total link bandwidth,
        // and the narrowest link a ring over the node's GPUs crosses.
        let best: Double, total: Double, ringBottleneck: Double
        var intra = Hop.nvlink
        var strides = [1]
        switch cluster.fabric {
        case .nvswitch(let link):
            (best, total, ringBottleneck) = (link.bytesPerSecond / gb, link.bytesPerSecond / gb, link.bytesPerSecond / gb)
        case .nvlinkMesh(let link):
            let peer = link.bytesPerSecond / Double(max(1, cluster.gpusPerNode - 1)) / gb
            // Rings of every stride coprime to g use disjoint link directions: g − 1
            // of them would use every link (a Hamiltonian decomposition), the search's
            // channels; the simulated layouts are the coprime strides.
            (best, total, ringBottleneck) = (peer, link.bytesPerSecond / gb, peer * Double(max(1, local - 1)))
            if local > 2 { strides = (1..<local).filter { Self.gcd($0, local) == 1 } }
        case .pcieTree(let tree):
            intra = .pci
            var narrowest = tree.gpuLink.bytesPerSecond
            if local > tree.gpusPerSwitch { narrowest = min(narrowest, tree.uplink.bytesPerSecond) }
            if local > tree.gpusPerSwitch * tree.switchesPerSocket { narrowest = min(narrowest, tree.socketLink.bytesPerSecond) }
            (best, total, ringBottleneck) = (tree.gpuLink.bytesPerSecond / gb, tree.gpuLink.bytesPerSecond / gb, narrowest / gb)
        }
        var rails = 1
        var speed: Double, channels: Int
        if nodes > 1, let network = cluster.network {
            // The NICs the node's GPUs send through (each GPU one, `gpu_nic` or the even
            // share): a node with more NICs than GPUs leaves the others idle, and NCCL's
            // channels and rails count the NICs its GPUs are near, not those in the box.
            let nicsInUse = Set((0..<local).map { network.nic(ofLocalGPU: $0, gpusPerNode: cluster.gpusPerNode) }).count
            // A GPU's path to its NIC: its PCIe link to the NIC (and, on a PCIe tree,
            // the GPU's link and uplink to the host bridge the NIC hangs off).
            var toNIC = min(network.nic.bytesPerSecond, cluster.hostLink.bytesPerSecond)
            if case .pcieTree(let tree) = cluster.fabric {
                toNIC = min(toNIC, tree.gpuLink.bytesPerSecond, tree.uplink.bytesPerSecond)
            } else {
                rails = min(nicsInUse, local)
            }
            let speeds = cc >= 100 ? Self.speedsInterSM100 : cc >= 90 ? Self.speedsInterSM90 : Self.speedsInter
            let limit = min(toNIC / gb, total)
            if limit < speeds.last! {
                (speed, channels) = (Self.fallbackSpeed, 1)
            } else {
                speed = Self.firstSpeed(speeds, atMost: limit)
                let perNIC = max(1, Int((min(network.nic.bytesPerSecond, cluster.hostLink.bytesPerSecond) / gb / speed).rounded(.down)))
                let inside = local > 1 ? max(1, Int((ringBottleneck / speed).rounded(.down))) : Self.maxChannels
                channels = min(Self.maxChannels, min(nicsInUse * perNIC, inside))
            }
        } else {
            let speeds = cc >= 100 ? Self.speedsIntraSM100 : cc >= 90 ? Self.speedsIntraSM90 : Self.speedsIntra
            let limit = min(best, total, ringBottleneck)
            if limit < speeds.last! {
                (speed, channels) = (Self.fallbackSpeed, 1)
            } else {
                speed = Self.firstSpeed(speeds, atMost: limit)
                channels = min(Self.maxChannels, max(1, Int((ringBottleneck / speed).rounded(.down))))
            }
        }
        // NCCL runs no more rings than the search found channels (duplicated channels take
        // the same rings), so no more strides are laid: the strides coprime to g can outnumber
        // the channels (at 32 channels, from a mesh of 37 GPUs on), or across nodes whose NICs
        // allow few channels, and the links of the strides left out carry no ring.
        strides = Array(strides.prefix(channels))
        if speed >= 25 && !(cc > 80 && speed < 50 && channels > 4) {
            let doubled = min(2 * channels, Self.maxChannels)
            speed /= Double((doubled + channels - 1) / channels)
            channels = doubled
        }
        var ll128 = cc >= 70 && (local == 1 || intra == .nvlink)
        if nodes > 1, case .pcieTree = cluster.fabric { ll128 = false }
        var treeIntra = speed
        if nodes > 1, local > 1, speed > Self.fallbackSpeed {
            let speeds = cc >= 100 ? Self.speedsInterSM100 : cc >= 90 ? Self.speedsInterSM90 : Self.speedsInter
            treeIntra = Self.raisedTreeIntraSpeed(from: speed, channels: channels, speeds: speeds,
                                                  pathLimit: min(best, total), linksCarry: ringBottleneck)
        }
        var nvls: NVLSGraph?
        if nodes == 1, case .nvswitch(let link) = cluster.fabric {
            nvls = Self.nvlsGraph(computeCapability: cc, gpus: local, portGigabytesPerSecond: link.bytesPerSecond / gb)
        }
        self.init(computeCapability: cc, ranks: gpus, nodes: nodes, gpusPerNode: cluster.gpusPerNode, intraHop: intra,
                  channels: channels, channelGigabytesPerSecond: speed, ll128Enabled: ll128, rails: rails, strides: strides,
                  nvls: nvls, treeIntraGigabytesPerSecond: treeIntra)
    }

    /// The tree graph's speed inside a node once the search's second pass has raised it
    /// (`ncclTopoCompute`, `src/graph/search.cc`, pass 2: "increase bwIntra for trees"):
    /// from the channels' speed across nodes, the next faster speed of the array while the
    /// speed is below twice that and one path inside the node (`pathLimit`, GB/s) and the
    /// node's links for all `channels` (`linksCarry`, GB/s each way) carry it.
    static func raisedTreeIntraSpeed(from speed: Double, channels: Int, speeds: [Double], pathLimit: Double,
                                     linksCarry: Double) -> Double {
        var raised = speed
        for faster in speeds.reversed() where faster > speed {
            guard raised < 2 * speed, faster <= pathLimit, Double(channels) * faster <= linksCarry else { break }
            raised = faster
        }
        return raised
    }

    /// The first speed of `speeds` (fastest first) at most `limit`, or the slowest (where none
    /// is, the search finds no channel: `fallbackSpeed`).
    static func firstSpeed(_ speeds: [Double], atMost limit: Double) -> Double {
        speeds.first { $0 <= limit } ?? speeds.last!
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// Ranks per node as NCCL's tuning counts them (`nRanks / nNodes`, a fraction
    /// when the last node is partly filled).
    public var ranksPerNode: Double { Double(ranks) / Double(nodes) }

    /// The index of NCCL's tables by compute capability: 0 Volta (and older), 1
    /// Ampere, 2 Hopper, 3 Blackwell.
    var generation: Int { computeCapability >= 100 ? 3 : computeCapability >= 90 ? 2 : computeCapability >= 80 ? 1 : 0 }

    /// Channels NCCL runs collectives on (`comm->nChannels`): the search's channels,
    /// duplicated once more when rings and trees are connected (`src/graph/connect.cc`),
    /// at most `MAXCHANNELS` = 64.
    public var communicatorChannels: Int { min(64, 2 * channels) }
}
