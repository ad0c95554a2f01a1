import Parallelism
import Workload

/// What each task does to the workers' memory.
extension Executor {
    // MARK: Compute

    func compute(_ task: TaskGraph.Task) {
        let s = states[task.device]
        let t = s.step(task.step)
        switch task.operation {
        case .layer(nil)?:
            if task.kind == .forward { forward(task.layer!, s) } else { backward(task.layer!, s, t) }
        case .layer(let chunk?)?:
            if task.kind == .forward { chunkForward(task.layer!, chunk, s, t) } else { chunkBackward(task.layer!, chunk, s, t) }
        case .updateLayers(let layers)?:
            // The bucket's summed gradients, back from the all-reduce, into its layers.
            if let b = buckets.firstIndex(where: { $0.layers == layers }), let flat = t.bucketGrad[b] {
                var offset = 0
                for i in layers {
                    let w = s.weightGrad[i]!.count, bc = s.biasGrad[i]!.count
                    s.weightGrad[i] = Array(flat[offset..<(offset + w)])
                    s.biasGrad[i] = Array(flat[(offset + w)..<(offset + w + bc)])
                    offset += w + bc
                }
            }
            update(layers: layers, s)
        case .updateSlices?:
            // The loss is scaled by 1/global batch, so that the gradients returned to the
            // data-parallel layers are the exact step's; an approximate update after a
            // chunk of b examples averages over those b instead.
            let layers = Array(split!..<network.layers.count).filter { s.weights[$0] != nil }
            if strategy.variant == .approximate {
                let scale = Float(globalBatch) / Float(batch)
                for i in layers {
                    s.weightGrad[i] = s.weightGrad[i]!.map { $0 * scale }
                    s.biasGrad[i] = s.biasGrad[i]!.map { $0 * scale }
                }
            }
            update(layers: layers, s)
        default:
            preconditionFailure("task \(task.id) (\(task.label)) carries no operation the executor knows")
        }
    }

    /// The input of data-parallel layer `i` over the own batch.
    private func input(_ i: Int, _ s: WorkerState) -> [Float] {
        i == 1 ? s.images : s.output[i - 1]!
    }

    private func forward(_ i: Int, _ s: WorkerState) {
        let x = input(i, s)
        switch network.layers[i].kind {
        case .convolution:
            s.output[i] = Kernels.convolutionForward(x, weights: s.weights[i]!, bias: s.bias[i]!, convolution(i, batch: batch),
                                                     scratch: s.convolutionScratch)
        case .relu:
            s.output[i] = Kernels.reluForward(x)
        case .maxPool:
            s.output[i] = Kernels.maxPoolForward(x, pooling(i, batch: batch))
        case .fullyConnected(let u, _):
            s.output[i] = Kernels.fullyConnectedForward(x, weights: s.weights[i]!, bias: s.bias[i]!, batch: batch,
                                                        inputs: network.layers[i].inputShapes[0].elements, units: u)
        case .softmaxCrossEntropy:
            s.output[i] = x
        default: preconditionFailure("unsupported layer")
        }
    }

    private func backward(_ i: Int, _ s: WorkerState, _ t: StepState) {
        let x = input(i, s)
        let layer = network.layers[i]
        switch layer.kind {
        case .softmaxCrossEntropy:
            let labels = (0..<batch).map { Synthetic.label(example: s.index * batch + $0, classes: elements(i)) }
            s.outputGrad[i - 1] = Kernels.softmaxCrossEntropy(x, labels: labels, classes: elements(i), scale: 1 / Float(globalBatch)).gradient
        case .convolution:
            let dy = outputGradient(i, s, t), g = convolution(i, batch: batch)
            let (dw, db) = Kernels.convolutionBackwardWeights(x, dy, g, scratch: s.convolutionScratch)
            Kernels.accumulate(&s.weightGrad[i]!, dw)
            Kernels.accumulate(&s.biasGrad[i]!, db)
            if i > 1 { s.outputGrad[i - 1] = Kernels.convolutionBackwardData(dy, weights: s.weights[i]!, g, scratch: s.convolutionScratch) }
        case .relu:
            s.outputGrad[i - 1] = Kernels.reluBackward(outputGradient(i, s, t), output: s.output[i]!)
        case .maxPool:
            s.outputGrad[i - 1] = Kernels.maxPoolBackward(outputGradient(i, s, t), input: x, output: s.output[i]!, pooling(i, batch: batch))
        case .fullyConnected(let u, _):
            let (dx, dw, db) = Kernels.fullyConnectedBackward(x, outputGradient(i, s, t), weights: s.weights[i]!, batch: batch,
                                                              inputs: layer.inputShapes[0].elements, units: u)
            Kernels.accumulate(&s.weightGrad[i]!, dw)
            Kernels.accumulate(&s.biasGrad[i]!, db)
            if i > 1 { s.outputGrad[i - 1] = dx }
        default: preconditionFailure("unsupported layer")
        }
        // The layer that completes a bucket packs the bucket's gradients for the all-reduce.
        for (b, bucket) in buckets.enumerated() where bucket.closingLayer == i {
            var packed = bucket.layers.flatMap { s.weightGrad[$0]! + s.biasGrad[$0]! }
            if let pending = t.pendingBucketAdds.removeValue(forKey: b) { for k in packed.indices { packed[k] += pending[k] } }
            t.bucketGrad[b] = packed
        }
    }

