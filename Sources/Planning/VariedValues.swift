/// A sweep row's varied values by key, kept as two arrays in key order rather than a
/// dictionary: a row's dictionary was a fifth of a 100,000-point sweep's memory, and
/// the keys array is one shared by every row. Encoded as a JSON object, as before.
public struct VariedValues: Codable, Sendable, Equatable {
    /// The varied keys, ascending.
    public private(set) var keys: [String]
    /// `values[i]` is the value of `keys[i]`.
    private var values: [String]

    /// - Parameter keys: ascending (the sweep sorts its axes' keys once for every row).
    init(keys: [String], values: [String]) {
        precondition(keys.count == values.count && zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 },
                     "varied keys are distinct and ascending, one value each")
        self.keys = keys
        self.values = values
    }

    public init(_ pairs: [String: String]) {
        let sorted = pairs.sorted { $0.key < $1.key }
        self.init(keys: sorted.map(\.key), values: sorted.map(\.value))
    }

    /// The value of `key`, or nil where it is not varied.
    public subscript(key: String) -> String? {
        keys.firstIndex(of: key).map { values[$0] }
    }

    /// The pairs, in key order.
    public var pairs: [(key: String, value: String)] { zip(keys, values).map { ($0, $1) } }

    public init(from decoder: Decoder) throws {
        self.init(try [String: String](from: decoder))
    }

    public func encode(to encoder: Encoder) throws {
        try Dictionary(uniqueKeysWithValues: pairs).encode(to: encoder)
    }
}
