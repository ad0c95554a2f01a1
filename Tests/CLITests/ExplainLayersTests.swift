import Foundation
import Testing
@testable import ScaleCastCLI

/// `scalecast explain` lists layers slowest first: the 20 slowest by default,
/// `--top N` or `--all`, with a line for the rest and a total over every layer.
@Suite struct ExplainLayersTests {
    static let scenario = """
        name: explain-layers
        model: resnet50
        batch_per_gpu: 32
        precision: bf16
        cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 2}
        strategy: {kind: data}
        gpus: [2]
        """

    /// The layer table's rows: (#, name, total ms) for the listed layers, the rest line and the total.
    func table(_ text: String) -> (rows: [(index: Int, name: String, ms: Double)], rest: String?, total: String?) {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Compute per layer") }) else { return ([], nil, nil) }
        var rows: [(Int, String, Double)] = [], rest: String?, total: String?
        for line in lines[(start + 3)...] {
            if line.isEmpty { break }
            let cells = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if line.contains("other layers)") { rest = line } else if line.contains("total (") { total = line } else if let index = Int(cells[0]) {
                rows.append((index, cells[1], Double(cells[4])!))
            }
        }
        return (rows, rest, total)
    }

    /// The scenario names no profile, so it runs pytorch-ddp on NCHW tensors: explain says
    /// how much of the convolutions' time the transposes take; channels-last says nothing.
    @Test func nchwTransposesAreNamed() throws {
        let nchw = CLI.execute(["explain", try writeTemporary(Self.scenario), "--gpus", "2"])
        #expect(nchw.exitCode == 0, "\(nchw.stderr)")
        #expect(nchw.stdout.contains("NCHW tensors (memory_format: nchw): "), "\(nchw.stdout)")
        let nhwc = CLI.execute(["explain", try writeTemporary(Self.scenario + "\nsoftware: {profile: pytorch-ddp, memory_format: nhwc}"),
                                "--gpus", "2"])
        #expect(nhwc.exitCode == 0 && !nhwc.stdout.contains("NCHW tensors"), "\(nhwc.stderr)")
    }

