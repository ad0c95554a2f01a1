import Workload
import YAMLSupport

/// A generation of a kernel library (cuDNN 5.1, cuDNN 8...): the convolution
/// algorithms it offers for each pass. Which one runs is the cost model's choice:
/// the fastest that fits the profile's workspace limit, as cuDNN's
/// `cudnnFind*` / benchmark mode picks the fastest measured algorithm.
public struct KernelLibrary: Sendable, Equatable {
    public var name: String
    public var summary: String
    /// The algorithms offered for each pass; implicit GEMM is always among them.
    public var algorithms: [ConvolutionPass: [ConvolutionAlgorithm]]
    /// Where the list of algorithms comes from (release notes, API reference).
    public var source: String
    /// Whether the library takes a grouped convolution in one call and has direct
    /// kernels for it (cuDNN's `cudnnSetConvolutionGroupCount` from v7; kernels named
    /// `conv2d_grouped_direct_kernel`, `dgrad2d_grouped_direct_kernel` and
    /// `wgrad2d_grouped_direct_kernel` in public profiles of later versions), so
    /// `direct` is a candidate for every grouped convolution, not only depthwise ones;
    /// false: a grouped convolution is one implicit GEMM per group, as frameworks ran it
    /// before cuDNN 7 (some still call a newer library group by group:
    /// `ExecutionProfile.groupedConvolutionsPerGroup`).
    public var groupedDirectKernels: Bool
    /// Whether the library has tensor-core kernels (cuDNN from v7, whose
    /// `CUDNN_TENSOR_OP_MATH` came with Volta); false: on a GPU whose fp16, bf16 and TF32
    /// rates are its tensor cores' (`GPUSpec.hasTensorCores`), the library computes those
    /// precisions' convolutions on the CUDA cores at the fp32 rate, as frameworks then ran
    /// fp16 convolutions (fp16 data, fp32 compute: TensorFlow's
    /// `TF_FP16_CONV_USE_FP32_COMPUTE`, on by default).
    public var tensorCoreKernels: Bool

    public init(name: String, summary: String, algorithms: [ConvolutionPass: [ConvolutionAlgorithm]], source: String,
                groupedDirectKernels: Bool = false, tensorCoreKernels: Bool = true) {
        self.name = name
        self.summary = summary
        self.algorithms = algorithms
        self.source = source
        self.groupedDirectKernels = groupedDirectKernels
        self.tensorCoreKernels = tensorCoreKernels
    }

    /// The algorithms offered for `pass` (implicit GEMM when the entry lists none).
    public func offered(for pass: ConvolutionPass) -> [ConvolutionAlgorithm] {
        algorithms[pass] ?? [.implicitGEMM]
    }

    static let passKeys: [ConvolutionPass: String] = [.forward: "forward", .backwardData: "backward_data", .backwardFilter: "backward_filter"]

    /// Reads one entry of `libraries.yaml`: `name`, `summary`, `forward`, `backward_data`, `backward_filter`, `source`,
    /// and optionally `grouped_direct_kernels` (default false) and `tensor_core_kernels` (default true).
    init(catalogEntry yaml: YAMLValue) throws {
        try yaml.checkKeys(["name", "summary", "forward", "backward_data", "backward_filter", "source", "grouped_direct_kernels",
                            "tensor_core_kernels"])
        var algorithms: [ConvolutionPass: [ConvolutionAlgorithm]] = [:]
        for pass in ConvolutionPass.allCases {
            let node = try yaml.required(Self.passKeys[pass]!)
            var list: [ConvolutionAlgorithm] = []
            for item in try node.items() {
                let algorithm = ConvolutionAlgorithm(rawValue: try item.oneOf(ConvolutionAlgorithm.allCases.map(\.rawValue)))!
                guard !list.contains(algorithm) else { throw item.error("'\(algorithm.rawValue)' is listed twice") }
                list.append(algorithm)
            }
            guard list.contains(.implicitGEMM) else { throw node.error("every library offers implicit-gemm; list it") }
            algorithms[pass] = list
        }
        self.init(name: try yaml.required("name").string(), summary: try yaml.required("summary").string(),
                  algorithms: algorithms, source: try yaml.required("source").string(),
                  groupedDirectKernels: try yaml.optional("grouped_direct_kernels")?.bool() ?? false,
                  tensorCoreKernels: try yaml.optional("tensor_core_kernels")?.bool() ?? true)
    }
}
