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
        /// im2col traffic the timed work moved beside the product, in bytes (0 for a plain product).
        public var loweringBytes: Double
        public init(m: Int, n: Int, k: Int, seconds: Double, loweringBytes: Double = 0) {
            (self.m, self.n, self.k, self.seconds, self.loweringBytes) = (m, n, k, seconds, loweringBytes)
        }
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    public struct CopySample: Sendable, Equatable {
        public var bytes: Int
        public var seconds: Double
    }

    /// Matrix shapes the benchmark times as plain SGEMM: squares, thin and flat
    /// products, and AlexNet-like im2col products (output channels × pixels × patch).
    public static let shapes: [(Int, Int, Int)] = [
        (64, 64, 64), (128, 128, 128), (256, 256, 256), (512, 512, 512), (1024, 1024, 1024),
        (64, 1024, 1024), (1024, 64, 1024), (1024, 1024, 64), (16, 4096, 512),
        (64, 3025, 363), (192, 729, 1600), (384, 169, 1728), (256, 169, 3456),
    ]

    /// A layer whose kernels calibration times.
    public enum LayerShape: Sendable {
        case convolution(Kernels.Convolution)
        case fullyConnected(batch: Int, inputs: Int, units: Int)

        /// Bytes of im2col traffic per sample of `timeLayer` (the column matrix
        /// written and read back, 4-byte floats; a backward sample is half of two
        /// such products): what `CostParameters.ConvolutionLowering.im2col` adds.
        public var loweringBytes: Double {
            guard case .convolution(let g) = self else { return 0 }
            return 2 * 4 * Double(g.patch) * Double(g.batch * g.pixels)
        }

        /// The product the cost model prices it as (`LayerWork`): output channels (or
        /// units) × batch · output pixels × inputs per output.
        public var product: (m: Int, n: Int, k: Int) {
            switch self {
            case .convolution(let g): return (g.outChannels, g.batch * g.pixels, g.patch)
            case .fullyConnected(let batch, let inputs, let units): return (units, batch, inputs)
            }
        }
    }

    /// Layers timed to fit the cost model's efficiency curve: convolutions from 3 to
    /// 128 channels on 8 to 64 pixel images, and fully connected layers, batch 32.
    /// None is a layer of `ExecutorValidation.smallCNN()`, which they predict.
    public static let layers: [LayerShape] = [
        .convolution(.init(batch: 32, inChannels: 3, height: 64, width: 64, outChannels: 16, kernel: 5, stride: 1, pad: 2)),
        .convolution(.init(batch: 32, inChannels: 3, height: 48, width: 48, outChannels: 32, kernel: 7, stride: 2, pad: 3)),
        .convolution(.init(batch: 32, inChannels: 16, height: 32, width: 32, outChannels: 32, kernel: 3, stride: 1, pad: 1)),
        .convolution(.init(batch: 32, inChannels: 4, height: 24, width: 24, outChannels: 12, kernel: 5, stride: 1, pad: 2)),
        .convolution(.init(batch: 32, inChannels: 32, height: 16, width: 16, outChannels: 64, kernel: 3, stride: 1, pad: 1)),
        .convolution(.init(batch: 32, inChannels: 24, height: 28, width: 28, outChannels: 48, kernel: 5, stride: 1, pad: 2)),
        .convolution(.init(batch: 32, inChannels: 64, height: 8, width: 8, outChannels: 128, kernel: 3, stride: 1, pad: 1)),
        .convolution(.init(batch: 32, inChannels: 128, height: 8, width: 8, outChannels: 64, kernel: 1, stride: 1, pad: 0)),
        .convolution(.init(batch: 32, inChannels: 6, height: 40, width: 40, outChannels: 4, kernel: 3, stride: 1, pad: 1)),
        .convolution(.init(batch: 32, inChannels: 12, height: 20, width: 20, outChannels: 24, kernel: 3, stride: 2, pad: 1)),
        .convolution(.init(batch: 64, inChannels: 4, height: 24, width: 24, outChannels: 16, kernel: 3, stride: 1, pad: 1)),
        .convolution(.init(batch: 64, inChannels: 10, height: 12, width: 12, outChannels: 20, kernel: 3, stride: 1, pad: 1)),
        .fullyConnected(batch: 32, inputs: 512, units: 256),
        .fullyConnected(batch: 32, inputs: 2048, units: 128),
        .fullyConnected(batch: 32, inputs: 256, units: 32),
        .fullyConnected(batch: 128, inputs: 4096, units: 1000),
    ]

    public static let copySizes = [4_096, 65_536, 1 << 20, 8 << 20, 32 << 20]

    /// A streaming kernel's timing: ReLU forward over `elements` floats, which reads
    /// and writes each once (8 bytes an element) and allocates its output, as the
    /// executor's element-wise kernels do.
    public struct StreamSample: Sendable, Equatable {
        public var elements: Int
        public var seconds: Double
        public var bytes: Int { 8 * elements }
    }

    /// Elements timed for streaming kernels: from a few KiB to tens of MiB.
    public static let streamSizes = [1 << 10, 1 << 13, 1 << 16, 1 << 19, 1 << 22]

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

    /// Times a layer's kernels: the best of `repeats` forward passes, and the best
    /// of `repeats` backward passes (input and weight gradients).
    /// - Returns: two samples of the layer's product: the forward pass, and the
    ///   backward pass halved (the cost model prices a backward pass as two kernels
    ///   of the forward product's shape, `LayerWork.backward`).
    public func timeLayer(_ layer: LayerShape, repeats: Int = 3) -> [GEMMSample] {
        BLAS.threads = threads
        var forward: () -> Void, backward: () -> Void
        switch layer {
        case .convolution(let g):
            let x = Self.pattern(g.inputCount), w = Self.pattern(g.weightCount), b = Self.pattern(g.outChannels), dy = Self.pattern(g.outputCount)
            let scratch = Kernels.ConvolutionScratch()
            forward = { _ = Kernels.convolutionForward(x, weights: w, bias: b, g, scratch: scratch) }
            backward = {
                _ = Kernels.convolutionBackwardData(dy, weights: w, g, scratch: scratch)
                _ = Kernels.convolutionBackwardWeights(x, dy, g, scratch: scratch)
            }
        case .fullyConnected(let batch, let inputs, let units):
            let x = Self.pattern(batch * inputs), w = Self.pattern(units * inputs), b = Self.pattern(units), dy = Self.pattern(batch * units)
            forward = { _ = Kernels.fullyConnectedForward(x, weights: w, bias: b, batch: batch, inputs: inputs, units: units) }
            backward = { _ = Kernels.fullyConnectedBackward(x, dy, weights: w, batch: batch, inputs: inputs, units: units) }
        }
        let (m, n, k) = layer.product
        return [GEMMSample(m: m, n: n, k: k, seconds: Self.best(of: repeats, forward), loweringBytes: layer.loweringBytes),
                GEMMSample(m: m, n: n, k: k, seconds: Self.best(of: repeats, backward) / 2, loweringBytes: layer.loweringBytes)]
    }

    /// The shortest of `repeats` timed runs of `body`, after one untimed run.
    public static func best(of repeats: Int, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        body()
        return (0..<repeats).map { _ in
            let start = clock.now
            body()
            return seconds(clock.now - start)
        }.min()!
    }

    /// `count` values in [−1, 1) in a fixed pattern, signs mixed as in real activations.
    public static func pattern(_ count: Int) -> [Float] { (0..<count).map { Synthetic.unit(4, count, $0) } }

    /// Times ReLU forward over `elements` floats: the best of `repeats`.
    public func timeStream(elements: Int, repeats: Int = 5) -> StreamSample {
        let input = (0..<elements).map { Float($0 % 7) - 3 }
        let clock = ContinuousClock()
        var best = Double.infinity
        for r in 0...repeats {
            let start = clock.now
            let output = Kernels.reluForward(input)
            let elapsed = Self.seconds(clock.now - start)
            precondition(output.count == elements)
            if r > 0 { best = min(best, elapsed) }
        }
        return StreamSample(elements: elements, seconds: best)
    }

    /// Times and fits everything a CPU profile holds, on `threads` OpenBLAS threads.
    /// The peak takes the faster of the reported and the measured clock
    /// (`CPUInfo.measuredGigahertz`): virtual machines report the nominal one.
    /// - Returns: nil if a fit fails (a timer too coarse for the samples).
    public static func measureProfile(cpu: CPUInfo, threads: Int) -> CalibrationProfile? {
        HeapPolicy.keepFreedMemory()
        var cpu = cpu
        cpu.gigahertz = max(cpu.gigahertz, CPUInfo.measuredGigahertz())
        let calibrator = Calibrator(threads: threads)
        let peak = cpu.peakFLOPsPerSecond(threads: threads)
        let copies = copySizes.map { calibrator.timeCopy(bytes: $0) }
        let streams = streamSizes.map { calibrator.timeStream(elements: $0) }
        guard let copy = fitCopies(copies), let stream = fitStream(streams) else { return nil }
        let products = layers.flatMap { calibrator.timeLayer($0) }
        guard let fit = fitEfficiency(products, peak: peak, fitOverhead: true, fitLowering: true) else { return nil }
        return CalibrationProfile(cpu: cpu.model, kernel: BLAS.coreName, threads: threads, peakFLOPsPerSecond: peak, fit: fit,
                                  copyBytesPerSecond: copy.bytesPerSecond, copyLatencySeconds: copy.latencySeconds,
                                  streamBytesPerSecond: stream.bytesPerSecond, kernelOverheadSeconds: fit.overheadSeconds, gemm: products)
    }

    /// The fitted efficiency curve.
    public struct EfficiencyFit: Sendable, Equatable {
        public var maxEfficiency: Double
        public var halfSaturation: Double
        /// Fixed time per product, in seconds (zero unless fitted).
        public var overheadSeconds: Double = 0
        /// Bytes per second at which im2col traffic moves, if fitted (infinite: free).
        public var loweringBytesPerSecond: Double?
        /// Measured minus modelled efficiency, per sample.
        public var residuals: [Double]

        public init(maxEfficiency: Double, halfSaturation: Double, overheadSeconds: Double = 0, loweringBytesPerSecond: Double? = nil,
                    residuals: [Double]) {
            self.maxEfficiency = maxEfficiency
            self.halfSaturation = halfSaturation
            self.overheadSeconds = overheadSeconds
            self.loweringBytesPerSecond = loweringBytesPerSecond
            self.residuals = residuals
        }

        /// The time the fit gives a sample: overhead + flops / (peak · efficiency) + lowering bytes / B.
        public func seconds(_ s: GEMMSample, peak: Double) -> Double {
            overheadSeconds + s.flops / (peak * efficiency(m: s.m, n: s.n, k: s.k)) + s.loweringBytes / (loweringBytesPerSecond ?? .infinity)
        }

        public func efficiency(m: Int, n: Int, k: Int) -> Double {
            func s(_ x: Int) -> Double { Double(x) / (Double(x) + halfSaturation) }
            return maxEfficiency * s(m) * s(n) * s(k)
        }
    }

    /// Fits the curve to samples measured against `peak` FLOP/s, in time:
    /// `t = overhead + flops / (peak · e_max · s(m)s(n)s(k)) + lowering bytes / B`.
    /// For each candidate x½ on a log grid (1 to 10,000, 20 a decade), the time is
    /// linear in flops / (peak · s(m)s(n)s(k)) with slope 1/e_max, in the overhead
    /// (when `fitOverhead`) and in the samples' lowering bytes with slope 1/B (when
    /// `fitLowering`: an im2col matrix is often still in cache when the product
    /// reads it, so B is fitted rather than taken from a streaming test).
    /// Weighted least squares with weights 1/t², so every sample counts by its
    /// relative error (`gsl_multifit_wlinear`), under e_max ≤ 1, overhead ≥ 0 and
    /// 1/B ≥ 0 (`boundedFit`). The x½ with the smallest weighted residual wins.
    public static func fitEfficiency(_ samples: [GEMMSample], peak: Double, fitOverhead: Bool = false,
                                     fitLowering: Bool = false) -> EfficiencyFit? {
        guard samples.count >= (fitOverhead ? 3 : 2) + (fitLowering ? 1 : 0) else { return nil }
        let loweringBytes = fitLowering ? samples.map(\.loweringBytes) : nil
        let y = samples.map(\.seconds)
        let w = y.map { 1 / max($0 * $0, 1e-30) }
        var best: (fit: EfficiencyFit, squares: Double)?
        for step in 0...80 {
            let half = pow(10, Double(step) / 20)
            let x = samples.map { s -> Double in
                func f(_ v: Int) -> Double { Double(v) / (Double(v) + half) }
                return s.flops / (peak * f(s.m) * f(s.n) * f(s.k))
            }
            var terms = [Term(values: x, lowerBound: 1)]
            if fitOverhead { terms.append(Term(values: [Double](repeating: 1, count: x.count), lowerBound: 0)) }
            if let loweringBytes { terms.append(Term(values: loweringBytes, lowerBound: 0)) }
            guard let solution = boundedFit(terms, y: y, weights: w), solution.squares < (best?.squares ?? .infinity) else { continue }
            let overhead = fitOverhead ? solution.coefficients[1] : 0
            let lowering = loweringBytes == nil ? nil : solution.coefficients.last!
            best = (EfficiencyFit(maxEfficiency: 1 / solution.coefficients[0], halfSaturation: half, overheadSeconds: overhead,
                                  loweringBytesPerSecond: lowering.map { $0 > 0 ? 1 / $0 : .infinity }, residuals: []), solution.squares)
        }
        guard var fit = best?.fit else { return nil }
        fit.residuals = samples.map { s in
            let product = s.seconds - fit.overheadSeconds - s.loweringBytes / (fit.loweringBytesPerSecond ?? .infinity)
            return s.flops / (product > 0 ? product : s.seconds) / peak - fit.efficiency(m: s.m, n: s.n, k: s.k)
        }
        return fit
    }

    /// One column of a linear fit and the least value its coefficient may take.
    struct Term {
        var values: [Double]
        var lowerBound: Double
    }

    /// Weighted least squares `y ≈ Σ cᵢ · termᵢ` with each cᵢ ≥ its lower bound.
    /// The objective is a convex quadratic and the bounds a box, so the constrained
    /// minimum is the unconstrained minimum of some face: every choice of which
    /// coefficients sit on their bounds is solved for the others
    /// (`gsl_multifit_wlinear`), and the best feasible solution wins. Clamping one
    /// coefficient alone would leave the others fitted to a model no longer used.
    static func boundedFit(_ terms: [Term], y: [Double], weights w: [Double]) -> (coefficients: [Double], squares: Double)? {
        func squares(_ c: [Double]) -> Double {
            y.indices.reduce(0.0) { sum, i in
                let r = y[i] - terms.indices.reduce(0.0) { $0 + c[$1] * terms[$1].values[i] }
                return sum + w[i] * r * r
            }
        }
        var best: (coefficients: [Double], squares: Double)?
        for pinned in 0..<(1 << terms.count) {
            var c = terms.map(\.lowerBound)
            let free = terms.indices.filter { pinned & (1 << $0) == 0 }
            if !free.isEmpty {
                let rest = y.indices.map { i in y[i] - terms.indices.filter { !free.contains($0) }.reduce(0.0) { $0 + c[$1] * terms[$1].values[i] } }
                guard let solved = weightedLeastSquares(free.map { terms[$0].values }, y: rest, weights: w) else { continue }
                for (k, j) in free.enumerated() { c[j] = solved[k] }
            }
            guard zip(c, terms).allSatisfy({ $0.isFinite && $0 >= $1.lowerBound }) else { continue }
            let kept = squares(c)
            if kept < (best?.squares ?? .infinity) { best = (c, kept) }
        }
        return best
    }

    /// Unconstrained weighted least squares over `columns` (`gsl_multifit_wlinear`).
    static func weightedLeastSquares(_ columns: [[Double]], y: [Double], weights: [Double]) -> [Double]? {
        let n = y.count, p = columns.count
        guard n >= p, p > 0 else { return nil }
        let x = gsl_matrix_alloc(n, p), wv = gsl_vector_alloc(n), yv = gsl_vector_alloc(n)
        let c = gsl_vector_alloc(p), cov = gsl_matrix_alloc(p, p), work = gsl_multifit_linear_alloc(n, p)
        defer {
            gsl_matrix_free(x); gsl_vector_free(wv); gsl_vector_free(yv)
            gsl_vector_free(c); gsl_matrix_free(cov); gsl_multifit_linear_free(work)
        }
        for i in 0..<n {
            for j in 0..<p { gsl_matrix_set(x, i, j, columns[j][i]) }
            gsl_vector_set(wv, i, weights[i])
            gsl_vector_set(yv, i, y[i])
        }
        var chi = 0.0
        guard gsl_multifit_wlinear(x, wv, yv, c, cov, &chi, work) == GSL_SUCCESS else { return nil }
        return (0..<p).map { gsl_vector_get(c, $0) }
    }

    /// The weighted least-squares line `y = intercept + slope · x` under the curve's
    /// constraints: slope ≥ 1 (e_max ≤ 1) and intercept ≥ 0, with the intercept fixed at
    /// 0 unless `fitOverhead` (see `boundedFit`).
    static func constrainedLine(x: [Double], y: [Double], weights w: [Double], fitOverhead: Bool)
        -> (intercept: Double, slope: Double, squares: Double)? {
        var terms = [Term(values: x, lowerBound: 1)]
        if fitOverhead { terms.append(Term(values: [Double](repeating: 1, count: x.count), lowerBound: 0)) }
        guard let fit = boundedFit(terms, y: y, weights: w) else { return nil }
        return (fitOverhead ? fit.coefficients[1] : 0, fit.coefficients[0], fit.squares)
    }

    /// Fits copy time = latency + bytes / bandwidth.
    public static func fitCopies(_ samples: [CopySample]) -> (bytesPerSecond: Double, latencySeconds: Double)? {
        guard let fit = LinearFit(x: samples.map { Double($0.bytes) }, y: samples.map(\.seconds)), fit.slope > 0 else { return nil }
        return (1 / fit.slope, max(0, fit.intercept))
    }

    /// Fits streaming-kernel time = overhead + bytes / bandwidth, the cost model's
    /// `launch + bytes / memory bandwidth` for work that is not a matrix product.
    public static func fitStream(_ samples: [StreamSample]) -> (bytesPerSecond: Double, overheadSeconds: Double)? {
        guard let fit = LinearFit(x: samples.map { Double($0.bytes) }, y: samples.map(\.seconds)), fit.slope > 0 else { return nil }
        return (1 / fit.slope, max(0, fit.intercept))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
