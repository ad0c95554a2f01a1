import Foundation
import Scenario

/// The JSON of `scalecast report --json`: the report's answer as data. The best
/// configuration and every configuration as rows of `simulate --json`, the
/// bottleneck sentence, the time (and cost) to train the scenario's `training:`
/// goal, and the files written. Times in seconds, money in dollars; an absent
/// value is null, never a missing key.
public enum ReportJSON {
    /// The version of this layout; bumped when a key changes meaning or goes away.
    /// Version 2: `best` is the first model's best that fits, `best_per_model` lists every
    /// model's (version 1's `best` was the fastest configuration of any model).
    /// Version 3: `training.price_basis` is the object `simulate --json`'s rows carry (version 2's
    /// was that basis in one line of text); `training.epochs_held` added.
    public static let schemaVersion = 3

    struct Training: Encodable {
        var images: Int
        var epochs: Double
        var timeToTrainSeconds: Double
        /// Null without `pricing:`.
        @NullWhenAbsent var costUSD: Double?
        /// The price the cost was computed at and where it comes from, as the best row's
        /// `price_basis`; null without `pricing:`.
        @NullWhenAbsent var priceBasis: ResultsJSON.PriceBasisJSON?
        /// The built-in recipe the epochs come from (`training.recipe`); null where the scenario states them.
        @NullWhenAbsent var recipe: String?
        /// As the best row's `epochs_held`: "above" where the time to train is a lower bound.
        @NullWhenAbsent var epochsHeld: TrainingGoal.EpochsHeld?
        enum CodingKeys: String, CodingKey {
            case images, epochs, timeToTrainSeconds = "time_to_train_seconds", costUSD = "cost_usd", priceBasis = "price_basis", recipe,
                 epochsHeld = "epochs_held"
        }
    }

    /// The best configuration's 10th to 90th percentiles under the simulator's measured errors.
    struct Range: Encodable {
        var imagesPerSecondP10: Double
        var imagesPerSecondP90: Double
        /// Of the time to train the goal (without `training:`, of one ImageNet epoch); null where unknown.
        @NullWhenAbsent var timeSecondsP10: Double?
        @NullWhenAbsent var timeSecondsP90: Double?
        /// Of the cost to train; null without `pricing:`.
        @NullWhenAbsent var costUSDP10: Double?
        @NullWhenAbsent var costUSDP90: Double?
        /// Where the errors come from, in words.
        var source: String
        enum CodingKeys: String, CodingKey {
            case imagesPerSecondP10 = "images_per_second_p10", imagesPerSecondP90 = "images_per_second_p90"
            case timeSecondsP10 = "time_seconds_p10", timeSecondsP90 = "time_seconds_p90", costUSDP10 = "cost_usd_p10"
            case costUSDP90 = "cost_usd_p90", source
        }
    }

    struct ChartFile: Encodable {
        /// The image, relative to the report's folder.
        var file: String
        var caption: String
    }

    struct Document: Encodable {
        var schemaVersion: Int
        var scenario: String
        var name: String
        var best: ResultsJSON.Row
        /// Each model's fastest configuration, the models in the order the scenario names them
        /// (the first is `best`); runs of different models are never ranked together.
        var bestPerModel: [ResultsJSON.Row]
        var bottleneck: String
        /// Null when the best configuration's run states no `training:`.
        @NullWhenAbsent var training: Training?
        /// Null when the report states no range.
        @NullWhenAbsent var range: Range?
        /// The corpus's record on the best configuration's GPU and precision, as `explain --json` gives it; null when not looked up.
        @NullWhenAbsent var evidence: EvidenceJSON?
        var results: [ResultsJSON.Row]
        /// The cautions on prices seen years apart (`PriceAgeCautions`), as the report gives them; empty where none.
        var priceCautions: [String]
        /// The charts beside the report; empty without --out.
        var charts: [ChartFile]
        /// The report's markdown file; null without --out.
        @NullWhenAbsent var report: String?
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", scenario, name, best, bestPerModel = "best_per_model", bottleneck, training, range, evidence,
                 results, priceCautions = "price_cautions", charts, report
        }
    }

    /// The document of a report on `input`.
    /// - Parameters:
    ///   - training: per result of `input.results` (same order), its time and cost to train.
    ///   - report: the markdown file written, if any (`input.charts` are then the charts beside it).
    public static func encode(_ input: MarkdownReport.Input, training: [ResultsTable.TrainingCell?], report: String?) throws -> String {
        let rows = ResultsJSON.rows(input.results, training: training)
        let bestIndex = MarkdownReport.bestIndex(of: input.results, training: input.trainingCells) ?? 0
        let answer = input.training.map {
            Training(images: $0.images, epochs: $0.epochs, timeToTrainSeconds: $0.seconds, costUSD: $0.dollars,
                     priceBasis: $0.dollars == nil ? nil : rows[bestIndex].priceBasis, recipe: $0.recipe,
                     epochsHeld: rows[bestIndex].epochsHeld)
        }
        let range = input.range.map {
            Range(imagesPerSecondP10: $0.imagesPerSecond.lowerBound, imagesPerSecondP90: $0.imagesPerSecond.upperBound,
                  timeSecondsP10: $0.seconds?.lowerBound, timeSecondsP90: $0.seconds?.upperBound, costUSDP10: $0.dollars?.lowerBound,
                  costUSDP90: $0.dollars?.upperBound, source: $0.source)
        }
        return try ResultsJSON.encode(Document(
            schemaVersion: schemaVersion, scenario: input.scenarioPath, name: input.scenario.name, best: rows[bestIndex],
            bestPerModel: MarkdownReport.bestIndices(of: input.results, training: input.trainingCells).map { rows[$0] },
            bottleneck: input.bestAnalysis.bottleneck, training: answer, range: range, evidence: input.evidence.map(EvidenceJSON.init),
            results: rows, priceCautions: input.priceCautions,
            charts: input.charts.map { ChartFile(file: $0.file, caption: $0.caption) }, report: report))
    }
}
