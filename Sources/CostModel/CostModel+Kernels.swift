import Parallelism
import Software
import Workload

extension CostModel {
    /// A convolution kernel with its predicted time.
    public struct PricedKernel: Sendable, Equatable {
        public var kernel: ConvolutionKernel
        /// Seconds on this GPU, launch included.
        public var seconds: Double
    }

    /// Every algorithm the library offers for `pass` on this GPU's architecture
    /// (`ConvolutionAlgorithm.isOffered(onArchitecture:)`) that applies to the shape and
    /// that `algorithmChoice` considers, priced, whether or not its workspace fits;
    /// implicit GEMM first (a depthwise convolution's one candidate is a direct kernel, PyTorch's own where
    /// `depthwiseKernels` says PyTorch runs them; another grouped convolution's are
    /// the library's and, where it has grouped direct kernels, `direct` last). The
    /// first needs no workspace. On a GPU without units for the precision (fp16 computed
    /// in fp32, `RunSpec.precisionNote`), or whose units for it are tensor cores that the
    /// library has no kernels for (`libraryReachesTensorCores`: cuDNN before v7 on a V100),
    /// no kernel runs on tensor cores, so none pays NCHW transposes or takes the
    /// precision's efficiencies.
    public func candidateKernels(for pass: ConvolutionPass, of work: ConvolutionWork) -> [PricedKernel] {
        // Depthwise convolutions run as direct kernels in every library.
        let depthwise: ConvolutionAlgorithm = runsPyTorchDepthwiseKernels(work) ? .pytorchDepthwise : .direct
        let libraryHasGroupedDirect = (kernelLibrary?.groupedDirectKernels ?? false) && !groupedConvolutionsPerGroup
        var offered: [ConvolutionAlgorithm] = work.geometry.isDepthwise
            ? [depthwise]
            : (kernelLibrary?.offered(for: pass) ?? [.implicitGEMM])
                .filter { algorithmChoice.considers($0) && $0.isOffered(onArchitecture: gpu.architecture) }
        if libraryHasGroupedDirect && work.geometry.groups > 1 && !work.geometry.isDepthwise && !offered.contains(.direct) {
            offered.append(.direct)
        }
        let hasUnits = gpu.unitsRunning(precision.rawValue) == precision.rawValue && libraryReachesTensorCores
        var kernels: [PricedKernel] = offered.compactMap { algorithm in
            guard var kernel = ConvolutionKernel(algorithm, pass: pass, work: work, precision: precision,
                                                 groupedDirectKernels: libraryHasGroupedDirect) else { return nil }
            if !hasUnits { kernel.usesTensorCores = false }
            return PricedKernel(kernel: kernel, seconds: seconds(for: kernel))
        }
        if precision == .tf32 && hasUnits {
            kernels += kernels.filter(\.kernel.usesTensorCores).map { tensor in
                var cudaCores = tensor.kernel
                cudaCores.usesTensorCores = false
                return PricedKernel(kernel: cudaCores, seconds: seconds(for: cudaCores))
            }
        }
        return kernels
    }

    /// The kernel that runs: the fastest candidate whose workspace fits the limit,
    /// as cuDNN's `cudnnFind*Algorithm` with a workspace bound chooses (implicit
    /// GEMM needs none, so there always is one); ties go to the earlier listed.
    public func chosenKernel(for pass: ConvolutionPass, of work: ConvolutionWork) -> PricedKernel {
        let fitting = candidateKernels(for: pass, of: work).filter { $0.kernel.workspaceBytes <= (workspaceLimitBytes ?? .infinity) }
        var best = fitting[0]
        for candidate in fitting.dropFirst() where candidate.seconds < best.seconds { best = candidate }
        return best
    }

    /// Whether `work` is a depthwise convolution that runs PyTorch's own kernels
    /// (`DepthwiseKernels.runsPyTorchKernels`: NCHW tensors, not fp16).
    func runsPyTorchDepthwiseKernels(_ work: ConvolutionWork) -> Bool {
        work.geometry.isDepthwise && depthwiseKernels.runsPyTorchKernels(memoryFormat: memoryFormat, precision: precision)
    }

    /// The best fraction of peak `pass`'s kernels reach at `precision`: the
    /// scenario's `max_efficiency` override, else the GPU's fitted kernel efficiency
    /// (`GPUSpec.kernelEfficiency`), else its large-GEMM `maxEfficiency`.
    public func kernelCeiling(_ pass: ConvolutionPass, precision: Precision) -> Double {
        if let override = parameters.maxEfficiencyOverride[precision] { return override }
        return gpu.kernelEfficiency[precision.rawValue]?[pass.catalogKey] ?? maxEfficiency(precision)
    }

    /// The depth of k one main-loop iteration of a GEMM kernel covers: 8 for CUDA-core
    /// (SIMT) kernels and 32 for tensor-core kernels, CUTLASS's default threadblock K
    /// for each (`cutlass/gemm/device/default_gemm_configuration.h`).
    static func iterationDepth(_ rate: Precision) -> Double { rate == .fp32 ? 8 : 32 }

