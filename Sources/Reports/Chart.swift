import Foundation

/// A gnuplot chart as files: the data (`NAME.dat`), the script (`NAME.gp`) that
/// reads it and writes `NAME.png` or `NAME.svg`. Anyone can restyle the script and
/// run `gnuplot NAME.gp` again; only the CLI runs gnuplot.
public struct Chart: Sendable, Equatable {
    public enum Format: String, CaseIterable, Sendable { case png, svg }

    /// The file stem, e.g. `scaling`.
    public var name: String
    public var format: Format
    public var data: String
    public var script: String

    public var dataFile: String { "\(name).dat" }
    public var scriptFile: String { "\(name).gp" }
    public var imageFile: String { "\(name).\(format.rawValue)" }

    public init(name: String, format: Format, data: String, script: String) {
        self.name = name
        self.format = format
        self.data = data
        self.script = script
    }

    /// The `set terminal` line: always explicit, with a font that ships with the
    /// Debian package fonts-dejavu-core.
    static func terminal(_ format: Format, width: Int, height: Int) -> String {
        switch format {
        case .png: return "set terminal pngcairo size \(width),\(height) enhanced font 'DejaVu Sans,11'"
        case .svg: return "set terminal svg size \(width),\(height) dynamic enhanced font 'DejaVu Sans,11'"
        }
    }

    /// Fills a template from `plots/templates` (built into the package).
    /// - Throws: `ChartError` if the template is missing from this build.
    static func fill(template: String, _ values: [String: String]) throws -> String {
        guard let url = Bundle.module.url(forResource: "Templates/\(template)", withExtension: "gp"),
              var text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ChartError("the chart template \(template).gp is missing from this build")
        }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { text = text.replacingOccurrences(of: "@\(key)@", with: value) }
        return text
    }

    /// Text safe inside a double-quoted gnuplot string.
    static func quoted(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

/// A chart that cannot be made.
public struct ChartError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
