/// The store-and-forward stages of a copy as cuda-convnet2's copy pipeline runs it
/// (github.com/akrizhevsky/cuda-convnet2 @ 3238bf0, cudaconvnet/src/copypipeline.cu,
/// `ICopySegment::run`): a message is cut into chunks, and each segment (a host
/// thread per hop) copies a chunk or adds it with a kernel, synchronizes its stream
/// (`NVMatrix::syncStream`) and hands it to the next segment. Every chunk on every
/// hop is one stage, with a fixed software cost on top of its bytes.
public enum CopyStages {
    /// The chunks a message of `elements` values is cut into:
    /// `min(elements, max(2, min(16, ⌈elements / 2^18⌉)))`, with
    /// COPY_MIN_CHUNK_SIZE = 2^18, COPY_MIN_CHUNKS = 2 and COPY_MAX_CHUNKS = 16
    /// (cudaconvnet/include/copypipeline.cuh).
    public static func chunks(elements: Int) -> Int {
        guard elements > 0 else { return 0 }
        return min(elements, max(2, min(16, (elements + (1 << 18) - 1) >> 18)))
    }

    /// Seconds of software cost on one transfer that carries `1/pieces` of a message
    /// of `elements` values over one hop: the message's `chunks(elements)` stages of
    /// `stageSeconds` each, shared evenly by the transfers that carry its pieces (the
    /// hop is serial, so their costs add up to the message's).
    public static func seconds(elements: Int, pieces: Int, stageSeconds: Double) -> Double {
        guard stageSeconds > 0, pieces > 0 else { return 0 }
        return Double(chunks(elements: elements)) * stageSeconds / Double(pieces)
    }
}
