import ArgumentParser
import Foundation
import Planning
import Reports

/// `scalecast validate --against MEASUREMENTS.csv [--profile P]`.
struct ValidateCommand: ParsableCommand, OutputProducing {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Compare the simulator's predictions with step times measured elsewhere (configurations a profile was not fitted on).",
        discussion: """
            MEASUREMENTS.csv has the columns scenario, model, batch_per_gpu, precision, gpus, measured_step_seconds \
            (tools/measure_step.py writes it); each scenario path is relative to the CSV. Exit 1 if any error exceeds --tolerance.
            """)

    @Option(name: .long, help: "The measurements (CSV).")
    var against: String

    @Option(name: .long, help: "A profile from `scalecast import layer-times` to apply to every configuration.")
    var profile: String?

    @Option(name: .long, help: "The largest acceptable |relative error|.")
    var tolerance: Double = 0.10

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    struct Case: Encodable {
        var scenario, model, precision: String
        var batchPerGPU, gpus: Int
        var predictedStepSeconds, measuredStepSeconds, relativeError: Double
        enum CodingKeys: String, CodingKey {
            case scenario, model, precision, gpus, batchPerGPU = "batch_per_gpu", predictedStepSeconds = "predicted_step_seconds",
                 measuredStepSeconds = "measured_step_seconds", relativeError = "relative_error"
        }
    }

    struct Document: Encodable {
        var profile: String?
        var cases: [Case]
    }

    func produce() throws -> CommandOutput {
        guard tolerance > 0 else { throw UsageError(message: "--tolerance must be positive") }
        guard let text = try? String(contentsOfFile: against, encoding: .utf8) else { throw UsageError(message: "\(against): cannot read the file") }
        let base = (against as NSString).deletingLastPathComponent
        var profilePath = profile
        if let p = profilePath, !p.hasPrefix("/") { profilePath = FileManager.default.currentDirectoryPath + "/" + p }
        var header: [String]?
        var cases: [Case] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard let columns = header else { header = cells; continue }
            func cell(_ name: String) throws -> String {
                guard let i = columns.firstIndex(of: name), i < cells.count else {
                    throw UsageError(message: "\(against):\(n + 1): no '\(name)' value (columns: \(columns.joined(separator: ",")))")
                }
                return cells[i]
            }
            guard let measured = Double(try cell("measured_step_seconds")), measured > 0, let gpus = Int(try cell("gpus")),
                  let batch = Int(try cell("batch_per_gpu")) else {
                throw UsageError(message: "\(against):\(n + 1): gpus, batch_per_gpu and measured_step_seconds must be numbers")
            }
            let scenario = (base as NSString).appendingPathComponent(try cell("scenario"))
            var axes = [Sweep.Axis(key: "model", values: [try cell("model")]), Sweep.Axis(key: "batch_per_gpu", values: ["\(batch)"]),
                        Sweep.Axis(key: "precision", values: [try cell("precision")]), Sweep.Axis(key: "gpus", values: ["\(gpus)"])]
            if let profilePath { axes.append(Sweep.Axis(key: "cost_model.profile", values: [profilePath])) }
            let sweep = try wrap { try Sweep(scenarioPath: scenario, axes: axes) }
            let row = try wrap { try sweep.evaluate([sweep.points[0]]) }[0]
            cases.append(Case(scenario: try cell("scenario"), model: try cell("model"), precision: try cell("precision"), batchPerGPU: batch,
                              gpus: gpus, predictedStepSeconds: row.stepSeconds, measuredStepSeconds: measured,
                              relativeError: row.stepSeconds / measured - 1))
        }
        guard !cases.isEmpty else { throw UsageError(message: "\(against): no measurements found") }
        let worst = cases.map { abs($0.relativeError) }.max()!
        var output = CommandOutput(exitCode: worst > tolerance ? 1 : 0)
        if json {
            output.stdout = try ResultsJSON.encode(Document(profile: profile, cases: cases))
            return output
        }
        var table = TextTable(headers: ["model", "precision", "batch", "GPUs", "predicted ms", "measured ms", "error"],
                              alignments: [.left, .left, .right, .right, .right, .right, .right])
        for c in cases {
            table.append([c.model, c.precision, "\(c.batchPerGPU)", "\(c.gpus)", Format.fixed(c.predictedStepSeconds * 1e3, 2),
                          Format.fixed(c.measuredStepSeconds * 1e3, 2), Format.fixed(c.relativeError * 100, 1) + "%"])
        }
        let sorted = cases.map { abs($0.relativeError) }.sorted()
        output.stdout = (profile.map { "profile: \($0)\n" } ?? "profile: none (the cost model's defaults)\n") + table.render()
            + "median |error| \(Format.fixed(sorted[sorted.count / 2] * 100, 1))%, largest \(Format.fixed(worst * 100, 1))% "
            + "(tolerance \(Format.fixed(tolerance * 100, 1))%)\n"
        return output
    }
}
