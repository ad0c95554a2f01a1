import Workload

/// Which kernels a stack runs depthwise convolutions with (`depthwise_kernels:`).
///
/// A depthwise convolution (one input channel per group, MobileNet's and
/// EfficientNet's) is no matrix product, so libraries run it as a direct loop over
/// each channel's taps. How fast that loop is depends on whose kernel it is.
public enum DepthwiseKernels: String, CaseIterable, Sendable {
    /// The kernel library's grouped kernels (cuDNN's), priced as a direct kernel at
    /// the memory roofline in every pass (`ConvolutionAlgorithm.direct`).
    case library
    /// PyTorch's choice: its own kernels (`conv_depthwise2d`,
    /// aten/src/ATen/native/cuda/DepthwiseConv2d.cu) on NCHW tensors in any dtype but
    /// fp16, cuDNN's on channels-last tensors or fp16 (`ConvParams::use_cudnn_depthwise`
    /// in aten/src/ATen/native/Convolution.cpp: cuDNN always for channels_last, and
    /// for NCHW only with half-precision input). Its own kernels' data and filter
    /// gradients are bound by instructions, not bytes (`ConvolutionAlgorithm.pytorchDepthwise`).
    case pytorch

    /// The share of the fp32 peak that PyTorch's own depthwise kernels reach in the
    /// data and filter gradients together, counting 2 FLOPs per filter tap and
    /// output element in each of the two passes.
    ///
    /// The geometric mean over the seven fp32 NCHW shapes that PaddlePaddle timed
    /// PyTorch's kernels on (github.com/PaddlePaddle/Paddle/pull/46332, 2022-09-20:
    /// V100-32G, CUDA 11.2, cuDNN 8; 3x3 and 5x5 filters, strides 1 and 2, 4-16
    /// images of 128-2048 channels): each time (forward and backward, as the
    /// PaddlePaddle/benchmark op runner times a backward case) less the forward
    /// priced at the memory roofline, over the V100-SXM2's 15.7 TFLOP/s. Shapes range
    /// from 0.040 to 0.074 (residuals −23% to +41%); the derivation is in
    /// docs/kernel-model.md. The kernels' structure explains the low share: the
    /// filter gradient runs one thread block per filter tap, each summing over every
    /// image and output position with an integer division and remainder per element.
    public static let pytorchBackwardEfficiency = 0.057

    /// Whether a depthwise convolution runs PyTorch's own kernels under this choice.
    public func runsPyTorchKernels(memoryFormat: MemoryFormat, precision: Precision) -> Bool {
        self == .pytorch && memoryFormat == .nchw && precision != .fp16
    }
}
