import Parallelism
import Testing

/// Which NICs a parameter server's bucket loads besides its server's, and by how much.
@Suite struct CrossLaneLoadsTests {
    /// Three nodes of four GPUs on two NICs each (GPUs 0-1 on NIC 0, 2-3 on NIC 1): a bucket
    /// served through node 1's NIC 0 (lane 2) loads the four NICs of nodes 0 and 2, with two
    /// GPUs' copies each; none of node 1's own.
    @Test func theOtherNodesNICsCarryTheirGPUsShare() {
        let loads = CrossLaneLoads(gpus: 12, gpusPerNode: 4, nicOfLocalGPU: [0, 0, 1, 1])
        #expect(loads.lanesPerNode == 2 && loads.gpusOfLane == [2, 2, 2, 2, 2, 2])
        let cross = loads.crossLanes(of: 2)
        #expect(cross.map(\.lane) == [0, 1, 4, 5] && cross.allSatisfy { $0.gpus == 2 })
    }

    /// A part-filled last node (10 GPUs on nodes of 4, one NIC each) carries its two GPUs'
    /// copies; a NIC no GPU uses (NIC 0 under a [1, 1, 1, 1] affinity) is left out.
    @Test func sharesFollowTheGPUsBehindEachNIC() {
        let partial = CrossLaneLoads(gpus: 10, gpusPerNode: 4, nicOfLocalGPU: [0, 0, 0, 0])
        #expect(partial.gpusOfLane == [4, 4, 2])
        let cross = partial.crossLanes(of: 0)
        #expect(cross.map(\.lane) == [1, 2] && cross.map(\.gpus) == [4, 2])
        let unused = CrossLaneLoads(gpus: 8, gpusPerNode: 4, nicOfLocalGPU: [1, 1, 1, 1])
        #expect(unused.lanesPerNode == 2 && unused.crossLanes(of: 1).map(\.lane) == [3])
    }

    /// A GPU's lane: its node's NICs numbered from node × NICs a node (GPU 6 of nodes of four
    /// on NICs [0, 0, 1, 1]: node 1's NIC 1, lane 3), or its node without NICs to tell apart.
    @Test func aGPUsLaneIsItsNodesNIC() {
        #expect(CrossLaneLoads.lane(ofGPU: 6, gpusPerNode: 4, nicOfLocalGPU: [0, 0, 1, 1]) == 3)
        #expect(CrossLaneLoads.lane(ofGPU: 5, gpusPerNode: 4, nicOfLocalGPU: [0, 0, 1, 1]) == 2)
        #expect(CrossLaneLoads.lane(ofGPU: 6, gpusPerNode: 4, nicOfLocalGPU: nil) == 1)
    }
}
