import Foundation
import SimCore
import COpenBLAS
import Testing
@testable import Calibration

@Suite struct KernelTests {
    @Test(arguments: [(1, 1, 1), (3, 5, 7), (64, 33, 17)])
    func sgemmMatchesANaiveProduct(m: Int, n: Int, k: Int) {
        var rng = SplitMix(seed: UInt64(m * 1000 + n * 10 + k))
        let a = (0..<(m * k)).map { _ in rng.unit() }
        let b = (0..<(k * n)).map { _ in rng.unit() }
        var c = [Float](repeating: 0, count: m * n)
        BLAS.sgemm(m: m, n: n, k: k, a: a, b: b, c: &c)
        for i in 0..<m {
            for j in 0..<n {
                var expected: Double = 0
                for p in 0..<k { expected += Double(a[i * k + p]) * Double(b[p * n + j]) }
                #expect(abs(Double(c[i * n + j]) - expected) <= 1e-4 * max(1, abs(expected)))
            }
        }
        #expect(!BLAS.coreName.isEmpty)
    }

    /// `BLAS.stopIdleThreads` finds OpenBLAS's thread server by name at run time and
    /// does nothing without it: a threaded OpenBLAS must export it, or the fix for the
    /// idle workers' spin at start would silently stop working (a serial build has none).
    @Test func aThreadedOpenBLASExportsItsServerShutdown() {
        let threaded = openblas_get_parallel() != 0
        let shutdown = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "blas_thread_shutdown_")
        #expect(!threaded || shutdown != nil, "OpenBLAS (\(BLAS.coreName)) is threaded but exports no blas_thread_shutdown_")
    }

    @Test func linearFitRecoversALine() throws {
        let x = [1.0, 2, 4, 8, 16]
        let y = x.map { 3e-6 + $0 / 2e9 }
        let fit = try #require(LinearFit(x: x, y: y))
        #expect(abs(fit.intercept - 3e-6) < 1e-12)
        #expect(abs(fit.slope - 0.5e-9) < 1e-15)
        #expect(LinearFit(x: [1, 1], y: [2, 3]) == nil)
    }
}

/// Seeded inputs in [-1, 1] on a 0.001 grid.
struct SplitMix {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func unit() -> Float { Float(generator.next() % 2001) / 1000 - 1 }
}
