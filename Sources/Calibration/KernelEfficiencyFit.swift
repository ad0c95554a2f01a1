import CostModel
import Foundation
import Hardware
import Parallelism
import Software
import Workload

/// Fits a GPU's convolution kernel efficiency, pass by pass, to measured kernel
/// times (`KernelTimes`) or per-layer times (`LayerTimes`, whose backward is both
/// gradients together), with the algorithms a library offers priced as the cost
/// model prices them.
///
/// For each pass the fitted efficiency `e` is the one at which the prediction is
/// too slow for half the kernels and too fast for the other half: the median of
/// log(predicted / measured) is zero. A predicted time never grows with `e`, so
/// bisection finds it. The median, not a least-squares fit, because per-shape
/// errors are heavy-tailed (a few shapes where cuDNN has no good kernel are off
/// several-fold) and should not pull the ceiling of every other shape.
public enum KernelEfficiencyFit {
    /// Errors of predicted / measured − 1 over a set of kernels.
    public struct ErrorSummary: Sendable, Equatable {
        public var count: Int
        /// Median of |error|.
        public var medianAbsolute: Double
        /// 90th percentile of |error| (the nearest rank above).
        public var p90Absolute: Double
        /// Median of the signed errors: negative when predictions are too fast.
        public var medianSigned: Double

        init(_ errors: [Double]) {
            count = errors.count
            let absolute = errors.map(abs)
            medianAbsolute = Self.median(absolute)
            p90Absolute = LayerTimes.percentile(absolute, 0.9)
            medianSigned = Self.median(errors)
        }

        static func median(_ values: [Double]) -> Double {
            let s = values.sorted()
            guard !s.isEmpty else { return .nan }
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
    }

    /// One fit: a pass, or passes measured together that share one efficiency.
    public struct PassFit: Sendable, Equatable {
        /// The passes whose summed time was measured: one pass, or a per-layer
        /// file's backward (data and filter gradient together).
        public var passes: [ConvolutionPass]
        /// The fitted fraction of peak, in (0, 1], of every pass in `passes`.
        public var efficiency: Double
        /// Whether the fit hit a bound (1: even at peak the kernels are predicted too slow).
        public var clamped: Bool
        /// The errors with the GPU's efficiency before the fit.
        public var before: ErrorSummary
        /// The errors with the fitted efficiency, on the kernels fitted.
        public var after: ErrorSummary
        /// With `holdout`: fitted on every other kernel, the errors on the rest.
        public var heldOut: ErrorSummary?
        /// After the fit, the median of predicted / measured in each quarter of the kernels
        /// ordered by their arithmetic (the direct convolution's 2 · multiply-adds over the
        /// passes timed), smallest first; nil under `sizeQuarterMinimum` kernels. One fitted
        /// efficiency suits small and large kernels alike where the four are near 1; a rise
        /// says the model prices small kernels too fast and large ones too slow.
        public var bySize: [Double]?

        /// The passes as the CLI names them: `forward`, or `backward-data+backward-filter`.
        public var name: String { passes.map(\.rawValue).joined(separator: "+") }
    }

    /// The bounds of a fitted efficiency.
    static let range = 0.005...1.0

    /// The fewest kernels whose errors `PassFit.bySize` splits into quarters (two a quarter).
    public static let sizeQuarterMinimum = 8

    /// One measured time: the passes `work.passes` of one convolution, run back to
    /// back, took `seconds`.
    public struct Sample: Sendable {
        public var work: ConvolutionWork
        public var seconds: Double

        public init(work: ConvolutionWork, seconds: Double) {
            self.work = work
            self.seconds = seconds
        }
    }

    /// Fits each pass of `rows` (one precision) on `gpu` under `library`.
    /// - Parameter holdout: also fit on the even-numbered kernels and report the errors on the odd ones.
    public static func fit(_ rows: [KernelTimes.Row], gpu: GPUSpec, precision: Precision, library: KernelLibrary?,
                           memoryFormat: MemoryFormat = .nhwc,
                           algorithmChoice: AlgorithmChoice = .fastest, holdout: Bool = false) -> [PassFit] {
        let selected = rows.filter { $0.precision == precision }
        return ConvolutionPass.allCases.compactMap { pass in
            let samples = selected.compactMap { row in row.seconds[pass].map { Sample(work: row.work(pass), seconds: $0) } }
            return fit(samples, passes: [pass], gpu: gpu, precision: precision, library: library, memoryFormat: memoryFormat,
                       algorithmChoice: algorithmChoice, holdout: holdout)
        }
    }

