import CostModel
import Hardware
import Parallelism
import SimCore
import Testing
@testable import Simulation

@Suite struct AllReduceTests {
    func simulateAllReduce(_ algorithm: AllReduceAlgorithm, gpus n: Int, bytes: Double, bandwidth: Double, latency: Double) -> Trace {
        let cluster = Fixtures.meshCluster(gpus: n, bytesPerSecond: bandwidth, latency: latency)
        var graph = TaskGraph(gpus: n, steps: 1)
        _ = graph.allReduce(algorithm, bytes: bytes, ranks: Array(0..<n), ready: Array(repeating: [], count: n),
                            step: 0, group: "test")
        return GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: n),
                                   cost: CostModel(gpu: cluster.gpu, precision: .fp32))
    }

    /// Ring all-reduce on idle uniform links: 2(N−1) steps of B/N bytes, each
    /// taking B/(N·β) + α — the closed form 2(N−1)/N·B/β + 2(N−1)·α, to the nanosecond.
    @Test(arguments: [2, 3, 4, 8, 16])
    func ringMatchesItsClosedForm(gpus n: Int) {
        let bytes = 100e6, bandwidth = 25e9, latency = 2e-6
        let trace = simulateAllReduce(.ring, gpus: n, bytes: bytes, bandwidth: bandwidth, latency: latency)
        let stepTime = SimDuration(secondsRoundingUp: bytes / Double(n) / bandwidth) + SimDuration(secondsRoundingUp: latency)
        #expect(trace.makespan == SimTime.zero + stepTime * Int64(2 * (n - 1)))
        // And it moves 2(N−1)/N·B bytes out of every GPU.
        for g in 0..<n {
            let sent = trace.records.filter { $0.device == g }.reduce(0) { $0 + $1.bytes }
            #expect(abs(sent - 2 * Double(n - 1) / Double(n) * bytes) < 1e-3)
        }
    }

    /// The direct scheme: one reduce-scatter hop and one all-gather hop of B/N.
    @Test(arguments: [2, 4, 8])
    func directMatchesItsClosedForm(gpus n: Int) {
        let bytes = 64e6, bandwidth = 10e9, latency = 1e-6
        let trace = simulateAllReduce(.direct, gpus: n, bytes: bytes, bandwidth: bandwidth, latency: latency)
        let hop = SimDuration(secondsRoundingUp: bytes / Double(n) / bandwidth) + SimDuration(secondsRoundingUp: latency)
        #expect(trace.makespan == SimTime.zero + hop * 2)
    }

    /// The binary tree: ⌊log2 N⌋ levels up and as many down, whole messages.
    @Test(arguments: [2, 4, 8])
    func treeMatchesItsClosedForm(gpus n: Int) {
        let bytes = 8e6, bandwidth = 10e9, latency = 1e-6
        let trace = simulateAllReduce(.tree, gpus: n, bytes: bytes, bandwidth: bandwidth, latency: latency)
        let hop = SimDuration(secondsRoundingUp: bytes / bandwidth) + SimDuration(secondsRoundingUp: latency)
        let levels = Int64(Int.bitWidth - 1 - n.leadingZeroBitCount)
        #expect(trace.makespan == SimTime.zero + hop * (2 * levels))
    }

    @Test func aSingleGPUNeedsNoTransfers() {
        var graph = TaskGraph(gpus: 1, steps: 1)
        let done = graph.allReduce(.ring, bytes: 1e6, ranks: [0], ready: [[]], step: 0, group: "g")
        #expect(graph.tasks.isEmpty)
        #expect(done == [[]])
    }
}
