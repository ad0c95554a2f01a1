import Foundation
import Yams

/// A node of a parsed YAML file that remembers where it came from, so every
/// accessor can throw a `ConfigError` naming the file, the key path and the line.
public struct YAMLValue {
    public let node: Node
    public let file: String
    public let keyPath: String

    public init(node: Node, file: String, keyPath: String) {
        self.node = node
        self.file = file
        self.keyPath = keyPath
    }

    /// Reads and parses the YAML file at `path`.
    /// - Throws: `ConfigError` if the file cannot be read, is not valid YAML, or is empty.
    public static func load(path: String) throws -> YAMLValue {
        guard !path.isEmpty else { throw ConfigError(file: "''", keyPath: "", line: nil, message: "the file name is empty") }
        return try parse(try TextFile.read(path), file: path)
    }

    /// How plain scalars are tagged on parse: only `true`/`false` (and YAML 1.1's
    /// `yes`/`no`/`on`/`off`) need a tag, for `Node.bool`; numbers are read from the text
    /// (`NumberText`) and null from the plain text (`NSNull.construct`). Yams's default
    /// resolver tries up to seven regular expressions on a scalar each time a mapping's
    /// keys are hashed (its duplicate-key check), a share of every command's start-up that
    /// reads nothing. One consequence: `1:` and `"1":` in one mapping are one key (a duplicate).
    static let resolver = Resolver.basic.appending(.bool)

