extension String {
    /// This text as a YAML double-quoted scalar that every YAML 1.1/1.2 parser
    /// reads back as exactly this text: backslash and quote escaped, every
    /// character YAML does not allow raw in a quoted scalar (controls, DEL, C1,
    /// the line and paragraph separators U+2028/U+2029, the byte order mark)
    /// written as a `\x`/`\u` escape, nothing folded or interpolated. For the
    /// YAML files ScaleCast writes (imported profiles, the measured errors).
    public var yamlQuoted: String {
        var out = "\""
        for s in unicodeScalars {
            switch s {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s == "\u{2028}" || s == "\u{2029}" || s == "\u{FEFF}":
                let hex = String(s.value, radix: 16, uppercase: true)
                out += s.value <= 0xFF ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                                       : "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(s)
            }
        }
        return out + "\""
    }
}
