import Foundation
import Testing
@testable import ScaleCastCLI

/// A buyer reads which network design a prediction priced: `explain` prints it for
/// every design but one non-blocking switch, and `report` states it in its assumptions.
@Suite struct NetworkDesignTextTests {
    static func scenario(network: String) -> String {
        """
        name: network design
        model: alexnet-owt
        batch_per_gpu: 32
        precision: bf16
        cluster: {gpu: H100-SXM5, gpus_per_node: 8, fabric: nvswitch, network: \(network)}
        strategy: {kind: data, allreduce: ring, bucket_mb: 25}
        gpus: [16]
        """
    }

    @Test func explainNamesLeavesAndASpine() throws {
        let leaves = try writeTemporary(Self.scenario(network: "{link: eth-100g, nics_per_node: 4, nodes_per_leaf: 4, oversubscription: 2}"))
        let out = CLI.execute(["explain", leaves, "--gpus", "16"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("Network leaf-spine: 4 x eth-100g per node, 4 nodes per leaf, uplinks to the spine 2:1"), "\(out.stdout)")
        // One non-blocking switch, NICs shared evenly: nothing to say beyond the NICs.
        let flat = try writeTemporary(Self.scenario(network: "{link: eth-100g, nics_per_node: 4}"))
        #expect(!CLI.execute(["explain", flat, "--gpus", "16"]).stdout.contains("Network leaf-spine"))
    }

    /// Under NCCL's algorithms a `cross_rail: spine` network is priced as PXN on NVLink
    /// fabrics, over PCIe to the rail's NIC on PCIe-tree nodes, and the design line says so.
    @Test func theRailLineSaysWhatNCCLChanges() throws {
        let nvswitch = try writeTemporary(Self.scenario(network: "{link: ib-ndr, nics_per_node: 8, topology: rail-optimized, cross_rail: spine}")
            .replacingOccurrences(of: "allreduce: ring", with: "allreduce: nccl-ring"))
        let out = CLI.execute(["explain", nvswitch, "--gpus", "16"])
        #expect(out.stdout.contains("across rails: spine") && out.stdout.contains("NCCL's collectives keep to their rails, so their hops are priced as pxn"),
                "\(out.stdout)")
        let tree = try writeTemporary("""
            name: pcie rails
            model: alexnet-owt
            batch_per_gpu: 32
            cluster: {gpu: V100, gpus_per_node: 4, fabric: pcie-tree, network: {link: ib-edr, nics_per_node: 4, topology: rail-optimized, cross_rail: spine}}
            strategy: {kind: data, allreduce: nccl-ring}
            gpus: [8]
            """)
        let pcie = CLI.execute(["explain", tree, "--gpus", "8"])
        #expect(pcie.exitCode == 0 && pcie.stdout.contains("across rails: spine")
                && pcie.stdout.contains("NCCL's collectives keep to their rails, so a GPU reaches another rail's NIC over PCIe"), "\(pcie.stdout)\(pcie.stderr)")
    }

    @Test func reportStatesTheDesignItPriced() throws {
        let rails = try writeTemporary(Self.scenario(network: "{link: ib-ndr, nics_per_node: 8, topology: rail-optimized, nodes_per_leaf: 2, oversubscription: 2}"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-network-\(UUID().uuidString)").path
        let out = CLI.execute(["report", rails, "--out", folder])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let report = try String(contentsOfFile: folder + "/report.md", encoding: .utf8)
        #expect(report.contains("the network between nodes: rail-optimized: 8 rails of ib-ndr"), "\(report)")
        #expect(report.contains("uplinks to the spine 2:1"))
    }
}
