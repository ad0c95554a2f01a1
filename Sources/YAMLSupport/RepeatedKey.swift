import Yams

/// Where a mapping's key is written the second time. Yams refuses a duplicate key at its
/// first writing, but the mistake is usually the later one (a key added without seeing
/// the one above), so the first writing is renamed in the text and the text composed
/// again: the mapping that holds the renamed key then shows the second writing, quoted or
/// not, written `? key`, or in a flow mapping across lines, with its key path.
struct RepeatedKey {
    /// The second writing's line (1-based).
    var line: Int
    /// The key path of the second writing (`runs[1].gpus`).
    var keyPath: String

    /// Appended to the first writing so it no longer equals the second: no key has it.
    static let marker = "~scalecast-first-writing"
    /// Appended, with a number of its own each time, to the first writing of each other
    /// repetition Yams reports (it reports one mapping at a time): the key written a third
    /// time or more in this mapping, or repeated in another, so that the text composes.
    static let otherMarker = "~scalecast-other-writing-"

    /// Repetitions renamed at most before giving up (each costs a parse of the whole text):
    /// the error then names the first writing, without its key path.
    static let renamingLimit = 64

    /// The second writing of `key`, first written at `first` in `text`; nil where the first
    /// writing is not `key` as written there (an escaped quoted key, a key that is a
    /// sequence), the renamed text cannot be composed, or more than `renamingLimit`
    /// other repetitions stand in the way.
    static func find(_ key: String, first: Mark, in text: String, resolver: Resolver) -> RepeatedKey? {
        guard var renamed = renamingWriting(of: key, at: first, in: text, marker: marker) else { return nil }
        for count in 0..<renamingLimit {
            do {
                guard let root = try Yams.compose(yaml: renamed, resolver), let found = search(root, keyPath: "", for: key) else { return nil }
                // A key written through an alias (`*k : 1`) carries its anchor's mark, before the first writing: not
                // where it is written, so not said to be.
                return found.line >= first.line ? found : nil
            } catch YamlError.duplicatedKeysInMapping(let keys, let context) where !keys.isEmpty {
                // The mark is the first reported key's first writing (`YAMLValue.parse`): rename it, and the next
                // parse reports what is left.
                guard let next = renamingWriting(of: keys[0], at: context.mark, in: renamed, marker: otherMarker + String(count)) else {
                    return nil
                }
                renamed = next
            } catch {
                return nil
            }
        }
        return nil
    }

    /// `text` with `marker` appended to the key `key` written at `mark` (inside its quotes
    /// where quoted); nil where `key` is not written there.
    /// libyaml counts lines at `\n`, `\r`, `\r\n`, U+0085, U+2028 and U+2029, and columns
    /// in Unicode scalars (its `SKIP` and `SKIP_LINE`, scanner.c).
    static func renamingWriting(of key: String, at mark: Mark, in text: String, marker: String = marker) -> String? {
        let scalars = Array(text.unicodeScalars)
        var line = 1, column = 1, offset = 0
        while offset < scalars.count, (line, column) != (mark.line, mark.column) {
            let scalar = scalars[offset]
            offset += 1
            if scalar == "\r", offset < scalars.count, scalars[offset] == "\n" { offset += 1 }
            if ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) { (line, column) = (line + 1, 1) } else { column += 1 }
        }
        let keyScalars = Array(key.unicodeScalars)
        func written(_ quote: Unicode.Scalar?, from start: Int) -> Bool {
            let body = start + (quote == nil ? 0 : 1)
            guard body + keyScalars.count + (quote == nil ? 0 : 1) <= scalars.count,
                  Array(scalars[body..<(body + keyScalars.count)]) == keyScalars else { return false }
            return quote.map { scalars[body + keyScalars.count] == $0 } ?? true
        }
        let quote: Unicode.Scalar? = offset < scalars.count && ["\"", "'"].contains(scalars[offset]) ? scalars[offset] : nil
        guard offset < scalars.count, written(quote, from: offset) else { return nil }
        let end = offset + (quote == nil ? 0 : 1) + keyScalars.count
        var renamed = String.UnicodeScalarView()
        renamed.append(contentsOf: scalars[..<end])
        renamed.append(contentsOf: marker.unicodeScalars)
        renamed.append(contentsOf: scalars[end...])
        return String(renamed)
    }

    /// The mapping under `node` that holds the renamed first writing, and the first other
    /// writing of `key` in it (in the order written, the third writing's renamed second too).
    private static func search(_ node: Node, keyPath: String, for key: String) -> RepeatedKey? {
        switch node {
        case .mapping(let mapping):
            if mapping.contains(where: { $0.key.string == key + marker }),
               let second = mapping.first(where: { $0.key.string.map { $0 == key || $0.hasPrefix(key + otherMarker) } ?? false }),
               let line = second.key.mark?.line {
                return RepeatedKey(line: line, keyPath: keyPath.isEmpty ? key : "\(keyPath).\(key)")
            }
            for pair in mapping {
                let name = Self.unrenamed(pair.key.string ?? "?")
                if let found = search(pair.value, keyPath: keyPath.isEmpty ? name : "\(keyPath).\(name)", for: key) { return found }
            }
        case .sequence(let sequence):
            for (index, item) in sequence.enumerated() {
                if let found = search(item, keyPath: "\(keyPath)[\(index)]", for: key) { return found }
            }
        default: break
        }
        return nil
    }

    /// A key path's name as written: without the markers `find` appended.
    private static func unrenamed(_ name: String) -> String {
        if let range = name.range(of: otherMarker) ?? name.range(of: marker) { return String(name[..<range.lowerBound]) }
        return name
    }
}
