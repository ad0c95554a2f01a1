import YAMLSupport

/// How a GPU's name is matched against the catalog's names and short names: case,
/// separators (`-`, `_`, spaces, dots) and the order of the words do not matter, nor a
/// vendor's name in front, so `H100_SXM5`, `nvidia h100 sxm5` and `SXM5-H100` are all
/// `H100-SXM5`, and `B200-HGX` is the alias `hgx-b200`.
enum GPUName {
    /// Vendor names a user may put in front of a board's name.
    static let vendors: Set<String> = ["nvidia", "amd", "intel", "tesla"]

    /// The name's words, lowercased and sorted, without a leading vendor.
    static func words(_ name: String) -> [String] {
        var words = name.lowercased().split(whereSeparator: { "-_ .".contains($0) }).map(String.init)
        while words.count > 1, vendors.contains(words[0]) { words.removeFirst() }
        return words.sorted()
    }

    /// Every name a catalog entry answers to: its name and its aliases.
    static func names(of gpu: GPUSpec) -> [String] { [gpu.name] + gpu.aliases }

    /// Whether a word is a memory size (`80gb`, `16g`): it tells boards of one model apart,
    /// not models or form factors.
    static func isMemorySize(_ word: String) -> Bool {
        let digits = word.prefix { $0.isNumber }
        return !digits.isEmpty && ["gb", "g"].contains(String(word.dropFirst(digits.count)))
    }
}

extension Catalog {
    /// The GPU called `name` or one of its aliases: exactly (case-insensitive), else the one
    /// entry whose words match (`GPUName`: separators, order and a leading vendor ignored).
    public func gpu(named name: String) -> GPUSpec? {
        let key = name.lowercased()
        if let exact = gpus.first(where: { GPUName.names(of: $0).contains { $0.lowercased() == key } }) { return exact }
        let words = GPUName.words(name)
        let matches = gpus.filter { GPUName.names(of: $0).contains { GPUName.words($0) == words } }
        return matches.count == 1 ? matches[0] : nil
    }

    /// The catalog names a GPU name that matches none most likely means (none, one, or the
    /// few boards of one model it may mean): never another model number.
    /// 1. The entries sharing the most words with the name, then the largest share of their
    ///    own words, then the most memory sizes (`80gb`: they tell boards of one model apart,
    ///    so they only break a tie), counting only entries that share a word with a digit in
    ///    it other than a memory size (a model number such as `h100` or `sxm5`, not `pcie`,
    ///    `rtx` or `80gb`): `h100-sxm5-80gb` is H100-SXM5 (all of its words, where
    ///    `h100-pcie-80gb` shares one of two), `H100-80GB` the H100-SXM5 (the `h100` itself,
    ///    not the PCIe board whose alias spells 80gb), `V100 SXM3` the V100 SXM3 board,
    ///    `RTX 4090` nothing.
    /// 2. Where several lead, the one of them nearest in spelling with the same digits in the
    ///    same order (a typo in the letters: `H100-SMX5`), within an edit distance of a
    ///    quarter of the name's letters (so none under four letters); else all of them where
    ///    they are at most `maximumSuggestions` and of one architecture (`A100-SXM4`: the 40 GB
    ///    and the 80 GB board; `SXM2` names a P100 and two V100s: nothing).
    ///    Where none shares a model word, the one entry nearest in spelling so (`B100` is as
    ///    near A100 as H100: nothing).
    public func gpuSuggestions(for name: String) -> [String] {
        let given = Set(GPUName.words(name))
        func hasDigit(_ word: String) -> Bool { word.contains(where: \.isNumber) }
        typealias Score = (count: Int, share: Double, memory: Int)
        func less(_ a: Score, _ b: Score) -> Bool { (a.count, a.share, a.memory) < (b.count, b.share, b.memory) }
        // Each entry's best name: the most model words shared, then the largest share of its
        // own model words, then the most memory sizes shared.
        let shared = gpus.compactMap { gpu -> (gpu: GPUSpec, score: Score)? in
            let scores = GPUName.names(of: gpu).map { name -> Score in
                let words = Set(GPUName.words(name))
                let model = words.filter { !GPUName.isMemorySize($0) }, common = model.intersection(given)
                guard common.contains(where: hasDigit) else { return (0, 0, 0) }
                return (common.count, Double(common.count) / Double(model.count), words.subtracting(model).intersection(given).count)
            }
            guard let best = scores.max(by: less), best.count > 0 else { return nil }
            return (gpu, best)
        }
        // Those that share the most, else (none sharing a model word) every entry, for spelling alone.
        let top = shared.max { less($0.score, $1.score) }
        let leaders = top.map { top in shared.filter { !less($0.score, top.score) && !less(top.score, $0.score) }.map(\.gpu) } ?? gpus
        if top != nil, leaders.count == 1 { return [leaders[0].name] }
        let joined = GPUName.words(name).joined()
        let digits = joined.filter(\.isNumber)
        let reach = joined.count / 4   // none for names of under four letters: T4 is no typo of L4
        let near = leaders.compactMap { gpu -> (name: String, distance: Int)? in
            let distance = GPUName.names(of: gpu).map { GPUName.words($0).joined() }.filter { $0.filter(\.isNumber) == digits }
                .map { editDistance($0, joined) }.min()
            return distance.flatMap { $0 <= reach ? (gpu.name, $0) : nil }
        }
        if let best = near.map(\.distance).min(), near.filter({ $0.distance == best }).count == 1 {
            return [near.first { $0.distance == best }!.name]
        }
        // Several boards only of one model's generation (a form factor such as `SXM2` is shared across models).
        let oneGeneration = Set(leaders.map { $0.architecture.lowercased() }).count == 1
        return top != nil && oneGeneration && leaders.count <= Self.maximumSuggestions ? leaders.map(\.name) : []
    }

    /// The most boards a "did you mean" names; more is no suggestion but the list.
    static let maximumSuggestions = 3

    /// The message for a GPU name the catalog does not know: the likely one, or the list.
    public func unknownGPUMessage(_ name: String) -> String {
        let near = gpuSuggestions(for: name).map { "'\($0)'" }
        if let last = near.last {
            let options = near.count == 1 ? last : near.dropLast().joined(separator: ", ") + " or " + last
            return "unknown GPU '\(name)'; did you mean \(options)? (scalecast hardware lists every GPU and its short names)"
        }
        return "unknown GPU '\(name)'; the catalog has: \(gpus.map(\.name).joined(separator: ", ")) "
            + "(and short names such as a100 or v100: scalecast hardware lists them)"
    }
}
