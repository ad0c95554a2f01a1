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

    /// The catalog name a GPU name that matches none most likely means: the entry whose
    /// words are all in the name (`h100-sxm5-80gb` is H100-SXM5), the one with most words
    /// first, else the entry nearest in spelling (over the words run together, an edit
    /// distance of at most a quarter of the name's letters, one at least); nil when none is near.
    public func gpuSuggestion(for name: String) -> String? {
        let words = Set(GPUName.words(name))
        let contained = gpus.compactMap { gpu -> (name: String, words: Int)? in
            let best = GPUName.names(of: gpu).map { Set(GPUName.words($0)) }.filter { $0.isSubset(of: words) }.map(\.count).max()
            return best.map { (gpu.name, $0) }
        }
        if let best = contained.max(by: { $0.words < $1.words }),
           contained.filter({ $0.words == best.words }).count == 1 { return best.name }
        let joined = GPUName.words(name).joined()
        let reach = max(1, joined.count / 4)
        let near = gpus.compactMap { gpu -> (name: String, distance: Int)? in
            let distance = GPUName.names(of: gpu).map { editDistance(GPUName.words($0).joined(), joined) }.min()!
            return distance <= reach ? (gpu.name, distance) : nil
        }
        return near.min { $0.distance < $1.distance }?.name
    }

    /// The message for a GPU name the catalog does not know: the likely one, or the list.
    public func unknownGPUMessage(_ name: String) -> String {
        if let near = gpuSuggestion(for: name) {
            return "unknown GPU '\(name)'; did you mean '\(near)'? (scalecast hardware lists every GPU and its short names)"
        }
        return "unknown GPU '\(name)'; the catalog has: \(gpus.map(\.name).joined(separator: ", ")) "
            + "(and short names such as a100 or v100: scalecast hardware lists them)"
    }
}
