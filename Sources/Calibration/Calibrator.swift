import CGSL
import Foundation
import Parallelism
import Workload

/// Times this CPU's kernels and fits the cost model's parameters to them.
///
/// The efficiency of a matrix product of shape (m, n, k) is modelled as the
/// simulator's `e_max · s(m) · s(n) · s(k)`, `s(x) = x / (x + x½)`, beside a
/// per-call overhead and the im2col lowering's bytes and row segments
/// (`fitEfficiency`). Memory copies fit `t = latency + bytes / bandwidth`
/// (`gsl_fit_linear`).
public struct Calibrator {
    public struct GEMMSample: Sendable, Equatable {
        public var m, n, k: Int
        public var seconds: Double
        /// im2col traffic the timed work moved beside the product, in bytes (0 for a plain product).
        public var loweringBytes: Double
        /// Row segments of that traffic (`ComputeWork.loweringRows`).
        public var loweringRows: Double
        /// Of `seconds`, the time spent in the product itself (SGEMM), where it was
        /// measured apart from the lowering; the rest is the lowering's.
        public var productSeconds: Double?
        public init(m: Int, n: Int, k: Int, seconds: Double, loweringBytes: Double = 0, loweringRows: Double = 0,
                    productSeconds: Double? = nil) {
            (self.m, self.n, self.k, self.seconds) = (m, n, k, seconds)
            (self.loweringBytes, self.loweringRows, self.productSeconds) = (loweringBytes, loweringRows, productSeconds)
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

    public static let copySizes = [4_096, 65_536, 1 << 20, 8 << 20, 32 << 20]

    /// A streaming kernel's timing: the bytes the cost model says the pass moves
    /// (`LayerWork`: its activations in and out) and the time it took.
    public struct StreamSample: Sendable, Equatable {
        public var bytes: Double
        public var seconds: Double
        public init(bytes: Double, seconds: Double) {
            self.bytes = bytes
            self.seconds = seconds
        }
    }

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

    /// The mean of `xs`.
    static func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }

    /// `count` values in [−1, 1) in a fixed pattern, signs mixed as in real activations.
    public static func pattern(_ count: Int) -> [Float] { (0..<count).map { Synthetic.unit(4, count, $0) } }

    /// Networks the executor runs to calibrate by execution, with their batches:
    /// convolutions of 1 to 48 channels with 3×3 and 5×5 kernels on 12 to 48 pixel
    /// images, ReLUs, 2×2 pooling and fully connected layers. In a and b the
    /// output channels grow with the input's; c adds products whose lowering is
    /// small (4 → 32 channels) and large (32 → 8) against their arithmetic, and
    /// rows of other widths (28 and 14 pixels; a row's bytes are 8 × its width,
    /// written and read), so that bytes and rows vary apart. None is
    /// `ExecutorValidation.smallCNN()`, whose steps the fit then predicts.
    public static func calibrationNetworks() -> [(network: Network, batch: Int)] {
        do {
            var a = NetworkBuilder(name: "calibration-a", input: TensorShape(channels: 3, height: 48, width: 48))
            try a.conv("conv1", out: 12, kernel: 5, pad: 2); try a.relu("relu1"); try a.maxPool("pool1", kernel: 2, stride: 2)
            try a.conv("conv2", out: 24, kernel: 3, pad: 1); try a.relu("relu2"); try a.maxPool("pool2", kernel: 2, stride: 2)
            try a.conv("conv3", out: 48, kernel: 3, pad: 1); try a.relu("relu3"); try a.maxPool("pool3", kernel: 2, stride: 2)
            try a.fc("fc1", units: 128); try a.relu("relu4"); try a.fc("fc2", units: 20); try a.softmax("loss")
            var b = NetworkBuilder(name: "calibration-b", input: TensorShape(channels: 1, height: 24, width: 24))
            try b.conv("conv1", out: 6, kernel: 5, pad: 2); try b.relu("relu1")
            try b.conv("conv2", out: 12, kernel: 3, pad: 1); try b.relu("relu2"); try b.maxPool("pool1", kernel: 2, stride: 2)
            try b.conv("conv3", out: 32, kernel: 3, pad: 1); try b.relu("relu3"); try b.maxPool("pool2", kernel: 2, stride: 2)
            try b.fc("fc1", units: 256); try b.relu("relu4"); try b.fc("fc2", units: 12); try b.softmax("loss")
            var c = NetworkBuilder(name: "calibration-c", input: TensorShape(channels: 4, height: 28, width: 28))
            try c.conv("conv1", out: 32, kernel: 3, pad: 1); try c.relu("relu1"); try c.maxPool("pool1", kernel: 2, stride: 2)
            try c.conv("conv2", out: 8, kernel: 3, pad: 1); try c.relu("relu2"); try c.maxPool("pool2", kernel: 2, stride: 2)
            try c.fc("fc1", units: 10); try c.softmax("loss")
            return [(try a.finish(), 48), (try b.finish(), 192), (try c.finish(), 64)]
        } catch {
            preconditionFailure("a built-in calibration network is malformed: \(error)")
        }
    }

