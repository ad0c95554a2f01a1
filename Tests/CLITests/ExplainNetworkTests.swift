import Foundation
import Testing
@testable import ScaleCastCLI

/// `scalecast explain` names the network's design and each GPU's NIC where the scenario
/// states one of the newer designs; bad network keys exit 2 with one located line.
@Suite struct ExplainNetworkTests {
    static func scenario(_ network: String) -> String {
        """
        name: explain-network
        model: resnet18
        batch_per_gpu: 32
        precision: bf16
        cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 4, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 2\(network)}}
        strategy: {kind: data}
        gpus: [8]
        """
    }

    @Test func railsAndAffinityAreNamed() throws {
        let rails = CLI.execute(["explain", try writeTemporary(Self.scenario(", topology: rail-optimized, oversubscription: 2, gpu_nic: [1, 1, 0, 0]")),
                                 "--gpus", "8"])
        #expect(rails.exitCode == 0, "\(rails.stderr)")
        #expect(rails.stdout.contains("Network rail-optimized: 2 rails of ib-hdr, a rail switch per NIC index for all nodes, "
                                      + "uplinks to the spine 2:1; across rails: pxn; GPU->NIC 1 1 0 0 (scenario)\n"), "\(rails.stdout)")
        let plain = CLI.execute(["explain", try writeTemporary(Self.scenario("")), "--gpus", "8"])
        #expect(plain.exitCode == 0 && !plain.stdout.contains("\nNetwork "), "\(plain.stdout)")
    }

    @Test func badNetworkKeysExitTwoWithALocatedLine() throws {
        let path = try writeTemporary(Self.scenario(", topology: torus, dimensions: [2]"))
        let result = CLI.execute(["simulate", path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains(":5: cluster.network.dimensions: a torus has 2 or 3 dimensions, got 1"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    /// A leaf-spine network without leaves is one non-blocking switch: an oversubscription
    /// there would change nothing, so it is refused where it is written (1:1 is accepted).
    @Test func oversubscriptionWithoutLeavesIsRefused() throws {
        let path = try writeTemporary(Self.scenario(", oversubscription: 4"))
        let result = CLI.execute(["simulate", path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains(":5: cluster.network.oversubscription: oversubscription thins the uplinks from leaf switches "
                                       + "to the spine, so it needs nodes_per_leaf"), "\(result.stderr)")
        #expect(CLI.execute(["simulate", try writeTemporary(Self.scenario(", oversubscription: 1"))]).exitCode == 0)
        #expect(CLI.execute(["simulate", try writeTemporary(Self.scenario(", nodes_per_leaf: 1, oversubscription: 4"))]).exitCode == 0)
    }
}
