import Calibration
import CostModel
import Foundation
import Hardware
import Parallelism
import Software
import Testing
import Workload

/// The kernel-efficiency fit on per-layer files (tools/profile_layers.py), whose
/// backward times the data and filter gradient together: the H200's catalog figures
/// come from the committed ResNet-50 file, and the fit recovers known efficiencies.
@Suite struct LayerKernelEfficiencyTests {
    static let resnet = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scenarios/validation/resnet50-h200-layer-times.csv").standardized.path

    func rows() throws -> [LayerTimes.Row] {
        try LayerTimes(csv: String(contentsOfFile: Self.resnet, encoding: .utf8), file: Self.resnet).rows
    }

    func library(_ name: String) throws -> KernelLibrary {
        try #require(ProfileCatalog.builtIn().libraries.first { $0.name == name })
    }

    /// `import kernel-times resnet50-h200-layer-times.csv --gpu H200 --library cudnn-8
    /// --memory-format nchw --algorithm-choice heuristic` gives the catalog's figures (the
    /// file was measured on PyTorch's NCHW tensors, with cudnn.benchmark off). fp32 is fitted first and kept when the tensor-core
    /// precisions are fitted, as the command does (Winograd runs at fp32's ceiling).
    @Test(arguments: [Precision.fp32, .tf32, .bf16])
    func theCatalogHoldsTheH200Fit(precision: Precision) throws {
        var spec = try #require(Catalog.builtIn().gpu(named: "H200"))
        let recorded = try #require(spec.kernelEfficiency[precision.rawValue])
        #expect(recorded["backward_data"] == recorded["backward_filter"], "one backward figure: the file times both gradients together")
        spec.kernelEfficiency = precision == .fp32 ? [:] : ["fp32": try #require(spec.kernelEfficiency["fp32"])]
        let fits = try KernelEfficiencyFit.fit(try rows(), gpu: spec, precision: precision, library: try library("cudnn-8"),
                                               memoryFormat: .nchw, algorithmChoice: .heuristic)
        #expect(fits.map(\.passes) == [[.forward], [.backwardData, .backwardFilter]])
        for fit in fits {
            for pass in fit.passes {
                let value = try #require(recorded[pass.catalogKey])
                #expect(abs(fit.efficiency - value) < 0.0005, "H200 \(precision) \(fit.name): fitted \(fit.efficiency), catalog \(value)")
            }
            #expect(!fit.clamped)
            #expect(fit.after.count == 159, "53 convolutions at 3 batches; the fully connected layer is left out")
            #expect(abs(fit.after.medianSigned) < 0.01)
        }
    }

    /// fp16 was not measured; it takes bf16's figures (one tensor-core rate on Hopper).
    @Test func fp16TakesBF16sFigures() throws {
        let spec = try #require(Catalog.builtIn().gpu(named: "H200"))
        #expect(spec.kernelEfficiency["fp16"] == spec.kernelEfficiency["bf16"])
        #expect(spec.peakFLOPsPerSecond(precision: "fp16") == spec.peakFLOPsPerSecond(precision: "bf16"))
    }

    /// Times the model itself predicts at known efficiencies are fitted back to them.
    @Test(arguments: [(Precision.fp32, "cudnn-8", 0.6, 0.4), (.bf16, "implicit-gemm", 0.3, 0.2)])
    func knownEfficienciesAreFittedBack(precision: Precision, libraryName: String, forward: Double, backward: Double) throws {
        var truth = try #require(Catalog.builtIn().gpu(named: "H200"))
        truth.kernelEfficiency = [precision.rawValue: ["forward": forward, "backward_data": backward, "backward_filter": backward]]
        if precision != .fp32 { truth.kernelEfficiency["fp32"] = ["forward": 0.5, "backward_data": 0.5, "backward_filter": 0.5] }
        let lib = try library(libraryName)
        let model = CostModel(gpu: truth, precision: precision, kernelLibrary: lib)
        let generated = try rows().filter { $0.precision == precision && $0.kind == "conv" }.map { row -> LayerTimes.Row in
            let geometry = try #require(try row.layer().convolutionGeometry)
            func time(_ passes: [ConvolutionPass]) -> Double {
                let work = ConvolutionWork(geometry: geometry, batch: Double(row.batch), fraction: 1, passes: passes)
                return passes.reduce(0) { $0 + model.chosenKernel(for: $1, of: work).seconds }
            }
            var copy = row
            copy.forwardSeconds = time([.forward])
            copy.backwardSeconds = time([.backwardData, .backwardFilter])
            return copy
        }
        var start = truth
        start.kernelEfficiency[precision.rawValue] = nil
        let fits = try KernelEfficiencyFit.fit(generated, gpu: start, precision: precision, library: lib, holdout: true)
        #expect(fits.count == 2)
        for (fit, expected) in zip(fits, [forward, backward]) {
            #expect(abs(fit.efficiency - expected) < 1e-3, "\(fit.name): fitted \(fit.efficiency), generated at \(expected)")
            #expect(fit.after.medianAbsolute < 1e-3)
            #expect(try #require(fit.heldOut).medianAbsolute < 1e-3)
        }
    }

    /// A backward time is the data plus the filter gradient: fitted as the filter
    /// gradient alone, the same time would mean a slower kernel, a lower efficiency.
    @Test func theBackwardIsBothGradientsTogether() throws {
        let header = "model,layer,kind,batch,precision,in_channels,height,width,out,kernel,stride,pad,groups,forward_ms,backward_ms\n"
        let text = header + "m,a,conv,64,bf16,256,14,14,256,3,1,1,1,0.2,0.5\n" + "m,b,fc,64,bf16,2048,1,1,1000,1,1,0,1,0.05,0.1\n"
            + "m,c,conv,64,bf16,128,28,28,128,3,1,1,1,0.2,0\n"
        let rows = try LayerTimes(csv: text, file: "l.csv").rows
        let spec = try #require(Catalog.builtIn().gpu(named: "H200"))
        let fits = try KernelEfficiencyFit.fit(rows, gpu: spec, precision: .bf16, library: try library("implicit-gemm"))
        // The fully connected row is left out; the zero backward leaves its forward in.
        #expect(fits.map(\.after.count) == [2, 1])
        let both = try #require(fits.last)
        #expect(both.passes == [.backwardData, .backwardFilter])
        let geometry = try #require(try rows[0].layer().convolutionGeometry)
        let filterOnly = try #require(KernelEfficiencyFit.fit(
            [.init(work: ConvolutionWork(geometry: geometry, batch: 64, fraction: 1, passes: [.backwardFilter]), seconds: 0.5e-3)],
            passes: [.backwardFilter], gpu: spec, precision: .bf16, library: try library("implicit-gemm")))
        // At the fitted efficiency the two gradients' predicted times add up to the measured 0.5 ms.
        var fitted = spec
        fitted.kernelEfficiency["bf16"] = ["forward": 0.5, "backward_data": both.efficiency, "backward_filter": both.efficiency]
        let model = CostModel(gpu: fitted, precision: .bf16, kernelLibrary: try library("implicit-gemm"))
        let work = ConvolutionWork(geometry: geometry, batch: 64, fraction: 1, passes: [.backwardData, .backwardFilter])
        let sum = model.chosenKernel(for: .backwardData, of: work).seconds + model.chosenKernel(for: .backwardFilter, of: work).seconds
        #expect(abs(sum / 0.5e-3 - 1) < 1e-6)
        #expect(filterOnly.efficiency < both.efficiency * 0.8)
        #expect(abs(both.after.medianSigned) < 0.01)
    }
}
