/// Under `psGPUs` across nodes (the aggregated fidelity), where each lane of stage resources
/// (`CollectiveWork.stageLane`) is one NIC: how a bucket's transfers load the NICs of the
/// other nodes, not only its server's.
///
/// A bucket served by a GPU behind NIC Y is pushed by every GPU outside Y's node, each through
/// its own NIC, and pulled back the same way. The push fills Y's ingress with the remote
/// GPUs' R whole gradients and leaves every other NIC X through its egress with the gradients
/// of X's own G_X GPUs; the pull fills Y's egress and enters every X's ingress. A NIC's
/// egress therefore carries its servers' pulls and its workers' pushes to the other nodes'
/// servers at once (full duplex: the two directions are separate resources), and so does its
/// ingress the other way round. The aggregated run keeps each lane's two directions as the
/// two stages of `CollectiveModel.stageSeconds` (stage 0: the push, into the server's NIC;
/// stage 1: the pull, out of it), and a stage of a bucket of B bytes served through Y also
/// runs on every other node's lane X, in the other stage's resource, for the time X's NIC
/// takes to carry its part, G_X · B / (the NIC's bytes per second): on its own lane the
/// stage is priced whole, at whatever bounds it (`CollectiveModel.serverStages`: R
/// gradients into one NIC, or into the server GPU's PCIe link, whichever is slower), and
/// capped at the share of the NIC it uses alone, R · B / (the NIC's bytes per second) over
/// that time (`SharedResource`'s caps, one for the buckets of one server), so that where the
/// server's link binds, the buckets of the NIC's other servers use the rest. The stage ends when all its parts have
/// (`GraphRun`). The lanes within the server's node carry nothing of it: its GPUs reach the
/// server inside the node.
public struct CrossLaneLoads: Hashable, Sendable {
    /// Per lane (node × `lanesPerNode` + NIC), the run's GPUs that send through it.
    public var gpusOfLane: [Int]
    /// Lanes (NICs) per node.
    public var lanesPerNode: Int
    /// Whether the simulation folds the quiet nodes' lanes (`Folding`); off only to check
    /// that folding them changes nothing.
    public var foldsQuietNodes = true

    /// The loads of `gpus` GPUs filling nodes of `gpusPerNode` in order, the GPU of local
    /// index i sending through NIC `nicOfLocalGPU[i]` of its node.
    public init(gpus: Int, gpusPerNode: Int, nicOfLocalGPU: [Int]) {
        lanesPerNode = (nicOfLocalGPU.max() ?? 0) + 1
        let nodes = (gpus + gpusPerNode - 1) / gpusPerNode
        var counts = [Int](repeating: 0, count: nodes * lanesPerNode)
        for g in 0..<gpus { counts[Self.lane(ofGPU: g, gpusPerNode: gpusPerNode, nicOfLocalGPU: nicOfLocalGPU)] += 1 }
        gpusOfLane = counts
    }

    /// The lane of GPU `gpu`, its node's NICs numbered from node × NICs a node: the NIC
    /// `nicOfLocalGPU` gives its local index, or with none, its node (one lane a node).
    public static func lane(ofGPU gpu: Int, gpusPerNode: Int, nicOfLocalGPU: [Int]?) -> Int {
        let lanesPerNode = (nicOfLocalGPU?.max() ?? 0) + 1
        return gpu / gpusPerNode * lanesPerNode + (nicOfLocalGPU?[gpu % gpusPerNode] ?? 0)
    }

    /// The lanes of the other nodes that a stage of a bucket served through `lane` also runs
    /// on, in lane order, each with the GPUs whose gradients (push) or weights (pull) its NIC
    /// carries (lanes no GPU sends through are left out).
    public func crossLanes(of lane: Int) -> [(lane: Int, gpus: Int)] {
        let node = lane / lanesPerNode
        return gpusOfLane.indices.compactMap { other in
            other / lanesPerNode == node || gpusOfLane[other] == 0 ? nil : (other, gpusOfLane[other])
        }
    }

    /// The GPUs of the other nodes than `lane`'s: those whose copies of a bucket served
    /// through `lane` reach its NIC (the sum of `crossLanes(of:)`'s GPUs).
    public func remoteGPUs(of lane: Int) -> Int {
        let node = lane / lanesPerNode
        return gpusOfLane.reduce(0, +) - gpusOfLane[node * lanesPerNode..<(node + 1) * lanesPerNode].reduce(0, +)
    }

    /// The lanes grouped for simulation, given the lanes that serve buckets.
    ///
    /// A quiet node is one none of whose lanes serves a bucket: each of its lanes carries a
    /// part of every bucket's push and pull (no bucket is served on its own node) and nothing
    /// else, each part as long as its NIC takes for its GPUs' copies. Its lanes of one GPU
    /// count therefore see the same parts at the same times and end them at the same times,
    /// on every quiet node: one of them stands for all (`crossLanes(of:folding:)`). At
    /// thousands of nodes and a few hundred servers this keeps a stage to a few hundred
    /// parts instead of one per node, and gives the same step.
    public struct Folding: Sendable {
        /// The lanes of nodes that serve a bucket, with their GPUs, in lane order (those
        /// without GPUs left out): each is simulated on its own.
        public var serving: [(lane: Int, gpus: Int)]
        /// One lane of the quiet nodes for each GPU count among their lanes (the first in
        /// lane order), standing for all of that count.
        public var quiet: [(lane: Int, gpus: Int)]
        /// The nodes that serve a bucket.
        public var servingNodes: Set<Int>
    }

    /// `Folding` for the lanes `servingLanes` (`CollectiveWork.stageLane` of every bucket).
    public func folding(servingLanes: Set<Int>) -> Folding {
        let servingNodes = Set(servingLanes.map { $0 / lanesPerNode })
        var serving: [(lane: Int, gpus: Int)] = [], quiet: [(lane: Int, gpus: Int)] = []
        for lane in gpusOfLane.indices where gpusOfLane[lane] > 0 {
            if servingNodes.contains(lane / lanesPerNode) {
                serving.append((lane, gpusOfLane[lane]))
            } else if !quiet.contains(where: { $0.gpus == gpusOfLane[lane] }) {
                quiet.append((lane, gpusOfLane[lane]))
            }
        }
        return Folding(serving: serving, quiet: quiet, servingNodes: servingNodes)
    }

    /// `crossLanes(of:)` as the simulation runs them under `folding`: the serving nodes'
    /// lanes outside `lane`'s node, then one lane for each GPU count of the quiet nodes'.
    /// `lane` must serve a bucket (be among `folding`'s serving lanes' nodes).
    public func crossLanes(of lane: Int, folding: Folding) -> [(lane: Int, gpus: Int)] {
        let node = lane / lanesPerNode
        precondition(folding.servingNodes.contains(node), "lane \(lane)'s node serves no bucket in this folding")
        return folding.serving.filter { $0.lane / lanesPerNode != node } + folding.quiet
    }
}
