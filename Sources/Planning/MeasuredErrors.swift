import Foundation
import Scenario
import YAMLSupport

/// The simulator's own errors on the corpus of published measurements
/// (`scenarios/validation/published`, run by `make validate`): what the
/// uncertainty ranges of `sweep --samples`, `plan --pessimistic` and `report`
/// are drawn from, instead of a spread chosen by hand.
///
/// Two kinds of error, because a prediction on N GPUs is a 1-GPU rate times a
/// speedup and the two go wrong for different reasons:
/// - **compute**: every published 1-GPU point, as the factor
///   published / predicted images/s;
/// - **scaling**: every published multi-GPU point whose run also has a published
///   1-GPU point, as the factor published / predicted speedup.
///
/// A prediction of R images/s on N GPUs then stands for R x c x s, with c one of
/// the compute factors and s (for N > 1) one of the scaling factors of the
/// corpus points nearest N (`scalingFactors(nearGPUs:)`).
///
/// The committed file (`Sources/Planning/MeasuredErrors/published-errors.yaml`,
/// also `scenarios/validation/published-errors.yaml`) is built into the binary and
/// regenerated from the corpus with `make validation-errors`
/// (`scalecast validate --published DIR --errors-out FILE`); a test fails when it
/// no longer matches what the corpus gives.
public struct MeasuredErrors: Sendable, Equatable {
    /// A published 1-GPU point beside its prediction.
    public struct ComputePoint: Sendable, Equatable {
        public var caseName: String
        public var run: String?
        public var precision: String
        /// The catalog name of the GPU the point was measured on.
        public var gpu: String
        /// The model trained, by name.
        public var model: String
        public var publishedImagesPerSecond: Double
        public var predictedImagesPerSecond: Double
        /// published / predicted: what a prediction is multiplied by to meet the measurement.
        public var factor: Double { publishedImagesPerSecond / predictedImagesPerSecond }
        /// predicted / published - 1, as `validate --published` prints it (positive: the model is too fast).
        public var relativeError: Double { predictedImagesPerSecond / publishedImagesPerSecond - 1 }
    }

    /// A published speedup beside its prediction.
    public struct ScalingPoint: Sendable, Equatable {
        public var caseName: String
        public var run: String?
        public var gpus: Int
        /// The run's precision, GPU (catalog name) and model.
        public var precision: String
        public var gpu: String
        public var model: String
        public var publishedSpeedup: Double
        public var predictedSpeedup: Double
        /// published / predicted speedup.
        public var factor: Double { publishedSpeedup / predictedSpeedup }
        /// predicted / published speedup - 1, as `validate --published` prints it (positive: the model scales too well).
        public var relativeError: Double { predictedSpeedup / publishedSpeedup - 1 }
    }

    /// How far into the tails of the drawn errors an uncertainty range reaches: a
    /// range is the `level`-th to (1 − `level`)-th percentile of its draws, one level
    /// for 1-GPU predictions and one for multi-GPU ones. `RangeCalibration.tails`
    /// chooses them so that ranges drawn without a point's case hold 80% of the
    /// corpus's points; `nominal` (0.1: the draws' own 10th-90th percentiles) where
    /// nothing was calibrated.
    public struct RangeTails: Sendable, Equatable {
        public var singleGPU: Double
        public var multiGPU: Double

        public init(singleGPU: Double, multiGPU: Double) {
            self.singleGPU = singleGPU
            self.multiGPU = multiGPU
        }

        public static let nominal = RangeTails(singleGPU: 0.1, multiGPU: 0.1)

        /// The level of a prediction on `gpus` GPUs.
        public func level(gpus: Int) -> Double { gpus > 1 ? multiGPU : singleGPU }
    }

    /// The corpus the errors were measured on, as it was named to `validate`.
    public var corpus: String
    public var compute: [ComputePoint]
    public var scaling: [ScalingPoint]
    /// The tails the uncertainty ranges reach into (`RangeCalibration.tails`).
    public var rangeTails: RangeTails

    /// At least this many scaling points make up the neighbourhood of a GPU count.
    public static let scalingNeighbours = 16

