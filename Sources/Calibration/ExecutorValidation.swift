import CGSL
import CostModel
import Foundation
import Hardware
import Parallelism
import Simulation
import Workload

/// Runs the same plans on the executor and in the simulator and compares their
/// step times: the evidence that the simulator predicts what really runs.
///
/// The simulator sees the workers through `ExecutorModel`, from a calibration
/// profile: one given (used for every worker count), or one measured during the
/// validation for each worker count K, by calibration networks running on K busy
/// workers (`Calibrator.executionSamples`), each step's task times those of its
/// slowest worker: on this project's 2-vCPU machine the two cores' speeds differ
/// by up to 45% from moment to moment, and a synchronous step waits for the slower.
/// Measurements run in rounds: each round calibrates (without a given profile)
/// and runs every configuration once, starting one configuration further on than
/// the round before. A measured step time is the mean of every
/// measured step of every round, and each calibration timing the mean of its
/// rounds' (`Calibrator.Samples.mean`): means add up, as a step's tasks do, and a
/// training run takes its steps' mean time their count. On a shared machine whose
/// speed drifts by tens of percent within a second, both sides then see the same
/// typical speed, spread over the whole run instead of tied to one moment; how
/// much the rounds differ gives each error its margin (`errorMargin`).
public struct ExecutorValidation {
    /// How the workers are joined.
    public enum Link: String, CaseIterable, Sendable {
        /// Plain copies between the workers' buffers.
        case memory
        /// `slowLink`, paced by the executor.
        case paced
    }

    /// One configuration, predicted and measured.
    public struct Case: Sendable, Encodable {
        public var strategy: String
        public var scheme: String?
        public var variant: String?
        public var workers: Int
        public var link: String
        public var predictedStepSeconds: Double
        public var measuredStepSeconds: Double
        /// predicted / measured − 1.
        public var relativeError: Double
        /// Half the width of the error's 95% confidence interval, as a fraction like
        /// the error, from how much the rounds differ (`errorMargin`); nil with a
        /// single round, or when a round's calibration could not be fitted. The
        /// spread is that of each round's own fit, which varies more than the fit
        /// of all rounds' means the error comes from: the margin errs wide.
        public var relativeErrorMargin: Double?
        /// Throughput against one worker on the same link: K · t₁ / t_K.
        public var predictedSpeedup: Double
        public var measuredSpeedup: Double

        enum CodingKeys: String, CodingKey {
            case strategy, scheme, variant, workers, link, predictedStepSeconds = "predicted_step_seconds",
                 measuredStepSeconds = "measured_step_seconds", relativeError = "relative_error",
                 relativeErrorMargin = "relative_error_margin",
                 predictedSpeedup = "predicted_speedup", measuredSpeedup = "measured_speedup"
        }

