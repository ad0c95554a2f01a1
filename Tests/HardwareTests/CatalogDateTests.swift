import Foundation
import Testing
@testable import Hardware

/// The catalog's date (`Catalog/catalog.yaml`, printed by `scalecast --version`)
/// says when its figures were last checked: no dated figure in it may be newer.
@Suite struct CatalogDateTests {
    @Test func theCatalogDateIsACalendarDay() throws {
        let text = try Catalog.builtInDate()
        let date = try #require(CatalogDate(text))
        #expect(date.precision == .day)
    }

    /// Every date a price's `seen` or a source names begins on or before the catalog's
    /// date (`2026` may be any day of 2026 up to it): a figure dated later must bump it.
    @Test func noFigureIsNewerThanTheCatalogDate() throws {
        let statedText = try Catalog.builtInDate()
        let stated = try #require(CatalogDate(statedText))
        let catalog = try Catalog.builtIn()
        // In a source a bare four-digit number may be a figure (2039 GB/s): there only dates with a month or quarter count.
        let seen = catalog.cloudPrices.map { ("cloud price of \($0.gpu) (\($0.provider))", $0.seen, true) }
            + catalog.purchasePrices.map { ("purchase price of \($0.gpu)", $0.seen, true) }
        let sources = catalog.gpus.map { ("GPU \($0.name)", $0.source, false) } + catalog.links.map { ("link \($0.name)", $0.source, false) }
            + catalog.sources.map { ("source [\($0.tag)]", $0.reference, false) }
        var count = 0
        for (what, text, years) in seen + sources {
            let dates = CatalogDate.dates(in: text).filter { years || $0.precision != .year }
            count += dates.count
            for date in dates {
                #expect(date.first <= stated.first, "\(what) names \(text), after the catalog's date \(statedText): bump Catalog/catalog.yaml")
            }
        }
        // Every price says when it was seen.
        for price in catalog.cloudPrices { #expect(!CatalogDate.dates(in: price.seen).isEmpty, "\(price.gpu): seen '\(price.seen)'") }
        for price in catalog.purchasePrices { #expect(!CatalogDate.dates(in: price.seen).isEmpty, "\(price.gpu): seen '\(price.seen)'") }
        #expect(count >= 10)
    }

    @Test(arguments: [("2024", "2024-01-01", "2024-12-31"), ("2024-Q2", "2024-04-01", "2024-06-30"),
                      ("2023-07", "2023-07-01", "2023-07-31"), ("2024-02", "2024-02-01", "2024-02-29"),
                      ("2023-07-27", "2023-07-27", "2023-07-27")])
    func aDateSpansItsDays(text: String, first: String, last: String) throws {
        let date = try #require(CatalogDate(text))
        #expect(date.first == CatalogDate(first)?.first)
        #expect(date.last == CatalogDate(last)?.last)
    }

    @Test(arguments: ["", "mid-2024", "2024-13", "2024-Q5", "2023-02-29", "24-01-01", "2024-1-1", "2024 (mid-year)", "2020-2022"])
    func notOneDate(text: String) {
        #expect(CatalogDate(text) == nil)
    }

    @Test(arguments: [("2024 (mid-year)", ["2024"]), ("2020-2022", ["2020", "2022"]), ("mid-2024 to 2025-03", ["2024", "2025-03"]),
                      ("2024-03 to 2025-01", ["2024-03", "2025-01"]), ("ConnectX-8 (2024-2025)", ["2024", "2025"]),
                      ("announced 2022-01-11, 64 GT/s", ["2022-01-11"]), ("no date", [])])
    func datesInAText(text: String, expected: [String]) {
        #expect(CatalogDate.dates(in: text).map(\.first) == expected.compactMap { CatalogDate($0)?.first })
    }
}
