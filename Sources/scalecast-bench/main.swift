// `make bench`: how fast the simulator runs, and how close its predictions come
// to published measurements. A release-built executable timing with
// ContinuousClock; each timing is the median of several runs.
import Calibration
import Foundation
import Parallelism
import Planning
import Scenario
import Simulation

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// The process's peak resident set so far, in MB (getrusage's ru_maxrss, KiB on Linux).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Growth of wall time with the GPU count, time ~ N^k: k between neighbouring counts,
/// and the slope of the least-squares line through all of them (log-log).
func growthLine(_ measured: [(gpus: Double, seconds: Double)]) -> String {
    let steps = zip(measured, measured.dropFirst()).map { a, b in
        String(format: "%.0f->%.0f: %.2f", a.gpus, b.gpus, log(b.seconds / a.seconds) / log(b.gpus / a.gpus))
    }
    let xs = measured.map { log($0.gpus) }, ys = measured.map { log($0.seconds) }
    let mx: Double = xs.reduce(0, +) / Double(xs.count)
    let my: Double = ys.reduce(0, +) / Double(ys.count)
    var covariance = 0.0, variance = 0.0
    for (x, y) in zip(xs, ys) {
        covariance += (x - mx) * (y - my)
        variance += (x - mx) * (x - mx)
    }
    return "  growth, time ~ N^k: " + steps.joined(separator: ", ") + String(format: "; overall k = %.2f", covariance / variance)
}

func load(_ path: String) -> Scenario {
    do { return try Scenario.load(path: path) } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(2)
    }
}

// OpenBLAS picks its kernel when it loads: re-execute once with the right one.
OpenBLASKernel.selectFastKernel()

let root = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "."
/// Sections to run (`scalecast-bench ROOT kernels validate`); all when none are named.
let sections = Set(CommandLine.arguments.dropFirst(2))
let allSections: Set = ["speed", "hybrid", "fidelity", "accuracy", "sweep", "kernels", "validate"]
if let unknown = sections.subtracting(allSections).first {
    FileHandle.standardError.write(Data("error: unknown section '\(unknown)' (sections: \(allSections.sorted().joined(separator: ", ")))\n".utf8))
    exit(2)
}
func wants(_ section: String) -> Bool { sections.isEmpty || sections.contains(section) }
// Before any other thread allocates (HeapPolicy; the first choice holds for the process): the
// simulations measured as the CLI runs them, or the executor's setting when only its sections
// run (`make bench` runs everything in one process, so its executor sections run under the
// simulations' setting; `scalecast-bench . kernels validate` alone times them as `calibrate` does).
BLAS.stopIdleThreads()   // as the CLI does: OpenBLAS's workers spin for ~0.1 s after it loads
HeapPolicy.keepFreedMemory(["speed", "hybrid", "fidelity", "sweep"].contains(where: wants) ? .simulation : .executor)
let clock = ContinuousClock()

// MARK: The sweeps, measured first

