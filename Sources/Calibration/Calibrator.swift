import CGSL
import Foundation

/// Times this CPU's kernels and fits the cost model's parameters to them.
///
/// The efficiency of a matrix product of shape (m, n, k) is modelled as the
/// simulator's `e_max · s(m) · s(n) · s(k)`, `s(x) = x / (x + x½)`. For each
/// candidate x½ on a log grid, `e_max` is the least-squares slope through the
/// origin of measured efficiency against s(m)s(n)s(k) (`gsl_fit_mul`); the x½ with
/// the smallest residual wins. Memory copies fit `t = latency + bytes / bandwidth`
/// (`gsl_fit_linear`).
public struct Calibrator {
    public struct GEMMSample: Sendable, Equatable {
        public var m, n, k: Int
        public var seconds: Double
        public init(m: Int, n: Int, k: Int, seconds: Double) {
            (self.m, self.n, self.k, self.seconds) = (m, n, k, seconds)
        }
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    public struct CopySample: Sendable, Equatable {
        public var bytes: Int
        public var seconds: Double
    }

    /// Matrix shapes timed: squares, thin and flat products, and convolution-like
    /// im2col products (output channels × pixels × patch).
    public static let shapes: [(Int, Int, Int)] = [
        (64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024),
        (64, 1024, 1024), (1024, 64, 1024), (1024, 1024, 64), (16, 4096, 512),
        (64, 3025, 363), (192, 729, 1600), (384, 169, 1728), (256, 169, 3456),
    ]

    public static let copySizes = [4_096, 65_536, 1 << 20, 8 << 20, 32 << 20]

    public let threads: Int
    public init(threads: Int) { self.threads = threads }

