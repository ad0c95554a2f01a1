import Foundation
import Testing
@testable import ScaleCastCLI
import Scenario

/// Where a time to train is a lower bound (the global batch above the largest the epochs are
/// stated for), every output says so in machine-readable form too: `epochs_held` in the rows
/// of simulate, report and sweep, sweep's note, plan's answer.
@Suite struct LowerBoundRowsTests {
    /// ResNet-18 at 64 images per GPU on 1 and 8 GPUs (64 and 512 images a step).
    static func scenario(epochs: String, extra: String = "") -> String {
        EpochsCautionTests.scenario(epochs: epochs) + "\n" + extra
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func simulateAndReportRowsSayWhichSideOfTheTableTheyHold() throws {
        // 64 lies below the table's 128, 512 above its 256; within, and under fixed epochs, nothing is held.
        let path = try writeTemporary(Self.scenario(epochs: "{128: 10, 256: 20}"))
        let simulated = try Self.object(CLI.execute(["simulate", path, "--json"]).stdout)
        let rows = try #require(simulated["results"] as? [[String: Any]])
        #expect(rows.map { $0["epochs_held"] as? String } == ["below", "above"], "\(rows)")
        // The text marks the lower bound in its row (8 GPUs), not the row held below (1 GPU).
        let text = CLI.execute(["simulate", path]).stdout.split(separator: "\n").map(String.init)
        #expect(text.first { $0.hasPrefix("   8 ") }?.contains(" >=") == true && text.first { $0.hasPrefix("   1 ") }?.contains(">=") == false,
                "\(text)")
        #expect(text.contains { $0.contains("so that time to train is a lower bound (marked >=)") }, "\(text)")
        let within = try Self.object(CLI.execute(["simulate", try writeTemporary(Self.scenario(epochs: "{64: 10, 512: 20}")), "--json"]).stdout)
        #expect((within["results"] as? [[String: Any]])?.allSatisfy { $0["epochs_held"] is NSNull } == true)
        let fixed = try Self.object(CLI.execute(["simulate", try writeTemporary(Self.scenario(epochs: "90")), "--json"]).stdout)
        #expect((fixed["results"] as? [[String: Any]])?.allSatisfy { $0["epochs_held"] is NSNull } == true)
        // The report's training answer is the best row's (8 GPUs, above the table).
        let report = try Self.object(CLI.execute(["report", path, "--json"]).stdout)
        let best = try #require(report["best"] as? [String: Any])
        let training = try #require(report["training"] as? [String: Any])
        #expect(best["gpus"] as? Int == 8 && training["epochs_held"] as? String == "above" && best["epochs_held"] as? String == "above")
    }

    @Test func sweepRowsCarryTheHeldSideAndSweepSaysHowManyAreLowerBounds() throws {
        let path = try writeTemporary(Self.scenario(epochs: "{64: 10, 256: 20}"))
        let csv = CLI.execute(["sweep", path, "--vary", "gpus=1,4,8", "--quiet"])
        #expect(csv.exitCode == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first?.hasSuffix(",batch_per_gpu,epochs,epochs_held") == true, "\(lines.first ?? "")")
        #expect(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).last.map(String.init) } == ["", "", "above"],
                "\(csv.stdout)")
        #expect(csv.stderr.contains("sweep: 1 of 3 points train a global batch above the largest their epochs are stated for "
                                    + "(epochs_held \"above\"): the largest's epochs are held, so their time_to_train_seconds is a lower bound"),
                "\(csv.stderr)")
        let covered = CLI.execute(["sweep", path, "--vary", "gpus=1,4", "--quiet"])
        #expect(covered.exitCode == 0 && !covered.stderr.contains("lower bound"), "\(covered.stderr)")
        // Another model's recipe: said once per run, as simulate notes it.
        let recipe = CLI.execute(["sweep", try writeTemporary(Self.scenario(epochs: "90").replacingOccurrences(
            of: "training: {epochs: 90}", with: "training: {recipe: mlperf-resnet50}")), "--vary", "gpus=1,8", "--quiet"])
        let notes = recipe.stderr.components(separatedBy: "trains resnet18 on recipe mlperf-resnet50, the epochs resnet50 needs")
        #expect(notes.count == 2, "\(recipe.stderr)")
    }

    @Test func planSaysInItsAnswerThatTheWinnersTimeIsALowerBound() throws {
        let text = Self.scenario(epochs: "{64: 10, 256: 20}", extra: "pricing: {mode: cloud, cloud_per_gpu_hour: 2}\n")
            .replacingOccurrences(of: "gpus: [1, 8]", with: "gpus: [1]")
        let plan = CLI.execute(["plan", try writeTemporary(text), "--vary", "gpus=8", "--json", "--quiet"])
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let rankings = try #require(try Self.object(plan.stdout)["models"] as? [[String: Any]])
        let explanation = try #require(rankings.first?["explanation"] as? String)
        #expect(explanation.contains(" (a lower bound: its global batch of 512 images lies above the largest its epochs are stated for, "
                                     + "whose epochs are held) for $"), "\(explanation)")
        let within = CLI.execute(["plan", try writeTemporary(text), "--vary", "gpus=4", "--json", "--quiet"])
        #expect(within.exitCode == 0 && !within.stdout.contains("a lower bound"), "\(within.stdout)")
    }

    @Test func simulateCautionsWhereAStepHoldsMoreThanAnEpoch() throws {
        let path = try writeTemporary(Self.scenario(epochs: "90").replacingOccurrences(of: "training: {epochs: 90}",
                                                                                      with: "training: {images: 100, epochs: 90}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.stdout.contains("more images a step than the 100 of an epoch (GPUs: 8): that time to train counts part-steps no run takes"),
                "\(out.stdout)")
        let fine = CLI.execute(["simulate", try writeTemporary(Self.scenario(epochs: "90"))])
        #expect(!fine.stdout.contains("part-steps"), "\(fine.stdout)")
        // In the JSON, each row carries the images of an epoch beside its global batch.
        let rows = try #require(try Self.object(CLI.execute(["simulate", path, "--json"]).stdout)["results"] as? [[String: Any]])
        #expect(rows.map { $0["epoch_images"] as? Int } == [100, 100] && rows.map { $0["global_batch"] as? Int } == [64, 512], "\(rows)")
        let untimed = try Self.object(CLI.execute(["simulate", try writeTemporary(Self.scenario(epochs: "90")
            .replacingOccurrences(of: "training: {epochs: 90}", with: "")), "--json"]).stdout)
        #expect((untimed["results"] as? [[String: Any]])?.allSatisfy { $0["epoch_images"] is NSNull } == true)
    }

    /// plan asks for what the scenario lacks, not for what it has.
    @Test func planAsksOnlyForTheMissingKey() throws {
        let out = CLI.execute(["plan", try writeTemporary(Self.scenario(epochs: "90")), "--deadline-hours", "1"])
        #expect(out.exitCode == 2 && out.stderr.contains("give the scenario `pricing: {mode: cloud}` (or owned)")
                && !out.stderr.contains("`training:"), "\(out.stderr)")
    }

    /// A bad key of a top-level table read into each run is named at the top level, though it holds a dot.
    @Test func aDottedKeyOfTheTopLevelIsNamedThere() throws {
        let text = Self.scenario(epochs: "{8192.0: 90}") + "runs:\n  - {label: a}\n"
        let out = CLI.execute(["simulate", try writeTemporary(text)])
        #expect(out.exitCode == 2 && out.stderr.contains(":6: training.epochs.8192.0: '8192.0' is no global batch"), "\(out.stderr)")
    }
}
