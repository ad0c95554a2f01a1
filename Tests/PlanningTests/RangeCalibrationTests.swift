import Hardware
import Scenario
import Testing
@testable import Planning

@Suite struct RangeCalibrationTests {
    /// A compute point of case `name` with factor `factor` (published / predicted).
    func point(_ name: String, _ run: String?, _ factor: Double) -> MeasuredErrors.ComputePoint {
        MeasuredErrors.ComputePoint(caseName: name, run: run, precision: "fp32", gpu: "V100-SXM2-16GB", model: "resnet50",
                                    publishedImagesPerSecond: 100 * factor, predictedImagesPerSecond: 100)
    }

    /// Five cases the model predicts exactly and one whose three points it predicts at
    /// half the rate. Held out with its whole case, each exact point's range comes from
    /// the other four exact cases and the slow case's points: it starts at 1 (more than
    /// half the draws are exact), so 1 is inside. A slow point's range comes from the five
    /// exact cases alone: exactly 1, so 2 is outside. Were the slow case not held out
    /// with the point, its own factors would widen the range to reach 2.
    @Test func eachPointIsHeldOutWithItsWholeCase() {
        let exact = (0..<5).map { point("exact\($0)", nil, 1) }
        let slow = ["a", "b", "c"].map { point("slow", $0, 2) }
        let errors = MeasuredErrors(corpus: "fixture", compute: exact + slow, scaling: [])
        let c = RangeCalibration.heldOut(errors, samples: 400)
        #expect(c.singleGPU.points == 8)
        #expect(c.singleGPU.covered == 5)
        #expect(c.singleGPU.fraction == 5.0 / 8)
        #expect(c.multiGPU.points == 0 && c.multiGPU.fraction == nil)
    }

    /// Held out by architecture, a point's range comes from the other architectures' GPUs
    /// only: five exact cases on V100s (Volta) and three points on an H100 (Hopper) predicted
    /// at half their rate. Each Hopper point's range is the Volta cases' (exactly 1): 2 is
    /// outside; each Volta point's range comes from the Hopper points alone (exactly 2): 1 is
    /// outside too. Held out only by case, the five Volta points were inside.
    @Test func eachPointIsHeldOutWithItsArchitecture() {
        var hopper = ["a", "b", "c"].map { point("slow", $0, 2) }
        for i in hopper.indices { hopper[i].gpu = "H100-SXM5" }
        let errors = MeasuredErrors(corpus: "fixture", compute: (0..<5).map { point("exact\($0)", nil, 1) } + hopper, scaling: [])
        let architectures = ["V100-SXM2-16GB": "Volta", "H100-SXM5": "Hopper"]
        let c = RangeCalibration.heldOut(errors, architectureOf: { architectures[$0] }, samples: 400)
        #expect(c.singleGPU.covered == 5)
        let byArchitecture = try! #require(c.newArchitecture)
        #expect(byArchitecture.points == 8 && byArchitecture.covered == 0, "\(byArchitecture)")
        // A GPU of unknown architecture is left out of the check; without the mapping there is none.
        let unknown = RangeCalibration.heldOut(errors, architectureOf: { $0 == "H100-SXM5" ? nil : architectures[$0] }, samples: 400)
        #expect(unknown.newArchitecture?.points == 5)
        #expect(RangeCalibration.heldOut(errors, samples: 400).newArchitecture == nil)
    }

    /// A speedup is checked at its run's 1-GPU factor times its own, against a range
    /// that draws both kinds of error; a speedup without a published 1-GPU point of its
    /// run is skipped.
    @Test func multiGPUPointsCombineTheirRunsComputeAndScalingFactors() {
        func speedup(_ name: String, _ run: String?, gpus: Int, _ factor: Double) -> MeasuredErrors.ScalingPoint {
            MeasuredErrors.ScalingPoint(caseName: name, run: run, gpus: gpus, precision: "fp32", gpu: "V100-SXM2-16GB",
                                        model: "resnet50", publishedSpeedup: 7 * factor, predictedSpeedup: 7)
        }
        // Ten cases: 1-GPU factors 0.9 ... 1.35 (steps of 0.05), each with a speedup factor of 1 at 8 GPUs,
        // and a speedup whose run has no 1-GPU point (skipped).
        let compute = (0..<10).map { point("c\($0)", "r", 0.9 + 0.05 * Double($0)) }
        let scaling = (0..<10).map { speedup("c\($0)", "r", gpus: 8, 1) } + [speedup("orphan", "r", gpus: 8, 1)]
        let c = RangeCalibration.heldOut(MeasuredErrors(corpus: "fixture", compute: compute, scaling: scaling), samples: 2000)
        #expect(c.multiGPU.points == 10)
        // Every speedup factor is 1, so each multi-GPU range is its compute range. The other nine
        // cases alone never reach 80% (their own lowest and highest lie beyond the rest), so their
        // tails reach to level 0, the extreme draws: about 0.9 to 1.35 (x1.5). The lowest (0.9) and
        // highest (1.35) points lie beyond every draw of the others; the eight between are inside,
        // at 1 GPU as at 8.
        #expect(c.singleGPU.covered == 8)
        #expect(c.multiGPU.covered == 8)
        #expect(c.singleGPU.medianWidth > 1.4 && c.singleGPU.medianWidth < 1.55)
    }

