import Parallelism
import Workload

/// One worker's memory in the executor: its weights, activations and gradients.
/// Only the worker's own thread touches it.
final class WorkerState {
    let index: Int
    // Data-parallel layers: whole weights; model-parallel layers: this worker's rows.
    var weights: [Int: [Float]] = [:], bias: [Int: [Float]] = [:]
    var weightVelocity: [Int: [Float]] = [:], biasVelocity: [Int: [Float]] = [:]
    var weightGrad: [Int: [Float]] = [:], biasGrad: [Int: [Float]] = [:]
    /// The own batch's input images, made once: every step trains on the same examples.
    var images: [Float] = []
    /// Plain model parallelism: every chunk's images, by chunk.
    var chunkImages: [Int: [Float]] = [:]
    /// im2col memory the convolutions reuse.
    let convolutionScratch = Kernels.ConvolutionScratch()
    // Data-parallel activations over the own batch, and gradients of layer outputs.
    var output: [Int: [Float]] = [:]
    var outputGrad: [Int: [Float]] = [:]
    /// What one training step's communication leaves on this worker, by step: a
    /// worker that is ahead may receive step s+1's data while it finishes step s.
    private var steps: [Int: StepState] = [:]

    func step(_ s: Int) -> StepState {
        if let state = steps[s] { return state }
        let state = StepState()
        steps[s] = state
        steps[s - 2] = nil   // two steps back, nothing is in flight any more
        return state
    }

    init(index: Int) { self.index = index }
}

/// One step's buffers on one worker.
final class StepState {
    /// Bucket gradients, flattened (the all-reduce's buffers).
    var bucketGrad: [Int: [Float]] = [:]
    /// Sums that reached a bucket before this worker's own gradients were packed.
    var pendingBucketAdds: [Int: [Float]] = [:]
    /// Boundary activations of each owner's batch (examples × features), as received.
    var boundary: [Int: [Float]] = [:]
    // Model-parallel state, by chunk then layer.
    var chunkInput: [Int: [Float]] = [:]
    var gathered: [Int: [Int: [Float]]] = [:]
    var chunkOutput: [Int: [Int: [Float]]] = [:]
    var chunkOutputGrad: [Int: [Int: [Float]]] = [:]
    /// Partial input gradients of model-parallel products (full width), by chunk then layer.
    var partial: [Int: [Int: [Float]]] = [:]
    /// What other workers' reduce-scatters added to this worker's slice, by chunk then layer.
    var scattered: [Int: [Int: [Float]]] = [:]
    /// What other workers returned of the boundary gradient, by chunk (chunk rows × features).
    var returned: [Int: [Float]] = [:]
}

/// Deterministic data and initial weights, the same whichever worker asks.
enum Synthetic {
    static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var z = a &* 0x9E37_79B9_7F4A_7C15 ^ b &* 0xBF58_476D_1CE4_E5B9 ^ c &* 0x94D0_49BB_1331_11EB
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in [−1, 1) from three integers.
    static func unit(_ a: Int, _ b: Int, _ c: Int) -> Float {
        Float(Double(mix(UInt64(a), UInt64(b), UInt64(c)) >> 11) / Double(1 << 52) - 1)
    }

    /// Pixel `i` of global example `example`, in [−1, 1).
    static func pixel(example: Int, _ i: Int) -> Float { unit(1, example, i) }

    /// The class of global example `example`.
    static func label(example: Int, classes: Int) -> Int { Int(mix(2, UInt64(example), 0) % UInt64(classes)) }

    /// Weight `i` of layer `layer`: uniform in ±sqrt(6 / (fan in + fan out)) (Glorot).
    static func weight(layer: Int, _ i: Int, fanIn: Int, fanOut: Int) -> Float {
        unit(3, layer, i) * Float((6.0 / Double(fanIn + fanOut)).squareRoot())
    }
}
