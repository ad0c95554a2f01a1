import Foundation

extension Zoo {
    /// The width and depth multipliers and the classifier's dropout of torchvision's
    /// `efficientnet_b0`...`efficientnet_b4` (Tan & Le 2019, table 1 scaled by
    /// compound coefficients), and the resolution torchvision's weights are
    /// evaluated at (224, 240, 288, 300, 380), at which its documentation counts FLOPs.
    static let efficientNetScales: [(width: Double, depth: Double, dropout: Double, resolution: Int)] = [
        (1.0, 1.0, 0.2, 224), (1.0, 1.1, 0.2, 240), (1.1, 1.2, 0.3, 288), (1.2, 1.4, 0.3, 300), (1.4, 1.8, 0.4, 380),
    ]

    /// torchvision's `efficientnet_b<variant>` (`torchvision/models/efficientnet.py`),
    /// on `input` images (3x224x224 by default, for every variant).
    ///
    /// A 3x3 stride-2 convolution to 32 x width channels; seven stages of MBConv
    /// blocks, (expand ratio, kernel, stride, input, output, layers) = (1, 3, 1, 32,
    /// 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
    /// (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1), channels
    /// scaled by the width multiplier (`_make_divisible`, multiples of 8) and
    /// layers by the depth multiplier (rounded up); a 1x1 convolution to 4 x the
    /// last stage's channels; global average pooling, dropout, FC 1000. SiLU
    /// after every batch norm except a block's projection.
    ///
    /// An MBConv block: 1x1 expansion (unless the ratio is 1), depthwise k x k with
    /// the stride, squeeze-and-excitation to max(1, input / 4) channels with SiLU
    /// (in place: `activation=partial(nn.SiLU, inplace=True)`) and a sigmoid gate, 1x1 projection; when the stride is 1 and the channels
    /// match, stochastic depth (probability 0.2 x block index / blocks, absent
    /// at 0) and the residual add.
    static func efficientNet(_ variant: Int, input: TensorShape = imageNetInput) throws -> Network {
        guard efficientNetScales.indices.contains(variant) else { throw ModelError("EfficientNet has no variant b\(variant) here") }
        let scale = efficientNetScales[variant]
        func width(_ channels: Int) -> Int { makeDivisible(Double(channels) * scale.width) }
        let stages: [(expand: Int, kernel: Int, stride: Int, input: Int, out: Int, layers: Int)] = [
            (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
            (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1),
        ].map { ($0.0, $0.1, $0.2, width($0.3), width($0.4), Int(ceil(Double($0.5) * scale.depth))) }
        let totalBlocks = stages.reduce(0) { $0 + $1.layers }

        var b = NetworkBuilder(name: "efficientnet_b\(variant)", input: input)
        let silu = LayerKind.activation(.silu)
        var x = try b.convNormActivation("features.0", out: stages[0].input, kernel: 3, stride: 2, activation: silu)
        var blockIndex = 0
        for (s, stage) in stages.enumerated() {
            for i in 0..<stage.layers {
                let input = i == 0 ? stage.input : stage.out
                let stride = i == 0 ? stage.stride : 1
                let name = "features.\(s + 1).\(i)"
                let expanded = makeDivisible(Double(input * stage.expand))
                var part = 0
                var y = x
                if expanded != input {
                    y = try b.convNormActivation("\(name).block.\(part)", from: y, out: expanded, kernel: 1, activation: silu)
                    part += 1
                }
                y = try b.convNormActivation("\(name).block.\(part)", from: y, out: expanded, kernel: stage.kernel, stride: stride,
                                             groups: expanded, activation: silu)
                y = try squeezeExcitation(&b, "\(name).block.\(part + 1)", from: y, channels: expanded, squeeze: max(1, input / 4),
                                          activation: silu, activationInPlace: true, gate: .sigmoid)
                y = try b.convNormActivation("\(name).block.\(part + 2)", from: y, out: stage.out, kernel: 1, activation: nil)
                if stride == 1 && input == stage.out {
                    let probability = 0.2 * Double(blockIndex) / Double(totalBlocks)
                    if probability > 0 { y = try b.stochasticDepth("\(name).stochastic_depth", probability: probability) }
                    y = try b.addLayers("\(name).add", [y, x])
                }
                x = y
                blockIndex += 1
            }
        }
        try b.convNormActivation("features.\(stages.count + 1)", from: x, out: 4 * stages.last!.out, kernel: 1, activation: silu)
        try b.adaptiveAvgPool("avgpool", height: 1, width: 1)
        try b.dropout("classifier.0", probability: scale.dropout)
        try b.fc("classifier.1", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }
}
