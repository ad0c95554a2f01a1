import CostModel
@testable import Parallelism
import Testing
@testable import Hardware
@testable import Simulation

/// A transfer's ceiling (`Task.ceilingBytesPerSecond`): the software moves it no faster,
/// whatever its links allow, and what it leaves of a shared link goes to the others, as a
/// max-min share with one more link of the ceiling's bandwidth gives.
@Suite struct TransferCeilingTests {
    /// Two GPUs on a 1.5 GB/s link without latency; transfers of 1 MB from GPU 0 to GPU 1,
    /// each with its ceiling (infinity: none). Returns each transfer's end, seconds.
    func ends(ceilings: [Double]) -> [Double] {
        let cluster = Fixtures.meshCluster(gpus: 2, bytesPerSecond: 1.5e9, latency: 0)
        var graph = TaskGraph(gpus: 2, steps: 1)
        let ids = ceilings.map { ceiling in
            let id = graph.transfer(1e6, from: 0, to: 1, label: "copy", after: [], step: 0, group: "test")
            if ceiling < .infinity { graph.limitRate(of: id, toBytesPerSecond: ceiling) }
            return id
        }
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: 2), cost: CostModel(gpu: cluster.gpu, precision: .fp32))
        return ids.map { trace.records[$0].end.seconds }
    }

    @Test func aTransferAloneRunsAtItsCeiling() {
        #expect(abs(ends(ceilings: [1e9])[0] - 1e-3) < 1e-9, "1 MB at 1 GB/s on a 1.5 GB/s link")
        #expect(abs(ends(ceilings: [.infinity])[0] - 1e-3 / 1.5) < 1e-9, "without one, at the link's rate")
    }

    /// Two capped at 1 GB/s share the 1.5 GB/s link equally (0.75 each: the link binds first).
    /// One capped at 0.5 GB/s beside one without: the first runs at 0.5 and the other takes the
    /// 1.0 left (ends at 1 ms); the first then has 0.5 MB left, alone, still at 0.5 GB/s (2 ms).
    @Test func whatACeilingLeavesGoesToTheOthers() {
        let equal = ends(ceilings: [1e9, 1e9])
        #expect(equal.allSatisfy { abs($0 - 1e-3 / 0.75) < 1e-9 }, "\(equal)")
        let mixed = ends(ceilings: [0.5e9, .infinity])
        #expect(abs(mixed[1] - 1e-3) < 1e-9 && abs(mixed[0] - 2e-3) < 1e-9, "\(mixed)")
    }

    /// A ceiling link goes back to the pool when its transfer ends and two transfers under way
    /// never share one: A (0.5 GB/s, 1 MB) alone until 2 ms, then B and C at once, each at its
    /// own 0.5 GB/s on the 1.5 GB/s link (one would take A's link, the other a new one), both
    /// ending at 4 ms; sharing a ceiling link they would run at 0.25 and end at 6 ms.
    @Test func transfersUnderWayNeverShareACeilingLink() {
        let cluster = Fixtures.meshCluster(gpus: 2, bytesPerSecond: 1.5e9, latency: 0)
        var graph = TaskGraph(gpus: 2, steps: 1)
        let a = graph.transfer(1e6, from: 0, to: 1, label: "a", after: [], step: 0, group: "test")
        let later = (0..<2).map { _ in graph.transfer(1e6, from: 0, to: 1, label: "after a", after: [a], step: 0, group: "test") }
        for id in [a] + later { graph.limitRate(of: id, toBytesPerSecond: 0.5e9) }
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: 2), cost: CostModel(gpu: cluster.gpu, precision: .fp32))
        #expect(abs(trace.records[a].end.seconds - 2e-3) < 1e-9)
        #expect(later.allSatisfy { abs(trace.records[$0].end.seconds - 4e-3) < 1e-9 }, "\(later.map { trace.records[$0].end.seconds })")
    }
}
