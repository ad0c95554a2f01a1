import Dispatch
import Foundation
import Hardware
import Parallelism
import Simulation
import Testing
import Workload
@testable import Calibration

/// The executor's paced links and the validation that sets it beside the simulator.
@Suite struct ExecutorValidationTests {
    /// A profile with round figures, so that no test has to calibrate.
    static let profile = CalibrationProfile(
        cpu: "Test CPU", kernel: "SkylakeX", threads: 1, peakFLOPsPerSecond: 100e9,
        fit: .init(maxEfficiency: 0.6, halfSaturation: 16, overheadSeconds: 2e-6, loweringBytesPerSecond: 15e9, loweringRowSeconds: 9e-9,
                   residuals: []),
        copyBytesPerSecond: 8e9, copyLatencySeconds: 1e-6, streamBytesPerSecond: 12e9, kernelOverheadSeconds: 2e-6, products: [])

    func run(_ link: Executor.PacedLink?, workers: Int = 2) throws -> (TaskGraph, Executor.Outcome) {
        let setup = TrainingSetup(network: ExecutorValidation.smallCNN(), precision: .fp32, batchPerGPU: 8, gpus: workers, steps: 3)
        let graph = try Planner.plan(setup, strategy: .data())
        var options = Executor.Options()
        options.pacedLink = link
        return (graph, try Executor(graph: graph, setup: setup, strategy: .data(), options: options).run())
    }

    /// A 4 MB/s link holds the all-reduce for at least the bytes worker 0 sends
    /// over it, and pacing changes no number. (No comparison with the unpaced
    /// step's time: on a loaded machine that one can be the slower.)
    @Test func aPacedLinkTakesItsTimeAndChangesNoNumber() throws {
        let link = Executor.PacedLink(bytesPerSecond: 4e6, latencySeconds: 1e-3)
        let (graph, paced) = try run(link)
        let sent = graph.tasks.filter { $0.step == 1 && $0.device == 0 }.map(\.bytes).reduce(0, +)
        #expect(sent > 100_000)
        #expect(paced.stepSeconds[1] >= 0.95 * sent / link.bytesPerSecond)
        let (_, free) = try run(nil)
        #expect(ExecutorTests.difference(paced, free) < 1e-5)
        #expect(paced.replicasAgree)
    }

    /// Each compute task reports the time its convolutions spent in SGEMM: some of
    /// a convolution pass's time, and none of any other task's; the kernels'
    /// scratch adds up every product it timed.
    @Test func convolutionTasksReportTheirProductTime() throws {
        let (graph, outcome) = try run(nil, workers: 1)
        let layers = ExecutorValidation.smallCNN().layers
        var convolutions = 0
        for task in graph.tasks {
            guard case .compute = task.work else { continue }
            let product = outcome.taskProductSeconds[task.id], took = outcome.taskEnds[task.id] - outcome.taskStarts[task.id]
            if case .convolution? = task.layer.map({ layers[$0].kind }) {
                convolutions += 1
                #expect(product > 0 && product <= took, "\(task.label): \(product) s of \(took) s")
            } else {
                #expect(product == 0, "\(task.label)")
            }
        }
        #expect(convolutions == 4 * 3)   // two layers, forward and backward, three steps
        let g = Kernels.Convolution(batch: 2, inChannels: 3, height: 8, width: 8, outChannels: 4, kernel: 3, pad: 1)
        let scratch = Kernels.ConvolutionScratch(columnBudget: 1)   // one image a group: two products a call
        _ = Kernels.convolutionForward(Calibrator.pattern(g.inputCount), weights: Calibrator.pattern(g.weightCount), bias: [0, 0, 0, 0], g,
                                       scratch: scratch)
        let forward = scratch.productSeconds
        _ = Kernels.convolutionBackwardData(Calibrator.pattern(g.outputCount), weights: Calibrator.pattern(g.weightCount), g, scratch: scratch)
        #expect(forward > 0 && scratch.productSeconds > forward)
    }

