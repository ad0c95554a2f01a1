import Foundation
import Parallelism
import Testing
import YAMLSupport
@testable import Calibration

@Suite struct CalibrationTests {
    @Test func cpuInfoGivesThePeakFromCoresClockAndVectorWidth() throws {
        let text = "processor : 0\nmodel name : Test CPU\ncpu MHz : 2100.000\nflags : fpu sse avx2 fma avx512f\n"
        let cpu = try #require(CPUInfo.parse(text, cores: 2))
        #expect(cpu.model == "Test CPU")
        #expect(cpu.flopsPerCycle == 64)
        #expect(cpu.peakFLOPsPerSecond(threads: 2) == 2 * 2.1e9 * 64)
        #expect(cpu.openBLASCore == "SkylakeX")
        let avx2 = try #require(CPUInfo.parse("cpu MHz : 3000\nflags : avx2 fma\n", cores: 4))
        #expect(avx2.flopsPerCycle == 32)
        #expect(avx2.openBLASCore == "Haswell")
        #expect(CPUInfo.parse("flags : sse\n", cores: 1) == nil)
    }

    /// Samples made from a known curve give that curve back.
    @Test func efficiencyFitRecoversAKnownCurve() throws {
        let peak = 100e9, eMax = 0.8, half = 50.0
        func s(_ x: Int) -> Double { Double(x) / (Double(x) + half) }
        let samples = Calibrator.shapes.map { m, n, k in
            Calibrator.GEMMSample(m: m, n: n, k: k, seconds: 2 * Double(m * n * k) / (peak * eMax * s(m) * s(n) * s(k)))
        }
        let fit = try #require(Calibrator.fitEfficiency(samples, peak: peak))
        #expect(abs(fit.maxEfficiency - eMax) / eMax < 0.02)
        #expect(abs(fit.halfSaturation - half) / half < 0.15)   // the grid has 20 points a decade
        #expect(fit.residuals.allSatisfy { abs($0) < 0.02 })
    }

    /// When a constraint binds, the other parameter is refitted, not kept from the
    /// unconstrained line: slope held at 1 gives the mean of y − x as intercept, and
    /// intercept held at 0 gives Σxy / Σx² as slope (weights 1).
    @Test func constrainedLineRefitsTheFreeParameter() throws {
        let x = [1.0, 2, 3, 4], ones = [1.0, 1, 1, 1]
        let tooFast = try #require(Calibrator.constrainedLine(x: x, y: x.map { 0.5 * $0 + 2 }, weights: ones, fitOverhead: true))
        #expect(tooFast.slope == 1)
        #expect(abs(tooFast.intercept - 0.75) < 1e-12)
        let negativeOverhead = try #require(Calibrator.constrainedLine(x: x, y: x.map { 3 * $0 - 1 }, weights: ones, fitOverhead: true))
        #expect(negativeOverhead.intercept == 0)
        #expect(abs(negativeOverhead.slope - 80.0 / 30) < 1e-12)
        let free = try #require(Calibrator.constrainedLine(x: x, y: x.map { 2 * $0 + 1 }, weights: ones, fitOverhead: true))
        #expect(abs(free.slope - 2) < 1e-12 && abs(free.intercept - 1) < 1e-12)
    }

