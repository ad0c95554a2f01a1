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

    public init(name: String, summary: String, algorithms: [ConvolutionPass: [ConvolutionAlgorithm]], source: String,
                groupedDirectKernels: Bool = false) {
        self.name = name
        self.summary = summary
        self.algorithms = algorithms
        self.source = source
        self.groupedDirectKernels = groupedDirectKernels
    }

    /// The algorithms offered for `pass` (implicit GEMM when the entry lists none).
    public func offered(for pass: ConvolutionPass) -> [ConvolutionAlgorithm] {
        algorithms[pass] ?? [.implicitGEMM]
    }

    static let passKeys: [ConvolutionPass: String] = [.forward: "forward", .backwardData: "backward_data", .backwardFilter: "backward_filter"]

    /// Reads one entry of `libraries.yaml`: `name`, `summary`, `forward`, `backward_data`, `backward_filter`, `source`,
    /// and optionally `grouped_direct_kernels` (default false).
    init(catalogEntry yaml: YAMLValue) throws {
        try yaml.checkKeys(["name", "summary", "forward", "backward_data", "backward_filter", "source", "grouped_direct_kernels"])
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
                  groupedDirectKernels: try yaml.optional("grouped_direct_kernels")?.bool() ?? false)
    }
}
