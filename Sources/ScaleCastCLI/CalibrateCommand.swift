import ArgumentParser
import CUDARuntime
import Calibration
import Hardware
import Foundation
import Reports

/// `scalecast calibrate [--out profile.yaml] [--threads N]`.
struct CalibrateCommand: ParsableCommand, OutputProducing {
    /// Rounds of calibration runs; each timing is their mean.
    static let rounds = 3

    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Run small networks on the executor, time their kernels (a convolution's SGEMM apart from its im2col lowering) and "
            + "memory copies, fit the cost model's efficiency curve, overhead, im2col bandwidth and time per row, streaming and copy "
            + "bandwidths, and write a profile.")

    @Option(name: .long, help: "Write the profile here (YAML).")
    var out: String?

    @Option(name: .long, help: "OpenBLAS threads (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Overwrite --out if it exists.")
    var force = false

    @Flag(name: .long, help: "Time cuBLAS on this machine's NVIDIA GPU (loaded at run time) instead of the CPU; needs --gpu.")
    var cuda = false

    @Option(name: .customLong("gemm-csv"), help: "Fit GPU timings written by scalecast-cuda-check instead of timing; needs --gpu.")
    var gemmCSV: String?

    @Option(name: .long, help: "The catalog GPU the timings belong to (its peaks are what efficiencies are relative to).")
    var gpu: String?

    func produce() throws -> CommandOutput {
        if cuda || gemmCSV != nil { return try calibrateGPU() }
        guard let cpu = CPUInfo.current() else { throw UsageError(message: "calibrate needs /proc/cpuinfo (Linux) to know this CPU's peak") }
        let threads = self.threads ?? cpu.cores
        guard (1...cpu.cores).contains(threads) else { throw UsageError(message: "--threads must be between 1 and \(cpu.cores)") }
        guard let profile = try wrap({ try Calibrator.measureProfile(cpu: cpu, threads: threads, rounds: Self.rounds) }) else {
            throw UsageError(message: "the measurements could not be fitted (timer too coarse?)")
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
        for s in profile.products {
            let model = fit.seconds(s, peak: peak)
            errors.append(abs(model / s.seconds - 1))
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
        if let out {
            try OutputFile.write(profile.yaml, to: out, force: force)
            text += "wrote \(out)\n"
        }
        return CommandOutput(stdout: text)
    }

    /// Fits the efficiency curve of each precision to cuBLAS timings, against the
    /// catalog GPU's peaks.
    private func calibrateGPU() throws -> CommandOutput {
        guard let name = gpu else { throw UsageError(message: "--cuda and --gemm-csv need --gpu NAME: the catalog GPU whose peaks apply") }
        let catalog = try Catalog.builtIn()
        guard let spec = catalog.gpu(named: name) else { throw UsageError(message: "--gpu: unknown GPU '\(name)'") }
        var device = spec.name
        var samples: [CUDARuntime.Sample] = []
        if let path = gemmCSV {
            (device, samples) = try Self.readTimings(path)
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
        var text = "GPU: \(device), peaks of the catalog's \(spec.name)\n"
        for precision in CUDARuntime.Precision.allCases {
            let rows = samples.filter { $0.precision == precision }
            guard !rows.isEmpty else { continue }
            let peak = spec.peakFLOPsPerSecond(precision: precision.rawValue)
            let gemm = rows.map { Calibrator.GEMMSample(m: $0.m, n: $0.n, k: $0.k, seconds: $0.seconds) }
            guard let fit = Calibrator.fitEfficiency(gemm, peak: peak) else { continue }
            var table = TextTable(headers: ["m", "n", "k", "TFLOP/s", "efficiency", "fitted", "residual"], alignments: Array(repeating: .right, count: 7))
            for (s, r) in zip(gemm, fit.residuals) {
                table.append(["\(s.m)", "\(s.n)", "\(s.k)", Format.fixed(s.flops / s.seconds / 1e12, 1), Format.fixed(s.flops / s.seconds / peak, 3),
                              Format.fixed(fit.efficiency(m: s.m, n: s.n, k: s.k), 3), Format.fixed(r, 3)])
            }
            let rms = (fit.residuals.map { $0 * $0 }.reduce(0, +) / Double(fit.residuals.count)).squareRoot()
            text += "\n\(precision.rawValue): peak \(Format.fixed(peak / 1e12, 1)) TFLOP/s; fitted max efficiency \(Format.fixed(fit.maxEfficiency, 3)), "
                + "half-saturation dimension \(Format.fixed(fit.halfSaturation, 1)), RMS residual \(Format.fixed(rms, 3))\n" + table.render()
            text += "  use: cost_model: {max_efficiency: {\(precision.rawValue): \(Format.fixed(fit.maxEfficiency, 3))}, "
                + "half_saturation: {\(precision.rawValue): \(Format.fixed(fit.halfSaturation, 1))}}\n"
        }
        return CommandOutput(stdout: text)
    }

    /// Reads the CSV of scalecast-cuda-check: `# device: NAME` and rows precision,m,n,k,seconds[,tflops].
    static func readTimings(_ path: String) throws -> (String, [CUDARuntime.Sample]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw UsageError(message: "\(path): cannot read the file") }
        var device = "unknown", samples: [CUDARuntime.Sample] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("# device:") { device = line.dropFirst(9).trimmingCharacters(in: .whitespaces); continue }
            if line.hasPrefix("#") || line.hasPrefix("precision,") || line.isEmpty { continue }
            let cells = line.split(separator: ",").map(String.init)
            guard cells.count >= 5, let precision = CUDARuntime.Precision(rawValue: cells[0]), let m = Int(cells[1]), let nn = Int(cells[2]),
                  let k = Int(cells[3]), let seconds = Double(cells[4]), m > 0, nn > 0, k > 0, seconds > 0 else {
                throw UsageError(message: "\(path):\(n + 1): expected precision,m,n,k,seconds; found '\(line)'")
            }
            samples.append(CUDARuntime.Sample(precision: precision, m: m, n: nn, k: k, seconds: seconds))
        }
        guard !samples.isEmpty else { throw UsageError(message: "\(path): no timings found") }
        return (device, samples)
    }
}
