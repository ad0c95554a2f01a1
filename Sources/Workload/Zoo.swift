/// The built-in models, by name.
///
/// Each model reproduces a reference implementation layer for layer, so that
/// its parameter count matches the published one exactly (tests check each).
public enum Zoo {
    public struct Entry: Sendable {
        public var name: String
        /// Other names the model answers to (torchvision's, where the zoo's own
        /// name differs), compared case-insensitively like `name`.
        public var aliases: [String]
        public var summary: String
        /// Where the architecture and its parameter count come from.
        public var reference: String
        /// The image the model is defined on and its parameter count is stated for.
        public var input: TensorShape
        /// Builds the model for an input image of any size (`input` by default).
        public var buildAt: @Sendable (TensorShape) throws -> Network

        public init(name: String, aliases: [String] = [], summary: String, reference: String,
                    input: TensorShape = Zoo.imageNetInput, build: @escaping @Sendable (TensorShape) throws -> Network) {
            self.name = name
            self.aliases = aliases
            self.summary = summary
            self.reference = reference
            self.input = input
            self.buildAt = build
        }

        /// The model on its own input (`input`).
        public func build() throws -> Network { try buildAt(input) }
    }

    /// ImageNet training crops as torchvision's reference scripts take them: 3x224x224.
    public static let imageNetInput = TensorShape(channels: 3, height: 224, width: 224)
    /// Inception v3's 3x299x299.
    public static let inceptionInput = TensorShape(channels: 3, height: 299, width: 299)

