/// The built-in models, by name.
///
/// Each model reproduces a reference implementation layer for layer, so that
/// its parameter count matches the published one exactly (tests check each).
public enum Zoo {
    public struct Entry: Sendable {
        public var name: String
        public var summary: String
        /// Where the architecture and its parameter count come from.
        public var reference: String
        public var build: @Sendable () throws -> Network
    }

    public static let entries: [Entry] = [
        Entry(name: "alexnet-owt", summary: "One-tower AlexNet (Krizhevsky 2014), torchvision's alexnet",
              reference: "torchvision.models.alexnet; 61,100,840 parameters", build: alexNetOWT),
        Entry(name: "alexnet-owt-cc2", summary: "One-tower AlexNet as in cuda-convnet2: no conv1 padding, response norm",
              reference: "cuda-convnet2 layers-imagenet-1gpu.cfg", build: alexNetOWTcc2),
        Entry(name: "vgg16", summary: "VGG-16 (Simonyan & Zisserman 2014), configuration D",
              reference: "torchvision.models.vgg16; 138,357,544 parameters", build: vgg16),
        Entry(name: "resnet50", summary: "ResNet-50 v1.5 (He et al. 2016; stride on the 3x3 conv)",
              reference: "torchvision.models.resnet50; 25,557,032 parameters", build: resnet50),
        Entry(name: "googlenet", summary: "GoogLeNet (Szegedy et al. 2014) with batch norm, no auxiliary heads",
              reference: "torchvision.models.googlenet; 6,624,904 parameters", build: googLeNet),
        Entry(name: "inception-v3", summary: "Inception v3 (Szegedy et al. 2015) with its auxiliary head, 299x299",
              reference: "torchvision.models.inception_v3; 27,161,264 parameters", build: inceptionV3),
        Entry(name: "nin", summary: "Network in Network (Lin et al. 2013), ImageNet model",
              reference: "the Caffe Model Zoo NIN-ImageNet prototxt; 7,595,176 parameters", build: networkInNetwork),
    ]

    public static var names: [String] { entries.map(\.name) }

    /// The model named `name` (case-insensitive), or nil.
    public static func model(named name: String) -> Network? {
        guard let entry = entries.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        return try? entry.build()
    }
}
