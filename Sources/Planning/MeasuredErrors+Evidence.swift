import Scenario
import Workload

extension MeasuredErrors {
    /// What the published corpus says about a prediction for one GPU at one precision:
    /// every 1-GPU point measured on that GPU in the same precision group
    /// (`PublishedValidation.precisionGroups`: fp32, tf32, fp16+bf16), beside the
    /// model's prediction for it. A planner reads it as the model's record where the
    /// question is asked, not its average over the whole corpus.
    public struct Evidence: Sendable, Equatable {
        /// The GPU asked about (catalog name).
        public var gpu: String
        /// The precision group asked about ("fp32", "tf32" or "fp16+bf16").
        public var precisionGroup: String
        /// The model asked about, by name.
        public var model: String
        /// The corpus's 1-GPU points on `gpu` in `precisionGroup`: those of `model`
        /// first, each group in corpus order.
        public var points: [ComputePoint]
        /// Every 1-GPU point of the corpus, whatever its GPU: how many there are and
        /// their median |error|, for a GPU the corpus has not measured.
        public var corpusPoints: Int
        public var corpusMedianAbsError: Double?

        /// The points of the model asked about.
        public var sameModel: [ComputePoint] { points.filter { $0.model == model } }

        /// The median |predicted / published − 1| of `points`; nil when there are none.
        public var medianAbsError: Double? { PublishedValidation.median(points.map { abs($0.relativeError) }) }

        /// The smallest and largest signed error of `points`; nil when there are none.
        public var errorRange: (lowest: Double, highest: Double)? {
            let errors = points.map(\.relativeError)
            guard let low = errors.min(), let high = errors.max() else { return nil }
            return (low, high)
        }
    }

    /// The corpus's record on `gpu` (catalog name) at `precision` for `model`.
    public func evidence(gpu: String, precision: Precision, model: String) -> Evidence {
        let group = PublishedValidation.precisionGroups.first { $0.precisions.contains(precision) }
        let precisions = Set((group?.precisions ?? [precision]).map(\.rawValue))
        let matching = compute.filter { $0.gpu == gpu && precisions.contains($0.precision) }
        let ordered = matching.filter { $0.model == model } + matching.filter { $0.model != model }
        return Evidence(gpu: gpu, precisionGroup: group?.name ?? precision.rawValue, model: model, points: ordered,
                        corpusPoints: compute.count,
                        corpusMedianAbsError: PublishedValidation.median(compute.map { abs($0.relativeError) }))
    }
}
