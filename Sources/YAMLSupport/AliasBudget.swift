import CYaml

/// Refuses YAML whose aliases would expand into a huge document ("billion
/// laughs": an anchor that holds aliases of an anchor that holds aliases...),
/// before the composer builds it.
///
/// Yams composes a document with every alias replaced by a copy of its anchor's
/// node, and compares mapping keys whole, so nine nested levels of ten aliases
/// (a few hundred bytes) mean 10^9 nodes. Here libyaml's event stream (the
/// parser Yams itself uses) is read once: each node's expanded size is counted as
/// it closes, an alias adds its anchor's size, and reading stops past
/// `maximumNodes`. Cost: linear in the file.
enum AliasBudget {
    /// Nodes a document may expand to, aliases counted at their full size.
    static let maximumNodes = 1_000_000

    /// Whether `text`'s aliases keep it within `maximumNodes`; the 1-based line of
    /// the node that passed it, if not, and whether aliases did it: the file, read to its
    /// end with each alias counted as one node, stays within the budget (a file can pass it
    /// by its size alone). Syntax errors are left to the composer.
    static func lineExceedingBudget(_ text: String) -> (line: Int, aliased: Bool)? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> (line: Int, aliased: Bool)? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var sizes: [String: Int] = [:]       // anchor -> expanded node count
            var open: [(anchor: String?, size: Int)] = []
            var total = 0
            var written = 0                     // nodes as written, each alias one
            var passedAt: Int?                  // the line where the expanded count passed the budget
            while true {
                var event = yaml_event_t()
                // A syntax error is the composer's to report, unless the budget is passed before it:
                // the composer would expand the aliases up to there first.
                guard yaml_parser_parse(&parser, &event) == 1 else { return passedAt.map { ($0, true) } }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                var added = 0
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return passedAt.map { ($0, true) }
                case YAML_SCALAR_EVENT:
                    added = 1
                    if let anchor = event.data.scalar.anchor { sizes[String(cString: anchor)] = 1 }
                case YAML_ALIAS_EVENT:
                    added = event.data.alias.anchor.map { sizes[String(cString: $0)] ?? 1 } ?? 1
                    written -= added - 1
                case YAML_SEQUENCE_START_EVENT:
                    open.append((event.data.sequence_start.anchor.map { String(cString: $0) }, 1))
                case YAML_MAPPING_START_EVENT:
                    open.append((event.data.mapping_start.anchor.map { String(cString: $0) }, 1))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let closed = open.popLast() else { return passedAt.map { ($0, true) } }
                    if let anchor = closed.anchor { sizes[anchor] = closed.size }
                    added = closed.size
                default:
                    continue
                }
                if event.type != YAML_SEQUENCE_END_EVENT && event.type != YAML_MAPPING_END_EVENT {
                    total = min(total + added, Int.max / 2)
                    written += added
                }
                if !open.isEmpty { open[open.count - 1].size = min(open[open.count - 1].size + added, Int.max / 2) }
                // Past the budget as written: the file's size, not its aliases.
                if written > maximumNodes { return (passedAt ?? line, false) }
                // Past it expanded: read on (nothing is expanded, each alias is counted once) to tell which.
                if passedAt == nil && (total > maximumNodes || (open.last?.size ?? 0) > maximumNodes) { passedAt = line }
            }
        }
    }
}
