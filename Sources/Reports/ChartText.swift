import Foundation

/// How much room text takes in a chart, so that scripts can set margins, wrap
/// titles and shorten legends from the text itself rather than hope gnuplot's
/// automatic margins (which assume every character is as wide as its average,
/// and never wrap a title) leave room for it.
///
/// Widths are those of DejaVu Sans, the font every script asks for, in pixels of
/// the PNG terminal: pngcairo draws a point as 96/72 pixel, so an 11-point em is
/// 14.7 px. The SVG terminal draws the same text smaller, so room made for the
/// PNG is room enough for both.
enum ChartText {
    /// Advance widths of DejaVu Sans for the printable ASCII characters (space
    /// through `~`), in font units of 2048 per em: the font's `hmtx` table
    /// (DejaVuSans.ttf of Debian's fonts-dejavu-core, version 2.37), read through
    /// its `cmap`.
    static let asciiAdvances: [Int] = [
        651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690,
        1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087,
        2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612,
        1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024,
        1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253,
        1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
    ]

    /// Pixels per point on the PNG terminal (96 dpi).
    static let pixelsPerPoint = 96.0 / 72.0

    /// The default font size of every chart, and the titles'.
    static let bodyPoints = 11.0
    static let titlePoints = 14.0

    /// Height of a line of text, in pixels: gnuplot's character height for the
    /// cairo terminals is about 1.2 em.
    static func lineHeight(points: Double) -> Double { 1.2 * points * pixelsPerPoint }

    /// The width of `text` in pixels at `points`: the sum of its characters'
    /// advances, 1 em for any character beyond ASCII (as wide as DejaVu's
    /// ellipsis, or a CJK character of a fallback font), rounded up by 3% for
    /// the kerning and hinting cairo may add.
    static func width(_ text: String, points: Double = bodyPoints) -> Double {
        var units = 0
        for scalar in text.unicodeScalars {
            units += (32...126).contains(scalar.value) ? asciiAdvances[Int(scalar.value) - 32] : 2048
        }
        return Double(units) / 2048 * points * pixelsPerPoint * 1.03
    }

    /// `text` cut to at most `maxWidth` pixels at `points`, with "…" where it
    /// was cut; unchanged if it fits.
    static func shortened(_ text: String, toWidth maxWidth: Double, points: Double = bodyPoints) -> String {
        guard width(text, points: points) > maxWidth else { return text }
        var kept = ""
        for character in text {
            if width(kept + String(character) + "…", points: points) > maxWidth { break }
            kept.append(character)
        }
        return kept.trimmingCharacters(in: .whitespaces) + "…"
    }

    /// `text` broken at spaces into lines of at most `maxWidth` pixels; a word
    /// longer than a line is shortened (see `shortened`), a last line of one word takes
    /// the word before it where it fits, and at most `maxLines` lines are kept, the last
    /// shortened if text remains.
    static func wrapped(_ text: String, toWidth maxWidth: Double, points: Double, maxLines: Int = 3) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if width(candidate, points: points) <= maxWidth {
                current = candidate
            } else {
                if !current.isEmpty { lines.append(current) }
                current = shortened(word, toWidth: maxWidth, points: points)
            }
        }
        if !current.isEmpty { lines.append(current) }
        // No word alone on the last line where the line above can give it its last word
        // (a title ending "... where the step goes," / "simulated").
        if lines.count >= 2, !lines[lines.count - 1].contains(" "), let split = lines[lines.count - 2].lastIndex(of: " ") {
            let moved = lines[lines.count - 2][lines[lines.count - 2].index(after: split)...] + " " + lines[lines.count - 1]
            if width(String(moved), points: points) <= maxWidth {
                lines[lines.count - 1] = String(moved)
                lines[lines.count - 2] = String(lines[lines.count - 2][..<split])
            }
        }
        guard lines.count > maxLines else { return lines.isEmpty ? [""] : lines }
        let rest = lines[(maxLines - 1)...].joined(separator: " ")
        return Array(lines.prefix(maxLines - 1)) + [shortened(rest, toWidth: maxWidth, points: points)]
    }

    /// Lines as one gnuplot string expression: each a single-quoted literal
    /// (`Chart.gnuplotString`), joined by `."\n".` (the only double-quoted text,
    /// and ours), so that user text stays inside single quotes.
    static func gnuplotLines(_ lines: [String]) -> String {
        lines.map(Chart.gnuplotString).joined(separator: ".\"\\n\".")
    }

    /// A title for a canvas `canvasWidth` pixels wide, as a gnuplot string
    /// expression: wrapped to 200 px less than the canvas, since gnuplot centres a
    /// title over the plot, not the canvas, and the plot sits off-centre by half
    /// the difference of its margins (the y tic labels and label on the left, a
    /// second axis on the right), which stays under 100 px in these charts.
    static func title(_ text: String, canvasWidth: Int) -> String {
        gnuplotLines(titleLines(text, width: Double(canvasWidth) - 200))
    }

    /// The lines of a title wrapped to `width` pixels.
    static func titleLines(_ text: String, width: Double) -> [String] {
        wrapped(Chart.singleLine(text), toWidth: width, points: titlePoints)
    }

    /// A canvas-relative position (0...1) of `pixels` from the left or bottom of a
    /// canvas `size` pixels long, for `set lmargin at screen ...`.
    static func screen(_ pixels: Double, of size: Int) -> String {
        Format.fixed(min(0.95, max(0, pixels / Double(size))), 4)
    }
}
