import Foundation

/// Text that importers put into the YAML files they write, made safe whatever
/// the user's file names and cells contain (messages use `String.singleLine`).
public enum ImportText {
    /// `text` as a YAML double-quoted scalar that every YAML 1.1/1.2 parser reads
    /// back as exactly `text`: backslash and quote escaped, every character
    /// YAML does not allow raw in a quoted scalar (controls, DEL, C1, the
    /// line and paragraph separators U+2028/U+2029, the byte order mark)
    /// written as a `\x`/`\u` escape, nothing folded or interpolated.
    public static func yamlQuoted(_ text: String) -> String { text.yamlQuoted }

    /// A positive value as a plain decimal (no exponent, which YAML 1.1 would read
    /// as a string) with at least four significant digits: three decimals from 1
    /// up, more below, so that a small bandwidth or efficiency is not written as 0.000
    /// (or 0.023 for 0.0234, 2% off when read back).
    public static func yamlDecimal(_ x: Double) -> String {
        let decimals = x > 0 && x < 1 ? min(15, 3 - Int(log10(x).rounded(.down))) : 3
        return String(format: "%.\(decimals)f", locale: nil, x)
    }

    /// Characters that would break a line or are invisible controls.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
    }
}
