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
    /// TensorFlow's XLA on GPUs. XLA does not call cuDNN's batch norm by default
    /// (`xla_gpu_use_cudnn_batchnorm` false: "it does not provide a performance win on
    /// average", tensorflow/compiler/xla/debug_options_flags.cc); `BatchNormExpander`
    /// rewrites training batch norm and its gradient into reductions and element-wise
    /// operations "to leverage our generic fusion logic"
    /// (tensorflow/compiler/xla/service/batchnorm_expander.h). The same layers as
    /// `bnAddReLU` run inside the batch norm's kernels; forward moves what cuDNN's fused
    /// kernel does. Backward, the ReLU's gradient `select(y > 0, g, 0)` is fused into
    /// both kernels of the batch norm's gradient, which read g and y where they would
    /// read the ReLU's result: counted pass by pass (`FusionPlan.init`), one tensor
    /// less than the separate kernels after a ReLU inside a block, none less at a
    /// block's end, where the shortcut's gradient must still be written.
    case xla
    /// NVIDIA's MXNet with cuDNN's fused operations, MLPerf's `resnet-v1b-stats-fl` network
    /// (`NormConvolution` with `CUDNN_FUSED_SCALE_BIAS_ACTIVATION_CONV_BNSTATS`): as `bnAddReLU`,
    /// and every dense convolution after the stem computes its batch norm's statistics in its
    /// epilogue, so the batch norm no longer reads its input for them (`ScaleBiasAddRelu`
    /// applies it); a projection's batch norm is applied inside the block's last kernel with
    /// the main path's (dual scale and bias), which reads the projection's raw output as its addend.
    case convStats = "conv-stats"
    /// As `bnAddReLU`, and a batch norm after a dense convolution other than the stem, whose
    /// ReLU feeds only dense convolutions, is computed inside them (`NormalizedConvolution`:
    /// statistics in the convolution's epilogue; scale, bias and ReLU applied by the next
    /// convolution to its input as it reads it), so it moves nothing forward of its own:
    /// MLPerf v0.6's `resnet-v1b-normconv-fl`, whose block-end and projection batch norms stay
    /// cuDNN's fused ones.
    case normConv = "norm-conv"
    /// `normConv` and `convStats` together, each batch norm saving the larger of the two: MLPerf
    /// v0.7's `resnet-v1b-dbar-fl` and v3.0's `-mainloop-fl` (the bottlenecks' first two batch norms
    /// in the next convolution's prologue, the block end's statistics in its convolution, the
    /// projection's batch norm in the block's last kernel; v0.7 does that last only for the
    /// stride-1 projection, which this counts for all four) and PaddlePaddle's `fuse_resunit_pass`.
    case normConvStats = "norm-conv-stats"

    /// Whether the stack runs a residual add and its ReLU inside the batch norm's kernel.
    var fusesAdd: Bool { self != .none && self != .bnReLU }
}

/// What a fusion does to the layers of one network: the layers that no longer
/// run kernels of their own, and what the batch norms that run them move beyond
/// their own tensors.
public struct FusionPlan: Sendable, Equatable {
    /// Indices of layers absorbed into a batch norm's kernels (no work of their own).
    public var absorbed: Set<Int>
    /// Batch norms that read an addend forward: the addend's elements per example,
    /// by layer index.
    public var addendElements: [Int: Int]
    /// Elements per example that a batch norm's fused backward moves beyond its own
    /// gradient's (Layer+Cost.swift prices that at 4 tensors), by layer index: cuDNN's
    /// writes the addend's gradient (1 tensor); XLA's (`BatchNormFusion.xla`) reads the
    /// absorbed ReLU's input gradient and output in place of its result, in both of its
    /// kernels (2 tensors), and at a block's end also writes the shortcut's gradient (3).
    public var backwardExtraElements: [Int: Int]
    /// Elements per example that a batch norm's forward no longer moves, by layer index
    /// (`convStats`, `normConv`, `normConvStats`; Layer+Cost.swift prices a batch norm's forward at 3
    /// tensors: its input read for the statistics, read again and normalized, written):
    /// the statistics' read (1 tensor) where the convolution before it computes them;
    /// all 3 where the normalization runs in another kernel's prologue (the next
    /// convolutions' under `normConv`, or the block's last kernel for a projection).
    public var forwardSavedElements: [Int: Int]

    public static let none = FusionPlan(absorbed: [], addendElements: [:], backwardExtraElements: [:])

    public init(absorbed: Set<Int>, addendElements: [Int: Int], backwardExtraElements: [Int: Int],
                forwardSavedElements: [Int: Int] = [:]) {
        self.absorbed = absorbed
        self.addendElements = addendElements
        self.backwardExtraElements = backwardExtraElements
        self.forwardSavedElements = forwardSavedElements
    }

