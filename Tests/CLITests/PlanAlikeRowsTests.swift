import Foundation
import Testing
@testable import ScaleCastCLI

/// `plan` folds configurations that give one answer: a network or an all-reduce varied on
/// configurations of one node changes none of their figures, and listed one by one they
/// would fill the ranked tables with one answer (`AlikeRows`).
@Suite struct PlanAlikeRowsTests {
    /// H100 and A100, 8 and 16 GPUs (the capex budget keeps the 8-GPU ones), two networks and three
    /// all-reduces: 12 candidates. On one node the network changes nothing and `hierarchical` runs as
    /// the ring, so each GPU type gives two answers: the ring (4 configurations) and NCCL's own
    /// choice (2). `nccl-auto` differs from the ring in its figures, so it is not folded into it.
    static let arguments = ["plan", "scenarios/examples/buy-h100-or-a100.yaml", "--deadline-hours", "12", "--capex-budget", "350000",
                            "--vary", "cluster.network.link=ib-hdr,ib-ndr", "--vary", "strategy.allreduce=ring,hierarchical,nccl-auto",
                            "--quiet"]

    @Test func theTablesListEachAnswerOnce() throws {
        let out = CLI.execute(Self.arguments)
        #expect(out.exitCode == 0, "\(out.stderr)")
        let cheapest = try #require(out.stdout.components(separatedBy: "Cheapest that finish within 12 h\n").last?
            .components(separatedBy: "\n\n").first)
        let rows = cheapest.split(separator: "\n").filter { $0.hasPrefix("A100 ") || $0.hasPrefix("H100 ") }.map(String.init)
        #expect(rows.count == 4, "\(cheapest)")
        for (gpu, allReduce, alike) in [("A100", "ring", 3), ("A100", "nccl-auto", 1), ("H100", "ring", 3), ("H100", "nccl-auto", 1)] {
            #expect(rows.filter { $0.hasPrefix(gpu) && $0.contains("strategy.allreduce=\(allReduce) (+\(alike) alike)") }.count == 1,
                    "\(gpu) \(allReduce): \(rows)")
        }
        // The answer says that configurations differing in what changes nothing there give it too.
        #expect(out.stdout.contains("is the cheapest way to meet the deadline: 2.2 h for $12.21 (capex $162,996, TCO $198,551 over its life). "
                                    + "So do 3 configurations with settings that change nothing there, to the same figures "
                                    + "(strategy.allreduce=hierarchical; cluster.network.link=ib-ndr; cluster.network.link=ib-ndr "
                                    + "strategy.allreduce=hierarchical)."), "\(out.stdout)")
        // One such configuration is said in the singular.
        let one = CLI.execute(Array(Self.arguments.prefix(8)) + ["--quiet"])
        #expect(one.stdout.contains(". So does 1 configuration whose settings change nothing there, to the same figures "
                                    + "(cluster.network.link=ib-ndr)."), "\(one.stdout)")
        // Under the table, what each row stands for: the settings in which the others differ from it.
        #expect(cheapest.contains("A row marked (+N alike) stands for N more configurations with every figure the same"))
        #expect(cheapest.contains("  A100: 8 x A100-SXM4-80GB, data, cluster.network.link=ib-hdr, strategy.allreduce=ring: also "
                                  + "strategy.allreduce=hierarchical; cluster.network.link=ib-ndr; cluster.network.link=ib-ndr "
                                  + "strategy.allreduce=hierarchical\n"), "\(cheapest)")
        #expect(cheapest.hasSuffix("\n  H100: 8 x H100-SXM5, data, cluster.network.link=ib-hdr, strategy.allreduce=nccl-auto: also "
                                   + "cluster.network.link=ib-ndr"), "\(cheapest)")
        // The front keeps one configuration of each answer too, and says what it stands for.
        let front = try #require(out.stdout.components(separatedBy: "Cost-time Pareto front (no configuration is both cheaper and faster)\n").last?
            .components(separatedBy: "\n\n").first)
        #expect(front.split(separator: "\n").filter { $0.contains("strategy.allreduce=ring (+3 alike)") }.count == 2, "\(front)")
        // --top counts answers: the first two are the A100's.
        let top = CLI.execute(Self.arguments + ["--top", "2"])
        let firstTwo = try #require(top.stdout.components(separatedBy: "Cheapest that finish within 12 h\n").last?
            .components(separatedBy: "\n\n").first)
        #expect(firstTwo.split(separator: "\n").filter { $0.hasPrefix("A100 ") }.count == 2
                && !firstTwo.split(separator: "\n").contains { $0.hasPrefix("H100 ") }, "\(firstTwo)")
    }

    /// A configuration folded into another keeps its cautions: bf16 on a V100 (no bf16 units) is priced
    /// as fp16, repeats the fp16 configuration's every figure and is folded into it, listed first here;
    /// the precision caution is printed all the same, in the text and in the JSON's notes.
    @Test func aFoldedConfigurationKeepsItsCautions() throws {
        let arguments = ["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "48", "--vary", "cluster.gpu=V100-SXM2-32GB",
                         "--vary", "precision=fp16,bf16", "--vary", "gpus=8,16", "--vary", "pricing.cloud_per_gpu_hour=2", "--quiet"]
        let text = CLI.execute(arguments)
        #expect(text.exitCode == 0, "\(text.stderr)")
        #expect(text.stdout.contains("precision=fp16 pricing.cloud_per_gpu_hour=2 (+1 alike)"), "\(text.stdout)")
        let caution = "Precision: bf16 asked: the V100-SXM2-32GB has no bf16 units; those configurations are priced as fp16."
        #expect(text.stdout.contains("\n" + caution + "\n"), "\(text.stdout)")
        let json = CLI.execute(arguments + ["--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        // After the note on one figure of epochs at 8 and 16 GPUs' batches (PlanJSONTests).
        #expect((document["notes"] as? [String])?.last == caution && (document["notes"] as? [String])?.count == 2, "\(document["notes"] ?? "")")
    }

    /// Under max_global_batch, batches per GPU asked for above the one it leaves train the same
    /// configuration: one row stands for them, and the note says their efficiencies (each against
    /// one GPU at the batch asked for) differ. They were listed apart, filling the top rows.
    @Test func batchesCutToOneAreOneAnswer() throws {
        let out = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "48", "--vary", "gpus=32",
                               "--vary", "max_global_batch=2048", "--vary", "batch_per_gpu=64,128,256", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let cheapest = try #require(out.stdout.components(separatedBy: "Cheapest that finish within 48 h\n").last?
            .components(separatedBy: "\n\n").first)
        let rows = cheapest.split(separator: "\n").filter { $0.hasPrefix("resnet50 ") }
        #expect(rows.count == 1 && rows[0].contains("batch_per_gpu=64 max_global_batch=2048 (+2 alike)"), "\(cheapest)")
        #expect(cheapest.contains("also batch_per_gpu=128; batch_per_gpu=256"), "\(cheapest)")
        #expect(out.stdout.contains("So do 2 configurations with settings that change nothing there, to the same figures but the "
                                    + "efficiency, which compares with one GPU at the batch each asks for (batch_per_gpu=128; "
                                    + "batch_per_gpu=256)."), "\(out.stdout)")
        let note = try #require(cheapest.split(separator: "\n").first { $0.hasPrefix("Some of them ask for a larger batch per GPU") })
        let shown = try #require(rows[0].range(of: #" [0-9]+% "#, options: .regularExpression))
        #expect(note.contains(": \(rows[0][shown].trimmingCharacters(in: .whitespaces)), the others "), "\(note)")
    }

    /// Where the answer's GPU has published measurements that contradict the model (the B200 in
    /// bf16), the plan says so with the answer, not only in the cautions after the tables; not on
    /// a GPU whose record agrees with the model (the H100).
    @Test func aContradictedAnswerIsSaidWithIt() throws {
        func plan(_ gpu: String) -> String {
            CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--deadline-hours", "48", "--vary", "cluster.gpu=\(gpu)",
                         "--vary", "gpus=8", "--quiet"]).stdout
        }
        let b200 = plan("B200-SXM")
        let answer = try #require(b200.components(separatedBy: "\n\n").first { $0.contains("is the cheapest way to meet the deadline") })
        #expect(answer.hasSuffix("\nRead this answer with the caution at the end: the published measurements on the B200-SXM in "
                                 + "fp16+bf16 contradict the model's prediction for it."), "\(answer)")
        #expect(b200.contains("\nCaution: the corpus's one published one-GPU measurement on the B200-SXM in fp16+bf16 ran at"), "\(b200)")
        #expect(!plan("H100-SXM5").contains("Read this answer with the caution"))
    }

    /// A plan whose configurations all differ lists no note.
    @Test func distinctConfigurationsAreNotFolded() throws {
        let out = CLI.execute(["plan", "scenarios/examples/buy-h100-or-a100.yaml", "--deadline-hours", "12", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(!out.stdout.contains("alike"), "\(out.stdout)")
    }

    /// The JSON lists the same answers and, per ranking, the points each listed row stands for:
    /// every candidate is listed or stood for, once.
    @Test func theJSONNamesThePointsEachRowStandsFor() throws {
        let out = CLI.execute(Self.arguments + ["--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let ranking = try #require((document["models"] as? [[String: Any]])?.first)
        let cheapest = try #require(ranking["meeting_deadline"] as? [[String: Any]]).compactMap { $0["point"] as? Int }
        let fastest = try #require(ranking["within_budget"] as? [[String: Any]]).compactMap { $0["point"] as? Int }
        let alike = try #require(ranking["alike"] as? [[String: Any]])
        #expect(cheapest.count == 4 && Set(cheapest) == Set(fastest))
        let standing = Dictionary(alike.compactMap { entry in
            (entry["point"] as? Int).flatMap { point in (entry["points"] as? [Int]).map { (point, $0) } }
        }, uniquingKeysWith: { first, _ in first })
        #expect(standing.count == alike.count, "a point listed twice in alike")
        // The front's rows (the ring's answers, cheapest and fastest) are among them.
        let front = try #require(ranking["pareto_front"] as? [[String: Any]]).compactMap { $0["point"] as? Int }
        #expect(front.count == 2 && Set(front).isSubset(of: Set(cheapest)))
        #expect(Set(standing.keys) == Set(cheapest))
        #expect(standing.values.map(\.count).sorted() == [1, 1, 3, 3])
        let all = cheapest + standing.values.flatMap { $0 }
        #expect(all.count == 12 && Set(all).count == 12)
    }
}