/// A 10,000-point sweep (its points/s, and its peak RSS after a tenth and after all of
/// them: a simulation that kept anything alive would grow it tenfold, as issue 16's leak
/// did), then the same grid ten times over (ten bucket sizes) evaluated and written as CSV
/// text. They run before any other section, so that the process's peak RSS is theirs (a
/// child process would not do: on Linux a spawned child's peak counts its parent's pages);
/// their report prints in its place below.
let sweepAxes = [
    "gpus=1,2,4,8,16,24,32,48,64,96,128,160,192,224,256,320,384,448,480,512",
    "network_gbps=10,25,40,50,100,200,400,800,1600,3200",
    "model=resnet50,alexnet-owt,vgg16,googlenet,inception-v3",
    "strategy.allreduce=ring,tree",
    "batch_per_gpu=32,64,96,128,256",
]
var sweepReport = ""
if wants("sweep") {
    do {
        let path = root + "/scenarios/bench/sweep.yaml"
        do {   // its own scope: its points and rows are freed before the 100,000 points run
            let setupStart = clock.now
            let sweep = try Sweep(scenarioPath: path, axes: sweepAxes.map(Sweep.Axis.parse))
            let setup = seconds(clock.now - setupStart)
            let rssBefore = peakResidentMegabytes()
            _ = try sweep.evaluate(sweep.points(shard: 1, of: 10))
            let rssTenth = peakResidentMegabytes()
            let start = clock.now
            let rows = try sweep.evaluate()
            let wall = seconds(clock.now - start)
            let rssAll = peakResidentMegabytes()
            sweepReport += "\nSweep: \(rows.count) points (20 GPU counts 1-512 x 10 network bandwidths x 5 models x 2 all-reduce algorithms x 5 batches),\n"
                + "aggregated fidelity, both cores: setup \(String(format: "%.1f", setup)) s, simulation \(String(format: "%.1f", wall)) s, "
                + "\(String(format: "%.0f", Double(rows.count) / (setup + wall))) points/s (goal: under 60 s)\n"
                + "peak RSS: \(String(format: "%.0f", rssBefore)) MB before, \(String(format: "%.0f", rssTenth)) MB after \(rows.count / 10) points, "
                + "\(String(format: "%.0f", rssAll)) MB after all \(rows.count) (flat when nothing leaks)\n"
        }

        // As `scalecast sweep --out FILE.csv` runs it: 4,096 points at a time, each chunk's
        // CSV lines made and let go (here counted, not written) before the next chunk runs.
        let bigStart = clock.now
        let bigAxes = try (sweepAxes + ["strategy.bucket_mb=5,10,15,20,25,30,40,50,75,100"]).map(Sweep.Axis.parse)
        let big = try Sweep(scenarioPath: path, axes: bigAxes)
        var csvBytes = SweepDocument.csvHeader(vary: bigAxes).utf8.count, bigCount = 0
        try big.evaluate(chunkPoints: Sweep.streamingChunkPoints) { rows in
            csvBytes += SweepDocument.csvLines(rows, vary: bigAxes).utf8.count
            bigCount += rows.count
        }
        let bigWall = seconds(clock.now - bigStart)
        sweepReport += "\(bigCount) points (the same x 10 bucket sizes, 5-100 MB), evaluated and written as CSV a chunk at a time "
            + "(\(csvBytes / 1_000_000) MB): \(String(format: "%.1f", bigWall)) s, "
            + "\(String(format: "%.0f", Double(bigCount) / bigWall)) points/s, "
            + "peak RSS \(String(format: "%.0f", peakResidentMegabytes())) MB (goals: 1,000 points/s, 200 MB)\n"
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(2)
    }
}

// MARK: Simulation speed

/// CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID): a simulation runs on
/// one thread, so this is its time less what other processes on a shared machine take.
func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

/// The median wall and CPU time of `repeats` simulations of `run` on `gpus` GPUs, each from
/// a cold start: the closed-form prices an earlier run shared (`CollectiveModel`) forgotten.
func timeSimulation(_ run: RunSpec, gpus: Int, repeats: Int)
    -> (seconds: Double, cpuSeconds: Double, tasks: Int, events: Int, stepSeconds: Double) {
    var walls: [Double] = [], cpus: [Double] = []
    var events = 0, tasks = 0, step = 0.0
    for _ in 0..<repeats {
        CollectiveModel.forgetSharedPrices()
        let start = clock.now, cpu = threadCPUSeconds()
        let outcome = try! ScenarioRunner.simulate(run, gpus: gpus)
        walls.append(seconds(clock.now - start))
        cpus.append(threadCPUSeconds() - cpu)
        events = outcome.trace.events
        tasks = outcome.graph.tasks.count
        step = outcome.metrics.stepSeconds
    }
    return (median(walls), median(cpus), tasks, events, step)
}

