import Foundation

/// Number formatting for reports: fixed decimals, locale-independent, so output
/// is byte-identical everywhere.
public enum Format {
    /// `x` with `decimals` digits after the point. `locale: nil` formats as C's
    /// printf does (a `.`, no grouping), without building an ICU number formatter
    /// per call, which cost about 0.1 ms each (most of an import of a large log).
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", locale: nil, x)
    }

    /// A fraction as a percentage with one decimal and its sign: +40.9%, -3.3%
    /// (`validate --published`'s errors).
    public static func signedPercent(_ fraction: Double) -> String { (fraction >= 0 ? "+" : "") + fixed(fraction * 100, 1) + "%" }

    /// A fraction as a percentage with one decimal: 13.8%.
    public static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 1) + "%" }

    /// Bytes as GiB (2^30) with one decimal.
    public static func gib(_ bytes: Double) -> String { fixed(bytes / 1_073_741_824, 1) }

    /// The decimals (1 to 4) GiB figures need for `bytes` not to print as `other` where the two
    /// differ: a need of 16.009 GiB beside a GPU's 16 reads 16.01, not 16.0 of 16.0.
    public static func gibDecimals(_ bytes: Double, apartFrom other: Double) -> Int {
        var decimals = 1
        while decimals < 4, bytes != other, fixed(bytes / 1_073_741_824, decimals) == fixed(other / 1_073_741_824, decimals) { decimals += 1 }
        return decimals
    }

    /// Dollars as tables and reports print them: cents below $100, where whole dollars
    /// would read $0 for a short run's cost; whole dollars with thousands separators above.
    public static func dollars(_ x: Double) -> String {
        if x.magnitude < 100 { return fixed(x, 2) }
        return x.magnitude < 1e15 ? grouped(Int(x.rounded())) : fixed(x, 0)
    }

    /// Hours with the decimals a short run needs not to read 0.0: one from 10 hours, two from
    /// one hour, three below (3 minutes: 0.050), and "<0.001" under 1.8 s, which three
    /// decimals would print as no time at all.
    public static func hours(_ h: Double) -> String {
        h > 0 && h < 0.0005 ? "<0.001" : fixed(h, h >= 10 ? 1 : h >= 1 ? 2 : 3)
    }

    /// A measure rounded to a whole number, with thousands separators: 1,234.6 images/s as
    /// 1,235; beyond a quadrillion (or not finite) in three significant figures, where
    /// `Int(x.rounded())` would trap.
    public static func whole(_ x: Double) -> String {
        x.isFinite && x.magnitude < 1e15 ? grouped(Int(x.rounded())) : String(format: "%.3g", locale: nil, x)
    }

    /// A large count with thousands separators: 25,557,032.
    public static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + String(out.reversed())
    }

    /// FLOPs with an SI prefix: 4.09 GFLOP.
    public static func flops(_ x: Double) -> String {
        if x >= 1e12 { return fixed(x / 1e12, 2) + " TFLOP" }
        if x >= 1e9 { return fixed(x / 1e9, 2) + " GFLOP" }
        return fixed(x / 1e6, 2) + " MFLOP"
    }
}
