import Foundation
import Testing
@testable import Reports
@testable import ScaleCastCLI
import Scenario

/// The report's caution on the epochs where `training.epochs` states none for the best
/// configuration's global batch.
@Suite struct EpochsCautionTests {
    static func scenario(epochs: String) -> String {
        """
        name: epochs caution
        model: resnet18
        batch_per_gpu: 64
        cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch}
        gpus: [1, 8]
        training: {epochs: \(epochs)}
        """
    }

    /// The report cautions where no stated figure covers the best configuration's batch: a fixed
    /// one at every batch, or a table's largest held beyond it; not inside the table.
    @Test func theReportCautionsWhereNoFigureCoversTheBatch() throws {
        let fixed = try Scenario.load(path: try writeTemporary(Self.scenario(epochs: "90"))).runs[0]
        let table = try Scenario.load(path: try writeTemporary(Self.scenario(epochs: "{2048: 90, 32768: 100}"))).runs[0]
        #expect(MarkdownReport.epochsCaution(fixed, globalBatch: 512, gpus: 8).contains("assumes the same epochs at that batch"))
        #expect(MarkdownReport.epochsCaution(fixed, globalBatch: 64, gpus: 1) == "")
        #expect(MarkdownReport.epochsCaution(table, globalBatch: 8192, gpus: 128) == "")
        #expect(MarkdownReport.epochsCaution(table, globalBatch: 65536, gpus: 1024).contains("holds the epochs stated for 32,768 images a step"))
    }

