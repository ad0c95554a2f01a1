import Foundation
import Testing
@testable import ScaleCastCLI
@testable import Parallelism
import Hardware
import Reports
import Calibration
import Scenario

func writeTemporary(_ text: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-cli-\(UUID().uuidString).yaml")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

let smallScenario = """
    name: cli test
    model: alexnet-owt
    batch_per_gpu: 64
    precision: fp32
    cluster: {gpu: V100, gpus_per_node: 4, fabric: pcie-tree}
    strategy: {kind: data, allreduce: ring, bucket_mb: 25}
    gpus: [1, 2, 4]
    """

@Suite struct CLITests {
    /// `simulate PATH --json`'s result rows.
    func simulatedRows(_ path: String) throws -> [[String: Any]] {
        let json = CLI.execute(["simulate", path, "--json"])
        #expect(json.exitCode == 0, "\(json.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        return try #require(document["results"] as? [[String: Any]])
    }

    @Test func simulateJSONFollowsTheContract() throws {
        let path = try writeTemporary(smallScenario)
        let out = CLI.execute(["simulate", path, "--json"])
        #expect(out.exitCode == 0)
        #expect(out.stderr.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(object["scenario"] as? String == path)
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.count == 3)
        for key in ["label", "gpus", "strategy", "global_batch", "step_seconds", "images_per_second", "speedup",
                    "efficiency", "breakdown_seconds", "peak_memory_bytes_per_gpu", "fits_in_memory"] {
            #expect(results[0][key] != nil, "missing \(key)")
        }
        let breakdown = try #require(results[2]["breakdown_seconds"] as? [String: Double])
        #expect(Set(breakdown.keys) == ["compute", "exposed_communication", "idle"])
        #expect(results[0]["speedup"] as? Double == 1.0)
        #expect(results[2]["gpus"] as? Int == 4)
        #expect(results[2]["global_batch"] as? Int == 256)
        #expect(results[2]["strategy"] as? String == "data")
        #expect(results[2]["run"] is NSNull, "a scenario's only, unlabelled run has no name")
        let speedup = try #require(results[2]["speedup"] as? Double)
        let efficiency = try #require(results[2]["efficiency"] as? Double)
        #expect(abs(efficiency - speedup / 4) < 1e-12)
    }

    /// Where a run's larger GPU count trains slower than a smaller one (AlexNet from one server
    /// to two on one 100 Gb/s NIC each), simulate says so under its table, with the table's
    /// figures; a run that only gets faster (ResNet-50) gets no such line.
    @Test func moreGPUsThatTrainSlowerAreNamed() throws {
        let out = CLI.execute(["simulate", "scenarios/default.yaml"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let sections = out.stdout.components(separatedBy: "\n\n")
        let alexnet = try #require(sections.first { $0.hasPrefix("AlexNet:") }), resnet = try #require(sections.first { $0.hasPrefix("ResNet-50:") })
        #expect(!resnet.contains("more GPUs, less speed"), "\(resnet)")
        let match = try #require(alexnet.firstMatch(of: #/more GPUs, less speed: (\d+) GPUs give ([\d,]+) images/s, fewer than (\d+) \(([\d,]+)\)/#))
        // The figures are the table's rows: the larger count, the smaller rate.
        func rate(_ gpus: Substring) throws -> String {
            let row = try #require(alexnet.split(separator: "\n").first { $0.split(separator: " ").first == gpus })
            return String(row.split(separator: " ")[3])
        }
        #expect(Int(match.1)! > Int(match.3)!)
        #expect(try rate(match.1) == match.2.replacingOccurrences(of: ",", with: ""))
        #expect(try rate(match.3) == match.4.replacingOccurrences(of: ",", with: ""))
        #expect(Int(match.2.replacingOccurrences(of: ",", with: ""))! < Int(match.4.replacingOccurrences(of: ",", with: ""))!)
    }

    @Test func sameScenarioGivesByteIdenticalOutput() throws {
        let path = try writeTemporary(smallScenario)
        let a = CLI.execute(["simulate", path, "--json"])
        let b = CLI.execute(["simulate", path, "--json"])
        #expect(a == b)
        #expect(CLI.execute(["simulate", path]) == CLI.execute(["simulate", path]))
    }

    /// A scenario's own board under a built-in name keeps the built-in's short names, and,
    /// with other peaks, is shown none of the corpus's measurements of the built-in board.
    @Test func aReplacedBuiltInBoardKeepsItsNamesButNotItsEvidence() throws {
        func scenario(peaks: String) -> String {
            """
            model: resnet50
            batch_per_gpu: 64
            precision: bf16
            cluster: {gpu: h100, gpus_per_node: 8}
            gpus: [1]
            catalog:
              gpus:
                - {name: H100-SXM5, architecture: Hopper, memory_gib: 80, memory_bandwidth_gb_per_s: 3350,
                   peak_tflops: {\(peaks)}, host_link: pcie5-x16, nvlink: nvlink4, sms: 132, source: "a test"}
            """
        }
        let faster = CLI.execute(["explain", try writeTemporary(scenario(peaks: "fp32: 669, bf16: 9894"))])
        #expect(faster.exitCode == 0, "\(faster.stderr)")
        #expect(faster.stdout.contains("Caution: the scenario's catalog gives the H100-SXM5 other peaks or memory than the built-in board")
                && faster.stdout.contains("checks this prediction on the H100-SXM5 in fp16+bf16"),
                "\(faster.stdout)")
        // The figures that differ are named, the entry's and the built-in's.
        #expect(faster.stdout.contains("bf16 peak 9894.0 TFLOP/s (built in: 989.4 TFLOP/s)")
                && faster.stdout.contains("tf32 peak none (built in: 494.7 TFLOP/s)"), "\(faster.stdout)")
        #expect(!faster.stdout.contains("error +"), "a measurement of the built-in board was shown")
        let same = CLI.execute(["explain", try writeTemporary(scenario(peaks: "fp32: 66.9, tf32: 494.7, fp16: 989.4, bf16: 989.4, fp8: 1978.9"))])
        #expect(same.exitCode == 0 && !same.stdout.contains("other peaks or memory"), "\(same.stdout)")
        // Copied without its fp8 peak, a figure no run computes with, it is the same board.
        let noFP8 = CLI.execute(["explain", try writeTemporary(scenario(peaks: "fp32: 66.9, tf32: 494.7, fp16: 989.4, bf16: 989.4"))])
        #expect(noFP8.exitCode == 0 && !noFP8.stdout.contains("other peaks or memory"), "\(noFP8.stdout)")
    }

    /// An owned cluster's training that outlasts its life says so in its price basis: the
    /// cost counts the cluster bought again.
    @Test func aTrainingLongerThanTheClustersLifeSaysSo() throws {
        func scenario(years: String) -> String {
            "model: resnet50\nbatch_per_gpu: 64\nprecision: bf16\ncluster: {gpu: H100-SXM5, gpus_per_node: 8}\ngpus: [1, 8]\n"
                + "training: {epochs: 9000}\npricing: {mode: owned, lifetime_years: \(years), power_usd_per_kwh: 0.1, pue: 1.2}\n"
        }
        let short = CLI.execute(["simulate", try writeTemporary(scenario(years: "0.01"))])
        #expect(short.exitCode == 0 && short.stdout.contains("outlasts the cluster's life (87.7 h): its cost counts the cluster bought"),
                "\(short.stdout)")
        // Every configuration that outlasts it is named, not only the largest, whose basis is printed.
        #expect(short.stdout.contains("outlasts the cluster's busy hours (its life, or the share pricing.utilization gives; its cost counts the cluster bought again for each such life): 1 GPU ("),
                "\(short.stdout)")
        let long = CLI.execute(["simulate", try writeTemporary(scenario(years: "5"))])
        #expect(long.exitCode == 0 && !long.stdout.contains("outlasts"))
    }

    /// A per-GPU price map that names other GPUs but not the run's (an H200's price on an A100
    /// cluster) is noted at its line by simulate, and per run and GPU by sweep and plan: the
    /// run's GPU takes the catalog's figure. A map naming the run's GPU, or one figure, is not.
    @Test func aPriceMapLeavingOutTheRunsGPUIsNoted() throws {
        func scenario(_ purchase: String) throws -> String {
            try writeTemporary("""
                name: map
                model: resnet18
                batch_per_gpu: 32
                cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}
                gpus: [8]
                training: {epochs: 1}
                pricing: {mode: owned, lifetime_years: 4, power_usd_per_kwh: 0.1, pue: 1.2, purchase_per_gpu: \(purchase)}
                """)
        }
        let misnamed = try scenario("{H200: 25000}")
        let simulated = CLI.execute(["simulate", misnamed])
        #expect(simulated.exitCode == 0 && simulated.stderr.hasSuffix(":7: pricing.purchase_per_gpu: prices H200-SXM, not the run's "
                                                                      + "A100-SXM4-80GB, which takes the catalog's figure\n"), "\(simulated.stderr)")
        let swept = CLI.execute(["sweep", misnamed, "--quiet"])
        #expect(swept.exitCode == 0 && swept.stderr == "sweep: run 'resnet18' prices the A100-SXM4-80GB at the catalog's figure: "
                + "pricing.purchase_per_gpu names H200-SXM but not it\n", "\(swept.stderr)")
        let planned = CLI.execute(["plan", misnamed, "--quiet"])
        #expect(planned.stdout.contains("\nPrice: run 'resnet18' prices the A100-SXM4-80GB at the catalog's figure"), "\(planned.stdout)")
        for named in ["{A100-SXM4-80GB: 9000, H200: 25000}", "9000"] {
            let out = CLI.execute(["simulate", try scenario(named)])
            #expect(out.exitCode == 0 && !out.stderr.contains("purchase_per_gpu"), "\(out.stderr)")
        }
    }

    /// A price in the wrong unit, a purchase in thousands or a cloud rate in cents, lies orders
    /// of magnitude off the catalog's figures for the GPU: noted at its line, the run still
    /// priced as stated; a price in the catalog's range is not noted.
    @Test func aPriceInTheWrongUnitIsNoted() throws {
        func scenario(_ pricing: String) throws -> String {
            try writeTemporary("name: unit\nmodel: resnet18\nbatch_per_gpu: 32\ncluster: {gpu: H100-SXM5, gpus_per_node: 8}\n"
                               + "gpus: [8]\ntraining: {epochs: 1}\npricing: \(pricing)\n")
        }
        let owned = "{mode: owned, lifetime_years: 4, power_usd_per_kwh: 0.1, pue: 1.2, purchase_per_gpu: "
        let thousands = CLI.execute(["simulate", try scenario(owned + "30}")])
        #expect(thousands.exitCode == 0 && thousands.stderr.contains(":7: pricing.purchase_per_gpu: $30.00 per H100-SXM5 is under a "
                                                                     + "hundredth of the catalog's lowest price for it ($")
                && thousands.stderr.contains("a price in thousands? state whole dollars (30000)"), "\(thousands.stderr)")
        let cents = CLI.execute(["simulate", try scenario("{mode: cloud, cloud_per_gpu_hour: 250}")])
        #expect(cents.exitCode == 0 && cents.stderr.contains(":7: pricing.cloud_per_gpu_hour: $250 per H100-SXM5-hour is over twenty times")
                && cents.stderr.contains("a price in cents? state dollars (2.50)"), "\(cents.stderr)")
        for plausible in [owned + "30000}", "{mode: cloud, cloud_per_gpu_hour: 2.5}"] {
            let out = CLI.execute(["simulate", try scenario(plausible)])
            #expect(out.exitCode == 0 && !out.stderr.contains("pricing."), "\(out.stderr)")
        }
    }

    /// Collectives that leave the GPUs waiting a share of the step worth saying are "mostly"
    /// hidden, with the share; the bottleneck stays compute.
    @Test func partlyExposedCollectivesAreMostlyHidden() throws {
        let out = CLI.execute(["explain", "scenarios/whatif/resnet50-deadline.yaml", "--gpus", "64"])
        #expect(out.exitCode == 0)
        let sentence = try #require(out.stdout.split(separator: "\n").first { $0.hasPrefix("The GPUs compute") })
        #expect(sentence.contains("compute is the bottleneck; the collectives are mostly hidden behind it (the GPUs wait on communication ")
                && sentence.contains("% of the step; priced by their closed forms"), "\(sentence)")
    }

    /// A leaf that holds every node of the run's largest count makes the spine and its
    /// oversubscription moot: noted at the key; a leaf that some run's nodes outgrow is not.
    @Test func aLeafHoldingEveryNodeIsNoted() throws {
        func scenario(_ perLeaf: Int) throws -> String {
            try writeTemporary("model: resnet18\nbatch_per_gpu: 32\ncluster:\n  gpu: H100\n  gpus_per_node: 8\n"
                               + "  network: {link: eth-100g, nodes_per_leaf: \(perLeaf), oversubscription: 2}\ngpus: [16, 128]\n")
        }
        let moot = CLI.execute(["simulate", try scenario(64)])
        #expect(moot.exitCode == 0 && moot.stderr.contains(":6: cluster.network.nodes_per_leaf: 64 nodes per leaf hold all 16 nodes of the "
                                                           + "run's largest count (128 GPUs)")
                && moot.stderr.contains("oversubscription changes nothing"), "\(moot.stderr)")
        let spine = CLI.execute(["simulate", try scenario(4)])
        #expect(spine.exitCode == 0 && !spine.stderr.contains("nodes_per_leaf"), "\(spine.stderr)")
        // On one node the network carries nothing at all: that is what is said.
        let single = CLI.execute(["simulate", try writeTemporary("model: resnet18\nbatch_per_gpu: 32\n"
                                  + "cluster: {gpu: H100, gpus_per_node: 8, network: {link: ib-ndr, nodes_per_leaf: 4}}\ngpus: [1, 8]\n")])
        #expect(single.exitCode == 0 && single.stderr.contains(":3: cluster.network: every GPU count the run lists fits on one node of 8 GPUs")
                && !single.stderr.contains("nodes_per_leaf"), "\(single.stderr)")
    }

    /// An NVSwitch over an MI300X's Infinity Fabric is a what-if no product builds: kept, and
    /// noted at the key; over NVLink, no note.
    @Test func aSwitchedInfinityFabricIsNoted() throws {
        func scenario(_ gpu: String) throws -> String {
            try writeTemporary("model: resnet18\nbatch_per_gpu: 32\ncluster: {gpu: \(gpu), gpus_per_node: 8, fabric: nvswitch}\ngpus: [8]\n")
        }
        let amd = CLI.execute(["simulate", try scenario("MI300X")])
        #expect(amd.exitCode == 0 && amd.stderr.contains(":3: cluster.fabric: an NVSwitch joins NVLink ports, and the MI300X's "
                                                         + "infinity-fabric-mi300x (infinity-fabric) joins its peers directly"), "\(amd.stderr)")
        let nvidia = CLI.execute(["simulate", try scenario("H100")])
        #expect(nvidia.exitCode == 0 && !nvidia.stderr.contains("cluster.fabric"), "\(nvidia.stderr)")
    }

    /// The caution on a GPU the corpus has not measured says the convolutions are priced from
    /// measured kernel times only where the run has convolutions to price so; a network of fully
    /// connected layers rests on the peaks and default efficiencies, and says that.
    @Test func aNetworkWithoutConvolutionsIsNotSaidToUseFittedKernels() throws {
        func caution(_ model: String) -> String {
            CLI.execute(["simulate", (try? writeTemporary("model: \(model)\nbatch_per_gpu: 8\ncluster: {gpu: H100, gpus_per_node: 1}\ngpus: [1]\n")) ?? ""]).stdout
        }
        let mlp = caution("{name: mlp, input: [3, 32, 32], layers: [{type: fc, units: 512}, {type: relu}, {type: fc, units: 10}]}")
        #expect(mlp.contains("rests on the catalog's peaks and the model's default efficiencies") && !mlp.contains("its convolutions"), "\(mlp)")
        let cnn = caution("resnet50")
        #expect(cnn.contains("its convolutions are priced from kernel times measured on this board or its die"), "\(cnn)")
    }

    /// A GPU count one run of several cannot take is refused naming that run, at the `gpus` line
    /// the runs share.
    @Test func aGPUCountRefusalNamesTheRun() throws {
        let path = try writeTemporary("model: resnet50\nbatch_per_gpu: 64\ncluster: {gpu: H100, gpus_per_node: 8, network: {link: ib-ndr}}\n"
            + "gpus: [1024]\nruns:\n  - {label: resnet}\n  - {label: alex-hybrid, model: alexnet-owt, strategy: {kind: hybrid}}\n")
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains(":4: gpus: run 'alex-hybrid': hybrid parallelism splits layer 'fc8'"), "\(out.stderr)")
    }

    /// Where every configuration has a time to train, report's per-model answer says its pick
    /// trains soonest (the most images/s may train later); without one, that it is the fastest.
    @Test func theReportSaysWhatItsPerModelPickIs() throws {
        let two = "model: resnet18\nbatch_per_gpu: 32\ncluster: {gpu: H100, gpus_per_node: 8}\ngpus: [1, 8]\n"
            + "runs:\n  - {label: a}\n  - {label: b, model: alexnet-owt}\n"
        func answer(_ scenario: String) throws -> String {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-answer-\(UUID().uuidString)").path
            let out = CLI.execute(["report", try writeTemporary(scenario), "--out", dir])
            #expect(out.exitCode == 0, "\(out.stderr)")
            return try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        }
        #expect(try answer(two + "training: {epochs: 1}\n").contains("The configuration of each that trains soonest"))
        #expect(try answer(two).contains("The fastest configuration of each: "))
    }

    /// A model file given as the scenario is refused as what it is, at its `layers:` key, with
    /// how to name it from a scenario; a scenario with a model of its own is read as before.
    @Test func aModelFileGivenAsTheScenarioIsNamedAsSuch() throws {
        let model = try writeTemporary("name: tiny\ninput: [3, 32, 32]\nlayers:\n  - {type: conv, out: 8, kernel: 3}\n  - {type: fc, units: 10}\n")
        let out = CLI.execute(["simulate", model])
        #expect(out.exitCode == 2 && out.stderr.contains(":3: layers: this is a model file (input:, layers:), not a scenario: name it "
                                                        + "from a scenario with model: {file: "), "\(out.stderr)")
    }

    /// A cost-model profile without a curve for the run's precision changes nothing in it: noted
    /// at the profile's key, naming the precisions it has; a run in one of them gets no note.
    @Test func aProfileWithoutTheRunsPrecisionIsNoted() throws {
        let profile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scenarios/validation/h200-profile.yaml").standardized.path
        func notes(_ precision: String) throws -> CommandOutput {
            CLI.execute(["simulate", try writeTemporary("model: resnet18\nbatch_per_gpu: 32\nprecision: \(precision)\n"
                + "cluster: {gpu: H200, gpus_per_node: 8}\ngpus: [1]\ncost_model: {profile: \(profile)}\n")])
        }
        let fp16 = try notes("fp16")
        #expect(fp16.exitCode == 0 && fp16.stderr.contains(":6: cost_model.profile: the profile has no fp16 curve (it has fp32, tf32, bf16)"),
                "\(fp16.stderr)")
        let bf16 = try notes("bf16")
        #expect(bf16.exitCode == 0 && !bf16.stderr.contains("cost_model.profile"), "\(bf16.stderr)")
        // A profile without any curve says so.
        let empty = try writeTemporary("gpu: H200-SXM\nmax_efficiency: {}\nhalf_saturation: {}\n")
        let none = CLI.execute(["simulate", try writeTemporary("model: resnet18\nbatch_per_gpu: 32\nprecision: bf16\n"
            + "cluster: {gpu: H200, gpus_per_node: 8}\ngpus: [1]\ncost_model: {profile: \(empty)}\n")])
        #expect(none.exitCode == 0 && none.stderr.contains("the profile has no bf16 curve (it has none)"), "\(none.stderr)")
    }

    /// Keys the run's mode or fabric does not read are accepted (a sweep varies the mode) and
    /// noted once each, at their own lines, in file order; a scenario without any gets no note.
    @Test func keysThatChangeNothingAreNoted() throws {
        let scenario = """
            model: resnet18
            batch_per_gpu: 32
            cluster:
              gpu: V100
              gpus_per_node: 8
              fabric: nvswitch
              pcie:
                gpus_per_switch: 2
            gpus: [8]
            training: {epochs: 1}
            pricing:
              mode: cloud
              pue: 1.2
              network:
                - {gbit_per_s: 100, nic_usd: 1000}
            runs:
              - {label: a}
              - {label: b, batch_per_gpu: 16}
            """
        let out = CLI.execute(["simulate", try writeTemporary(scenario)])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let notes = out.stderr.split(separator: "\n").map(String.init)
        #expect(notes.count == 3, "\(out.stderr)")
        #expect(notes.first?.hasSuffix(":7: cluster.pcie: not used while the fabric is nvswitch (it describes a pcie-tree fabric)") == true)
        #expect(notes.dropFirst().first?.hasSuffix(":13: pricing.pue: not used while pricing.mode is cloud (it prices owned clusters)") == true)
        #expect(notes.last?.hasSuffix(":14: pricing.network: not used while pricing.mode is cloud (it prices owned clusters)") == true)
        let owned = CLI.execute(["simulate", try writeTemporary(scenario.replacingOccurrences(of: "mode: cloud", with: "mode: owned\n  lifetime_years: 4\n  power_usd_per_kwh: 0.1\n  server_usd_per_node: 0\n  host_watts_per_node: 0\n  cloud_per_gpu_hour: 2")
            .replacingOccurrences(of: "fabric: nvswitch", with: "fabric: pcie-tree"))])
        #expect(owned.exitCode == 0 && owned.stderr.split(separator: "\n").count == 1
                && owned.stderr.contains(": pricing.cloud_per_gpu_hour: not used while pricing.mode is owned (it prices cloud rental)"), "\(owned.stderr)")
        // A top-level owned key that only the runs renting leave unused: the note names them, not the run that buys.
        let mixed = scenario.replacingOccurrences(of: "mode: cloud", with: "mode: owned\n  lifetime_years: 4\n  power_usd_per_kwh: 0.1\n"
            + "  server_usd_per_node: 0\n  host_watts_per_node: 0").replacingOccurrences(of: "  - {label: b, batch_per_gpu: 16}",
            with: "  - {label: b, pricing: {mode: cloud}}\n  - {label: c, pricing: {mode: cloud}}")
        let mixedOut = CLI.execute(["simulate", try writeTemporary(mixed)])
        #expect(mixedOut.exitCode == 0 && mixedOut.stderr.contains(": pricing.lifetime_years: not used while pricing.mode is cloud "
            + "(it prices owned clusters) in runs 'b' and 'c'\n"), "\(mixedOut.stderr)")
        let plain = "model: resnet18\nbatch_per_gpu: 32\ncluster: {gpu: V100, gpus_per_node: 8}\ngpus: [8]\n"
        #expect(CLI.execute(["simulate", try writeTemporary(plain)]).stderr.isEmpty)
        // No precision on a GPU with TF32 units: fp32, noted (frameworks default to TF32 convolutions there); stated, no note.
        let ampere = plain.replacingOccurrences(of: "V100", with: "A100-SXM4-80GB")
        #expect(CLI.execute(["simulate", try writeTemporary(ampere)]).stderr.hasSuffix(": precision: not stated, so fp32 without TF32 on "
            + "the A100-SXM4-80GB, where on NVIDIA GPUs since Ampere PyTorch (torch.backends.cudnn.allow_tf32) and TensorFlow (from 2.4) "
            + "run convolutions in TF32 by default: state precision: tf32 for that, bf16 or fp16 for mixed precision, or fp32 to keep this\n"))
        #expect(CLI.execute(["simulate", try writeTemporary(ampere + "precision: fp32\n")]).stderr.isEmpty)
        // NCHW tensors whose transposes take a tenth of the tensor-core convolutions' time or more: noted; NHWC ones are not.
        let nchw = "model: resnet50\nbatch_per_gpu: 128\nprecision: bf16\ncluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}\ngpus: [8]\n"
        let nchwNote = CLI.execute(["simulate", try writeTemporary(nchw)]).stderr
        #expect(nchwNote.contains(": the run keeps its tensors NCHW (software.memory_format: nchw, as profile 'pytorch-ddp' runs): its "
            + "tensor-core convolutions spend ") && nchwNote.hasSuffix("% of their time transposing to NHWC and back; a training script "
            + "that asks for channels_last skips them: give it software: {memory_format: nhwc}\n"), "\(nchwNote)")
        #expect(CLI.execute(["simulate", try writeTemporary(nchw + "software: {profile: pytorch-ddp, memory_format: nhwc}\n")]).stderr.isEmpty)
        // Runs whose profiles price convolutions with different kernel libraries: noted, each group named; the same library stated everywhere: not.
        let stacks = "model: vgg16\nbatch_per_gpu: 32\nprecision: fp32\ncluster: {gpu: V100, gpus_per_node: 8}\ngpus: [8]\nruns:\n"
            + "  - {label: hvd, software: horovod}\n  - {label: tf, software: tensorflow-1}\n"
        let libraryNote = CLI.execute(["simulate", try writeTemporary(stacks)]).stderr
        #expect(libraryNote.contains("the runs price convolutions with different kernel libraries (software.kernel_library, from their "
            + "profiles where not stated): 'hvd' with none (one implicit GEMM per pass, no Winograd or FFT); 'tf' with cudnn-5.1;"),
                "\(libraryNote)")
        let sameLibrary = stacks.replacingOccurrences(of: "software: horovod", with: "software: {profile: horovod, kernel_library: cudnn-5.1}")
        #expect(!CLI.execute(["simulate", try writeTemporary(sameLibrary)]).stderr.contains("kernel libraries"))
        // One profile, a library chosen in one run only: the runs differ by that choice, not by their stacks.
        let chosen = stacks.replacingOccurrences(of: "software: horovod", with: "software: {profile: tensorflow-1, kernel_library: cudnn-7}")
        #expect(!CLI.execute(["simulate", try writeTemporary(chosen)]).stderr.contains("kernel libraries"))
        // A TensorFlow 1 profile across nodes: noted at the counts simulated, --gpus's where given.
        let tf1 = "model: resnet18\nbatch_per_gpu: 32\nprecision: fp32\ncluster: {gpu: V100, gpus_per_node: 8, network: {link: ib-edr, "
            + "nics_per_node: 1}}\ngpus: [1, 8]\nsoftware: tensorflow-1\n"
        let tf1Path = try writeTemporary(tf1)
        #expect(!CLI.execute(["simulate", tf1Path]).stderr.contains("on one machine"))
        #expect(CLI.execute(["simulate", tf1Path, "--gpus", "8,16"]).stderr.contains("the counts above 8 GPUs (16) price its"))
        // NICs no GPU sends through: noted; one per GPU is not.
        let nics = "model: resnet18\nbatch_per_gpu: 32\nprecision: fp32\ncluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, "
            + "network: {link: ib-hdr, nics_per_node: 16}}\ngpus: [16]\n"
        #expect(CLI.execute(["simulate", try writeTemporary(nics)]).stderr.hasSuffix(":4: cluster.network.nics_per_node: 16 NICs per "
            + "node, but each GPU sends through one (gpu_nic, else an even share), so the 8 GPUs of a node use 8 of them: the others "
            + "are priced and carry nothing\n"))
        #expect(CLI.execute(["simulate", try writeTemporary(nics.replacingOccurrences(of: "nics_per_node: 16", with: "nics_per_node: 8"))])
            .stderr.isEmpty)
        // An im2col lowering under a kernel library, whose algorithms price the convolutions: noted; without one it is used.
        let im2col = plain + "cost_model: {convolution_lowering: im2col}\n"
        #expect(CLI.execute(["simulate", try writeTemporary(im2col)]).stderr.hasSuffix(":5: cost_model.convolution_lowering: not used "
            + "while the run's convolutions run cudnn-8's algorithms (software 'pytorch-ddp'); it prices an im2col lowering where "
            + "software.kernel_library is none\n"))
        let lowered = CLI.execute(["simulate", try writeTemporary(im2col + "software: {profile: pytorch-ddp, kernel_library: none}\n")])
        let implicit = CLI.execute(["simulate", try writeTemporary(plain + "software: {profile: pytorch-ddp, kernel_library: none}\n")])
        #expect(lowered.exitCode == 0 && lowered.stderr.isEmpty && lowered.stdout != implicit.stdout, "\(lowered.stderr)")
        // A price missing from a top-level pricing block is named at the top level, not at the first run.
        let missing = CLI.execute(["simulate", try writeTemporary(plain + "training: {epochs: 1}\n"
            + "pricing: {mode: owned, lifetime_years: 4, power_usd_per_kwh: 0.1, pue: 1.2, server_usd_per_node: 0}\nruns:\n  - {label: a}\n")])
        #expect(missing.exitCode == 2 && missing.stderr.contains(":6: pricing: no server power"), "\(missing.stderr)")
    }

    /// Options that would change nothing are refused, not ignored: the bandwidth chart's
    /// --link and --bandwidths on another chart, a bandwidth chart at one GPU, and --cuda with
    /// --gemm-csv (which timings would it fit?).
    @Test func optionsThatWouldChangeNothingAreRefused() throws {
        let path = try writeTemporary(smallScenario)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-unused-\(UUID().uuidString)").path
        let link = CLI.execute(["chart", "throughput", path, "--link", "gpu", "--out", out])
        #expect(link.exitCode == 2 && link.stderr.contains("--link applies to the bandwidth chart only, not to throughput"), "\(link.stderr)")
        let values = CLI.execute(["chart", "scaling", path, "--bandwidths", "10,100", "--out", out])
        #expect(values.exitCode == 2 && values.stderr.contains("--bandwidths applies to the bandwidth chart only"), "\(values.stderr)")
        let one = CLI.execute(["chart", "bandwidth", path, "--gpus", "1", "--out", out])
        #expect(one.exitCode == 2 && one.stderr.contains("needs a GPU count above 1 (one GPU sends nothing over any link)"), "\(one.stderr)")
        let both = CLI.execute(["calibrate", "--cuda", "--gemm-csv", path, "--gpu", "H200"])
        #expect(both.exitCode == 2 && both.stderr.contains("give one of them"), "\(both.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing written")
    }

    @Test func gpusOptionOverridesTheScenario() throws {
        let path = try writeTemporary(smallScenario)
        let out = CLI.execute(["simulate", path, "--gpus", "1,3", "--json"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("\"gpus\" : 3"))
        #expect(!out.stdout.contains("\"gpus\" : 4"))
    }

    @Test(arguments: [["simulate", "/no/such/file.yaml"], ["simulate"], ["simulate", "x.yaml", "--gpus", "0"],
                      ["simulate", "x.yaml", "--gpus", "two"], ["frobnicate"],
                      ["chart", "scaling", "x.yaml", "--format", "jpg"], ["report", "x.yaml", "--out", "r", "--format", "gif"],
                      ["validate", "--workers", "0"], ["validate", "--workers", "4096"], ["validate", "--batch", "0"],
                      ["validate", "--profile", "/no/such/profile.yaml"], ["validate", "--against", "m.csv", "--workers", "2"],
                      ["validate", "--rounds", "0"], ["validate", "--tolerance", "-1"], ["calibrate", "--threads", "0"]])
    func badInputExitsWithTwo(arguments: [String]) {
        let out = CLI.execute(arguments)
        #expect(out.exitCode == 2)
        #expect(!out.stderr.isEmpty)
        #expect(out.stdout.isEmpty)
    }

    /// An unknown all-reduce algorithm: exit 2, one line with the file, the line and
    /// the key, and the names that would be right (the new ones among them).
    @Test func unknownAllReduceAlgorithmExitsWithTwo() throws {
        let path = try writeTemporary(smallScenario.replacingOccurrences(of: "allreduce: ring", with: "allreduce: butterfly"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("\(path):6: strategy.allreduce: 'butterfly' is not one of:"))
        #expect(out.stderr.contains("hierarchical, halving-doubling, parameter-server"))
        #expect(out.stderr.split(separator: "\n").count == 1)
    }

    @Test func modelThatDoesNotFitIsReportedAndExitsWithTwo() throws {
        let path = try writeTemporary(smallScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 16384"))
        let out = CLI.execute(["simulate", path, "--json"])
        #expect(out.exitCode == 2)
        #expect(out.stdout.contains("\"fits_in_memory\" : false"))
        #expect(out.stderr.contains("\(path):3: batch_per_gpu:"))
        // One line for the run, naming every GPU count that does not fit (1, 2 and 4 here).
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
        #expect(out.stderr.contains("does not fit at 1, 2 and 4 GPUs: it needs ") && out.stderr.contains("GiB per GPU, but the V100"),
                "\(out.stderr)")
        // The remedies: a smaller batch per GPU, keeping the global batch with accumulation.
        #expect(out.stderr.contains("lower batch_per_gpu (with accumulation_steps to keep the global batch"), "\(out.stderr)")
        // Needs a few bytes apart print as one figure, not a range from it to itself ("667.0-667.0 GiB").
        let h100 = try #require(try Catalog.builtIn().gpu(named: "H100"))
        let single = MemoryFootprint(weightStateBytes: 1e9, activationBytes: 700e9, reservedBytes: 1e9)
        var withBuckets = single
        withBuckets.gradientBucketBytes = 1e6
        let said = SimulateCommand.doesNotFit(label: nil, model: "m", batchesPerGPU: [64, 64], gpus: [1, 2], footprints: [single, withBuckets], gpu: h100,
                                              has: h100.memoryBytes, precision: .bf16, dataParallel: true, accumulationSteps: 1)
        #expect(said.contains("it needs 653.8 GiB per GPU"), "\(said)")
        let one = CLI.execute(["simulate", path, "--gpus", "1"])
        #expect(one.exitCode == 2 && one.stderr.contains("does not fit at 1 GPU: "), "\(one.stderr)")
        // In fp32 mixed precision is the other remedy; already in fp16, only the batch is left.
        #expect(out.stderr.contains("or train in mixed precision"), "\(out.stderr)")
        // Named as the GPU has them: a V100 has fp16 tensor cores and no bf16.
        #expect(out.stderr.contains("(fp16 activations are half the size)"), "\(out.stderr)")
        let halfScenario = smallScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 16384")
            .replacingOccurrences(of: "precision: fp32", with: "precision: fp16")
        let half = CLI.execute(["simulate", try writeTemporary(halfScenario), "--gpus", "1"])
        #expect(half.exitCode == 2 && half.stderr.contains("lower batch_per_gpu") && !half.stderr.contains("mixed precision"), "\(half.stderr)")
    }

    /// The remedy follows what fills the GPU: a layer whose weights alone outgrow it is told no
    /// batch fits and to split the layers; a run that already accumulates is told to accumulate
    /// more; a need just over the GPU's memory is printed with the decimals that tell them apart.
    @Test func aModelThatDoesNotFitIsToldTheRemedyThatHelps() throws {
        let huge = """
            model: {name: wide, input: [3, 224, 224], layers: [{name: fc, type: fc, units: 100000}, {type: softmax}]}
            batch_per_gpu: 1
            precision: bf16
            cluster: {gpu: H200, gpus_per_node: 8}
            software: ideal
            gpus: [1]
            """
        let weights = CLI.execute(["simulate", try writeTemporary(huge)])
        #expect(weights.exitCode == 2 && weights.stderr.contains("so no batch fits: split its layers across GPUs")
                && !weights.stderr.contains("lower batch_per_gpu"), "\(weights.stderr)")
        let accumulating = smallScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 16384\naccumulation_steps: 4")
        let more = CLI.execute(["simulate", try writeTemporary(accumulating), "--gpus", "1"])
        #expect(more.exitCode == 2 && more.stderr.contains("with more accumulation_steps"), "\(more.stderr)")
        #expect(Format.gibDecimals(17_189_246_944, apartFrom: 16 * 1_073_741_824) == 2)
        #expect(Format.gibDecimals(16 * 1_073_741_824, apartFrom: 16 * 1_073_741_824) == 1)
    }

    /// A bf16 run on a V100 (no bf16 units) trains as fp16, and the table says so; its numbers are fp16's.
    @Test func bf16WithoutBF16UnitsIsShownAsFP16() throws {
        let bf16 = CLI.execute(["simulate", try writeTemporary(smallScenario.replacingOccurrences(of: "precision: fp32", with: "precision: bf16"))])
        let fp16 = CLI.execute(["simulate", try writeTemporary(smallScenario.replacingOccurrences(of: "precision: fp32", with: "precision: fp16"))])
        #expect(bf16.exitCode == 0 && fp16.exitCode == 0)
        #expect(bf16.stdout.contains("alexnet-owt on V100-SXM2-16GB, fp16 (bf16 asked: the V100-SXM2-16GB has no bf16 units), batch 64"))
        func rows(_ text: String) -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix("   ") } }
        #expect(!rows(bf16.stdout).isEmpty && rows(bf16.stdout) == rows(fp16.stdout))
        let json = CLI.execute(["simulate", try writeTemporary(smallScenario.replacingOccurrences(of: "precision: fp32", with: "precision: bf16")), "--json"])
        #expect(json.stdout.contains("\"precision_note\" : \"bf16 asked: the V100-SXM2-16GB has no bf16 units\""))
        // fp16 on a GPU without fp16 units: half-size tensors at the fp32 peak, and the table says so.
        let kepler = smallScenario.replacingOccurrences(of: "gpu: V100", with: "gpu: K40").replacingOccurrences(of: "precision: fp32", with: "precision: fp16")
        let k40 = CLI.execute(["simulate", try writeTemporary(kepler), "--gpus", "1"])
        #expect(k40.stdout.contains("fp16 (fp16 tensors computed in fp32: the K40 has no fp16 units)"), "\(k40.stdout)\(k40.stderr)")
        // Computed in fp32 on half-size tensors, the step is no slower than fp32's: no kernel runs on tensor
        // cores, so none pays the NCHW transposes of pytorch-ddp's layout, and every product, a library's
        // kernel or not (ideal has no kernel library), takes fp32's peak and efficiencies (a Maxwell Titan X
        // took 1.35 s under pytorch-ddp and 1.59 s under ideal in fp16, against 1.15 and 1.13 in fp32); sweep
        // does not say those points are priced as another precision, since they are fp16's.
        for profile in ["pytorch-ddp", "ideal"] {
            let maxwell = try writeTemporary("name: maxwell\nmodel: resnet50\nbatch_per_gpu: 128\nprecision: fp32\n"
                                             + "cluster: {gpu: TitanX-Maxwell, gpus_per_node: 1}\ngpus: [1]\nsoftware: {profile: \(profile)}\n")
            let fp32AndFP16 = CLI.execute(["sweep", maxwell, "--vary", "precision=fp32,fp16"])
            let steps = fp32AndFP16.stdout.split(separator: "\n").dropFirst()
                .compactMap { Double($0.split(separator: ",", omittingEmptySubsequences: false)[9]) }
            #expect(fp32AndFP16.stdout.hasPrefix("point,run,precision,gpus,gpu_model,strategy,scheme,variant,global_batch,step_seconds,"))
            #expect(steps.count == 2 && steps[1] < steps[0], "\(profile): \(steps)")
            #expect(fp32AndFP16.stderr == "sweep: fp16 tensors computed in fp32: the TitanX-Maxwell has no fp16 units\n", "\(fp32AndFP16.stderr)")
        }
        let plain = CLI.execute(["simulate", try writeTemporary(smallScenario), "--json"])
        #expect(plain.stdout.contains("\"precision_note\" : null"))
        // Sweep rows have no precision column: the sweep says it on standard error, once; plan in its text.
        let sweep = CLI.execute(["sweep", try writeTemporary(smallScenario.replacingOccurrences(of: "precision: fp32", with: "precision: bf16")),
                                 "--vary", "cluster.gpu=V100,A100", "--vary", "gpus=1,2", "--quiet"])
        #expect(sweep.exitCode == 0)
        #expect(sweep.stderr == "sweep: bf16 asked: the V100-SXM2-16GB has no bf16 units; those points are priced as fp16\n", "\(sweep.stderr)")
        let plan = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--vary", "cluster.gpu=V100,A100", "--vary", "gpus=8",
                                "--deadline-hours", "100", "--quiet"])
        #expect(plan.stdout.contains("\nPrecision: bf16 asked: the V100-SXM2-16GB has no bf16 units; those configurations are priced as fp16.\n"),
                "\(plan.stdout)")
    }

    /// A TF32 run on a V100 (no TF32 units) trains in plain fp32, and the table says so; its numbers
    /// are fp32's to the last digit (fp32's peak, efficiencies and kernel tables), and sweep names it.
    @Test func tf32WithoutTF32UnitsIsShownAsFP32() throws {
        let tf32Scenario = try writeTemporary(smallScenario.replacingOccurrences(of: "precision: fp32", with: "precision: tf32"))
        let tf32 = CLI.execute(["simulate", tf32Scenario])
        let fp32 = CLI.execute(["simulate", try writeTemporary(smallScenario)])
        #expect(tf32.exitCode == 0 && fp32.exitCode == 0)
        #expect(tf32.stdout.contains("alexnet-owt on V100-SXM2-16GB, fp32 (tf32 asked: the V100-SXM2-16GB has no TF32 rate in the catalog), batch 64"),
                "\(tf32.stdout)")
        func rows(_ text: String) -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix("   ") } }
        #expect(rows(tf32.stdout).count == 3 && rows(tf32.stdout) == rows(fp32.stdout))
        let json = CLI.execute(["simulate", tf32Scenario, "--json"])
        #expect(json.stdout.contains("\"precision_note\" : \"tf32 asked: the V100-SXM2-16GB has no TF32 rate in the catalog\""))
        let sweep = CLI.execute(["sweep", tf32Scenario, "--vary", "cluster.gpu=V100,A100", "--vary", "gpus=1", "--quiet"])
        #expect(sweep.exitCode == 0)
        #expect(sweep.stderr == "sweep: tf32 asked: the V100-SXM2-16GB has no TF32 rate in the catalog; those points are priced as fp32\n",
                "\(sweep.stderr)")
    }

    /// report has nothing to recommend when no configuration fits: it says why, as simulate
    /// does, and writes nothing. explain still explains (its memory table says what takes the
    /// room) and exits 2 with the same line.
    @Test func reportAndExplainRefuseWhatDoesNotFit() throws {
        let path = try writeTemporary(smallScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 16384"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-report-\(UUID().uuidString)").path
        let report = CLI.execute(["report", path, "--out", folder])
        #expect(report.exitCode == 2)
        #expect(report.stderr.contains("\(path):3: batch_per_gpu:") && report.stderr.contains("does not fit at 1, 2 and 4 GPUs"), "\(report.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder))
        let explain = CLI.execute(["explain", path, "--gpus", "2"])
        #expect(explain.exitCode == 2)
        #expect(explain.stdout.contains("Memory per GPU"))
        #expect(explain.stderr.contains("\(path):3: batch_per_gpu:") && explain.stderr.contains("does not fit at 2 GPUs"), "\(explain.stderr)")
        // Where it fits, both exit 0.
        let fits = try writeTemporary(smallScenario)
        #expect(CLI.execute(["explain", fits, "--gpus", "2"]).exitCode == 0)
        #expect(CLI.execute(["report", fits, "--json"]).exitCode == 0)
    }

    /// Several runs that do not fit still give one located line: the first run's, with the
    /// lines of the others (found by the fuzzer: four runs printed four lines).
    @Test func severalRunsThatDoNotFitGiveOneLine() throws {
        let path = try writeTemporary(smallScenario + """

            runs:
              - {label: small, batch_per_gpu: 64}
              - {label: huge, batch_per_gpu: 16384}
              - {label: huger, batch_per_gpu: 32768}
            """)
        let out = CLI.execute(["simulate", path, "--gpus", "1"])
        #expect(out.exitCode == 2)
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
        #expect(out.stderr.hasPrefix("error: \(path):10: runs[1].batch_per_gpu: huge: alexnet-owt with 16384 images per GPU does not fit"),
                "\(out.stderr)")
        #expect(out.stderr.contains("; 1 more run does not fit either: huger (line 11)"), "\(out.stderr)")
        #expect(out.stdout.contains("huger"), "every run is still in the table")
        // Runs that take the scenario's batch share its line: each is still named by its label.
        let shared = try writeTemporary(smallScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 16384") + """

            runs:
              - {label: fp32}
              - {label: fp16, precision: fp16}
            """)
        let both = CLI.execute(["simulate", shared, "--gpus", "1"])
        #expect(both.exitCode == 2 && both.stderr.split(separator: "\n").count == 1, "\(both.stderr)")
        #expect(both.stderr.hasPrefix("error: \(shared):3: batch_per_gpu: fp32: "), "\(both.stderr)")
        #expect(both.stderr.hasSuffix("; 1 more run does not fit either: fp16 (line 3)\n"), "\(both.stderr)")
        // A run that fits at some counts (max_global_batch cuts its batch there) is named with those at which it does not.
        let capped = try writeTemporary(smallScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 16384") + """

            runs:
              - {label: whole}
              - {label: capped, max_global_batch: 8192}
            """)
        let some = CLI.execute(["simulate", capped, "--gpus", "1,4"])
        #expect(some.exitCode == 2 && some.stderr.hasSuffix("; 1 more run does not fit either: capped at 1 GPU (line 3)\n"), "\(some.stderr)")
        // Its speedups divide by a 1-GPU run that does not fit: said under each table; not where the 1-GPU run fits.
        let note = "speedups are against the run on 1 GPU, which does not fit in its memory"
        #expect(some.stdout.components(separatedBy: note).count == 3, "\(some.stdout)")
        #expect(!CLI.execute(["simulate", try writeTemporary(smallScenario)]).stdout.contains(note))
    }

    @Test func modelsJSONListsTheZoo() throws {
        let out = CLI.execute(["models", "--json"])
        #expect(out.exitCode == 0)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
        let resnet = try #require(list.first { $0["name"] as? String == "resnet50" })
        #expect(resnet["parameters"] as? Int == 25_557_032)
        #expect((resnet["forward_flops_per_image"] as? Int ?? 0) > 8_000_000_000)
        let alexnet = try #require(list.first { $0["name"] as? String == "alexnet-owt" })
        #expect(alexnet["aliases"] as? [String] == ["alexnet"])
        #expect(list.contains { $0["name"] as? String == "efficientnet_b3" })
    }

    /// `models FILE` counts a custom model as a scenario naming it would, and a
    /// bad file is one located line and exit 2.
    @Test func modelsCountsCustomModelFiles() throws {
        let path = try writeTemporary("""
            name: tiny-from-file
            input: [3, 8, 8]
            layers:
              - {name: c, type: conv, out: 4, kernel: [1, 3], pad: [0, 1], bias: false}
              - {name: bn, type: batchnorm}
              - {type: fc, units: 10}
              - {type: softmax}
            """)
        let out = CLI.execute(["models", path, "--json"])
        #expect(out.exitCode == 0)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["name"] as? String == "tiny-from-file")
        #expect(list.first?["parameters"] as? Int == 4 * 3 * 3 + 2 * 4 + (4 * 64 * 10 + 10))
        #expect(list.first?["forward_flops_per_image"] as? Int == 2 * 4 * 64 * 9 + 8 * 4 * 64 + (2 * 4 * 64 * 10 + 10) + 5 * 10)
        #expect(CLI.execute(["models", path]).stdout.contains("tiny-from-file"))
        let bad = try writeTemporary("name: bad\ninput: [3, 8, 8]\nlayers:\n  - {type: gelu}\n")
        let refused = CLI.execute(["models", bad])
        #expect(refused.exitCode == 2)
        #expect(refused.stderr.contains("\(bad):4: "))
        // A built-in model's name given as a file is said to be one.
        let builtIn = CLI.execute(["models", "resnet50"])
        #expect(builtIn.exitCode == 2 && builtIn.stderr.contains("resnet50: no such file; it is a built-in model's name"), "\(builtIn.stderr)")
        // A scenario given as a model file is said to be one, at its scenario key.
        let scenario = CLI.execute(["models", "scenarios/default.yaml"])
        #expect(scenario.exitCode == 2 && scenario.stderr.contains("scenarios/default.yaml:")
                && scenario.stderr.contains("this is a scenario (it has runs:), not a model file"), "\(scenario.stderr)")
        // A model file's path where a model's name goes: the way to give it.
        let modelPath = CLI.execute(["simulate", try writeTemporary("name: p\nmodel: ../nets/tiny.yaml\nbatch_per_gpu: 8\n"
                                                               + "cluster: {gpu: A100, gpus_per_node: 1}\ngpus: [1]\n")])
        #expect(modelPath.exitCode == 2 && modelPath.stderr.contains(":2: model: unknown model '../nets/tiny.yaml'; a model file is given as "
                                                                     + "model: {file: ../nets/tiny.yaml}"), "\(modelPath.stderr)")
        #expect(refused.stderr.contains("unknown layer type 'gelu'"))
        #expect(refused.stderr.split(separator: "\n").count == 1)
        // A key PyTorch's layers take and the format does not is named as what it is, not as a typo.
        let dilated = try writeTemporary("name: bad\ninput: [3, 8, 8]\nlayers:\n  - {type: conv, out: 4, kernel: 3, dilation: 2}\n")
        let named = CLI.execute(["models", dilated])
        #expect(named.exitCode == 2)
        #expect(named.stderr.contains("\(dilated):4: layers[0].dilation: dilated (atrous) convolutions and pooling windows are not modelled"),
                "\(named.stderr)")
        // The defaults, as exporters write them on every layer, are no dilation: accepted.
        let plain = try writeTemporary("name: plain\ninput: [3, 8, 8]\nlayers:\n"
                                       + "  - {type: conv, out: 4, kernel: 3, dilation: [1, 1], padding_mode: zeros}\n  - {type: fc, units: 2}\n")
        #expect(CLI.execute(["models", plain]).exitCode == 0)
    }

    /// Launch costs print as the profile states them (15, not 14.999999999999998), and
    /// the sources' URLs keep their slashes unescaped.
    @Test func softwareJSONPrintsTheProfilesFigures() throws {
        let out = CLI.execute(["software", "--json"])
        #expect(out.exitCode == 0)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]])
        let ddp = try #require(list.first { $0["name"] as? String == "pytorch-ddp" })
        #expect(ddp["launch_us_per_kernel_backward"] as? Double == 15)
        // The memory mechanisms a profile switches on are listed too.
        #expect(ddp["autocast_weight_copies"] as? Bool == true)
        #expect(list.first { $0["name"] as? String == "ideal" }?["autocast_weight_copies"] == nil)
        // How each profile's kernels see the layers is a field, defaults too: the default profile runs NCHW.
        #expect(ddp["memory_format"] as? String == "nchw" && ddp["depthwise_kernels"] as? String == "pytorch")
        let ideal = try #require(list.first { $0["name"] as? String == "ideal" })
        #expect(ideal["memory_format"] as? String == "nhwc" && ideal["grouped_convolutions"] as? String == "library"
                && ideal["fused_batchnorm"] as? String == "none")
        #expect(list.first { $0["name"] as? String == "caffe-p2psync" }?["grouped_convolutions"] as? String == "per-group")
        let text = CLI.execute(["software"]).stdout
        #expect(text.contains("pytorch-ddp kernels: memory_format nchw, depthwise_kernels pytorch, grouped_convolutions library"))
        #expect(out.stdout.contains("\"launch_us_per_kernel_backward\" : 15,"))
        #expect(!out.stdout.contains("\\/"))
    }

    @Test func hardwareListsGPUsWithSources() {
        let out = CLI.execute(["hardware"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("K20"))
        #expect(out.stdout.contains("H200-SXM"))
        #expect(out.stdout.contains("ib-ndr"))
        #expect(out.stdout.contains("[standards] Standards and vendor specifications: PCI Express generations"))   // a tag, spelled out
        // Which GPUs have fitted kernel efficiencies, in the table and in the JSON.
        let v100 = out.stdout.split(separator: "\n").first { $0.hasPrefix("V100-SXM2-16GB ") }
        #expect(v100?.hasSuffix("80  fp16, fp32              -                        0.5") == true, "\(v100 ?? "")")
        // Which GPUs have a measured large-GEMM ceiling, and where it comes from.
        let rtx3090 = out.stdout.split(separator: "\n").first { $0.hasPrefix("RTX-3090 ") }
        #expect(rtx3090?.hasSuffix("82  -                       bf16, fp16, fp32           -") == true, "\(rtx3090 ?? "")")
        #expect(out.stdout.contains("\n    measured: max_efficiency: the best torch.mm rate"))
        let json = CLI.execute(["hardware", "--json"])
        let gpus = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["gpus"] as? [[String: Any]] ?? []
        let fitted = gpus.first { $0["name"] as? String == "V100-SXM2-16GB" }
        #expect((fitted?["kernel_efficiency"] as? [String: Any])?.keys.sorted() == ["fp16", "fp32"] && fitted?["sms"] as? Int == 80)
        let unfitted = gpus.first { $0["name"] as? String == "A100-SXM4-40GB" }
        #expect((unfitted?["kernel_efficiency"] as? [String: Any])?.isEmpty == true)
        #expect((unfitted?["max_efficiency"] as? [String: Any])?.isEmpty == true)
        let measured = gpus.first { $0["name"] as? String == "RTX-3090" }?["max_efficiency"] as? [String: Double]
        #expect(measured == ["fp32": 0.654, "fp16": 1, "bf16": 1])
        #expect(fitted?["speed_variation_cv"] as? Double == 0.005 && gpus.first { $0["name"] as? String == "K20" }?["speed_variation_cv"] as? Double == 0)
        // A measured streaming fraction where the catalog has one, null where the default applies.
        #expect(gpus.first { $0["name"] as? String == "K40" }?["memory_efficiency"] as? Double == 0.721)
        #expect(unfitted?["memory_efficiency"] is NSNull)
        let k40 = out.stdout.split(separator: "\n").first { $0.hasPrefix("K40 ") }?.split(separator: " ") ?? []
        #expect(k40.count > 4 && k40[3] == "288" && k40[4] == "0.721", "\(k40)")
        // The short names a scenario may use, in the text and the JSON: "a100" is the 40 GB board.
        #expect(out.stdout.contains("\n  A100-SXM4-40GB: a100, a100-40gb\n"))
        #expect(unfitted?["aliases"] as? [String] == ["a100", "a100-40gb"])
        #expect(gpus.first { $0["name"] as? String == "GB200" }?["aliases"] as? [String] != nil)
    }

    /// A hierarchical all-reduce needs every node full; over a partly filled last node it runs as a flat ring, and
    /// the table says so under the strategy's name (an audit found 1,017 GPUs 2.7x slower than 1,016 with nothing said).
    @Test func aHierarchicalAllReduceRunAsARingIsSaid() throws {
        let scenario = try writeTemporary("""
            model: resnet18
            batch_per_gpu: 32
            cluster: {gpu: V100, gpus_per_node: 8, network: {link: ib-edr, nics_per_node: 1}}
            strategy: {kind: data, allreduce: hierarchical}
            gpus: [8, 12, 16, 20]
            """)
        let out = CLI.execute(["simulate", scenario])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("\nhierarchical all-reduce run as a flat ring where the last node is partly filled (GPUs: 12, 20): "
                                    + "its two levels need every node full\n"), "\(out.stdout)")
        let full = CLI.execute(["simulate", scenario, "--gpus", "8,16"])
        #expect(full.exitCode == 0 && !full.stdout.contains("flat ring"))
        // The JSON says it per row.
        let rows = try simulatedRows(scenario)
        let asRing = rows.compactMap { row in (row["hierarchical_ran_as_ring"] as? Bool).map { "\(row["gpus"] as? Int ?? 0): \($0)" } }
        #expect(asRing == ["8: false", "12: true", "16: false", "20: true"], "\(asRing)")
    }

    /// Where a run's counts were simulated by different methods (auto aggregates above 32 GPUs), the text says which
    /// were which, since a curve can bend at the switch; the JSON gives each row's `fidelity`.
    @Test func countsSimulatedByDifferentMethodsAreSaid() throws {
        let hybrid = """
            model: alexnet-owt-cc2
            batch_per_gpu: 128
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}
            strategy: {kind: hybrid, scheme: b, variant: exact, allreduce: ring}
            software: pytorch-ddp
            gpus: [8, 64]
            """
        let out = CLI.execute(["simulate", try writeTemporary(hybrid)])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("\nsimulated transfer by transfer (expanded) at 8 GPUs and with closed forms (aggregated) at 64 "
                                    + "(make bench prints how far apart the two are"), "\(out.stdout)")
        #expect(try simulatedRows(writeTemporary(hybrid)).map { $0["fidelity"] as? String } == ["expanded", "aggregated"])
        // One method for every count: nothing said.
        let one = CLI.execute(["simulate", try writeTemporary(hybrid.replacingOccurrences(of: "gpus: [8, 64]", with: "gpus: [8, 16]"))])
        #expect(one.exitCode == 0 && !one.stdout.contains("simulated transfer by transfer"), "\(one.stdout)")
    }

    /// A flat ring on a rail-optimized network changes rails over the spine at each node boundary, where NCCL's
    /// rings keep to one rail: the table says so (a metamorphic audit found 2 NICs a node 38% slower than 1 with
    /// nothing said), and the JSON per row; not with one NIC a node, nor under nccl-auto.
    @Test func aFlatRingAcrossRailsIsSaid() throws {
        let scenario = """
            model: resnet18
            batch_per_gpu: 32
            cluster:
              gpu: A100-PCIe-80GB
              gpus_per_node: 8
              fabric: pcie-tree
              network: {link: ib-hdr, nics_per_node: 2, topology: rail-optimized}
            strategy: {kind: data, allreduce: ring}
            gpus: [8, 16]
            """
        let out = CLI.execute(["simulate", try writeTemporary(scenario)])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("\nflat ring across rails (GPUs: 16): its hop from one node to the next changes rails over the spine; "
                                    + "NCCL's rings keep to one rail (allreduce: nccl-auto)"), "\(out.stdout)")
        #expect(try simulatedRows(writeTemporary(scenario)).map { $0["flat_ring_crosses_rails"] as? Bool } == [false, true])
        for other in [scenario.replacingOccurrences(of: "nics_per_node: 2", with: "nics_per_node: 1"),
                      scenario.replacingOccurrences(of: "allreduce: ring", with: "allreduce: nccl-auto")] {
            let quiet = CLI.execute(["simulate", try writeTemporary(other)])
            #expect(quiet.exitCode == 0 && !quiet.stdout.contains("across rails"), "\(quiet.stderr)\(quiet.stdout)")
        }
    }

    /// Model parallelism can scale above linear (each GPU reads and updates a slice of the weights): the table
    /// says why, where a metamorphic audit found 112% efficiency with nothing said.
    @Test func aboveLinearScalingIsExplained() throws {
        let scenario = try writeTemporary("""
            model: alexnet-owt
            batch_per_gpu: 16
            precision: bf16
            cluster: {gpu: V100, gpus_per_node: 8, fabric: nvswitch}
            strategy: {kind: model}
            gpus: [1, 2]
            """)
        let out = CLI.execute(["simulate", scenario])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("\nabove linear (GPUs: 2): each GPU holds a slice of the model-parallel layers' weights"), "\(out.stdout)")
    }

    /// A chart's title says its numbers are simulated, and a scenario's name that ends in its own punctuation is
    /// followed by a dash, not "?:".
    @Test func chartTitlesSaySimulatedAndKeepTheNamesPunctuation() throws {
        let asked = try Scenario.load(path: try writeTemporary(smallScenario.replacingOccurrences(of: "name: cli test", with: "name: V100 or not?")))
        let results = try ScenarioRunner.results(asked)
        let throughput = try ChartBuilder.perConfiguration(.throughput, results: results, scenario: asked, format: .png)
        #expect(throughput.script.contains("set title 'V100 or not? — images per second, simulated'"), "\(throughput.script.prefix(400))")
        let plain = try Scenario.load(path: try writeTemporary(smallScenario))
        let scaling = try ChartBuilder.perConfiguration(.scaling, results: try ScenarioRunner.results(plain), scenario: plain, format: .png)
        #expect(scaling.script.contains("set title 'cli test: speedup, simulated (dotted: efficiency, right axis)'"))
    }

    /// `hardware FILE` lists the catalog a scenario's runs see, or a catalog file makes: its entries beside the built-in
    /// ones, what it adds and replaces named first; a file that is neither is refused with exit 2.
    @Test func hardwareListsTheCatalogAScenarioOrCatalogFileMakes() throws {
        let catalogFile = try writeTemporary("""
            links:
              - {name: ib-ndr, kind: infiniband, gbit_per_s: 380, latency_us: 1.5, source: "a measurement, 2026"}
              - {name: my-eth, kind: ethernet, gbit_per_s: 100, latency_us: 5, source: "a vendor sheet"}
            """)
        let file = CLI.execute(["hardware", catalogFile])
        #expect(file.exitCode == 0 && file.stderr.isEmpty)
        #expect(file.stdout.hasPrefix("The built-in catalog with \(catalogFile)'s entries (links added: my-eth; links replaced: ib-ndr).\n"))
        let ndr = file.stdout.split(separator: "\n").first { $0.hasPrefix("ib-ndr ") }
        #expect(ndr?.hasSuffix("47.50             1.5  a measurement, 2026") == true, "\(ndr ?? "")")
        #expect(file.stdout.contains("\nH200-SXM "))   // the built-in entries stay
        // A scenario sees the files its catalog: lists, then its own entries.
        let scenario = try writeTemporary(smallScenario + """

            catalog:
              files: [\(catalogFile)]
              gpus:
                - {name: My-GPU, architecture: Hopper, memory_gib: 96, memory_bandwidth_gb_per_s: 4000,
                   peak_tflops: {fp32: 60}, host_link: pcie5-x16, source: "a datasheet"}
            """)
        let seen = CLI.execute(["hardware", scenario, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(seen.stdout.utf8)) as? [String: Any])
        let links = try #require(object["links"] as? [[String: Any]])
        #expect(links.first { $0["name"] as? String == "ib-ndr" }?["bytes_per_second"] as? Double == 47.5e9)
        #expect((object["gpus"] as? [[String: Any]])?.contains { $0["name"] as? String == "My-GPU" } == true)
        #expect(CLI.execute(["hardware", scenario]).stdout.hasPrefix(
            "The built-in catalog with \(scenario)'s entries (GPUs added: My-GPU; links added: my-eth; links replaced: ib-ndr).\n"))
        let plain = try writeTemporary(smallScenario)
        #expect(CLI.execute(["hardware", plain]).stdout.hasPrefix("\(plain) adds or replaces no entry: the built-in catalog.\n"))
        // Neither kind of file, and a bad entry: exit 2, the file and line named.
        let neither = try writeTemporary("foo: 1\n")
        #expect(CLI.execute(["hardware", neither]).stderr
                == "error: \(neither):1: neither a catalog file (gpus:, links:) nor a scenario (catalog:, runs:, cluster:, ...)\n")
        let bad = CLI.execute(["hardware", try writeTemporary("gpus:\n  - {name: X1, architecture: Hopper}\n")])
        #expect(bad.exitCode == 2 && bad.stderr.contains(":2: gpus[0].memory_gib: missing required key 'memory_gib'"))
    }

    /// A mistyped command gets the nearest one (within two edits) and exit 2; options and real commands pass.
    @Test func aMistypedCommandIsNamedWithTheNearestOne() {
        let typo = CLI.execute(["simulat", "x.yaml"])
        #expect(typo.exitCode == 2 && typo.stdout.isEmpty)
        #expect(typo.stderr == "error: unknown command 'simulat'; did you mean 'simulate'? (scalecast --help lists the commands)\n")
        let far = CLI.execute(["frobnicate"])
        #expect(far.exitCode == 2 && far.stderr == "error: unknown command 'frobnicate' (scalecast --help lists the commands)\n")
        #expect(CLI.execute(["--version"]).exitCode == 0)
        #expect(CLI.execute(["help", "simulate"]).exitCode == 0)
        #expect(CLI.execute(["models"]).exitCode == 0)
    }

    @Test func helpExitsWithZero() {
        let out = CLI.execute(["--help"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("simulate"))
    }

    /// `help WORD` for a word that is no command is refused as the word alone is.
    @Test func helpOnAnUnknownCommandExitsWithTwo() {
        let out = CLI.execute(["help", "simulat"])
        #expect(out.exitCode == 2)
        #expect(out.stderr == "error: unknown command 'simulat'; did you mean 'simulate'? (scalecast --help lists the commands)\n")
        #expect(CLI.execute(["help", "import", "nccl-tests"]).exitCode == 0)
        // Every word after help is a subcommand of the one before, or refused.
        let nested = CLI.execute(["help", "import", "nosuch"])
        #expect(nested.exitCode == 2 && nested.stdout.isEmpty, "\(nested.stdout)")
        #expect(nested.stderr.hasPrefix("error: 'scalecast import' has no command 'nosuch' (its commands: ") && nested.stderr.contains("nccl-tests"),
                "\(nested.stderr)")
        let leaf = CLI.execute(["help", "simulate", "extra"])
        #expect(leaf.exitCode == 2 && leaf.stderr == "error: 'scalecast simulate' has no command 'extra'\n", "\(leaf.stderr)")
    }
}

/// The built executable itself: bad input ends in a message and exit code 2, not a trap.
@Suite struct ExecutableTests {
    static var executable: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("scalecast"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/scalecast").standardized,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs the executable with `arguments`, in `folder` if given, with `environment` added to this one's.
    func run(_ arguments: [String], in folder: String? = nil, environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = try #require(Self.executable, "the scalecast executable was not built")
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder) }
        // Slurm's variables of a test run inside a job array would shard the sweeps under test.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLURM_") }.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    @Test func malformedScenarioGivesALineAndExitTwo() throws {
        let path = try writeTemporary("model: alexnet-owt\ncluster: {gpu: K20\n")
        let (status, stdout, stderr) = try run(["simulate", path])
        #expect(status == 2)
        #expect(stdout.isEmpty)
        #expect(stderr.hasPrefix("error: \(path):"))
        #expect(!stderr.contains("Fatal error"))
    }

    /// Standard output that cannot be written (a full disk, here /dev/full) ends in one line and
    /// exit 2, not in Foundation's trap on a failed write.
    @Test func anUnwritableStandardOutputIsOneLineAndExitTwo() throws {
        let process = Process()
        process.executableURL = try #require(Self.executable, "the scalecast executable was not built")
        process.arguments = ["models"]
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let err = Pipe()
        process.standardOutput = full
        process.standardError = err
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 2, "\(process.terminationStatus)")
        #expect(stderr.hasPrefix("error: cannot write standard output: ") && stderr.split(separator: "\n").count == 1, "\(stderr)")
    }

    @Test func validScenarioPrintsATable() throws {
        let path = try writeTemporary(smallScenario)
        let (status, stdout, _) = try run(["simulate", path])
        #expect(status == 0)
        #expect(stdout.contains("images/s"))
    }
}

@Suite struct HybridCLITests {
    let hybrid = """
        model: alexnet-owt-cc2
        batch_per_gpu: 32
        cluster: {gpu: K20, gpus_per_node: 8, fabric: pcie-tree}
        strategy: {kind: hybrid, scheme: c, variant: approximate}
        gpus: [1, 4]
        """

    @Test func jsonCarriesSchemeAndVariant() throws {
        let out = CLI.execute(["simulate", try writeTemporary(hybrid), "--json"])
        #expect(out.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results[1]["scheme"] as? String == "c")
        #expect(results[1]["variant"] as? String == "approximate")
        #expect(results[1]["strategy"] as? String == "hybrid")
        #expect(results[1]["label"] as? String == "4 GPUs, hybrid (c), approximate")
        let data = CLI.execute(["simulate", try writeTemporary(smallScenario), "--json"])
        #expect(data.stdout.contains("\"scheme\" : null"))
        #expect(data.stdout.contains("\"variant\" : null"))
    }

    @Test func explainNamesTheBottleneck() throws {
        let out = CLI.execute(["explain", try writeTemporary(hybrid), "--gpus", "4"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("The GPUs compute"))
        #expect(out.stdout.contains("fc6"))
        #expect(out.stdout.contains("activations"))
        #expect(out.stdout.contains("gpu3"))
    }

    @Test func explainRejectsAnUnknownRun() throws {
        let out = CLI.execute(["explain", try writeTemporary(hybrid), "--gpus", "4", "--run", "nope"])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("--run"))
    }

    /// Two labelled runs, to narrow with `--run`.
    let twoRuns = """
        model: alexnet-owt-cc2
        batch_per_gpu: 32
        cluster: {gpu: K20, gpus_per_node: 8, fabric: pcie-tree}
        strategy: {kind: hybrid, scheme: c}
        gpus: [1, 4]
        runs:
          - {label: exact, strategy: {variant: exact}}
          - {label: approximate, strategy: {variant: approximate}}
        """

    @Test func simulateAndReportNarrowToOneRun() throws {
        let path = try writeTemporary(twoRuns)
        let every = CLI.execute(["simulate", path, "--json"]), one = CLI.execute(["simulate", path, "--json", "--run", "approximate"])
        #expect(every.exitCode == 0 && one.exitCode == 0)
        func labels(_ json: String) throws -> [String] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            // Each row's label is "RUN · configuration".
            return try #require(object["results"] as? [[String: Any]]).compactMap {
                ($0["label"] as? String)?.components(separatedBy: " · ").first
            }
        }
        #expect(try labels(every.stdout) == ["exact", "exact", "approximate", "approximate"])
        #expect(try labels(one.stdout) == ["approximate", "approximate"])
        // The narrowed rows are the same numbers as the full table's.
        #expect(one.stdout.components(separatedBy: "\n").filter { $0.contains("step_seconds") }
                == every.stdout.components(separatedBy: "\n").filter { $0.contains("step_seconds") }.suffix(2))
        let report = CLI.execute(["report", path, "--json", "--run", "exact"])
        #expect(report.exitCode == 0)
        #expect(try labels(report.stdout) == ["exact", "exact"])
    }

    /// sweep and trace never write over the scenario they read, even with --force; chart,
    /// plan and report, which write a folder of files, refuse a new folder named as a file.
    @Test func theScenarioIsNeverTheOutputAndAFolderIsNoFile() throws {
        let path = try writeTemporary(twoRuns)
        for arguments in [["sweep", path, "--vary", "gpus=4", "--out", path], ["trace", path, "--out", path]] {
            let out = CLI.execute(arguments + ["--force"])
            #expect(out.exitCode == 2 && out.stderr.contains("is the input") && out.stderr.contains("write to another file"), "\(out.stderr)")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == twoRuns)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-named-\(UUID().uuidString)").path
        for arguments in [["chart", "throughput", path, "--out", folder + "/plan.json"], ["report", path, "--out", folder + "/report.md"]] {
            let out = CLI.execute(arguments)
            #expect(out.exitCode == 2 && out.stderr.contains("names a file; --out takes the folder"), "\(out.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder), "a folder was made for a refused --out")
    }

    /// Nor over a file the scenario names: its model file, a catalog file (a walkthrough's
    /// `sweep --out model.yaml --force` turned the model into CSV rows and broke the scenario).
    @Test func aFileTheScenarioNamesIsNeverTheOutput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-named-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let model = "name: tiny\ninput: [3, 8, 8]\nlayers:\n  - {type: conv, out: 8, kernel: 3}\n  - {type: fc, units: 10}\n  - {type: softmax}\n"
        let catalog = "gpus:\n  - {name: MY-K20, architecture: Kepler, year: 2012, memory_gib: 5, memory_bandwidth_gb_per_s: 208,\n"
            + "     peak_tflops: {fp32: 3.52}, host_link: pcie2-x16, source: \"a test board\"}\n"
        try model.write(toFile: dir + "/net.yaml", atomically: true, encoding: .utf8)
        try catalog.write(toFile: dir + "/gpus.yaml", atomically: true, encoding: .utf8)
        let scenario = dir + "/s.yaml"
        try "model: {file: net.yaml}\nbatch_per_gpu: 4\ncluster: {gpu: MY-K20, gpus_per_node: 2}\ngpus: [1, 2]\ncatalog: {files: [gpus.yaml]}\n"
            .write(toFile: scenario, atomically: true, encoding: .utf8)
        #expect(CLI.execute(["simulate", scenario]).exitCode == 0)
        for target in ["net.yaml", "gpus.yaml"] {
            for arguments in [["sweep", scenario, "--vary", "gpus=2", "--out", dir + "/" + target], ["trace", scenario, "--out", dir + "/" + target]] {
                let out = CLI.execute(arguments + ["--force"])
                #expect(out.exitCode == 2 && out.stderr.contains("is the input") && out.stderr.contains(target), "\(arguments): \(out.stderr)")
            }
        }
        // A model file only a varied value names is the sweep's input too.
        try model.write(toFile: dir + "/net2.yaml", atomically: true, encoding: .utf8)
        let varied = CLI.execute(["sweep", scenario, "--vary", "model={file: net2.yaml}", "--out", dir + "/net2.yaml", "--force"])
        #expect(varied.exitCode == 2 && varied.stderr.contains("is the input") && varied.stderr.contains("net2.yaml"), "\(varied.stderr)")
        #expect(try String(contentsOfFile: dir + "/net.yaml", encoding: .utf8) == model)
        #expect(try String(contentsOfFile: dir + "/net2.yaml", encoding: .utf8) == model)
        #expect(try String(contentsOfFile: dir + "/gpus.yaml", encoding: .utf8) == catalog)
    }

    /// A varied key named as a result column (`model`, `strategy`) gets a column of its own,
    /// `vary.KEY`, which holds the point's value: a CSV header never names two columns alike.
    @Test func aSweepsCSVHeaderNamesEachColumnOnce() throws {
        let path = try writeTemporary("model: resnet18\nbatch_per_gpu: 32\ncluster: {gpu: V100, gpus_per_node: 8}\ngpus: [8]\n")
        let out = CLI.execute(["sweep", path, "--quiet", "--vary", "model=resnet18,resnet34", "--vary", "strategy={kind: data}"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.first ?? []
        #expect(Set(header).count == header.count && header.starts(with: ["point", "run", "vary.model", "vary.strategy", "gpus"]), "\(header)")
        // The strategy's value is one YAML mapping with no comma, so the cells split plainly.
        #expect(lines.dropFirst().map { Array($0.prefix(4).dropFirst(2)) } == [["resnet18", "{kind: data}"], ["resnet34", "{kind: data}"]],
                "\(out.stdout)")
    }

    /// A combination one run cannot take (model parallelism on the branched ResNet-50) while
    /// AlexNet takes it: sweep writes the other rows, says on standard error what it left out
    /// and why, and exits 0; plan counts it in its first line and says why in its notes.
    @Test func sweepAndPlanSayWhatTheyLeaveOut() throws {
        let sweep = CLI.execute(["sweep", "scenarios/default.yaml", "--vary", "strategy.kind=data,model", "--vary", "gpus=2,4", "--quiet"])
        #expect(sweep.exitCode == 0, "\(sweep.stderr)")
        #expect(sweep.stdout.split(separator: "\n").count == 1 + 6, "\(sweep.stdout)")
        #expect(sweep.stderr.hasPrefix("""
            sweep: 2 of 8 points are left out, combinations of varied values their run cannot take (each value is swept with others; no rows):
              2 points of run 'ResNet-50': scenarios/default.yaml: runs[0].strategy.kind: model parallelism from 'conv1' needs
            """), "\(sweep.stderr)")
        #expect(sweep.stderr.contains("(with --vary strategy.kind=model)\n"), "\(sweep.stderr)")
        // The JSON's header lists them (points does not count them), and merge keeps them from the shards.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-left-out-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for shard in ["1/2", "2/2"] {
            let out = CLI.execute(["sweep", "scenarios/default.yaml", "--vary", "strategy.kind=data,model", "--vary", "gpus=2,4", "--quiet",
                                   "--shard", shard, "--out", folder + "/\(shard.prefix(1)).json"])
            #expect(out.exitCode == 0, "\(out.stderr)")
        }
        let merged = CLI.execute(["merge", folder + "/1.json", folder + "/2.json"])
        let header = try #require((try JSONSerialization.jsonObject(with: Data(merged.stdout.utf8)) as? [String: Any])?["sweep"] as? [String: Any])
        let leftOut = try #require(header["left_out"] as? [[String: Any]], "\(merged.stdout.prefix(400))")
        #expect(header["points"] as? Int == 6 && leftOut.count == 1 && leftOut[0]["run"] as? String == "ResNet-50" && leftOut[0]["points"] as? Int == 2
                && (leftOut[0]["reason"] as? String)?.hasSuffix("(with --vary strategy.kind=model)") == true, "\(header)")
        let plan = CLI.execute(["plan", "scenarios/whatif/resnet50-deadline.yaml", "--vary", "model=resnet50,alexnet-owt",
                                "--vary", "strategy.kind=data,model", "--vary", "gpus=8", "--quiet"])
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        #expect(plan.stdout.hasPrefix("3 configurations fit in memory, of 3 searched; 1 more left out, which their run cannot take "
                                      + "(the notes at the end say why).\n"), "\(plan.stdout)")
        #expect(plan.stdout.contains("\nLeft out: 1 configuration, a combination of varied values the run cannot take"), "\(plan.stdout)")
        // A value no run takes is a mistake: refused, as before.
        let refused = CLI.execute(["sweep", "scenarios/default.yaml", "--run", "ResNet-50", "--vary", "strategy.kind=data,model", "--quiet"])
        #expect(refused.exitCode == 2 && refused.stderr.hasPrefix("error: scenarios/default.yaml: runs[0].strategy.kind: model parallelism"),
                "\(refused.stderr)")
    }

    /// A configuration whose tensors exceed the GPU's memory runs nowhere; it is priced as if
    /// the memory were there, so its images/s do not fall where the fits column turns false (with
    /// its convolutions' workspace limited to the memory it lacks, ResNet-50 in fp32 on an H100
    /// fell from 863 to 723 images/s between 512 and 1,024 images per GPU).
    @Test func aConfigurationThatDoesNotFitIsPricedAsIfTheMemoryWereThere() throws {
        let path = try writeTemporary("model: resnet50\nprecision: fp32\nbatch_per_gpu: 256\ncluster: {gpu: H100, gpus_per_node: 1}\n"
                                      + "gpus: [1]\nsoftware: {profile: ideal, kernel_library: cudnn-8}\n")
        let out = CLI.execute(["sweep", path, "--quiet", "--vary", "batch_per_gpu=512,1024"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        let rate = try #require(header.firstIndex(of: "images_per_second")), fit = try #require(header.firstIndex(of: "fits_in_memory"))
        let rows = lines.dropFirst()
        #expect(rows.map { $0[fit] } == ["true", "false"], "\(out.stdout)")
        let rates = rows.compactMap { Double($0[rate]) }
        #expect(rates.count == 2 && rates[1] >= rates[0] * 0.99, "\(rates)")
    }

    /// A sweep's points that do not fit in GPU memory are rows like the others, counted on
    /// standard error (streamed to a CSV file or not), and the sweep exits 0.
    @Test func aSweepCountsThePointsThatDoNotFit() throws {
        let path = try writeTemporary(smallScenario + "\nruns:\n  - {label: fits}\n  - {label: huge, batch_per_gpu: 16384}\n")
        let out = CLI.execute(["sweep", path, "--quiet", "--vary", "gpus=1,2"])
        #expect(out.exitCode == 0 && out.stderr.contains("sweep: 2 of 4 points do not fit in GPU memory (fits_in_memory false)"), "\(out.stderr)")
        #expect(out.stdout.components(separatedBy: ",false,").count == 3, "\(out.stdout)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-unfit-\(UUID().uuidString).csv").path
        let streamed = CLI.execute(["sweep", path, "--quiet", "--vary", "gpus=1,2", "--out", file])
        #expect(streamed.exitCode == 0 && streamed.stderr.contains("sweep: 2 of 4 points do not fit"), "\(streamed.stderr)")
        let fitting = CLI.execute(["sweep", path, "--quiet", "--run", "fits", "--vary", "gpus=1,2"])
        #expect(fitting.exitCode == 0 && !fitting.stderr.contains("do not fit"), "\(fitting.stderr)")
    }

    /// A varied key that a run sets itself replaces the run's value in every point: noted at the
    /// run's key, naming the run and the value given up, in sweep and in plan; a run that
    /// inherits the key, and a run left out by --run, get no note.
    @Test func aVariedKeyThatARunSetsIsNoted() throws {
        let path = try writeTemporary(smallScenario + "\ntraining: {epochs: 1}\npricing: {mode: cloud}\n"
                                      + "runs:\n  - {label: own, batch_per_gpu: 16}\n  - {label: inherits}\n")
        let out = CLI.execute(["sweep", path, "--quiet", "--vary", "batch_per_gpu=8", "--vary", "gpus=1"])
        let notes = out.stderr.split(separator: "\n").filter { $0.contains("sets its own") }
        #expect(out.exitCode == 0 && notes.count == 1, "\(out.stderr)")
        #expect(notes.first?.contains("runs[0].batch_per_gpu: run 'own' sets its own batch_per_gpu (16); --vary batch_per_gpu replaces it "
                                      + "with 8 in every point") == true, "\(out.stderr)")
        let chosen = CLI.execute(["sweep", path, "--quiet", "--run", "inherits", "--vary", "batch_per_gpu=8", "--vary", "gpus=1"])
        #expect(chosen.exitCode == 0 && !chosen.stderr.contains("sets its own"), "\(chosen.stderr)")
        let plan = CLI.execute(["plan", path, "--vary", "batch_per_gpu=8", "--vary", "gpus=1"])
        #expect(plan.stdout.contains("Varied: ") && plan.stdout.contains("run 'own' sets its own batch_per_gpu"), "\(plan.stdout)\(plan.stderr)")
    }

    /// Under --run the varied scenario holds only the chosen run, yet an error names it as the
    /// scenario numbers it: the value's own (varied, so lineless) and the checks after it.
    @Test func aSweepsErrorNamesTheChosenRunAsTheScenarioNumbersIt() throws {
        let path = try writeTemporary("model: resnet18\nbatch_per_gpu: 32\ncluster: {gpu: V100, gpus_per_node: 8}\ngpus: [8]\n"
            + "runs:\n  - {label: a}\n  - {label: b}\n  - {label: c, accumulation_steps: 2}\n")
        let parsed = CLI.execute(["sweep", path, "--quiet", "--run", "c", "--vary", "batch_per_gpu=0"])
        #expect(parsed.exitCode == 2 && parsed.stderr.contains("runs[2].batch_per_gpu") && !parsed.stderr.contains("runs[0]"), "\(parsed.stderr)")
        let checked = CLI.execute(["sweep", path, "--quiet", "--run", "c", "--vary", "max_global_batch=8"])
        #expect(checked.exitCode == 2 && checked.stderr.contains("runs[2].max_global_batch") && checked.stderr.contains("--vary max_global_batch=8"),
                "\(checked.stderr)")
    }

    /// An error met in a point's simulation (here the expanded plan's limit on a hybrid's exchanges)
    /// names the point's varied settings, which the line it points at holds none of.
    @Test func aSweepsSimulationErrorNamesThePointsSettings() throws {
        let path = try writeTemporary("model: alexnet\nbatch_per_gpu: 128\nprecision: bf16\ngpus: [8]\ncluster: {gpu: A100-SXM4-80GB, "
            + "gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}\nsimulation: {fidelity: expanded}\n"
            + "strategy: {kind: hybrid}\n")
        let out = CLI.execute(["sweep", path, "--quiet", "--vary", "strategy.variant=approximate", "--vary", "gpus=16"])
        #expect(out.exitCode == 2 && out.stderr.contains("transfer-sharing updates")
                && out.stderr.hasSuffix(" (with --vary strategy.variant=approximate gpus=16)\n"), "\(out.stderr)")
    }

    /// An unlabelled run is selected by its key path, as the tables name it.
    @Test func anUnlabelledRunIsSelectedByItsKeyPath() throws {
        let path = try writeTemporary(twoRuns.replacingOccurrences(of: "label: exact, ", with: "")
            .replacingOccurrences(of: "label: approximate, ", with: ""))
        let every = CLI.execute(["simulate", path, "--json"]), second = CLI.execute(["simulate", path, "--json", "--run", "runs[1]"])
        #expect(every.exitCode == 0 && second.exitCode == 0, "\(second.stderr)")
        func steps(_ json: String) -> [String] { json.components(separatedBy: "\n").filter { $0.contains("step_seconds") } }
        #expect(steps(second.stdout) == Array(steps(every.stdout).suffix(2)) && steps(every.stdout).count == 4)
        let sweep = CLI.execute(["sweep", path, "--run", "runs[1]", "--vary", "gpus=4"])
        #expect(sweep.exitCode == 0 && sweep.stdout.contains("runs[1]") && !sweep.stdout.contains("runs[0]"), "\(sweep.stdout)\(sweep.stderr)")
        let explain = CLI.execute(["explain", path, "--gpus", "4"])
        #expect(explain.exitCode == 0 && explain.stdout.contains("runs[0]: alexnet") && explain.stdout.contains("runs[1]: alexnet"),
                "two unlabelled runs had the same heading")
        // A scenario of one unlabelled run has no names to list.
        let single = CLI.execute(["simulate", try writeTemporary("model: resnet18\nbatch_per_gpu: 32\ncluster: {gpu: V100, gpus_per_node: 8}\ngpus: [8]\n"),
                                  "--run", "a"])
        #expect(single.exitCode == 2 && single.stderr.contains("no run is labelled or at 'a'; the scenario has one run, unlabelled"), "\(single.stderr)")
        // The argument parser's own errors are spelt as every other error line.
        let parser = CLI.execute(["simulate", path, "--no-such-flag"])
        #expect(parser.exitCode == 2 && parser.stderr.hasPrefix("error: "), "\(parser.stderr)")
        let none = CLI.execute(["simulate", path, "--run", "runs[2]"])
        #expect(none.exitCode == 2 && none.stderr.contains("no run is labelled or at 'runs[2]'; the scenario's runs: runs[0], runs[1]"), "\(none.stderr)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-runs-\(UUID().uuidString)").path
        let chart = CLI.execute(["chart", "gantt", path, "--gpus", "4", "--out", folder])
        #expect(chart.exitCode == 0 && chart.stdout.contains("of 2; --run 'runs[1]' draws the next"), "\(chart.stdout)")
    }

    @Test(arguments: ["simulate", "report"])
    func rejectsAnUnknownRunNamingTheLabels(command: String) throws {
        let out = CLI.execute([command, try writeTemporary(twoRuns), "--json", "--run", "nope"])
        #expect(out.exitCode == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("--run: no run is labelled or at 'nope'; the scenario's runs: exact, approximate"))
        // A label written in other case selects its run, as GPU and model names are read.
        let folded = CLI.execute([command, try writeTemporary(twoRuns), "--json", "--run", "Approximate"])
        if command == "simulate" {
            let rows = try #require((try JSONSerialization.jsonObject(with: Data(folded.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
            #expect(rows.allSatisfy { $0["run"] as? String == "approximate" }, "the run's name alone, as --run takes it")
        }
        #expect(folded.exitCode == 0 && folded.stdout.contains("\"label\" : \"approximate · ")
                && !folded.stdout.contains("\"label\" : \"exact · "), "\(folded.stderr)")
    }

    @Test(arguments: [
        ("strategy: {kind: data, scheme: b}", "strategy.scheme"),
        ("strategy: {kind: hybrid, scheme: d}", "strategy.scheme"),
        ("strategy: {kind: hybrid, model_parallel_from: conv9}", "strategy.model_parallel_from"),
        ("strategy: {kind: data, variant: exact}", "strategy.variant"),
    ])
    func strategyErrorsNameTheKey(strategy: String, keyPath: String) throws {
        let yaml = hybrid.replacingOccurrences(of: "strategy: {kind: hybrid, scheme: c, variant: approximate}", with: strategy)
        let out = CLI.execute(["simulate", try writeTemporary(yaml)])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains(":4: \(keyPath):"), "\(out.stderr)")
    }

    /// A model-parallel start that is not a product names the layers it could be.
    @Test func aWrongModelParallelStartListsTheCandidates() throws {
        for (start, says) in [("conv9", "has no layer named 'conv9'"), ("pool5", "'pool5' is a layer of kind")] {
            let yaml = hybrid.replacingOccurrences(of: "strategy: {kind: hybrid, scheme: c, variant: approximate}",
                                                   with: "strategy: {kind: hybrid, model_parallel_from: \(start)}")
            let out = CLI.execute(["simulate", try writeTemporary(yaml)])
            #expect(out.exitCode == 2 && out.stderr.contains(says), "\(out.stderr)")
            #expect(out.stderr.contains("conv5, fc6, fc7, fc8"), "\(out.stderr)")
        }
    }

    @Test func modelParallelOnAResNetIsRefusedWithTheReason() throws {
        let yaml = hybrid.replacingOccurrences(of: "alexnet-owt-cc2", with: "resnet50")
            .replacingOccurrences(of: "strategy: {kind: hybrid, scheme: c, variant: approximate}", with: "strategy: {kind: model}")
        let out = CLI.execute(["simulate", try writeTemporary(yaml)])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("chain"))
    }
}

@Suite struct OutputCommandTests {
    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-out-\(UUID().uuidString)").path
    }

    @Test func notebookRunInsertsOutputAndCheckNoticesEdits() throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let scenario = try writeTemporary(smallScenario)
        let notebook = dir + "/nb.md"
        try "# A notebook\n\n```scalecast\nscalecast simulate \(scenario) --gpus 1,2\n```\n\nThe end.\n"
            .write(toFile: notebook, atomically: true, encoding: .utf8)
        #expect(CLI.execute(["notebook", "check", notebook]).exitCode == 1)
        let run = CLI.execute(["notebook", "run", notebook])
        #expect(run.exitCode == 0)
        let text = try String(contentsOfFile: notebook, encoding: .utf8)
        #expect(text.contains(Notebook.begin))
        #expect(text.contains("images/s"))
        #expect(text.hasSuffix("The end.\n"))
        #expect(CLI.execute(["notebook", "check", notebook]).exitCode == 0)
        // A second run replaces the output instead of adding another copy.
        _ = CLI.execute(["notebook", "run", notebook])
        #expect(try String(contentsOfFile: notebook, encoding: .utf8) == text)
        try text.replacingOccurrences(of: "images/s", with: "pictures/s").write(toFile: notebook, atomically: true, encoding: .utf8)
        let stale = CLI.execute(["notebook", "check", notebook])
        #expect(stale.exitCode == 1)
        #expect(stale.stderr.contains("out of date"))
    }

    /// A notebook in a folder of its own with one block, a throughput chart drawn into its
    /// `charts/` folder; the notebook's path and the chart's picture's.
    func chartNotebook() throws -> (notebook: String, picture: String) {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let scenario = try writeTemporary(smallScenario)
        let notebook = dir + "/nb.md"
        try "```scalecast\nscalecast chart throughput \(scenario) --out charts\n```\n".write(toFile: notebook, atomically: true, encoding: .utf8)
        return (notebook, dir + "/charts/throughput.png")
    }

    /// A chart's picture that is missing or cut short is out of date, though its data and
    /// script are current; running the notebook draws it again.
    @Test func notebookCheckNoticesAMissingOrBrokenPicture() throws {
        let (notebook, picture) = try chartNotebook()
        #expect(CLI.execute(["notebook", "run", notebook]).exitCode == 0)
        #expect(CLI.execute(["notebook", "check", notebook]).exitCode == 0)
        let whole = try Data(contentsOf: URL(fileURLWithPath: picture))
        for broken in [nil, Data(), whole.prefix(whole.count / 2)] {
            try FileManager.default.removeItem(atPath: picture)
            if let broken { try broken.write(to: URL(fileURLWithPath: picture)) }
            let check = CLI.execute(["notebook", "check", notebook])
            #expect(check.exitCode == 1 && check.stderr.contains("throughput.png"), "\(check.stderr)")
            #expect(CLI.execute(["notebook", "run", notebook]).exitCode == 0)
            #expect(CLI.execute(["notebook", "check", notebook]).exitCode == 0)
        }
    }

    /// A notebook's mistakes are named at their lines, and a command that fails on bad input
    /// (exit 2) stops the notebook, which is left as it was, rather than be recorded as its result.
    @Test func aNotebooksMistakesAreNamedAtTheirLines() throws {
        let noteAndError = "model: resnet50\nbatch_per_gpu: 100000\ncluster: {gpu: V100, gpus_per_node: 8}\ngpus: [1]\n"
            + "training: {epochs: 1}\npricing: {mode: cloud, pue: 1.2}\n"
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let cases = [("intro\n\n```scalecast\nscalecast models\n", ":3: a ```scalecast block is not closed"),
                     ("```scalecast\nscalecast simulate x.yaml \\\n  --run a\n```\n", ":2: a notebook's command is one line"),
                     ("```scalecast\nsimulate x.yaml\n```\n", ":2: a scalecast block line must start with 'scalecast'"),
                     ("```scalecast\n\nscalecast sweep x.yaml\n```\n", ":3: notebooks run "),
                     ("```scalecast\nscalecast simulate nonexistent.yaml\n```\n", ":2: the command failed (exit code 2): error: nonexistent.yaml"),
                     ("```scalecast\nscalecast chart throughput nonexistent.yaml --out c\n```\n", ":2: nonexistent.yaml"),
                     ("```scalecast\n! scalecast models\n```\n", ":2: the command is shown failing ('! ') but exited 0, not 2"),
                     // The error is quoted, not the note simulate prints before it.
                     ("```scalecast\nscalecast simulate \(try writeTemporary(noteAndError))\n```\n", ":2: the command failed (exit code 2): error: ")]
        for (text, message) in cases {
            let notebook = dir + "/nb.md"
            try text.write(toFile: notebook, atomically: true, encoding: .utf8)
            let run = CLI.execute(["notebook", "run", notebook])
            #expect(run.exitCode == 2 && run.stderr.contains(notebook + message), "\(run.stderr)")
            #expect(try String(contentsOfFile: notebook, encoding: .utf8) == text)
        }
        // A refusal shown on purpose (`! `) is recorded, exit code and all.
        let notebook = dir + "/nb.md"
        try "```scalecast\n! scalecast simulate nonexistent.yaml\n```\n".write(toFile: notebook, atomically: true, encoding: .utf8)
        #expect(CLI.execute(["notebook", "run", notebook]).exitCode == 0)
        let shown = try String(contentsOfFile: notebook, encoding: .utf8)
        #expect(shown.contains("error: nonexistent.yaml: no such file") && shown.contains("(exit code 2)"), "\(shown)")
        #expect(CLI.execute(["notebook", "check", notebook]).exitCode == 0)
    }

    /// Only a fenced `scalecast` block runs, as CommonMark reads fences: not one shown inside
    /// another fence, nor one indented four spaces (a code block); a `~~~scalecast` fence runs.
    /// A byte order mark is kept.
    @Test func aNotebookRunsOnlyItsOwnFencedBlocks() throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let notebook = dir + "/nb.md"
        let shown = "````markdown\n```scalecast\nscalecast models\n```\n````\n\n    ```scalecast\n    scalecast models\n    ```\n"
        try ("\u{FEFF}# Notes\n\n" + shown).write(toFile: notebook, atomically: true, encoding: .utf8)
        let run = CLI.execute(["notebook", "run", notebook])
        #expect(run.exitCode == 0 && run.stderr.isEmpty, "\(run.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: notebook))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(!String(decoding: bytes, as: UTF8.self).contains(Notebook.begin), "a block that is only shown was run")
        try ("~~~scalecast\nscalecast models\n~~~\n").write(toFile: notebook, atomically: true, encoding: .utf8)
        #expect(CLI.execute(["notebook", "run", notebook]).exitCode == 0)
        #expect(try String(contentsOfFile: notebook, encoding: .utf8).contains(Notebook.begin))
        // A fence on the first line, after the byte order mark, is a fence.
        try ("\u{FEFF}```scalecast\nscalecast models\n```\n").write(toFile: notebook, atomically: true, encoding: .utf8)
        #expect(CLI.execute(["notebook", "run", notebook]).exitCode == 0)
        let marked = try Data(contentsOf: URL(fileURLWithPath: notebook))
        #expect(marked.starts(with: [0xEF, 0xBB, 0xBF]) && String(decoding: marked, as: UTF8.self).contains(Notebook.begin))
    }

    /// A run says what it did: the notebook rewritten, only a chart redrawn, or nothing.
    @Test func notebookRunSaysWhenItOnlyRedrewAChart() throws {
        let (notebook, picture) = try chartNotebook()
        #expect(CLI.execute(["notebook", "run", notebook]).stdout == "\(notebook): updated\n")
        #expect(CLI.execute(["notebook", "run", notebook]).stdout == "\(notebook): unchanged\n")
        try FileManager.default.removeItem(atPath: picture)
        let redrawn = CLI.execute(["notebook", "run", notebook])
        #expect(redrawn.stdout == "\(notebook): charts redrawn (charts/throughput.png)\n", "\(redrawn.stdout)")
        #expect(FileManager.default.fileExists(atPath: picture))
    }

    /// A chart replaces its files without --force only in a folder inside the notebook's root;
    /// elsewhere it refuses, as `scalecast chart` does, and leaves the file as it was.
    @Test func aNotebooksChartReplacesFilesOutsideItsRootOnlyWithForce() throws {
        let dir = temporaryDirectory(), elsewhere = temporaryDirectory()
        for folder in [dir, elsewhere] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let scenario = try writeTemporary(smallScenario)
        let theirs = elsewhere + "/throughput.dat"
        try "someone's data\n".write(toFile: theirs, atomically: true, encoding: .utf8)
        let notebook = dir + "/nb.md"
        try "```scalecast\nscalecast chart throughput \(scenario) --out \(elsewhere)\n```\n".write(toFile: notebook, atomically: true, encoding: .utf8)
        let refused = CLI.execute(["notebook", "run", notebook])
        #expect(refused.exitCode == 2 && refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: theirs, encoding: .utf8) == "someone's data\n")
        try "```scalecast\nscalecast chart throughput \(scenario) --out \(elsewhere) --force\n```\n".write(toFile: notebook, atomically: true, encoding: .utf8)
        #expect(CLI.execute(["notebook", "run", notebook]).exitCode == 0)
        #expect(try String(contentsOfFile: theirs, encoding: .utf8) != "someone's data\n")
    }

    /// A notebook with CRLF line ends is run (its blocks found) and written back with CRLF;
    /// one without blocks, or empty, is left as it was and said to have nothing to run.
    @Test func notebookLineEndsAndNotebooksWithoutBlocks() throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let crlf = dir + "/crlf.md"
        try "# Models\r\n\r\n```scalecast\r\nscalecast models\r\n```\r\n".write(toFile: crlf, atomically: true, encoding: .utf8)
        #expect(CLI.execute(["notebook", "run", crlf]).stdout == "\(crlf): updated\n")
        let text = try String(contentsOfFile: crlf, encoding: .utf8)
        #expect(text.contains(Notebook.begin + "\r\n") && text.hasSuffix(Notebook.end + "\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "a bare LF is left in the notebook")
        #expect(CLI.execute(["notebook", "check", crlf]).exitCode == 0)
        for (name, content) in [("empty.md", ""), ("prose.md", "# Just prose\n\n```text\nnot a command\n```")] {
            let file = dir + "/" + name
            try content.write(toFile: file, atomically: true, encoding: .utf8)
            for mode in ["run", "check"] {
                let out = CLI.execute(["notebook", mode, file])
                #expect(out.exitCode == 0 && out.stdout == "\(file): no scalecast blocks, nothing to run\n", "\(mode): \(out.stdout)")
            }
            #expect(try String(contentsOfFile: file, encoding: .utf8) == content)
        }
    }

    @Test func notebooksRefuseCommandsThatWriteElsewhere() throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let notebook = dir + "/nb.md"
        try "```scalecast\nscalecast report x.yaml --out /tmp/x\n```\n".write(toFile: notebook, atomically: true, encoding: .utf8)
        let out = CLI.execute(["notebook", "run", notebook])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("notebooks run"))
    }

    /// A command a notebook may run is refused when it would write a file, however the option
    /// is spelled; nothing is written and the notebook is left as it was.
    @Test(arguments: ["import layer-times t.csv --gpu H200 --out p.yaml", "import layer-times t.csv --gpu H200 --out=p.yaml",
                      "validate --published c.yaml --errors-out p.yaml", "validate --published c.yaml --errors-out=p.yaml"])
    func notebooksRefuseEveryWayOfWritingAFile(command: String) throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let notebook = dir + "/nb.md", text = "```scalecast\nscalecast \(command)\n```\n"
        try text.write(toFile: notebook, atomically: true, encoding: .utf8)
        let out = CLI.execute(["notebook", "run", notebook])
        #expect(out.exitCode == 2 && out.stderr.contains("only chart commands may write files"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/p.yaml"))
        #expect(try String(contentsOfFile: notebook, encoding: .utf8) == text)
    }

    @Test func missingGnuplotStillWritesDataAndScripts() throws {
        let dir = temporaryDirectory()
        let chart = Chart(name: "scaling", format: .png, data: "1 1\n", script: "set terminal pngcairo\n")
        let notes = try Gnuplot.write([chart], into: dir, force: false, gnuplot: .some(nil)).notes
        #expect(notes.count == 1)
        #expect(notes[0].contains("gnuplot is not installed"))
        #expect(FileManager.default.fileExists(atPath: dir + "/scaling.dat"))
        #expect(FileManager.default.fileExists(atPath: dir + "/scaling.gp"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/scaling.png"))
    }

    /// A chart whose script (or data) is already there is refused before anything is
    /// written: the user's file is untouched and no other file of the chart appears.
    @Test(arguments: ["scaling.gp", "scaling.dat"])
    func anExistingChartFileIsRefusedBeforeAnyIsWritten(existing: String) throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "MINE\n".write(toFile: dir + "/" + existing, atomically: true, encoding: .utf8)
        let chart = Chart(name: "scaling", format: .png, data: "1 1\n", script: "set terminal pngcairo\n")
        #expect(throws: UsageError.self) { try Gnuplot.write([chart], into: dir, force: false, gnuplot: .some(nil)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [existing])
        #expect(try String(contentsOfFile: dir + "/" + existing, encoding: .utf8) == "MINE\n")
    }

    @Test func reportRefusesANonEmptyFolderWithoutForce() throws {
        let dir = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "mine".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let out = CLI.execute(["report", try writeTemporary(smallScenario), "--out", dir])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("not empty"))
        #expect(try String(contentsOfFile: dir + "/notes.txt", encoding: .utf8) == "mine")
    }

    @Test func traceNeverOverwritesWithoutForce() throws {
        let path = temporaryDirectory() + ".json"
        let scenario = try writeTemporary(smallScenario)
        #expect(CLI.execute(["trace", scenario, "--gpus", "2", "--out", path]).exitCode == 0)
        let again = CLI.execute(["trace", scenario, "--gpus", "2", "--out", path])
        #expect(again.exitCode == 2)
        #expect(again.stderr.contains("--force"))
        #expect(CLI.execute(["trace", scenario, "--gpus", "2", "--out", path, "--force"]).exitCode == 0)
    }
}

@Suite struct PlanningCLITests {
    /// Idle time is counted in whole nanoseconds: a step with none prints 0, not the residue of a
    /// difference of seconds (a 2-step accumulation printed 6.9e-18 s).
    @Test func idleSecondsCarryNoFloatResidue() throws {
        let csv = CLI.execute(["sweep", "scenarios/examples/accumulate-or-faster-network.yaml", "--vary", "accumulation_steps=2", "--quiet"])
        #expect(csv.exitCode == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let column = try #require(lines.first?.firstIndex(of: "idle_seconds"))
        let idle = lines.dropFirst().map { Double($0[column])! }
        #expect(!idle.isEmpty && idle.allSatisfy { $0 == 0 || $0 >= 1e-9 }, "\(idle)")
    }

    let priced = smallScenario.replacingOccurrences(of: "cluster: {gpu: V100, gpus_per_node: 4, fabric: pcie-tree}",
                                                    with: "cluster: {gpu: A100-SXM4-40GB, gpus_per_node: 4, fabric: nvswitch, network: {link: eth-100g}}")
        + "\ntraining: {epochs: 1}\npricing: {mode: cloud}\n"

    @Test func sweepShardsMergeIntoTheWholeSweep() throws {
        let scenario = try writeTemporary(priced)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-sweep-\(UUID().uuidString)").path
        let vary = ["--vary", "gpus=1,2,4,8", "--vary", "network_gbps=25,100"]
        #expect(CLI.execute(["sweep", scenario] + vary + ["--out", dir + "/whole.json", "--quiet"]).exitCode == 0)
        for i in 1...3 {
            #expect(CLI.execute(["sweep", scenario] + vary + ["--shard", "\(i)/3", "--out", dir + "/s\(i).json", "--quiet"]).exitCode == 0)
        }
        let merged = CLI.execute(["merge", dir + "/s2.json", dir + "/s3.json", dir + "/s1.json"])
        #expect(merged.exitCode == 0)
        #expect(merged.stdout == (try String(contentsOfFile: dir + "/whole.json", encoding: .utf8)))
        let missing = CLI.execute(["merge", dir + "/s2.json", dir + "/s3.json"])
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("shard 1/3 is not among those given"), "\(missing.stderr)")
        let csv = CLI.execute(["sweep", scenario] + vary + ["--quiet"])
        #expect(csv.stdout.hasPrefix("point,run,network_gbps,gpus,"))
        #expect(csv.stdout.split(separator: "\n").count == 9)
    }

    /// A damaged shard is refused naming where it stops being a sweep's JSON: the key path and
    /// what was expected there, a missing key, or text that is not JSON at all.
    @Test func aDamagedShardIsRefusedNamingTheKey() throws {
        let scenario = try writeTemporary(priced)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-sweep-\(UUID().uuidString)").path
        let good = dir + "/s1.json"
        #expect(CLI.execute(["sweep", scenario, "--vary", "gpus=1,2", "--shard", "1/2", "--out", good, "--quiet"]).exitCode == 0)
        let text = try String(contentsOfFile: good, encoding: .utf8)
        let speed = try #require(text.range(of: #""images_per_second" : [0-9.e+-]+"#, options: .regularExpression))
        let point = try #require(text.range(of: #""point" : 0"#))
        for (damaged, expected) in [
            (text.replacingCharacters(in: speed, with: #""images_per_second" : "fast""#), "(results[0].images_per_second: expected a number)"),
            (text.replacingCharacters(in: point, with: #""point" : "first""#), "(results[0].point: expected a whole number)"),
            (text.replacingCharacters(in: point, with: #""point" : 0.5"#), "(a number out of range or of the wrong form"),
            (text.replacingCharacters(in: point, with: #""pont" : 0"#), "(key 'point' missing in results[0])"),
        ] {
            let path = dir + "/damaged.json"
            try damaged.write(toFile: path, atomically: true, encoding: .utf8)
            let out = CLI.execute(["merge", path])
            #expect(out.exitCode == 2 && out.stderr.hasPrefix("error: \(path): not a sweep JSON") && out.stderr.contains(expected),
                    "\(expected): \(out.stderr)")
        }
        // A shard cut short is not JSON: refused at the line where the text ends.
        let cut = String(text.prefix(text.count / 2))
        try cut.write(toFile: dir + "/cut.json", atomically: true, encoding: .utf8)
        let out = CLI.execute(["merge", dir + "/cut.json"])
        let lastLine = cut.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(out.exitCode == 2 && out.stderr.hasPrefix("error: \(dir)/cut.json:") && out.stderr.contains("not valid JSON"), "\(out.stderr)")
        #expect(out.stderr.contains("cut.json:\(lastLine): not valid JSON"), "\(out.stderr)")
    }

    /// Shards drawn with other `--samples` or another `--seed` are of another sweep: their
    /// ranges would make a file that matches no whole sweep, so `merge` refuses them.
    @Test func shardsWithOtherSamplesOrSeedDoNotMerge() throws {
        let scenario = try writeTemporary(priced)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-sweep-\(UUID().uuidString)").path
        let vary = ["--vary", "gpus=1,2", "--quiet"]
        func shard(_ i: Int, _ extra: [String], _ name: String) -> String {
            let path = dir + "/\(name).json"
            #expect(CLI.execute(["sweep", scenario] + vary + ["--shard", "\(i)/2", "--out", path] + extra).exitCode == 0)
            return path
        }
        let first = shard(1, ["--samples", "20", "--seed", "1"], "a")
        #expect(CLI.execute(["merge", first, shard(2, ["--samples", "20", "--seed", "1"], "b")]).exitCode == 0)
        for (extra, name) in [([String](), "none"), (["--samples", "20", "--seed", "7"], "seed"), (["--samples", "30", "--seed", "1"], "samples")] {
            let out = CLI.execute(["merge", first, shard(2, extra, name)])
            #expect(out.exitCode == 2 && out.stderr.contains("another sweep") && out.stderr.contains("\(name).json"), "\(name): \(out.stderr)")
        }
    }

    /// A grid too large to hold is refused before it is built (10^9 values' combinations, times the
    /// run's 3 GPU counts; an audit's 4 x 10^9 took 8 GB in 33 s and then trapped); a key varied inside another varied key is refused, since which value wins
    /// would depend on the flags' order. Both for sweep and plan, in one line with exit 2.
    @Test func aHugeGridAndNestedKeysAreRefusedBeforeAnySimulation() throws {
        let scenario = try writeTemporary(priced)
        let thousand = (1...1000).map(String.init).joined(separator: ",")
        let huge = ["--vary", "network_gbps=" + thousand, "--vary", "network_latency_us=" + thousand, "--vary", "gpu_link_gbps=" + thousand]
        let nested = ["--vary", "cluster.gpu=A100-SXM4-40GB", "--vary", "cluster={gpu: V100, gpus_per_node: 4, fabric: pcie-tree}"]
        for (extra, message) in [(huge, "error: --vary: the grid has 3000000000 points; at most 1000000 ("),
                                 (nested, "error: --vary cluster.gpu lies inside --vary cluster: ")] {
            for command in [["sweep", scenario, "--quiet"], ["plan", scenario, "--deadline-hours", "1", "--quiet"]] {
                let out = CLI.execute(command + extra)
                #expect(out.exitCode == 2 && out.stdout.isEmpty && out.stderr.hasPrefix(message), "\(command[0]): \(out.stderr)")
            }
        }
    }

    /// plan --out refuses a folder whose chart files it would replace before it searches (the search
    /// can take minutes), not after: here nothing fits in memory, which the search would find first.
    @Test func planRefusesItsChartFolderBeforeTheSearch() throws {
        let scenario = try writeTemporary(priced.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 100000"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "someone's\n".write(toFile: dir + "/costtime.gp", atomically: true, encoding: .utf8)
        let plan = ["plan", scenario, "--deadline-hours", "1", "--vary", "gpus=1,2", "--quiet", "--out", dir]
        let refused = CLI.execute(plan)
        #expect(refused.exitCode == 2 && refused.stderr.contains("costtime.gp exists") && refused.stdout.isEmpty, "\(refused.stderr)")
        #expect(try String(contentsOfFile: dir + "/costtime.gp", encoding: .utf8) == "someone's\n")
        let forced = CLI.execute(plan + ["--force"])
        #expect(forced.exitCode == 2 && forced.stderr.contains("fits in GPU memory"), "\(forced.stderr)")
    }

    @Test(arguments: [["--shard", "0/3"], ["--shard", "4/3"], ["--vary", "gpus"], ["--vary", "cluster.gpu=V1000"]])
    func badSweepArgumentsExitWithTwo(extra: [String]) throws {
        let out = CLI.execute(["sweep", try writeTemporary(priced), "--quiet"] + extra)
        #expect(out.exitCode == 2)
        #expect(!out.stderr.isEmpty)
    }

    /// A deadline some configuration meets: exit 0 and the cheapest named. One none meets, or a
    /// budget none is within: the plan is printed (text or JSON) and the exit code is 1.
    @Test func planNamesTheCheapestAndWhy() throws {
        let scenario = try writeTemporary(priced)
        let plan = ["plan", scenario, "--vary", "gpus=1,2,4,8", "--quiet"]
        let out = CLI.execute(plan + ["--deadline-hours", "1000"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("cheapest way to meet the deadline") && out.stdout.contains("Pareto front"), "\(out.stdout)")
        for asked in [["--deadline-hours", "0.001"], ["--deadline-hours", "0.001", "--json"], ["--cloud-budget", "0.01"]] {
            let unmet = CLI.execute(plan + asked)
            #expect(unmet.exitCode == 1 && unmet.stderr.isEmpty, "\(asked): \(unmet.exitCode) \(unmet.stderr)")
            if asked.contains("--json") {
                let json = try #require(try JSONSerialization.jsonObject(with: Data(unmet.stdout.utf8)) as? [String: Any])
                let models = try #require(json["models"] as? [[String: Any]])
                #expect(!models.isEmpty && models.allSatisfy { ($0["meeting_deadline"] as? [Any])?.isEmpty == true })
            } else {
                #expect(unmet.stdout.contains("No configuration"), "\(asked): \(unmet.stdout)")
            }
        }
        let unpriced = CLI.execute(["plan", try writeTemporary(smallScenario), "--deadline-hours", "2", "--quiet"])
        #expect(unpriced.exitCode == 2)
        #expect(unpriced.stderr.contains("training"))
    }
}

@Suite struct ImportCLITests {
    let log = """
        # nThread 1 nGpus 4 minBytes 1048576 maxBytes 67108864 step: 4(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
        #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
        #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
             1048576        262144     float     sum      -1    30.49   34.39   51.59      0    30.40   34.49   51.74      0
             4194304       1048576     float     sum      -1    61.94   67.72  101.57      0    61.80   67.87  101.80      0
            16777216       4194304     float     sum      -1   187.77   89.35  134.03      0   187.50   89.48  134.22      0
            67108864      16777216     float     sum      -1   691.09   97.11  145.66      0   690.90   97.13  145.70      0
        # Out of bounds values : 0 OK
        # Avg bus bandwidth    : 108.2135
        """

    @Test func importedLinksDriveAScenario() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-import-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try log.write(toFile: dir + "/all_reduce_perf.log", atomically: true, encoding: .utf8)
        let out = CLI.execute(["import", "nccl-tests", dir + "/all_reduce_perf.log", "--out", dir + "/network.yaml"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("all_reduce on 4 GPUs"))
        let scenario = """
            model: resnet50
            batch_per_gpu: 32
            catalog: {files: [network.yaml]}
            cluster: {gpu: H100, gpus_per_node: 4, fabric: nvswitch, nvlink: nccl-all_reduce-4gpus-all_reduce_perf}
            gpus: [1, 4]
            """
        try scenario.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let simulated = CLI.execute(["simulate", dir + "/s.yaml"])
        #expect(simulated.exitCode == 0, "\(simulated.stderr)")
        let broken = CLI.execute(["import", "nccl-tests", dir + "/s.yaml"])
        #expect(broken.exitCode == 2)
        #expect(broken.stderr.contains("s.yaml"))
    }

    /// A catalog file whose top level names neither list (`gpu:` for `gpus:`) added nothing,
    /// silently, so the scenario ran on the built-in figures; a missing file named no scenario
    /// line. Both are the scenario's errors now, at their line.
    @Test func catalogFilesAreCheckedLikeTheScenariosOwnCatalog() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-catalog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "gpu:\n  - {name: H100-SXM5, memory_gib: 80, memory_bandwidth_gb_per_s: 335, peak_tflops: {fp32: 67}, host_link: pcie5-x16, source: s}\n"
            .write(toFile: dir + "/typo.yaml", atomically: true, encoding: .utf8)
        let scenario = "model: resnet50\nbatch_per_gpu: 32\ncatalog: {files: [typo.yaml]}\ncluster: {gpu: H100, gpus_per_node: 1}\ngpus: [1]\n"
        try scenario.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let typo = CLI.execute(["simulate", dir + "/s.yaml"])
        #expect(typo.exitCode == 2 && typo.stderr.contains("typo.yaml:") && typo.stderr.contains("gpu: unknown key 'gpu'"), "\(typo.stderr)")
        try scenario.replacingOccurrences(of: "typo.yaml", with: "missing.yaml").write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
        let missing = CLI.execute(["simulate", dir + "/m.yaml"])
        #expect(missing.exitCode == 2 && missing.stderr.contains("m.yaml:3: catalog.files[0]: catalog file") && missing.stderr.contains("no such file"),
                "\(missing.stderr)")
    }
}

/// Calibration by execution on this CPU, end to end: the profile it writes is
/// one `validate --profile` accepts, and it is not written over without --force.
/// Serialized: two calibrations timing the same cores at once would disturb each other's fit.
@Suite(.serialized) struct CPUCalibrationCLITests {
    @Test func calibrateWritesAProfileThatValidateUses() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-calibrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("profile.yaml").path
        let out = CLI.execute(["calibrate", "--threads", "1", "--out", path])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("calibration-a, calibration-b and calibration-c"))
        let profile = try CalibrationProfile.load(path: path, cpu: nil, kernel: nil)
        #expect(profile.products.count >= 10)
        #expect(profile.maxEfficiency > 0 && profile.maxEfficiency <= 1)
        #expect(profile.streamBytesPerSecond > 0 && profile.kernelOverheadSeconds >= 0)
        let again = CLI.execute(["calibrate", "--threads", "1", "--out", path])
        #expect(again.exitCode == 2, "an existing profile is not overwritten without --force")
        let validated = CLI.execute(["validate", "--profile", path, "--workers", "1", "--batch", "8", "--rounds", "1", "--tolerance", "1000"])
        #expect(validated.exitCode == 0, "\(validated.stderr)")
        #expect(validated.stdout.contains("profile: \(path)"))
        // A profile measured on more threads than the executor's workers run is refused, not used.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\nthreads: 1\n", with: "\nthreads: 2\n").write(toFile: path, atomically: true, encoding: .utf8)
        let refused = CLI.execute(["validate", "--profile", path, "--workers", "1", "--batch", "8", "--rounds", "1"])
        #expect(refused.exitCode == 2 && refused.stderr.contains("--threads 1"), "\(refused.stderr)")
    }

    /// `calibrate --json`: the fitted profile and every timed pass beside its fit.
    @Test func cpuCalibrationAsJSON() throws {
        let out = CLI.execute(["calibrate", "--threads", "1", "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(document["schema_version"] as? Int == 1)
        #expect(document["mode"] as? String == "cpu")
        #expect(document["threads"] as? Int == 1)
        for key in ["cpu", "kernel", "peak_flops_per_second", "max_efficiency", "half_saturation", "overhead_seconds",
                    "lowering_bytes_per_second", "lowering_row_seconds", "copy_bytes_per_second", "copy_latency_seconds",
                    "stream_bytes_per_second", "figures_at_bound", "median_abs_error", "largest_abs_error", "passes", "wrote"] {
            #expect(document.keys.contains(key), "missing \(key)")
        }
        // The figures at a bound are the JSON's own keys, each at its bound.
        let atBound = try #require(document["figures_at_bound"] as? [String])
        for key in atBound {
            #expect(FittedFigure(rawValue: key) != nil, "\(key)")
            if ["overhead_seconds", "lowering_row_seconds", "copy_latency_seconds"].contains(key) { #expect(document[key] as? Double == 0) }
            if key == "lowering_bytes_per_second" { #expect(document[key] is NSNull) }
        }
        if (document["copy_latency_seconds"] as? Double) == 0 { #expect(atBound.contains("copy_latency_seconds")) }
        let passes = try #require(document["passes"] as? [[String: Any]])
        #expect(passes.count >= 10)
        let errors = passes.compactMap { $0["relative_error"] as? Double }.map(abs).sorted()
        #expect(errors.count == passes.count)
        #expect(abs(errors[errors.count / 2] - (document["median_abs_error"] as? Double ?? -1)) < 1e-12)
    }
}

@Suite struct GPUCalibrationCLITests {
    static let csv = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation/h200-cublas-gemm.csv").standardized.path

    @Test func fitsRecordedCuBLASTimingsPerPrecision() {
        let out = CLI.execute(["calibrate", "--gemm-csv", Self.csv, "--gpu", "H200"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("GPU: NVIDIA H200"))
        for precision in ["fp32", "tf32", "bf16"] { #expect(out.stdout.contains("\(precision): peak")) }
        #expect(out.stdout.contains("use: cost_model:"))
    }

    /// A curve that misses the largest shape timed by over 10%, or that only as many shapes as its
    /// figures pin, is cautioned under its table and in the JSON: timings that plateau at 0.695 of
    /// the peak from 4096^3 on are fitted near 0.99, 17% fast at 8192^3; two shapes fit exactly.
    @Test func aCurveTheTimingsDoNotCheckIsCautioned() throws {
        let plateau = try writeTemporary("""
            precision,m,n,k,seconds
            bf16,4096,4096,4096,0.0002
            bf16,8192,8192,8192,0.0016
            bf16,2048,2048,2048,0.00003
            bf16,1024,1024,1024,0.00001
            """)
        let out = CLI.execute(["calibrate", "--gemm-csv", plateau, "--gpu", "H100"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("  caution: at the largest shape timed (8192 x 8192 x 8192) the curve gives efficiency 0.814 against "
                                    + "0.695 measured (+17.2%)"), "\(out.stdout)")
        #expect(!out.stdout.contains("nothing checks it"))
        let json = CLI.execute(["calibrate", "--gemm-csv", plateau, "--gpu", "H100", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let cautions = try #require((document["precisions"] as? [[String: Any]])?.first?["cautions"] as? [String])
        #expect(cautions.count == 1 && cautions[0].hasPrefix("at the largest shape timed"), "\(cautions)")
        let two = CLI.execute(["calibrate", "--gemm-csv", try writeTemporary("precision,m,n,k,seconds\nbf16,4096,4096,4096,0.0002\n"
                                                                               + "bf16,8192,8192,8192,0.0016\n"), "--gpu", "H100"])
        #expect(two.exitCode == 0 && two.stdout.contains("  caution: 2 shapes for the curve's 2 figures: it passes through them"), "\(two.stdout)")
        // Timings the curve follows at their largest shape: no caution on it.
        let recorded = CLI.execute(["calibrate", "--gemm-csv", Self.csv, "--gpu", "H200"])
        let bf16 = try #require(recorded.stdout.components(separatedBy: "\nbf16: ").last)
        #expect(!bf16.contains("caution:"), "\(bf16)")
    }

    /// Without an NVIDIA GPU (as in CI) the CUDA path fails cleanly, naming what it tried.
    @Test func cudaWithoutAGPUExitsWithTwo() {
        let out = CLI.execute(["calibrate", "--cuda", "--gpu", "H200"])
        if out.exitCode == 0 { return }   // a machine with a GPU and CUDA: nothing to check here
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("libcudart") || out.stderr.contains("GPU"))
    }

    @Test func badGPUCalibrationInputExitsWithTwo() throws {
        #expect(CLI.execute(["calibrate", "--gemm-csv", Self.csv]).exitCode == 2)
        #expect(CLI.execute(["calibrate", "--gemm-csv", Self.csv, "--gpu", "H2000"]).exitCode == 2)
        let bad = try writeTemporary("precision,m,n,k,seconds\nbf16,1,2,three,0.5\n")
        let out = CLI.execute(["calibrate", "--gemm-csv", bad, "--gpu", "H200"])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains(":2:"))
    }

    /// Timings an H200 cannot have produced: 8192^3 in bf16 in a microsecond (1.1 PFLOP/s,
    /// over the 989 TFLOP/s peak x 1.5), and a GPU named for a CPU calibration.
    @Test func timingsFasterThanTheGPUAreRefusedAtTheirLine() throws {
        let fast = try writeTemporary("precision,m,n,k,seconds\nbf16,8192,8192,8192,0.0015\nbf16,8192,8192,8192,0.0007\n")
        let out = CLI.execute(["calibrate", "--gemm-csv", fast, "--gpu", "H200"])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains(":3:") && out.stderr.contains("TFLOP/s"), "\(out.stderr)")
        let cpu = CLI.execute(["calibrate", "--gpu", "H200"])
        #expect(cpu.exitCode == 2 && cpu.stderr.contains("--cuda") && cpu.stderr.contains("--gemm-csv"), "\(cpu.stderr)")
    }
}

@Suite struct ValidateCLITests {
    static let steps = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation/h200-steps.csv").standardized.path
    static let profile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation/h200-profile.yaml").standardized.path

    func medianError(_ out: CommandOutput) throws -> Double {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let cases = try #require(object["cases"] as? [[String: Any]])
        #expect(cases.count == 12)
        let errors = cases.map { abs($0["relative_error"] as! Double) }.sorted()
        return errors[errors.count / 2]
    }

    /// A profile of the other kind is said to be one: a GPU's where the executor is validated,
    /// a CPU's with --against.
    @Test func aProfileOfTheOtherKindIsNamed() throws {
        let gpu = CLI.execute(["validate", "--profile", Self.profile])
        #expect(gpu.exitCode == 2 && gpu.stderr.contains("a GPU profile (from `scalecast import layer-times`), which --against takes"),
                "\(gpu.stderr)")
        let cpu = CLI.execute(["validate", "--against", Self.steps, "--profile", try writeTemporary("cpu: Some CPU\nthreads: 1\n")])
        #expect(cpu.exitCode == 2 && cpu.stderr.contains("a CPU profile (from `scalecast calibrate`)"), "\(cpu.stderr)")
    }

    /// Held-out whole steps measured on an H200: the kernel model at the H200's fitted
    /// kernel efficiencies (the scenario names cudnn-8) predicts them better than the
    /// curve profile fitted to ResNet-50's forward times, and both stay over a 10%
    /// tolerance (exit 1) — BENCHMARKS.md says why.
    @Test func theFittedKernelModelPredictsHeldOutStepsBetterThanTheCurveProfile() throws {
        let plain = CLI.execute(["validate", "--against", Self.steps, "--json"])
        let profiled = CLI.execute(["validate", "--against", Self.steps, "--profile", Self.profile, "--json"])
        #expect(plain.exitCode == 1)
        #expect(profiled.exitCode == 1)
        #expect(try medianError(plain) < medianError(profiled))
        #expect(CLI.execute(["validate", "--against", Self.steps, "--tolerance", "0.9"]).exitCode == 0)
    }

    /// A measured row is compared with the scenario's first run: where that run cannot take the
    /// row (model parallelism on the branched ResNet-50) the row is refused, exit 2, not priced
    /// on the next run that can.
    @Test func aRowTheFirstRunCannotTakeIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-against-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
            name: first run
            batch_per_gpu: 32
            precision: fp32
            cluster: {gpu: V100, gpus_per_node: 8}
            gpus: [2]
            runs:
              - {label: MP, model: alexnet-owt, strategy: {kind: model}}
              - {label: DP, model: alexnet-owt}
            """.write(toFile: folder + "/two.yaml", atomically: true, encoding: .utf8)
        try "scenario,model,batch_per_gpu,precision,gpus,measured_step_seconds\ntwo.yaml,resnet50,32,fp32,2,0.1\n"
            .write(toFile: folder + "/m.csv", atomically: true, encoding: .utf8)
        let out = CLI.execute(["validate", "--against", folder + "/m.csv"])
        #expect(out.exitCode == 2 && out.stderr.contains("model parallelism") && out.stderr.contains("m.csv:2:"), "\(out.stderr)")
    }

    /// The executor against the simulator, small enough for a test: the JSON the
    /// issue asks for, one case per link on one worker, and the exit code following
    /// the tolerance.
    @Test func executorValidationFollowsItsJSONContract() throws {
        let out = CLI.execute(["validate", "--workers", "1", "--batch", "8", "--rounds", "1", "--json", "--tolerance", "1000"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect((object["kernel"] as? String)?.isEmpty == false)
        let cases = try #require(object["cases"] as? [[String: Any]])
        #expect(cases.map { $0["link"] as? String } == ["memory", "paced"])
        for c in cases {
            #expect(c["strategy"] as? String == "data" && c["workers"] as? Int == 1)
            #expect(c["scheme"] is NSNull && c["variant"] is NSNull, "keys that do not apply are null, not missing")
            let predicted = try #require(c["predicted_step_seconds"] as? Double), measured = try #require(c["measured_step_seconds"] as? Double)
            #expect(predicted > 0 && measured > 0)
            #expect(abs(try #require(c["relative_error"] as? Double) - (predicted / measured - 1)) < 1e-9)
            #expect(c["relative_error_margin"] is NSNull, "one round gives no margin; the key is there all the same")
        }
    }

    /// `--tasks` sets worker 0's compute tasks beside their predictions.
    @Test func executorValidationListsTheTasks() {
        let out = CLI.execute(["validate", "--workers", "1", "--batch", "8", "--rounds", "1", "--tasks", "--tolerance", "1000"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("worker 0's compute tasks, data") && out.stdout.contains("forward conv1")
                && out.stdout.contains("idle between tasks"))
    }

    /// One core gives one worker only; more cores add powers of two.
    @Test func defaultWorkerCountsFitTheCores() {
        #expect(ValidateCommand.defaultWorkers(cores: 1) == [1])
        #expect(ValidateCommand.defaultWorkers(cores: 2) == [1, 2])
        #expect(ValidateCommand.defaultWorkers(cores: 6) == [1, 2, 4])
    }

    @Test func badMeasurementFilesExitWithTwo() throws {
        #expect(CLI.execute(["validate", "--against", "/no/such.csv"]).exitCode == 2)
        let bad = try writeTemporary("scenario,model,batch_per_gpu,precision,gpus,measured_step_seconds\nx.yaml,resnet50,64,fp32,1,fast\n")
        let out = CLI.execute(["validate", "--against", bad])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains(":2:"))
        let badPeak = try writeTemporary("scenario,model,batch_per_gpu,precision,gpus,measured_step_seconds,measured_peak_bytes\n"
                                         + "x.yaml,resnet50,64,fp32,1,0.07,lots\n")
        let peakOut = CLI.execute(["validate", "--against", badPeak])
        #expect(peakOut.exitCode == 2 && peakOut.stderr.contains(":2:") && peakOut.stderr.contains("measured_peak_bytes"))
    }

    /// tools/measure_step.py writes with csv.DictWriter: quoted fields are read as values; a
    /// measurement of no time, a configuration given twice, or a missing column are refused.
    @Test func measurementFilesAreReadAsCSVAndCheckedRowByRow() throws {
        let header = "scenario,model,batch_per_gpu,precision,gpus,measured_step_seconds\n"
        func refusal(_ body: String) throws -> String {
            let out = CLI.execute(["validate", "--against", try writeTemporary(header + body)])
            #expect(out.exitCode == 2, "\(body.debugDescription): \(out.stdout)")
            return out.stderr
        }
        #expect(try refusal("x.yaml,resnet50,64,fp32,1,0\n").contains(":2: measured_step_seconds must be a positive number"))
        let twice = try refusal("x.yaml,resnet50,64,fp32,1,0.07\nx.yaml,resnet50,128,fp32,1,0.13\n\"x.yaml\",resnet50,64,fp32,1,0.08\n")
        #expect(twice.contains(":4: the same configuration as line 2"), "\(twice)")
        let missing = CLI.execute(["validate", "--against", try writeTemporary("scenario,model,batch_per_gpu,precision,measured_step_seconds\n")])
        #expect(missing.exitCode == 2 && missing.stderr.contains("no 'gpus' column"), "\(missing.stderr)")
        // Quoted, as DictWriter quotes a field with a comma: read, so the error is the scenario's, not the CSV's.
        let quoted = CLI.execute(["validate", "--against", try writeTemporary(header + "\"no, such.yaml\",resnet50,64,fp32,1,0.07\n")])
        #expect(quoted.exitCode == 2 && quoted.stderr.contains("no, such.yaml"), "\(quoted.stderr)")
    }

    /// A measured peak (`measured_peak_bytes`, torch.cuda.max_memory_allocated) is set beside the
    /// footprint less its reserve (`explain --json`'s memory: total less reserved); a row without
    /// one has null memory keys, and the memory error counts toward the tolerance.
    @Test func measuredPeaksAreComparedWithTheFootprintLessItsReserve() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-peaks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let scenario = URL(fileURLWithPath: Self.steps).deletingLastPathComponent().appendingPathComponent("h200-one-gpu.yaml")
        try FileManager.default.copyItem(at: scenario, to: folder.appendingPathComponent("h200-one-gpu.yaml"))
        let csv = folder.appendingPathComponent("m.csv").path
        try ("scenario,model,batch_per_gpu,precision,gpus,measured_step_seconds,measured_peak_bytes\n"
             + "h200-one-gpu.yaml,resnet50,64,bf16,1,0.033,5000000000\nh200-one-gpu.yaml,resnet50,128,bf16,1,0.056,\n")
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let out = CLI.execute(["validate", "--against", csv, "--json", "--tolerance", "10"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let cases = try #require(object["cases"] as? [[String: Any]])
        let predicted = try #require(cases[0]["predicted_allocated_bytes"] as? Int)
        #expect(cases[0]["measured_peak_bytes"] as? Int == 5_000_000_000)
        #expect(abs(try #require(cases[0]["memory_relative_error"] as? Double) - (Double(predicted) / 5e9 - 1)) < 1e-12)
        #expect(cases[1]["measured_peak_bytes"] is NSNull && cases[1]["memory_relative_error"] is NSNull)
        // The same configuration through explain: its footprint less the reserve.
        let yaml = try String(contentsOf: scenario, encoding: .utf8).replacingOccurrences(of: "precision: fp32", with: "precision: bf16")
        let explained = CLI.execute(["explain", try writeTemporary(yaml), "--gpus", "1", "--json"])
        let runs = try #require((try JSONSerialization.jsonObject(with: Data(explained.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
        let memory = try #require(runs.first?["memory"] as? [String: Any])
        let total = try #require(memory["total_bytes"] as? Int), reserve = try #require(memory["reserved_bytes"] as? Int)
        #expect(abs(predicted - (total - reserve)) <= 1)
        // Text: the memory columns and their summary line.
        let text = CLI.execute(["validate", "--against", csv, "--tolerance", "10"])
        #expect(text.stdout.contains("measured GiB") && text.stdout.contains("against max_memory_allocated; 1 of 2 rows): median"))
        // The memory error alone decides the exit code: the time within a generous tolerance, the
        // measured peak a tenth of the prediction. CRLF line ends, as a spreadsheet saves them, read alike.
        let time = try #require(cases[0]["predicted_step_seconds"] as? Double)
        try ("scenario,model,batch_per_gpu,precision,gpus,measured_step_seconds,measured_peak_bytes\r\n"
             + "h200-one-gpu.yaml,resnet50,64,bf16,1,\(time),\(predicted / 10)\r\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let memoryOnly = CLI.execute(["validate", "--against", csv, "--tolerance", "0.5"])
        #expect(memoryOnly.exitCode == 1, "\(memoryOnly.stdout)\(memoryOnly.stderr)")
        #expect(memoryOnly.stdout.contains("median |error| 0.0%") && memoryOnly.stdout.contains("largest 900.0% (tolerance 50.0%)"))
    }
}
