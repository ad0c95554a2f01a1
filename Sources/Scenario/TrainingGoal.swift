import YAMLSupport

/// How much training a run stands for: images × epochs, to turn images/s into
/// time to train.
public struct TrainingGoal: Sendable, Equatable {
    /// Images in one epoch.
    public var images: Int
    public var epochs: Double

    public var totalImages: Double { Double(images) * epochs }

    /// Reads `training: {images: 1281167, epochs: 90}` (images defaults to
    /// ImageNet-1k's training set, 1,281,167).
    init(yaml: YAMLValue) throws {
        try yaml.checkKeys(["images", "epochs"])
        images = try yaml.optional("images")?.int(in: 1...1_000_000_000_000) ?? 1_281_167
        epochs = try yaml.required("epochs").double(in: 0.001...1e6)
    }
}