    /// Runs each calibration network for a few steps on the executor and keeps each
    /// compute task's mean time over the steps after the first, priced in the
    /// cost model's own terms: a convolution or FC pass as `kernels` products of
    /// its shape (the per-kernel time, its part in SGEMM, flops, im2col bytes and
    /// rows), ReLU, pooling and
    /// update passes by the bytes `LayerWork` says they move. Timing the kernels
    /// where they run, between the layers that feed them, keeps what isolated loops
    /// miss: caches holding other layers' data, fresh output arrays.
    ///
    /// With `busyWorkers` above 1, the networks run data parallel on that many
    /// workers, so the kernels are timed while as many cores compute at once as the
    /// configuration being predicted keeps busy (shared caches and memory
    /// bandwidth, or on a virtual machine the host's other work, slow them), and a
    /// step's sample of each task is its slowest worker's: a synchronous step goes at
    /// the pace of its slowest worker, and the simulator's workers are identical.
    /// (On a virtual machine whose cores' speeds differ from moment to moment, the
    /// workers of one step run at different speeds: BENCHMARKS.md, "third
    /// session".) Per task rather than per step, the sum of the slowest times is
    /// an upper bound of the slowest worker's step; it suits the hybrid, which
    /// synchronises its workers at many of its tasks, and leaves data parallelism,
    /// which synchronises once a step, predicted a little slow.
    public func executionSamples(steps: Int = 4, busyWorkers: Int = 1) throws -> (products: [GEMMSample], streams: [StreamSample]) {
        BLAS.threads = threads
        var products: [GEMMSample] = [], streams: [StreamSample] = []
        for (network, batch) in Self.calibrationNetworks() {
            let setup = TrainingSetup(network: network, precision: .fp32, batchPerGPU: batch, gpus: busyWorkers, steps: steps)
            let graph = try Planner.plan(setup, strategy: .data())
            let outcome = try Executor(graph: graph, setup: setup, strategy: .data()).run()
            let slowest = Self.slowestWorker(graph, outcome)
            for task in graph.tasks where task.step == 1 && task.device == 0 {
                guard case .compute(let work) = task.work, let perStep = slowest[Self.key(task)] else { continue }
                let seconds = Self.mean(perStep.values.map(\.seconds))
                let kind = task.layer.map { network.layers[$0].kind }
                switch kind {
                case .convolution?, .fullyConnected?:
                    guard let g = work.gemm else { continue }
                    let kernels = Double(work.kernels)
                    // A fully connected pass is its products; a convolution's also lowers.
                    let product = work.loweringBytes > 0 ? Self.mean(perStep.values.map(\.productSeconds)) : seconds
                    products.append(GEMMSample(m: Int(g.m.rounded()), n: Int(g.n.rounded()), k: Int(g.k.rounded()), seconds: seconds / kernels,
                                               loweringBytes: work.loweringBytes / kernels, loweringRows: work.loweringRows / kernels,
                                               productSeconds: product / kernels))
                case .relu?, .maxPool?:
                    streams.append(StreamSample(bytes: work.memoryBytes, seconds: seconds))
                default:
                    if task.kind == .update { streams.append(StreamSample(bytes: work.memoryBytes, seconds: seconds)) }
                }
            }
        }
        return (products, streams)
    }

    /// A compute task's name across workers and steps: its kind and label.
    static func key(_ task: TaskGraph.Task) -> String { "\(task.kind.rawValue) \(task.label)" }

