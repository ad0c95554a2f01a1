import Foundation
import Hardware
import Scenario
import YAMLSupport

/// What an owned configuration costs, item by item: bought once (capex) and run
/// by the hour (opex), and the total over the stated life (TCO).
///
/// Capex = GPUs × GPU price + nodes × server price (GPUs excluded)
///       + (more than one node) NICs × NIC price + switches × switch price + cables × cable price,
/// counted by `SwitchCount` at the speed of the cluster's NICs (or links × `network_port_usd`, all in).
/// Opex per hour = (GPUs × TDP + nodes × host watts) / 1000 × PUE × $/kWh + nodes × hosting per year / 8766.
/// Busy hours = life hours × utilization (life years × 8766; utilization 1 unless stated: busy all along).
/// TCO = capex + power per hour × busy hours + hosting per hour × life hours (power at full power while busy;
/// an idle cluster's draw is not counted).
/// Cost per training hour = capex / busy hours + power per hour + hosting per hour / utilization.
/// docs/costs.md gives each term's source.
public struct OwnedCost: Sendable, Equatable {
    /// One line of the bill.
    public struct Item: Sendable, Equatable {
        /// "GPUs", "servers", "NICs", "switches", "cables", "GPU power", "host power", "hosting".
        public var name: String
        public var quantity: Double
        /// Dollars per unit (capital items) or per unit-hour (running items).
        public var unitUSD: Double
        /// What a unit is, in words ("H100-SXM5", "700 W x PUE 1.3 at $0.12/kWh").
        public var unit: String
        public var seen: String
        public var source: String
        /// A running item paid every hour of the life, busy or idle (hosting), rather than per
        /// hour of training (power).
        public var paidWhileIdle = false

        public var totalUSD: Double { quantity * unitUSD }
    }

    /// Hours in a year (365.25 days).
    public static let hoursPerYear = 8766.0

    public var capital: [Item]
    /// Dollars per hour of running the whole configuration.
    public var running: [Item]
    public var lifetimeYears: Double
    /// The share of the life the cluster trains (`pricing.utilization`).
    public var utilization: Double
    /// The GPUs' TDP and the servers' other draw at full power, in kilowatts (the IT load), and
    /// the facility's power usage effectiveness that multiplies it at the meter.
    public var itKilowatts: Double
    public var pue: Double

    public var lifetimeHours: Double { lifetimeYears * Self.hoursPerYear }
    /// The hours of the life the cluster trains.
    public var busyHours: Double { lifetimeHours * utilization }
    public var capexUSD: Double { capital.reduce(0) { $0 + $1.totalUSD } }
    public var opexPerHourUSD: Double { running.reduce(0) { $0 + $1.totalUSD } }
    /// Hosting per hour of the life, busy or not; the rest of the opex (power) is per busy hour.
    var hostingPerHourUSD: Double { running.filter(\.paidWhileIdle).reduce(0) { $0 + $1.totalUSD } }
    /// The capex and the hosting spread over the busy hours, plus the power, per hour of training.
    public var perHourUSD: Double {
        capexUSD / busyHours + (opexPerHourUSD - hostingPerHourUSD) + hostingPerHourUSD / utilization
    }
    public var tcoUSD: Double { capexUSD + (opexPerHourUSD - hostingPerHourUSD) * busyHours + hostingPerHourUSD * lifetimeHours }

    /// The share of its life the cluster must train for a training of `hours` on it to cost no
    /// more than `rentedUSD`: from `hours × ((capex / life hours + hosting per hour) / u + power
    /// per hour) = rentedUSD` (the cost per training hour above),
    /// `u* = hours × (capex / life hours + hosting per hour) / (rentedUSD − hours × power per hour)`.
    /// Nil where the power alone costs as much as renting (no utilization breaks even); above 1
    /// where renting wins even at full use.
    public func breakEvenUtilization(trainingHours hours: Double, rentedUSD: Double) -> Double? {
        let power = opexPerHourUSD - hostingPerHourUSD
        let margin = rentedUSD - hours * power
        guard margin > 0 else { return nil }
        return hours * (capexUSD / lifetimeHours + hostingPerHourUSD) / margin
    }

