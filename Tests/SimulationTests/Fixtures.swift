import Hardware
import Parallelism
import Workload

/// Small building blocks for simulation tests.
enum Fixtures {
    static let catalog = try! Catalog.builtIn()

    /// A node whose GPUs are each joined to every other by a dedicated link of
    /// `bytesPerSecond` per direction and `latency` seconds: uniform idle links.
    static func meshCluster(gpus: Int, bytesPerSecond: Double, latency: Double) -> ClusterSpec {
        let gpu = catalog.gpu(named: "A100-SXM4-80GB")!
        // The mesh spreads the GPU's NVLink bandwidth over its peers; give it (N-1)x.
        let link = LinkSpec(name: "test-link", kind: .nvlink, bytesPerSecond: bytesPerSecond * Double(max(1, gpus - 1)),
                            latencySeconds: latency, source: "test")
        return ClusterSpec(gpu: gpu, gpusPerNode: gpus, fabric: .nvlinkMesh(link), network: nil,
                           hostLink: catalog.link(named: "pcie4-x16")!)
    }

    /// A single-link bottleneck: GPUs on one PCIe switch whose GPU links have `bytesPerSecond`
    /// (or `perSwitch` to a switch, two switches per socket); nodes joined by `network` if given.
    static func pcieCluster(gpuLink: String = "pcie3-x16", perSwitch: Int = 8, gpu: String = "V100",
                            network: NetworkSpec? = nil) -> ClusterSpec {
        let pcie = catalog.link(named: gpuLink)!
        return ClusterSpec(gpu: catalog.gpu(named: gpu)!, gpusPerNode: 8,
                           fabric: .pcieTree(PCIeTreeSpec(gpuLink: pcie, uplink: pcie, socketLink: catalog.link(named: "qpi-8gt")!,
                                                          gpusPerSwitch: perSwitch, switchesPerSocket: 2)),
                           network: network, hostLink: pcie)
    }

    /// V100 nodes of 8 on PCIe trees (two GPUs a switch, two switches a socket) whose
    /// cross-socket copies are staged through host memory, `nics` 25 GbE NICs a node.
    static func stagedPCIeCluster(nics: Int) -> ClusterSpec {
        let pcie3 = catalog.link(named: "pcie3-x16")!
        return ClusterSpec(gpu: catalog.gpu(named: "V100")!, gpusPerNode: 8,
                           fabric: .pcieTree(PCIeTreeSpec(gpuLink: pcie3, uplink: pcie3, socketLink: catalog.link(named: "qpi-8gt")!,
                                                          gpusPerSwitch: 2, switchesPerSocket: 2, crossSocketPeerToPeer: false)),
                           network: NetworkSpec(nic: catalog.link(named: "eth-25g")!, nicsPerNode: nics), hostLink: pcie3)
    }

    /// DGX A100-style nodes: 8 A100s on an NVSwitch, `nics` HDR InfiniBand NICs a node.
    static func dgxCluster(nics: Int) -> ClusterSpec {
        ClusterSpec(gpu: catalog.gpu(named: "A100-SXM4-80GB")!, gpusPerNode: 8, fabric: .nvswitch(catalog.link(named: "nvlink3")!),
                    network: NetworkSpec(nic: catalog.link(named: "ib-hdr")!, nicsPerNode: nics), hostLink: catalog.link(named: "pcie4-x16")!)
    }

    /// A small CNN that runs in microseconds of simulated time.
    static func tinyNetwork() throws -> Network {
        var b = NetworkBuilder(name: "tiny", input: TensorShape(channels: 3, height: 32, width: 32))
        try b.conv("conv1", out: 32, kernel: 3, pad: 1); try b.relu("relu1")
        try b.maxPool("pool1", kernel: 2, stride: 2)
        try b.conv("conv2", out: 64, kernel: 3, pad: 1); try b.relu("relu2")
        try b.maxPool("pool2", kernel: 2, stride: 2)
        try b.fc("fc1", units: 512); try b.relu("relu3")
        try b.fc("fc2", units: 10)
        try b.softmax("loss")
        return try b.finish()
    }
}
