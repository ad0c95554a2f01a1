import YAMLSupport

/// A CSV file with a header row, read record by record with typed, located access
/// to its cells by column name: what the measurement importers share.
public struct CSVTable: Sendable {
    /// One data record: its cells by the header's (lower-cased) column names.
    public struct Row: Sendable {
        public let line: Int
        /// The header's line: where a missing column is reported.
        let headerLine: Int
        let columns: [String]
        let cells: [String]
        let file: String

        /// An error at this row's line.
        public func fail(_ message: String) -> ConfigError { ConfigError(file: file, keyPath: "", line: line, message: message) }

        /// The trimmed text of column `name`.
        /// - Throws: `ConfigError` when the header has no such column.
        public func cell(_ name: String) throws -> String {
            guard let i = columns.firstIndex(of: name) else {
                throw ConfigError(file: file, keyPath: "", line: headerLine,
                                  message: "the header has no '\(name)' column (columns: \(columns.joined(separator: ",")))")
            }
            return String(NumberText.trimmed(cells[i]))
        }

        /// Column `name` as a whole number within `range`.
        public func int(_ name: String, in range: ClosedRange<Int>) throws -> Int {
            let text = try cell(name)
            guard let v = NumberText.whole(text), range.contains(v) else {
                throw fail("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text.singleLine)'")
            }
            return v
        }
    }

    /// The data records, in file order (comment lines and the header left out).
    public let rows: [Row]
    /// Whether the file had a header row.
    public let hasHeader: Bool
    /// The header's column names, trimmed and lower-cased (empty without a header).
    public let columns: [String]

    /// Reads `text` (RFC 4180 through `CSVReader`, `#` comment lines skipped); the first
    /// record is the header. `file` is the name errors show.
    /// - Throws: `ConfigError` naming the line of a record whose cell count differs from the
    ///   header's, or of a header that names a column twice.
    public init(_ text: String, file: String) throws {
        var header: [String]?
        var headerLine = 0
        var rows: [Row] = []
        for record in try CSVReader.records(text, file: file) where record.comment == nil {
            guard let columns = header else {
                let names = record.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                if let repeated = names.indices.first(where: { names[..<$0].contains(names[$0]) }) {
                    throw ConfigError(file: file, keyPath: "", line: record.line,
                                      message: "the header names column '\(names[repeated])' twice; which one holds the values is not clear")
                }
                header = names
                headerLine = record.line
                continue
            }
            let row = Row(line: record.line, headerLine: headerLine, columns: columns, cells: record.fields, file: file)
            guard record.fields.count == columns.count else { throw row.fail("expected \(columns.count) columns, found \(record.fields.count)") }
            rows.append(row)
        }
        self.rows = rows
        hasHeader = header != nil
        columns = header ?? []
    }
}
