import Foundation

/// Reading a text file the user named (a scenario, a CSV of measurements, a log), with
/// the reason when it cannot be read: missing, a directory, unreadable, or not UTF-8, then
/// at the line and byte where the encoding breaks (a Latin-1 `é` in a comment, say).
public enum TextFile {
    /// The file at `path` as UTF-8 text.
    /// - Throws: `ConfigError` at `path` (shown as `shownPath`), with the line of the first
    ///   byte that is not UTF-8.
    public static func read(_ path: String, shownAs shownPath: String? = nil) throws -> String {
        let shown = shownPath ?? path
        func failure(_ line: Int?, _ message: String) -> ConfigError { ConfigError(file: shown, keyPath: "", line: line, message: message) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            // A symbolic link whose target is missing, or a loop of links, is there but leads nowhere.
            var status = stat()
            let isLink = lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK
            throw failure(nil, isLink ? "a symbolic link that leads to no file (its target is missing, or the links loop)" : "no such file")
        }
        guard !isDirectory.boolValue else { throw failure(nil, "is a directory, not a file") }
        // A device or a FIFO is no file of text (reading /dev/zero would never end).
        // A symbolic link is read through: what it points at must be a file.
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let type = (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
        guard type == .typeRegular else { throw failure(nil, "is not a regular file (a device or a FIFO?); name a text file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw failure(nil, "cannot read the file (its permissions?)") }
        if let text = String(data: data, encoding: .utf8) { return text }
        let bytes = [UInt8](data)
        // A UTF-16 file (Windows editors' "Unicode") says so by its byte-order mark.
        if bytes.count >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
            throw failure(1, "UTF-16 text (its first bytes are the byte-order mark 0x\(String(format: "%02X%02X", bytes[0], bytes[1]))), "
                          + "not UTF-8; save the file as UTF-8")
        }
        let bad = firstInvalidUTF8(bytes) ?? 0
        let line = 1 + bytes[..<bad].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let lineStart = bytes[..<bad].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        throw failure(line, "not UTF-8 text: byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) at byte \(bad - lineStart + 1) of the line "
                      + "(another encoding, such as Latin-1?); save the file as UTF-8")
    }

    /// The offset of the first byte of `bytes` that does not begin or continue a well-formed
    /// UTF-8 sequence (Unicode 15, table 3-7: no overlong forms, no surrogates, at most U+10FFFF), or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int, second: ClosedRange<UInt8>
            switch b {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: length = 2; second = 0x80...0xBF
            case 0xE0: length = 3; second = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3; second = 0x80...0xBF
            case 0xED: length = 3; second = 0x80...0x9F
            case 0xF0: length = 4; second = 0x90...0xBF
            case 0xF1...0xF3: length = 4; second = 0x80...0xBF
            case 0xF4: length = 4; second = 0x80...0x8F
            default: return i
            }
            guard i + length <= bytes.count, second.contains(bytes[i + 1]) else { return i }
            for k in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[i + k]) { return i }
            i += length
        }
        return nil
    }
}
