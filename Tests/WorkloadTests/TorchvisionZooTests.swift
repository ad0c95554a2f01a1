import Testing
@testable import Workload

/// The torchvision classification CNNs, checked against the figures torchvision
/// publishes for its ImageNet weights: `num_params` and `_ops` in each weights
/// enum's metadata (`torchvision/models/*.py`), shown as "Params" and "GFLOPS" in
/// the table of https://pytorch.org/vision/stable/models.html ("Table of all
/// available classification weights").
@Suite struct TorchvisionZooTests {
    /// (zoo name or alias, torchvision's `num_params`).
    static let parameterCounts: [(String, Int)] = [
        ("alexnet", 61_100_840),
        ("vgg11", 132_863_336), ("vgg11_bn", 132_868_840), ("vgg13", 133_047_848), ("vgg13_bn", 133_053_736),
        ("vgg16", 138_357_544), ("vgg16_bn", 138_365_992), ("vgg19", 143_667_240), ("vgg19_bn", 143_678_248),
        ("resnet18", 11_689_512), ("resnet34", 21_797_672), ("resnet50", 25_557_032),
        ("resnet101", 44_549_160), ("resnet152", 60_192_808),
        ("wide_resnet50_2", 68_883_240), ("resnext50_32x4d", 25_028_904),
        ("densenet121", 7_978_856),
        ("googlenet", 6_624_904),
        ("inception_v3", 27_161_264),
        ("mobilenet_v2", 3_504_872), ("mobilenet_v3_large", 5_483_032), ("mobilenet_v3_small", 2_542_856),
        ("efficientnet_b0", 5_288_548), ("efficientnet_b1", 7_794_184),
        ("efficientnet_b2", 9_109_994), ("efficientnet_b3", 12_233_232), ("efficientnet_b4", 19_341_616),
        ("squeezenet1_0", 1_248_424), ("squeezenet1_1", 1_235_496),
    ]

    @Test(arguments: parameterCounts)
    func parametersEqualTorchvisions(name: String, parameters: Int) throws {
        let model = try #require(Zoo.model(named: name), "no zoo model answers to \(name)")
        #expect(model.parameters == parameters)
    }

    /// The variants torchvision documents no count for, counted by hand from its
    /// source: GoogLeNet's two `InceptionAux` heads hold 3,188,968 (after
    /// inception4a, 512 channels in) and 3,191,016 (after inception4d, 528 in)
    /// parameters: a 1x1 conv to 128 with batch norm (C·128 + 256), FC 2048→1024
    /// and 1024→1000 with biases (3,123,176). Inception v3's `AuxLogits` holds
    /// 3,326,696: conv 768→128 (98,304) and 128→768 5x5 (2,457,600), their batch
    /// norms (256 + 1,536), FC 768→1000 (769,000).
    @Test(arguments: [
        ("googlenet-aux", 6_624_904 + 3_188_968 + 3_191_016),
        ("inception-v3-noaux", 27_161_264 - 3_326_696),
    ])
    func auxiliaryHeadVariants(name: String, parameters: Int) throws {
        let model = try #require(Zoo.model(named: name))
        #expect(model.parameters == parameters)
        let losses = model.layers.filter { $0.kind == .softmaxCrossEntropy }.count
        #expect(losses == (name == "googlenet-aux" ? 3 : 1))
    }

    /// torchvision's `_ops`: giga multiply-adds of the forward pass of one image at
    /// the weights' evaluation size (what its table calls GFLOPS: it counts a
    /// multiply-add once, where ScaleCast counts 2), and that size.
    static let documentedOperations: [(String, Double, Int)] = [
        ("alexnet", 0.714, 224),
        ("vgg11", 7.609, 224), ("vgg11_bn", 7.609, 224), ("vgg13", 11.308, 224), ("vgg13_bn", 11.308, 224),
        ("vgg16", 15.47, 224), ("vgg16_bn", 15.47, 224), ("vgg19", 19.632, 224), ("vgg19_bn", 19.632, 224),
        ("resnet18", 1.814, 224), ("resnet34", 3.664, 224), ("resnet50", 4.089, 224),
        ("resnet101", 7.801, 224), ("resnet152", 11.514, 224),
        ("wide_resnet50_2", 11.398, 224), ("resnext50_32x4d", 4.23, 224),
        ("densenet121", 2.834, 224),
        ("googlenet", 1.498, 224),
        ("inception_v3", 5.713, 299),
        ("mobilenet_v2", 0.301, 224), ("mobilenet_v3_large", 0.217, 224), ("mobilenet_v3_small", 0.057, 224),
        ("efficientnet_b0", 0.386, 224), ("efficientnet_b1", 0.687, 240),
        ("efficientnet_b2", 1.088, 288), ("efficientnet_b3", 1.827, 300), ("efficientnet_b4", 4.394, 380),
        ("squeezenet1_0", 0.819, 224), ("squeezenet1_1", 0.349, 224),
    ]

