/// The shape of one convolution for one example: what a kernel library looks at
/// when it chooses an algorithm (cuDNN's `cudnnGetConvolution*Algorithm` takes the
/// same tensor and convolution descriptors).
public struct ConvolutionGeometry: Hashable, Sendable {
    public var inputChannels: Int
    public var outputChannels: Int
    public var groups: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var outputHeight: Int
    public var outputWidth: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int

    public init(inputChannels: Int, outputChannels: Int, groups: Int = 1, inputHeight: Int, inputWidth: Int,
                outputHeight: Int, outputWidth: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.groups = groups
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
    }

    /// A depthwise convolution: one input channel per group (MobileNet, EfficientNet).
    public var isDepthwise: Bool { groups > 1 && inputChannels == groups }

    /// Multiply-adds of the forward pass for one example:
    /// `K · Ho · Wo · (C / g) · kh · kw` (each pass of the backward does as many).
    public var multiplyAdds: Double {
        Double(outputChannels) * Double(outputHeight * outputWidth) * Double(inputChannels / groups) * Double(kernelHeight * kernelWidth)
    }
}

/// One of the three kernels a convolution runs in training.
public enum ConvolutionPass: String, CaseIterable, Sendable {
    /// y = w ∗ x.
    case forward
    /// dx from dy and w (absent for a first layer, whose input is the image).
    case backwardData = "backward-data"
    /// dw from dy and x.
    case backwardFilter = "backward-filter"
}

extension Layer {
    /// The layer's convolution geometry; nil for any other kind of layer.
    public var convolutionGeometry: ConvolutionGeometry? {
        guard case .convolution(let c) = kind, let input = inputShapes.first else { return nil }
        return ConvolutionGeometry(inputChannels: input.channels, outputChannels: c.outChannels, groups: c.groups,
                                   inputHeight: input.height, inputWidth: input.width,
                                   outputHeight: outputShape.height, outputWidth: outputShape.width,
                                   kernelHeight: c.kernelHeight, kernelWidth: c.kernelWidth,
                                   strideHeight: c.strideHeight, strideWidth: c.strideWidth)
    }
}
