import Calibration
import Hardware
import Testing
import YAMLSupport

/// `GPUEntryWriter` writes the catalog entry `import kernel-times --out` hands a user: it must
/// load back as the GPU it was written from, or the user's measurement silently loses what the
/// built-in entry knew (and a fitted `kernel_efficiency` without `sms:` is refused outright).
@Suite struct GPUEntryWriterTests {
    /// Every built-in GPU, written and read back into the built-in catalog, is the same GPU
    /// but for the measurement note appended to `measured:`; so is one with every optional
    /// field set (no built-in GPU has a top-level `half_saturation`).
    @Test func everyGPURoundTrips() throws {
        let builtIn = try Catalog.builtIn()
        var everything = try #require(builtIn.gpu(named: "H200"))
        everything.halfSaturation = ["fp32": 123.5, "bf16": 400]
        everything.gemmCurve["tf32"] = GPUSpec.GEMMCurve(maxEfficiency: 0.61, halfSaturation: 250.25)
        everything.speedVariationCV = 0.0125
        everything.tdpWatts = 700
        everything.defaultFabric = "nvlink-mesh"
        #expect(!everything.kernelEfficiency.isEmpty && everything.streamingMultiprocessors != nil && !everything.maxEfficiency.isEmpty
                && everything.nvlink != nil && everything.defaultFabric != nil && everything.year != nil && !everything.aliases.isEmpty)
        for gpu in builtIn.gpus + [everything] {
            let text = GPUEntryWriter.yaml(gpu, measuredNote: "a note")
            var catalog = builtIn
            try catalog.read(gpus: try YAMLValue.parse(text, file: "\(gpu.name).yaml").optional("gpus"), links: nil)
            var read = try #require(catalog.gpu(named: gpu.name))
            // The new note first; the catalog's, which describes the figures replaced, marked as the earlier one.
            #expect(read.measured == "a note" + (gpu.measured.map { "; before that, the catalog's note: " + $0 } ?? ""), "\(gpu.name)")
            read.measured = gpu.measured
            #expect(read == gpu, "\(gpu.name) changed on the way through:\n\(text)")
        }
    }
}
