import Foundation
import Scenario
import Workload

extension MeasuredErrors {
    /// The network a model's name names, without the input a built-in model was given
    /// (`Zoo.model(named:input:)` names `resnet50` on 160 x 160 images `resnet50-160x160`, on
    /// four channels `resnet50-4x224x224`): `resnet50` for all three. Other names are their own.
    public static func network(ofModel name: String) -> String { Zoo.network(ofModelNamed: name) ?? name }

    /// How near a point's model is to the one asked about, for ordering: 0 the same name,
    /// 1 the same network on another input, 2 another network.
    static func nearness(_ model: String, to asked: String) -> Int { model == asked ? 0 : sameNetwork(model, asked) ? 1 : 2 }

    /// Whether two models' names are one network, whatever the input each was given:
    /// the corpus's points of a model on another image size or channel count count as its own.
    public static func sameNetwork(_ a: String, _ b: String) -> Bool { network(ofModel: a) == network(ofModel: b) }

    /// What the published corpus says about a prediction for one GPU at one precision
    /// (`PublishedValidation.precisionGroups`: fp32, tf32, fp16+bf16): every 1-GPU point
    /// measured on that GPU in that group, and, for a prediction on N > 1 GPUs, every
    /// published speedup on it at N/2 to 2N GPUs, each beside the model's prediction. A
    /// planner reads it as the model's record where the question is asked, not its
    /// average over the whole corpus.
    public struct Evidence: Sendable, Equatable {
        /// The GPU asked about (catalog name).
        public var gpu: String
        /// The precision group asked about ("fp32", "tf32" or "fp16+bf16").
        public var precisionGroup: String
        /// The model asked about, by name.
        public var model: String
        /// The GPU count asked about.
        public var gpus: Int
        /// The corpus's 1-GPU points on `gpu` in `precisionGroup`: those of `model` first,
        /// then those of its network on other inputs (`MeasuredErrors.sameNetwork`), then the
        /// rest, each group in corpus order.
        public var points: [ComputePoint]
        /// The corpus's speedups on `gpu` in `precisionGroup` at `gpus`/2 to 2 × `gpus`
        /// GPUs (none when `gpus` is 1): those of `model`, then of its network, first, then the nearest GPU
        /// counts (in log2), each in corpus order.
        public var speedups: [ScalingPoint]
        /// Every 1-GPU point of the corpus, whatever its GPU: how many there are and
        /// their median |error|, for a GPU the corpus has not measured.
        public var corpusPoints: Int
        public var corpusMedianAbsError: Double?
        /// The GPU's architecture (the catalog's `architecture`, "Hopper"); nil when unknown.
        public var architecture: String? = nil
        /// Where the corpus has no point on the GPU in `precisionGroup`, its 1-GPU points in
        /// that group on other GPUs of `architecture`: those of `model`, then of its network, first, each group in
        /// corpus order. A board the corpus has not measured gets its generation's record (an
        /// H100 NVL, its Hopper siblings'); one it has measured keeps its own (an A100's is
        /// not diluted by the GeForce boards of its architecture).
        public var architecturePoints: [ComputePoint] = []
        /// The published / predicted factors the corpus's 1-GPU errors on other GPUs span, at
        /// the tails the uncertainty ranges use (`MeasuredErrors.singleGPUFactorRange`); nil
        /// without points.
        public var corpusFactorRange: ClosedRange<Double>? = nil
        /// As `corpusFactorRange`, leaving out every GPU of `architecturePoints` (nil without
        /// them): the span their median factor is set against where the GPU has no point of its own.
        public var architectureFactorRange: ClosedRange<Double>? = nil
        /// Whether the catalog's kernel efficiencies for the GPU and precision were fitted to
        /// measured kernel times (`GPUSpec.kernelEfficiency`), as the caller knows it.
        public var fittedKernels = false
        /// Whether the GPUs of `architecturePoints` have fitted kernel efficiencies in the
        /// precision (`fittedKernels` for each, as `fitted` tells it): their record then
        /// checks a pricing this GPU, without its own, does not share.
        public var siblingsFittedKernels = false
        /// Whether the GPU is a scenario's own entry under a built-in board's name with other
        /// peaks or memory: the corpus measured the built-in board, so none of its points
        /// checks this one, and `points`, `speedups` and `architecturePoints` are empty.
        public var replacesBuiltInBoard = false
        /// Where `replacesBuiltInBoard`, the figures that differ, each "what: given (built in)".
        public var replacedFigures: [String] = []

