import Foundation
import Testing
@testable import YAMLSupport
@testable import Scenario
import Software

/// The smallest inputs that once trapped, hung or exhausted memory (issue 17's
/// fuzz campaign), each now refused with a located `ConfigError`.
@Suite struct HostileInputTests {
    func error(for yaml: String) throws -> ConfigError {
        let path = try temporaryScenario(yaml)
        do {
            let scenario = try Scenario.load(path: path)
            _ = try ScenarioRunner.results(scenario)
        } catch let e as ConfigError {
            #expect(e.file == path)
            #expect(!e.description.contains("\n"))
            return e
        }
        Issue.record("expected a ConfigError")
        return ConfigError(file: "", keyPath: "", line: nil, message: "")
    }

    func custom(input: String, layers: String) -> String {
        """
        model:
          name: huge
          input: \(input)
          layers:
        \(layers)
        batch_per_gpu: 100
        cluster: {gpu: H200, gpus_per_node: 8}
        gpus: [1]
        """
    }

    /// A parameter server across 8,000 nodes once enumerated its 64 M pushes and ran out of
    /// memory (fuzz seed 20261701, case 668). On full nodes it is priced by node 0's pushes;
    /// where the last node is partly filled every push is priced, and a count past
    /// `PlanLimits.pricedTransfers` is refused at the GPU count.
    @Test func aParameterServerTooLargeToPriceIsRefusedAtTheGPUCount() throws {
        let e = try error(for: """
            model: resnet50
            batch_per_gpu: 64
            strategy: {kind: data, allreduce: parameter-server}
            simulation: {fidelity: aggregated}
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: eth-25g, nics_per_node: 1}}
            gpus: [63996]
            """)
        #expect(e.keyPath == "gpus")
        #expect(e.line == 6)
        #expect(e.message.contains("parameter-server all-reduce sends from every node to every other, 63992000 transfers"), "\(e)")
        #expect(e.message.contains("the last node is partly filled"), "\(e)")
    }

    /// A model file that is not there is the scenario's error, at the key that names it
    /// (it once pointed only at the missing file, with no line).
    @Test func aMissingModelFileIsRefusedAtItsKey() throws {
        let e = try error(for: """
            batch_per_gpu: 32
            cluster: {gpu: H200, gpus_per_node: 8}
            gpus: [1]
            runs:
              - {label: exported, model: {file: models/not-there.yaml}}
            """)
        #expect(e.keyPath == "runs[0].model.file")
        #expect(e.line == 5)
        #expect(e.message.contains("not-there.yaml: no such file"))
    }

    /// A model file that is there but is no text (a device, binary data) is the scenario's
    /// error too, at its key (the fuzzer found /dev/zero named only by itself).
    @Test(arguments: ["/dev/zero", "/dev/null"])
    func aModelFileThatIsNoTextIsRefusedAtItsKey(path: String) throws {
        let e = try error(for: """
            batch_per_gpu: 32
            cluster: {gpu: H200, gpus_per_node: 8}
            gpus: [1]
            runs:
              - {label: exported, model: {file: \(path)}}
            """)
        #expect(e.keyPath == "runs[0].model.file", "\(e)")
        #expect(e.line == 5)
        #expect(e.message.hasPrefix("model file \(path): "), "\(e)")
    }

