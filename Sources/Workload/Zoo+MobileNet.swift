extension Zoo {
    /// torchvision's `mobilenet_v2` (Sandler et al. 2018, `torchvision/models/mobilenetv2.py`),
    /// width 1.0: a 3x3 stride-2 convolution to 32 channels, seventeen inverted
    /// residual blocks, a 1x1 convolution to 1280, global average pooling, dropout
    /// 0.2 and FC 1000; every convolution is followed by batch norm and, except a
    /// block's projection, ReLU6.
    ///
    /// A block expands to t x its input channels (1x1; skipped when t = 1), filters
    /// each channel on its own (3x3 depthwise, groups = channels, with the
    /// stride), projects to c channels (1x1), and adds its input when the stride is
    /// 1 and the channels match. Stages (t, c, n, s): (1, 16, 1, 1), (6, 24, 2, 2),
    /// (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1).
    static func mobilenetV2(input: TensorShape = imageNetInput) throws -> Network {
        var b = NetworkBuilder(name: "mobilenet_v2", input: input)
        let relu6 = LayerKind.activation(.relu6)
        var x = try b.convNormActivation("features.0", out: 32, kernel: 3, stride: 2, activation: relu6)
        var channels = 32
        let stages: [(t: Int, c: Int, n: Int, s: Int)] = [
            (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
        ]
        var index = 1
        for stage in stages {
            for i in 0..<stage.n {
                let stride = i == 0 ? stage.s : 1
                let name = "features.\(index).conv"
                let hidden = channels * stage.t
                var part = 0
                if stage.t != 1 {
                    try b.convNormActivation("\(name).\(part)", from: x, out: hidden, kernel: 1, activation: relu6)
                    part += 1
                }
                try b.convNormActivation("\(name).\(part)", from: stage.t != 1 ? nil : x, out: hidden, kernel: 3, stride: stride,
                                         groups: hidden, activation: relu6)
                try b.conv("\(name).\(part + 1)", out: stage.c, kernel: 1, bias: false)
                let y = try b.batchNorm("\(name).\(part + 2)")
                if stride == 1 && channels == stage.c { x = try b.addLayers("features.\(index).add", [y, x]) } else { x = y }
                channels = stage.c
                index += 1
            }
        }
        try b.convNormActivation("features.\(index)", from: x, out: 1280, kernel: 1, activation: relu6)
        try b.adaptiveAvgPool("avgpool", height: 1, width: 1)
        try b.dropout("classifier.0", probability: 0.2)
        try b.fc("classifier.1", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }

    /// One row of torchvision's MobileNet v3 table (`_mobilenet_v3_conf`): input,
    /// kernel, expanded and output channels, squeeze-and-excitation, hard swish
    /// (else ReLU), stride.
    private typealias MobileNetV3Block = (input: Int, kernel: Int, expanded: Int, out: Int, se: Bool, hardSwish: Bool, stride: Int)

    /// torchvision's `mobilenet_v3_large` and `mobilenet_v3_small` (Howard et al.
    /// 2019, `torchvision/models/mobilenetv3.py`), width 1.0, no dilation.
    ///
    /// A 3x3 stride-2 convolution to 16 channels with hard swish; inverted residual
    /// blocks (1x1 expansion unless the expanded channels equal the input's,
    /// depthwise k x k with the stride, optional squeeze-and-excitation to
    /// `_make_divisible(expanded / 4, 8)` channels with ReLU and a hard sigmoid
    /// gate, 1x1 projection without activation, a residual add when the stride is
    /// 1 and the channels match); a 1x1 convolution to 6 x the last block's
    /// channels with hard swish; global average pooling; FC to 1280 (large) or
    /// 1024 (small) with hard swish, dropout 0.2, FC 1000. Batch norm follows
    /// every convolution outside the squeeze-and-excitation.
    static func mobilenetV3(large: Bool, input: TensorShape = imageNetInput) throws -> Network {
        let blocks: [MobileNetV3Block] = large ? [
            (16, 3, 16, 16, false, false, 1), (16, 3, 64, 24, false, false, 2), (24, 3, 72, 24, false, false, 1),
            (24, 5, 72, 40, true, false, 2), (40, 5, 120, 40, true, false, 1), (40, 5, 120, 40, true, false, 1),
            (40, 3, 240, 80, false, true, 2), (80, 3, 200, 80, false, true, 1), (80, 3, 184, 80, false, true, 1),
            (80, 3, 184, 80, false, true, 1), (80, 3, 480, 112, true, true, 1), (112, 3, 672, 112, true, true, 1),
            (112, 5, 672, 160, true, true, 2), (160, 5, 960, 160, true, true, 1), (160, 5, 960, 160, true, true, 1),
        ] : [
            (16, 3, 16, 16, true, false, 2), (16, 3, 72, 24, false, false, 2), (24, 3, 88, 24, false, false, 1),
            (24, 5, 96, 40, true, true, 2), (40, 5, 240, 40, true, true, 1), (40, 5, 240, 40, true, true, 1),
            (40, 5, 120, 48, true, true, 1), (48, 5, 144, 48, true, true, 1), (48, 5, 288, 96, true, true, 2),
            (96, 5, 576, 96, true, true, 1), (96, 5, 576, 96, true, true, 1),
        ]
        let lastChannel = large ? 1280 : 1024
        var b = NetworkBuilder(name: large ? "mobilenet_v3_large" : "mobilenet_v3_small",
                               input: input)
        let hardSwish = LayerKind.activation(.hardSwish)
        var x = try b.convNormActivation("features.0", out: 16, kernel: 3, stride: 2, activation: hardSwish)
        for (i, block) in blocks.enumerated() {
            let name = "features.\(i + 1).block"
            let activation = block.hardSwish ? hardSwish : .relu
            var part = 0
            var y = x
            if block.expanded != block.input {
                y = try b.convNormActivation("\(name).\(part)", from: y, out: block.expanded, kernel: 1, activation: activation)
                part += 1
            }
            y = try b.convNormActivation("\(name).\(part)", from: y, out: block.expanded, kernel: block.kernel, stride: block.stride,
                                         groups: block.expanded, activation: activation)
            part += 1
            if block.se {
                y = try squeezeExcitation(&b, "\(name).\(part)", from: y, channels: block.expanded,
                                          squeeze: makeDivisible(Double(block.expanded / 4)), activation: .relu, gate: .hardSigmoid)
                part += 1
            }
            y = try b.convNormActivation("\(name).\(part)", from: y, out: block.out, kernel: 1, activation: nil)
            if block.stride == 1 && block.input == block.out { x = try b.addLayers("features.\(i + 1).add", [y, x]) } else { x = y }
        }
        try b.convNormActivation("features.\(blocks.count + 1)", from: x, out: 6 * blocks.last!.out, kernel: 1, activation: hardSwish)
        try b.adaptiveAvgPool("avgpool", height: 1, width: 1)
        try b.fc("classifier.0", units: lastChannel)
        try b.activation("classifier.1", .hardSwish, inPlace: true)     // nn.Hardswish(inplace=True)
        try b.dropout("classifier.2", probability: 0.2)
        try b.fc("classifier.3", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }
}