    /// The bill of `run` on `gpus` GPUs: stated prices first, then the catalog's
    /// (at `pricing.catalogRangePosition` of each range, the midpoint by default).
    /// - Throws: `ConfigError` at `pricing` naming the key to state when a price is unknown.
    public init(_ run: RunSpec, pricing: PricingSpec, gpus: Int, catalog: Catalog) throws {
        let gpu = run.cluster.gpu
        let nodes = run.cluster.nodes(for: gpus)
        let u = pricing.catalogRangePosition
        let stated = (seen: PricingSpec.statedSeen, source: PricingSpec.statedSource)
        lifetimeYears = pricing.lifetimeYears!
        utilization = pricing.utilization
        capital = []
        running = []

        // The GPUs', the servers' and the servers' power figures: any missing are asked for in one error.
        var missing: [(what: String, key: String)] = []
        if let price = pricing.purchasePerGPU?.value(for: gpu) {
            capital.append(Item(name: "GPUs", quantity: Double(gpus), unitUSD: price, unit: gpu.name, seen: stated.seen, source: stated.source))
        } else if let range = catalog.purchasePrice(for: gpu) {
            capital.append(Item(name: "GPUs", quantity: Double(gpus), unitUSD: range.range.at(u), unit: gpu.name, seen: range.seen,
                                source: range.source))
        } else {
            missing.append(("no purchase price for the \(gpu.name) is known", "purchase_per_gpu"))
        }

        let catalogServer = catalog.serverPrice(for: gpu)
        let fittingServer = catalogServer.flatMap { $0.gpusPerServer == run.cluster.gpusPerNode ? $0 : nil }
        func serverMissing(_ what: String, key: String) -> (what: String, key: String) {
            if let server = catalogServer, fittingServer == nil {
                return ("the catalog prices \(server.gpusPerServer)-GPU \(gpu.name) servers, but these nodes hold "
                        + "\(run.cluster.gpusPerNode)", key)
            }
            return ("no \(what) for the \(gpu.name) is known", key)
        }
        if let price = pricing.serverPerNode?.value(for: gpu) {
            capital.append(Item(name: "servers", quantity: Double(nodes), unitUSD: price, unit: "server without GPUs",
                                seen: stated.seen, source: stated.source))
        } else if let server = fittingServer {
            capital.append(Item(name: "servers", quantity: Double(nodes), unitUSD: server.price.at(u),
                                unit: "\(server.gpusPerServer)-GPU server without GPUs", seen: server.seen, source: server.source))
        } else {
            missing.append(serverMissing("server price (per node, without its GPUs)", key: "server_usd_per_node (0 if the GPU price includes its server)"))
        }

        var host: (watts: Double, seen: String, source: String)?
        if let watts = pricing.hostWattsPerNode?.value(for: gpu) {
            host = (watts, stated.seen, stated.source)
        } else if let server = fittingServer {
            host = (server.hostWatts, server.seen, server.source)
        } else {
            missing.append(serverMissing("server power (watts besides the GPUs)", key: "host_watts_per_node (0 to count the GPUs' power only)"))
        }
        let noPowerDraw = "no power draw for the \(gpu.name) is known: give it tdp_watts in a scenario catalog: entry"
        guard missing.isEmpty, let host else {
            // Every figure at once, the GPU's own power draw (a catalog key, not a pricing one) too.
            var error = pricing.missing(missing)
            if gpu.tdpWatts == nil { error.message += "; and \(noPowerDraw)" }
            throw error
        }

        if nodes > 1, let network = run.cluster.network {
            let links = nodes * network.nicsPerNode
            if let port = pricing.networkPortPrice {
                capital.append(Item(name: "network links", quantity: Double(links), unitUSD: port,
                                    unit: "NIC, switch port and cable", seen: stated.seen, source: stated.source))
            } else {
                do {
                    capital += try Self.networkItems(network, nodes: nodes, pricing: pricing, catalog: catalog)
                } catch var error as ConfigError {
                    if gpu.tdpWatts == nil { error.message += "; and \(noPowerDraw)" }
                    throw error
                }
            }
        }

        guard let tdp = gpu.tdpWatts else {
            var error = pricing.location
            error.message = "\(noPowerDraw), or rent it (mode: cloud)"
            throw error
        }
        let hostWatts = host.watts
        let hostBasis = (seen: host.seen, source: host.source)
        let pue = pricing.pue!, perKWh = pricing.powerPerKWh!
        self.pue = pue
        itKilowatts = (Double(gpus) * tdp + Double(nodes) * hostWatts) / 1000
        let energy = "x PUE \(Self.number(pue)) at $\(Self.number(perKWh))/kWh"
        running.append(Item(name: "GPU power", quantity: Double(gpus), unitUSD: tdp / 1000 * pue * perKWh,
                            unit: "\(Self.number(tdp)) W \(energy)", seen: "", source: "the catalog's tdp_watts"))
        running.append(Item(name: "host power", quantity: Double(nodes), unitUSD: hostWatts / 1000 * pue * perKWh,
                            unit: "\(Self.number(hostWatts)) W \(energy)", seen: hostBasis.seen, source: hostBasis.source))
        if let hosting = pricing.hostingPerNodeYear {
            running.append(Item(name: "hosting", quantity: Double(nodes), unitUSD: hosting / Self.hoursPerYear,
                                unit: "$\(Self.number(hosting)) per node-year", seen: stated.seen, source: stated.source,
                                paidWhileIdle: true))
        }
    }

