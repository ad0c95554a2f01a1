import Foundation
import ArgumentParser
import Planning
import Reports
import Scenario
import YAMLSupport

/// `scalecast simulate SCENARIO [--gpus LIST] [--json]`.
struct SimulateCommand: ParsableCommand, OutputProducing, TimeLimited {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate every configuration a scenario names and print a table (or JSON).")

    @OptionGroup var limit: TimeLimit

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, help: "GPU counts to simulate instead of the scenario's, e.g. 1,2,4,8.")
    var gpus: String?

    @Flag(name: .long, help: "Print JSON: one row per configuration (keys and units in docs/json.md).")
    var json = false

    func produce() throws -> CommandOutput {
        let override = try gpus.map(GPUList.parse)
        let loaded = try Scenario.load(path: scenario)
        let results = try ScenarioRunner.results(loaded, gpuOverride: override)
        var output = CommandOutput()
        // Time (and cost) to train for runs that state a training goal (and pricing).
        let training = try results.map { r -> ResultsTable.TrainingCell? in
            guard let spec = loaded.runs.first(where: { $0.label == r.runLabel && $0.network.name == r.model && $0.strategy == r.strategy }),
                  let goal = spec.training else { return nil }
            let estimate = try TrainingEstimate.estimate(spec, gpus: r.gpus, imagesPerSecond: r.metrics.imagesPerSecond, catalog: loaded.catalog)
            return ResultsTable.TrainingCell(hours: goal.totalImages / r.metrics.imagesPerSecond / 3600, dollars: estimate?.dollars)
        }
        output.stdout = json ? try ResultsJSON.render(results, scenarioPath: scenario, training: training)
            : ResultsTable.render(results, scenarioName: loaded.name, training: training)
        for run in loaded.runs {
            for r in results where r.runLabel == run.label && r.model == run.network.name && !r.fitsInMemory {
                var error = run.batchLocation
                error.message = "\(r.label): \(r.model) with \(r.batchPerGPU) images per GPU needs "
                    + "\(Format.gib(r.memory.totalBytes)) GiB per GPU, but the \(r.gpuModel) has \(Format.gib(r.gpuMemoryBytes)) GiB; "
                    + "lower batch_per_gpu or use a precision with smaller activations"
                output.stderr += "error: \(error)\n"
                output.exitCode = 2
            }
        }
        return output
    }
}

/// Parses `--gpus 1,2,4,8`.
enum GPUList {
    static func parse(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let counts = try parts.map { part in
            guard let n = NumberText.whole(part) else { throw UsageError(message: "--gpus: '\(part)' is not a whole number; give a list like 1,2,4,8") }
            return try check(n)
        }
        guard counts.count <= Limits.gpuCountsPerRun else {
            throw UsageError(message: "--gpus: \(counts.count) GPU counts; give at most \(Limits.gpuCountsPerRun) (use scalecast sweep --vary gpus=... for larger grids)")
        }
        guard Set(counts).count == counts.count else { throw UsageError(message: "--gpus: a GPU count is listed twice") }
        return counts
    }

    /// `n` if it is a GPU count ScaleCast simulates (`Limits.gpus`).
    static func check(_ n: Int) throws -> Int {
        guard Limits.gpus.contains(n) else {
            throw UsageError(message: "--gpus: GPU counts must be between \(Limits.gpus.lowerBound) and \(Limits.gpus.upperBound), got \(n)")
        }
        return n
    }
}
