import Foundation
import Hardware
import Scenario
import Testing
import YAMLSupport
@testable import Planning

/// The small CNN on 8-GPU H100 nodes joined by 8 NDR NICs each, bought.
let ownedScenario = planScenario
    .replacingOccurrences(of: "cluster: {gpu: A100-SXM4-40GB, gpus_per_node: 8, fabric: nvswitch, network: {link: eth-25g, nics_per_node: 1}}",
                          with: "cluster: {gpu: H100-SXM5, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-ndr, nics_per_node: 8}}")
    .replacingOccurrences(of: "pricing: {mode: cloud}", with: "pricing: {mode: owned, lifetime_years: 4, power_usd_per_kwh: 0.12, pue: 1.3}")

@Suite struct OwnedCostTests {
    func loaded(_ text: String) throws -> (RunSpec, Catalog) {
        let scenario = try Scenario.load(path: try writeScenario(text))
        return (scenario.runs[0], scenario.catalog)
    }

    func bill(_ text: String = ownedScenario, gpus: Int) throws -> OwnedCost {
        let (run, catalog) = try loaded(text)
        return try OwnedCost(run, pricing: try #require(run.pricing), gpus: gpus, catalog: catalog)
    }

    /// Every part from the catalog: GPUs and servers at the middle of their ranges, and
    /// for 4 nodes x 8 NDR NICs, 32 NICs on one 64-port switch with 32 cables.
    @Test func theCatalogPricesEveryPartOfAnNDRCluster() throws {
        let (run, catalog) = try loaded(ownedScenario)
        let b = try bill(gpus: 32)
        let gpu = try #require(catalog.purchasePrice(for: run.cluster.gpu)), server = try #require(catalog.serverPrice(for: run.cluster.gpu))
        let ndr = try #require(catalog.networkPrices.first { $0.kind == .infiniband && $0.gbitPerSecond == 400 })
        #expect(b.capital.map(\.name) == ["GPUs", "servers", "NICs", "switches", "cables"])
        #expect(b.capital.map(\.quantity) == [32, 4, 32, 1, 32])
        let capex = 32 * gpu.midpoint + 4 * server.price.midpoint + 32 * ndr.nic!.midpoint + ndr.switchPrice!.midpoint + 32 * ndr.cablePerLink!.midpoint
        #expect(abs(b.capexUSD - capex) < 1e-6)
        let opexPerHour = (32 * 700 + 4 * server.hostWatts) / 1000 * 1.3 * 0.12
        #expect(abs(b.opexPerHourUSD - opexPerHour) < 1e-9)
        #expect(abs(b.tcoUSD - (capex + opexPerHour * 4 * 8766)) < 1e-3)
        #expect(abs(b.perHourUSD - (capex / (4 * 8766) + opexPerHour)) < 1e-9)
        // The draw in one figure, for the facility: the IT load, at the meter, and a busy year's power.
        let itKilowatts = (32 * 700 + 4 * server.hostWatts) / 1000
        #expect(abs(b.itKilowatts - itKilowatts) < 1e-9)
        #expect(b.details.contains("; together \(OwnedCost.number((itKilowatts * 10).rounded() / 10)) kW of IT load, "
            + "\(OwnedCost.number((itKilowatts * 1.3 * 10).rounded() / 10)) kW at the meter with the PUE, $\(Plan.money(opexPerHour * 8766)) "
            + "a year of power if busy all of it"), "\(b.details)")
    }

    /// The break-even utilization is where owning costs what renting does: at half the life
    /// busy, a rental priced at the bill's own half-busy cost breaks even at exactly 0.5; a rental
    /// below the power alone never does.
    @Test func theBreakEvenUtilizationPricesOwningAsRenting() throws {
        var b = try bill(gpus: 32)
        b.utilization = 0.5
        let hours = 10.0, rented = hours * b.perHourUSD
        b.utilization = 1
        let breakEven = try #require(b.breakEvenUtilization(trainingHours: hours, rentedUSD: rented))
        #expect(abs(breakEven - 0.5) < 1e-12)
        #expect(b.breakEvenUtilization(trainingHours: hours, rentedUSD: hours * (b.opexPerHourUSD - b.hostingPerHourUSD)) == nil)
    }

    /// One node buys no network: its GPUs talk over the node's own NVSwitch.
    @Test func oneNodeBuysNoNetwork() throws {
        #expect(try bill(gpus: 8).capital.map(\.name) == ["GPUs", "servers"])
        #expect(try bill(gpus: 4).capital.map(\.quantity) == [4, 1])
    }

    /// A faster NIC costs more (the fastest no longer always wins), and a speed with no
    /// sourced switch is priced at the next speed up, named in the unit.
    @Test func networkSpeedCostsMoney() throws {
        let (run, catalog) = try loaded(ownedScenario)
        func capex(gbps: Double) throws -> OwnedCost {
            let changed = try WhatIf.withBandwidth(run, link: .network, bytesPerSecond: gbps * 1e9 / 8)
            return try OwnedCost(changed, pricing: changed.pricing!, gpus: 32, catalog: catalog)
        }
        let slow = try capex(gbps: 100), fast = try capex(gbps: 400)
        #expect(slow.capexUSD < fast.capexUSD)
        #expect(slow.capital.first { $0.name == "NICs" }?.unit == "100 Gb/s infiniband NIC")
        #expect(slow.capital.first { $0.name == "switches" }?.unit == "64-port 400 Gb/s infiniband switch")
        // Faster than anything priced: a clear error, no guess.
        let error = #expect(throws: ConfigError.self) { try capex(gbps: 1600) }
        #expect(error?.keyPath == "pricing")
        #expect(error?.message.contains("no NIC price for 1600 Gb/s infiniband links (or faster) is known; state it as pricing.network") == true)
    }

    /// The buyer's own network prices win over the catalog's at the same speed.
    @Test func statedNetworkPricesComeFirst() throws {
        let text = ownedScenario.replacingOccurrences(
            of: "pue: 1.3}", with: "pue: 1.3, network: [{gbit_per_s: 400, nic_usd: 1000, switch_ports: 32, switch_usd: 20000, cable_usd: 100}]}")
        let b = try bill(text, gpus: 64)   // 8 nodes x 8 NICs = 64 links on 32-port switches: two tiers
        #expect(b.capital.map(\.quantity) == [64, 8, 64, 4 + 2, 128])
        #expect(b.capital[2].unitUSD == 1000 && b.capital[3].unitUSD == 20000 && b.capital[4].unitUSD == 100)
        #expect(b.capital[3].source == "stated in the scenario")
    }

    /// A map prices each GPU by its own figure (names or aliases); a GPU it leaves out
    /// gets the catalog's price, so `--vary cluster.gpu` never prices one GPU as another.
    @Test func perGPUPricesFollowTheGPU() throws {
        let text = ownedScenario.replacingOccurrences(of: "pue: 1.3}", with: "pue: 1.3, purchase_per_gpu: {h100: 20000, A100-SXM4-80GB: 9000}}")
        let rows = try Sweep(scenarioPath: try writeScenario(text), axes: [try Sweep.Axis.parse("cluster.gpu=H100,A100-SXM4-80GB,H200"),
                                                                              try Sweep.Axis.parse("gpus=8")]).evaluate()
        let catalog = try Catalog.builtIn()
        func gpuPrice(_ name: String) throws -> Double {
            let (run, cat) = try loaded(text.replacingOccurrences(of: "gpu: H100-SXM5", with: "gpu: \(name)"))
            return try OwnedCost(run, pricing: run.pricing!, gpus: 8, catalog: cat).capital[0].unitUSD
        }
        #expect(try gpuPrice("H100-SXM5") == 20000)
        #expect(try gpuPrice("A100-SXM4-80GB") == 9000)
        #expect(try gpuPrice("H200-SXM") == catalog.purchasePrice(for: catalog.gpu(named: "H200-SXM")!)!.midpoint)
        #expect(Set(rows.map(\.capexUSD)).count == 3)
        #expect(rows.map(\.priceSeen) == ["scenario", "scenario", "2024-03 to 2025-01"])
        let unknown = #expect(throws: ConfigError.self) {
            try self.loaded(ownedScenario.replacingOccurrences(of: "pue: 1.3}", with: "pue: 1.3, purchase_per_gpu: {H1000: 5}}"))
        }
        #expect(unknown?.message.hasPrefix("unknown GPU 'H1000'") == true)
        #expect(unknown?.keyPath == "pricing.purchase_per_gpu.H1000" && unknown?.line != nil)
    }

    /// Prices the catalog lacks stop the plan at `pricing`, naming the key to state.
    @Test(arguments: [
        ("gpu: H100-SXM5, gpus_per_node: 8", "gpu: K40, gpus_per_node: 8", 8, "no purchase price for the K40 is known; "),
        ("gpu: H100-SXM5, gpus_per_node: 8", "gpu: H100-PCIe, gpus_per_node: 8", 8, "no server price (per node, without its GPUs) for the H100-PCIe is known; "),
        ("gpu: H100-SXM5, gpus_per_node: 8", "gpu: H100-SXM5, gpus_per_node: 4", 4, "the catalog prices 8-GPU H100-SXM5 servers, but these nodes hold 4"),
        ("link: ib-ndr", "link: eth-100g", 16, "no switch price for 100 Gb/s ethernet links (or faster) is known"),
    ])
    func anUnknownPriceIsAClearError(from: String, to: String, gpus: Int, message: String) throws {
        let text = ownedScenario.replacingOccurrences(of: from, with: to).replacingOccurrences(of: "fabric: nvswitch", with: "fabric: pcie-tree")
        let error = #expect(throws: ConfigError.self) { try self.bill(text, gpus: gpus) }
        #expect(error?.keyPath == "pricing")
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        // Said once, though a server of another size lacks both its price and its power.
        #expect(error?.message.components(separatedBy: message).count == 2, "\(error?.message ?? "")")
        #expect(error?.line != nil)
    }

    /// A sweep finds every price it needs before it simulates a point: a network varied to a speed
    /// nothing prices stops it at `pricing` with no point simulated (it stopped after simulating them all).
    @Test func aSweepChecksItsPricesBeforeSimulating() throws {
        let sweep = try Sweep(scenarioPath: try writeScenario(ownedScenario),
                              axes: [Sweep.Axis.parse("gpus=8,16,32"), Sweep.Axis.parse("cluster.network.link=ib-ndr,eth-100g")])
        let simulated = Counter()
        let error = #expect(throws: ConfigError.self) { try sweep.evaluate(progress: { done, _ in simulated.record(done) }) }
        #expect(error?.keyPath == "pricing" && error?.message.contains("no switch price for 100 Gb/s ethernet links (or faster) is known") == true,
                "\(error?.message ?? "")")
        #expect(simulated.largest == 0)
        // Without the unpriced network every point is simulated and priced.
        let priced = try Sweep(scenarioPath: try writeScenario(ownedScenario), axes: [Sweep.Axis.parse("gpus=8,16,32")]).evaluate()
        #expect(priced.count == 3 && priced.allSatisfy { $0.capexUSD != nil })
    }

    /// Every network speed a sweep prices without a price is named in one error, so that one
    /// edit states them all (a planner met 400 Gb/s only after stating 100).
    @Test func aSweepNamesEveryMissingPriceAtOnce() throws {
        let sweep = try Sweep(scenarioPath: try writeScenario(ownedScenario),
                              axes: [Sweep.Axis.parse("gpus=16"), Sweep.Axis.parse("cluster.network.link=eth-100g,eth-400g")])
        let error = #expect(throws: ConfigError.self) { try sweep.evaluate() }
        let message = error?.message ?? ""
        #expect(error?.keyPath == "pricing" && message.contains("no switch price for 100 Gb/s ethernet links (or faster) is known; no switch "
                                                                + "price for 400 Gb/s ethernet links (or faster) is known; state them as "), "\(message)")
        #expect(message.components(separatedBy: "state them as").count == 2, "\(message)")
    }

    /// The most points a sweep's progress has reported done.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func record(_ done: Int) { lock.withLock { value = max(value, done) } }
        var largest: Int { lock.withLock { value } }
    }

    /// Every figure the catalog lacks for a GPU is asked for in one error, not one run at a time: the L40S
    /// has no purchase, server or server-power figure.
    @Test func everyMissingFigureIsAskedForAtOnce() throws {
        let text = ownedScenario.replacingOccurrences(of: "gpu: H100-SXM5", with: "gpu: L40S").replacingOccurrences(of: "fabric: nvswitch", with: "fabric: pcie-tree")
        let error = #expect(throws: ConfigError.self) { try self.bill(text, gpus: 8) }
        #expect(error?.message == "no purchase price for the L40S is known; no server price (per node, without its GPUs) for the L40S is known; "
                + "no server power (watts besides the GPUs) for the L40S is known; state them as pricing.purchase_per_gpu, "
                + "pricing.server_usd_per_node (0 if the GPU price includes its server), pricing.host_watts_per_node (0 to count the "
                + "GPUs' power only)", "\(error?.message ?? "")")
        #expect(error?.keyPath == "pricing" && error?.line != nil)
        // One stated, two asked for.
        let one = #expect(throws: ConfigError.self) {
            try self.bill(text.replacingOccurrences(of: "pue: 1.3}", with: "pue: 1.3, purchase_per_gpu: 8000}"), gpus: 8)
        }
        #expect(one?.message.hasPrefix("no server price") == true && one?.message.contains("; state them as pricing.server_usd_per_node") == true,
                "\(one?.message ?? "")")
    }

    /// A GPU of the scenario's own catalog without `tdp_watts` has its power draw asked for with the
    /// prices, in the same error, not after they are stated.
    @Test func aMissingPowerDrawIsAskedForWithThePrices() throws {
        let custom = "catalog:\n  gpus:\n    - {name: Mine, memory_gib: 24, memory_bandwidth_gb_per_s: 1000, peak_tflops: {fp32: 80}, "
            + "host_link: pcie4-x16, source: \"a test\"}\n"
        let text = custom + ownedScenario.replacingOccurrences(of: "gpu: H100-SXM5", with: "gpu: Mine").replacingOccurrences(of: "fabric: nvswitch", with: "fabric: pcie-tree")
        let error = #expect(throws: ConfigError.self) { try self.bill(text, gpus: 8) }
        #expect(error?.message.hasPrefix("no purchase price for the Mine is known;") == true
                && error?.message.hasSuffix("; and no power draw for the Mine is known: give it tdp_watts in a scenario catalog: entry") == true,
                "\(error?.message ?? "")")
        // So is a network without a price: the two in one error.
        let priced = text.replacingOccurrences(of: "pue: 1.3}", with: "pue: 1.3, purchase_per_gpu: 8000, server_usd_per_node: 0, host_watts_per_node: 0}")
            .replacingOccurrences(of: "network: {link: ib-ndr, nics_per_node: 8}", with: "network: {link: eth-25g, nics_per_node: 1}")
        let network = #expect(throws: ConfigError.self) { try self.bill(priced, gpus: 16) }
        #expect(network?.message.contains("switch") == true && network?.message.hasSuffix("give it tdp_watts in a scenario catalog: entry") == true,
                "\(network?.message ?? "")")
    }

    /// Stating the missing figure (0: the GPU price includes its server) clears the error.
    @Test func statingTheMissingFigureClearsTheError() throws {
        let text = ownedScenario.replacingOccurrences(of: "gpu: H100-SXM5", with: "gpu: L40S").replacingOccurrences(of: "fabric: nvswitch", with: "fabric: pcie-tree")
            .replacingOccurrences(of: "pue: 1.3}", with: "pue: 1.3, purchase_per_gpu: 8000, server_usd_per_node: 0, host_watts_per_node: 0}")
        let b = try bill(text, gpus: 8)
        #expect(b.capexUSD == 64000)
        #expect(abs(b.opexPerHourUSD - 8 * 350 / 1000 * 1.3 * 0.12) < 1e-12)
    }

    /// Hosting per node-year is counted when stated.
    @Test func hostingIsAnOpexPerNodeYear() throws {
        let plain = try bill(gpus: 16)
        let hosted = try bill(ownedScenario.replacingOccurrences(of: "pue: 1.3}", with: "pue: 1.3, hosting_usd_per_node_year: 8766}"), gpus: 16)
        #expect(abs(hosted.opexPerHourUSD - plain.opexPerHourUSD - 2) < 1e-9)   // 2 nodes x $1 per hour
        #expect(hosted.capexUSD == plain.capexUSD)
    }
}

