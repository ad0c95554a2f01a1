import Workload

/// The compute work of each pass of a layer, for a batch on one GPU.
///
/// `fraction` is the share of the layer's units a GPU computes (1 for data
/// parallelism; 1/K for a layer split K ways by output units).
public enum LayerWork {
    /// Forward pass of `layer` over `batch` examples.
    public static func forward(_ layer: Layer, batch: Int, precision: Precision, fraction: Double = 1) -> ComputeWork {
        let c = layer.cost
        let b = Double(batch)
        let act = Double(precision.activationBytes)
        return ComputeWork(flops: Double(c.forwardFLOPs) * b * fraction,
                           memoryBytes: (Double(c.forwardTrafficElements) * b + Double(c.parameters)) * act * fraction,
                           gemm: gemm(c, batch: b, fraction: fraction), kernels: 1,
                           loweringBytes: 2 * columnElements(layer) * b * act, loweringRows: columnRows(layer) * b,
                           convolution: layer.convolutionGeometry.map {
                               ConvolutionWork(geometry: $0, batch: b, fraction: fraction, passes: [.forward])
                           })
    }

    /// Backward pass: gradient for the input (unless it is the image) and for the weights.
    public static func backward(_ layer: Layer, batch: Int, precision: Precision, fraction: Double = 1) -> ComputeWork {
        let c = layer.cost
        let b = Double(batch)
        let act = Double(precision.activationBytes)
        let kernels = (c.backwardDataFLOPs > 0 ? 1 : 0) + (c.backwardWeightFLOPs > 0 ? 1 : 0)
        return ComputeWork(flops: Double(c.backwardFLOPs) * b * fraction,
                           memoryBytes: (Double(c.backwardTrafficElements) * b + 2 * Double(c.parameters)) * act * fraction,
                           gemm: gemm(c, batch: b, fraction: fraction), kernels: max(1, kernels),
                           loweringBytes: 2 * Double(kernels) * columnElements(layer) * b * act,
                           loweringRows: Double(kernels) * columnRows(layer) * b,
                           convolution: layer.convolutionGeometry.map {
                               ConvolutionWork(geometry: $0, batch: b, fraction: fraction,
                                               passes: c.backwardDataFLOPs > 0 ? [.backwardData, .backwardFilter] : [.backwardFilter])
                           })
    }

    /// SGD with momentum over `parameters` weights: a memory-bound pass that reads
    /// weights, gradients and momentum and writes weights and momentum, 20 bytes a
    /// parameter in fp32 and under mixed precision alike (fp16 gradient in, fp16
    /// copy out, fp32 master and momentum).
    public static func update(parameters: Int, precision: Precision) -> ComputeWork {
        ComputeWork(flops: 4 * Double(parameters), memoryBytes: 20 * Double(parameters), gemm: nil, kernels: 1)
    }

    /// Elements of a convolution's im2col matrix per example (patch × output
    /// pixels × groups; the whole matrix even when the output channels are split);
    /// 0 for other layers.
    private static func columnElements(_ layer: Layer) -> Double {
        guard case .convolution = layer.kind, let g = layer.cost.gemm else { return 0 }
        return Double(g.k) * Double(g.nPerExample) * Double(g.count)
    }

    /// Row segments of a convolution's im2col matrix per example: its elements
    /// over the output width (each input channel, kernel offset and output row
    /// copies one row of output pixels); 0 for other layers.
    private static func columnRows(_ layer: Layer) -> Double {
        guard case .convolution = layer.kind else { return 0 }
        return columnElements(layer) / Double(max(1, layer.outputShape.width))
    }

    private static func gemm(_ c: LayerCost, batch: Double, fraction: Double) -> (m: Double, n: Double, k: Double)? {
        guard let g = c.gemm else { return nil }
        return (Double(g.m) * fraction, Double(g.nPerExample) * batch, Double(g.k))
    }
}