if wants("speed") {
let speed = load(root + "/scenarios/bench/resnet50-data-parallel.yaml").runs[0]
print("Simulation speed: one step of ResNet-50, data parallel (ring, 25 MB buckets)")
print("(wall time covers planning, wiring the topology and simulating the step and the one after it; median of 5,")
print(" of 3 above 10,000 GPUs, each from a cold start: no closed-form price kept from an earlier run; peak RSS is the process's so far)")
print("(expanded: node 0 simulated for every node where the run is symmetric, ScenarioRunner.simulationSummary;")
print(" every-node: the same runs with each node laid out, for comparison, with the step times' largest relative difference;")
print(" cpu ms: the simulating thread's CPU time, median; steadier than wall time on a shared machine)")
print("fidelity     GPUs   tasks    events    wall ms     cpu ms   events/s  peak RSS MB")
var aggregated = speed
aggregated.fidelity = .aggregated
var everyNode = speed
everyNode.simulatesEveryNode = true
var symmetricSteps: [Int: Double] = [:]
for (name, run, counts) in [("expanded", speed, speed.gpuCounts + [256, 1024, 4096]), ("every-node", everyNode, [64, 256]),
                            ("aggregated", aggregated, [64, 512, 4096, 65_536])] {
    var measured: [(gpus: Double, seconds: Double)] = []
    var largestDifference = 0.0
    for gpus in counts {
        let (wall, cpu, tasks, events, step) = timeSimulation(run, gpus: gpus, repeats: gpus > 10_000 ? 3 : 5)
        measured.append((Double(gpus), wall))
        if name == "expanded" { symmetricSteps[gpus] = step }
        if name == "every-node", let symmetric = symmetricSteps[gpus] { largestDifference = max(largestDifference, abs(step / symmetric - 1)) }
        print(name.padding(toLength: 10, withPad: " ", startingAt: 0)
              + String(format: "  %6d  %6d  %8d  %9.1f  %9.1f  %9.0f  %11.0f", gpus, tasks, events, wall * 1e3, cpu * 1e3,
                       Double(events) / wall, peakResidentMegabytes()))
    }
    print(growthLine(measured))
    if name == "every-node" { print(String(format: "  step time, every node against node 0 for all: largest relative difference %.1e", largestDifference)) }
}

// The goal for closed forms (65,536 GPUs under 1 s) under every all-reduce the aggregated fidelity prices, not only the ring.
print("aggregated, 65,536 GPUs, by all-reduce (goal: under 1 s; one run each)")
print("all-reduce          wall ms  peak RSS MB")
for algorithm in [AllReduceAlgorithm.ring, .tree, .hierarchical, .halvingDoubling, .direct, .parameterServer, .psGPUs,
                  .ncclRing, .ncclTree, .nccl] {
    var run = aggregated
    run.strategy.gradientSync.algorithm = algorithm
    let wall = timeSimulation(run, gpus: 65_536, repeats: 1).seconds
    print(algorithm.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)
          + String(format: "  %7.0f  %11.0f", wall * 1e3, peakResidentMegabytes()))
}

}

// MARK: The paper's hybrid, expanded, and the hybrid under a collective library, aggregated

if wants("hybrid") {
    // The paper's hybrid (scheme b, exact): all N GPUs in one PCIe tree of the paper's server
    // design, under the cuda-convnet2 profile (host-staged chunked copies, barriers, the loss on
    // one GPU: the schedule Table 1 is checked with), expanded and aggregated (one worker
    // standing for all, each exchange and all-reduce its expanded transfers simulated once alone
    // and reused: LayerwisePlanner.replayed), with the aggregated step's gap to the expanded
    // one; and under `ideal`, the hardware-only schedule ScaleCast simulated before execution
    // profiles existed, which is what issue 16's goal was measured on when it was filed (~130 ms
    // then). Under ideal the exchanges run as a collective library's, priced aggregated by
    // closed forms.
    print("\nThe paper's hybrid, one step: AlexNet (cuda-convnet2 layout) on N K20s in one PCIe tree, scheme (b), exact")
    print("(goal: 8 GPUs under 2 ms; median of 3, one run from 24 expanded; software: the scenario's cuda-convnet2 profile")
    print(" (point-to-point copies), and ideal (collectives), expanded (PlanLimits refuses it at 24) and aggregated;")
    print(" gap: the aggregated step against the expanded one where both ran)")
    print("software                     GPUs   tasks    events    wall ms   events/s   step ms    gap")
    let paperHybrid = load(root + "/scenarios/paper/one-weird-trick.yaml").runs[0]
    var aggregatedPaperHybrid = paperHybrid
    aggregatedPaperHybrid.fidelity = .aggregated
    var hardwareOnly = paperHybrid
    hardwareOnly.software = .ideal
    hardwareOnly.software.kernelLibrary = paperHybrid.software.kernelLibrary
    var aggregatedHardwareOnly = hardwareOnly
    aggregatedHardwareOnly.fidelity = .aggregated
    var expandedSteps: [String: Double] = [:]
    for (software, base, counts) in [("cuda-convnet2", paperHybrid, [8, 16, 24]), ("cuda-convnet2, aggregated", aggregatedPaperHybrid, [8, 16, 24, 64]),
                                     ("ideal", hardwareOnly, [8, 16]), ("ideal, aggregated", aggregatedHardwareOnly, [8, 16, 24])] {
        var hybrid = base
        var hybridMeasured: [(gpus: Double, seconds: Double)] = []
        let profile = software.components(separatedBy: ",")[0]
        for gpus in counts {
            hybrid.cluster.gpusPerNode = gpus
            let (wall, _, tasks, events, step) = timeSimulation(hybrid, gpus: gpus, repeats: gpus > 16 && hybrid.fidelity != .aggregated ? 1 : 3)
            hybridMeasured.append((Double(gpus), wall))
            var gap = ""
            if hybrid.fidelity == .aggregated, let expanded = expandedSteps["\(profile) \(gpus)"] {
                gap = String(format: "  %+5.1f%%", (step / expanded - 1) * 100)
            } else if hybrid.fidelity != .aggregated {
                expandedSteps["\(profile) \(gpus)"] = step
            }
            print(software.padding(toLength: 27, withPad: " ", startingAt: 0)
                  + String(format: "  %4d  %6d  %8d  %9.1f  %9.0f  %8.1f", gpus, tasks, events, wall * 1e3, Double(events) / wall, step * 1e3) + gap)
        }
        print(growthLine(hybridMeasured))
    }
    printHybridUnderCollectives(load(root + "/scenarios/bench/hybrid-collectives.yaml").runs[0])
}

