import Calibration
import Foundation
import Hardware
import Testing
@testable import ScaleCastCLI

/// `calibrate --json` and `import ... --json`: what was fitted, as data with a
/// schema_version; and `calibrate --gemm-csv --out` writing a profile scenarios load.
@Suite struct CalibrateImportJSONTests {
    static let validation = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation").standardized.path

    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-json-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func object(_ out: CommandOutput) throws -> [String: Any] {
        #expect(out.exitCode == 0, "\(out.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    }

    /// The fitted GPU curves become a profile file; a scenario naming it runs at the fitted efficiencies.
    @Test func gemmTimingsWriteAProfileAScenarioUses() throws {
        let dir = try temporaryDirectory()
        let csv = Self.validation + "/h200-cublas-gemm.csv"
        let out = CLI.execute(["calibrate", "--gemm-csv", csv, "--gpu", "H200", "--out", dir + "/h200.yaml"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("wrote \(dir)/h200.yaml"))
        let profile = try String(contentsOfFile: dir + "/h200.yaml", encoding: .utf8)
        #expect(profile.contains("gpu: \"H200-SXM\""))
        #expect(profile.contains("max_efficiency: {fp32: "))
        let scenario = """
            model: resnet50
            batch_per_gpu: 64
            precision: bf16
            cluster: {gpu: H200, gpus_per_node: 1}
            gpus: [1]
            """
        try scenario.write(toFile: dir + "/plain.yaml", atomically: true, encoding: .utf8)
        try (scenario + "\ncost_model: {profile: h200.yaml}\n").write(toFile: dir + "/profiled.yaml", atomically: true, encoding: .utf8)
        let plain = try object(CLI.execute(["simulate", dir + "/plain.yaml", "--json"]))
        let profiled = try object(CLI.execute(["simulate", dir + "/profiled.yaml", "--json"]))
        let step = { (o: [String: Any]) in ((o["results"] as? [[String: Any]])?.first?["step_seconds"] as? Double) ?? 0 }
        #expect(step(plain) > 0 && step(profiled) > 0)
        #expect(step(plain) != step(profiled), "the profile's efficiencies change the prediction")
        // Never over a user's file without --force.
        let again = CLI.execute(["calibrate", "--gemm-csv", csv, "--gpu", "H200", "--out", dir + "/h200.yaml"])
        #expect(again.exitCode == 2)
        #expect(CLI.execute(["calibrate", "--gemm-csv", csv, "--gpu", "H200", "--out", dir + "/h200.yaml", "--force"]).exitCode == 0)
    }

    @Test func gemmCalibrationAsJSON() throws {
        let dir = try temporaryDirectory()
        let csv = Self.validation + "/h200-cublas-gemm.csv"
        let document = try object(CLI.execute(["calibrate", "--gemm-csv", csv, "--gpu", "H200", "--json", "--out", dir + "/p.yaml"]))
        #expect(Set(document.keys) == ["schema_version", "mode", "device", "gpu", "gemm_csv", "precisions", "profile", "wrote"])
        #expect(document["schema_version"] as? Int == 1)
        #expect(document["mode"] as? String == "gpu")
        #expect(document["device"] as? String == "NVIDIA H200")
        #expect(document["wrote"] as? String == dir + "/p.yaml")
        #expect(document["profile"] as? String == (try String(contentsOfFile: dir + "/p.yaml", encoding: .utf8)))
        let precisions = try #require(document["precisions"] as? [[String: Any]])
        #expect(precisions.compactMap { $0["precision"] as? String } == ["fp32", "tf32", "bf16"])
        for p in precisions {
            let e = try #require(p["max_efficiency"] as? Double)
            #expect(e > 0 && e <= 1)
            #expect((p["shapes"] as? [[String: Any]])?.isEmpty == false)
        }
        let plain = try object(CLI.execute(["calibrate", "--gemm-csv", csv, "--gpu", "H200", "--json"]))
        #expect(plain["wrote"] is NSNull)
        // The H200's curves are fitted inside their ranges.
        #expect(precisions.allSatisfy { ($0["figures_at_bound"] as? [String]) == [] })
    }

    /// Timings that run at 95% of the peak at every size want no size curve at all: the fit
    /// stops at the smallest half-saturation it searches, which the text and the JSON say.
    @Test func aGEMMFitStoppedAtItsBoundIsSaid() throws {
        let dir = try temporaryDirectory()
        let peak = try #require(try Catalog.builtIn().gpu(named: "H200")).peakFLOPsPerSecond(precision: "fp32")
        let rows = [1024, 2048, 4096, 8192].map { n in
            "fp32,\(n),\(n),\(n),\(2 * Double(n * n * n) / (0.95 * peak))"
        }
        let csv = dir + "/flat.csv"
        try ("precision,m,n,k,seconds\n" + rows.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let document = try object(CLI.execute(["calibrate", "--gemm-csv", csv, "--gpu", "H200", "--json"]))
        let fp32 = try #require((document["precisions"] as? [[String: Any]])?.first)
        #expect(fp32["figures_at_bound"] as? [String] == ["half_saturation"])
        #expect(fp32["half_saturation"] as? Double == 1)
        let text = CLI.execute(["calibrate", "--gemm-csv", csv, "--gpu", "H200"])
        #expect(text.stdout.contains("at a bound, so not measured (the fit stopped there; the timings do not pin it): "
                                     + "x_half at an end of the 1-10000 it is searched over"), "\(text.stdout)")
    }

    @Test func layerTimesImportAsJSON() throws {
        let dir = try temporaryDirectory()
        let csv = Self.validation + "/resnet50-h200-layer-times.csv"
        let out = CLI.execute(["import", "layer-times", csv, "--gpu", "H200", "--holdout", "--json", "--out", dir + "/p.yaml"])
        let document = try object(out)
        #expect(Set(document.keys) == ["schema_version", "csv", "gpu", "layers", "holdout", "fits", "profile", "wrote"])
        #expect(document["schema_version"] as? Int == 1)
        #expect(document["layers"] as? Int == 486)
        #expect(document["profile"] as? String == (try String(contentsOfFile: dir + "/p.yaml", encoding: .utf8)))
        let fits = try #require(document["fits"] as? [[String: Any]])
        #expect(!fits.isEmpty)
        for fit in fits {
            let held = try #require(fit["held_out"] as? [String: Any])
            #expect((held["count"] as? Int ?? 0) > 0)
            #expect(held["median_signed_error"] is NSNull)
            #expect((fit["reported_error"] as? Double ?? -1) >= 0)
        }
        let noHoldout = try object(CLI.execute(["import", "layer-times", csv, "--gpu", "H200", "--json"]))
        let first = try #require((noHoldout["fits"] as? [[String: Any]])?.first)
        #expect(first["held_out"] is NSNull)
        // The text and the JSON tell the same fit.
        let text = CLI.execute(["import", "layer-times", csv, "--gpu", "H200"])
        let efficiency = String(format: "%.3f", try #require(first["max_efficiency"] as? Double))
        #expect(text.stdout.contains("\(try #require(first["precision"] as? String)): max efficiency \(efficiency)"))
        #expect(noHoldout["wrote"] is NSNull)
    }

    /// Times in microseconds written in the milliseconds columns run 1,000 times slow: no row is
    /// faster than the peak, so the rows pass, but the fit's ceiling falls under 1% of the peak,
    /// slower than any library runs a large product, and nothing is written.
    @Test func layerTimesAThousandTimesSlowAreRefused() throws {
        let dir = try temporaryDirectory()
        let lines = try String(contentsOfFile: Self.validation + "/resnet50-h200-layer-times.csv", encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        let slowed = lines.dropFirst().map { line -> String in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            for column in [13, 14] { fields[column] = String(format: "%.3f", Double(fields[column])! * 1000) }
            return fields.joined(separator: ",")
        }
        let csv = dir + "/microseconds.csv"
        try ([lines[0]] + slowed).joined(separator: "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let out = CLI.execute(["import", "layer-times", csv, "--gpu", "H200", "--out", dir + "/p.yaml"])
        #expect(out.exitCode == 2 && out.stderr.contains("under 1% of the H200-SXM's peak") && out.stderr.contains("in milliseconds?"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/p.yaml"))
        #expect(CLI.execute(["import", "layer-times", Self.validation + "/resnet50-h200-layer-times.csv", "--gpu", "H200"]).exitCode == 0)
    }

    @Test func kernelTimesImportAsJSON() throws {
        let csv = Self.validation + "/deepbench/V100-conv-train.csv"
        let document = try object(CLI.execute(["import", "kernel-times", csv, "--gpu", "V100", "--library", "cudnn-7",
                                                "--precision", "fp32", "--json"]))
        #expect(Set(document.keys) == ["schema_version", "csv", "gpu", "library", "kernels", "fits", "entry", "wrote"])
        let fits = try #require(document["fits"] as? [[String: Any]])
        #expect(Set(fits.compactMap { $0["pass"] as? String }) == ["forward", "backward-data", "backward-filter"])
        for fit in fits {
            #expect(fit["precision"] as? String == "fp32")
            #expect(fit["before"] is [String: Any])
            // The fitted efficiency is the one at which half the kernels are predicted too slow and half too fast.
            let after = try #require(fit["after"] as? [String: Any])
            #expect(abs(after["median_signed_error"] as? Double ?? 1) < 0.01)
            // After the fit, predicted / measured by quarters of kernel size: four positive ratios.
            let bySize = try #require(fit["by_size"] as? [Double])
            #expect(bySize.count == 4 && bySize.allSatisfy { $0 > 0 })
        }
        #expect((document["entry"] as? String)?.contains("kernel_efficiency:") == true)
    }

    /// A GPU whose catalog entry has no SM count cannot carry fitted efficiencies (the
    /// catalog refuses `kernel_efficiency` without `sms:`): refused with exit 2 before
    /// anything is written, rather than writing an entry no scenario can load.
    @Test func kernelTimesOnAGPUWithoutAnSMCountAreRefused() throws {
        let catalog = try Catalog.builtIn()
        let gpu = try #require(catalog.gpus.first { $0.streamingMultiprocessors == nil }, "a catalog GPU without sms")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-entry-\(UUID().uuidString).yaml").path
        let result = CLI.execute(["import", "kernel-times", Self.validation + "/deepbench/V100-conv-train.csv", "--gpu", gpu.name,
                                  "--library", "cudnn-7", "--precision", "fp32", "--out", out])
        #expect(result.exitCode == 2 && result.stderr.contains("sms") && result.stderr.contains(gpu.name), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A GPU of one's own (docs/add-a-gpu.md) is measured before any scenario names it: the
    /// import commands read its catalog file with --catalog, and without it say so; the
    /// entry written loads in a scenario beside the same file's GPU.
    @Test func importsFitAGPUFromACatalogFile() throws {
        let dir = try temporaryDirectory()
        let gpus = dir + "/my-gpus.yaml"
        try """
            gpus:
              - {name: MY-VOLTA, architecture: Volta, year: 2017, memory_gib: 16, memory_bandwidth_gb_per_s: 900,
                 peak_tflops: {fp32: 15.7, fp16: 125}, tdp_watts: 300, host_link: pcie3-x16, sms: 80, source: "a test board"}
            """.write(toFile: gpus, atomically: true, encoding: .utf8)
        let csv = Self.validation + "/deepbench/V100-conv-train.csv"
        let arguments = ["import", "kernel-times", csv, "--gpu", "MY-VOLTA", "--library", "cudnn-7", "--precision", "fp32"]
        let unknown = CLI.execute(arguments)
        #expect(unknown.exitCode == 2 && unknown.stderr.contains("MY-VOLTA") && unknown.stderr.contains("--catalog FILE"), "\(unknown.stderr)")
        let entry = dir + "/entry.yaml"
        let fitted = CLI.execute(arguments + ["--catalog", gpus, "--out", entry])
        #expect(fitted.exitCode == 0, "\(fitted.stderr)")
        let scenario = try writeTemporary("""
            model: resnet50
            batch_per_gpu: 64
            cluster: {gpu: MY-VOLTA, gpus_per_node: 1}
            gpus: [1]
            catalog: {files: [\(entry)]}
            """)
        let run = CLI.execute(["simulate", scenario])
        #expect(run.exitCode == 0 && run.stdout.contains("MY-VOLTA"), "\(run.stderr)")
        let layers = CLI.execute(["import", "layer-times", Self.validation + "/resnet50-h200-layer-times.csv", "--gpu", "MY-VOLTA",
                                  "--catalog", gpus])
        // The H200's times are faster than this board's peaks allow: refused at a line, so the GPU was found.
        #expect(layers.exitCode == 2 && layers.stderr.contains("MY-VOLTA") && !layers.stderr.contains("--catalog FILE"), "\(layers.stderr)")
        let broken = try writeTemporary("gpu:\n  - {name: X}\n")
        let refused = CLI.execute(arguments + ["--catalog", broken])
        #expect(refused.exitCode == 2 && refused.stderr.contains("gpu"), "\(refused.stderr)")
        let cpu = CLI.execute(["calibrate", "--catalog", gpus])
        #expect(cpu.exitCode == 2 && cpu.stderr.contains("--catalog"), "\(cpu.stderr)")
    }

    /// The Titan Black has no TF32 (its tf32 runs are priced as fp32): a file's tf32 rows are
    /// refused, naming --precision to fit the rest; with --precision fp32 the fp32 rows are fitted.
    @Test func kernelTimesInAPrecisionTheGPULacksNameTheWayOut() throws {
        let header = "precision,w,h,c,n,k,filter_w,filter_h,pad_w,pad_h,stride_w,stride_h,forward_ms,backward_inputs_ms,backward_params_ms\n"
        var rows = ""
        for (c, k) in [(64, 64), (128, 128), (256, 256), (64, 128)] { rows += "fp32,28,28,\(c),16,\(k),3,3,1,1,1,1,5,5,5\n" }
        let csv = try writeTemporary(header + rows + "tf32,28,28,64,16,64,3,3,1,1,1,1,5,5,5\n")
        let both = CLI.execute(["import", "kernel-times", csv, "--gpu", "TitanBlack", "--library", "cudnn-5"])
        #expect(both.exitCode == 2 && both.stderr.contains("no tf32 peak") && both.stderr.contains("--precision"), "\(both.stderr)")
        let fp32 = CLI.execute(["import", "kernel-times", csv, "--gpu", "TitanBlack", "--library", "cudnn-5", "--precision", "fp32"])
        #expect(fp32.exitCode == 0, "\(fp32.stderr)")
    }

    /// The entry kernel-times writes loads on its own: a link it names that only a --catalog
    /// file defines is written beside it.
    @Test func aWrittenEntryCarriesTheLinksItNames() throws {
        let dir = try temporaryDirectory()
        try """
            links:
              - {name: my-link, kind: pcie, bandwidth_gb_per_s: 32, latency_us: 1, source: "a test"}
            gpus:
              - {name: MY-V100, architecture: Volta, memory_gib: 16, memory_bandwidth_gb_per_s: 900, peak_tflops: {fp32: 15.7, fp16: 125},
                 host_link: my-link, nvlink: nvlink2, sms: 80, source: "a test"}
            """.write(toFile: dir + "/mine.yaml", atomically: true, encoding: .utf8)
        let fitted = CLI.execute(["import", "kernel-times", Self.validation + "/deepbench/V100-conv-train.csv", "--gpu", "MY-V100",
                                  "--catalog", dir + "/mine.yaml", "--library", "cudnn-7", "--precision", "fp32", "--out", dir + "/fitted.yaml"])
        #expect(fitted.exitCode == 0, "\(fitted.stderr)")
        let entry = try String(contentsOfFile: dir + "/fitted.yaml", encoding: .utf8)
        #expect(entry.contains("links:\n  - {name: \"my-link\", kind: pcie, bandwidth_gb_per_s: 32, latency_us: 1,") && !entry.contains("nvlink2,"), "\(entry)")
        let scenario = "model: resnet50\nbatch_per_gpu: 32\ncluster: {gpu: MY-V100, gpus_per_node: 8}\ngpus: [1]\n"
            + "catalog: {files: [\(dir)/fitted.yaml]}\n"
        let run = CLI.execute(["simulate", try writeTemporary(scenario)])
        #expect(run.exitCode == 0, "\(run.stderr)")
    }

    /// A fit that rests on too little is never written: kernel times whose fit sits at its
    /// bound (two kernels) and one GEMM shape given three times are refused, and no file
    /// appears; layer times that fall as the work grows are fitted at the whole peak, said so.
    @Test func aDegenerateFitIsNeverWritten() throws {
        let dir = try temporaryDirectory()
        let deepBench = "precision,w,h,c,n,k,filter_w,filter_h,pad_w,pad_h,stride_w,stride_h,forward_ms,backward_inputs_ms,backward_params_ms\n"
            + "fp32,341,79,32,4,32,10,5,0,0,2,2,0.307,0.861,0.295\nfp32,341,79,32,8,32,10,5,0,0,2,2,0.425,1.411,0.556\n"
        let kernels = CLI.execute(["import", "kernel-times", try writeTemporary(deepBench), "--gpu", "V100-SXM2-16GB", "--library", "cudnn-7",
                                   "--out", dir + "/entry.yaml"])
        #expect(kernels.exitCode == 2 && kernels.stdout.contains("(bound)")
                && kernels.stderr.contains("nothing written") && kernels.stderr.contains("sits at its bound"), "\(kernels.stderr)")
        // With --json, the document (wrote: null), the refusal on stderr.
        let json = CLI.execute(["import", "kernel-times", try writeTemporary(deepBench), "--gpu", "V100-SXM2-16GB", "--library", "cudnn-7",
                                "--out", dir + "/entry.yaml", "--json"])
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(json.exitCode == 2 && document?["wrote"] is NSNull && json.stderr.contains("sits at its bound"), "\(json.stdout)")
        // One shape: three times over, and with m, n and k in other orders (the curve cannot tell them apart).
        let gemm = try writeTemporary("precision,m,n,k,seconds,tflops\n" + String(repeating: "fp32,512,1024,512,4e-05,13.42\n", count: 3)
                                      + "fp32,1024,512,512,4e-05,13.42\nfp32,512,512,1024,4e-05,13.42\n")
        let once = CLI.execute(["calibrate", "--gemm-csv", gemm, "--gpu", "V100-SXM2-16GB", "--out", dir + "/gemm.yaml"])
        #expect(once.exitCode == 2 && once.stderr.contains("no precision's timings could be fitted"), "\(once.stderr)")
        // A precision that cannot be fitted beside one that can is said to be left out.
        let mixed = try writeTemporary("precision,m,n,k,seconds,tflops\n" + [256, 512, 1024, 2048].map { n in
            "fp32,\(n),\(n),\(n),\(2e-13 * Double(n * n * n) + 1e-5),1\n" }.joined() + "tf32,512,512,512,2e-05,13.42\n")
        let partly = CLI.execute(["calibrate", "--gemm-csv", mixed, "--gpu", "H200"])
        #expect(partly.exitCode == 0 && partly.stdout.contains("tf32: not fitted (1 rows;"), "\(partly.stdout)\(partly.stderr)")
        let layers = "model,layer,kind,batch,precision,in_channels,height,width,out,kernel,stride,pad,groups,forward_ms,backward_ms\n"
            + [(32, 4.0), (64, 2.0), (128, 1.0)].map { "m,c,conv,\($0.0),fp32,64,56,56,64,3,1,1,1,\($0.1),\($0.1 * 2)\n" }.joined()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        // Layer times that fall as the work grows fit the whole peak: said so beside the figure.
        let falling = CLI.execute(["import", "layer-times", try writeTemporary(layers), "--gpu", "H200"])
        #expect(falling.exitCode == 0 && falling.stdout.contains("max efficiency 1.000 (bound: the whole peak)"), "\(falling.stdout)\(falling.stderr)")
    }

    /// A per-layer file fits the forward and one backward shared by both gradients.
    @Test func perLayerKernelTimesImportAsJSON() throws {
        let csv = Self.validation + "/resnet50-h200-layer-times.csv"
        let document = try object(CLI.execute(["import", "kernel-times", csv, "--gpu", "H200", "--library", "cudnn-8",
                                                "--precision", "fp32", "--holdout", "--json"]))
        #expect(document["kernels"] as? Int == 477)
        let fits = try #require(document["fits"] as? [[String: Any]])
        #expect(fits.compactMap { $0["pass"] as? String } == ["forward", "backward-data+backward-filter"])
        for fit in fits {
            #expect(fit["kernels"] as? Int == 159)
            #expect((fit["held_out"] as? [String: Any])?["count"] as? Int == 79)
        }
        let entry = try #require(document["entry"] as? String)
        let backward = try #require(fits.last?["efficiency"] as? Double)
        // Written with four significant digits (ImportText.yamlDecimal), what the JSON's efficiency reads back.
        let written = ImportText.yamlDecimal(backward)
        #expect(written.filter(\.isNumber).drop { $0 == "0" }.count >= 4, "\(written)")
        #expect(entry.contains("fp32: {backward_data: \(written), backward_filter: \(written), forward: "), "\(entry)")
    }

    /// `--memory-format nchw` prices cuDNN's transposes apart from the kernels, so the same
    /// NCHW measurement fits a higher kernel efficiency, the catalog's; an unknown format exits 2.
    @Test func nchwMeasurementsFitTheKernelsAlone() throws {
        let csv = Self.validation + "/resnet50-h200-layer-times.csv"
        func backward(_ extra: [String]) throws -> Double {
            let document = try object(CLI.execute(["import", "kernel-times", csv, "--gpu", "H200", "--library", "cudnn-8",
                                                    "--precision", "bf16", "--json"] + extra))
            return try #require((document["fits"] as? [[String: Any]])?.last?["efficiency"] as? Double)
        }
        let nchw = try backward(["--memory-format", "nchw"]), nhwc = try backward(["--memory-format", "nhwc"])
        #expect(nchw > nhwc * 1.3, "nchw \(nchw), nhwc \(nhwc)")
        #expect(abs(nchw - 0.259) < 0.0005, "the catalog's H200 bf16 backward figure")
        // A per-layer file is tools/profile_layers.py's, which runs PyTorch's NCHW tensors: the default.
        #expect(try backward([]) == nchw)
        let bad = CLI.execute(["import", "kernel-times", csv, "--gpu", "H200", "--library", "cudnn-8", "--memory-format", "chw"])
        #expect(bad.exitCode == 2 && bad.stderr.contains("--memory-format") && bad.stderr.contains("nchw"), "\(bad.stderr)")
    }

    /// `--algorithm-choice heuristic` fits a measurement taken with cudnn.benchmark off without
    /// the FFT: the H200's fp32 gradients give the catalog's figure, and a different one when the
    /// FFT may run; an unknown choice exits 2 naming the flag and the choices.
    @Test func theHeuristicChoiceFitsWithoutTheFFT() throws {
        let csv = Self.validation + "/resnet50-h200-layer-times.csv"
        func backward(_ extra: [String]) throws -> Double {
            let document = try object(CLI.execute(["import", "kernel-times", csv, "--gpu", "H200", "--library", "cudnn-8",
                                                    "--memory-format", "nchw", "--precision", "fp32", "--json"] + extra))
            return try #require((document["fits"] as? [[String: Any]])?.last?["efficiency"] as? Double)
        }
        let heuristic = try backward(["--algorithm-choice", "heuristic"]), fastest = try backward([])
        #expect(abs(heuristic - 0.281) < 0.0005, "the catalog's H200 fp32 backward figure, got \(heuristic)")
        #expect(abs(heuristic - fastest) > 0.002, "heuristic \(heuristic), fastest \(fastest)")
        let bad = CLI.execute(["import", "kernel-times", csv, "--gpu", "H200", "--library", "cudnn-8", "--algorithm-choice", "auto"])
        #expect(bad.exitCode == 2 && bad.stderr.contains("--algorithm-choice") && bad.stderr.contains("heuristic"), "\(bad.stderr)")
    }

    /// A per-layer file that records how it was measured (tools/profile_layers.py's cudnn_benchmark
    /// and timing columns) is fitted as it says: benchmarking off is the heuristic choice without
    /// the option; an option that contradicts the column, two settings in one file, or a value the
    /// tool does not write exit 2 naming the file and line.
    @Test func aPerLayerFileSaysHowItWasMeasured() throws {
        let lines = try String(contentsOfFile: Self.validation + "/resnet50-h200-layer-times.csv", encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        func file(_ benchmark: (Int) -> String, timing: String = "events") throws -> String {
            try writeTemporary(lines.enumerated().map { i, line in
                line + (i == 0 ? ",cudnn_benchmark,timing" : ",\(benchmark(i)),\(timing)")
            }.joined(separator: "\n") + "\n")
        }
        func backward(_ csv: String, _ extra: [String] = []) throws -> Double {
            let document = try object(CLI.execute(["import", "kernel-times", csv, "--gpu", "H200", "--library", "cudnn-8",
                                                    "--precision", "fp32", "--json"] + extra))
            return try #require((document["fits"] as? [[String: Any]])?.last?["efficiency"] as? Double)
        }
        let off = try file { _ in "false" }
        #expect(abs(try backward(off) - 0.281) < 0.0005, "the heuristic choice's figure, as --algorithm-choice heuristic fits it")
        let text = CLI.execute(["import", "kernel-times", off, "--gpu", "H200", "--library", "cudnn-8", "--precision", "fp32"])
        #expect(text.exitCode == 0 && text.stdout.contains("heuristic algorithm choice (no FFT) (the file's cudnn_benchmark column)")
                && text.stdout.contains("timing events:"), "\(text.stdout)\(text.stderr)")
        let contradicted = CLI.execute(["import", "kernel-times", off, "--gpu", "H200", "--library", "cudnn-8", "--algorithm-choice", "fastest"])
        #expect(contradicted.exitCode == 2 && contradicted.stderr.contains(off + ":2:") && contradicted.stderr.contains("cudnn_benchmark"),
                "\(contradicted.stderr)")
        let mixed = CLI.execute(["import", "kernel-times", try file { $0 < 5 ? "false" : "true" }, "--gpu", "H200", "--library", "cudnn-8"])
        #expect(mixed.exitCode == 2 && mixed.stderr.contains(":6:") && mixed.stderr.contains("on line 2"), "\(mixed.stderr)")
        let unknown = CLI.execute(["import", "kernel-times", try file({ _ in "true" }, timing: "wall"), "--gpu", "H200", "--library", "cudnn-8"])
        #expect(unknown.exitCode == 2 && unknown.stderr.contains(":2:") && unknown.stderr.contains("'timing' must be events or kernels"),
                "\(unknown.stderr)")
        let kernels = CLI.execute(["import", "kernel-times", try file({ _ in "true" }, timing: "kernels"), "--gpu", "H200",
                                   "--library", "cudnn-8", "--precision", "fp32"])
        #expect(kernels.exitCode == 0 && !kernels.stdout.contains("timing events") && !kernels.stdout.contains("heuristic"), "\(kernels.stdout)")
    }

    /// Bad per-layer rows and bad fitted figures exit 2 naming the file, the column or key, and the line.
    @Test func badPerLayerTimesAndEfficienciesAreLocated() throws {
        let header = "model,layer,kind,batch,precision,in_channels,height,width,out,kernel,stride,pad,groups,forward_ms,backward_ms\n"
        let csv = try writeTemporary(header + "m,a,conv,64,bf16,256,14,14,256,3,1,1,1,0.2,0.5\nm,b,conv,64,bf16,256,14,14,256,3,1,1,1,0.2,\n")
        let missing = CLI.execute(["import", "kernel-times", csv, "--gpu", "H200", "--library", "cudnn-8"])
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains(csv) && missing.stderr.contains(":3") && missing.stderr.contains("backward_ms"), "\(missing.stderr)")
        let dir = try temporaryDirectory()
        try """
            gpus:
              - name: H200-slow
                memory_gib: 141
                memory_bandwidth_gb_per_s: 4800
                peak_tflops: {fp32: 66.9, bf16: 989}
                host_link: pcie5-x16
                sms: 132
                source: "a test"
                measured: "a test"
                kernel_efficiency:
                  bf16: {forward: 1.5, backward_data: 0.2, backward_filter: 0.2}
            """.write(toFile: dir + "/gpus.yaml", atomically: true, encoding: .utf8)
        try """
            model: resnet50
            batch_per_gpu: 64
            precision: bf16
            cluster: {gpu: H200-slow, gpus_per_node: 1}
            gpus: [1]
            catalog: {files: [gpus.yaml]}
            software: {profile: ideal, kernel_library: cudnn-8}
            """.write(toFile: dir + "/s.yaml", atomically: true, encoding: .utf8)
        let outside = CLI.execute(["simulate", dir + "/s.yaml"])
        #expect(outside.exitCode == 2)
        #expect(outside.stderr.contains("gpus.yaml") && outside.stderr.contains(":11") && outside.stderr.contains("forward")
                && outside.stderr.contains("(0, 1]"), "\(outside.stderr)")
    }

    @Test func ncclTestsImportAsJSON() throws {
        let dir = try temporaryDirectory()
        try ImportCLITests().log.write(toFile: dir + "/all_reduce_perf.log", atomically: true, encoding: .utf8)
        let document = try object(CLI.execute(["import", "nccl-tests", dir + "/all_reduce_perf.log", "--json"]))
        #expect(Set(document.keys) == ["schema_version", "links", "catalog", "wrote"])
        let link = try #require((document["links"] as? [[String: Any]])?.first)
        #expect(link["link"] as? String == "nccl-all_reduce-4gpus-all_reduce_perf")
        #expect(link["ranks"] as? Int == 4)
        #expect(abs((link["log_average_bus_bytes_per_second"] as? Double ?? 0) - 108.2135e9) < 1)
        #expect((link["sizes"] as? [[String: Any]])?.count == 4)
        #expect((document["catalog"] as? String)?.contains("name: \"nccl-all_reduce-4gpus-all_reduce_perf\"") == true)
    }
}
