import Hardware

/// Where a cost comes from, in the terms a buyer checks: the offer, its price per
/// GPU-hour, when the price was seen and who published it.
public struct PriceBasis: Sendable, Equatable {
    /// "AWS p5.48xlarge", "stated in the scenario", "owned, 4-year life".
    public var offer: String
    /// Dollars per GPU-hour: the offer's, or an owned cluster's cost per hour over its GPUs.
    public var usdPerGPUHour: Double
    /// When the price (the GPUs' price, for an owned cluster) was seen: "2023-07", "scenario".
    public var seen: String
    /// Its source: catalog tags (`[nextplatform]`) or "stated in the scenario".
    public var source: String
    /// Every figure behind the cost, in one line.
    public var details: String

    public init(offer: String, usdPerGPUHour: Double, seen: String, source: String, details: String) {
        self.offer = offer
        self.usdPerGPUHour = usdPerGPUHour
        self.seen = seen
        self.source = source
        self.details = details
    }

    /// The catalog tags the basis cites (`xither` for `[xither]`), in order, once each.
    public var citedTags: [String] { (source + " " + details).citedCatalogTags }
}
