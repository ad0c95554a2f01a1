import Foundation
import YAMLSupport

/// Throughput a paper, vendor page or benchmark suite published for a scenario's
/// runs: the optional top-level `published` block of a scenario file, which
/// `scalecast validate --published` sets beside the simulator's predictions.
///
/// ```yaml
/// published:
///   source: "Li et al., PyTorch Distributed ..., VLDB 2020"   # required
///   url: https://arxiv.org/abs/2006.15704                     # required, http(s)
///   where: "Figure 9(a), read off the plot (+-3%)"            # optional
///   software: "PyTorch 1.5, NCCL 2.4, DDP, fp32"              # optional
///   notes: "free text"                                         # optional
///   points:                                                    # at least one
///     - {run: "V100 fp32", gpus: 1, images_per_second: 367}
/// ```
///
/// `run` names a run by its label; it may be left out when the scenario has one
/// run. `gpus` need not be among the run's own `gpus`: a point is simulated at its
/// own count (so a corpus file can keep the scenario's list short), and the count
/// is checked as a `--gpus` value would be (limits, nodes needing a network) when
/// the file is read. One point per (run, GPU count).
public struct PublishedMeasurements: Sendable {
    public struct Point: Sendable {
        /// The run's label as written, nil when left out (a one-run scenario).
        public var run: String?
        /// Index into `Scenario.runs`.
        public var runIndex: Int
        public var gpus: Int
        /// Whole-job images per second, as published.
        public var imagesPerSecond: Double
        /// Where the point's `gpus` was given, for errors found while simulating it.
        public var gpusLocation: ConfigError
    }

    public var source: String
    public var url: String
    /// Where in the source the figures are (a table, a figure read off a plot).
    public var whereInSource: String?
    /// The software stack the figures were measured with.
    public var software: String?
    public var notes: String?
    public var points: [Point]

    static let keys = ["source", "url", "where", "software", "notes", "points"]
    static let pointKeys = ["run", "gpus", "images_per_second"]
    /// Points in one file: far more than any paper's table.
    static let maxPoints = 1000
    /// Images per second above which a figure is a typo (a million times a GPU's).
    static let maxImagesPerSecond = 1e9

    /// Reads the `published` block of a scenario whose runs are `runs`.
    /// - Throws: `ConfigError` at the offending key.
    init(yaml node: YAMLValue, runs: [RunSpec]) throws {
        try node.checkKeys(Self.keys)
        func text(_ key: String, required: Bool) throws -> String? {
            guard let value = required ? try node.required(key) : try node.optional(key) else { return nil }
            let s = try value.string().trimmingCharacters(in: .whitespaces)
            guard !s.isEmpty else { throw value.error("'\(key)' is empty; say \(key == "url" ? "where the figures can be read" : "what it is")") }
            return s
        }
        source = try text("source", required: true)!
        url = try text("url", required: true)!
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw try node.required("url").error("expected an http:// or https:// address, got '\(url)'")
        }
        whereInSource = try text("where", required: false)
        software = try text("software", required: false)
        notes = try text("notes", required: false)
        let pointsNode = try node.required("points")
        guard pointsNode.isSequence else { throw pointsNode.error("expected a list of points ({run, gpus, images_per_second})") }
        let items = try pointsNode.items()
        guard !items.isEmpty else { throw pointsNode.error("points is empty; list at least one published figure") }
        guard items.count <= Self.maxPoints else { throw pointsNode.error("\(items.count) points; a file holds at most \(Self.maxPoints)") }
        let labels = runs.map(\.label)
        var points: [Point] = []
        for item in items {
            guard item.isMapping else { throw item.error("expected a point {run, gpus, images_per_second}") }
            try item.checkKeys(Self.pointKeys)
            let runIndex: Int
            let runName: String?
            if let runNode = try item.optional("run") {
                let name = try runNode.string()
                let matches = labels.indices.filter { labels[$0] == name }
                guard let first = matches.first else {
                    let known = labels.compactMap { $0 }.map { "'\($0)'" }
                    throw runNode.error("no run is labelled '\(name)'"
                        + (known.isEmpty ? "; the scenario's runs have no labels (leave 'run' out for a one-run scenario)"
                           : "; the runs are: \(known.joined(separator: ", "))"))
                }
                guard matches.count == 1 else { throw runNode.error("\(matches.count) runs are labelled '\(name)'; give them different labels") }
                runIndex = first
                runName = name
            } else {
                guard runs.count == 1 else {
                    throw item.error("the scenario has \(runs.count) runs: say which with 'run' (one of: "
                        + labels.map { $0.map { "'\($0)'" } ?? "(unlabelled)" }.joined(separator: ", ") + ")")
                }
                runIndex = 0
                runName = nil
            }
            let gpusNode = try item.required("gpus")
            let gpus = try gpusNode.int(in: Limits.gpus)
            var location = gpusNode.error("")
            location.message = ""
            try ScenarioRunner.check(runs[runIndex], gpus: gpus, location: location)
            if points.contains(where: { $0.runIndex == runIndex && $0.gpus == gpus }) {
                throw gpusNode.error("a second point for \(runName.map { "run '\($0)' on " } ?? "")\(gpus) GPU\(gpus == 1 ? "" : "s"); "
                    + "give each (run, GPU count) once")
            }
            let rateNode = try item.required("images_per_second")
            let rate = try rateNode.positiveDouble()
            guard rate <= Self.maxImagesPerSecond else {
                throw rateNode.error("\(rate) images/s is beyond any cluster; at most \(Int(Self.maxImagesPerSecond))")
            }
            points.append(Point(run: runName, runIndex: runIndex, gpus: gpus, imagesPerSecond: rate, gpusLocation: location))
        }
        self.points = points
    }
}
