import Testing
@testable import Reports

@Suite struct TextTableTests {
    /// A layer or run named across lines, or with an escape sequence, stays in its row and column.
    @Test func everyCellIsOneLine() {
        var table = TextTable(headers: ["layer", "ms"], alignments: [.left, .right])
        table.append(["conv\n1", "2.5"])
        table.append(["red \u{1B}[31m", "10.0"])
        table.setFooter(["total\r", "12.5"])
        let lines = table.render().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines == ["layer             ms", "--------------  ----", "conv\\n1          2.5", "red \\u{1B}[31m  10.0",
                          "--------------  ----", "total\\r         12.5"], "\(lines)")
    }
}
