import Hardware
import Parallelism

/// Whether one replayed exchange (`TaskGraph.exchanges`) is another's image on the
/// topology, so that it takes the same time without being simulated: the same
/// transfers in the same order (bytes, dependencies, software latency, ceiling, start
/// delay), each crossing, leg by leg, links that one bijection of the topology's links
/// maps onto the other's, with the same bandwidth and latency. A flow network's max-min
/// fair rates depend only on which flows share which links and on those links'
/// bandwidths, so the two simulations are the same up to the order in which equal
/// shares are summed (a nanosecond at most). The paper's hybrid on its 8-GPU PCIe
/// server sends a turn's activations from GPU 0 as from GPUs 2, 4 and 6: the switch
/// and socket swaps that map one onto the other are such bijections.
enum ExchangeImage {
    /// Whether `image` is `original` carried over by a bijection of `topology`'s links.
    /// Graphs with compute tasks are never images (their GPUs' queues would need mapping too).
    static func isImage(_ image: TaskGraph, of original: TaskGraph, on topology: Topology) -> Bool {
        guard image.tasks.count == original.tasks.count else { return false }
        var forward: [Int: Int] = [:], backward: [Int: Int] = [:]
        for id in original.tasks.indices {
            let a = original.tasks[id], b = image.tasks[id]
            guard case .transfer(let bytes, let destination) = a.work, case .transfer(let imageBytes, let imageDestination) = b.work,
                  bytes == imageBytes, a.dependencies == b.dependencies, a.afterLastByteOf == b.afterLastByteOf, a.latency == b.latency,
                  a.ceilingBytesPerSecond == b.ceilingBytesPerSecond, a.startDelaySeconds == b.startDelaySeconds,
                  a.delayCountsFrom == b.delayCountsFrom else { return false }
            let legs = topology.legs(from: a.device, to: destination), imageLegs = topology.legs(from: b.device, to: imageDestination)
            guard legs.count == imageLegs.count else { return false }
            for (leg, imageLeg) in zip(legs, imageLegs) {
                guard leg.count == imageLeg.count else { return false }
                for (link, imageLink) in zip(leg, imageLeg) {
                    if let known = forward[link] {
                        guard known == imageLink else { return false }
                        continue
                    }
                    guard backward[imageLink] == nil, topology.links[link].bytesPerSecond == topology.links[imageLink].bytesPerSecond,
                          topology.links[link].latencySeconds == topology.links[imageLink].latencySeconds else { return false }
                    forward[link] = imageLink
                    backward[imageLink] = link
                }
            }
        }
        return true
    }
}
