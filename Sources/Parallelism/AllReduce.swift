/// An all-reduce algorithm, expanded into point-to-point transfers.
public enum AllReduceAlgorithm: String, CaseIterable, Sendable {
    /// Reduce-scatter then all-gather around a ring: 2(N−1) steps of B/N bytes
    /// (Patarasuk & Yuan 2009; NCCL's ring). On idle links of bandwidth β and
    /// latency α per step it takes 2(N−1)·(B/(N·β) + α).
    case ring
    /// Reduce up a binary tree to rank 0, then broadcast down it, whole messages
    /// per hop (no pipelining): 2·⌊log2 N⌋ levels of B/β + α on idle links.
    case tree
    /// Every GPU sends the j-th of N pieces to GPU j, which sums them and sends the
    /// sum to everyone (reduce-scatter + all-gather in one hop each): "each worker
    /// owns 1/K of the gradient", as in Krizhevsky (2014).
    case direct
    /// Two levels, as Horovod's `HOROVOD_HIERARCHICAL_ALLREDUCE` runs it (NCCL
    /// reduce-scatter inside the node, an all-reduce of each shard across nodes, NCCL
    /// all-gather inside the node) and as Jia et al. 2018 ("Highly Scalable Deep
    /// Learning Training System with Mixed-Precision: Training ImageNet in Four
    /// Minutes", arXiv:1807.11205, hierarchical all-reduce; they reduce to one master
    /// per group instead of scattering): a ring reduce-scatter over the node's g GPUs,
    /// then g concurrent rings across the n nodes, one per local rank, each all-reducing
    /// its 1/g shard, then a ring all-gather inside the node. On idle links, with intra-node
    /// latency α_i and bandwidth β_i and inter-node α_e and β_e (the share each of the g
    /// rings gets of the NICs), it takes
    /// 2(g−1)·(B/(g·β_i) + α_i) + 2(n−1)·(B/(g·n·β_e) + α_e):
    /// 2(n−1) network latencies instead of a flat ring's 2(N−1), N = g·n.
    /// On one node, or on nodes holding unequal numbers of the ranks (a partly filled
    /// last node, which Horovod handles with a remainder reduce that is not modelled),
    /// it is the flat `ring`.
    case hierarchical
    /// Recursive halving reduce-scatter then recursive doubling all-gather, as MPICH
    /// runs Rabenseifner's all-reduce (Thakur, Rabenseifner & Gropp 2005, "Optimization
    /// of collective communication operations in MPICH", IJHPCA 19(1); MPICH's
    /// `allreduce_intra_reduce_scatter_allgather.c`): with p = N a power of two, step k
    /// of the reduce-scatter exchanges half of what a rank still holds (B/2, B/4, ...,
    /// B/p) with the rank 2^k away (distance 1 first), adding it; the all-gather runs the
    /// steps in reverse. On idle uniform links: 2·log2(p)·α + 2·(p−1)/p·B/β.
    /// For N not a power of two, as MPICH does, with p = 2^⌊log2 N⌋ and r = N − p: each
    /// even rank 2i < 2r first sends its whole vector to rank 2i+1, which adds it and
    /// stands for both in the power-of-two algorithm, and sends the result back at the
    /// end: 2·(α + B/β) more.
    case halvingDoubling = "halving-doubling"
    /// Push-pull to a parameter server sharded over the nodes, as BytePS runs it with
    /// its servers on the GPU machines (Jiang et al., OSDI 2020, "A Unified Architecture
    /// for Accelerating Distributed DNN Training in Heterogeneous GPU/CPU Clusters") and
    /// as MXNet's `dist_sync` kvstore does after its local reduce: the node's g GPUs first
    /// reduce-scatter over the node's fabric (a ring, g−1 steps of B/g), each copies its
    /// reduced 1/g to host memory, the node pushes the s-th 1/S of its sum to server shard
    /// s (S = n shards, one in each node's host memory; its own shard stays local), each
    /// shard, once every node's part is in, is pulled back by every node (B/S each), copied
    /// to the GPUs (1/g each) and all-gathered inside the node (g−1 steps).
    ///
    /// Bytes per NIC: as a worker a node sends (S−1)/S·B and receives (S−1)/S·B; as the
    /// host of a shard it also receives (n−1)/n·B of pushes and sends (n−1)/n·B of pulls,
    /// so with S = n each NIC carries 2(n−1)/n·B each way, against 2(N−1)/N·B for a flat
    /// ring over the N = g·n GPUs (whose ring crosses each node's boundary once per
    /// direction): less whenever g > 1, and the same as `hierarchical`'s rings. (BytePS's
    /// B per NIC needs extra CPU-only server machines, which ScaleCast does not model.)
    /// On idle links, with D2H/H2D copies at β_h, α_h and each NIC at β_e, α_e:
    /// 2(g−1)·(B/(g·β_i) + α_i) + 2·(B/(g·β_h) + α_h) + 2·((n−1)/n·B/β_e + α_e).
    ///
    /// The servers' summation is not priced: BytePS sums each partition (4,096,000
    /// bytes by default, `BYTEPS_PARTITION_BYTES`) as it arrives, on CPU cores streaming
    /// at memory bandwidth, several times what one NIC delivers (12.5 GB/s at 100 Gb/s),
    /// so all but the last partition's sum hides behind the pushes; the partition
    /// pipelining that lets BytePS overlap push, sum and pull is not modelled either
    /// (each shard is pushed and pulled whole), which errs the other way.
    /// Host-to-host traffic leaves through the node's first NIC (one server and one
    /// worker process per machine, as in BytePS's runs). On one node there is no
    /// server traffic (BytePS runs only its local NCCL phases there): the flat `ring`.
    case parameterServer = "parameter-server"
    /// BVLC Caffe's `P2PSync` (2015-2016, before NCCL; `P2PSyncTree`): up a tree whose
    /// pairs are chosen by peer-to-peer access, each GPU adding its children's
    /// gradients and copying the whole buffer to its parent once all are in, then down
    /// it, each parent copying the whole buffer to its children one after the other
    /// (last child first). Copies between GPUs that cannot peer go through host memory
    /// (`Topology.legs`). On idle links of bandwidth β and latency α: each level up
    /// costs B/β + α, and the broadcast as many B/β + α as its longest chain of copies
    /// that follow one another (a parent's k-th copy waits for its first k − 1).
    /// The adds (`caffe_gpu_add`, 3B of memory traffic per child) and the root's
    /// scaling are not priced: at a K40's ~200 GB/s they are ~1% of AlexNet's copies.
    case p2psyncTree = "caffe-p2psync-tree"
    /// A parameter server in host memory, as TensorFlow 1.x runs `--variable_update=
    /// parameter_server --local_parameter_device=cpu` on one machine (tensorflow/benchmarks,
    /// scripts/tf_cnn_benchmarks @ fd87986, 2017-05, variable_mgr.py `VariableMgrLocalFetchFromPS`:
    /// every variable on `/cpu:0`, each tower's gradient summed there with `tf.add_n`, the
    /// mean applied there, and every tower reading the variables back): every GPU copies
    /// its whole gradient B into its server's host memory (node 0's), the CPU sums, scales
    /// and updates (`serverSeconds`), then every GPU copies the whole result back. It runs
    /// on one GPU too (the variables still live on the CPU). On idle links with each GPU's
    /// route to host memory at β_h, α_h and shared uplinks carrying k GPUs' copies:
    /// 2·(k·B/β_h + α_h) + server seconds. Every node has host memory (`Topology`, "Endpoints").
    case psHost = "ps-host"
    /// Parameter servers on the GPUs, as TensorFlow 1.x runs `--variable_update=
    /// parameter_server` with its default `--local_parameter_device=gpu` (variable_mgr.py @
    /// fd87986, `ParamServerDeviceSetter`: each variable placed on the GPU that holds the
    /// fewest elements so far, in creation order): each bucket (a weighted layer) has one
    /// GPU as its server (`serverOwners`); the other N − 1 copy their whole gradient B to
    /// it, it sums, scales and updates (`serverSeconds`), and copies the result to the
    /// N − 1 others. On idle links of β, α per GPU: 2·((N − 1)·B/β + α) + server seconds,
    /// the server's own link carrying every copy: a layer as large as AlexNet's fc6 is as
    /// slow as its server's link, however the other layers are spread.
    case psGPUs = "ps-gpus"
    /// NCCL as it runs an all-reduce: for each collective, the algorithm (ring, double
    /// binary tree, or NVLS inside one NVSwitch node of Hopper or later GPUs) and
    /// protocol (LL, LL128, Simple) its tuning model predicts fastest for the message
    /// size, node count and GPUs per node (`NCCLSystem.choose`, after NVIDIA/nccl
    /// v2.30.7 `src/graph/tuning.cc`), run on NCCL's channels with the protocol's bytes
    /// on the wire and per-step latency (`NCCLSystem+Layout`, `NCCLSystem+NVLS`). Small
    /// messages across many nodes go to the tree with LL; large ones to the ring with
    /// Simple (LL128 between, where enabled), or to NVLS where a node has it.
    case nccl = "nccl-auto"
    /// NCCL's ring (`NCCL_ALGO=ring`), the protocol still NCCL's choice: rings on
    /// every rail and mesh stride, 2(N−1) steps of B/(N·layouts) data each, each step
    /// at least NCCL's per-step latency, the base latency once.
    case ncclRing = "nccl-ring"
    /// NCCL's tree (`NCCL_ALGO=tree`), the protocol still NCCL's choice: a chain in
    /// each node and a double binary tree across nodes, pipelined (chunk by chunk under
    /// Simple, line by line under LL and LL128: `NCCLSystem+Layout`).
    case ncclTree = "nccl-tree"

