import Foundation
import Testing
@testable import ScaleCastCLI

/// Numbers on the command line: plain decimal, within stated ranges, and a
/// one-line message with exit 2 otherwise (never a trap, never another meaning).
@Suite struct FlagLimitTests {
    @Test(arguments: [
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--budget", "0x10", "--deadline-hours", "1"],
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--cloud-budget", "-5", "--deadline-hours", "1"],
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--capex-budget", "1e13", "--deadline-hours", "1"],
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "0x1"],
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "1e30"],
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "nan"],
        ["explain", "scenarios/default.yaml", "--gpus", "9223372036854775807"],
        ["explain", "scenarios/default.yaml", "--gpus", "131073"],
        // A path no run has written: an existing file would be refused for its own reason.
        ["trace", "scenarios/default.yaml", "--gpus", "131073", "--out", FlagLimitTests.neverWritten],
        ["simulate", "scenarios/default.yaml", "--gpus", "0x8"],
        ["validate", "--tolerance", "inf"],
    ])
    func outOfRangeOrNonDecimalFlagsExitTwo(arguments: [String]) {
        let output = CLI.execute(arguments)
        #expect(output.exitCode == 2)
        #expect(output.stdout.isEmpty)
        #expect(!output.stderr.isEmpty)
        // Refused for the flag under test (each case has one out-of-range flag), not for another reason.
        #expect(arguments.filter { $0.hasPrefix("--") && $0 != "--out" }.contains { output.stderr.contains($0) }, "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: Self.neverWritten))
    }

    /// An output path unique to this test process.
    static let neverWritten = NSTemporaryDirectory() + "scalecast-never-written-\(UUID().uuidString).json"

    @Test func gpuCountsBeyondTheLimitNameTheLimit() {
        let output = CLI.execute(["explain", "scenarios/default.yaml", "--gpus", "9223372036854775807"])
        #expect(output.stderr == "error: --gpus: GPU counts must be between 1 and 131072, got 9223372036854775807\n")
    }
}

/// `--max-seconds` ends a long simulation with exit 2 and one line.
@Suite struct MaxSecondsTests {
    @Test func aSimulationPastTheLimitGivesUpWithExitTwo() throws {
        // The hybrid (b) on 24 K20s under cuda-convnet2's schedule: about 0.9 s in a release
        // build on the 2-core development VM, so 18 times the limit (the tests run optimized:
        // a limit near the simulation's time would make this test depend on the machine's speed).
        let path = try writeTemporary("""
            name: long
            model: alexnet-owt-cc2
            batch_per_gpu: 128
            cluster:
              gpu: K20
              gpus_per_node: 24
              fabric: pcie-tree
              pcie: {gpu_link: pcie2-x16-p2p, uplink: pcie3-x16, socket_link: qpi-8gt, gpus_per_switch: 2, switches_per_socket: 2, cross_socket: staged}
            strategy: {kind: hybrid, scheme: b, allreduce: direct, bucket_mb: layer}
            software: {profile: cuda-convnet2}
            gpus: [24]
            """)
        let clock = ContinuousClock()
        let started = clock.now
        let (status, stdout, stderr) = try ExecutableTests().run(["simulate", path, "--max-seconds", "0.05"])
        #expect(clock.now - started < .seconds(30))
        #expect(status == 2)
        #expect(stdout.isEmpty)
        #expect(stderr == "error: simulate: gave up after 0.05 s (--max-seconds); simulate fewer GPUs or configurations, or raise the limit\n")
    }

    @Test func aQuickSimulationIsUntouched() throws {
        let (status, _, stderr) = try ExecutableTests().run(["simulate", "scenarios/default.yaml", "--max-seconds", "600"])
        #expect(status == 0)
        #expect(!stderr.contains("gave up") && !stderr.contains("error"), "\(stderr)")   // notes on the scenario may print
    }
}

