/// Which element-wise layers a training stack runs inside the batch norm kernel
/// before them, as cuDNN's `cudnnBatchNormalizationForwardTrainingEx` and
/// `...BackwardEx` do with `CUDNN_BATCHNORM_OPS_BN_ACTIVATION` and
/// `CUDNN_BATCHNORM_OPS_BN_ADD_ACTIVATION` (cuDNN 7.4 and later).
public enum BatchNormFusion: String, CaseIterable, Sendable {
    /// Every layer runs its own kernels.
    case none
    /// A ReLU right after a batch norm is applied by the batch norm's kernel.
    case bnReLU = "bn-relu"
    /// As `bnReLU`, and a residual add followed by a ReLU after a batch norm are
    /// too: the batch norm kernel reads the addend and writes its gradient.
    case bnAddReLU = "bn-add-relu"
}

/// What a fusion does to the layers of one network: the layers that no longer
/// run kernels of their own, and the batch norms that read an addend.
public struct FusionPlan: Sendable, Equatable {
    /// Indices of layers absorbed into a batch norm's kernel (no work of their own).
    public var absorbed: Set<Int>
    /// Batch norms that read an addend forward and write its gradient backward:
    /// the addend's elements per example, by layer index.
    public var addendElements: [Int: Int]

    public static let none = FusionPlan(absorbed: [], addendElements: [:])

    public init(absorbed: Set<Int>, addendElements: [Int: Int]) {
        self.absorbed = absorbed
        self.addendElements = addendElements
    }

    /// The plan of `fusion` on `network`. A layer is fused only when it is the sole
    /// consumer of what it fuses with, so that nothing else needs the unfused
    /// intermediate tensor: a ReLU whose one input is a batch norm read by nothing
    /// else; under `bnAddReLU` also a two-input add of which one input is such a
    /// batch norm (the first, if both are) and whose output only a ReLU reads.
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
            guard fusion == .bnAddReLU, case .add = layer.kind, layer.inputs.count == 2,
                  consumers[i].count == 1, isReLU(consumers[i][0]),
                  let bn = layer.inputs.first(where: { isBatchNorm($0) && solelyFeeds($0, i) }) else { continue }
            absorbed.insert(i)
            absorbed.insert(consumers[i][0])
            addendElements[bn] = layer.outputShape.elements
        }
    }
}