    /// Fits per-layer times (`LayerTimes`, one precision) on `gpu` under `library`:
    /// the forward efficiency from the forward times, and one efficiency shared by
    /// the data and filter gradients from the backward times, which measure the two
    /// together. Only convolutions are fitted (fully connected layers are priced by
    /// the GEMM curve, not the kernel model); rows with a zero time are left out.
    ///
    /// Every backward is the data plus the filter gradient, the first layer's too:
    /// `tools/profile_layers.py` asks autograd for the input's gradient of every layer.
    public static func fit(_ rows: [LayerTimes.Row], gpu: GPUSpec, precision: Precision, library: KernelLibrary?,
                           memoryFormat: MemoryFormat = .nhwc,
                           algorithmChoice: AlgorithmChoice = .fastest, holdout: Bool = false) throws -> [PassFit] {
        let convolutions = try rows.filter { $0.precision == precision && $0.kind == "conv" }.map { row in
            (row, try row.layer().convolutionGeometry!)
        }
        func samples(_ passes: [ConvolutionPass], _ seconds: (LayerTimes.Row) -> Double) -> [Sample] {
            convolutions.filter { seconds($0.0) > 0 }.map {
                Sample(work: ConvolutionWork(geometry: $0.1, batch: Double($0.0.batch), fraction: 1, passes: passes), seconds: seconds($0.0))
            }
        }
        return [fit(samples([.forward], \.forwardSeconds), passes: [.forward], gpu: gpu, precision: precision, library: library, memoryFormat: memoryFormat,
                       algorithmChoice: algorithmChoice, holdout: holdout),
                fit(samples([.backwardData, .backwardFilter], \.backwardSeconds), passes: [.backwardData, .backwardFilter],
                    gpu: gpu, precision: precision, library: library, memoryFormat: memoryFormat,
                       algorithmChoice: algorithmChoice, holdout: holdout)].compactMap { $0 }
    }

    /// Fits one efficiency, shared by `passes`, to `samples`: each sample's
    /// predicted time is the sum over its passes of the chosen kernel's time
    /// (`CostModel.chosenKernel`). Nil without samples.
    public static func fit(_ samples: [Sample], passes: [ConvolutionPass], gpu: GPUSpec, precision: Precision, library: KernelLibrary?,
                           memoryFormat: MemoryFormat = .nhwc,
                           algorithmChoice: AlgorithmChoice = .fastest, holdout: Bool = false) -> PassFit? {
        guard !samples.isEmpty else { return nil }
        func errors(_ efficiency: Double?, _ subset: [Sample]) -> [Double] {
            var g = gpu
            if let efficiency { for pass in passes { g.kernelEfficiency[precision.rawValue, default: [:]][pass.catalogKey] = efficiency } }
            let model = CostModel(gpu: g, precision: precision, kernelLibrary: library, algorithmChoice: algorithmChoice,
                                  memoryFormat: memoryFormat)
            return subset.map { sample in
                sample.work.passes.reduce(0) { $0 + model.chosenKernel(for: $1, of: sample.work).seconds } / sample.seconds - 1
            }
        }
        func solve(_ subset: [Sample]) -> (Double, Bool) {
            func logBias(_ e: Double) -> Double { ErrorSummary.median(errors(e, subset).map { log1p($0) }) }
            if logBias(range.upperBound) > 0 { return (range.upperBound, true) }
            if logBias(range.lowerBound) < 0 { return (range.lowerBound, true) }
            var low = range.lowerBound, high = range.upperBound
            for _ in 0..<60 {
                let mid = (low + high) / 2
                if logBias(mid) > 0 { low = mid } else { high = mid }
            }
            return ((low + high) / 2, false)
        }
        let (efficiency, clamped) = solve(samples)
        var heldOut: ErrorSummary?
        if holdout && samples.count >= 4 {
            let train = samples.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            let test = samples.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            heldOut = ErrorSummary(errors(solve(train).0, test))
        }
        let after = errors(efficiency, samples)
        return PassFit(passes: passes, efficiency: efficiency, clamped: clamped, before: ErrorSummary(errors(nil, samples)),
                       after: ErrorSummary(after), heldOut: heldOut, bySize: sizeQuarters(after, of: samples, precision: precision))
    }

    /// `PassFit.bySize`: the median of 1 + error in each quarter of `samples` by arithmetic,
    /// smallest first (ties in the order given); the last quarter takes the remainder.
    static func sizeQuarters(_ errors: [Double], of samples: [Sample], precision: Precision) -> [Double]? {
        guard samples.count >= sizeQuarterMinimum else { return nil }
        let arithmetic = samples.map { sample in
            sample.work.passes.reduce(0.0) { total, pass in
                total + (ConvolutionKernel(.implicitGEMM, pass: pass, work: sample.work, precision: precision)?.productFLOPs ?? 0)
            }
        }
        let order = samples.indices.sorted { (arithmetic[$0], $0) < (arithmetic[$1], $1) }
        let quarter = samples.count / 4
        return (0..<4).map { q in
            let members = order[(q * quarter)..<(q == 3 ? order.count : (q + 1) * quarter)]
            return ErrorSummary.median(members.map { 1 + errors[$0] })
        }
    }
}
