import Foundation
import Testing
@testable import ScaleCastCLI

/// `scalecast plan --json`: the answer as data, in the rows `sweep --json` writes.
@Suite struct PlanJSONTests {
    @Test func thePlanAsJSON() throws {
        let scenario = "scenarios/whatif/resnet50-deadline.yaml"
        let out = CLI.execute(["plan", scenario, "--vary", "gpus=8,16", "--deadline-hours", "100", "--cloud-budget", "100000", "--quiet", "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(Set(document.keys) == ["schema_version", "scenario", "deadline_seconds", "cloud_budget_usd", "capex_budget_usd", "pessimistic",
                                       "searched", "fitting", "candidates", "models", "sources", "cautions", "notes"])
        // A100 bf16 has its published record and the model stays within its errors there: no caution.
        #expect((document["cautions"] as? [String]) == [])
        #expect(document["schema_version"] as? Int == 2 && document["deadline_seconds"] as? Double == 360_000)
        #expect(document["cloud_budget_usd"] as? Double == 100_000 && document["capex_budget_usd"] is NSNull)
        let models = try #require(document["models"] as? [[String: Any]])
        #expect(models.count == 1)
        #expect(Set(models[0].keys) == ["model", "fitting", "candidates", "explanation", "meeting_deadline", "within_budget", "pareto_front",
                                        "pareto_front_budgets_aside", "alike"])
        let cheapest = try #require(models[0]["meeting_deadline"] as? [[String: Any]])
        let costs = cheapest.compactMap { $0["cost_usd"] as? Double }
        #expect(costs == costs.sorted())
        #expect(cheapest.allSatisfy { ($0["time_to_train_seconds"] as? Double ?? .infinity) <= 360_000 })
        // The rows are sweep rows (`sweep --out FILE.json`): every key of one, nulls included.
        let row = try #require(cheapest.first)
        for key in ["point", "run", "vary", "gpus", "gpu_model", "images_per_second", "time_to_train_seconds", "cost_usd",
                    "cost_usd_p10", "fits_in_memory", "model", "capex_usd", "tco_usd", "price_offer", "usd_per_gpu_hour", "price_seen",
                    "price_source"] {
            #expect(row.keys.contains(key), "\(key)")
        }
        // A cloud row: its offer and price per GPU-hour, no capex.
        #expect(row["price_offer"] as? String == "AWS p4d.24xlarge" && row["capex_usd"] is NSNull)
        #expect((document["sources"] as? [String: String])?.keys.contains("xither") == true)
        // No deadline: null.
        let open = CLI.execute(["plan", scenario, "--vary", "gpus=8", "--quiet", "--json"])
        let openDocument = try #require(try JSONSerialization.jsonObject(with: Data(open.stdout.utf8)) as? [String: Any])
        #expect(openDocument["deadline_seconds"] is NSNull)
    }

    /// plan --pessimistic draws as many samples as report's answer, with the same numbers: one
    /// configuration gets one range in both (a walkthrough saw $22.51 and $22.84 as its p90).
    @Test func planAndReportGiveAConfigurationOneRange() throws {
        let text = try String(contentsOfFile: "scenarios/whatif/resnet50-deadline.yaml", encoding: .utf8)
            .replacingOccurrences(of: "gpus: [8, 16, 32, 64]", with: "gpus: [8]")
        let scenario = try writeTemporary(text)
        func json(_ arguments: [String]) throws -> [String: Any] {
            let out = CLI.execute(arguments)
            #expect(out.exitCode == 0, "\(out.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        }
        let range = try #require(try json(["report", scenario, "--json"])["range"] as? [String: Any])
        let models = try #require(try json(["plan", scenario, "--deadline-hours", "100", "--pessimistic", "--json"])["models"] as? [[String: Any]])
        let row = try #require((models.first?["meeting_deadline"] as? [[String: Any]])?.first)
        for (reportKey, planKey) in [("cost_usd_p10", "cost_usd_p10"), ("cost_usd_p90", "cost_usd_p90"),
                                     ("time_seconds_p90", "time_to_train_seconds_p90"), ("images_per_second_p10", "images_per_second_p10")] {
            let reported = try #require(range[reportKey] as? Double), planned = try #require(row[planKey] as? Double)
            #expect(reported == planned, "\(reportKey): report \(reported), plan \(planned)")
        }
    }

    /// The sentence the text prints under an answer on its GPU's record is among the JSON's
    /// notes too: an H200 answer with AMP points to fewer images/s.
    @Test func theRecordsLeanIsAmongTheNotes() throws {
        let text = try String(contentsOfFile: "scenarios/whatif/resnet50-deadline.yaml", encoding: .utf8)
            .replacingOccurrences(of: "gpu: A100-SXM4-40GB", with: "gpu: H200").replacingOccurrences(of: "gpus: [8, 16, 32, 64]", with: "gpus: [8]")
        let scenario = try writeTemporary(text)
        let plain = CLI.execute(["plan", scenario, "--deadline-hours", "100", "--quiet"])
        let sentence = try #require(plain.stdout.split(separator: "\n").first { $0.hasPrefix("On its record, ") }.map(String.init), "\(plain.stdout)")
        let json = CLI.execute(["plan", scenario, "--deadline-hours", "100", "--json"])
        let notes = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["notes"] as? [String])
        #expect(notes.first == sentence, "\(notes)")
    }

    /// The text's cautions on the rows (here: epochs held above the largest stated batch)
    /// are the JSON's `notes`, word for word.
    @Test func theTextsCautionsAreTheJSONsNotes() throws {
        let path = try writeTemporary("""
            name: notes
            model: resnet18
            batch_per_gpu: 64
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch}
            gpus: [1]
            training: {epochs: {64: 10, 256: 20}}
            pricing: {mode: cloud, cloud_per_gpu_hour: 2}
            """)
        let text = CLI.execute(["plan", path, "--vary", "gpus=4,8", "--quiet"])
        let json = CLI.execute(["plan", path, "--vary", "gpus=4,8", "--quiet", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let notes = try #require(document["notes"] as? [String])
        #expect(notes.count == 1 && notes[0].hasPrefix("One configuration shown trains above the largest global batch"), "\(notes)")
        #expect(text.stdout.contains("\n\n" + notes[0] + "\n"), "\(text.stdout)")
        let within = CLI.execute(["plan", path, "--vary", "gpus=1,4", "--quiet", "--json"])
        let quiet = try #require(try JSONSerialization.jsonObject(with: Data(within.stdout.utf8)) as? [String: Any])
        #expect((quiet["notes"] as? [String]) == [])
    }

    /// One fixed figure of epochs at the different global batches shown is named in a note,
    /// with the batches; epochs stated by batch, or one batch shown, need none.
    @Test func fixedEpochsAtDifferentBatchesAreNoted() throws {
        func notes(_ training: String, gpus: String) throws -> [String] {
            let path = try writeTemporary("""
                name: fixed
                model: resnet18
                batch_per_gpu: 64
                cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch}
                gpus: [1]
                training: \(training)
                pricing: {mode: cloud, cloud_per_gpu_hour: 2}
                """)
            let json = CLI.execute(["plan", path, "--vary", "gpus=\(gpus)", "--quiet", "--json"])
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
            return try #require(document["notes"] as? [String])
        }
        let fixed = try notes("{images: 100000, epochs: 30}", gpus: "2,8")
        #expect(fixed == ["The times to train take training.epochs (30) at every global batch shown (128 to 512 images a step); a "
                          + "training recipe may need more at the larger ones, where they converge at all, which these times do not "
                          + "count: state the epochs by global batch (training.epochs: {BATCH: EPOCHS, ...}), a built-in recipe "
                          + "(training: {recipe: ...}), or the largest batch your recipe trains at as max_global_batch (README, "
                          + "\"The global batch at scale\")."], "\(fixed)")
        #expect(try notes("{images: 100000, epochs: {128: 30, 512: 32}}", gpus: "2,8") == [])
        #expect(try notes("{images: 100000, epochs: 30}", gpus: "8") == [])
    }

    /// The GPUs of the rows listed get a caution where the published corpus contradicts the
    /// model (a B200 in bf16) or has not measured them (an MI300X), in the text and the JSON.
    @Test func cautionsNameTheGPUsTheCorpusContradictsOrHasNotMeasured() throws {
        let scenario = try writeTemporary("""
            name: cautions
            model: resnet50
            batch_per_gpu: 256
            precision: bf16
            cluster: {gpu: A100, gpus_per_node: 8}
            training: {epochs: 90}
            pricing: {mode: cloud, cloud_per_gpu_hour: 4}
            gpus: [8]
            """)
        let args = ["plan", scenario, "--vary", "cluster.gpu=A100,B200,MI300X", "--deadline-hours", "100", "--quiet"]
        let text = CLI.execute(args)
        #expect(text.exitCode == 0, "\(text.stderr)")
        #expect(text.stdout.contains("\nCaution: the corpus's one published one-GPU measurement on the B200-SXM in fp16+bf16"),
                "\(text.stdout)")
        #expect(text.stdout.contains("\nCaution: the corpus has no published one-GPU training measurement on the MI300X in fp16+bf16"))
        let cautionLines = text.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("Caution:") }
        #expect(cautionLines.count == 2 && !cautionLines.contains { $0.contains("A100") }, "\(cautionLines)")
        let json = CLI.execute(args + ["--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let cautions = try #require(document["cautions"] as? [String])
        #expect(cautions.count == 2 && cautions.contains { $0.hasPrefix("B200-SXM in fp16+bf16: ") }
                && cautions.contains { $0.hasPrefix("MI300X in fp16+bf16: ") }, "\(cautions)")
    }

    /// `simulate` says the same under its table and in its JSON, once per GPU and precision
    /// group, and nothing where the corpus backs the prediction (an A100 in bf16).
    @Test func simulateCautionsAsPlanDoes() throws {
        let scenario = try writeTemporary("""
            name: cautions
            model: resnet50
            batch_per_gpu: 256
            precision: bf16
            gpus: [1, 8]
            runs:
              - {label: A100, cluster: {gpu: A100, gpus_per_node: 8}}
              - {label: B200, cluster: {gpu: B200, gpus_per_node: 8}}
              - {label: B200 again, cluster: {gpu: B200, gpus_per_node: 8}, batch_per_gpu: 128}
            """)
        let text = CLI.execute(["simulate", scenario])
        #expect(text.exitCode == 0, "\(text.stderr)")
        let lines = text.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("Caution") }
        #expect(lines.count == 1 && lines[0].hasPrefix("Caution: the corpus's one published one-GPU measurement on the B200-SXM in fp16+bf16 ")
                && lines[0].hasSuffix("(`scalecast explain` lists the evidence)."), "\(text.stdout)")
        let json = CLI.execute(["simulate", scenario, "--json"])
        #expect(json.exitCode == 0, "\(json.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let cautions = try #require(document["cautions"] as? [String])
        #expect(cautions.count == 1 && cautions[0].hasPrefix("B200-SXM in fp16+bf16: "), "\(cautions)")
        // The text's paragraph is the JSON's caution, word for word without the JSON's "GPU in group: " key
        // (the sentence names both), after a blank line that ends the table.
        let body = String(cautions[0].dropFirst("B200-SXM in fp16+bf16: ".count))
        #expect(lines.count == 1 && lines[0] == "Caution: \(body) (`scalecast explain` lists the evidence).")
        #expect(text.stdout.contains("\n\n" + lines[0] + "\n"))
        let alone = CLI.execute(["simulate", scenario, "--run", "A100", "--json"])
        let backed = try #require(try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any])
        #expect((backed["cautions"] as? [String]) == [])
        let aloneText = CLI.execute(["simulate", scenario, "--run", "A100"])
        #expect(aloneText.exitCode == 0 && !aloneText.stdout.contains("Caution"), "\(aloneText.stdout)")
    }

    /// A run that fits in memory nowhere gets its error and no caution: there is no prediction
    /// to caution about.
    @Test func simulateCautionsOnlyWhatFits() throws {
        let scenario = try writeTemporary("""
            name: too big
            model: resnet152
            batch_per_gpu: 4096
            precision: bf16
            cluster: {gpu: B200, gpus_per_node: 8}
            gpus: [1]
            """)
        let out = CLI.execute(["simulate", scenario])
        #expect(out.exitCode == 2 && out.stdout.contains(" NO") && !out.stdout.contains("Caution"), "\(out.stdout)\n\(out.stderr)")
    }
}
