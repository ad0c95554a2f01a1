import Calibration
import CostModel
import Foundation
import Hardware
import Parallelism
import Testing
import YAMLSupport

/// The catalog's `gemm_curve`: cuBLAS's measured size curve prices fully connected layers
/// on the Kepler boards that run at their listed clock; convolutions keep their own pricing.
@Suite struct GEMMCurveTests {
    /// The committed cuBLAS 7.0 SGEMM times on a K40 (`scenarios/validation/clblas/`), as
    /// `scalecast calibrate --gemm-csv` reads them.
    func k40Samples() throws -> [Calibrator.GEMMSample] {
        let path = "scenarios/validation/clblas/K40-cublas7-sgemm.csv"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        return lines.filter { !$0.hasPrefix("#") && !$0.hasPrefix("precision") }.map { line in
            let cells = line.split(separator: ",").map(String.init)
            return Calibrator.GEMMSample(m: Int(cells[1])!, n: Int(cells[2])!, k: Int(cells[3])!, seconds: Double(cells[4])!)
        }
    }

    /// Refitting the measurement reproduces the catalog: the fit's half-saturation, and its
    /// best efficiency as a fraction of the peak at the 875 MHz the run used (the fit is of the
    /// catalog's 745 MHz peak). Boards whose running clock is not their listed one have no curve.
    @Test func theCatalogCurveIsTheFitOfTheK40Measurement() throws {
        let catalog = try Catalog.builtIn()
        let k40 = try #require(catalog.gpu(named: "K40"))
        let samples = try k40Samples()
        #expect(samples.count == 180)
        let fit = try #require(Calibrator.fitEfficiency(samples, peak: k40.peakFLOPsPerSecond(precision: "fp32")))
        for name in ["K20", "K20X", "K40"] {
            let curve = try #require(catalog.gpu(named: name)?.gemmCurve["fp32"], "\(name)")
            #expect(abs(curve.halfSaturation - fit.halfSaturation) < 0.05, "\(name): \(fit.halfSaturation)")
            #expect(abs(curve.maxEfficiency - fit.maxEfficiency * 745 / 875) < 0.0005, "\(name): \(fit.maxEfficiency)")
        }
        for name in ["K80", "TitanBlack"] {
            #expect(catalog.gpu(named: name)?.gemmCurve.isEmpty == true, "\(name)")
        }
    }

    /// A fully connected layer's product takes the curve; a convolution priced without a kernel
    /// library keeps the GPU's ceiling and the default curve; a scenario's own figures price both.
    @Test func fullyConnectedProductsTakeTheCurveAndConvolutionsDoNot() throws {
        let gpu = try #require(try Catalog.builtIn().gpu(named: "K20"))
        let cost = CostModel(gpu: gpu, precision: .fp32)
        let (m, n, k) = (512.0, 128.0, 9216.0)
        func s(_ x: Double, _ half: Double) -> Double { x / (x + half) }
        #expect(abs(cost.gemmEfficiency(m: m, n: n, k: k) - 0.763 * s(m, 199.5) * s(n, 199.5) * s(k, 199.5)) < 1e-12)
        #expect(abs(cost.efficiency(m: m, n: n, k: k) - 0.46 * s(m, 32) * s(n, 32) * s(k, 32)) < 1e-12)

        let flops = 2 * m * n * k
        let fc = ComputeWork(flops: flops, memoryBytes: 0, gemm: (m, n, k), kernels: 0)
        #expect(abs(cost.seconds(for: fc) - flops / (gpu.peakFLOPsPerSecond(precision: "fp32") * cost.gemmEfficiency(m: m, n: n, k: k))) < 1e-15)

        var parameters = CostParameters()
        parameters.maxEfficiencyOverride[.fp32] = 0.5
        let overridden = CostModel(gpu: gpu, precision: .fp32, parameters: parameters)
        #expect(overridden.gemmEfficiency(m: m, n: n, k: k) == overridden.efficiency(m: m, n: n, k: k))
        #expect(abs(overridden.gemmEfficiency(m: m, n: n, k: k) - 0.5 * s(m, 32) * s(n, 32) * s(k, 32)) < 1e-12)

        // A GPU without a curve prices both alike (the A100 has none).
        let a100 = try #require(try Catalog.builtIn().gpu(named: "A100-SXM4-80GB"))
        let plain = CostModel(gpu: a100, precision: .fp32)
        #expect(plain.gemmEfficiency(m: m, n: n, k: k) == plain.efficiency(m: m, n: n, k: k))
    }

    /// `gemm_curve` needs its source, both figures, a fraction in (0, 1] and a known precision.
    @Test func badCatalogGEMMCurvesAreRefused() throws {
        let error = catalogEntryError
        #expect(error("measured: m, gemm_curve: {fp32: {max_efficiency: 0.7, half_saturation: 200}}") == nil)
        #expect(error("gemm_curve: {fp32: {max_efficiency: 0.7, half_saturation: 200}}")?.contains("measured") == true)
        #expect(error("measured: m, gemm_curve: {fp32: {max_efficiency: 1.2, half_saturation: 200}}")?.contains("(0, 1]") == true)
        #expect(error("measured: m, gemm_curve: {fp32: {max_efficiency: 0.7}}")?.contains("half_saturation") == true)
        #expect(error("measured: m, gemm_curve: {fp32: {max_efficiency: 0.7, half_saturation: 0}}") != nil)
        #expect(error("measured: m, gemm_curve: {fp64: {max_efficiency: 0.7, half_saturation: 200}}")?.contains("fp64") == true)
        #expect(error("measured: m, gemm_curve: {fp32: {max_efficiency: 0.7, half_saturation: 200, tiles: 4}}")?.contains("tiles") == true)
    }
}
