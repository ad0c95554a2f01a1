/// Where in a JSON text Foundation's reader stopped, for the two errors its message gives no
/// position for: a number a Double cannot hold ("Number 1e400 is not representable in
/// Swift.") and a `\u` escape that is half of a UTF-16 surrogate pair without its other half
/// (RFC 8259, section 7, writes a character outside the Basic Multilingual Plane as a pair;
/// a lone half is no character). `MergeCommand.invalidJSON` turns the byte offset into a line.
enum JSONUnplacedError {
    /// The byte offset of the first number outside strings written exactly as `literal`, or nil.
    static func offset(ofNumber literal: String, in text: [UInt8]) -> Int? {
        let wanted = Array(literal.utf8)
        var position = 0, inString = false
        while position < text.count {
            let byte = text[position]
            if inString {
                if byte == UInt8(ascii: "\\") { position += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
                position += 1
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                position += 1
            } else if byte == UInt8(ascii: "-") || isDigit(byte) {
                let start = position
                while position < text.count, isNumberByte(text[position]) { position += 1 }
                if Array(text[start..<position]) == wanted { return start }
            } else {
                position += 1
            }
        }
        return nil
    }

    /// The byte offset of the first `\u` escape inside a string that is a high surrogate
    /// (D800-DBFF) not followed at once by a `\u` low surrogate (DC00-DFFF), or a low
    /// surrogate without a high one before it; nil where every surrogate is paired.
    static func offsetOfUnpairedSurrogate(in text: [UInt8]) -> Int? {
        var position = 0, inString = false
        while position < text.count {
            let byte = text[position]
            guard inString else {
                if byte == UInt8(ascii: "\"") { inString = true }
                position += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = false
                position += 1
            } else if byte == UInt8(ascii: "\\"), let unit = escapedUnit(at: position, in: text) {
                if (0xDC00...0xDFFF).contains(unit) { return position }
                if (0xD800...0xDBFF).contains(unit) {
                    guard let next = escapedUnit(at: position + 6, in: text), (0xDC00...0xDFFF).contains(next) else { return position }
                    position += 12
                } else {
                    position += 6
                }
            } else {
                position += byte == UInt8(ascii: "\\") ? 2 : 1
            }
        }
        return nil
    }

    /// The UTF-16 code unit of the `\uXXXX` escape at `position`, or nil where none starts there.
    private static func escapedUnit(at position: Int, in text: [UInt8]) -> Int? {
        guard position + 6 <= text.count, text[position] == UInt8(ascii: "\\"), text[position + 1] == UInt8(ascii: "u") else { return nil }
        return Int(String(decoding: text[(position + 2)..<(position + 6)], as: UTF8.self), radix: 16)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// The bytes a JSON number is written with: digits, sign, point and exponent.
    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
            return true
        default:
            return false
        }
    }
}
