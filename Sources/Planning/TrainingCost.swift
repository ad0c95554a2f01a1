import Foundation
import Hardware
import Scenario
import Simulation
import YAMLSupport

/// Time and money to train, for one configuration.
public struct TrainingEstimate: Sendable, Equatable {
    /// Seconds to process the training goal's images at the simulated rate (its epochs
    /// at the run's global batch, `TrainingGoal.epochs(atGlobalBatch:)`).
    public var seconds: Double
    /// Dollars for that time.
    public var dollars: Double
    /// Dollars per hour of the whole configuration.
    public var dollarsPerHour: Double
    /// Where the price comes from.
    public var basis: PriceBasis
    /// The itemised bill of an owned configuration; nil in the cloud.
    public var owned: OwnedCost?

    public var hours: Double { seconds / 3600 }
    /// Where the price comes from, in one line.
    public var priceBasis: String { basis.details }
    /// Dollars spent up front (owned only).
    public var capexUSD: Double? { owned?.capexUSD }
    /// Dollars over the stated life (owned only).
    public var tcoUSD: Double? { owned?.tcoUSD }

    /// Prices `run` on `gpus` GPUs running at `imagesPerSecond`.
    ///
    /// - cloud: a catalog offer's ⌈GPUs / GPUs per instance⌉ instances × its price per
    ///   instance-hour × hours (instances are rented whole), or GPUs × a stated price per
    ///   GPU-hour × hours; no rounding to whole hours. The instance's network, power and
    ///   hosting are in its price.
    /// - owned: `OwnedCost.perHourUSD` × hours (capex / busy hours + power per hour +
    ///   hosting per hour / utilization), capex and opex itemised by `OwnedCost`: the
    ///   purchase spread over the busy hours of the life (all of it unless
    ///   `pricing.utilization` says less), and power at the GPUs' and hosts' maximum.
    /// - Parameter describing: false leaves the basis's `details` empty: the uncertainty
    ///   ranges price thousands of draws and read only their dollars.
    /// - Returns: nil when the run states no training goal or no pricing.
    /// - Throws: `ConfigError` at `pricing` when a price the mode needs is unknown.
    public static func estimate(_ run: RunSpec, gpus: Int, imagesPerSecond: Double, catalog: Catalog,
                                describing: Bool = true) throws -> TrainingEstimate? {
        guard let goal = run.training, let pricing = run.pricing else { return nil }
        let seconds = goal.totalImages(atGlobalBatch: run.globalBatch(at: gpus)) / imagesPerSecond
        let hours = seconds / 3600
        let gpu = run.cluster.gpu
        switch pricing.mode {
        case .cloud:
            let basis: PriceBasis
            if let stated = pricing.cloudPerGPUHour?.value(for: gpu) {
                basis = PriceBasis(offer: PricingSpec.statedSource, usdPerGPUHour: stated, seen: PricingSpec.statedSeen, source: "pricing.cloud_per_gpu_hour",
                                   details: "$\(Format2.money(stated)) per \(gpu.name)-hour (scenario)")
            } else if let offer = catalog.cheapestCloudPrice(for: gpu, gpus: gpus) {
                // Instances are rented whole: the $ per GPU-hour the run pays is the instances' over its own GPUs.
                let instances = offer.instances(for: gpus)
                let perGPUHour = Double(instances) * offer.perHour / Double(gpus)
                basis = PriceBasis(offer: "\(offer.provider) \(offer.instance)", usdPerGPUHour: perGPUHour, seen: offer.seen,
                                   source: describing ? offer.source.catalogCitation : "",
                                   details: !describing ? "" : "$\(Format2.money(perGPUHour)) per GPU-hour: \(offer.provider) \(offer.instance) at "
                                    + "$\(Format2.money(offer.perHour))/h for \(offer.gpusPerInstance == 1 ? "1 GPU" : "\(offer.gpusPerInstance) GPUs"), seen \(offer.seen) \(offer.source.catalogCitation)"
                                    + wholeInstanceNote(offer, gpus: gpus) + smallInstanceCaveat(offer, run: run, gpus: gpus)
                                    + largeInstanceCaveat(offer, run: run, gpus: gpus))
            } else {
                throw pricing.missing("no cloud price for the \(gpu.name) is known", stateAs: "cloud_per_gpu_hour")
            }
            let perHour = basis.usdPerGPUHour * Double(gpus)
            return TrainingEstimate(seconds: seconds, dollars: perHour * hours, dollarsPerHour: perHour, basis: basis, owned: nil)
        case .owned:
            let bill = try OwnedCost(run, pricing: pricing, gpus: gpus, catalog: catalog)
            let gpuItem = bill.capital[0]
            let basis = PriceBasis(offer: "owned, \(OwnedCost.number(bill.lifetimeYears))-year life", usdPerGPUHour: bill.perHourUSD / Double(gpus),
                                   seen: gpuItem.seen, source: describing ? gpuItem.source.catalogCitation : "",
                                   details: !describing ? "" : "$\(Format2.money(bill.perHourUSD / Double(gpus))) per GPU-hour over a "
                                    + "\(OwnedCost.number(bill.lifetimeYears))-year life: " + bill.details + Self.outlasting(hours, bill))
            return TrainingEstimate(seconds: seconds, dollars: bill.perHourUSD * hours, dollarsPerHour: bill.perHourUSD, basis: basis, owned: bill)
        }
    }
}

