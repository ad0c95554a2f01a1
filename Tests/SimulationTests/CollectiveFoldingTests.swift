import Parallelism
import Testing
@testable import Hardware
@testable import Simulation

/// The direct and parameter-server closed forms price every rank's (or node's)
/// transfer to every other, a quadratic count that exhausted memory at 8,000 nodes;
/// halving-doubling and NCCL's rings price one transfer per rank and step. Where the ranks
/// fill a wiring the node shift maps onto itself, only the first unit's transfers are
/// priced, on their routes' images in node 0 (`Phase.folded`): the prices must be the
/// ones every transfer gives, to the last bit.
@Suite struct CollectiveFoldingTests {
    let catalog = Fixtures.catalog

    /// Symmetric wirings of several kinds: NIC-bound nodes on one switch, NVSwitch nodes
    /// with a NIC per GPU, full leaves under an oversubscribed spine (the unit a leaf),
    /// PCIe trees whose cross-socket copies are staged through host memory (two legs).
    func symmetricClusters() -> [(name: String, cluster: ClusterSpec, gpus: Int)] {
        let dgx = Fixtures.dgxCluster(nics: 8)
        var oneNIC = dgx, leaves = dgx
        oneNIC.network = NetworkSpec(nic: catalog.link(named: "eth-25g")!, nicsPerNode: 1)
        leaves.network = NetworkSpec(nic: catalog.link(named: "ib-hdr")!, nicsPerNode: 2, nodesPerLeaf: 2, oversubscription: 2)
        return [("one NIC per node", oneNIC, 32), ("a NIC per GPU", dgx, 40), ("2:1 spine, two nodes a leaf", leaves, 48),
                ("PCIe trees, staged", Fixtures.stagedPCIeCluster(nics: 1), 24)]
    }

    @Test(arguments: [AllReduceAlgorithm.direct, .parameterServer])
    func foldedPricesAreEveryTransfersPrices(algorithm: AllReduceAlgorithm) {
        for (name, cluster, gpus) in symmetricClusters() {
            let topology = Topology(cluster: cluster, gpus: gpus)
            let folded = CollectiveModel(topology: topology, sharesPrices: false)
            let whole = CollectiveModel(topology: topology, sharesPrices: false, foldsPhases: false)
            #expect(folded.foldsNodes(ranks: gpus, perNode: cluster.gpusPerNode), "\(name)")
            let work = CollectiveWork(algorithm: algorithm, bytes: 100e6, ranks: gpus, ranksPerNode: cluster.gpusPerNode)
            #expect(folded.seconds(for: work).bitPattern == whole.seconds(for: work).bitPattern, "\(name): \(algorithm)")
            let stages = folded.stageSeconds(for: work), wholeStages = whole.stageSeconds(for: work)
            #expect(stages.map(\.bitPattern) == wholeStages.map(\.bitPattern), "\(name): \(algorithm) \(stages) \(wholeStages)")
            // Node 0's links carry as much, as many transfers at once, folded or not.
            let links = folded.sharedStageLinks(for: work), wholeLinks = whole.sharedStageLinks(for: work)
            #expect(links.map(\.link) == wholeLinks.map(\.link) && links.map(\.transfers) == wholeLinks.map(\.transfers), "\(name): \(algorithm)")
            for (a, b) in zip(links, wholeLinks) {
                #expect(zip(a.seconds, b.seconds).allSatisfy { abs($0 - $1) <= 1e-12 * max($0, $1) }, "\(name): \(a) \(b)")
            }
        }
    }