    /// The gradient of data-parallel layer `i`'s output over the own batch: from
    /// the layer above, or, for the last data-parallel layer of a hybrid, the
    /// boundary gradients of the own examples gathered from every chunk.
    private func outputGradient(_ i: Int, _ s: WorkerState, _ t: StepState) -> [Float] {
        guard let split, i == split - 1 else { return s.outputGrad[i]! }
        var dy = [Float](repeating: 0, count: batch * features)
        for (c, parts) in graph.chunks.enumerated() {
            var row = 0
            for part in parts {
                if part.owner == s.index {
                    // This worker's examples are consecutive rows of the chunk: copy them whole.
                    let rows = (row * features)..<((row + part.examples.count) * features), at = part.examples.lowerBound * features
                    Self.store(t.partial[c]![split]![rows], into: &dy, at: at, adding: false)
                    if let returned = t.returned[c] { Self.store(returned[rows], into: &dy, at: at, adding: true) }
                }
                row += part.examples.count
            }
        }
        return dy
    }

    // MARK: Model-parallel chunks

    private func chunkSize(_ c: Int) -> Int { graph.chunks[c].reduce(0) { $0 + $1.examples.count } }

    /// The whole input of model-parallel layer `i` for chunk `c`: the boundary
    /// activations, or the previous layer's slices put together.
    private func wholeInput(_ i: Int, _ c: Int, _ t: StepState) -> [Float] {
        if i == split! { return t.chunkInput[c]! }
        return t.gathered[c]![i]!
    }

    private func chunkForward(_ i: Int, _ c: Int, _ s: WorkerState, _ t: StepState) {
        let n = chunkSize(c)
        let layer = network.layers[i]
        if i == split! && i == 1 {
            t.chunkInput[c] = s.chunkImages[c]!   // plain model parallelism: the images are everywhere
        } else if i == split! {
            // Assemble the chunk's boundary activations from the owners' batches.
            var x: [Float] = []
            for part in graph.chunks[c] {
                let source = part.owner == s.index ? s.output[i - 1]! : t.boundary[part.owner]!
                x += source[(part.examples.lowerBound * features)..<(part.examples.upperBound * features)]
            }
            t.chunkInput[c] = x
        } else if !needsWholeInput(i) {
        } else {
            // Put this worker's own slice beside the slices the others sent.
            let width = elements(i - 1), own = columns(i - 1, s.index)
            var full = t.gathered[c]?[i] ?? [Float](repeating: 0, count: n * width)
            let mine = t.chunkOutput[c]![i - 1]!
            for r in 0..<n { Self.store(mine[(r * own.count)..<((r + 1) * own.count)], into: &full, at: r * width + own.lowerBound, adding: false) }
            t.gathered[c, default: [:]][i] = full
        }
        switch layer.kind {
        case .fullyConnected:
            let x = wholeInput(i, c, t)
            t.chunkOutput[c, default: [:]][i] = Kernels.fullyConnectedForward(x, weights: s.weights[i]!, bias: s.bias[i]!, batch: n,
                                                                              inputs: layer.inputShapes[0].elements,
                                                                              units: units(i, s.index).count)
        case .convolution:
            let g = convolution(i, batch: n, outChannels: units(i, s.index).count)
            t.chunkOutput[c, default: [:]][i] = Kernels.convolutionForward(wholeInput(i, c, t), weights: s.weights[i]!, bias: s.bias[i]!, g,
                                                                           scratch: s.convolutionScratch)
        case .relu:
            t.chunkOutput[c, default: [:]][i] = Kernels.reluForward(t.chunkOutput[c]![i - 1]!)
        case .maxPool:
            t.chunkOutput[c, default: [:]][i] = Kernels.maxPoolForward(t.chunkOutput[c]![i - 1]!,
                                                                       pooling(i, batch: n, channels: channelSlice(i, s.index)!.count))
        case .softmaxCrossEntropy:
            t.chunkOutput[c, default: [:]][i] = wholeInput(i, c, t)
        default: preconditionFailure("unsupported model-parallel layer")
        }
    }

