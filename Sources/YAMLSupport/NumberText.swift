/// The one way ScaleCast reads a number written by a person (YAML, CSV, logs,
/// flags): plain decimal only.
///
/// Swift's `Double(String)` also accepts hexadecimal (`0x10` is 16), `nan` and
/// `inf`; a mistyped `--budget 0x10` would silently mean $16. These accept
/// `[+-]digits[.digits][(e|E)[+-]digits]` (a leading or trailing `.` allowed,
/// `_` between digits as YAML allows, spaces around it as CSV cells have) and
/// nothing else.
public enum NumberText {
    /// A finite decimal number, or nil.
    public static func decimal(_ text: String) -> Double? {
        let cleaned = withoutUnderscores(trimmed(text))
        guard isDecimal(cleaned), let value = Double(cleaned), value.isFinite else { return nil }
        return value
    }

    /// A whole decimal number that fits in `Int`, or nil.
    public static func whole(_ text: String) -> Int? {
        let cleaned = withoutUnderscores(trimmed(text))
        var digits = Substring(cleaned)
        if let sign = digits.first, sign == "+" || sign == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        return Int(cleaned)
    }

    /// `text` without YAML's digit separators (a copy only when there are some:
    /// importers read hundreds of thousands of cells).
    static func withoutUnderscores(_ text: Substring) -> String {
        text.contains("_") ? String(text.filter { $0 != "_" }) : String(text)
    }

    /// `text` without the spaces and tabs around it (cheaper than Foundation's
    /// `trimmingCharacters`, which importers would call millions of times).
    public static func trimmed(_ text: String) -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else { return "" }
        return text[first...last]
    }

    /// Whether `text` has the shape of a plain decimal number.
    static func isDecimal(_ text: String) -> Bool {
        var rest = Substring(text)
        if let sign = rest.first, sign == "+" || sign == "-" { rest = rest.dropFirst() }
        let integer = rest.prefix(while: \.isASCIIDigit)
        rest = rest.dropFirst(integer.count)
        var fraction = Substring()
        if rest.first == "." {
            rest = rest.dropFirst()
            fraction = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(fraction.count)
        }
        guard !integer.isEmpty || !fraction.isEmpty else { return false }
        if let e = rest.first, e == "e" || e == "E" {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == "+" || sign == "-" { rest = rest.dropFirst() }
            let exponent = rest.prefix(while: \.isASCIIDigit)
            guard !exponent.isEmpty else { return false }
            rest = rest.dropFirst(exponent.count)
        }
        return rest.isEmpty
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
