extension Zoo {
    /// The units per block of TF-slim's `resnet_v1_50`, `resnet_v1_101` and `resnet_v1_152`.
    static let slimResNetV1Blocks = [50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]]

    /// ResNet v1 as TF-slim defines it (tensorflow/models, `research/slim/nets/resnet_v1.py`
    /// and `resnet_utils.py`), on `input` images (3x224x224 by default).
    ///
    /// Where it differs from torchvision's ResNet (`resnet(_:input:)`, v1.5):
    /// - **Where a block downsamples.** `resnet_v1_block` gives the stride to a block's
    ///   *last* unit (blocks 1-3 stride 2, block 4 stride 1): `resnet_utils.py` "subsample[s]
    ///   the output activations in the last residual unit of each block, instead of
    ///   subsampling the input activations in the first". torchvision strides the first
    ///   block of stages 2-4. So the first units of blocks 2-4 run at the lower resolution
    ///   and the last units of blocks 1-3 at the higher one: the parameters are the same,
    ///   the products are not.
    /// - **Which convolution strides.** The unit's 3x3 (`conv2`, through `conv2d_same`:
    ///   explicit padding (k − 1) / 2 each side and a VALID convolution), as in v1.5, not
    ///   the first 1x1 as in the original v1.
    /// - **The shortcut.** A projection (1x1 convolution with batch norm, no ReLU) only
    ///   where the depth changes (each block's first unit, stride 1 there); elsewhere the
    ///   input itself, subsampled by a 1x1 max pool of stride 2 in a strided last unit.
    /// - **The head.** Global mean, then `logits`, a 1x1 convolution with biases on the
    ///   1x1 map: the same product and parameters as an FC layer, which it is here.
    ///   `num_classes` is 1000 (the checkpoints TF-slim publishes for v1 were converted
    ///   from MSRA's 1000-class Caffe models; v2's use 1001).
    /// Batch norm follows every convolution but `logits`, with a learned scale
    /// (`resnet_arg_scope`'s `batch_norm_scale=True`), and convolutions with batch norm
    /// have no biases: the parameter counts equal torchvision's (25,557,032, 44,549,160
    /// and 60,192,808). `pool1` is a 3x3 stride-2 max pool with SAME padding, the same
    /// output size as torchvision's padding of 1. Layers are named by TF-slim's scopes
    /// (`block2/unit_1/bottleneck_v1/conv2`).
    static func slimResNetV1(depth: Int, input: TensorShape = imageNetInput) throws -> Network {
        guard let units = slimResNetV1Blocks[depth] else { throw ModelError("TF-slim ResNet v1 comes in depths 50, 101, 152") }
        var b = NetworkBuilder(name: "resnet_v1_\(depth)", input: input)
        try slimConv(&b, "conv1", out: 64, kernel: 7, stride: 2)
        var x = try b.maxPool("pool1", kernel: 3, stride: 2, pad: 1)
        var depthIn = 64
        for (block, count) in units.enumerated() {
            let bottleneck = 64 << block
            let blockStride = block < 3 ? 2 : 1
            for unit in 0..<count {
                let stride = unit == count - 1 ? blockStride : 1
                x = try slimBottleneck(&b, name: "block\(block + 1)/unit_\(unit + 1)/bottleneck_v1", from: x, depthIn: depthIn,
                                       bottleneck: bottleneck, stride: stride)
                depthIn = 4 * bottleneck
            }
        }
        return try finishResNet(&b, pool: "pool5", classifier: "logits", loss: "predictions")
    }

    /// TF-slim's `bottleneck` unit: 1x1 (bottleneck), 3x3 (bottleneck, the unit's
    /// stride), 1x1 (4 x bottleneck, no ReLU); plus the shortcut; then ReLU.
    private static func slimBottleneck(_ b: inout NetworkBuilder, name: String, from x: Int, depthIn: Int, bottleneck: Int,
                                       stride: Int) throws -> Int {
        let depth = 4 * bottleneck
        try slimConv(&b, "\(name)/conv1", from: x, out: bottleneck, kernel: 1)
        try slimConv(&b, "\(name)/conv2", out: bottleneck, kernel: 3, stride: stride)
        let residual = try slimConv(&b, "\(name)/conv3", out: depth, kernel: 1, relu: false)
        let shortcut: Int
        if depth != depthIn {
            shortcut = try slimConv(&b, "\(name)/shortcut", from: x, out: depth, kernel: 1, stride: stride, relu: false)
        } else if stride > 1 {
            shortcut = try b.maxPool("\(name)/shortcut", from: x, kernel: 1, stride: stride)
        } else {
            shortcut = x
        }
        try b.addLayers("\(name)/add", [shortcut, residual])
        return try b.relu("\(name)/Relu")
    }

    /// `slim.conv2d` (or `conv2d_same`) under `resnet_arg_scope`: no biases, batch norm
    /// (`name/BatchNorm`), and ReLU unless `relu` is false; padded by (k − 1) / 2.
    @discardableResult
    private static func slimConv(_ b: inout NetworkBuilder, _ name: String, from: Int? = nil, out: Int, kernel: Int,
                                 stride: Int = 1, relu: Bool = true) throws -> Int {
        try b.conv(name, from: from, out: out, kernel: kernel, stride: stride, pad: (kernel - 1) / 2, bias: false)
        let normalized = try b.batchNorm("\(name)/BatchNorm")
        return relu ? try b.relu("\(name)/Relu") : normalized
    }
}