    public init(corpus: String, compute: [ComputePoint], scaling: [ScalingPoint], rangeTails: RangeTails = .nominal) {
        self.corpus = corpus
        self.compute = compute
        self.scaling = scaling
        self.rangeTails = rangeTails
    }

    /// The errors of a validation run. Predictions are rounded as the file stores
    /// them (0.001 images/s, 1e-4 of a speedup), so that a regenerated file reads
    /// back equal to the errors it was written from (and an error `explain` computes
    /// from the file prints as `validate` prints it: at 0.001 images/s the rounding
    /// stays under 1e-4 of a prediction down to 10 images/s).
    /// The range tails stay `nominal`: `RangeCalibration.calibrated` chooses them.
    public init(_ validation: PublishedValidation, corpus: String) {
        self.corpus = corpus
        rangeTails = .nominal
        compute = validation.points.filter { $0.gpus == 1 }.map {
            ComputePoint(caseName: $0.caseName, run: $0.run, precision: $0.precision.rawValue, gpu: $0.gpu, model: $0.model,
                         publishedImagesPerSecond: $0.publishedImagesPerSecond,
                         predictedImagesPerSecond: Self.rounded($0.predictedImagesPerSecond, 3))
        }
        scaling = validation.speedups.map {
            ScalingPoint(caseName: $0.caseName, run: $0.run, gpus: $0.gpus, precision: $0.precision.rawValue, gpu: $0.gpu, model: $0.model,
                         publishedSpeedup: Self.rounded($0.publishedSpeedup, 4),
                         predictedSpeedup: Self.rounded($0.predictedSpeedup, 4))
        }
    }

    /// The compute factors (published / predicted 1-GPU images/s), sorted.
    public var computeFactors: [Double] { compute.map(\.factor).sorted() }

    /// The scaling factors (published / predicted speedup) of the corpus points
    /// nearest `gpus` in log2(GPU count): the `scalingNeighbours` nearest, and every
    /// point as near as the farthest of them (so no tie is broken by file order);
    /// sorted. Errors grow with the GPU count (10th-90th percentile of published /
    /// predicted speedup on the corpus of 2026-11: 0.83-1.01 at 2-8 GPUs, 0.53-0.87
    /// above 64), so a pooled spread would be too narrow for large clusters and
    /// too wide for one server. Beyond
    /// the corpus' largest count the largest counts' errors stand in: nothing
    /// says how they grow further.
    /// - Returns: empty for one GPU or an empty corpus.
    public func scalingFactors(nearGPUs gpus: Int) -> [Double] {
        guard gpus > 1, !scaling.isEmpty else { return [] }
        let target = log2(Double(gpus))
        let distances = scaling.map { abs(log2(Double($0.gpus)) - target) }
        let sorted = distances.sorted()
        let reach = sorted[min(Self.scalingNeighbours, sorted.count) - 1]
        return zip(scaling, distances).filter { $0.1 <= reach + 1e-12 }.map(\.0.factor).sorted()
    }

    /// Where the errors come from, in words, for reports and help.
    public var summary: String {
        "the simulator's errors on \(compute.count) published 1-GPU measurements and \(scaling.count) published speedups "
            + "(\(corpus), `make validation-errors`)"
    }

    // MARK: The file

