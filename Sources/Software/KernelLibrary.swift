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
    /// Whether the library runs all groups of a grouped convolution in one kernel
    /// (cuDNN from v7, `cudnnSetConvolutionGroupCount`), whose thread blocks take as
    /// many groups as fit their output tile (`ConvolutionKernel.packedGroupDimension`);
    /// false: the framework calls the library once per group, each group a product of
    /// its own, as Caffe, MXNet and Torch did before cuDNN 7.
    public var groupsInOneKernel: Bool

    public init(name: String, summary: String, algorithms: [ConvolutionPass: [ConvolutionAlgorithm]], source: String,
                groupsInOneKernel: Bool = false) {
        self.name = name
        self.summary = summary
        self.algorithms = algorithms
        self.source = source
        self.groupsInOneKernel = groupsInOneKernel
    }

    /// The algorithms offered for `pass` (implicit GEMM when the entry lists none).
    public func offered(for pass: ConvolutionPass) -> [ConvolutionAlgorithm] {
        algorithms[pass] ?? [.implicitGEMM]
    }

    static let passKeys: [ConvolutionPass: String] = [.forward: "forward", .backwardData: "backward_data", .backwardFilter: "backward_filter"]

    /// Reads one entry of `libraries.yaml`: `name`, `summary`, `forward`, `backward_data`, `backward_filter`, `source`,
    /// and optionally `groups_in_one_kernel` (default false).
    init(catalogEntry yaml: YAMLValue) throws {
        try yaml.checkKeys(["name", "summary", "forward", "backward_data", "backward_filter", "source", "groups_in_one_kernel"])
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
                  groupsInOneKernel: try yaml.optional("groups_in_one_kernel")?.bool() ?? false)
    }
}
