/// Which element-wise layers a training stack runs inside the batch norm kernel
/// before them, as cuDNN's `cudnnBatchNormalizationForwardTrainingEx` and
/// `...BackwardEx` do with `CUDNN_BATCHNORM_OPS_BN_ACTIVATION` and
/// `CUDNN_BATCHNORM_OPS_BN_ADD_ACTIVATION` (cuDNN 7.4 and later), or as a compiler
/// fuses them (`xla`).
public enum BatchNormFusion: String, CaseIterable, Sendable {
    /// Every layer runs its own kernels.
    case none
    /// A ReLU right after a batch norm is applied by the batch norm's kernel.
    case bnReLU = "bn-relu"
    /// As `bnReLU`, and a residual add followed by a ReLU after a batch norm are
    /// too: the batch norm kernel reads the addend and writes its gradient.
    case bnAddReLU = "bn-add-relu"
    /// TensorFlow's XLA on GPUs: forward as `bnAddReLU`, backward as `none`.
    /// XLA does not call cuDNN's batch norm by default (`xla_gpu_use_cudnn_batchnorm`
    /// false: "it does not provide a performance win on average", tensorflow/compiler/xla/debug_options_flags.cc);
    /// `BatchNormExpander` rewrites training batch norm and its gradient into reductions
    /// and element-wise operations "to leverage our generic fusion logic"
    /// (tensorflow/compiler/xla/service/batchnorm_expander.h). Forward, the statistics are one
    /// multi-output reduction over x and the normalization, the residual add and the
    /// ReLU one loop fusion (reads x and the addend, writes y): a batch norm's 3
    /// tensors plus the addend, the fused kernel's. Backward, the ReLU's gradient
    /// `select(y > 0, g, 0)` is fused into both fusions of the batch norm's gradient
    /// (the reduction reads g, y and x; the element-wise pass reads them again and
    /// writes dx): 7 tensors, what the ReLU's own backward (3) and the batch norm's (4)
    /// move apart, so the backward keeps the unfused price.
    case xla
}

/// What a fusion does to the layers of one network: the layers that no longer
/// run kernels of their own, pass by pass, and the batch norms that read an addend.
public struct FusionPlan: Sendable, Equatable {
    /// Indices of layers whose forward runs inside a batch norm's kernel (no forward
    /// work of their own).
    public var absorbed: Set<Int>
    /// Indices of layers whose backward runs inside a batch norm's gradient kernel
    /// (no backward work of their own): `absorbed`, less the ReLUs under `xla`.
    public var absorbedBackward: Set<Int>
    /// Batch norms that read an addend forward (and, where `writesAddendGradient`,
    /// write its gradient backward): the addend's elements per example, by layer index.
    public var addendElements: [Int: Int]
    /// Whether a batch norm that reads an addend also writes the addend's gradient
    /// (cuDNN's fused backward); under `xla` the ReLU's gradient, priced as its own
    /// backward, is that gradient.
    public var writesAddendGradient: Bool

    public static let none = FusionPlan(absorbed: [], addendElements: [:])

    public init(absorbed: Set<Int>, absorbedBackward: Set<Int>? = nil, addendElements: [Int: Int], writesAddendGradient: Bool = true) {
        self.absorbed = absorbed
        self.absorbedBackward = absorbedBackward ?? absorbed
        self.addendElements = addendElements
        self.writesAddendGradient = writesAddendGradient
    }

    /// Whether layer `i` runs no kernel of its own in the forward (or, with `backward`,
    /// the backward) pass.
    public func absorbs(_ i: Int, backward: Bool) -> Bool {
        backward ? absorbedBackward.contains(i) : absorbed.contains(i)
    }

    /// The addend elements per example that layer `i` reads forward or writes backward
    /// (0 where it reads none).
    public func addendElements(of i: Int, backward: Bool) -> Int {
        backward && !writesAddendGradient ? 0 : addendElements[i] ?? 0
    }

    /// The plan of `fusion` on `network`. A layer is fused only when it is the sole
    /// consumer of what it fuses with, so that nothing else needs the unfused
    /// intermediate tensor: a ReLU whose one input is a batch norm read by nothing
    /// else; under `bnAddReLU` and `xla` also a two-input add of which one input is
    /// such a batch norm (the first, if both are) and whose output only a ReLU reads.
    /// Under `xla` the ReLUs keep their backward and no addend gradient is written.
    public init(network: Network, fusion: BatchNormFusion) {
        self = .none
        guard fusion != .none else { return }
        let layers = network.layers
        var consumers = [[Int]](repeating: [], count: layers.count)
        for (i, layer) in layers.enumerated() { for input in layer.inputs { consumers[input].append(i) } }
        func isBatchNorm(_ i: Int) -> Bool { if case .batchNorm = layers[i].kind { return true } else { return false } }
        func isReLU(_ i: Int) -> Bool { if case .relu = layers[i].kind { return true } else { return false } }
        func solelyFeeds(_ producer: Int, _ consumer: Int) -> Bool { consumers[producer] == [consumer] }
        for (i, layer) in layers.enumerated() {
            if isReLU(i), layer.inputs.count == 1, isBatchNorm(layer.inputs[0]), solelyFeeds(layer.inputs[0], i) {
                absorbed.insert(i)
            }
            guard fusion == .bnAddReLU || fusion == .xla, case .add = layer.kind, layer.inputs.count == 2,
                  consumers[i].count == 1, isReLU(consumers[i][0]),
                  let bn = layer.inputs.first(where: { isBatchNorm($0) && solelyFeeds($0, i) }) else { continue }
            absorbed.insert(i)
            absorbed.insert(consumers[i][0])
            addendElements[bn] = layer.outputShape.elements
        }
        absorbedBackward = fusion == .xla ? absorbed.filter { !isReLU($0) } : absorbed
        writesAddendGradient = fusion != .xla
    }
}