extension TrainingEstimate {
    /// Where the training outlasts the cluster's life, a caveat for the price basis: its cost
    /// counts the capex again for every life it spans, a cluster bought more than once;
    /// empty otherwise.
    static func outlasting(_ hours: Double, _ bill: OwnedCost) -> String {
        guard hours > bill.busyHours else { return "" }
        let life = bill.utilization < 1 ? "the busy hours of the cluster's life" : "the cluster's life"
        return "; the training (" + String(format: "%.1f", locale: nil, hours) + " h) outlasts \(life) ("
            + String(format: "%.1f", locale: nil, bill.busyHours) + " h): its cost counts the cluster bought "
            + String(format: "%.2f", locale: nil, hours / bill.busyHours) + " times over"
    }

    /// Where the run leaves part of its last instance unused: "; rented whole: 1 instance of 8 GPUs
    /// for the run's 1" ("" where the instances hold exactly its GPUs).
    static func wholeInstanceNote(_ offer: CloudPrice, gpus: Int) -> String {
        let instances = offer.instances(for: gpus)
        guard instances * offer.gpusPerInstance > gpus else { return "" }
        return "; rented whole: \(instances) instance\(instances == 1 ? "" : "s") of \(offer.gpusPerInstance) GPUs for the run's \(gpus)"
    }

    /// Where the cheapest offer's instance holds fewer GPUs than a node of the run, a
    /// caveat for the price basis: the run's nodes (and the network between them) are
    /// priced as so many small instances, which no provider promises to rent as one
    /// cluster at that price; empty otherwise.
    static func smallInstanceCaveat(_ offer: CloudPrice, run: RunSpec, gpus: Int) -> String {
        let node = min(gpus, run.cluster.gpusPerNode)
        guard offer.gpusPerInstance < node else { return "" }
        let instances = (gpus + offer.gpusPerInstance - 1) / offer.gpusPerInstance
        return "; its instance holds \(offer.gpusPerInstance == 1 ? "1 GPU" : "\(offer.gpusPerInstance) GPUs"), fewer than a node of this run "
            + "(\(node)): the run's nodes and the network between them are priced as \(instances) such instances, which a provider may rent "
            + "for more per GPU-hour (state pricing.cloud_per_gpu_hour from a quote for the whole cluster)"
    }
}

extension TrainingEstimate {
    /// Where the offer's instance holds more GPUs than a node of the run and the run spans
    /// several of its nodes, a caveat for the price basis: the run is simulated on nodes
    /// joined by its network, but rented as instances whose GPUs share one machine, so the
    /// time priced is not the offer's machines'; empty otherwise. (An owned cluster with
    /// such a mismatch is refused: OwnedCost.)
    static func largeInstanceCaveat(_ offer: CloudPrice, run: RunSpec, gpus: Int) -> String {
        let node = run.cluster.gpusPerNode
        guard offer.gpusPerInstance > node, gpus > node else { return "" }
        let nodes = (gpus + node - 1) / node
        return "; its instance holds \(offer.gpusPerInstance) GPUs in one machine, more than a node of this run (\(node)): the run is "
            + "simulated on \(nodes) nodes joined by its network but priced as the offer's \(offer.instances(for: gpus)) instance"
            + (offer.instances(for: gpus) == 1 ? "" : "s") + " (give cluster.gpus_per_node: \(offer.gpusPerInstance) to simulate the offer's machines)"
    }
}

/// Locale-independent number text for prices.
enum Format2 {
    static func money(_ x: Double) -> String { String(format: "%.2f", locale: nil, x) }
}
