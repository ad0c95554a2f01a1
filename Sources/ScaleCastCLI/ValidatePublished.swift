import Foundation
import Hardware
import Planning
import Reports
import Scenario
import YAMLSupport

/// `scalecast validate --published DIR_OR_FILES...`: the simulator against
/// published measurements (scenario files with a `published` block), with the
/// "always linear" baseline beside it. Exit 0 whatever the errors; 2 on bad input.
extension ValidateCommand {
    /// The scenario files named by `arguments`: a directory gives its *.yaml and
    /// *.yml files (not its subdirectories); sorted by file name, then path; each once.
    static func corpusFiles(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw UsageError(message: "--published: \(argument.singleLine): no such file or directory")
            }
            if isDirectory.boolValue {
                guard let names = try? manager.contentsOfDirectory(atPath: argument) else {
                    throw UsageError(message: "--published: \(argument.singleLine): cannot list the directory")
                }
                for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                    let path = (argument as NSString).appendingPathComponent(name)
                    var inner: ObjCBool = false
                    if manager.fileExists(atPath: path, isDirectory: &inner), !inner.boolValue { files.append(path) }
                }
            } else {
                files.append(argument)
            }
        }
        var seen = Set<String>()
        files = files.filter { seen.insert(($0 as NSString).standardizingPath).inserted }
        files.sort { a, b in
            let (na, nb) = ((a as NSString).lastPathComponent, (b as NSString).lastPathComponent)
            return na != nb ? na < nb : a < b
        }
        guard !files.isEmpty else {
            throw UsageError(message: "--published: no scenario files (*.yaml) in \(arguments.joined(separator: ", ").singleLine)")
        }
        return files
    }

    func validatePublished() throws -> CommandOutput {
        guard against == nil, profile == nil, workers.isEmpty, !tasks else {
            throw UsageError(message: "--published takes none of --against, --profile, --workers, --tasks")
        }
        // The errors file may live beside the corpus: it is not a case.
        let written = errorsOut.map { ($0 as NSString).standardizingPath }
        let files = try Self.corpusFiles(published).filter { ($0 as NSString).standardizingPath != written }
        guard !files.isEmpty else { throw UsageError(message: "--published: no scenario files besides --errors-out") }
        let validation = try PublishedValidation.evaluate(files: files)
        var errors = MeasuredErrors(validation, corpus: published.joined(separator: " "))
        let catalog = try Catalog.builtIn()
        let calibration = RangeCalibration.heldOut(errors, architectureOf: { catalog.gpu(named: $0)?.architecture })
        errors.rangeTails = calibration.tails
        var output = json ? CommandOutput(stdout: try ResultsJSON.encode(PublishedDocument(validation: validation, calibration: calibration,
                                                                                           catalog: catalog)))
            : CommandOutput(stdout: Self.publishedText(validation, catalog: catalog) + Self.calibrationText(calibration))
        if let errorsOut {
            try OutputFile.write(errors.yaml(), to: errorsOut, force: force, flag: "--errors-out")
            output.stderr = "wrote \(errorsOut): \(errors.compute.count) 1-GPU errors and \(errors.scaling.count) speedup errors\n"
        }
        return output
    }

    /// The 1-GPU statistics per architecture of the points' GPUs in the built-in catalog,
    /// oldest first: which generations the corpus backs.
    static func byArchitecture(_ v: PublishedValidation, catalog: Catalog) -> [(architecture: String, statistics: PublishedValidation.Statistics?)] {
        v.singleGPUByArchitecture(architectureOf: { catalog.gpu(named: $0)?.architecture }, yearOf: { catalog.gpu(named: $0)?.year })
    }

    /// How often the uncertainty ranges cover points they were not drawn from (`RangeCalibration`).
    static func calibrationText(_ c: RangeCalibration) -> String {
        func line(_ name: String, _ k: RangeCalibration.Coverage) -> String {
            guard let fraction = k.fraction else { return "  \(name): no points\n" }
            return "  \(name): \(k.covered) of \(k.points) published points inside their range (\(Format.percent(fraction))), "
                + "median width x\(Format.fixed(k.medianWidth, 2))\n"
        }
        func level(_ x: Double) -> String { Format.fixed(x * 100, 1) + "th-" + Format.fixed(100 - x * 100, 1) + "th" }
        return "\nUncertainty ranges (the p10-p90 of report, sweep --samples and plan --pessimistic): the \(level(c.tails.singleGPU)) "
            + "percentiles of their draws at 1 GPU, the \(level(c.tails.multiGPU)) above, the widths at which ranges drawn without "
            + "each point's case hold \(Format.percent(RangeCalibration.nominal)) of the corpus's points.\n"
            + "Held out: each point against a range drawn from the other cases' errors, at the percentiles those cases alone "
            + "choose (honest ranges hold about \(Format.percent(RangeCalibration.nominal)))\n"
            + line("1 GPU", c.singleGPU) + line("2+ GPUs", c.multiGPU)
            + (c.newArchitecture.map { "Held out by architecture: each 1-GPU point against a range drawn from the errors on the other "
                + "architectures' GPUs, at the 1-GPU percentiles above (how the ranges fare on a GPU whose architecture the corpus "
                + "has no point on)\n" + line("1 GPU", $0) } ?? "")
    }

    static func percent(_ x: Double) -> String { Format.signedPercent(x) }
    static func magnitude(_ x: Double?) -> String { x.map(Format.percent) ?? "-" }
    /// A goal's value in percent to one decimal, or to as many more (up to four) as it takes not
    /// to print the limit itself for a value beside it: "10.04%, not met", not "10.0%, not met".
    static func goalValue(_ value: Double?, limit: Double) -> String {
        guard let value else { return "-" }
        for decimals in 1...4 where value == limit || Format.fixed(value * 100, decimals) != Format.fixed(limit * 100, decimals) {
            return Format.fixed(value * 100, decimals) + "%"
        }
        return Format.fixed(value * 100, 4) + "%"
    }
    static func rate(_ x: Double) -> String { Format.fixed(x, x < 100 ? 1 : 0) }
    static func runName(_ run: String?) -> String { run?.singleLine ?? "-" }
    static func at(_ s: PublishedValidation.Statistics?) -> String {
        guard let s else { return "" }
        return "\(s.largestCase.singleLine)" + (s.largestRun.map { " · \($0.singleLine)" } ?? "") + " · \(s.largestGPUs) GPU\(s.largestGPUs == 1 ? "" : "s")"
    }

    static func publishedText(_ v: PublishedValidation, catalog: Catalog) -> String {
        var text = "The simulator against published measurements: \(v.cases.count) case\(v.cases.count == 1 ? "" : "s"), "
            + "\(v.points.count) point\(v.points.count == 1 ? "" : "s"); error = predicted / published - 1\n\n"
        for c in v.cases {
            text += "\(c.name.singleLine): \(c.published.source.singleLine)"
                + (c.published.whereInSource.map { ", \($0.singleLine)" } ?? "") + " <\(c.published.url.singleLine)>\n"
        }
        var points = TextTable(headers: ["case", "run", "GPUs", "precision", "published img/s", "predicted img/s", "error"],
                               alignments: [.left, .left, .right, .left, .right, .right, .right])
        for p in v.points {
            points.append([p.caseName.singleLine, runName(p.run), "\(p.gpus)", p.precision.rawValue, rate(p.publishedImagesPerSecond),
                           rate(p.predictedImagesPerSecond), percent(p.relativeError)])
        }
        text += "\nThroughput (whole job)\n" + points.render()
        if !v.speedups.isEmpty {
            var speedups = TextTable(headers: ["case", "run", "GPUs", "published", "predicted", "error", "linear error"],
                                     alignments: [.left, .left, .right, .right, .right, .right, .right])
            for s in v.speedups {
                speedups.append([s.caseName.singleLine, runName(s.run), "\(s.gpus)", Format.fixed(s.publishedSpeedup, 2),
                                 Format.fixed(s.predictedSpeedup, 2), percent(s.relativeError), percent(s.baselineError)])
            }
            text += "\nSpeedup over the same run's published 1-GPU point (linear: speedup = GPUs)\n" + speedups.render()
        }
        var summary = TextTable(headers: ["|error|", "points", "median", "largest", "largest at"],
                                alignments: [.left, .right, .right, .right, .left])
        func row(_ name: String, _ s: PublishedValidation.Statistics?) {
            summary.append([name, "\(s?.count ?? 0)", magnitude(s?.medianAbsError), magnitude(s?.largestAbsError), at(s)])
        }
        row("throughput, all points", v.throughput)
        row("speedup, model", v.speedup)
        row("speedup, always linear", v.baselineSpeedup)
        row("1 GPU, all precisions", v.singleGPU())
        for group in PublishedValidation.precisionGroups { row("1 GPU, \(group.name)", v.singleGPU(group.precisions)) }
        for (architecture, statistics) in Self.byArchitecture(v, catalog: catalog) { row("1 GPU, \(architecture)", statistics) }
        text += "\nSummary\n" + summary.render() + "\nGoals\n"
        for goal in v.goals {
            let verdict = goal.met.map { $0 ? "met" : "not met" } ?? "no points"
            text += "  \(goal.name) <= \(Format.fixed(goal.limit * 100, 0))%: \(goalValue(goal.value, limit: goal.limit)), \(verdict)\n"
        }
        return text
    }
}