    /// Per compute task (`key`) and step after the first, the time its slowest
    /// worker took and the part of it in SGEMM, in seconds.
    static func slowestWorker(_ graph: TaskGraph, _ outcome: Executor.Outcome) -> [String: [Int: (seconds: Double, productSeconds: Double)]] {
        var slowest: [String: [Int: (seconds: Double, productSeconds: Double)]] = [:]
        for task in graph.tasks where task.step > 0 {
            guard case .compute = task.work else { continue }
            let took = outcome.taskEnds[task.id] - outcome.taskStarts[task.id]
            if took > slowest[key(task)]?[task.step]?.seconds ?? -1 {
                slowest[key(task), default: [:]][task.step] = (took, outcome.taskProductSeconds[task.id])
            }
        }
        return slowest
    }

    /// One round of every timing a CPU profile is fitted from.
    public struct Samples: Sendable {
        public var products: [GEMMSample]
        public var copies: [CopySample]
        public var streams: [StreamSample]

        /// Each timing's mean over `rounds` (all from the same shapes, in order).
        /// Means, because they add up: a step's mean time is the sum of its tasks'
        /// mean times (and a training run's time its steps' mean times their
        /// count), where medians of right-skewed task times added up to less than
        /// the median step, and the fastest of each timing, one sample at a quiet
        /// moment each, to steps no run achieved.
        public static func mean(_ rounds: [Samples]) -> Samples {
            var typical = rounds[0]
            for i in typical.products.indices {
                typical.products[i].seconds = Calibrator.mean(rounds.map { $0.products[i].seconds })
                let apart = rounds.compactMap { $0.products[i].productSeconds }
                typical.products[i].productSeconds = apart.count == rounds.count ? Calibrator.mean(apart) : nil
            }
            for i in typical.copies.indices { typical.copies[i].seconds = Calibrator.mean(rounds.map { $0.copies[i].seconds }) }
            for i in typical.streams.indices { typical.streams[i].seconds = Calibrator.mean(rounds.map { $0.streams[i].seconds }) }
            return typical
        }
    }

    /// Runs the calibration networks (`executionSamples`) and times copies, once.
    public func measureSamples(busyWorkers: Int = 1) throws -> Samples {
        HeapPolicy.keepFreedMemory()
        let executed = try executionSamples(busyWorkers: busyWorkers)
        return Samples(products: executed.products, copies: Self.copySizes.map { timeCopy(bytes: $0) }, streams: executed.streams)
    }

    /// This CPU with the faster of its reported and its measured clock
    /// (`CPUInfo.measuredGigahertz`): virtual machines report the nominal one.
    public static func clocked(_ cpu: CPUInfo) -> CPUInfo {
        var cpu = cpu
        cpu.gigahertz = max(cpu.gigahertz, CPUInfo.measuredGigahertz())
        return cpu
    }

    /// Fits a profile to `samples` taken on `threads` threads of `cpu` (see `clocked`).
    /// - Returns: nil if a fit fails (a timer too coarse for the samples).
    public static func profile(_ samples: Samples, cpu: CPUInfo, threads: Int) -> CalibrationProfile? {
        let peak = cpu.peakFLOPsPerSecond(threads: threads)
        guard let copy = fitCopies(samples.copies),
              let fit = fitEfficiency(samples.products, peak: peak, fitOverhead: true, fitLowering: true),
              let stream = fitStream(samples.streams, overhead: fit.overheadSeconds) else { return nil }
        return CalibrationProfile(cpu: cpu.model, kernel: BLAS.coreName, threads: threads, peakFLOPsPerSecond: peak, fit: fit,
                                  copyBytesPerSecond: copy.bytesPerSecond, copyLatencySeconds: copy.latencySeconds,
                                  streamBytesPerSecond: stream.bytesPerSecond, kernelOverheadSeconds: fit.overheadSeconds,
                                  products: samples.products)
    }

    /// Times and fits everything a CPU profile holds, on `threads` OpenBLAS threads:
    /// each timing is the mean of `rounds` rounds.
    public static func measureProfile(cpu: CPUInfo, threads: Int, rounds: Int = 1) throws -> CalibrationProfile? {
        let calibrator = Calibrator(threads: threads)
        let samples = Samples.mean(try (0..<max(1, rounds)).map { _ in try calibrator.measureSamples() })
        return profile(samples, cpu: clocked(cpu), threads: threads)
    }

