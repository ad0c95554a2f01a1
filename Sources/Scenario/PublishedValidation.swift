import Foundation
import Workload
import YAMLSupport

/// The simulator against a corpus of published measurements (scenario files with
/// a `published` block): each point's throughput, each multi-GPU point's speedup
/// over the same run's published 1-GPU point, and the "always linear" baseline
/// (speedup = GPUs) beside the model's, so that the corpus shows whether the model
/// carries information beyond linear scaling.
///
/// Errors are relative: predicted / published - 1; statistics are over |error|.
public struct PublishedValidation: Sendable {
    /// One corpus file.
    public struct Case: Sendable {
        /// The file name without its extension: the case's name in every table.
        public var name: String
        public var file: String
        public var published: PublishedMeasurements
    }

    /// One published point beside its prediction.
    public struct Point: Sendable {
        public var caseName: String
        public var run: String?
        public var gpus: Int
        public var precision: Precision
        /// The catalog name of the GPU the run ran on (`cluster.gpu`).
        public var gpu: String
        /// The run's model (`model:`), by name.
        public var model: String
        public var publishedImagesPerSecond: Double
        public var predictedImagesPerSecond: Double
        public var relativeError: Double { predictedImagesPerSecond / publishedImagesPerSecond - 1 }
    }

    /// A multi-GPU point whose run also has a published 1-GPU point.
    public struct Speedup: Sendable {
        public var caseName: String
        public var run: String?
        public var gpus: Int
        /// The run's precision, GPU (catalog name) and model, as `Point` has them.
        public var precision: Precision
        public var gpu: String
        public var model: String
        public var publishedSpeedup: Double
        public var predictedSpeedup: Double
        public var relativeError: Double { predictedSpeedup / publishedSpeedup - 1 }
        /// The error of predicting linear scaling (speedup = gpus).
        public var baselineError: Double { Double(gpus) / publishedSpeedup - 1 }
    }

    /// Count, median and largest of |error| over some points, and where the largest is.
    public struct Statistics: Sendable, Equatable {
        public var count: Int
        /// The middle |error|; for an even count, the mean of the two middle ones.
        public var medianAbsError: Double
        public var largestAbsError: Double
        /// The first point (in corpus order) with the largest |error|.
        public var largestCase: String
        public var largestRun: String?
        public var largestGPUs: Int
    }

    /// A goal the corpus is held to (README.md, "Validation against published measurements").
    public struct Goal: Sendable {
        public var name: String
        public var limit: Double
        /// nil when the corpus has no points to judge it on.
        public var value: Double?
        public var met: Bool? { value.map { $0 <= limit } }
    }

    /// The precisions 1-GPU points are grouped by.
    public static let precisionGroups: [(name: String, precisions: Set<Precision>)] = [
        ("fp32", [.fp32]), ("tf32", [.tf32]), ("fp16+bf16", [.fp16, .bf16]),
    ]

    public var cases: [Case]
    public var points: [Point]
    public var speedups: [Speedup]

    public init(cases: [Case], points: [Point], speedups: [Speedup]) {
        self.cases = cases
        self.points = points
        self.speedups = speedups
    }

    /// Reads and simulates every file of `paths`, each a scenario with a `published`
    /// block, on every core; the cases, points and speedups come in the order given (the
    /// caller sorts them).
    /// - Throws: `ConfigError` for a file that does not read, has no `published`
    ///   block, or a point that cannot be simulated; `ModelError` likewise. Where several
    ///   files fail, the first of `paths` to fail is the one reported.
    public static func evaluate(files paths: [String]) throws -> PublishedValidation {
        let perFile = try ResultBox<PublishedValidation>.map(paths) { try evaluate(file: $0) }
        return PublishedValidation(cases: perFile.flatMap(\.cases), points: perFile.flatMap(\.points),
                                   speedups: perFile.flatMap(\.speedups))
    }

