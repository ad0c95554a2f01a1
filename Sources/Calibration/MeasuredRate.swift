import Hardware

/// What every importer of measured times refuses before it fits anything: rows in a
/// precision the GPU has no units for (a fit for it would never be used), and times
/// faster than the GPU can run the work (times in the wrong unit, or mistyped).
public enum MeasuredRate {
    /// How far above the catalog's peak a measured rate may go before it is refused.
    /// No product runs above its GPU's peak, but boards run above their rated boost
    /// clock (the catalog's RTX 3090 measures 6.5% above its whitepaper peak), so half
    /// again the peak is allowed; a time in seconds written as milliseconds (1,000x)
    /// or a digit short (10x) is still refused.
    public static let margin = 1.5

    /// Why rows in `precision` measured on `gpu` would fit figures no run uses, or nil: a
    /// run asking for tf32 on a GPU without a tf32 peak is priced as fp32
    /// (`CostModel.computed`), one asking for bf16 without a bf16 peak as fp16 (the scenario
    /// reader, as PyTorch's autocast asks for fp16 there), so their fits go under the other
    /// name. fp16 without fp16 units stays fp16 (half-size tensors computed at the fp32 peak),
    /// and its fit is the one such runs use.
    public static func missingUnits(_ precision: String, on gpu: GPUSpec) -> String? {
        let pricedAs: String
        switch precision {
        case "tf32": pricedAs = "fp32"
        case "bf16": pricedAs = "fp16"
        default: return nil
        }
        guard gpu.peakFLOPsPerSecond[precision] == nil else { return nil }
        return "the catalog's \(gpu.name) has no \(precision) peak (peak_tflops), so ScaleCast prices its \(precision) runs "
            + "as \(pricedAs) and a \(precision) fit would never be used; label these rows \(pricedAs)"
    }

    /// Why `seconds` for `flops` of direct arithmetic in `precision` is faster than `gpu`
    /// can run it, or nil: above `margin` times its peak, after the most an algorithm
    /// can save (`savings`: 1 for a matrix product; a convolution's filter area, as a
    /// transform-domain algorithm, Winograd or FFT, still multiplies once per output
    /// element and input channel where the direct one does kh·kw times).
    public static func impossible(flops: Double, seconds: Double, precision: String, gpu: GPUSpec, savings: Double = 1) -> String? {
        let peak = gpu.peakFLOPsPerSecond(precision: precision)
        guard peak > 0, seconds > 0 else { return nil }
        let rate = flops / seconds
        guard rate > peak * savings * margin else { return nil }
        func tflops(_ x: Double) -> String { String(format: "%.4g", locale: nil, x / 1e12) }
        return "the time implies \(tflops(rate)) TFLOP/s, \(String(format: "%.3g", locale: nil, rate / peak)) times the \(gpu.name)'s "
            + "\(precision) peak of \(tflops(peak)) TFLOP/s"
            + (savings > 1 ? " (no algorithm saves more than \(String(format: "%g", locale: nil, savings))x on this layer)" : "")
            + "; are the times in the unit the column names, measured on the \(gpu.name)?"
    }
}
