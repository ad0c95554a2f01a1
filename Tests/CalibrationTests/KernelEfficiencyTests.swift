import Calibration
import CostModel
import Foundation
import Hardware
import Software
import Testing
import Workload
import YAMLSupport

/// The catalog's fitted kernel efficiencies come from the committed kernel times,
/// by the fit `scalecast import kernel-times` runs: refitting reproduces them.
@Suite struct KernelEfficiencyTests {
    func times(_ name: String) throws -> KernelTimes {
        let path = "scenarios/validation/deepbench/\(name)-conv-train.csv"
        return try KernelTimes(csv: try String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    func library(_ name: String) throws -> KernelLibrary {
        try #require(ProfileCatalog.builtIn().libraries.first { $0.name == name })
    }

    @Test(arguments: [("V100-SXM2-16GB", "V100", "cudnn-7", Precision.fp32), ("V100-SXM2-16GB", "V100", "implicit-gemm", .fp16),
                      ("P100-PCIe", "P100", "cudnn-5.1", .fp32), ("TitanX-Maxwell", "TitanX-Maxwell", "cudnn-5", .fp32)])
    func theCatalogHoldsTheFit(gpu: String, file: String, libraryName: String, precision: Precision) throws {
        let catalog = try Catalog.builtIn()
        var spec = try #require(catalog.gpu(named: gpu))
        let recorded = try #require(spec.kernelEfficiency[precision.rawValue])
        spec.kernelEfficiency = [:]
        let fits = KernelEfficiencyFit.fit(try times(file).rows, gpu: spec, precision: precision, library: try library(libraryName))
        #expect(fits.count == 3)
        for fit in fits {
            #expect(fit.passes.count == 1)
            let value = try #require(recorded[fit.passes[0].catalogKey])
            #expect(abs(fit.efficiency - value) < 0.0005, "\(gpu) \(precision) \(fit.name): fitted \(fit.efficiency), catalog \(value)")
            #expect(!fit.clamped)
            // Half the kernels too slow, half too fast: the signed median error is (nearly) zero.
            #expect(abs(fit.after.medianSigned) < 0.01)
        }
    }

    /// Boards of one chip share the chip's fitted fractions of their own peaks.
    @Test func boardsOfOneChipShareTheFit() throws {
        let catalog = try Catalog.builtIn()
        let pairs = [("V100-SXM2-32GB", "V100-SXM2-16GB"), ("P100-SXM2", "P100-PCIe")]
        for (copy, fitted) in pairs {
            #expect(try #require(catalog.gpu(named: copy)).kernelEfficiency == (try #require(catalog.gpu(named: fitted))).kernelEfficiency)
        }
    }

    /// The fitted efficiency moves predictions the right way: a GPU whose kernels
    /// run at half the time the model predicts fits a higher efficiency.
    @Test func fasterKernelsFitAHigherEfficiency() throws {
        let catalog = try Catalog.builtIn()
        var spec = try #require(catalog.gpu(named: "V100-SXM2-16GB"))
        spec.kernelEfficiency = [:]
        let rows = try times("V100").rows.filter { $0.precision == .fp32 }
        let halved = rows.map { row -> KernelTimes.Row in
            var r = row
            r.seconds = r.seconds.mapValues { $0 / 2 }
            return r
        }
        let lib = try library("implicit-gemm")
        let base = KernelEfficiencyFit.fit(rows, gpu: spec, precision: .fp32, library: lib)
        let fast = KernelEfficiencyFit.fit(halved, gpu: spec, precision: .fp32, library: lib)
        for (a, b) in zip(base, fast) { #expect(b.efficiency > a.efficiency || b.clamped) }
    }

    @Test func badKernelTimesAreLocated() {
        let header = "precision,w,h,c,n,k,filter_w,filter_h,pad_w,pad_h,stride_w,stride_h,forward_ms,backward_inputs_ms,backward_params_ms\n"
        func error(_ text: String) -> ConfigError? {
            do { _ = try KernelTimes(csv: text, file: "k.csv") } catch let e as ConfigError { return e } catch { return nil }
            return nil
        }
        let negative = error(header + "fp32,56,56,64,8,64,3,3,1,1,1,1,-1,1,1\n")
        #expect(negative?.line == 2 && negative?.message.contains("forward_ms") == true)
        let tooBig = error(header + "fp32,5,5,64,8,64,9,9,0,0,1,1,1,1,1\n")
        #expect(tooBig?.line == 2 && tooBig?.message.contains("larger than") == true)
        #expect(error(header + "fp64,56,56,64,8,64,3,3,1,1,1,1,1,1,1\n")?.message.contains("precision") == true)
        #expect(error(header + "fp32,56,56\n")?.message.contains("columns") == true)
        #expect(error(header) != nil)
    }

    @Test func badCatalogEfficienciesAreRefused() throws {
        func error(_ table: String, measured: Bool = true, sms: Bool = true) -> String? {
            let text = """
                gpus:
                  - {name: T, memory_gib: 1, memory_bandwidth_gb_per_s: 100, peak_tflops: {fp32: 1}, host_link: pcie3-x16, source: s,
                     \(measured ? "measured: m, " : "")\(sms ? "sms: 10, " : "")kernel_efficiency: \(table)}
                """
            do {
                var catalog = try Catalog.builtIn()
                let yaml = try YAMLValue.parse(text, file: "c.yaml")
                try catalog.read(gpus: yaml.optional("gpus"), links: nil)
            } catch let e as ConfigError { return e.message } catch { return "\(error)" }
            return nil
        }
        #expect(error("{fp32: {forward: 0.5, backward_data: 0.5, backward_filter: 0.5}}") == nil)
        #expect(error("{fp32: {forward: 1.5, backward_data: 0.5, backward_filter: 0.5}}")?.contains("(0, 1]") == true)
        #expect(error("{fp32: {forward: 0.5, backward_data: 0.5}}")?.contains("three passes") == true)
        #expect(error("{fp32: {forward: 0.5, sideways: 0.5, backward_data: 0.5}}") != nil)
        #expect(error("{fp32: {forward: 0.5, backward_data: 0.5, backward_filter: 0.5}}", measured: false)?.contains("measured") == true)
        #expect(error("{fp32: {forward: 0.5, backward_data: 0.5, backward_filter: 0.5}}", sms: false)?.contains("sms") == true)
    }

    /// A catalog size curve (`half_saturation`) needs its source and a dimension of at least 1.
    @Test func badCatalogSizeCurvesAreRefused() throws {
        func error(_ entry: String) -> String? {
            let text = """
                gpus:
                  - {name: T, memory_gib: 1, memory_bandwidth_gb_per_s: 100, peak_tflops: {fp32: 1}, host_link: pcie3-x16, source: s, \(entry)}
                """
            do {
                var catalog = try Catalog.builtIn()
                try catalog.read(gpus: try YAMLValue.parse(text, file: "c.yaml").optional("gpus"), links: nil)
            } catch let e as ConfigError { return e.message } catch { return "\(error)" }
            return nil
        }
        #expect(error("measured: m, half_saturation: {fp32: 199.5}") == nil)
        #expect(error("half_saturation: {fp32: 199.5}")?.contains("measured") == true)
        #expect(error("measured: m, half_saturation: {fp32: 0}") != nil)
        #expect(error("measured: m, half_saturation: {fp64: 100}")?.contains("fp64") == true)
        #expect(error("measured: m, half_saturation: {fp32: wide}") != nil)
    }

    /// A catalog size curve prices small products as measured; a scenario's own value still wins.
    @Test func aCatalogSizeCurveIsUsedAndAScenarioOverrideWins() throws {
        var catalog = try Catalog.builtIn()
        try catalog.read(gpus: try YAMLValue.parse("""
            gpus:
              - {name: T, memory_gib: 1, memory_bandwidth_gb_per_s: 100, peak_tflops: {fp32: 1}, host_link: pcie3-x16, source: s,
                 measured: m, half_saturation: {fp32: 200}}
            """, file: "c.yaml").optional("gpus"), links: nil)
        let gpu = try #require(catalog.gpu(named: "T"))
        let curved = CostModel(gpu: gpu, precision: .fp32)
        #expect(curved.halfSaturation(.fp32) == 200)
        var parameters = CostParameters()
        parameters.halfSaturationOverride[.fp32] = 32
        let generic = CostModel(gpu: gpu, precision: .fp32, parameters: parameters)
        #expect(generic.halfSaturation(.fp32) == 32)
        // s(x) = x / (x + x_half) per dimension: a 512^3 product at (512/712)^3 of a huge one, not (512/544)^3.
        let ratio = curved.efficiency(m: 512, n: 512, k: 512) / generic.efficiency(m: 512, n: 512, k: 512)
        #expect(abs(ratio - pow((512.0 / 712) / (512.0 / 544), 3)) < 1e-9, "\(ratio)")
    }
}
