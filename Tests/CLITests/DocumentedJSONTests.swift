import Foundation
import Testing
@testable import ScaleCastCLI

/// The JSON examples in docs/json.md are the tool's output, not numbers that were true once:
/// each is rerun and compared, so a change to the model that moves them fails here until
/// the page shows what the tool prints now.
@Suite struct DocumentedJSONTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    /// The ```json block that follows the first line of docs/json.md containing `marker`.
    func example(after marker: String) throws -> String {
        let page = try String(contentsOfFile: Self.root + "/docs/json.md", encoding: .utf8)
        let after = try #require(page.range(of: marker), "docs/json.md no longer says \(marker)")
        let open = try #require(page.range(of: "```json\n", range: after.upperBound..<page.endIndex))
        let close = try #require(page.range(of: "\n```", range: open.upperBound..<page.endIndex))
        return String(page[open.upperBound..<close.lowerBound])
    }

    /// `text` with every line's leading blanks and trailing commas removed: the pages show an
    /// object out of its list, so its indentation and the comma after it differ from the tool's.
    func normalized(_ text: String) -> [String] {
        text.split(separator: "\n").map { line in
            var l = line.drop { $0 == " " }
            if l.hasSuffix(",") { l = l.dropLast() }
            return String(l)
        }
    }

    /// Whether `lines` holds `block` as consecutive lines.
    func contains(_ lines: [String], _ block: [String]) -> Bool {
        guard !block.isEmpty, lines.count >= block.count else { return false }
        return (0...(lines.count - block.count)).contains { Array(lines[$0..<($0 + block.count)]) == block }
    }

    @Test func theSimulateRowIsWhatSimulatePrints() throws {
        let shown = try example(after: "One row of `scalecast simulate scenarios/default.yaml --gpus 8 --json`")
        let out = CLI.execute(["simulate", Self.root + "/scenarios/default.yaml", "--gpus", "8", "--json"])
        #expect(out.exitCode == 0)
        #expect(contains(normalized(out.stdout), normalized(shown)), "docs/json.md's simulate row is not what the tool prints")
    }

    @Test func theReportRangeIsWhatReportPrints() throws {
        let shown = try example(after: "From `scalecast report scenarios/whatif/resnet50-deadline.yaml --json`")
        let out = CLI.execute(["report", Self.root + "/scenarios/whatif/resnet50-deadline.yaml", "--json"])
        #expect(out.exitCode == 0)
        let range = Array(normalized(shown).prefix { $0 != "}" }) + ["}"]
        #expect(range.count > 5 && contains(normalized(out.stdout), range), "docs/json.md's report range is not what the tool prints")
    }

    /// The explain example shows chosen keys out of their order, in three blocks: each of
    /// their scalar lines (a key and a number, string, boolean or null) is one the tool prints.
    @Test func theExplainKeysAreWhatExplainPrints() throws {
        let marker = "From `scalecast explain scenarios/default.yaml --gpus 16 --run AlexNet --json`"
        let page = try String(contentsOfFile: Self.root + "/docs/json.md", encoding: .utf8)
        let after = try #require(page.range(of: marker))
        let section = String(page[after.upperBound...]).components(separatedBy: "\n## ")[0]
        let blocks = section.components(separatedBy: "```json\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        #expect(blocks.count == 3)
        let out = CLI.execute(["explain", Self.root + "/scenarios/default.yaml", "--gpus", "16", "--run", "AlexNet", "--json"])
        #expect(out.exitCode == 0)
        let printed = Set(normalized(out.stdout))
        let scalars = blocks.flatMap(normalized).filter { $0.hasPrefix("\"") && !$0.hasSuffix("[") && !$0.hasSuffix("{") && !$0.contains("{\"") }
        #expect(scalars.count > 15)
        for line in scalars { #expect(printed.contains(line), "docs/json.md's explain example shows \(line), which the tool no longer prints") }
    }
}
