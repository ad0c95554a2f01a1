import ArgumentParser
import CUDARuntime
import Calibration
import Hardware
import Foundation
import Reports
import YAMLSupport

/// `scalecast calibrate [--out profile.yaml] [--threads N]`.
struct CalibrateCommand: ParsableCommand, OutputProducing {
    /// Rounds of calibration runs; each timing is their mean.
    static let rounds = 3

    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Run small networks on the executor, time their kernels (a convolution's SGEMM apart from its im2col lowering) and "
            + "memory copies, fit the cost model's efficiency curve, overhead, im2col bandwidth and time per row, streaming and copy "
            + "bandwidths, and write a profile.")

    @Option(name: .long, help: "Write the profile here (YAML): the CPU's, or with --cuda or --gemm-csv the GPU's (cost_model: {profile: FILE}).")
    var out: String?

    @Option(name: .long, parsing: .unconditional, help: "OpenBLAS threads (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Overwrite --out if it exists.")
    var force = false

    @Flag(name: .long, help: "Time cuBLAS on this machine's NVIDIA GPU (loaded at run time) instead of the CPU; needs --gpu.")
    var cuda = false

    @Option(name: .customLong("gemm-csv"), help: "Fit GPU timings written by scalecast-cuda-check instead of timing; needs --gpu.")
    var gemmCSV: String?

    @Option(name: .long, help: "The catalog GPU the timings belong to (its peaks are what efficiencies are relative to).")
    var gpu: String?

    @OptionGroup var catalogFiles: CatalogFiles

    @Flag(name: .long, help: "Print JSON (schema_version 1): the fitted figures and each timing beside its fit.")
    var json = false

