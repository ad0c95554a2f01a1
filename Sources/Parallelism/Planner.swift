import Workload

/// Lays out a training run as a `TaskGraph`.
public enum Planner {
    /// The task graph of `setup` under `strategy`.
    /// - Throws: `ModelError` if the strategy cannot split this network.
    ///
    /// One GPU runs every strategy the same way: the whole model on the whole batch,
    /// with one optimizer step and nothing to communicate.
    ///
    /// With `aggregated` fidelity a plan lays out one worker, which stands for all of
    /// them, and each bucket's all-reduce and each model-parallel exchange as one
    /// collective task: priced by its closed form where a library's collective runs it,
    /// else by its expanded transfers simulated alone (`LayerwisePlanner.replayed`).
    ///
    /// With `symmetry` (expanded fidelity, a plan `NodeSymmetry.refusal` accepts, on a
    /// wiring the node shift maps onto itself) the plan lays out node 0's workers and
    /// their transfers, which stand for every node's (`NodeSymmetry`).
    public static func plan(_ setup: TrainingSetup, strategy: Strategy, fidelity: Fidelity = .expanded,
                            symmetry: NodeSymmetry? = nil) throws -> TaskGraph {
        precondition(symmetry == nil || (fidelity == .expanded && NodeSymmetry.refusal(setup, strategy: strategy) == nil
                                         && symmetry!.ranks == setup.gpus && symmetry!.ranksPerNode % (setup.gpusPerNode ?? 0) == 0),
                     "a plan laid out for one node must be the same from every node")
        let split = try strategy.modelParallelStart(in: setup.network)
        if setup.accumulationSteps > 1 && split != nil && setup.gpus > 1 {
            throw ModelError("gradient accumulation (micro-batches synchronized once a step) needs data parallelism; "
                             + "this plan splits layers from '\(setup.network.layers[split!].name)' over the GPUs")
        }
        if let short = try tooFewUnits(setup.network, strategy: strategy, gpus: setup.gpus) { throw ModelError(short) }
        if setup.gpus == 1 {
            // One GPU synchronizes nothing, unless its variables live in host memory (`psHost`).
            let sync = strategy.kind == .data && strategy.gradientSync.algorithm.communicatesOnOneGPU
                ? strategy.gradientSync : DataParallelOptions(bucketBytes: nil)
            var single = LayerwisePlanner(setup: setup, strategy: .data(sync), split: nil)
            return try single.build()
        }
        var planner = LayerwisePlanner(setup: setup, strategy: strategy, split: split,
                                       aggregated: fidelity == .aggregated, symmetry: symmetry)
        return try planner.build()
    }

    /// Why `strategy` cannot split `network` over `gpus` GPUs, or nil: each GPU takes 1/K of
    /// a model-parallel layer's units (an FC layer's outputs, a convolution's channels), so a
    /// layer of fewer units than GPUs would leave some with none, and the fraction priced
    /// (1/K of the layer) would be no GPU's work.
    /// - Throws: `ModelError` if the strategy names a layer the network lacks.
    public static func tooFewUnits(_ network: Network, strategy: Strategy, gpus: Int) throws -> String? {
        guard gpus > 1, let split = try strategy.modelParallelStart(in: network) else { return nil }
        let splitLayers = network.layers[split...].compactMap { layer -> (name: String, units: Int)? in
            switch layer.kind {
            case .fullyConnected(let n, _): return (layer.name, n)
            case .convolution(let c): return (layer.name, c.outChannels)
            default: return nil
            }
        }
        // The first layer too narrow is named; the most GPUs any count may use is the narrowest layer's units.
        guard let first = splitLayers.first(where: { $0.units < gpus }), let narrowest = splitLayers.map(\.units).min() else { return nil }
        return "\(strategy.kind.rawValue) parallelism splits layer '\(first.name)' (\(first.units) units) over \(gpus) GPUs, "
            + "fewer units than GPUs: use at most \(narrowest) GPUs" + (narrowest < first.units ? " (layer "
                + "'\(splitLayers.first { $0.units == narrowest }!.name)' has \(narrowest) units)" : "") + ", or data parallelism"
    }

    /// A group of layers whose gradients are all-reduced together.
    public struct Bucket: Sendable, Equatable {
        /// The layer whose backward pass completes the bucket (its earliest layer).
        public var closingLayer: Int
        public var layers: [Int]
        public var parameters: Int
        public var bytes: Double
    }

    /// Groups weighted layers among `layers` (all of them by default) in backward
    /// order into buckets of at least `bucketBytes` gradient bytes (the last may be
    /// smaller); 0 gives each weighted layer its own bucket, nil one bucket for all.
    /// Gradients count `bytesPerElement` each (nil: the precision's).
    public static func gradientBuckets(_ net: Network, precision: Precision, bucketBytes: Double?,
                                       layers: Range<Int>? = nil, bytesPerElement: Int? = nil) -> [Bucket] {
        let elementBytes = bytesPerElement ?? precision.gradientBytes
        var buckets: [Bucket] = []
        var current: Bucket?
        for index in (layers ?? net.layers.indices).reversed() where net.layers[index].cost.parameters > 0 {
            let layer = net.layers[index]
            var bucket = current ?? Bucket(closingLayer: index, layers: [], parameters: 0, bytes: 0)
            bucket.closingLayer = index
            bucket.layers.append(index)
            bucket.parameters += layer.cost.parameters
            bucket.bytes += Double(layer.cost.parameters * elementBytes)
            current = bucket
            if let limit = bucketBytes, bucket.bytes >= limit {
                buckets.append(bucket)
                current = nil
            }
        }
        if let current { buckets.append(current) }
        return buckets
    }

    static func hasForwardWork(_ layer: Layer) -> Bool {
        layer.kind != .input && (layer.cost.forwardFLOPs > 0 || layer.cost.forwardTrafficElements > 0)
    }

    public static func hasBackwardWork(_ layer: Layer) -> Bool {
        layer.kind != .input && (layer.cost.backwardFLOPs > 0 || layer.cost.backwardTrafficElements > 0)
    }

    /// Layer `i`'s backward work on one data-parallel worker as the plan runs it: the
    /// layer's own at the batch per GPU, with what the stack adds (a fused batch norm's
    /// addend gradient, eager autograd's passes; `LayerwisePlanner.fused`) and, under
    /// gradient accumulation or zeroed gradients, the add of each gradient into the parameter's
    /// (`LayerwisePlanner.accumulating`), as the step's synchronizing micro-batch runs it.
    /// For estimates made before planning (Horovod's gradient-ready times) that must match the plan.
    public static func dataBackwardWork(ofLayer i: Int, setup: TrainingSetup) -> ComputeWork {
        let layer = setup.network.layers[i]
        let work = LayerwisePlanner.fused(LayerWork.backward(layer, batch: setup.batchPerGPU, precision: setup.precision), layer: i,
                                          backward: true, setup: setup, batch: setup.batchPerGPU, fraction: 1)
        return LayerwisePlanner.accumulating(work, layer: layer, setup: setup)
    }
}
