import Foundation
import YAMLSupport

/// A key written twice in one object of a JSON text, found where it is written the second
/// time. RFC 8259 (section 4) says an object's names SHOULD be unique and leaves what a
/// parser does with a repeat to it: Foundation's decoders keep one of the two values
/// without a word, so a hand-edited sweep shard with `"point"` written twice would merge
/// as whichever value the decoder kept. `scalecast merge` refuses such a shard instead.
struct JSONRepeatedKey: Equatable {
    /// The key as the decoder reads it (escapes decoded).
    var key: String
    /// The line of the second writing, 1-based.
    var line: Int
    /// The line of the first writing, 1-based.
    var firstLine: Int
    /// The key path of the second writing (`results[3].point`).
    var keyPath: String

    /// The first key written twice in one object of `data`, in text order, or nil. `data` is
    /// expected to be JSON a decoder accepts: the scan checks no grammar, it only follows
    /// objects, arrays and strings (so a `{` inside a string opens nothing). Keys are equal
    /// when their code points are (RFC 8259, section 8.3), escapes decoded; UTF-16 and
    /// UTF-32 texts, which the decoder also reads, are scanned as UTF-8. Lines are counted
    /// at `\n`, and at a `\r` not followed by one.
    static func first(in data: Data) -> JSONRepeatedKey? {
        var scan = Scan(bytes: utf8(data))
        return scan.run()
    }

    /// `data` as UTF-8 bytes: UTF-16 and UTF-32 found as JSONDecoder finds them, by a byte
    /// order mark or by the zero bytes of the first two characters (RFC 4627, section 3);
    /// other text as it is.
    static func utf8(_ data: Data) -> [UInt8] {
        let b = [UInt8](data.prefix(4)) + [UInt8](repeating: 1, count: max(0, 4 - data.count))   // short texts: no zeros
        let encoding: String.Encoding?
        if b == [0, 0, 0xFE, 0xFF] || b == [0xFF, 0xFE, 0, 0] {
            encoding = .utf32                                        // with a byte order mark
        } else if b[0] == 0xFE && b[1] == 0xFF || b[0] == 0xFF && b[1] == 0xFE {
            encoding = .utf16                                        // with a byte order mark
        } else if b[0] == 0 && b[1] == 0 && b[2] == 0 {
            encoding = .utf32BigEndian
        } else if b[1] == 0 && b[2] == 0 && b[3] == 0 {
            encoding = .utf32LittleEndian
        } else if b[0] == 0 && b[2] == 0 {
            encoding = .utf16BigEndian
        } else if b[1] == 0 && b[3] == 0 {
            encoding = .utf16LittleEndian
        } else {
            encoding = nil
        }
        guard let encoding, let text = String(data: data, encoding: encoding) else { return [UInt8](data) }
        return Array(text.utf8)
    }

    /// The line (1-based) of byte `offset` of `text`, lines counted as the scan counts them:
    /// at `\n`, and at a `\r` not followed by one.
    static func line(atOffset offset: Int, in text: [UInt8]) -> Int {
        var line = 1
        for i in 0..<min(max(0, offset), text.count) {
            if text[i] == UInt8(ascii: "\n") || text[i] == UInt8(ascii: "\r") && (i + 1 >= text.count || text[i + 1] != UInt8(ascii: "\n")) {
                line += 1
            }
        }
        return line
    }

    /// One pass over the text with an explicit stack (no recursion, whatever the nesting).
    private struct Scan {
        /// An open object or array.
        struct Frame {
            var isObject: Bool
            /// An array's element being read (its index).
            var index = 0
            /// An object's key whose value comes next (its UTF-8 bytes, escapes decoded);
            /// nil while a key is expected.
            var key: [UInt8]?
            /// An object's keys so far, with the line each is written at.
            var keys: [[UInt8]: Int] = [:]
        }

