/// What one layer costs for one example, in each pass of a training step.
///
/// FLOPs count a multiply-add as 2 (the convention of Paleo and of vendor peaks).
/// Traffic counts activation elements read plus written in device memory; the
/// layer's weights are read once per batch, not per example, so they are kept in
/// `parameters` and added by the cost model per batch.
public struct LayerCost: Hashable, Sendable {
    /// Trainable parameters (weights and biases; not running statistics).
    public var parameters: Int
    public var forwardFLOPs: Int
    /// FLOPs to compute the gradient with respect to the layer's input; zero when
    /// the input is the image, whose gradient nobody needs.
    public var backwardDataFLOPs: Int
    /// FLOPs to compute the gradient with respect to the layer's weights.
    public var backwardWeightFLOPs: Int
    public var forwardTrafficElements: Int
    public var backwardTrafficElements: Int
    /// Output elements that must be kept in memory until the backward pass.
    public var storedActivationElements: Int
    /// The matrix product this layer runs as, if it is one (convolution as
    /// im2col + GEMM, or an FC layer); the cost model uses its dimensions to
    /// judge how efficiently a GPU runs it.
    public var gemm: GEMMShape?

    public static let zero = LayerCost(parameters: 0, forwardFLOPs: 0, backwardDataFLOPs: 0,
                                       backwardWeightFLOPs: 0, forwardTrafficElements: 0,
                                       backwardTrafficElements: 0, storedActivationElements: 0, gemm: nil)

    public var backwardFLOPs: Int { backwardDataFLOPs + backwardWeightFLOPs }
}

/// Dimensions of a layer's forward matrix product C[m x n] = A[m x k] B[k x n],
/// with `n` growing with the batch: `n = nPerExample x batch`.
public struct GEMMShape: Hashable, Sendable {
    public var m: Int
    public var nPerExample: Int
    public var k: Int
    /// Independent products of this shape per example (convolution groups).
    public var count: Int

    public init(m: Int, nPerExample: Int, k: Int, count: Int = 1) {
        self.m = m
        self.nPerExample = nPerExample
        self.k = k
        self.count = count
    }
}
