import Dispatch
import Foundation
import Parallelism
import Testing
@testable import Hardware
@testable import Simulation

/// `CollectiveModel` shares closed-form prices between topologies of one wiring
/// (`SharedCollectivePrices`): a shared price must be the price a fresh topology
/// computes on its own, whichever thread asked first, and wirings that differ
/// (a bandwidth, a NIC count, the GPU count) must never share one.
@Suite struct SharedCollectivePricesTests {
    static let algorithms: [AllReduceAlgorithm] = [.ring, .tree, .direct, .hierarchical, .halvingDoubling, .parameterServer]

    /// Clusters of PCIe-tree and NVLink nodes on networks that differ only in bandwidth or NIC count.
    static func clusters() -> [ClusterSpec] {
        var clusters: [ClusterSpec] = []
        for gbps in [10.0, 25.0, 100.0] {
            for nics in [1, 2] {
                let nic = LinkSpec(name: "nic", kind: .infiniband, bytesPerSecond: gbps * 1e9 / 8, latencySeconds: 2e-6, source: "test")
                let network = NetworkSpec(nic: nic, nicsPerNode: nics)
                clusters.append(Fixtures.pcieCluster(network: network))
                var mesh = Fixtures.meshCluster(gpus: 4, bytesPerSecond: 50e9, latency: 1e-6)
                mesh.network = network
                clusters.append(mesh)
            }
        }
        return clusters
    }

    /// Every (cluster, GPU count, algorithm) of the test, with the price a model that shares nothing computes.
    static func cases() -> [(cluster: ClusterSpec, gpus: Int, work: CollectiveWork, fresh: Double)] {
        clusters().flatMap { cluster in
            [8, 12, 16].flatMap { gpus in
                algorithms.map { algorithm in
                    let work = CollectiveWork(algorithm: algorithm, bytes: 100e6, ranks: gpus, ranksPerNode: cluster.gpusPerNode)
                    let fresh = CollectiveModel(topology: Topology(cluster: cluster, gpus: gpus), sharesPrices: false).seconds(for: work)
                    return (cluster, gpus, work, fresh)
                }
            }
        }
    }

    @Test func sharedPricesEqualFreshOnesUnderTwoThreads() {
        let cases = Self.cases()
        // Distinct wirings give distinct prices here, so a key that mixed two up would show.
        #expect(Set(cases.map(\.fresh)).count > cases.count / 2)
        final class Mismatches: @unchecked Sendable {
            let lock = NSLock()
            var found: [String] = []
        }
        let mismatches = Mismatches()
        // Each case asked several times from two threads, each time on a fresh topology.
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for round in 0..<3 {
                for i in cases.indices {
                    let c = cases[(i * 7 + thread + round) % cases.count]
                    let shared = CollectiveModel(topology: Topology(cluster: c.cluster, gpus: c.gpus)).seconds(for: c.work)
                    if shared.bitPattern != c.fresh.bitPattern {
                        mismatches.lock.lock()
                        mismatches.found.append("\(c.work.algorithm) on \(c.gpus) GPUs: \(shared) s shared, \(c.fresh) s fresh")
                        mismatches.lock.unlock()
                    }
                }
            }
        }
        #expect(mismatches.found.isEmpty, "\(mismatches.found.prefix(5))")
    }

    /// The GPU model and CPU cores are not part of the wiring: the same topology, the same key.
    @Test func wiringIgnoresWhatTheTopologyIsNotBuiltFrom() {
        let v100 = Fixtures.pcieCluster(gpu: "V100")
        var other = Fixtures.pcieCluster(gpu: "P100-PCIe")
        other.cpuCoresPerNode = 40
        #expect(Topology(cluster: v100, gpus: 8).wiring == Topology(cluster: other, gpus: 8).wiring)
        #expect(Topology(cluster: v100, gpus: 8).wiring != Topology(cluster: v100, gpus: 4).wiring)
        #expect(Topology(cluster: v100, gpus: 8).wiring != Topology(cluster: Fixtures.pcieCluster(gpuLink: "pcie4-x16"), gpus: 8).wiring)
    }

    @Test func tableStaysWithinItsCapacity() {
        let table = SharedCollectivePrices<Int>(capacity: 4)
        var computed = 0
        for key in 0..<10 {
            let price = table.price(key) { computed += 1; return (Double(key), 0) }
            #expect(price.secondsPerByte == Double(key))
            #expect(table.count <= 4)
        }
        #expect(computed == 10)
        // A stored price is not computed again.
        _ = table.price(9) { computed += 1; return (-1, -1) }
        #expect(computed == 10)
    }

    /// `make bench` times every run from a cold start (`CollectiveModel.forgetSharedPrices`):
    /// after `removeAll` nothing is stored and the next price is computed afresh.
    @Test func forgottenPricesAreComputedAgain() {
        let table = SharedCollectivePrices<Int>(capacity: 4)
        var computed = 0
        _ = table.price(1) { computed += 1; return (1, 0) }
        table.removeAll()
        #expect(table.count == 0)
        let again = table.price(1) { computed += 1; return (2, 0) }
        #expect(computed == 2 && again.secondsPerByte == 2)
    }
}
