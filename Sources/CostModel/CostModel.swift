import Hardware
import Parallelism
import Software
import Workload

/// Prices compute work on one GPU: a roofline whose compute roof depends on the
/// shape of the matrix product and on the precision.
public struct CostModel: Sendable {
    public var gpu: GPUSpec { didSet { rates = Self.rates(gpu: gpu, parameters: parameters) } }
    public var precision: Precision
    public var parameters: CostParameters { didSet { rates = Self.rates(gpu: gpu, parameters: parameters) } }
    /// The library whose convolution algorithms are chosen from, pass by pass
    /// (`ConvolutionKernel`); nil: each convolution task is priced as one product
    /// of the forward's shape, ScaleCast's earlier model.
    public var kernelLibrary: KernelLibrary?
    /// The most workspace one convolution kernel may use, in bytes; nil: no limit.
    public var workspaceLimitBytes: Double?
    /// How the stack picks among the library's algorithms (`AlgorithmChoice`).
    public var algorithmChoice: AlgorithmChoice
    /// How activations are laid out: with `nchw`, a library's tensor-core
    /// convolution kernels pay for transposes (`seconds(for:)`).
    public var memoryFormat: MemoryFormat
    /// Whose kernels run depthwise convolutions: the library's, or PyTorch's own
    /// where PyTorch picks them (`DepthwiseKernels`).
    public var depthwiseKernels: DepthwiseKernels
    /// Whether the framework calls the library once per group of a grouped convolution
    /// (`ExecutionProfile.groupedConvolutionsPerGroup`), so the library's grouped direct
    /// kernels are no candidates.
    public var groupedConvolutionsPerGroup: Bool

    /// What pricing reads for products run at one precision: its peak and the
    /// efficiency curve's two figures.
    struct Rates: Sendable {
        var peakFLOPsPerSecond: Double
        var maxEfficiency: Double
        var halfSaturation: Double
        /// The curve of products that are not convolutions (`GPUSpec.gemmCurve`), else the two above.
        var gemmMaxEfficiency: Double
        var gemmHalfSaturation: Double
    }
    /// `Rates` per precision, in the order `rates(_:)` reads them, resolved once from the
    /// catalog and the overrides (dictionaries keyed by name) whenever `gpu` or
    /// `parameters` is set, not on every task priced.
    private var rates: [Rates]

    /// A precision the GPU has no units for takes the figures of the units that run it
    /// (`GPUSpec.unitsRunning`: fp16 on a Maxwell board computes in fp32, at fp32's peak and
    /// with fp32's efficiencies), so that it prices no slower than those units' own precision.
    static func rates(gpu: GPUSpec, parameters: CostParameters) -> [Rates] {
        [Precision.fp32, .tf32, .fp16, .bf16].map { asked in
            let p = Precision(rawValue: gpu.unitsRunning(asked.rawValue)) ?? asked
            let best = parameters.maxEfficiencyOverride[p] ?? gpu.maxEfficiency[p.rawValue] ?? parameters.maxEfficiency(p)
            let half = parameters.halfSaturationOverride[p] ?? gpu.halfSaturation[p.rawValue] ?? parameters.halfSaturation(p)
            // A scenario's own curve (either figure) prices every product, the catalog's GEMM curve none.
            let overridden = parameters.maxEfficiencyOverride[p] != nil || parameters.halfSaturationOverride[p] != nil
            let gemm = overridden ? nil : gpu.gemmCurve[p.rawValue]
            return Rates(peakFLOPsPerSecond: gpu.peakFLOPsPerSecond(precision: p.rawValue), maxEfficiency: best, halfSaturation: half,
                         gemmMaxEfficiency: gemm?.maxEfficiency ?? best, gemmHalfSaturation: gemm?.halfSaturation ?? half)
        }
    }

    private func rates(_ precision: Precision) -> Rates {
        switch precision {
        case .fp32: return rates[0]
        case .tf32: return rates[1]
        case .fp16: return rates[2]
        case .bf16: return rates[3]
        }
    }

