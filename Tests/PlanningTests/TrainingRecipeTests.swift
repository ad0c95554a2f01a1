import Foundation
import Hardware
import Testing
@testable import Planning
@testable import Scenario
import YAMLSupport

/// `training: {recipe: mlperf-resnet50}`: a built-in recipe's images and epochs by global
/// batch, from MLPerf Training's reference convergence points.
@Suite struct TrainingRecipeTests {
    static func scenario(training: String, model: String = "resnet50", runs: String = "") -> String {
        """
        name: recipe
        model: \(model)
        batch_per_gpu: 256
        cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch}
        software: ideal
        gpus: [8]
        training: \(training)
        pricing: {mode: cloud, cloud_per_gpu_hour: 2}
        precision: fp32
        """ + runs
    }

    /// The figures are the olympic means of the reference runs each batch lists in
    /// rcps_resnet.json (training_4.0.0): e.g. 3,264 images a step, 15 runs of 34-37 epochs,
    /// the 13 left after dropping one 34 and the 37 average 35.15.
    @Test func theMLPerfRecipeStatesTheReferenceRunsMeanEpochs() throws {
        let recipe = try #require(try TrainingRecipe.named("mlperf-resnet50"))
        #expect(recipe.model == "resnet50")
        #expect(recipe.goal.images == 1_281_167)
        #expect(recipe.goal.epochsByGlobalBatch.map(\.globalBatch) == [1632, 3264, 4096, 8192, 13056, 32768, 49152, 58880, 65536, 67840])
        let runs: [Int: [Int]] = [
            1632: [34, 34, 34, 35, 35, 37, 35, 35, 33, 35, 35, 37, 37, 35, 35, 34, 35],
            3264: [36, 35, 34, 34, 36, 35, 35, 35, 35, 37, 35, 35, 35, 36, 35],
            4096: [39, 42, 40, 41, 39, 40, 41, 39, 40, 39], 8192: [42, 44, 43, 41, 41, 41, 42, 42, 43, 41],
            13056: [46, 46, 44, 46, 45, 46, 45, 45, 45, 46], 32768: [56, 56, 55, 56, 56, 56, 56, 56, 57, 56],
            49152: [68, 68, 68, 68, 69, 68, 68, 67, 69, 67], 58880: [80, 81, 80, 78, 80, 80, 81, 79, 80, 80],
            65536: [83, 85, 84, 86, 85, 85, 83, 84, 85, 85],
            67840: [86, 87, 86, 87, 86, 85, 86, 86, 86, 85, 86, 86, 86, 86, 86, 85, 86, 86, 87, 85, 85, 86, 85, 87, 86, 85, 85, 86],
        ]
        for (batch, epochs) in runs {
            let kept = epochs.sorted().dropFirst().dropLast()
            #expect(abs(recipe.goal.epochs(atGlobalBatch: batch) - Double(kept.reduce(0, +)) / Double(kept.count)) <= 0.005 + 1e-9, "\(batch)")
        }
        // Read as a table: between two stated batches, linear in log2 of the batch; beyond the last, held.
        #expect(abs(recipe.goal.epochs(atGlobalBatch: 16384) - (45.5 + 10.5 * log2(16384.0 / 13056) / log2(32768.0 / 13056))) < 1e-9)
        #expect(recipe.goal.epochs(atGlobalBatch: 1 << 20) == 85.85)
        #expect(recipe.goal.batchHeldAbove(atGlobalBatch: 1 << 20) == 67840)
        #expect(recipe.goal.batchHeldAbove(atGlobalBatch: 67840) == nil && recipe.goal.batchHeldAbove(atGlobalBatch: 64) == nil)
        #expect(recipe.goal.batchHeldBelow(atGlobalBatch: 64) == 1632 && recipe.goal.batchHeldBelow(atGlobalBatch: 1632) == nil)
        #expect(try TrainingRecipe.named("MLPerf-ResNet50") == recipe)
    }

    @Test func aScenarioNamesTheRecipeAndTrainsItsEpochsAtEachBatch() throws {
        let run = try Scenario.load(path: try writeScenario(Self.scenario(training: "{recipe: mlperf-resnet50}"))).runs[0]
        let goal = try #require(run.training)
        #expect(goal.recipe == "mlperf-resnet50" && goal.images == 1_281_167)
        #expect(run.unusedKeys.isEmpty)
        // 8 x 256 = 2,048 images a step.
        let estimate = try #require(try TrainingEstimate.estimate(run, gpus: 8, imagesPerSecond: 10_000, catalog: try Catalog.builtIn()))
        #expect(abs(estimate.seconds - 1_281_167 * goal.epochs(atGlobalBatch: 2048) / 10_000) < 1e-6)
    }

