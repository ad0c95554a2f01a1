import Foundation
import Hardware
import Testing
import YAMLSupport
@testable import Scenario

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryScenario(_ text: String, name: String = "scenario.yaml") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

let validScenario = """
    name: test
    model: alexnet-owt
    batch_per_gpu: 64
    cluster:
      gpu: V100
      gpus_per_node: 8
    gpus: [1, 2]
    """

@Suite struct ScenarioErrorTests {
    func error(for yaml: String) throws -> ConfigError {
        let path = try temporaryScenario(yaml)
        do {
            _ = try Scenario.load(path: path)
        } catch let e as ConfigError {
            #expect(e.file == path)
            return e
        }
        Issue.record("expected a ConfigError")
        return ConfigError(file: "", keyPath: "", line: nil, message: "")
    }

    @Test func aValidScenarioLoads() throws {
        let scenario = try Scenario.load(path: try temporaryScenario(validScenario))
        #expect(scenario.runs.count == 1)
        #expect(scenario.runs[0].gpuCounts == [1, 2])
        #expect(scenario.runs[0].cluster.gpu.name == "V100-SXM2-16GB")
    }

    /// A scenario's `cost_model.memory_efficiency` wins over the GPU's measured streaming
    /// fraction (the K40's), which wins over the default where the scenario says nothing.
    @Test func aScenarioMemoryEfficiencyWinsOverTheGPUsMeasuredOne() throws {
        let k40 = validScenario.replacingOccurrences(of: "gpu: V100", with: "gpu: K40")
        let k40Run = try Scenario.load(path: try temporaryScenario(k40)).runs[0]
        let measured = k40Run.costModel
        #expect(measured.gpu.memoryEfficiency == 0.721)
        #expect(measured.streamingBytesPerSecond == 288e9 * 0.721)
        // A GPU parameter server's sum streams at the same rate.
        #expect(k40Run.setup(gpus: 2).gpuServerBytesPerSecond == 288e9 * 0.721)
        // So do Horovod's copies into and out of its fusion buffer.
        let fused = try Scenario.load(path: try temporaryScenario(k40 + "\nsoftware: {profile: ideal, fusion_cycle_ms: 5, fusion_threshold_mb: 64}\n")).runs[0]
        #expect(fused.tensorFusion(fused.setup(gpus: 2))?.copyBytesPerSecond == 288e9 * 0.721)
        let overridden = try Scenario.load(path: try temporaryScenario(k40 + "\ncost_model: {memory_efficiency: 0.5}\n")).runs[0].costModel
        #expect(overridden.streamingBytesPerSecond == 288e9 * 0.5)
        let v100 = try Scenario.load(path: try temporaryScenario(validScenario)).runs[0].costModel
        #expect(v100.gpu.memoryEfficiency == nil && v100.streamingBytesPerSecond == v100.gpu.memoryBytesPerSecond * 0.88)
    }

    /// `cost_model.convolution_lowering` takes implicit or im2col, and names the key otherwise.
    @Test func convolutionLoweringIsReadAndChecked() throws {
        let lowered = try Scenario.load(path: try temporaryScenario(validScenario + "\ncost_model: {convolution_lowering: im2col}\n"))
        #expect(lowered.runs[0].costParameters.convolutionLowering == .im2col)
        #expect(try Scenario.load(path: try temporaryScenario(validScenario)).runs[0].costParameters.convolutionLowering == .implicit)
        let e = try error(for: validScenario + "\ncost_model: {convolution_lowering: winograd}\n")
        #expect(e.keyPath == "cost_model.convolution_lowering")
        #expect(e.line == 8)
        #expect(e.message.contains("im2col"))
    }