    func produce() throws -> CommandOutput {
        try OutputFile.checkNotAnInput(out, inputs: (gemmCSV.map { [$0] } ?? []) + catalogFiles.paths)
        if cuda && gemmCSV != nil {
            throw UsageError(message: "--cuda times cuBLAS on this machine and --gemm-csv reads timings taken elsewhere: give one of them")
        }
        if cuda || gemmCSV != nil { return try calibrateGPU() }
        // A GPU named for a CPU calibration would be silently ignored: say what it needs instead.
        if let gpu { throw UsageError(message: "--gpu \(gpu.singleLine): the GPU's timings come from --cuda (time cuBLAS here) or --gemm-csv FILE; "
                                      + "without either, calibrate times this machine's CPU") }
        guard catalogFiles.paths.isEmpty else {
            throw UsageError(message: "--catalog: its GPUs are for --gpu with --cuda or --gemm-csv; a CPU calibration reads no catalog")
        }
        guard let cpu = CPUInfo.current() else { throw UsageError(message: "calibrate needs /proc/cpuinfo (Linux) to know this CPU's peak") }
        let threads = self.threads ?? cpu.cores
        guard (1...cpu.cores).contains(threads) else { throw UsageError(message: "--threads must be between 1 and \(cpu.cores)") }
        // An unfittable set of timings is measured afresh (`Calibrator.firstFit`).
        let (measured, tries) = try Calibrator.firstFit {
            try wrap { try Calibrator.measureProfile(cpu: cpu, threads: threads, rounds: Self.rounds) }
        }
        guard let profile = measured else {
            throw UsageError(message: "the measurements could not be fitted in \(tries) attempts (timer too coarse, or the machine too busy?)")
        }
        let peak = profile.peakFLOPsPerSecond
        let fit = Calibrator.EfficiencyFit(maxEfficiency: profile.maxEfficiency, halfSaturation: profile.halfSaturation,
                                           overheadSeconds: profile.kernelOverheadSeconds,
                                           loweringBytesPerSecond: profile.loweringBytesPerSecond,
                                           loweringRowSeconds: profile.loweringRowSeconds, residuals: profile.residuals)
        var text = "CPU: \(cpu.model), \(threads) thread\(threads == 1 ? "" : "s"), OpenBLAS kernel \(BLAS.coreName)\n"
        text += "peak: \(threads) cores x \(Format.fixed(peak / Double(threads) / cpu.flopsPerCycle / 1e9, 2)) GHz x \(Int(cpu.flopsPerCycle)) FLOP/cycle = "
            + "\(Format.fixed(peak / 1e9, 1)) GFLOP/s\n\n"
        let names = Calibrator.calibrationNetworks().map(\.network.name)
        text += "Calibration by execution: the executor ran \(names.dropLast().joined(separator: ", ")) and \(names.last!) "
            + "on one worker; each convolution and FC pass, per kernel (a backward pass is two), as the product the cost model prices "
            + "(mean of the steps and of \(Self.rounds) rounds):\n"
        var table = TextTable(headers: ["m", "n", "k", "im2col MB", "im2col rows (1000s)", "measured ms", "in SGEMM ms", "SGEMM GFLOP/s",
                                        "fitted ms", "error"],
                              alignments: Array(repeating: .right, count: 10))
        var errors: [Double] = []
        var passes: [CalibrateJSON.Pass] = []
        for s in profile.products {
            let model = fit.seconds(s, peak: peak)
            errors.append(abs(model / s.seconds - 1))
            passes.append(CalibrateJSON.Pass(m: s.m, n: s.n, k: s.k, loweringBytes: s.loweringBytes, loweringRows: s.loweringRows,
                                             measuredSeconds: s.seconds, sgemmSeconds: s.productSeconds, fittedSeconds: model,
                                             relativeError: model / s.seconds - 1))
            table.append(["\(s.m)", "\(s.n)", "\(s.k)", Format.fixed(s.loweringBytes / 1e6, 1), Format.fixed(s.loweringRows / 1e3, 1),
                          Format.fixed(s.seconds * 1e3, 3), Format.fixed((s.productSeconds ?? s.seconds) * 1e3, 3),
                          Format.fixed(s.flops / (s.productSeconds ?? s.seconds) / 1e9, 1), Format.fixed(model * 1e3, 3), Format.fixed((model / s.seconds - 1) * 100, 1) + "%"])
        }
        text += table.render()
        errors.sort()
        text += "\nfitted: time = overhead + flops / (peak x e_max x s(m)s(n)s(k)) + im2col bytes / B + im2col rows x r, "
            + "s(x) = x / (x + x_half):\n"
            + "  e_max \(Format.fixed(fit.maxEfficiency, 3)), x_half \(Format.fixed(fit.halfSaturation, 1)), overhead "
            + "\(Format.fixed(fit.overheadSeconds * 1e6, 1)) us, B "
            + (profile.loweringBytesPerSecond.isFinite ? "\(Format.fixed(profile.loweringBytesPerSecond / 1e9, 1)) GB/s" : "unbounded")
            + ", r \(Format.fixed(profile.loweringRowSeconds * 1e9, 2)) ns"
            + "; median |error| \(Format.fixed(errors[errors.count / 2] * 100, 1))%, largest \(Format.fixed(errors.last! * 100, 1))%\n"
        text += "memory copies: \(Format.fixed(profile.copyBytesPerSecond / 1e9, 2)) GB/s, latency "
            + "\(Format.fixed(profile.copyLatencySeconds * 1e6, 2)) us\n"
        text += "streaming kernels (ReLU): \(Format.fixed(profile.streamBytesPerSecond / 1e9, 2)) GB/s read + written\n"
        let atBounds = profile.figuresAtBounds
        text += Self.boundsLine(atBounds)
        if let out {
            try OutputFile.write(profile.yaml, to: out, force: force)
            text += "wrote \(out)\n"
        }
        guard json else { return CommandOutput(stdout: text) }
        return CommandOutput(stdout: try ResultsJSON.encode(CalibrateJSON.CPUDocument(
            cpu: cpu.model, threads: threads, kernel: BLAS.coreName, peakFLOPsPerSecond: peak, maxEfficiency: fit.maxEfficiency,
            halfSaturation: fit.halfSaturation, overheadSeconds: fit.overheadSeconds,
            loweringBytesPerSecond: profile.loweringBytesPerSecond.isFinite ? profile.loweringBytesPerSecond : nil,
            loweringRowSeconds: profile.loweringRowSeconds, copyBytesPerSecond: profile.copyBytesPerSecond,
            copyLatencySeconds: profile.copyLatencySeconds, streamBytesPerSecond: profile.streamBytesPerSecond,
            figuresAtBound: atBounds.map(\.rawValue), medianAbsError: errors[errors.count / 2], largestAbsError: errors.last!, passes: passes, wrote: out)))
    }

