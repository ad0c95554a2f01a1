import Foundation
import YAMLSupport

/// A published training recipe: the epochs it needs to reach its accuracy at each global
/// batch it was run at, from the built-in `Recipes/recipes.yaml` (each with its source).
/// A scenario names one with `training: {recipe: mlperf-resnet50}` instead of stating
/// `images` and `epochs`, so that a plan at 1,024 GPUs trains the epochs its global batch
/// needs rather than one figure taken at every batch.
public struct TrainingRecipe: Sendable, Equatable {
    public var name: String
    /// The zoo model the recipe trains; a run of another model is noted, not refused.
    public var model: String
    /// The accuracy the epochs reach, in words.
    public var target: String
    public var source: String
    /// The images of one epoch and the epochs by global batch.
    public var goal: TrainingGoal

    /// The recipes that ship with ScaleCast, read once per process.
    public static func builtIn() throws -> [TrainingRecipe] { try builtInOnce.get() }

    /// The built-in recipe called `name` (letters in any case), or nil.
    public static func named(_ name: String) throws -> TrainingRecipe? {
        try builtIn().first { $0.name.lowercased() == name.lowercased() }
    }

    /// The built-in recipe `goal` takes its epochs from, where it is another model's than
    /// `modelName` (its epochs say nothing of that model's); nil otherwise.
    public static func ofAnotherModel(_ goal: TrainingGoal?, modelName: String) -> TrainingRecipe? {
        guard let name = goal?.recipe, let recipe = try? named(name), recipe.model != modelName else { return nil }
        return recipe
    }

    private static let builtInOnce = Result { try read(YAMLValue.load(path: try builtInPath())) }

    private static func builtInPath() throws -> String {
        guard let url = Bundle.module.url(forResource: "Recipes/recipes", withExtension: "yaml") else {
            throw ConfigError(file: "Recipes", keyPath: "", line: nil, message: "the built-in training recipes are missing from this build")
        }
        return url.path
    }

    /// Reads a recipes file: `recipes:`, a list of entries with `name`, `model`, `images`,
    /// `target`, `epochs` (by global batch, as `training.epochs` takes them) and `source`.
    static func read(_ yaml: YAMLValue) throws -> [TrainingRecipe] {
        try yaml.checkKeys(["recipes"])
        var recipes: [TrainingRecipe] = []
        for item in try yaml.required("recipes").items() {
            try item.checkKeys(["name", "model", "images", "target", "epochs", "source"])
            let name = try item.required("name").string()
            guard !recipes.contains(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw item.error("recipe '\(name)' is listed twice")
            }
            var goal = try TrainingGoal(images: item.required("images"), epochs: item.required("epochs"))
            goal.recipe = name
            recipes.append(TrainingRecipe(name: name, model: try item.required("model").string(), target: try item.required("target").string(),
                                          source: try item.required("source").string(), goal: goal))
        }
        return recipes
    }
}