    /// NICs, switches and cables of a multi-node network. Each part is priced at the
    /// slowest speed, at least the NICs', for which the scenario (first) or the catalog
    /// of the same link kind has a price: a port is bought at the next speed up (an NDR
    /// switch also runs HDR and EDR ports), and the unit names the speed priced.
    static func networkItems(_ network: NetworkSpec, nodes: Int, pricing: PricingSpec, catalog: Catalog) throws -> [Item] {
        let kind = network.nic.kind
        let bits = pricing.purchasedNICBitsPerSecond ?? network.nic.bytesPerSecond * 8
        let speed = "\(Self.number((bits / 1e9 * 1000).rounded() / 1000)) Gb/s \(kind.rawValue)"
        // Stated entries come first, so at equal speed the scenario's price wins.
        let entries = (pricing.network + catalog.networkPrices).filter { $0.covers(kind: kind, bitsPerSecond: bits) }
        let u = pricing.catalogRangePosition
        func part<T>(_ what: String, _ value: (NetworkPrice) -> T?) throws -> (T, NetworkPrice) {
            let priced = entries.compactMap { entry in value(entry).map { ($0, entry) } }
            guard let slowest = priced.map(\.1.gbitPerSecond).min(), let chosen = priced.first(where: { $0.1.gbitPerSecond == slowest }) else {
                throw pricing.missing("no \(what) price for \(speed) links (or faster) is known",
                                      stateAs: "network (a list of {gbit_per_s, nic_usd, switch_ports, switch_usd, cable_usd}) or pricing.network_port_usd")
            }
            return chosen
        }
        func tier(_ entry: NetworkPrice) -> String { "\(Self.number(entry.gbitPerSecond)) Gb/s \(kind.rawValue)" }
        let (nic, nicEntry) = try part("NIC") { $0.nic }
        let (ports, switchEntry) = try part("switch") { $0.switchPorts }
        let (cable, cableEntry) = try part("cable") { $0.cablePerLink }
        let switchPrice = switchEntry.switchPrice!
        let count = SwitchCount(network: network, nodes: nodes, ports: ports)
        return [
            Item(name: "NICs", quantity: Double(count.nodeLinks), unitUSD: nic.at(u), unit: "\(tier(nicEntry)) NIC",
                 seen: nicEntry.seen, source: nicEntry.source),
            Item(name: "switches", quantity: Double(count.switches), unitUSD: switchPrice.at(u), unit: "\(ports)-port \(tier(switchEntry)) switch",
                 seen: switchEntry.seen, source: switchEntry.source),
            Item(name: "cables", quantity: Double(count.cables), unitUSD: cable.at(u), unit: "\(tier(cableEntry)) cable and transceivers",
                 seen: cableEntry.seen, source: cableEntry.source),
        ]
    }

    /// The bill in one line: each item with its count, unit price, date and source.
    public var details: String {
        // A price the scenario states has no date: its source says so alone.
        func basis(_ item: Item) -> String {
            item.seen.isEmpty || item.seen == PricingSpec.statedSeen ? item.source.catalogCitation : "\(item.seen) \(item.source.catalogCitation)"
        }
        let bought = capital.map { "\($0.name) \(Self.number($0.quantity)) x $\(Self.unitMoney($0.unitUSD)) (\($0.unit); \(basis($0)))" }
        let run = running.map { "\($0.name) \(Self.number($0.quantity)) x \($0.unit) (\(basis($0)))" }
        let busy = utilization < 1 ? ", busy \(Self.number((utilization * 100 * 100).rounded() / 100))% of the time (utilization)" : ""
        let hosted = running.contains(where: \.paidWhileIdle)
        // The draw in one figure, for the facility: IT load, at the meter, and a year of it busy.
        let power = running.filter { !$0.paidWhileIdle }.reduce(0) { $0 + $1.totalUSD }
        let draw = "; together \(Self.number((itKilowatts * 10).rounded() / 10)) kW of IT load, "
            + "\(Self.number((itKilowatts * pue * 10).rounded() / 10)) kW at the meter with the PUE, $\(Self.money(power * Self.hoursPerYear)) "
            + "a year of power if busy all of it"
        return "bought: " + bought.joined(separator: "; ") + ". Over \(Self.number(lifetimeYears)) years\(busy), run at full power: "
            + run.joined(separator: "; ") + draw + (hosted ? "" : "; hosting and staff not counted")
            + (utilization < 1 ? "; the purchase\(hosted ? " and the hosting" : "") spread over "
                + "its busy hours, idle power not counted"
               : "; the purchase spread over every hour of the life, as if the cluster were busy all of it")
    }

    static func money(_ x: Double) -> String { Plan.money(x) }
    /// A unit price as `money` writes it, with its cents where it has some (a catalog
    /// range's middle, $13,749.50): rounded to the dollar, eight of them would not add up
    /// to the capex the bill states.
    static func unitMoney(_ x: Double) -> String {
        let cents = (x * 100).rounded()
        guard x >= 1000, x.magnitude < 1e15, cents.truncatingRemainder(dividingBy: 100) != 0 else { return money(x) }
        return money((cents / 100).rounded(.down)) + String(format: ".%02d", locale: nil, Int(cents.truncatingRemainder(dividingBy: 100)))
    }
    static func number(_ x: Double) -> String {
        x == x.rounded() && x.magnitude < 1e15 ? String(Int(x)) : String(format: "%.4g", locale: nil, x)
    }
}
