/// How a stack picks each convolution's algorithm from those its kernel library
/// offers (`algorithm_choice:`).
///
/// cuDNN has two ways: `cudnnFindConvolution*Algorithm` runs every algorithm that
/// fits the workspace and returns them fastest first, which frameworks call when
/// they autotune (PyTorch's `torch.backends.cudnn.benchmark = True`, TensorFlow's
/// `TF_CUDNN_USE_AUTOTUNE`, MXNet's `cudnn_tune`, Torch7's `cudnn.benchmark`);
/// `cudnnGetConvolution*Algorithm` asks the library's heuristics, without running
/// anything (PyTorch's default, Caffe's choice). The heuristics are not published.
public enum AlgorithmChoice: String, CaseIterable, Sendable {
    /// The fastest algorithm that fits the workspace, as `cudnnFind*` measures them:
    /// the cost model runs the fastest it prices.
    case fastest
    /// cuDNN's heuristic: priced as the fastest of the algorithms other than the FFT.
    /// What the heuristics pick is not documented; this project's own H200 per-layer
    /// and step times, taken with `cudnn.benchmark` off (scenarios/validation/h200-steps.csv,
    /// resnet50-h200-layer-times.csv), ran no faster than implicit GEMM and Winograd
    /// price them where the FFT's batched products would be faster (AlexNet's fp32 steps:
    /// the FFT's price 19-25% under the measured times; docs/kernel-model.md), so the FFT
    /// is left out.
    case heuristic

    /// Whether the choice can land on `algorithm`.
    public func considers(_ algorithm: ConvolutionAlgorithm) -> Bool {
        self == .fastest || algorithm != .fft
    }
}
