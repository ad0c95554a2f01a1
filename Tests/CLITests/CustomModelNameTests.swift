import Foundation
import Testing
@testable import ScaleCastCLI

/// A custom model is the user's model whatever it is called: one named like a
/// built-in model is neither swapped for it (`validate --against`) nor credited with
/// its published record (`explain`); the model file's own problems point into it.
@Suite struct CustomModelNameTests {
    /// A folder holding a one-layer custom model named `resnet50`, a 1-GPU scenario
    /// using it, and `files` beside them.
    func folder(_ files: [String: String] = [:]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-custom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let base = [
            "tiny.yaml": "name: resnet50\ninput: [3, 32, 32]\nlayers:\n  - {type: fc, units: 10}\n",
            "scenario.yaml": "name: custom\nmodel: {file: tiny.yaml}\nbatch_per_gpu: 32\nprecision: fp32\n"
                + "cluster: {gpu: V100, gpus_per_node: 1}\nstrategy: {kind: data}\ngpus: [1]\n",
        ]
        for (name, text) in base.merging(files, uniquingKeysWith: { $1 }) {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return dir
    }

    @Test func validateAgainstKeepsTheScenariosOwnModel() throws {
        let header = "scenario,model,batch_per_gpu,precision,gpus,measured_step_seconds\n"
        let dir = try folder(["m.csv": header + "scenario.yaml,resnet50,32,fp32,1,0.001\n",
                              "zoo.csv": header + "scenario.yaml,resnet18,32,fp32,1,0.001\n",
                              "bad.csv": header + "scenario.yaml,nosuch,32,fp32,1,0.001\n"])
        let simulated = CLI.execute(["simulate", dir.appendingPathComponent("scenario.yaml").path, "--json"])
        let results = try #require((try JSONSerialization.jsonObject(with: Data(simulated.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        let own = try #require(results.first?["step_seconds"] as? Double)
        func predicted(_ csv: String) throws -> Double {
            let out = CLI.execute(["validate", "--against", dir.appendingPathComponent(csv).path, "--json", "--tolerance", "1000"])
            let cases = try #require((try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])?["cases"] as? [[String: Any]],
                                     "\(out.stderr)")
            return try #require(cases.first?["predicted_step_seconds"] as? Double)
        }
        // The row naming the scenario's model (a one-layer net) predicts what simulate does; the
        // zoo's ResNet-50 would take orders of magnitude longer.
        #expect(try predicted("m.csv") == own)
        // Another built-in name still puts that model in its place.
        #expect(try predicted("zoo.csv") > 100 * own)
        // An unknown name is an error at the CSV's row.
        let bad = CLI.execute(["validate", "--against", dir.appendingPathComponent("bad.csv").path])
        #expect(bad.exitCode == 2 && bad.stderr.contains("bad.csv:2:") && bad.stderr.contains("unknown model 'nosuch'"), "\(bad.stderr)")
    }

