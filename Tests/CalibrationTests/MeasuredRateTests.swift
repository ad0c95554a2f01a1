import Calibration
import Foundation
import Hardware
import Parallelism
import Testing
import Workload
import YAMLSupport

/// What the importers refuse before fitting (`MeasuredRate`): rows in a precision the
/// GPU has no units for, and times faster than the GPU can run the work.
@Suite struct MeasuredRateTests {
    static let header = "model,layer,kind,batch,precision,in_channels,height,width,out,kernel,stride,pad,groups,forward_ms,backward_ms\n"
    /// ResNet-50's first convolution at batch 32 on an H200: 7.6 GFLOP forward in 0.39 ms.
    static let conv1 = "resnet50,conv1,conv,32,fp32,3,224,224,64,7,2,3,1,0.39301,0.93800\n"

    func gpu(_ name: String) throws -> GPUSpec { try #require(try Catalog.builtIn().gpu(named: name)) }

    func refusal(_ check: () throws -> Void) -> ConfigError? {
        do { try check() } catch let error as ConfigError { return error } catch { Issue.record("\(error)") }
        return nil
    }

    @Test func layerTimesInAPrecisionTheGPULacksAreRefusedNamingItsFallback() throws {
        let v100 = try gpu("V100-SXM2-16GB")
        let tf32 = try LayerTimes(csv: Self.header + Self.conv1 + Self.conv1.replacingOccurrences(of: "fp32", with: "tf32"), file: "t.csv")
        let error = refusal { try tf32.check(on: v100, precisions: Set(Precision.allCases)) }
        #expect(error?.line == 3 && error?.message.contains("no tf32 peak") == true && error?.message.contains("label these rows fp32") == true,
                "\(String(describing: error))")
        // Only the precisions fitted are checked.
        #expect(refusal { try tf32.check(on: v100, precisions: [.fp32]) } == nil)
        let bf16 = try LayerTimes(csv: Self.header + Self.conv1.replacingOccurrences(of: "fp32", with: "bf16"), file: "t.csv")
        #expect(refusal { try bf16.check(on: v100, precisions: [.bf16]) }?.message.contains("label these rows fp16") == true)
    }

