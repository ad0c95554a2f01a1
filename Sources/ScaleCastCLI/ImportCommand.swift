import ArgumentParser
import Calibration
import Foundation
import CostModel
import Hardware
import Reports
import Software
import Workload
import YAMLSupport

/// `scalecast import nccl-tests LOG... --out network.yaml`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Turn measurements made elsewhere into catalog entries.",
        subcommands: [NCCLTests.self, LayerTimesImport.self, KernelTimesImport.self])

    struct LayerTimesImport: ParsableCommand, OutputProducing {
        static let configuration = CommandConfiguration(
            commandName: "layer-times",
            abstract: "Fit a GPU's efficiency curve, per precision, to per-layer times from tools/profile_layers.py.",
            discussion: "Name the profile in a scenario with cost_model: {profile: profile.yaml}. --holdout fits even rows and "
                + "reports the error on the odd ones. The CSV may be saved by any RFC 4180 writer (quoted fields, CRLF, a BOM, "
                + "columns in any order, extra columns); numbers must be plain decimals within the scenario loader's limits.")

        @Argument(help: "The CSV written by tools/profile_layers.py.")
        var csv: String

        @Option(name: .long, help: "The catalog GPU the times were measured on.")
        var gpu: String

        @OptionGroup var catalogFiles: CatalogFiles

        @Option(name: .long, help: "Write the profile here (YAML).")
        var out: String?

        @Flag(name: .long, help: "Fit half of the rows and report how well the fit predicts the other half.")
        var holdout = false

        @Flag(name: .long, help: "Overwrite --out if it exists.")
        var force = false

        @Flag(name: .long, help: "Print JSON (schema_version 1): per precision the fitted curve, its error and the held-out error.")
        var json = false

        func produce() throws -> CommandOutput {
            try OutputFile.checkNotAnInput(out, inputs: [csv] + catalogFiles.paths)
            let catalog = try catalogFiles.catalog()
            guard let spec = catalog.gpu(named: gpu) else { throw UsageError(message: catalogFiles.unknownGPU(gpu, in: catalog)) }
            let shownCSV = csv.singleLine
            let text: String
            do { text = try TextFile.read(csv, shownAs: shownCSV) } catch let error as ConfigError { throw UsageError(message: "\(error)") }
            let times = try LayerTimes(csv: text, file: csv)
            try times.check(on: spec, precisions: Set(Precision.allCases))
            var output = "\(shownCSV): \(times.rows.count) layer timings; peaks of the catalog's \(spec.name)\n"
            var curves: [GPUProfileWriter.Curve] = []
            var fits: [ImportJSON.LayerTimesFit] = []
            for precision in Precision.allCases where times.rows.contains(where: { $0.precision == precision }) {
                let peak = spec.peakFLOPsPerSecond(precision: precision.rawValue)
                let rows = times.rows.filter { $0.precision == precision }
                let training = holdout ? rows.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) : rows
                guard let fit = try LayerTimes.fit(training, precision: precision, peak: peak) else {
                    throw UsageError(message: "\(shownCSV): the \(precision.rawValue) rows cannot be fitted (at least 3 layers of different shapes "
                                     + "with positive times are needed" + (holdout ? "; --holdout fits every other row, \(training.count) here)" : ")"))
                }
                // Each figure is checked as it will be written against the scenario loader's own
                // ranges: a profile the tool cannot load is never written.
                let curve = GPUProfileWriter.Curve(precision: precision.rawValue, maxEfficiency: fit.curve.maxEfficiency,
                                                   halfSaturation: fit.curve.halfSaturation,
                                                   launchOverheadSeconds: fit.curve.overheadSeconds, reportedError: fit.reportedError)
                if let problem = curve.problem(gpu: spec.name) {
                    throw UsageError(message: "\(shownCSV): the \(precision.rawValue) rows give \(problem); "
                                     + "are the times measured on the \(spec.name), in milliseconds?")
                }
                // At its bound the layers ran as fast as the whole peak allows (Winograd or FFT kernels do fewer
                // operations than the product priced), or the times do not grow with the work: said, not hidden.
                let bound = fit.curve.maxEfficiency >= 0.9995 ? " (bound: the whole peak)" : ""
                output += "\n\(precision.rawValue): max efficiency \(Format.fixed(fit.curve.maxEfficiency, 3))\(bound), half-saturation "
                    + "\(Format.fixed(fit.curve.halfSaturation, 1)), launch overhead \(Format.fixed(fit.curve.overheadSeconds * 1e6, 1)) us; "
                    + "forward times within \(Format.fixed(fit.reportedError * 100, 1))% for 90% of the \(training.count) layers fitted\n"
                var heldOut: ImportJSON.Errors?
                if holdout {
                    let tested = rows.enumerated().filter { $0.offset % 2 == 1 && $0.element.forwardSeconds > 0 }.map(\.element)
                    guard !tested.isEmpty else { throw UsageError(message: "\(shownCSV): --holdout: no \(precision.rawValue) rows are left to test the fit on") }
                    let errors = try tested.map {
                        abs(try LayerTimes.predictForward($0, curve: fit.curve, peak: peak) / $0.forwardSeconds - 1)
                    }.sorted()
                    heldOut = ImportJSON.Errors(count: tested.count, medianAbsolute: errors[errors.count / 2],
                                                p90Absolute: LayerTimes.percentile(errors, 0.9), medianSigned: nil)
                    output += "  held out: \(tested.count) layers, median |error| \(Format.fixed(errors[errors.count / 2] * 100, 1))%, "
                        + "90th percentile \(Format.fixed(LayerTimes.percentile(errors, 0.9) * 100, 1))%\n"
                }
                curves.append(curve)
                fits.append(ImportJSON.LayerTimesFit(precision: precision.rawValue, layersFitted: training.count,
                                                     maxEfficiency: fit.curve.maxEfficiency, halfSaturation: fit.curve.halfSaturation,
                                                     launchOverheadSeconds: fit.curve.overheadSeconds, reportedError: fit.reportedError,
                                                     heldOut: heldOut))
            }
            // The file name goes into a comment line, so it is shown escaped: a line break in it would end the comment.
            let profile = GPUProfileWriter(gpu: spec.name, origin: "`scalecast import layer-times` from \(shownCSV)", curves: curves).yaml
            if let out {
                try OutputFile.write(profile, to: out, force: force)
                output += "wrote \(out.singleLine)\n"
            }
            guard json else { return CommandOutput(stdout: output) }
            return CommandOutput(stdout: try ImportJSON.encode(ImportJSON.LayerTimesDocument(
                csv: csv, gpu: spec.name, layers: times.rows.count, holdout: holdout, fits: fits, profile: profile, wrote: out)))
        }
    }

    struct KernelTimesImport: ParsableCommand, OutputProducing {
        static let configuration = CommandConfiguration(
            commandName: "kernel-times",
            abstract: "Fit a GPU's convolution kernel efficiency, per precision and pass, to measured kernel times.",
            discussion: "The CSV has DeepBench's layout (scenarios/validation/deepbench/*-conv-train.csv): precision, w, h, c, n, k, "
                + "filter_w, filter_h, pad_w, pad_h, stride_w, stride_h, forward_ms, backward_inputs_ms, backward_params_ms; "
                + "or it is a per-layer file of tools/profile_layers.py (a backward_ms column), whose backward is the data and "
                + "filter gradient together: its convolutions fit the forward, and one efficiency shared by both gradients "
                + "(fully connected rows are left out). "
                + "Every algorithm --library offers is priced as the cost model prices it and the fastest runs; the fitted efficiency "
                + "of a pass is the one at which half the kernels are predicted too slow and half too fast. --out writes the GPU's "
                + "catalog entry with kernel_efficiency added; name it in a scenario with catalog: {files: [FILE]}.")

        @Argument(help: "The kernel times (CSV): DeepBench's layout, or per-layer times from tools/profile_layers.py.")
        var csv: String

        @Option(name: .long, help: "The catalog GPU the times were measured on.")
        var gpu: String

        @OptionGroup var catalogFiles: CatalogFiles

        @Option(name: .long, help: "The kernel library the measurement ran (scalecast software lists them), or none.")
        var library: String

        @Option(name: .long, help: "Fit only this precision of the file (fp32, tf32, fp16, bf16; fp16-tensor rows are fp16).")
        var precision: String?

        @Option(name: .customLong("memory-format"),
                help: "The layout the measurement's tensors had: nhwc (DeepBench's tensor-core runs), or nchw (PyTorch's default, tools/profile_layers.py), whose tensor-core kernels include transposes the model prices apart. Default: nchw for a per-layer file, nhwc for DeepBench's layout.")
        var memoryFormat: String?

        @Option(name: .customLong("algorithm-choice"),
                help: "How the measurement picked each algorithm: fastest (cudnnFind: cudnn.benchmark, autotuning, DeepBench), or heuristic (cudnnGet: PyTorch's default, which the model prices without the FFT). Default: what a per-layer file's cudnn_benchmark column says, else fastest.")
        var algorithmChoice: String?

        @Option(name: .long, help: "Write the GPU's catalog entry with the fitted kernel_efficiency here (YAML).")
        var out: String?

        @Flag(name: .long, help: "Also fit every other kernel and report the error on the rest.")
        var holdout = false

        @Flag(name: .long, help: "Overwrite --out if it exists.")
        var force = false

        @Flag(name: .long, help: "Print JSON (schema_version 1): per precision and pass the fitted efficiency and the errors before and after.")
        var json = false

        func produce() throws -> CommandOutput {
            try OutputFile.checkNotAnInput(out, inputs: [csv] + catalogFiles.paths)
            let catalog = try catalogFiles.catalog()
            guard var spec = catalog.gpu(named: gpu) else { throw UsageError(message: catalogFiles.unknownGPU(gpu, in: catalog)) }
            // Fitted efficiencies are fractions of what the GPU's SMs can run at once (TileQuantization):
            // the catalog refuses kernel_efficiency without sms:, so nothing is fitted without it.
            guard spec.streamingMultiprocessors != nil else {
                throw UsageError(message: "--gpu: the catalog's \(spec.name) has no SM count (sms:), which fitted kernel efficiencies need; "
                                 + "give it sms: in a catalog file (docs/add-a-gpu.md) and name the file with --catalog")
            }
            let libraries = try ProfileCatalog.builtIn().libraries
            let kernels: KernelLibrary?
            if library == "none" { kernels = nil } else {
                guard let found = libraries.first(where: { $0.name == library }) else {
                    throw UsageError(message: "--library: unknown library '\(library.singleLine)'; built-in: "
                                     + (["none"] + libraries.map(\.name)).joined(separator: ", "))
                }
                kernels = found
            }
            let named = try memoryFormat.map { text -> MemoryFormat in
                guard let format = MemoryFormat(rawValue: text) else {
                    throw UsageError(message: "--memory-format: unknown format '\(text.singleLine)'; one of nhwc, nchw")
                }
                return format
            }
            let namedChoice = try algorithmChoice.map { text -> AlgorithmChoice in
                guard let choice = AlgorithmChoice(rawValue: text) else {
                    throw UsageError(message: "--algorithm-choice: unknown choice '\(text.singleLine)'; one of fastest, heuristic")
                }
                return choice
            }
            var only: Precision?
            if let precision {
                guard let p = Precision(rawValue: precision) else {
                    throw UsageError(message: "--precision: unknown precision '\(precision.singleLine)'; one of fp32, tf32, fp16, bf16")
                }
                only = p
            }
            let shownCSV = csv.singleLine
            let text: String
            do { text = try TextFile.read(csv, shownAs: shownCSV) } catch let error as ConfigError { throw UsageError(message: "\(error)") }
            // A per-layer file says so by its backward_ms column (data and filter gradient timed together).
            let csvTable = try CSVTable(text, file: shownCSV)
            let perLayer = csvTable.columns.contains("backward_ms")
            // How tools/profile_layers.py measured, as its columns say; NCHW unless told: the tool runs
            // PyTorch's default layout (no channels_last), DeepBench its NHWC tensor-core kernels.
            let settings = perLayer ? try LayerTimesSettings(csvTable) : nil
            let format = named ?? (perLayer ? .nchw : .nhwc)
            if let namedChoice, let recorded = settings?.algorithmChoice, namedChoice != recorded {
                throw UsageError(message: "--algorithm-choice \(namedChoice.rawValue): \(shownCSV):\(settings!.algorithmChoiceLine!): its "
                                 + "cudnn_benchmark column says \(recorded == .fastest) (\(recorded.rawValue)); leave the option out, or name "
                                 + recorded.rawValue)
            }
            let choice = namedChoice ?? settings?.algorithmChoice ?? .fastest
            let kernelTimes = perLayer ? nil : try KernelTimes(csv: text, file: csv)
            let layerTimes = perLayer ? try LayerTimes(csv: text, file: csv) : nil
            // Only a per-layer file's convolutions are fitted: the GEMM curve prices fully connected layers.
            let convolutions = layerTimes?.rows.filter { $0.kind == "conv" }
            let precisions = kernelTimes?.rows.map(\.precision) ?? convolutions!.map(\.precision)
            let chosen = Set(precisions).filter { only == nil || only == $0 }
            // A precision the GPU has no units for, named before any row: --precision can leave it out.
            for p in Precision.allCases where chosen.contains(p) {
                if let problem = MeasuredRate.missingUnits(p.rawValue, on: spec) {
                    throw UsageError(message: "\(shownCSV): \(p.rawValue) rows: \(problem)" + (only == nil ? ", or fit the others with --precision" : ""))
                }
            }
            try kernelTimes?.check(on: spec, precisions: chosen)
            try layerTimes?.check(on: spec, precisions: chosen)
            let rowCount = kernelTimes?.rows.count ?? convolutions!.count
            let counted = perLayer ? "\(rowCount) convolution layer timings (backward: data + filter gradient)" : "\(rowCount) kernels"
            var output = "\(shownCSV): \(counted) on the catalog's \(spec.name), library \(library.singleLine), \(format.rawValue) tensors"
                + (named == nil ? (perLayer ? " (tools/profile_layers.py's layout; --memory-format to change)" : " (DeepBench's)") : "")
                + (choice == .heuristic ? ", heuristic algorithm choice (no FFT)" : "")
                + (namedChoice == nil && settings?.algorithmChoice != nil ? " (the file's cudnn_benchmark column)" : "") + "\n"
            if settings?.timing == "events" {
                output += "timing events: each time includes the host's dispatch of the layer, so the smallest layers' times sit on "
                    + "the host's floor; the fit's median keeps them from moving it while they are fewer than half "
                    + "(tools/profile_layers.py --timing kernels measures the kernels alone)\n"
            }
            var table = TextTable(headers: ["precision", "pass", "kernels", "efficiency", "before: median |e|", "p90", "signed",
                                            "after: median |e|", "p90", "signed"] + (holdout ? ["held out: median |e|", "p90"] : []),
                                  alignments: [.left, .left] + Array(repeating: .right, count: holdout ? 10 : 8))
            func percent(_ x: Double) -> String { Format.fixed(x * 100, 1) + "%" }
            var fitted: [String: [String: Double]] = [:]
            var fits: [ImportJSON.KernelPassFit] = []
            var bySize = TextTable(headers: ["precision", "pass", "smallest quarter", "second", "third", "largest quarter"],
                                   alignments: [.left, .left, .right, .right, .right, .right])
            // fp32 first: Winograd and FFT kernels run at fp32's rate whatever the precision.
            let order: [Precision] = [.fp32, .tf32, .fp16, .bf16]
            for p in order where (only == nil || only == p) && precisions.contains(p) {
                let passFits = try kernelTimes.map {
                    KernelEfficiencyFit.fit($0.rows, gpu: spec, precision: p, library: kernels, memoryFormat: format,
                                            algorithmChoice: choice, holdout: holdout)
                } ?? KernelEfficiencyFit.fit(layerTimes!.rows, gpu: spec, precision: p, library: kernels, memoryFormat: format,
                                             algorithmChoice: choice, holdout: holdout)
                for fit in passFits {
                    // Four significant digits, as written to the catalog entry (ImportText.yamlDecimal).
                    let written = ImportText.yamlDecimal(fit.efficiency)
                    for pass in fit.passes { fitted[p.rawValue, default: [:]][pass.catalogKey] = Double(written)! }
                    table.append([p.rawValue, fit.name, "\(fit.after.count)", written + (fit.clamped ? " (bound)" : ""),
                                  percent(fit.before.medianAbsolute), percent(fit.before.p90Absolute), percent(fit.before.medianSigned),
                                  percent(fit.after.medianAbsolute), percent(fit.after.p90Absolute), percent(fit.after.medianSigned)]
                                 + (holdout ? [fit.heldOut.map { percent($0.medianAbsolute) } ?? "-", fit.heldOut.map { percent($0.p90Absolute) } ?? "-"] : []))
                    fits.append(ImportJSON.KernelPassFit(precision: p.rawValue, pass: fit.name, kernels: fit.after.count,
                                                         efficiency: Double(written)!, atBound: fit.clamped, before: .init(fit.before),
                                                         after: .init(fit.after), heldOut: fit.heldOut.map(ImportJSON.Errors.init),
                                                         bySize: fit.bySize))
                    if let quarters = fit.bySize {
                        bySize.append([p.rawValue, fit.name] + quarters.map { Format.fixed($0, 2) })
                    }
                }
                spec.kernelEfficiency[p.rawValue] = fitted[p.rawValue]
            }
            guard !fitted.isEmpty else {
                throw UsageError(message: "\(shownCSV): no \(only.map { $0.rawValue + " " } ?? "")\(perLayer ? "convolution layer times" : "kernel times") to fit")
            }
            output += table.render()
            if !bySize.rows.isEmpty {
                output += "\nAfter the fit, predicted / measured by kernel size (the median in each quarter of the kernels by arithmetic;\n"
                    + "near 1 throughout: one efficiency suits small and large kernels alike)\n" + bySize.render()
            }
            // The links the entry names that only the --catalog files define go with it: the file must load alone.
            let builtIn = try Catalog.builtIn()
            let ownLinks = [spec.hostLink, spec.nvlink].compactMap { $0 }.compactMap { catalog.link(named: $0) }
                .filter { builtIn.link(named: $0.name) != $0 }
            let entry = GPUEntryWriter.yaml(spec, measuredNote: "kernel_efficiency "
                                                + fitted.keys.sorted().joined(separator: ", ") + " fitted by scalecast import kernel-times to "
                                                + "\(shownCSV) (library \(library.singleLine), \(format.rawValue) tensors), replacing the catalog's",
                                            links: ownLinks)
            // The catalog's own reader must accept what is written, over the built-in catalog alone (as a scenario
            // naming only this file reads it); if it does not, nothing is written.
            do {
                var check = builtIn
                let written = try YAMLValue.parse(entry, file: out ?? "gpu.yaml")
                try check.read(gpus: try written.optional("gpus"), links: try written.optional("links"))
            } catch let error as ConfigError {
                throw UsageError(message: "the fitted entry cannot be written as a catalog file: \(error)")
            }
            // A fit at its bound is no measurement of the efficiency, only of the data's disagreement with the
            // model (too few kernels, or times not of this GPU or not in milliseconds): shown, never written.
            let atBound = fits.filter(\.atBound).map { "\($0.precision) \($0.pass) (\($0.kernels) kernels)" }
            var refusal: String?
            if let out, !atBound.isEmpty {
                refusal = errorLine("--out: nothing written to \(out.singleLine): the fit of "
                    + atBound.joined(separator: ", ") + " sits at its bound, where the times say nothing of the efficiency; "
                    + "give more kernels, or check that they were timed on the \(spec.name), in milliseconds")
            } else if let out {
                try OutputFile.write(entry, to: out, force: force)
                output += "wrote \(out.singleLine)\n"
            }
            let shown = json ? try ImportJSON.encode(ImportJSON.KernelTimesDocument(
                csv: csv, gpu: spec.name, library: library, kernels: rowCount,
                fits: fits, entry: entry, wrote: refusal == nil ? out : nil)) : output
            return CommandOutput(stdout: shown, stderr: refusal ?? "", exitCode: refusal == nil ? 0 : 2)
        }
    }

    struct NCCLTests: ParsableCommand, OutputProducing {
        static let configuration = CommandConfiguration(
            commandName: "nccl-tests",
            abstract: "Fit latency and bandwidth (alpha-beta) to nccl-tests logs and write them as catalog links.",
            discussion: """
                Each log gives one link: bandwidth = the fitted bus bandwidth (busbw, comparable to one link's speed); \
                latency per hop = the fitted alpha spread over the collective's steps and the two hops of a transfer \
                through a switch (ring all-reduce: 2(N-1) steps). Name the file in a scenario with \
                catalog: {files: [network.yaml]} and the link under cluster.nvlink (links of kind nvlink, the default) or \
                cluster.network.link (import with --kind infiniband or --kind ethernet: a network takes those kinds). \
                A link is named nccl-COLLECTIVE-Ngpus-BASENAME, from the log's file name (characters other than letters, \
                digits, _ and . become -); logs with the same name in different folders get -2, -3, ... in the order \
                given; the same log given twice is refused. Columns may be separated by spaces or tabs.
                """)

        @Argument(help: "Logs printed by all_reduce_perf, all_gather_perf, reduce_scatter_perf, broadcast_perf or sendrecv_perf.")
        var logs: [String]

        @Option(name: .long, help: "Write the links here (YAML, the catalog's form).")
        var out: String?

        @Option(name: .long, help: "The collective, if the file name does not say it: all_reduce, all_gather, reduce_scatter, broadcast, sendrecv.")
        var collective: String?

        @Option(name: .long, help: "The kind of the links written: nvlink (for cluster.nvlink), pcie (for cluster.host_link and cluster.pcie's links), infiniband or ethernet (for cluster.network.link).")
        var kind: String = "nvlink"

        @Option(name: .customLong("nics-per-node"),
                help: "With --kind infiniband or ethernet: the NICs each host sent through; the link written (one NIC, as cluster.network.link is) gets the fitted bus bandwidth divided by them, as each of NCCL's rings between hosts crosses one NIC.")
        var nicsPerNode: Int?

        @Flag(name: .long, help: "Overwrite --out if it exists.")
        var force = false

        @Flag(name: .long, help: "Print JSON (schema_version 1): per log the fit, the link written and the error per message size.")
        var json = false

        func produce() throws -> CommandOutput {
            let chosen = try collective.map { name -> NCCLTestsLog.Collective in
                guard let c = NCCLTestsLog.Collective(rawValue: name) else {
                    throw UsageError(message: "--collective: '\(name.singleLine)' is not one of \(NCCLTestsLog.Collective.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return c
            }
            guard ["nvlink", "pcie", "infiniband", "ethernet"].contains(kind) else { throw UsageError(message: "--kind must be nvlink, pcie, infiniband or ethernet") }
            let network = kind == "infiniband" || kind == "ethernet"
            if let nicsPerNode {
                guard network else { throw UsageError(message: "--nics-per-node: only with --kind infiniband or ethernet (a network link is one NIC)") }
                guard (1...1024).contains(nicsPerNode) else { throw UsageError(message: "--nics-per-node must be from 1 to 1024, got \(nicsPerNode)") }
            }
            // The fastest link of the kind in the catalog: a fit far above it is a whole node's NICs, or a slip.
            let fastestOfKind = try Catalog.builtIn().links.filter { $0.kind.rawValue == kind }.max { $0.bytesPerSecond < $1.bytesPerSecond }
            // The same file twice (by another name, a symbolic or a hard link) would only write the
            // same link twice: refuse it as the slip it is.
            var seen: [String: String] = [:]
            for path in logs {
                let identity = OutputFile.identity(of: path)
                if let first = seen[identity] {
                    throw UsageError(message: "\(path.singleLine): the same log as \(first.singleLine); give each log once")
                }
                seen[identity] = path
            }
            try OutputFile.checkNotAnInput(out, inputs: logs)
            var text = "", yaml = "# Fitted by `scalecast import nccl-tests`; each link's figures come from the log it names.\nlinks:\n"
            var names: Set<String> = []
            var fitted: [ImportJSON.NCCLLink] = []
            var notes = ""
            for path in logs {
                let shownPath = path.singleLine
                let content: String
                do { content = try TextFile.read(path, shownAs: shownPath) } catch let error as ConfigError { throw UsageError(message: "\(error)") }
                let log = try NCCLTestsLog.parse(content, file: path, collective: chosen)
                let fit = try log.fit()
                let steps: Double
                switch log.collective {
                case .allReduce: steps = 2 * Double(log.ranks - 1)
                case .allGather, .reduceScatter: steps = Double(log.ranks - 1)
                case .broadcast, .sendRecv: steps = 1
                }
                let name = Self.linkName(collective: log.collective, ranks: log.ranks, path: path, taken: &names)
                // The figures as written, checked against the catalog's ranges before anything is written.
                let bandwidth = fit.busBytesPerSecond / 1e9 / Double(nicsPerNode ?? 1), latency = fit.latencySeconds * 1e6 / steps / 2
                guard Limits.gigabytesPerSecond.contains(bandwidth) else {
                    throw UsageError(message: "\(shownPath): the fitted bus bandwidth, \(String(format: "%g", bandwidth)) GB/s, is outside the "
                                     + "\(String(format: "%g", Limits.gigabytesPerSecond.lowerBound)) to \(String(format: "%g", Limits.gigabytesPerSecond.upperBound)) "
                                     + "GB/s a link may have; are the sizes and times right?")
                }
                guard Limits.microseconds.contains(latency) else {
                    throw UsageError(message: "\(shownPath): the fitted latency per hop, \(String(format: "%g", latency)) us, is above the "
                                     + "\(String(format: "%g", Limits.microseconds.upperBound)) us a link may have; are the times right?")
                }
                text += "\(shownPath): \(log.collective.rawValue) on \(log.ranks) GPUs, \(log.rows.count) sizes from "
                    + "\(Format.fixed(log.rows.first!.bytes, 0)) to \(Format.fixed(log.rows.last!.bytes, 0)) bytes; link \(name)\n"
                text += "  alpha \(Format.fixed(fit.latencySeconds * 1e6, 2)) us, algbw \(Format.fixed(fit.bytesPerSecond / 1e9, 2)) GB/s, "
                    + "busbw \(Format.fixed(fit.busBytesPerSecond / 1e9, 2)) GB/s"
                    + (log.averageBusGBPerSecond.map { " (the log's average busbw: \(Format.fixed($0, 2)))" } ?? "") + "\n"
                var table = TextTable(headers: ["bytes", "measured us", "fitted us", "error"], alignments: [.right, .right, .right, .right])
                for (row, error) in zip(log.rows, fit.relativeErrors) {
                    table.append([Format.fixed(row.bytes, 0), Format.fixed(row.microseconds, 2),
                                  Format.fixed(row.microseconds * (1 + error), 2), Format.fixed(error * 100, 1) + "%"])
                }
                text += table.render() + "\n"
                fitted.append(ImportJSON.NCCLLink(
                    log: path, collective: log.collective.rawValue, ranks: log.ranks, link: name, alphaSeconds: fit.latencySeconds,
                    algorithmBytesPerSecond: fit.bytesPerSecond, busBytesPerSecond: fit.busBytesPerSecond,
                    logAverageBusBytesPerSecond: log.averageBusGBPerSecond.map { $0 * 1e9 }, latencyPerHopSeconds: latency * 1e-6,
                    sizes: zip(log.rows, fit.relativeErrors).map { row, error in
                        ImportJSON.NCCLSize(bytes: row.bytes, measuredSeconds: row.microseconds * 1e-6,
                                            fittedSeconds: row.microseconds * (1 + error) * 1e-6, relativeError: error)
                    }))
                if log.collective == .allReduce, log.hosts == 2 {
                    notes += "note: \(shownPath) ran on two hosts, where NCCL runs large all-reduces as trees where the network is the "
                        + "narrow part (unless NCCL_ALGO says otherwise): a two-node tree sends each NIC the message once each way, where the ring that busbw assumes sends "
                        + "it 2(N-1)/N times, so its busbw can exceed the network's line rate (NVIDIA/nccl-tests issue 196), and link "
                        + "\(name) can be faster than the NIC; to measure the network, run all_reduce_perf with NCCL_ALGO=Ring\n"
                }
                if network, nicsPerNode == nil, let hosts = log.hosts, log.ranks > hosts {
                    notes += "note: \(shownPath) ran \(log.ranks) GPUs on \(hosts) hosts: its bus bandwidth (\(Format.fixed(fit.busBytesPerSecond / 1e9, 2)) GB/s) "
                        + "is what each host's NICs carried together, and link \(name) is one NIC (cluster.network.link, with nics_per_node): "
                        + "give --nics-per-node (the NICs each host sent through) to divide it among them, or time one GPU per host, which also "
                        + "keeps the fitted latency per hop from being spread over the steps inside the hosts\n"
                }
                if network, let fastest = fastestOfKind, bandwidth * 1e9 > 1.25 * fastest.bytesPerSecond {
                    notes += "note: link \(name), \(Format.fixed(bandwidth, 2)) GB/s, is faster than any \(kind) link in the catalog (the fastest: "
                        + "\(fastest.name), \(Format.fixed(fastest.bytesPerSecond / 1e9, 2)) GB/s): a whole node's NICs (--nics-per-node), or times not of this network?\n"
                }
                let source = "fitted from \(path): \(log.collective.rawValue), \(log.ranks) GPUs, alpha \(Format.fixed(fit.latencySeconds * 1e6, 2)) us "
                    + "over \(Int(steps)) steps x 2 hops" + (nicsPerNode.map { ", bus bandwidth over \($0) NICs per host" } ?? "")
                yaml += "  - {name: \(ImportText.yamlQuoted(name)), kind: \(kind), bandwidth_gb_per_s: \(ImportText.yamlDecimal(bandwidth)), "
                    + "latency_us: \(Format.fixed(latency, 3)), source: \(ImportText.yamlQuoted(source))}\n"
            }
            // The catalog's own reader must accept what is written; if it does not, nothing is written.
            do {
                var check = Catalog(gpus: [], links: [])
                try check.read(gpus: nil, links: try YAMLValue.parse(yaml, file: out ?? "network.yaml").optional("links"))
                guard check.links.count == logs.count else { throw UsageError(message: "two links got the same name") }
            } catch let error as ConfigError {
                throw UsageError(message: "the links fitted cannot be written as a catalog file: \(error)")
            }
            if let out {
                try OutputFile.write(yaml, to: out, force: force)
                text += "wrote \(out.singleLine)\n"
            } else {
                text += yaml
            }
            guard json else { return CommandOutput(stdout: text, stderr: notes) }
            return CommandOutput(stdout: try ImportJSON.encode(ImportJSON.NCCLDocument(links: fitted, catalog: yaml, wrote: out)), stderr: notes)
        }
    }
}

extension ImportCommand.NCCLTests {
    /// The catalog name of the link fitted from the log at `path`:
    /// `nccl-COLLECTIVE-Ngpus-BASENAME`, where BASENAME is the file's name
    /// without its extension, every character but letters, digits, `_` and `.`
    /// replaced by `-` (so a scenario can name the link without quotes). A name
    /// already in `taken` (two logs with one base name, in different folders)
    /// gets `-2`, `-3`, ... in the order the logs were given; names are compared
    /// without case, as the catalog compares them.
    static func linkName(collective: NCCLTestsLog.Collective, ranks: Int, path: String, taken: inout Set<String>) -> String {
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var safe = ""
        for c in base {
            if c.isLetter || c.isNumber || c == "_" || c == "." { safe.append(c) } else if !safe.hasSuffix("-") { safe.append("-") }
        }
        safe = String(safe.drop { $0 == "-" || $0 == "." }.reversed().drop { $0 == "-" || $0 == "." }.reversed())
        let stem = "nccl-\(collective.rawValue)-\(ranks)gpus" + (safe.isEmpty ? "" : "-" + safe)
        var name = stem, suffix = 1
        while taken.contains(name.lowercased()) {
            suffix += 1
            name = "\(stem)-\(suffix)"
        }
        taken.insert(name.lowercased())
        return name
    }

}
