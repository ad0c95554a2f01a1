import CostModel
import Hardware
import Parallelism
import Testing
import Workload

/// The cost model's im2col lowering term (`CostParameters.convolutionLowering`).
@Suite struct CostModelTests {
    func layer(_ build: (inout NetworkBuilder) throws -> Void) throws -> Layer {
        var b = NetworkBuilder(name: "one", input: TensorShape(channels: 8, height: 16, width: 16))
        try build(&b)
        return try b.finish().layers[1]
    }

    let gpu = GPUSpec(name: "test", architecture: "test", memoryBytes: 1e10, memoryBytesPerSecond: 1e11,
                      peakFLOPsPerSecond: ["fp32": 1e13], hostLink: "pcie3-x16", source: "test")

    /// The per-precision rates are resolved when the model is built and again whenever
    /// its GPU or parameters are set: a change after init prices the next task with it.
    @Test func settingTheGPUOrParametersAfterInitRepricesWork() {
        var model = CostModel(gpu: gpu, precision: .fp32)
        let work = ComputeWork(flops: 1e12, memoryBytes: 0, kernels: 0)
        let before = model.seconds(for: work)
        model.parameters.maxEfficiencyOverride[.fp32] = model.maxEfficiency / 2
        #expect(abs(model.seconds(for: work) / before - 2) < 1e-12)
        var faster = gpu
        faster.peakFLOPsPerSecond = ["fp32": 2e13]
        model.gpu = faster
        #expect(abs(model.seconds(for: work) / before - 1) < 1e-12)
        #expect(model.peakFLOPsPerSecond(.fp32) == 2e13)
        #expect(model.peakFLOPsPerSecond(.bf16) == 2e13)   // no bf16 figure: fp32's, as GPUSpec falls back
    }

    /// A convolution's column matrix is patch × output pixels per example; a forward
    /// pass writes and reads it once, a backward pass once per gradient kernel (the
    /// first layer has no input gradient); a fully connected layer has none.
    @Test func loweringBytesCountTheColumnMatrix() throws {
        let conv = try layer { try $0.conv("conv", out: 16, kernel: 3, pad: 1) }
        let column = Double(8 * 3 * 3) * Double(16 * 16) * 4 * 32
        #expect(LayerWork.forward(conv, batch: 32, precision: .fp32).loweringBytes == 2 * column)
        #expect(LayerWork.backward(conv, batch: 32, precision: .fp32).loweringBytes == 2 * column)
        var b = NetworkBuilder(name: "two", input: TensorShape(channels: 8, height: 16, width: 16))
        try b.conv("conv1", out: 8, kernel: 3, pad: 1)
        try b.conv("conv2", out: 16, kernel: 3, pad: 1)
        let second = try b.finish().layers[2]
        #expect(LayerWork.backward(second, batch: 32, precision: .fp32).loweringBytes == 4 * column)
        // Split output channels still unfold the whole input.
        #expect(LayerWork.forward(conv, batch: 32, precision: .fp32, fraction: 0.5).loweringBytes == 2 * column)
        let fc = try layer { try $0.fc("fc", units: 10) }
        #expect(LayerWork.forward(fc, batch: 32, precision: .fp32).loweringBytes == 0)
    }

    /// The column matrix's row segments: one per input channel, kernel offset and
    /// output row (8 × 3 × 3 × 16 per example here), counted as its bytes are.
    @Test func loweringRowsCountTheColumnMatrixRowSegments() throws {
        let conv = try layer { try $0.conv("conv", out: 16, kernel: 3, pad: 1) }
        let rows = Double(8 * 3 * 3 * 16) * 32
        #expect(LayerWork.forward(conv, batch: 32, precision: .fp32).loweringRows == rows)
        #expect(LayerWork.forward(conv, batch: 32, precision: .fp32, fraction: 0.5).loweringRows == rows)
        let strided = try layer { try $0.conv("conv", out: 16, kernel: 3, stride: 2, pad: 1) }   // 8 output rows
        #expect(LayerWork.forward(strided, batch: 32, precision: .fp32).loweringRows == Double(8 * 3 * 3 * 8) * 32)
        var b = NetworkBuilder(name: "two", input: TensorShape(channels: 8, height: 16, width: 16))
        try b.conv("conv1", out: 8, kernel: 3, pad: 1)
        try b.conv("conv2", out: 16, kernel: 3, pad: 1)
        #expect(LayerWork.backward(try b.finish().layers[2], batch: 32, precision: .fp32).loweringRows == 2 * rows)
        #expect(LayerWork.forward(try layer { try $0.fc("fc", units: 10) }, batch: 32, precision: .fp32).loweringRows == 0)
    }