        let bytes: [UInt8]
        var position = 0
        var line = 1
        var stack: [Frame] = []

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() -> JSONRepeatedKey? {
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\n"):
                    line += 1
                    position += 1
                case UInt8(ascii: "\r"):
                    if position + 1 >= bytes.count || bytes[position + 1] != UInt8(ascii: "\n") { line += 1 }
                    position += 1
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    stack.append(Frame(isObject: byte == UInt8(ascii: "{")))
                    position += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    _ = stack.popLast()
                    position += 1
                case UInt8(ascii: ","):
                    // The next element of an array, or the next key of an object.
                    if !stack.isEmpty {
                        stack[stack.count - 1].index += 1
                        stack[stack.count - 1].key = nil
                    }
                    position += 1
                case UInt8(ascii: "\""):
                    // A key where an object expects one; any other string is a value.
                    guard let top = stack.indices.last, stack[top].isObject, stack[top].key == nil else {
                        skipString()
                        continue
                    }
                    let startLine = line
                    let key = readString()
                    if let firstLine = stack[top].keys[key] {
                        return JSONRepeatedKey(key: String(decoding: key, as: UTF8.self), line: startLine, firstLine: firstLine,
                                               keyPath: keyPath(to: key))
                    }
                    stack[top].keys[key] = startLine
                    stack[top].key = key
                default:
                    // Whitespace, `:`, numbers, true, false, null: nothing to follow.
                    position += 1
                }
            }
            return nil
        }

        /// The key path of `key` in the innermost open object: each open frame's key or
        /// index leads to the next one.
        private func keyPath(to key: [UInt8]) -> String {
            var path = ""
            for frame in stack.dropLast() {
                if frame.isObject {
                    path += (path.isEmpty ? "" : ".") + Self.segment(frame.key ?? [])
                } else {
                    path += "[\(frame.index)]"
                }
            }
            return path + (path.isEmpty ? "" : ".") + Self.segment(key)
        }

        /// A key as a key path shows it: as it is when it is a plain name (letters, digits,
        /// `_`, `-`), else quoted, so that a key holding a dot or nothing at all reads as one.
        static func segment(_ key: [UInt8]) -> String {
            let text = String(decoding: key, as: UTF8.self)
            let plain = !key.isEmpty && key.allSatisfy { $0 < 0x80 && (Character(Unicode.Scalar($0)).isLetter
                                                                       || Character(Unicode.Scalar($0)).isNumber || $0 == 0x5F || $0 == 0x2D) }
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return plain ? text : "\"" + escaped.singleLine + "\""
        }

        /// Moves past the string value starting at `position` (its opening quote).
        private mutating func skipString() {
            position += 1
            while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
                if bytes[position] == UInt8(ascii: "\\") { position += 1 } else if bytes[position] == UInt8(ascii: "\n") { line += 1 }
                position += 1
            }
            position += 1
        }

        /// The one-letter escapes that stand for another byte; the others (`\"`, `\\`, `\/`)
        /// stand for themselves.
        private static let escaped: [UInt8: UInt8] = [UInt8(ascii: "b"): 8, UInt8(ascii: "f"): 12, UInt8(ascii: "n"): 10,
                                                      UInt8(ascii: "r"): 13, UInt8(ascii: "t"): 9]

        /// Reads the string starting at `position` (its opening quote) and decodes its
        /// escapes (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uXXXX` with surrogate
        /// pairs), so that `"a"` and `"\u0061"` are one key, as a decoder reads them.
        private mutating func readString() -> [UInt8] {
            position += 1
            var utf8: [UInt8] = []
            var pendingHigh: UInt16?
            while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
                var byte = bytes[position]
                position += 1
                guard byte == UInt8(ascii: "\\"), position < bytes.count else {
                    if byte == UInt8(ascii: "\n") { line += 1 }   // not valid JSON, but counted where it is
                    utf8.append(byte)
                    continue
                }
                byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "u"), position + 4 <= bytes.count,
                   let unit = UInt16(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16) {
                    position += 4
                    if (0xD800..<0xDC00).contains(unit) { pendingHigh = unit; continue }
                    let scalar: Unicode.Scalar?
                    if let high = pendingHigh, (0xDC00..<0xE000).contains(unit) {
                        scalar = Unicode.Scalar(0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(unit) - 0xDC00))
                    } else {
                        scalar = Unicode.Scalar(unit)
                    }
                    pendingHigh = nil
                    utf8.append(contentsOf: Array(String(scalar ?? "\u{FFFD}").utf8))
                } else {
                    utf8.append(Self.escaped[byte] ?? byte)
                }
            }
            position += 1   // the closing quote
            return utf8
        }
    }
}
