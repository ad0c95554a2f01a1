/// How a stack lays out activations in device memory, which decides whether its
/// tensor-core convolutions pay for transposes.
///
/// cuDNN's tensor-core convolution kernels work on NHWC tensors; given NCHW tensors,
/// cuDNN transposes them: "the library may use padding, folding, and NCHW-to-NHWC
/// transformations" to reach tensor cores (cuDNN Developer Guide, "Tensor Core
/// Operations"), and NCHW tensor-core convolutions "include some overhead due to
/// automatic transpose operations" (NVIDIA Deep Learning Performance Guide,
/// "Convolutional Layers User's Guide", section "Tensor Layouts In Memory: NCHW vs
/// NHWC"). In an Nsight profile of one TF32 convolution on an A100 with NCHW tensors
/// (cuDNN 8.3.2; github.com/pytorch/pytorch/issues/81940, 2022), the two transposes
/// took 272 µs beside the 496 µs product. CUDA-core kernels (fp32 without TF32) and
/// depthwise kernels work on NCHW as they are.
public enum MemoryFormat: String, CaseIterable, Sendable {
    /// Channels last: what tensor cores take (PyTorch's `channels_last`, MXNet's and
    /// PaddlePaddle's NHWC layouts, TensorFlow's when its layout optimizer keeps it).
    /// No transposes.
    case nhwc
    /// Channels first, PyTorch's default (contiguous) format and TensorFlow's after
    /// its layout optimizer converts fp32 training graphs on GPUs: each tensor-core
    /// convolution pass transposes its operands to NHWC and its result back.
    case nchw
}
