import Foundation
import Hardware
import Scenario
import Simulation
import YAMLSupport

/// Time and money to train, for one configuration.
public struct TrainingEstimate: Sendable, Equatable {
    /// Seconds to process the training goal's images at the simulated rate.
    public var seconds: Double
    /// Dollars for that time.
    public var dollars: Double
    /// Dollars per hour of the whole configuration.
    public var dollarsPerHour: Double
    /// Where the price comes from, in words.
    public var priceBasis: String

    public var hours: Double { seconds / 3600 }

    /// Prices `run` on `gpus` GPUs running at `imagesPerSecond`.
    ///
    /// - cloud: GPUs × price per GPU-hour × hours (no rounding to whole instances or hours);
    /// - owned: (GPUs × purchase + ports × port price) / (lifetime × 8766 h)
    ///   + GPUs × TDP × PUE × price per kWh, per hour, times the hours: the
    ///   purchase spread over a lifetime in which the cluster is always busy, and
    ///   the GPUs' power at their maximum (hosts, cooling beyond the PUE and staff
    ///   are not counted).
    /// - Returns: nil when the run states no training goal or no pricing.
    /// - Throws: `ConfigError` at `pricing` when a price the mode needs is unknown.
    public static func estimate(_ run: RunSpec, gpus: Int, imagesPerSecond: Double, catalog: Catalog) throws -> TrainingEstimate? {
        guard let goal = run.training, let pricing = run.pricing else { return nil }
        let seconds = goal.totalImages / imagesPerSecond
        let hours = seconds / 3600
        let gpu = run.cluster.gpu
        func missing(_ what: String) -> ConfigError {
            var error = pricing.location
            error.message = "no \(what) for the \(gpu.name) is known; state it under pricing"
            return error
        }
        switch pricing.mode {
        case .cloud:
            let perGPUHour: Double
            let basis: String
            if let stated = pricing.cloudPerGPUHour {
                perGPUHour = stated
                basis = "$\(Format2.money(stated)) per GPU-hour (scenario)"
            } else if let offer = catalog.cheapestCloudPrice(for: gpu) {
                perGPUHour = offer.perGPUHour
                basis = "$\(Format2.money(offer.perGPUHour)) per GPU-hour: \(offer.provider) \(offer.instance) at $\(Format2.money(offer.perHour))/h, seen \(offer.seen) \(offer.source)"
            } else {
                throw missing("cloud price (cloud_per_gpu_hour)")
            }
            let perHour = perGPUHour * Double(gpus)
            return TrainingEstimate(seconds: seconds, dollars: perHour * hours, dollarsPerHour: perHour, priceBasis: basis)
        case .owned:
            guard let tdp = gpu.tdpWatts else { throw missing("power draw (tdp_watts in the catalog)") }
            let purchase: Double
            var basis: String
            if let stated = pricing.purchasePerGPU {
                purchase = stated
                basis = "$\(Format2.money(stated)) per GPU (scenario)"
            } else if let range = catalog.purchasePrice(for: gpu) {
                purchase = range.midpoint
                basis = "$\(Format2.money(range.midpoint)) per GPU, the middle of $\(Format2.money(range.low))-\(Format2.money(range.high)) seen \(range.seen) \(range.source)"
            } else {
                throw missing("purchase price (purchase_per_gpu)")
            }
            let lifetimeHours = pricing.lifetimeYears! * 8766
            let ports = Double(run.cluster.nodes(for: gpus) * (run.cluster.network?.nicsPerNode ?? 0))
            let capital = (purchase * Double(gpus) + pricing.networkPortPrice * ports) / lifetimeHours
            let power = Double(gpus) * tdp * pricing.pue! / 1000 * pricing.powerPerKWh!
            basis += ", over \(Format2.number(pricing.lifetimeYears!)) years; power \(Format2.number(tdp)) W x PUE \(Format2.number(pricing.pue!)) at $\(Format2.money(pricing.powerPerKWh!))/kWh"
            return TrainingEstimate(seconds: seconds, dollars: (capital + power) * hours, dollarsPerHour: capital + power, priceBasis: basis)
        }
    }
}

/// Locale-independent number text for prices.
enum Format2 {
    static func money(_ x: Double) -> String { String(format: "%.2f", locale: nil, x) }
    static func number(_ x: Double) -> String { x == x.rounded() && x.magnitude < 1e15 ? String(Int(x)) : String(x) }
}
