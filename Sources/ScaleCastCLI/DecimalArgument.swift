import ArgumentParser
import YAMLSupport

/// Numbers given on the command line, read as plain decimal (`NumberText`):
/// `--budget 0x10`, `nan` or `inf` are refused instead of meaning 16 or nothing.
enum DecimalArgument {
    /// A parser for `@Option(transform:)`: a decimal number within `range`.
    static func parser(_ flag: String, in range: ClosedRange<Double>) -> @Sendable (String) throws -> Double {
        { text in
            guard let value = NumberText.decimal(text) else {
                throw ValidationError("\(flag): '\(text.singleLine)' is not a decimal number")
            }
            guard range.contains(value) else {
                throw ValidationError("\(flag) must be between \(NumberText.written(range.lowerBound)) and "
                                      + "\(NumberText.written(range.upperBound)), got \(NumberText.written(value))")
            }
            return value
        }
    }
}
