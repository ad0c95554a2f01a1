import Foundation
import YAMLSupport

/// How much training a run stands for: images × epochs, to turn images/s into
/// time to train.
///
/// The epochs may depend on the global batch: a recipe trained at a larger batch often
/// needs more of them (NVIDIA's MLPerf Training v0.6 ResNet-50 configs schedule 72 epochs
/// at 1,664 images a step and 90 at 54,080: `NUMEPOCHS` in `config_DGX1.sh` and
/// `config_DGX1_multi.sh`, mlcommons/training_results_v0.6). `epochs: {8192: 90, 65536: 100}`
/// states them by global batch; between two stated batches the epochs are interpolated
/// linearly in log2 of the batch, and outside the stated ones they are the nearest end's.
public struct TrainingGoal: Sendable, Equatable {
    /// Epochs stated for one global batch.
    public struct EpochsAtBatch: Sendable, Equatable {
        /// Images per optimizer step over all GPUs.
        public var globalBatch: Int
        public var epochs: Double
    }

    /// The keys of `training:`.
    static let keys = ["images", "epochs", "recipe"]

    /// Images in one epoch.
    public var images: Int
    /// The epochs at any global batch (`epochs: 90`), or nil where they are stated by batch.
    public var fixedEpochs: Double?
    /// The epochs stated by global batch, in ascending batch; empty under `fixedEpochs`.
    public var epochsByGlobalBatch: [EpochsAtBatch] = []
    /// The built-in recipe the images and epochs come from (`training: {recipe: NAME}`), or
    /// nil where the scenario states them.
    public var recipe: String?

    /// Epochs at `globalBatch` images a step: the fixed figure, or the stated table's,
    /// interpolated linearly in log2 of the batch between the stated batches around it and
    /// held at the nearest end outside them.
    public func epochs(atGlobalBatch globalBatch: Int) -> Double {
        if let fixedEpochs { return fixedEpochs }
        let table = epochsByGlobalBatch
        guard let first = table.first, let last = table.last else { return 0 }
        if globalBatch <= first.globalBatch { return first.epochs }
        if globalBatch >= last.globalBatch { return last.epochs }
        let upper = table.firstIndex { $0.globalBatch >= globalBatch }!
        let (a, b) = (table[upper - 1], table[upper])
        let t = log2(Double(globalBatch) / Double(a.globalBatch)) / log2(Double(b.globalBatch) / Double(a.globalBatch))
        return a.epochs + t * (b.epochs - a.epochs)
    }

    /// The largest global batch the table states, where `globalBatch` lies above it (the
    /// epochs are held at that batch's figure, with no data on whether the recipe converges
    /// at the larger batch); nil under fixed epochs or within the table.
    public func batchHeldAbove(atGlobalBatch globalBatch: Int) -> Int? {
        guard let last = epochsByGlobalBatch.last, globalBatch > last.globalBatch else { return nil }
        return last.globalBatch
    }

    /// The smallest global batch the table states, where `globalBatch` lies below it (the
    /// epochs are held at that batch's figure, which no run at the smaller batch measured);
    /// nil under fixed epochs or within the table.
    public func batchHeldBelow(atGlobalBatch globalBatch: Int) -> Int? {
        guard let first = epochsByGlobalBatch.first, globalBatch < first.globalBatch else { return nil }
        return first.globalBatch
    }

    /// Which side of the table's stated batches `globalBatch` lies on, where it lies outside
    /// them and the nearest figure is held (`batchHeldAbove`, `batchHeldBelow`); nil under
    /// fixed epochs or within the table. Above, the time to train is a lower bound.
    public func epochsHeld(atGlobalBatch globalBatch: Int) -> EpochsHeld? {
        if batchHeldAbove(atGlobalBatch: globalBatch) != nil { return .above }
        if batchHeldBelow(atGlobalBatch: globalBatch) != nil { return .below }
        return nil
    }

