import Hardware
import Workload

/// The tunable constants of the cost model, with their defaults and where the
/// defaults come from. A scenario may override any of them; calibration will
/// replace them with fitted values.
public struct CostParameters: Sendable, Equatable {
    /// Fixed time per kernel launch, in seconds. Default 5 us: the order of a CUDA
    /// kernel launch plus framework dispatch.
    public var launchOverheadSeconds: Double = 5e-6
    /// The fraction of peak FLOP/s that a large matrix product reaches, per
    /// precision. Defaults from one unpublished H100 SXM measurement (docs/hardware-facts.md): an
    /// 8192^3 GEMM ran at 51 of 66.9 TFLOP/s in fp32 (0.76), 399 of 494.7 in TF32
    /// (0.81) and 781 of 989.4 in bf16 (0.79).
    public var maxEfficiency: [Precision: Double] = [.fp32: 0.76, .tf32: 0.81, .fp16: 0.79, .bf16: 0.79]
    /// The matrix dimension at which a product runs at half its best efficiency
    /// along that dimension (see `CostModel.efficiency`). A dimension smaller than
    /// the kernel's output tile leaves part of each tile idle; the defaults are the
    /// typical tile edge of each kind of kernel: 32 for SIMT fp32 kernels and 128
    /// for tensor-core kernels (TF32, fp16, bf16; CUTLASS's default threadblock
    /// tiles for them are 128x128). Not fitted: BENCHMARKS.md compares the
    /// resulting ResNet-50 throughput with published figures (close for A100
    /// mixed precision, high for A100 TF32, low for V100).
    public var halfSaturationDimension: [Precision: Double] = [.fp32: 32, .tf32: 128, .fp16: 128, .bf16: 128]
    /// The fraction of peak memory bandwidth that streaming kernels reach on a GPU
    /// whose catalog entry measures none (`GPUSpec.memoryEfficiency`): a default, not
    /// necessarily the figure in use; prices read `memoryEfficiency(on:)`.
    /// Default 0.88: an H100 device-to-device copy moved 2.96 of 3.35 TB/s (the same
    /// unpublished measurement, docs/hardware-facts.md).
    public var defaultMemoryEfficiency: Double = 0.88
    /// The fraction a scenario (or calibration) sets explicitly; it wins over the GPU's
    /// own measured figure, which wins over `defaultMemoryEfficiency`.
    public var memoryEfficiencyOverride: Double?
    /// Device memory the CUDA context, the framework and the allocator's
    /// fragmentation hold beyond tensors, in bytes. Default 1 GiB, a rule of thumb
    /// (a CUDA context alone takes 300-500 MiB).
    public var reservedMemoryBytes: Double = 1_073_741_824

    /// How convolutions become matrix products. `.implicit` (the default): the
    /// product reads the input in place, as cuDNN's implicit-GEMM kernels and
    /// cuda-convnet do, so a pass costs its roofline alone. `.im2col`: the input is
    /// first unfolded into a column matrix (Caffe; ScaleCast's CPU executor), and
    /// writing and reading that matrix back adds `loweringBytes / (bandwidth ×
    /// memory efficiency)` (or `/ loweringBytesPerSecond`) plus `loweringRows ×
    /// loweringRowSeconds` after the roofline, a separate pass that does not overlap.
    public var convolutionLowering: ConvolutionLowering = .implicit
    /// Bytes per second of im2col traffic, if measured (a column matrix is often
    /// still in cache when the product reads it); nil: the device memory bandwidth
    /// × `memoryEfficiency(on:)`.
    public var loweringBytesPerSecond: Double?
    /// Fixed time per row segment of im2col traffic (`ComputeWork.loweringRows`), in
    /// seconds, added to the bytes' time. Default 0: a GPU's lowering moves long
    /// rows in parallel; measured for the CPU executor, whose im2col loops over
    /// rows of a few dozen floats (9-12 ns a row fitted on the development machine,
    /// BENCHMARKS.md "fourth session").
    public var loweringRowSeconds: Double = 0

    /// Best efficiencies a scenario sets explicitly; they win over the GPU's own
    /// catalog figure, which wins over `maxEfficiency`.
    public var maxEfficiencyOverride: [Precision: Double] = [:]
    /// Half-saturation dimensions a scenario (or its profile) sets explicitly; they
    /// win over the GPU's own catalog figure, which wins over `halfSaturationDimension`.
    public var halfSaturationOverride: [Precision: Double] = [:]

    public init() {}

    public enum ConvolutionLowering: String, CaseIterable, Sendable {
        case implicit, im2col
    }

    /// The fraction of `gpu`'s peak memory bandwidth streaming kernels reach:
    /// `memoryEfficiencyOverride`, else the GPU's measured figure, else `defaultMemoryEfficiency`.
    public func memoryEfficiency(on gpu: GPUSpec) -> Double {
        memoryEfficiencyOverride ?? gpu.memoryEfficiency ?? defaultMemoryEfficiency
    }

    public func maxEfficiency(_ precision: Precision) -> Double { maxEfficiency[precision] ?? 0.76 }
    public func halfSaturation(_ precision: Precision) -> Double { halfSaturationDimension[precision] ?? 32 }
}