    public init(gpu: GPUSpec, precision: Precision, parameters: CostParameters = CostParameters(),
                kernelLibrary: KernelLibrary? = nil, workspaceLimitBytes: Double? = nil, algorithmChoice: AlgorithmChoice = .fastest,
                memoryFormat: MemoryFormat = .nhwc,
                depthwiseKernels: DepthwiseKernels = .library, groupedConvolutionsPerGroup: Bool = false) {
        self.gpu = gpu
        self.precision = Self.computed(precision, on: gpu)
        self.parameters = parameters
        self.kernelLibrary = kernelLibrary
        self.workspaceLimitBytes = workspaceLimitBytes
        self.algorithmChoice = algorithmChoice
        self.memoryFormat = memoryFormat
        self.depthwiseKernels = depthwiseKernels
        self.groupedConvolutionsPerGroup = groupedConvolutionsPerGroup
        rates = Self.rates(gpu: gpu, parameters: parameters)
    }

    /// The precision products of `asked` compute in on `gpu`: TF32 on a GPU without a TF32
    /// peak (before Ampere) is plain fp32, its peak, efficiencies and kernel tables alike, as
    /// PyTorch's TF32 switch does nothing there (scenarios say so: `RunSpec.precisionNote`);
    /// any other precision as asked (bf16 without bf16 units is fp16, decided where the
    /// scenario is read, since the run's memory is fp16's too).
    public static func computed(_ asked: Precision, on gpu: GPUSpec) -> Precision {
        asked == .tf32 && gpu.peakFLOPsPerSecond[Precision.tf32.rawValue] == nil ? .fp32 : asked
    }

    /// Whether the run's products reach the GPU's tensor cores: false on a GPU with tensor cores
    /// (`GPUSpec.hasTensorCores`) whose kernel library has none for the precision
    /// (`KernelLibrary.tensorCorePrecisions`: cuDNN before v7, and the cuBLAS of its CUDA, for
    /// fp16), where its products run on the CUDA cores at the fp32 rate.
    public var libraryReachesTensorCores: Bool {
        !(gpu.hasTensorCores && precision != .fp32 && !(kernelLibrary?.hasTensorCoreKernels(for: precision.rawValue) ?? true))
    }

    /// The peak of products run at `precision` on this GPU (`GPUSpec.peakFLOPsPerSecond`).
    public func peakFLOPsPerSecond(_ precision: Precision) -> Double { rates(precision).peakFLOPsPerSecond }

    /// The fraction of peak a matrix product of shape (m, n, k) reaches:
    /// `e_max · s(m) · s(n) · s(k)` with `s(x) = x / (x + x½)`, a saturating curve in
    /// each dimension (small products cannot fill the GPU's units). Work that is
    /// not a matrix product (pooling, normalisation) gets `e_max`: it is bound by
    /// memory traffic anyway.
    /// - Returns: a fraction in (0, e_max].
    public func efficiency(m: Double, n: Double, k: Double) -> Double {
        efficiency(m: m, n: n, k: k, precision: precision)
    }

    /// As `efficiency(m:n:k:)`, for products run at `precision`'s rate (a Winograd
    /// product runs on the CUDA cores, at fp32's, whatever the training precision).
    public func efficiency(m: Double, n: Double, k: Double, precision: Precision) -> Double {
        let r = rates(precision)
        return Self.saturating(best: r.maxEfficiency, half: r.halfSaturation, m: m, n: n, k: k)
    }

    /// The fraction of peak a matrix product that is not a convolution (a fully connected
    /// layer, run by the vendor BLAS) reaches: `efficiency(m:n:k:)` on the GPU's measured
    /// GEMM size curve (`GPUSpec.gemmCurve`) where the catalog has one and the scenario sets
    /// no curve of its own, else `efficiency(m:n:k:)` itself.
    /// - Returns: a fraction in (0, 1].
    public func gemmEfficiency(m: Double, n: Double, k: Double) -> Double {
        gemmEfficiency(m: m, n: n, k: k, precision: precision)
    }

