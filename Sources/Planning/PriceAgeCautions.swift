import Hardware

/// Cautions on prices seen years apart, which `plan` and `report` give alike: prices fall as a
/// GPU generation ages, so an old figure beside a new one can decide a ranking or a bill.
public enum PriceAgeCautions {
    /// Months between two dates past which prices compared are cautioned.
    public static let monthsApart = 24

    /// A caution when the offers' `seen` dates (by the latest date each names) lie more than
    /// two years apart, naming the oldest and the newest offer (a plan compares configurations
    /// it does not show, so the date alone would point at no row); nil otherwise.
    public static func offersApart(_ offers: [(seen: String, offer: String?)]) -> String? {
        // Each distinct (seen, offer) by the latest day it names; ties broken by the texts, so the caution is deterministic.
        var distinct = Set<String>()
        let dated = offers.filter { distinct.insert($0.seen + "\u{0}" + ($0.offer ?? "")).inserted }
            .compactMap { o -> (last: CatalogDate.Day, text: String)? in
                CatalogDate.latestDay(in: o.seen).map { ($0, o.seen + (o.offer.map { ", \($0)" } ?? "")) }
            }.sorted { ($0.last, $0.text) < ($1.last, $1.text) }
        guard let oldest = dated.first, let newest = dated.last, oldest.last.months(to: newest.last) > monthsApart else { return nil }
        return "The prices compared were seen more than two years apart (the oldest: \(oldest.text); the newest: \(newest.text)): "
            + "prices fall as a GPU generation ages, so the older figure may decide the ranking. State today's offers under pricing: "
            + "(cloud_per_gpu_hour, purchase_per_gpu) before buying."
    }

    /// A caution where an owned cluster's bill prices a part with a figure seen more than two
    /// years from its GPUs' price, or, where the GPUs' price is stated in the scenario and so
    /// undated, from the newest dated part: a server bought with one GPU generation beside GPUs
    /// priced in another's years. Each part by the latest date its `seen` names; `bills` named
    /// as the caution lists them, those whose parts are dated alike under one entry (a network
    /// varied beside GPUs and servers priced years apart); nil where no bill has such a part.
    public static func billPartsApart(_ bills: [(name: String, bill: OwnedCost)]) -> String? {
        let dates = bills.compactMap { name, bill -> (name: String, dates: String)? in
            let dated = bill.capital.compactMap { item in CatalogDate.latestDay(in: item.seen).map { (item: item, day: $0) } }
            // The GPUs' date where it has one (the bill's first item), else the newest part's.
            guard let reference = dated.first(where: { $0.item.name == bill.capital.first?.name }) ?? dated.max(by: { $0.day < $1.day })
            else { return nil }
            let far = dated.filter { abs(reference.day.months(to: $0.day)) > monthsApart }
            guard !far.isEmpty else { return nil }
            return (name, "\(reference.item.name) seen \(reference.item.seen), "
                + far.map { "\($0.item.name) seen \($0.item.seen)" }.joined(separator: ", "))
        }
        var order: [String] = [], names: [String: [String]] = [:]
        for (name, dated) in dates {
            if names[dated] == nil { order.append(dated) }
            names[dated, default: []].append(name)
        }
        let apart = order.map { "\(names[$0]!.joined(separator: ", ")): \($0)" }
        guard !apart.isEmpty else { return nil }
        return "An owned cluster's bill prices parts with figures seen more than two years apart (\(apart.joined(separator: "; "))): "
            + "such a part may cost something else today. State today's prices under pricing: (server_usd_per_node, network_port_usd, "
            + "purchase_per_gpu) before buying."
    }
}
