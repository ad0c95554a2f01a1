import Testing
@testable import Workload

@Suite struct ZooTests {
    /// Published parameter counts of the reference implementations.
    @Test(arguments: [
        ("alexnet-owt", 61_100_840),       // torchvision alexnet
        ("vgg16", 138_357_544),            // torchvision vgg16
        ("resnet50", 25_557_032),          // torchvision resnet50
        ("googlenet", 6_624_904),          // torchvision googlenet (no aux heads)
        ("inception-v3", 27_161_264),      // torchvision inception_v3 (with AuxLogits)
        ("nin", 7_595_176),                // Caffe NIN-ImageNet prototxt
    ])
    func parameterCountsMatchReferences(name: String, parameters: Int) throws {
        let model = try #require(Zoo.model(named: name))
        #expect(model.parameters == parameters)
    }

    @Test func everyZooModelBuildsAndEndsInALoss() throws {
        for entry in Zoo.entries {
            let model = try entry.build()
            #expect(model.name == entry.name)
            #expect(model.layers.last?.kind == .softmaxCrossEntropy)
            #expect(model.layers.last?.outputShape == TensorShape(channels: 1000))
            #expect(model.forwardFLOPsPerExample > 0)
        }
    }

    @Test func alexNetShapesFollowThePaper() throws {
        let net = try #require(Zoo.model(named: "alexnet-owt"))
        let pool5 = try #require(net.index(of: "pool5"))
        #expect(net.layers[pool5].outputShape == TensorShape(channels: 256, height: 6, width: 6))
        // Conv layers hold about 4% of the weights, FC the rest ("about 5% of the parameters" in the
        // conv layers: Krizhevsky 2014, arXiv:1404.5997).
        let conv = net.layers.filter { $0.kind.shortName == "conv" }.reduce(0) { $0 + $1.cost.parameters }
        let fc = net.layers.filter { $0.kind.shortName == "fc" }.reduce(0) { $0 + $1.cost.parameters }
        #expect(conv == 2_469_696)
        #expect(fc == 58_631_144)
    }

    @Test func cudaConvnet2VariantEndsIn5x5() throws {
        let net = try #require(Zoo.model(named: "alexnet-owt-cc2"))
        let pool5 = try #require(net.index(of: "pool5"))
        #expect(net.layers[pool5].outputShape == TensorShape(channels: 256, height: 5, width: 5))
        #expect(net.layers.contains { $0.kind == .localResponseNorm(size: 5) })
    }

    /// ResNet-50 forward is about 4.1 GMACs (8.2 GFLOPs) per 224x224 image; the
    /// conv and FC products alone are 4.09 GMACs (He et al. 2016 report 3.8e9 "FLOPs", i.e. multiply-adds).
    @Test func resnet50ForwardFLOPsAreAbout8Billion() throws {
        let net = try #require(Zoo.model(named: "resnet50"))
        let gemmFLOPs = net.layers.filter { $0.cost.gemm != nil }.reduce(0) { $0 + 2 * ($1.cost.gemm!.m * $1.cost.gemm!.nPerExample * $1.cost.gemm!.k * $1.cost.gemm!.count) }
        #expect(abs(Double(gemmFLOPs) / 2 - 4.09e9) / 4.09e9 < 0.01)
    }

    @Test func firstConvNeedsNoInputGradient() throws {
        let net = try #require(Zoo.model(named: "vgg16"))
        #expect(net.layers[1].cost.backwardDataFLOPs == 0)
        #expect(net.layers[3].cost.backwardDataFLOPs > 0)
    }

    @Test func unknownModelIsNil() {
        #expect(Zoo.model(named: "resnet51") == nil)
        #expect(Zoo.model(named: "ResNet50") != nil)
    }
}

@Suite struct BuilderTests {
    @Test func poolingCeilModeFollowsPyTorch() throws {
        #expect(try windowOutput(112, 3, 2, 0, ceil: true) == 56)
        #expect(try windowOutput(112, 3, 2, 0, ceil: false) == 55)
        #expect(try windowOutput(14, 2, 2, 0, ceil: true) == 7)
        #expect(try windowOutput(54, 3, 2, 0, ceil: false) == 26)
    }

    @Test func shapeErrorsAreClear() throws {
        var b = NetworkBuilder(name: "bad", input: TensorShape(channels: 3, height: 8, width: 8))
        #expect(throws: ModelError.self) { try b.conv("c", out: 4, kernel: 11) }
        let a = try b.conv("a", from: 0, out: 4, kernel: 3)
        let c = try b.conv("c2", from: 0, out: 4, kernel: 1)
        #expect(throws: ModelError.self) { try b.addLayers("sum", [a, c]) }
        #expect(throws: ModelError.self) { try b.conv("a", from: 0, out: 4, kernel: 3) }
        // A pooling window the message describes with the values given.
        #expect { try b.maxPool("p", from: 0, kernel: 2, stride: 2, pad: 2) } throws: { error in
            "\(error)".contains("got kernel 2, stride 2, pad 2")
        }
    }

    @Test func convolutionCostsFollowTheFormula() throws {
        var b = NetworkBuilder(name: "t", input: TensorShape(channels: 3, height: 8, width: 8))
        try b.conv("c1", out: 4, kernel: 3, pad: 1)
        try b.conv("c2", out: 5, kernel: 3, pad: 1, bias: false)
        let net = try b.finish()
        let c1 = net.layers[1].cost, c2 = net.layers[2].cost
        #expect(c1.parameters == 4 * 3 * 9 + 4)
        #expect(c1.forwardFLOPs == 2 * (4 * 64) * 27 + 4 * 64)
        #expect(c1.backwardDataFLOPs == 0)
        #expect(c2.backwardDataFLOPs == 2 * (5 * 64) * 36)
        #expect(c2.gemm == GEMMShape(m: 5, nPerExample: 64, k: 36))
    }
}
