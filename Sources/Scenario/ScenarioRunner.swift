import CostModel
import Hardware
import Parallelism
import Simulation
import YAMLSupport

/// Simulates the configurations a scenario names.
public enum ScenarioRunner {
    /// A run at one GPU count, simulated.
    public struct Outcome {
        public var setup: TrainingSetup
        public var graph: TaskGraph
        public var topology: Topology
        public var trace: Trace
        public var metrics: StepMetrics
    }

    /// Checks that `run` can be laid out on `gpus` GPUs.
    /// - Throws: `ConfigError` at the GPU counts' location (or `--gpus`) if more than
    ///   one node is needed and the cluster has no network.
    public static func check(_ run: RunSpec, gpus: Int, location: ConfigError) throws {
        if run.cluster.nodes(for: gpus) > 1 && run.cluster.network == nil {
            var error = location
            error.message = "\(gpus) GPUs need \(run.cluster.nodes(for: gpus)) nodes of \(run.cluster.gpusPerNode), "
                + "but the cluster has no network: add cluster.network (e.g. {link: ib-hdr, nics_per_node: 1})"
            throw error
        }
    }

    /// Simulates `run` on `gpus` GPUs.
    /// - Throws: `ModelError` if the strategy cannot split the run's network.
    public static func simulate(_ run: RunSpec, gpus: Int) throws -> Outcome {
        let setup = run.setup(gpus: gpus)
        let graph = try Planner.plan(setup, strategy: run.strategy)
        let topology = Topology(cluster: run.cluster, gpus: gpus)
        let cost = CostModel(gpu: run.cluster.gpu, precision: run.precision, parameters: run.costParameters)
        let trace = GraphSimulation.run(graph, topology: topology, cost: cost)
        let metrics = StepMetrics.measure(trace, gpus: gpus, globalBatch: setup.globalBatch)
        return Outcome(setup: setup, graph: graph, topology: topology, trace: trace, metrics: metrics)
    }

    /// Every configuration of `scenario`: each run at each of its GPU counts (or at
    /// `gpuOverride`), with speedups against the same run on one GPU.
    /// - Throws: `ConfigError` for a configuration that cannot be laid out.
    public static func results(_ scenario: Scenario, gpuOverride: [Int]? = nil) throws -> [ConfigurationResult] {
        var results: [ConfigurationResult] = []
        for run in scenario.runs {
            let counts = gpuOverride ?? run.gpuCounts
            let location = gpuOverride == nil ? run.gpusLocation
                : ConfigError(file: "--gpus", keyPath: "", line: nil, message: "")
            for gpus in counts { try check(run, gpus: gpus, location: location) }
            let single = try simulate(run, gpus: 1).metrics
            for gpus in counts {
                let metrics = gpus == 1 ? single : try simulate(run, gpus: gpus).metrics
                let setup = run.setup(gpus: gpus)
                let memory = try MemoryFootprint.estimate(setup, strategy: run.strategy,
                                                      reservedBytes: run.costParameters.reservedMemoryBytes)
                let configuration = "\(gpus) GPU\(gpus == 1 ? "" : "s"), \(run.strategy.summary)"
                results.append(ConfigurationResult(
                    label: run.label.map { "\($0) · \(configuration)" } ?? configuration,
                    runLabel: run.label, model: run.network.name, gpuModel: run.cluster.gpu.name, gpus: gpus,
                    nodes: run.cluster.nodes(for: gpus), strategy: run.strategy, precision: run.precision.rawValue,
                    batchPerGPU: run.batchPerGPU, metrics: metrics,
                    speedup: metrics.imagesPerSecond / single.imagesPerSecond,
                    memory: memory, gpuMemoryBytes: run.cluster.gpu.memoryBytes))
            }
        }
        return results
    }
}