    /// Whether a worker's all-reduces of this kind run one after another, in the order
    /// they are issued: collectives launched on one CUDA stream per GPU (NCCL's, as
    /// PyTorch's ProcessGroupNCCL, Horovod and TensorFlow's NcclManager issue them; the
    /// generic ring, tree, direct, hierarchical and halving-doubling stand for such
    /// libraries; Caffe's P2P tree runs once per step). Parameter servers push and pull
    /// many tensors at once (BytePS schedules several partitions in flight; TensorFlow's
    /// parameter-server ops are independent graph ops), so theirs may overlap.
    public var runsInIssueOrder: Bool {
        switch self {
        case .parameterServer, .psHost, .psGPUs: return false
        default: return true
        }
    }

    /// The NCCL algorithms this choice lets NCCL's tuning pick from; nil for the
    /// algorithms that are not NCCL's.
    public var ncclAlgorithms: [NCCLAlgorithm]? {
        switch self {
        case .nccl: return NCCLAlgorithm.allCases
        case .ncclRing: return [.ring]
        case .ncclTree: return [.tree]
        default: return nil
        }
    }
}

/// An aggregated collective: an all-reduce of `bytes` across `ranks` GPUs with
/// `algorithm`, or another `kind` (a model-parallel exchange) as a library runs it.
public struct CollectiveWork: Hashable, Sendable {
    /// What the collective computes (`allReduce` for the gradient sync).
    public var kind: CollectiveKind
    /// The all-reduce's algorithm; for the other kinds, the run's: they run on the
    /// ring (all-gather, reduce-scatter) or the pipelined chain (broadcast, reduce)
    /// whatever it is (`CollectiveKind`), on NCCL's rings where it is one of NCCL's (`ncclRing`).
    public var algorithm: AllReduceAlgorithm
    public var bytes: Double
    public var ranks: Int
    /// GPUs per node: ranks 0..<ranks fill nodes of this many in order (the two-level
    /// algorithms group by node); nil puts every rank on one node.
    public var ranksPerNode: Int?
    /// For NCCL's algorithms: the system NCCL tuned for and what it chose to run.
    public var nccl: NCCLRun?
    /// An all-gather or reduce-scatter under NCCL's algorithms: the system and the ring
    /// and protocol it runs on (NCCL's rings over every rail and mesh stride, as its
    /// all-reduce's ring). Kept apart from `nccl`, which also says the kernel's thread
    /// blocks slow compute (`CollectiveInterference`): not modelled for the exchanges.
    public var ncclRing: NCCLRun?
    /// Under `psGPUs` across nodes (the aggregated fidelity): the NIC of the GPU serving the
    /// bucket (its node's, or with several NICs a node the one the GPU is pinned to,
    /// `TrainingSetup.nicOfLocalGPU`: node × NICs per node + NIC), the lane of stage resources
    /// its push and pull queue on (`GraphRun`, `CollectiveModel.stageSeconds`). Buckets served
    /// through different NICs move at once, as the expanded plan runs them, each into its own
    /// NIC's links, and buckets served through one NIC share it. nil elsewhere: one collective
    /// stream (or set of stage resources) per GPU.
    /// Where each lane is one NIC, a bucket's push and pull also load the other nodes' lanes
    /// (`TaskGraph.crossLaneLoads`, `CrossLaneLoads`).
    public var stageLane: Int?
    /// With `stageLane`: the GPU serving the bucket. Buckets of one server share its link to
    /// the NIC, so their stages share one cap on the lane (`GraphRun`, `SharedResource`).
    public var stageServer: Int?

