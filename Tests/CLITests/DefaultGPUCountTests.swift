import Foundation
import Testing
@testable import ScaleCastCLI

/// `explain` and `trace` show one GPU count; without `--gpus` they take the largest the
/// runs list, as a gantt chart does, and `--gpus` still picks any other.
@Suite struct DefaultGPUCountTests {
    /// ResNet-50 in bf16 on A100s, four to a node, with `runs` (YAML list items) below it.
    static func scenario(runs: String) -> String {
        """
        name: default-count
        model: resnet50
        batch_per_gpu: 32
        precision: bf16
        cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 4}
        strategy: {kind: data}
        runs:

        """ + runs
    }

    static let scenario = scenario(runs: """
          - {label: small, gpus: [1, 2]}
          - {label: large, gpus: [1, 4]}
        """)

    @Test func explainTakesTheLargestCountTheRunsList() throws {
        let path = try writeTemporary(Self.scenario)
        let text = CLI.execute(["explain", path])
        #expect(text.exitCode == 0, "\(text.stderr)")
        #expect(text.stdout.contains("small: resnet50 on 4 x A100-SXM4-80GB"), "\(text.stdout.prefix(300))")
        #expect(text.stdout.contains("large: resnet50 on 4 x A100-SXM4-80GB"))
        let small = CLI.execute(["explain", path, "--run", "small", "--json"])
        #expect(small.exitCode == 0, "\(small.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(small.stdout.utf8)) as? [String: Any])
        #expect(object["gpus"] as? Int == 2)
        let given = CLI.execute(["explain", path, "--run", "large", "--gpus", "1"])
        #expect(given.exitCode == 0 && given.stdout.contains("large: resnet50 on 1 x A100-SXM4-80GB"), "\(given.stderr)")
    }

    /// A run on one node is not explained at another run's count of many nodes: the default
    /// is the largest count every run explained can be simulated at.
    @Test func explainTakesACountEveryRunCanRunAt() throws {
        let path = try writeTemporary(Self.scenario(runs: """
              - {label: one-node, gpus: [1, 4]}
              - {label: cluster, gpus: [16], cluster: {network: {link: ib-hdr, nics_per_node: 1}}}
            """))
        let text = CLI.execute(["explain", path])
        #expect(text.exitCode == 0, "\(text.stderr)")
        #expect(text.stdout.contains("one-node: resnet50 on 4 x A100-SXM4-80GB"), "\(text.stdout.prefix(400))")
        #expect(CLI.execute(["explain", path, "--run", "cluster"]).stdout.contains("cluster: resnet50 on 16 x A100-SXM4-80GB"))
    }

    @Test func traceTakesTheRunsLargestCount() throws {
        let path = try writeTemporary(Self.scenario)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString).json").path
        let traced = CLI.execute(["trace", path, "--run", "large", "--out", out])
        #expect(traced.exitCode == 0, "\(traced.stderr)")
        #expect(traced.stdout.contains("large: resnet50 on 4 x A100-SXM4-80GB"), "\(traced.stdout)")
        let trace = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        let events = try #require(trace["traceEvents"] as? [[String: Any]])
        let gpuProcesses = events.filter { $0["name"] as? String == "process_name"
            && ((($0["args"] as? [String: Any])?["name"] as? String)?.hasPrefix("GPU ") ?? false) }
        #expect(gpuProcesses.count == 4)
    }
}