    /// The fitted efficiency curve.
    public struct EfficiencyFit: Sendable, Equatable {
        public var maxEfficiency: Double
        public var halfSaturation: Double
        /// Fixed time per product, in seconds (zero unless fitted).
        public var overheadSeconds: Double = 0
        /// Bytes per second at which im2col traffic moves, if fitted (infinite: free).
        public var loweringBytesPerSecond: Double?
        /// Time per row segment of im2col traffic, in seconds (zero unless fitted).
        public var loweringRowSeconds: Double = 0
        /// Measured minus modelled efficiency, per sample.
        public var residuals: [Double]

        public init(maxEfficiency: Double, halfSaturation: Double, overheadSeconds: Double = 0, loweringBytesPerSecond: Double? = nil,
                    loweringRowSeconds: Double = 0, residuals: [Double]) {
            self.maxEfficiency = maxEfficiency
            self.halfSaturation = halfSaturation
            self.overheadSeconds = overheadSeconds
            self.loweringBytesPerSecond = loweringBytesPerSecond
            self.loweringRowSeconds = loweringRowSeconds
            self.residuals = residuals
        }

        /// The time of a sample's lowering: bytes / B + rows · row time.
        public func loweringSeconds(_ s: GEMMSample) -> Double {
            s.loweringBytes / (loweringBytesPerSecond ?? .infinity) + s.loweringRows * loweringRowSeconds
        }

        /// The time the fit gives a sample: overhead + flops / (peak · efficiency) + lowering.
        public func seconds(_ s: GEMMSample, peak: Double) -> Double {
            overheadSeconds + s.flops / (peak * efficiency(m: s.m, n: s.n, k: s.k)) + loweringSeconds(s)
        }

        public func efficiency(m: Int, n: Int, k: Int) -> Double {
            func s(_ x: Int) -> Double { Double(x) / (Double(x) + halfSaturation) }
            return maxEfficiency * s(m) * s(n) * s(k)
        }
    }

    /// The half-saturation dimensions `fitEfficiency` tries: a log grid from 1 to 10,000, 20 a decade.
    static let halfSaturationGrid = (0...80).map { pow(10, Double($0) / 20) }

    /// The figures of a fitted curve that stopped at an end of their range (e_max at the
    /// peak; x½ at an end of `halfSaturationGrid`): there the timings do not pin the figure,
    /// which is where the fit was stopped, not a measurement. Empty for a curve inside both.
    public static func curveFiguresAtBounds(maxEfficiency: Double, halfSaturation: Double) -> [FittedFigure] {
        var figures: [FittedFigure] = []
        if maxEfficiency >= 1 { figures.append(.maxEfficiency) }
        if halfSaturation <= halfSaturationGrid.first! || halfSaturation >= halfSaturationGrid.last! { figures.append(.halfSaturation) }
        return figures
    }