    /// A file in another encoding is refused at the line and byte where UTF-8 breaks (a Latin-1
    /// 'é' in a comment), not as a file that cannot be read.
    @Test func aFileNotInUTF8IsRefusedWhereTheEncodingBreaks() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("latin1-\(UUID().uuidString).yaml").path
        var bytes = Array("name: x\n# caf".utf8) + [0xE9] + Array("\nmodel: resnet50\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Scenario.load(path: path)
            Issue.record("a Latin-1 file was read")
        } catch let e as ConfigError {
            #expect(e.line == 2 && e.message.contains("not UTF-8 text: byte 0xE9 at byte 6 of the line"), "\(e)")
        }
        // UTF-16, little- or big-endian, is named by its byte-order mark.
        for (mark, encoding) in [([UInt8](arrayLiteral: 0xFF, 0xFE), String.Encoding.utf16LittleEndian), ([0xFE, 0xFF], .utf16BigEndian)] {
            try Data(mark + [UInt8]("name: x\nmodel: resnet50\n".data(using: encoding)!)).write(to: URL(fileURLWithPath: path))
            #expect(throws: ConfigError.self) { _ = try Scenario.load(path: path) }
            do { _ = try TextFile.read(path) } catch let e as ConfigError {
                #expect(e.line == 1 && e.message.hasPrefix("UTF-16 text (its first bytes are the byte-order mark 0x"), "\(e)")
            }
        }
        // A link to a text file is read through (the shipped published-errors.yaml is one).
        let link = path + ".link.yaml"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "scenarios/default.yaml".absolutePath)
        #expect(try TextFile.read(link).contains("name:"))
        bytes = [0xF0, 0x9F, 0x98, 0x80]   // a well-formed 4-byte sequence (U+1F600) passes the check
        #expect(TextFile.firstInvalidUTF8(bytes) == nil)
        #expect(TextFile.firstInvalidUTF8([0x41, 0xED, 0xA0, 0x80]) == 1)   // a surrogate is not UTF-8
    }

    @Test func anInputOfMoreElementsThanAnyGPUHoldsIsRefusedAtTheInput() throws {
        let e = try error(for: custom(input: "[10000000, 100000, 100000]", layers: "    - {type: batchnorm}"))
        #expect(e.keyPath == "model.input")
        #expect(e.line == 3)
        #expect(e.message.contains("more than any GPU holds"))
    }

    /// Each 1x1 convolution with a pad of 1e5 grows the image; the products of its
    /// sides once overflowed `Int` (Layer+Cost.swift:42).
    @Test func layersThatGrowPastTheLimitAreRefusedAtTheirLine() throws {
        let grow = (0..<6).map { "    - {type: conv, name: p\($0), out: 1, kernel: 1, pad: 100000}" }.joined(separator: "\n")
        let e = try error(for: custom(input: "[1, 100000, 100000]", layers: grow))
        #expect(e.keyPath.hasPrefix("model.layers["))
        #expect(e.message.contains("elements per example"))
    }

    /// Concatenating a large input with itself 100 times overflowed the channel sum.
    @Test func aConcatOfManyLargeInputsIsRefused() throws {
        let inputs = Array(repeating: "input", count: 100).joined(separator: ", ")
        let e = try error(for: custom(input: "[10000, 1000, 1000]", layers: "    - {type: concat, inputs: [\(inputs)]}"))
        #expect(e.message.contains("elements per example"))
    }

    /// A network's FLOPs summed over many layers once overflowed (Network.swift:11).
    @Test func aNetworkWhoseTotalsPassTheLimitIsRefused() throws {
        let layers = (0..<200).map { "    - {type: lrn, name: n\($0), size: 100000}" }.joined(separator: "\n")
        let e = try error(for: custom(input: "[1000, 1000, 1000]", layers: layers))
        #expect(e.message.contains("operations per example"))
    }

    @Test(arguments: ["0x10", "nan", ".inf", "1e400", "12abc", "1_0x"])
    func numbersArePlainDecimal(text: String) throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: \(text)"))
        #expect(e.keyPath == "batch_per_gpu")
    }

    @Test func aBucketTooLargeForAnyNetworkIsRefused() throws {
        let e = try error(for: validScenario + "\nstrategy: {kind: data, bucket_mb: 1e308}")
        #expect(e.keyPath == "strategy.bucket_mb")
    }

    @Test func aValueWithALineBreakIsShownOnOneLine() throws {
        let e = try error(for: validScenario.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 8\n  fabric: \"line1\\nline2\""))
        #expect(e.description.contains("line1\\nline2"))
    }

    /// Nine nested levels of ten aliases: 10^9 nodes once composed. Refused in
    /// well under a second, at the line where the expansion passes the budget.
    @Test func anAliasBombIsRefusedBeforeItIsExpanded() throws {
        var yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            yaml += "a\(level): &a\(level) [\(refs)]\n"
        }
        yaml += "? *a9\n: key\n"
        let clock = ContinuousClock()
        let started = clock.now
        let e = try error(for: yaml)
        #expect(clock.now - started < .seconds(10))
        #expect(e.message.contains("aliases expand"))
        #expect(e.line != nil)
    }

    /// The same bomb with a syntax error after it: still refused by the budget, before the
    /// composer (which would expand the aliases up to the error) sees it.
    @Test func anAliasBombBeforeASyntaxErrorIsRefusedByTheBudget() throws {
        var yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            yaml += "a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", "))]\n"
        }
        yaml += "b: [*a9]\nc: [unclosed\n"
        let clock = ContinuousClock()
        let started = clock.now
        let e = try error(for: yaml)
        #expect(clock.now - started < .seconds(10))
        #expect(e.message.contains("aliases expand"), "\(e.message)")
    }

    @Test func aFewAliasesStillWork() throws {
        let yaml = validScenario.replacingOccurrences(of: "gpus: [1, 2]", with: "defaults: &counts [1, 2]\ngpus: *counts")
        let e = try error(for: yaml)
        #expect(e.message.contains("unknown key 'defaults'"))   // parsed and composed; only the extra key is wrong
    }

    @Test func gpuCountsAreBoundedAndListedOnce() throws {
        let many = (1...65).map(String.init).joined(separator: ", ")
        #expect(try error(for: validScenario.replacingOccurrences(of: "gpus: [1, 2]", with: "gpus: [\(many)]")).message.contains("at most 64"))
        let twice = try error(for: validScenario.replacingOccurrences(of: "gpus: [1, 2]", with: "gpus: [8, 8]"))
        #expect(twice.message.contains("listed twice"))
        #expect(twice.keyPath == "gpus[1]")
    }

    /// The hybrid (c) on 64 GPUs once planned 10^9 dependencies (every transfer of a
    /// round after the whole round before) and died in the allocator. Expanded, under a
    /// collective library (ring all-gathers) and point to point (cuda-convnet2's copies);
    /// the message offers aggregated fidelity.
    @Test(arguments: ["simulation: {fidelity: expanded}", "software: cuda-convnet2\nsimulation: {fidelity: expanded}"])
    func aPlanTooLargeToSimulateIsRefusedWithItsEstimate(how: String) throws {
        let yaml = """
            name: too large
            model: alexnet-owt-cc2
            batch_per_gpu: 128
            cluster:
              gpu: K20
              gpus_per_node: 64
              fabric: pcie-tree
              pcie: {gpu_link: pcie2-x16-p2p, uplink: pcie3-x16, socket_link: qpi-8gt, gpus_per_switch: 2, switches_per_socket: 2, cross_socket: staged}
            strategy: {kind: hybrid, scheme: c, allreduce: direct, bucket_mb: layer}
            gpus: [64]
            \(how)
            """
        let e = try error(for: yaml)
        #expect(e.keyPath == "gpus")
        #expect(e.message.contains("more than ScaleCast simulates"))
        #expect(e.message.components(separatedBy: "fidelity: aggregated").count == 2, "\(e.message)")
    }

    /// Aggregated fidelity leaves out cuda-convnet2's per-stage copy cost (`stage_us`), so its steps come out shorter
    /// (an audit: 180 ms against 1,258 ms expanded at 64 GPUs): the refusal that offers it and the summary of a run that
    /// takes it say so; a profile without stage costs gets neither.
    @Test func whatAggregatedLeavesOutIsSaidWhereItIsOffered() throws {
        let yaml = """
            name: cc2
            model: resnet50
            batch_per_gpu: 64
            precision: bf16
            cluster: {gpu: H100, gpus_per_node: 8, network: {link: ib-ndr, nics_per_node: 8}, cpu_cores_per_node: 64}
            strategy: {kind: data}
            software: cuda-convnet2
            gpus: [512]
            """
        let e = try error(for: yaml)
        #expect(e.message.hasSuffix(" simulation: {fidelity: aggregated} (which leaves out the profile's stage_us, the software "
                                    + "cost of every copy stage: its steps come out shorter)"), "\(e.message)")
        #expect(e.message.components(separatedBy: "fidelity: aggregated").count == 2)
        var run = try Scenario.load(path: try temporaryScenario(yaml)).runs[0]
        run.fidelity = .aggregated
        #expect(ScenarioRunner.simulationSummary(run, gpus: 64).hasPrefix("aggregated (the profile's stage_us, the software cost of "
                                                                           + "every copy stage, left out"))
        run.software = .ideal
        #expect(ScenarioRunner.simulationSummary(run, gpus: 64) == "aggregated")
    }

    /// Each GPU takes 1/K of a model-parallel layer's units: a layer of fewer units than GPUs is refused at the
    /// GPU count (an audit found a 10-unit layer "scaling" to 64.00x on 64 GPUs).
    @Test func aModelParallelLayerOfFewerUnitsThanGPUsIsRefused() throws {
        let yaml = """
            name: narrow
            model: {name: narrow, input: [3, 8, 8], layers: [{type: flatten}, {name: fc, type: fc, units: 10}, {type: softmax}]}
            batch_per_gpu: 32
            cluster: {gpu: V100, gpus_per_node: 16}
            strategy: {kind: model}
            gpus: [10, 16]
            """
        let e = try error(for: yaml)
        #expect(e.keyPath == "gpus" && e.line == 6, "\(e)")
        #expect(e.message == "model parallelism splits layer 'fc' (10 units) over 16 GPUs, fewer units than GPUs: use at most 10 GPUs, "
                + "or data parallelism")
        // The most GPUs is the narrowest split layer's units, not the first too narrow one's (which said 4, then refused 4).
        let two = try error(for: yaml.replacingOccurrences(of: "{name: fc, type: fc, units: 10}", with: "{name: f1, type: fc, units: 4}, "
                                                           + "{name: f2, type: fc, units: 3}").replacingOccurrences(of: "[10, 16]", with: "[8]"))
        #expect(two.message == "model parallelism splits layer 'f1' (4 units) over 8 GPUs, fewer units than GPUs: use at most 3 GPUs "
                + "(layer 'f2' has 3 units), or data parallelism", "\(two.message)")
    }
}