    /// Three coefficients with bounds: free when the data allow, and the others
    /// refitted when one sits on its bound.
    @Test func boundedFitSolvesEachFaceOfTheBox() throws {
        let a = [1.0, 2, 3, 4, 5, 6], b = [2.0, 1, 4, 3, 6, 2], ones = [Double](repeating: 1, count: 6)
        let y = (0..<6).map { 2 * a[$0] + 0.5 * b[$0] + 3 }
        let terms = [Calibrator.Term(values: a, lowerBound: 1), Calibrator.Term(values: b, lowerBound: 0), Calibrator.Term(values: ones, lowerBound: 0)]
        let free = try #require(Calibrator.boundedFit(terms, y: y, weights: ones))
        for (c, expected) in zip(free.coefficients, [2, 0.5, 3]) { #expect(abs(c - expected) < 1e-9) }
        // A negative effect of b cannot be fitted: b's coefficient sits at 0 and the rest refit.
        let yNegative = (0..<6).map { 2 * a[$0] - 0.5 * b[$0] + 3 }
        let bounded = try #require(Calibrator.boundedFit(terms, y: yNegative, weights: ones))
        #expect(bounded.coefficients[1] == 0)
        let refit = try #require(Calibrator.boundedFit([terms[0], terms[2]], y: yNegative, weights: ones))
        #expect(abs(bounded.coefficients[0] - refit.coefficients[0]) < 1e-9 && abs(bounded.squares - refit.squares) < 1e-9)
    }

    /// Samples made from a known curve with im2col traffic give back its bandwidth.
    @Test func efficiencyFitRecoversTheLoweringBandwidth() throws {
        let peak = 100e9, eMax = 0.7, half = 20.0, overhead = 5e-6, lowering = 12e9
        func s(_ x: Int) -> Double { Double(x) / (Double(x) + half) }
        let samples = Calibrator.shapes.enumerated().map { i, shape in
            let (m, n, k) = shape
            let bytes = i % 2 == 0 ? 8.0 * Double(n * k) : 0
            return Calibrator.GEMMSample(m: m, n: n, k: k, seconds: overhead + 2 * Double(m * n * k) / (peak * eMax * s(m) * s(n) * s(k))
                                         + bytes / lowering, loweringBytes: bytes)
        }
        let fit = try #require(Calibrator.fitEfficiency(samples, peak: peak, fitOverhead: true, fitLowering: true))
        #expect(abs(try #require(fit.loweringBytesPerSecond) - lowering) / lowering < 0.05)
        #expect(abs(fit.maxEfficiency - eMax) / eMax < 0.05)
        for sample in samples { #expect(abs(fit.seconds(sample, peak: peak) / sample.seconds - 1) < 0.05) }
    }

    /// Samples whose products were timed apart from their lowering give back the
    /// curve, the overhead, the lowering's bandwidth and its time per row, each
    /// fitted to its own part of the time, even where the lowering grows with the
    /// arithmetic; the whole passes fit too.
    @Test func efficiencyFitTakesProductsAndLoweringApart() throws {
        let peak = 100e9, eMax = 0.6, half = 8.0, overhead = 4e-6, lowering = 20e9, row = 10e-9
        func s(_ x: Int) -> Double { Double(x) / (Double(x) + half) }
        let samples = Calibrator.shapes.enumerated().map { i, shape in
            let (m, n, k) = shape
            // As in the calibration networks, the lowering's bytes grow with the
            // arithmetic (here: as many seconds of traffic as of arithmetic), which
            // a fit of whole passes cannot take apart; the rows grow otherwise.
            let arithmetic = 2 * Double(m * n * k) / (peak * eMax * s(m) * s(n) * s(k))
            let (bytes, rows) = i % 3 == 0 ? (0.0, 0.0) : (arithmetic * lowering, Double(n * k / 16) * Double(4 - i % 3))
            let product = overhead + arithmetic
            return Calibrator.GEMMSample(m: m, n: n, k: k, seconds: product + bytes / lowering + rows * row, loweringBytes: bytes,
                                         loweringRows: rows, productSeconds: product)
        }
        let fit = try #require(Calibrator.fitEfficiency(samples, peak: peak, fitOverhead: true, fitLowering: true))
        #expect(abs(fit.maxEfficiency - eMax) / eMax < 0.05 && abs(fit.overheadSeconds - overhead) / overhead < 0.05)
        #expect(abs(try #require(fit.loweringBytesPerSecond) - lowering) / lowering < 1e-6)
        #expect(abs(fit.loweringRowSeconds - row) / row < 1e-6)
        for sample in samples { #expect(abs(fit.seconds(sample, peak: peak) / sample.seconds - 1) < 0.05) }
    }

    @Test func copyFitRecoversBandwidthAndLatency() throws {
        let samples = Calibrator.copySizes.map { Calibrator.CopySample(bytes: $0, seconds: 2e-6 + Double($0) / 10e9) }
        let fit = try #require(Calibrator.fitCopies(samples))
        #expect(abs(fit.bytesPerSecond - 10e9) / 10e9 < 1e-6)
        #expect(abs(fit.latencySeconds - 2e-6) < 1e-9)
    }

    /// Noise in proportion to the time, as on a shared machine, leaves a fit
    /// weighted by itself unbiased: with every other sample 30% slow and every
    /// other 30% fast, the slope is the true one. Weighted by the measurements
    /// (1/t²), it comes out 16% low.
    @Test func relativeNoiseLeavesTheReweightedFitUnbiased() throws {
        let x = [4e3, 6e4, 1e6, 3e7, 5e5, 2e6]
        let y = x.enumerated().map { i, v in v * 5e-11 * (i % 2 == 0 ? 1.3 : 0.7) }
        let terms = [Calibrator.Term(values: x, lowerBound: 0)]
        let slope = try #require(Calibrator.relativeFit(terms, y: y)).coefficients[0]
        #expect(abs(slope / 5e-11 - 1) < 1e-3, "\(slope)")
        let measured = try #require(Calibrator.boundedFit(terms, y: y, weights: y.map { 1 / ($0 * $0) })).coefficients[0]
        #expect(measured / 5e-11 < 0.9)
    }

    @Test func streamFitRecoversBandwidthAndOverhead() throws {
        let samples = [4e3, 6e4, 1e6, 3e7].map { Calibrator.StreamSample(bytes: $0, seconds: 3e-6 + $0 / 20e9) }
        let fit = try #require(Calibrator.fitStream(samples))
        #expect(abs(fit.bytesPerSecond - 20e9) / 20e9 < 1e-6)
        #expect(abs(fit.overheadSeconds - 3e-6) < 1e-9)
        let pinned = try #require(Calibrator.fitStream(samples, overhead: 3e-6))
        #expect(abs(pinned.bytesPerSecond - 20e9) / 20e9 < 1e-6 && pinned.overheadSeconds == 3e-6)
    }

    /// Rounds are combined timing by timing, each to its mean: the typical speed,
    /// not the one quiet moment the fastest would pick, and one that adds up.
    @Test func roundsCombineToEachTimingsMean() {
        func round(_ product: Double, _ copy: Double, _ stream: Double, inSGEMM: Double? = nil) -> Calibrator.Samples {
            Calibrator.Samples(products: [Calibrator.GEMMSample(m: 8, n: 8, k: 8, seconds: product, productSeconds: inSGEMM)],
                               copies: [Calibrator.CopySample(bytes: 1024, seconds: copy)],
                               streams: [Calibrator.StreamSample(bytes: 4096, seconds: stream)])
        }
        let typical = Calibrator.Samples.mean([round(1, 9, 5), round(3, 7, 4), round(2, 8, 9)])
        #expect(typical.products[0].seconds == 2 && typical.copies[0].seconds == 8 && typical.streams[0].seconds == 6)
        #expect(typical.products[0].m == 8 && typical.copies[0].bytes == 1024 && typical.streams[0].bytes == 4096)
        // The time in SGEMM too, where every round has it.
        #expect(Calibrator.Samples.mean([round(1, 9, 5, inSGEMM: 0.5), round(3, 7, 4, inSGEMM: 1.5)]).products[0].productSeconds == 1)
        #expect(Calibrator.Samples.mean([round(1, 9, 5, inSGEMM: 0.5), round(3, 7, 4)]).products[0].productSeconds == nil)
    }

    /// With several busy workers, a task's sample in each step is its slowest
    /// worker's time, with that worker's time in SGEMM; the first (warm-up) step is
    /// left out.
    @Test func eachStepsSampleIsTheSlowestWorkers() throws {
        let network = ExecutorValidation.smallCNN()
        let setup = TrainingSetup(network: network, precision: .fp32, batchPerGPU: 4, gpus: 2, steps: 3)
        let graph = try Planner.plan(setup, strategy: .data())
        // Task t takes (t + 1) ms on worker 0 in even steps and on worker 1 in odd
        // ones, and a tenth of that on the other worker.
        // Its time in SGEMM is a hundredth of its time on the slow worker and all
        // of it on the fast one: the sample's is the slow worker's, not the largest.
        var starts = [Double](repeating: 0, count: graph.tasks.count), ends = starts, products = starts
        for task in graph.tasks {
            let slow = (task.step % 2 == 0) == (task.device == 0)
            starts[task.id] = Double(task.id)
            ends[task.id] = starts[task.id] + Double(task.id % 7 + 1) * 1e-3 * (slow ? 1 : 0.1)
            products[task.id] = (ends[task.id] - starts[task.id]) * (slow ? 0.01 : 1)
        }
        let outcome = Executor.Outcome(weights: [:], biases: [:], stepSeconds: [0, 0, 0], replicasAgree: true, taskStarts: starts, taskEnds: ends,
                                       taskProductSeconds: products)
        let slowest = Calibrator.slowestWorker(graph, outcome)
        let computed = graph.tasks.filter { if case .compute = $0.work { return true } else { return false } }
        #expect(!slowest.isEmpty)
        for task in computed where task.step > 0 {
            let same = computed.filter { Calibrator.key($0) == Calibrator.key(task) && $0.step == task.step }
            let slowestTask = same.max { ends[$0.id] - starts[$0.id] < ends[$1.id] - starts[$1.id] }!
            #expect(slowest[Calibrator.key(task)]?[task.step]?.seconds == ends[slowestTask.id] - starts[slowestTask.id])
            #expect(slowest[Calibrator.key(task)]?[task.step]?.productSeconds == products[slowestTask.id])
        }
        #expect(slowest.values.allSatisfy { $0[0] == nil }, "the warm-up step counted")
    }

    func profile() -> CalibrationProfile {
        let gemm = [Calibrator.GEMMSample(m: 64, n: 64, k: 64, seconds: 1e-5),
                    Calibrator.GEMMSample(m: 512, n: 512, k: 512, seconds: 1e-3, loweringBytes: 2e6, loweringRows: 3e4, productSeconds: 6e-4)]
        return CalibrationProfile(cpu: "Test CPU", kernel: "SkylakeX", threads: 2, peakFLOPsPerSecond: 268.8e9,
                                  fit: .init(maxEfficiency: 0.9, halfSaturation: 31.6, loweringBytesPerSecond: 20e9, loweringRowSeconds: 9e-9,
                                             residuals: [0.01, -0.02]),
                                  copyBytesPerSecond: 10.9e9, copyLatencySeconds: 1e-6, streamBytesPerSecond: 21.5e9,
                                  kernelOverheadSeconds: 2.5e-6, products: gemm)
    }

    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func profilesRoundTrip() throws {
        let path = try write(profile().yaml)
        let loaded = try CalibrationProfile.load(path: path, cpu: "Test CPU", kernel: "SkylakeX")
        #expect(loaded.cpu == "Test CPU")
        #expect(abs(loaded.maxEfficiency - 0.9) < 1e-9)
        #expect(abs(loaded.copyBytesPerSecond - 10.9e9) < 1)
        #expect(loaded.products.count == 2)
        #expect(loaded.residuals == [0.01, -0.02])
        #expect(abs(loaded.loweringRowSeconds - 9e-9) < 1e-18)
        #expect(loaded.products[1].loweringRows == 3e4 && loaded.products[1].productSeconds == 6e-4)
        #expect(loaded.products[0].productSeconds == 1e-5, "a product without lowering is all SGEMM")
    }

    /// A profile written before the lowering's rows and SGEMM time were recorded
    /// (six cells a product, no `lowering_row_ns`) still loads, with no row cost.
    @Test func olderProfilesStillLoad() throws {
        let old = profile().yaml.replacingOccurrences(of: "  lowering_row_ns: 9\n", with: "")
            .replacingOccurrences(of: "[64, 64, 64, 0, 0, 1e-05, 1e-05, 0.01]", with: "[64, 64, 64, 0, 1e-05, 0.01]")
            .replacingOccurrences(of: "[512, 512, 512, 2e+06, 30000, 0.001, 0.0006, -0.02]", with: "[512, 512, 512, 2e+06, 0.001, -0.02]")
        #expect(old != profile().yaml && !old.contains("lowering_row_ns"))
        let loaded = try CalibrationProfile.load(path: try write(old), cpu: "Test CPU", kernel: "SkylakeX")
        #expect(loaded.loweringRowSeconds == 0 && loaded.products.count == 2)
        #expect(loaded.products[1].seconds == 1e-3 && loaded.products[1].loweringRows == 0 && loaded.products[1].productSeconds == nil)
        // Written again, the lowered product keeps its six cells: no SGEMM time is made up.
        #expect(loaded.yaml.contains("[512, 512, 512, 2e+06, 0.001, -0.02]") && loaded.yaml.contains("[64, 64, 64, 0, 0, 1e-05, 1e-05, 0.01]"))
        #expect(loaded.residuals == [0.01, -0.02])
    }

    /// A figure the fit stopped at an end of its range is named; one inside it is not.
    @Test func figuresAtTheirBoundsAreNamed() {
        #expect(profile().figuresAtBounds == [])
        var stopped = profile()
        stopped.copyLatencySeconds = 0
        stopped.kernelOverheadSeconds = 0
        stopped.loweringBytesPerSecond = .infinity
        stopped.loweringRowSeconds = 0
        stopped.maxEfficiency = 1
        stopped.halfSaturation = 10_000
        #expect(stopped.figuresAtBounds == [.maxEfficiency, .halfSaturation, .overhead, .loweringBandwidth, .loweringRowTime, .copyLatency])
        #expect(Calibrator.curveFiguresAtBounds(maxEfficiency: 0.7, halfSaturation: 1) == [.halfSaturation])
        #expect(Calibrator.curveFiguresAtBounds(maxEfficiency: 0.7, halfSaturation: 1.12) == [])
    }

    @Test func aProfileFromAnotherMachineIsRefusedByName() throws {
        let path = try write(profile().yaml)
        do {
            _ = try CalibrationProfile.load(path: path, cpu: "Other CPU", kernel: "SkylakeX")
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.keyPath == "cpu")
            #expect(e.line == 2)
            #expect(e.message.contains("Other CPU"))
        }
        #expect(throws: ConfigError.self) { try CalibrationProfile.load(path: path, cpu: "Test CPU", kernel: "Haswell") }
    }

    @Test(arguments: ["cpu: [unclosed", "cpu: x\nkernel: y\n", "not: a profile\n"])
    func malformedProfilesGiveALocatedError(text: String) throws {
        let path = try write(text)
        #expect(throws: ConfigError.self) { try CalibrationProfile.load(path: path, cpu: nil, kernel: nil) }
    }
}

/// `Calibrator.firstFit`: the retry `calibrate` and `validate` use when a set of
/// timings cannot be fitted.
@Suite struct FirstFitTests {
    @Test func retriesUntilAFitThenStops() {
        var calls = 0
        let (fit, tries) = Calibrator.firstFit { () -> Int? in
            calls += 1
            return calls == 2 ? 42 : nil
        }
        #expect(fit == 42)
        #expect(tries == 2)
        #expect(calls == 2)
    }

    @Test func givesUpAfterTheAttempts() {
        var calls = 0
        let (fit, tries) = Calibrator.firstFit(attempts: 3) { () -> Int? in
            calls += 1
            return nil
        }
        #expect(fit == nil)
        #expect(tries == 3)
        #expect(calls == 3)
    }

    @Test func anErrorEndsTheTriesAtOnce() {
        struct Broken: Error {}
        var calls = 0
        #expect(throws: Broken.self) {
            _ = try Calibrator.firstFit { () throws -> Int? in
                calls += 1
                throw Broken()
            }
        }
        #expect(calls == 1)
    }
}
