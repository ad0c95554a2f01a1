import CostModel
import Foundation
import Parallelism
import Testing
import Scenario
import ScaleCastCLI
import Software
import Workload
import YAMLSupport

/// `kernel_library:` and `workspace_mb:` in a profile: the built-in libraries, and bad input located.
@Suite struct KernelLibraryTests {
    @Test func theBuiltInLibrariesParseAndCiteTheirSource() throws {
        let catalog = try ProfileCatalog.builtIn()
        let names = catalog.libraries.map(\.name)
        for name in ["implicit-gemm", "cudnn-3", "cudnn-4", "cudnn-5", "cudnn-5.1", "cudnn-7", "cudnn-8"] {
            #expect(names.contains(name), "missing library \(name)")
        }
        for library in catalog.libraries {
            #expect(library.source.count > 40, "\(library.name): the source is too thin")
            for pass in ConvolutionPass.allCases { #expect(library.offered(for: pass).contains(.implicitGEMM)) }
        }
        // Fused Winograd arrives with cuDNN 5, the non-fused kernels with 5.1.
        let v5 = try #require(catalog.libraries.first { $0.name == "cudnn-5" })
        #expect(v5.offered(for: .forward).contains(.winogradFused) && !v5.offered(for: .forward).contains(.winogradNonfused))
        #expect(!v5.offered(for: .backwardFilter).contains(.winogradFused))
    }

    @Test func aScenarioNamesALibraryAndAWorkspaceLimit() throws {
        let s = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: ideal, kernel_library: cudnn-5.1, workspace_mb: 8}")))
        let p = s.runs[0].software
        #expect(p.kernelLibrary?.name == "cudnn-5.1" && p.workspaceLimitBytes == 8 * 1_048_576)
        #expect(!p.isIdeal && p.overridden == ["kernel_library", "workspace_mb"])
        #expect(s.runs[0].costModel.kernelLibrary?.name == "cudnn-5.1")
    }

