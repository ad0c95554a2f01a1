extension String {
    /// This text on one line: a line break or another control character becomes
    /// its escape (`\n`, `\r`, `\t`, `\u{1B}`), so that a value quoted in a message
    /// cannot split it (one error, one line: `FILE:LINE: key: message`) or move a
    /// terminal's cursor.
    public var singleLine: String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where Self.isControl(scalar):
                out += Self.escaped(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// This text with every character that prints as nothing or as a blank other than the
    /// space (format characters such as U+200B, no-break and other spaces, controls) escaped
    /// as `singleLine` escapes controls (`\u{200B}`): a key that differs from a known one only
    /// by such a character would otherwise print as the same name.
    public var invisiblesEscaped: String {
        var out = ""
        for scalar in unicodeScalars {
            let category = scalar.properties.generalCategory
            if scalar != " " && [.format, .spaceSeparator, .control, .lineSeparator, .paragraphSeparator].contains(category) {
                out += Self.escaped(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// This text with its line breaks and tabs kept and every other control character
    /// escaped as `singleLine` escapes it (`\r`, `\u{1B}`): what a command prints, so that
    /// a scenario's name or label cannot move a terminal's cursor or recolour its text.
    public var terminalSafe: String {
        guard unicodeScalars.contains(where: { $0 != "\n" && $0 != "\t" && Self.isControl($0) }) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            if scalar == "\n" || scalar == "\t" || !Self.isControl(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                out += String(scalar).singleLine
            }
        }
        return out
    }

    /// `\u{HEX}`, as Swift writes a scalar in a literal.
    static func escaped(_ scalar: Unicode.Scalar) -> String { "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" }

    /// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
    }
}
