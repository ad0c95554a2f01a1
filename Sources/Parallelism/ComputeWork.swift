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

    public init(flops: Double, memoryBytes: Double, gemm: (m: Double, n: Double, k: Double)? = nil, kernels: Int = 1,
                loweringBytes: Double = 0) {
        self.flops = flops
        self.memoryBytes = memoryBytes
        self.gemm = gemm
        self.kernels = kernels
        self.loweringBytes = loweringBytes
    }

    public static func == (a: ComputeWork, b: ComputeWork) -> Bool {
        a.flops == b.flops && a.memoryBytes == b.memoryBytes && a.kernels == b.kernels && a.loweringBytes == b.loweringBytes
            && a.gemm?.m == b.gemm?.m && a.gemm?.n == b.gemm?.n && a.gemm?.k == b.gemm?.k
    }

    public func hash(into h: inout Hasher) {
        h.combine(flops); h.combine(memoryBytes); h.combine(kernels); h.combine(loweringBytes)
        h.combine(gemm?.m); h.combine(gemm?.n); h.combine(gemm?.k)
    }
}
