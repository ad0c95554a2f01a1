/// Seeded mutations of a YAML/JSON tree: the structural ways a hand-edited
/// scenario, profile or shard goes wrong, and the hostile ways one can be made
/// to. Each mutation is described in words, so a finding says what changed.
public struct TreeMutator {
    /// The kinds of change, each equally likely.
    public enum Kind: String, CaseIterable, Sendable {
        case extremeNumber, scaleNumber, hostileString, deleteKey, duplicateKey, deepNesting, aliasBomb,
             repeatSequence, typeSwap, emptyValue, renameKey
    }

    /// How likely each kind is: changed numbers most, since a number that is still a
    /// number gets past the type checks to the arithmetic behind them.
    static let weights: [(Kind, Int)] = [
        (.extremeNumber, 6), (.scaleNumber, 6), (.hostileString, 3), (.deleteKey, 2), (.duplicateKey, 1), (.deepNesting, 1),
        (.aliasBomb, 1), (.repeatSequence, 1), (.typeSwap, 2), (.emptyValue, 1), (.renameKey, 1),
    ]

    public init() {}

    /// Applies `count` mutations to `tree`, returning it and a line per mutation.
    public func mutate(_ tree: FuzzNode, count: Int, random: inout FuzzRandom) -> (FuzzNode, [String]) {
        var tree = tree
        var notes: [String] = []
        for _ in 0..<count {
            var roll = random.below(Self.weights.map(\.1).reduce(0, +))
            var kind = Kind.extremeNumber
            for (k, weight) in Self.weights {
                if roll < weight { kind = k; break }
                roll -= weight
            }
            notes.append(apply(kind, to: &tree, random: &random))
        }
        return (tree, notes)
    }

    /// One mutation of `kind` at a seeded place; returns its description.
    public func apply(_ kind: Kind, to tree: inout FuzzNode, random: inout FuzzRandom) -> String {
        let paths = tree.paths()
        let scalars = paths.filter { if case .scalar = tree[$0] { return true } else { return false } }
        let mappings = paths.filter { if case .mapping(let p) = tree[$0] { return !p.isEmpty } else { return false } }
        let numbers = scalars.filter { if case .scalar(let text, false) = tree[$0] { return Double(text) != nil } else { return false } }
        let sequences = paths.filter { if case .sequence(let s) = tree[$0] { return !s.isEmpty } else { return false } }
        switch kind {
        case .scaleNumber:
            guard !numbers.isEmpty else { return apply(.extremeNumber, to: &tree, random: &random) }
            let path = random.pick(numbers)
            guard case .scalar(let text, _) = tree[path], let value = Double(text) else { return "not a number" }
            let factor = random.pick([1e3, 1e6, 1e9, 1e12, 1e-3, 1e-6, 1e-12, -1, 0.5, 1.0 + 1e-9])
            let scaled = value * factor
            let printed = !text.contains(".") && !text.contains("e") && abs(scaled) < 9e18 && scaled == scaled.rounded()
                ? String(Int64(scaled)) : String(scaled)
            let where_ = tree.keyPath(path)
            tree[path] = .scalar(printed, quoted: false)
            return "\(where_) = \(printed) (was \(text))"
        case .extremeNumber, .hostileString, .emptyValue:
            let candidates = kind == .extremeNumber && !numbers.isEmpty && random.chance(0.7) ? numbers : scalars
            guard let path = candidates.isEmpty ? paths.last : random.pick(candidates) else { return "nothing to change" }
            let value = kind == .emptyValue ? "" : random.pick(kind == .extremeNumber ? HostileValues.numbers : HostileValues.strings)
            let node: FuzzNode = kind == .emptyValue && random.chance(0.5) ? .raw("") : .scalar(value, quoted: HostileValues.isQuoted(value))
            let where_ = tree.keyPath(path)
            tree[path] = node
            return "\(where_) = \(node.flow())"
        case .deleteKey, .duplicateKey, .renameKey:
            guard !mappings.isEmpty else { return "no mapping" }
            let path = random.pick(mappings)
            guard case .mapping(var pairs) = tree[path] else { return "no mapping" }
            let i = random.below(pairs.count)
            let where_ = tree.keyPath(path + [i])
            switch kind {
            case .deleteKey:
                pairs.remove(at: i)
                tree[path] = .mapping(pairs)
                return "deleted \(where_)"
            case .duplicateKey:
                var copy = pairs[i]
                if case .scalar = copy.value, random.chance(0.5) { copy.value = .scalar(random.pick(HostileValues.numbers), quoted: false) }
                pairs.insert(copy, at: random.below(pairs.count + 1))
                tree[path] = .mapping(pairs)
                return "duplicated \(where_)"
            default:
                let name = random.pick(["", "x", pairs[i].key.uppercased(), pairs[i].key + "_", "<<", "? ", "gpus"])
                pairs[i].key = name
                tree[path] = .mapping(pairs)
                return "renamed \(where_) to '\(name)'"
            }
        case .deepNesting:
            guard let path = random.chance(0.7) && !scalars.isEmpty ? random.pick(scalars) : paths.last else { return "nothing" }
            let depth = random.pick([50, 500, 5_000, 100_000])
            let open = random.chance(0.5) ? "[" : "{a: "
            let close = open == "[" ? "]" : "}"
            let where_ = tree.keyPath(path)
            tree[path] = .raw(String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth))
            return "\(where_) nested \(depth) deep in \(open)"
        case .aliasBomb:
            // Anchors defined inside the value that uses them, so that no unknown key is
            // refused first: 10 strings, then 10 aliases of the level before, `levels` times.
            let path = random.pick(paths)
            let levels = random.int(3...9)
            var bomb = "[&b0 [x, x, x, x, x, x, x, x, x, x]"
            for level in 1..<levels { bomb += ", &b\(level) [" + Array(repeating: "*b\(level - 1)", count: 10).joined(separator: ", ") + "]" }
            bomb += "]"
            let where_ = tree.keyPath(path)
            tree[path] = .raw(bomb)
            return "\(where_) = alias bomb of 10^\(levels) nodes"
        case .repeatSequence:
            guard !sequences.isEmpty else { return "no sequence" }
            let path = random.pick(sequences)
            guard case .sequence(let items) = tree[path] else { return "no sequence" }
            let times = random.pick([10, 100, 1_000])
            tree[path] = .sequence(Array(Array(repeating: items, count: times).joined()))
            return "\(tree.keyPath(path)) repeated \(times) times"
        case .typeSwap:
            let path = random.pick(paths)
            let where_ = tree.keyPath(path)
            let old = tree[path]
            let new: FuzzNode
            switch old {
            case .scalar(let text, _):
                new = random.chance(0.5) ? .sequence([old, old]) : .mapping([.init(text.isEmpty ? "k" : text, old)])
            case .sequence(let items):
                new = random.chance(0.5) ? items.first ?? .scalar("1", quoted: false) : .mapping(items.enumerated().map { .init("k\($0.offset)", $0.element) })
            case .mapping(let pairs):
                new = random.chance(0.5) ? .sequence(pairs.map(\.value)) : .scalar(pairs.first?.key ?? "x", quoted: false)
            case .raw:
                new = .scalar("1", quoted: false)
            }
            tree[path] = new
            return "\(where_) changed type to \(new.flow().prefix(60))"
        }
    }
}
