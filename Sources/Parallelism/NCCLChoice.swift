/// An all-reduce algorithm of NCCL that ScaleCast models.
///
/// Cases are in NCCL's own index order (`NCCL_ALGO_TREE` 0, `NCCL_ALGO_RING` 1,
/// `NCCL_ALGO_NVLS` 4 in `src/include/device.h`), which decides ties in its choice.
/// NCCL's other algorithms (NVLS-tree, NVLS across nodes through CollNet, CollNet on
/// SHARP switches, PAT for one GPU per node) are left out: across nodes ScaleCast
/// chooses among the ring and the tree.
public enum NCCLAlgorithm: String, CaseIterable, Sendable, Hashable {
    /// The double binary tree across nodes with a chain inside each node
    /// (`src/graph/trees.cc`, `src/graph/connect.cc`), pipelined in chunks.
    case tree
    /// Rings over every rank, one per channel: reduce-scatter then all-gather.
    case ring
    /// NVLink SHARP inside one node of Hopper or later GPUs on NVSwitch: the switch
    /// sums (`multimem.ld_reduce`) and multicasts (`multimem.st`), so each GPU sends
    /// and receives about the message once instead of the ring's 2(N−1)/N times
    /// (`src/device/all_reduce.h`, `runRing`'s NVLS counterpart; `NCCLSystem+NVLS`).
    case nvls
}

/// How NCCL moves the bytes of one step between two GPUs (`NCCL_PROTO`).
///
/// Cases in NCCL's index order (`NCCL_PROTO_LL` 0, `LL128` 1, `SIMPLE` 2), which
/// decides ties in its choice. Source: NVIDIA/nccl at v2.30.7 (commit 5067397c),
/// `src/include/device.h`.
public enum NCCLProtocol: String, CaseIterable, Sendable, Hashable {
    /// Low latency: every 8-byte store carries 4 bytes of data and a 4-byte flag
    /// (`union ncclLLFifoLine`), so the receiver polls without a fence; half the
    /// bytes on the wire are flags.
    case ll = "LL"
    /// 128-byte lines of 120 bytes of data and an 8-byte flag
    /// (`NCCL_LL128_DATAELEMS` 15 of `NCCL_LL128_LINEELEMS` 16 words).
    case ll128 = "LL128"
    /// Whole chunks followed by a fence and a flag: all the bandwidth, the most latency.
    case simple = "Simple"

    /// The share of the bytes on the wire that are data: 1/2 for LL (4 data bytes
    /// per 8), 15/16 for LL128 (120 of 128), 1 for Simple. A transfer of B data bytes
    /// moves B / efficiency bytes.
    public var wireEfficiency: Double {
        switch self {
        case .ll: return 0.5
        case .ll128: return 15.0 / 16.0
        case .simple: return 1
        }
    }

    /// Data bytes in one pipelined chunk of a tree, as NCCL sizes it: a step of the
    /// protocol's buffer (`buffSizes[p] / NCCL_STEPS`, NCCL_STEPS = 8), in data bytes
    /// (`calcCollChunking` in `src/enqueue.cc`, chunkSteps 1 for trees).
    /// - Simple: 4 MiB buffer (`DEFAULT_BUFFSIZE`, `src/init.cc`) / 8 = 524,288 B.
    /// - LL: 8 lines x 512 threads x 8 steps x 16 B (`DEFAULT_LL_BUFFSIZE`) / 8 = 65,536 B,
    ///   half of it data: 32,768 B.
    /// - LL128: 120 words x 640 threads x 8 steps x 8 B (`DEFAULT_LL128_BUFFSIZE`) / 8
    ///   = 614,400 B, 15/16 of it data: 576,000 B.
    public var treeChunkBytes: Double {
        switch self {
        case .ll: return 32_768
        case .ll128: return 576_000
        case .simple: return 524_288
        }
    }
}

/// The algorithm and protocol NCCL runs one collective with.
public struct NCCLChoice: Hashable, Sendable, CustomStringConvertible {
    public var algorithm: NCCLAlgorithm
    public var proto: NCCLProtocol

    public init(_ algorithm: NCCLAlgorithm, _ proto: NCCLProtocol) {
        self.algorithm = algorithm
        self.proto = proto
    }

    /// `ring/LL128`, `tree/Simple`: NCCL's names, as `NCCL_DEBUG=INFO` prints them.
    public var description: String { "\(algorithm.rawValue)/\(proto.rawValue)" }
}

/// An algorithm and protocol NCCL could run a collective with, and its tuning model's
/// estimate of the time, seconds (`NCCLSystem.estimatedSeconds`).
public struct NCCLEstimate: Hashable, Sendable {
    public var choice: NCCLChoice
    public var seconds: Double
}