    @Test func aCustomModelIsNotCreditedWithTheBuiltInModelsRecord() throws {
        let dir = try folder()
        let out = CLI.execute(["explain", dir.appendingPathComponent("scenario.yaml").path, "--gpus", "1"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("none of them resnet50 (custom)"), "\(out.stdout)")
        // Named like the built-in model on another input, it is still the user's own.
        try "name: resnet50-32x32\ninput: [3, 32, 32]\nlayers:\n  - {type: fc, units: 10}\n"
            .write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let resized = CLI.execute(["explain", dir.appendingPathComponent("scenario.yaml").path, "--gpus", "1"])
        #expect(resized.stdout.contains("none of them resnet50-32x32 (custom)"), "\(resized.stdout)")
        // The built-in model on the same GPU is credited with its own measurements.
        let zoo = try writeTemporary("name: zoo\nmodel: resnet50\nbatch_per_gpu: 32\nprecision: fp32\n"
                                     + "cluster: {gpu: V100, gpus_per_node: 1}\nstrategy: {kind: data}\ngpus: [1]\n")
        let builtIn = CLI.execute(["explain", zoo, "--gpus", "1"])
        #expect(builtIn.stdout.contains("of them resnet50;") && !builtIn.stdout.contains("none of them resnet50"), "\(builtIn.stdout)")
    }

    /// What the user reads names their file's model as theirs: a heading that said `resnet50`
    /// over a one-layer net's step time would pass for the built-in model's prediction.
    @Test func headingsSayACustomModelNamedLikeABuiltInIsCustom() throws {
        let scenario = try folder().appendingPathComponent("scenario.yaml").path
        let simulated = CLI.execute(["simulate", scenario])
        #expect(simulated.exitCode == 0 && simulated.stdout.contains("resnet50 (custom) on V100"), "\(simulated.stdout)")
        let explained = CLI.execute(["explain", scenario, "--gpus", "1"])
        #expect(explained.stdout.hasPrefix("resnet50 (custom) on 1 x V100"), "\(explained.stdout)")
        let json = CLI.execute(["simulate", scenario, "--json"])
        let results = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results.first?["model"] as? String == "resnet50 (custom)")
    }

    /// plan and report rank configurations per model name, so two runs whose models share a
    /// name must be one network: a different one is refused at its run's `model` key, while
    /// one network written two ways (a file that prices as the built-in model does) is not.
    @Test func oneModelNamePerNetwork() throws {
        let dir = try folder(["wide.yaml": "name: resnet50\ninput: [3, 32, 32]\nlayers:\n  - {type: fc, units: 20}\n",
                              "same.yaml": "name: resnet50\ninput: [3, 32, 32]\nlayers:\n  - {name: head, type: fc, units: 10}\n"])
        func scenario(_ second: String) throws -> String {
            let path = dir.appendingPathComponent("runs-\(second)").path
            try ("name: two\nbatch_per_gpu: 32\nprecision: fp32\ncluster: {gpu: V100, gpus_per_node: 1}\nstrategy: {kind: data}\n"
                 + "gpus: [1]\nruns:\n  - {label: a, model: {file: tiny.yaml}}\n  - {label: b, model: {file: \(second)}}\n")
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let differ = CLI.execute(["simulate", try scenario("wide.yaml")])
        #expect(differ.exitCode == 2, "\(differ.stdout)")
        #expect(differ.stderr.contains("runs-wide.yaml:9: runs[1].model: the model name 'resnet50' is already runs[0]'s, a different network"),
                "\(differ.stderr)")
        let same = CLI.execute(["simulate", try scenario("same.yaml")])
        #expect(same.exitCode == 0, "\(same.stderr)")
        // The built-in model beside a file of its name is two labels, ranked apart, as under --vary.
        let builtInPath = dir.appendingPathComponent("runs-built-in").path
        try ("name: two\nbatch_per_gpu: 32\nprecision: fp32\ncluster: {gpu: V100, gpus_per_node: 1}\nstrategy: {kind: data}\n"
             + "gpus: [1]\nruns:\n  - {label: a, model: resnet50}\n  - {label: b, model: {file: tiny.yaml}}\n")
            .write(toFile: builtInPath, atomically: true, encoding: .utf8)
        let apart = CLI.execute(["simulate", builtInPath])
        #expect(apart.exitCode == 0 && apart.stdout.contains("b: resnet50 (custom) on V100"), "\(apart.stdout)\(apart.stderr)")
    }