    @Test(arguments: [("{recipe: mlperf-resnet50, epochs: 90}", "training.epochs: the recipe (training.recipe) states the images and the epochs"),
                      ("{recipe: mlperf-resnet50, images: 1000}", "training.images: the recipe (training.recipe) states the images"),
                      ("{recipe: resnet50-mlperf}", "training.recipe: 'resnet50-mlperf' is no built-in training recipe; the recipes: mlperf-resnet50"),
                      ("{recipe: [a]}", "training.recipe:"),
                      ("{recipe: ~}", "training: state the epochs (epochs: 90, or by global batch"),
                      ("{images: 1000}", "or name a built-in recipe (recipe: mlperf-resnet50)")])
    func aBadRecipeIsRefusedWhereItIs(training: String, message: String) throws {
        let path = try writeScenario(Self.scenario(training: training))
        #expect {
            _ = try Scenario.load(path: path)
        } throws: { error in
            "\(error)".hasPrefix("\(path):7: ") && "\(error)".contains(message)
        }
    }

    /// Another model's recipe is noted at the key, not refused.
    @Test func anotherModelsRecipeIsNoted() throws {
        let run = try Scenario.load(path: try writeScenario(Self.scenario(training: "{recipe: mlperf-resnet50}", model: "vgg16"))).runs[0]
        #expect(run.training?.recipe == "mlperf-resnet50")
        let note = try #require(run.unusedKeys.first)
        #expect("\(note)".contains(":7: training.recipe: recipe mlperf-resnet50 gives the epochs resnet50 needs"), "\(note)")
        #expect("\(note)".contains("this run trains vgg16"), "\(note)")
        // Inherited from the top level by a labelled run, the note names the run.
        let labelled = try Scenario.load(path: try writeScenario(Self.scenario(training: "{recipe: mlperf-resnet50}", model: "vgg16",
                                                                               runs: "\nruns:\n  - {label: big}\n"))).runs[0]
        #expect("\(try #require(labelled.unusedKeys.first))".contains(":7: training.recipe: recipe mlperf-resnet50 gives the epochs "
                                                                       + "resnet50 needs") && "\(labelled.unusedKeys[0])".contains("run 'big' trains vgg16"),
                "\(labelled.unusedKeys)")
    }

    /// A run's recipe replaces the scenario's images and epochs, and a run's epochs its recipe,
    /// as a sweep's varied ones do.
    @Test func aRunsRecipeOrEpochsReplaceTheOther() throws {
        let runs = try Scenario.load(path: try writeScenario(Self.scenario(
            training: "{images: 1000, epochs: 90}",
            runs: "\nruns:\n  - {label: recipe, training: {recipe: mlperf-resnet50}}\n  - {label: back, training: {epochs: 10}}\n"))).runs
        #expect(runs[0].training?.recipe == "mlperf-resnet50" && runs[0].training?.images == 1_281_167)
        #expect(runs[1].training?.recipe == nil && runs[1].training?.fixedEpochs == 10 && runs[1].training?.images == 1000)
        let sweep = try Sweep(scenarioPath: try writeScenario(Self.scenario(training: "{recipe: mlperf-resnet50}")),
                              axes: [Sweep.Axis.parse("training.epochs=90")])
        #expect(sweep.points[0].run.training?.recipe == nil && sweep.points[0].run.training?.fixedEpochs == 90)
    }

    @Test func aRecipesFileIsChecked() throws {
        let listedTwice = try YAMLValue.parse("""
            recipes:
              - {name: a, model: resnet50, images: 10, target: t, epochs: {64: 1}, source: s}
              - {name: A, model: resnet50, images: 10, target: t, epochs: {64: 1}, source: s}
            """, file: "r.yaml")
        #expect { _ = try TrainingRecipe.read(listedTwice) } throws: { "\($0)".contains("r.yaml:3: ") && "\($0)".contains("recipe 'A' is listed twice") }
        let noSource = try YAMLValue.parse("recipes:\n  - {name: a, model: resnet50, images: 10, target: t, epochs: 3}\n", file: "r.yaml")
        #expect { _ = try TrainingRecipe.read(noSource) } throws: { "\($0)".contains("source") }
    }
}
