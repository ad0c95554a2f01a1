import Foundation
import Parallelism
import Software
import Workload

/// What one convolution algorithm does for one pass, counted from the shapes:
/// the arithmetic of its matrix products, the traffic of its transforms and the
/// workspace it needs. `CostModel` turns it into seconds.
///
/// Counts use the whole task's batch `N` and the GPU's share `f` of the output
/// channels; `C` input channels, `K` output channels, `g` groups; element counts
/// are multiplied by the precision's bytes per activation.
public struct ConvolutionKernel: Sendable, Equatable {
    public var algorithm: ConvolutionAlgorithm
    public var pass: ConvolutionPass
    /// FLOPs of the matrix products (a multiply-add counts 2).
    public var productFLOPs: Double
    /// The shape of each product, as the cost model's efficiency curve reads it.
    public var gemm: (m: Double, n: Double, k: Double)
    /// How many products of that shape one batched kernel computes (1: a single product).
    public var batchedProducts: Double = 1
    /// FLOPs of the FFTs (0 for the other algorithms).
    public var transformFLOPs: Double
    /// Bytes the pass reads and writes in device memory: its input, output and
    /// weights, plus whatever its transforms write to the workspace and read back.
    public var memoryBytes: Double
    /// Bytes of the pass's operands and result alone (its input, output and weights).
    public var operandBytes: Double
    /// Whether the transforms are separate kernels whose traffic adds to the
    /// product's time (non-fused Winograd, FFT) rather than overlapping it.
    public var separateTransforms: Bool
    /// Device memory the algorithm needs beside its operands, in bytes.
    public var workspaceBytes: Double
    /// Kernels launched.
    public var kernels: Int
    /// Whether the products run on tensor cores at the precision's peak; false:
    /// on the CUDA cores at the fp32 peak (cuDNN's Winograd and FFT kernels, direct kernels).
    public var usesTensorCores: Bool
    /// Whether the kernel is a direct loop, priced without a matrix product's shape.
    public var isDirect: Bool { algorithm == .direct || algorithm == .pytorchDepthwise }

    public static func == (a: ConvolutionKernel, b: ConvolutionKernel) -> Bool {
        a.algorithm == b.algorithm && a.pass == b.pass && a.productFLOPs == b.productFLOPs && a.gemm.m == b.gemm.m
            && a.gemm.n == b.gemm.n && a.gemm.k == b.gemm.k && a.transformFLOPs == b.transformFLOPs && a.memoryBytes == b.memoryBytes
            && a.separateTransforms == b.separateTransforms && a.workspaceBytes == b.workspaceBytes && a.kernels == b.kernels
            && a.usesTensorCores == b.usesTensorCores && a.operandBytes == b.operandBytes && a.batchedProducts == b.batchedProducts
    }

    /// The largest padded image side cuDNN's FFT accepts (its documentation: the
    /// input height and width plus twice the padding must be at most 256).
    public static let largestFFTSide = 256

