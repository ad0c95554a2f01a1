import ArgumentParser
import YAMLSupport
import Parallelism
import Planning
import Reports
import Scenario
import Simulation

/// `scalecast explain SCENARIO [--gpus K] [--run LABEL]`.
struct ExplainCommand: ParsableCommand, OutputProducing, TimeLimited {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show where a step's time goes, per layer and per resource, and name the bottleneck.")

    @OptionGroup var limit: TimeLimit

    @Argument(help: "The scenario YAML file.")
    var scenario: String

    @Option(name: .long, parsing: .unconditional, help: "The GPU count to explain, one for every run explained (default: the largest count any of them lists at which all of them can be simulated, even a run that does not list it).")
    var gpus: Int?

    @Option(name: .long, help: "Explain only the run with this label, or runs[N] (default: every run).")
    var run: String?

    @Flag(name: .long, help: "Print JSON (schema_version 1): per run the breakdown, bottleneck, layers, communication, resources, memory, kernels and the published evidence.")
    var json = false

    @Option(name: .long, parsing: .unconditional, help: "List the N slowest layers (with a line for the rest and a total; default 20).")
    var top: Int?

    @Flag(name: .long, help: "List every layer, the slowest first (--json always lists every layer, in network order).")
    var all = false

    func produce() throws -> CommandOutput {
        if let gpus { _ = try GPUList.check(gpus) }
        if let top { guard top >= 1 else { throw UsageError(message: "--top must be at least 1, got \(top)") } }
        guard !(all && top != nil) else { throw UsageError(message: "--all lists every layer and --top N the slowest N: give one of them") }
        let loaded = try Scenario.load(path: scenario)
        let runs = try RunSelection.runs(labelled: run, in: loaded)
        let (gpus, location) = RunSelection.count(self.gpus, of: runs)
        let errors = try MeasuredErrors.builtIn()
        var text = ""
        var explained: [ExplainJSON.Explained] = []
        let indices = loaded.runIndices(selectedBy: run)
        for (index, spec) in zip(indices, runs) {
            try ScenarioRunner.check(spec, gpus: gpus, location: location)
            let outcome = try ScenarioRunner.simulate(spec, gpus: gpus, location: location)
            var analysis = StepAnalysis(trace: outcome.trace, graph: outcome.graph, topology: outcome.topology,
                                        layerNames: spec.network.layers.map(\.name), metrics: outcome.metrics,
                                        step: outcome.measuredStep)
            analysis.expandedFits = outcome.fidelity == ScenarioRunner.fidelity(spec, gpus: gpus)
                && ScenarioRunner.acceptsExpanded(spec, gpus: gpus)
            // An unlabelled run among others is named by its key path, as simulate's table names it.
            let name = spec.label ?? (loaded.runs.count > 1 ? Scenario.keyPath(ofRun: index) : nil)
            // Where max_global_batch cut the batch here, the label says so: the step is that batch's.
            let cut = spec.batchPerGPU(at: gpus) < spec.batchPerGPU
                ? ", \(spec.batchPerGPU(at: gpus)) images per GPU (cut from \(spec.batchPerGPU) by max_global_batch)" : ""
            let label = (name.map { "\($0): " } ?? "") + "\(spec.modelLabel) on \(gpus) x \(spec.cluster.gpu.name), \(spec.strategySummary)" + cut
            let mechanisms = try ScenarioRunner.mechanismCosts(spec, gpus: gpus, stepSeconds: outcome.metrics.stepSeconds,
                                                               metrics: outcome.metrics)
            let evidence = EvidenceCautions.evidence(spec, gpus: gpus, errors: errors, catalog: loaded.catalog)
            let simulation = ScenarioRunner.simulationSummary(spec, gpus: gpus, ran: outcome.fidelity)
            explained.append(ExplainJSON.Explained(label: label, spec: spec, analysis: analysis, mechanisms: mechanisms,
                                                   interference: ExplainReport.interference(spec.software, trace: outcome.trace,
                                                                                            step: outcome.measuredStep),
                                                   evidence: evidence, simulation: simulation))
            if json { continue }
            if !text.isEmpty { text += "\n" }
            text += ExplainReport.render(label: label.singleLine, analysis: analysis, top: all ? nil : top ?? 20)
            if let note = spec.precisionNote { text += "\nprecision: \(spec.precision.rawValue) (\(note))\n" }
            text += ExplainReport.simulation(simulation)
            text += ExplainReport.network(spec, gpus: gpus)
            text += ExplainReport.ncclNotModelled(spec, gpus: gpus)
            text += ExplainReport.stragglers(spec, gpus: gpus, metrics: outcome.metrics)
            text += EvidenceReport.render(evidence)
            text += ExplainReport.software(spec.software, trace: outcome.trace, step: outcome.measuredStep,
                                           stepSeconds: outcome.metrics.stepSeconds, metrics: outcome.metrics,
                                           ceiling: spec.loaderCeiling(gpus: gpus), mechanisms: mechanisms, network: spec.network)
            text += MemoryReport.render(try spec.memoryFootprint(for: spec.setup(gpus: gpus)), gpuMemoryBytes: spec.cluster.gpu.memoryBytes)
            text += try KernelReport.render(spec, gpus: gpus, top: all ? nil : top ?? 20)
        }
        var output = json ? CommandOutput(stdout: try ExplainJSON.encode(scenario: scenario, gpus: gpus, runs: explained))
            : CommandOutput(stdout: text)
        // Explained all the same (its memory table says what takes the room), and refused as simulate refuses it.
        if let error = try Self.memoryError(runs, gpus: gpus) {
            output.stderr = "error: \(error)\n"
            output.exitCode = 2
        }
        return output
    }

    /// The located error for `runs` that do not fit in GPU memory on `gpus` GPUs: the
    /// first, at its `batch_per_gpu`, and where the others are, as simulate words it; nil
    /// when all fit.
    static func memoryError(_ runs: [RunSpec], gpus: Int) throws -> ConfigError? {
        let tooBig = try runs.compactMap { spec -> (spec: RunSpec, needs: MemoryFootprint)? in
            let needs = try spec.memoryFootprint(for: spec.setup(gpus: gpus))
            return needs.totalBytes > spec.cluster.gpu.memoryBytes ? (spec, needs) : nil
        }
        guard let (spec, needs) = tooBig.first else { return nil }
        var error = spec.batchLocation
        error.message = SimulateCommand.doesNotFit(label: spec.label, model: spec.modelLabel, batchesPerGPU: [spec.batchPerGPU(at: gpus)],
                                                   gpus: [gpus], footprints: [needs], gpu: spec.cluster.gpu,
                                                   has: spec.cluster.gpu.memoryBytes, precision: spec.precision,
                                                   dataParallel: spec.strategy.kind == .data, accumulationSteps: spec.accumulationSteps)
            + SimulateCommand.othersThatDoNotFit(tooBig.dropFirst().map { (run: $0.spec, gpus: nil) })
        return error
    }
}
