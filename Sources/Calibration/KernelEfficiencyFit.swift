import CostModel
import Foundation
import Hardware
import Parallelism
import Software
import Workload

/// Fits a GPU's convolution kernel efficiency, pass by pass, to measured kernel
/// times (`KernelTimes`), with the algorithms a library offers priced as the cost
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

    /// One pass's fit.
    public struct PassFit: Sendable, Equatable {
        public var pass: ConvolutionPass
        /// The fitted fraction of peak, in (0, 1].
        public var efficiency: Double
        /// Whether the fit hit a bound (1: even at peak the kernels are predicted too slow).
        public var clamped: Bool
        /// The errors with the GPU's efficiency before the fit.
        public var before: ErrorSummary
        /// The errors with the fitted efficiency, on the kernels fitted.
        public var after: ErrorSummary
        /// With `holdout`: fitted on every other kernel, the errors on the rest.
        public var heldOut: ErrorSummary?
    }

    /// The bounds of a fitted efficiency.
    static let range = 0.005...1.0

    /// Fits each pass of `rows` (one precision) on `gpu` under `library`.
    /// - Parameter holdout: also fit on the even-numbered kernels and report the errors on the odd ones.
    public static func fit(_ rows: [KernelTimes.Row], gpu: GPUSpec, precision: Precision, library: KernelLibrary?,
                           holdout: Bool = false) -> [PassFit] {
        ConvolutionPass.allCases.compactMap { pass in
            let samples = rows.filter { $0.precision == precision }.compactMap { row in row.seconds[pass].map { (row.work(pass), $0) } }
            guard !samples.isEmpty else { return nil }
            func errors(_ efficiency: Double?, _ subset: [(ConvolutionWork, Double)]) -> [Double] {
                var g = gpu
                if let efficiency { g.kernelEfficiency[precision.rawValue, default: [:]][pass.catalogKey] = efficiency }
                let model = CostModel(gpu: g, precision: precision, kernelLibrary: library)
                return subset.map { model.chosenKernel(for: pass, of: $0.0).seconds / $0.1 - 1 }
            }
            func solve(_ subset: [(ConvolutionWork, Double)]) -> (Double, Bool) {
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
            return PassFit(pass: pass, efficiency: efficiency, clamped: clamped, before: ErrorSummary(errors(nil, samples)),
                           after: ErrorSummary(errors(efficiency, samples)), heldOut: heldOut)
        }
    }
}
