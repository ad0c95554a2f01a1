import Foundation

/// The valid inputs mutations start from: the repository's scenarios, measured
/// CSVs and profile, and sweep shards the binary under test wrote.
public struct FuzzCorpus: Sendable {
    /// Scenario file names (for the notes) and texts.
    public var scenarios: [(name: String, text: String)]
    public var layerTimesCSVs: [String]
    public var gemmCSV: String
    public var profile: String
    /// The JSON shards of one sweep, in shard order.
    public var shards: [String]

    public init(scenarios: [(name: String, text: String)], layerTimesCSVs: [String], gemmCSV: String, profile: String,
                shards: [String]) {
        self.scenarios = scenarios
        self.layerTimesCSVs = layerTimesCSVs
        self.gemmCSV = gemmCSV
        self.profile = profile
        self.shards = shards
    }

    /// A small scenario that simulates in well under a second; the flags and file-name
    /// families use it so that what they exercise is the flag or the name.
    public static let smallScenario = """
        name: fuzz base
        model: alexnet-owt
        batch_per_gpu: 64
        precision: fp32
        cluster:
          gpu: V100
          gpus_per_node: 4
          fabric: pcie-tree
          network: {link: ib-hdr, nics_per_node: 1}
        strategy: {kind: data, allreduce: ring, bucket_mb: 25}
        training: {images: 1281167, epochs: 90}
        pricing: {mode: cloud, cloud_per_gpu_hour: 2.5}
        gpus: [1, 2, 4]

        """

    /// The sweep whose shards `merge` cases start from.
    public static let shardArguments = ["--vary", "gpus=1,2,4", "--vary", "batch_per_gpu=32,64"]

    /// Reads the corpus from a checkout at `root`; `shards` come from the caller, who runs the binary.
    public static func load(root: String, shards: [String]) throws -> FuzzCorpus {
        let scenariosDir = root + "/scenarios"
        let files = (FileManager.default.enumerator(atPath: scenariosDir)?.compactMap { $0 as? String } ?? []).sorted()
        var scenarios: [(String, String)] = []
        for file in files where file.hasSuffix(".yaml") && !file.hasPrefix("catalog") && !file.contains("profile") {
            scenarios.append((file, try String(contentsOfFile: scenariosDir + "/" + file, encoding: .utf8)))
        }
        let validation = scenariosDir + "/validation/"
        return FuzzCorpus(
            scenarios: scenarios,
            layerTimesCSVs: try ["alexnet-h200-layer-times.csv", "resnet50-h200-layer-times.csv"].map {
                try String(contentsOfFile: validation + $0, encoding: .utf8)
            },
            gemmCSV: try String(contentsOfFile: validation + "h200-cublas-gemm.csv", encoding: .utf8),
            profile: try String(contentsOfFile: validation + "h200-profile.yaml", encoding: .utf8),
            shards: shards)
    }
}