@Suite struct NumberTextTests {
    @Test(arguments: ["12", "-0.5", "+3", "1.5e-3", ".25", "4.", "1_000", "1_000.2_5", " 7 "])
    func plainDecimalsAreRead(text: String) {
        #expect(NumberText.decimal(text) != nil)
    }

    @Test(arguments: ["0x10", "nan", "inf", "-inf", "1e400", "12abc", "", ".", "e5", "1e", "--1", "1.2.3",
                      "_10", "10_", "1__0", "1._5", "_"])
    func anythingElseIsRefused(text: String) {
        #expect(NumberText.decimal(text) == nil)
        #expect(NumberText.whole(text) == nil)
    }

    @Test func wholeNumbersAreWholeAndFitInInt() {
        #expect(NumberText.whole("+42") == 42)
        #expect(NumberText.whole("1.0") == nil)
        #expect(NumberText.whole("99999999999999999999") == nil)
    }

    @Test func saturatingConversionNeverTraps() {
        #expect(Int(saturating: 1e300) == .max)
        #expect(Int(saturating: -1e300) == .min)
        #expect(Int(saturating: .nan) == 0)
        #expect(Int(saturating: 41.9) == 41)
    }

    @Test func singleLineEscapesEveryLineBreak() {
        #expect("a\nb\rc\td\u{1B}e\u{2028}f".singleLine == "a\\nb\\rc\\td\\u{1B}e\\u{2028}f")
        #expect("plain".singleLine == "plain")
    }
}

private extension String {
    /// The path from the current directory (the package root under `swift test`), absolute.
    var absolutePath: String { FileManager.default.currentDirectoryPath + "/" + self }
}
