import Workload

/// The work of one compute task, in the units the cost model prices.
public struct ComputeWork: Hashable, Sendable {
    /// Floating-point operations.
    public var flops: Double
    /// Bytes read plus written in device memory.
    public var memoryBytes: Double
    /// The matrix product's dimensions (m, n, k), if the work is one.
    public var gemm: (m: Double, n: Double, k: Double)?
    /// Kernels launched.
    public var kernels: Int
    /// Bytes an explicit im2col lowering adds to a convolution pass: the column
    /// matrix written and read back once per product that uses it. Priced only when
    /// the cost model lowers convolutions (`CostParameters.convolutionLowering`).
    public var loweringBytes: Double
    /// Row segments that lowering copies (im2col) or adds back (col2im): one per
    /// input channel, kernel offset and output row, per image and product. A copy
    /// of a few dozen floats costs its setup as much as its bytes, so short rows
    /// cost more per byte than long ones. Priced with `loweringBytes`.
    public var loweringRows: Double
    /// The convolution this task computes, if it is one: a cost model with a
    /// kernel library prices its passes one by one from it (`flops`, `memoryBytes`
    /// and `gemm` remain the library-free price).
    public var convolution: ConvolutionWork?

    public init(flops: Double, memoryBytes: Double, gemm: (m: Double, n: Double, k: Double)? = nil, kernels: Int = 1,
                loweringBytes: Double = 0, loweringRows: Double = 0, convolution: ConvolutionWork? = nil) {
        self.flops = flops
        self.memoryBytes = memoryBytes
        self.gemm = gemm
        self.kernels = kernels
        self.loweringBytes = loweringBytes
        self.loweringRows = loweringRows
        self.convolution = convolution
    }

    /// No work and no kernel: a task kept in the plan for its place in the order (a
    /// worker's update under a parameter server, which the server runs).
    public static let none = ComputeWork(flops: 0, memoryBytes: 0, kernels: 0)

    /// Every stored property equal. Written out (the scalars, then the product shape, then
    /// the convolution) rather than with optional chains, which copy both works whole:
    /// a simulation compares one work per compute task (`ComputePrices`).
    public static func == (a: ComputeWork, b: ComputeWork) -> Bool {
        guard a.flops == b.flops && a.memoryBytes == b.memoryBytes && a.kernels == b.kernels && a.loweringBytes == b.loweringBytes
            && a.loweringRows == b.loweringRows else { return false }
        switch (a.gemm, b.gemm) {
        case (nil, nil): break
        case let (x?, y?): guard x.m == y.m && x.n == y.n && x.k == y.k else { return false }
        default: return false
        }
        guard let x = a.convolution else { return b.convolution == nil }
        guard let y = b.convolution else { return false }
        return x == y
    }

    public func hash(into h: inout Hasher) {
        h.combine(flops); h.combine(memoryBytes); h.combine(kernels); h.combine(loweringBytes); h.combine(loweringRows); h.combine(convolution)
        h.combine(gemm?.m); h.combine(gemm?.n); h.combine(gemm?.k)
    }
}
