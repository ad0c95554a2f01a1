import Scenario
import YAMLSupport

/// Narrows a scenario to the run a command's `--run LABEL` names (or `--run runs[N]`, an
/// unlabelled run's key path).
enum RunSelection {
    /// The runs `--run SELECTOR` names (every run when nil), in the scenario's order: those
    /// labelled so, else the unlabelled run's key path (`runs[1]`).
    /// - Throws: a `UsageError` naming the runs there are when it names none.
    static func runs(labelled label: String?, in scenario: Scenario) throws -> [RunSpec] {
        let indices = scenario.runIndices(selectedBy: label)
        guard let label, indices.isEmpty else { return indices.map { scenario.runs[$0] } }
        throw UsageError(message: scenario.noRunSelected(by: label))
    }

    /// `scenario` with only the runs `--run` selects (`runs(labelled:in:)`; unchanged when nil).
    static func only(_ label: String?, of scenario: Scenario) throws -> Scenario {
        var subset = scenario
        subset.runs = try runs(labelled: label, in: scenario)
        return subset
    }

    /// The most tasks a timeline (trace, gantt chart) lays out node by node: a trace takes about
    /// 650 bytes a task (130 MB here) and its simulation some 5 kB a task while it runs (1 GB),
    /// where 256 GPUs of ResNet-50 laid out node by node are 1.8 million tasks (9 GB, and a 1.3 GB
    /// trace no viewer opens); 64 of them are 162,000 (0.8 GB, 4 s on this machine).
    static let timelineTaskBudget = 200_000

    /// `spec`'s simulated steps as a timeline shows them: every GPU where the run is symmetric
    /// (node 0 standing for every node) and every node laid out stays within
    /// `timelineTaskBudget` tasks, as far as that is simulated; beyond, node 0's, which stand
    /// for every node (the outcome's `graph.symmetry` then says so).
    static func timeline(_ spec: RunSpec, gpus: Int, location: ConfigError? = nil,
                         taskBudget: Int = timelineTaskBudget) throws -> ScenarioRunner.Outcome {
        let outcome = try ScenarioRunner.simulate(spec, gpus: gpus, location: location)
        guard let symmetry = outcome.graph.symmetry, gpus <= ScenarioRunner.expandedLimit.data,
              outcome.graph.tasks.count * symmetry.nodes <= taskBudget else { return outcome }
        var laidOut = spec
        laidOut.simulatesEveryNode = true
        return try ScenarioRunner.simulate(laidOut, gpus: gpus, location: location)
    }

    /// One run for commands that show a single configuration: the one labelled `label`,
    /// else the first, with the GPU count to show it at (`count`), checked, and where a
    /// refusal of that count points.
    static func pick(scenario path: String, run label: String?, gpus: Int?) throws
        -> (spec: RunSpec, scenario: Scenario, gpus: Int, location: ConfigError) {
        if let gpus { _ = try GPUList.check(gpus) }
        let scenario = try Scenario.load(path: path)
        let spec = try runs(labelled: label, in: scenario)[0]
        let (count, location) = self.count(gpus, of: [spec])
        try ScenarioRunner.check(spec, gpus: count, location: location)
        return (spec, scenario, count, location)
    }

    /// The GPU count a command that shows one count uses: `--gpus` where given, else the
    /// largest count the runs list that every one of them can be simulated at (as a gantt
    /// chart draws its run's largest; a run on one node is not asked for another run's
    /// cluster of many), with where a refusal of it points: the flag, or the `gpus` line
    /// of the run that lists it.
    static func count(_ given: Int?, of runs: [RunSpec]) -> (gpus: Int, location: ConfigError) {
        if let given { return (given, ConfigError(file: "--gpus", keyPath: "", line: nil, message: "")) }
        let listed = Set(runs.flatMap(\.gpuCounts)).sorted(by: >)
        let count = listed.first { n in
            runs.allSatisfy { (try? ScenarioRunner.check($0, gpus: n, location: $0.gpusLocation)) != nil }
        } ?? listed[0]
        return (count, runs.first { $0.gpuCounts.contains(count) }!.gpusLocation)
    }
}
