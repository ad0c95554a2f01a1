extension TaskGraph {
    /// Every GPU's partial `bytes` summed into `target`, as cuda-convnet2 reduces a
    /// layer's input gradients from the GPUs of the layers after it
    /// (`IActGradReducer::makeGradReducer`, cudaconvnet/src/gradreducer.cu) and a weight
    /// shard's gradients from every replica (`IWeightReducer::make`, weights.cu,
    /// github.com/akrizhevsky/cuda-convnet2 @ 3238bf0):
    /// - from eight GPUs, `EightGPUReducer1` (reducepipeline.cu, `makeConnections`),
    ///   which first waits for every contribution ("TODO: make it so that you can start the
    ///   reduction before you've received all the messages", `ParallelActGradReducer`):
    ///   the three GPUs that can peer with the target in a chain into it; the other four
    ///   in two chains of two, each into host memory, whose two sums the CPU adds
    ///   (`ReducePeer::hostAdd`) before the result goes to the target; a pipeline of
    ///   pieces (`treeReduce`);
    /// - otherwise one source after another (`SequentialActGradReducer`,
    ///   `SequentialWeightReducer`), each a whole two-GPU add into the target
    ///   (`StreamBroadcast::transfer`: peer to peer, or through host memory where the pair
    ///   cannot peer, as the topology routes it), each after the one before.
    /// The CPU's adds are not priced: per piece, one host thread copies the first chain's
    /// sum into the buffer it forwards and adds the second's (`hostAdd`, a scalar loop):
    /// 5 bytes of memory traffic per byte of piece (a read and a write, then two reads and
    /// a write) at the 12 GB/s of traffic one Xeon E5 core's measured 6 GB/s copy implies,
    /// about 0.2 ms a 512 KB piece, pipelined with the copies around it. Priced as a start
    /// delay, or as an added latency, on each host-to-target piece, they lengthen Table 1's
    /// 8-GPU step by 1.2 or 2.3 ms of 480 (BENCHMARKS.md, forty-third session).
    /// - Parameters:
    ///   - sources: the other GPUs, in the order the sequential reducer takes them.
    ///   - canPeer: whether the target and a source copy peer to peer (the eight-GPU
    ///     reducer needs three that can and four that cannot, as cuda-convnet2 asserts).
    ///   - host: the target node's host-memory endpoint.
    ///   - ready: for each GPU, the tasks after which its contribution is ready.
    ///   - common: tasks every GPU's contribution waits for besides its own `ready` (a
    ///     barrier before the reduction): the first transfer into `target` waits for them
    ///     and every later one after it, which is the same wait with fewer edges.
    ///   - operation: the annotation of a sequential add (for an executor); the eight-GPU
    ///     reducer's pieces go through host memory, which no executor runs.
    /// - Returns: the transfers after which `target` holds the sum once its own
    ///   contribution is ready (`ready(target)`, not repeated here: callers chain these
    ///   lists, and repeating every contribution would grow them with every sync).
    public mutating func cudaConvnet2Reduce(_ bytes: Double, into target: Int, sources: [Int], canPeer: (Int, Int) -> Bool,
                                            host: Int, ready: (Int) -> [Int], common: [Int] = [], step: Int, group: String,
                                            operation: Operation? = nil) -> [Int] {
        let same = sources.filter { canPeer(target, $0) }, other = sources.filter { !canPeer(target, $0) }
        if same.count == 3 && other.count == 4 {
            let everything = Self.distinct(common + ([target] + sources).flatMap(ready))
            let edges = [(same[2], same[1]), (same[1], same[0]), (same[0], target),
                         (other[0], other[1]), (other[1], host), (other[3], other[2]), (other[2], host), (host, target)]
            // Every contribution first: the chains' first GPUs wait for all of them, and the rest
            // follow the pieces those send (each edge is listed after the edge into its sender).
            return treeReduce(bytes, root: target, edges: edges.map { (from: $0.0, to: $0.1) },
                              ready: [same[2]: everything, other[0]: everything, other[3]: everything],
                              step: step, group: group)
        }
        var done: [Int] = []
        for source in sources {
            done = [transfer(bytes, from: source, to: target, label: group,
                             after: ready(source) + (done.isEmpty ? ready(target) + common : done),
                             step: step, group: group, operation: operation)]
        }
        return done
    }
}
