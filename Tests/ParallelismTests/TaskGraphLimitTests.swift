import Parallelism
import Testing

/// A plan far past `PlanLimits` is refused at about the limits' memory: a graph at its
/// limits (`TaskGraph.taskLimit`) stops expanding a collective, instead of laying out
/// millions of transfers the planner is about to refuse.
@Suite struct TaskGraphLimitTests {
    /// A ring all-reduce over 64 ranks: 64 × 2 × 63 transfers, unless the graph is full first.
    func ring(taskLimit: Int) -> TaskGraph {
        var graph = TaskGraph(gpus: 64, steps: 1)
        graph.taskLimit = taskLimit
        let ranks = Array(0..<64)
        _ = graph.allReduce(.ring, bytes: 1e6, ranks: ranks, ready: ranks.map { _ in [] }, step: 0, group: "bucket 0")
        return graph
    }

    @Test func aFullGraphStopsExpandingARingAfterTheStepThatFilledIt() {
        #expect(ring(taskLimit: .max).tasks.count == 64 * 2 * 63)
        #expect(!ring(taskLimit: .max).isFull)
        let limited = ring(taskLimit: 100)
        // The step that reached the limit is laid out whole (64 transfers), then nothing more.
        #expect(limited.isFull)
        #expect(limited.tasks.count == 128, "\(limited.tasks.count)")
        // What was laid out is a consistent graph: every dependency comes before its task.
        #expect(limited.tasks.allSatisfy { task in task.dependencies.allSatisfy { $0 < task.id } })
    }
}