    /// torchvision's documented counts are `num_params` in its weights' metadata
    /// (https://pytorch.org/vision/stable/models.html, "Table of all available
    /// classification weights").
    public static let entries: [Entry] = [
        Entry(name: "alexnet-owt", aliases: ["alexnet"], summary: "One-tower AlexNet (Krizhevsky 2014), torchvision's alexnet",
              reference: "torchvision.models.alexnet; 61,100,840 parameters", build: { try alexNetOWT(input: $0) }),
        Entry(name: "alexnet-owt-cc2", summary: "One-tower AlexNet as in cuda-convnet2: no conv1 padding, response norm",
              reference: "cuda-convnet2 layers-imagenet-1gpu.cfg", build: { try alexNetOWTcc2(input: $0) }),
        vggEntry(11, false, 132_863_336), vggEntry(11, true, 132_868_840),
        vggEntry(13, false, 133_047_848), vggEntry(13, true, 133_053_736),
        vggEntry(16, false, 138_357_544), vggEntry(16, true, 138_365_992),
        vggEntry(19, false, 143_667_240), vggEntry(19, true, 143_678_248),
        resnetEntry(resnet18Config, "ResNet-18 (He et al. 2016), basic blocks", 11_689_512),
        resnetEntry(resnet34Config, "ResNet-34 (He et al. 2016), basic blocks", 21_797_672),
        resnetEntry(resnet50Config, "ResNet-50 v1.5 (He et al. 2016; stride on the 3x3 conv)", 25_557_032),
        resnetEntry(resnet101Config, "ResNet-101 v1.5 (He et al. 2016; stride on the 3x3 conv)", 44_549_160),
        resnetEntry(resnet152Config, "ResNet-152 v1.5 (He et al. 2016; stride on the 3x3 conv)", 60_192_808),
        msraResNetEntry(resnet50MSRAConfig, 50, 25_557_096), msraResNetEntry(resnet101MSRAConfig, 101, 44_549_160),
        msraResNetEntry(resnet152MSRAConfig, 152, 60_192_808),
        resnetEntry(wideResnet50x2Config, "Wide ResNet-50-2 (Zagoruyko & Komodakis 2016): bottlenecks twice as wide", 68_883_240),
        resnetEntry(resnext50x32x4dConfig, "ResNeXt-50 32x4d (Xie et al. 2017): 32 groups in each 3x3 conv", 25_028_904),
        Entry(name: "resnext101_32x4d", summary: "ResNeXt-101 32x4d (Xie et al. 2017) as NVIDIA DeepLearningExamples trains it",
              reference: "NVIDIA/DeepLearningExamples PyTorch/Classification/ConvNets/image_classification/models/resnet.py, "
                  + "resnext101-32x4d (layers 3-4-23-3, widths 128-1024, expansion 2, cardinality 32); 44,177,704 parameters, "
                  + "derived from the source", build: { try resnet(resnext101x32x4dConfig, input: $0) }),
        Entry(name: "se_resnext101_32x4d",
              summary: "SE-ResNeXt-101 32x4d (Hu et al. 2018) as NVIDIA DeepLearningExamples trains it: 16-channel SE units",
              reference: "NVIDIA/DeepLearningExamples PyTorch/Classification/ConvNets/image_classification/models/resnet.py, "
                  + "se-resnext101-32x4d (resnext101-32x4d with SEBottleneck, se_squeeze=16); 45,251,128 parameters, "
                  + "derived from the source", build: { try resnet(seResnext101x32x4dConfig, input: $0) }),
        Entry(name: "se_resnext101_32x4d-tf",
              summary: "SE-ResNeXt-101 32x4d as NVIDIA DeepLearningExamples' TensorFlow code builds it: SE units of 1/16 of each block",
              reference: "NVIDIA/DeepLearningExamples TensorFlow/Classification/ConvNets model/layers/squeeze_excitation_layer.py "
                  + "(units=num_channels // ratio) with se_ratio 16 (model/resnet.py); 48,955,416 parameters (1000 classes; "
                  + "the code's 1001 add 2,049), derived from the source", build: { try resnet(seResnext101x32x4dTFConfig, input: $0) }),
        slimResNetV1Entry(50, 25_557_032), slimResNetV1Entry(101, 44_549_160), slimResNetV1Entry(152, 60_192_808),
        Entry(name: "densenet121", summary: "DenseNet-121 (Huang et al. 2017), growth rate 32",
              reference: "torchvision.models.densenet121; 7,978,856 parameters", build: { try densenet121(input: $0) }),
        Entry(name: "googlenet", summary: "GoogLeNet (Szegedy et al. 2014) with batch norm, no auxiliary heads",
              reference: "torchvision.models.googlenet (aux_logits=False); 6,624,904 parameters", build: { try googLeNet(input: $0) }),
        Entry(name: "googlenet-aux", summary: "GoogLeNet with batch norm and its two auxiliary heads, as trained",
              reference: "torchvision.models.googlenet(aux_logits=True); 13,004,888 parameters",
              build: { try googLeNet(auxLogits: true, input: $0) }),
        Entry(name: "inception-v3", aliases: ["inception_v3"],
              summary: "Inception v3 (Szegedy et al. 2015) with its auxiliary head, 299x299",
              reference: "torchvision.models.inception_v3; 27,161,264 parameters", input: inceptionInput,
              build: { try inceptionV3(input: $0) }),
        Entry(name: "inception-v3-noaux", summary: "Inception v3 without its auxiliary head, 299x299",
              reference: "torchvision.models.inception_v3(aux_logits=False); 23,834,568 parameters",
              input: inceptionInput, build: { try inceptionV3(auxLogits: false, input: $0) }),
        Entry(name: "mobilenet_v2", summary: "MobileNet v2 (Sandler et al. 2018): inverted residuals, depthwise convs, ReLU6",
              reference: "torchvision.models.mobilenet_v2; 3,504,872 parameters", build: { try mobilenetV2(input: $0) }),
        Entry(name: "mobilenet_v3_large", summary: "MobileNet v3 large (Howard et al. 2019): hard swish, squeeze-and-excitation",
              reference: "torchvision.models.mobilenet_v3_large; 5,483,032 parameters", build: { try mobilenetV3(large: true, input: $0) }),
        Entry(name: "mobilenet_v3_small", summary: "MobileNet v3 small (Howard et al. 2019): hard swish, squeeze-and-excitation",
              reference: "torchvision.models.mobilenet_v3_small; 2,542,856 parameters", build: { try mobilenetV3(large: false, input: $0) }),
        efficientNetEntry(0, 5_288_548), efficientNetEntry(1, 7_794_184),
        efficientNetEntry(2, 9_109_994), efficientNetEntry(3, 12_233_232), efficientNetEntry(4, 19_341_616),
        Entry(name: "squeezenet1_0", summary: "SqueezeNet 1.0 (Iandola et al. 2016): fire modules, no FC layer",
              reference: "torchvision.models.squeezenet1_0; 1,248,424 parameters", build: { try squeezeNet(version: "1_0", input: $0) }),
        Entry(name: "squeezenet1_1", summary: "SqueezeNet 1.1: a 3x3 stem and earlier pooling, 2.4x less compute than 1.0",
              reference: "torchvision.models.squeezenet1_1; 1,235,496 parameters", build: { try squeezeNet(version: "1_1", input: $0) }),
        Entry(name: "nin", summary: "Network in Network (Lin et al. 2013), ImageNet model",
              reference: "the Caffe Model Zoo NIN-ImageNet prototxt; 7,595,176 parameters", build: { try networkInNetwork(input: $0) }),
    ]

    private static func vggEntry(_ depth: Int, _ batchNorm: Bool, _ parameters: Int) -> Entry {
        let configuration = [11: "A", 13: "B", 16: "D", 19: "E"][depth]!
        let name = "vgg\(depth)\(batchNorm ? "_bn" : "")"
        return Entry(name: name,
                     summary: "VGG-\(depth) (Simonyan & Zisserman 2014), configuration \(configuration)\(batchNorm ? ", batch norm" : "")",
                     reference: "torchvision.models.\(name); \(grouped(parameters)) parameters",
                     build: { try vgg(depth: depth, batchNorm: batchNorm, input: $0) })
    }

    private static func resnetEntry(_ config: ResNetConfig, _ summary: String, _ parameters: Int) -> Entry {
        Entry(name: config.name, summary: summary, reference: "torchvision.models.\(config.name); \(grouped(parameters)) parameters",
              build: { try resnet(config, input: $0) })
    }

