import Parallelism
import Testing

/// The conv-gradient sync as cuda-convnet2 runs it (`allReduce(.direct, cudaConvnet2Networks:)`)
/// after a barrier every GPU waits for (layers synchronized in turn: the layer before,
/// everywhere): each reducer's chain lists the barrier once, and every task still waits for
/// what it waited for when every transfer listed it, no less and, in a sequential chain, no more.
@Suite struct CudaConvnet2SyncTests {
    /// 8 GPUs take the eight-GPU reducer (three peers and four others per target); 2, 3, 4
    /// and 12 the sequential one.
    @Test(arguments: [2, 3, 4, 8, 12])
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
        // A task only the even ranks wait for: shared by some lists, not by all, so not the barrier's.
        let partial = graph.add(.update, label: "even", device: 0, work: .compute(ComputeWork(flops: 1e6, memoryBytes: 1e3)),
                                after: [], step: 0)
        let ready = (0..<gpus).map { [backward[$0]] + barrier + ($0 % 2 == 0 ? [partial] : []) }
        let first = graph.tasks.count
        _ = graph.allReduce(.direct, bytes: 8e6, ranks: Array(0..<gpus), ready: ready, step: 0, group: "sync", gpusPerNode: gpus,
                            cudaConvnet2Networks: true, canPeer: { $0 / 4 == $1 / 4 })
        let sync = first..<graph.tasks.count
        #expect(sync.count > 2 * gpus)

        // What each task waits for, directly or through the tasks it waits for.
        var ancestors = [Set<Int>](repeating: [], count: graph.tasks.count)
        for id in graph.tasks.indices {
            for d in graph.tasks[id].dependencies { ancestors[id].formUnion(ancestors[d].union([d])) }
        }
        // Every task of the sync waits for the barrier. The eight-GPU reducer waits for every
        // rank's whole list; a sequential one's add from s into t for s's and t's; rank j's copy
        // of its sum to host memory for j's.
        for id in sync {
            let task = graph.tasks[id], source = task.device, destination = task.destination ?? -1
            #expect(ancestors[id].isSuperset(of: barrier), "task \(id) (\(task.label)) starts before the barrier")
            let waited: [Int]
            if gpus == 8 && source < gpus && destination < gpus { waited = ready.flatMap { $0 } }
            else if source < gpus && destination < gpus { waited = ready[source] + ready[destination] }
            else if source < gpus { waited = ready[source] }
            else { waited = [] }
            #expect(ancestors[id].isSuperset(of: waited), "task \(id) (\(task.label)) starts before a contribution it needs")
            // ...and no later: a sequential add from s into t waits for the contributions of t and of
            // the sources before s in t's ring order (t+1, t+2, ...), as each add follows the one before.
            if gpus != 8 && source < gpus && destination < gpus {
                let chain = Set((0...((source - destination + gpus) % gpus)).map { (destination + $0) % gpus })
                let inputs = Set(backward + barrier + [partial])
                let expected = Set(chain.flatMap { ready[$0] })
                #expect(ancestors[id].intersection(inputs) == expected, "task \(id) (\(task.label)) waits for more than its chain")
            }
        }
        // ...but lists it only where a chain begins: once per reducer, or once per first piece
        // out of each of the eight-GPU reducer's three chain heads.
        let barrierSet = Set(barrier)
        let direct = sync.reduce(0) { $0 + graph.tasks[$1].dependencies.filter(barrierSet.contains).count }
        #expect(direct == (gpus == 8 ? 3 : 1) * gpus * barrier.count)
    }
}
