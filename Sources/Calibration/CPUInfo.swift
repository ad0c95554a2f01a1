import CCPUClock
import Foundation

/// This machine's CPU as calibration needs it: its model, its vector width, its
/// peak, and the OpenBLAS kernel that suits it.
public struct CPUInfo: Sendable, Equatable {
    public var model: String
    public var cores: Int
    /// Clock in GHz, as /proc/cpuinfo reports it ("cpu MHz").
    public var gigahertz: Double
    public var flags: Set<String>

    /// Reads /proc/cpuinfo (Linux); nil elsewhere.
    public static func current() -> CPUInfo? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        return parse(text, cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    static func parse(_ text: String, cores: Int) -> CPUInfo? {
        var model = "unknown", mhz = 0.0, flags = Set<String>()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "model name" where model == "unknown": model = parts[1]
            case "cpu MHz" where mhz == 0: mhz = Double(parts[1]) ?? 0
            case "flags" where flags.isEmpty: flags = Set(parts[1].split(separator: " ").map(String.init))
            default: break
            }
        }
        guard mhz > 0 else { return nil }
        return CPUInfo(model: model, cores: cores, gigahertz: mhz / 1000, flags: flags)
    }

    /// The clock a core actually runs at, in GHz, measured: a chain of dependent
    /// additions runs one per cycle. Virtual machines often report only the
    /// nominal clock in /proc/cpuinfo while the core runs at its turbo clock.
    /// - Returns: the best of `repeats` timings of 80 million additions.
    public static func measuredGigahertz(repeats: Int = 5) -> Double {
        let iterations: UInt = 10_000_000
        let best = (0..<repeats).map { _ in scalecast_dependent_add_seconds(iterations) }.min() ?? 1
        return Double(iterations) * 8 / best / 1e9
    }

    /// Single-precision FLOPs per cycle per core: two fused multiply-add units of
    /// 16 lanes with AVX-512 (2 × 16 × 2 = 64), of 8 lanes with AVX2 + FMA (32),
    /// 4-lane SSE multiply and add otherwise (8).
    public var flopsPerCycle: Double {
        if flags.contains("avx512f") { return 64 }
        if flags.contains("avx2") && flags.contains("fma") { return 32 }
        return 8
    }

    /// Peak single-precision FLOP/s of `threads` cores: cores × clock × FLOPs per cycle.
    public func peakFLOPsPerSecond(threads: Int) -> Double { Double(threads) * gigahertz * 1e9 * flopsPerCycle }

    /// The OpenBLAS kernel for this CPU: Debian's OpenBLAS 0.3.21 does not know
    /// recent Xeons and falls back to a generic kernel 4.7x slower (BENCHMARKS.md, docs/building.md).
    /// Forcing a kernel the CPU lacks crashes (SIGILL), so it follows the flags.
    public var openBLASCore: String? {
        if flags.contains("avx512f") { return "SkylakeX" }
        if flags.contains("avx2") { return "Haswell" }
        return nil
    }
}

/// Choosing OpenBLAS's kernel, which it does when the library loads.
public enum OpenBLASKernel {
    /// Re-executes this program once with OPENBLAS_CORETYPE set for this CPU, unless
    /// it is already set (by the user, or by this function's first run). Call it
    /// first thing in `main`, before any BLAS call; it returns only when no
    /// re-execution is needed or possible.
    public static func selectFastKernel() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, let core = CPUInfo.current()?.openBLASCore else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // execv returned: it failed; carry on with the kernel OpenBLAS chose.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
