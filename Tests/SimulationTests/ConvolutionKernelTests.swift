import CostModel
import Foundation
import Hardware
import Parallelism
import Software
import Testing
import Workload

/// The kernel model: each convolution algorithm's arithmetic against its closed
/// form, and the library's choice among them.
@Suite struct ConvolutionKernelTests {
    /// A GPU with round figures: 10 TFLOP/s fp32, 100 TFLOP/s fp16 on tensor cores, 1 TB/s.
    let gpu = GPUSpec(name: "test", architecture: "test", memoryBytes: 1e10, memoryBytesPerSecond: 1e12,
                      peakFLOPsPerSecond: ["fp32": 1e13, "fp16": 1e14], hostLink: "pcie3-x16", source: "test")

    /// A 3x3, stride-1, 'same' convolution of C → K channels on an H×W image.
    func conv(c: Int = 64, k: Int = 128, size: Int = 56, kernel: Int = 3, stride: Int = 1, groups: Int = 1) -> ConvolutionGeometry {
        let out = (size + 2 * (kernel / 2) - kernel) / stride + 1
        return ConvolutionGeometry(inputChannels: c, outputChannels: k, groups: groups, inputHeight: size, inputWidth: size,
                                   outputHeight: out, outputWidth: out, kernelHeight: kernel, kernelWidth: kernel,
                                   strideHeight: stride, strideWidth: stride)
    }

    func work(_ g: ConvolutionGeometry, batch: Double = 32, passes: [ConvolutionPass] = [.forward]) -> ConvolutionWork {
        ConvolutionWork(geometry: g, batch: batch, fraction: 1, passes: passes)
    }

    func library(_ name: String) throws -> KernelLibrary {
        try #require(ProfileCatalog.builtIn().libraries.first { $0.name == name })
    }

