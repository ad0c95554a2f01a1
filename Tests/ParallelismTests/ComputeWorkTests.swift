import Parallelism
import Testing
import Workload

/// `ComputeWork`'s equality: every stored property counts, the product shape and the
/// convolution whether present or not.
@Suite struct ComputeWorkTests {
    static let geometry = ConvolutionGeometry(inputChannels: 64, outputChannels: 64, inputHeight: 28, inputWidth: 28,
                                              outputHeight: 28, outputWidth: 28, kernelHeight: 3, kernelWidth: 3)
    static let base = ComputeWork(flops: 1e9, memoryBytes: 1e7, gemm: (m: 64, n: 784, k: 576), kernels: 2, loweringBytes: 5,
                                  loweringRows: 7, convolution: ConvolutionWork(geometry: geometry, batch: 8, fraction: 1, passes: [.forward]))

    @Test func equalWhenEveryPropertyIs() {
        let copy = Self.base
        #expect(copy == Self.base)
        var rebuilt = ComputeWork(flops: 1e9, memoryBytes: 1e7, gemm: (m: 64, n: 784, k: 576), kernels: 2, loweringBytes: 5, loweringRows: 7)
        rebuilt.convolution = ConvolutionWork(geometry: Self.geometry, batch: 8, fraction: 1, passes: [.forward])
        #expect(rebuilt == Self.base)
        #expect(ComputeWork(flops: 1, memoryBytes: 2) == ComputeWork(flops: 1, memoryBytes: 2))
    }

    @Test func unequalWhenAnyPropertyDiffers() {
        let changes: [(String, (inout ComputeWork) -> Void)] = [
            ("flops", { $0.flops += 1 }), ("memoryBytes", { $0.memoryBytes += 1 }), ("kernels", { $0.kernels += 1 }),
            ("loweringBytes", { $0.loweringBytes += 1 }), ("loweringRows", { $0.loweringRows += 1 }),
            ("gemm m", { $0.gemm?.m += 1 }), ("gemm n", { $0.gemm?.n += 1 }), ("gemm k", { $0.gemm?.k += 1 }),
            ("no gemm", { $0.gemm = nil }), ("no convolution", { $0.convolution = nil }),
            ("convolution batch", { $0.convolution?.batch += 1 }), ("convolution passes", { $0.convolution?.passes = [.backwardData] }),
        ]
        for (name, change) in changes {
            var other = Self.base
            change(&other)
            #expect(other != Self.base, "\(name)")
            #expect(Self.base != other, "\(name), compared the other way")
        }
    }

    @Test func notANumberIsUnequalToItself() {
        let work = ComputeWork(flops: .nan, memoryBytes: 1)
        #expect(work != work)
    }
}

/// `ComputeWork.adding`: an autograd pass's elements at the precision's bytes, its bytes of
/// a dtype of their own (max-pool indices) as they are, both per example and scaled by the
/// share of the layer this GPU computes.
@Suite struct AutogradWorkTests {
    @Test func indexBytesDoNotScaleWithThePrecision() {
        let work = ComputeWork(flops: 10, memoryBytes: 100, kernels: 1)
        let extra = AutogradPasses.Extra(trafficElements: 3, kernels: 1, trafficBytes: 8)
        // fp32: (3 · 4 + 8) · 2 examples = 40 bytes; fp16: (3 · 2 + 8) · 2 = 28; half the layer: half.
        #expect(work.adding(extra, batch: 2, precision: .fp32).memoryBytes == 140)
        #expect(work.adding(extra, batch: 2, precision: .fp16).memoryBytes == 128)
        #expect(work.adding(extra, batch: 2, precision: .fp16, fraction: 0.5).memoryBytes == 114)
        #expect(work.adding(extra, batch: 2, precision: .fp32).kernels == 2)
        #expect(work.adding(.zero, batch: 2, precision: .fp32) == work)
    }
}