    public init(_ kind: CollectiveKind = .allReduce, algorithm: AllReduceAlgorithm, bytes: Double, ranks: Int, ranksPerNode: Int? = nil,
                nccl: NCCLRun? = nil, ncclRing: NCCLRun? = nil, stageLane: Int? = nil, stageServer: Int? = nil) {
        precondition(kind != .allReduce || algorithm.ncclAlgorithms == nil || nccl != nil, "NCCL's algorithms need NCCL's system and choice")
        self.kind = kind
        self.algorithm = algorithm
        self.bytes = bytes
        self.ranks = ranks
        self.ranksPerNode = ranksPerNode
        self.nccl = nccl
        self.ncclRing = ncclRing
        self.stageLane = stageLane
        self.stageServer = stageServer
    }
}

/// An NCCL collective as NCCL runs it: the system it tuned for and its choice.
public struct NCCLRun: Hashable, Sendable {
    public var system: NCCLSystem
    public var choice: NCCLChoice

    public init(system: NCCLSystem, choice: NCCLChoice) {
        self.system = system
        self.choice = choice
    }

    /// NCCL's choice for an all-reduce of `bytes` under `algorithm` (one of NCCL's),
    /// nil for the other algorithms.
    public init?(_ algorithm: AllReduceAlgorithm, system: NCCLSystem, bytes: Double) {
        guard let among = algorithm.ncclAlgorithms else { return nil }
        self.init(system: system, choice: system.choose(bytes: bytes, among: among))
    }
}

