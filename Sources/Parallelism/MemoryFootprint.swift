import Workload

/// Device memory one GPU needs to train, estimated from the model (not from the
/// schedule): weight state, the activations kept for backward, and a reserve.
public struct MemoryFootprint: Sendable, Equatable {
    /// Weights, gradients, momentum (and the fp32 master copy under mixed precision), in bytes.
    public var weightStateBytes: Double
    /// Activations stored for the backward pass over the GPU's batch, in bytes.
    public var activationBytes: Double
    /// What the CUDA context, framework and allocator hold beyond tensors, in bytes.
    public var reservedBytes: Double

    public var totalBytes: Double { weightStateBytes + activationBytes + reservedBytes }

    /// The footprint of a data-parallel replica (every GPU holds the whole model).
    ///
    /// weights = parameters × `Precision.trainingStateBytesPerParameter`;
    /// activations = stored elements per example × batch × bytes per element.
    /// Convolution workspaces (cuDNN chooses algorithms to fit what is free) are not counted.
    public static func dataParallel(_ setup: TrainingSetup, reservedBytes: Double) -> MemoryFootprint {
        let net = setup.network
        return MemoryFootprint(
            weightStateBytes: Double(net.parameters * setup.precision.trainingStateBytesPerParameter),
            activationBytes: Double(net.storedActivationElementsPerExample * setup.batchPerGPU * setup.precision.activationBytes),
            reservedBytes: reservedBytes)
    }

    /// The footprint of `setup` under `strategy`.
    public static func estimate(_ setup: TrainingSetup, strategy: Strategy, reservedBytes: Double) -> MemoryFootprint {
        switch strategy {
        case .data: return dataParallel(setup, reservedBytes: reservedBytes)
        }
    }
}