    /// Transfers in flight on one paced link share it, as the simulator's links do:
    /// a small transfer sent just after a large one arrives first (held behind it,
    /// it would arrive after), though after the same transfer alone on another
    /// link (at half the share), and the large one still waits for every byte both
    /// sent. The order, not the times, is checked: a loaded machine wakes threads late.
    @Test func transfersOnAPacedLinkShareIt() throws {
        let link = Executor.PacedLink(bytesPerSecond: 1e6, latencySeconds: 0)
        let links = PacedLinks(lanes: 2, link: link)
        let clock = ContinuousClock(), start = clock.now
        let arrivals = Arrivals()
        let group = DispatchGroup()
        // Lane 0 carries a large and a small transfer; lane 1, alone, the same small
        // one (16 ms alone, 32 ms shared: a margin no scheduler hiccup closes).
        for (i, (bytes, lane)) in [(100_000.0, 0), (16_000, 0), (16_000, 1)].enumerated() {
            group.enter()
            links.carry(bytes: bytes, lane: lane) {
                arrivals.record(i, Executor.seconds(clock.now - start))
                group.leave()
            }
        }
        group.wait()
        links.stop()
        #expect(arrivals.all.map(\.transfer) == [2, 1, 0], "the lone 16 KB first, then the shared 16 KB, then the 100 KB")
        #expect(arrivals.all.last!.seconds >= 0.95 * 116_000 / 1e6)
    }

    /// A transfer that joins a link mid-way slows the one in flight from then on,
    /// and each arrives a latency after its last byte. 100 KB alone for 10 ms on
    /// 4 MB/s (40 KB sent), then 20 KB joins: both at 2 MB/s, the 20 KB done at
    /// 20 ms, the 100 KB's last 40 KB alone at 4 MB/s, done at 30 ms; 5 ms of
    /// latency on top. Lower bounds and order only: a loaded machine wakes late.
    @Test func aTransferJoiningMidwayShares() throws {
        let link = Executor.PacedLink(bytesPerSecond: 4e6, latencySeconds: 5e-3)
        let links = PacedLinks(lanes: 1, link: link)
        let clock = ContinuousClock(), start = clock.now
        let arrivals = Arrivals()
        let group = DispatchGroup()
        group.enter()
        links.carry(bytes: 100_000, lane: 0) { arrivals.record(0, Executor.seconds(clock.now - start)); group.leave() }
        Thread.sleep(forTimeInterval: 0.010)
        let joined = Executor.seconds(clock.now - start)
        group.enter()
        links.carry(bytes: 20_000, lane: 0) { arrivals.record(1, Executor.seconds(clock.now - start)); group.leave() }
        links.stop()   // returns once both have arrived
        group.wait()
        #expect(arrivals.all.map(\.transfer) == [1, 0])
        // The 20 KB share the link from `joined` on: 40 KB of link time for it alone.
        #expect(arrivals.all[0].seconds >= joined + 0.99 * 40_000 / 4e6 + 5e-3)
        #expect(arrivals.all[1].seconds >= 0.99 * 120_000 / 4e6 + 5e-3)
    }

    /// Which transfer arrived when, in arrival order.
    final class Arrivals: @unchecked Sendable {
        private(set) var all: [(transfer: Int, seconds: Double)] = []
        private let lock = NSLock()
        func record(_ transfer: Int, _ seconds: Double) { lock.lock(); all.append((transfer, seconds)); lock.unlock() }
    }

    /// Each pair of workers gets the link's own bandwidth, whatever the worker count;
    /// over memory, half the copy bandwidth.
    @Test func theModelGivesEveryPairTheLinksBandwidth() {
        let model = ExecutorModel(profile: Self.profile, pacedLink: .init(bytesPerSecond: 125e6, latencySeconds: 50e-6))
        for workers in [2, 3, 4] {
            let topology = Topology(cluster: model.cluster(workers: workers, link: .paced), gpus: workers)
            #expect(abs(topology.bottleneck(of: topology.route(from: 0, to: workers - 1)) - 125e6) < 1)
            #expect(abs(topology.latency(of: topology.route(from: 0, to: 1)) - 50e-6) < 1e-12)
            // Over memory, a transfer is copied out of one buffer and into another.
            let memory = Topology(cluster: model.cluster(workers: workers, link: .memory), gpus: workers)
            #expect(abs(memory.bottleneck(of: memory.route(from: 0, to: workers - 1)) - Self.profile.copyBytesPerSecond / 2) < 1)
        }
        #expect(model.parameters.convolutionLowering == .im2col)
        #expect(model.parameters.loweringBytesPerSecond == 15e9 && model.parameters.loweringRowSeconds == 9e-9)
        #expect(model.device.peakFLOPsPerSecond(precision: "fp32") == 100e9)
    }