    /// The forward time in seconds where milliseconds belong (1,000 times too fast) is refused,
    /// though Winograd or FFT could save up to the filter's 49 multiplications; the real one passes.
    @Test func layerTimesFasterThanThePeakAreRefused() throws {
        let h200 = try gpu("H200")
        let real = try LayerTimes(csv: Self.header + Self.conv1, file: "t.csv")
        #expect(refusal { try real.check(on: h200, precisions: [.fp32]) } == nil)
        let seconds = try LayerTimes(csv: Self.header + Self.conv1.replacingOccurrences(of: "0.39301", with: "0.00039301"), file: "t.csv")
        let error = refusal { try seconds.check(on: h200, precisions: [.fp32]) }
        #expect(error?.line == 2 && error?.message.hasPrefix("'forward_ms'") == true && error?.message.contains("49x") == true,
                "\(String(describing: error))")
        // The backward pass does twice the forward's work: a time half the forward's limit is refused there.
        let backward = try LayerTimes(csv: Self.header + Self.conv1.replacingOccurrences(of: "0.93800", with: "0.00093800"), file: "t.csv")
        #expect(refusal { try backward.check(on: h200, precisions: [.fp32]) }?.message.hasPrefix("'backward_ms'") == true)
    }

    /// A forward pass takes time; a backward of 0 is what tools/profile_layers.py writes where
    /// the backward was lost in the forward's noise, and is kept (fits skip it).
    @Test func aForwardTimeOfZeroIsRefusedABackwardOfZeroKept() throws {
        let zeroForward = refusal { _ = try LayerTimes(csv: Self.header + Self.conv1.replacingOccurrences(of: "0.39301", with: "0"), file: "t.csv") }
        #expect(zeroForward?.line == 2 && zeroForward?.message.contains("forward_ms") == true)
        let kept = try LayerTimes(csv: Self.header + Self.conv1.replacingOccurrences(of: "0.93800", with: "0.00000"), file: "t.csv")
        #expect(kept.rows.first?.backwardSeconds == 0)
    }

    /// Two timings of one layer would count it twice in the fit.
    @Test func aLayerTimedTwiceIsRefusedNamingTheFirstLine() throws {
        let other = Self.conv1.replacingOccurrences(of: ",32,", with: ",64,")
        #expect(throws: Never.self) { try LayerTimes(csv: Self.header + Self.conv1 + other, file: "t.csv") }
        let error = refusal { _ = try LayerTimes(csv: Self.header + Self.conv1 + other + Self.conv1, file: "t.csv") }
        #expect(error?.line == 4 && error?.message.contains("line 2") == true, "\(String(describing: error))")
    }

    @Test func kernelTimesFasterThanThePeakAreRefusedInThePrecisionsFitted() throws {
        let header = "precision,w,h,c,n,k,filter_w,filter_h,pad_w,pad_h,stride_w,stride_h,forward_ms,backward_inputs_ms,backward_params_ms\n"
        // 3x3, 64 to 64 channels on 56x56, batch 8: 3.7 GFLOP a pass; at 0.001 ms, 3,700 TFLOP/s.
        let times = try KernelTimes(csv: header + "fp32,56,56,64,8,64,3,3,1,1,1,1,1.2,1.3,0.001\ntf32,56,56,64,8,64,3,3,1,1,1,1,0.9,0.9,0.9\n"
                                    + "fp16,56,56,64,8,64,3,3,1,1,1,1,0.9,0.9,0.9\n", file: "k.csv")
        let titanBlack = try gpu("TitanBlack")
        let error = refusal { try times.check(on: titanBlack, precisions: [.fp32]) }
        #expect(error?.line == 2 && error?.message.hasPrefix("'backward_params_ms'") == true, "\(String(describing: error))")
        // The Titan Black has no TF32: its runs in tf32 are priced as fp32, so its tf32 row is refused where tf32 is fitted.
        let tf32 = refusal { try times.check(on: titanBlack, precisions: [.tf32]) }
        #expect(tf32?.line == 3 && tf32?.message.contains("no tf32 peak") == true && tf32?.message.contains("label these rows fp32") == true)
        // Nor fp16 units, but its fp16 runs stay fp16 (half-size tensors computed in fp32): that fit is used, so kept.
        #expect(refusal { try times.check(on: titanBlack, precisions: [.fp16]) } == nil)
    }

    /// The project's own measurements pass the checks they were fitted through.
    @Test func theCommittedMeasurementsPass() throws {
        let deepbench = "scenarios/validation/deepbench/V100-conv-train.csv", layers = "scenarios/validation/resnet50-h200-layer-times.csv"
        let kernels = try KernelTimes(csv: try String(contentsOfFile: deepbench, encoding: .utf8), file: deepbench)
        try kernels.check(on: try gpu("V100-SXM2-16GB"), precisions: [.fp32, .fp16])
        let layerTimes = try LayerTimes(csv: try String(contentsOfFile: layers, encoding: .utf8), file: layers)
        try layerTimes.check(on: try gpu("H200"), precisions: Set(Precision.allCases))
    }

    @Test func aHeaderNamingAColumnTwiceIsRefused() {
        let error = refusal { _ = try CSVTable("a,b,A\n1,2,3\n", file: "x.csv") }
        #expect(error?.line == 1 && error?.message.contains("'a' twice") == true)
    }

    /// A column the header lacks is the header's problem: reported at its line (after two
    /// comment lines here), with the columns it has, not at the first data row.
    @Test func aMissingColumnIsReportedAtTheHeader() throws {
        let table = try CSVTable("# one\n# two\na,b\n1,2\n", file: "x.csv")
        let error = refusal { _ = try table.rows[0].cell("forward_ms") }
        #expect(error?.line == 3 && error?.message == "the header has no 'forward_ms' column (columns: a,b)", "\(String(describing: error))")
    }
}
