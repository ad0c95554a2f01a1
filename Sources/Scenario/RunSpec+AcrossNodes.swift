import Hardware
import Parallelism
import YAMLSupport

extension RunSpec {
    /// Notes on the run at the GPU counts `gpus` it is simulated at (the scenario's, `--gpus`'s,
    /// a sweep's), at its `software:` (`softwareLocation`), for the counts that span nodes:
    /// - a TensorFlow 1.x profile (`tensorflow-1`, `tensorflow-1-ps`), which describes one machine
    ///   (tf_cnn_benchmarks' local modes): across nodes TensorFlow 1.x ran parameter-server
    ///   processes over gRPC or Horovod, neither of which the run prices;
    /// - a profile whose socket transport (`net_socket_streams` x `net_stream_gb_per_s`) drives
    ///   the NICs below their line rate (not InfiniBand's, where NCCL runs verbs): across nodes a
    ///   faster network changes nothing (`Scenario.simulatedCluster`).
    /// Empty where no count spans nodes, or the scenario writes no `software:`.
    public func acrossNodesNotes(gpus: [Int]) -> [ConfigError] {
        let acrossNodes = gpus.filter { $0 > cluster.gpusPerNode }
        guard !acrossNodes.isEmpty, let location = softwareLocation else { return [] }
        func note(_ message: String) -> ConfigError {
            var error = location
            error.message = message
            return error
        }
        var notes: [ConfigError] = []
        if ["tensorflow-1", "tensorflow-1-ps"].contains(software.name) {
            notes.append(note("profile '\(software.name)' describes TensorFlow 1.x on one machine (tf_cnn_benchmarks' local modes: "
                + "NCCL 1.x all-reduces within one node, parameter servers on the machine's own GPUs or CPU); the counts above "
                + "\(cluster.gpusPerNode) GPUs (\(acrossNodes.map(String.init).joined(separator: ", "))) price its "
                + "\(Self.acrossNodesWords(plannedStrategy.gradientSync.algorithm)) across nodes, which it did not run: TensorFlow 1.x "
                + "across machines ran parameter-server processes over gRPC (not modelled) or Horovod (profile horovod)"))
        }
        let communication = software.communication
        if let cap = bindingSocketCap, let nic = cluster.network?.nic, let streams = communication.socketStreams,
           let perStream = communication.streamBytesPerSecond {
            func rate(_ bytesPerSecond: Double) -> String { String(format: "%.2f", bytesPerSecond / 1e9) }
            notes.append(note("profile '\(software.name)' drives each NIC through NCCL's socket transport at "
                + "\(rate(cap)) GB/s (net_socket_streams \(streams) x net_stream_gb_per_s \(rate(perStream))), "
                + "below the \(nic.name) NIC's \(rate(nic.bytesPerSecond)) GB/s: across nodes its NICs are priced at "
                + "that rate, so a faster network changes nothing; for NCCL over InfiniBand verbs or RoCE say net_socket_streams: off"))
        }
        return notes
    }

    /// The rate the profile's socket transport drives the run's NICs at where it is below their
    /// line rate (`CommunicationMechanisms.socketCapBytesPerSecond`; not on InfiniBand NICs,
    /// where NCCL runs verbs: `Scenario.simulatedCluster`), bytes per second; nil elsewhere.
    public var bindingSocketCap: Double? {
        guard let nic = cluster.network?.nic, nic.kind != .infiniband, let cap = software.communication.socketCapBytesPerSecond,
              cap < nic.bytesPerSecond else { return nil }
        return cap
    }

    /// What a TensorFlow 1.x profile's runs across nodes price (its note): the servers, where
    /// they are, or the all-reduces.
    static func acrossNodesWords(_ algorithm: AllReduceAlgorithm) -> String {
        switch algorithm {
        case .psGPUs: return "parameter servers spread over every GPU"
        case .psHost: return "parameter servers in each node's host memory"
        default: return "\(algorithm.rawValue) all-reduces"
        }
    }
}