    /// Halving-doubling's pairs r, r XOR mask fold under the XOR of a unit's ranks: where N and
    /// the unit's ranks are powers of two (one node, or a leaf of two), the first unit's pairs
    /// give every pair's price; 48 GPUs (not a power of two) fold nothing and price every pair.
    @Test func halvingDoublingFoldsWhereTheCountsArePowersOfTwo() {
        let clusters = symmetricClusters()
        let cases = zip(clusters, [32, 64, 64, 32]).map { (name: $0.name, cluster: $0.cluster, gpus: $1) }
            + [(name: clusters[0].name, cluster: clusters[0].cluster, gpus: 48)]
        for (name, cluster, gpus) in cases {
            let topology = Topology(cluster: cluster, gpus: gpus)
            let folded = CollectiveModel(topology: topology, sharesPrices: false)
            let whole = CollectiveModel(topology: topology, sharesPrices: false, foldsPhases: false)
            let work = CollectiveWork(algorithm: .halvingDoubling, bytes: 100e6, ranks: gpus, ranksPerNode: cluster.gpusPerNode)
            #expect(folded.seconds(for: work).bitPattern == whole.seconds(for: work).bitPattern, "\(name), \(gpus) GPUs")
        }
    }

    /// The hierarchical all-reduce's rings inside the nodes are every node's the same: node 0's
    /// steps give every node's price (`hierarchicalIntraNodePrice`), at every message size (the
    /// price inside the nodes is kept per rank count, the rings across nodes run per size).
    @Test func hierarchicalRingsInsideNodesFoldUnderTheNodeShift() {
        for (name, cluster, gpus) in symmetricClusters() where Topology(cluster: cluster, gpus: gpus).nodeShiftNodes == 1 {
            let topology = Topology(cluster: cluster, gpus: gpus)
            let folded = CollectiveModel(topology: topology, sharesPrices: false)
            let whole = CollectiveModel(topology: topology, sharesPrices: false, foldsPhases: false)
            #expect(folded.foldsNodes(ranks: gpus, perNode: cluster.gpusPerNode), "\(name)")
            for bytes in [100e6, 3e6, 100e6, 25e6] {
                let work = CollectiveWork(algorithm: .hierarchical, bytes: bytes, ranks: gpus, ranksPerNode: cluster.gpusPerNode)
                let (a, b) = (folded.seconds(for: work), whole.seconds(for: work))
                #expect(a.bitPattern == b.bitPattern, "\(name), \(bytes) bytes: \(a) against \(b)")
            }
        }
    }

    /// NCCL's rings visit every node in the same order, so the node shift maps them onto
    /// themselves: the first unit's ring steps give every step's price, for the all-reduce and
    /// for the all-gather that runs on the same rings.
    @Test func ncclRingsFoldUnderTheNodeShift() {
        for (name, cluster, gpus) in symmetricClusters() {
            let topology = Topology(cluster: cluster, gpus: gpus)
            let folded = CollectiveModel(topology: topology, sharesPrices: false)
            let whole = CollectiveModel(topology: topology, sharesPrices: false, foldsPhases: false)
            let system = NCCLSystem(cluster: cluster, gpus: gpus)
            for proto in [NCCLProtocol.ll, .simple] {
                let run = NCCLRun(system: system, choice: NCCLChoice(.ring, proto))
                let allReduce = CollectiveWork(algorithm: .ncclRing, bytes: 100e6, ranks: gpus, ranksPerNode: cluster.gpusPerNode, nccl: run)
                #expect(folded.seconds(for: allReduce).bitPattern == whole.seconds(for: allReduce).bitPattern, "\(name) \(proto)")
                let gather = CollectiveWork(.allGather, algorithm: .ncclRing, bytes: 100e6, ranks: gpus, ranksPerNode: cluster.gpusPerNode,
                                            ncclRing: run)
                #expect(folded.seconds(for: gather).bitPattern == whole.seconds(for: gather).bitPattern, "\(name) \(proto) all-gather")
            }
        }
    }