    /// The kernel table says where its fractions of peak come from: fitted figures where the
    /// catalog has them (the H100 takes its H200 sibling's), else the large-GEMM ceiling.
    @Test func kernelEfficienciesSayWhereTheyComeFrom() throws {
        let a100 = CLI.execute(["explain", try writeTemporary(Self.scenario), "--gpus", "2"])
        #expect(a100.exitCode == 0, "\(a100.stderr)")
        #expect(a100.stdout.contains("kernel efficiencies: no kernel measurement on the A100-SXM4-80GB in bf16, so the large-GEMM ceiling"),
                "\(a100.stdout)")
        let h100 = CLI.execute(["explain", try writeTemporary(Self.scenario.replacingOccurrences(of: "A100-SXM4-80GB", with: "H100")),
                                "--gpus", "2"])
        #expect(h100.stdout.contains("kernel efficiencies: fitted to measured kernel times (the catalog's H100-SXM5 bf16: "
                                     + "forward 0.278, backward_data 0.259, backward_filter 0.259 of peak"), "\(h100.stdout)")
    }

    /// A depthwise layer on NCHW fp32 tensors under pytorch-ddp runs PyTorch's own
    /// kernels, and explain names them and their share; channels-last runs cuDNN's.
    @Test func pytorchDepthwiseKernelsAreNamed() throws {
        let model = """
            name: dw
            model:
              name: dw
              input: [32, 56, 56]
              layers:
                - {name: dw, type: conv, out: 32, kernel: 3, pad: 1, groups: 32}
                - {name: fc, type: fc, units: 10}
                - {type: softmax}
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 1}
            batch_per_gpu: 64
            precision: fp32
            gpus: [1]
            """
        let nchw = CLI.execute(["explain", try writeTemporary(model), "--gpus", "1"])
        #expect(nchw.exitCode == 0, "\(nchw.stderr)")
        #expect(nchw.stdout.contains("pytorch-depthwise") && nchw.stdout.contains("PyTorch's own depthwise kernels"), "\(nchw.stdout)")
        let nhwc = CLI.execute(["explain", try writeTemporary(model + "\nsoftware: {profile: pytorch-ddp, memory_format: nhwc}"), "--gpus", "1"])
        #expect(nhwc.exitCode == 0 && !nhwc.stdout.contains("pytorch-depthwise") && nhwc.stdout.contains(" direct "), "\(nhwc.stdout)")
    }

    @Test func theSlowestLayersFirstWithARestAndATotal() throws {
        let path = try writeTemporary(Self.scenario)
        let out = CLI.execute(["explain", path, "--gpus", "2"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let (rows, rest, total) = table(out.stdout)
        #expect(rows.count == 20)
        #expect(rows.map(\.ms) == rows.map(\.ms).sorted(by: >))
        #expect(out.stdout.contains("the 20 slowest of "))
        let others = try #require(rest)
        #expect(others.contains("other layers)"))
        #expect(try #require(total).hasSuffix("100.0%"))

        // --all lists every layer, the same order at the top, and the rest line is gone.
        let all = CLI.execute(["explain", path, "--gpus", "2", "--all"])
        let every = table(all.stdout)
        #expect(every.rows.count > 160)
        #expect(every.rest == nil)
        #expect(every.rows.prefix(20).map(\.name) == rows.map(\.name))
        #expect(every.rows.map(\.ms) == every.rows.map(\.ms).sorted(by: >))
        #expect(Set(every.rows.map(\.index)).count == every.rows.count)
        // The total is the sum of the layers (to the table's rounding), and the JSON's.
        let sum = every.rows.map(\.ms).reduce(0, +)
        let totalLine = try #require(every.total)
        let totalMs = try #require(totalLine.split(separator: " ").dropLast().last.flatMap { Double($0) })
        #expect(abs(sum - totalMs) < 0.01 * Double(every.rows.count))
        let json = CLI.execute(["explain", path, "--gpus", "2", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let layers = try #require(((document["runs"] as? [[String: Any]])?.first?["layers"]) as? [[String: Any]])
        #expect(layers.count == every.rows.count)
        let jsonMs = layers.map { (($0["forward_seconds"] as? Double ?? 0) + ($0["backward_seconds"] as? Double ?? 0)) * 1e3 }.reduce(0, +)
        #expect(abs(jsonMs - totalMs) < 0.006)
        // --top 5: five rows, the rest on one line.
        let five = table(CLI.execute(["explain", path, "--gpus", "2", "--top", "5"]).stdout)
        #expect(five.rows.map(\.name) == Array(rows.prefix(5).map(\.name)))
        #expect(five.rest?.contains("(\(every.rows.count - 5) other layers)") == true)
    }

    /// The convolution kernel table follows --top and --all as the layer table does: the slowest
    /// N layers in network order, the rest summed on one line.
    @Test func theKernelTableListsTheTopLayersToo() throws {
        let path = try writeTemporary(Self.scenario + "\nsoftware: {profile: ideal, kernel_library: cudnn-8}\n")
        func kernelRows(_ extra: [String]) -> [String] {
            let lines = CLI.execute(["explain", path, "--gpus", "2"] + extra).stdout.components(separatedBy: "\n")
            guard let start = lines.firstIndex(where: { $0.hasPrefix("Convolution kernels (") }) else { return [] }
            return Array(lines[(start + 3)...].prefix { !$0.isEmpty && !$0.hasPrefix("kernel efficiencies") })
        }
        let every = kernelRows(["--all"])
        #expect(every.count == 53 && !every.contains { $0.contains("other layers)") }, "\(every)")
        let five = kernelRows(["--top", "5"])
        #expect(five.count == 6 && five.last?.hasPrefix("(48 other layers)") == true, "\(five)")
        // Network order: the five listed appear in the order --all lists them.
        let names = five.dropLast().map { String($0.split(separator: " ")[0]) }
        let order = every.map { String($0.split(separator: " ")[0]) }
        #expect(names == order.filter { names.contains($0) })
    }

    @Test(arguments: [["--top", "0"], ["--top", "-3"], ["--top", "many"], ["--all", "--top", "5"]])
    func aBadTopExitsWithTwo(extra: [String]) throws {
        let out = CLI.execute(["explain", try writeTemporary(Self.scenario), "--gpus", "2"] + extra)
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("--top") || out.stderr.contains("top"))
    }
}
