import CostModel
import Parallelism

/// The price of every compute task of a graph (`CostModel.seconds(for:)`), worked out
/// once per simulation: `ScenarioRunner` checks their sum before it simulates, and
/// `GraphSimulation.run` takes the same array instead of pricing the tasks again.
public enum ComputePrices {
    /// Seconds of each task's compute work at full speed, by task index; 0 for
    /// transfers and collectives.
    ///
    /// Prices are remembered per (layer, pass kind): the same layer's pass on every
    /// worker and in every step is usually the same work, and comparing two works is
    /// cheaper than pricing one under a kernel library (each convolution pass's
    /// kernels are chosen) or hashing it. A different work in the same slot (an uneven
    /// model-parallel slice) is priced and replaces the entry. A price is a pure
    /// function of the work, so every entry is, bit for bit, `cost.seconds(for:)` of
    /// its task's work.
    /// - Complexity: O(tasks), one comparison of works per compute task.
    public static func seconds(of graph: TaskGraph, cost: CostModel) -> [Double] {
        let tasks = graph.tasks
        let kinds = TaskGraph.Kind.allCases
        var layers = 0
        for id in tasks.indices { if let layer = tasks[id].layer { layers = max(layers, layer + 1) } }
        // Slot (layer + 1) × kinds + kind; slot 0 onwards for tasks of no layer.
        let slots = (layers + 1) * kinds.count
        var works = [ComputeWork](repeating: .none, count: slots)
        var priced = [Bool](repeating: false, count: slots)
        var prices = [Double](repeating: 0, count: slots)
        var seconds = [Double](repeating: 0, count: tasks.count)
        for id in tasks.indices {
            guard case .compute(let work) = tasks[id].work else { continue }
            let slot = ((tasks[id].layer ?? -1) + 1) * kinds.count + kinds.firstIndex(of: tasks[id].kind)!
            if !priced[slot] || works[slot] != work {
                works[slot] = work
                prices[slot] = cost.seconds(for: work)
                priced[slot] = true
            }
            seconds[id] = prices[slot]
        }
        return seconds
    }
}