    /// The elements per example that layer `i`'s fused kernel moves beyond the layer's
    /// own, forward or backward: negative where it moves fewer (0 for a layer that fuses
    /// nothing).
    public func extraElements(of i: Int, backward: Bool) -> Int {
        backward ? backwardExtraElements[i] ?? 0 : (addendElements[i] ?? 0) - (forwardSavedElements[i] ?? 0)
    }

    /// The plan of `fusion` on `network`. A layer is fused only when it is the sole
    /// consumer of what it fuses with, so that nothing else needs the unfused
    /// intermediate tensor: a ReLU whose one input is a batch norm read by nothing
    /// else; under `bnAddReLU` and `xla` also a two-input add of which one input is
    /// such a batch norm (the first, if both are) and whose output only a ReLU reads.
    ///
    /// The backward's extra tensors, counted kernel by kernel (a batch norm's gradient
    /// is a reduction reading its input gradient and x, then an element-wise pass
    /// reading them again and writing dx):
    /// - `bnAddReLU`: the addend's gradient written at a block's end (1).
    /// - `xla`, a batch norm and ReLU inside a block: separate, the ReLU reads g and y
    ///   and writes g', and the two passes read g' and x, then write dx: 8; fused, the
    ///   two passes read g, y and x, then write dx: 7. The model prices the separate
    ///   kernels at 3 + 4, so the fused one at 4 + 2.
    /// - `xla`, a block's end (batch norm, add, ReLU): fused as above, plus g' written
    ///   for the shortcut: 8, as separate; priced 4 + 3, the separate 4 + 0 + 3.
    ///
    /// The forward tensors saved (`convStats`, `normConv`, `normConvStats`), a batch norm after
    /// a dense convolution but the stem: under `convStats` 1 (its statistics' read) and 3 for a
    /// projection's batch norm, the other input of a fused add; under `normConv` 3 where its
    /// absorbed ReLU feeds only dense convolutions; under `normConvStats` the larger of the two.
    /// Their backward is `bnAddReLU`'s.
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
                if fusion == .xla { backwardExtraElements[layer.inputs[0]] = 2 * layer.outputShape.elements }
            }
            guard fusion.fusesAdd, case .add = layer.kind, layer.inputs.count == 2,
                  consumers[i].count == 1, isReLU(consumers[i][0]),
                  let bn = layer.inputs.first(where: { isBatchNorm($0) && solelyFeeds($0, i) }) else { continue }
            absorbed.insert(i)
            absorbed.insert(consumers[i][0])
            addendElements[bn] = layer.outputShape.elements
            backwardExtraElements[bn] = (fusion == .xla ? 3 : 1) * layer.outputShape.elements
        }
        guard fusion == .convStats || fusion == .normConv || fusion == .normConvStats else { return }
        // cuDNN's fused operations take dense convolutions (the cited networks' every convolution but the
        // stem, which stays a plain one): grouped and depthwise convolutions compute no statistics and
        // apply no prologue.
        func isDenseConvolution(_ i: Int) -> Bool {
            if case .convolution(let conv) = layers[i].kind { return conv.groups == 1 } else { return false }
        }
        func afterNormConvolution(_ bn: Int) -> Bool {
            guard layers[bn].inputs.count == 1, isDenseConvolution(layers[bn].inputs[0]) else { return false }
            return layers[layers[bn].inputs[0]].inputs.allSatisfy { if case .input = layers[$0].kind { return false } else { return true } }
        }
        func isAdd(_ i: Int) -> Bool { if case .add = layers[i].kind { return true } else { return false } }
        for (i, layer) in layers.enumerated() where isBatchNorm(i) && afterNormConvolution(i) {
            let elements = layer.outputShape.elements
            let consumer = consumers[i].count == 1 && absorbed.contains(consumers[i][0]) ? consumers[i][0] : nil
            // conv-stats: the statistics' read, and a fused add's other input (the projection's batch
            // norm) applied in the add's kernel.
            let projection = consumer.map(isAdd) == true && addendElements[i] == nil
            let statistics = (projection ? 3 : 1) * elements
            // norm-conv: a batch norm whose ReLU feeds only dense convolutions, applied in their prologue.
            let prologue = consumer.map { relu in isReLU(relu) && !consumers[relu].isEmpty && consumers[relu].allSatisfy(isDenseConvolution) } == true
                ? 3 * elements : 0
            let saved = fusion == .convStats ? statistics : fusion == .normConv ? prologue : max(statistics, prologue)
            if saved > 0 { forwardSavedElements[i] = saved }
        }
    }
}
