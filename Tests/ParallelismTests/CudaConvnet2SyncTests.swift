import Parallelism
import Testing

/// The conv-gradient sync as cuda-convnet2 runs it (`allReduce(.direct, cudaConvnet2Networks:)`)
/// after a barrier every GPU waits for (layers synchronized in turn: the layer before,
/// everywhere): each reducer's chain waits for the barrier once, and every task still waits
/// for all of it.
@Suite struct CudaConvnet2SyncTests {
    /// 8 GPUs take the eight-GPU reducer (three peers and four others per target); 4 and 12
    /// the sequential one.
    @Test(arguments: [4, 8, 12])
    func aBarrierBeforeTheSyncIsWaitedForOncePerChain(gpus: Int) {
        var graph = TaskGraph(gpus: gpus, steps: 1)
        let backward = (0..<gpus).map {
            graph.add(.backward, label: "conv", layer: 0, device: $0, work: .compute(ComputeWork(flops: 1e9, memoryBytes: 1e6)),
                      after: [], step: 0)
        }
        // The layer before, synchronized everywhere: a transfer between every pair.
        let barrier = (0..<gpus).flatMap { g in
            (0..<gpus).filter { $0 != g }.map { graph.transfer(1e6, from: g, to: $0, label: "before", after: [], step: 0, group: "before") }
        }
        let first = graph.tasks.count
        _ = graph.allReduce(.direct, bytes: 8e6, ranks: Array(0..<gpus), ready: (0..<gpus).map { [backward[$0]] + barrier },
                            step: 0, group: "sync", gpusPerNode: gpus, cudaConvnet2Networks: true,
                            canPeer: { $0 / 4 == $1 / 4 })
        let sync = first..<graph.tasks.count
        #expect(sync.count > 2 * gpus)

        // Every task of the sync waits for the whole barrier, directly or through the tasks it waits for.
        var ancestors = [Set<Int>](repeating: [], count: graph.tasks.count)
        for id in graph.tasks.indices {
            for d in graph.tasks[id].dependencies { ancestors[id].formUnion(ancestors[d].union([d])) }
        }
        // The eight-GPU reducer also waits for every contribution; a sequential one for its sender's.
        for id in sync {
            #expect(ancestors[id].isSuperset(of: barrier), "task \(id) (\(graph.tasks[id].label)) starts before the barrier")
            let device = graph.tasks[id].device
            let contributions = gpus == 8 ? backward : device < gpus ? [backward[device]] : []
            #expect(ancestors[id].isSuperset(of: contributions), "task \(id) (\(graph.tasks[id].label)) starts before a contribution")
        }
        // ...but lists it only where a chain begins: once per reducer, or once per first piece
        // out of each of the eight-GPU reducer's three chain heads.
        let barrierSet = Set(barrier)
        let direct = sync.reduce(0) { $0 + graph.tasks[$1].dependencies.filter(barrierSet.contains).count }
        #expect(direct == (gpus == 8 ? 3 : 1) * gpus * barrier.count)
    }
}