    /// The same rule where the models are varied rather than written as runs: two files exported
    /// under one name are refused, and a file named like a built-in model is ranked apart from it.
    @Test func variedModelsOfOneNameAreOneNetwork() throws {
        let dir = try folder(["wide.yaml": "name: Tiny\ninput: [3, 32, 32]\nlayers:\n  - {type: fc, units: 20}\n",
                              "narrow.yaml": "name: Tiny\ninput: [3, 32, 32]\nlayers:\n  - {type: fc, units: 10}\n",
                              "plan.yaml": "name: p\nmodel: resnet50\nbatch_per_gpu: 32\nprecision: fp32\ncluster: {gpu: V100, gpus_per_node: 1}\n"
                                  + "strategy: {kind: data}\ngpus: [1]\ntraining: {epochs: 1}\npricing: {mode: cloud}\n"])
        let plan = dir.appendingPathComponent("plan.yaml").path
        let twoTinies = CLI.execute(["plan", plan, "--vary", "model={file: narrow.yaml},{file: wide.yaml}"])
        #expect(twoTinies.exitCode == 2 && twoTinies.stderr.contains("the model name 'Tiny' names two networks")
                && twoTinies.stderr.contains("--vary model={file: wide.yaml}"), "\(twoTinies.stderr)")
        let sweep = CLI.execute(["sweep", plan, "--vary", "model={file: narrow.yaml},{file: wide.yaml}"])
        #expect(sweep.exitCode == 2, "\(sweep.stdout)")
        let apart = CLI.execute(["plan", plan, "--vary", "model=resnet50,{file: tiny.yaml}"])
        #expect(apart.exitCode == 0, "\(apart.stderr)")
        #expect(apart.stdout.contains("\nresnet50: 1 configurations fit") && apart.stdout.contains("\nresnet50 (custom): 1 configurations fit"),
                "\(apart.stdout)")
    }

    @Test func modelFileProblemsPointIntoTheModelFile() throws {
        let dir = try folder(["flat.yaml": "name: flat\ninput: [3, 32, 32]\nlayers:\n  - {type: flatten}\n",
                              "named.yaml": "name: named\ninput: [3, 8, 8]\nlayers:\n  - {name: input, type: conv, out: 3, kernel: 3, pad: 1}\n",
                              "unnamed.yaml": "name: \"\"\ninput: [3, 8, 8]\nlayers:\n  - {type: fc, units: 10}\n",
                              "huge.yaml": "name: huge\ninput: [1024, 4096, 4096]\nlayers:\n  - {type: conv, out: 1024, kernel: 7, pad: 3, bias: false}\n"])
        // `models` refuses what a scenario naming the file would: no arithmetic, at the file.
        let flat = CLI.execute(["models", dir.appendingPathComponent("flat.yaml").path])
        #expect(flat.exitCode == 2 && flat.stderr.contains("flat.yaml:1:") && flat.stderr.contains("has no convolution or fully connected layer, so nothing to train"), "\(flat.stderr)")
        // `input` names the image: a layer of that name is told so, not that the name is used twice.
        let named = CLI.execute(["models", dir.appendingPathComponent("named.yaml").path])
        #expect(named.exitCode == 2 && named.stderr.contains("names the model's input image") && !named.stderr.contains("used twice"),
                "\(named.stderr)")
        let unnamed = CLI.execute(["models", dir.appendingPathComponent("unnamed.yaml").path])
        #expect(unnamed.exitCode == 2 && unnamed.stderr.contains("unnamed.yaml:1: name: a model needs a name"), "\(unnamed.stderr)")
        // The per-layer limit counts FLOPs (two per multiply-add), as `models` prints them (1.72e15 here, 8.6e14 multiply-adds).
        let huge = CLI.execute(["models", dir.appendingPathComponent("huge.yaml").path])
        #expect(huge.exitCode == 2 && huge.stderr.contains("1.72e+15 operations"), "\(huge.stderr)")
        // A directory where a model file belongs says so.
        let scenario = try writeTemporary("name: d\nmodel: {file: \(dir.path)}\nbatch_per_gpu: 8\ncluster: {gpu: V100, gpus_per_node: 1}\ngpus: [1]\n")
        let directory = CLI.execute(["simulate", scenario])
        #expect(directory.exitCode == 2 && directory.stderr.contains("is a directory"), "\(directory.stderr)")
    }
}