    /// The side of an epochs table a global batch lies beyond (`epochsHeld(atGlobalBatch:)`);
    /// its raw value is the `epochs_held` of every JSON row and sweep CSV.
    public enum EpochsHeld: String, Sendable, Codable, CaseIterable {
        /// Above the largest stated batch: its epochs are held, with no data on whether the
        /// recipe converges that fast at the larger batch, so the time to train is a lower bound.
        case above
        /// Below the smallest stated batch: its epochs are held, which no run at the smaller batch measured.
        case below
    }

    /// Images to train at `globalBatch` images a step: images × epochs at that batch.
    public func totalImages(atGlobalBatch globalBatch: Int) -> Double {
        Double(images) * epochs(atGlobalBatch: globalBatch)
    }

    /// Reads `training: {images: 1281167, epochs: 90}` (images defaults to
    /// ImageNet-1k's training set, 1,281,167), or `epochs` by global batch,
    /// `epochs: {8192: 90, 65536: 100}`, or a built-in recipe's,
    /// `training: {recipe: mlperf-resnet50}` (`TrainingRecipe`).
    init(yaml: YAMLValue) throws {
        try yaml.checkKeys(Self.keys, elsewhere: Scenario.keysElsewhere)
        guard let recipeNode = try yaml.optional("recipe") else {
            guard let epochs = try yaml.optional("epochs") else {
                throw yaml.error("state the epochs (epochs: 90, or by global batch: epochs: {8192: 90, 65536: 100}), "
                                 + "or name a built-in recipe (recipe: \(try TrainingRecipe.builtIn().map(\.name).joined(separator: ", ")))")
            }
            try self.init(images: yaml.optional("images"), epochs: epochs)
            return
        }
        for key in ["images", "epochs"] {
            if let both = try yaml.error(atKey: key, "the recipe (training.recipe) states the images and the epochs: keep one of the two") {
                throw both
            }
        }
        let name = try recipeNode.string()
        guard let recipe = try TrainingRecipe.named(name) else {
            throw recipeNode.error("'\(name.singleLine)' is no built-in training recipe; the recipes: "
                                   + (try TrainingRecipe.builtIn().map(\.name).joined(separator: ", ")))
        }
        self = recipe.goal
    }

    /// Reads the images of an epoch (nil: ImageNet-1k's 1,281,167) and the epochs, one figure
    /// or a map by global batch, from a scenario's `training:` or a built-in recipe.
    init(images imagesNode: YAMLValue?, epochs epochsNode: YAMLValue) throws {
        images = try imagesNode?.int(in: 1...1_000_000_000_000) ?? 1_281_167
        guard epochsNode.isMapping else {
            fixedEpochs = try epochsNode.double(in: Self.epochRange)
            return
        }
        var table: [EpochsAtBatch] = []
        var keyLines: [Int: Int?] = [:]
        for (key, value) in try epochsNode.entries() {
            // Errors about a key name its own line (a block mapping's value may be on the next).
            let atKey = { (message: String) in try epochsNode.error(atKey: key, message) ?? value.error(message) }
            guard let batch = NumberText.whole(key), Limits.globalBatch.contains(batch) else {
                throw try atKey("'\(key.singleLine)' is no global batch: key each figure by the images a step takes on all GPUs, "
                                + "a whole number from \(Limits.globalBatch.lowerBound) to \(Limits.globalBatch.upperBound) "
                                + "(epochs: {8192: 90, 65536: 100})")
            }
            if let first = keyLines[batch] {
                throw try atKey("global batch \(batch) is stated twice" + (first.map { " (first at line \($0))" } ?? ""))
            }
            keyLines[batch] = try atKey("").line
            table.append(EpochsAtBatch(globalBatch: batch, epochs: try value.double(in: Self.epochRange)))
        }
        guard !table.isEmpty else { throw epochsNode.error("state the epochs at one global batch or more (epochs: {8192: 90, 65536: 100}), or one figure") }
        epochsByGlobalBatch = table.sorted { $0.globalBatch < $1.globalBatch }
    }

    public static let epochRange = 0.001...1e6
}
