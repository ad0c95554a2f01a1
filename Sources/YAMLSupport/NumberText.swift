/// The one way ScaleCast reads a number written by a person (YAML, CSV, logs,
/// flags): plain decimal only.
///
/// Swift's `Double(String)` also accepts hexadecimal (`0x10` is 16), `nan` and
/// `inf`; a mistyped `--budget 0x10` would silently mean $16. These accept
/// `[+-]digits[.digits][(e|E)[+-]digits]` (a leading or trailing `.` allowed,
/// `_` between digits as YAML allows, spaces around it as CSV cells have) and
/// nothing else.
///
/// - Complexity: one pass over the UTF-8 bytes, no copy unless the text has `_`:
///   importers read millions of cells.
public enum NumberText {
    /// A finite decimal number, or nil.
    public static func decimal(_ text: String) -> Double? {
        guard let cleaned = withoutUnderscores(trimmed(text)), isDecimal(cleaned), let value = Double(cleaned), value.isFinite else {
            return nil
        }
        return value
    }

    /// `value` as a person writes it, as `decimal` reads it back: whole numbers without a
    /// fraction (1000000000000, not 1e+12 or 1000000000000.0), others in plain decimals to nine
    /// places (0.000001, not 1e-06); where those do not read back as the value (beyond 1e15,
    /// below a billionth, a third), Swift's shortest form.
    public static func written(_ value: Double) -> String {
        if value == value.rounded() && value.magnitude < 1e15 { return String(Int(value)) }
        var text = String(format: "%.9f", locale: nil, value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        // Where nine places do not give the value back (a third; a bound's neighbour), Swift's shortest form does.
        return value.magnitude >= 1e15 || decimal(text) != value ? String(value) : text
    }

    /// A whole decimal number that fits in `Int`, or nil.
    public static func whole(_ text: String) -> Int? {
        guard let cleaned = withoutUnderscores(trimmed(text)) else { return nil }
        var bytes = cleaned.utf8[...]
        if let sign = bytes.first, sign == plus || sign == minus { bytes = bytes.dropFirst() }
        guard !bytes.isEmpty, bytes.allSatisfy(isDigit) else { return nil }
        return Int(cleaned)
    }

    /// `text` without the spaces and tabs around it (cheaper than Foundation's
    /// `trimmingCharacters`, which importers would call millions of times).
    public static func trimmed(_ text: String) -> Substring {
        let bytes = text.utf8
        let isBlank: (UInt8) -> Bool = { $0 == space || $0 == tab }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return text[first...last]
    }

    /// `text` without YAML's digit separators (a copy only when there are some); nil where an
    /// `_` is not between two digits (`_10`, `10_`, `1__0`, `1._5` are no numbers).
    static func withoutUnderscores(_ text: Substring) -> Substring? {
        guard text.utf8.contains(underscore) else { return text }
        let bytes = Array(text.utf8)
        for (i, byte) in bytes.enumerated() where byte == underscore {
            guard i > 0, i + 1 < bytes.count, isDigit(bytes[i - 1]), isDigit(bytes[i + 1]) else { return nil }
        }
        return Substring(text.filter { $0 != "_" })
    }

    /// Whether `text` has the shape of a plain decimal number.
    static func isDecimal(_ text: Substring) -> Bool {
        var rest = text.utf8[...]
        if let sign = rest.first, sign == plus || sign == minus { rest = rest.dropFirst() }
        let integer = rest.prefix(while: isDigit).count
        rest = rest.dropFirst(integer)
        var fraction = 0
        if rest.first == dot {
            rest = rest.dropFirst()
            fraction = rest.prefix(while: isDigit).count
            rest = rest.dropFirst(fraction)
        }
        guard integer > 0 || fraction > 0 else { return false }
        if let e = rest.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == plus || sign == minus { rest = rest.dropFirst() }
            let exponent = rest.prefix(while: isDigit).count
            guard exponent > 0 else { return false }
            rest = rest.dropFirst(exponent)
        }
        return rest.isEmpty
    }

    private static let plus = UInt8(ascii: "+"), minus = UInt8(ascii: "-"), dot = UInt8(ascii: ".")
    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), underscore = UInt8(ascii: "_")
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