    /// As `gemmEfficiency(m:n:k:)`, for products run at `precision`'s rate.
    public func gemmEfficiency(m: Double, n: Double, k: Double, precision: Precision) -> Double {
        let r = rates(precision)
        return Self.saturating(best: r.gemmMaxEfficiency, half: r.gemmHalfSaturation, m: m, n: n, k: k)
    }

    /// `best · s(m) · s(n) · s(k)` with `s(x) = x / (x + half)`: the saturating size curve.
    private static func saturating(best: Double, half: Double, m: Double, n: Double, k: Double) -> Double {
        func s(_ x: Double) -> Double { x / (x + half) }
        return best * s(m) * s(n) * s(k)
    }

    /// Bytes per second streaming (memory-bound) kernels move on this GPU, read and
    /// written counted: peak bandwidth × `CostParameters.memoryEfficiency(on:)` (the
    /// scenario's figure, else the GPU's measured one, else the default).
    public var streamingBytesPerSecond: Double { gpu.memoryBytesPerSecond * parameters.memoryEfficiency(on: gpu) }

    /// The best fraction of peak a large product reaches: the scenario's override,
    /// else the GPU's catalog figure, else the default of `CostParameters`.
    public var maxEfficiency: Double { maxEfficiency(precision) }

    /// `maxEfficiency` for products run at `precision`.
    public func maxEfficiency(_ precision: Precision) -> Double { rates(precision).maxEfficiency }

    /// The dimension x½ of the saturating curve for products run at `precision`: the
    /// scenario's override, else the GPU's catalog figure (a measured size curve),
    /// else the default of `CostParameters`.
    public func halfSaturation(_ precision: Precision) -> Double { rates(precision).halfSaturation }

    /// Time for a compute task bounded by arithmetic or by memory traffic (the roofline).
    ///
    /// `t = kernels · launch + max(flops / (peak · efficiency), bytes / (bandwidth · memory efficiency))`
    /// (`efficiency`: `gemmEfficiency` for a product that is not a convolution, `efficiency(m:n:k:)` for one),
    /// plus `lowering bytes / (bandwidth · memory efficiency) + lowering rows · row time`
    /// when convolutions are lowered by im2col (`CostParameters.convolutionLowering`;
    /// over `loweringBytesPerSecond` where measured; `loweringRowSeconds` a row
    /// segment, the alpha of an alpha-beta copy model).
    /// - Parameter work: the task's FLOPs, bytes and product shape.
    /// - Returns: seconds, >= 0.
    public func seconds(for work: ComputeWork) -> Double {
        if let convolution = work.convolution, kernelLibrary != nil || runsPyTorchDepthwiseKernels(convolution) {
            return convolution.passes.reduce(0) { $0 + chosenKernel(for: $1, of: convolution).seconds }
        }
        // A depthwise convolution is cuDNN's direct kernel on the CUDA cores (`ConvolutionAlgorithm.direct`):
        // a roofline at the fp32 peak, without a matrix product's shape.
        let depthwise = work.convolution?.geometry.isDepthwise == true
        // Products a library without tensor-core kernels for the precision runs on the CUDA cores (`libraryReachesTensorCores`).
        let rate: Precision = depthwise || !libraryReachesTensorCores ? .fp32 : precision
        let peak = peakFLOPsPerSecond(rate)
        let eff: Double
        if depthwise {
            eff = maxEfficiency(.fp32)
        } else if let g = work.gemm {
            eff = work.convolution == nil ? gemmEfficiency(m: g.m, n: g.n, k: g.k, precision: rate)
                : efficiency(m: g.m, n: g.n, k: g.k, precision: rate)
        } else {
            eff = maxEfficiency(rate)
        }
        let computeTime = work.flops > 0 ? work.flops / (peak * eff) : 0
        let bandwidth = streamingBytesPerSecond
        let memoryTime = work.memoryBytes / bandwidth
        let loweringTime = parameters.convolutionLowering == .im2col
            ? work.loweringBytes / (parameters.loweringBytesPerSecond ?? bandwidth) + work.loweringRows * parameters.loweringRowSeconds : 0
        return Double(work.kernels) * parameters.launchOverheadSeconds + max(computeTime, memoryTime) + loweringTime
    }
}
