import Testing
@testable import ScaleCastCLI

/// Numbers on the command line: plain decimal, within stated ranges, and a
/// one-line message with exit 2 otherwise (never a trap, never another meaning).
@Suite struct FlagLimitTests {
    @Test(arguments: [
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--budget", "0x10", "--deadline-hours", "1"],
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "0x1"],
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "1e30"],
        ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "nan"],
        ["explain", "scenarios/default.yaml", "--gpus", "9223372036854775807"],
        ["explain", "scenarios/default.yaml", "--gpus", "8193"],
        ["trace", "scenarios/default.yaml", "--gpus", "100000", "--out", "/tmp/scalecast-never-written.json"],
        ["simulate", "scenarios/default.yaml", "--gpus", "0x8"],
        ["validate", "--tolerance", "inf"],
    ])
    func outOfRangeOrNonDecimalFlagsExitTwo(arguments: [String]) {
        let output = CLI.execute(arguments)
        #expect(output.exitCode == 2)
        #expect(output.stdout.isEmpty)
        #expect(!output.stderr.isEmpty)
    }

    @Test func gpuCountsBeyondTheLimitNameTheLimit() {
        let output = CLI.execute(["explain", "scenarios/default.yaml", "--gpus", "9223372036854775807"])
        #expect(output.stderr == "error: --gpus: GPU counts must be between 1 and 8192, got 9223372036854775807\n")
    }
}
