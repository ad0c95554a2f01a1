/// How the GPUs of a run share the training work.
public enum Strategy: Sendable, Equatable {
    /// Every GPU holds the whole model and its own batch; gradients are all-reduced.
    case data(DataParallelOptions)

    /// The strategy's name in tables and JSON (`data`).
    public var name: String {
        switch self {
        case .data: return "data"
        }
    }

    /// A short description for labels, e.g. `data (ring, 25 MB buckets)`.
    public var summary: String {
        switch self {
        case .data(let o):
            let buckets = o.bucketBytes.map { "\(formatMB($0)) MB buckets" } ?? "after backward"
            return "data (\(o.algorithm.rawValue), \(buckets))"
        }
    }
}

/// Options of plain data parallelism.
public struct DataParallelOptions: Sendable, Equatable {
    public var algorithm: AllReduceAlgorithm
    /// Gradients are all-reduced in buckets of at least this many bytes, each as soon
    /// as the backward pass has produced it (as PyTorch DDP's `bucket_cap_mb`);
    /// nil synchronizes all gradients once the backward pass is over.
    public var bucketBytes: Double?

    public init(algorithm: AllReduceAlgorithm = .ring, bucketBytes: Double? = 25e6) {
        self.algorithm = algorithm
        self.bucketBytes = bucketBytes
    }
}

func formatMB(_ bytes: Double) -> String {
    let mb = bytes / 1e6
    return mb == mb.rounded() ? String(Int(mb)) : String(format2(mb))
}

private func format2(_ x: Double) -> String {
    let scaled = (x * 100).rounded() / 100
    return "\(scaled)"
}