    /// MSRA's released ResNet v1 (`resnet50-msra` and its depths): torchvision's layers and
    /// parameters, strided in each downsampling block's first 1x1 convolution.
    private static func msraResNetEntry(_ config: ResNetConfig, _ depth: Int, _ parameters: Int) -> Entry {
        Entry(name: config.name,
              summary: "ResNet-\(depth) v1 as He et al. released it (MSRA's Caffe model): stride on the first 1x1 conv",
              reference: "KaimingHe/deep-residual-networks prototxt (ResNet-50-deploy @ 097a3ce and ResNet-101-deploy @ 872cc54 read: "
                  + "res3a, res4a and res5a stride 2 in branch2a and branch1; ResNet-50's conv1 has a bias); "
                  + "\(grouped(parameters)) parameters, torchvision's layers\(depth == 50 ? " and conv1's bias" : "")",
              build: { try resnet(config, input: $0) })
    }

    /// TF-slim's `resnet_v1_<depth>` (`slimResNetV1`), whose parameter count, derived
    /// from its source, equals torchvision's `resnet<depth>`: the same layers, strided elsewhere.
    private static func slimResNetV1Entry(_ depth: Int, _ parameters: Int) -> Entry {
        Entry(name: "resnet_v1_\(depth)",
              summary: "ResNet-\(depth) v1 as TF-slim builds it: each block strides in its last unit's 3x3 conv",
              reference: "tensorflow/models research/slim/nets/resnet_v1.py, resnet_v1_\(depth) (1000 classes); "
                  + "\(grouped(parameters)) parameters, derived from the source",
              build: { try slimResNetV1(depth: depth, input: $0) })
    }

    private static func efficientNetEntry(_ variant: Int, _ parameters: Int) -> Entry {
        let native = efficientNetScales[variant].resolution
        return Entry(name: "efficientnet_b\(variant)",
                     summary: "EfficientNet-B\(variant) (Tan & Le 2019): MBConv, SiLU, squeeze-and-excitation; 224x224"
                         + (native == 224 ? "" : " (torchvision evaluates it at \(native))"),
                     reference: "torchvision.models.efficientnet_b\(variant); \(grouped(parameters)) parameters",
                     build: { try efficientNet(variant, input: $0) })
    }

    /// `n` with thousands separators: 25557032 as "25,557,032".
    private static func grouped(_ n: Int) -> String {
        var digits = String(n), out = ""
        while digits.count > 3 { out = "," + digits.suffix(3) + out; digits.removeLast(3) }
        return digits + out
    }

    public static var names: [String] { entries.map(\.name) }

    /// The built-in network a model's name names, without the input `model(named:input:)`
    /// gave it (`resnet50-160x160` and `resnet50-4x224x224` are `resnet50`); nil for a name
    /// that is no built-in model on some input.
    public static func network(ofModelNamed name: String) -> String? {
        if entry(named: name) != nil { return name }
        guard let range = name.range(of: #"-[0-9]+x[0-9]+(x[0-9]+)?$"#, options: .regularExpression) else { return nil }
        let base = String(name[..<range.lowerBound])
        return entry(named: base) != nil ? base : nil
    }

    /// The entry named `name` or with `name` among its aliases (case-insensitive), or nil.
    public static func entry(named name: String) -> Entry? {
        let key = name.lowercased()
        return entries.first { $0.name.lowercased() == key || $0.aliases.contains { $0.lowercased() == key } }
    }

    /// The model named `name` or with `name` among its aliases (case-insensitive), or nil.
    /// The network keeps the zoo's name (`alexnet` builds `alexnet-owt`).
    public static func model(named name: String) -> Network? {
        guard let entry = entry(named: name) else { return nil }
        return try? entry.build()
    }

    /// The model named `name` on `input` images, or nil for an unknown name. The zoo's
    /// models end in adaptive pooling, as torchvision's do, so any image large enough
    /// to survive their strides works; one on another input than its own is called
    /// `<name>-<height>x<width>` (`resnet50-160x160`), so results on several sizes
    /// can be told apart. The stem takes as many channels as the image has: one for a
    /// grayscale image, four where a loader pads RGB to a fourth channel for the tensor
    /// cores (as NVIDIA's DALI pipelines do, `pad_output`); a model on other than three
    /// is called `<name>-<channels>x<height>x<width>` (`resnet50-4x224x224`).
    /// - Throws: `ModelError` when the input is not an image or too small for the
    ///   model's strides and kernels.
    public static func model(named name: String, input: TensorShape) throws -> Network? {
        guard let entry = entry(named: name) else { return nil }
        let given = "[\(input.channels), \(input.height), \(input.width)]"
        // A 1 x 1 input is a flat vector of values, not an image.
        guard !input.isFlat else { throw ModelError("\(entry.name) takes an image larger than 1 x 1 pixel, not \(given)") }
        var network = try entry.buildAt(input)
        if input.channels != entry.input.channels {
            network.name = "\(entry.name)-\(input.channels)x\(input.height)x\(input.width)"
        } else if input != entry.input {
            network.name = "\(entry.name)-\(input.height)x\(input.width)"
        }
        return network
    }
}