        /// Every key, `scheme` and `variant` as null where they do not apply: the
        /// keys are part of the contract (as in `ResultsJSON`).
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(strategy, forKey: .strategy)
            try c.encode(scheme, forKey: .scheme)
            try c.encode(variant, forKey: .variant)
            try c.encode(workers, forKey: .workers)
            try c.encode(link, forKey: .link)
            try c.encode(predictedStepSeconds, forKey: .predictedStepSeconds)
            try c.encode(measuredStepSeconds, forKey: .measuredStepSeconds)
            try c.encode(relativeError, forKey: .relativeError)
            try c.encode(relativeErrorMargin, forKey: .relativeErrorMargin)
            try c.encode(predictedSpeedup, forKey: .predictedSpeedup)
            try c.encode(measuredSpeedup, forKey: .measuredSpeedup)
        }
    }

    /// A profile to predict with; nil: measure one, in rounds with the executor's runs.
    public var profile: CalibrationProfile?
    public var network: Network
    public var batchPerWorker: Int
    /// Steps run per configuration; the first (warm-up) and the last (nothing after
    /// it to overlap, see `StepMetrics.measure`) are not measured.
    public var steps = 6
    /// Rounds: runs per configuration on the executor (and calibrations, without a
    /// profile). The measured step is the mean of every round's measured steps;
    /// calibration takes the mean of its rounds' task times likewise. More rounds
    /// average more of a shared machine's moment-to-moment speed into every
    /// figure; eight took about 40 s in a release build on the 2-vCPU development
    /// machine (BENCHMARKS.md, "fourth session").
    public var repeats = 8
    /// The paced link: 125 MB/s and 50 us, about a 1 Gb/s Ethernet link.
    public var slowLink = Executor.PacedLink(bytesPerSecond: 125e6, latencySeconds: 50e-6)

    public init(profile: CalibrationProfile?, network: Network = ExecutorValidation.smallCNN(), batchPerWorker: Int = 128) {
        self.profile = profile
        self.network = network
        self.batchPerWorker = batchPerWorker
        HeapPolicy.keepFreedMemory()
    }

    /// A scaled-down one-tower AlexNet on 32×32 inputs: two convolution, ReLU and
    /// pooling stages, two fully connected layers and a softmax loss.
    public static func smallCNN() -> Network {
        do {
            var b = NetworkBuilder(name: "small-owt", input: TensorShape(channels: 3, height: 32, width: 32))
            try b.conv("conv1", out: 8, kernel: 3, pad: 1); try b.relu("relu1")
            try b.maxPool("pool1", kernel: 2, stride: 2)
            try b.conv("conv2", out: 16, kernel: 3, pad: 1); try b.relu("relu2")
            try b.maxPool("pool2", kernel: 2, stride: 2)
            try b.fc("fc1", units: 64); try b.relu("relu3")
            try b.fc("fc2", units: 10)
            try b.softmax("loss")
            return try b.finish()
        } catch {
            preconditionFailure("the built-in small CNN is malformed: \(error)")
        }
    }

    /// The strategies compared on `workers` workers: data parallelism (ring
    /// all-reduce) and, on more than one, the hybrid with every scheme and variant.
    public static func strategies(workers: Int) -> [Strategy] {
        guard workers > 1 else { return [.data()] }
        var list: [Strategy] = [.data()]
        for scheme in ExchangeScheme.allCases {
            for variant in UpdateVariant.allCases { list.append(.hybrid(scheme: scheme, variant: variant)) }
        }
        return list
    }

    /// Steps actually run: at least three, so that one is measured.
    var runSteps: Int { max(3, steps) }

    func setup(workers: Int) -> TrainingSetup {
        TrainingSetup(network: network, precision: .fp32, batchPerGPU: batchPerWorker, gpus: workers, steps: runSteps)
    }

    var measuredSteps: ClosedRange<Int> { 1...(runSteps - 2) }

    /// The simulator's step time, in seconds, under `model`.
    public func predict(_ strategy: Strategy, workers: Int, link: Link, model: ExecutorModel) throws -> Double {
        let setup = setup(workers: workers)
        let graph = try Planner.plan(setup, strategy: strategy)
        let topology = Topology(cluster: model.cluster(workers: workers, link: link), gpus: workers)
        let trace = GraphSimulation.run(graph, topology: topology, cost: model.costModel)
        let times = measuredSteps.map { StepMetrics.measure(trace, gpus: workers, globalBatch: setup.globalBatch, step: $0).stepSeconds }
        return Calibrator.mean(times)
    }

    /// One run on the executor, with one OpenBLAS thread per worker: its graph and
    /// what happened.
    func measureOnce(_ strategy: Strategy, workers: Int, link: Link) throws -> (graph: TaskGraph, outcome: Executor.Outcome) {
        let setup = setup(workers: workers)
        let graph = try Planner.plan(setup, strategy: strategy)
        var options = Executor.Options()
        options.pacedLink = link == .paced ? slowLink : nil
        let executor = try Executor(graph: graph, setup: setup, strategy: strategy, options: options)
        var outcome: Executor.Outcome?
        BLAS.singleThreaded { outcome = executor.run() }
        return (graph, outcome!)
    }

    /// One kind of compute task on worker 0, per step: what the cost model gives and
    /// the executor's mean time.
    public struct TaskTime: Sendable, Encodable {
        public var kind: String
        public var label: String
        public var predictedSeconds: Double
        public var measuredSeconds: Double

        enum CodingKeys: String, CodingKey {
            case kind, label, predictedSeconds = "predicted_seconds", measuredSeconds = "measured_seconds"
        }
    }

    /// Worker 0's compute tasks over the runs of one configuration: each task's
    /// times (by kind and label) and each measured step's time and busy time.
    struct TaskLog {
        var times: [String: [Double]] = [:]
        var stepSeconds: [Double] = [], busySeconds: [Double] = []

        mutating func add(_ graph: TaskGraph, _ outcome: Executor.Outcome, steps: ClosedRange<Int>) {
            var busy = [Int: Double]()
            for task in graph.tasks where task.device == 0 && steps.contains(task.step) {
                guard case .compute = task.work else { continue }
                let took = outcome.taskEnds[task.id] - outcome.taskStarts[task.id]
                times["\(task.kind.rawValue) \(task.label)", default: []].append(took)
                busy[task.step, default: 0] += took
            }
            stepSeconds += steps.map { outcome.stepSeconds[$0] }
            busySeconds += steps.map { busy[$0] ?? 0 }
        }

        /// Worker 0's compute tasks in plan order, each predicted by `cost` and
        /// measured (its mean), then what a step took beyond them.
        func rows(_ graph: TaskGraph, step: Int, cost: CostModel) -> [TaskTime] {
            var rows: [TaskTime] = []
            for task in graph.tasks where task.device == 0 && task.step == step {
                guard case .compute(let work) = task.work, let measured = times["\(task.kind.rawValue) \(task.label)"] else { continue }
                rows.append(TaskTime(kind: task.kind.rawValue, label: task.label, predictedSeconds: cost.seconds(for: work),
                                     measuredSeconds: Calibrator.mean(measured)))
            }
            // Handing tasks between threads, and waiting for the other workers.
            rows.append(TaskTime(kind: "idle", label: "between tasks (mean)", predictedSeconds: 0,
                                 measuredSeconds: Calibrator.mean(zip(stepSeconds, busySeconds).map { $0 - $1 })))
            return rows
        }
    }

    /// What a validation found, and the model it predicted with for each worker count.
    public struct Report: Sendable {
        public var models: [Int: ExecutorModel]
        public var cases: [Case]
        /// For each case (same order), worker 0's compute tasks, predicted and
        /// measured in the same runs: where the cost model misses the executor.
        public var tasks: [[TaskTime]]
    }

    /// Every strategy on each worker count and link, with the speedups over one
    /// worker (one worker always runs, as the baseline, whether asked for or not).
    /// - Parameter cpu: this machine's CPU, for a profile measured here.
    /// - Throws: `ExecutorError` if a calibration cannot be fitted.
    public func run(workerCounts: [Int], links: [Link] = Link.allCases, cpu: CPUInfo) throws -> Report {
        let counts = Array(Set(workerCounts + [1])).sorted()
        let configurations = links.flatMap { link in
            counts.flatMap { workers in Self.strategies(workers: workers).map { (link, workers, $0) } }
        }
        let calibrator = Calibrator(threads: 1)
        let roundCount = max(1, repeats)
        var rounds: [Int: [Calibrator.Samples]] = [:]
        // Per configuration and round, the round's measured steps; per
        // configuration, worker 0's tasks.
        var steps = [[[Double]]](repeating: [], count: configurations.count)
        var logs = [TaskLog](repeating: TaskLog(), count: configurations.count)
        for round in 0..<roundCount {
            if profile == nil { for k in counts { rounds[k, default: []].append(try calibrator.measureSamples(busyWorkers: k)) } }
            // Each round starts one configuration further on, so that no
            // configuration always runs right after calibration or late in a round.
            for offset in configurations.indices {
                let i = (offset + round) % configurations.count
                let (link, workers, strategy) = configurations[i]
                let (graph, outcome) = try measureOnce(strategy, workers: workers, link: link)
                steps[i].append(measuredSteps.map { outcome.stepSeconds[$0] })
                logs[i].add(graph, outcome, steps: measuredSteps)
            }
        }
        let measured = steps.map { Calibrator.mean($0.flatMap { $0 }) }
        var models: [Int: ExecutorModel] = [:]
        // Per worker count, each round's own model, for the margins; empty where a
        // round's timings could not be fitted.
        var roundModels: [Int: [ExecutorModel]] = [:]
        let clocked = profile == nil ? Calibrator.clocked(cpu) : cpu
        for k in counts {
            // An unfittable set of timings is measured afresh, as `calibrate` does
            // (`Calibrator.firstFit`); the rounds' own sets are the first try.
            var first = true
            let (fit, tries) = try Calibrator.firstFit(attempts: profile == nil ? Calibrator.fitAttempts : 1) {
                if let profile { return profile }
                if !first { rounds[k] = try (0..<roundCount).map { _ in try calibrator.measureSamples(busyWorkers: k) } }
                first = false
                return Calibrator.profile(.mean(rounds[k]!), cpu: clocked, threads: 1)
            }
            guard let fitted = fit else {
                throw ExecutorError("the calibration timings could not be fitted in \(tries) attempts (timer too coarse, or the machine too busy?)")
            }
            models[k] = ExecutorModel(profile: fitted, pacedLink: slowLink)
            if profile == nil, roundCount >= 2 {
                let fits = rounds[k]!.compactMap { Calibrator.profile($0, cpu: clocked, threads: 1) }
                roundModels[k] = fits.count == roundCount ? fits.map { ExecutorModel(profile: $0, pacedLink: slowLink) } : []
            }
        }
        var cases: [Case] = [], tasks: [[TaskTime]] = []
        var single: [Link: (predicted: Double, measured: Double)] = [:]
        for (i, (link, workers, strategy)) in configurations.enumerated() {
            let predicted = try predict(strategy, workers: workers, link: link, model: models[workers]!)
            if workers == 1 { single[link] = (predicted, measured[i]) }
            let base = single[link]!   // the one-worker case comes first on each link
            // A given profile is the same in every round; a measured one is fitted per round too.
            let predictedRounds = try roundModels[workers].map { try $0.map { try predict(strategy, workers: workers, link: link, model: $0) } }
                ?? Array(repeating: predicted, count: roundCount)
            let margin = predictedRounds.count == roundCount
                ? Self.errorMargin(predicted: predictedRounds, measured: steps[i].map(Calibrator.mean)) : nil
            cases.append(Case(strategy: strategy.kind.rawValue, scheme: strategy.schemeIfHybrid?.rawValue,
                              variant: strategy.variantIfModelParallel?.rawValue, workers: workers, link: link.rawValue,
                              predictedStepSeconds: predicted, measuredStepSeconds: measured[i], relativeError: predicted / measured[i] - 1,
                              relativeErrorMargin: margin,
                              predictedSpeedup: Double(workers) * base.predicted / predicted,
                              measuredSpeedup: Double(workers) * base.measured / measured[i]))
            let graph = try Planner.plan(setup(workers: workers), strategy: strategy)
            tasks.append(logs[i].rows(graph, step: measuredSteps.lowerBound, cost: models[workers]!.costModel))
        }
        return Report(models: models, cases: cases, tasks: tasks)
    }

    /// Half the width of a 95% confidence interval of a relative error
    /// predicted / measured − 1, from per-round values (each round one sample of
    /// both: the prediction from that round's calibration, the mean of that round's
    /// steps). By the delta method, with round means P̄ and M̄, sample variances
    /// s²_P and s²_M and covariance s_PM over R rounds,
    /// `Var(P̄/M̄) ≈ (P̄/M̄)² (s²_P/P̄² + s²_M/M̄² − 2 s_PM/(P̄ M̄)) / R`,
    /// and the margin is Student's t quantile for R − 1 degrees of freedom
    /// (`gsl_cdf_tdist_Pinv`) times its square root. A machine phase that slows
    /// calibration and measurement of the same round alike moves P and M together,
    /// which the covariance takes out.
    /// - Returns: nil with fewer than two rounds.
    public static func errorMargin(predicted p: [Double], measured m: [Double]) -> Double? {
        let r = p.count
        guard r >= 2, m.count == r else { return nil }
        let meanP = Calibrator.mean(p), meanM = Calibrator.mean(m)
        let degrees = Double(r - 1)
        let varP = p.reduce(0) { $0 + ($1 - meanP) * ($1 - meanP) } / degrees
        let varM = m.reduce(0) { $0 + ($1 - meanM) * ($1 - meanM) } / degrees
        let covariance = zip(p, m).reduce(0) { $0 + ($1.0 - meanP) * ($1.1 - meanM) } / degrees
        let ratio = meanP / meanM
        let variance = ratio * ratio * (varP / (meanP * meanP) + varM / (meanM * meanM) - 2 * covariance / (meanP * meanM)) / Double(r)
        return gsl_cdf_tdist_Pinv(0.975, degrees) * max(0, variance).squareRoot()
    }
}
