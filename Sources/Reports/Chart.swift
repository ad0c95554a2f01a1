import Foundation

/// A gnuplot chart as files: the data (`NAME.dat`), the script (`NAME.gp`) that
/// reads it and writes `NAME.png` or `NAME.svg`. Anyone can restyle the script and
/// run `gnuplot NAME.gp` again; only the CLI runs gnuplot.
///
/// Scenario names, run labels, file names and other text from the user reach the
/// script only through `gnuplotString(_:)` and the data only through
/// `dataLabel(_:)` and `dataComment(_:)`, so no such text can become a gnuplot
/// command (gnuplot runs shell commands through `system()` and backquotes).
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

    /// The gnuplot variable that names the picture to write. The script defaults
    /// it to `imageFile`; the CLI sets it (`gnuplot -e "outfile='...'"`) to a
    /// temporary name and renames the picture into place once gnuplot succeeds.
    public static let outputVariable = "outfile"

    public init(name: String, format: Format, data: String, script: String) {
        self.name = name
        self.format = format
        self.data = data
        self.script = script
    }

    /// The `set terminal` line: always explicit, with a font that ships with the
    /// Debian package fonts-dejavu-core. An SVG gets a white background (gnuplot's is
    /// transparent, unreadable on a dark slide) and the title ScaleCast (gnuplot's is "Gnuplot").
    static func terminal(_ format: Format, width: Int, height: Int) -> String {
        switch format {
        case .png: return "set terminal pngcairo size \(width),\(height) enhanced font 'DejaVu Sans,11'"
        case .svg: return "set terminal svg size \(width),\(height) dynamic enhanced font 'DejaVu Sans,11' background rgb 'white' name 'ScaleCast'"
        }
    }

    /// The lines that choose the picture file: `outputVariable` if set on the
    /// command line, else `file`.
    static func output(_ file: String) -> String {
        "if (!exists(\"\(outputVariable)\")) \(outputVariable) = \(gnuplotString(file))\nset output \(outputVariable)"
    }

    /// Fills a template from `plots/templates` (built into the package): every
    /// `@KEY@` is replaced by `values[KEY]` in one pass over the template, so a
    /// value that itself contains `@OTHER@` is left as it is, never filled again.
    /// - Throws: `ChartError` if the template is missing from this build, or
    ///   names a placeholder that `values` lacks.
    static func fill(template: String, _ values: [String: String]) throws -> String {
        guard let url = Bundle.module.url(forResource: "Templates/\(template)", withExtension: "gp"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ChartError("the chart template \(template).gp is missing from this build")
        }
        var filled = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "@") {
            filled += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "@") else { rest = rest[open...]; break }
            let key = String(rest[afterOpen..<close])
            if !key.isEmpty, key.allSatisfy({ $0.isUppercase || $0 == "_" }) {
                guard let value = values[key] else { throw ChartError("the chart template \(template).gp has no value for @\(key)@") }
                filled += value
                rest = rest[rest.index(after: close)...]
            } else {
                filled += "@"
                rest = rest[afterOpen...]
            }
        }
        return filled + rest
    }

    /// `text` as a complete single-quoted gnuplot string literal, quotes
    /// included: the one way user text enters a script.
    ///
    /// Inside single quotes gnuplot performs neither backquote command
    /// substitution nor `@macro` expansion, nor backslash escapes (gnuplot's
    /// documentation, "substitution" and "quote marks"); the only special
    /// character is `'` itself. gnuplot 5.4 reads a doubled `''` as an escaped
    /// quote inside a string but as an empty string at its start, so `'`
    /// becomes the typographic apostrophe `’` (U+2019) instead: these strings
    /// are titles and labels, read by people. A newline would end the command,
    /// so every control character (and Unicode line or paragraph separator)
    /// becomes a space. Pair the literal with `noenhanced` where it is shown,
    /// so that `^`, `_`, `@`, `{` ... print as themselves.
    public static func gnuplotString(_ text: String) -> String {
        "'" + singleLine(text).replacingOccurrences(of: "'", with: "\u{2019}") + "'"
    }

    /// `text` as a quoted label column of a `.dat` file, quotes included.
    /// gnuplot's data reader has no escape inside `"..."`, so a `"` becomes `'`,
    /// and control characters become spaces so that the label stays on its row.
    /// Data files are never run as commands.
    public static func dataLabel(_ text: String) -> String {
        "\"" + singleLine(text).replacingOccurrences(of: "\"", with: "'") + "\""
    }

    /// `text` as the rest of a `# ...` comment line of a `.dat` file: on one line.
    public static func dataComment(_ text: String) -> String {
        singleLine(text)
    }

    /// `text` with every control character, and the Unicode line and paragraph
    /// separators, replaced by a space.
    static func singleLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" ? " " : scalar
        }))
    }
}

/// A chart that cannot be made.
public struct ChartError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