    /// Fifteen cases whose 1-GPU factors are spread evenly (0.90, 0.93, ..., 1.32): held out,
    /// the lowest and highest lie beyond every draw of the others, and the draws' 10th-90th
    /// percentiles miss more of the rest, so the tails reach further, to the largest candidate
    /// level that covers ⌈0.8 · 16⌉ = 13 of 15 (the finite-sample correction: 12 of 15, 80%
    /// in-sample, would under-cover out of sample), and no further (the next narrower candidate
    /// covers fewer). Speedups at 8 GPUs, all exactly predicted, make the multi-GPU points the
    /// same: they need wider tails too.
    @Test func tailsReachAsFarAsEightyPercentCoverageNeeds() {
        let compute = (0..<15).map { point("c\($0)", "r", 0.9 + 0.03 * Double($0)) }
        let scaling = (0..<15).map { i in
            MeasuredErrors.ScalingPoint(caseName: "c\(i)", run: "r", gpus: 8, precision: "fp32", gpu: "V100-SXM2-16GB",
                                        model: "resnet50", publishedSpeedup: 7, predictedSpeedup: 7)
        }
        let errors = MeasuredErrors(corpus: "fixture", compute: compute, scaling: scaling)
        let tails = RangeCalibration.tails(errors, samples: 2000)
        let draws = RangeCalibration.heldOutDraws(errors, samples: 2000, seed: 1)
        for (points, level) in [(draws.single, tails.singleGPU), (draws.multi, tails.multiGPU)] {
            func covered(_ level: Double) -> Int { points.filter { $0.isCovered(at: level) }.count }
            #expect(points.count == 15)
            #expect(covered(0.1) < 13)
            #expect(covered(0) == 13)
            #expect(level < 0.1)
            #expect(covered(level) >= 13)
            #expect(covered(level + 0.005) < 13)
        }
        #expect(RangeCalibration.calibrated(errors, samples: 2000).rangeTails == tails)
    }

    /// The count a level must reach, by hand: draws 0, 1, ..., 100 for every point, so the
    /// range at level L spans 100 L to 100 (1 − L). Four points at 50 are inside at any level;
    /// one at 2.4 only from the 2nd-98th percentiles out (level 0.02). With n = 5 the finite-
    /// sample rule needs ⌈0.8 · 6⌉ = 5 inside: level 0.02, where 80% of n (4) would have kept
    /// 0.1. One point alone needs itself (the count is capped at n); no points, the nominal level.
    @Test func theLevelMustCoverTheFiniteSampleCount() {
        let draws = (0...100).map(Double.init)
        func point(_ factor: Double) -> RangeCalibration.HeldOutDraws {
            RangeCalibration.HeldOutDraws(caseName: "c\(factor)", factor: factor, sorted: draws)
        }
        let five = [50.0, 50, 50, 50, 2.4].map(point)
        #expect(five.filter { $0.isCovered(at: 0.1) }.count == 4)
        #expect(RangeCalibration.tails((single: five, multi: [])).singleGPU == 0.02)
        #expect(RangeCalibration.tails((single: [point(50)], multi: [point(2.4)])) == MeasuredErrors.RangeTails(singleGPU: 0.1, multiGPU: 0.02))
        #expect(RangeCalibration.tails((single: [], multi: [])) == .nominal)
    }

    /// Where the draws' 10th-90th percentiles already cover 80%, the ranges stay there:
    /// never narrower. A kind without points keeps the nominal level.
    @Test func tailsAreNeverNarrowerThanTheTenthToNinetiethPercentiles() {
        let exact = (0..<5).map { point("exact\($0)", nil, 1) }
        let tails = RangeCalibration.tails(MeasuredErrors(corpus: "fixture", compute: exact, scaling: []), samples: 400)
        #expect(tails == .nominal)
    }

