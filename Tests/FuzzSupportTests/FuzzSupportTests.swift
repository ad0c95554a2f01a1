import Foundation
import Testing
@testable import FuzzSupport

/// A corpus small enough to build in a test, in the forms of the repository's files.
let testCorpus = FuzzCorpus(
    scenarios: [("small.yaml", FuzzCorpus.smallScenario)],
    layerTimesCSVs: ["""
        # comment
        model,layer,kind,batch,precision,in_channels,height,width,out,kernel,stride,pad,groups,forward_ms,backward_ms
        alexnet,features.0,conv,64,fp32,3,224,224,64,11,4,2,1,0.48810,1.13566
        alexnet,features.3,conv,64,fp32,64,27,27,192,5,1,2,1,0.86069,1.14019
        alexnet,features.6,conv,64,fp32,192,13,13,384,3,1,1,1,0.36,0.8

        """],
    gemmCSV: "precision,m,n,k,seconds,tflops\nfp32,512,512,512,2.0e-05,13.3\nfp32,1024,1024,1024,1.2e-04,17.8\n",
    profile: "gpu: H200-SXM\nmax_efficiency: {fp32: 0.88}\nhalf_saturation: {fp32: 17.78}\nlaunch_overhead_us: {fp32: 67.8}\n",
    shards: ["{\"a\":1,\"b\":[1,2]}", "{\"a\":2,\"b\":[3]}"])

@Suite struct FuzzSupportTests {
    @Test func theSameSeedGivesTheSameInputs() {
        let a = CaseGenerator(corpus: testCorpus, seed: 42), b = CaseGenerator(corpus: testCorpus, seed: 42)
        for i in 0..<60 {
            let x = a.make(i), y = b.make(i)
            #expect(x.arguments == y.arguments && x.files == y.files && x.notes == y.notes, "case \(i)")
        }
    }

    @Test func anotherSeedGivesOtherInputs() {
        let a = CaseGenerator(corpus: testCorpus, seed: 1), b = CaseGenerator(corpus: testCorpus, seed: 2)
        let differing = (0..<50).filter { a.make($0).files != b.make($0).files || a.make($0).arguments != b.make($0).arguments }
        #expect(differing.count > 40)
    }

    @Test func everyFamilyIsDrawn() {
        let generator = CaseGenerator(corpus: testCorpus, seed: 7)
        let seen = Set((0..<400).map { generator.make($0).family })
        #expect(seen == Set(FuzzFamily.allCases.filter { $0 != .labels }))
        // The opt-in family, asked for by name.
        let labels = CaseGenerator(corpus: testCorpus, seed: 7, families: [.labels])
        #expect((0..<20).allSatisfy { labels.make($0).family == .labels && labels.make($0).command.hasPrefix("chart") || labels.make($0).command == "report" })
    }

    @Test func aCaseDependsOnlyOnItsIndex() {
        let generator = CaseGenerator(corpus: testCorpus, seed: 9)
        let forward = (0..<30).map { generator.make($0).arguments }
        let backward = (0..<30).reversed().map { generator.make($0).arguments }.reversed()
        #expect(forward == Array(backward))
    }

    @Test func treeMutationsChangeTheDocumentAndSayHow() throws {
        let tree = try #require(FuzzNode.parse(FuzzCorpus.smallScenario))
        var random = FuzzRandom(seed: 3)
        for kind in TreeMutator.Kind.allCases {
            var mutated = tree
            let note = TreeMutator().apply(kind, to: &mutated, random: &random)
            #expect(mutated != tree, "\(kind): \(note)")
            #expect(!note.isEmpty)
        }
    }

    @Test func anUnmutatedTreePrintsBackToTheSameDocument() throws {
        let tree = try #require(FuzzNode.parse(FuzzCorpus.smallScenario))
        #expect(FuzzNode.parse(tree.yaml()) == tree)
        let json = try #require(FuzzNode.parse("{\"a\": [1, 2.5, \"x\"], \"b\": {\"c\": true}}"))
        #expect(try JSONSerialization.jsonObject(with: Data(json.json().utf8)) is [String: Any])
    }

    @Test func duplicateKeysAndHostileStringsSurviveTheEmitter() {
        let tree = FuzzNode.mapping([.init("gpus", .scalar("1", quoted: false)), .init("gpus", .scalar("a\n\"b`", quoted: true))])
        #expect(tree.yaml() == "gpus: 1\ngpus: \"a\\n\\\"b`\"\n")
    }

    @Test func textMutationsAreDeterministic() {
        let log = NCCLLogWriter()
        var r1 = FuzzRandom(seed: 5), r2 = FuzzRandom(seed: 5)
        let a = log.log(collective: "all_reduce", ranks: 8, oldHeader: false, random: &r1)
        let b = log.log(collective: "all_reduce", ranks: 8, oldHeader: false, random: &r2)
        #expect(a == b)
        #expect(a.contains("# Avg bus bandwidth"))
        let (x, _) = TextMutator(separator: .whitespace).mutate(a, count: 3, random: &r1)
        let (y, _) = TextMutator(separator: .whitespace).mutate(b, count: 3, random: &r2)
        #expect(x == y)
    }

    // MARK: - Classification

    let classifier = Classifier()

