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
    /// The precisions (`fp16`, `bf16`, `tf32`) the library has tensor-core kernels for; nil:
    /// every one (cuDNN 8 on, and a library that stands for implicit GEMM alone). cuDNN's
    /// tensor-core math (`CUDNN_TENSOR_OP_MATH`) came with v7 and Volta, for fp16; TF32 and
    /// bf16 with v8 and Ampere. On a GPU with tensor cores (`GPUSpec.hasTensorCores`) a
    /// precision the library has none for computes on the CUDA cores at the fp32 rate, as
    /// frameworks then ran fp16 (fp16 data, fp32 compute: TensorFlow's
    /// `TF_FP16_CONV_USE_FP32_COMPUTE`, on by default), and TF32 is plain fp32.
    public var tensorCorePrecisions: Set<String>?

    public init(name: String, summary: String, algorithms: [ConvolutionPass: [ConvolutionAlgorithm]], source: String,
                groupedDirectKernels: Bool = false, tensorCorePrecisions: Set<String>? = nil) {
        self.name = name
        self.summary = summary
        self.algorithms = algorithms
        self.source = source
        self.groupedDirectKernels = groupedDirectKernels
        self.tensorCorePrecisions = tensorCorePrecisions
    }

    /// Whether the library has tensor-core kernels for `precision` (`tensorCorePrecisions`).
    public func hasTensorCoreKernels(for precision: String) -> Bool { tensorCorePrecisions?.contains(precision) ?? true }

    /// The algorithms offered for `pass` (implicit GEMM when the entry lists none).
    public func offered(for pass: ConvolutionPass) -> [ConvolutionAlgorithm] {
        algorithms[pass] ?? [.implicitGEMM]
    }

    static let passKeys: [ConvolutionPass: String] = [.forward: "forward", .backwardData: "backward_data", .backwardFilter: "backward_filter"]

    /// Reads one entry of `libraries.yaml`: `name`, `summary`, `forward`, `backward_data`, `backward_filter`, `source`,
    /// and optionally `grouped_direct_kernels` (default false) and `tensor_core_precisions` (a
    /// list of `fp16`, `bf16`, `tf32`; default: every one).
    init(catalogEntry yaml: YAMLValue) throws {
        try yaml.checkKeys(["name", "summary", "forward", "backward_data", "backward_filter", "source", "grouped_direct_kernels",
                            "tensor_core_precisions"])
        var tensorCorePrecisions: Set<String>?
        if let node = try yaml.optional("tensor_core_precisions") {
            tensorCorePrecisions = Set(try node.items().map { try $0.oneOf(["fp16", "bf16", "tf32"]) })
        }
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
                  tensorCorePrecisions: tensorCorePrecisions)
    }
}