// MARK: Aggregated against expanded on contended networks

if wants("fidelity") {
    printFidelityAgreement(load(root + "/scenarios/bench/fidelity-agreement.yaml"), gpuCounts: [8, 64, 256, 1024])
    printFidelityAgreement(load(root + "/scenarios/bench/fidelity-parameter-servers.yaml"), gpuCounts: [8, 64, 256])
    printFidelityAgreement(load(root + "/scenarios/bench/fidelity-parameter-server-few-nodes.yaml"), gpuCounts: [9, 12, 16, 20, 24, 32, 64],
                           step: "AlexNet (fp16, 128 images per GPU, 25 MB buckets)")
    printFidelityAgreement(load(root + "/scenarios/bench/fidelity-tensorflow-ps.yaml"), gpuCounts: [16, 32, 64],
                           step: "ResNet-50 under tensorflow-1-ps (fp32, 64 images per GPU, servers on every node)")
}

// MARK: Accuracy against published throughput

if wants("accuracy") {

// The corpus's cases for NVIDIA DeepLearningExamples' PyTorch ResNet-50 v1.5 (pytorch-21.03):
// every published figure with its source and the stack's settings live in the case files,
// which `make validate` also runs with the rest of the corpus.
let dleCases = ["dle-pytorch-resnet50-dgxa100", "dle-pytorch-resnet50-dgx1"].map { root + "/scenarios/validation/published/\($0).yaml" }
let dle: PublishedValidation
do { dle = try PublishedValidation.evaluate(files: dleCases) } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}
print("\nPrediction vs published (ResNet-50 v1.5, NVIDIA DeepLearningExamples, pytorch-21.03: the corpus's two cases)")
print("case                          run               GPUs  predicted img/s  published img/s   error")
var errors: [Double] = []
for point in dle.points {
    errors.append(abs(point.relativeError))
    print(point.caseName.padding(toLength: 28, withPad: " ", startingAt: 0) + "  " + (point.run ?? "-").padding(toLength: 16, withPad: " ", startingAt: 0)
          + String(format: "  %4d  %15.0f  %15.0f  %+6.1f%%", point.gpus, point.predictedImagesPerSecond, point.publishedImagesPerSecond,
                   point.relativeError * 100))
}
print(String(format: "median |error| %.1f%%, largest %.1f%%", median(errors) * 100, (errors.max() ?? 0) * 100))

}

// MARK: The sweeps (measured first, above)

if wants("sweep") { print(sweepReport, terminator: "") }

// MARK: CPU kernels: SGEMM and im2col convolution against this CPU's peak