/// Output folders: an empty name would put files at the file system's root.
@Suite struct OutputFolderTests {
    @Test(arguments: [
        ["report", "scenarios/default.yaml", "--out", ""],
        ["chart", "scaling", "scenarios/default.yaml", "--out", ""],
    ])
    func anEmptyFolderNameIsRefused(arguments: [String]) {
        let output = CLI.execute(arguments)
        #expect(output.exitCode == 2)
        #expect(output.stderr == "error: --out: the folder name is empty\n")
    }

    /// A scenario whose run lists only one GPU gives a bandwidth chart nothing to vary: the
    /// error names the scenario's `gpus` line, not a flag the user did not pass (found by
    /// `make fuzz`, seed 20261204).
    @Test func aBandwidthChartOfOneGPUNamesTheScenariosLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-bw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("one.yaml").path
        try "model: resnet18\nbatch_per_gpu: 32\ncluster: {gpu: V100, gpus_per_node: 8}\ngpus: [1]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let output = CLI.execute(["chart", "bandwidth", path, "--out", dir.appendingPathComponent("chart").path])
        #expect(output.exitCode == 2)
        #expect(output.stderr.hasPrefix("error: \(path):4: gpus: a bandwidth what-if needs a GPU count above 1"), "\(output.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("chart").path))
    }

    /// A network what-if marks the GPUs' PCIe link to their NIC (the default scenario's A100s: PCIe 4.0
    /// x16, 205 Gb/s), which its traffic crosses too; a GPU-link what-if has no such mark.
    @Test func aNetworkWhatIfMarksTheGPUsLinkToTheirNIC() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-bwnic-\(UUID().uuidString)").path
        let network = CLI.execute(["chart", "bandwidth", "scenarios/default.yaml", "--run", "AlexNet", "--gpus", "16",
                                   "--bandwidths", "100,400", "--out", dir + "/network"])
        #expect(network.exitCode == 0, "\(network.stderr)")
        let script = try String(contentsOfFile: dir + "/network/bandwidth.gp", encoding: .utf8)
        #expect(script.contains("'pcie4-x16, 205 Gb/s'") && script.contains("dotted: the GPU-NIC PCIe link (pcie4-x16), crossed too"), "\(script)")
        let gpu = CLI.execute(["chart", "bandwidth", "scenarios/default.yaml", "--run", "AlexNet", "--gpus", "8", "--link", "gpu",
                               "--bandwidths", "100,600", "--out", dir + "/gpu"])
        #expect(gpu.exitCode == 0, "\(gpu.stderr)")
        #expect(!(try String(contentsOfFile: dir + "/gpu/bandwidth.gp", encoding: .utf8)).contains("crossed too"))
        // A network what-if on one node, where the network carries nothing, is refused rather than drawn flat.
        let oneNode = CLI.execute(["chart", "bandwidth", "scenarios/default.yaml", "--run", "AlexNet", "--gpus", "4,8", "--link", "network",
                                   "--out", dir + "/one"])
        #expect(oneNode.exitCode == 2 && oneNode.stderr.contains("--link network: at 4, 8 GPUs the run stays on one node of 8, where the "
            + "network carries nothing; give --gpus counts above 8, or --link gpu"), "\(oneNode.stderr)")
    }

    @Test func aChartDrawsAtMost64Bandwidths() {
        let many = (1...65).map(String.init).joined(separator: ",")
        let output = CLI.execute(["chart", "bandwidth", "scenarios/default.yaml", "--bandwidths", many, "--out", "/tmp/scalecast-never"])
        #expect(output.exitCode == 2)
        #expect(output.stderr.contains("at most 64"))
        // A negative value is read as the list it starts, not as a flag: "Missing value" said nothing of it.
        let negative = CLI.execute(["chart", "bandwidth", "scenarios/default.yaml", "--bandwidths", "-5,100", "--out", "/tmp/scalecast-never"])
        #expect(negative.exitCode == 2 && negative.stderr.contains("--bandwidths: '-5' is not a positive number"), "\(negative.stderr)")
    }
}
