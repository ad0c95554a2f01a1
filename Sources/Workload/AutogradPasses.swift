/// The memory passes eager PyTorch's autograd runs beyond a layer's own kernels:
/// whole-tensor copies and reductions that a fused or compiled stack does not run.
/// Each is an execution profile's field (`inplace_activation_clone`,
/// `broadcast_grad_sum_to`); `none` adds nothing.
///
/// - **In-place activation clone** (`clonesInPlaceActivationInput`). Autograd's code
///   generator saves a copy of the input of an in-place op whose derivative formula
///   reads that input: PyTorch `tools/autograd/gen_variable_type.py`, `save_variables`,
///   `if var == 'self' and inplace: var = 'self.clone()'`. ReLU's formula reads its
///   output (`threshold_backward(grad, result, 0)`) and clones nothing; SiLU's reads
///   its input, and the reviewers of SiLU's in-place form said so: "we can't compute
///   the derivative without the original value ... (the function is not bijective)"
///   (albanD, github.com/pytorch/pytorch/pull/41034, 2020-07-06); PyTorch keeps the
///   clone on purpose ("saving the input will require a clone and that defeats the
///   point of inplace", ezyang; "This is the intended behavior", colesbury,
///   github.com/pytorch/pytorch/issues/4189, 2017); "If you modify x in-place in
///   forward, you need to clone x before saving for backward, this nullifies the
///   gains" (rwightman, github.com/huggingface/pytorch-image-models/pull/156,
///   2020-05-26). For a layer that `runsInPlace` whose activation
///   `differentiatesFromInput` (SiLU, hard swish, hard sigmoid) the forward gains one
///   copy kernel that reads and writes the input: `2 · |x|` elements of traffic.
/// - **Broadcast gradient by `sum_to`** (`reducesBroadcastGradient`). For
///   squeeze-and-excitation's `gate[N,C,1,1] * x[N,C,H,W]` (`LayerKind.channelScale`,
///   the one broadcasting layer here) autograd's `mul` backward returns the gate's
///   gradient as the full-size product `grad * x`
///   (`mul_tensor_backward(grad, other, ...)`, `derivatives.yaml`), and the engine
///   reduces it to the gate's shape afterwards: `torch/csrc/autograd/engine.cpp`,
///   `validate_outputs`, `grad = at::sum_to(std::move(grad), metadata.shape())`.
///   Three kernels instead of one fused pass: `dx = grad · gate` (read dy, write dx:
///   `2|x| + C`), the product (read dy and x, write it: `3|x|`), `sum_to` (read it,
///   write the gate's gradient: `|x| + C`), `6|x| + 2C` in all against the fused
///   `3|x| + 2C` of `LayerKind.output`: `3 · |x|` more elements and two more kernels.
public struct AutogradPasses: Sendable, Equatable {
    /// Whether an in-place activation whose derivative reads its input is cloned first.
    public var clonesInPlaceActivationInput: Bool
    /// Whether a broadcast multiply's gradient is materialised full size and then
    /// reduced by `sum_to`.
    public var reducesBroadcastGradient: Bool

    public init(clonesInPlaceActivationInput: Bool = false, reducesBroadcastGradient: Bool = false) {
        self.clonesInPlaceActivationInput = clonesInPlaceActivationInput
        self.reducesBroadcastGradient = reducesBroadcastGradient
    }

    /// Neither pass: a stack whose kernels do not run them (the layers' own costs alone).
    public static let none = AutogradPasses()

    /// Work one pass of a layer gains, per example.
    public struct Extra: Sendable, Equatable {
        /// Activation elements read plus written, per example.
        public var trafficElements: Int
        /// Kernels launched, per pass (not per example).
        public var kernels: Int

        public static let zero = Extra(trafficElements: 0, kernels: 0)
    }

    /// What `layer`'s forward pass gains: the clone of an in-place activation's input.
    public func forward(_ layer: Layer) -> Extra {
        guard clonesInPlaceActivationInput, layer.runsInPlace, case .activation(let a) = layer.kind, a.differentiatesFromInput,
              let input = layer.inputShapes.first else { return .zero }
        return Extra(trafficElements: 2 * input.elements, kernels: 1)
    }

    /// What `layer`'s backward pass gains: a channel scale's full-size gate gradient
    /// and its reduction.
    public func backward(_ layer: Layer) -> Extra {
        guard reducesBroadcastGradient, case .channelScale = layer.kind, let x = layer.inputShapes.first else { return .zero }
        return Extra(trafficElements: 3 * x.elements, kernels: 2)
    }

    /// Whether either pass applies to some layer of `network`.
    public func applies(to network: Network) -> Bool {
        network.layers.contains { forward($0) != .zero || backward($0) != .zero }
    }
}
