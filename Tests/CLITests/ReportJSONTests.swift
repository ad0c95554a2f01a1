import Foundation
import Testing
@testable import ScaleCastCLI

/// `scalecast report --json`: the report's answer as data, with or without the files.
@Suite struct ReportJSONTests {
    func object(_ out: CommandOutput) throws -> [String: Any] {
        #expect(out.exitCode == 0, "\(out.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    }

    /// The report.md that `report SCENARIO --out` writes into a new folder (exit 0 expected).
    func reportText(_ scenario: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-report-\(UUID().uuidString)").path
        let out = CLI.execute(["report", scenario, "--out", folder])
        #expect(out.exitCode == 0, "\(out.stderr)")
        return try String(contentsOfFile: folder + "/report.md", encoding: .utf8)
    }

    /// Runs of different models are never ranked together (their images/s count different
    /// work): the answer gives each model's fastest and details the first model's.
    @Test func differentModelsAreAnsweredModelByModel() throws {
        let scenario = "scenarios/default.yaml"   // ResNet-50 first, then AlexNet (far more images/s)
        let document = try object(CLI.execute(["report", scenario, "--json"]))
        let results = try #require(document["results"] as? [[String: Any]])
        let perModel = try #require(document["best_per_model"] as? [[String: Any]])
        #expect(perModel.map { $0["model"] as? String } == ["resnet50", "alexnet-owt"])
        for row in perModel {
            let own = results.filter { $0["model"] as? String == row["model"] as? String && $0["fits_in_memory"] as? Bool == true }
            #expect(row["images_per_second"] as? Double == own.compactMap { $0["images_per_second"] as? Double }.max())
        }
        let best = try #require(document["best"] as? [String: Any])
        #expect(best["model"] as? String == "resnet50", "the first model's best, not AlexNet's larger images/s")
        let text = try reportText(scenario)
        #expect(text.contains("**The answer, model by model.** Runs of different models are never ranked together"))
        #expect(text.contains("The rest of this report details the first, resnet50.\n\n**resnet50.** The fastest configuration simulated is **ResNet-50"))
    }

    /// Runs without labels are told apart by model; a model with nothing that fits is never
    /// the answer while another model's configuration fits.
    @Test func theAnswerIsAModelThatFitsAndUnlabelledRunsStayApart() throws {
        let path = try writeTemporary("""
            name: two models, the first too big
            batch_per_gpu: 64
            precision: fp32
            cluster: {gpu: V100, gpus_per_node: 4, fabric: pcie-tree}
            strategy: {kind: data, allreduce: ring, bucket_mb: 25}
            gpus: [1, 2]
            runs:
              - {model: resnet50, batch_per_gpu: 16384}
              - {model: alexnet-owt}
            """)
        let document = try object(CLI.execute(["report", path, "--json"]))
        let perModel = try #require(document["best_per_model"] as? [[String: Any]])
        #expect(perModel.map { $0["model"] as? String } == ["resnet50", "alexnet-owt"])
        #expect(perModel.map { $0["fits_in_memory"] as? Bool } == [false, true])
        let best = try #require(document["best"] as? [String: Any])
        #expect(best["model"] as? String == "alexnet-owt" && best["fits_in_memory"] as? Bool == true)
        let text = try reportText(path)
        #expect(text.contains("but it does not fit in GPU memory"))
        #expect(text.contains("The rest of this report details the first that fits in GPU memory, alexnet-owt."))
    }

    @Test func theAnswerAsJSONWithoutFiles() throws {
        let scenario = "scenarios/whatif/resnet50-deadline.yaml"
        let printed = CLI.execute(["report", scenario, "--json"])
        let document = try object(printed)
        #expect(Set(document.keys) == ["schema_version", "scenario", "name", "best", "best_per_model", "bottleneck", "training", "range",
                                       "evidence", "results", "price_cautions", "charts", "report"])
        #expect(document["schema_version"] as? Int == 3)
        #expect(document["scenario"] as? String == scenario)
        #expect(document["report"] is NSNull)
        #expect((document["charts"] as? [Any])?.isEmpty == true)
        let results = try #require(document["results"] as? [[String: Any]])
        let best = try #require(document["best"] as? [String: Any])
        // The best is the fastest configuration that fits, and one of the rows.
        let fastest = results.filter { $0["fits_in_memory"] as? Bool == true }.compactMap { $0["images_per_second"] as? Double }.max()
        #expect(best["images_per_second"] as? Double == fastest)
        #expect(results.contains { $0["label"] as? String == best["label"] as? String })
        // One model: its best is the only one per model.
        let perModel = try #require(document["best_per_model"] as? [[String: Any]])
        #expect(perModel.count == 1 && perModel[0]["label"] as? String == best["label"] as? String)
        // The training goal of the scenario: 90 epochs of ImageNet-1k, at the best rate, priced.
        let training = try #require(document["training"] as? [String: Any])
        #expect(training["images"] as? Int == 1_281_167)
        #expect(training["epochs"] as? Double == 90)
        let seconds = try #require(training["time_to_train_seconds"] as? Double), rate = try #require(fastest)
        #expect(abs(seconds - 90 * 1_281_167 / rate) / seconds < 1e-12)
        #expect(seconds == best["time_to_train_seconds"] as? Double)
        #expect((training["cost_usd"] as? Double ?? 0) > 0)
        // The price basis is the best row's object, and the cost is its rate over the GPU-hours trained.
        let basis = try #require(training["price_basis"] as? [String: Any])
        let bestBasis = try #require(best["price_basis"] as? [String: Any])
        #expect(NSDictionary(dictionary: basis).isEqual(to: bestBasis))
        #expect((basis["offer"] as? String)?.isEmpty == false)
        let perGPUHour = try #require(basis["usd_per_gpu_hour"] as? Double), gpus = try #require(best["gpus"] as? Int)
        let cost = try #require(training["cost_usd"] as? Double)
        #expect(abs(perGPUHour * Double(gpus) * seconds / 3600 - cost) / cost < 1e-9)
        #expect(training["recipe"] is NSNull)
        #expect((document["bottleneck"] as? String)?.isEmpty == false)
        // The range brackets the prediction: images/s, time and cost.
        let range = try #require(document["range"] as? [String: Any])
        let low = try #require(range["images_per_second_p10"] as? Double), high = try #require(range["images_per_second_p90"] as? Double)
        #expect(low <= rate && rate <= high)
        let fast = try #require(range["time_seconds_p10"] as? Double), slow = try #require(range["time_seconds_p90"] as? Double)
        #expect(fast <= seconds && seconds <= slow)
        #expect((range["cost_usd_p10"] as? Double ?? .infinity) <= (range["cost_usd_p90"] as? Double ?? 0))
        // The evidence is on the best configuration's GPU, in its precision group, for its model.
        let evidence = try #require(document["evidence"] as? [String: Any])
        #expect(evidence["gpu"] as? String == best["gpu_model"] as? String)
        #expect(evidence["model"] as? String == best["model"] as? String)
        #expect(evidence["gpus"] as? Int == best["gpus"] as? Int)
        let group = try #require(evidence["precision_group"] as? String)
        #expect(group.split(separator: "+").contains { $0 == (best["precision"] as? String ?? "")[...] })
        // The same scenario gives the same bytes.
        #expect(CLI.execute(["report", scenario, "--json"]) == printed)
    }

    @Test func withOutTheJSONNamesTheFilesWritten() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-report-json-\(UUID().uuidString)").path
        let document = try object(CLI.execute(["report", "scenarios/paper/one-weird-trick.yaml", "--out", out, "--json"]))
        #expect(document["report"] as? String == out + "/report.md")
        #expect(FileManager.default.fileExists(atPath: out + "/report.md"))
        let charts = try #require(document["charts"] as? [[String: Any]])
        // Throughput of every run on one axis, speedup, where the steps go, one step of the best.
        #expect(charts.compactMap { $0["file"] as? String } == ["throughput.png", "scaling.png", "breakdown.png", "gantt.png"])
        for chart in charts {
            let file = try #require(chart["file"] as? String)
            #expect(FileManager.default.fileExists(atPath: out + "/" + file.replacingOccurrences(of: ".png", with: ".gp")))
        }
        // No training goal in that scenario: null, not a missing key.
        #expect(document["training"] is NSNull)
    }

    @Test func withoutOutOrJSONItExitsWithTwo() {
        let out = CLI.execute(["report", "scenarios/default.yaml"])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("--out"))
    }
}