    /// Fits the efficiency curve of each precision to cuBLAS timings, against the
    /// catalog GPU's peaks; with `--out`, writes them as the profile a scenario
    /// names with `cost_model: {profile: FILE}` (the layout `import layer-times` writes).
    private func calibrateGPU() throws -> CommandOutput {
        guard let name = gpu else { throw UsageError(message: "--cuda and --gemm-csv need --gpu NAME: the catalog GPU whose peaks apply") }
        let catalog = try catalogFiles.catalog()
        guard let spec = catalog.gpu(named: name) else { throw UsageError(message: catalogFiles.unknownGPU(name, in: catalog)) }
        var device = spec.name
        var samples: [CUDARuntime.Sample] = []
        if let path = gemmCSV {
            (device, samples) = try Self.readTimings(path, gpu: spec)
        } else {
            let runtime: CUDARuntime
            do { runtime = try CUDARuntime() } catch let error as CUDAError { throw UsageError(message: error.message) }
            device = runtime.deviceName
            for precision in CUDARuntime.Precision.allCases {
                for (m, n, k) in CUDARuntime.shapes {
                    do { samples.append(try runtime.time(precision, m: m, n: n, k: k)) } catch let e as CUDAError { throw UsageError(message: e.message) }
                }
            }
        }
        var text = "GPU: \(device.singleLine), peaks of the catalog's \(spec.name)\n"
        var curves: [GPUProfileWriter.Curve] = []
        var precisions: [CalibrateJSON.Precision] = []
        for precision in CUDARuntime.Precision.allCases {
            let rows = samples.filter { $0.precision == precision }
            guard !rows.isEmpty else { continue }
            let peak = spec.peakFLOPsPerSecond(precision: precision.rawValue)
            let gemm = rows.map { Calibrator.GEMMSample(m: $0.m, n: $0.n, k: $0.k, seconds: $0.seconds) }
            guard let fit = Calibrator.fitEfficiency(gemm, peak: peak) else {
                // Said, not dropped silently: the profile will have no curve for it.
                text += "\n\(precision.rawValue): not fitted (\(rows.count) rows; a fit needs at least 2 shapes that differ beyond the order of m, n and k)\n"
                continue
            }
            // The profile's error, as import layer-times reports its own: the 90th percentile of |relative time error|.
            let timeErrors = gemm.map { abs(fit.seconds($0, peak: peak) / $0.seconds - 1) }.sorted()
            let curve = GPUProfileWriter.Curve(precision: precision.rawValue, maxEfficiency: fit.maxEfficiency,
                                               halfSaturation: fit.halfSaturation, launchOverheadSeconds: nil,
                                               reportedError: LayerTimes.percentile(timeErrors, 0.9))
            if out != nil, let problem = curve.problem(gpu: spec.name) {
                throw UsageError(message: "\((gemmCSV ?? device).singleLine): the \(precision.rawValue) timings give \(problem); "
                                 + "are they timings of the \(spec.name), in seconds?")
            }
            curves.append(curve)
            var table = TextTable(headers: ["m", "n", "k", "TFLOP/s", "efficiency", "fitted", "residual"], alignments: Array(repeating: .right, count: 7))
            for (s, r) in zip(gemm, fit.residuals) {
                table.append(["\(s.m)", "\(s.n)", "\(s.k)", Format.fixed(s.flops / s.seconds / 1e12, 1), Format.fixed(s.flops / s.seconds / peak, 3),
                              Format.fixed(fit.efficiency(m: s.m, n: s.n, k: s.k), 3), Format.fixed(r, 3)])
            }
            let rms = (fit.residuals.map { $0 * $0 }.reduce(0, +) / Double(fit.residuals.count)).squareRoot()
            let atBounds = Calibrator.curveFiguresAtBounds(maxEfficiency: fit.maxEfficiency, halfSaturation: fit.halfSaturation)
            let cautions = Self.curveCautions(gemm, fit: fit, peak: peak)
            precisions.append(CalibrateJSON.Precision(
                precision: precision.rawValue, peakFLOPsPerSecond: peak, maxEfficiency: fit.maxEfficiency, halfSaturation: fit.halfSaturation,
                rmsResidual: rms, reportedError: curve.reportedError, figuresAtBound: atBounds.map(\.rawValue), cautions: cautions,
                shapes: zip(gemm, fit.residuals).map { s, r in
                    CalibrateJSON.Shape(m: s.m, n: s.n, k: s.k, seconds: s.seconds, efficiency: s.flops / s.seconds / peak,
                                        fittedEfficiency: fit.efficiency(m: s.m, n: s.n, k: s.k), residual: r)
                }))
            text += "\n\(precision.rawValue): peak \(Format.fixed(peak / 1e12, 1)) TFLOP/s; fitted max efficiency \(Format.fixed(fit.maxEfficiency, 3)), "
                + "half-saturation dimension \(Format.fixed(fit.halfSaturation, 1)), RMS residual \(Format.fixed(rms, 3))\n"
                + (atBounds.isEmpty ? "" : "  " + Self.boundsLine(atBounds)) + table.render()
                + cautions.map { "  caution: \($0)\n" }.joined()
            text += "  use: cost_model: {max_efficiency: {\(precision.rawValue): \(Format.fixed(fit.maxEfficiency, 3))}, "
                + "half_saturation: {\(precision.rawValue): \(Format.fixed(fit.halfSaturation, 1))}}\n"
        }
        guard !curves.isEmpty else {
            throw UsageError(message: "\((gemmCSV ?? device).singleLine): no precision's timings could be fitted "
                             + "(each needs several shapes whose times grow with their size)")
        }
        let origin = gemmCSV.map { "`scalecast calibrate --gemm-csv` from \($0.singleLine) (\(device.singleLine))" }
            ?? "`scalecast calibrate --cuda` on \(device.singleLine)"
        let profile = GPUProfileWriter(gpu: spec.name, origin: origin, curves: curves).yaml
        if let out {
            try OutputFile.write(profile, to: out, force: force)
            text += "wrote \(out.singleLine): name it in a scenario with cost_model: {profile: \(out.singleLine)}\n"
        }
        guard json else { return CommandOutput(stdout: text) }
        let loadable = curves.allSatisfy { $0.problem(gpu: spec.name) == nil }
        return CommandOutput(stdout: try ResultsJSON.encode(CalibrateJSON.GPUDocument(
            device: device, gpu: spec.name, gemmCSV: gemmCSV, precisions: precisions, profile: loadable ? profile : nil, wrote: out)))
    }

