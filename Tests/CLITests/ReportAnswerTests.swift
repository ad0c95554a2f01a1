import Foundation
import Testing
@testable import ScaleCastCLI

/// The report and simulate answer in the scenario's terms: its training goal and its pricing.
@Suite struct ReportAnswerTests {
    /// report.md of `scenario`, written into a new temporary folder; the command must succeed.
    static func report(_ scenario: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-report-\(UUID().uuidString)").path
        let result = CLI.execute(["report", scenario, "--out", out])
        #expect(result.exitCode == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        return try String(contentsOfFile: out + "/report.md", encoding: .utf8)
    }

    /// Where max_global_batch cuts the best configuration's batch, the answer says what its
    /// efficiency compares with: one GPU at the batch asked for, not at the one each GPU trains.
    @Test func aCutBatchIsSaidWithTheEfficiency() throws {
        let scenario = try writeTemporary("""
            name: cut
            model: resnet50
            precision: bf16
            batch_per_gpu: 256
            max_global_batch: 2048
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}
            gpus: [1, 32]
            """)
        let answer = try Self.report(scenario).components(separatedBy: "\n\n")[1]
        #expect(answer.contains("32 GPUs") && answer.contains("% scaling efficiency, against one GPU at the 256 images it is asked for, "
                                                               + "where max_global_batch leaves each of these GPUs 64: the smaller batch costs part of it)"),
                "\(answer)")
    }

    /// The published record against the best configuration's GPU (the B200 in bf16) comes with the
    /// answer, before the range the simulator's errors give it.
    @Test func theEvidenceCautionComesBeforeTheRange() throws {
        let scenario = try writeTemporary("""
            name: b200 answer
            model: resnet50
            precision: bf16
            batch_per_gpu: 256
            cluster: {gpu: B200-SXM, gpus_per_node: 8, fabric: nvswitch}
            gpus: [1, 8]
            """)
        let answer = try Self.report(scenario).components(separatedBy: "\n\n")[1]
        let caution = try #require(answer.range(of: "**Caution:** the corpus's one published one-GPU measurement on the B200-SXM"), "\(answer)")
        let range = try #require(answer.range(of: "Allowing for the simulator's errors"), "\(answer)")
        #expect(caution.lowerBound < range.lowerBound)
    }

    /// The fastest is no purchase advice: where another configuration trains for fewer dollars,
    /// its own paragraph names it with its time and cost, and says where to rank by cost; where
    /// the fastest is also the cheapest, none.
    @Test func theCheapestToTrainFollowsWhereItIsAnother() throws {
        let paragraphs = try Self.report("scenarios/whatif/resnet50-deadline.yaml").components(separatedBy: "\n\n")
        let cheapest = try #require(paragraphs.first { $0.hasPrefix("**The cheapest to train** is **") }, "\(paragraphs.prefix(4))")
        #expect(cheapest.hasPrefix("**The cheapest to train** is **8 GPUs") && cheapest.contains(", against $")
                && cheapest.contains("for the fastest. The fastest is not advice to buy it: `scalecast plan scenarios/whatif/"
                                     + "resnet50-deadline.yaml --deadline-hours H`"), "\(cheapest)")
        let one = try writeTemporary(try String(contentsOfFile: "scenarios/whatif/resnet50-deadline.yaml", encoding: .utf8)
            .replacingOccurrences(of: "gpus: [8, 16, 32, 64]", with: "gpus: [8]"))
        #expect(!(try Self.report(one)).contains("The cheapest to train"))
    }

    @Test func theAnswerIsTimeAndCostToTrain() throws {
        let text = try Self.report("scenarios/whatif/resnet50-deadline.yaml")
        let answer = text.components(separatedBy: "\n\n")[1]
        #expect(answer.hasPrefix("**The answer.**"))
        #expect(answer.contains("the scenario's training (90 epochs of 1,281,167 images) takes **"))
        #expect(answer.contains("and costs **$") && answer.contains("per GPU-hour; its price basis follows)"))
        // The price basis, every figure, in its own paragraph under the answer (an owned bill is a paragraph long).
        #expect(text.components(separatedBy: "\n\n")[2].hasPrefix("**Its price basis** (dated, not current): $"), "\(text)")
        #expect(!answer.contains("one epoch of ImageNet"))
        // The global batch the time to train is for, and what that time assumes about it.
        #expect(answer.range(of: #"at a global batch of [0-9,]+ images per step \(the time to train assumes the same epochs"#,
                             options: .regularExpression) != nil, "\(answer)")
        // The range says where it comes from, and holds the point prediction.
        #expect(answer.contains("Allowing for the simulator's errors on "))
        #expect(answer.contains("published 1-GPU measurements") && answer.contains("make validation-errors"))
        let range = try #require(answer.range(of: #"likely \(10th to 90th percentile\) ([0-9,]+)-([0-9,]+) images/s"#,
                                               options: .regularExpression))
        let bounds = answer[range].split(separator: " ")[5].split(separator: "-").map { Double($0.replacingOccurrences(of: ",", with: ""))! }
        let rate = try #require(answer.range(of: #"\*\*[0-9,]+ images/s\*\*"#, options: .regularExpression))
        let point = Double(answer[rate].dropFirst(2).split(separator: " ")[0].replacingOccurrences(of: ",", with: ""))!
        #expect(bounds[0] < point && point < bounds[1], "\(bounds) around \(point)")
        #expect(answer.contains(" and costs $"))
        // Both ends of the cost range to the cents when one is under $100 (an audit read "$72.50 to $125").
        #expect(answer.range(of: #" and costs \$[0-9]{2}\.[0-9]{2} to \$[0-9,]+\.[0-9]{2}"#, options: .regularExpression) != nil, "\(answer)")
        // Every configuration's time and cost to train, beside its speed, in the Results table.
        let table = try #require(text.components(separatedBy: "## Results\n\n").last).split(separator: "\n")
        #expect(table[0].hasSuffix("| fits | to train | cost ($) |"), "\(table[0])")
        let rows = table.dropFirst(2).prefix { $0.hasPrefix("| ") }
        #expect(!rows.isEmpty && rows.allSatisfy { row in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.count == 13 && cells[11] != "-" && Double(cells[12].replacingOccurrences(of: ",", with: "")) != nil
        }, "\(rows)")
    }

    /// Where the loader sets the pace, configurations on different GPUs train exactly as
    /// fast: the answer names the ties and why, and of them the best has the fewest GPUs.
    @Test func tiesUnderTheLoaderAreNamed() throws {
        let scenario = try writeTemporary("""
            name: ties
            model: resnet50
            batch_per_gpu: 256
            precision: bf16
            cluster: {gpu: H100-SXM5, gpus_per_node: 8, fabric: nvswitch}
            software: {profile: pytorch-ddp-dataloader, loader_images_per_second_per_node: 5000}
            gpus: [2, 8]
            runs:
              - {label: H100}
              - {label: H200, cluster: {gpu: H200-SXM, gpus_per_node: 8, fabric: nvswitch}}
            """)
        let answer = try Self.report(scenario).components(separatedBy: "\n\n")[1]
        // Two and eight GPUs of one node share its 5,000 images/s: of the equally fast, the fewest GPUs are named.
        #expect(answer.contains("The fastest configuration simulated is **H100 · 2 GPUs, data (nccl-auto, 25 MB buckets)**: **5,000 images/s**"),
                "\(answer)")
        #expect(answer.contains("3 other configurations train exactly as fast (**H100 · 8 GPUs, data (nccl-auto, 25 MB buckets)**, "
                                + "**H200 · 2 GPUs, data (nccl-auto, 25 MB buckets)**, **H200 · 8 GPUs, data (nccl-auto, 25 MB buckets)**): "
                                + "the CPU loaders set the pace, so neither the GPUs nor the network decide between them"), "\(answer)")
        #expect(answer.contains("The range may exceed the loader's rate: that rate is modelled too, and the corpus's errors include it."))
    }

    /// Where the epochs depend on the global batch, the most images/s is not the soonest trained: the
    /// answer (and the JSON's best) is the configuration that trains soonest, and it names the one with
    /// more images/s and why it trains later (an audit found the report naming the slower to train).
    @Test func theAnswerIsTheConfigurationThatTrainsSoonest() throws {
        let scenario = try writeTemporary("""
            name: soonest
            model: resnet50
            batch_per_gpu: 256
            precision: bf16
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}
            training: {images: 1281167, epochs: {4096: 30, 16384: 90}}
            gpus: [64]
            runs:
              - {label: uncapped}
              - {label: capped, max_global_batch: 4096}
            """)
        let answer = try Self.report(scenario).components(separatedBy: "\n\n")[1]
        #expect(answer.contains("The configuration simulated that trains soonest is **capped · 64 GPUs"), "\(answer)")
        #expect(answer.contains("the scenario's training (30 epochs of 1,281,167 images) takes **"), "\(answer)")
        #expect(answer.range(of: #"\*\*uncapped · 64 GPUs, [^*]+\*\* runs more images a second \([0-9,]+\), but its global batch of "#
                             + #"16,384 images trains 90 epochs, so it takes [0-9]+ minutes to train\."#, options: .regularExpression) != nil,
                "\(answer)")
        let json = CLI.execute(["report", scenario, "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((document["best"] as? [String: Any])?["label"] as? String == "capped · 64 GPUs, data (nccl-auto, 25 MB buckets)")
        // Without a goal, images/s ranks them.
        let untimed = try writeTemporary(try String(contentsOfFile: scenario, encoding: .utf8)
            .replacingOccurrences(of: "training: {images: 1281167, epochs: {4096: 30, 16384: 90}}\n", with: ""))
        let plain = CLI.execute(["report", untimed, "--json"])
        let best = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])["best"] as? [String: Any]
        #expect(best?["label"] as? String == "uncapped · 64 GPUs, data (nccl-auto, 25 MB buckets)")
    }

    /// The report gives each offer's price basis and the cautions plan gives on prices seen years
    /// apart (an audit found them in plan's output only): the A100's servers priced with 2020-2022
    /// figures beside GPUs of 2024-2025, and in the cloud an AWS offer of 2022 beside Lambda's of 2026.
    @Test func theReportGivesThePriceBasesAndTheirAgeCautions() throws {
        let scenario = "scenarios/examples/buy-h100-or-a100.yaml"
        func results(_ path: String) throws -> String { try #require(try Self.report(path).components(separatedBy: "## Results\n\n").last) }
        let owned = try results(scenario)
        #expect(owned.contains("\n- H100: owned, 4-year life, as priced for 16 GPUs: $") && owned.contains("\n- A100: owned, 4-year life, as priced for 16 GPUs: $"),
                "\(owned)")
        #expect(owned.contains("\n**Caution:** An owned cluster's bill prices parts with figures seen more than two years apart "
                               + "(A100 on A100-SXM4-80GB: GPUs seen mid-2024 to 2025-03, servers seen 2020-05 to 2022-01)"), "\(owned)")
        // The JSON carries the same cautions.
        let json = CLI.execute(["report", scenario, "--json"])
        let cautions = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])["price_cautions"] as? [String]
        #expect(cautions?.count == 1 && cautions?.first?.hasPrefix("An owned cluster's bill prices parts") == true, "\(String(describing: cautions))")
        let cloud = try results(try writeTemporary(try String(contentsOfFile: scenario, encoding: .utf8)
            .replacingOccurrences(of: #"pricing: \{mode: owned[^}]*\}"#, with: "pricing: {mode: cloud}", options: .regularExpression)))
        #expect(cloud.contains("\n- A100: AWS p4de.24xlarge, as priced for 16 GPUs: $5.12 per GPU-hour"), "\(cloud)")
        #expect(cloud.contains("\n**Caution:** The prices compared were seen more than two years apart (the oldest: 2022-08, AWS p4de.24xlarge (A100-SXM4-80GB); the newest: 2026-Q1, "),
                "\(cloud)")
    }

    /// Of equally fast configurations the answer is the cheaper to train: renting the same 8
    /// GPUs for less than a third-busy owned cluster costs (a walkthrough's answer was the dearer).
    @Test func anEquallyFastAnswerIsTheCheaper() throws {
        let scenario = try writeTemporary("""
            name: buy or rent
            model: resnet50
            batch_per_gpu: 256
            precision: bf16
            cluster: {gpu: H100, gpus_per_node: 8, fabric: nvswitch}
            training: {images: 1281167, epochs: 90}
            pricing: {mode: owned, lifetime_years: 4, power_usd_per_kwh: 0.12, pue: 1.3, utilization: 0.3}
            gpus: [8]
            runs:
              - {label: Buy}
              - {label: Rent, pricing: {mode: cloud}}
            """)
        let out = CLI.execute(["report", scenario, "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let results = try #require(document["results"] as? [[String: Any]])
        let costs = Dictionary(uniqueKeysWithValues: results.map { ($0["run"] as? String ?? "", $0["cost_usd"] as? Double ?? 0) })
        #expect(try #require(costs["Rent"]) < (try #require(costs["Buy"])), "\(costs)")
        #expect((document["best"] as? [String: Any])?["run"] as? String == "Rent")
    }

    /// The answer ranks the configurations that fit; where a faster one does not fit, it says
    /// the one it names is the fastest that fits, not the fastest simulated.
    @Test func aFasterConfigurationThatDoesNotFitIsNotHidden() throws {
        let scenario = try writeTemporary("""
            name: fits
            model: resnet50
            precision: fp32
            cluster: {gpu: V100-SXM2-16GB, gpus_per_node: 8}
            gpus: [8]
            runs:
              - {label: big, batch_per_gpu: 256}
              - {label: small, batch_per_gpu: 8}
            """)
        let answer = try Self.report(scenario).components(separatedBy: "\n\n")[1]
        #expect(answer.contains("The fastest configuration simulated that fits in GPU memory is **small · 8 GPUs"), "\(answer)")
    }

    /// A caution on a GPU other than the best's is not lost: the report lists it under the
    /// Results, once.
    @Test func cautionsOnTheOtherConfigurationsGPUsAreListed() throws {
        let scenario = try writeTemporary("""
            name: two boards
            model: resnet50
            batch_per_gpu: 128
            precision: bf16
            cluster: {gpu: H100-SXM5, gpus_per_node: 8, fabric: nvswitch}
            gpus: [1, 8]
            runs:
              - {label: H100}
              - {label: L40S, cluster: {gpu: L40S, gpus_per_node: 8, fabric: pcie-tree}}
            """)
        let text = try Self.report(scenario)
        let section = try #require(text.components(separatedBy: "**Cautions on the other configurations' GPUs:**\n\n").dropFirst().first)
        let items = section.split(separator: "\n").prefix { $0.hasPrefix("- ") }
        #expect(items.count == 1 && items[0].contains("the L40S in fp16+bf16"), "\(items)")
    }

    /// Where the profile feeds images already in GPU memory, the answer says what decoding
    /// them on CPUs would take per node (at a DataLoader worker's measured rate, 278
    /// images/s per core); where a loader is modelled, it says nothing of the kind.
    @Test func theAnswerSaysWhatTheInputPipelineWouldTake() throws {
        func answer(_ software: String) throws -> String {
            let scenario = try writeTemporary("""
                name: input
                model: resnet50
                batch_per_gpu: 256
                precision: bf16
                cluster: {gpu: A100, gpus_per_node: 8}
                gpus: [8]
                """ + software)
            return try Self.report(scenario).components(separatedBy: "\n\n")[1]
        }
        let synthetic = try answer("")
        let said = try #require(synthetic.range(of: #"decoding and augmenting ([0-9,]+) images/s per node on CPUs, as PyTorch's DataLoader does "#
                                                + #"at about 278 images/s per core \(a measured node rate over its worker processes\), would take about ([0-9,]+) cores per node "#
                                                + #"\(([0-9,]+) with AutoAugment, 0.68 ms more per image\)"#,
                                                options: .regularExpression), "\(synthetic)")
        let numbers = synthetic[said].split(separator: " ").compactMap { Int($0.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "(", with: "")) }
        #expect(numbers.count == 4 && numbers[2] == Int((Double(numbers[0]) / 278).rounded(.up)), "\(numbers)")
        // AutoAugment: 1 / (1/278 + 0.00068) = 234 images/s per core.
        #expect(numbers[3] == Int((Double(numbers[0]) / (1 / (1 / 278.0 + 0.68e-3))).rounded(.up)), "\(numbers)")
        // The run is pytorch-ddp (the default): the advice keeps its GPU side.
        #expect(synthetic.contains("`software: {profile: pytorch-ddp-dataloader}` prices that pipeline with the same GPU side"), "\(synthetic)")
        #expect(!synthetic.contains("runs its framework's own"), "\(synthetic)")
        // Another framework's profile: the DataLoader's rate is said to be the one measured, not that framework's.
        let tensorflow = try answer("\nsoftware: tensorflow-1")
        #expect(tensorflow.contains("(a measured node rate over its worker processes; the one CPU pipeline ScaleCast has a measured rate "
                                    + "for: profile 'tensorflow-1' runs its framework's own, whose rate may differ)"), "\(tensorflow)")
        #expect(!(try answer("\nsoftware: {profile: torchvision-dataloader}")).contains("already in GPU memory"))
        #expect(!(try answer("\nsoftware: {profile: pytorch-ddp-dataloader}")).contains("already in GPU memory"))
    }

    /// The report explains the fastest configuration's "fits": its memory part by part,
    /// the parts adding up to the total it states.
    @Test func theReportBreaksDownTheFastestConfigurationsMemory() throws {
        let text = try Self.report("scenarios/default.yaml")
        let section = try #require(text.components(separatedBy: "\n## ").first { $0.hasPrefix("Memory per GPU of the fastest configuration") })
        let stated = try #require(section.range(of: #"[0-9.]+ GiB of the A100-SXM4-80GB's 80.0 GiB: it fits"#, options: .regularExpression))
        let total = try #require(Double(section[stated].split(separator: " ")[0]))
        let parts = section.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| part") }
        #expect(parts.contains { $0.hasPrefix("| activations kept for backward |") })
        let sum = parts.compactMap { Double($0.split(separator: "|").last!.trimmingCharacters(in: .whitespaces)) }.reduce(0, +)
        #expect(abs(sum - total) <= 0.05 + 0.005 * Double(parts.count), "\(parts) against \(total)")
        // Then how close the model has come on that GPU (bf16: the fp16+bf16 group).
        let evidence = try #require(text.components(separatedBy: "\n## ").first { $0.hasPrefix("Published evidence on this GPU") })
        #expect(evidence.contains("one-GPU measurements on the A100-SXM4-80GB in fp16+bf16"), "\(evidence)")
    }

    /// simulate adds time and cost to train for runs that state them, and only for those.
    @Test func simulateShowsTimeAndCostToTrain() throws {
        let priced = CLI.execute(["simulate", "scenarios/whatif/resnet50-deadline.yaml"])
        #expect(priced.exitCode == 0)
        let header = try #require(priced.stdout.split(separator: "\n").first { $0.hasPrefix("GPUs") })
        #expect(header.hasSuffix("to train  cost $  $/GPU-h"))
        // Durations as plan writes them: the 64-GPU configuration trains in minutes, not "0.2" hours.
        let row64 = try #require(priced.stdout.split(separator: "\n").first { $0.hasPrefix("  64 ") || $0.hasPrefix("64 ") })
        #expect(row64.contains(" min "), "\(row64)")
        // Each offer's basis once, as priced for the largest configuration that takes it.
        #expect(priced.stdout.contains("price basis: AWS p4d.24xlarge, as priced for 64 GPUs: $4.10 per GPU-hour"), "\(priced.stdout)")
        // A configuration that leaves part of an instance idle pays more per GPU-hour, on a line of its own.
        let one = CLI.execute(["simulate", "scenarios/whatif/resnet50-deadline.yaml", "--gpus", "1,8"])
        #expect(one.stdout.contains("\nprice basis: AWS p4d.24xlarge, at 1 GPU: $32.77 per GPU-hour, rented whole: 1 instance of 8 GPUs "
                                    + "for the run's 1\n"), "\(one.stdout)")
        #expect(!priced.stdout.contains("rented whole"))
        // One figure of epochs at several global batches is said, as plan says it.
        #expect(priced.stdout.contains("\nthe times to train take training.epochs (90) at every global batch (2,048 to 16,384 images a step); "
                                       + "a recipe may need more at the larger ones"), "\(priced.stdout)")
        #expect(!CLI.execute(["simulate", "scenarios/whatif/resnet50-deadline.yaml", "--gpus", "8"]).stdout.contains("at every global batch"))
        let plain = CLI.execute(["simulate", "scenarios/paper/one-weird-trick.yaml"])
        #expect(!plain.stdout.contains("to train"))
        // The JSON carries them too, null where the run states no goal.
        let json = CLI.execute(["simulate", "scenarios/whatif/resnet50-deadline.yaml", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let row = try #require((document["results"] as? [[String: Any]])?.first)
        let seconds = try #require(row["time_to_train_seconds"] as? Double), rate = try #require(row["images_per_second"] as? Double)
        #expect(abs(seconds - 90 * 1_281_167 / rate) / seconds < 1e-12)
        #expect((row["cost_usd"] as? Double ?? 0) > 0)
        let plainJSON = CLI.execute(["simulate", "scenarios/default.yaml", "--json"])
        let plainRow = try #require(((try JSONSerialization.jsonObject(with: Data(plainJSON.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])?.first)
        #expect(plainRow["time_to_train_seconds"] is NSNull && plainRow["cost_usd"] is NSNull)
    }

    /// A label's line break would split its row of the Results table and its `|` end its
    /// cell, and a description's escape sequence would reach whoever prints report.md: the
    /// break and the escape are written as escapes, the bar as Markdown escapes it. simulate's
    /// heading keeps the label on its line too.
    @Test func reportTextCannotBreakItsTableOrTheTerminal() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-report-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
            description: "Ask \\e[31mfinance\\nbefore buying."
            label: "fast\\nrun | cheap"
            model: alexnet-owt
            batch_per_gpu: 64
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [1, 2]
            """.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let result = CLI.execute(["report", dir + "/s.yaml", "--out", dir + "/out"])
        #expect(result.exitCode == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: dir + "/out/report.md", encoding: .utf8)
        #expect(!text.unicodeScalars.contains("\u{1B}"))
        #expect(text.contains("Ask \\u{1B}[31mfinance\nbefore buying."), "\(text)")
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| fast") }
        #expect(rows.count == 2 && rows.allSatisfy { $0.hasPrefix("| fast\\nrun \\| cheap · ") }, "\(rows)")
        let simulate = CLI.execute(["simulate", dir + "/s.yaml"])
        #expect(simulate.stdout.contains("\nfast\\nrun | cheap: alexnet-owt on "), "\(simulate.stdout)")
    }
}
