import Planning

/// `evidence` in `explain --json` and `report --json`: the corpus's 1-GPU points on the
/// run's GPU in its precision group and on the other GPUs of its architecture, and its
/// speedups on the GPU at half to twice the GPU count (`MeasuredErrors.Evidence`); errors
/// are predicted / published − 1.
struct EvidenceJSON: Encodable {
    var gpu: String
    /// "fp32", "tf32" or "fp16+bf16".
    var precisionGroup: String
    var model: String
    var gpus: Int
    /// Those of `model` first, then of its network on other inputs (`resnet50-4x224x224` for
    /// `resnet50`), then the rest, each group in corpus order.
    var points: [Point]
    /// Null when `points` is empty.
    @NullWhenAbsent var medianAbsError: Double?
    /// Those of `model`, then of its network, first, then the nearest GPU counts; empty for one GPU.
    var speedups: [Speedup]
    /// Null when `speedups` is empty.
    @NullWhenAbsent var speedupMedianAbsError: Double?
    /// Every 1-GPU point of the corpus, whatever its GPU, and their median |error|.
    var corpusPoints: Int
    @NullWhenAbsent var corpusMedianAbsError: Double?
    /// The GPU's architecture; null when unknown.
    @NullWhenAbsent var architecture: String?
    /// The precision group's 1-GPU points on the architecture's other GPUs, `model`'s and its network's first.
    var architecturePoints: [Point]
    /// Null when `architecturePoints` is empty.
    @NullWhenAbsent var architectureMedianAbsError: Double?
    /// A buyer's caution (`MeasuredErrors.Evidence.caution`); null when the corpus backs
    /// the prediction as well as any.
    @NullWhenAbsent var caution: String?
    /// Which end of the range the record points to (`MeasuredErrors.Evidence.lean`); null
    /// where it leans neither way, or where there is a caution.
    @NullWhenAbsent var lean: String?

    struct Point: Encodable {
        var caseName: String
        @NullWhenAbsent var run: String?
        /// The GPU it was measured on (catalog name).
        var gpu: String
        var model: String
        var publishedImagesPerSecond: Double
        var predictedImagesPerSecond: Double
        var relativeError: Double
        enum CodingKeys: String, CodingKey {
            case caseName = "case", run, gpu, model, publishedImagesPerSecond = "published_images_per_second"
            case predictedImagesPerSecond = "predicted_images_per_second", relativeError = "relative_error"
        }

        init(_ p: MeasuredErrors.ComputePoint) {
            caseName = p.caseName
            run = p.run
            gpu = p.gpu
            model = p.model
            publishedImagesPerSecond = p.publishedImagesPerSecond
            predictedImagesPerSecond = p.predictedImagesPerSecond
            relativeError = p.relativeError
        }
    }

    struct Speedup: Encodable {
        var caseName: String
        @NullWhenAbsent var run: String?
        var model: String
        var gpus: Int
        var publishedSpeedup: Double
        var predictedSpeedup: Double
        var relativeError: Double
        enum CodingKeys: String, CodingKey {
            case caseName = "case", run, model, gpus, publishedSpeedup = "published_speedup"
            case predictedSpeedup = "predicted_speedup", relativeError = "relative_error"
        }
    }

    init(_ e: MeasuredErrors.Evidence) {
        gpu = e.gpu
        precisionGroup = e.precisionGroup
        model = e.model
        gpus = e.gpus
        points = e.points.map(Point.init)
        medianAbsError = e.medianAbsError
        speedups = e.speedups.map { Speedup(caseName: $0.caseName, run: $0.run, model: $0.model, gpus: $0.gpus,
                                            publishedSpeedup: $0.publishedSpeedup, predictedSpeedup: $0.predictedSpeedup,
                                            relativeError: $0.relativeError) }
        speedupMedianAbsError = e.speedupMedianAbsError
        corpusPoints = e.corpusPoints
        corpusMedianAbsError = e.corpusMedianAbsError
        architecture = e.architecture
        architecturePoints = e.architecturePoints.map(Point.init)
        architectureMedianAbsError = e.architectureMedianAbsError
        caution = e.caution
        lean = e.lean
    }

    enum CodingKeys: String, CodingKey {
        case gpu, precisionGroup = "precision_group", model, gpus, points, medianAbsError = "median_abs_error"
        case speedups, speedupMedianAbsError = "speedup_median_abs_error"
        case corpusPoints = "corpus_points", corpusMedianAbsError = "corpus_median_abs_error"
        case architecture, architecturePoints = "architecture_points", architectureMedianAbsError = "architecture_median_abs_error"
        case caution, lean
    }
}
