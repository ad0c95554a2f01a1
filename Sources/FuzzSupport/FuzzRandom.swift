import SimCore

/// The fuzzer's seeded choices, on the project's SplitMix64, so that a seed names
/// the same inputs on every machine and Swift version (no `random(in:)`, whose
/// algorithm the standard library may change).
public struct FuzzRandom: Sendable {
    private var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// The generator of case `index` of a run seeded with `seed`: each case is
    /// independent of the others, so cases can run in any order, on any worker.
    public init(seed: UInt64, index: Int) {
        var mix = SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        generator = SplitMix64(seed: mix.next())
    }

    public mutating func next() -> UInt64 { generator.next() }

    /// Uniform in 0..<n (n > 0).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    /// Uniform in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
