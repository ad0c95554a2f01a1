import Foundation
import Yams

/// A YAML or JSON document as the fuzzer sees it: a tree it can mutate freely and
/// print back, including forms a parser's own model cannot hold (duplicate keys,
/// anchors and aliases written by hand, unquoted `.inf` or `0x10`).
///
/// Block style is printed for mappings so that a mutated key keeps a line number of
/// its own, and the scenario loader's "FILE:LINE" has something to point at.
public indirect enum FuzzNode: Equatable, Sendable {
    /// A scalar printed as-is (`plain`) or in double quotes with escapes.
    case scalar(String, quoted: Bool)
    case sequence([FuzzNode])
    /// Ordered pairs, so that a key may appear twice.
    case mapping([Pair])
    /// Text printed verbatim in flow position (an alias bomb, deep brackets).
    case raw(String)

    /// A key and its value.
    public struct Pair: Equatable, Sendable {
        public var key: String
        public var value: FuzzNode
        public init(_ key: String, _ value: FuzzNode) {
            self.key = key
            self.value = value
        }
    }

    /// Parses YAML (or JSON) text; `nil` where Yams cannot read it.
    public static func parse(_ text: String) -> FuzzNode? {
        guard let node = try? Yams.compose(yaml: text) else { return nil }
        return FuzzNode(node)
    }

    init(_ node: Node) {
        switch node {
        case .scalar(let s):
            self = .scalar(s.string, quoted: s.style == .doubleQuoted || s.style == .singleQuoted)
        case .sequence(let s):
            self = .sequence(s.map(FuzzNode.init))
        case .mapping(let m):
            self = .mapping(m.map { Pair($0.key.string ?? "\($0.key)", FuzzNode($0.value)) })
        case .alias:
            self = .scalar("", quoted: true)
        }
    }

    /// The document as block-style YAML (nested collections inside sequences in flow style).
    public func yaml() -> String {
        switch self {
        case .mapping(let pairs) where !pairs.isEmpty:
            return Self.blockMapping(pairs, indent: "").joined(separator: "\n") + "\n"
        case .sequence(let items) where !items.isEmpty:
            return items.map { "- " + $0.flow() }.joined(separator: "\n") + "\n"
        default:
            return flow() + "\n"
        }
    }

    private static func blockMapping(_ pairs: [Pair], indent: String) -> [String] {
        var lines: [String] = []
        for pair in pairs {
            let key = indent + yamlKey(pair.key) + ":"
            switch pair.value {
            case .mapping(let inner) where !inner.isEmpty:
                lines.append(key)
                lines += blockMapping(inner, indent: indent + "  ")
            case .sequence(let items) where !items.isEmpty:
                lines.append(key)
                lines += items.map { indent + "  - " + $0.flow() }
            default:
                lines.append(key + " " + pair.value.flow())
            }
        }
        return lines
    }

    /// The node in YAML flow style, on one line.
    public func flow() -> String {
        switch self {
        case .scalar(let text, let quoted):
            return quoted || !Self.isSafePlain(text) ? Self.quote(text) : text
        case .sequence(let items):
            return "[" + items.map { $0.flow() }.joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { Self.yamlKey($0.key) + ": " + $0.value.flow() }.joined(separator: ", ") + "}"
        case .raw(let text):
            return text
        }
    }

    /// The node as JSON; scalars that JSON would read as numbers, booleans or null stay unquoted.
    public func json() -> String {
        switch self {
        case .scalar(let text, let quoted):
            let number = !text.isEmpty && text.allSatisfy { "0123456789+-.eE".contains($0) } && Double(text) != nil
            if !quoted, number || text == "true" || text == "false" || text == "null" { return text }
            return Self.quote(text)
        case .sequence(let items):
            return "[" + items.map { $0.json() }.joined(separator: ",") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { Self.quote($0.key) + ":" + $0.value.json() }.joined(separator: ",") + "}"
        case .raw(let text):
            return text
        }
    }

    /// Characters that may end or change a plain scalar in flow context; such text is quoted.
    private static func isSafePlain(_ text: String) -> Bool {
        guard let first = text.first, !"-?:,[]{}#&*!|>'\"%@` ".contains(first), text.last != " " else { return false }
        return !text.contains(where: { ",[]{}#\n\r\t\"'\\".contains($0) }) && !text.contains(": ")
    }

    private static func yamlKey(_ key: String) -> String { isSafePlain(key) ? key : quote(key) }

    /// A double-quoted scalar with YAML/JSON escapes.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    /// Every path to a node, depth-first: a path is the child indices from the root.
    public func paths() -> [[Int]] {
        var result: [[Int]] = [[]]
        switch self {
        case .sequence(let items):
            for (i, item) in items.enumerated() { result += item.paths().map { [i] + $0 } }
        case .mapping(let pairs):
            for (i, pair) in pairs.enumerated() { result += pair.value.paths().map { [i] + $0 } }
        case .scalar, .raw:
            break
        }
        return result
    }

    /// The node at `path`.
    public subscript(path: [Int]) -> FuzzNode {
        get {
            guard let first = path.first else { return self }
            switch self {
            case .sequence(let items): return items[first][Array(path.dropFirst())]
            case .mapping(let pairs): return pairs[first].value[Array(path.dropFirst())]
            default: return self
            }
        }
        set {
            guard let first = path.first else { self = newValue; return }
            switch self {
            case .sequence(var items):
                items[first][Array(path.dropFirst())] = newValue
                self = .sequence(items)
            case .mapping(var pairs):
                pairs[first].value[Array(path.dropFirst())] = newValue
                self = .mapping(pairs)
            default:
                break
            }
        }
    }

    /// The dotted key path of `path` (for describing a mutation), e.g. `cluster.network.link` or `runs[1]`.
    public func keyPath(_ path: [Int]) -> String {
        var node = self, text = ""
        for index in path {
            switch node {
            case .sequence(let items):
                text += "[\(index)]"
                node = items[index]
            case .mapping(let pairs):
                text += (text.isEmpty ? "" : ".") + pairs[index].key
                node = pairs[index].value
            default:
                return text
            }
        }
        return text.isEmpty ? "(root)" : text
    }
}