/// Ranks grouped by the node their GPU is in, as the two-level algorithms see them.
public struct NodeGroups: Sendable, Equatable {
    /// For each node in order of first appearance, the positions (in `ranks`) of its ranks.
    public var members: [[Int]]
    /// The node of each group.
    public var nodes: [Int]

    /// Groups `ranks` (GPU indices) into nodes of `gpusPerNode` GPUs (GPU g is in node
    /// g / gpusPerNode); nil puts them all on one node.
    public init(ranks: [Int], gpusPerNode: Int?) {
        guard let size = gpusPerNode, size > 0 else {
            members = [Array(ranks.indices)]
            nodes = [0]
            return
        }
        var members: [[Int]] = [], nodes: [Int] = [], index: [Int: Int] = [:]
        for (position, gpu) in ranks.enumerated() {
            let node = gpu / size
            if let i = index[node] { members[i].append(position) } else {
                index[node] = members.count
                members.append([position])
                nodes.append(node)
            }
        }
        self.members = members
        self.nodes = nodes
    }

    /// Whether every node holds the same number of ranks.
    public var isUniform: Bool { Set(members.map(\.count)).count <= 1 }
}

/// How finely a plan is simulated.
public enum Fidelity: String, CaseIterable, Sendable {
    /// Every transfer of every collective, on every GPU: exact contention, cost
    /// growing faster than the GPU count.
    case expanded
    /// Identical data-parallel workers simulated once, each collective one task
    /// priced by its closed form with the contention the topology implies: cost
    /// independent of the GPU count.
    case aggregated
}