    /// NCCL's tree runs the same chain through every node in every channel: where the wiring is
    /// symmetric and no transfer between nodes crosses a link of those chains (NVSwitch nodes,
    /// whose NICs hang off PCIe switches), only the first unit's chains are routed and shared out
    /// (`NodeLocalFold`); on PCIe trees, where the chains and the NIC traffic share switches, nothing
    /// is folded. Either way the price is the one every transfer gives, to the last bit.
    /// The PCIe trees with a NIC faster than their PCIe links (HDR InfiniBand on PCIe 3.0), so that
    /// the chains' load on the switches the NIC traffic crosses sets the tree's price.
    @Test func ncclTreeChainsFoldWhereNoTransferBetweenNodesCrossesThem() {
        var pcieUnderFastNIC = Fixtures.stagedPCIeCluster(nics: 1)
        pcieUnderFastNIC.network = NetworkSpec(nic: catalog.link(named: "ib-hdr")!, nicsPerNode: 1)
        for (name, cluster, gpus) in symmetricClusters() + [("PCIe trees under HDR", pcieUnderFastNIC, 24)] {
            let topology = Topology(cluster: cluster, gpus: gpus)
            let folded = CollectiveModel(topology: topology, sharesPrices: false)
            let whole = CollectiveModel(topology: topology, sharesPrices: false, foldsPhases: false)
            let system = NCCLSystem(cluster: cluster, gpus: gpus)
            var onNVSwitch = false
            if case .nvswitch = cluster.fabric { onNVSwitch = true }
            for proto in [NCCLProtocol.ll, .simple] {
                let run = NCCLRun(system: system, choice: NCCLChoice(.tree, proto))
                let phase = folded.ncclPhases(run, ranks: gpus, bytes: 100e6)[0].phase
                let endpoints = phase.transfers.map { (from: $0.from, to: $0.to) }
                let fold = NodeLocalFold(endpoints, topology: topology)
                let folds = fold.map { $0.isolates(TransferLegs($0.priced.map { endpoints[$0] }, on: topology), on: topology) } ?? false
                #expect(folds == onNVSwitch, "\(name) \(proto)")
                if let fold, folds { #expect(fold.priced.count * 2 < phase.transfers.count, "\(name) \(proto)") }
                for bytes in [1e6, 100e6] {
                    let work = CollectiveWork(algorithm: .ncclTree, bytes: bytes, ranks: gpus, ranksPerNode: cluster.gpusPerNode, nccl: run)
                    #expect(folded.seconds(for: work).bitPattern == whole.seconds(for: work).bitPattern, "\(name) \(proto) \(bytes)")
                }
                // Every transfer's rates and route latency, not only the slowest's.
                #expect(folded.treeShapes.count == 1 && whole.treeShapes.count == 1)
                /// Every transfer's rates leg by leg and its route latency, as bit patterns.
                func everyTransfer(_ shares: CollectiveModel.FluidShares) -> [[UInt64]] {
                    (0..<shares.count).map { t in
                        let p = shares.place(of: t)
                        return shares.legRates.map { $0[p].bitPattern } + [shares.wire[p].bitPattern]
                    }
                }
                for (key, shape) in whole.treeShapes {
                    #expect(shape.shares.representative == nil, "\(name) \(proto): the whole model prices every transfer")
                    let mine = folded.treeShapes[key].map { everyTransfer($0.shares) }
                    #expect(mine == everyTransfer(shape.shares), "\(name) \(proto): every transfer's rates and latency")
                }
                folded.treeShapes.removeAll()
                whole.treeShapes.removeAll()
            }
        }
    }

    /// NCCL's tree keeps its layout and rates for every bucket of one collective and protocol
    /// (whose ceiling sets the rates) and computes only its latencies per message size
    /// (`ncclTreeSeconds`): sizes priced one
    /// after another by one model get, each, the price a fresh model gives it alone, to the
    /// bit; the small ones, which the pipeline's latencies set, tell a kept latency from a
    /// recomputed one, and the second protocol a kept share of the message from its own.
    @Test func ncclTreeSizesPricedOneAfterAnotherAreEachPricedAsIfAlone() {
        for (name, cluster, gpus) in symmetricClusters() {
            let topology = Topology(cluster: cluster, gpus: gpus)
            let system = NCCLSystem(cluster: cluster, gpus: gpus)
            let model = CollectiveModel(topology: topology, sharesPrices: false)
            for proto in [NCCLProtocol.ll, .simple] {
                let run = NCCLRun(system: system, choice: NCCLChoice(.tree, proto))
                var prices: Set<UInt64> = []
                for bytes in [4e3, 1e6, 100e6, 2e3] {
                    let work = CollectiveWork(algorithm: .ncclTree, bytes: bytes, ranks: gpus, ranksPerNode: cluster.gpusPerNode, nccl: run)
                    let alone = CollectiveModel(topology: topology, sharesPrices: false).seconds(for: work)
                    #expect(model.seconds(for: work).bitPattern == alone.bitPattern, "\(name) \(proto) \(bytes)")
                    prices.insert(alone.bitPattern)
                }
                #expect(prices.count == 4, "\(name) \(proto): every size has its own price")
            }
            #expect(model.treeShapes.count == 2, "\(name): one shape per protocol (each has its ceiling) for every size")
        }
    }

    /// The shift carries every link of a unit to a link of the first unit (one of the first
    /// unit's to itself), keeping their order on these wirings; where it would not keep the
    /// order (forced here: no wiring the loader builds does that), ties could fall differently
    /// in another node, so NCCL's tree is not folded, and its price is every transfer's.
    @Test func theShiftKeepsLinkOrderOrTheTreeIsNotFolded() {
        for (name, cluster, gpus) in symmetricClusters() {
            let topology = Topology(cluster: cluster, gpus: gpus)
            #expect(topology.nodeShiftKeepsLinkOrder, "\(name)")
            for link in topology.links.indices {
                guard let unit = topology.shiftUnit(ofLink: link) else { continue }
                let image = topology.firstNodeImage(ofLink: link)
                #expect(topology.shiftUnit(ofLink: image) == 0, "\(name): \(topology.links[link].name)")
                if unit == 0 { #expect(image == link, "\(name): \(topology.links[link].name)") }
            }
        }
        let (_, cluster, gpus) = symmetricClusters()[1]
        let topology = Topology(cluster: cluster, gpus: gpus)
        topology.shiftKeepsLinkOrder = false
        let model = CollectiveModel(topology: topology, sharesPrices: false)
        let run = NCCLRun(system: NCCLSystem(cluster: cluster, gpus: gpus), choice: NCCLChoice(.tree, .simple))
        let endpoints = model.ncclPhases(run, ranks: gpus, bytes: 100e6)[0].phase.transfers.map { (from: $0.from, to: $0.to) }
        let folds = NodeLocalFold(endpoints, topology: topology) != nil
        #expect(!folds)
        let work = CollectiveWork(algorithm: .ncclTree, bytes: 100e6, ranks: gpus, ranksPerNode: cluster.gpusPerNode, nccl: run)
        let whole = CollectiveModel(topology: Topology(cluster: cluster, gpus: gpus), sharesPrices: false, foldsPhases: false)
        #expect(model.seconds(for: work).bitPattern == whole.seconds(for: work).bitPattern)
    }

    /// A partly filled last node breaks the symmetry: nothing is folded, and the price is
    /// every transfer's. The count the limit reads says so too.
    @Test func aPartlyFilledNodeIsPricedTransferByTransfer() {
        let (_, cluster, _) = symmetricClusters()[0]
        let topology = Topology(cluster: cluster, gpus: 30)
        #expect(!CollectiveModel(topology: topology).foldsNodes(ranks: 30, perNode: cluster.gpusPerNode))
        let wiring = Topology.Wiring(cluster: cluster, gpus: 30)
        #expect(CollectiveModel.pricedPhaseTransfers(.direct, gpus: 30, wiring: wiring) == 30 * 29)
        #expect(CollectiveModel.pricedPhaseTransfers(.parameterServer, gpus: 30, wiring: wiring) == 4 * 3)
        let full = Topology.Wiring(cluster: cluster, gpus: 32)
        #expect(CollectiveModel.pricedPhaseTransfers(.direct, gpus: 32, wiring: full) == 8 * 31)
        #expect(CollectiveModel.pricedPhaseTransfers(.parameterServer, gpus: 32, wiring: full) == 3)
        #expect(CollectiveModel.pricedPhaseTransfers(.ring, gpus: 32, wiring: full) == nil)
        let leaves = Topology.Wiring(cluster: symmetricClusters()[2].cluster, gpus: 48)
        #expect(CollectiveModel.pricedPhaseTransfers(.parameterServer, gpus: 48, wiring: leaves) == 2 * 5)
    }
}
