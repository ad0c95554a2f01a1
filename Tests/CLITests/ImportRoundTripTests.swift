import Foundation
import Hardware
import Testing
import YAMLSupport
@testable import ScaleCastCLI
import Calibration

/// Every file `scalecast import` writes is read back by the tool's own loaders,
/// whatever the input files are called; bad input ends in exit 2 and one line.
@Suite struct ImportRoundTripTests {
    /// File names that broke the YAML written (fuzzing, issue 17) and others like them.
    static let hostileNames = ["a: b", "q\"uote", "x}{y,z", "x\ny", "#hash", "'quote", "-lead", "*&!", "débit-日本-🚀",
                               "back\\slash", "tab\there", "[a] {b}", "%TAG !", "&anchor *alias", "null", "1e3", "line\u{2028}sep"]

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scenarios/validation")
        .standardized

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-roundtrip-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The links of a catalog file, read as a scenario's `catalog: {files: [...]}` reads them.
    func links(_ path: String) throws -> [LinkSpec] {
        var catalog = Catalog(gpus: [], links: [])
        try catalog.read(gpus: nil, links: try YAMLValue.load(path: path).optional("links"))
        return catalog.links
    }

    /// Runs a small simulation on an 8-GPU NVSwitch node whose NVLink is `link` from `catalog`.
    func simulate(link: String, catalog: String, in dir: String) throws -> CommandOutput {
        let scenario = """
            model: resnet50
            batch_per_gpu: 32
            catalog: {files: [\(ImportText.yamlQuoted(catalog))]}
            cluster: {gpu: H100, gpus_per_node: 8, fabric: nvswitch, nvlink: \(ImportText.yamlQuoted(link))}
            gpus: [8]
            """
        try scenario.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        return CLI.execute(["simulate", dir + "/s.yaml"])
    }