extension TaskGraph {
    /// Expands an all-reduce of `bytes` over GPUs `ranks` into transfers.
    /// - Parameters:
    ///   - ready: for each rank, the task after which its contribution is ready.
    ///   - bucket: the bucket and its element count, to annotate each transfer with
    ///     the gradient elements it moves (for an executor); nil leaves them plain.
    ///     Transfers to and from host memory (`parameterServer` across nodes) carry no
    ///     operation: the executor has no host memory and refuses such plans.
    ///   - gpusPerNode: GPUs per node (GPU g is in node g / gpusPerNode), for the
    ///     two-level algorithms; nil puts every rank on one node.
    /// - Returns: for each rank, the tasks after which it holds the full result
    ///   (empty when a single rank needs no communication).
    ///   - nccl: for NCCL's algorithms, the system and NCCL's choice (required for them).
    ///   - cudaConvnet2Networks: `direct` only: each owner's piece is reduced by
    ///     cuda-convnet2's reducer and goes up to its node's host memory once and down
    ///     from there to every other rank (`directAllReduceAsCudaConvnet2`), instead of
    ///     GPU to GPU.
    ///   - server: `psGPUs` only: the position in `ranks` of the GPU that serves this bucket.
    ///   - serverSeconds: `psHost` and `psGPUs`: the server's sum, mean and update
    ///     (`ParameterServers.serverSeconds`), waited for before the pulls.
    ///   - symmetry: plan node 0's part only (`NodeSymmetry`): `ranks` are then all the
    ///     run's GPUs in order, `ready` and the result hold node 0's ranks only.
    ///     Only for the algorithms `NodeSymmetry.refusal` accepts.
    public mutating func allReduce(_ algorithm: AllReduceAlgorithm, bytes: Double, ranks: [Int], ready: [[Int]],
                                   step: Int, group: String, bucket: (index: Int, elements: Int)? = nil,
                                   gpusPerNode: Int? = nil, nccl: NCCLRun? = nil, cudaConvnet2Networks: Bool = false,
                                   server: Int = 0, serverSeconds: Double = 0, symmetry: NodeSymmetry? = nil,
                                   canPeer: (Int, Int) -> Bool = { _, _ in true }) -> [[Int]] {
        let n = ranks.count
        guard n > 1 || (algorithm.communicatesOnOneGPU && n == 1) else { return ready }
        precondition(symmetry.map { ranks == Array(0..<$0.ranks) && ready.count == $0.ranksPerNode } ?? true,
                     "a symmetric all-reduce runs over every rank, from node 0's")
        /// The c-th of n near-equal pieces of the bucket's elements.
        func piece(_ c: Int) -> Range<Int> {
            guard let bucket else { return 0..<0 }
            return (c * bucket.elements / n)..<((c + 1) * bucket.elements / n)
        }
        func op(_ elements: Range<Int>, add: Bool) -> Operation? {
            bucket.map { .gradient(bucket: $0.index, elements: elements, add: add) }
        }
        switch algorithm {
        case .ring:
            return ringAllReduce(bytes: bytes, ranks: ranks, ready: ready, step: step, group: group, piece: piece, op: op,
                                 period: symmetry?.ranksPerNode)
        case .tree: return treeAllReduce(bytes: bytes, ranks: ranks, ready: ready, step: step, group: group,
                                         whole: bucket.map { 0..<$0.elements } ?? 0..<0, op: op)
        case .p2psyncTree:
            let tree = P2PSyncTree(ranks: n) { canPeer(ranks[$0], ranks[$1]) }
            return p2psyncTreeAllReduce(tree, bytes: bytes, ranks: ranks, ready: ready, step: step, group: group,
                                        whole: bucket.map { 0..<$0.elements } ?? 0..<0, op: op)
        case .direct:
            if cudaConvnet2Networks {
                return directAllReduceAsCudaConvnet2(bytes: bytes, ranks: ranks, ready: ready, step: step, group: group,
                                                     gpusPerNode: gpusPerNode, canPeer: canPeer, piece: piece, op: op)
            }
            return directAllReduce(bytes: bytes, ranks: ranks, ready: ready, step: step, group: group, piece: piece, op: op)
        case .hierarchical, .parameterServer:
            let nodes = NodeGroups(ranks: ranks, gpusPerNode: gpusPerNode)
            let whole = bucket.map { 0..<$0.elements }
            if nodes.members.count < 2 || (algorithm == .hierarchical && !nodes.isUniform) {
                return ringAllReduce(bytes: bytes, ranks: ranks, ready: ready, step: step, group: group, piece: piece, op: op)
            }
            if algorithm == .hierarchical {
                return hierarchicalAllReduce(bytes: bytes, ranks: ranks, nodes: nodes, ready: ready, step: step, group: group,
                                             whole: whole, op: op, firstNodes: symmetry.map { $0.ranksPerNode / nodes.members[0].count })
            }
            return parameterServerAllReduce(bytes: bytes, ranks: ranks, nodes: nodes, ready: ready, step: step, group: group,
                                            whole: whole, op: op)
        case .psHost:
            let host = hostEndpoint(node: gpusPerNode.map { ranks[0] / $0 } ?? 0)
            return centralServerAllReduce(bytes: bytes, ranks: ranks, server: host, serverSeconds: serverSeconds, ready: ready,
                                            step: step, group: group, whole: bucket.map { 0..<$0.elements }, op: op)
        case .psGPUs:
            return centralServerAllReduce(bytes: bytes, ranks: ranks, server: ranks[server], serverSeconds: serverSeconds, ready: ready,
                                            step: step, group: group, whole: bucket.map { 0..<$0.elements }, op: op)
        case .halvingDoubling:
            return halvingDoublingAllReduce(bytes: bytes, ranks: ranks, ready: ready, step: step, group: group,
                                            whole: bucket.map { 0..<$0.elements }, op: op)
        case .nccl, .ncclRing, .ncclTree:
            guard let nccl else { preconditionFailure("NCCL's algorithms need NCCL's system and choice") }
            return ncclAllReduce(nccl, bytes: bytes, ranks: ranks, ready: ready, step: step, group: group,
                                 whole: bucket.map { 0..<$0.elements }, op: op, symmetry: symmetry)
        }
    }