    /// A label names one run (for --run and published points): a second run with it is refused
    /// at its label; unlabelled runs may be many.
    @Test func runLabelsAreUnique() throws {
        let e = try error(for: validScenario + "\nruns:\n  - {label: X}\n  - {batch_per_gpu: 32}\n  - {label: X, batch_per_gpu: 16}\n")
        #expect(e.keyPath == "runs[2].label")
        #expect(e.line == 11)
        #expect(e.message.contains("'X' is already runs[0]'s"))
        let unlabelled = try Scenario.load(path: try temporaryScenario(validScenario + "\nruns:\n  - {batch_per_gpu: 32}\n  - {batch_per_gpu: 16}\n"))
        #expect(unlabelled.runs.count == 2)
        // Runs inherit a top-level label: two runs that both do are refused at that label.
        let inherited = try error(for: "label: same\n" + validScenario + "\nruns:\n  - {batch_per_gpu: 32}\n  - {batch_per_gpu: 16}\n")
        #expect(inherited.keyPath == "label" && inherited.line == 1, "\(inherited)")
        #expect(inherited.message.contains("'same' is already runs[0]'s"))
    }

    /// bf16 needs the units: on a V100 (fp16 tensor cores, no bf16) a bf16 run trains as fp16,
    /// with a note; tf32 without TF32 units is plain fp32, with a note; fp16 keeps its name.
    @Test func bf16AndTF32RunWhereTheGPUHasTheUnits() throws {
        func load(_ precision: String, gpu: String = "V100") throws -> RunSpec {
            try Scenario.load(path: try temporaryScenario(validScenario
                .replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 64\nprecision: \(precision)")
                .replacingOccurrences(of: "gpu: V100", with: "gpu: \(gpu)"))).runs[0]
        }
        let v100 = try load("bf16")
        #expect(v100.precision == .fp16)
        #expect(v100.precisionNote == "bf16 asked: the V100-SXM2-16GB has no bf16 units")
        let tf32 = try load("tf32")
        #expect(tf32.precision == .fp32 && tf32.precisionNote == "tf32 asked: the V100-SXM2-16GB has no TF32 rate in the catalog")
        let fp16 = try load("fp16")
        #expect(fp16.precision == .fp16 && fp16.precisionNote == nil)
        let a100TF32 = try load("tf32", gpu: "A100")
        #expect(a100TF32.precision == .tf32 && a100TF32.precisionNote == nil)
        let a100 = try load("bf16", gpu: "A100")
        #expect(a100.precision == .bf16 && a100.precisionNote == nil)
    }

    @Test func missingFile() {
        #expect(throws: ConfigError.self) { try Scenario.load(path: "/nonexistent/scenario.yaml") }
        let e = try? Scenario.load(path: "/nonexistent/scenario.yaml")
        #expect(e == nil)
    }

    @Test func invalidYAMLNamesTheLine() throws {
        let e = try error(for: "name: x\nmodel: [alexnet\nbatch_per_gpu: 3\n")
        #expect(e.message.hasPrefix("invalid YAML"))
        #expect(e.line != nil)
    }