    @Test(arguments: hostileNames)
    func ncclLinksFromAnyFileNameLoadAndDriveAScenario(name: String) throws {
        let dir = try temporaryDirectory()
        let log = dir + "/" + name + ".log"
        try syntheticNCCLLog.write(toFile: log, atomically: true, encoding: .utf8)
        let out = CLI.execute(["import", "nccl-tests", log, "--collective", "all_reduce", "--out", dir + "/network.yaml"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let written = try links(dir + "/network.yaml")
        #expect(written.count == 1)
        let link = try #require(written.first)
        // The name is safe to write unquoted in a scenario; the source names the log exactly.
        #expect(link.name.hasPrefix("nccl-all_reduce-4gpus"))
        #expect(link.name.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) })
        #expect(link.source.hasPrefix("fitted from \(log): "))
        let simulated = try simulate(link: link.name, catalog: "network.yaml", in: dir)
        #expect(simulated.exitCode == 0, "\(simulated.stderr)")
    }

    /// A log run on two hosts is fitted as any other, with a note that its busbw can be a
    /// two-node tree's, above the network's line rate, and how to measure the ring instead;
    /// one host gets no note.
    @Test func aTwoHostAllReduceLogIsNotedAsPossiblyATree() throws {
        let dir = try temporaryDirectory()
        let oneHost = dir + "/one.log", twoHosts = dir + "/two.log"
        try syntheticNCCLLog.write(toFile: oneHost, atomically: true, encoding: .utf8)
        try syntheticNCCLLog.replacingOccurrences(of: "1000 on host device  2", with: "1000 on other device  2")
            .replacingOccurrences(of: "1000 on host device  3", with: "1000 on other device  3")
            .write(toFile: twoHosts, atomically: true, encoding: .utf8)
        let one = CLI.execute(["import", "nccl-tests", oneHost, "--collective", "all_reduce"])
        #expect(one.exitCode == 0 && one.stderr.isEmpty, "\(one.stderr)")
        let two = CLI.execute(["import", "nccl-tests", twoHosts, "--collective", "all_reduce"])
        #expect(two.exitCode == 0)
        #expect(two.stderr.hasPrefix("note: \(twoHosts) ran on two hosts") && two.stderr.contains("NCCL_ALGO=Ring"), "\(two.stderr)")
    }

    /// A log of several GPUs on each host imported as a network link is noted as the host's NICs
    /// together; --nics-per-node divides its bus bandwidth among them (and silences the note), and
    /// is refused for links that are no network's.
    @Test func aNetworkLinkFromSeveralGPUsPerHostIsNotedAndDivided() throws {
        let dir = try temporaryDirectory()
        let twoHosts = dir + "/two.log"
        try syntheticNCCLLog.replacingOccurrences(of: "1000 on host device  2", with: "1000 on other device  2")
            .replacingOccurrences(of: "1000 on host device  3", with: "1000 on other device  3")
            .write(toFile: twoHosts, atomically: true, encoding: .utf8)
        let whole = CLI.execute(["import", "nccl-tests", twoHosts, "--collective", "all_reduce", "--kind", "infiniband", "--out", dir + "/whole.yaml"])
        #expect(whole.exitCode == 0 && whole.stderr.contains("ran 4 GPUs on 2 hosts") && whole.stderr.contains("--nics-per-node"), "\(whole.stderr)")
        let divided = CLI.execute(["import", "nccl-tests", twoHosts, "--collective", "all_reduce", "--kind", "infiniband",
                                   "--nics-per-node", "2", "--out", dir + "/divided.yaml"])
        #expect(divided.exitCode == 0 && !divided.stderr.contains("ran 4 GPUs on 2 hosts"), "\(divided.stderr)")
        let a = try #require(try links(dir + "/whole.yaml").first), b = try #require(try links(dir + "/divided.yaml").first)
        #expect(abs(b.bytesPerSecond * 2 / a.bytesPerSecond - 1) < 1e-3, "\(a.bytesPerSecond) \(b.bytesPerSecond)")
        #expect(b.source.hasSuffix("bus bandwidth over 2 NICs per host"), "\(b.source)")
        let nvlink = CLI.execute(["import", "nccl-tests", twoHosts, "--collective", "all_reduce", "--nics-per-node", "2"])
        #expect(nvlink.exitCode == 2 && nvlink.stderr.contains("--nics-per-node"), "\(nvlink.stderr)")
    }

    /// Two logs with one base name in different folders get distinct names,
    /// suffixed in the order given; both are in the file and usable.
    @Test func sameBaseNameInTwoFoldersGivesTwoLinks() throws {
        let dir = try temporaryDirectory()
        for folder in ["x", "y", "z"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(folder)", withIntermediateDirectories: true)
            try syntheticNCCLLog.write(toFile: "\(dir)/\(folder)/all_reduce_perf.log", atomically: true, encoding: .utf8)
        }
        let out = CLI.execute(["import", "nccl-tests", "\(dir)/x/all_reduce_perf.log", "\(dir)/y/all_reduce_perf.log",
                               "\(dir)/z/all_reduce_perf.log", "--out", dir + "/network.yaml"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let names = try links(dir + "/network.yaml").map(\.name)
        #expect(names == ["nccl-all_reduce-4gpus-all_reduce_perf", "nccl-all_reduce-4gpus-all_reduce_perf-2",
                          "nccl-all_reduce-4gpus-all_reduce_perf-3"])
        for name in names { #expect(try simulate(link: name, catalog: "network.yaml", in: dir).exitCode == 0) }
    }

    /// The same log twice, also by another spelling of its path, is refused and nothing is written.
    @Test func theSameLogTwiceIsRefused() throws {
        let dir = try temporaryDirectory()
        try syntheticNCCLLog.write(toFile: dir + "/all_reduce_perf.log", atomically: true, encoding: .utf8)
        try FileManager.default.linkItem(atPath: dir + "/all_reduce_perf.log", toPath: dir + "/hard_all_reduce_perf.log")
        for second in [dir + "/all_reduce_perf.log", dir + "/./all_reduce_perf.log", dir + "/hard_all_reduce_perf.log"] {
            let out = CLI.execute(["import", "nccl-tests", dir + "/all_reduce_perf.log", second, "--out", dir + "/network.yaml"])
            #expect(out.exitCode == 2)
            #expect(out.stderr.contains("the same log"))
            #expect(out.stderr.filter { $0 == "\n" }.count == 1)
            #expect(!FileManager.default.fileExists(atPath: dir + "/network.yaml"))
        }
    }

    /// An `--out` that is one of the inputs would replace the measurement with what was fitted
    /// to it (or a shard with the merged sweep): refused, even with `--force`, under any of its
    /// names, by every command that reads a file and writes `--out`.
    @Test func theOutputIsNeverAnInput() throws {
        let dir = try temporaryDirectory()
        let log = dir + "/all_reduce_perf.log", csv = dir + "/layers.csv"
        try syntheticNCCLLog.write(toFile: log, atomically: true, encoding: .utf8)
        try "model,layer\n".write(toFile: csv, atomically: true, encoding: .utf8)
        for arguments in [["nccl-tests", log, "--out", dir + "/./all_reduce_perf.log"],
                          ["layer-times", csv, "--gpu", "H200", "--out", csv],
                          ["kernel-times", csv, "--gpu", "H200", "--library", "none", "--out", csv]].map({ ["import"] + $0 })
                          + [["calibrate", "--gemm-csv", csv, "--gpu", "H200", "--out", csv],
                             ["merge", csv, log, "--out", log],
                             // A --catalog file is an input too: writing over it would lose its other entries.
                             ["import", "layer-times", csv, "--gpu", "H200", "--catalog", log, "--out", log],
                             ["import", "kernel-times", csv, "--gpu", "H200", "--library", "none", "--catalog", log, "--out", log],
                             ["calibrate", "--gemm-csv", csv, "--gpu", "H200", "--catalog", log, "--out", log]] {
            let out = CLI.execute(arguments + ["--force"])
            #expect(out.exitCode == 2 && out.stderr.contains("is the input") && out.stderr.contains("write to another file"), "\(out.stderr)")
        }
        #expect(try String(contentsOfFile: log, encoding: .utf8) == syntheticNCCLLog)
        #expect(try String(contentsOfFile: csv, encoding: .utf8) == "model,layer\n")
    }

    /// A size corrupted to 1e17 on one row: before, the link was written with a bandwidth the
    /// catalog rejects; now the import stops at that row and writes nothing.
    @Test func aCorruptedRowIsRefusedAtItsLineAndNothingIsWritten() throws {
        let dir = try temporaryDirectory()
        var lines = syntheticNCCLLog.components(separatedBy: "\n")
        let row = lines.firstIndex { $0.contains("16777216       4194304") }!
        lines[row] = lines[row].replacingOccurrences(of: "16777216       4194304", with: "1e17 4194304")
        try lines.joined(separator: "\n").write(toFile: dir + "/all_reduce_perf.log", atomically: true, encoding: .utf8)
        let out = CLI.execute(["import", "nccl-tests", dir + "/all_reduce_perf.log", "--out", dir + "/network.yaml"])
        #expect(out.exitCode == 2)
        #expect(out.stderr.hasPrefix("error: \(dir)/all_reduce_perf.log:\(row + 1): "))
        #expect(out.stderr.filter { $0 == "\n" }.count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/network.yaml"))
    }

    @Test func errorsAboutAFileWithALineBreakInItsNameAreOneLine() throws {
        let dir = try temporaryDirectory()
        let log = dir + "/bad\nname.log"
        try "# nothing here\n".write(toFile: log, atomically: true, encoding: .utf8)
        let out = CLI.execute(["import", "nccl-tests", log])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("bad\\nname.log"))
        #expect(out.stderr.filter { $0 == "\n" }.count == 1)
        let csv = CLI.execute(["import", "layer-times", log, "--gpu", "H200"])
        #expect(csv.exitCode == 2)
        #expect(csv.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test(arguments: hostileNames)
    func layerTimeProfilesFromAnyFileNameLoadInAScenario(name: String) throws {
        let dir = try temporaryDirectory()
        let csv = dir + "/" + name + ".csv"
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("resnet50-h200-layer-times.csv").path, toPath: csv)
        let out = CLI.execute(["import", "layer-times", csv, "--gpu", "H200", "--out", dir + "/profile.yaml"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let profile = try String(contentsOfFile: dir + "/profile.yaml", encoding: .utf8)
        #expect(profile.hasPrefix("# Fitted by `scalecast import layer-times` from \(csv.singleLine);"))
        #expect(try YAMLValue.parse(profile, file: "profile.yaml").required("gpu").string() == "H200-SXM")
        let scenario = """
            model: resnet50
            batch_per_gpu: 32
            precision: bf16
            cost_model: {profile: profile.yaml}
            cluster: {gpu: H200, gpus_per_node: 8}
            gpus: [8]
            """
        try scenario.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let simulated = CLI.execute(["simulate", dir + "/s.yaml"])
        #expect(simulated.exitCode == 0, "\(simulated.stderr)")
    }

    /// The layer-time CSV as Excel or pandas might save it (CRLF, BOM, every field quoted)
    /// fits to the same profile as the file itself.
    @Test func layerTimesWithCRLFQuotesAndABOMFitTheSame() throws {
        let dir = try temporaryDirectory()
        let original = Self.fixtures.appendingPathComponent("resnet50-h200-layer-times.csv").path
        let text = try String(contentsOfFile: original, encoding: .utf8)
        let rewritten = "\u{FEFF}" + text.split(separator: "\n").map { line in
            line.hasPrefix("#") ? String(line) : line.split(separator: ",", omittingEmptySubsequences: false).map { "\"\($0)\"" }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
        try rewritten.write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
        let a = CLI.execute(["import", "layer-times", original, "--gpu", "H200"])
        let b = CLI.execute(["import", "layer-times", dir + "/t.csv", "--gpu", "H200"])
        #expect(b.exitCode == 0, "\(b.stderr)")
        #expect(a.stdout.replacingOccurrences(of: original, with: "F") == b.stdout.replacingOccurrences(of: dir + "/t.csv", with: "F"))
    }

    /// The fuzzer's row (an fc of 1e7 units on a 1e7^3 input) trapped with an overflow in the cost model.
    @Test func anOversizedLayerExitsWithTwoNamingItsLine() throws {
        let path = try writeTemporary("""
            model,layer,kind,batch,precision,in_channels,height,width,out,kernel,stride,pad,groups,forward_ms,backward_ms
            resnet50,conv1,fc,32,fp32,10000000,10000000,10000000,10000000,7,2,3,1,0.39301,0.93800

            """)
        let out = CLI.execute(["import", "layer-times", path, "--gpu", "H200", "--out", path + ".profile.yaml"])
        #expect(out.exitCode == 2)
        #expect(out.stderr.hasPrefix("error: \(path):2: "))
        #expect(out.stderr.filter { $0 == "\n" }.count == 1)
        #expect(!FileManager.default.fileExists(atPath: path + ".profile.yaml"))
    }

    /// cuBLAS timings as other tools save them: CRLF, a BOM, quoted fields, columns reordered
    /// and one added. The fit is the same as from the file scalecast-cuda-check wrote.
    @Test func gemmCSVInOtherFormsFitsTheSame() throws {
        let original = Self.fixtures.appendingPathComponent("h200-cublas-gemm.csv").path
        let lines = try String(contentsOfFile: original, encoding: .utf8).split(separator: "\n").map(String.init)
        let reordered = lines.map { line -> String in
            if line.hasPrefix("#") { return line }
            let c = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let extra = c[0] == "precision" ? "\"note, quoted\"" : "\"a \"\"b\"\"\""
            return ["\"\(c[4])\"", c[3], extra, c[1], c[2], "\"\(c[0])\"", c[5]].joined(separator: ",")
        }
        let rewritten = "\u{FEFF}" + reordered.map { $0.replacingOccurrences(of: "precision", with: "Precision") }.joined(separator: "\r\n") + "\r\n"
        let path = try writeTemporary(rewritten)
        let a = CLI.execute(["calibrate", "--gemm-csv", original, "--gpu", "H200"])
        let b = CLI.execute(["calibrate", "--gemm-csv", path, "--gpu", "H200"])
        #expect(b.exitCode == 0, "\(b.stderr)")
        #expect(a.stdout == b.stdout)
        #expect(a.stdout.contains("GPU: NVIDIA H200"))
    }

    @Test(arguments: ["0x10", "12abc", "-3", "nan", "1e400", "1.5", ""])
    func badGEMMDimensionsExitWithTwoAtTheirLine(bad: String) throws {
        let path = try writeTemporary("# device: X\r\nprecision,m,n,k,seconds\r\nbf16,512,512,512,0.001\r\nbf16,\(bad),2,3,0.5\r\n")
        let out = CLI.execute(["calibrate", "--gemm-csv", path, "--gpu", "H200"])
        #expect(out.exitCode == 2)
        #expect(out.stderr.hasPrefix("error: \(path):4: "), "\(out.stderr)")
        #expect(out.stderr.filter { $0 == "\n" }.count == 1)
    }

    /// --out writes the fitted curves as a profile (it was refused when nothing was written); a scenario
    /// loading it is CalibrateImportJSONTests.gemmTimingsWriteAProfileAScenarioUses.
    @Test func gemmCSVWritesTheProfileToOut() throws {
        let original = Self.fixtures.appendingPathComponent("h200-cublas-gemm.csv").path
        let path = try temporaryDirectory() + "/gpu.yaml"
        let out = CLI.execute(["calibrate", "--gemm-csv", original, "--gpu", "H200", "--out", path])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let profile = try String(contentsOfFile: path, encoding: .utf8)
        #expect(profile.hasPrefix("# Fitted by `scalecast calibrate --gemm-csv` from \(original) (NVIDIA H200)"))
        for key in ["gpu: \"H200-SXM\"", "max_efficiency: {fp32: ", "half_saturation: {fp32: ", "reported_error: {fp32: "] {
            #expect(profile.contains(key), "\(key)")
        }
    }
}

/// An all_reduce_perf log of 4 GPUs, as nccl-tests prints it.
let syntheticNCCLLog = """
    # nThread 1 nGpus 4 minBytes 8 maxBytes 67108864 step: 4(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
    #
    # Using devices
    #  Rank  0 Group  0 Pid  1000 on host device  0 [0x00] NVIDIA H100 80GB HBM3
    #  Rank  1 Group  0 Pid  1000 on host device  1 [0x00] NVIDIA H100 80GB HBM3
    #  Rank  2 Group  0 Pid  1000 on host device  2 [0x00] NVIDIA H100 80GB HBM3
    #  Rank  3 Group  0 Pid  1000 on host device  3 [0x00] NVIDIA H100 80GB HBM3
    #
    #                                                              out-of-place                       in-place
    #       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw   busbw #wrong
    #        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)
               8             2     float     sum      -1    15.21    0.00    0.00      0    15.10    0.00    0.00      0
             128            32     float     sum      -1    15.40    0.01    0.01      0    15.32    0.01    0.01      0
            2048           512     float     sum      -1    15.88    0.13    0.19      0    15.80    0.13    0.19      0
           32768          8192     float     sum      -1    17.30    1.89    2.84      0    17.22    1.90    2.85      0
          262144         65536     float     sum      -1    22.61   11.59   17.39      0    22.55   11.62   17.44      0
         1048576        262144     float     sum      -1    30.49   34.39   51.59      0    30.40   34.49   51.74      0
         4194304       1048576     float     sum      -1    61.94   67.72  101.57      0    61.80   67.87  101.80      0
        16777216       4194304     float     sum      -1   187.77   89.35  134.03      0   187.50   89.48  134.22      0
        67108864      16777216     float     sum      -1   691.09   97.11  145.66      0   690.90   97.13  145.70      0
    # Out of bounds values : 0 OK
    # Avg bus bandwidth    : 108.2135

    """
