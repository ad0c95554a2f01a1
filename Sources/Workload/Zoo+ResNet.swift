extension Zoo {
    /// A torchvision ResNet variant (`torchvision/models/resnet.py`): the block,
    /// the blocks per stage, and the bottleneck's groups and width per group.
    struct ResNetConfig {
        enum Block { case basic, bottleneck }
        var name: String
        var block: Block
        var stages: [Int]
        var groups = 1
        var widthPerGroup = 64
        /// Channels of a squeeze-and-excitation unit on each bottleneck's output (its
        /// squeeze width); nil: none.
        var squeezeExcitation: Int? = nil
        /// A squeeze-and-excitation unit on each bottleneck's output whose width is that
        /// output's channels divided by this ratio (Hu et al.'s reduction ratio); nil: none,
        /// or the fixed width above.
        var squeezeExcitationRatio: Int? = nil
        /// Whether a downsampling bottleneck strides in its first 1x1 convolution (v1, as
        /// MSRA's released Caffe models) rather than its 3x3 (v1.5, torchvision's).
        var strideOnFirstConv = false
        /// Whether the 7x7 stem convolution has a bias beside its batch norm (MSRA's ResNet-50).
        var stemBias = false
    }

    static let resnet18Config = ResNetConfig(name: "resnet18", block: .basic, stages: [2, 2, 2, 2])
    static let resnet34Config = ResNetConfig(name: "resnet34", block: .basic, stages: [3, 4, 6, 3])
    static let resnet50Config = ResNetConfig(name: "resnet50", block: .bottleneck, stages: [3, 4, 6, 3])
    static let resnet101Config = ResNetConfig(name: "resnet101", block: .bottleneck, stages: [3, 4, 23, 3])
    static let resnet152Config = ResNetConfig(name: "resnet152", block: .bottleneck, stages: [3, 8, 36, 3])
    /// ResNet v1 as He et al. released it (KaimingHe/deep-residual-networks, `prototxt/`):
    /// the same layers as v1.5, but `res3a`, `res4a` and `res5a` stride in their first 1x1
    /// convolution (`branch2a`, and the `branch1` projection), so the 3x3 runs at the lower
    /// resolution. Ported as Lasagne's and caffe-tensorflow's ResNet-50.
    /// MSRA's ResNet-50 (ResNet-50-deploy.prototxt) also gives conv1 a bias; its 101 and 152 do not.
    static let resnet50MSRAConfig = ResNetConfig(name: "resnet50-msra", block: .bottleneck, stages: [3, 4, 6, 3], strideOnFirstConv: true,
                                                 stemBias: true)
    static let resnet101MSRAConfig = ResNetConfig(name: "resnet101-msra", block: .bottleneck, stages: [3, 4, 23, 3], strideOnFirstConv: true)
    static let resnet152MSRAConfig = ResNetConfig(name: "resnet152-msra", block: .bottleneck, stages: [3, 8, 36, 3], strideOnFirstConv: true)
    /// `wide_resnet50_2`: twice the bottleneck width (width per group 128).
    static let wideResnet50x2Config = ResNetConfig(name: "wide_resnet50_2", block: .bottleneck, stages: [3, 4, 6, 3],
                                                   widthPerGroup: 128)
    /// `resnext50_32x4d`: 32 groups of 4 channels per 64 of the stage's width.
    static let resnext50x32x4dConfig = ResNetConfig(name: "resnext50_32x4d", block: .bottleneck, stages: [3, 4, 6, 3],
                                                    groups: 32, widthPerGroup: 4)
    /// `resnext101_32x4d`: NVIDIA DeepLearningExamples' ResNeXt-101 32x4d (not in
    /// torchvision), the same blocks in ResNet-101's stages: DLE's `resnext101-32x4d`
    /// (widths 128-1024, expansion 2, cardinality 32) is this builder's 32 groups of 4.
    static let resnext101x32x4dConfig = ResNetConfig(name: "resnext101_32x4d", block: .bottleneck, stages: [3, 4, 23, 3],
                                                     groups: 32, widthPerGroup: 4)
    /// `se_resnext101_32x4d`: DLE's SE-ResNeXt-101 32x4d (`se-resnext101-32x4d`,
    /// `SEBottleneck`): the same, with a squeeze-and-excitation unit of 16 channels (a
    /// fixed width, `se_squeeze=16`, not a ratio) on each bottleneck's output. DLE
    /// applies the gate and adds the shortcut in one kernel (`torch.addcmul`); here the
    /// channel scale and the add are two layers, one more full-size tensor written and read.
    static let seResnext101x32x4dConfig = ResNetConfig(name: "se_resnext101_32x4d", block: .bottleneck, stages: [3, 4, 23, 3],
                                                       groups: 32, widthPerGroup: 4, squeezeExcitation: 16)
    /// `se_resnext101_32x4d-tf`: DLE's SE-ResNeXt-101 32x4d as its TensorFlow code builds it
    /// (TensorFlow/Classification/ConvNets: `model/layers/squeeze_excitation_layer.py`,
    /// `units=num_channels // ratio`, with `se_ratio` 16 in `model/resnet.py`): the unit's width
    /// is the block's output over 16, 16 to 128 channels by stage, where the PyTorch code's is 16
    /// throughout.
    static let seResnext101x32x4dTFConfig = ResNetConfig(name: "se_resnext101_32x4d-tf", block: .bottleneck, stages: [3, 4, 23, 3],
                                                         groups: 32, widthPerGroup: 4, squeezeExcitationRatio: 16)

    /// A torchvision ResNet on `input` images (3x224x224 by default): a 7x7 stride-2
    /// stem, a 3x3 stride-2 max pool, four stages of 64, 128, 256 and 512 planes
    /// (each after the first halving the size in its first block), global average
    /// pooling and a 1000-way FC layer. Bottleneck blocks are v1.5 (the stride on
    /// the 3x3 convolution) unless the config strides the first 1x1 (v1); a stage's
    /// first block gets a projection shortcut (1x1 convolution and batch norm) whenever
    /// its stride or channels change.
    static func resnet(_ config: ResNetConfig, input: TensorShape = imageNetInput) throws -> Network {
        var b = NetworkBuilder(name: config.name, input: input)
        if config.stemBias {
            try b.conv("conv1", out: 64, kernel: 7, stride: 2, pad: 3, bias: true)
            try b.batchNorm("conv1.bn")
            try b.relu("conv1.relu")
        } else {
            try b.convBNReLU("conv1", out: 64, kernel: 7, stride: 2, pad: 3)
        }
        var x = try b.maxPool("maxpool", kernel: 3, stride: 2, pad: 1)
        var channels = 64
        for (s, blocks) in config.stages.enumerated() {
            let planes = 64 << s
            for i in 0..<blocks {
                let stride = (i == 0 && s > 0) ? 2 : 1
                let name = "layer\(s + 1).\(i)"
                switch config.block {
                case .basic:
                    x = try basicBlock(&b, name: name, from: x, planes: planes, stride: stride, project: stride != 1 || channels != planes)
                    channels = planes
                case .bottleneck:
                    let width = planes * config.widthPerGroup / 64 * config.groups
                    x = try bottleneck(&b, name: name, from: x, width: width, out: 4 * planes, stride: stride,
                                       strideOnFirstConv: config.strideOnFirstConv, groups: config.groups,
                                       squeezeExcitation: config.squeezeExcitation ?? config.squeezeExcitationRatio.map { 4 * planes / $0 },
                                       project: stride != 1 || channels != 4 * planes)
                    channels = 4 * planes
                }
            }
        }
        return try finishResNet(&b, pool: "avgpool", classifier: "fc", loss: "loss")
    }

    /// A ResNet's end, torchvision's or TF-slim's: global average pooling, a 1000-way
    /// classifier with biases, the loss; the finished network.
    static func finishResNet(_ b: inout NetworkBuilder, pool: String, classifier: String, loss: String) throws -> Network {
        try b.adaptiveAvgPool(pool, height: 1, width: 1)
        try b.fc(classifier, units: 1000)
        try b.softmax(loss)
        return try b.finish()
    }

    /// A basic block: two 3x3 convolutions with batch norm (the first strided), plus
    /// the shortcut.
    private static func basicBlock(_ b: inout NetworkBuilder, name: String, from x: Int, planes: Int, stride: Int,
                                   project: Bool) throws -> Int {
        try b.convBNReLU("\(name).conv1", from: x, out: planes, kernel: 3, stride: stride, pad: 1)
        try b.conv("\(name).conv2", out: planes, kernel: 3, pad: 1, bias: false)
        let main = try b.batchNorm("\(name).conv2.bn")
        let shortcut = try projection(&b, name: name, from: x, out: planes, stride: stride, project: project)
        try b.addLayers("\(name).add", [main, shortcut])
        return try b.relu("\(name).relu")
    }

    /// A bottleneck block: 1x1 (width), 3x3 (width, stride, groups), 1x1 (out), with
    /// a squeeze-and-excitation unit of `squeezeExcitation` channels on its output
    /// where given (DLE's: average pooling, 1x1 convolutions with biases, an in-place
    /// ReLU, a sigmoid gate), plus the shortcut. With `strideOnFirstConv` the first 1x1
    /// strides instead of the 3x3 (v1).
    private static func bottleneck(_ b: inout NetworkBuilder, name: String, from x: Int, width: Int, out: Int, stride: Int,
                                   strideOnFirstConv: Bool = false, groups: Int, squeezeExcitation squeeze: Int? = nil,
                                   project: Bool) throws -> Int {
        try b.convBNReLU("\(name).conv1", from: x, out: width, kernel: 1, stride: strideOnFirstConv ? stride : 1)
        try b.convBNReLU("\(name).conv2", out: width, kernel: 3, stride: strideOnFirstConv ? 1 : stride, pad: 1, groups: groups)
        try b.conv("\(name).conv3", out: out, kernel: 1, bias: false)
        var main = try b.batchNorm("\(name).conv3.bn")
        if let squeeze {
            main = try squeezeExcitation(&b, "\(name).squeeze", from: main, channels: out, squeeze: squeeze, activation: .relu,
                                         activationInPlace: true, gate: .sigmoid)
        }
        let shortcut = try projection(&b, name: name, from: x, out: out, stride: stride, project: project)
        try b.addLayers("\(name).add", [main, shortcut])
        return try b.relu("\(name).relu")
    }

    /// The shortcut: `x` itself, or a strided 1x1 convolution with batch norm.
    private static func projection(_ b: inout NetworkBuilder, name: String, from x: Int, out: Int, stride: Int,
                                   project: Bool) throws -> Int {
        guard project else { return x }
        try b.conv("\(name).downsample", from: x, out: out, kernel: 1, stride: stride, bias: false)
        return try b.batchNorm("\(name).downsample.bn")
    }
}
