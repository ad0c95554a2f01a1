import Parallelism

/// What each transfer reads on the sender and writes on the receiver.
extension Executor {
    /// Copies what `task` sends out of the sender's memory (on the sender's thread).
    func snapshot(_ task: TaskGraph.Task, from device: Int) -> [Float] {
        let s = states[device], t = s.step(task.step)
        switch task.operation {
        case .gradient(let b, let range, _)?:
            return Array(t.bucketGrad[b]![range])
        case .activations(_, let owner, let examples, let range)?:
            let source = device == owner ? s.output[split! - 1]! : t.boundary[owner]!
            let base = examples.lowerBound * features
            return Array(source[(base + range.lowerBound)..<(base + range.upperBound)])
        case .gatherSlice(let i, let c)?:
            return t.chunkOutput[c]![i - 1]!
        case .scatterGradient(let i, let c)?:
            // The receiver's columns of every row, packed.
            let receiver = task.destination!, width = elements(i - 1), theirs = columns(i - 1, receiver)
            let partial = t.partial[c]![i]!
            let n = partial.count / width
            var out: [Float] = []
            out.reserveCapacity(n * theirs.count)
            for r in 0..<n { out += partial[(r * width + theirs.lowerBound)..<(r * width + theirs.upperBound)] }
            return out
        case .returnGradient(let c, let owner, let examples, let range)?:
            // What the sender holds of the owner's rows: its own partial plus what reached it (a chain).
            let base = rowOffset(chunk: c, owner: owner, examples: examples) * features
            var out = Array(t.partial[c]![split!]![(base + range.lowerBound)..<(base + range.upperBound)])
            if let returned = t.returned[c] {
                Self.store(returned[(base + range.lowerBound)..<(base + range.upperBound)], into: &out, at: 0, adding: true)
            }
            return out
        default:
            preconditionFailure("transfer \(task.id) (\(task.label)) carries no operation the executor knows")
        }
    }

    /// Writes what `task` delivers into the receiver's memory (on the receiver's thread).
    func apply(_ task: TaskGraph.Task, _ values: [Float], to device: Int) {
        let t = states[device].step(task.step)
        switch task.operation {
        case .gradient(let b, let range, let add)?:
            if add && t.bucketGrad[b] == nil {
                // The receiver's own gradients are not ready yet: hold the sum until they are
                // (a GPU buffers what arrives and reduces once its own data is there).
                if t.pendingBucketAdds[b] == nil { t.pendingBucketAdds[b] = [Float](repeating: 0, count: buckets[b].parameters) }
                Self.store(values, into: &t.pendingBucketAdds[b]!, at: range.lowerBound, adding: true)
                return
            }
            Self.store(values, into: &t.bucketGrad[b]!, at: range.lowerBound, adding: add)
        case .activations(_, let owner, let examples, let range)?:
            if t.boundary[owner] == nil { t.boundary[owner] = [Float](repeating: 0, count: batch * features) }
            Self.store(values, into: &t.boundary[owner]!, at: examples.lowerBound * features + range.lowerBound, adding: false)
        case .gatherSlice(let i, let c)?:
            let width = elements(i - 1), theirs = columns(i - 1, task.device)
            let n = values.count / theirs.count
            if t.gathered[c]?[i] == nil { t.gathered[c, default: [:]][i] = [Float](repeating: 0, count: n * width) }
            for r in 0..<n {
                Self.store(values[(r * theirs.count)..<((r + 1) * theirs.count)], into: &t.gathered[c]![i]!,
                           at: r * width + theirs.lowerBound, adding: false)
            }
        case .scatterGradient(let i, let c)?:
            if t.scattered[c]?[i] == nil { t.scattered[c, default: [:]][i] = [Float](repeating: 0, count: values.count) }
            Self.store(values, into: &t.scattered[c]![i]!, at: 0, adding: true)
        case .returnGradient(let c, let owner, let examples, let range)?:
            let n = graph.chunks[c].reduce(0) { $0 + $1.examples.count }
            if t.returned[c] == nil { t.returned[c] = [Float](repeating: 0, count: n * features) }
            let base = rowOffset(chunk: c, owner: owner, examples: examples) * features + range.lowerBound
            Self.store(values, into: &t.returned[c]!, at: base, adding: true)
        default:
            preconditionFailure("transfer \(task.id) (\(task.label)) carries no operation the executor knows")
        }
    }

    /// Writes (or adds) `values` into `array` from `offset`, in place: one access to
    /// the buffer, not one dictionary lookup per element (which made receiving the
    /// boundary activations cost as much as a convolution), and a loop over raw
    /// pointers that the compiler vectorizes (an element-by-element loop over the
    /// slice ran at about 2 ns per element, on the critical path of every hybrid step).
    static func store(_ values: [Float], into array: inout [Float], at offset: Int, adding: Bool) {
        store(values[...], into: &array, at: offset, adding: adding)
    }

    /// `store` for part of an array.
    static func store(_ values: ArraySlice<Float>, into array: inout [Float], at offset: Int, adding: Bool) {
        precondition(offset >= 0 && offset + values.count <= array.count, "a transfer lands outside its buffer")
        array.withUnsafeMutableBufferPointer { whole in
            values.withUnsafeBufferPointer { source in
                guard let from = source.baseAddress, let to = whole.baseAddress.map({ $0 + offset }) else { return }
                if adding {
                    for k in 0..<source.count { to[k] += from[k] }
                } else {
                    to.update(from: from, count: source.count)
                }
            }
        }
    }

    /// The first row of `owner`'s examples in chunk `c`.
    private func rowOffset(chunk c: Int, owner: Int, examples: Range<Int>) -> Int {
        var row = 0
        for part in graph.chunks[c] {
            if part.owner == owner && part.examples == examples { return row }
            row += part.examples.count
        }
        preconditionFailure("chunk \(c) holds no examples \(examples) of worker \(owner)")
    }
}
