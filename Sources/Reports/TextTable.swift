import YAMLSupport

/// A plain-text table with aligned columns, for terminals. Each cell is one line: a line
/// break or other control character in it (a layer's or run's name) is shown as its
/// escape (`String.singleLine`), so no row splits.
public struct TextTable {
    public enum Alignment { case left, right }
    public var headers: [String]
    public var alignments: [Alignment]
    public private(set) var rows: [[String]] = []
    /// A last row set apart by a rule (a total), if any.
    public private(set) var footer: [String]?

    public init(headers: [String], alignments: [Alignment]) {
        precondition(headers.count == alignments.count)
        self.headers = headers.map(\.singleLine)
        self.alignments = alignments
    }

    public mutating func append(_ row: [String]) {
        precondition(row.count == headers.count, "a row needs \(headers.count) cells")
        rows.append(row.map(\.singleLine))
    }

    /// Sets the row under the others, after a rule (a total).
    public mutating func setFooter(_ row: [String]) {
        precondition(row.count == headers.count, "a row needs \(headers.count) cells")
        footer = row.map(\.singleLine)
    }

    /// The table as lines of text, a rule under the header (and above the footer).
    public func render() -> String {
        var widths = headers.map(\.count)
        for row in rows + (footer.map { [$0] } ?? []) { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return alignments[i] == .left ? cell + pad : pad + cell
            }.joined(separator: "  ").trailingSpacesRemoved
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        var out = [line(headers), rule]
        out += rows.map(line)
        if let footer { out += [rule, line(footer)] }
        return out.joined(separator: "\n") + "\n"
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