@Suite struct SwitchCountTests {
    static func network(nics: Int = 1, perLeaf: Int? = nil, oversubscription: Double = 1) -> NetworkSpec {
        NetworkSpec(nic: LinkSpec(name: "n", kind: .infiniband, bytesPerSecond: 50e9, latencySeconds: 1e-6, source: "test"),
                    nicsPerNode: nics, nodesPerLeaf: perLeaf, oversubscription: oversubscription)
    }

    @Test func oneSwitchHoldsUpToItsPorts() {
        #expect(SwitchCount(network: Self.network(), nodes: 1, ports: 64) == SwitchCount(nodeLinks: 0, switches: 0, interSwitchLinks: 0))
        #expect(SwitchCount(network: Self.network(nics: 8), nodes: 8, ports: 64) == SwitchCount(nodeLinks: 64, switches: 1, interSwitchLinks: 0))
    }

    /// A folded Clos of k-port switches: two tiers hold k²/2 links on 3k/2 switches,
    /// three tiers k³/4 links on 5k²/4 switches (Al-Fares et al. 2008).
    @Test(arguments: [4, 8, 64])
    func fatTreesMatchTheirClosedForm(k: Int) {
        let two = SwitchCount(network: Self.network(), nodes: k * k / 2, ports: k)
        #expect(two == SwitchCount(nodeLinks: k * k / 2, switches: 3 * k / 2, interSwitchLinks: k * k / 2))
        let three = SwitchCount(network: Self.network(), nodes: k * k * k / 4, ports: k)
        #expect(three == SwitchCount(nodeLinks: k * k * k / 4, switches: 5 * k * k / 4, interSwitchLinks: 2 * k * k * k / 4))
    }

