import Foundation
import YAMLSupport

/// Writes a GPU's fitted efficiency curves as the profile a scenario names with
/// `cost_model: {profile: FILE}`: `gpu`, then per precision `max_efficiency`,
/// `half_saturation`, `launch_overhead_us` (where the fit gives one) and
/// `reported_error`. Written by `scalecast import layer-times` and by
/// `scalecast calibrate --cuda | --gemm-csv`.
///
/// Each figure is rounded as it will be written and checked against the ranges
/// the scenario loader accepts, so that a profile the loader would refuse is
/// never written.
public struct GPUProfileWriter {
    /// One precision's curve: efficiency = max × s(m) s(n) s(k), s(x) = x / (x + half).
    public struct Curve: Sendable {
        public var precision: String
        public var maxEfficiency: Double
        public var halfSaturation: Double
        /// Fixed time per kernel call, seconds; nil where the fit has none (the loader keeps its default).
        public var launchOverheadSeconds: Double?
        /// The fit's error as a fraction (its 90th-percentile |relative time error|).
        public var reportedError: Double

        public init(precision: String, maxEfficiency: Double, halfSaturation: Double, launchOverheadSeconds: Double?, reportedError: Double) {
            self.precision = precision
            self.maxEfficiency = maxEfficiency
            self.halfSaturation = halfSaturation
            self.launchOverheadSeconds = launchOverheadSeconds
            self.reportedError = reportedError
        }

        /// The figures as written: efficiency to 4 decimals, half-saturation to 2, error to 4, overhead (us) to 3.
        var written: (efficiency: String, half: String, error: String, overhead: String?) {
            (GPUProfileWriter.fixed(maxEfficiency, 4), GPUProfileWriter.fixed(halfSaturation, 2), GPUProfileWriter.fixed(reportedError, 4),
             launchOverheadSeconds.map { GPUProfileWriter.fixed($0 * 1e6, 3) })
        }

        /// The smallest max efficiency a fit may give: 1% of the peak. A curve's ceiling is what
        /// its largest products reach, and cuBLAS and cuDNN run large products at 10-99% of
        /// their GPU's peak on every board this project has measured (the catalog's
        /// `max_efficiency` and `kernel_efficiency`, docs/hardware-facts.md); times that give
        /// less are another GPU's, another precision's by far, or in the wrong unit
        /// (microseconds written as milliseconds fit about 1,000 times below the truth).
        public static let lowestPlausibleEfficiency = 0.01

        /// What the scenario loader would refuse in this curve as written, or a max efficiency
        /// below `lowestPlausibleEfficiency`, or nil.
        /// - Parameter gpu: the GPU whose peak the efficiency is a fraction of, for the message.
        public func problem(gpu: String) -> String? {
            let w = written
            guard let e = Double(w.efficiency), e > 0, e <= 1 else { return "a max efficiency of \(w.efficiency), outside (0, 1] of the \(gpu)'s peak" }
            guard e >= Self.lowestPlausibleEfficiency else {
                return "a max efficiency of \(w.efficiency): the largest products ran at under 1% of the \(gpu)'s peak, "
                    + "slower than any library runs them"
            }
            guard let h = Double(w.half), (0...1e6).contains(h) else { return "a half-saturation dimension of \(w.half), outside 0 to 1e6" }
            if let overhead = w.overhead {
                guard let o = Double(overhead), Limits.microseconds.contains(o) else { return "a launch overhead of \(overhead) us, outside 0 to 1e6 us" }
            }
            guard reportedError.isFinite else { return "no finite error" }
            return nil
        }
    }

    /// The catalog GPU the efficiencies are relative to.
    public var gpu: String
    /// What the profile was fitted from, for its first line (one line; shown escaped).
    public var origin: String
    public var curves: [Curve]

    public init(gpu: String, origin: String, curves: [Curve]) {
        self.gpu = gpu
        self.origin = origin
        self.curves = curves
    }

    /// The profile's YAML text.
    public var yaml: String {
        func table(_ cell: (Curve) -> String?) -> String {
            "{" + curves.compactMap { c in cell(c).map { "\(c.precision): \($0)" } }.joined(separator: ", ") + "}"
        }
        var out = "# Fitted by \(origin.singleLine); efficiencies are relative to the catalog's \(gpu.singleLine) peaks.\n"
        out += "gpu: \(ImportText.yamlQuoted(gpu))\n"
        out += "max_efficiency: \(table { $0.written.efficiency })\nhalf_saturation: \(table { $0.written.half })\n"
        if curves.contains(where: { $0.launchOverheadSeconds != nil }) { out += "launch_overhead_us: \(table { $0.written.overhead })\n" }
        out += "reported_error: \(table { $0.written.error })\n"
        return out
    }

    /// `x` with `decimals` decimals, whatever the locale.
    static func fixed(_ x: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", locale: nil, x) }
}
