
import Workload

/// Lays out a training run as a `TaskGraph`.
public enum Planner {
    /// The task graph of `setup` under `strategy`.
    public static func plan(_ setup: TrainingSetup, strategy: Strategy) -> TaskGraph {
        switch strategy {
        case .data(let options): return planDataParallel(setup, options: options)
        }
    }

    /// Data parallelism: on every GPU, forward over its batch, backward in reverse,
    /// then the SGD update; gradients are all-reduced bucket by bucket as backward
    /// produces them, and each bucket's update waits for its all-reduce and for the
    /// end of backward (a synchronous `optimizer.step()`). Step s+1 starts on a GPU
    /// when its updates of step s are done.
    static func planDataParallel(_ setup: TrainingSetup, options: DataParallelOptions) -> TaskGraph {
        let net = setup.network
        var graph = TaskGraph(gpus: setup.gpus, steps: setup.steps)
        let buckets = gradientBuckets(net, precision: setup.precision, bucketBytes: options.bucketBytes)
        var previousUpdates = [[Int]](repeating: [], count: setup.gpus)
        for step in 0..<setup.steps {
            // closing[g][b]: the backward task on GPU g after which bucket b's gradients are ready.
            var closing = [[Int]](repeating: [], count: setup.gpus)
            var lastBackward = [Int](repeating: -1, count: setup.gpus)
            for g in 0..<setup.gpus {
                var chain = previousUpdates[g]
                for (index, layer) in net.layers.enumerated() where hasForwardWork(layer) {
                    let id = graph.add(.forward, label: layer.name, layer: index, device: g,
                                       work: .compute(LayerWork.forward(layer, batch: setup.batchPerGPU, precision: setup.precision)),
                                       after: chain, step: step)
                    chain = [id]
                }
                var closingTask = [Int: Int]()   // layer index -> backward task
                for (index, layer) in net.layers.enumerated().reversed() where hasBackwardWork(layer) {
                    let id = graph.add(.backward, label: layer.name, layer: index, device: g,
                                       work: .compute(LayerWork.backward(layer, batch: setup.batchPerGPU, precision: setup.precision)),
                                       after: chain, step: step)
                    chain = [id]
                    closingTask[index] = id
                }
                lastBackward[g] = chain[0]
                closing[g] = buckets.map { closingTask[$0.closingLayer]! }
            }
            var updates = [[Int]](repeating: [], count: setup.gpus)
            for (b, bucket) in buckets.enumerated() {
                let done = graph.allReduce(options.algorithm, bytes: bucket.bytes, ranks: Array(0..<setup.gpus),
                                           ready: (0..<setup.gpus).map { [closing[$0][b]] },
                                           step: step, group: "allreduce bucket \(b)")
                for g in 0..<setup.gpus {
                    let id = graph.add(.update, label: "update bucket \(b)", device: g,
                                       work: .compute(LayerWork.update(parameters: bucket.parameters, precision: setup.precision)),
                                       after: done[g] + [lastBackward[g]] + updates[g].suffix(1), step: step)
                    updates[g].append(id)
                }
            }
            previousUpdates = updates.map { $0.isEmpty ? [] : [$0.last!] }
            for g in 0..<setup.gpus where updates[g].isEmpty { previousUpdates[g] = [lastBackward[g]] }
        }
        return graph
    }

    /// A group of layers whose gradients are all-reduced together.
    public struct Bucket: Sendable, Equatable {
        /// The layer whose backward pass completes the bucket (its earliest layer).
        public var closingLayer: Int
        public var layers: [Int]
        public var parameters: Int
        public var bytes: Double
    }

    /// Groups weighted layers in backward order into buckets of at least
    /// `bucketBytes` gradient bytes (the last may be smaller); nil gives one bucket.
    public static func gradientBuckets(_ net: Network, precision: Precision, bucketBytes: Double?) -> [Bucket] {
        var buckets: [Bucket] = []
        var current: Bucket?
        for (index, layer) in net.layers.enumerated().reversed() where layer.cost.parameters > 0 {
            var bucket = current ?? Bucket(closingLayer: index, layers: [], parameters: 0, bytes: 0)
            bucket.closingLayer = index
            bucket.layers.append(index)
            bucket.parameters += layer.cost.parameters
            bucket.bytes += Double(layer.cost.parameters * precision.gradientBytes)
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

    static func hasBackwardWork(_ layer: Layer) -> Bool {
        layer.kind != .input && (layer.cost.backwardFLOPs > 0 || layer.cost.backwardTrafficElements > 0)
    }
}
