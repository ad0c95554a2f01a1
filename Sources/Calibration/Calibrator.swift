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
        /// Measured minus modelled efficiency, per sample.
        public var residuals: [Double]

        public func efficiency(m: Int, n: Int, k: Int) -> Double {
            func s(_ x: Int) -> Double { Double(x) / (Double(x) + halfSaturation) }
            return maxEfficiency * s(m) * s(n) * s(k)
        }
    }

    /// Fits `e_max` and `x½` to samples measured against `peak` FLOP/s.
    public static func fitEfficiency(_ samples: [GEMMSample], peak: Double) -> EfficiencyFit? {
        guard samples.count >= 2 else { return nil }
        let measured = samples.map { $0.flops / $0.seconds / peak }
        var best: EfficiencyFit?
        var bestSquares = Double.infinity
        for step in 0...80 {
            let half = pow(10, Double(step) / 20)   // 1 ... 10,000, 20 points a decade
            let model = samples.map { s -> Double in
                func f(_ x: Int) -> Double { Double(x) / (Double(x) + half) }
                return f(s.m) * f(s.n) * f(s.k)
            }
            var slope = 0.0, covariance = 0.0, squares = 0.0
            guard gsl_fit_mul(model, 1, measured, 1, model.count, &slope, &covariance, &squares) == GSL_SUCCESS else { continue }
            if squares < bestSquares, slope > 0 {
                bestSquares = squares
                best = EfficiencyFit(maxEfficiency: min(1, slope), halfSaturation: half,
                                     residuals: zip(measured, model).map { $0 - min(1, slope) * $1 })
            }
        }
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
