import Foundation
import Hardware

/// Closed-form collective prices shared by every `CollectiveModel` in the process,
/// keyed by the topology's wiring (`Topology.Wiring`) and the collective: a price
/// depends on nothing else (the routes, bandwidths and latencies are the wiring's),
/// so runs on the same cluster and GPU count (a sweep's models and batches, the
/// samples of `plan --samples`) price each all-reduce once instead of re-finding its
/// routes on a fresh topology every time. Prices are computed the same way whoever
/// asks first, so sharing changes no result.
///
/// Safe from several threads at once (a sweep's `concurrentPerform`); two threads
/// that miss on one key both compute it and store the same price. Holds at most
/// `capacity` prices, emptied when full, so a long sweep's memory stays flat.
final class SharedCollectivePrices<Key: Hashable>: @unchecked Sendable {
    /// Seconds per byte and seconds of latency of one collective (`CollectiveModel`).
    typealias Price = (secondsPerByte: Double, latency: Double)

    private let lock = NSLock()
    private var prices: [Key: Price] = [:]
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "a price table needs room for at least one price")
        self.capacity = capacity
    }

    /// The price stored for `key`, or `compute()`'s, stored (computed outside the lock).
    func price(_ key: Key, compute: () -> Price) -> Price {
        lock.lock()
        let stored = prices[key]
        lock.unlock()
        if let stored { return stored }
        let computed = compute()
        lock.lock()
        if prices.count >= capacity { prices.removeAll(keepingCapacity: true) }
        prices[key] = computed
        lock.unlock()
        return computed
    }

    /// Forgets every stored price.
    func removeAll() {
        lock.lock()
        prices.removeAll()
        lock.unlock()
    }

    /// How many prices are stored (for tests).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return prices.count
    }
}