    /// Whether model-parallel layer `i` reads its whole input (gathered from every
    /// worker's slice) rather than its own slice.
    private func needsWholeInput(_ i: Int) -> Bool {
        switch network.layers[i].kind {
        case .fullyConnected, .convolution, .softmaxCrossEntropy: return true
        default: return false
        }
    }

    /// The gradient of this worker's slice of model-parallel layer `i`'s output in chunk `c`.
    private func chunkOutputGradient(_ i: Int, _ c: Int, _ s: WorkerState, _ t: StepState) -> [Float] {
        if let g = t.chunkOutputGrad[c]?[i] { return g }
        // Layer i+1 is a product: its partial input gradient's own columns plus what the others sent.
        let n = chunkSize(c), width = elements(i), own = columns(i, s.index)
        let partial = t.partial[c]![i + 1]!, scattered = t.scattered[c]?[i + 1]
        var g = scattered ?? [Float](repeating: 0, count: n * own.count)
        for r in 0..<n { Self.store(partial[(r * width + own.lowerBound)..<(r * width + own.upperBound)], into: &g, at: r * own.count, adding: true) }
        return g
    }

    private func chunkBackward(_ i: Int, _ c: Int, _ s: WorkerState, _ t: StepState) {
        let n = chunkSize(c)
        let layer = network.layers[i]
        switch layer.kind {
        case .softmaxCrossEntropy:
            let examples = graph.chunks[c].flatMap { part in part.examples.map { part.owner * batch + $0 } }
            let scale = 1 / Float(globalBatch)   // the exact step's scale; approximate slice updates rescale (updateSlices)
            let full = Kernels.softmaxCrossEntropy(t.chunkOutput[c]![i]!, labels: examples.map { Synthetic.label(example: $0, classes: elements(i)) },
                                                   classes: elements(i), scale: scale).gradient
            let own = columns(i - 1, s.index), width = elements(i)
            var g: [Float] = []
            g.reserveCapacity(n * own.count)
            for r in 0..<n { g += full[(r * width + own.lowerBound)..<(r * width + own.upperBound)] }
            t.chunkOutputGrad[c, default: [:]][i - 1] = g
        case .relu:
            t.chunkOutputGrad[c, default: [:]][i - 1] = Kernels.reluBackward(chunkOutputGradient(i, c, s, t), output: t.chunkOutput[c]![i]!)
        case .maxPool:
            t.chunkOutputGrad[c, default: [:]][i - 1] = Kernels.maxPoolBackward(chunkOutputGradient(i, c, s, t), input: t.chunkOutput[c]![i - 1]!,
                                                                                output: t.chunkOutput[c]![i]!,
                                                                                pooling(i, batch: n, channels: channelSlice(i, s.index)!.count))
        case .convolution:
            let g = convolution(i, batch: n, outChannels: units(i, s.index).count)
            let x = wholeInput(i, c, t), dy = chunkOutputGradient(i, c, s, t)
            let (dw, db) = Kernels.convolutionBackwardWeights(x, dy, g, scratch: s.convolutionScratch)
            Kernels.accumulate(&s.weightGrad[i]!, dw)
            Kernels.accumulate(&s.biasGrad[i]!, db)
            if i > 1 { t.partial[c, default: [:]][i] = Kernels.convolutionBackwardData(dy, weights: s.weights[i]!, g, scratch: s.convolutionScratch) }
        case .fullyConnected:
            let x = wholeInput(i, c, t)
            let (dx, dw, db) = Kernels.fullyConnectedBackward(x, chunkOutputGradient(i, c, s, t), weights: s.weights[i]!, batch: n,
                                                              inputs: layer.inputShapes[0].elements, units: units(i, s.index).count)
            Kernels.accumulate(&s.weightGrad[i]!, dw)
            Kernels.accumulate(&s.biasGrad[i]!, db)
            t.partial[c, default: [:]][i] = dx
        default: preconditionFailure("unsupported model-parallel layer")
        }
    }

    // MARK: Updates

    private func update(layers: [Int], _ s: WorkerState) {
        for i in layers {
            Kernels.sgdMomentum(weights: &s.weights[i]!, gradient: s.weightGrad[i]!, velocity: &s.weightVelocity[i]!,
                                learningRate: options.learningRate, momentum: options.momentum, weightDecay: options.weightDecay)
            Kernels.sgdMomentum(weights: &s.bias[i]!, gradient: s.biasGrad[i]!, velocity: &s.biasVelocity[i]!,
                                learningRate: options.learningRate, momentum: options.momentum, weightDecay: 0)
            s.weightGrad[i] = [Float](repeating: 0, count: s.weightGrad[i]!.count)
            s.biasGrad[i] = [Float](repeating: 0, count: s.biasGrad[i]!.count)
        }
    }
}
