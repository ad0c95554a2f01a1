import Testing
@testable import Workload

/// NVIDIA DeepLearningExamples' ResNeXt-101 32x4d (`resnext101-32x4d` in
/// PyTorch/Classification/ConvNets/image_classification/models/resnet.py: layers
/// [3, 4, 23, 3], widths [128, 256, 512, 1024], expansion 2, cardinality 32), which
/// torchvision does not ship, so its figures are counted here from that definition.
@Suite struct ResNeXt101Tests {
    /// Parameters of DLE's definition, block by block: a 7x7 stem with batch norm; per
    /// bottleneck a 1x1 conv to the width, a grouped 3x3 (32 groups), a 1x1 conv to twice
    /// the width, three batch norms, and on each stage's first block a 1x1 projection
    /// with batch norm; a 1000-way classifier with biases. No conv has a bias.
    /// With `squeeze`, DLE's `SEBottleneck`: each block adds a squeeze-and-excitation unit
    /// of two 1x1 convolutions with biases, out -> squeeze -> out; with `squeezeRatio`, its
    /// TensorFlow code's unit of two dense layers with biases, out -> out / ratio -> out.
    static func parametersFromTheSource(stages: [Int], squeeze: Int? = nil, squeezeRatio: Int? = nil) -> Int {
        var total = 3 * 64 * 7 * 7 + 2 * 64
        var channels = 64
        for (blocks, width) in zip(stages, [128, 256, 512, 1024]) {
            let out = 2 * width
            for block in 0..<blocks {
                total += channels * width + width * (width / 32) * 9 + width * out + 2 * (width + width + out)
                if block == 0 { total += channels * out + 2 * out }
                if let squeeze = squeeze ?? squeezeRatio.map({ out / $0 }) { total += out * squeeze + squeeze + squeeze * out + out }
                channels = out
            }
        }
        return total + 2048 * 1000 + 1000
    }

    @Test func parametersAreThoseOfDLEsDefinition() throws {
        let net = try #require(Zoo.model(named: "resnext101_32x4d"))
        #expect(net.parameters == Self.parametersFromTheSource(stages: [3, 4, 23, 3]))
        #expect(net.parameters == 44_177_704)
        // The same count for 50 layers is torchvision's resnext50_32x4d: the formula is its builder's.
        #expect(Self.parametersFromTheSource(stages: [3, 4, 6, 3]) == 25_028_904)
    }

    /// DLE's SE-ResNeXt-101 32x4d: a 16-channel unit (`se_squeeze=16`, a width, not a
    /// ratio) on every bottleneck, gating its output before the shortcut is added.
    @Test func theSEVariantHasASixteenChannelUnitOnEveryBlock() throws {
        let net = try #require(Zoo.model(named: "se_resnext101_32x4d"))
        #expect(net.parameters == Self.parametersFromTheSource(stages: [3, 4, 23, 3], squeeze: 16))
        #expect(net.parameters == 45_251_128)
        let squeezes = net.layers.filter { $0.name.hasSuffix(".squeeze.fc1") }
        #expect(squeezes.count == 33 && squeezes.allSatisfy { $0.outputShape.channels == 16 })
        let add = net.layers[try #require(net.index(of: "layer4.2.add"))]
        #expect(add.inputs.contains(try #require(net.index(of: "layer4.2.squeeze.scale"))))
    }

    /// DLE's TensorFlow SE-ResNeXt-101 32x4d: the unit is 1/16 of its block's output
    /// (`units=num_channels // ratio`, `se_ratio` 16), 16, 32, 64 and 128 channels by stage.
    @Test func theTensorFlowSEVariantsUnitIsASixteenthOfItsBlock() throws {
        let net = try #require(Zoo.model(named: "se_resnext101_32x4d-tf"))
        #expect(net.parameters == Self.parametersFromTheSource(stages: [3, 4, 23, 3], squeezeRatio: 16))
        #expect(net.parameters == 48_955_416)
        let widths = ["layer1.0", "layer2.0", "layer3.0", "layer4.0"].map { block in
            net.layers.first { $0.name == "\(block).squeeze.fc1" }?.outputShape.channels
        }
        #expect(widths == [16, 32, 64, 128])
    }

    @Test func theThirdStagesThreeByThreeIsGroupedAndStrided() throws {
        let net = try #require(Zoo.model(named: "resnext101_32x4d"))
        let conv = net.layers[try #require(net.index(of: "layer3.0.conv2"))]
        #expect(conv.outputShape == TensorShape(channels: 512, height: 14, width: 14))
        #expect(net.layers.filter { $0.name.hasPrefix("layer3.") && $0.name.hasSuffix(".conv2") }.count == 23)
        #expect(net.layers.last?.outputShape == TensorShape(channels: 1000))
    }
}
