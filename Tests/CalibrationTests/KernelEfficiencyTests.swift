import Calibration
import CostModel
import Foundation
import Hardware
import Parallelism
import Software
import Testing
import Workload
import YAMLSupport

/// The catalog's fitted kernel efficiencies come from the committed kernel times,
/// by the fit `scalecast import kernel-times` runs: refitting reproduces them.
@Suite struct KernelEfficiencyTests {
    func times(_ name: String) throws -> KernelTimes {
        try times(path: "scenarios/validation/deepbench/\(name)-conv-train.csv")
    }

    func times(path: String) throws -> KernelTimes {
        try KernelTimes(csv: try String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    func library(_ name: String) throws -> KernelLibrary {
        try #require(ProfileCatalog.builtIn().libraries.first { $0.name == name })
    }

    /// DeepBench's workbooks, and convnet-benchmarks' cuDNN R2 layer times on the Kepler Titan Black.
    @Test(arguments: [("V100-SXM2-16GB", "deepbench/V100-conv-train", "cudnn-7", Precision.fp32),
                      ("V100-SXM2-16GB", "deepbench/V100-conv-train", "implicit-gemm", .fp16),
                      ("P100-PCIe", "deepbench/P100-conv-train", "cudnn-5.1", .fp32),
                      ("TitanX-Maxwell", "deepbench/TitanX-Maxwell-conv-train", "cudnn-5", .fp32),
                      ("TitanBlack", "convnet-benchmarks/TitanBlack-cudnn-r2-layers", "implicit-gemm", .fp32)])
    func theCatalogHoldsTheFit(gpu: String, file: String, libraryName: String, precision: Precision) throws {
        let catalog = try Catalog.builtIn()
        var spec = try #require(catalog.gpu(named: gpu))
        let recorded = try #require(spec.kernelEfficiency[precision.rawValue])
        spec.kernelEfficiency = [:]
        let rows = try times(path: "scenarios/validation/\(file).csv").rows
        let fits = KernelEfficiencyFit.fit(rows, gpu: spec, precision: precision, library: try library(libraryName))
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

    /// Boards of one chip share the chip's fitted fractions of their own peaks, and the
    /// streaming fraction the fit was made at; the Tesla Keplers (GK110, GK110B, GK210: the
    /// same SMX) take the Titan Black's, the GTX 1080 the Titan X's.
    @Test func boardsOfOneChipShareTheFit() throws {
        let catalog = try Catalog.builtIn()
        let pairs = [("V100-SXM2-32GB", "V100-SXM2-16GB"), ("P100-SXM2", "P100-PCIe"), ("GTX-1080", "TitanX-Maxwell"),
                     ("K20", "TitanBlack"), ("K20X", "TitanBlack"), ("K40", "TitanBlack"), ("K80", "TitanBlack")]
        for (copy, fitted) in pairs {
            #expect(try #require(catalog.gpu(named: copy)).kernelEfficiency == (try #require(catalog.gpu(named: fitted))).kernelEfficiency)
        }
        #expect(try #require(catalog.gpu(named: "P100-SXM2")).memoryEfficiency == (try #require(catalog.gpu(named: "P100-PCIe"))).memoryEfficiency)
    }

    /// A K40 prices each convolution pass at its own Kepler figure: a "same"-padded 3x3
    /// layer with as many input as output channels runs its forward and data-gradient
    /// products at one shape, so the data gradient takes forward / data-gradient
    /// efficiency (0.472 / 0.303) times as long; with one flat ceiling (no per-pass
    /// figures) the two would take the same time.
    @Test func keplerPassesRunAtTheirOwnFittedFractions() throws {
        let catalog = try Catalog.builtIn()
        let k40 = try #require(catalog.gpu(named: "K40"))
        let figures = try #require(k40.kernelEfficiency["fp32"])
        let geometry = ConvolutionGeometry(inputChannels: 256, outputChannels: 256, inputHeight: 28, inputWidth: 28,
                                           outputHeight: 28, outputWidth: 28, kernelHeight: 3, kernelWidth: 3)
        let work = ConvolutionWork(geometry: geometry, batch: 64, fraction: 1, passes: [.forward])
        let model = CostModel(gpu: k40, precision: .fp32, kernelLibrary: try library("implicit-gemm"))
        let forward = model.chosenKernel(for: .forward, of: work)
        let data = model.chosenKernel(for: .backwardData, of: work)
        let (fm, fn, fk) = forward.kernel.gemm
        let (dm, dn, dk) = data.kernel.gemm
        #expect(fm == dm && fn == dn && fk == dk)
        let expected = try #require(figures["forward"]) / (try #require(figures["backward_data"]))
        #expect(abs(data.seconds / forward.seconds / expected - 1) < 0.01, "\(data.seconds / forward.seconds) against \(expected)")
        var flat = k40
        flat.kernelEfficiency = [:]
        let flatModel = CostModel(gpu: flat, precision: .fp32, kernelLibrary: try library("implicit-gemm"))
        #expect(abs(flatModel.chosenKernel(for: .backwardData, of: work).seconds / flatModel.chosenKernel(for: .forward, of: work).seconds - 1) < 0.01)
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

    /// `bySize` reads the errors after the fit, quarter by quarter of kernel size: kernels timed
    /// at exactly what the model predicts at the catalog's efficiencies, fitted from a blank entry
    /// (whose errors before the fit are the saturating curve's), give back those efficiencies and
    /// leave every quarter at 1.
    @Test func theModelsOwnTimesAreFlatBySize() throws {
        let catalog = try Catalog.builtIn()
        let spec = try #require(catalog.gpu(named: "TitanX-Maxwell"))
        let lib = try library("cudnn-5")
        let model = CostModel(gpu: spec, precision: .fp32, kernelLibrary: lib)
        let rows = try times("TitanX-Maxwell").rows.filter { $0.precision == .fp32 }.map { row -> KernelTimes.Row in
            var r = row
            r.seconds = Dictionary(uniqueKeysWithValues: r.seconds.keys.map { ($0, model.chosenKernel(for: $0, of: row.work($0)).seconds) })
            return r
        }
        var blank = spec
        blank.kernelEfficiency = [:]
        for fit in KernelEfficiencyFit.fit(rows, gpu: blank, precision: .fp32, library: lib) {
            #expect(abs(fit.efficiency - (spec.kernelEfficiency["fp32"]?[fit.passes[0].catalogKey] ?? 0)) < 0.0005, "\(fit.name)")
            let quarters = try #require(fit.bySize)
            #expect(quarters.count == 4)
            for q in quarters { #expect(abs(q - 1) < 0.001, "\(fit.name): \(quarters)") }
        }
    }

    /// DeepBench's kernels say one efficiency per pass is not enough: after the fit the model
    /// predicts the smallest quarter of the Titan X's kernels too fast and the largest too slow
    /// (docs/kernel-model.md); five layers are too few to split (`bySize` nil).
    @Test func deepBenchResidualsRiseWithKernelSize() throws {
        let catalog = try Catalog.builtIn()
        let spec = try #require(catalog.gpu(named: "TitanX-Maxwell"))
        let fits = KernelEfficiencyFit.fit(try times("TitanX-Maxwell").rows, gpu: spec, precision: .fp32, library: try library("cudnn-5"))
        for fit in fits {
            let quarters = try #require(fit.bySize)
            #expect(quarters[0] < 0.9 && quarters[3] > 1.1, "\(fit.name): \(quarters)")
        }
        let titanBlack = try #require(catalog.gpu(named: "TitanBlack"))
        let few = try times(path: "scenarios/validation/convnet-benchmarks/TitanBlack-cudnn-r2-layers.csv").rows
        for fit in KernelEfficiencyFit.fit(few, gpu: titanBlack, precision: .fp32, library: try library("implicit-gemm")) {
            #expect(fit.bySize == nil)
        }
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
        let error = catalogEntryError
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