    /// The held-out coverage checks each case at the levels the other cases alone choose.
    /// Twelve exact cases and two outliers (factors 2 and 0.5): with all fourteen, exact points
    /// are covered at any level and the outliers at none, 12 of 14 = ⌈0.8 · 15⌉, so the tails
    /// stay at 0.1. Held out, an exact case leaves 11 of 13, under ⌈0.8 · 14⌉ = 12: those cases
    /// reach to the widest level (0), whose range from the remaining points spans 0.5-2 and
    /// holds 1. An outlier held out gets the others' 0.1 level: a range of exactly 1.
    @Test func coverageIsCheckedAtLevelsChosenWithoutTheCase() {
        let exact = (0..<12).map { point("exact\($0)", nil, 1) }
        let errors = MeasuredErrors(corpus: "fixture", compute: exact + [point("high", nil, 2), point("low", nil, 0.5)], scaling: [])
        let c = RangeCalibration.heldOut(errors, samples: 400)
        #expect(c.tails.singleGPU == 0.1)
        #expect(RangeCalibration.tails(RangeCalibration.without("exact0", errors), samples: 400).singleGPU == 0)
        #expect(RangeCalibration.tails(RangeCalibration.without("high", errors), samples: 400).singleGPU == 0.1)
        #expect(c.singleGPU.covered == 12)
        // An exact point's range at level 0 spans the extreme draws: about 0.5 to 2, width about 4.
        #expect(c.singleGPU.medianWidth > 3)
    }

    /// Equal errors give a range of one value: interpolating between equal factors (100 / 110)
    /// rounds the 10th percentile a unit in the last place above the 90th, which once made an
    /// invalid range, a crash (two 1-GPU points of one factor, as a small corpus has).
    @Test func equalErrorsGiveAnOrderedRange() throws {
        let errors = MeasuredErrors(corpus: "fixture", compute: [point("a", nil, 1), point("b", nil, 1)].map { p in
            var q = p
            q.publishedImagesPerSecond = 100
            q.predictedImagesPerSecond = 110
            return q
        }, scaling: [])
        #expect(Uncertainty.range(sorted: errors.computeFactors, level: 0.1).lowerBound <= errors.computeFactors[0])
        let range = Uncertainty(samples: 50, errors: errors).factorRange(gpus: 1, key: 7)
        #expect(range.upperBound - range.lowerBound < 1e-15)
        // The span the evidence cautions compare a GPU's median against, over the other GPUs' points.
        let span = try #require(errors.singleGPUFactorRange(excluding: "H100-SXM5"))
        #expect(span.upperBound - span.lowerBound < 1e-15 && abs(span.lowerBound - 100.0 / 110) < 1e-12)
        #expect(errors.singleGPUFactorRange(excluding: "V100-SXM2-16GB") == nil)
    }

    /// A range spans the errors' `rangeTails` percentiles of the draws: level 0 gives the
    /// extreme draws, and a level nearer the middle a narrower range inside it.
    @Test func rangesSpanTheErrorsTailLevels() {
        var widest = fixtureErrors
        widest.rangeTails = MeasuredErrors.RangeTails(singleGPU: 0, multiGPU: 0)
        let draws = Uncertainty(samples: 500, errors: widest).factorDraws(gpus: 8, key: 42)
        let range = Uncertainty(samples: 500, errors: widest).factorRange(gpus: 8, key: 42)
        #expect(range.lowerBound == draws.first && range.upperBound == draws.last)
        let nominal = Uncertainty(samples: 500, errors: fixtureErrors).factorRange(gpus: 8, key: 42)
        #expect(nominal.lowerBound > range.lowerBound && nominal.upperBound < range.upperBound)
    }

    /// `factorRange` is the rate range of `ranges` over the prediction: the same draws,
    /// at the same tail levels.
    @Test func factorRangeIsWhatRangesDraw() throws {
        var errors = fixtureErrors
        errors.rangeTails = MeasuredErrors.RangeTails(singleGPU: 0.1, multiGPU: 0.05)
        let u = Uncertainty(samples: 500, errors: errors)
        let factor = u.factorRange(gpus: 8, key: Uncertainty.commonKey)
        let run = try Scenario.load(path: try writeScenario(planScenario)).runs[0]
        let rates = try u.ranges(run, gpus: 8, imagesPerSecond: 1000, catalog: try Catalog.builtIn()).imagesPerSecond
        #expect(abs(rates.lowerBound / 1000 - factor.lowerBound) < 1e-12)
        #expect(abs(rates.upperBound / 1000 - factor.upperBound) < 1e-12)
    }
}
