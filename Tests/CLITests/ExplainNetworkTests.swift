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
        // Without nodes_per_leaf the nodes hang off one switch: no leaf or spine is named.
        let plainJSON = CLI.execute(["explain", try writeTemporary(Self.scenario("")), "--gpus", "8", "--json"])
        #expect(plainJSON.stdout.contains("\"summary\" : \"one non-blocking switch: 2 x ib-hdr per node; GPU->NIC 0 0 1 1 (even share)\""),
                "\(plainJSON.stdout)")
    }

    /// On a PCIe tree without gpu_nic no GPU has a NIC of its own (they hang off the host
    /// bridges, each transfer routed the shortest way): the line says so, not an even share,
    /// and names the NIC the routes cross: here one socket (two switches of two GPUs) whose
    /// host bridge holds both NICs, so every GPU takes the lower index, NIC 0.
    @Test func aPCIeTreesNICsAreOnTheHostBridges() throws {
        let tree = Self.scenario(", nodes_per_leaf: 1").replacingOccurrences(of: "fabric: nvswitch", with: "fabric: pcie-tree")
        let explained = CLI.execute(["explain", try writeTemporary(tree), "--gpus", "8"])
        #expect(explained.exitCode == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("NICs on the host bridges, each transfer by a shortest route through them (no gpu_nic): GPU->NIC 0 0 0 0")
                && !explained.stdout.contains("even share"), "\(explained.stdout)")
        let json = CLI.execute(["explain", try writeTemporary(tree), "--gpus", "8", "--json"])
        #expect(json.stdout.contains("host bridges") && !json.stdout.contains("even share"))
        #expect(try Self.gpuNIC(json.stdout) == nil, "\(json.stdout)")
        let pinnedTree = try writeTemporary(tree.replacingOccurrences(of: "nodes_per_leaf: 1", with: "nodes_per_leaf: 1, gpu_nic: [0, 0, 1, 1]"))
        let pinned = CLI.execute(["explain", pinnedTree, "--gpus", "8"])
        #expect(pinned.stdout.contains("GPU->NIC 0 0 1 1 (scenario)"), "\(pinned.stdout)")
        #expect(try Self.gpuNIC(CLI.execute(["explain", pinnedTree, "--gpus", "8", "--json"]).stdout) == [0, 0, 1, 1])
    }

    /// explain --json's `network.gpu_nic`: null where no GPU owns a NIC.
    static func gpuNIC(_ json: String) throws -> [Int]? {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let network = try #require((document["runs"] as? [[String: Any]])?.first?["network"] as? [String: Any])
        #expect(network.keys.contains("gpu_nic"))
        return network["gpu_nic"] as? [Int]
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
