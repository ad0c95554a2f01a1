import Hardware
import Testing

@Suite struct TopologyTests {
    let catalog = try! Catalog.builtIn()

    func pcieServer() -> ClusterSpec {
        let pcie = catalog.link(named: "pcie3-x16")!
        return ClusterSpec(gpu: catalog.gpu(named: "K40")!, gpusPerNode: 8,
                           fabric: .pcieTree(PCIeTreeSpec(gpuLink: pcie, uplink: pcie, socketLink: catalog.link(named: "qpi-8gt")!,
                                                          gpusPerSwitch: 2, switchesPerSocket: 2)),
                           network: NetworkSpec(nic: catalog.link(named: "ib-edr")!, nicsPerNode: 1), hostLink: pcie)
    }

    @Test func pcieTreeRoutesThroughSwitchesBridgesAndSockets() {
        let topology = Topology(cluster: pcieServer(), gpus: 8)
        func roles(_ a: Int, _ b: Int) -> [String] { topology.route(from: a, to: b).map { topology.links[$0].role } }
        #expect(roles(0, 1) == ["gpu-pcie", "gpu-pcie"])
        #expect(roles(0, 2) == ["gpu-pcie", "pcie-uplink", "pcie-uplink", "gpu-pcie"])
        #expect(roles(0, 4) == ["gpu-pcie", "pcie-uplink", "inter-socket", "pcie-uplink", "gpu-pcie"])
        #expect(topology.route(from: 3, to: 3).isEmpty)
    }

    @Test func nodesAreJoinedThroughTheirNICs() {
        let topology = Topology(cluster: pcieServer(), gpus: 16)
        let roles = topology.route(from: 0, to: 8).map { topology.links[$0].role }
        #expect(roles == ["gpu-pcie", "pcie-uplink", "nic-pcie", "network", "network", "nic-pcie", "pcie-uplink", "gpu-pcie"])
    }

    @Test func nvswitchIsTwoHopsAtFullNVLinkBandwidth() {
        let gpu = catalog.gpu(named: "H100")!
        let nvlink = catalog.link(named: "nvlink4")!
        let topology = Topology(cluster: ClusterSpec(gpu: gpu, gpusPerNode: 8, fabric: .nvswitch(nvlink), network: nil,
                                                     hostLink: catalog.link(named: "pcie5-x16")!), gpus: 8)
        let path = topology.route(from: 2, to: 7)
        #expect(path.count == 2)
        #expect(topology.bottleneck(of: path) == 450e9)
        #expect(abs(topology.latency(of: path) - 1e-6) < 1e-12)
    }

    @Test func meshSpreadsNVLinkOverPeers() {
        let gpu = catalog.gpu(named: "V100")!
        let nvlink = catalog.link(named: "nvlink2")!
        let topology = Topology(cluster: ClusterSpec(gpu: gpu, gpusPerNode: 4, fabric: .nvlinkMesh(nvlink), network: nil,
                                                     hostLink: catalog.link(named: "pcie3-x16")!), gpus: 4)
        let path = topology.route(from: 0, to: 3)
        #expect(path.count == 1)
        #expect(topology.bottleneck(of: path) == 50e9)
    }
}