        /// The evidence with none of the corpus's points: for a board the corpus never
        /// measured under the name it gives (`replacesBuiltInBoard`), whose `figures` differ.
        public func replacingBuiltInBoard(_ figures: [String]) -> Evidence {
            var own = self
            (own.points, own.speedups, own.architecturePoints, own.replacesBuiltInBoard) = ([], [], [], true)
            own.replacedFigures = figures
            return own
        }

        /// The points of the model asked about, on any input (`MeasuredErrors.sameNetwork`).
        public var sameModel: [ComputePoint] { points.filter { MeasuredErrors.sameNetwork($0.model, model) } }

        /// The median |predicted / published − 1| of `points`; nil when there are none.
        public var medianAbsError: Double? { PublishedValidation.median(points.map { abs($0.relativeError) }) }

        /// The smallest and largest signed error of `points`; nil when there are none.
        public var errorRange: (lowest: Double, highest: Double)? { Self.range(points.map(\.relativeError)) }

        /// As `medianAbsError` and `errorRange`, for `architecturePoints`.
        public var architectureMedianAbsError: Double? { PublishedValidation.median(architecturePoints.map { abs($0.relativeError) }) }
        public var architectureErrorRange: (lowest: Double, highest: Double)? { Self.range(architecturePoints.map(\.relativeError)) }

        /// As `medianAbsError` and `errorRange`, for `speedups`.
        public var speedupMedianAbsError: Double? { PublishedValidation.median(speedups.map { abs($0.relativeError) }) }
        public var speedupErrorRange: (lowest: Double, highest: Double)? { Self.range(speedups.map(\.relativeError)) }

        /// What a buyer should read beside a prediction on this GPU in this precision group,
        /// or nil when the corpus backs it as well as any:
        /// - the corpus has measured the GPU in the group, and its points' median factor
        ///   (published / predicted images/s) lies outside `corpusFactorRange`, the span of
        ///   the errors on the other GPUs: the model is off on this GPU by more than its
        ///   errors elsewhere allow;
        /// - the corpus has no point on the GPU in the group, nor on another GPU of its
        ///   architecture: no whole training step checks the prediction (its kernels may
        ///   still be priced from measurements, `fittedKernels`);
        /// - the corpus has measured only other GPUs of its architecture, whose kernels are
        ///   priced from measurements where this GPU's are not (`siblingsFittedKernels`):
        ///   their record does not check this GPU's pricing (the model's default
        ///   efficiencies, typically well above the fitted ones);
        /// - the corpus has measured only other GPUs of its architecture, and their points'
        ///   median factor lies outside `architectureFactorRange`: the model is off on the
        ///   generation by more than its errors elsewhere allow, and nothing says this board
        ///   escapes it (a board a scenario adds under a catalog architecture's name).
        public var caution: String? {
            let place = "the \(gpu) in \(precisionGroup)"
            if replacesBuiltInBoard {
                return "the scenario's catalog gives the \(gpu) other peaks or memory than the built-in board of that name, which the "
                    + "corpus's measurements are of"
                    + (replacedFigures.isEmpty ? "" : " (" + replacedFigures.joined(separator: "; ") + ")")
                    + ": none of them checks this prediction on \(place), which rests on the figures given"
            }
            if points.isEmpty {
                if !architecturePoints.isEmpty, siblingsFittedKernels, !fittedKernels, let architecture {
                    return "the corpus has no published one-GPU training measurement on \(place), and its convolutions are priced at the "
                        + "model's default efficiencies, not from kernel times measured on this board or its die, unlike the other "
                        + "\(architecture) GPUs the corpus has measured: their record does not check this prediction, which may be "
                        + "optimistic against them"
                }
                guard architecturePoints.isEmpty else {
                    guard let architecture, let range = architectureFactorRange,
                          let factor = PublishedValidation.median(architecturePoints.map(\.factor)), !range.contains(factor) else { return nil }
                    var boards: [String] = []
                    for point in architecturePoints where !boards.contains(point.gpu) { boards.append(point.gpu) }
                    let n = architecturePoints.count
                    let record = n == 1 ? "its only one-GPU measurement on another \(architecture) GPU"
                        : "its \(n) one-GPU measurements on other \(architecture) GPUs"
                    return "the corpus has no published one-GPU training measurement on \(place); \(record) (\(boards.joined(separator: ", "))) ran at "
                        + String(format: "%.2f", locale: nil, factor) + "x the model's prediction\(n == 1 ? "" : " (median)"), outside the "
                        + String(format: "%.2f-%.2fx", locale: nil, range.lowerBound, range.upperBound)
                        + " its errors span on the corpus's other GPUs: on this GPU too the prediction may be that far off, beyond its range"
                }
                let siblings = architecture.map { " nor on another \($0) GPU" } ?? ""
                let basis = fittedKernels
                    ? "its convolutions are priced from kernel times measured on this board or its die, but no measured training "
                        + "step checks the whole prediction"
                    : "this prediction rests on the catalog's peaks and the model's default efficiencies, unchecked against a measurement"
                return "the corpus has no published one-GPU training measurement on \(place)\(siblings): " + basis
            }
            guard let range = corpusFactorRange,
                  let factor = PublishedValidation.median(points.map(\.factor)), !range.contains(factor) else { return nil }
            let n = points.count
            return "the corpus's \(n == 1 ? "one" : String(n)) published one-GPU measurement\(n == 1 ? "" : "s") on \(place) ran at "
                + String(format: "%.2f", locale: nil, factor) + "x the model's prediction\(n == 1 ? "" : " (median)"), outside the "
                + String(format: "%.2f-%.2fx", locale: nil, range.lowerBound, range.upperBound)
                + " its errors span on the corpus's other GPUs: on this GPU the prediction may be that far off, beyond its range"
        }