    /// Parses YAML text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws -> YAMLValue {
        if let passed = AliasBudget.lineExceedingBudget(text) {
            throw ConfigError(file: file, keyPath: "", line: passed.line,
                              message: passed.aliased ? "its aliases expand to more than \(AliasBudget.maximumNodes) nodes; refusing to expand them"
                                : "it holds more than \(AliasBudget.maximumNodes) values, far more than any scenario, model or catalog needs; refusing to read it")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, resolver)
        } catch YamlError.duplicatedKeysInMapping(let keys, let context) where keys.count == 1 {
            let second = RepeatedKey.find(keys[0], first: context.mark, in: text, resolver: resolver)
            throw ConfigError(file: file, keyPath: second?.keyPath ?? "", line: second?.line ?? context.mark.line,
                              message: "invalid YAML: duplicate key \(keys[0])" + (second == nil ? "" : " (first written at line \(context.mark.line))"))
        } catch let error as YamlError {
            throw ConfigError(file: file, keyPath: "", line: line(of: error, in: text), message: "invalid YAML: \(problem(of: error, in: text))")
        } catch {
            throw ConfigError(file: file, keyPath: "", line: nil, message: "invalid YAML: \(error)")
        }
        guard let node else { throw ConfigError(file: file, keyPath: "", line: nil, message: "the file is empty") }
        return YAMLValue(node: node, file: file, keyPath: "")
    }

    private static func line(of error: YamlError, in text: String) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        case .duplicatedKeysInMapping(_, let context): return context.mark.line   // several keys: the first's first writing
        case .reader(_, let offset?, _, _):
            // Yams gives the offset in Characters ("\r\n" is one): the line is one more than the
            // line breaks among the characters before it.
            return 1 + text.prefix(offset).reduce(0) { $0 + ($1 == "\n" || $1 == "\r\n" ? 1 : 0) }
        default: return nil
        }
    }

    private static func problem(of error: YamlError, in text: String) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            // libyaml's own wording names its C function (and leaves a parenthesis open).
            if problem.hasPrefix("Maximum nesting level reached") { return "nested more than 1,000 levels deep (libyaml's limit)" }
            // A tab where a token may start (indenting a key): libyaml does not say which character.
            if problem == "found character that cannot start any token", character(at: mark, in: text) == "\t" {
                return "found a tab where a key or value may start: YAML indents with spaces only"
            }
            if let context { return "\(problem) (\(context.text))" }
            return problem
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate key \(duplicates.joined(separator: ", "))"
        case .reader(let problem, _, let value, _):
            // Without the file's text, which the default description appends.
            return value >= 0 ? "\(problem) (character U+\(String(format: "%04X", value)))" : problem
        default:
            return "\(error)"
        }
    }

    /// The character at `mark` (1-based line and column, as Yams gives them) in `text`, if any;
    /// lines end at any line break ("\r\n" is one Character), columns count Unicode scalars.
    private static func character(at mark: Mark, in text: String) -> Character? {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        guard mark.column >= 1, mark.column <= scalars.count else { return nil }
        return Character(scalars[mark.column - 1])
    }

    /// 1-based line of this node in its file.
    public var line: Int? { node.mark?.line }

    /// An error located at this node.
    public func error(_ message: String) -> ConfigError {
        ConfigError(file: file, keyPath: keyPath, line: line, message: message)
    }

    // MARK: Mappings

    /// The key-value pairs of a mapping, in file order.
    public func entries() throws -> [(key: String, value: YAMLValue)] {
        try mapping().map { pair in
            let key = try name(ofKey: pair.key)
            return (key, YAMLValue(node: pair.value, file: file, keyPath: child(key)))
        }
    }

    private func mapping() throws -> Node.Mapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys to values, found \(kindName)") }
        return mapping
    }

    private func name(ofKey key: Node) throws -> String {
        guard let name = key.string else { throw ConfigError(file: file, keyPath: keyPath, line: key.mark?.line, message: "keys must be strings") }
        return name
    }

    public var isMapping: Bool { if case .mapping = node { return true } else { return false } }
    public var isSequence: Bool { if case .sequence = node { return true } else { return false } }

    /// The value under `key`, or nil if absent (or null).
    public func optional(_ key: String) throws -> YAMLValue? {
        // As `entries().first { $0.key == key }`, without making a value of every entry.
        var found: Node?
        for pair in try mapping() where try name(ofKey: pair.key) == key && found == nil { found = pair.value }
        guard let found, !(found.scalar != nil && found.null != nil) else { return nil }
        return YAMLValue(node: found, file: file, keyPath: child(key))
    }

    /// An error at `key` where it is written (its own line; a value's may be below it, or an
    /// anchor's above it), nil when the mapping has no such key.
    public func error(atKey key: String, _ message: String) throws -> ConfigError? {
        guard let pair = try mapping().first(where: { try name(ofKey: $0.key) == key }) else { return nil }
        return error(at: pair, key: key, message)
    }

    /// An error at `pair`'s key, named `key`, on the key's own line.
    private func error(at pair: (key: Node, value: Node), key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, keyPath: child(key), line: pair.key.mark?.line ?? pair.value.mark?.line, message: message)
    }

    /// The value under `key`.
    /// - Throws: `ConfigError` naming the missing key.
    public func required(_ key: String) throws -> YAMLValue {
        guard let value = try optional(key) else {
            // Written with no value (`gpus:`, `~`, `null`): at its line, said so.
            if let empty = try error(atKey: key, "'\(key)' has no value (null); give it one") { throw empty }
            throw ConfigError(file: file, keyPath: child(key), line: line, message: "missing required key '\(key)'")
        }
        return value
    }

    /// Rejects keys other than `allowed`, suggesting the nearest allowed key.
    /// The error is at the key's own line (an aliased value's is its anchor's).
    /// - Parameter elsewhere: where keys of other levels belong, by key (`network` is
    ///   `cluster.network`): a key given at the wrong level is pointed there.
    public func checkKeys(_ allowed: [String], elsewhere: [String: [String]] = [:]) throws {
        for pair in try mapping() {
            let key = try name(ofKey: pair.key)
            guard !allowed.contains(key) else { continue }
            let shown = key.invisiblesEscaped
            var message = "unknown key '\(shown)'" + (shown == key ? "" : " (with characters that print as nothing or as a space, "
                + "escaped here)")
            if key == "<<" {
                // YAML 1.1's merge key: Yams, like YAML 1.2, reads it as a plain key.
                message = "a merge key (<<) is not read: write the keys out (in a scenario, the top level's keys are every run's)"
            } else if let paths = elsewhere[key] {
                message += " here: it belongs at \(paths.joined(separator: " or "))"
                    + (nearest(key, in: allowed, maxEdits: 2).map { " (or did you mean '\($0)'?)" } ?? "")
            } else if let near = nearest(key, in: allowed, maxEdits: 3) {
                message += "; did you mean '\(near)'?"
            } else {
                message += "; expected one of: \(allowed.joined(separator: ", "))"
            }
            throw error(at: pair, key: key, message)
        }
    }

    // MARK: Sequences

    /// The items of a sequence; a single scalar is taken as a one-item sequence.
    public func items() throws -> [YAMLValue] {
        switch node {
        case .sequence(let sequence):
            return sequence.enumerated().map { YAMLValue(node: $1, file: file, keyPath: "\(keyPath)[\($0)]") }
        case .scalar:
            return [self]
        default:
            throw error("expected a list, found \(kindName)")
        }
    }

    // MARK: Scalars

    public func string() throws -> String {
        guard case .scalar(let scalar) = node else { throw error("expected a text value, found \(kindName)") }
        return scalar.string
    }

    public func int() throws -> Int {
        guard case .scalar(let scalar) = node, let value = NumberText.whole(scalar.string) else {
            throw error("expected a whole number written in digits (such as 128), found \(describe)")
        }
        return value
    }

    public func double() throws -> Double {
        guard case .scalar(let scalar) = node, let value = NumberText.decimal(scalar.string) else {
            throw error("expected a number, found \(describe)")
        }
        return value
    }

    public func bool() throws -> Bool {
        guard case .scalar = node, let value = node.bool else { throw error("expected true or false, found \(describe)") }
        return value
    }

    /// A whole number > 0.
    public func positiveInt() throws -> Int {
        let value = try int()
        guard value > 0 else { throw error("must be a positive whole number, got \(value)") }
        return value
    }

    /// A number > 0.
    public func positiveDouble() throws -> Double {
        let value = try double()
        guard value > 0 else { throw error("must be positive, got \(NumberText.written(value))") }
        return value
    }

    /// A number >= 0.
    public func nonNegativeDouble() throws -> Double {
        let value = try double()
        guard value >= 0 else { throw error("must not be negative, got \(NumberText.written(value))") }
        return value
    }

    /// A whole number in `range`: limits keep every later product representable.
    public func int(in range: ClosedRange<Int>) throws -> Int {
        let value = try int()
        guard range.contains(value) else {
            throw error("must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    /// A number in `range`.
    public func double(in range: ClosedRange<Double>) throws -> Double {
        try double(in: range, unit: nil)
    }

    /// `double(in:)`, the refusal naming the unit the key is in where one is given ("dollars per
    /// kWh: 12 cents is 0.12"): a figure out of range is most often written in another unit.
    public func double(in range: ClosedRange<Double>, unit: String?) throws -> Double {
        let value = try double()
        guard range.contains(value) else {
            throw error("must be between \(NumberText.written(range.lowerBound)) and \(NumberText.written(range.upperBound)), got \(NumberText.written(value))"
                        + (unit.map { " (\($0))" } ?? ""))
        }
        return value
    }

    /// One of `choices`, with the choices listed if not.
    public func oneOf(_ choices: [String]) throws -> String {
        let value = try string()
        guard choices.contains(value) else {
            throw error("'\(value)' is not one of: \(choices.joined(separator: ", "))")
        }
        return value
    }

    /// As `oneOf`, whatever the case of the value's letters (`BF16` is `bf16`); returns the choice.
    public func oneOfIgnoringCase(_ choices: [String]) throws -> String {
        let value = try string()
        guard let choice = choices.first(where: { $0.lowercased() == value.lowercased() }) else {
            throw error("'\(value)' is not one of: \(choices.joined(separator: ", "))")
        }
        return choice
    }

    // MARK: Helpers

    private func child(_ key: String) -> String { keyPath.isEmpty ? key : "\(keyPath).\(key)" }

    private var kindName: String {
        switch node {
        case .scalar(let s): return "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private var describe: String { kindName }
}


/// Limits on scenario numbers: wide enough for any real cluster, narrow enough
/// that every product the simulator forms stays finite and representable.
public enum Limits {
    /// GPUs in one simulated configuration: 2^17, twice the largest clusters built
    /// (100,000 GPUs); expanded fidelity has its own, lower limits
    /// (`ScenarioRunner.expandedLimit`, `PlanLimits`), so only closed forms go this far.
    public static let gpus = 1...131_072
    /// Runs in one scenario, and GPU counts in one run: a larger grid is a sweep
    /// (`scalecast sweep`, which shards and shows progress).
    public static let runs = 64
    public static let gpuCountsPerRun = 64
    /// Points in one sweep or plan: its grid is held in memory (about 650 bytes a point, measured
    /// at 4 million), and at about 1,000 points/s on two cores a million take some 17 minutes.
    public static let sweepPoints = 1_000_000
    public static let batch = 1...1_000_000
    /// The most images one step may take on all GPUs (`max_global_batch`): the largest
    /// GPU count times the largest batch, so any product of the two can be cut to it.
    public static let globalBatch = 1...131_072_000_000
    /// Micro-batches accumulated per step (`accumulation_steps`): a step plans every one,
    /// so the plan grows with it; 1,024 is beyond any recipe's.
    public static let accumulationSteps = 1...1024
    public static let steps = 1...100
    /// Per-node counts: GPUs per node, NICs, GPUs per switch, switches per socket.
    public static let perNode = 1...1024
    /// CPU cores in one node (`cluster.cpu_cores_per_node`).
    public static let cpuCoresPerNode = 1...65_536
    /// Nodes under one leaf switch (`cluster.network.nodes_per_leaf`).
    public static let nodesPerLeaf = 1...8192
    /// A leaf's oversubscription, its nodes' bandwidth over its uplinks' (`cluster.network.oversubscription`).
    public static let oversubscription = 1.0...1024
    /// Nodes along one dimension of a torus (`cluster.network.dimensions`).
    public static let torusDimension = 1...4096
    /// A layer's channels or units.
    public static let width = 1...10_000_000
    /// A layer's kernel, stride, pad, size or groups, and an input's height or width.
    public static let extent = 1...100_000
    /// Bandwidth in GB/s (1 kB/s to 1 PB/s).
    public static let gigabytesPerSecond = 1e-6...1e6
    /// Latency, launch overhead: microseconds (up to one second).
    public static let microseconds = 0.0...1e6
    /// Peak TFLOP/s (1 MFLOP/s to 1 EFLOP/s).
    public static let teraflops = 1e-6...1e6
    /// A gradient bucket in MB (1 kB to 1 TB, beyond any network's gradient).
    public static let bucketMegabytes = 1e-3...1e6
    /// Memory in GiB.
    public static let gibibytes = 1e-3...1e6
}

/// The choice nearest `word`, if it is within `maxEdits` edits (`editDistance`): what a
/// "did you mean" suggests for a misspelt key, command or name.
public func nearest(_ word: String, in choices: [String], maxEdits: Int) -> String? {
    // Case does not count (`VGG-16` is vgg16); of equals, one that begins with the word (`eth-100` is more
    // likely eth-100g, cut short, than eth-10g), then the first.
    let lower = word.lowercased()
    let scored = choices.map { (choice: $0, edits: editDistance($0.lowercased(), lower), cut: $0.lowercased().hasPrefix(lower) ? 0 : 1) }
    let best = scored.min { ($0.edits, $0.cut) < ($1.edits, $1.cut) }
    return best.flatMap { $0.edits <= maxEdits ? $0.choice : nil }
}

/// Levenshtein distance, for "did you mean" suggestions.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
