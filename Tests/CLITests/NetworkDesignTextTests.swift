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
