/// The values the fuzzer puts where a number, a name or a list was: extremes that
/// overflow a conversion or a loop bound, and strings that break a line-based
/// format, a quoted field or a shell (each shell-like one creates `PWNED` if run).
public enum HostileValues {
    /// Numbers at and beyond the edges of Int and Double, and spellings YAML reads as numbers.
    public static let numbers: [String] = [
        "0", "-1", "-0", "1e308", "-1e308", "1e-308", "4.9e-324", "nan", ".nan", ".inf", "-.inf", "inf",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551616",
        "99999999999999999999999999999999", "2147483648", "4294967296", "1e19", "0x10", "0o17", "0b101",
        "1_000", "+12", "007", "3.5", "0.0001", "1e6", "1000000000", "65536",
    ]

    /// Strings that upset line-, field- or shell-based writers, and names the catalog does not have.
    public static let strings: [String] = [
        "", " ", "a\nb", "line1\nerror: fake.yaml:1: x: y", "\"quoted\"", "'single'", "`touch PWNED`",
        "$(touch PWNED)", "system(\"touch PWNED\")", "\"; system(\"touch PWNED\"); \"", "'; touch PWNED; '",
        "x\" ; `touch PWNED` ; \"", "\\", "\\n", "{", "[", "#", "a: b", "- x", "&anchor", "*alias", "%s%s%n",
        "../../../../etc/passwd", "/dev/zero", "é漢字😀", "\u{202E}reversed", String(repeating: "A", count: 5000),
        "null", "~", "true", "yes", "NO",
    ]

    /// Every replacement a scalar may get.
    public static let all: [String] = numbers + strings

    /// Values that are not numbers but whose quoting matters, printed quoted.
    public static func isQuoted(_ value: String) -> Bool { !numbers.contains(value) }
}
