import Parallelism
import Testing

/// A task keeps each dependency once (`TaskGraph.add`): planners join several workers'
/// lists, and the repeats only cost the simulator at every finish.
@Suite struct TaskGraphDependencyTests {
    /// A graph of `count` transfers from GPU 0 to GPU 1 with no dependencies.
    func graph(transfers count: Int) -> TaskGraph {
        var graph = TaskGraph(gpus: 2, steps: 1)
        for _ in 0..<count { graph.transfer(1, from: 0, to: 1, label: "t", after: [], step: 0, group: "g") }
        return graph
    }

    func added(_ graph: inout TaskGraph, after dependencies: [Int]) -> [Int] {
        let id = graph.transfer(1, from: 0, to: 1, label: "joined", after: dependencies, step: 0, group: "g")
        return graph.tasks[id].dependencies
    }

    @Test func aRepeatedDependencyIsKeptOnceWhereItFirstAppears() {
        var g = graph(transfers: 20_000)
        // A short list: looked back over.
        #expect(added(&g, after: [2, 0, 2, 1, 0]) == [2, 0, 1])
        // A long list of recent tasks (one bit per id in their span, several 64-bit words, the
        // lowest id not on a word's edge): three workers' lists of one barrier.
        let barrier = Array(19_701..<19_950)
        #expect(added(&g, after: barrier + barrier.reversed() + barrier) == barrier)
        // Where the two paths meet: 16 entries looked back over, 17 through the bits.
        let sixteen = [5, 900, 3, 77] + Array(200..<211) + [900], seventeen = sixteen + [64]
        #expect(sixteen.count == 16 && added(&g, after: sixteen) == Array(sixteen.dropLast()))
        #expect(seventeen.count == 17 && added(&g, after: seventeen) == Array(sixteen.dropLast()) + [64])
        // A long list spread over the whole graph (hashed): more than 512 ids of span per entry.
        let spread = [19_999, 0] + Array(stride(from: 7, to: 19_000, by: 1_250))
        #expect(spread.count > 16 && 19_999 > 512 * (spread.count + 2))
        #expect(added(&g, after: spread + [0, 19_999]) == spread)
    }

    @Test func listsWithoutRepeatsAndTheCountOfDependenciesAreUnchanged() {
        var g = graph(transfers: 100)
        let before = g.dependencyCount
        let short = [5, 3, 9], long = Array((40..<80).reversed())
        #expect(added(&g, after: short) == short)
        #expect(added(&g, after: long) == long)
        #expect(g.dependencyCount == before + short.count + long.count)
        _ = added(&g, after: long + long)
        #expect(g.dependencyCount == before + short.count + 2 * long.count, "a repeat is not counted against PlanLimits")
    }
}