    /// A step of more images than an epoch holds is cautioned as `plan` cautions it, on any GPU count.
    @Test func theReportCautionsWhereAStepHoldsMoreThanAnEpoch() throws {
        let small = try Scenario.load(path: try writeTemporary(Self.scenario(epochs: "90")
            .replacingOccurrences(of: "training: {epochs: 90}", with: "training: {images: 20000, epochs: 90}"))).runs[0]
        for (batch, gpus) in [(65536, 1024), (32768, 1)] {
            #expect(MarkdownReport.epochsCaution(small, globalBatch: batch, gpus: gpus)
                .contains("more than the 20,000 images of an epoch, so the time to train counts part-steps"))
        }
        #expect(!MarkdownReport.epochsCaution(small, globalBatch: 512, gpus: 8).contains("part-steps"))
    }

    /// The time-to-train chart's linear scaling grows with the epochs of each point's batch: 10 at
    /// 64 and 128 images a step (1 and 2 GPUs), 40 at 512 (8 GPUs), so the ideal at 2 GPUs is the
    /// 1-GPU time / 2 and at 8 GPUs the 1-GPU time / 8 x 4. A line through the ends alone would put
    /// the 2-GPU ideal at a quarter of the 1-GPU time, not a half, where the epochs have not grown.
    @Test func theChartsLinearScalingTrainsTheEpochsOfEachBatch() throws {
        let yaml = Self.scenario(epochs: "{64: 10, 128: 10, 512: 40}").replacingOccurrences(of: "gpus: [1, 8]", with: "gpus: [1, 2, 8]")
        let loaded = try Scenario.load(path: try writeTemporary(yaml))
        let results = try ScenarioRunner.results(loaded)
        let chart = try Charts.timeToTrain(results, goals: results.map { _ in loaded.runs[0].training }, title: "t", format: .png)
        let lines = chart.data.split(separator: "\n")
        let linear = try #require(lines.firstIndex { $0.hasSuffix("linear scaling from 1 GPU") })
        let points = lines[(linear + 1)...].prefix(3).map { $0.split(separator: " ") }
        #expect(points.map { $0[0] } == ["1", "2", "8"], "\(chart.data)")
        let ideal = try points.map { try #require(Double($0[1])) }
        #expect(abs(ideal[1] / (ideal[0] / 2) - 1) < 1e-3, "\(chart.data)")
        #expect(abs(ideal[2] / (ideal[0] / 8 * 4) - 1) < 1e-3, "\(chart.data)")
        #expect(chart.script.contains("linear scaling from the run’s fewest GPUs, at each point’s epochs"), "\(chart.script)")
    }

    /// The time-to-train chart rings the points whose epochs are held above the stated batches,
    /// and draws no ring where the table covers every batch.
    @Test func theChartRingsTheTimesThatAreLowerBounds() throws {
        func chart(_ epochs: String) throws -> Chart {
            let loaded = try Scenario.load(path: try writeTemporary(Self.scenario(epochs: epochs)))
            let results = try ScenarioRunner.results(loaded)
            return try Charts.timeToTrain(results, goals: results.map { _ in loaded.runs[0].training }, title: "t", format: .png)
        }
        let held = try chart("{64: 10, 256: 20}")
        let blocks = held.data.components(separatedBy: "\n\n\n")
        #expect(blocks.last?.hasPrefix("# ringed: lower bound (batch above those with epochs)\n# gpus ") == true, "\(held.data)")
        #expect(blocks.last?.split(separator: "\n").dropFirst(2).map { $0.split(separator: " ")[0] } == ["8"], "\(held.data)")
        #expect(held.script.contains("index 2 using 1:2 title 'ringed: lower bound (batch above") && held.script.contains("pt 6"), "\(held.script)")
        let covered = try chart("{64: 10, 512: 20}")
        #expect(!covered.data.contains("ringed") && !covered.script.contains("ringed"))
    }

    /// simulate lists the epochs each row trains where they are stated by batch, and says
    /// which rows train above the largest stated batch, whose epochs are held there.
    @Test func simulateListsTheEpochsByBatchAndTheRowsAboveTheTable() throws {
        let text = Self.scenario(epochs: "{64: 10, 256: 20}").replacingOccurrences(of: "gpus: [1, 8]", with: "gpus: [1, 4, 8]")
        let out = CLI.execute(["simulate", try writeTemporary(text)])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("epochs to train (training.epochs, by the global batch in images a step): 1 GPU 10 at 64, 4 GPUs 20 at 256, "
                                    + "8 GPUs 20 at 512\n"), "\(out.stdout)")
        #expect(out.stdout.contains("above 256 images a step, the largest batch training.epochs states, its epochs are held (GPUs: 8)"), "\(out.stdout)")
        let covered = CLI.execute(["simulate", try writeTemporary(Self.scenario(epochs: "{64: 10, 512: 20}"))])
        #expect(covered.stdout.contains("epochs to train") && !covered.stdout.contains("are held"), "\(covered.stdout)")
        let small = CLI.execute(["simulate", try writeTemporary(Self.scenario(epochs: "{512: 10, 1024: 20}"))])
        #expect(small.stdout.contains("below 512 images a step, the smallest batch training.epochs states, its epochs are held (GPUs: 1)"),
                "\(small.stdout)")
        let fixed = CLI.execute(["simulate", try writeTemporary(Self.scenario(epochs: "90"))])
        #expect(!fixed.stdout.contains("epochs to train"), "\(fixed.stdout)")
        let recipe = CLI.execute(["simulate", try writeTemporary(Self.scenario(epochs: "90").replacingOccurrences(
            of: "training: {epochs: 90}", with: "training: {recipe: mlperf-resnet50}")), "--json"])
        #expect(recipe.stdout.contains("\"epochs\" : 35,"), "\(recipe.stdout)")
    }

    /// plan cautions where a configuration shown trains above the largest stated batch.
    @Test func thePlanCautionsWhereARowTrainsAboveTheTable() throws {
        let text = Self.scenario(epochs: "{64: 10, 256: 20}").replacingOccurrences(of: "gpus: [1, 8]", with: "gpus: [1]")
            + "\npricing: {mode: cloud, cloud_per_gpu_hour: 2}\n"
        let path = try writeTemporary(text)
        let over = CLI.execute(["plan", path, "--vary", "gpus=4,8"])
        #expect(over.stdout.contains("One configuration shown trains above the largest global batch training.epochs states epochs for "
                                     + "(the largest, 8 GPUs: 512 images a step against 256)"), "\(over.stdout)")
        let within = CLI.execute(["plan", path, "--vary", "gpus=1,4"])
        #expect(within.exitCode == 0 && !within.stdout.contains("above the largest global batch"), "\(within.stdout)")
    }

    /// The report names the recipe its epochs come from, in the answer and the JSON.
    @Test func theReportNamesTheRecipe() throws {
        let path = try writeTemporary(Self.scenario(epochs: "90").replacingOccurrences(of: "training: {epochs: 90}",
                                                                                      with: "training: {recipe: mlperf-resnet50}"))
        let out = CLI.execute(["report", path, "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let training = try #require(document["training"] as? [String: Any])
        #expect(training["recipe"] as? String == "mlperf-resnet50" && training["epochs"] as? Double == 35)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-recipe-\(UUID().uuidString)").path
        #expect(CLI.execute(["report", path, "--out", folder]).exitCode == 0)
        let report = try String(contentsOfFile: folder + "/report.md", encoding: .utf8)
        #expect(report.contains("(35 epochs of 1,281,167 images, as recipe mlperf-resnet50 gives them at that batch)"), "\(report.prefix(900))")
    }

    /// plan and report say where a model trains on another model's recipe, and report lists
    /// the configurations whose time to train holds the epochs above the stated batches.
    @Test func planAndReportSayWhatTheEpochsAreNot() throws {
        let text = Self.scenario(epochs: "90").replacingOccurrences(of: "training: {epochs: 90}", with: "training: {recipe: mlperf-resnet50}")
            .replacingOccurrences(of: "gpus: [1, 8]", with: "gpus: [1]") + "\npricing: {mode: cloud, cloud_per_gpu_hour: 2}\n"
        let plan = CLI.execute(["plan", try writeTemporary(text), "--vary", "gpus=8", "--quiet"])
        #expect(plan.stdout.contains("Recipe mlperf-resnet50 gives the epochs resnet50 needs (75.90% top-1")
                && plan.stdout.contains("the configurations shown that train resnet18 take them all the same"), "\(plan.stdout)")
        let own = CLI.execute(["plan", try writeTemporary(text.replacingOccurrences(of: "model: resnet18", with: "model: resnet50")),
                               "--vary", "gpus=8", "--quiet"])
        #expect(own.exitCode == 0 && !own.stdout.contains("take them all the same"), "\(own.stdout)")
        let table = Self.scenario(epochs: "{64: 10, 256: 20}")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-held-\(UUID().uuidString)").path
        #expect(CLI.execute(["report", try writeTemporary(table), "--out", folder]).exitCode == 0)
        let report = try String(contentsOfFile: folder + "/report.md", encoding: .utf8)
        #expect(report.contains("so it is a lower bound: 8 GPUs, data (nccl-auto, 25 MB buckets).\n"), "\(report)")
        let recipeFolder = folder + "-recipe"
        #expect(CLI.execute(["report", try writeTemporary(text), "--out", recipeFolder]).exitCode == 0)
        let recipeReport = try String(contentsOfFile: recipeFolder + "/report.md", encoding: .utf8)
        #expect(recipeReport.contains("- Epochs to train: recipe mlperf-resnet50, those resnet50 needs to reach 75.90% top-1")
                && recipeReport.contains("source: MLCommons, mlcommons/logging")
                && recipeReport.contains("trains resnet18 on recipe mlperf-resnet50's epochs, which were measured on resnet50, not on it."),
                "\(recipeReport)")
    }
}