    @Test func aSignalIsATrap() {
        #expect(classifier.classify(RunResult(ending: .signaled(4), stderr: "Fatal error: Double value cannot be converted"),
                                    inputNames: ["s.yaml"], arguments: []) == .trap)
        #expect(classifier.classify(RunResult(ending: .exited(132)), inputNames: [], arguments: []) == .trap)
        #expect(classifier.classify(RunResult(ending: .exited(3)), inputNames: [], arguments: []) == .badExit)
    }

    @Test func aTimeoutIsAHangAndAnAllocationFailureIsMemory() {
        #expect(classifier.classify(RunResult(ending: .timedOut), inputNames: [], arguments: []) == .hang)
        #expect(classifier.classify(RunResult(ending: .signaled(4), stderr: "fatal error: Could not allocate memory."),
                                    inputNames: [], arguments: []) == .memory)
        #expect(classifier.classify(RunResult(ending: .signaled(9)), inputNames: [], arguments: []) == .memory)
    }

    @Test func aMarkerFileIsInjectionWhateverTheExit() {
        #expect(classifier.classify(RunResult(ending: .exited(0), pwned: true), inputNames: [], arguments: []) == .injection)
    }

    @Test func exitTwoNeedsOneLineNamingTheInput() {
        func verdict(_ stderr: String, _ arguments: [String] = []) -> Verdict {
            classifier.classify(RunResult(ending: .exited(2), stderr: stderr), inputNames: ["s.yaml"], arguments: arguments)
        }
        #expect(verdict("error: s.yaml:5: cluster.gpu: unknown GPU 'V1000'\n") == .ok)
        #expect(verdict("error: s.yaml: no such file\n") == .ok)
        #expect(verdict("error: s.yaml:5: gpus: bad\nerror: s.yaml:6: more\n") == .multiline)
        #expect(verdict("error: s.yaml:1: name: a\nb\n") == .multiline)
        #expect(verdict("error: the value is bad\n") == .unlocated)
        #expect(verdict("") == .unlocated)
        #expect(verdict("error: --gpus: 0 is not a positive count\n", ["simulate", "s.yaml", "--gpus", "0"]) == .ok)
        #expect(verdict("Error: The value 'x' is invalid for '--gpus <gpus>'\nHelp:  --gpus <gpus>\nUsage: scalecast explain <scenario> --gpus <gpus>\n  See 'scalecast explain --help' for more information.\n") == .ok)
    }

    @Test func exitsZeroAndOneAreWithinTheContract() {
        #expect(classifier.classify(RunResult(ending: .exited(0), stderr: "warning\nwarning"), inputNames: [], arguments: []) == .ok)
        #expect(classifier.classify(RunResult(ending: .exited(1)), inputNames: [], arguments: []) == .ok)
    }

    @Test func signaturesGroupFailuresByMessageNotValues() {
        let a = CaseExecutor.Outcome(verdict: .trap, result: RunResult(ending: .signaled(4), stderr: "Fatal error: Double value cannot be converted to Int because it is either infinite or NaN at /x/y/Foo.swift:12\n"), decidingArguments: [])
        let b = CaseExecutor.Outcome(verdict: .trap, result: RunResult(ending: .signaled(4), stderr: "Fatal error: Double value cannot be converted to Int because it is either infinite or NaN at /x/y/Foo.swift:12\nmore"), decidingArguments: [])
        #expect(FuzzSummary.signature(a) == FuzzSummary.signature(b))
        let crash = CaseExecutor.Outcome(verdict: .trap, result: RunResult(ending: .signaled(4), stderr: """
            *** Signal 4: Backtracing from 0x561a20cd2066... done ***
            *** Swift runtime failure: Double value cannot be converted to Int because the result would be greater than Int.max ***
              0 [inlined] [system] 0x000056305e76bc67 ClusterSpec.nodes(for:) in scalecast at //<compiler-generated>
              1                    0x000056305e76bc67 specialized static ScenarioRunner.check(_:gpus:location:) + 1607 in scalecast at /w/Sources/Scenario/ScenarioRunner.swift:39:24
            """), decidingArguments: [])
        #expect(FuzzSummary.signature(crash)
                == "Swift runtime failure: Double value cannot be converted to Int because the result would be greater than Int.max @ ScenarioRunner.swift:39")
        #expect(CaseExecutor.firstLinkName(in: "links:\n  - {name: nccl-x-8gpus-a, kind: nvlink}\n") == "nccl-x-8gpus-a")
    }
}

/// Simulating commands run under scalecast's own `--max-seconds`, below the hang
/// limit; importers, which have no such guard, do not.
@Suite struct GuardedArgumentsTests {
    let executor = CaseExecutor(runner: ChildRunner(binary: "/bin/true", seconds: 10, memoryBytes: 1 << 30))

    @Test(arguments: ["simulate", "explain", "trace", "chart", "report", "sweep", "plan"])
    func simulatingCommandsGetTheGuard(command: String) {
        #expect(executor.guarded([command, "s.yaml"]) == [command, "s.yaml", "--max-seconds", "5.0"])
    }

    @Test func importersAndMergeRunAsGiven() {
        #expect(executor.guarded(["import", "nccl-tests", "a.log"]) == ["import", "nccl-tests", "a.log"])
        #expect(executor.guarded(["merge", "a.json"]) == ["merge", "a.json"])
    }
}
