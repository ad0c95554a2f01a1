import Testing
@testable import Workload

/// TF-slim's ResNet v1 (tensorflow/models, research/slim/nets/resnet_v1.py): the same
/// parameters as torchvision's ResNets, the stride in each block's last unit.
@Suite struct SlimResNetTests {
    /// Multiply-adds of the convolutions and the logits, and the parameters, worked out
    /// from the source's unit list alone: a unit is 1x1 (depth_in -> d), 3x3 (d -> d, the
    /// unit's stride), 1x1 (d -> 4d), a projection (depth_in -> 4d) where the depth
    /// changes; the stride sits in the last unit of blocks 1-3; batch norm adds a scale
    /// and an offset per channel; the logits are 2048 x 1000 plus biases.
    static func fromTheSource(units: [Int], image: Int = 224) -> (macs: Int, parameters: Int, finalSize: Int) {
        var h = (image + 6 - 7) / 2 + 1
        var macs = h * h * 7 * 7 * 3 * 64, parameters = 7 * 7 * 3 * 64 + 2 * 64
        h = (h + 2 - 3) / 2 + 1
        var depthIn = 64
        for (block, count) in units.enumerated() {
            let d = 64 << block, depth = 4 * d
            for unit in 0..<count {
                let stride = unit == count - 1 && block < 3 ? 2 : 1
                let out = stride > 1 ? (h - 1) / 2 + 1 : h
                macs += h * h * depthIn * d + out * out * (9 * d * d + d * depth)
                parameters += depthIn * d + 9 * d * d + d * depth + 2 * (2 * d + depth)
                if depth != depthIn { macs += out * out * depthIn * depth; parameters += depthIn * depth + 2 * depth }
                (h, depthIn) = (out, depth)
            }
        }
        return (macs + 2048 * 1000, parameters + 2048 * 1000 + 1000, h)
    }

    static func gemmMACs(_ net: Network) -> Int {
        net.layers.compactMap(\.cost.gemm).reduce(0) { $0 + $1.m * $1.nPerExample * $1.k * $1.count }
    }

    @Test(arguments: [(50, "resnet50", 25_557_032, 3_482_255_360), (101, "resnet101", 44_549_160, 7_194_476_544),
                      (152, "resnet152", 60_192_808, 10_906_697_728)])
    func countsFollowTheSource(depth: Int, torchvision: String, parameters: Int, macs: Int) throws {
        let net = try #require(Zoo.model(named: "resnet_v1_\(depth)"))
        let derived = Self.fromTheSource(units: Zoo.slimResNetV1Blocks[depth]!)
        #expect(derived.parameters == parameters && derived.macs == macs)
        #expect(net.parameters == parameters)
        #expect(Self.gemmMACs(net) == macs)
        // torchvision's v1.5 has the same parameters, and more products: its stride comes
        // one unit later, so the first units of stages 2-4 start at the larger size.
        let tv = try #require(Zoo.model(named: torchvision))
        #expect(tv.parameters == net.parameters)
        #expect(Self.gemmMACs(tv) > Self.gemmMACs(net))
    }

    @Test func theLastUnitOfABlockStridesItsThreeByThree() throws {
        let net = try #require(Zoo.model(named: "resnet_v1_50"))
        func shape(_ name: String) throws -> TensorShape { net.layers[try #require(net.index(of: name), "\(name)")].outputShape }
        #expect(try shape("block1/unit_2/bottleneck_v1/conv2") == TensorShape(channels: 64, height: 56, width: 56))
        #expect(try shape("block1/unit_3/bottleneck_v1/conv1") == TensorShape(channels: 64, height: 56, width: 56))
        #expect(try shape("block1/unit_3/bottleneck_v1/conv2") == TensorShape(channels: 64, height: 28, width: 28))
        // The strided unit's shortcut is the input subsampled (a 1x1 max pool), no weights.
        let subsample = try #require(net.index(of: "block1/unit_3/bottleneck_v1/shortcut"))
        #expect(net.layers[subsample].outputShape == TensorShape(channels: 256, height: 28, width: 28))
        #expect(net.layers[subsample].cost.parameters == 0)
        // Each block's first unit projects at the block's input size, stride 1.
        #expect(try shape("block2/unit_1/bottleneck_v1/shortcut") == TensorShape(channels: 512, height: 28, width: 28))
        #expect(try shape("block2/unit_1/bottleneck_v1/conv1") == TensorShape(channels: 128, height: 28, width: 28))
        #expect(try shape("block4/unit_3/bottleneck_v1/Relu") == TensorShape(channels: 2048, height: 7, width: 7))
        #expect(net.layers.last?.outputShape == TensorShape(channels: 1000))
    }

    /// resnet_v1's docstring: "Using as input [225, 225] images results in [8, 8]
    /// feature maps at the output of the last ResNet block."
    @Test func anOddInputEndsInEightByEight() throws {
        let net = try #require(try Zoo.model(named: "resnet_v1_101", input: TensorShape(channels: 3, height: 225, width: 225)))
        let last = try #require(net.index(of: "block4/unit_3/bottleneck_v1/Relu"))
        #expect(net.layers[last].outputShape == TensorShape(channels: 2048, height: 8, width: 8))
        #expect(Self.fromTheSource(units: Zoo.slimResNetV1Blocks[101]!, image: 225).finalSize == 8)
        #expect(Self.gemmMACs(net) == Self.fromTheSource(units: Zoo.slimResNetV1Blocks[101]!, image: 225).macs)
        #expect(net.name == "resnet_v1_101-225x225")
    }
}