    /// The file's text: a header saying how to regenerate it, then every point.
    public func yaml() -> String {
        var out = """
            # The simulator's errors on the published corpus: every 1-GPU point (published and predicted
            # images/s) and every speedup (published and predicted), each with the precision, GPU and model
            # it was measured on. Uncertainty ranges (sweep --samples, plan --pessimistic, report) draw from them;
            # explain and report show the points measured on the GPU they describe.
            # Written by `make validation-errors` (scalecast validate --published \(corpus) --errors-out FILE);
            # do not edit by hand.
            # A test fails when this file no longer matches what the corpus gives.

            """
        out += "corpus: \(corpus.yamlQuoted)\n"
        out += "# Uncertainty ranges span the range_tails-th to (1 - range_tails)-th percentiles of their draws, the\n"
            + "# levels at which ranges drawn without each point's case hold 80% of the points below (RangeCalibration).\n"
        out += "range_tails: {single_gpu: \(Self.fixed(rangeTails.singleGPU, 3)), multi_gpu: \(Self.fixed(rangeTails.multiGPU, 3))}\n"
        out += "compute:" + (compute.isEmpty ? " []\n" : "\n")
        for p in compute {
            out += "  - {case: \(p.caseName.yamlQuoted)" + (p.run.map { ", run: \($0.yamlQuoted)" } ?? "")
                + ", precision: \(p.precision), gpu: \(p.gpu.yamlQuoted), model: \(p.model.yamlQuoted), published: \(Self.text(p.publishedImagesPerSecond)), predicted: \(Self.fixed(p.predictedImagesPerSecond, 3))}\n"
        }
        out += "scaling:" + (scaling.isEmpty ? " []\n" : "\n")
        for p in scaling {
            out += "  - {case: \(p.caseName.yamlQuoted)" + (p.run.map { ", run: \($0.yamlQuoted)" } ?? "")
                + ", gpus: \(p.gpus), precision: \(p.precision), gpu: \(p.gpu.yamlQuoted), model: \(p.model.yamlQuoted), published_speedup: \(Self.fixed(p.publishedSpeedup, 4)), predicted_speedup: \(Self.fixed(p.predictedSpeedup, 4))}\n"
        }
        return out
    }

    /// Reads the file's form.
    /// - Throws: `ConfigError` naming the file, key and line of a bad entry.
    public init(yaml: YAMLValue) throws {
        try yaml.checkKeys(["corpus", "range_tails", "compute", "scaling"])
        corpus = try yaml.required("corpus").string()
        if let tails = try yaml.optional("range_tails") {
            try tails.checkKeys(["single_gpu", "multi_gpu"])
            func level(_ key: String) throws -> Double {
                let node = try tails.required(key)
                let value = try node.double()
                guard value >= 0, value < 0.5 else {
                    throw node.error("must be at least 0 and under 0.5 (a percentile level of each tail), got \(value)")
                }
                return value
            }
            rangeTails = RangeTails(singleGPU: try level("single_gpu"), multiGPU: try level("multi_gpu"))
        } else {
            rangeTails = .nominal
        }
        compute = try yaml.required("compute").items().map { item in
            try item.checkKeys(["case", "run", "precision", "gpu", "model", "published", "predicted"])
            return ComputePoint(caseName: try item.required("case").string(), run: try item.optional("run")?.string(),
                                precision: try item.required("precision").string(), gpu: try item.required("gpu").string(),
                                model: try item.required("model").string(),
                                publishedImagesPerSecond: try item.required("published").positiveDouble(),
                                predictedImagesPerSecond: try item.required("predicted").positiveDouble())
        }
        scaling = try yaml.required("scaling").items().map { item in
            try item.checkKeys(["case", "run", "gpus", "precision", "gpu", "model", "published_speedup", "predicted_speedup"])
            return ScalingPoint(caseName: try item.required("case").string(), run: try item.optional("run")?.string(),
                                gpus: try item.required("gpus").int(in: 2...Int.max), precision: try item.required("precision").string(),
                                gpu: try item.required("gpu").string(), model: try item.required("model").string(),
                                publishedSpeedup: try item.required("published_speedup").positiveDouble(),
                                predictedSpeedup: try item.required("predicted_speedup").positiveDouble())
        }
    }

    /// The errors built into this binary (the committed file).
    /// - Throws: `ConfigError` if the file is missing from the build or does not read.
    public static func builtIn() throws -> MeasuredErrors {
        guard let url = Bundle.module.url(forResource: "MeasuredErrors/published-errors", withExtension: "yaml") else {
            throw ConfigError(file: "published-errors.yaml", keyPath: "", line: nil, message: "the measured errors are missing from this build")
        }
        return try MeasuredErrors(yaml: YAMLValue.load(path: url.path))
    }

    /// `x` rounded to `digits` decimals, as `fixed` writes it.
    static func rounded(_ x: Double, _ digits: Int) -> Double { Double(fixed(x, digits))! }

    static func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", locale: nil, x) }

    /// A published figure as given: no trailing ".0" on whole numbers, no rounding.
    static func text(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}
