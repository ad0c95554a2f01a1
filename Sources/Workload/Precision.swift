/// The arithmetic precision of a training run.
///
/// `tf32` stores fp32 and multiplies on tensor cores in TF32; `fp16` and `bf16`
/// are mixed precision: 2-byte activations and gradients, an fp32 master copy of
/// the weights (Micikevicius et al., "Mixed Precision Training", 2018).
public enum Precision: String, CaseIterable, Sendable, Codable {
    case fp32, tf32, fp16, bf16

    /// Bytes per stored activation or gradient element.
    public var activationBytes: Int {
        switch self {
        case .fp32, .tf32: return 4
        case .fp16, .bf16: return 2
        }
    }

    /// Bytes per weight-gradient element exchanged between GPUs.
    public var gradientBytes: Int { activationBytes }

    /// Bytes of weight-related state per parameter kept on each data-parallel
    /// replica for SGD with momentum: weights, gradients and the momentum buffer,
    /// plus an fp32 master copy under mixed precision.
    public var trainingStateBytesPerParameter: Int {
        switch self {
        case .fp32, .tf32: return 4 + 4 + 4          // weight, gradient, momentum
        case .fp16, .bf16: return 2 + 2 + 4 + 4      // half weight, half gradient, fp32 master, fp32 momentum
        }
    }
}
