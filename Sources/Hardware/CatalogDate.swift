import Foundation

/// A date as the catalog writes them: `2024`, `2024-Q2`, `2024-07` or `2024-07-27`,
/// each standing for the days from its `first` to its `last`. A `seen:` text
/// may hold several (`2024-03 to 2025-01`, `2020-2022`, `mid-2024 to 2025-03`):
/// `dates(in:)` finds them.
public struct CatalogDate: Sendable {
    /// A calendar day, ordered by year, month, day.
    public struct Day: Comparable, Sendable {
        public var year: Int, month: Int, day: Int
        public static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
        /// Calendar months from `self` to `other` by year and month alone (negative when `other` is earlier).
        public func months(to other: Day) -> Int { (other.year - year) * 12 + other.month - month }
    }

    public enum Precision: Sendable { case year, quarter, month, day }

    public var first: Day
    public var last: Day
    public var precision: Precision

    /// Reads `text`, which must be one date and nothing else; nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let head = parts.first, head.count == 4, head.allSatisfy(\.isNumber), let year = Int(head), (1900...9999).contains(year) else {
            return nil
        }
        func day(_ month: Int, _ day: Int) -> Day { Day(year: year, month: month, day: day) }
        switch parts.count {
        case 1:
            (first, last, precision) = (day(1, 1), day(12, 31), .year)
        case 2 where parts[1].hasPrefix("Q"):
            guard parts[1].count == 2, let q = Int(parts[1].dropFirst()), (1...4).contains(q) else { return nil }
            (first, last, precision) = (day(q * 3 - 2, 1), day(q * 3, Self.days(inMonth: q * 3, year: year)), .quarter)
        case 2:
            guard parts[1].count == 2, parts[1].allSatisfy(\.isNumber), let m = Int(parts[1]), (1...12).contains(m) else { return nil }
            (first, last, precision) = (day(m, 1), day(m, Self.days(inMonth: m, year: year)), .month)
        case 3:
            guard parts[1].count == 2, parts[2].count == 2, parts[1].allSatisfy(\.isNumber), parts[2].allSatisfy(\.isNumber),
                  let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), (1...Self.days(inMonth: m, year: year)).contains(d)
            else { return nil }
            (first, last, precision) = (day(m, d), day(m, d), .day)
        default:
            return nil
        }
    }

    /// The latest day the dates written in `text` stand for (`2024-03 to 2025-01`: 2025-01-31);
    /// nil where it names none (a price stated in a scenario).
    public static func latestDay(in text: String) -> Day? { dates(in: text).map(\.last).max() }

    /// Every date written in `text`, in order: `2020-2022` is two years, `mid-2024 to 2025-03` a year and a month.
    public static func dates(in text: String) -> [CatalogDate] {
        let pattern = "(?<![0-9])(19|20)[0-9]{2}(-(Q[1-4]|0[1-9]|1[0-2])(-[0-3][0-9])?)?(?![0-9])"
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        return expression.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range, in: text).flatMap { CatalogDate(String(text[$0])) }
        }
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
