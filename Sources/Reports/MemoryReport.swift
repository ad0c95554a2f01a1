import Parallelism

/// `explain`'s and `report`'s memory sections: what one GPU holds to train (`MemoryFootprint`), part by
/// part, against the board's memory, so that "does it fit" comes with why.
public enum MemoryReport {
    /// One part of the footprint: what it is and its bytes, in the order `explain` prints them.
    public struct Part: Sendable, Equatable {
        public var name: String
        public var bytes: Double
    }

    /// The footprint's parts, every one listed (a part the run does not have at 0 bytes).
    public static func parts(_ footprint: MemoryFootprint) -> [Part] {
        [Part(name: "weights, gradients and optimizer state", bytes: footprint.weightStateBytes),
         Part(name: "activations kept for backward", bytes: footprint.activationBytes),
         Part(name: "DDP's gradient buckets (ddp_bucket_copies)", bytes: footprint.gradientBucketBytes),
         Part(name: "autocast's weight copies (autocast_weight_copies)", bytes: footprint.autocastCopyBytes),
         Part(name: "Horovod's fusion buffer (fusion_threshold_mb)", bytes: footprint.fusionBufferBytes),
         Part(name: "largest convolution workspace", bytes: footprint.workspaceBytes),
         Part(name: "CUDA context and allocator reserve", bytes: footprint.reservedBytes)]
    }

    /// The section: the total against `gpuMemoryBytes` (with the decimals it takes not to print
    /// as the GPU's memory, `Format.gibDecimals`) and whether it fits, then each part
    /// the run has (a part of 0 bytes is left out) in GiB, two decimals so that small parts
    /// show, and its share of the total.
    public static func render(_ footprint: MemoryFootprint, gpuMemoryBytes: Double) -> String {
        let total = footprint.totalBytes
        let fits = total <= gpuMemoryBytes
        var table = TextTable(headers: ["part", "GiB", "share"], alignments: [.left, .right, .right])
        for part in parts(footprint) where part.bytes > 0 {
            table.append([part.name, Format.fixed(part.bytes / 1_073_741_824, 2),
                          Format.fixed(part.bytes / max(total, 1) * 100, 1) + "%"])
        }
        let decimals = Format.gibDecimals(total, apartFrom: gpuMemoryBytes)
        return "\nMemory per GPU: \(Format.fixed(total / 1_073_741_824, decimals)) of \(Format.gib(gpuMemoryBytes)) GiB, "
            + (fits ? "fits" : "does NOT fit") + "\n" + table.render()
    }
}
