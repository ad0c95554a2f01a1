/// A way to compute a convolution pass that a kernel library may offer.
///
/// The names follow cuDNN's algorithm enums (`cudnnConvolutionFwdAlgo_t` and the
/// backward ones); the cost of each is `CostModel`'s (`ConvolutionKernels`).
public enum ConvolutionAlgorithm: String, CaseIterable, Sendable {
    /// The product of the filters with the unfolded input, formed on the fly
    /// (cuDNN's IMPLICIT_GEMM / IMPLICIT_PRECOMP_GEMM and backward ALGO_0/1;
    /// cuda-convnet's direct kernels do the same arithmetic).
    case implicitGEMM = "implicit-gemm"
    /// Winograd F(2x2, 3x3) in one fused kernel (cuDNN's WINOGRAD): transforms in
    /// on-chip memory, 16 multiplies per 2x2 output tile instead of 36
    /// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016).
    case winogradFused = "winograd"
    /// Winograd with separate transform kernels through device memory (cuDNN's
    /// WINOGRAD_NONFUSED), F(4x4, 3x3) for 3x3 filters and F(2x2, 5x5) for 5x5:
    /// 36 multiplies per tile (Lavin & Gray 2016), at the price of a workspace.
    case winogradNonfused = "winograd-nonfused"
    /// Convolution as pointwise products of 2-D FFTs of the whole padded image
    /// (cuDNN's FFT; Mathieu, Henaff & LeCun, "Fast Training of Convolutional
    /// Networks through FFTs", ICLR 2014; Vasilache et al., ICLR 2015).
    case fft
    /// A direct kernel that loops over each channel's filter taps, for depthwise
    /// convolutions (one input channel per group): cuDNN's grouped kernels, priced
    /// as a roofline at the fp32 peak. Every library runs depthwise convolutions this
    /// way, whatever else it offers; a library with grouped direct kernels
    /// (`KernelLibrary.groupedDirectKernels`) offers it for every grouped convolution.
    case direct
    /// PyTorch's own depthwise kernels (`conv_depthwise2d`,
    /// aten/src/ATen/native/cuda/DepthwiseConv2d.cu), which PyTorch runs instead of
    /// cuDNN's on NCHW tensors not in fp16 (`DepthwiseKernels.pytorch`): the forward
    /// as `direct`, the data and filter gradients bound by instructions at
    /// `DepthwiseKernels.pytorchBackwardEfficiency` of the fp32 peak.
    case pytorchDepthwise = "pytorch-depthwise"

    /// Whether a library that lists this algorithm runs it fast enough to be chosen on
    /// a GPU of `architecture` (the catalog's name). Every algorithm does, except fused
    /// Winograd on GPUs before Maxwell (Kepler, Fermi).
    ///
    /// cuDNN's fast fused Winograd kernels are hand-scheduled machine code
    /// (`maxwell_scudnn_winograd_128x128_*`, which public profiles show running on Maxwell
    /// to Volta) built for compute capability 5.0 and later only: in the cuDNN 6 linked
    /// into the `mxnet-cu75` 1.0.0 wheel and the cuDNN 7.1 shipped in the `cupy-cuda80`
    /// 4.0.0 wheel, those kernels carry SASS for sm_50/60/61 and PTX from compute_50, so no
    /// Kepler GPU can run them (BENCHMARKS.md, forty-sixth session). What a Kepler GPU gets
    /// is a generic CUDA C kernel (`cudnn::winograd::winograd3x3Kernel`, built for sm_30 and
    /// sm_35 as well), whose speed nobody has published; cuDNN 5's own fused F(2x2, 3x3) was
    /// "quite a bit slower" than Nervana's even on Maxwell (Scott Gray,
    /// github.com/NervanaSystems/neon/issues/242, 2016). The one public comparison on a
    /// Kepler board agrees: on a Tesla K40c, cuDNN 5.0.05 trained VGG-16 only 1.34x faster
    /// than Torch's im2col-and-cuBLAS `nn` modules, against 2.2x on a Maxwell Titan X
    /// (github.com/jcjohnson/cnn-benchmarks). So ScaleCast does not offer fused Winograd
    /// on Kepler: implicit GEMM, FFT and the non-fused Winograd (whose transforms and
    /// products cuDNN builds for sm_35, and which the K80 cases need) remain.
    public func isOffered(onArchitecture architecture: String) -> Bool {
        guard self == .winogradFused else { return true }
        return !["kepler", "fermi"].contains(architecture.lowercased())
    }
}
