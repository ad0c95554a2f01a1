/// Where TensorFlow 1.x's local parameter servers keep each bucket's variables, and
/// what the server's sum, mean and update cost (`AllReduceAlgorithm.psHost`, `.psGPUs`).
public enum ParameterServers {
    /// The GPU that serves each bucket under `psGPUs`: buckets taken in the order their
    /// variables are created (forward order), each placed on the GPU holding the fewest
    /// elements so far, the lowest index on a tie, as tf_cnn_benchmarks'
    /// `ParamServerDeviceSetter` places variables (tensorflow/benchmarks @ fd87986,
    /// scripts/tf_cnn_benchmarks/variable_mgr.py: `min(enumerate(self.ps_sizes))`, then
    /// `ps_sizes[i] += var_size`). A bucket is one weighted layer here, so a layer's
    /// weights and biases share a server (TensorFlow may place them apart).
    /// - Parameters:
    ///   - elements: gradient elements of each bucket, in forward order.
    ///   - gpus: the GPUs, ≥ 1.
    /// - Returns: the serving GPU of each bucket, in the same order.
    public static func owners(elements: [Int], gpus: Int) -> [Int] {
        precondition(gpus > 0, "at least one GPU serves")
        var load = [Int](repeating: 0, count: gpus)
        return elements.map { size in
            let owner = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
            load[owner] += size
            return owner
        }
    }

    /// Seconds a server spends on one bucket of `parameters` elements from `ranks`
    /// workers, streaming through memory at `bytesPerSecond`:
    /// `((N + 1) + 2) × p × e` bytes for N > 1 (`tf.add_n` reads the N gradients and
    /// writes their sum, the mean reads and writes it once more), nothing for one worker
    /// (`add_n` of one tensor is the tensor, and no mean is taken); with `includingUpdate`,
    /// plus the update's `LayerWork.update` 20 bytes per parameter. `e` is bytes per
    /// gradient element.
    /// - Returns: 0 when `bytesPerSecond` is nil (the server's arithmetic not priced).
    public static func serverSeconds(parameters: Int, ranks: Int, gradientBytesPerElement: Int, bytesPerSecond: Double?,
                                     includingUpdate: Bool) -> Double {
        guard let rate = bytesPerSecond, rate > 0 else { return 0 }
        let p = Double(parameters), e = Double(gradientBytesPerElement)
        let sum = ranks > 1 ? Double(ranks + 3) * p * e : 0
        let update = includingUpdate ? LayerWork.update(parameters: parameters, precision: .fp32).memoryBytes : 0
        return (sum + update) / rate
    }
}

extension AllReduceAlgorithm {
    /// Whether a server sums the gradients and updates the variables (`psHost`, `psGPUs`).
    public var updatesOnServer: Bool { self == .psHost || self == .psGPUs }

    /// Whether the update runs off the GPUs (`psHost`: on the CPU, priced in the server's
    /// time), so the workers run none. Under `psGPUs` the serving GPU's update stays a
    /// task of every worker: each applies its whole update, where TensorFlow's servers
    /// apply theirs, `1/N` of the parameters on average (20 bytes per parameter, a few
    /// milliseconds per step for AlexNet's 61 M on a 2017 GPU).
    public var updatesOffGPU: Bool { self == .psHost }

    /// Whether the collective moves data even on one GPU (`psHost`: the variables live in
    /// host memory whatever the GPU count).
    public var communicatesOnOneGPU: Bool { self == .psHost }
}