    /// TF32 on a GPU without a TF32 peak is plain fp32 in the cost model itself, whoever
    /// builds it: every pass and algorithm, and a matrix product, priced as fp32's to the bit;
    /// on a GPU with a TF32 peak TF32 stays TF32 and runs faster than fp32.
    @Test func tf32WithoutTF32UnitsPricesAsFP32() throws {
        let cudnn8 = try library("cudnn-8")
        let tf32 = CostModel(gpu: gpu, precision: .tf32, kernelLibrary: cudnn8)
        let fp32 = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: cudnn8)
        #expect(tf32.precision == .fp32)
        let conv = ComputeWork(flops: 0, memoryBytes: 0, convolution: work(conv(), passes: ConvolutionPass.allCases))
        #expect(tf32.seconds(for: conv) == fp32.seconds(for: conv) && fp32.seconds(for: conv) > 0)
        let product = ComputeWork(flops: 2 * 1024 * 1024 * 64, memoryBytes: 1e6, gemm: (1024, 1024, 64))
        #expect(tf32.seconds(for: product) == fp32.seconds(for: product))
        var withTF32 = gpu
        withTF32.peakFLOPsPerSecond["tf32"] = 5e13
        let ampere = CostModel(gpu: withTF32, precision: .tf32, kernelLibrary: cudnn8)
        #expect(ampere.precision == .tf32 && ampere.seconds(for: conv) < CostModel(gpu: withTF32, precision: .fp32, kernelLibrary: cudnn8).seconds(for: conv))
    }

    /// TF32 allows tensor-core kernels and leaves the fp32 ones to choose from (cuDNN's math
    /// mode; `cudnnFind*` runs both): on every catalog GPU with TF32 units, in either layout,
    /// no convolution pass is slower in TF32 than in fp32. An RTX 3090, whose TF32 peak is its
    /// fp32 peak, ran ResNet-50 17% slower in TF32 while only tensor-core kernels were priced.
    @Test func tf32IsNeverSlowerThanFP32() throws {
        let cudnn8 = try library("cudnn-8")
        let shapes = [conv(c: 3, k: 64, size: 224, kernel: 7, stride: 2), conv(c: 64, k: 64, size: 56, kernel: 1), conv(),
                      conv(c: 512, k: 512, size: 7), conv(c: 128, k: 128, size: 28, groups: 32)]
        let withTF32 = try Catalog.builtIn().gpus.filter { $0.unitsRunning("tf32") == "tf32" }
        #expect(withTF32.contains { $0.name == "RTX-3090" } && withTF32.contains { $0.name == "A100-SXM4-80GB" })
        for gpu in withTF32 {
            for format in [MemoryFormat.nchw, .nhwc] {
                let tf32 = CostModel(gpu: gpu, precision: .tf32, kernelLibrary: cudnn8, memoryFormat: format)
                let fp32 = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: cudnn8, memoryFormat: format)
                for shape in shapes {
                    for pass in ConvolutionPass.allCases {
                        let fast = tf32.chosenKernel(for: pass, of: work(shape)).seconds
                        let plain = fp32.chosenKernel(for: pass, of: work(shape)).seconds
                        #expect(fast <= plain, "\(gpu.name) \(format) \(pass) \(shape.inputChannels)->\(shape.outputChannels): \(fast) > \(plain)")
                    }
                }
            }
        }
        // On the RTX 3090 some pass runs on the CUDA cores: a tensor-core kernel alone was slower there.
        let geforce = try #require(withTF32.first { $0.name == "RTX-3090" })
        let chosen = CostModel(gpu: geforce, precision: .tf32, kernelLibrary: cudnn8, memoryFormat: .nchw)
            .chosenKernel(for: .forward, of: work(conv()))
        #expect(!chosen.kernel.usesTensorCores)
    }

    /// A library without tensor-core kernels (cuDNN before v7) computes fp16 convolutions on a
    /// tensor-core GPU at the fp32 rate with fp16 tensors: on a V100 every candidate runs on the
    /// CUDA cores, the implicit GEMM's product takes fp32's time while it moves half fp32's bytes,
    /// and each pass is slower than under cuDNN 7; on a P100, whose fp16 peak is its CUDA cores'
    /// paired rate, the library keeps it.
    @Test func librariesWithoutTensorCoreKernelsComputeFP16AtTheFP32Rate() throws {
        let catalog = try Catalog.builtIn()
        let v100 = try #require(catalog.gpu(named: "V100-SXM2-16GB")), p100 = try #require(catalog.gpu(named: "P100-SXM2"))
        let old = try library("cudnn-5.1"), new = try library("cudnn-7")
        let implicitGEMM = try library("implicit-gemm")
        #expect(!old.hasTensorCoreKernels(for: "fp16") && new.hasTensorCoreKernels(for: "fp16") && !new.hasTensorCoreKernels(for: "tf32")
                && implicitGEMM.hasTensorCoreKernels(for: "bf16"))
        let half = CostModel(gpu: v100, precision: .fp16, kernelLibrary: old)
        let single = CostModel(gpu: v100, precision: .fp32, kernelLibrary: old)
        for pass in ConvolutionPass.allCases {
            let candidates = half.candidateKernels(for: pass, of: work(conv()))
            #expect(!candidates.isEmpty && candidates.allSatisfy { !$0.kernel.usesTensorCores }, "\(pass)")
            let gemm = try #require(candidates.first { $0.kernel.algorithm == .implicitGEMM })
            let fp32GEMM = try #require(single.candidateKernels(for: pass, of: work(conv())).first { $0.kernel.algorithm == .implicitGEMM })
            #expect(gemm.kernel.productFLOPs == fp32GEMM.kernel.productFLOPs && gemm.kernel.memoryBytes * 2 == fp32GEMM.kernel.memoryBytes)
            #expect(gemm.seconds <= fp32GEMM.seconds)
            let tensorCores = CostModel(gpu: v100, precision: .fp16, kernelLibrary: new).chosenKernel(for: pass, of: work(conv()))
            #expect(half.chosenKernel(for: pass, of: work(conv())).seconds > tensorCores.seconds, "\(pass)")
        }
        let pascal = CostModel(gpu: p100, precision: .fp16, kernelLibrary: old).candidateKernels(for: .forward, of: work(conv()))
        #expect(pascal.contains { $0.kernel.usesTensorCores })
        // A fully connected product (cuBLAS of the library's CUDA) runs at the fp32 rate too.
        let product = ComputeWork(flops: 2 * 4096 * 4096 * 256, memoryBytes: 1e7, gemm: (4096, 256, 4096))
        #expect(half.seconds(for: product) == single.seconds(for: product))
        #expect(CostModel(gpu: v100, precision: .fp16, kernelLibrary: new).seconds(for: product) < single.seconds(for: product))
        // cuDNN 7 has no TF32 kernels: on an A100 a TF32 run under it is plain fp32, to the bit.
        let a100 = try #require(catalog.gpu(named: "A100-SXM4-80GB"))
        let tf32 = CostModel(gpu: a100, precision: .tf32, kernelLibrary: new), fp32 = CostModel(gpu: a100, precision: .fp32, kernelLibrary: new)
        for pass in ConvolutionPass.allCases {
            #expect(tf32.chosenKernel(for: pass, of: work(conv())).seconds == fp32.chosenKernel(for: pass, of: work(conv())).seconds)
        }
        #expect(tf32.seconds(for: product) == fp32.seconds(for: product))
        #expect(CostModel(gpu: a100, precision: .tf32, kernelLibrary: try library("cudnn-8")).seconds(for: product) < fp32.seconds(for: product))
    }

    /// Implicit GEMM does 2·MACs in every pass; Winograd F(m×m, 3×3) does
    /// 2·(m+2)²·tiles·C·K, 16 and 36 multiplies per tile for m = 2 and 4; FFT does
    /// 8·N·C·K·P·(Q/2+1) on a power-of-two grid of at least H + kh − 1.
    @Test func eachAlgorithmCountsItsClosedForm() throws {
        let g = conv()   // 64 → 128, 56×56, batch 32
        let macs = 128.0 * 56 * 56 * 64 * 9 * 32
        for pass in ConvolutionPass.allCases {
            let implicit = try #require(ConvolutionKernel(.implicitGEMM, pass: pass, work: work(g), precision: .fp32))
            #expect(implicit.productFLOPs == 2 * macs)
            #expect(abs(implicit.gemm.m * implicit.gemm.n * implicit.gemm.k - macs) / macs < 1e-12, "\(pass): m·n·k is the MACs")
        }
        let fused = try #require(ConvolutionKernel(.winogradFused, pass: .forward, work: work(g), precision: .fp32))
        #expect(fused.productFLOPs == 2 * 16 * (32 * 28 * 28) * 64 * 128)
        #expect(fused.workspaceBytes == 0)
        let nonfused = try #require(ConvolutionKernel(.winogradNonfused, pass: .forward, work: work(g), precision: .fp32))
        let tiles = 32.0 * 14 * 14
        #expect(nonfused.productFLOPs == 2 * 36 * tiles * 64 * 128)
        #expect(nonfused.workspaceBytes == 36 * (tiles * 64 + tiles * 128 + 128 * 64) * 4)
        // 2.25x and 4x fewer multiplies than direct convolution, less the tile padding (56 = 14 × 4 exactly).
        #expect(abs(2 * macs / nonfused.productFLOPs - 4) < 1e-12)
        let fft = try #require(ConvolutionKernel(.fft, pass: .backwardFilter, work: work(g), precision: .fp32))
        #expect(fft.productFLOPs == 8 * 32 * 64 * 128 * (64 * 33))   // 56 + 3 − 1 = 58 → 64
        let maps = 32.0 * 64 + 128 * 64 + 32 * 128
        #expect(fft.transformFLOPs == maps * 2.5 * 4096 * 12)
        // The batched products: the FFT's frequencies, non-fused Winograd's α² tile elements; one product otherwise.
        #expect(fft.batchedProducts == 64 * 33)
        #expect(nonfused.batchedProducts == 36)
        #expect(fused.batchedProducts == 1)
        // fp16 halves the bytes.
        let half = try #require(ConvolutionKernel(.winogradNonfused, pass: .forward, work: work(g), precision: .fp16))
        #expect(half.workspaceBytes * 2 == nonfused.workspaceBytes)
    }

    /// Winograd needs 3x3 (or 5x5, non-fused) filters, stride 1 and one group; FFT
    /// stride 1 and a padded side of at most 256.
    @Test func algorithmsRefuseShapesTheyCannotRun() {
        #expect(ConvolutionKernel(.winogradFused, pass: .forward, work: work(conv(stride: 2)), precision: .fp32) == nil)
        #expect(ConvolutionKernel(.winogradNonfused, pass: .forward, work: work(conv(kernel: 1)), precision: .fp32) == nil)
        #expect(ConvolutionKernel(.winogradFused, pass: .forward, work: work(conv(kernel: 5)), precision: .fp32) == nil)
        #expect(ConvolutionKernel(.winogradNonfused, pass: .forward, work: work(conv(kernel: 5)), precision: .fp32) != nil)
        #expect(ConvolutionKernel(.winogradFused, pass: .forward, work: work(conv(groups: 2)), precision: .fp32) == nil)
        #expect(ConvolutionKernel(.fft, pass: .forward, work: work(conv(stride: 2)), precision: .fp32) == nil)
        #expect(ConvolutionKernel(.fft, pass: .forward, work: work(conv(size: 300)), precision: .fp32) == nil)
        #expect(ConvolutionKernel(.implicitGEMM, pass: .forward, work: work(conv(stride: 2, groups: 2)), precision: .fp32) != nil)
    }

    /// A 3x3 stride-1 layer runs Winograd where the library offers it, implicit
    /// GEMM where it does not or the stride is 2.
    @Test func winogradIsChosenForThreeByThreeLayersWhereOffered() throws {
        let g = conv(c: 256, k: 256, size: 28)
        let modern = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: try library("cudnn-7"))
        for pass in ConvolutionPass.allCases {
            let chosen = modern.chosenKernel(for: pass, of: work(g)).kernel.algorithm
            #expect(chosen == .winogradNonfused || chosen == .winogradFused, "\(pass) ran \(chosen)")
        }
        let old = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: try library("implicit-gemm"))
        #expect(old.chosenKernel(for: .forward, of: work(g)).kernel.algorithm == .implicitGEMM)
        #expect(modern.chosenKernel(for: .forward, of: work(conv(c: 256, k: 256, size: 28, stride: 2))).kernel.algorithm == .implicitGEMM)
        // The choice is the fastest candidate.
        let candidates = modern.candidateKernels(for: .forward, of: work(g))
        #expect(candidates.count == 4)
        #expect(modern.chosenKernel(for: .forward, of: work(g)).seconds == candidates.map(\.seconds).min())
        // On tensor cores implicit GEMM's 10x peak beats Winograd on the CUDA cores.
        let tensor = CostModel(gpu: gpu, precision: .fp16, kernelLibrary: try library("cudnn-7"))
        #expect(tensor.chosenKernel(for: .forward, of: work(g)).kernel.algorithm == .implicitGEMM)
    }

    /// Before Maxwell, fused Winograd is not a candidate (cuDNN's fast fused kernels are
    /// built for compute capability 5.0 and later): under cuDNN 5.0, which offers only the
    /// fused one, a Kepler board runs the layer as a Maxwell board would without Winograd;
    /// the non-fused Winograd of cuDNN 5.1 stays a candidate there.
    @Test func keplerRunsNoFusedWinograd() throws {
        let g = conv(c: 256, k: 256, size: 28)
        var kepler = gpu, maxwell = gpu
        kepler.architecture = "Kepler"
        maxwell.architecture = "Maxwell"
        let cudnn5 = try library("cudnn-5")
        let onKepler = CostModel(gpu: kepler, precision: .fp32, kernelLibrary: cudnn5)
        let onMaxwell = CostModel(gpu: maxwell, precision: .fp32, kernelLibrary: cudnn5)
        #expect(onMaxwell.chosenKernel(for: .forward, of: work(g)).kernel.algorithm == .winogradFused)
        #expect(!onKepler.candidateKernels(for: .forward, of: work(g)).contains { $0.kernel.algorithm == .winogradFused })
        #expect(onKepler.chosenKernel(for: .forward, of: work(g)).seconds > onMaxwell.chosenKernel(for: .forward, of: work(g)).seconds)
        let withoutWinograd = CostModel(gpu: maxwell, precision: .fp32, kernelLibrary: try library("cudnn-4"))
        #expect(onKepler.chosenKernel(for: .forward, of: work(g)) == withoutWinograd.chosenKernel(for: .forward, of: work(g)))
        let cudnn51 = CostModel(gpu: kepler, precision: .fp32, kernelLibrary: try library("cudnn-5.1"))
        #expect(cudnn51.chosenKernel(for: .backwardFilter, of: work(g)).kernel.algorithm == .winogradNonfused)
    }

    /// A workspace limit below what non-fused Winograd needs makes the library
    /// fall back to an algorithm that fits, and the pass gets slower.
    @Test func theWorkspaceLimitChangesTheChoice() throws {
        let g = conv(c: 256, k: 256, size: 28)
        var model = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: try library("cudnn-5.1"))
        let free = model.chosenKernel(for: .backwardFilter, of: work(g))
        #expect(free.kernel.algorithm == .winogradNonfused)
        model.workspaceLimitBytes = 8 * 1_048_576
        let capped = model.chosenKernel(for: .backwardFilter, of: work(g))
        #expect(capped.kernel.workspaceBytes <= 8 * 1_048_576)
        #expect(capped.kernel.algorithm == .implicitGEMM)
        #expect(capped.seconds > free.seconds)
    }

    /// The FFT's products are priced batched: where its per-frequency product is one tile,
    /// all its frequencies keep the SMs busy, so a 5x5 layer's FFT beats implicit GEMM;
    /// cuDNN's heuristic choice (`algorithm_choice: heuristic`) never lands on the FFT and
    /// runs the fastest of the rest, no faster than the fastest overall.
    @Test func theHeuristicChoiceLeavesTheFFTOut() throws {
        var sm = gpu
        sm.streamingMultiprocessors = 80
        sm.kernelEfficiency = ["fp32": ["forward": 0.8, "backward_data": 0.8, "backward_filter": 0.8]]
        let g = conv(c: 128, k: 128, size: 27, kernel: 5)
        let fastest = CostModel(gpu: sm, precision: .fp32, kernelLibrary: try library("cudnn-4"))
        let fft = try #require(fastest.candidateKernels(for: .forward, of: work(g, batch: 128)).first { $0.kernel.algorithm == .fft })
        #expect(fft.kernel.batchedProducts == 32 * 17)
        #expect(fastest.chosenKernel(for: .forward, of: work(g, batch: 128)).kernel.algorithm == .fft)
        let heuristic = CostModel(gpu: sm, precision: .fp32, kernelLibrary: try library("cudnn-4"), algorithmChoice: .heuristic)
        for pass in ConvolutionPass.allCases {
            #expect(!heuristic.candidateKernels(for: pass, of: work(g, batch: 128)).contains { $0.kernel.algorithm == .fft })
            let chosen = heuristic.chosenKernel(for: pass, of: work(g, batch: 128))
            #expect(chosen.kernel.algorithm == .implicitGEMM)
            #expect(chosen.seconds >= fastest.chosenKernel(for: pass, of: work(g, batch: 128)).seconds)
        }
        #expect(AlgorithmChoice.heuristic.considers(.winogradNonfused))
        #expect(!AlgorithmChoice.heuristic.considers(.fft))
        #expect(AlgorithmChoice.fastest.considers(.fft))
    }

    /// With a library, a task's time is the sum of its passes' chosen kernels;
    /// without one, the convolution is ignored and the earlier model prices it.
    @Test func aTaskSumsItsPassesOnlyWithALibrary() throws {
        var b = NetworkBuilder(name: "two", input: TensorShape(channels: 64, height: 28, width: 28))
        try b.conv("conv1", out: 64, kernel: 3, pad: 1)
        try b.conv("conv2", out: 64, kernel: 3, pad: 1)
        let layer = try b.finish().layers[2]
        let backward = LayerWork.backward(layer, batch: 16, precision: .fp32)
        let convolution = try #require(backward.convolution)
        #expect(convolution.passes == [.backwardData, .backwardFilter])
        let model = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: try library("cudnn-5.1"))
        let sum = model.chosenKernel(for: .backwardData, of: convolution).seconds + model.chosenKernel(for: .backwardFilter, of: convolution).seconds
        #expect(model.seconds(for: backward) == sum)
        var plain = backward
        plain.convolution = nil
        #expect(CostModel(gpu: gpu, precision: .fp32).seconds(for: backward) == CostModel(gpu: gpu, precision: .fp32).seconds(for: plain))
        #expect(LayerWork.backward(try b.finish().layers[1], batch: 16, precision: .fp32).convolution?.passes == [.backwardFilter])
    }

    /// A depthwise convolution (one input channel per group) runs as a direct kernel
    /// in every library and without one: a roofline at the fp32 peak, no product shape.
    @Test func depthwiseConvolutionsAreDirectRooflines() throws {
        var b = NetworkBuilder(name: "dw", input: TensorShape(channels: 32, height: 112, width: 112))
        try b.conv("pre", out: 32, kernel: 1)
        try b.conv("dw", out: 32, kernel: 3, pad: 1, groups: 32)
        let layer = try b.finish().layers[2]
        let forward = LayerWork.forward(layer, batch: 64, precision: .fp16)
        let convolution = try #require(forward.convolution)
        #expect(convolution.geometry.isDepthwise)
        let pixels: Double = 32 * 112 * 112 * 64
        let flops: Double = 2 * pixels * 9
        let bytes: Double = (2 * pixels + 32 * 9) * 2
        let computeTime: Double = flops / (1e13 * 0.76)
        let memoryTime: Double = bytes / (1e12 * 0.88)
        let roofline = max(computeTime, memoryTime)
        for library in [nil, try library("cudnn-8")] {
            let model = CostModel(gpu: gpu, precision: .fp16, kernelLibrary: library)
            if library != nil {
                #expect(model.candidateKernels(for: .forward, of: convolution).map(\.kernel.algorithm) == [.direct])
            }
            let t = model.seconds(for: forward)
            #expect(abs(t - (roofline + 5e-6)) / t < 0.02, "\(library?.name ?? "none"): \(t) s, roofline \(roofline) s")
        }
        // A dense layer of the same size is not direct.
        #expect(ConvolutionKernel(.direct, pass: .forward, work: work(conv(c: 32, k: 32, size: 112)), precision: .fp16) == nil)
    }

    /// Under `depthwise_kernels: pytorch`, a depthwise convolution on NCHW tensors not in
    /// fp16 runs PyTorch's own kernels: the forward priced as cuDNN's direct kernel, the
    /// data and filter gradients at `pytorchBackwardEfficiency` of the fp32 peak
    /// (`2·MACs / (peak · e)`, here far above their memory time). Channels-last or
    /// fp16 tensors, or the library's kernels, keep the direct roofline.
    @Test func pytorchDepthwiseGradientsRunAtTheirMeasuredShareOfPeak() throws {
        let dw = conv(c: 96, k: 96, size: 56, groups: 96)
        let gradients = work(dw, batch: 64, passes: [.backwardData, .backwardFilter])
        let macs: Double = 96 * 56 * 56 * 9 * 64
        let native = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: try library("cudnn-8"), memoryFormat: .nchw, depthwiseKernels: .pytorch)
        for pass in [ConvolutionPass.backwardData, .backwardFilter] {
            let chosen = native.chosenKernel(for: pass, of: gradients)
            #expect(chosen.kernel.algorithm == .pytorchDepthwise)
            let expected = 5e-6 + 2 * macs / (1e13 * DepthwiseKernels.pytorchBackwardEfficiency)
            #expect(abs(chosen.seconds - expected) / expected < 1e-9, "\(pass): \(chosen.seconds) s, expected \(expected) s")
        }
        // The forward is priced as the direct kernel is.
        let forward = work(dw, batch: 64)
        let direct = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: try library("cudnn-8"), memoryFormat: .nchw)
        #expect(native.chosenKernel(for: .forward, of: forward).kernel.algorithm == .pytorchDepthwise)
        #expect(native.chosenKernel(for: .forward, of: forward).seconds == direct.chosenKernel(for: .forward, of: forward).seconds)
        // Gradients cost several times the direct roofline's.
        let nativeStep = native.seconds(for: ComputeWork(flops: 0, memoryBytes: 0, convolution: gradients))
        let directStep = direct.seconds(for: ComputeWork(flops: 0, memoryBytes: 0, convolution: gradients))
        #expect(nativeStep > 3 * directStep, "\(nativeStep) s against \(directStep) s")
        // No library: PyTorch's kernels still price the depthwise layer.
        let noLibrary = CostModel(gpu: gpu, precision: .fp32, memoryFormat: .nchw, depthwiseKernels: .pytorch)
        #expect(noLibrary.seconds(for: ComputeWork(flops: 0, memoryBytes: 0, convolution: gradients)) == nativeStep)
        // cuDNN's kernels run on channels-last tensors, on fp16, and under `library`.
        for model in [CostModel(gpu: gpu, precision: .fp32, kernelLibrary: try library("cudnn-8"), memoryFormat: .nhwc, depthwiseKernels: .pytorch),
                      CostModel(gpu: gpu, precision: .fp16, kernelLibrary: try library("cudnn-8"), memoryFormat: .nchw, depthwiseKernels: .pytorch),
                      direct] {
            #expect(model.chosenKernel(for: .backwardFilter, of: gradients).kernel.algorithm == .direct)
        }
        // A dense convolution is untouched.
        let dense = work(conv(c: 96, k: 96, size: 56), batch: 64, passes: [.backwardData])
        #expect(native.chosenKernel(for: .backwardData, of: dense).seconds == direct.chosenKernel(for: .backwardData, of: dense).seconds)
    }

    /// On NCHW tensors a tensor-core kernel pays two transposes of its operands and
    /// result, `2 · operand bytes / (bandwidth · memory efficiency) + 2 · launch`, in
    /// every pass; on NHWC none; CUDA-core kernels (fp32, Winograd, depthwise) none.
    @Test func nchwTensorCoreKernelsPayTheirTransposes() throws {
        let g = conv()   // 64 → 128, 56×56, batch 32
        let nhwc = CostModel(gpu: gpu, precision: .fp16, kernelLibrary: try library("cudnn-8"))
        var nchw = nhwc
        nchw.memoryFormat = .nchw
        let bandwidth = gpu.memoryBytesPerSecond * nhwc.parameters.defaultMemoryEfficiency
        let launch = nhwc.parameters.launchOverheadSeconds
        for pass in ConvolutionPass.allCases {
            let kernel = try #require(ConvolutionKernel(.implicitGEMM, pass: pass, work: work(g), precision: .fp16))
            #expect(kernel.usesTensorCores)
            // Input 32·64·56², output 32·128·56², weights 128·64·9, 2 bytes each.
            let input: Double = 32 * 64 * 56 * 56, output: Double = 32 * 128 * 56 * 56, weights: Double = 128 * 64 * 9
            let operands = (input + output + weights) * 2
            #expect(kernel.operandBytes == operands)
            #expect(nhwc.layoutTransposeSeconds(kernel) == 0)
            let transposes = 2 * operands / bandwidth + 2 * launch
            #expect(abs(nchw.layoutTransposeSeconds(kernel) - transposes) < 1e-15)
            #expect(abs(nchw.seconds(for: kernel) - nhwc.seconds(for: kernel) - transposes) < 1e-12, "\(pass)")
        }
        // CUDA-core kernels take NCHW as it is: fp32 implicit GEMM, fp16's Winograd, a depthwise direct kernel.
        var fp32 = nchw
        fp32.precision = .fp32
        let single = try #require(ConvolutionKernel(.implicitGEMM, pass: .forward, work: work(g), precision: .fp32))
        let winograd = try #require(ConvolutionKernel(.winogradNonfused, pass: .forward, work: work(g), precision: .fp16))
        let depthwise = try #require(ConvolutionKernel(.direct, pass: .forward, work: work(conv(c: 32, k: 32, size: 112, groups: 32)),
                                                       precision: .fp16))
        #expect(fp32.layoutTransposeSeconds(single) == 0)
        #expect(nchw.layoutTransposeSeconds(winograd) == 0 && nchw.layoutTransposeSeconds(depthwise) == 0)
    }

    /// A library with grouped direct kernels (cuDNN from v7) may run any grouped
    /// convolution as `direct`; the fastest candidate still wins, so narrow groups go
    /// direct and wide ones stay implicit GEMM; libraries without them offer only the
    /// per-group product.
    @Test func groupedConvolutionsMayRunDirectKernels() throws {
        let narrow = conv(c: 128, k: 128, groups: 32)   // ResNeXt's 4 channels per group
        #expect(ConvolutionKernel(.direct, pass: .forward, work: work(narrow), precision: .fp16) == nil)
        let direct = try #require(ConvolutionKernel(.direct, pass: .forward, work: work(narrow), precision: .fp16,
                                                    groupedDirectKernels: true))
        let implicit = try #require(ConvolutionKernel(.implicitGEMM, pass: .forward, work: work(narrow), precision: .fp16,
                                                      groupedDirectKernels: true))
        #expect(direct.isDirect && !direct.usesTensorCores)
        #expect(direct.productFLOPs == implicit.productFLOPs && direct.memoryBytes == implicit.memoryBytes)
        #expect(implicit.gemm.m == 4, "the implicit GEMM stays one group's product")
        // One group is no grouped convolution: no direct kernel for it.
        #expect(ConvolutionKernel(.direct, pass: .forward, work: work(conv()), precision: .fp16, groupedDirectKernels: true) == nil)

        #expect(try library("cudnn-7").groupedDirectKernels && library("cudnn-8").groupedDirectKernels)
        #expect(try !library("cudnn-5.1").groupedDirectKernels && !library("implicit-gemm").groupedDirectKernels)
        let v8 = CostModel(gpu: gpu, precision: .fp16, kernelLibrary: try library("cudnn-8"))
        // cuDNN 5.1's algorithms on tensor cores: a library that differs from cuDNN 8 in its grouped kernels alone.
        var withoutGroupedKernels = try library("cudnn-5.1")
        withoutGroupedKernels.tensorCorePrecisions = nil
        let v51 = CostModel(gpu: gpu, precision: .fp16, kernelLibrary: withoutGroupedKernels)
        for pass in ConvolutionPass.allCases {
            let chosen = v8.chosenKernel(for: pass, of: work(narrow, passes: [pass]))
            #expect(chosen.kernel.algorithm == .direct, "\(pass)")
            #expect(chosen.seconds < v51.chosenKernel(for: pass, of: work(narrow, passes: [pass])).seconds)
            #expect(!v51.candidateKernels(for: pass, of: work(narrow)).contains { $0.kernel.algorithm == .direct })
        }
        // Its price is the depthwise direct kernel's roofline: the grouped convolution's own
        // FLOPs at the fp32 peak and ceiling, or its operands' bytes, plus one launch.
        let forward = work(narrow, passes: [.forward])
        let macs: Double = 128 * 56 * 56 * 4 * 9 * 32
        let activations: Double = 2 * 128 * 56 * 56 * 32
        let bytes: Double = (activations + 128 * 4 * 9) * 2
        let computeTime: Double = 2 * macs / (1e13 * 0.76)
        let memoryTime: Double = bytes / (1e12 * 0.88)
        let roofline = max(computeTime, memoryTime) + 5e-6
        let priced = v8.chosenKernel(for: .forward, of: forward).seconds
        #expect(abs(priced - roofline) / roofline < 1e-9, "\(priced) s against \(roofline) s")
        #expect(v8.candidateKernels(for: .forward, of: forward).filter { $0.kernel.algorithm == .direct }.count == 1)
        // A depthwise convolution keeps its own candidates: PyTorch's kernels where PyTorch runs them.
        let nchw = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: try library("cudnn-8"), memoryFormat: .nchw,
                             depthwiseKernels: .pytorch)
        #expect(nchw.candidateKernels(for: .backwardData, of: work(conv(c: 32, k: 32, groups: 32))).map(\.kernel.algorithm)
                == [.pytorchDepthwise])
        // A framework that calls the library group by group never reaches its grouped kernels.
        let perGroup = CostModel(gpu: gpu, precision: .fp16, kernelLibrary: try library("cudnn-8"), groupedConvolutionsPerGroup: true)
        #expect(!perGroup.candidateKernels(for: .forward, of: forward).contains { $0.kernel.algorithm == .direct })
        #expect(perGroup.chosenKernel(for: .forward, of: forward).seconds == v51.chosenKernel(for: .forward, of: forward).seconds)
        // Two groups of 256 channels: the product on tensor cores beats a loop on the CUDA cores.
        let wide = conv(c: 512, k: 512, size: 28, groups: 2)
        #expect(v8.candidateKernels(for: .forward, of: work(wide)).contains { $0.kernel.algorithm == .direct })
        #expect(v8.chosenKernel(for: .forward, of: work(wide)).kernel.algorithm == .implicitGEMM)
    }
}