        /// Where the corpus backs the prediction (no `caution`) but every one of its 1-GPU points
        /// on this GPU in this group errs the same way, by a median beyond the corpus's own median
        /// |error| (`corpusMedianAbsError`, about 10%): which end of the range its record points
        /// to, in words; nil otherwise. (The H200 with AMP: its one measurement ran 25% below the
        /// prediction, inside the range's span, so no caution, but no reason to read the middle.)
        public var lean: String? {
            guard caution == nil, !replacesBuiltInBoard, !points.isEmpty, let typical = corpusMedianAbsError,
                  let median = PublishedValidation.median(points.map(\.relativeError)), abs(median) > typical else { return nil }
            let errors = points.map(\.relativeError)
            let above = median > 0
            guard errors.allSatisfy({ above ? $0 > 0 : $0 < 0 }) else { return nil }
            let n = points.count
            let every = n == 1 ? "the corpus's one published one-GPU measurement" : "every one of the corpus's \(n) published one-GPU measurements"
            return "the model predicted \(above ? "above" : "below") \(every) on the \(gpu) in \(precisionGroup) (by "
                + String(format: "%.0f%%", locale: nil, abs(median) * 100) + (n == 1 ? "" : ", the median") + "), more than its median error on the "
                + "corpus (" + String(format: "%.0f%%", locale: nil, typical * 100) + "): expect "
                + (above ? "fewer images/s than predicted, the slower and dearer end of the range"
                         : "more images/s than predicted, the faster and cheaper end of the range")
        }

        static func range(_ errors: [Double]) -> (lowest: Double, highest: Double)? {
            guard let low = errors.min(), let high = errors.max() else { return nil }
            return (low, high)
        }
    }

