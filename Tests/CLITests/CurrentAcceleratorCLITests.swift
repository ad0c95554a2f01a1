import Foundation
import Testing
@testable import ScaleCastCLI

/// The accelerators added for issue 18 (and the TITAN RTX, the corpus's Turing board) run a
/// scenario end to end, and the fp8 peak shows in `hardware` and is refused, file, key and
/// line, when malformed.
@Suite struct CurrentAcceleratorCLITests {
    static func scenario(gpu: String) -> String {
        """
        name: "ResNet-18 on \(gpu)"
        model: resnet18
        batch_per_gpu: 32
        precision: bf16
        cluster: {gpu: \(gpu), gpus_per_node: 8}
        gpus: [1, 8]
        """
    }

    @Test(arguments: ["H100-NVL", "A10", "MI250X", "MI300X", "Gaudi3", "B200", "L40S", "TITAN-RTX"])
    func aSmallScenarioSimulates(gpu: String) throws {
        let out = CLI.execute(["simulate", try writeTemporary(Self.scenario(gpu: gpu)), "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let rows = try #require((try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        #expect(rows.count == 2)
        let one = try #require(rows[0]["step_seconds"] as? Double), eight = try #require(rows[1]["step_seconds"] as? Double)
        // A step takes milliseconds; eight GPUs add their gradient exchange to the same per-GPU work.
        #expect(one > 1e-4 && one < 1 && eight >= one * 0.999 && eight.isFinite)
    }

    /// Gaudi 3's bf16 matrix peak (1835) outruns the MI250X GCD's (191.5): the same
    /// single-GPU step is several times faster, as the peaks say.
    @Test func peaksOrderTheSteps() throws {
        func step(_ gpu: String) throws -> Double {
            let out = CLI.execute(["simulate", try writeTemporary(Self.scenario(gpu: gpu)), "--gpus", "1", "--json"])
            let rows = try #require((try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
            return try #require(rows.first?["step_seconds"] as? Double)
        }
        #expect(try step("MI250X") > 2 * (try step("Gaudi3")))
    }

    /// Where two GPUs run the same kernels at the same fractions of their peaks (a B200 and an
    /// H100, both on the H200's fitted tables), one is faster than the other by at most the
    /// larger of their peaks' and their memory bandwidths' ratios, in every precision: the
    /// B200 was 2.5 times an H100 in fp32 ResNet-50 (1.12 times its fp32 peak, 2.3 times its
    /// bandwidth) while it was priced on the generic figures.
    @Test(arguments: ["fp32", "tf32", "bf16"])
    func aB200OutrunsAnH100ByNoMoreThanItsPeaksOrBandwidth(precision: String) throws {
        func imagesPerSecond(_ gpu: String) throws -> Double {
            let path = try writeTemporary("""
                name: "ResNet-50 on \(gpu)"
                model: resnet50
                batch_per_gpu: 128
                precision: \(precision)
                software: {memory_format: nhwc}
                cluster: {gpu: \(gpu), gpus_per_node: 8}
                gpus: [1]
                """)
            let out = CLI.execute(["simulate", path, "--json"])
            let rows = try #require((try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
            return try #require(rows.first?["images_per_second"] as? Double)
        }
        let peaks = ["fp32": 75 / 66.9, "tf32": 1100 / 494.7, "bf16": 2250 / 989.4][precision]!
        let bound = max(peaks, 7700.0 / 3350)
        let ratio = try imagesPerSecond("B200") / imagesPerSecond("H100")
        #expect(ratio > 1 && ratio <= bound * 1.001, "B200 / H100 = \(ratio), bound \(bound)")
    }

    @Test func hardwareShowsFP8TDPAndTheScaleUpFabric() throws {
        let out = CLI.execute(["hardware"])
        #expect(out.exitCode == 0)
        let header = try #require(out.stdout.split(separator: "\n").first { $0.hasPrefix("GPU ") })
        #expect(header.contains("fp8 TF") && header.contains("TDP W") && header.contains("fabric"))
        let mi300x = try #require(out.stdout.split(separator: "\n").first { $0.hasPrefix("MI300X ") })
        #expect(mi300x.contains("2614.9") && mi300x.contains("infinity-fabric-mi300x") && mi300x.contains("nvlink-mesh"))
        let json = CLI.execute(["hardware", "--json"])
        let gpus = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["gpus"] as? [[String: Any]])
        let h100 = try #require(gpus.first { $0["name"] as? String == "H100-SXM5" })
        #expect((h100["peak_flops_per_second"] as? [String: Double])?["fp8"] == 1978.9e12)
        #expect(h100["tdp_watts"] as? Double == 700 && h100["fabric"] as? String == "nvswitch")
        let a100 = try #require(gpus.first { $0["name"] as? String == "A100-SXM4-40GB" })
        #expect((a100["peak_flops_per_second"] as? [String: Double])?["fp8"] == nil)
        let mi300 = try #require(gpus.first { $0["name"] as? String == "MI300X" })
        #expect(mi300["tdp_watts"] as? Double == 750 && mi300["fabric"] as? String == "nvlink-mesh")
        let mi250 = try #require(gpus.first { $0["name"] as? String == "MI250X" })
        #expect(mi250["tdp_watts"] is NSNull && mi250["fabric"] as? String == "pcie-tree")   // no sourced power figure
    }

    /// A scenario's own catalog entry with a malformed fp8 peak stops the executable
    /// with exit 2 and one line naming the file, the line and the key.
    @Test func aBadFP8PeakExitsTwoNamingTheLine() throws {
        let text = Self.scenario(gpu: "Test-8") + """

            catalog:
              gpus:
                - name: Test-8
                  memory_gib: 16
                  memory_bandwidth_gb_per_s: 500
                  peak_tflops: {fp32: 10, bf16: 40, fp8: lots}
                  host_link: pcie4-x16
                  source: "Test datasheet (2025)"
            """
        let path = try writeTemporary(text)
        let (status, stdout, stderr) = try ExecutableTests().run(["simulate", path])
        #expect(status == 2)
        #expect(stdout.isEmpty)
        #expect(stderr.hasPrefix("error: \(path):12: catalog.gpus[0].peak_tflops.fp8: expected a number"), "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1)
    }

    /// fp8 is a catalog fact, not a precision a scenario runs in (docs/add-a-gpu.md).
    @Test func fp8IsNotAScenarioPrecision() throws {
        let text = Self.scenario(gpu: "H100").replacingOccurrences(of: "precision: bf16", with: "precision: fp8")
        let out = CLI.execute(["simulate", try writeTemporary(text)])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains(":4: precision:") && out.stderr.contains("bf16"), "\(out.stderr)")
    }
}