    /// The multiply-adds of the convolutions and FC layers (ScaleCast's forward
    /// FLOPs of those layers, less biases, halved) match torchvision's `_ops`
    /// within 0.2 %, plus 0.0005 G for its rounding to three decimals (all agree
    /// within 0.2 % but MobileNet v3 small, 0.0565 G documented as 0.057). Other
    /// layers (batch norm, activations, pooling) are left out on both sides:
    /// torchvision's counter counts only products, and ScaleCast counts them as the
    /// memory-bound passes they are. torchvision counts in eval mode, so
    /// Inception v3 is compared without its auxiliary head, which only training runs.
    @Test(arguments: documentedOperations)
    func productMultiplyAddsMatchTorchvisionsGFLOPS(name: String, gigaOperations: Double, resolution: Int) throws {
        let model = try Self.build(name == "inception_v3" ? "inception-v3-noaux" : name, resolution: resolution)
        #expect(model.inputShape == TensorShape(channels: 3, height: resolution, width: resolution))
        let multiplyAdds = Self.productMultiplyAdds(model)
        let documented = gigaOperations * 1e9
        #expect(abs(multiplyAdds - documented) <= 0.002 * documented + 0.0005e9,
                "\(name): \(multiplyAdds / 1e9) G multiply-adds, torchvision documents \(gigaOperations)")
        // Every layer's forward FLOPs: 2 per multiply-add plus biases, batch norms,
        // activations and pooling, which add 0.1 % (VGG) to 15 % (MobileNet v3
        // small, whose depthwise products are small beside its batch norms).
        let forward = Double(model.forwardFLOPsPerExample)
        #expect(forward >= 2 * multiplyAdds && forward < 2.5 * multiplyAdds,
                "\(name): forward \(forward / 1e9) GFLOPs for \(multiplyAdds / 1e9) G multiply-adds")
    }

    /// Every model ends in 1000 classes at 224x224 (Inception v3 at 299x299).
    @Test(arguments: parameterCounts.map(\.0) + ["googlenet-aux", "inception-v3-noaux"])
    func endsInAThousandClasses(name: String) throws {
        let model = try #require(Zoo.model(named: name))
        let side = name.hasPrefix("inception") ? 299 : 224
        #expect(model.inputShape == TensorShape(channels: 3, height: side, width: side))
        #expect(model.layers.last?.kind == .softmaxCrossEntropy)
        #expect(model.layers.last?.outputShape == TensorShape(channels: 1000))
    }

    /// Depthwise convolutions are priced per group: MobileNet v2's first block
    /// filters 32 channels of 112x112 with 3x3 kernels, one channel each.
    @Test func depthwiseConvolutionIsPricedAsGroups() throws {
        let net = try #require(Zoo.model(named: "mobilenet_v2"))
        let i = try #require(net.index(of: "features.1.conv.0.0"))
        let layer = net.layers[i]
        guard case .convolution(let c) = layer.kind else { Issue.record("not a convolution"); return }
        #expect(c.groups == 32)
        #expect(layer.cost.parameters == 32 * 9)
        #expect(layer.cost.forwardFLOPs == 2 * 32 * 112 * 112 * 9)
        #expect(layer.cost.gemm == GEMMShape(m: 1, nPerExample: 112 * 112, k: 9, count: 32))
    }

    /// ResNeXt's 3x3 convolutions run 32 groups: a first-stage one holds 1/32 of
    /// the dense weights (128 x 4 x 9).
    @Test func resnextConvolutionsAreGrouped() throws {
        let net = try #require(Zoo.model(named: "resnext50_32x4d"))
        let i = try #require(net.index(of: "layer1.0.conv2"))
        #expect(net.layers[i].cost.parameters == 128 * 4 * 9)
        #expect(net.layers[i].cost.gemm == GEMMShape(m: 4, nPerExample: 56 * 56, k: 4 * 9, count: 32))
    }

    /// Every zoo model's losses end the network or a branch: no layer reads a softmax, which a
    /// custom model is refused for (`Network.readLosses`).
    @Test func noZooModelReadsItsLoss() throws {
        for name in Zoo.names {
            let model = try #require(Zoo.model(named: name))
            #expect(model.readLosses.isEmpty, "\(name)")
            #expect(model.layers.contains { $0.kind == .softmaxCrossEntropy }, "\(name) has no loss")
        }
    }

    /// The generic builders reproduce the zoo's earlier ResNet-50 and VGG-16
    /// layer for layer: names, kinds, shapes and costs.
    @Test func resnet50AndVgg16KeepTheirLayerNames() throws {
        let resnet = try #require(Zoo.model(named: "resnet50"))
        #expect(resnet.layers.count == 176)
        #expect(resnet.index(of: "layer1.0.downsample.bn") != nil)
        #expect(resnet.index(of: "layer4.2.relu") == resnet.layers.count - 4)
        let vgg = try #require(Zoo.model(named: "vgg16"))
        #expect(vgg.layers.map(\.name).prefix(4) == ["input", "conv1_1", "relu1_1", "conv1_2"])
        #expect(vgg.index(of: "fc6") != nil)
        let vggBN = try #require(Zoo.model(named: "vgg16_bn"))
        #expect(vggBN.layers.count == vgg.layers.count + 13)
    }

    /// Names torchvision spells differently from the zoo reach the same model.
    @Test func torchvisionNamesAreAliases() throws {
        #expect(Zoo.model(named: "alexnet") == Zoo.model(named: "alexnet-owt"))
        #expect(Zoo.model(named: "inception_v3") == Zoo.model(named: "inception-v3"))
        #expect(Zoo.model(named: "AlexNet")?.name == "alexnet-owt")
        #expect(Zoo.entry(named: "resnet18")?.aliases == [])
        let all = Zoo.entries.flatMap { [$0.name] + $0.aliases }.map { $0.lowercased() }
        #expect(Set(all).count == all.count, "a name or alias is used twice")
    }

    /// ResNet-50 at other sizes: the stem and stages scale, the classifier does not.
    @Test func anyInputSizeBuilds() throws {
        let small = try #require(try Zoo.model(named: "resnet50", input: Self.image(128)))
        let large = try #require(try Zoo.model(named: "resnet50", input: Self.image(320)))
        #expect(small.parameters == 25_557_032 && large.parameters == 25_557_032)
        // The products scale with the pixels: (320/128)^2 = 6.25, the stem's
        // rounding aside.
        #expect(large.forwardFLOPsPerExample > small.forwardFLOPsPerExample * 5)
        #expect(small.name == "resnet50-128x128" && large.inputShape == Self.image(320))
        #expect(try Zoo.model(named: "resnet50", input: Zoo.imageNetInput)?.name == "resnet50")
        #expect(try Zoo.efficientNet(3, input: Self.image(300)).layers.last?.outputShape == TensorShape(channels: 1000))
        // Not square: torchvision's adaptive pooling takes any shape.
        let wide = try #require(try Zoo.model(named: "vgg16", input: TensorShape(channels: 3, height: 224, width: 320)))
        #expect(wide.parameters == 138_357_544 && wide.name == "vgg16-224x320")
    }

    /// An input too small for the strides, or not an image, is refused with a reason; another channel count
    /// than RGB's is taken (the stem follows it).
    @Test func inputsAModelCannotTakeAreRefused() throws {
        #expect(throws: ModelError.self) { try Zoo.model(named: "inception_v3", input: Self.image(32)) }
        #expect(throws: ModelError.self) { try Zoo.model(named: "resnet50", input: TensorShape(channels: 3, height: 1, width: 1)) }
        #expect(try Zoo.model(named: "resnet50", input: TensorShape(channels: 1, height: 224, width: 224))?.name == "resnet50-1x224x224")
        #expect(throws: ModelError.self) { try Zoo.model(named: "nin", input: TensorShape(channels: 3, height: 224, width: 320)) }
        #expect(try Zoo.model(named: "no-such-model", input: Self.image(224)) == nil)
    }

    // MARK: Helpers

    static func image(_ side: Int) -> TensorShape { TensorShape(channels: 3, height: side, width: side) }

    static func build(_ name: String, resolution: Int) throws -> Network {
        try #require(try Zoo.model(named: name, input: image(resolution)))
    }

    /// Multiply-adds of the forward products: Σ m·n·k·groups over convolutions and FC layers.
    static func productMultiplyAdds(_ net: Network) -> Double {
        net.layers.compactMap(\.cost.gemm).reduce(0) { $0 + Double($1.m) * Double($1.nPerExample) * Double($1.k) * Double($1.count) }
    }
}
