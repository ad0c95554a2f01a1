import Testing
@testable import Workload

/// ResNet v1 as He et al. released it (KaimingHe/deep-residual-networks, prototxt/): the
/// same layers and parameters as torchvision's v1.5, the stride in each downsampling
/// block's first 1x1 convolution (`branch2a`) and its projection (`branch1`).
@Suite struct MSRAResNetTests {
    /// Multiply-adds of the convolutions and the classifier worked out from the prototxt's
    /// layout alone: conv1 7x7/2 to 112, pool1 to 56; in each stage the first block's 1x1
    /// (depth_in -> d) strides 2 (stages 2-4), then 3x3 (d -> d) and 1x1 (d -> 4d) at the
    /// new size, and a strided projection (depth_in -> 4d); the classifier is 2048 x 1000.
    static func fromThePrototxt(stages: [Int]) -> Int {
        var macs = 112 * 112 * 7 * 7 * 3 * 64, h = 56, depthIn = 64
        for (stage, count) in stages.enumerated() {
            let d = 64 << stage, depth = 4 * d
            for unit in 0..<count {
                let out = unit == 0 && stage > 0 ? h / 2 : h
                macs += out * out * (depthIn * d + 9 * d * d + d * depth)
                if unit == 0 { macs += out * out * depthIn * depth }
                (h, depthIn) = (out, depth)
            }
        }
        return macs + 2048 * 1000
    }

    /// torchvision's parameters; MSRA's ResNet-50 adds conv1's 64 biases.
    @Test(arguments: [(50, [3, 4, 6, 3], 25_557_032, 64), (101, [3, 4, 23, 3], 44_549_160, 0), (152, [3, 8, 36, 3], 60_192_808, 0)])
    func countsFollowThePrototxt(depth: Int, stages: [Int], parameters: Int, stemBiases: Int) throws {
        let net = try #require(Zoo.model(named: "resnet\(depth)-msra"))
        let torchvision = try #require(Zoo.model(named: "resnet\(depth)"))
        #expect(torchvision.parameters == parameters && net.parameters == parameters + stemBiases)
        #expect(SlimResNetTests.gemmMACs(net) == Self.fromThePrototxt(stages: stages))
        // v1.5 strides the 3x3 instead: the first 1x1 of each downsampling block runs at the larger size.
        #expect(SlimResNetTests.gemmMACs(torchvision) > SlimResNetTests.gemmMACs(net))
    }

    @Test func theFirstOneByOneStrides() throws {
        let net = try #require(Zoo.model(named: "resnet50-msra"))
        func shape(_ name: String) throws -> TensorShape { net.layers[try #require(net.index(of: name), "\(name)")].outputShape }
        #expect(try shape("layer1.0.conv1") == TensorShape(channels: 64, height: 56, width: 56))
        #expect(try shape("layer2.0.conv1") == TensorShape(channels: 128, height: 28, width: 28))
        #expect(try shape("layer2.0.conv2") == TensorShape(channels: 128, height: 28, width: 28))
        #expect(try shape("layer2.0.downsample") == TensorShape(channels: 512, height: 28, width: 28))
        #expect(try shape("layer4.2.relu") == TensorShape(channels: 2048, height: 7, width: 7))
    }
}
