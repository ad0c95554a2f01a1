import Testing
@testable import Hardware
import YAMLSupport

/// The fp8 peak and the default fabric of a GPU entry are read like its other figures:
/// a bad one is refused naming the file, the key and the line.
@Suite struct CatalogEntryErrorTests {
    /// A GPU entry: its peaks on line 7, `extra` from line 9.
    static func entry(peaks: String = "{fp32: 10, bf16: 40, fp8: 80}", extra: String = "") -> String {
        """
        gpus:
          - name: Test-8
            architecture: Test
            memory_gib: 16
            memory_bandwidth_gb_per_s: 500
            source: "Test datasheet (2025): 10 TFLOP/s fp32, 40 bf16, 80 fp8"
            peak_tflops: \(peaks)
            host_link: pcie4-x16
        \(extra)
        """
    }

    func read(_ text: String) throws -> Catalog {
        var catalog = try Catalog.builtIn()
        try catalog.read(gpus: try YAMLValue.parse(text, file: "gpus.yaml").optional("gpus"), links: nil)
        return catalog
    }

    func refusal(_ text: String) throws -> ConfigError {
        let thrown = #expect(throws: ConfigError.self) { try read(text) }
        return try #require(thrown)
    }

    /// A TF32, fp16 or bf16 peak below the fp32 one (a slip, 4.0 for 40) is refused at its key:
    /// frameworks compute such tensors in fp32 where the GPU's own units are slower. Equal is fine
    /// (a GeForce Ampere's TF32 tensor rate is its fp32 rate).
    @Test func aPrecisionSlowerThanFP32IsRefused() throws {
        let slow = try refusal(Self.entry(peaks: "{fp32: 10, bf16: 4.0, fp8: 80}"))
        #expect(slow.line == 7 && slow.keyPath.hasSuffix("peak_tflops.bf16") && slow.message.hasPrefix("4 TFLOP/s is below the fp32 peak (10)"),
                "\(slow)")
        #expect(try read(Self.entry(peaks: "{fp32: 10, tf32: 10, bf16: 40}")).gpu(named: "Test-8") != nil)
    }

    /// A scenario naming `h100` gets the catalog's H100-SXM5 whatever a later entry's aliases
    /// say, and the second of two entries named alike in one list hides the first: both are
    /// refused at their line. An entry named as a catalog GPU still replaces it.
    @Test func namesAnotherGPUAnswersToAreRefused() throws {
        let alias = try refusal(Self.entry(extra: "    aliases: [t8, H100]"))
        #expect(alias.line == 9 && alias.keyPath.hasSuffix("aliases[1]") && alias.message.contains("H100-SXM5"), "\(alias)")
        let name = try refusal(Self.entry().replacingOccurrences(of: "name: Test-8", with: "name: h100"))
        #expect(name.line == 2 && name.message.contains("replace that entry by its name H100-SXM5"), "\(name)")
        let twice = try refusal(Self.entry() + "\n" + Self.entry().replacingOccurrences(of: "gpus:\n", with: "")
            .replacingOccurrences(of: "Test-8", with: "TEST-8"))
        #expect(twice.line == 10 && twice.message.contains("first at line 2"), "\(twice)")
        let replaced = try read(Self.entry().replacingOccurrences(of: "name: Test-8", with: "name: H100-SXM5"))
        #expect(abs((replaced.gpu(named: "H100-SXM5")?.memoryBytes ?? 0) - 16 * 1_073_741_824) < 1)
    }

    /// An architecture is matched by name (sibling evidence, NCCL's compute capability): the
    /// catalog's written another way is refused at its line with the catalog's name; the
    /// catalog's own, in any case, and a generation of its own are taken as written.
    @Test func anArchitectureNamedAnotherWayIsRefused() throws {
        for (written, meant) in [("Ada", "'Ada Lovelace'"), ("hopper (GH100)", "'Hopper'"), ("Blackwell Ultra", "'Blackwell'"),
                                 ("Ada-Lovelace", "'Ada Lovelace'"), ("Lovelace", "'Ada Lovelace'"), ("NVIDIA Hopper", "'Hopper'"),
                                 ("CDNA", "'CDNA 3' or 'CDNA 2'")] {
            let refused = try refusal(Self.entry().replacingOccurrences(of: "architecture: Test", with: "architecture: \(written)"))
            #expect(refused.line == 3 && refused.keyPath.hasSuffix("architecture")
                    && refused.message.hasPrefix("'\(written)' is not how the catalog names that architecture: its GPUs say \(meant) "),
                    "\(refused)")
        }
        for written in ["ada lovelace", "Test", "CDNA 4", "Rubin"] {
            let read = try read(Self.entry().replacingOccurrences(of: "architecture: Test", with: "architecture: \(written)"))
            #expect(read.gpu(named: "Test-8")?.architecture == written)
        }
    }

    /// A GPU's host link is a PCIe slot and its scale-up link a scale-up fabric: a network or
    /// an NVLink in the wrong key is refused at its line.
    @Test func eachLinkKeyOfAGPUTakesItsKind() throws {
        let host = try refusal(Self.entry().replacingOccurrences(of: "host_link: pcie4-x16", with: "host_link: nvlink4"))
        #expect(host.line == 8 && host.message.contains("'nvlink4' is a link of kind nvlink; host_link takes a pcie link"), "\(host)")
        let scaleUp = try refusal(Self.entry(extra: "    nvlink: ib-hdr"))
        #expect(scaleUp.line == 9 && scaleUp.message.contains("'ib-hdr' is a link of kind infiniband; nvlink takes a scale-up link"), "\(scaleUp)")
    }

    /// A blank name, alias or measurement note, and a year that cannot be one, are refused at their line.
    @Test func aBlankLinkNameIsRefusedAtItsLine() throws {
        for blank in ["\"\"", "\"   \""] {
            let text = "links:\n  - {name: \(blank), kind: ethernet, gbit_per_s: 100, latency_us: 2, source: x}\n"
            var catalog = try Catalog.builtIn()
            let thrown = #expect(throws: ConfigError.self) {
                try catalog.read(gpus: nil, links: try YAMLValue.parse(text, file: "links.yaml").optional("links"))
            }
            let error = try #require(thrown)
            #expect(error.line == 2 && error.message.contains("blank name"), "\(error)")
        }
    }

    @Test func blankNamesNotesAndImpossibleYearsAreRefused() throws {
        #expect(try refusal(Self.entry().replacingOccurrences(of: "name: Test-8", with: "name: \"  \"")).message.contains("blank name"))
        #expect(try refusal(Self.entry(extra: "    aliases: [t8, \"\"]")).message.contains("blank alias"))
        let year = try refusal(Self.entry(extra: "    year: -5"))
        #expect(year.line == 9 && year.keyPath.hasSuffix("year"))
        let note = try refusal(Self.entry(extra: "    measured: \" \"\n    max_efficiency: {fp32: 0.5}"))
        #expect(note.line == 9 && note.message.contains("empty measurement note"), "\(note)")
    }

    @Test func anFP8PeakIsReadInTFLOPs() throws {
        let gpu = try #require(try read(Self.entry()).gpu(named: "Test-8"))
        #expect(gpu.peakFLOPsPerSecond["fp8"] == 80e12)
        // fp8 is not a precision a run takes: asking for it gives the fp32 peak, as any unknown name does.
        #expect(gpu.peakFLOPsPerSecond(precision: "fp8") == 10e12)
        #expect(gpu.nodeFabric == "pcie-tree" && gpu.defaultFabric == nil)
    }

    @Test(arguments: [
        ("{fp32: 10, fp8: fast}", "a number"),
        ("{fp32: 10, fp8: -80}", "must be between"),
        ("{fp32: 10, fp8: 0}", "must be between"),
        ("{fp32: 10, fp8: 1e9}", "must be between"),
        ("{fp32: 10, fp8: [80]}", "found a list"),
    ])
    func aBadFP8PeakNamesItsKeyAndLine(peaks: String, message: String) throws {
        let error = try refusal(Self.entry(peaks: peaks))
        #expect(error.file == "gpus.yaml")
        #expect(error.keyPath == "gpus[0].peak_tflops.fp8")
        #expect(error.line == 7)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func anUnknownPrecisionIsRefusedWithTheKnownOnes() throws {
        let error = try refusal(Self.entry(peaks: "{fp32: 10, fp4: 160}"))
        #expect(error.line == 7 && error.keyPath.hasSuffix("peak_tflops.fp4"))
        #expect(error.message.contains("fp8"))
    }

    /// Fitted efficiencies are for the precisions a run takes: fp8 is not one of them.
    @Test func fittedTablesRefuseFP8() throws {
        let error = try refusal(Self.entry(extra: "    max_efficiency: {fp8: 0.7}"))
        #expect(error.keyPath.hasSuffix("max_efficiency.fp8") && error.line == 9)
    }

    @Test func aMeshFabricNeedsAScaleUpLink() throws {
        let error = try refusal(Self.entry(extra: "    fabric: nvlink-mesh"))
        #expect(error.keyPath == "gpus[0].fabric" && error.line == 9)
        #expect(error.message.contains("add nvlink:"))
        let mesh = try read(Self.entry(extra: "    nvlink: infinity-fabric-mi300x\n    fabric: nvlink-mesh"))
        #expect(mesh.gpu(named: "Test-8")?.nodeFabric == "nvlink-mesh")
        let unknown = try refusal(Self.entry(extra: "    nvlink: nvlink4\n    fabric: torus"))
        #expect(unknown.keyPath == "gpus[0].fabric" && unknown.line == 10 && unknown.message.contains("nvlink-mesh"))
    }

    /// A board-to-board spread is a measurement: it needs `measured:` and is a fraction.
    @Test func aSpeedSpreadNeedsItsSourceAndIsAFraction() throws {
        let measured = try read(Self.entry(extra: "    measured: \"spread measured on 100 boards (Test, 2025)\"\n    speed_variation_cv: 0.02"))
        #expect(measured.gpu(named: "Test-8")?.speedVariationCV == 0.02)
        #expect(try read(Self.entry()).gpu(named: "Test-8")?.speedVariationCV == 0)
        let unsourced = try refusal(Self.entry(extra: "    speed_variation_cv: 0.02"))
        #expect(unsourced.keyPath == "gpus[0].speed_variation_cv" && unsourced.line == 9 && unsourced.message.contains("add measured:"))
        for bad in ["-0.02", "1.5", "wide"] {
            let refused = try refusal(Self.entry(extra: "    measured: \"Test\"\n    speed_variation_cv: \(bad)"))
            #expect(refused.keyPath == "gpus[0].speed_variation_cv" && refused.line == 10, "\(bad)")
        }
    }

    /// A GPU's streaming bandwidth is a measurement: it needs `measured:` and is a fraction.
    @Test func aMeasuredMemoryEfficiencyNeedsItsSourceAndIsAFraction() throws {
        let measured = try read(Self.entry(extra: "    measured: \"device-to-device copy (Test, 2025)\"\n    memory_efficiency: 0.7"))
        #expect(measured.gpu(named: "Test-8")?.memoryEfficiency == 0.7)
        #expect(try read(Self.entry()).gpu(named: "Test-8")?.memoryEfficiency == nil)
        let unsourced = try refusal(Self.entry(extra: "    memory_efficiency: 0.7"))
        #expect(unsourced.keyPath == "gpus[0].memory_efficiency" && unsourced.line == 9 && unsourced.message.contains("add measured:"))
        for bad in ["0", "1.2", "fast"] {
            let refused = try refusal(Self.entry(extra: "    measured: \"Test\"\n    memory_efficiency: \(bad)"))
            #expect(refused.keyPath == "gpus[0].memory_efficiency" && refused.line == 10, "\(bad)")
        }
    }
}