/// The JSON of `scalecast validate --published --json`; its keys are stable
/// (ValidateCommand's help, README.md). Absent values are null, never left out.
struct PublishedDocument: Encodable {
    var validation: PublishedValidation
    var calibration: RangeCalibration
    /// The catalog the points' GPUs are looked up in for their architecture.
    var catalog: Catalog

    enum Keys: String, CodingKey {
        case cases, points, speedups, summary, goals
        case name, file, source, url, `where`, software, notes
        case `case`, run, gpus, precision, publishedImagesPerSecond = "published_images_per_second",
             predictedImagesPerSecond = "predicted_images_per_second", relativeError = "relative_error"
        case publishedSpeedup = "published_speedup", predictedSpeedup = "predicted_speedup", linearBaselineError = "linear_baseline_error"
        case throughput, speedup, linearBaseline = "linear_baseline", singleGPU = "single_gpu", singleGPUByPrecision = "single_gpu_by_precision",
             singleGPUByArchitecture = "single_gpu_by_architecture"
        case count, medianAbsError = "median_abs_error", largestAbsError = "largest_abs_error", largestCase = "largest_case",
             largestRun = "largest_run", largestGPUs = "largest_gpus"
        case limit, value, met
        case rangeCalibration = "range_calibration", nominal, multiGPU = "multi_gpu", tailLevels = "tail_levels",
             singleGPUNewArchitecture = "single_gpu_new_architecture"
    }

