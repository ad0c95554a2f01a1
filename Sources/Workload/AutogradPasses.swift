/// The memory passes eager PyTorch's autograd runs beyond a layer's own kernels, and
/// the tensors it keeps beyond a layer's own `storedActivationElements`: whole-tensor
/// copies, reductions and indices that a fused or compiled stack does not have.
/// Each is an execution profile's field (`inplace_activation_clone`,
/// `broadcast_grad_sum_to`, `inplace_relu6_clone`, `max_pool_indices`); `none` adds
/// nothing.
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
/// - **In-place ReLU6 clone** (`clonesInPlaceReLU6Input`). ReLU6 is a `hardtanh`, whose
///   formula reads its input (`hardtanh_backward(grad, self, min_val, max_val)`,
///   `derivatives.yaml`) since PyTorch 1.10 (github.com/pytorch/pytorch/pull/62329
///   changed `result` to `self` for XLA): an in-place ReLU6 is then cloned as above, and
///   the copy is kept for the backward, `|x|` more elements kept. Reported as a
///   regression in github.com/pytorch/pytorch/issues/95432 (1.10 to 1.13) and #81548
///   (1.12); the fix, github.com/pytorch/pytorch/pull/190506, was still open in
///   2026-09. This project measured it on PyTorch 2.13: `HardtanhBackward0` keeps a
///   tensor that shares no storage with the output (`tools/saved_activations.py`).
/// - **Max-pool indices** (`keepsMaxPoolIndices`). PyTorch's max pooling returns the
///   position of each window's maximum, an int64 per output element, and its autograd
///   node keeps them for the backward (`max_pool2d_with_indices`, `derivatives.yaml`:
///   `max_pool2d_with_indices_backward(grad, self, ..., result1)`): 8 bytes per output
///   element written forward, read backward and kept, whatever the precision.
public struct AutogradPasses: Sendable, Equatable {
    /// Whether an in-place activation whose derivative reads its input is cloned first.
    public var clonesInPlaceActivationInput: Bool
    /// Whether a broadcast multiply's gradient is materialised full size and then
    /// reduced by `sum_to`.
    public var reducesBroadcastGradient: Bool
    /// Whether an in-place ReLU6 is cloned first and the copy kept (PyTorch 1.10 and later).
    public var clonesInPlaceReLU6Input: Bool
    /// Whether a max pool keeps an int64 index per output element for its backward.
    public var keepsMaxPoolIndices: Bool

    public init(clonesInPlaceActivationInput: Bool = false, reducesBroadcastGradient: Bool = false,
                clonesInPlaceReLU6Input: Bool = false, keepsMaxPoolIndices: Bool = false) {
        self.clonesInPlaceActivationInput = clonesInPlaceActivationInput
        self.reducesBroadcastGradient = reducesBroadcastGradient
        self.clonesInPlaceReLU6Input = clonesInPlaceReLU6Input
        self.keepsMaxPoolIndices = keepsMaxPoolIndices
    }

    /// Bytes of one max-pool index (int64).
    public static let maxPoolIndexBytes = 8

    /// None of them: a stack whose kernels run no such pass and keep nothing more (the layers' own costs alone).
    public static let none = AutogradPasses()

    /// Work one pass of a layer gains, per example.
    public struct Extra: Sendable, Equatable {
        /// Activation elements read plus written, per example.
        public var trafficElements: Int
        /// Kernels launched, per pass (not per example).
        public var kernels: Int
        /// Bytes read plus written in a dtype of its own (max-pool indices), per example.
        public var trafficBytes: Int

        public init(trafficElements: Int, kernels: Int, trafficBytes: Int = 0) {
            self.trafficElements = trafficElements
            self.kernels = kernels
            self.trafficBytes = trafficBytes
        }

        public static let zero = Extra(trafficElements: 0, kernels: 0)
    }

    /// Whether `layer` is an in-place activation that autograd clones.
    func clones(_ layer: Layer) -> Bool {
        guard layer.runsInPlace, case .activation(let a) = layer.kind else { return false }
        return (clonesInPlaceActivationInput && a.differentiatesFromInput) || (clonesInPlaceReLU6Input && a == .relu6)
    }

    /// What `layer`'s forward pass gains: the clone of an in-place activation's input
    /// (one more kernel), or a max pool's indices written.
    public func forward(_ layer: Layer) -> Extra {
        if clones(layer), let input = layer.inputShapes.first { return Extra(trafficElements: 2 * input.elements, kernels: 1) }
        if keepsMaxPoolIndices, case .maxPool = layer.kind {
            return Extra(trafficElements: 0, kernels: 0, trafficBytes: Self.maxPoolIndexBytes * layer.outputShape.elements)
        }
        return .zero
    }

    /// What `layer`'s backward pass gains: a channel scale's full-size gate gradient
    /// and its reduction, or a max pool's indices read.
    public func backward(_ layer: Layer) -> Extra {
        if reducesBroadcastGradient, case .channelScale = layer.kind, let x = layer.inputShapes.first {
            return Extra(trafficElements: 3 * x.elements, kernels: 2)
        }
        if keepsMaxPoolIndices, case .maxPool = layer.kind {
            return Extra(trafficElements: 0, kernels: 0, trafficBytes: Self.maxPoolIndexBytes * layer.outputShape.elements)
        }
        return .zero
    }

    /// Activation elements autograd keeps for `layer`'s backward beyond the layer's own
    /// `storedActivationElements`, per example: the copy of an in-place ReLU6's input
    /// (the other cloned activations' copies are the input those layers already keep).
    public func keptElements(_ layer: Layer) -> Int {
        guard clonesInPlaceReLU6Input, layer.runsInPlace, case .activation(.relu6) = layer.kind,
              let input = layer.inputShapes.first else { return 0 }
        return input.elements
    }

    /// Bytes autograd keeps for `layer`'s backward in a dtype of their own, per example:
    /// a max pool's indices.
    public func keptBytes(_ layer: Layer) -> Int {
        guard keepsMaxPoolIndices, case .maxPool = layer.kind else { return 0 }
        return Self.maxPoolIndexBytes * layer.outputShape.elements
    }

    /// Whether any pass or kept tensor applies to some layer of `network`.
    public func applies(to network: Network) -> Bool {
        network.layers.contains { forward($0) != .zero || backward($0) != .zero || keptElements($0) > 0 || keptBytes($0) > 0 }
    }
}