    /// How far a fitted curve may miss the largest shape timed before it is cautioned, as a
    /// fraction of the measured efficiency (0.10: 10%): the cost model prices a network's
    /// largest layers, which take most of its time, there.
    static let largestShapeTolerance = 0.10

    /// What the timings leave unchecked in a fitted curve: no more shapes than the curve has
    /// figures (e_max and x½: it passes through them, whatever they are), and a largest shape
    /// the curve misses by more than `largestShapeTolerance` (e_max·s(m)s(n)s(k) nears e_max
    /// slowly, so timings that plateau early are fitted above their plateau: the profile then
    /// prices large layers that much fast, or slow).
    static func curveCautions(_ samples: [Calibrator.GEMMSample], fit: Calibrator.EfficiencyFit, peak: Double) -> [String] {
        var cautions: [String] = []
        let shapes = Set(samples.map { [$0.m, $0.n, $0.k].sorted() }).count
        if shapes <= 2 {
            cautions.append("\(shapes) shape\(shapes == 1 ? "" : "s") for the curve's 2 figures: it passes through them and nothing checks it; "
                            + "time more sizes (calibrate --cuda times \(CUDARuntime.shapes.count))")
        }
        if let largest = samples.max(by: { $0.flops < $1.flops }) {
            let measured = largest.flops / largest.seconds / peak, fitted = fit.efficiency(m: largest.m, n: largest.n, k: largest.k)
            if abs(fitted / measured - 1) > largestShapeTolerance {
                cautions.append("at the largest shape timed (\(largest.m) x \(largest.n) x \(largest.k)) the curve gives efficiency "
                                + "\(Format.fixed(fitted, 3)) against \(Format.fixed(measured, 3)) measured "
                                + "(\(Format.signedPercent(fitted / measured - 1))): "
                                + "one curve for every shape, which nears max_efficiency slowly and holds no plateau, prices layers "
                                + "of that size that much \(fitted > measured ? "fast" : "slow")")
            }
        }
        return cautions
    }