    @Test func unknownModel() throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "alexnet-owt", with: "alexnet-twt"))
        #expect(e.keyPath == "model")
        #expect(e.line == 2)
        #expect(e.message.contains("unknown model 'alexnet-twt'; did you mean 'alexnet-owt'?"), "\(e.message)")
        // A name nothing is near lists the models; a mapping with only a name can mean only a built-in model.
        let far = try error(for: validScenario.replacingOccurrences(of: "alexnet-owt", with: "transformer"))
        #expect(far.message.contains("built-in models: alexnet"), "\(far.message)")
        let named = try error(for: validScenario.replacingOccurrences(of: "model: alexnet-owt", with: "model: {name: resnet5}"))
        #expect(named.keyPath == "model.name" && named.message.contains("did you mean 'resnet50'?"), "\(named)")
        // Case does not count: a model as a paper spells it.
        let paper = try error(for: validScenario.replacingOccurrences(of: "alexnet-owt", with: "VGG-16"))
        #expect(paper.message.contains("unknown model 'VGG-16'; did you mean 'vgg16'?"), "\(paper.message)")
    }

    /// Of equally near links, the one the name begins (a unit left off) is suggested.
    @Test func aLinkCutShortIsSuggestedWhole() throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  network: {link: eth-100}"))
        #expect(e.keyPath == "cluster.network.link" && e.message.contains("did you mean 'eth-100g'?"), "\(e.message)")
    }

    @Test func aMisspeltLinkIsSuggested() throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  host_link: pcie3x16"))
        #expect(e.keyPath == "cluster.host_link" && e.line == 7)
        #expect(e.message.contains("unknown link 'pcie3x16'; did you mean 'pcie3-x16'?"), "\(e.message)")
    }

    /// A file the scenario names that cannot be read as a whole (missing, a folder, empty, no path
    /// at all) is reported at the scenario's key that names it, as a model file is.
    @Test(arguments: [("cost_model: {profile: nothere.yaml}", "cost_model.profile", "/nothere.yaml: no such file"),
                      ("cost_model: {profile: .}", "cost_model.profile", "is a directory"),
                      ("catalog: {files: [\"\"]}", "catalog.files[0]", "an empty path; name the catalog's YAML file"),
                      ("model: {file: \" \"}", "model.file", "an empty path; name the model's YAML file")])
    func aNamedFileThatCannotBeReadIsReportedAtItsKey(line: String, keyPath: String, message: String) throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "model: alexnet-owt", with: line.hasPrefix("model") ? line : "model: alexnet-owt\n" + line))
        #expect(e.keyPath == keyPath && e.message.contains(message), "\(e)")
    }

    /// A built-in model on another image size: `{name: resnet50, input: [3, 160, 160]}`.
    @Test func aBuiltInModelTakesAnInputSize() throws {
        let yaml = validScenario.replacingOccurrences(of: "model: alexnet-owt", with: "model: {name: resnet50, input: [3, 160, 160]}")
        let network = try Scenario.load(path: try temporaryScenario(yaml)).runs[0].network
        #expect(network.name == "resnet50-160x160")
        #expect(network.inputShape.height == 160 && network.parameters == 25_557_032)
    }

    /// A built-in model on another channel count: DALI's RGB padded to four channels (`[4, 224, 224]`) or
    /// grayscale; the stem takes them (64 x 7 x 7 weights a channel) and the name says so.
    @Test(arguments: [(4, 25_557_032 + 64 * 7 * 7), (1, 25_557_032 - 2 * 64 * 7 * 7)])
    func aBuiltInModelTakesAChannelCount(channels: Int, parameters: Int) throws {
        let yaml = validScenario.replacingOccurrences(of: "model: alexnet-owt", with: "model: {name: resnet50, input: [\(channels), 224, 224]}")
        let network = try Scenario.load(path: try temporaryScenario(yaml)).runs[0].network
        #expect(network.name == "resnet50-\(channels)x224x224")
        #expect(network.inputShape.channels == channels && network.parameters == parameters)
    }

    /// Too small for Inception's strides (the message names the layer where the map runs out), not an image;
    /// the message repeats the input as given, a 1 x 1 one too (not as the 3 values it holds).
    @Test(arguments: [("[3, 32, 32]", "layer '"), ("[3, 224]", "[channels, height, width]"), ("[3, 1, 1]", "larger than 1 x 1 pixel, not [3, 1, 1]")])
    func aBuiltInModelsInputIsChecked(input: String, says: String) throws {
        let model = input == "[3, 32, 32]" ? "inception_v3" : "resnet50"
        let e = try error(for: validScenario.replacingOccurrences(of: "model: alexnet-owt", with: "model:\n  name: \(model)\n  input: \(input)"))
        #expect(e.keyPath == "model.input")
        #expect(e.line == 4)
        #expect(e.message.contains(says), "\(e.message)")
    }

    /// `cluster.pcie.p2p` as `nvidia-smi topo -p2p r` prints it: rows of tokens, as strings or lists.
    static func peerToPeerScenario(_ p2p: String, extra: String = "") -> String {
        """
        name: p2p
        model: alexnet-owt
        batch_per_gpu: 64
        cluster:
          gpu: K80
          gpus_per_node: 4
          fabric: pcie-tree
          pcie:
            p2p: \(p2p)\(extra)
        gpus: [4]
        """
    }

    @Test func aPeerToPeerMatrixIsRead() throws {
        let yaml = Self.peerToPeerScenario(#"["X OK NS NS", "OK X NS NS", [CNS, NS, X, ok], [NS, NS, OK, X]]"#)
        let cluster = try Scenario.load(path: try temporaryScenario(yaml)).runs[0].cluster
        guard case .pcieTree(let tree) = cluster.fabric else { Issue.record("not a PCIe tree"); return }
        #expect(tree.peerToPeer == [[false, true, false, false], [true, false, false, false],
                                    [false, false, false, true], [false, false, true, false]])
    }

    @Test(arguments: [
        (#"["X OK", "OK X"]"#, "", 9, "one per GPU of a node"),
        (#"["X OK NS NS", "OK X NS NS", "NS NS X OK", "NS NS OK"]"#, "", 9, "it needs 4"),
        (#"["X OK NS NS", "OK X NS NS", "NS NS X YES", "NS NS OK X"]"#, "", 9, "'YES' is not one of"),
        (#"["X OK NS NS", "OK X NS NS", "NS NS OK X", "NS NS OK X"]"#, "", 9, "diagonal"),
        (#"["X OK NS NS", "OK X NS NS", "NS NS X OK", "NS NS OK X"]"#, "\n    cross_socket: staged", 9, "give one of them"),
    ])
    func aBadPeerToPeerMatrixIsNamed(p2p: String, extra: String, line: Int, says: String) throws {
        let e = try error(for: Self.peerToPeerScenario(p2p, extra: extra))
        #expect(e.keyPath.hasPrefix("cluster.pcie.p2p"), "\(e.keyPath)")
        #expect(e.line == line)
        #expect(e.message.contains(says), "\(e.message)")
    }

    /// Each link key takes its kind of link: a network between nodes is no NVLink, a
    /// scale-up fabric no PCIe slot, a PCIe switch's uplink no network, the sockets' link no PCIe.
    @Test(arguments: [("  network: {link: nvlink4, nics_per_node: 1}", "cluster.network.link", "'nvlink4' is a link of kind nvlink; this key takes infiniband or ethernet"),
                      ("  fabric: nvswitch\n  nvlink: pcie4-x16", "cluster.nvlink", "'pcie4-x16' is a link of kind pcie; this key takes nvlink or infinity-fabric or roce-scale-up"),
                      ("  fabric: pcie-tree\n  pcie: {uplink: ib-hdr}", "cluster.pcie.uplink", "'ib-hdr' is a link of kind infiniband; this key takes pcie"),
                      ("  fabric: pcie-tree\n  pcie: {socket_link: pcie3-x16}", "cluster.pcie.socket_link", "'pcie3-x16' is a link of kind pcie; this key takes inter-socket")])
    func eachLinkKeyTakesItsKindOfLink(lines: String, keyPath: String, says: String) throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "  gpus_per_node: 8", with: "  gpus_per_node: 8\n" + lines))
        #expect(e.keyPath == keyPath, "\(e.keyPath)")
        // The key's own line: the last of the lines added after gpus_per_node (line 6).
        #expect(e.line == 6 + lines.split(separator: "\n").count, "\(String(describing: e.line))")
        #expect(e.message.contains(says), "\(e.message)")
    }

    @Test func unknownGPU() throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "V100", with: "V1000"))
        #expect(e.keyPath == "cluster.gpu")
        #expect(e.line == 5)
        #expect(e.message.contains("unknown GPU 'V1000'"))
        let far = try error(for: validScenario.replacingOccurrences(of: "V100", with: "Z9"))
        #expect(far.message.contains("the catalog has: ") && far.message.contains("scalecast hardware"), "\(far.message)")
    }

    /// A board's name as people write it: case, separators, word order and a vendor in
    /// front do not matter; a name with more words than the catalog's (a memory size) is
    /// refused with the board it most likely means.
    @Test(arguments: [("H100_SXM5", "H100-SXM5"), ("nvidia h100 sxm5", "H100-SXM5"), ("NVIDIA H100 SXM", "H100-SXM5"),
                      ("B200-HGX", "hgx-b200"), ("sxm5-h100", "H100-SXM5"), ("a100 pcie 80gb", "A100-PCIe-80GB")])
    func gpuNamesAsPeopleWriteThem(written: String, catalogName: String) throws {
        let catalog = try Catalog.builtIn()
        let expected = try #require(catalog.gpu(named: catalogName))
        #expect(catalog.gpu(named: written)?.name == expected.name, "\(written)")
    }

    @Test(arguments: [("h100-sxm5-80gb", "H100-SXM5"), ("H100-SMX5", "H100-SXM5"), ("V100-SXM2-16GB-PCIe", "V100-SXM2-16GB"),
                      ("V100 SXM3", "V100-SXM3-32GB-H"), ("H100-80GB", "H100-SXM5"), ("A100 40G", "A100-SXM4-40GB")])
    func aNearGPUNameIsSuggested(written: String, meant: String) throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "V100", with: written))
        #expect(e.keyPath == "cluster.gpu" && e.line == 5)
        #expect(e.message.contains("unknown GPU '\(written)'; did you mean '\(meant)'?"), "\(e.message)")
    }

    /// A name that fits several boards of one model equally names them all.
    @Test(arguments: ["A100-SXM4", "a100-sxm"])
    func theBoardsANameMayMeanAreSuggested(written: String) throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "V100", with: written))
        #expect(e.message.contains("unknown GPU '\(written)'; did you mean 'A100-SXM4-40GB' or 'A100-SXM4-80GB'?"), "\(e.message)")
    }

    /// Another model number is never suggested (an A40 is no A10, an RTX 4090 no RTX 3090),
    /// nor one of several equally near names (a B100 is as near an A100 as an H100).
    @Test(arguments: ["A40", "P4", "RTX 4090", "B100", "SXM2"])
    func noGuessAtAnotherModel(written: String) throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "V100", with: written))
        #expect(!e.message.contains("did you mean") && e.message.contains("the catalog has: "), "\(e.message)")
    }

    /// A run inherits the top level's keys: a bad one is named where it is written, at the
    /// top level, and a run's own at the run (with a cluster the run partly overrides).
    @Test func aKeyIsNamedWhereItIsWritten() throws {
        let scenario = """
            name: runs
            model: resnet50
            batch_per_gpu: 4
            cluster: {gpu: V100, gpus_per_node: 8}
            runs:
              - {label: a, gpus: [1], cluster: {gpus_per_node: 4}}
              - {label: b, gpus: [2], batch_per_gpu: 8}
            """
        let top = try error(for: scenario.replacingOccurrences(of: "batch_per_gpu: 4", with: "batch_per_gpu: -4"))
        #expect(top.keyPath == "batch_per_gpu" && top.line == 3, "\(top)")
        let own = try error(for: scenario.replacingOccurrences(of: "batch_per_gpu: 8", with: "batch_per_gpu: -8"))
        #expect(own.keyPath == "runs[1].batch_per_gpu" && own.line == 7, "\(own)")
        let nested = try error(for: scenario.replacingOccurrences(of: "gpu: V100", with: "gpu: V1000"))
        #expect(nested.keyPath == "cluster.gpu" && nested.line == 4, "\(nested)")
        let overridden = try error(for: scenario.replacingOccurrences(of: "cluster: {gpus_per_node: 4}", with: "cluster: {gpus_per_node: 0}"))
        #expect(overridden.keyPath == "runs[0].cluster.gpus_per_node" && overridden.line == 6, "\(overridden)")
    }

    /// Precision is a name like a GPU's: its case does not matter.
    @Test func precisionIgnoresCase() throws {
        let run = try Scenario.load(path: try temporaryScenario(validScenario
            .replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 64\nprecision: FP16"))).runs[0]
        #expect(run.precision == .fp16)
        let e = try error(for: validScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 64\nprecision: fp12"))
        #expect(e.keyPath == "precision" && e.message.contains("'fp12' is not one of: fp32, tf32, fp16, bf16"), "\(e.message)")
    }

    @Test(arguments: ["0", "-4", "two"])
    func badGPUCounts(value: String) throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "gpus: [1, 2]", with: "gpus: [1, \(value)]"))
        #expect(e.keyPath == "gpus[1]")
        #expect(e.line == 7)
    }

    @Test(arguments: ["0", "-64"])
    func badBatch(value: String) throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: \(value)"))
        #expect(e.keyPath == "batch_per_gpu")
        #expect(e.line == 3)
        #expect(e.message.contains("between 1 and"))
    }

    @Test func negativeBandwidthInACatalogAddition() throws {
        let yaml = validScenario + """

            catalog:
              links:
                - {name: slow, kind: ethernet, gbit_per_s: -25, latency_us: 5, source: test}
            """
        let e = try error(for: yaml)
        #expect(e.keyPath == "catalog.links[0].gbit_per_s")
        #expect(e.line == 10)
        #expect(e.message.contains("must be between"))
    }

    /// An unknown key is reported at its own line, not its value's (a list below it, an
    /// anchor's lines above it); a YAML 1.1 merge key is told it is not read.
    @Test func anUnknownKeyIsAtItsOwnLine() throws {
        let below = try error(for: validScenario.replacingOccurrences(of: "gpus: [1, 2]", with: "gpuz:\n  - 1"))
        #expect(below.keyPath == "gpuz" && below.line == 7, "\(below)")
        let merged = try error(for: validScenario + "\nruns:\n  - &d\n    label: a\n  - <<: *d\n    label: b\n")
        #expect(merged.keyPath == "runs[1].<<" && merged.line == 11 && merged.message.contains("a merge key (<<) is not read"), "\(merged)")
    }

    @Test func unknownKeySuggestsTheNearestOne() throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "gpus_per_node", with: "gpu_per_node"))
        #expect(e.keyPath == "cluster.gpu_per_node")
        #expect(e.message.contains("did you mean 'gpus_per_node'"))
    }

    /// A key written at another level than its own is pointed where it belongs: a cluster's
    /// `network` at the top level, the strategy's `allreduce` under `cluster`, a run's
    /// `precision` under `cluster`; beside a near key of its level, both are named.
    @Test func aKeyAtTheWrongLevelIsPointedWhereItBelongs() throws {
        let network = try error(for: validScenario + "\nnetwork: {link: ib-hdr}\n")
        #expect(network.keyPath == "network" && network.message == "unknown key 'network' here: it belongs at cluster.network or pricing.network",
                "\(network)")
        let allreduce = try error(for: validScenario.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  allreduce: ring"))
        #expect(allreduce.keyPath == "cluster.allreduce" && allreduce.message == "unknown key 'allreduce' here: it belongs at strategy.allreduce",
                "\(allreduce)")
        let precision = try error(for: validScenario.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  precision: bf16"))
        #expect(precision.message == "unknown key 'precision' here: it belongs at the top level or in a run", "\(precision)")
        let software = try error(for: validScenario + "\nsoftware: {profile: pytorch-ddp, allreduce: ring}\n")
        #expect(software.keyPath == "software.allreduce" && software.message == "unknown key 'allreduce' here: it belongs at strategy.allreduce",
                "\(software)")
        let gpu = try error(for: validScenario + "\ngpu: A100\n")
        #expect(gpu.message == "unknown key 'gpu' here: it belongs at cluster.gpu (or did you mean 'gpus'?)", "\(gpu)")
        // A NIC's speed has no key: it comes with the catalog link named.
        let speed = try error(for: validScenario.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  network: {link: eth-100g, bandwidth_gbps: 400}"))
        #expect(speed.keyPath == "cluster.network.bandwidth_gbps"
                && speed.message.hasPrefix("no key sets a NIC's speed: it comes with the catalog link named in link")
                && speed.message.contains("--vary network_gbps="), "\(speed)")
        // Elsewhere such a key is an unknown key like any other.
        let nvlink = try error(for: validScenario.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  bandwidth: 900"))
        #expect(nvlink.keyPath == "cluster.bandwidth" && nvlink.message.hasPrefix("unknown key 'bandwidth'"), "\(nvlink)")
    }

    @Test func emptyFile() throws {
        let e = try error(for: "")
        #expect(e.message.contains("empty"))
    }

    @Test func runsOverrideTheTopLevel() throws {
        let yaml = validScenario + """

            runs:
              - {label: small, batch_per_gpu: 8}
              - {label: h100, cluster: {gpu: H100}}
            """
        let scenario = try Scenario.load(path: try temporaryScenario(yaml))
        let batches = scenario.runs.map { $0.batchPerGPU }
        #expect(batches == [8, 64])
        let gpuNames = scenario.runs.map { $0.cluster.gpu.name }
        #expect(gpuNames == ["V100-SXM2-16GB", "H100-SXM5"])
        #expect(scenario.runs[1].cluster.gpusPerNode == 8)
    }

    @Test func moreThanOneNodeNeedsANetwork() throws {
        let scenario = try Scenario.load(path: try temporaryScenario(validScenario.replacingOccurrences(of: "[1, 2]", with: "[1, 16]")))
        do {
            _ = try ScenarioRunner.results(scenario)
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.keyPath == "gpus")
            #expect(e.message.contains("cluster.network"))
        }
    }

    @Test func customModelFromYAML() throws {
        let yaml = """
            model:
              name: two-branch
              input: [3, 16, 16]
              layers:
                - {name: stem, type: conv, out: 8, kernel: 3, pad: 1}
                - {name: a, type: conv, out: 8, kernel: 1, inputs: [stem]}
                - {name: b, type: conv, out: 8, kernel: 3, pad: 1, inputs: [stem]}
                - {name: sum, type: add, inputs: [a, b]}
                - {type: fc, units: 10}
                - {type: softmax}
            batch_per_gpu: 4
            cluster: {gpu: K20, gpus_per_node: 2}
            gpus: [1]
            """
        let scenario = try Scenario.load(path: try temporaryScenario(yaml))
        let net = scenario.runs[0].network
        #expect(net.parameters == (8 * 27 + 8) + (8 * 8 + 8) + (8 * 72 + 8) + (8 * 256 * 10 + 10))
    }

    @Test func customModelErrorsNameTheLayer() throws {
        let yaml = """
            model:
              name: bad
              input: [3, 8, 8]
              layers:
                - {name: c, type: conv, out: 8, kernel: 3}
                - {name: s, type: add, inputs: [c, nowhere]}
            batch_per_gpu: 4
            cluster: {gpu: K20, gpus_per_node: 2}
            gpus: [1]
            """
        let e = try error(for: yaml)
        #expect(e.keyPath == "model.layers[1].inputs[1]")
        #expect(e.line == 6)
        #expect(e.message.contains("no earlier layer is named 'nowhere'") && !e.message.contains("did you mean"))
        let misspelt = try error(for: yaml.replacingOccurrences(of: "name: c,", with: "name: conv1,")
            .replacingOccurrences(of: "[c, nowhere]", with: "[conv1, conv]"))
        #expect(misspelt.message.contains("no earlier layer is named 'conv'; did you mean 'conv1'?"), "\(misspelt)")
    }

    /// A branch nothing reads would be priced for nothing: refused at its line, after the
    /// model's loss too (an audit's model was priced 12.7x slower so). A branch that ends in a
    /// loss, as an auxiliary classifier does, is a second output and accepted.
    @Test func aLayerNothingReadsMustBeALoss() throws {
        func model(branchEnd: String, after: String = "") -> String {
            """
            model:
              name: branchy
              input: [3, 8, 8]
              layers:
                - {name: c, type: conv, out: 8, kernel: 3}
                - {name: side, type: conv, out: 8, kernel: 1}
            \(branchEnd)
                - {name: main, type: fc, inputs: [c], units: 10}
                - {name: loss, type: softmax}
            \(after)
            batch_per_gpu: 4
            cluster: {gpu: K20, gpus_per_node: 2}
            gpus: [1]
            """
        }
        let e = try error(for: model(branchEnd: ""))
        #expect(e.keyPath == "model.layers[1]")
        #expect(e.line == 6)
        #expect(e.message.contains("layer 'side' feeds no later layer and is not a loss"))

        let auxiliary = "    - {name: side.loss, type: softmax}"
        let last = try error(for: model(branchEnd: auxiliary, after: "    - {name: extra, type: conv, out: 8, kernel: 1, inputs: [c]}"))
        #expect(last.keyPath == "model.layers[5]" && last.message.contains("layer 'extra' feeds no later layer"), "\(last)")

        let withLoss = try Scenario.load(path: try temporaryScenario(model(branchEnd: auxiliary)))
        #expect(withLoss.runs[0].network.layers.map(\.name) == ["input", "c", "side", "side.loss", "main", "loss"])
    }

    /// A softmax is the loss (softmax with the cross-entropy): one that a later layer reads, a
    /// classifier's softmax left in the middle of a network, is refused at its line.
    @Test func aSoftmaxALaterLayerReadsIsRefused() throws {
        let e = try error(for: """
            model:
              name: mid
              input: [3, 8, 8]
              layers:
                - {name: c, type: conv, out: 8, kernel: 3}
                - {name: sm, type: softmax}
                - {name: fc, type: fc, units: 10}
                - {name: loss, type: softmax}
            batch_per_gpu: 4
            cluster: {gpu: K20, gpus_per_node: 2}
            gpus: [1]
            """)
        #expect(e.keyPath == "model.layers[1]" && e.line == 6, "\(e)")
        #expect(e.message.contains("layer 'sm' is a softmax") && e.message.contains("a later layer reads it"), "\(e.message)")
    }

    /// An unnamed layer's name comes from its position: a clash says so and names the other
    /// layer, and a blank name is refused at its own key.
    @Test func layerNamesAreReportedWhereTheyComeFrom() throws {
        func model(_ layers: String) -> String {
            "model:\n  name: n\n  input: [3, 8, 8]\n  layers:\n\(layers)\nbatch_per_gpu: 4\ncluster: {gpu: K20, gpus_per_node: 2}\ngpus: [1]\n"
        }
        let clash = try error(for: model("    - {name: relu2, type: conv, out: 8, kernel: 3}\n    - {type: relu}\n    - {type: fc, units: 10}"))
        #expect(clash.keyPath == "model.layers[1]" && clash.line == 6, "\(clash)")
        #expect(clash.message.contains("an unnamed layer is called <type><position>, here 'relu2', which layers[0] is already named"),
                "\(clash.message)")
        let blank = try error(for: model("    - {name: \"\", type: conv, out: 8, kernel: 3}"))
        #expect(blank.keyPath == "model.layers[0].name" && blank.line == 5 && blank.message.contains("a blank layer name"), "\(blank)")
    }

    /// A model without a convolution or fully connected layer has nothing to train, whatever
    /// else it computes.
    @Test(arguments: ["    - {type: softmax}", "    - {type: maxpool, kernel: 2}", "    - {type: relu}\n    - {type: softmax}",
                      "    - {type: batchnorm}\n    - {type: softmax}"])
    func aModelWithNothingToTrainIsRefused(layers: String) throws {
        let e = try error(for: "model:\n  name: n\n  input: [3, 8, 8]\n  layers:\n\(layers)\nbatch_per_gpu: 4\ncluster: {gpu: K20, gpus_per_node: 2}\ngpus: [1]\n")
        #expect(e.message.contains("model 'n' has no convolution or fully connected layer, so nothing to train"), "\(e)")
    }

    /// A blank label would name the run as nothing: refused at the label.
    @Test(arguments: ["''", "' '", "\"\\t\"", "", "~"])
    func aBlankLabelIsRefused(label: String) throws {
        let e = try error(for: validScenario + "\nruns:\n  - {label: \(label)}\n  - {label: b}\n")
        #expect(e.keyPath == "runs[0].label" && e.line == 9 && e.message.contains("a blank label"), "\(e)")
        let single = try error(for: validScenario + "\nlabel: \(label)\n")
        #expect(single.keyPath == "label" && single.line == 8 && single.message.contains("a blank label"), "\(single)")
    }
}