    /// `algorithm` for `pass` of `work`, or nil when the algorithm does not apply to
    /// the shape: Winograd needs square 3x3 (fused: 3x3 only) or 5x5 filters, stride 1
    /// and one group; FFT needs stride 1, one group and a padded side of at most 256;
    /// the direct kernels, a depthwise convolution, or for `direct` any grouped one when
    /// `groupedDirectKernels` (the library has grouped direct kernels,
    /// `KernelLibrary.groupedDirectKernels`).
    public init?(_ algorithm: ConvolutionAlgorithm, pass: ConvolutionPass, work: ConvolutionWork, precision: Precision,
                 groupedDirectKernels: Bool = false) {
        let s = work.geometry
        let n = work.batch, f = work.fraction
        let c = Double(s.inputChannels), k = Double(s.outputChannels) * f, g = Double(s.groups)
        let act = Double(precision.activationBytes)
        let weights = k * (c / g) * Double(s.kernelHeight * s.kernelWidth)
        let inputElements = n * c * Double(s.inputHeight * s.inputWidth)
        let outputElements = n * k * Double(s.outputHeight * s.outputWidth)
        let ioBytes = (inputElements + outputElements + weights) * act
        let multiplyAdds = s.multiplyAdds * n * f
        let strideOneOneGroup = s.strideHeight == 1 && s.strideWidth == 1 && s.groups == 1
        self.algorithm = algorithm
        self.pass = pass
        self.usesTensorCores = false
        self.operandBytes = ioBytes
        switch algorithm {
        case .implicitGEMM:
            // Implicit GEMM (Chetlur et al. 2014, §3): the forward product is
            // [K/g × C/g·kh·kw] · [C/g·kh·kw × N·Ho·Wo]; the data gradient's is
            // [C/g × K/g·kh·kw] · [.. × N·Hi·Wi] and the filter gradient's
            // [K/g × N·Ho·Wo] · [N·Ho·Wo × C/g·kh·kw]. Each does 2·MACs FLOPs; the
            // data gradient's inner dimension follows from them (strides shrink it).
            productFLOPs = 2 * multiplyAdds
            switch pass {
            case .forward:
                gemm = (k / g, n * Double(s.outputHeight * s.outputWidth), (c / g) * Double(s.kernelHeight * s.kernelWidth))
            case .backwardData:
                let m = c / g, cols = n * Double(s.inputHeight * s.inputWidth)
                gemm = (m, cols, multiplyAdds / (g * m * cols))
            case .backwardFilter:
                gemm = (k / g, (c / g) * Double(s.kernelHeight * s.kernelWidth), n * Double(s.outputHeight * s.outputWidth))
            }
            transformFLOPs = 0
            memoryBytes = ioBytes
            separateTransforms = false
            workspaceBytes = 0
            kernels = 1
            usesTensorCores = precision != .fp32

        case .winogradFused, .winogradNonfused:
            // Winograd F(m×m, r×r) (Lavin & Gray 2016, eq. 8-10): an m×m output tile
            // from an α×α input tile, α = m + r − 1, with α² multiplies per channel
            // pair instead of m²·r². Over T tiles of the pass's output image the
            // products are α² matrix products of 2·T·N·C·K FLOPs each.
            let r = s.kernelHeight
            guard strideOneOneGroup, s.kernelWidth == r else { return nil }
            let tile: Int
            switch (algorithm, r) {
            case (.winogradFused, 3): tile = 2
            case (.winogradNonfused, 3): tile = 4
            case (.winogradNonfused, 5): tile = 2
            default: return nil
            }
            let alpha = Double(tile + r - 1)
            let (height, width) = pass == .backwardData ? (s.inputHeight, s.inputWidth) : (s.outputHeight, s.outputWidth)
            let tiles = n * ceil(Double(height) / Double(tile)) * ceil(Double(width) / Double(tile))
            productFLOPs = 2 * alpha * alpha * tiles * c * k
            switch pass {
            case .forward: gemm = (k, tiles, c)
            case .backwardData: gemm = (c, tiles, k)
            case .backwardFilter: gemm = (k, c, tiles)
            }
            transformFLOPs = 0
            if algorithm == .winogradFused {
                // Transforms in registers and shared memory: only the operands move.
                memoryBytes = ioBytes
                separateTransforms = false
                workspaceBytes = 0
                kernels = 1
            } else {
                // The three transformed tensors (data tiles, the other operand's
                // tiles or the filters, the product) are written and read back once.
                let transformed = alpha * alpha * (tiles * c + tiles * k + k * c)
                memoryBytes = ioBytes + 2 * transformed * act
                separateTransforms = true
                workspaceBytes = transformed * act
                kernels = 4
                batchedProducts = alpha * alpha
            }

        case .direct, .pytorchDepthwise:
            // A depthwise convolution's per-channel products are 1 × (kh·kw) by
            // N·Ho·Wo: no matrix product worth the name, so the kernel is a loop over
            // taps on the CUDA cores, priced without a product shape (`CostModel`).
            // cuDNN's grouped direct kernels run any grouped convolution the same way
            // where the library has them (`groupedDirectKernels`); PyTorch's own, depthwise only.
            let isGroupedDirect = algorithm == .direct && groupedDirectKernels && s.groups > 1
            guard s.isDepthwise || isGroupedDirect else { return nil }
            productFLOPs = 2 * multiplyAdds
            gemm = (k, n * Double(s.outputHeight * s.outputWidth), (c / g) * Double(s.kernelHeight * s.kernelWidth))
            transformFLOPs = 0
            memoryBytes = ioBytes
            separateTransforms = false
            workspaceBytes = 0
            kernels = 1

        case .fft:
            // FFT convolution (Mathieu, Henaff & LeCun 2014; Vasilache et al. 2015):
            // transform every input map, filter and output map on a P×Q grid
            // (powers of two ≥ H + kh − 1), multiply spectra pointwise, which is one
            // complex product [K × C]·[C × N] per frequency (8 real FLOPs per complex
            // multiply-add, P·(Q/2 + 1) frequencies of a real transform), and
            // transform back; a real 2-D FFT costs 2.5·P·Q·log2(P·Q) FLOPs.
            guard strideOneOneGroup else { return nil }
            func paddedSide(_ x: Int, _ r: Int) -> Int { var p = 1; while p < x + r - 1 { p *= 2 }; return p }
            let p = paddedSide(s.outputHeight, s.kernelHeight), q = paddedSide(s.outputWidth, s.kernelWidth)
            guard p <= Self.largestFFTSide, q <= Self.largestFFTSide else { return nil }
            let frequencies = Double(p) * Double(q / 2 + 1)
            productFLOPs = 8 * n * c * k * frequencies
            batchedProducts = frequencies
            switch pass {
            case .forward: gemm = (k, n, c)
            case .backwardData: gemm = (c, n, k)
            case .backwardFilter: gemm = (k, c, n)
            }
            let maps = n * c + k * c + n * k
            transformFLOPs = maps * 2.5 * Double(p * q) * log2(Double(p * q))
            let spectra = maps * frequencies * 2   // complex elements, two reals each
            memoryBytes = ioBytes + 2 * spectra * act
            separateTransforms = true
            workspaceBytes = spectra * act
            kernels = 4
        }
    }
}