    /// The line that names the fitted figures stopped at an end of their range, or nothing.
    static func boundsLine(_ figures: [FittedFigure]) -> String {
        guard !figures.isEmpty else { return "" }
        return "at a bound, so not measured (the fit stopped there; the timings do not pin \(figures.count == 1 ? "it" : "them")): "
            + figures.map(\.printed).joined(separator: ", ") + "\n"
    }

    /// Reads the CSV of scalecast-cuda-check: a `# device: NAME` comment and rows
    /// `precision,m,n,k,seconds[,tflops]`. With a header row (one naming
    /// `precision`, `m`, `n`, `k` and `seconds`) the columns may come in any order
    /// and others may be added; without one they are read in that order. The
    /// file may be any RFC 4180 CSV (`CSVReader`: quoted fields, CRLF, a BOM).
    /// m, n and k must be whole numbers from 1 to 1e9, seconds a decimal
    /// in (0, 3600]. Rows `gpu` cannot have produced are refused (`MeasuredRate`: a
    /// precision it has no units for, or a time implying a rate above its peak, `2mnk / seconds`).
    /// - Throws: `UsageError` naming the file and line of the first row that cannot be read.
    static func readTimings(_ path: String, gpu: GPUSpec) throws -> (String, [CUDARuntime.Sample]) {
        let shownPath = path.singleLine
        let text: String
        do { text = try TextFile.read(path, shownAs: shownPath) } catch let error as ConfigError { throw UsageError(message: "\(error)") }
        let records = try CSVReader.records(text, file: shownPath)
        var device = "unknown", samples: [CUDARuntime.Sample] = []
        let names = ["precision", "m", "n", "k", "seconds"]
        var columns = Array(0..<names.count)
        var width: Int?
        for record in records {
            if let comment = record.comment {
                let body = comment.trimmingCharacters(in: .whitespaces)
                if body.hasPrefix("device:") { device = body.dropFirst(7).trimmingCharacters(in: .whitespaces) }
                continue
            }
            let cells = record.fields.map { String(NumberText.trimmed($0)) }
            if samples.isEmpty, width == nil, cells.contains(where: { $0.lowercased() == "precision" }) {
                let lowered = cells.map { $0.lowercased() }
                let found = names.compactMap { lowered.firstIndex(of: $0) }
                guard found.count == names.count else {
                    throw UsageError(message: "\(shownPath):\(record.line): the header must name the columns \(names.joined(separator: ", "))")
                }
                columns = found
                width = cells.count
                continue
            }
            func bad(_ why: String) -> UsageError {
                UsageError(message: "\(shownPath):\(record.line): \(why); found '\((record.fields.joined(separator: ",")).singleLine)'")
            }
            if let width, cells.count != width { throw bad("expected \(width) columns, as in the header") }
            guard cells.count > columns.max()! else { throw bad("expected precision,m,n,k,seconds") }
            guard let precision = CUDARuntime.Precision(rawValue: cells[columns[0]]) else {
                throw bad("the precision must be one of \(CUDARuntime.Precision.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let dimensions = try (1...3).map { c -> Int in
                guard let v = NumberText.whole(cells[columns[c]]), (1...1_000_000_000).contains(v) else {
                    throw bad("\(names[c]) must be a whole number from 1 to 1000000000")
                }
                return v
            }
            guard let seconds = NumberText.decimal(cells[columns[4]]), seconds > 0, seconds <= 3600 else {
                throw bad("seconds must be a decimal number above 0 and at most 3600")
            }
            if let problem = MeasuredRate.missingUnits(precision.rawValue, on: gpu) { throw UsageError(message: "\(shownPath):\(record.line): \(problem)") }
            let flops = 2 * Double(dimensions[0]) * Double(dimensions[1]) * Double(dimensions[2])
            if let problem = MeasuredRate.impossible(flops: flops, seconds: seconds, precision: precision.rawValue, gpu: gpu) {
                throw UsageError(message: "\(shownPath):\(record.line): \(problem)")
            }
            samples.append(CUDARuntime.Sample(precision: precision, m: dimensions[0], n: dimensions[1], k: dimensions[2], seconds: seconds))
        }
        guard !samples.isEmpty else { throw UsageError(message: "\(shownPath): no timings found") }
        return (device, samples)
    }
}
