/// An element-wise activation other than ReLU (which keeps its own layer kind,
/// `LayerKind.relu`, because the CPU executor runs it).
///
/// Each counts FLOPs per element as below, a transcendental (`exp`) as one FLOP,
/// a compare or a clamp bound as one; all are memory-bound on a GPU, so their
/// traffic, not these counts, sets their time in the cost model.
///
/// | activation | forward | backward | kept for backward |
/// |---|---|---|---|
/// | ReLU6 `min(max(x, 0), 6)` | 2 | 2 (two compares give the mask, dy kept or zeroed) | in place, nothing: the mask can come from the output; out of place, its input |
/// | sigmoid `1 / (1 + exp(−x))` | 4 (negate, exp, add, divide) | 3 (`dy · y · (1 − y)`) | its output |
/// | hard sigmoid `relu6(x + 3) / 6` | 4 (add, two clamps, scale) | 3 (two compares, scale) | its input |
/// | SiLU `x · sigmoid(x)` | 5 (sigmoid, multiply) | 8 (sigmoid again, `dy · s · (1 + x · (1 − s))`) | its input |
/// | hard swish `x · relu6(x + 3) / 6` | 5 (add, two clamps, scale, multiply) | 6 (two compares, `(2x + 3) / 6`, multiply by dy) | its input |
///
/// "Kept for backward" follows PyTorch's autograd: torchvision builds ReLU6,
/// SiLU and hard swish with `inplace=True`; ReLU6 (a `hardtanh`) can differentiate
/// from its output in place, so nothing beyond that output is kept, as for ReLU
/// (PyTorch 1.10 and later keep a copy of its input instead, an execution profile's
/// `inplace_relu6_clone`: `AutogradPasses`), while out of place `hardtanh` keeps its
/// input (`hardtanh_backward(grad, self, ...)`) beside the output the next layer
/// keeps, in every PyTorch version; sigmoid keeps its output; hard sigmoid,
/// SiLU and hard swish differentiate from their input, which autograd keeps (as a
/// copy when the activation runs in place, which costs an eager stack a copy kernel:
/// `AutogradPasses`).
public enum Activation: String, CaseIterable, Hashable, Sendable {
    /// `nn.ReLU6` (MobileNet v2).
    case relu6
    /// `nn.Sigmoid` (EfficientNet's squeeze-and-excitation gate).
    case sigmoid
    /// `nn.Hardsigmoid` (MobileNet v3's squeeze-and-excitation gate).
    case hardSigmoid = "hardsigmoid"
    /// `nn.SiLU`, also called swish (EfficientNet).
    case silu
    /// `nn.Hardswish` (MobileNet v3).
    case hardSwish = "hardswish"

    /// FLOPs per element of the forward pass.
    public var forwardFLOPsPerElement: Int {
        switch self {
        case .relu6: return 2
        case .sigmoid, .hardSigmoid: return 4
        case .silu, .hardSwish: return 5
        }
    }

    /// FLOPs per element of the backward pass (the input's gradient).
    public var backwardFLOPsPerElement: Int {
        switch self {
        case .relu6: return 2
        case .sigmoid, .hardSigmoid: return 3
        case .silu: return 8
        case .hardSwish: return 6
        }
    }

    /// Whether the backward pass needs a tensor of the input's size that the layer
    /// must keep (its output for sigmoid, its input for the others); false only for
    /// ReLU6 run in place, which can differentiate from its output (what PyTorch 1.10
    /// and later keep instead is `AutogradPasses.keptElements`).
    public func keepsATensorForBackward(inPlace: Bool) -> Bool { self != .relu6 || !inPlace }

    /// Whether PyTorch's derivative formula reads the activation's input (`self`),
    /// not its output (`result`): PyTorch's `tools/autograd/derivatives.yaml` gives
    /// `silu` `silu_backward(grad, self)`, `hardswish` `hardswish_backward(grad, self)`
    /// and `hardsigmoid` `hardsigmoid_backward(grad, self)`, and the in-place forms
    /// take the same formulas; sigmoid differentiates from its output and ReLU6 (a
    /// `hardtanh`) from the output's range, as PyTorch did before 1.10 (since then its
    /// formula reads the input too: `AutogradPasses.clonesInPlaceReLU6Input`). Run in
    /// place, an activation whose formula reads its input makes autograd save a copy of
    /// that input first (`AutogradPasses`).
    public var differentiatesFromInput: Bool {
        switch self {
        case .silu, .hardSwish, .hardSigmoid: return true
        case .relu6, .sigmoid: return false
        }
    }
}