    private mutating func ringAllReduce(bytes: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                        piece: (Int) -> Range<Int>, op: (Range<Int>, Bool) -> Operation?, period: Int? = nil) -> [[Int]] {
        ringSteps(0..<(2 * (ranks.count - 1)), bytes: bytes, ranks: ranks, ready: ready, step: step, group: group,
                  label: "\(group) ring", piece: piece, op: op, period: period)
    }

    /// Steps `steps` of a ring all-reduce of `bytes` over `ranks` (steps 0..<n−1 are the
    /// reduce-scatter, n−1..<2(n−1) the all-gather), each rank sending B/n to the next.
    /// - Parameters:
    ///   - ready: for each rank, what its first step waits for.
    ///   - receiverReady: for each rank (empty: none), what the first step into it also waits for.
    ///   - piece: the elements of the c-th of the n pieces (empty when unannotated).
    /// - Returns: for each rank, the tasks after which it holds the last step's result
    ///   and its own last send is out (`ready` when there are no steps).
    ///   - latency: the latency of ring step t's transfer from GPU a to GPU b (none by default).
    ///   - period: plan only positions 0..<period, for a ring that the node shift maps onto
    ///     itself by `period` positions (`NodeSymmetry`): position i stands for every
    ///     i + k·period, so the position left of 0 (n − 1) is stood for by period − 1; `ready`
    ///     and the result then hold those positions only. nil: every position.
    ///   - pipelined: a rank's next send waits for its own previous send's last byte to
    ///     leave, not to arrive: NCCL's ring kernel keeps `NCCL_STEPS` (8) slices in flight per
    ///     connection, so the latency of a step elapses while the next one is sent. false: each
    ///     send waits for the one before it to arrive (a blocking send per step, the textbook
    ///     ring's α per step).
    ///   - ceiling: the most bytes per second each transfer moves (`Task.ceilingBytesPerSecond`).
    mutating func ringSteps(_ steps: Range<Int>, bytes: Double, ranks: [Int], ready: [[Int]], receiverReady: [[Int]] = [], step: Int, group: String,
                            label: String, piece: (Int) -> Range<Int>, op: (Range<Int>, Bool) -> Operation?,
                            latency: (_ t: Int, _ a: Int, _ b: Int) -> TransferLatency = { _, _, _ in .none },
                            period: Int? = nil, pipelined: Bool = false, ceiling: Double = .infinity) -> [[Int]] {
        let n = ranks.count
        guard n > 1, !steps.isEmpty else { return ready }
        let planned = period ?? n
        precondition(n % planned == 0, "a ring's period divides its length")
        let chunk = bytes / Double(n)
        var previous = [Int](repeating: -1, count: planned)   // the transfer each planned rank sent in the last ring step
        var firstSends: [Int] = []                              // pipelined: each planned rank's first send
        for t in steps {
            // A plan past its limits is refused once planned this far; its first step is what the refusal needs.
            if isFull && t > steps.lowerBound { break }
            var current = [Int](repeating: -1, count: planned)
            for i in 0..<planned {
                let left = (i + n - 1) % n % planned
                // Rank i forwards what it received from its left neighbour in the
                // previous step, after its own previous send has gone out (pipelined: once its
                // last byte has left).
                // The first step also waits until its receiver can receive (`receiverReady`, by position).
                let next = (i + 1) % n
                let deps = t == steps.lowerBound ? ready[i] + (next < receiverReady.count ? receiverReady[next] : [])
                    : pipelined ? [previous[left]] : [previous[left], previous[i]]
                let reducing = t < n - 1
                let phase = reducing ? "reduce-scatter" : "all-gather"
                // Reduce-scatter step s: rank i sends piece (i − s) mod n, added on arrival; after
                // n−1 steps rank i holds piece (i + 1) mod n whole. All-gather step s: it sends
                // piece (i + 1 − s) mod n, copied on arrival.
                let index = reducing ? ((i - t) % n + n) % n : ((i + 1 - (t - (n - 1))) % n + n) % n
                current[i] = transfer(chunk, from: ranks[i], to: ranks[(i + 1) % n],
                                      label: "\(label) \(phase) step \(t)", after: deps, step: step, group: group,
                                      operation: op(piece(index), reducing), latency: latency(t, ranks[i], ranks[(i + 1) % n]))
                if pipelined && t > steps.lowerBound { waitForLastByte(of: previous[i], before: current[i]) }
                if ceiling < .infinity { limitRate(of: current[i], toBytesPerSecond: ceiling) }
            }
            if firstSends.isEmpty && pipelined { firstSends = current }
            previous = current
        }
        // Rank i holds the result once it has received the last step's chunk from its left.
        // Pipelined, its sends arrive in their order but the first, which carries the
        // collective's base latency, may arrive after the last: it is out once both are.
        return (0..<planned).map { i in
            [previous[(i + n - 1) % n % planned], previous[i]] + (pipelined && firstSends[i] != previous[i] ? [firstSends[i]] : [])
        }
    }