    /// One corpus file's case, its points in the order published, and the speedups of its
    /// multi-GPU points over the same run's 1-GPU point.
    private static func evaluate(file path: String) throws -> PublishedValidation {
        let scenario = try Scenario.load(path: path)
        guard let published = scenario.published else {
            throw ConfigError(file: path, keyPath: "published", line: nil,
                              message: "no 'published' block: a corpus file states the figures it is held to")
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var points: [Point] = [], speedups: [Speedup] = []
        var predicted: [Int: [Int: Double]] = [:]
        for point in published.points {
            let run = scenario.runs[point.runIndex]
            let rate = try ScenarioRunner.simulate(run, gpus: point.gpus, location: point.gpusLocation).metrics.imagesPerSecond
            predicted[point.runIndex, default: [:]][point.gpus] = rate
            points.append(Point(caseName: name, run: point.run, gpus: point.gpus, precision: run.precision,
                                gpu: run.cluster.gpu.name, model: run.modelLabel,
                                publishedImagesPerSecond: point.imagesPerSecond, predictedImagesPerSecond: rate))
        }
        for point in published.points where point.gpus > 1 {
            guard let one = published.points.first(where: { $0.runIndex == point.runIndex && $0.gpus == 1 }),
                  let predictedOne = predicted[point.runIndex]?[1], let predictedN = predicted[point.runIndex]?[point.gpus] else { continue }
            let run = scenario.runs[point.runIndex]
            speedups.append(Speedup(caseName: name, run: point.run, gpus: point.gpus, precision: run.precision,
                                    gpu: run.cluster.gpu.name, model: run.modelLabel,
                                    publishedSpeedup: point.imagesPerSecond / one.imagesPerSecond,
                                    predictedSpeedup: predictedN / predictedOne))
        }
        return PublishedValidation(cases: [Case(name: name, file: path, published: published)], points: points, speedups: speedups)
    }

    // MARK: Statistics

    /// The median of `values` (the mean of the two middle ones for an even count); nil if empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// Statistics of |error| over `items` (case, run, GPUs, error); nil if empty.
    public static func statistics(_ items: [(caseName: String, run: String?, gpus: Int, error: Double)]) -> Statistics? {
        guard let median = median(items.map { abs($0.error) }) else { return nil }
        var largest = items[0]
        for item in items.dropFirst() where abs(item.error) > abs(largest.error) { largest = item }
        return Statistics(count: items.count, medianAbsError: median, largestAbsError: abs(largest.error),
                          largestCase: largest.caseName, largestRun: largest.run, largestGPUs: largest.gpus)
    }

    /// Absolute throughput, every point.
    public var throughput: Statistics? { Self.statistics(points.map { ($0.caseName, $0.run, $0.gpus, $0.relativeError) }) }

    /// Speedup over 1 GPU, the model's.
    public var speedup: Statistics? { Self.statistics(speedups.map { ($0.caseName, $0.run, $0.gpus, $0.relativeError) }) }

    /// Speedup over 1 GPU, the "always linear" baseline's, on the same points.
    public var baselineSpeedup: Statistics? { Self.statistics(speedups.map { ($0.caseName, $0.run, $0.gpus, $0.baselineError) }) }

    /// Absolute throughput of the 1-GPU points, of precisions `precisions` (all if nil).
    public func singleGPU(_ precisions: Set<Precision>? = nil) -> Statistics? {
        singleGPU { precisions?.contains($0.precision) ?? true }
    }

    /// Absolute throughput of the 1-GPU points `include` accepts.
    public func singleGPU(where include: (Point) -> Bool) -> Statistics? {
        Self.statistics(points.filter { $0.gpus == 1 && include($0) }.map { ($0.caseName, $0.run, $0.gpus, $0.relativeError) })
    }

    /// Absolute throughput of the 1-GPU points per architecture of their GPU
    /// (`architectureOf` gives a GPU's by its catalog name; nil, "other"), each architecture
    /// once, oldest first: by the earliest `yearOf` among its points' GPUs (unknown years
    /// last), ties by name.
    public func singleGPUByArchitecture(architectureOf: (String) -> String?,
                                        yearOf: (String) -> Int?) -> [(architecture: String, statistics: Statistics?)] {
        func group(_ p: Point) -> String { architectureOf(p.gpu) ?? Self.otherArchitecture }
        var earliest: [String: Int] = [:]
        for p in points where p.gpus == 1 { earliest[group(p)] = min(earliest[group(p)] ?? Int.max, yearOf(p.gpu) ?? Int.max) }
        return earliest.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }
            .map { architecture in (architecture.key, singleGPU { group($0) == architecture.key }) }
    }

    /// The group of a GPU whose architecture is unknown (one a case declares itself).
    public static let otherArchitecture = "other"

    /// The goals: speedup median |error| <= 5% and largest <= 15%; 1-GPU throughput
    /// median <= 10% and largest <= 25%.
    public var goals: [Goal] {
        let s = speedup, one = singleGPU()
        return [Goal(name: "speedup median |error|", limit: 0.05, value: s?.medianAbsError),
                Goal(name: "speedup largest |error|", limit: 0.15, value: s?.largestAbsError),
                Goal(name: "1-GPU throughput median |error|", limit: 0.10, value: one?.medianAbsError),
                Goal(name: "1-GPU throughput largest |error|", limit: 0.25, value: one?.largestAbsError)]
    }
}
