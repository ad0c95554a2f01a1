import Foundation

/// The most images/s a CPU loader delivers in one run, and which of its limits sets it.
///
/// Two limits, the lower wins:
/// - the node's rate as the profile gives it (`loader_images_per_second_per_node`, or
///   `loader_images_per_second_per_core` × `cluster.cpu_cores_per_node`), shared by the
///   node's GPUs;
/// - the DataLoader's worker processes, where the run says how many there are
///   (`loader_workers_per_gpu`) and the profile what one delivers
///   (`loader_images_per_second_per_worker`). PyTorch's DataLoader belongs to one
///   training process, i.e. one GPU, and runs `num_workers` worker processes
///   (pytorch.org/docs/stable/data.html, "Multi-process data loading"), so a GPU is fed by
///   its own workers only: on 1 GPU of an 8-GPU node, one GPU's workers decode, not the
///   node's. A worker is one process, busy on one core at a time, so a node runs at most
///   `cpu_cores_per_node` of them at once (where the core count is known):
///
///       per GPU (images/s) = min(workers_per_gpu, cores / gpus_on_node) × images_per_second_per_worker
///
///   with `gpus_on_node` the GPUs on the fullest node, whose GPUs wait longest.
///
/// Without a worker count only the node's rate applies, as it did before the worker
/// term existed. A synchronous step waits for the slowest GPU's images, those of the
/// fullest node, whose GPUs share its rate, so the run's rate is
/// `gpus × min(node rate / gpus_on_node, per GPU)` (on full nodes, `min(nodes × node
/// rate, gpus × per GPU)`).
public struct LoaderCeiling: Sendable, Equatable {
    /// Which limit sets the ceiling.
    public enum Limit: String, Sendable {
        /// The node's measured (or per-core) rate.
        case node
        /// The DataLoader workers of each GPU.
        case workers
        /// The node's cores, fewer than its GPUs' workers.
        case cores
    }

    /// The node's rate as the profile gives it, images/s; nil: none (a per-worker rate alone).
    public var nodeImagesPerSecond: Double?
    /// DataLoader worker processes per GPU; nil: unknown, no worker limit.
    public var workersPerGPU: Int?
    /// Images/s one worker process delivers; nil: the profile has no such rate.
    public var imagesPerSecondPerWorker: Double?
    /// The node's CPU cores, where the cluster states them.
    public var coresPerNode: Int?
    /// GPUs on the fullest node of the run.
    public var gpusOnNode: Int
    /// Nodes in the run.
    public var nodes: Int
    /// GPUs in the run.
    public var gpus: Int
    /// Images/s one CPU core delivers: the profile's per-core rate, else its per-worker
    /// rate (a worker process runs on one core at a time); nil when it gives no such rate.
    /// Where the profile also measures a whole node's rate, more cores lift a GPU's loaders
    /// only up to its share of that rate (`measuredNodeImagesPerSecond`, `coresPerGPU(toDeliver:)`).
    public var imagesPerSecondPerCore: Double? = nil
    /// The node's rate where the profile measures it (`loader_images_per_second_per_node`),
    /// images/s; nil where it is one core's rate times the cores, which more cores do lift.
    public var measuredNodeImagesPerSecond: Double? = nil

    /// The CPU cores one GPU's loaders need to deliver `imagesPerSecondPerGPU`, or as much
    /// of it as the node's measured rate lets them (`nodeShareCaps`):
    /// `⌈min(imagesPerSecondPerGPU, node rate / gpus_on_node) / imagesPerSecondPerCore⌉`, a
    /// ratio within 0.1% above a whole number counting as that number (the profiles' rates are
    /// given to about three figures: torchvision-dataloader's 278 per worker is 17,800 / 64
    /// rounded, and 8 of them reach its node's share): the capacity-planning answer to "how
    /// many cores per GPU"; nil without a per-core rate.
    public func coresPerGPU(toDeliver imagesPerSecondPerGPU: Double) -> Int? {
        guard let perCore = imagesPerSecondPerCore, perCore > 0, imagesPerSecondPerGPU > 0 else { return nil }
        let deliverable = min(imagesPerSecondPerGPU, nodeShare ?? .infinity)
        return Int((deliverable / perCore / (1 + 1e-3)).rounded(.up))
    }

    /// A GPU's share of the node's measured rate, images/s; nil without one.
    public var nodeShare: Double? { measuredNodeImagesPerSecond.map { $0 / Double(max(1, gpusOnNode)) } }

    /// Whether the node's rate, not the cores, stops a GPU's loaders short of
    /// `imagesPerSecondPerGPU`: more cores than `coresPerGPU(toDeliver:)` would not help.
    public func nodeShareCaps(_ imagesPerSecondPerGPU: Double) -> Bool {
        nodeShare.map { $0 < imagesPerSecondPerGPU } ?? false
    }

    /// Images/s the loaders of one GPU deliver, from the worker term; nil when the worker
    /// count or the per-worker rate is unknown.
    /// - Returns: `min(workers_per_gpu, cores / gpus_on_node) × images_per_second_per_worker`.
    public var workerImagesPerSecondPerGPU: Double? {
        guard let workers = workersPerGPU, let perWorker = imagesPerSecondPerWorker else { return nil }
        return min(Double(workers), Double(coresPerNode ?? Int.max) / Double(max(1, gpusOnNode))) * perWorker
    }

    /// Whether the node's cores, not the workers asked for, bound the worker term.
    public var coresBindWorkers: Bool {
        guard let workers = workersPerGPU, let cores = coresPerNode else { return false }
        return workers * gpusOnNode > cores
    }

    /// The node term for the whole run, images/s: every GPU at the share of its node's rate
    /// that a GPU of the fullest node gets, `gpus × node rate / gpus_on_node`.
    var nodeImagesPerSecondForRun: Double? {
        nodeImagesPerSecond.map { Double(gpus) * $0 / Double(max(1, gpusOnNode)) }
    }

    /// The run's ceiling, images/s for all its GPUs: `gpus × min(node rate / gpus_on_node,
    /// per GPU)`; nil when neither term is known.
    public var imagesPerSecond: Double? {
        let node = nodeImagesPerSecondForRun
        let workers = workerImagesPerSecondPerGPU.map { Double(gpus) * $0 }
        switch (node, workers) {
        case let (n?, w?): return min(n, w)
        case let (n?, nil): return n
        case let (nil, w?): return w
        case (nil, nil): return nil
        }
    }

    /// The limit that sets `imagesPerSecond` (the node's where the two are equal).
    public var limit: Limit {
        guard let workers = workerImagesPerSecondPerGPU else { return .node }
        if let node = nodeImagesPerSecondForRun, node <= Double(gpus) * workers { return .node }
        return coresBindWorkers ? .cores : .workers
    }
}