    /// The share of the ceiling a kernel's product shape allows (1 for a direct kernel).
    ///
    /// Where the ceiling is the GPU's fitted kernel efficiency for this precision and
    /// pass (`GPUSpec.kernelEfficiency`, fitted with this same shape model; no scenario
    /// `max_efficiency` overrides it) and its SM count is known:
    /// `TileQuantization.utilization(m, n, k, SMs, batch) · k / (k + k_it)`,
    /// the SMs kept busy by all the batch's tiles (`ConvolutionKernel.batchedProducts`)
    /// times the main loop's share of the kernel (its prologue and epilogue cost about
    /// one iteration of depth `k_it`). Elsewhere, the cost model's saturating curve
    /// `s(m) · s(n · batch) · s(k)`, `s(x) = x / (x + x½)`, which a scenario's
    /// `max_efficiency` (a layer-times profile's, say) was fitted with.
    func shapeEfficiency(_ kernel: ConvolutionKernel, rate: Precision) -> Double {
        if kernel.isDirect { return 1 }
        let (m, n, k) = kernel.gemm
        if let sms = gpu.streamingMultiprocessors, parameters.maxEfficiencyOverride[rate] == nil,
           gpu.kernelEfficiency[rate.rawValue]?[kernel.pass.catalogKey] != nil {
            let depth = Self.iterationDepth(rate)
            return TileQuantization.utilization(m: m, n: n, k: k, sms: sms, batch: kernel.batchedProducts) * k / (k + depth)
        }
        let half = halfSaturation(rate)
        func saturation(_ x: Double) -> Double { x / (x + half) }
        return saturation(m) * saturation(n * kernel.batchedProducts) * saturation(k)
    }

    /// Time of one convolution kernel: a roofline, with separate transform kernels
    /// added after the product.
    ///
    /// `t = kernels · launch + max(products / (peak · e(m, n, k)), bytes / (bandwidth · memory efficiency))`
    /// with `e(m, n, k) = kernelCeiling · shapeEfficiency`,
    /// for kernels whose transforms stay on chip (implicit GEMM, fused Winograd), and
    /// `t = kernels · launch + products / (peak · e(m, n, k)) + max(fft / (peak · e_max), bytes / (bandwidth · memory efficiency))`
    /// for non-fused Winograd and FFT. Products on tensor cores run at the
    /// precision's peak, the others at the fp32 peak with fp32's efficiency curve.
    /// PyTorch's own depthwise kernels' data and filter gradients (`pytorch-depthwise`)
    /// reach `e = DepthwiseKernels.pytorchBackwardEfficiency` of the fp32 peak
    /// instead, whatever the GPU's fitted figures (they are no cuDNN kernels).
    /// On NCHW tensors (`memoryFormat`) a tensor-core kernel also pays its layout
    /// transposes, `layoutTransposeSeconds`.
    public func seconds(for kernel: ConvolutionKernel) -> Double {
        let rate: Precision = kernel.usesTensorCores ? precision : .fp32
        let peak = peakFLOPsPerSecond(rate)
        let productTime = kernel.algorithm == .pytorchDepthwise && kernel.pass != .forward
            ? kernel.productFLOPs / (peak * DepthwiseKernels.pytorchBackwardEfficiency)
            : kernel.productFLOPs / (peak * kernelCeiling(kernel.pass, precision: rate) * shapeEfficiency(kernel, rate: rate))
        let memoryTime = kernel.memoryBytes / streamingBytesPerSecond
        let launches = Double(kernel.kernels) * parameters.launchOverheadSeconds
        let transposes = layoutTransposeSeconds(kernel)
        guard kernel.separateTransforms else { return launches + max(productTime, memoryTime) + transposes }
        let fftPeak = peakFLOPsPerSecond(.fp32) * maxEfficiency(.fp32)
        return launches + productTime + max(kernel.transformFLOPs / fftPeak, memoryTime) + transposes
    }

    /// Seconds a tensor-core kernel spends transposing NCHW operands to NHWC and its
    /// result back (`MemoryFormat`); 0 on NHWC tensors and for CUDA-core kernels. Each
    /// operand and the result is read and written once by its own memory-bound
    /// transpose kernel:
    /// `2 · operand bytes / (bandwidth · memory efficiency) + 2 · launch` (one
    /// transpose kernel in, one out).
    public func layoutTransposeSeconds(_ kernel: ConvolutionKernel) -> Double {
        guard memoryFormat == .nchw, kernel.usesTensorCores else { return 0 }
        return 2 * kernel.operandBytes / streamingBytesPerSecond + 2 * parameters.launchOverheadSeconds
    }
}

extension ConvolutionPass {
    /// The pass's key in the catalog's `kernel_efficiency` tables.
    public var catalogKey: String {
        switch self {
        case .forward: return "forward"
        case .backwardData: return "backward_data"
        case .backwardFilter: return "backward_filter"
        }
    }
}