    /// Every strategy on one and two workers, predicted and measured, with the
    /// speedups over one worker on the same link and a margin from the rounds; one
    /// worker runs as the baseline even when not asked for.
    @Test func validationReportsEveryConfiguration() throws {
        var validation = ExecutorValidation(profile: Self.profile, batchPerWorker: 8)
        validation.steps = 4
        validation.repeats = 2
        let cpu = try #require(CPUInfo.parse("model name : Test CPU\ncpu MHz : 2000\nflags : avx2 fma\n", cores: 2))
        let report = try validation.run(workerCounts: [2], links: [.memory], cpu: cpu)
        #expect(report.cases.count == 1 + 7)
        #expect(report.cases.map(\.workers) == [1, 2, 2, 2, 2, 2, 2, 2])
        #expect(Set(report.cases.compactMap(\.scheme)) == ["a", "b", "c"])
        let single = report.cases[0]
        #expect(single.predictedSpeedup == 1 && single.measuredSpeedup == 1)
        for c in report.cases {
            #expect(c.predictedStepSeconds > 0 && c.measuredStepSeconds > 0)
            #expect(abs(c.relativeError - (c.predictedStepSeconds / c.measuredStepSeconds - 1)) < 1e-12)
            #expect(abs(c.measuredSpeedup - Double(c.workers) * single.measuredStepSeconds / c.measuredStepSeconds) < 1e-9)
            #expect((c.relativeErrorMargin ?? -1) >= 0, "two rounds give a margin")
        }
        // Worker 0's tasks, from the same runs: every compute task, then the idle time.
        #expect(report.tasks.count == report.cases.count)
        for rows in report.tasks {
            #expect(rows.last?.kind == "idle" && rows.dropLast().allSatisfy { $0.predictedSeconds > 0 && $0.measuredSeconds > 0 })
            #expect(rows.contains { $0.kind == "forward" && $0.label == "conv1" })
        }
        #expect(report.models[1]?.profile == Self.profile)
    }

    /// The margin follows the delta method with Student's t: rounds that agree
    /// leave none; a measurement spread alone gives t(0.975, R − 1) times the
    /// standard error of the mean; a prediction moving with the measurement (both
    /// slowed by the same moment) cancels, and moving against it adds up.
    @Test func errorMarginsComeFromTheRoundsSpread() throws {
        #expect(ExecutorValidation.errorMargin(predicted: [2, 2, 2], measured: [1, 1, 1]) == 0)
        // M̄ = 1, s²_M = 0.02 / 3, R = 4: (s²_M / R)^½ = 0.040825; t(0.975, 3) = 3.182446.
        let spread = try #require(ExecutorValidation.errorMargin(predicted: [1, 1, 1, 1], measured: [1, 1.1, 0.9, 1]))
        #expect(abs(spread - 3.182446 * 0.040825) < 1e-4)
        #expect(try #require(ExecutorValidation.errorMargin(predicted: [1, 1.1, 0.9, 1], measured: [1, 1.1, 0.9, 1])) < 1e-12)
        let opposed = try #require(ExecutorValidation.errorMargin(predicted: [1, 0.9, 1.1, 1], measured: [1, 1.1, 0.9, 1]))
        #expect(abs(opposed - 2 * spread) < 1e-3)
        #expect(ExecutorValidation.errorMargin(predicted: [1], measured: [1]) == nil)
    }
}
