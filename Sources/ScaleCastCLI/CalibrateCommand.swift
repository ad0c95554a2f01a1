import ArgumentParser
import Calibration
import Foundation
import Reports

/// `scalecast calibrate [--out profile.yaml] [--threads N]`.
struct CalibrateCommand: ParsableCommand, OutputProducing {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Time this CPU's SGEMM and memory copies, fit the cost model's efficiency curve and copy bandwidth, "
            + "and write a profile.")

    @Option(name: .long, help: "Write the profile here (YAML).")
    var out: String?

    @Option(name: .long, help: "OpenBLAS threads (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Overwrite --out if it exists.")
    var force = false

    func produce() throws -> CommandOutput {
        guard let cpu = CPUInfo.current() else { throw UsageError(message: "calibrate needs /proc/cpuinfo (Linux) to know this CPU's peak") }
        let threads = self.threads ?? cpu.cores
        guard (1...cpu.cores).contains(threads) else { throw UsageError(message: "--threads must be between 1 and \(cpu.cores)") }
        let calibrator = Calibrator(threads: threads)
        let peak = cpu.peakFLOPsPerSecond(threads: threads)
        let gemm = Calibrator.shapes.map { calibrator.timeGEMM(m: $0.0, n: $0.1, k: $0.2) }
        let copies = Calibrator.copySizes.map { calibrator.timeCopy(bytes: $0) }
        guard let fit = Calibrator.fitEfficiency(gemm, peak: peak), let copy = Calibrator.fitCopies(copies) else {
            throw UsageError(message: "the measurements could not be fitted (timer too coarse?)")
        }
        var text = "CPU: \(cpu.model), \(threads) thread\(threads == 1 ? "" : "s"), OpenBLAS kernel \(BLAS.coreName)\n"
        text += "peak: \(threads) cores x \(Format.fixed(cpu.gigahertz, 2)) GHz x \(Int(cpu.flopsPerCycle)) FLOP/cycle = "
            + "\(Format.fixed(peak / 1e9, 1)) GFLOP/s\n\n"
        var table = TextTable(headers: ["m", "n", "k", "ms", "GFLOP/s", "efficiency", "fitted", "residual"],
                              alignments: Array(repeating: .right, count: 8))
        for (s, r) in zip(gemm, fit.residuals) {
            let e = s.flops / s.seconds / peak
            table.append(["\(s.m)", "\(s.n)", "\(s.k)", Format.fixed(s.seconds * 1e3, 3), Format.fixed(s.flops / s.seconds / 1e9, 1),
                          Format.fixed(e, 3), Format.fixed(fit.efficiency(m: s.m, n: s.n, k: s.k), 3), Format.fixed(r, 3)])
        }
        text += table.render()
        let rms = (fit.residuals.map { $0 * $0 }.reduce(0, +) / Double(fit.residuals.count)).squareRoot()
        text += "\nfitted: max efficiency \(Format.fixed(fit.maxEfficiency, 3)), half-saturation dimension "
            + "\(Format.fixed(fit.halfSaturation, 1)), RMS residual \(Format.fixed(rms, 3))\n"
        text += "memory copies: \(Format.fixed(copy.bytesPerSecond / 1e9, 2)) GB/s, latency \(Format.fixed(copy.latencySeconds * 1e6, 2)) us\n"
        if let out {
            let profile = CalibrationProfile(cpu: cpu.model, kernel: BLAS.coreName, threads: threads, peakFLOPsPerSecond: peak, fit: fit,
                                             copyBytesPerSecond: copy.bytesPerSecond, copyLatencySeconds: copy.latencySeconds, gemm: gemm)
            try OutputFile.write(profile.yaml, to: out, force: force)
            text += "wrote \(out)\n"
        }
        return CommandOutput(stdout: text)
    }
}
