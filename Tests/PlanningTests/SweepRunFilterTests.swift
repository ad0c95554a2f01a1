import Foundation
import Planning
import Testing
import YAMLSupport

/// `sweep --run A` sweeps run A alone: a varied value only another run rejects does not stop it.
@Suite struct SweepRunFilterTests {
    func scenario() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-sweep-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("s.yaml").path
        try """
            name: sweep-run
            batch_per_gpu: 32
            cluster: {gpu: V100, gpus_per_node: 8}
            strategy: {kind: hybrid}
            gpus: [2]
            runs:
              - {label: A, model: alexnet-owt}
              - {label: B, model: resnet50}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aValueOnlyAnotherRunRejectsDoesNotStopTheChosenRun() throws {
        let path = try scenario()
        let axes = [Sweep.Axis(key: "strategy.model_parallel_from", values: ["fc6"])]
        // Run B (ResNet-50) has no fc6: the whole sweep leaves it out, naming it...
        let whole = try Sweep(scenarioPath: path, axes: axes)
        #expect(whole.points.map(\.runLabel) == ["A"])
        #expect(whole.excluded.map(\.runLabel) == ["B"] && whole.excluded[0].reason.keyPath.hasPrefix("runs[1]."), "\(whole.excluded)")
        // ...and run A alone sweeps, with nothing left out.
        let sweep = try Sweep(scenarioPath: path, axes: axes, run: "A")
        #expect(sweep.excluded.isEmpty)
        #expect(sweep.points.count == 1)
        #expect(sweep.points[0].runLabel == "A" && sweep.points[0].runIndex == 0)
        #expect(sweep.points[0].run.network.name == "alexnet-owt")
        // Choosing B keeps its position in the scenario.
        let b = try Sweep(scenarioPath: path, axes: [Sweep.Axis(key: "batch_per_gpu", values: ["16"])], run: "B")
        #expect(b.points.map(\.runIndex) == [1] && b.points[0].run.batchPerGPU == 16 && b.points[0].run.network.name == "resnet50")
    }

    /// A combination of varied values one run cannot take, where each value is taken in another
    /// combination, is left out with its reason; a value no combination takes is a mistake and
    /// stops the sweep.
    @Test func combinationsARunCannotTakeAreLeftOutAndMistakesStillStop() throws {
        let twoRuns = try writeScenario("""
            name: left-out
            batch_per_gpu: 32
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [2]
            runs:
              - {model: resnet50}
              - {label: AlexNet, model: alexnet-owt}
            """)
        // ResNet-50 branches, so it cannot be split layer by layer; AlexNet can: ResNet-50's model-parallel
        // points are left out at every varied GPU count, named once with both of them.
        let axes = [Sweep.Axis(key: "strategy.kind", values: ["data", "model"]), Sweep.Axis(key: "gpus", values: ["2", "4"])]
        let sweep = try Sweep(scenarioPath: twoRuns, axes: axes)
        #expect(sweep.points.map { "\($0.runIndex) \($0.values.joined(separator: " "))" }
                == ["0 data 2", "0 data 4", "1 data 2", "1 data 4", "1 model 2", "1 model 4"])
        #expect(sweep.points.map(\.index) == Array(0..<6))
        #expect(sweep.excluded.map { "\($0.runIndex) \($0.values.joined(separator: " ")) \($0.points)" } == ["0 model 2 1", "0 model 4 1"])
        let grouped = sweep.exclusionsByReason
        #expect(grouped.count == 1 && grouped[0].points == 2 && grouped[0].runLabel == "resnet50 (runs[0])", "\(grouped)")
        #expect(grouped[0].reason.contains("runs[0].strategy.kind") && grouped[0].reason.contains("(with --vary strategy.kind=model)"),
                "\(grouped[0].reason)")
        // Without --vary gpus, a combination left out counts the run's every GPU count.
        let counted = try Sweep(scenarioPath: twoRuns, axes: [Sweep.Axis(key: "strategy.kind", values: ["model"])])
        #expect(counted.points.map(\.runIndex) == [1] && counted.excluded.map(\.points) == [1])
        // ResNet-50 alone: no combination takes model parallelism, a mistake to stop on.
        #expect(throws: ConfigError.self) {
            _ = try Sweep(scenarioPath: twoRuns, axes: [Sweep.Axis(key: "strategy.kind", values: ["data", "model"])], run: "runs[0]")
        }
        // A misspelt GPU fails with every run: the sweep stops on it, naming it.
        do {
            _ = try Sweep(scenarioPath: twoRuns, axes: [Sweep.Axis(key: "cluster.gpu", values: ["V100", "V1OO"])])
            Issue.record("a misspelt GPU was left out instead of refused")
        } catch let error as ConfigError {
            #expect(error.message.contains("V1OO") && error.message.contains("(with --vary cluster.gpu=V1OO)"), "\(error)")
        }
        // One run, two axes: ResNet-50 takes data parallelism, AlexNet model parallelism, so only their crossing is left out.
        let one = try writeScenario("name: one\nmodel: resnet50\nbatch_per_gpu: 32\ncluster: {gpu: V100, gpus_per_node: 8}\ngpus: [2]\n")
        let crossed = [Sweep.Axis(key: "model", values: ["resnet50", "alexnet-owt"]), Sweep.Axis(key: "strategy.kind", values: ["data", "model"])]
        let mixed = try Sweep(scenarioPath: one, axes: crossed)
        #expect(mixed.points.map { $0.values.joined(separator: " ") } == ["resnet50 data", "alexnet-owt data", "alexnet-owt model"])
        #expect(mixed.exclusionsByReason.map(\.runLabel) == [nil], "a scenario of one run names no run")
        // A misspelt name is a mistake even where another combination never reads it (a PCIe link beside nvswitch).
        #expect(throws: ConfigError.self) {
            _ = try Sweep(scenarioPath: one, axes: [Sweep.Axis(key: "cluster.fabric", values: ["nvswitch", "pcie-tree"]),
                                                   Sweep.Axis(key: "cluster.pcie.gpu_link", values: ["pcie4-x16", "pcie4-x61"])])
        }
    }

    /// A run parsed alone (its combination failed the whole scenario) keeps its place: a
    /// `published:` block naming other runs does not stop it, and what it points at later (its
    /// batch) names it as the scenario numbers it.
    @Test func aRunParsedAloneKeepsItsPlace() throws {
        let path = try writeScenario("""
            name: alone
            batch_per_gpu: 32
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [2]
            runs:
              - {label: R, model: resnet50}
              - {label: A, model: alexnet-owt}
              - {label: V, model: vgg11, batch_per_gpu: 16}
            published:
              source: test
              url: https://example.org
              where: test
              points:
                - {run: A, gpus: 2, images_per_second: 100}
            """)
        let sweep = try Sweep(scenarioPath: path, axes: [Sweep.Axis(key: "strategy.kind", values: ["data", "model"])])
        #expect(sweep.excluded.map(\.runLabel) == ["R"], "\(sweep.excluded.map(\.reason))")
        let vgg = try #require(sweep.points.first { $0.runLabel == "V" && $0.values == ["model"] })
        #expect(vgg.run.batchLocation.keyPath == "runs[2].batch_per_gpu" && vgg.run.batchLocation.line == 8, "\(vgg.run.batchLocation)")
    }

    /// `image_size` resizes every run's built-in model, top-level or its own; it refuses
    /// custom models and sizes the models cannot take.
    @Test func imageSizeResizesEveryRunsModel() throws {
        let path = try scenario()
        let sweep = try Sweep(scenarioPath: path, axes: [Sweep.Axis(key: "image_size", values: ["160", "224"])])
        #expect(sweep.points.map(\.run.network.name) == ["alexnet-owt-160x160", "alexnet-owt", "resnet50-160x160", "resnet50"])
        #expect(sweep.points[2].run.network.inputShape.height == 160 && sweep.points[2].run.network.parameters == 25_557_032)
        #expect(throws: SweepError.self) { _ = try Sweep(scenarioPath: path, axes: [Sweep.Axis(key: "image_size", values: ["0"])]) }
        // AlexNet cannot take 16 pixels, where ResNet-50 (padded throughout) can: AlexNet's point is left out.
        let sixteen = try Sweep(scenarioPath: path, axes: [Sweep.Axis(key: "image_size", values: ["16"])])
        #expect(sixteen.points.map(\.run.network.name) == ["resnet50-16x16"])
        #expect(sixteen.excluded.count == 1 && sixteen.excluded[0].reason.keyPath == "runs[0].model.input"
                && sixteen.excluded[0].reason.message.contains("--vary image_size=16"), "\(sixteen.excluded)")
        // One pixel neither takes: refused.
        do {
            _ = try Sweep(scenarioPath: path, axes: [Sweep.Axis(key: "image_size", values: ["1"])])
            Issue.record("a 1-pixel AlexNet was accepted")
        } catch let error as ConfigError {
            #expect(error.keyPath.hasSuffix("model.input") && error.message.contains("--vary image_size=1)"), "\(error)")
        }
        // A model on four channels (DALI's padded RGB) keeps them at every size.
        let padded = try scenario().replacingOccurrences(of: "s.yaml", with: "padded.yaml")
        try """
            name: padded
            model: {name: resnet50, input: [4, 224, 224]}
            batch_per_gpu: 32
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [1]
            runs: [{label: R50}, {label: R101, model: {name: resnet101}}]
            """.write(toFile: padded, atomically: true, encoding: .utf8)
        let sizes = try Sweep(scenarioPath: padded, axes: [Sweep.Axis(key: "image_size", values: ["160", "224"])])
        // A run's model mapping is merged over the top level's, whose channels it takes.
        #expect(sizes.points.map(\.run.network.name) == ["resnet50-4x160x160", "resnet50-4x224x224", "resnet101-4x160x160", "resnet101-4x224x224"])
        let custom = try scenario().replacingOccurrences(of: "s.yaml", with: "custom.yaml")
        try """
            name: custom
            model: {name: tiny, input: [3, 32, 32], layers: [{type: conv, out: 8, kernel: 3}, {type: fc, units: 10}, {type: softmax}]}
            batch_per_gpu: 32
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [1]
            """.write(toFile: custom, atomically: true, encoding: .utf8)
        #expect(throws: SweepError.self) { _ = try Sweep(scenarioPath: custom, axes: [Sweep.Axis(key: "image_size", values: ["64"])]) }
    }

    /// Varying the model keeps a built-in model's other input (the scenario's images); a
    /// custom model is replaced by the built-in one on its own input.
    @Test func aVariedModelKeepsTheScenariosImages() throws {
        let path = try scenario().replacingOccurrences(of: "s.yaml", with: "small.yaml")
        try """
            name: small images
            model: {name: resnet50, input: [3, 160, 160]}
            batch_per_gpu: 32
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [1]
            runs:
              - {label: top}
              - {label: own, model: {name: tiny, input: [3, 32, 32], layers: [{type: fc, units: 10}]}}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let sweep = try Sweep(scenarioPath: path, axes: [Sweep.Axis(key: "model", values: ["resnet18"])])
        #expect(sweep.points.map(\.run.network.name) == ["resnet18-160x160", "resnet18"])
        #expect(sweep.points[0].run.network.inputShape.height == 160 && sweep.points[1].run.network.inputShape.height == 224)
    }

    /// An unknown plain key names the sweep's own keys too (network_gbps and friends).
    @Test func anUnknownKeyListsTheSweepsOwnKeys() throws {
        do {
            _ = try Sweep(scenarioPath: try scenario(), axes: [Sweep.Axis(key: "wibblewobble", values: ["10"])])
            Issue.record("an unknown key was accepted")
        } catch let error as SweepError {
            for key in ["network_gbps", "gpu_link_gbps", "network_latency_us", "image_size", "batch_per_gpu"] {
                #expect(error.description.contains(key))
            }
        }
    }

    /// A what-if value outside a link's bounds is refused with the bounds as a person reads them.
    @Test func aWhatIfOutsideItsBoundsNamesThem() throws {
        do {
            _ = try Sweep(scenarioPath: try scenario(), axes: [Sweep.Axis(key: "network_gbps", values: ["-100"])])
            Issue.record("a negative bandwidth was accepted")
        } catch let error as SweepError {
            #expect(error.description == "--vary network_gbps: -100 is out of range: give a number between 0.000008 and 8000000", "\(error)")
        }
        do {
            _ = try Sweep(scenarioPath: try scenario(), axes: [Sweep.Axis(key: "network_gbps", values: ["fast"])])
            Issue.record("a bandwidth that is no number was accepted")
        } catch let error as SweepError {
            #expect(error.description == "--vary network_gbps: 'fast' is not a number; give one between 0.000008 and 8000000", "\(error)")
        }
    }

    /// A misspelt key, or one named as other tools name it, gets the key meant.
    @Test func aKeyNearAnotherIsSuggested() throws {
        for (typed, meant) in [("netwrk_gbps", "network_gbps"), ("batchsize", "batch_per_gpu"), ("precison", "precision")] {
            do {
                _ = try Sweep(scenarioPath: try scenario(), axes: [Sweep.Axis(key: typed, values: ["10"])])
                Issue.record("\(typed) was accepted")
            } catch let error as SweepError {
                #expect(error.description == "--vary \(typed): unknown key; did you mean '\(meant)'?", "\(error)")
            }
        }
        // A key of a run's section given bare: the path it belongs at.
        for (typed, meant) in [("bucket_mb", "strategy.bucket_mb"), ("nics_per_node", "cluster.network.nics_per_node")] {
            do {
                _ = try Sweep(scenarioPath: try scenario(), axes: [Sweep.Axis(key: typed, values: ["1"])])
                Issue.record("\(typed) was accepted")
            } catch let error as SweepError {
                #expect(error.description == "--vary \(typed): unknown key here; did you mean '\(meant)'?", "\(error)")
            }
        }
    }
}
