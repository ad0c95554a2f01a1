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
}
