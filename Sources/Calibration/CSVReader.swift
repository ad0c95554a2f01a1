import Foundation
import YAMLSupport

/// The records of a CSV file as spreadsheets, Python's `csv` module and
/// pandas write it (RFC 4180): fields separated by commas, optionally enclosed
/// in double quotes, within which commas, line breaks and doubled quotes
/// (`""`) are text. Lines may end in LF, CRLF or CR; a UTF-8 byte order mark
/// at the start is ignored. Two additions for the files ScaleCast reads:
/// a line whose first character is `#` is a comment, and blank lines are skipped.
public struct CSVRecord: Sendable, Equatable {
    /// 1-based line on which the record starts.
    public var line: Int
    /// The fields, unquoted. Empty for a comment.
    public var fields: [String]
    /// The text after `#` of a comment line, else nil.
    public var comment: String?
}

public enum CSVReader {
    /// Splits `text` into records.
    /// - Parameter file: names the file in errors.
    /// - Throws: `ConfigError` at the line of a quoted field that is never
    ///   closed, or one followed by text other than a comma or a line end.
    public static func records(_ text: String, file: String) throws -> [CSVRecord] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1, recordLine = 1
        var i = 0
        var atRecordStart = true
        /// Whether the current field was quoted (so an empty record of one
        /// quoted empty field is still a record).
        var quoted = false

        func endRecord() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
            if !(fields.count == 1 && fields[0].isEmpty && !quoted) {
                records.append(CSVRecord(line: recordLine, fields: fields, comment: nil))
            }
            fields = []
            quoted = false
            atRecordStart = true
        }
        /// Consumes a line break at `i` (LF, CR or CRLF), if there is one.
        func lineBreak() -> Bool {
            guard i < scalars.count else { return false }
            if scalars[i] == "\n" { i += 1; line += 1; return true }
            if scalars[i] == "\r" {
                i += 1
                if i < scalars.count && scalars[i] == "\n" { i += 1 }
                line += 1
                return true
            }
            return false
        }

        while i < scalars.count {
            if atRecordStart {
                recordLine = line
                atRecordStart = false
                if scalars[i] == "#" {
                    var comment = String.UnicodeScalarView()
                    i += 1
                    while i < scalars.count && scalars[i] != "\n" && scalars[i] != "\r" { comment.append(scalars[i]); i += 1 }
                    records.append(CSVRecord(line: recordLine, fields: [], comment: String(comment)))
                    _ = lineBreak()
                    atRecordStart = true
                    continue
                }
            }
            let c = scalars[i]
            if c == "\"" && field.isEmpty && !quoted {
                // A quoted field: read to the closing quote.
                quoted = true
                let opened = line
                i += 1
                while true {
                    guard i < scalars.count else {
                        throw ConfigError(file: file, keyPath: "", line: opened, message: "a quoted field is never closed")
                    }
                    if scalars[i] == "\"" {
                        if i + 1 < scalars.count && scalars[i + 1] == "\"" { field.append("\""); i += 2; continue }
                        i += 1
                        break
                    }
                    if scalars[i] == "\r" || scalars[i] == "\n" {
                        // A line break inside quotes is text; CRLF is kept as it was written.
                        if scalars[i] == "\r" && i + 1 < scalars.count && scalars[i + 1] == "\n" { field.append("\r"); i += 1 }
                        field.append(scalars[i]); i += 1; line += 1
                        continue
                    }
                    field.append(scalars[i]); i += 1
                }
                guard i >= scalars.count || scalars[i] == "," || scalars[i] == "\n" || scalars[i] == "\r" else {
                    throw ConfigError(file: file, keyPath: "", line: line,
                                      message: "a quoted field must be followed by a comma or the end of the line")
                }
                continue
            }
            if c == "," {
                fields.append(String(field))
                field = String.UnicodeScalarView()
                quoted = false
                i += 1
                continue
            }
            if lineBreak() { endRecord(); continue }
            field.append(c)
            i += 1
        }
        if !atRecordStart { endRecord() }
        return records
    }
}
