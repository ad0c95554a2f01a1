import Foundation
import Testing
import Workload
import YAMLSupport
@testable import Calibration

@Suite struct LayerTimesTests {
    static let resnet = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation/resnet50-h200-layer-times.csv").standardized.path

    /// Rows made from a known curve, with noise, on the real file's shapes.
    func synthetic(eMax: Double, half: Double, overhead: Double, peak: Double, noise: Double) throws -> [LayerTimes.Row] {
        let real = try LayerTimes(csv: String(contentsOfFile: Self.resnet, encoding: .utf8), file: Self.resnet).rows.filter { $0.precision == .bf16 }
        var rng = SplitMix(seed: 5)
        return try real.map { row in
            let p = try row.product()
            func s(_ x: Int) -> Double { Double(x) / (Double(x) + half) }
            var copy = row
            copy.forwardSeconds = (overhead + p.flops / (peak * eMax * s(p.m) * s(p.n) * s(p.k))) * (1 + noise * Double(rng.unit()))
            return copy
        }
    }

    @Test func fitRecoversAKnownCurveAndPredictsTheOtherHalf() throws {
        let rows = try synthetic(eMax: 0.7, half: 64, overhead: 10e-6, peak: 989e12, noise: 0.05)
        let fitted = rows.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let held = rows.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let fit = try #require(try LayerTimes.fit(fitted, precision: .bf16, peak: 989e12))
        #expect(abs(fit.curve.maxEfficiency - 0.7) / 0.7 < 0.1)
        #expect(abs(fit.curve.halfSaturation - 64) / 64 < 0.3)
        let errors = try held.map { abs(try LayerTimes.predictForward($0, curve: fit.curve, peak: 989e12) / $0.forwardSeconds - 1) }
        #expect(LayerTimes.percentile(errors, 0.9) <= fit.reportedError * 1.5)
        #expect(fit.reportedError < 0.1)
    }

    /// The H200 ResNet-50 timings: a profile fitted from half the layers predicts
    /// the other half within the error it reports (90th percentiles, per precision).
    @Test(arguments: [Precision.fp32, .tf32, .bf16])
    func measuredH200TimesRoundTrip(precision: Precision) throws {
        let all = try LayerTimes(csv: String(contentsOfFile: Self.resnet, encoding: .utf8), file: Self.resnet).rows.filter { $0.precision == precision }
        let peak = ["fp32": 66.9e12, "tf32": 494.7e12, "bf16": 989e12][precision.rawValue]!
        let fit = try #require(try LayerTimes.fit(all.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), precision: precision, peak: peak))
        let held = all.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let errors = try held.map { abs(try LayerTimes.predictForward($0, curve: fit.curve, peak: peak) / $0.forwardSeconds - 1) }
        #expect(LayerTimes.percentile(errors, 0.9) <= fit.reportedError)
    }

    @Test(arguments: ["model,layer,kind\nresnet50,conv1,conv\n", "", "# only a comment\n",
                      "model,layer,kind,batch,precision,in_channels,height,width,out,kernel,stride,pad,groups,forward_ms,backward_ms\nm,l,pool,1,fp32,3,8,8,4,3,1,1,1,0.1,0.1\n",
                      "model,layer,kind,batch,precision,in_channels,height,width,out,kernel,stride,pad,groups,forward_ms,backward_ms\nm,l,conv,1,fp32,3,8,8,4,11,1,0,1,0.1,0.1\n"])
    func badFilesNameTheLine(text: String) {
        #expect(throws: ConfigError.self) { try LayerTimes(csv: text, file: "x.csv") }
    }
}