    /// Leaf-spine: leaves of 32 nodes, uplinks cut by the oversubscription, a last partial leaf.
    @Test func leafSpineCountsLeavesAndSpines() {
        let count = SwitchCount(network: Self.network(perLeaf: 32, oversubscription: 2), nodes: 80, ports: 64)
        // Leaves of 32, 32 and 16 nodes: 16 + 16 + 8 uplinks; each leaf fits one switch; one spine holds the 40 uplinks.
        #expect(count == SwitchCount(nodeLinks: 80, switches: 3 + 1, interSwitchLinks: 40))
        #expect(count.cables == 120)
        // A single leaf needs no spine.
        #expect(SwitchCount(network: Self.network(perLeaf: 32), nodes: 20, ports: 64) == SwitchCount(nodeLinks: 20, switches: 1, interSwitchLinks: 0))
    }

    /// Rail-optimized: a rail switch per NIC index and group of nodes, each with one port
    /// per node down and its share of uplinks to the spine (NVIDIA's DGX SuperPOD: 32-node
    /// scalable units, 8 rails).
    @Test func railOptimizedCountsRailSwitches() {
        var network = Self.network(nics: 8, perLeaf: 32, oversubscription: 1)
        network.layout = .railOptimized(crossRail: .pxn)
        // Two full groups and one of 16 nodes: 8 rails each; uplinks 32 + 32 + 16 per rail.
        let count = SwitchCount(network: network, nodes: 80, ports: 64)
        #expect(count == SwitchCount(nodeLinks: 640, switches: 3 * 8 + 640 / 64, interSwitchLinks: 8 * 80))
        // One group: still a spine between the rails; one rail of one group: none.
        network.nodesPerLeaf = nil
        network.oversubscription = 2
        #expect(SwitchCount(network: network, nodes: 20, ports: 64) == SwitchCount(nodeLinks: 160, switches: 8 + 2, interSwitchLinks: 80))
        network.nicsPerNode = 1
        #expect(SwitchCount(network: network, nodes: 20, ports: 64) == SwitchCount(nodeLinks: 20, switches: 1, interSwitchLinks: 0))
        network.layout = .torus(dimensions: [4, 5])
        #expect(SwitchCount(network: network, nodes: 20, ports: 64) == SwitchCount(nodeLinks: 20, switches: 0, interSwitchLinks: 0))
    }
}
