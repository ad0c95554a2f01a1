import Foundation
import Testing
@testable import FuzzSupport

/// The fuzz harness end to end, inside `make test`: the child runner and the
/// classifier on fake binaries that break the contract in each way (so a harness
/// that stops seeing a failure fails here), and a short seeded run of the real
/// binary on a family that keeps the contract.
@Suite struct FuzzSmokeTests {
    /// A shell script standing in for `scalecast`, in a fresh folder.
    func fakeBinary(_ body: String) throws -> (binary: String, directory: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/case", withIntermediateDirectories: true)
        let binary = directory + "/fake.sh"
        try ("#!/bin/sh\n" + body + "\n").write(toFile: binary, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary)
        return (binary, directory)
    }

    func verdict(of body: String, seconds: Double = 5) throws -> Verdict {
        let (binary, directory) = try fakeBinary(body)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fuzzCase = FuzzCase(index: 0, family: .scenario, arguments: ["simulate", "s.yaml"],
                                files: [.init(name: "s.yaml", data: Data("a: 1\n".utf8))], inputNames: ["s.yaml"], notes: [])
        let executor = CaseExecutor(runner: ChildRunner(binary: binary, seconds: seconds, memoryBytes: 4 << 30))
        return executor.execute(fuzzCase, directory: directory + "/case", scratch: directory + "/out").verdict
    }

    @Test func theRunnerSeesEachWayOfBreakingTheContract() throws {
        #expect(try verdict(of: "echo 'error: s.yaml:1: a: bad' >&2; exit 2") == .ok)
        #expect(try verdict(of: "test -f \"$2\" && exit 0; exit 5") == .ok)   // the input file is in the run's folder
        #expect(try verdict(of: "kill -ILL $$") == .trap)
        #expect(try verdict(of: "kill -SEGV $$") == .trap)
        #expect(try verdict(of: "exec sleep 30", seconds: 1) == .hang)
        #expect(try verdict(of: "printf 'error: s.yaml:1: a: bad\\nerror: s.yaml:2: b: bad\\n' >&2; exit 2") == .multiline)
        #expect(try verdict(of: "echo 'error: bad value' >&2; exit 2") == .unlocated)
        #expect(try verdict(of: "touch PWNED; exit 0") == .injection)
        #expect(try verdict(of: "exit 7") == .badExit)
        #expect(try verdict(of: "echo 'fatal error: Could not allocate memory.' >&2; kill -TRAP $$") == .memory)
    }

    @Test func theAddressSpaceLimitApplies() throws {
        let (binary, directory) = try fakeBinary("ulimit -v")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = ChildRunner(binary: binary, seconds: 5, memoryBytes: 1 << 30).run([], in: directory, outputDirectory: directory)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1048576")
    }

    static var scalecast: String? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("scalecast"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/scalecast").standardized,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path
    }

    /// 40 seeded layer-time CSVs through `import layer-times` (and the follow-up that
    /// loads the profile written): a family that keeps the contract on this branch.
    /// After the robustness fixes of issue 17 merge, more families belong here (the
    /// report of `make fuzz` in BENCHMARKS.md says which failed before).
    @Test func aSeededRunOfTheBinaryKeepsTheContract() throws {
        let binary = try #require(Self.scalecast, "the scalecast executable was not built")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
        let corpus = try FuzzCorpus.load(root: root, shards: [])
        let generator = CaseGenerator(corpus: corpus, seed: 17, families: [.layerTimes])
        let executor = CaseExecutor(runner: ChildRunner(binary: binary, seconds: 20, memoryBytes: 4 << 30))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-fuzz-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var failures: [String] = []
        for index in 0..<40 {
            let fuzzCase = generator.make(index)
            let outcome = executor.execute(fuzzCase, directory: directory + "/case", scratch: directory + "/out")
            if outcome.verdict.isFailure {
                failures.append("case \(index): \(outcome.verdict.rawValue): \(fuzzCase.shellLine) \(fuzzCase.notes) \(outcome.result.stderr.prefix(300))")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