if wants("kernels"), var cpu = CPUInfo.current() {
    let reported = cpu.gigahertz
    cpu.gigahertz = max(reported, CPUInfo.measuredGigahertz())
    print("\nCPU kernels: \(cpu.model), OpenBLAS kernel \(BLAS.coreName)")
    print("peak = cores x \(String(format: "%.2f", cpu.gigahertz)) GHz (measured by a chain of dependent adds, one per cycle; "
          + "/proc/cpuinfo says \(String(format: "%.2f", reported))) x \(Int(cpu.flopsPerCycle)) single-precision FLOP/cycle")
    print("kernel                                   threads  median ms  GFLOP/s  of peak")
    let conv = Kernels.Convolution(batch: 8, inChannels: 64, height: 27, width: 27, outChannels: 192, kernel: 5, stride: 1, pad: 2)
    let x = [Float](repeating: 0.5, count: conv.inputCount), w = [Float](repeating: 0.01, count: conv.weightCount)
    let bias = [Float](repeating: 0, count: conv.outChannels)
    for threads in [1, min(2, cpu.cores)] {
        BLAS.threads = threads
        let calibrator = Calibrator(threads: threads)
        let peak = cpu.peakFLOPsPerSecond(threads: threads)
        for n in [1024, 2048] {
            let times = (0..<5).map { _ in calibrator.timeGEMM(m: n, n: n, k: n, repeats: 1).seconds }
            let t = median(times)
            let flops = 2 * pow(Double(n), 3)
            print("SGEMM \(n)^3".padding(toLength: 41, withPad: " ", startingAt: 0)
                  + String(format: "%7d  %9.2f  %7.1f  %6.1f%%", threads, t * 1e3, flops / t / 1e9, flops / t / peak * 100))
        }
        let scratch = Kernels.ConvolutionScratch()
        _ = Kernels.convolutionForward(x, weights: w, bias: bias, conv, scratch: scratch)
        var walls: [Double] = []
        for _ in 0..<5 {
            let start = clock.now
            _ = Kernels.convolutionForward(x, weights: w, bias: bias, conv, scratch: scratch)
            walls.append(seconds(clock.now - start))
        }
        let t = median(walls)
        print("conv 64->192, 5x5, 27x27, batch 8 (im2col)".padding(toLength: 41, withPad: " ", startingAt: 0)
              + String(format: "%7d  %9.2f  %7.1f  %6.1f%%", threads, t * 1e3, conv.forwardFLOPs / t / 1e9, conv.forwardFLOPs / t / peak * 100))
    }
}

// MARK: The executor against the simulator (scalecast validate)

if wants("validate"), let cpu = CPUInfo.current() {
    let validation = ExecutorValidation(profile: nil)
    do {
        let start = clock.now
        let report = try validation.run(workerCounts: [1, min(2, cpu.cores)], cpu: cpu)
        print("\nExecutor vs simulator (scalecast validate): \(validation.network.name), \(validation.batchPerWorker) images per worker, "
              + "profile measured in the same \(validation.repeats) rounds on 1 and 2 busy workers; \(String(format: "%.0f", seconds(clock.now - start))) s")
        print("workers  strategy                   link    predicted ms  measured ms   error  95% margin  speedup pred.  meas.")
        for c in report.cases {
            let name = (c.strategy + (c.scheme.map { " (\($0))" } ?? "") + (c.variant.map { ", \($0)" } ?? "")).padding(toLength: 25, withPad: " ", startingAt: 0)
            print(String(format: "%7d  ", c.workers) + name + "  " + c.link.padding(toLength: 6, withPad: " ", startingAt: 0)
                  + String(format: "  %12.2f  %11.2f  %+5.1f%%  ", c.predictedStepSeconds * 1e3, c.measuredStepSeconds * 1e3, c.relativeError * 100)
                  + String((String(repeating: " ", count: 10) + (c.relativeErrorMargin.map { String(format: "±%.1f%%", $0 * 100) } ?? "")).suffix(10))
                  + String(format: "  %13.2f  %5.2f", c.predictedSpeedup, c.measuredSpeedup))
        }
        let errors = report.cases.map { abs($0.relativeError) }
        print(String(format: "median |error| %.1f%%, largest %.1f%% (goals: median <= 5%%, every case <= 10%%)", median(errors) * 100,
                     errors.max()! * 100))
        let margins = report.cases.compactMap(\.relativeErrorMargin)
        if !margins.isEmpty {
            print(String(format: "95%% margins from the rounds' spread: median ±%.1f%%, largest ±%.1f%%", median(margins) * 100, margins.max()! * 100))
        }
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(2)
    }
}
