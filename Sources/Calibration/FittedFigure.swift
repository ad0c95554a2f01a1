/// A figure `scalecast calibrate` fits, by its JSON key (`rawValue`) and by the name its
/// table prints (`printed`), with the end of its range where a fit can stop.
public enum FittedFigure: String, Sendable {
    case maxEfficiency = "max_efficiency"
    case halfSaturation = "half_saturation"
    case overhead = "overhead_seconds"
    case loweringBandwidth = "lowering_bytes_per_second"
    case loweringRowTime = "lowering_row_seconds"
    case copyLatency = "copy_latency_seconds"

    /// The name and bound as the text output prints them.
    public var printed: String {
        switch self {
        case .maxEfficiency: return "e_max at 1 (the peak)"
        case .halfSaturation: return "x_half at an end of the 1-10000 it is searched over"
        case .overhead: return "overhead at 0"
        case .loweringBandwidth: return "B unbounded (im2col free)"
        case .loweringRowTime: return "r at 0"
        case .copyLatency: return "copy latency at 0"
        }
    }
}
