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
        // Every speedup factor is 1, so each multi-GPU range is its compute range. Against the
        // other nine, the two lowest (0.9, 0.95) fall under the 10th percentile (0.98, 0.99) and
        // the two highest above the 90th; the six between are inside, at 1 GPU as at 8.
        #expect(c.singleGPU.covered == 6)
        #expect(c.multiGPU.covered == 6)
        #expect(c.singleGPU.medianWidth > 1.2 && c.singleGPU.medianWidth < 1.45)
    }

    /// `factorRange` is the rate range of `ranges` over the prediction: the same draws.
    @Test func factorRangeIsWhatRangesDraw() throws {
        let u = Uncertainty(samples: 500, errors: fixtureErrors)
        let factor = u.factorRange(gpus: 8, key: 42)
        let run = try Scenario.load(path: try writeScenario(planScenario)).runs[0]
        let rates = try u.ranges(run, gpus: 8, imagesPerSecond: 1000, key: 42, catalog: try Catalog.builtIn()).imagesPerSecond
        #expect(abs(rates.lowerBound / 1000 - factor.lowerBound) < 1e-12)
        #expect(abs(rates.upperBound / 1000 - factor.upperBound) < 1e-12)
    }
}