    /// Fits the curve to samples measured against `peak` FLOP/s, in time:
    /// `t = overhead + flops / (peak · e_max · s(m)s(n)s(k)) + lowering bytes / B + lowering rows · r`.
    /// For each candidate x½ on a log grid (1 to 10,000, 20 a decade), the time is
    /// linear in flops / (peak · s(m)s(n)s(k)) with slope 1/e_max, in the overhead
    /// (when `fitOverhead`) and in the samples' lowering bytes and rows with slopes
    /// 1/B and r (when `fitLowering`: an im2col matrix is often still in cache when
    /// the product reads it, so B is fitted rather than taken from a streaming
    /// test; the executor's im2col copies rows of a few dozen floats, each with
    /// its setup: the alpha-beta model of a copy, per row).
    /// Weighted least squares with weights 1/t², so every sample counts by its
    /// relative error (`gsl_multifit_wlinear`), under e_max ≤ 1, overhead ≥ 0,
    /// 1/B ≥ 0 and r ≥ 0 (`boundedFit`); with `reweighted`, weights from the fit
    /// instead (`relativeFit`), for samples whose noise, not the curve's misfit,
    /// dominates. The x½ with the smallest weighted residual wins.
    ///
    /// Where every lowered sample's product was timed apart (`productSeconds`), the
    /// curve and overhead are fitted to the products' times alone and B and r to
    /// the rest of the lowered samples' times (`fitApart`): in whole passes, the
    /// calibration networks' lowering grows with their products' arithmetic, and a
    /// joint fit traded one for the other (it priced the validation network's
    /// 3→8 channel product at 30 GFLOP/s where it ran at 85: BENCHMARKS.md,
    /// "fourth session").
    public static func fitEfficiency(_ samples: [GEMMSample], peak: Double, fitOverhead: Bool = false,
                                     fitLowering: Bool = false, reweighted: Bool = false) -> EfficiencyFit? {
        let lowered = samples.filter { $0.loweringBytes > 0 }
        if fitLowering, !lowered.isEmpty, lowered.allSatisfy({ $0.productSeconds != nil }) {
            return fitApart(samples, peak: peak, fitOverhead: fitOverhead)
        }
        // Distinct shapes, not rows: one shape timed three times, or with m, n and k in another order (the curve
        // s(m)s(n)s(k) and the work 2mnk do not tell them apart), is one point of the curve.
        let shapes = Set(samples.map { [$0.m, $0.n, $0.k].sorted() }).count
        guard shapes >= (fitOverhead ? 3 : 2) + (fitLowering ? 2 : 0) else { return nil }
        let loweringBytes = fitLowering ? samples.map(\.loweringBytes) : nil
        let y = samples.map(\.seconds)
        var best: (fit: EfficiencyFit, squares: Double)?
        for half in halfSaturationGrid {
            let x = samples.map { s -> Double in
                func f(_ v: Int) -> Double { Double(v) / (Double(v) + half) }
                return s.flops / (peak * f(s.m) * f(s.n) * f(s.k))
            }
            var terms = [Term(values: x, lowerBound: 1)]
            if fitOverhead { terms.append(Term(values: [Double](repeating: 1, count: x.count), lowerBound: 0)) }
            if let loweringBytes {
                terms.append(Term(values: loweringBytes, lowerBound: 0))
                terms.append(Term(values: samples.map(\.loweringRows), lowerBound: 0))
            }
            let weighed = reweighted ? relativeFit(terms, y: y) : boundedFit(terms, y: y, weights: y.map { 1 / max($0 * $0, 1e-30) })
            guard let solution = weighed, solution.squares < (best?.squares ?? .infinity) else { continue }
            let overhead = fitOverhead ? solution.coefficients[1] : 0
            let c = solution.coefficients
            let perByte = loweringBytes == nil ? nil : c[c.count - 2]
            best = (EfficiencyFit(maxEfficiency: 1 / c[0], halfSaturation: half, overheadSeconds: overhead,
                                  loweringBytesPerSecond: perByte.map { $0 > 0 ? 1 / $0 : .infinity },
                                  loweringRowSeconds: loweringBytes == nil ? 0 : c[c.count - 1], residuals: []), solution.squares)
        }
        guard var fit = best?.fit else { return nil }
        fit.residuals = residuals(samples, fit, peak: peak)
        return fit
    }

    /// The curve (and overhead) fitted to each sample's product time, and the
    /// lowering's `bytes / B + rows · r` to the rest of the lowered samples' times,
    /// by least squares of relative errors weighted by the fit (`relativeFit`)
    /// with 1/B ≥ 0 and r ≥ 0: the executor's timings are means of noisy runs on a
    /// shared machine. (A GPU's per-layer timings, `LayerTimes`, are steady and
    /// miss the curve more than they scatter; weighted by the measurements, the
    /// fit of half of them predicted the other half better.) The rest
    /// has no fixed term of its own: a convolution kernel's fixed cost outside
    /// SGEMM (a few loops' setup) is taken to be small against its SGEMM calls'.
    static func fitApart(_ samples: [GEMMSample], peak: Double, fitOverhead: Bool) -> EfficiencyFit? {
        let products = samples.map { GEMMSample(m: $0.m, n: $0.n, k: $0.k, seconds: $0.productSeconds ?? $0.seconds) }
        let lowered = samples.filter { $0.loweringBytes > 0 }
        let rest = lowered.map { max(0, $0.seconds - ($0.productSeconds ?? 0)) }
        guard var fit = fitEfficiency(products, peak: peak, fitOverhead: fitOverhead, reweighted: true),
              let lowering = relativeFit([Term(values: lowered.map(\.loweringBytes), lowerBound: 0),
                                          Term(values: lowered.map(\.loweringRows), lowerBound: 0)], y: rest) else { return nil }
        fit.loweringBytesPerSecond = lowering.coefficients[0] > 0 ? 1 / lowering.coefficients[0] : .infinity
        fit.loweringRowSeconds = lowering.coefficients[1]
        fit.residuals = residuals(samples, fit, peak: peak)
        return fit
    }

