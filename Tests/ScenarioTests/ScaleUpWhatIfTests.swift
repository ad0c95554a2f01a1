import Testing
import Hardware
@testable import Scenario

/// Scale-up links (NVLink, Infinity Fabric, Gaudi's built-in RoCE ports) are what a
/// what-if on the GPUs' links could buy instead, never what a network what-if could.
@Suite struct ScaleUpWhatIfTests {
    @Test func scaleUpKindsAreGPULinkAlternativesOnly() throws {
        let catalog = try Catalog.builtIn()
        let network = catalog.links.filter { WhatIf.alternatives(for: .network).contains($0.kind) }
        let gpu = catalog.links.filter { WhatIf.alternatives(for: .gpu).contains($0.kind) }
        // The fastest network alternative is a NIC (800 Gb/s), not a 525 GB/s bundle of Gaudi ports.
        #expect(network.map(\.bytesPerSecond).max() == 100e9)
        #expect(!network.contains { $0.name == "gaudi3-roce-scale-up" || $0.name.hasPrefix("infinity-fabric") })
        for name in ["gaudi3-roce-scale-up", "infinity-fabric-mi300x", "nvlink5", "pcie5-x16"] {
            #expect(gpu.contains { $0.name == name }, "\(name)")
        }
    }

    /// A scenario naming no fabric gets the GPU's own: MI300X, Gaudi 3 and SXM2 (P100, V100)
    /// nodes are meshes of their scale-up link; an explicit fabric still wins.
    @Test func aGPUsOwnFabricIsTheDefault() throws {
        func fabric(_ cluster: String) throws -> NodeFabric {
            let path = try temporaryScenario("model: resnet18\nbatch_per_gpu: 32\ncluster: \(cluster)\ngpus: [8]\n")
            return try #require(try Scenario.load(path: path).runs.first).cluster.fabric
        }
        guard case .nvlinkMesh(let link) = try fabric("{gpu: MI300X, gpus_per_node: 8}") else { Issue.record("MI300X: not a mesh"); return }
        #expect(link.name == "infinity-fabric-mi300x")
        guard case .nvlinkMesh(let ports) = try fabric("{gpu: Gaudi3, gpus_per_node: 8}") else { Issue.record("Gaudi3: not a mesh"); return }
        #expect(ports.name == "gaudi3-roce-scale-up")
        guard case .nvswitch = try fabric("{gpu: MI300X, gpus_per_node: 8, fabric: nvswitch}") else { Issue.record("fabric: ignored"); return }
        guard case .pcieTree = try fabric("{gpu: MI250X, gpus_per_node: 8}") else { Issue.record("MI250X: not a PCIe tree"); return }
        guard case .nvswitch = try fabric("{gpu: H100, gpus_per_node: 8}") else { Issue.record("H100: not an NVSwitch"); return }
        // SXM2 boards were built into NVLink meshes (the DGX-1), never behind an NVSwitch (the DGX-2's SXM3 V100).
        for sxm2 in ["P100-SXM2", "V100-SXM2-16GB", "V100-SXM2-32GB"] {
            guard case .nvlinkMesh = try fabric("{gpu: \(sxm2), gpus_per_node: 8}") else { Issue.record("\(sxm2): not a mesh"); return }
        }
        guard case .nvswitch = try fabric("{gpu: V100-SXM3-32GB-H, gpus_per_node: 16}") else { Issue.record("V100 SXM3: not an NVSwitch"); return }
    }

    /// A PCIe tree's socket link, where the scenario names none, is of the GPU's host link's
    /// era: a 4th-generation Xeon's UPI beside PCIe 4.0 and later GPUs, a 2013 Xeon's QPI
    /// beside older ones; a named one, or a host link the scenario states, wins.
    @Test(arguments: [("{gpu: L40S, gpus_per_node: 8}", "upi-16gt"), ("{gpu: H100-PCIe, gpus_per_node: 8, fabric: pcie-tree}", "upi-16gt"),
                      ("{gpu: K80, gpus_per_node: 8}", "qpi-8gt"), ("{gpu: V100, gpus_per_node: 8, fabric: pcie-tree}", "qpi-8gt"),
                      ("{gpu: L40S, gpus_per_node: 8, host_link: pcie3-x16}", "qpi-8gt"),
                      ("{gpu: L40S, gpus_per_node: 8, pcie: {socket_link: upi-10.4gt}}", "upi-10.4gt")])
    func theSocketLinkIsOfTheGPUsEra(cluster: String, expected: String) throws {
        let path = try temporaryScenario("model: resnet18\nbatch_per_gpu: 32\ncluster: \(cluster)\ngpus: [8]\n")
        guard case .pcieTree(let tree) = try #require(try Scenario.load(path: path).runs.first).cluster.fabric else {
            Issue.record("\(cluster): not a PCIe tree"); return
        }
        #expect(tree.socketLink.name == expected, "\(cluster)")
    }
}
