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

    /// Every price's `seen` and every ISO date a source names (YYYY-MM or YYYY-MM-DD)
    /// is on or before the catalog's date: a figure added later must bump it.
    @Test func noFigureIsNewerThanTheCatalogDate() throws {
        let statedText = try Catalog.builtInDate()
        let stated = try #require(CatalogDate(statedText))
        let catalog = try Catalog.builtIn()
        var dated: [(what: String, date: String)] = []
        for price in catalog.cloudPrices { dated.append(("cloud price of \(price.gpu) (\(price.provider))", price.seen)) }
        for price in catalog.purchasePrices { dated.append(("purchase price of \(price.gpu)", price.seen)) }
        let texts = catalog.gpus.map { ("GPU \($0.name)", $0.source) } + catalog.links.map { ("link \($0.name)", $0.source) }
            + catalog.sources.map { ("source [\($0.tag)]", $0.reference) }
        let iso = try NSRegularExpression(pattern: "(?<![0-9])(19|20)[0-9]{2}-(0[1-9]|1[0-2])(-[0-3][0-9])?(?![0-9])")
        for (what, text) in texts {
            for match in iso.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                dated.append((what, String(text[Range(match.range, in: text)!])))
            }
        }
        #expect(dated.count >= 5)
        for (what, text) in dated {
            let date = try #require(CatalogDate(text), "\(what): '\(text)' is not a date the catalog can compare")
            #expect(date <= stated, "\(what) is dated \(text), after the catalog's date \(statedText): bump Catalog/catalog.yaml")
        }
    }

    @Test(arguments: [("2024", 2024, 12, 31), ("2024-Q2", 2024, 6, 30), ("2023-07", 2023, 7, 31), ("2024-02", 2024, 2, 29),
                      ("2023-07-27", 2023, 7, 27), ("2024 (mid-year)", 2024, 12, 31),
                      ("2020-2022", 2022, 12, 31), ("2024-03 to 2025-01", 2025, 1, 31), ("mid-2024 to 2025-03", 2025, 3, 31)])
    func datesMeanTheirLastDay(text: String, year: Int, month: Int, day: Int) throws {
        let date = try #require(CatalogDate(text))
        #expect((date.year, date.month, date.day) == (year, month, day))
    }

    @Test(arguments: ["", "mid-2024", "2024-13", "2024-Q5", "2023-02-29", "24-01-01", "2024-1-1", "2022-2020", "2024 to mid-2025"])
    func notDates(text: String) {
        #expect(CatalogDate(text) == nil)
    }

    /// A month is not before a day inside it: both end on or after that day.
    @Test func aMonthCoversItsDays() throws {
        #expect(try #require(CatalogDate("2023-07")) >= #require(CatalogDate("2023-07-27")))
        #expect(try #require(CatalogDate("2023-06")) < #require(CatalogDate("2023-07-01")))
    }
}