    /// Times one SGEMM shape: the best of `repeats` runs after one warm-up.
    public func timeGEMM(m: Int, n: Int, k: Int, repeats: Int = 3) -> GEMMSample {
        BLAS.threads = threads
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let clock = ContinuousClock()
        var best = Double.infinity
        for r in 0...repeats {
            let start = clock.now
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemm(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            let elapsed = Self.seconds(clock.now - start)
            if r > 0 { best = min(best, elapsed) }
        }
        return GEMMSample(m: m, n: n, k: k, seconds: best)
    }

    /// Times copying `bytes` between two buffers: the best of `repeats`.
    public func timeCopy(bytes: Int, repeats: Int = 5) -> CopySample {
        let source = [UInt8](repeating: 1, count: bytes)
        var destination = [UInt8](repeating: 0, count: bytes)
        let clock = ContinuousClock()
        var best = Double.infinity
        for r in 0...repeats {
            let start = clock.now
            source.withUnsafeBytes { s in destination.withUnsafeMutableBytes { d in d.copyMemory(from: s) } }
            if r > 0 { best = min(best, Self.seconds(clock.now - start)) }
        }
        return CopySample(bytes: bytes, seconds: best)
    }

    /// The fitted efficiency curve.
    public struct EfficiencyFit: Sendable, Equatable {
        public var maxEfficiency: Double
        public var halfSaturation: Double
        /// Fixed time per product, in seconds (zero unless fitted).
        public var overheadSeconds: Double = 0
        /// Measured minus modelled efficiency, per sample.
        public var residuals: [Double]

        public init(maxEfficiency: Double, halfSaturation: Double, overheadSeconds: Double = 0, residuals: [Double]) {
            self.maxEfficiency = maxEfficiency
            self.halfSaturation = halfSaturation
            self.overheadSeconds = overheadSeconds
            self.residuals = residuals
        }

        public func efficiency(m: Int, n: Int, k: Int) -> Double {
            func s(_ x: Int) -> Double { Double(x) / (Double(x) + halfSaturation) }
            return maxEfficiency * s(m) * s(n) * s(k)
        }
    }

    /// Fits the curve to samples measured against `peak` FLOP/s, in time:
    /// `t = overhead + flops / (peak · e_max · s(m)s(n)s(k))`. For each candidate
    /// x½ on a log grid (1 to 10,000, 20 a decade), the time is linear in
    /// flops / (peak · s(m)s(n)s(k)), with slope 1/e_max (and intercept the overhead
    /// when `fitOverhead`), fitted by weighted least squares with weights 1/t², so
    /// every sample counts by its relative error (`gsl_fit_wmul`, `gsl_fit_wlinear`).
    /// The x½ with the smallest weighted residual wins; e_max is kept at most 1 and the
    /// overhead at least 0, each refitted when the other is held (`constrainedLine`).
    public static func fitEfficiency(_ samples: [GEMMSample], peak: Double, fitOverhead: Bool = false) -> EfficiencyFit? {
        guard samples.count >= (fitOverhead ? 3 : 2) else { return nil }
        let y = samples.map(\.seconds)
        let w = y.map { 1 / max($0 * $0, 1e-30) }
        var best: EfficiencyFit?
        var bestSquares = Double.infinity
        for step in 0...80 {
            let half = pow(10, Double(step) / 20)
            let x = samples.map { s -> Double in
                func f(_ v: Int) -> Double { Double(v) / (Double(v) + half) }
                return s.flops / (peak * f(s.m) * f(s.n) * f(s.k))
            }
            guard let line = constrainedLine(x: x, y: y, weights: w, fitOverhead: fitOverhead) else { continue }
            let (intercept, eMax, kept) = (line.intercept, 1 / line.slope, line.squares)
            if kept < bestSquares {
                bestSquares = kept
                let fit = EfficiencyFit(maxEfficiency: eMax, halfSaturation: half, overheadSeconds: intercept, residuals: [])
                best = fit
            }
        }
        guard var fit = best else { return nil }
        fit.residuals = samples.map { s in s.flops / (s.seconds - fit.overheadSeconds > 0 ? s.seconds - fit.overheadSeconds : s.seconds) / peak
            - fit.efficiency(m: s.m, n: s.n, k: s.k) }
        return fit
    }

    /// The weighted least-squares line `y = intercept + slope · x` under the curve's
    /// constraints: slope ≥ 1 (e_max ≤ 1) and intercept ≥ 0, with the intercept fixed at
    /// 0 unless `fitOverhead`. The objective is a convex quadratic, so its constrained
    /// minimum is the unconstrained one when feasible, else the best of the minima on
    /// the active faces (intercept = 0: `gsl_fit_wmul`; slope = 1: the weighted mean of
    /// y − x) and their corner. Clamping one parameter alone would leave the other
    /// fitted to a line that is no longer used.
    static func constrainedLine(x: [Double], y: [Double], weights w: [Double], fitOverhead: Bool)
        -> (intercept: Double, slope: Double, squares: Double)? {
        func squares(_ intercept: Double, _ slope: Double) -> Double {
            zip(x, zip(y, w)).reduce(0.0) { sum, item in
                let r = item.1.0 - (intercept + slope * item.0)
                return sum + item.1.1 * r * r
            }
        }
        var candidates: [(Double, Double)] = [(0, 1)]
        var slope = 0.0, c11 = 0.0, chi = 0.0
        if gsl_fit_wmul(x, 1, w, 1, y, 1, x.count, &slope, &c11, &chi) == GSL_SUCCESS { candidates.append((0, slope)) }
        if fitOverhead {
            var intercept = 0.0, c00 = 0.0, c01 = 0.0
            if gsl_fit_wlinear(x, 1, w, 1, y, 1, x.count, &intercept, &slope, &c00, &c01, &c11, &chi) == GSL_SUCCESS {
                candidates.append((intercept, slope))
            }
            let weight = w.reduce(0, +)
            let mean = zip(zip(x, y), w).reduce(0.0) { $0 + $1.1 * ($1.0.1 - $1.0.0) } / weight
            if weight > 0 { candidates.append((mean, 1)) }
        }
        let best = candidates
            .filter { $0.0 >= 0 && $0.1 >= 1 && $0.0.isFinite && $0.1.isFinite }
            .map { (intercept: $0.0, slope: $0.1, squares: squares($0.0, $0.1)) }
            .min { $0.squares < $1.squares }
        return best
    }

    /// Fits copy time = latency + bytes / bandwidth.
    public static func fitCopies(_ samples: [CopySample]) -> (bytesPerSecond: Double, latencySeconds: Double)? {
        guard let fit = LinearFit(x: samples.map { Double($0.bytes) }, y: samples.map(\.seconds)), fit.slope > 0 else { return nil }
        return (1 / fit.slope, max(0, fit.intercept))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
