import ArgumentParser
import YAMLSupport
import Reports
import Scenario

/// `scalecast trace SCENARIO [--gpus K] --out trace.json`.
struct TraceCommand: ParsableCommand, OutputProducing, TimeLimited {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Write a step's timeline as a Chrome trace (open it in Perfetto or chrome://tracing).")

    @OptionGroup var limit: TimeLimit

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, parsing: .unconditional, help: "The GPU count to trace (default: the largest the run lists).")
    var gpus: Int?

    @Option(name: .long, help: "The run to trace, by label or runs[N] (default: the first run).")
    var run: String?

    @Option(name: .long, help: "Where to write the trace JSON.")
    var out: String

    @Flag(name: .long, help: "Overwrite --out if it exists.")
    var force = false

    func produce() throws -> CommandOutput {
        try OutputFile.checkNotAnInput(out, inputs: [scenario] + Scenario.load(path: scenario).namedFiles)
        try OutputFile.checkTarget(out, force: force)   // before the work, not after it
        let (spec, _, gpus, location) = try RunSelection.pick(scenario: scenario, run: run, gpus: self.gpus)
        // A timeline of a configuration that cannot run in GPU memory is refused, as simulate words it.
        if let error = try ExplainCommand.memoryError([spec], gpus: gpus) { throw error }
        let outcome = try RunSelection.timeline(spec, gpus: gpus, location: location)
        let title = "\(spec.label.map { "\($0): " } ?? "")\(spec.modelLabel) on \(gpus) x \(spec.cluster.gpu.name), \(spec.strategySummary)"
        let json = try ChromeTrace.render(outcome.trace, topology: outcome.topology,
                                          layerNames: spec.network.layers.map(\.name), title: title, graph: outcome.graph)
        try OutputFile.write(json, to: out, force: force)
        let nodeZero = outcome.graph.symmetry.map {
            " (node 0's \($0.ranksPerNode) GPUs, which stand for all \($0.nodes) nodes: the run is the same from every node)"
        } ?? ""
        return CommandOutput(stdout: "wrote \(out): \(outcome.trace.records.count) tasks over \(outcome.graph.steps) steps of \(title)\(nodeZero)\n")
    }
}