    private mutating func treeAllReduce(bytes: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                        whole: Range<Int>, op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let n = ranks.count
        func children(_ r: Int) -> [Int] { [2 * r + 1, 2 * r + 2].filter { $0 < n } }
        // Reduce: leaves first (highest rank first reaches the root last).
        var reduced = [[Int]](repeating: [], count: n)   // tasks after which rank r holds its subtree's sum
        var sendUp = [Int: Int]()                          // rank -> its transfer to its parent
        for r in stride(from: n - 1, through: 0, by: -1) {
            reduced[r] = ready[r] + children(r).map { sendUp[$0]! }
            if r > 0 {
                sendUp[r] = transfer(bytes, from: ranks[r], to: ranks[(r - 1) / 2], label: "\(group) tree reduce",
                                     after: reduced[r], step: step, group: group, operation: op(whole, true))
            }
        }
        var done = [[Int]](repeating: [], count: n)
        done[0] = reduced[0]
        for r in 0..<n {
            for c in children(r) {
                let down = transfer(bytes, from: ranks[r], to: ranks[c], label: "\(group) tree broadcast",
                                    after: done[r], step: step, group: group, operation: op(whole, false))
                done[c] = [down]
            }
        }
        return done
    }

    /// `P2PSyncTree`'s all-reduce: a rank copies its whole buffer up once its own
    /// gradient and every child's copy are in; a parent copies the result down to its
    /// children in `broadcastOrder`, each copy after the one before (Caffe synchronizes
    /// the stream after each). A rank is done once it holds the result and its own
    /// copies down are through (Caffe's `on_start` returns only then).
    private mutating func p2psyncTreeAllReduce(_ tree: P2PSyncTree, bytes: Double, ranks: [Int], ready: [[Int]], step: Int,
                                               group: String, whole: Range<Int>,
                                               op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let n = ranks.count
        var received = [[Int]](repeating: [], count: n)   // the copies up from each rank's children
        for level in tree.reduceLevels {
            for (child, parent) in level {
                let id = transfer(bytes, from: ranks[child], to: ranks[parent], label: "\(group) p2psync reduce",
                                  after: ready[child] + received[child], step: step, group: group, operation: op(whole, true))
                received[parent].append(id)
            }
        }
        var holds = [[Int]](repeating: [], count: n)
        holds[tree.root] = ready[tree.root] + received[tree.root]
        var done = [[Int]](repeating: [], count: n)
        var queue = [tree.root]
        while !queue.isEmpty {
            let p = queue.removeFirst()
            var previous = holds[p]
            for c in tree.broadcastOrder[p] {
                let id = transfer(bytes, from: ranks[p], to: ranks[c], label: "\(group) p2psync broadcast",
                                  after: previous, step: step, group: group, operation: op(whole, false))
                holds[c] = [id]
                previous = [id]
                queue.append(c)
            }
            done[p] = previous
        }
        return done
    }