    /// `algorithm_choice` is a profile field a scenario may override; it reaches the cost
    /// model, and a profile that asks cuDNN's heuristic models more than the hardware alone.
    @Test func aScenarioMayAskForCuDNNsHeuristicChoice() throws {
        let s = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: ideal, kernel_library: cudnn-7, algorithm_choice: heuristic}")))
        let p = s.runs[0].software
        #expect(p.algorithmChoice == .heuristic && p.overridden == ["kernel_library", "algorithm_choice"])
        #expect(s.runs[0].costModel.algorithmChoice == .heuristic)
        let plain = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: ideal, algorithm_choice: heuristic}")))
        #expect(!plain.runs[0].software.isIdeal)
        let fastest = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: ideal, kernel_library: cudnn-7}")))
        #expect(fastest.runs[0].costModel.algorithmChoice == .fastest)
    }

    /// cuDNN before v7 has no tensor-core kernels: an fp16 run on a V100 under cuDNN 5.1 is told its
    /// convolutions run on the CUDA cores, at the key that names the library; under cuDNN 7, in fp32,
    /// or on a P100 (whose fp16 peak is its CUDA cores'), nothing is said.
    @Test func anFP16RunUnderALibraryWithoutTensorCoreKernelsIsTold() throws {
        func notes(precision: String, library: String, gpu: String = "V100") throws -> [ConfigError] {
            let text = scenario(precision: precision, extra: "software: {profile: ideal, kernel_library: \(library)}")
                .replacingOccurrences(of: "gpu: V100", with: "gpu: \(gpu)")
            return try Scenario.load(path: try temporaryScenario(text)).runs[0].unusedKeys.filter { $0.message.contains("tensor-core kernels") }
        }
        let told = try notes(precision: "fp16", library: "cudnn-5.1")
        #expect(told.count == 1 && told[0].keyPath == "software" && told[0].line != nil, "\(told)")
        #expect(told.first?.message.contains("fp32 rate") == true)
        #expect(try notes(precision: "fp16", library: "cudnn-7").isEmpty)
        #expect(try notes(precision: "fp32", library: "cudnn-5.1").isEmpty)
        #expect(try notes(precision: "fp16", library: "cudnn-5.1", gpu: "P100-SXM2").isEmpty)
        let libraries = try ProfileCatalog.builtIn().libraries
        for library in libraries {
            let expected: Set<String>? = ["cudnn-3", "cudnn-4", "cudnn-5", "cudnn-5.1"].contains(library.name) ? []
                : library.name == "cudnn-7" ? ["fp16"] : nil
            #expect(library.tensorCorePrecisions == expected, "\(library.name)")
        }
        // TF32 under cuDNN 7 on an A100: told it is plain fp32, and pointed at cuDNN 8.
        let tf32 = try Scenario.load(path: try temporaryScenario(scenario(precision: "tf32", extra: "software: {profile: ideal, kernel_library: cudnn-7}")
            .replacingOccurrences(of: "gpu: V100", with: "gpu: A100-SXM4-80GB"))).runs[0].unusedKeys.filter { $0.message.contains("tensor-core kernels") }
        #expect(tf32.count == 1 && tf32[0].message.contains("plain fp32") && tf32[0].message.contains("kernel_library: cudnn-8"), "\(tf32)")
    }

    /// A library's tensor-core precisions are fp16, bf16 or tf32: another is refused at its item.
    @Test func anUnknownTensorCorePrecisionIsRefused() throws {
        let yaml = try YAMLValue.parse("""
            libraries:
              - {name: odd, summary: s, forward: [implicit-gemm], backward_data: [implicit-gemm], backward_filter: [implicit-gemm],
                 source: x, tensor_core_precisions: [fp16, fp8]}
            """, file: "libraries.yaml")
        #expect { _ = try ProfileCatalog.readLibraries(yaml) } throws: { "\($0)".contains("libraries.yaml:3") && "\($0)".contains("fp8") }
    }

    @Test func aLibraryWithoutImplicitGEMMIsRefused() throws {
        let yaml = try YAMLValue.parse("""
            libraries:
              - {name: odd, summary: s, forward: [fft], backward_data: [implicit-gemm], backward_filter: [implicit-gemm], source: x}
            """, file: "libraries.yaml")
        #expect(throws: ConfigError.self) { _ = try ProfileCatalog.readLibraries(yaml) }
    }

    /// Stacks that call the library once per group say so (`grouped_convolutions: per-group`);
    /// a scenario may say either way, and nothing else.
    @Test func groupedConvolutionsPerGroupIsAProfileField() throws {
        let catalog = try ProfileCatalog.builtIn()
        for name in ["caffe-p2psync", "tensorflow-1", "tensorflow-1-ps"] {
            #expect(try #require(catalog.profile(named: name)).groupedConvolutionsPerGroup, "\(name)")
        }
        #expect(try !#require(catalog.profile(named: "pytorch-ddp")).groupedConvolutionsPerGroup)
        let caffe = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: caffe-p2psync, kernel_library: cudnn-7}")))
        #expect(caffe.runs[0].costModel.groupedConvolutionsPerGroup)
        let overridden = try Scenario.load(path: try temporaryScenario(scenario(
            extra: "software: {profile: caffe-p2psync, kernel_library: cudnn-7, grouped_convolutions: library}")))
        #expect(!overridden.runs[0].costModel.groupedConvolutionsPerGroup)
        let bad = try scenarioError("software: {profile: caffe-p2psync, grouped_convolutions: sometimes}")
        #expect(bad.keyPath == "software.grouped_convolutions" && bad.line == 9)
    }

    @Test func groupedDirectKernelsMustBeABoolean() throws {
        let yaml = try YAMLValue.parse("""
            libraries:
              - {name: odd, summary: s, forward: [implicit-gemm], backward_data: [implicit-gemm],
                 backward_filter: [implicit-gemm], source: x, grouped_direct_kernels: maybe}
            """, file: "libraries.yaml")
        let error = try #require(throws: ConfigError.self) { _ = try ProfileCatalog.readLibraries(yaml) }
        #expect(error.file == "libraries.yaml" && error.keyPath.hasSuffix("grouped_direct_kernels") && error.line == 3)
        let fine = try ProfileCatalog.readLibraries(YAMLValue.parse("""
            libraries:
              - {name: odd, summary: s, forward: [implicit-gemm], backward_data: [implicit-gemm],
                 backward_filter: [implicit-gemm], source: x, grouped_direct_kernels: true}
            """, file: "libraries.yaml"))
        #expect(fine.first?.groupedDirectKernels == true)
    }

    func error(_ extra: String) throws -> ConfigError { try scenarioError(extra) }

    @Test func badInputIsLocated() throws {
        let unknown = try error("software: {profile: ideal, kernel_library: cudnn-99}")
        #expect(unknown.keyPath == "software.kernel_library" && unknown.line == 9 && unknown.message.contains("cudnn-8"))
        let negative = try error("software: {profile: ideal, workspace_mb: -1}")
        #expect(negative.keyPath == "software.workspace_mb" && negative.line == 9)
        let choice = try error("software: {profile: ideal, algorithm_choice: cudnnfind}")
        #expect(choice.keyPath == "software.algorithm_choice" && choice.line == 9 && choice.message.contains("heuristic"))
        let path = try temporaryScenario(scenario(extra: "software: {profile: ideal, kernel_library: winograd}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains("software.kernel_library"))
    }

    /// The footprint counts the largest workspace the chosen kernels use, and a
    /// kernel whose workspace would not fit beside the tensors is not chosen. (Under
    /// cuDNN's heuristic choice, so that the FFT, whose workspace is larger still, is
    /// out of the running and the fall-back is from non-fused Winograd.)
    @Test func workspacesCountInMemoryAndMustFitBesideTheTensors() throws {
        func run(batch: Int) throws -> RunSpec {
            let text = """
                name: workspace
                model: vgg16
                batch_per_gpu: \(batch)
                cluster: {gpu: V100, gpus_per_node: 1}
                gpus: [1]
                software: {profile: ideal, kernel_library: cudnn-7, algorithm_choice: heuristic}
                """
            return try Scenario.load(path: try temporaryScenario(text)).runs[0]
        }
        let small = try run(batch: 16)
        let setup = small.setup(gpus: 1)
        let footprint = try small.memoryFootprint(for: setup)
        let tensors = try MemoryFootprint.estimate(setup, strategy: small.strategy, reservedBytes: small.costParameters.reservedMemoryBytes)
        #expect(footprint.workspaceBytes > 0)
        #expect(footprint.totalBytes == tensors.totalBytes + footprint.workspaceBytes)
        // At 64 images the tensors leave about 10 GB, at 128 about 4 GB: conv1_2's
        // non-fused Winograd filter gradient (about 3.5 GB at 64, twice that at 128) no longer fits.
        let conv12 = try #require(small.network.layers.first { $0.name == "conv1_2" })
        for batch in [64, 128] {
            let r = try run(batch: batch)
            let cost = try r.costModel(for: r.setup(gpus: 1))
            let work = try #require(LayerWork.backward(conv12, batch: batch, precision: .fp32).convolution)
            let chosen = cost.chosenKernel(for: .backwardFilter, of: work)
            let unlimited = CostModel(gpu: r.cluster.gpu, precision: .fp32, kernelLibrary: r.software.kernelLibrary, algorithmChoice: .heuristic)
                .chosenKernel(for: .backwardFilter, of: work)
            #expect(unlimited.kernel.algorithm == .winogradNonfused)
            let limit = try #require(cost.workspaceLimitBytes)
            #expect(chosen.kernel.workspaceBytes <= limit)
            #expect((chosen.kernel.algorithm == .winogradNonfused) == (batch == 64), "batch \(batch) ran \(chosen.kernel.algorithm)")
            #expect(try r.memoryFootprint(for: r.setup(gpus: 1)).totalBytes <= r.cluster.gpu.memoryBytes)
        }
    }
}