    /// The corpus's record on `gpu` (catalog name) at `precision` for `model` on `gpus` GPUs,
    /// and, where it has none there and `architecture` is known, on the other GPUs of that
    /// architecture (`architectureOf` gives a corpus GPU's, by catalog name; nil: unknown;
    /// names compared without case or surrounding spaces); `fittedKernels`: whether `gpu`'s
    /// kernel efficiencies in `precision` were fitted to measured kernel times, `fitted` the
    /// same for a corpus GPU (by catalog name).
    public func evidence(gpu: String, precision: Precision, model: String, gpus: Int = 1, architecture: String? = nil,
                         architectureOf: (String) -> String? = { _ in nil }, fittedKernels: Bool = false,
                         fitted: (String) -> Bool = { _ in false }) -> Evidence {
        let group = PublishedValidation.precisionGroups.first { $0.precisions.contains(precision) }
        let precisions = Set((group?.precisions ?? [precision]).map(\.rawValue))
        let matching = compute.filter { $0.gpu == gpu && precisions.contains($0.precision) }
        let ordered = (0...2).flatMap { rank in matching.filter { Self.nearness($0.model, to: model) == rank } }
        func distance(_ p: ScalingPoint) -> Double { abs(log2(Double(p.gpus)) - log2(Double(gpus))) }
        // gpus/2 <= p.gpus <= 2 gpus, in integers (log2 of 20 less log2 of 10 is 1.0000000000000004).
        let near = gpus > 1 ? scaling.filter { $0.gpu == gpu && precisions.contains($0.precision) && 2 * $0.gpus >= gpus && $0.gpus <= 2 * gpus } : []
        // A stable order: the model's first, then its network's, then by distance in log2 of the GPU count, ties in corpus order.
        let speedups = near.enumerated().sorted { a, b in
            let key = { (p: ScalingPoint) in (Self.nearness(p.model, to: model), distance(p)) }
            let (ka, kb) = (key(a.element), key(b.element))
            return ka != kb ? ka < kb : a.offset < b.offset
        }.map(\.element)
        func key(_ name: String?) -> String? {
            let trimmed = name?.trimmingCharacters(in: .whitespaces).lowercased()
            return trimmed.flatMap { $0.isEmpty || $0 == "unknown" ? nil : $0 }
        }
        let generation = key(architecture)
        let siblings = generation.map { arch in
            ordered.isEmpty ? compute.filter { $0.gpu != gpu && precisions.contains($0.precision) && key(architectureOf($0.gpu)) == arch } : []
        } ?? []
        return Evidence(gpu: gpu, precisionGroup: group?.name ?? precision.rawValue, model: model, gpus: gpus, points: ordered,
                        speedups: speedups, corpusPoints: compute.count,
                        corpusMedianAbsError: PublishedValidation.median(compute.map { abs($0.relativeError) }),
                        architecture: generation == nil ? nil : architecture?.trimmingCharacters(in: .whitespaces),
                        architecturePoints: (0...2).flatMap { rank in siblings.filter { Self.nearness($0.model, to: model) == rank } },
                        corpusFactorRange: singleGPUFactorRange(excluding: gpu),
                        architectureFactorRange: siblings.isEmpty ? nil : singleGPUFactorRange(excluding: Set(siblings.map(\.gpu)).union([gpu])),
                        fittedKernels: fittedKernels,
                        siblingsFittedKernels: !siblings.isEmpty && Set(siblings.map(\.gpu)).allSatisfy(fitted))
    }

    /// The published / predicted 1-GPU factors of the corpus's points on GPUs other than
    /// `gpu`, between the percentiles the 1-GPU uncertainty ranges span (`rangeTails`),
    /// interpolated as `Uncertainty` draws them; nil without such points. The GPU's own
    /// points are left out, as a held-out check leaves a case out: a board is set against
    /// what the model's errors elsewhere allow.
    public func singleGPUFactorRange(excluding gpu: String) -> ClosedRange<Double>? { singleGPUFactorRange(excluding: [gpu]) }

    /// As `singleGPUFactorRange(excluding:)`, leaving out the points of every GPU of `gpus`.
    public func singleGPUFactorRange(excluding gpus: Set<String>) -> ClosedRange<Double>? {
        let factors = compute.filter { !gpus.contains($0.gpu) }.map(\.factor).sorted()
        guard !factors.isEmpty else { return nil }
        return Uncertainty.range(sorted: factors, level: rangeTails.singleGPU)
    }
}