    struct CoverageJSON: Encodable {
        var k: RangeCalibration.Coverage
        enum Keys: String, CodingKey { case points, covered, fraction, medianWidth = "median_width" }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(k.points, forKey: .points)
            try c.encode(k.covered, forKey: .covered)
            try c.encode(k.fraction, forKey: .fraction)
            try c.encode(k.points == 0 ? nil : k.medianWidth, forKey: .medianWidth)
        }
    }

    struct Stats: Encodable {
        var s: PublishedValidation.Statistics?
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(s?.count ?? 0, forKey: .count)
            try c.encode(s?.medianAbsError, forKey: .medianAbsError)
            try c.encode(s?.largestAbsError, forKey: .largestAbsError)
            try c.encode(s?.largestCase, forKey: .largestCase)
            try c.encode(s?.largestRun, forKey: .largestRun)
            try c.encode(s?.largestGPUs, forKey: .largestGPUs)
        }
    }

    func encode(to encoder: Encoder) throws {
        var root = encoder.container(keyedBy: Keys.self)
        var cases = root.nestedUnkeyedContainer(forKey: .cases)
        for k in validation.cases {
            var c = cases.nestedContainer(keyedBy: Keys.self)
            try c.encode(k.name, forKey: .name)
            try c.encode(k.file, forKey: .file)
            try c.encode(k.published.source, forKey: .source)
            try c.encode(k.published.url, forKey: .url)
            try c.encode(k.published.whereInSource, forKey: .where)
            try c.encode(k.published.software, forKey: .software)
            try c.encode(k.published.notes, forKey: .notes)
        }
        var points = root.nestedUnkeyedContainer(forKey: .points)
        for p in validation.points {
            var c = points.nestedContainer(keyedBy: Keys.self)
            try c.encode(p.caseName, forKey: .case)
            try c.encode(p.run, forKey: .run)
            try c.encode(p.gpus, forKey: .gpus)
            try c.encode(p.precision.rawValue, forKey: .precision)
            try c.encode(p.publishedImagesPerSecond, forKey: .publishedImagesPerSecond)
            try c.encode(p.predictedImagesPerSecond, forKey: .predictedImagesPerSecond)
            try c.encode(p.relativeError, forKey: .relativeError)
        }
        var speedups = root.nestedUnkeyedContainer(forKey: .speedups)
        for s in validation.speedups {
            var c = speedups.nestedContainer(keyedBy: Keys.self)
            try c.encode(s.caseName, forKey: .case)
            try c.encode(s.run, forKey: .run)
            try c.encode(s.gpus, forKey: .gpus)
            try c.encode(s.publishedSpeedup, forKey: .publishedSpeedup)
            try c.encode(s.predictedSpeedup, forKey: .predictedSpeedup)
            try c.encode(s.relativeError, forKey: .relativeError)
            try c.encode(s.baselineError, forKey: .linearBaselineError)
        }
        var summary = root.nestedContainer(keyedBy: Keys.self, forKey: .summary)
        try summary.encode(Stats(s: validation.throughput), forKey: .throughput)
        try summary.encode(Stats(s: validation.speedup), forKey: .speedup)
        try summary.encode(Stats(s: validation.baselineSpeedup), forKey: .linearBaseline)
        try summary.encode(Stats(s: validation.singleGPU()), forKey: .singleGPU)
        var byPrecision = summary.nestedContainer(keyedBy: AnyKey.self, forKey: .singleGPUByPrecision)
        for group in PublishedValidation.precisionGroups {
            try byPrecision.encode(Stats(s: validation.singleGPU(group.precisions)), forKey: AnyKey(group.name))
        }
        var byArchitecture = summary.nestedContainer(keyedBy: AnyKey.self, forKey: .singleGPUByArchitecture)
        for (architecture, statistics) in ValidateCommand.byArchitecture(validation, catalog: catalog) {
            try byArchitecture.encode(Stats(s: statistics), forKey: AnyKey(architecture))
        }
        var goals = root.nestedUnkeyedContainer(forKey: .goals)
        for goal in validation.goals {
            var c = goals.nestedContainer(keyedBy: Keys.self)
            try c.encode(goal.name, forKey: .name)
            try c.encode(goal.limit, forKey: .limit)
            try c.encode(goal.value, forKey: .value)
            try c.encode(goal.met, forKey: .met)
        }
        var ranges = root.nestedContainer(keyedBy: Keys.self, forKey: .rangeCalibration)
        try ranges.encode(RangeCalibration.nominal, forKey: .nominal)
        var tails = ranges.nestedContainer(keyedBy: Keys.self, forKey: .tailLevels)
        try tails.encode(calibration.tails.singleGPU, forKey: .singleGPU)
        try tails.encode(calibration.tails.multiGPU, forKey: .multiGPU)
        try ranges.encode(CoverageJSON(k: calibration.singleGPU), forKey: .singleGPU)
        try ranges.encode(CoverageJSON(k: calibration.multiGPU), forKey: .multiGPU)
        try ranges.encode(calibration.newArchitecture.map { CoverageJSON(k: $0) }, forKey: .singleGPUNewArchitecture)
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
