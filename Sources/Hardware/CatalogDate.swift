import Foundation

/// A date as the catalog writes them: `2024`, `2024-07`, `2024-Q2`, `2024-07-27`,
/// optionally followed by words (`2024 (mid-year)`), or a span (`2020-2022`,
/// `2024-03 to 2025-01`, `mid-2024 to 2025-03`), which means its end. Compared by the
/// last day it can mean, so that a month is not "before" a day within it.
public struct CatalogDate: Comparable, Sendable {
    public enum Precision: Sendable { case year, quarter, month, day }
    public var year: Int
    /// The last month and day the text can mean.
    public var month: Int
    public var day: Int
    public var precision: Precision

    /// Reads the date at the start of `text`; nil if it starts with none.
    public init?(_ text: String) {
        // A span "A to B" is dated by B.
        let end = text.range(of: " to ", options: .backwards).map { String(text[$0.upperBound...]) } ?? text
        let head = end.prefix { !$0.isWhitespace && $0 != "(" }
        let parts = head.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, first.count == 4, let year = Int(first), (1900...9999).contains(year) else { return nil }
        self.year = year
        switch parts.count {
        case 1:
            (month, day, precision) = (12, 31, .year)
        case 2 where parts[1].count == 4:
            // Years "2020-2022": the end of the later one.
            guard let last = Int(parts[1]), last >= year, last <= 9999 else { return nil }
            (self.year, month, day, precision) = (last, 12, 31, .year)
        case 2 where parts[1].hasPrefix("Q"):
            guard let q = Int(parts[1].dropFirst()), (1...4).contains(q) else { return nil }
            (month, precision) = (q * 3, .quarter)
            day = Self.days(inMonth: month, year: year)
        case 2:
            guard parts[1].count == 2, let m = Int(parts[1]), (1...12).contains(m) else { return nil }
            (month, precision) = (m, .month)
            day = Self.days(inMonth: m, year: year)
        case 3:
            guard parts[1].count == 2, parts[2].count == 2, let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m),
                  (1...Self.days(inMonth: m, year: year)).contains(d) else { return nil }
            (month, day, precision) = (m, d, .day)
        default:
            return nil
        }
    }

    public static func < (a: Self, b: Self) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
    public static func == (a: Self, b: Self) -> Bool { (a.year, a.month, a.day) == (b.year, b.month, b.day) }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