    private mutating func directAllReduce(bytes: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                          piece: (Int) -> Range<Int>, op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let n = ranks.count
        let size = bytes / Double(n)
        let received = directReduceScatter(size, ranks: ranks, ready: ready, step: step, group: group, piece: piece, op: op)
        var done = [[Int]](repeating: [], count: n)
        for j in 0..<n {
            for i in 0..<n where i != j {
                done[i].append(transfer(size, from: ranks[j], to: ranks[i], label: "\(group) all-gather",
                                        after: received[j] + ready[j], step: step, group: group, operation: op(piece(j), false)))
            }
        }
        return (0..<n).map { done[$0] + received[$0] }
    }

    /// The reduce-scatter of `directAllReduce`: every rank sends its piece j (`size`
    /// bytes) to rank j at once. - Returns: for each rank, the transfers it receives.
    private mutating func directReduceScatter(_ size: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                              piece: (Int) -> Range<Int>, op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let n = ranks.count
        var received = [[Int]](repeating: [], count: n)
        for i in 0..<n {
            for j in 0..<n where j != i {
                received[j].append(transfer(size, from: ranks[i], to: ranks[j], label: "\(group) reduce-scatter",
                                            after: ready[i], step: step, group: group, operation: op(piece(j), true)))
            }
        }
        return received
    }

    /// The tasks in every one of `lists`.
    static func sharedByAll(_ lists: [[Int]]) -> Set<Int> {
        guard var shared = lists.first.map(Set.init) else { return [] }
        for list in lists.dropFirst() where !shared.isEmpty { shared.formIntersection(list) }
        return shared
    }

    /// `directAllReduce` as cuda-convnet2 synchronizes a weight matrix over three or more
    /// replicas (cudaconvnet/src/weights.cu, `Weights::aggregateReplicaGradients`): each
    /// replica owns a shard of B/n; its reducer sums every replica's shard into it
    /// (`IWeightReducer::make`: `cudaConvnet2Reduce`, all shards at once), then its
    /// broadcaster sends the result to every other replica through host memory
    /// (streambroadcast.cu, `ISafeBroadcastNetwork::make` never builds a peer tree, so
    /// `NaiveBroadcaster`: source → host → every other GPU): each owner's piece goes up
    /// to its node's host memory (one transfer) and down to the n − 1 others (concurrent,
    /// sharing the host's links).
    private mutating func directAllReduceAsCudaConvnet2(bytes: Double, ranks: [Int], ready: [[Int]], step: Int, group: String,
                                                        gpusPerNode: Int?, canPeer: (Int, Int) -> Bool, piece: (Int) -> Range<Int>,
                                                        op: (Range<Int>, Bool) -> Operation?) -> [[Int]] {
        let n = ranks.count
        let size = bytes / Double(n)
        // What every rank waits for (layers synchronized in turn: the layer before, everywhere)
        // goes once into each reducer's chain, not into each of its transfers.
        let common = Self.sharedByAll(ready)
        let own = ready.map { list in list.filter { !common.contains($0) } }
        let received = (0..<n).map { j in
            cudaConvnet2Reduce(size, into: ranks[j], sources: (1..<n).map { ranks[(j + $0) % n] }, canPeer: canPeer,
                               host: hostEndpoint(node: gpusPerNode.map { ranks[j] / $0 } ?? 0),
                               ready: { own[ranks.firstIndex(of: $0)!] }, common: common.sorted(), step: step, group: group,
                               operation: op(piece(j), true))
        }
        var done = [[Int]](repeating: [], count: n)
        for j in 0..<n {
            let host = hostEndpoint(node: gpusPerNode.map { ranks[j] / $0 } ?? 0)
            // Host memory has no buffers an executor could run: the staged copies carry no operation.
            // The reduction into rank j waited for the common tasks already.
            let up = transfer(size, from: ranks[j], to: host, label: "\(group) to host",
                              after: received[j].isEmpty ? ready[j] : received[j] + own[j], step: step, group: group)
            for i in 0..<n where i != j {
                done[i].append(transfer(size, from: host, to: ranks[i], label: "\(group) from host", after: [up], step: step, group: group))
            }
        }
        return (0..<n).map { done[$0] + received[$0] }
    }
}
