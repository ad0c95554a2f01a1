/// A data-parallel plan that is the same seen from every node, planned for node 0
/// alone: the quotient of the whole plan by the node shift (rank r to r + g mod N).
///
/// With N ranks on n full nodes of g, a plan whose program is invariant under the
/// shift (every rank runs the same layers; a collective whose transfers map onto its
/// own transfers: a flat ring, NCCL's rings, the hierarchical all-reduce's rings; not a
/// tree rooted at rank 0 nor a parameter server with a fixed server) falls into orbits of
/// n tasks, one per node. The quotient keeps one task of each orbit, the one whose rank
/// (the sender, for a transfer) is in node 0: node 0's g ranks and their transfers,
/// where a transfer keeps its real destination (a rank of node k: the simulator routes
/// it through node 0's image of node k's links, `Topology.firstNodeImage`), and a task
/// that in the whole plan waits for a transfer from another node waits for the
/// transfer of the same orbit that node 0 sends (`representative`): the transfer into
/// node 0 from node −k is the image, under the shift, of node 0's transfer into node k.
/// On a wiring that is the same from every node, each orbit's members run at the same
/// times (see `Topology+NodeShift`), so node 0's times are every node's, and planning
/// and simulating cost O(g·N) per collective instead of O(N²).
public struct NodeSymmetry: Hashable, Sendable {
    /// Ranks of the whole run, N (GPUs 0..<N, node after node).
    public let ranks: Int
    /// Ranks per node, g: the shift.
    public let ranksPerNode: Int

    /// - Precondition: at least two nodes, every one full.
    public init(ranks: Int, ranksPerNode: Int) {
        precondition(ranksPerNode > 0 && ranks % ranksPerNode == 0 && ranks / ranksPerNode > 1,
                     "node symmetry needs two or more full nodes")
        self.ranks = ranks
        self.ranksPerNode = ranksPerNode
    }

    /// Nodes of the whole run, n.
    public var nodes: Int { ranks / ranksPerNode }

    /// The rank of node 0 in the orbit of `rank`, whose tasks stand for its tasks.
    public func representative(of rank: Int) -> Int { rank % ranksPerNode }

    /// Why a data-parallel plan of `setup` under `strategy` is not invariant under the
    /// node shift, in a few words, or nil when it is (the wiring is judged apart:
    /// `Topology.nodeShiftRefusal`).
    public static func refusal(_ setup: TrainingSetup, strategy: Strategy) -> String? {
        guard strategy.kind == .data else { return "model-parallel layers" }
        guard let g = setup.gpusPerNode, setup.gpus % g == 0, setup.gpus / g > 1 else { return "one node, or a partly filled last node" }
        let algorithm = strategy.gradientSync.algorithm
        switch algorithm {
        case .ring, .hierarchical:
            return nil
        case .nccl, .ncclRing, .ncclTree:
            // NCCL chooses per collective: every bucket's choice must be a ring.
            guard let system = setup.nccl else { return "no NCCL system" }
            let buckets = LayerwisePlanner.buckets(setup, strategy: strategy, layers: 1..<setup.network.layers.count)
            let rings = buckets.allSatisfy { NCCLRun(algorithm, system: system, bytes: $0.bytes)?.choice.algorithm == .ring }
            return rings ? nil : "NCCL runs a tree rooted at one rank for some buckets"
        case .tree, .p2psyncTree: return "the \(algorithm.rawValue) all-reduce is rooted at one rank"
        case .halvingDoubling: return "halving-doubling pairs ranks by bit, not by node"
        case .direct: return "the direct all-reduce is not laid out by node"
        case .parameterServer, .psHost, .psGPUs: return "the \(algorithm.rawValue) all-reduce has fixed servers"
        }
    }
}