    /// Measured minus modelled efficiency of each sample's product, its time less
    /// the fit's overhead and lowering.
    static func residuals(_ samples: [GEMMSample], _ fit: EfficiencyFit, peak: Double) -> [Double] {
        samples.map { s in
            let product = s.seconds - fit.overheadSeconds - fit.loweringSeconds(s)
            return s.flops / (product > 0 ? product : s.seconds) / peak - fit.efficiency(m: s.m, n: s.n, k: s.k)
        }
    }

    /// One column of a linear fit and the least value its coefficient may take.
    struct Term {
        var values: [Double]
        var lowerBound: Double
    }

    /// Least squares of relative errors, `y ≈ Σ cᵢ · termᵢ` with each cᵢ ≥ its lower
    /// bound: weighted least squares (`boundedFit`) with weights 1/ŷ², ŷ
    /// the previous pass's fitted values (the first pass: the measurements),
    /// repeated `passes` times. Weighting by the measurements themselves favours a
    /// fit below them (a sample that ran slow weighs less), which left calibrated
    /// passes 8% short in total (BENCHMARKS.md, "fourth session"). Weighting by
    /// the fit is iteratively reweighted least squares for noise in proportion to
    /// the mean, unbiased for the mean (McCullagh and Nelder, Generalized Linear
    /// Models, 2nd ed., §8, the gamma family).
    /// - Returns: the coefficients and the last pass's weighted sum of squares.
    static func relativeFit(_ terms: [Term], y: [Double], passes: Int = 5) -> (coefficients: [Double], squares: Double)? {
        var expected = y
        var fit: (coefficients: [Double], squares: Double)?
        for _ in 0..<passes {
            guard let next = boundedFit(terms, y: y, weights: expected.map { 1 / max($0 * $0, 1e-30) }) else { return fit }
            fit = next
            expected = y.indices.map { i in terms.indices.reduce(0.0) { $0 + next.coefficients[$1] * terms[$1].values[i] } }
        }
        return fit
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
        // GSL's SVD calls BLAS one vector at a time: OpenBLAS's thread pool would wake and
        // spin for each (a 200,000-row fit spent a third of its time yielding), so one thread.
        var status: Int32 = 0
        BLAS.singleThreaded { status = gsl_multifit_wlinear(x, wv, yv, c, cov, &chi, work) }
        guard status == GSL_SUCCESS else { return nil }
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
    /// `launch + bytes / memory bandwidth` for work that is not a matrix product,
    /// by weighted least squares (weights 1/t², so every layer counts by its relative
    /// error) with both coefficients at least 0 (`boundedFit`). Not reweighted by
    /// the fit (`relativeFit`): the executor's streaming passes run at two speeds
    /// (ReLU and forward pooling at 13-16 GB/s of the traffic `LayerWork` counts,
    /// backward pooling at 2-7), and one bandwidth fitted for their mean priced
    /// every ReLU at half its speed (BENCHMARKS.md, "fourth session").
    ///
    /// - Parameter overhead: the per-call time, if already known (the cost model
    ///   has one launch overhead for every kernel): only the bandwidth is fitted then.
    public static func fitStream(_ samples: [StreamSample], overhead: Double? = nil) -> (bytesPerSecond: Double, overheadSeconds: Double)? {
        guard samples.count >= (overhead == nil ? 2 : 1) else { return nil }
        var terms = [Term(values: samples.map(\.bytes), lowerBound: 0)]
        if overhead == nil { terms.append(Term(values: [Double](repeating: 1, count: samples.count), lowerBound: 0)) }
        let y = samples.map { $0.seconds - (overhead ?? 0) }
        guard let fit = boundedFit(terms, y: y, weights: samples.map { 1 / max($0.seconds * $0.seconds, 1e-30) }),
              fit.coefficients[0] > 0 else { return nil }
        return (1 / fit.coefficients[0], overhead ?? fit.coefficients[1])
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
