import Parallelism

/// When each NCCL collective of an expanded graph is in flight on each GPU, for
/// `CollectiveInterference`: from the start of the first transfer the GPU sends in
/// it (NCCL's kernel is launched once the GPU's own bucket is ready, and its first
/// send waits for nothing else) until the last of its transfers to or from the GPU
/// has ended. A collective is one all-reduce group of one step whose plan names
/// NCCL's thread blocks (`CollectivePlan.ncclChannels`); other transfers are ignored.
final class InFlightCollectives {
    /// Per task, the index of its collective (group and step), or −1.
    private var collective: [Int]
    /// Per collective, the blocks NCCL's kernel runs.
    private var blocks: [Int] = []
    /// Per collective and GPU (`collective × gpus + gpu`): its transfers to or from
    /// the GPU that have not ended.
    private var remaining: [Int: Int] = [:]
    /// Collective and GPU pairs in flight.
    private var active = Set<Int>()
    private let gpus: Int
    private let senders: [Int]
    private let receivers: [Int?]

    init(_ graph: TaskGraph) {
        gpus = graph.gpus
        senders = graph.tasks.map(\.device)
        // Under node symmetry a transfer into another node stands for one into node 0's image of its destination.
        var receivers = [Int?](repeating: nil, count: graph.tasks.count)
        for id in graph.tasks.indices {
            if let destination = graph.tasks[id].destination { receivers[id] = graph.representative(ofEndpoint: destination) }
        }
        self.receivers = receivers
        collective = [Int](repeating: -1, count: graph.tasks.count)
        var channels: [String: Int] = [:]
        for plan in graph.collectives { if let c = plan.ncclChannels { channels[plan.group] = c } }
        guard !channels.isEmpty else { return }
        var index: [String: Int] = [:]
        for task in graph.tasks where task.kind == .transfer {
            guard let group = task.group, let c = channels[group] else { continue }
            let key = "\(task.step)/\(group)"
            let k = index[key] ?? blocks.count
            if k == blocks.count { index[key] = k; blocks.append(c) }
            collective[task.id] = k
            for endpoint in [task.device, receivers[task.id]!] where endpoint < gpus { remaining[k * gpus + endpoint, default: 0] += 1 }
        }
    }

    /// Transfer `id` starts: its sender's collective is in flight from now, if not already.
    func transferStarted(_ id: Int, _ model: CollectiveInterference) {
        let k = collective[id], gpu = senders[id]
        guard k >= 0, gpu < gpus, active.insert(k * gpus + gpu).inserted else { return }
        model.begin(gpu: gpu, channels: blocks[k])
    }

    /// Transfer `id` ends: a GPU whose last transfer of the collective it was is done with it.
    func transferEnded(_ id: Int, _ model: CollectiveInterference) {
        let k = collective[id]
        guard k >= 0 else { return }
        for endpoint in [senders[id], receivers[id]!] where endpoint < gpus {
            let key = k * gpus + endpoint
            remaining[key]! -= 1
            if remaining[key] == 0 && active.remove(key) != nil { model.end(gpu: endpoint, channels: blocks[k]) }
        }
    }
}
