import Parallelism

/// When each NCCL collective of an expanded graph is in flight on each GPU, for
/// `CollectiveInterference`, as NCCL's kernels hold a GPU's SMs:
/// - a collective's kernel is launched once the GPU's own bucket is ready, which the
///   first transfer the GPU sends in it marks (that send waits for nothing else), but
///   runs only after the kernel before it on the communicator's one stream has ended:
///   a GPU holds one collective's blocks at a time, in the order it reached them;
/// - it runs until the collective's last transfer has ended: it runs until the last chunk
///   has passed through the GPU, and chunks move at the pace of the collective's slowest
///   hop (a pipelined tree's chain GPUs forward what the NIC delivers), where the
///   simulated transfers, each a fluid flow at its own edge's rate, end early on fast
///   NVLink edges.
/// (Until 2026-12-07 a GPU held a collective's blocks from its first send to the end of
/// its own last transfer, buckets overlapping: on two nodes, whose large buckets NCCL runs
/// as trees, interference added half what the aggregated fidelity's collective stream
/// adds.) A collective is one all-reduce group of one step whose plan names NCCL's
/// thread blocks (`CollectivePlan.ncclChannels`); other transfers are ignored.
final class InFlightCollectives {
    /// Per task, the index of its collective (group and step), or −1.
    private var collective: [Int]
    /// Per collective, the blocks NCCL's kernel runs.
    private var blocks: [Int] = []
    /// Per collective, its transfers that have not ended.
    private var remaining: [Int] = []
    /// Per collective, the GPUs it runs on now.
    private var running: [[Int]] = []
    /// Per GPU, the collective it runs now, or −1.
    private var current: [Int]
    /// Per GPU, the collectives it has reached that wait for the one it runs, in order.
    private var waiting: [[Int]]
    /// Collective and GPU pairs reached (`collective × gpus + gpu`), running or waiting.
    private var reached = Set<Int>()
    private let gpus: Int
    private let senders: [Int]

    init(_ graph: TaskGraph) {
        gpus = graph.gpus
        senders = graph.tasks.map(\.device)
        current = [Int](repeating: -1, count: graph.gpus)
        waiting = [[Int]](repeating: [], count: graph.gpus)
        collective = [Int](repeating: -1, count: graph.tasks.count)
        var channels: [String: Int] = [:]
        for plan in graph.collectives { if let c = plan.ncclChannels { channels[plan.group] = c } }
        guard !channels.isEmpty else { return }
        var index: [String: Int] = [:]
        for task in graph.tasks where task.kind == .transfer {
            guard let group = task.group, let c = channels[group] else { continue }
            let key = "\(task.step)/\(group)"
            let k = index[key] ?? blocks.count
            if k == blocks.count {
                index[key] = k
                blocks.append(c)
                remaining.append(0)
                running.append([])
            }
            collective[task.id] = k
            remaining[k] += 1
        }
    }

    /// Transfer `id` starts: its sender has reached its collective, which runs there from
    /// now if the GPU runs no other, else once those before it have ended. (Under node
    /// symmetry a sender is one of node 0's GPUs, standing for its images.)
    func transferStarted(_ id: Int, _ model: CollectiveInterference) {
        let k = collective[id], gpu = senders[id]
        guard k >= 0, gpu < gpus, reached.insert(k * gpus + gpu).inserted else { return }
        if current[gpu] < 0 { run(k, on: gpu, model) } else { waiting[gpu].append(k) }
    }

    /// Transfer `id` ends: once it was its collective's last, the collective ends on every
    /// GPU running it, each of which then runs the next it has reached that has not ended.
    func transferEnded(_ id: Int, _ model: CollectiveInterference) {
        let k = collective[id]
        guard k >= 0 else { return }
        remaining[k] -= 1
        guard remaining[k] == 0 else { return }
        let gpus = running[k]
        running[k] = []
        for gpu in gpus {
            model.end(gpu: gpu, channels: blocks[k])
            current[gpu] = -1
            while current[gpu] < 0, !waiting[gpu].isEmpty {
                let next = waiting[gpu].removeFirst()
                if remaining[next] > 0 { run(next, on: gpu, model) }
            }
        }
    }

    private func run(_ k: Int, on gpu: Int, _ model: CollectiveInterference) {
        current[gpu] = k
        running[k].append(gpu)
        model.begin(gpu: gpu, channels: blocks[k])
    }
}