    /// Implicit convolutions ignore the column traffic; im2col adds it after the
    /// roofline, at the device bandwidth or at the measured lowering bandwidth.
    @Test func im2colAddsTheColumnTrafficAfterTheRoofline() throws {
        let conv = try layer { try $0.conv("conv", out: 16, kernel: 3, pad: 1) }
        let work = LayerWork.forward(conv, batch: 32, precision: .fp32)
        var parameters = CostParameters()
        let implicit = CostModel(gpu: gpu, precision: .fp32, parameters: parameters).seconds(for: work)
        parameters.convolutionLowering = .im2col
        let lowered = CostModel(gpu: gpu, precision: .fp32, parameters: parameters).seconds(for: work)
        let bandwidth = gpu.memoryBytesPerSecond * parameters.defaultMemoryEfficiency
        #expect(abs(lowered - implicit - work.loweringBytes / bandwidth) < 1e-15)
        parameters.loweringBytesPerSecond = 5e9
        let measured = CostModel(gpu: gpu, precision: .fp32, parameters: parameters).seconds(for: work)
        #expect(abs(measured - implicit - work.loweringBytes / 5e9) < 1e-15)
        parameters.loweringRowSeconds = 10e-9
        let rowed = CostModel(gpu: gpu, precision: .fp32, parameters: parameters).seconds(for: work)
        #expect(abs(rowed - measured - work.loweringRows * 10e-9) < 1e-15 && work.loweringRows > 0)
        parameters.convolutionLowering = .implicit
        #expect(CostModel(gpu: gpu, precision: .fp32, parameters: parameters).seconds(for: work) == implicit, "rows priced without im2col")
    }

    /// A memory-bound layer streams at the GPU's measured fraction of its bandwidth where the
    /// catalog has one (`memory_efficiency:`), at the default elsewhere, and at the scenario's
    /// figure over both.
    @Test func memoryBoundWorkStreamsAtTheGPUsMeasuredFraction() throws {
        let relu = try layer { try $0.conv("conv", out: 16, kernel: 3, pad: 1); try $0.relu("relu") }
        let work = LayerWork.forward(relu, batch: 32, precision: .fp32)
        #expect(work.flops > 0 && work.memoryBytes > 0)
        var measured = gpu
        measured.memoryEfficiency = 0.5
        var parameters = CostParameters()
        let atDefault = CostModel(gpu: gpu, precision: .fp32, parameters: parameters)
        let atMeasured = CostModel(gpu: measured, precision: .fp32, parameters: parameters)
        #expect(atDefault.streamingBytesPerSecond == gpu.memoryBytesPerSecond * parameters.defaultMemoryEfficiency)
        #expect(atMeasured.streamingBytesPerSecond == gpu.memoryBytesPerSecond * 0.5)
        let launches = Double(work.kernels) * parameters.launchOverheadSeconds
        #expect(abs(atMeasured.seconds(for: work) - launches - work.memoryBytes / (gpu.memoryBytesPerSecond * 0.5)) < 1e-15)
        #expect(atMeasured.seconds(for: work) > atDefault.seconds(for: work))
        parameters.memoryEfficiencyOverride = 0.8
        #expect(CostModel(gpu: measured, precision: .fp32, parameters: parameters).streamingBytesPerSecond == gpu.memoryBytesPerSecond * 0.8)
    }
}
