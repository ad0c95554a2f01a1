import CostModel
import Hardware
import Parallelism
import Simulation
import Software
import Testing
import Workload

/// `ComputePrices`: one price per task, each what the cost model gives its work,
/// whatever the order of the tasks and however the works in one (layer, pass) slot differ.
@Suite struct ComputePricesTests {
    let gpu = Fixtures.catalog.gpu(named: "A100-SXM4-80GB")!

    func convolution(channels: Int, batch: Double) -> ConvolutionWork {
        let geometry = ConvolutionGeometry(inputChannels: channels, outputChannels: 64, groups: 1, inputHeight: 28, inputWidth: 28,
                                           outputHeight: 28, outputWidth: 28, kernelHeight: 3, kernelWidth: 3,
                                           strideHeight: 1, strideWidth: 1)
        return ConvolutionWork(geometry: geometry, batch: batch, fraction: 1, passes: [.forward])
    }

    /// Every price equals `cost.seconds(for:)` of its own task's work, for a plan whose
    /// (layer, pass) slots alternate between works (uneven slices), tasks of no layer,
    /// and transfers and collectives between them (priced 0); with and without a kernel library.
    @Test(arguments: [false, true])
    func eachPriceIsItsOwnWorks(withLibrary: Bool) throws {
        let library = try #require(ProfileCatalog.builtIn().libraries.first { $0.name == "cudnn-7" })
        let cost = CostModel(gpu: gpu, precision: .fp32, kernelLibrary: withLibrary ? library : nil)
        var graph = TaskGraph(gpus: 2, steps: 1)
        var expected: [Double] = []
        var previous: [Int] = []
        for round in 0..<3 {
            for gpu in 0..<2 {
                // Layer 1's forward differs by GPU (its slice) and round; layer 2's is the same everywhere.
                let uneven = ComputeWork(flops: 1e9 * Double(1 + gpu + round), memoryBytes: 1e7, gemm: (m: 64, n: 784, k: 576),
                                         convolution: convolution(channels: 64, batch: Double(8 + gpu)))
                let even = ComputeWork(flops: 2e9, memoryBytes: 2e7, convolution: convolution(channels: 32, batch: 8))
                let loose = ComputeWork(flops: 1e6 * Double(1 + round), memoryBytes: 1e5)
                for (layer, work) in [(1, uneven), (2, even), (nil, loose)] as [(Int?, ComputeWork)] {
                    let id = graph.add(.forward, label: "f", layer: layer, device: gpu, work: .compute(work), after: previous, step: 0)
                    previous = [id]
                    expected.append(cost.seconds(for: work))
                }
                previous = [graph.add(.transfer, label: "t", device: gpu, work: .transfer(bytes: 1e6, destination: 1 - gpu),
                                      after: previous, step: 0)]
                expected.append(0)
            }
        }
        let prices = ComputePrices.seconds(of: graph, cost: cost)
        #expect(prices == expected)
        #expect(Set(prices).count > 4, "the plan's works should not all cost the same")
    }
}
