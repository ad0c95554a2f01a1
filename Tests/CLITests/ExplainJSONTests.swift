import Foundation
import Testing
@testable import ScaleCastCLI
import Scenario

/// `scalecast explain --json`: its keys, its kernels, its determinism.
@Suite struct ExplainJSONTests {
    /// Writes `yaml` to a fresh temporary scenario file and returns its path.
    func write(_ yaml: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-explain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("s.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func scenario(_ software: String) throws -> String {
        try write("""
            name: explain-json
            model: alexnet-owt
            batch_per_gpu: 64
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [2]
            runs:
              - {label: plain, software: ideal}
              - {label: library, software: \(software)}
            """)
    }

    /// Where waits priced after the simulation stretch the step (Table 1's periodic test and input copies), the bottleneck
    /// sentence gives the busiest link's figures over the simulated part, as the resources table does: it said "over the step".
    @Test func theBottleneckSaysItsLinkFiguresAreOverTheSimulatedPart() throws {
        let output = CLI.execute(["explain", "scenarios/paper/one-weird-trick.yaml", "--gpus", "8", "--run", "exact (128K, 128K)"])
        #expect(output.exitCode == 0, "\(output.stderr)")
        let bottleneck = try #require(output.stdout.components(separatedBy: "\n\n").first { $0.hasPrefix("The GPUs compute") })
        // "... over the simulated 94% of the step ... Periodic work (...) takes 6% of the step."
        func percent(after phrase: String) throws -> Int {
            let tail = try #require(bottleneck.components(separatedBy: phrase).dropFirst().first, "no '\(phrase)' in \(bottleneck)")
            return try #require(Int(tail.prefix { $0.isNumber }))
        }
        let simulated = try percent(after: "of its bandwidth over the simulated ")
        let periodic = try percent(after: "Periodic work (input copies, evaluation and checkpoints) takes ")
        #expect(abs(simulated + periodic - 100) <= 1, "\(bottleneck)")
        #expect(!bottleneck.contains("bandwidth over the step"), "\(bottleneck)")
    }

    /// A hybrid under cuda-convnet2 that asks for aggregated fidelity runs aggregated, its copy
    /// networks' exchanges replayed, and both the text's "Simulation:" line and the JSON's
    /// `simulation` say so.
    @Test func aRunWhoseCopiesAreReplayedSaysSoInTextAndJSON() throws {
        let path = try write("""
            model: alexnet-owt-cc2
            batch_per_gpu: 32
            cluster: {gpu: K20, gpus_per_node: 4, fabric: pcie-tree}
            strategy: {kind: hybrid, scheme: b, variant: exact, allreduce: direct, bucket_mb: layer}
            software: cuda-convnet2
            simulation: {fidelity: aggregated}
            gpus: [4]
            """)
        let said = "aggregated (cuda-convnet2's copy networks, the program's own copies: each exchange simulated once"
        let text = CLI.execute(["explain", path, "--gpus", "4"])
        #expect(text.exitCode == 0 && text.stdout.contains("\nSimulation: " + said), "\(text.stderr)")
        let json = CLI.execute(["explain", path, "--gpus", "4", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let runs = try #require(document["runs"] as? [[String: Any]])
        #expect((runs.first?["simulation"] as? String)?.hasPrefix(said) == true, "\(runs.first?["simulation"] ?? "none")")
    }

    @Test func theDocumentHasItsKeysAndKernelsOnlyWithALibrary() throws {
        let path = try scenario("{profile: ideal, kernel_library: cudnn-7}")
        let out = CLI.execute(["explain", path, "--gpus", "2", "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(document["schema_version"] as? Int == 1 && document["gpus"] as? Int == 2)
        let runs = try #require(document["runs"] as? [[String: Any]])
        #expect(runs.count == 2)
        let keys: Set<String> = ["label", "software", "simulation", "step_seconds", "images_per_second", "compute_seconds",
                                 "exposed_communication_seconds", "idle_seconds", "input_wait_seconds", "straggler_wait_seconds",
                                 "loader_cores_per_gpu_needed", "bottleneck", "layers", "communication", "collectives", "resources", "memory",
                                 "kernels", "mechanisms", "interference", "network", "evidence"]
        for run in runs { #expect(Set(run.keys) == keys) }
        // Two GPUs of one node, data parallel: expanded, as the text (which prints no line for it) has it.
        #expect(runs.allSatisfy { $0["simulation"] as? String == "expanded" })
        // Neither profile has schedule mechanisms or interference, and one node has no network: an empty
        // list and nulls, not missing keys.
        for run in runs {
            #expect((run["mechanisms"] as? [Any])?.isEmpty == true && run["interference"] is NSNull && run["network"] is NSNull)
        }
        #expect((runs[0]["kernels"] as? [Any])?.isEmpty == true)
        let kernels = try #require(runs[1]["kernels"] as? [[String: Any]])
        #expect(kernels.count == 5)   // AlexNet's five convolutions
        // The first convolution has no data gradient: null, not a missing key.
        #expect(kernels[0]["backward_data"] is NSNull)
        #expect(kernels[1]["backward_data"] as? String != nil)
        // The per-layer times add up to the compute the breakdown reports (within rounding to ns).
        let layers = try #require(runs[0]["layers"] as? [[String: Any]])
        let sum = layers.reduce(0.0) { $0 + ($1["forward_seconds"] as! Double) + ($1["backward_seconds"] as! Double) }
        #expect(sum > 0 && sum <= (runs[0]["compute_seconds"] as! Double) * 1.01)
        // The same scenario gives the same bytes.
        #expect(CLI.execute(["explain", path, "--gpus", "2", "--json"]).stdout == out.stdout)
        // Two GPUs list their all-reduces; one GPU communicates nothing and lists none.
        #expect((runs[0]["collectives"] as? [Any])?.isEmpty == false)
        let one = try #require(try JSONSerialization.jsonObject(with: Data(CLI.execute(["explain", path, "--gpus", "1", "--json"]).stdout.utf8))
                               as? [String: Any])
        for run in try #require(one["runs"] as? [[String: Any]]) {
            #expect((run["collectives"] as? [Any])?.isEmpty == true && (run["communication"] as? [Any])?.isEmpty == true)
        }
    }

    /// `memory` lists the footprint's parts, which add up to the total `simulate` reports
    /// for the same configuration; DDP's buckets appear where the profile copies gradients
    /// into them, and a run too big for its board says so in the text.
    @Test func memoryAddsUpToWhatSimulateReports() throws {
        let path = try scenario("pytorch-ddp")
        let out = CLI.execute(["explain", path, "--gpus", "2", "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let runs = try #require(document["runs"] as? [[String: Any]])
        let simulated = CLI.execute(["simulate", path, "--gpus", "2", "--json"])
        let results = try #require(try JSONSerialization.jsonObject(with: Data(simulated.stdout.utf8)) as? [String: Any])
        let rows = try #require(results["results"] as? [[String: Any]])
        #expect(rows.count == runs.count)
        for (run, row) in zip(runs, rows) {
            let memory = try #require(run["memory"] as? [String: Any])
            let parts = ["weight_state_bytes", "activation_bytes", "gradient_bucket_bytes", "autocast_copy_bytes", "workspace_bytes",
                         "reserved_bytes"]
            let sum = try parts.reduce(0.0) { $0 + (try #require(memory[$1] as? Double)) }
            let total = try #require(memory["total_bytes"] as? Double)
            #expect(abs(sum - total) <= 1e-6 * total)
            #expect(Double(try #require(row["peak_memory_bytes_per_gpu"] as? Int)) == total.rounded(.up))
            #expect(memory["fits"] as? Bool == true && memory["gpu_memory_bytes"] as? Double == row["gpu_memory_bytes"] as? Double)
            // The run accumulates nothing: one micro-batch a step, the global batch 64 x 2.
            #expect(row["accumulation_steps"] as? Int == 1 && row["global_batch"] as? Int == 128)
        }
        // AlexNet's 61,100,840 gradients in fp32 buckets under pytorch-ddp; none under ideal.
        func buckets(_ run: [String: Any]) throws -> Double {
            try #require((run["memory"] as? [String: Any])?["gradient_bucket_bytes"] as? Double)
        }
        #expect(try buckets(runs[0]) == 0)
        #expect(try buckets(runs[1]) == 61_100_840.0 * 4)
        let big = try write("""
            name: too-big
            model: vgg16
            batch_per_gpu: 512
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [2]
            """)
        let text = CLI.execute(["explain", big, "--gpus", "2"])
        #expect(text.stdout.contains("does NOT fit") && text.stdout.contains("activations kept for backward"), "\(text.stdout)\(text.stderr)")
    }

    /// The JSON carries the record's lean as the text says it: the H200 with AMP, whose one
    /// measurement ran a third below the prediction, points to fewer images/s; null otherwise.
    @Test func theEvidenceSaysWhichWayTheRecordLeans() throws {
        func evidence(_ gpu: String, _ precision: String) throws -> [String: Any] {
            let path = try write("name: lean\nmodel: resnet50\nbatch_per_gpu: 64\nprecision: \(precision)\n"
                                 + "cluster: {gpu: \(gpu), gpus_per_node: 8}\ngpus: [1]\n")
            let out = CLI.execute(["explain", path, "--json"])
            #expect(out.exitCode == 0, "\(out.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            let run = try #require((document["runs"] as? [[String: Any]])?.first)
            return try #require(run["evidence"] as? [String: Any])
        }
        let h200 = try evidence("H200", "bf16")
        #expect((h200["lean"] as? String)?.contains("expect fewer images/s than predicted") == true, "\(String(describing: h200["lean"]))")
        #expect(h200["caution"] is NSNull)
        #expect(try evidence("V100-SXM2-16GB", "fp32")["lean"] is NSNull)
    }

    /// The evidence is the built-in corpus's 1-GPU points on the run's GPU in its
    /// precision group, each error predicted / published - 1; the text says the same, and
    /// for a GPU the corpus has never measured says so.
    @Test func evidenceIsTheCorpusRecordOnTheRunsGPU() throws {
        let path = try scenario("pytorch-ddp")
        let out = CLI.execute(["explain", path, "--gpus", "2", "--run", "plain", "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let run = try #require((document["runs"] as? [[String: Any]])?.first)
        let evidence = try #require(run["evidence"] as? [String: Any])
        #expect(evidence["gpu"] as? String == "V100-SXM2-16GB" && evidence["precision_group"] as? String == "fp32")
        #expect(evidence["model"] as? String == "alexnet-owt")
        let points = try #require(evidence["points"] as? [[String: Any]])
        #expect(points.count >= 2, "the corpus has V100 16 GB fp32 points (DeepLearningExamples' DGX-1 tables)")
        var magnitudes: [Double] = []
        for p in points {
            let published = try #require(p["published_images_per_second"] as? Double)
            let predicted = try #require(p["predicted_images_per_second"] as? Double)
            let error = try #require(p["relative_error"] as? Double)
            #expect(abs(error - (predicted / published - 1)) < 1e-12)
            #expect(p["gpu"] as? String == "V100-SXM2-16GB")
            magnitudes.append(abs(error))
        }
        let median = try #require(evidence["median_abs_error"] as? Double)
        #expect(abs(median - PublishedValidation.median(magnitudes)!) < 1e-12)
        #expect(try #require(evidence["corpus_points"] as? Int) > points.count)
        // At 2 GPUs, the corpus's speedups on the board at 1 to 4 GPUs (DeepLearningExamples' DGX-1 MXNet table has 2 and 4).
        #expect(evidence["gpus"] as? Int == 2)
        let speedups = try #require(evidence["speedups"] as? [[String: Any]])
        #expect(!speedups.isEmpty)
        for p in speedups {
            let gpus = try #require(p["gpus"] as? Int)
            #expect((2...4).contains(gpus))
            let published = try #require(p["published_speedup"] as? Double), predicted = try #require(p["predicted_speedup"] as? Double)
            #expect(abs(try #require(p["relative_error"] as? Double) - (predicted / published - 1)) < 1e-12)
        }
        #expect(evidence["speedup_median_abs_error"] as? Double != nil)

        let text = CLI.execute(["explain", path, "--gpus", "2", "--run", "plain"]).stdout
        #expect(text.contains("\(points.count) one-GPU measurements on the V100-SXM2-16GB in fp32"), "\(text)")
        let unmeasured = try write("""
            name: unmeasured
            model: resnet50
            batch_per_gpu: 64
            precision: bf16
            cluster: {gpu: L4, gpus_per_node: 1, fabric: pcie-tree}
            gpus: [1]
            """)
        let none = CLI.execute(["explain", unmeasured, "--gpus", "1"])
        #expect(none.stdout.contains("none of the corpus's") && none.stdout.contains("on the L4 in fp16+bf16"), "\(none.stdout)\(none.stderr)")
        // An H100 NVL, which the corpus has not measured either, gets its Hopper siblings' record.
        let sibling = try write("""
            name: hopper sibling
            model: resnet50
            batch_per_gpu: 256
            precision: bf16
            cluster: {gpu: H100-NVL, gpus_per_node: 1, fabric: pcie-tree}
            gpus: [1]
            """)
        let json = CLI.execute(["explain", sibling, "--gpus", "1", "--json"])
        let siblingRun = try #require(((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["runs"]
                                        as? [[String: Any]])?.first)
        let hopper = try #require(siblingRun["evidence"] as? [String: Any])
        #expect(hopper["architecture"] as? String == "Hopper" && (hopper["points"] as? [Any])?.isEmpty == true)
        let siblings = try #require(hopper["architecture_points"] as? [[String: Any]])
        #expect(!siblings.isEmpty)
        for p in siblings {
            #expect(["H100-SXM5", "H100-PCIe", "H200-SXM"].contains(p["gpu"] as? String ?? ""), "\(p)")
            let published = try #require(p["published_images_per_second"] as? Double)
            let predicted = try #require(p["predicted_images_per_second"] as? Double)
            #expect(abs(try #require(p["relative_error"] as? Double) - (predicted / published - 1)) < 1e-12)
        }
        #expect(hopper["architecture_median_abs_error"] as? Double != nil)
        #expect(CLI.execute(["explain", sibling, "--gpus", "1"]).stdout.contains("one-GPU measurements on other Hopper GPUs in fp16+bf16"))
    }

    /// A run across nodes describes its network: a rail-optimized one with its rails'
    /// cross-rail route and the scenario's GPU-NIC affinity, a torus with its dimensions,
    /// and a plain switch with nulls for what it does not have.
    @Test func aRunAcrossNodesDescribesItsNetwork() throws {
        let path = try write("""
            name: explain-network
            model: alexnet-owt
            batch_per_gpu: 64
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}
            gpus: [16]
            runs:
              - {label: switch}
              - label: rails
                cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch,
                          network: {link: ib-hdr, nics_per_node: 4, topology: rail-optimized, nodes_per_leaf: 2, oversubscription: 2,
                                    gpu_nic: [3, 3, 2, 2, 1, 1, 0, 0]}}
              - label: torus
                cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch,
                          network: {link: ib-hdr, nics_per_node: 1, topology: torus, dimensions: [2, 1]}}
            """)
        let out = CLI.execute(["explain", path, "--gpus", "16", "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let networks = try #require(document["runs"] as? [[String: Any]]).map { $0["network"] as? [String: Any] }
        let plain = try #require(networks[0]), rails = try #require(networks[1]), torus = try #require(networks[2])
        #expect(plain["topology"] as? String == "leaf-spine" && plain["link"] as? String == "ib-hdr" && plain["nics_per_node"] as? Int == 8)
        #expect(plain["nodes_per_leaf"] is NSNull && plain["cross_rail"] is NSNull && plain["dimensions"] is NSNull)
        #expect(plain["gpu_nic"] as? [Int] == Array(0..<8) && plain["oversubscription"] as? Double == 1)
        #expect(rails["topology"] as? String == "rail-optimized" && rails["cross_rail"] as? String == "pxn")
        #expect(rails["nodes_per_leaf"] as? Int == 2 && rails["oversubscription"] as? Double == 2)
        #expect(rails["gpu_nic"] as? [Int] == [3, 3, 2, 2, 1, 1, 0, 0] && (rails["summary"] as? String)?.contains("(scenario)") == true)
        #expect(torus["topology"] as? String == "torus" && torus["dimensions"] as? [Int] == [2, 1])
    }

    /// Under nccl-auto each bucket names the algorithm and protocol NCCL's tuning chose
    /// and NCCL's estimate, in the JSON and in the text: on two nodes, ResNet-50's
    /// per-layer buckets go small (batch norms: tree with LL) to large (ring).
    @Test func ncclChoicesArePerBucket() throws {
        let path = try write("""
            name: nccl
            model: resnet50
            batch_per_gpu: 32
            cluster: {gpu: A100, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}
            strategy: {kind: data, bucket_mb: layer}
            software: {profile: ideal, collective: nccl-auto}
            simulation: {fidelity: aggregated}
            gpus: [16]
            """)
        let out = CLI.execute(["explain", path, "--gpus", "16", "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let run = try #require((document["runs"] as? [[String: Any]])?.first)
        let collectives = try #require(run["collectives"] as? [[String: Any]])
        #expect(collectives.count == 107)   // ResNet-50: 53 convolutions, 53 batch norms, 1 FC, a bucket each
        for c in collectives {
            #expect(c["algorithm"] as? String == "nccl-auto")
            #expect(["tree", "ring"].contains(c["nccl_algorithm"] as? String))
            #expect(["LL", "LL128", "Simple"].contains(c["nccl_protocol"] as? String))
            #expect((c["nccl_estimate_seconds"] as? Double ?? 0) > 0 && (c["simulated_seconds"] as? Double ?? 0) > 0)
            // What NCCL passed over: the other algorithm, estimated no faster than the one chosen.
            let passed = try #require(c["nccl_passed_over"] as? [String: Any])
            #expect(["tree", "ring"].contains(passed["nccl_algorithm"] as? String) && passed["nccl_algorithm"] as? String != c["nccl_algorithm"] as? String)
            #expect((passed["nccl_estimate_seconds"] as? Double ?? 0) >= (c["nccl_estimate_seconds"] as? Double ?? .infinity))
        }
        let choices = Set(collectives.map { "\($0["nccl_algorithm"]!)/\($0["nccl_protocol"]!)" })
        #expect(choices.contains("tree/LL") && choices.contains { $0.hasPrefix("ring/") }, "\(choices)")
        let text = CLI.execute(["explain", path, "--gpus", "16"]).stdout
        #expect(text.contains("Gradient all-reduces as NCCL runs them") && text.contains("tree       LL "))
        // What NCCL passed over, beside each choice: the other algorithm and NCCL's estimate of it, above the chosen one's.
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("passed over (NCCL's estimate ms)") }, "\(text)")
        let rows = lines.filter { $0.range(of: #"^bucket \d"#, options: .regularExpression) != nil }
        #expect(rows.count == 107 && rows.allSatisfy { row in
            let cells = row.split(separator: " ", omittingEmptySubsequences: true)
            guard cells.count == 10, let chosen = Double(cells[5]), let other = Double(cells[9]) else { return false }
            return cells[3] != cells[7] && other >= chosen
        }, "\(rows.prefix(3))")
        #expect(text.contains("`allreduce: nccl-ring` or `nccl-tree` pins one (as NCCL_ALGO does)"))
        // Pinned, NCCL chooses no algorithm: nothing was passed over.
        let pinned = CLI.execute(["explain", try write(try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "collective: nccl-auto", with: "collective: nccl-ring")), "--gpus", "16"]).stdout
        #expect(pinned.contains("Gradient all-reduces as NCCL runs them") && !pinned.contains("passed over"), "\(pinned)")
    }

    /// 64 GPUs of `model` on 25 GbE, one NIC per node of eight A100s, priced by closed forms
    /// (aggregated fidelity): the scenario's path, and the one run of its `explain --json`.
    func aggregatedRun(model: String, batch: Int, precision: String) throws -> (path: String, run: [String: Any]) {
        let path = try write("""
            name: aggregated
            model: \(model)
            batch_per_gpu: \(batch)
            precision: \(precision)
            cluster: {gpu: A100, gpus_per_node: 8, fabric: nvswitch, network: {link: eth-25g, nics_per_node: 1}}
            strategy: {kind: data, allreduce: ring, bucket_mb: 25}
            simulation: {fidelity: aggregated}
            gpus: [64]
            """)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(CLI.execute(["explain", path, "--json"]).stdout.utf8)) as? [String: Any])
        return (path, try #require((document["runs"] as? [[String: Any]])?.first))
    }

    /// Under aggregated fidelity no link carries a transfer; a step that waits on its
    /// collectives still names communication as the bottleneck.
    @Test func aggregatedCommunicationIsStillTheBottleneck() throws {
        let run = try aggregatedRun(model: "vgg16", batch: 32, precision: "fp16").run
        let exposed = try #require(run["exposed_communication_seconds"] as? Double), step = try #require(run["step_seconds"] as? Double)
        #expect(exposed / step > 0.5)
        let sentence = try #require(run["bottleneck"] as? String)
        #expect(sentence.contains("communication is the bottleneck") && !sentence.contains("nothing is communicated"))
    }

    /// Under aggregated fidelity a step that waits on its collectives for a small share
    /// (5% or more, less than its compute) says how long it waits without calling
    /// communication the bottleneck; the sentence's compute share is the header's compute
    /// over its step; and the communication table says it counts each collective's message once.
    @Test func aggregatedComputeBoundStepIsNotCalledCommunicationBound() throws {
        let (path, run) = try aggregatedRun(model: "resnet50", batch: 256, precision: "bf16")
        let step = try #require(run["step_seconds"] as? Double)
        let compute = try #require(run["compute_seconds"] as? Double), exposed = try #require(run["exposed_communication_seconds"] as? Double)
        #expect(exposed / step >= 0.05 && compute > exposed, "the fixture should wait a little: compute \(compute), exposed \(exposed)")
        let sentence = try #require(run["bottleneck"] as? String)
        #expect(!sentence.contains("bottleneck") && sentence.hasPrefix("The GPUs compute \(Int((compute / step * 100).rounded()))% of the step"),
                "\(sentence)")
        let text = CLI.execute(["explain", path]).stdout
        #expect(text.contains("Communication in the step (all GPUs; a collective priced by its closed form counts its message once)"))
    }

    /// Across nodes of Hopper GPUs on NVSwitch, explain says that NCCL's NVLS-tree and CollNet are
    /// not among the algorithms ScaleCast chooses from; on one node, or on A100s, it does not.
    @Test func explainNamesTheNCCLAlgorithmsItDoesNotModel() throws {
        func scenario(_ gpu: String) throws -> String {
            try write("""
                name: nvls
                model: resnet50
                batch_per_gpu: 64
                cluster: {gpu: \(gpu), gpus_per_node: 8, fabric: nvswitch, network: {link: ib-ndr, nics_per_node: 8}}
                strategy: {kind: data, allreduce: nccl-auto}
                simulation: {fidelity: aggregated}
                gpus: [8, 16]
                """)
        }
        let hopper = try scenario("H100-SXM5"), ampere = try scenario("A100-SXM4-80GB")
        #expect(CLI.execute(["explain", hopper, "--gpus", "16"]).stdout.contains("can also run NVLS-tree across nodes"))
        #expect(!CLI.execute(["explain", hopper, "--gpus", "8"]).stdout.contains("NVLS-tree"))
        #expect(!CLI.execute(["explain", ampere, "--gpus", "16"]).stdout.contains("NVLS-tree"))
    }
}
