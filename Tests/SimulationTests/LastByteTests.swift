import CostModel
@testable import Parallelism
import Testing
@testable import Hardware
@testable import Simulation

/// A task that waits for a transfer's last byte to leave (`Task.afterLastByteOf`) starts when
/// the transfer's bytes are through, not when it arrives: the latency after them still elapses
/// for the transfer's own dependents.
@Suite struct LastByteTests {
    /// Two GPUs on a 1 GB/s link without latency. A: 1 MB with 1 ms of software latency
    /// (bytes through at 1 ms, arrived at 2 ms). B waits for A's last byte: 1 MB from 1 ms to
    /// 2 ms. C waits for A itself: from 2 ms to 3 ms.
    @Test func aTaskWaitingForTheLastByteStartsBeforeTheArrival() {
        let cluster = Fixtures.meshCluster(gpus: 2, bytesPerSecond: 1e9, latency: 0)
        var graph = TaskGraph(gpus: 2, steps: 1)
        let a = graph.transfer(1e6, from: 0, to: 1, label: "a", after: [], step: 0, group: "test",
                               latency: TransferLatency(floorSeconds: 1e-3))
        let b = graph.transfer(1e6, from: 0, to: 1, label: "b", after: [], step: 0, group: "test")
        graph.waitForLastByte(of: a, before: b)
        let c = graph.transfer(1e6, from: 0, to: 1, label: "c", after: [a], step: 0, group: "test")
        let trace = GraphSimulation.run(graph, topology: Topology(cluster: cluster, gpus: 2), cost: CostModel(gpu: cluster.gpu, precision: .fp32))
        let (ra, rb, rc) = (trace.records[a], trace.records[b], trace.records[c])
        #expect(abs(ra.end.seconds - 2e-3) < 1e-9)
        #expect(abs(rb.start.seconds - 1e-3) < 1e-9 && abs(rb.end.seconds - 2e-3) < 1e-9, "b \(rb.start.seconds)-\(rb.end.seconds)")
        #expect(abs(rc.start.seconds - 2e-3) < 1e-9 && abs(rc.end.seconds - 3e-3) < 1e-9, "c \(rc.start.seconds)-\(rc.end.seconds)")
    }
}
