import Foundation
import Testing
import YAMLSupport
@testable import Calibration

/// The importers' readers on input as real tools write it, and on hostile input:
/// valid forms are read, everything else is refused at its line in one line of text.
@Suite struct CSVReaderTests {
    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let text = "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nplain,,\"\"\n"
        let records = try CSVReader.records(text, file: "t.csv")
        #expect(records.map(\.fields) == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["plain", "", ""]])
        #expect(records.map(\.line) == [1, 2, 4])
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEndsOfEveryKindGiveTheSameRecords(end: String) throws {
        let text = "\u{FEFF}# a comment" + end + "h1,h2" + end + end + "1,2" + end + "3,4"
        let records = try CSVReader.records(text, file: "t.csv")
        #expect(records.map(\.fields) == [[], ["h1", "h2"], ["1", "2"], ["3", "4"]])
        #expect(records.map(\.comment) == [" a comment", nil, nil, nil])
        #expect(records.map(\.line) == [1, 2, 4, 5])
    }

    @Test func brokenQuotingIsRefusedAtItsLine() throws {
        do {
            _ = try CSVReader.records("a,b\n1,\"open\n2,3\n", file: "t.csv")
            Issue.record("an unclosed quote was accepted")
        } catch let error as ConfigError {
            #expect(error.line == 2)
        }
        do {
            _ = try CSVReader.records("a,b\n\"x\"y,2\n", file: "t.csv")
            Issue.record("text after a closing quote was accepted")
        } catch let error as ConfigError {
            #expect(error.line == 2)
        }
    }
}

@Suite struct NumberTextTests {
    @Test(arguments: ["1e400", "nan", "NaN", "inf", "-inf", "0x10", "12abc", "", " ", "1e", ".", "e5", "1.2.3", "--1", "1-2", "١٢"])
    func notPlainDecimalsAreRefused(text: String) {
        #expect(NumberText.decimal(text) == nil)
        #expect(NumberText.whole(text) == nil)
    }

    @Test func plainDecimalsAreRead() {
        #expect(NumberText.decimal("12") == 12)
        #expect(NumberText.decimal(" -0.5 ") == -0.5)
        #expect(NumberText.decimal("1.5e-3") == 1.5e-3)
        #expect(NumberText.decimal(".25") == 0.25)
        #expect(NumberText.whole("+3") == 3)
        #expect(NumberText.whole("-3") == -3)
        #expect(NumberText.whole("1.0") == nil)
        #expect(NumberText.whole("99999999999999999999") == nil)
    }
}

@Suite struct ImportTextTests {
    /// Names users and fuzzers have given files, and every control character.
    static let hostile: [String] = ["a: b.log", "q\"uote.log", "x}{y,z.log", "x\ny.csv", "#.log", "'.log", "-lead.log", "*&!.log",
                                    "débit-日本-🚀.log", "back\\slash", "tab\there", "cr\rlf", "- item", "? key", "[a]", "{b: c}",
                                    "&anchor", "%TAG", "@at", "`tick`", "yes", "null", "~", "1e3", "", " lead and trail ",
                                    "line\u{2028}sep", "para\u{2029}sep", "nel\u{85}", "bom\u{FEFF}", "del\u{7F}"]
        + (0..<0x20).map { "c\(Character(Unicode.Scalar($0)!))c" }

    @Test(arguments: hostile)
    func yamlQuotedStringsReadBackExactly(text: String) throws {
        let yaml = "key: \(ImportText.yamlQuoted(text))\nflow: {k: \(ImportText.yamlQuoted(text)), n: 1}\n"
        let root = try YAMLValue.parse(yaml, file: "t.yaml")
        #expect(try root.required("key").string() == text)
        #expect(try root.required("flow").required("k").string() == text)
        #expect(!ImportText.yamlQuoted(text).contains("\n"))
    }

    @Test(arguments: hostile)
    func shownTextIsOneLineWithoutControls(text: String) {
        let shown = text.singleLine
        #expect(!shown.unicodeScalars.contains { ImportText.isControl($0) })
        #expect(shown.split(whereSeparator: \.isNewline).count <= 1)
    }

    @Test func plainTextIsShownUnchanged() {
        #expect("all_reduce perf.log".singleLine == "all_reduce perf.log")
        #expect("x\ny".singleLine == "x\\ny")
    }
}

@Suite struct NCCLTestsLogFormsTests {
    /// The synthetic log's rows, for comparing forms of one log.
    func rows(_ text: String) throws -> [NCCLTestsLog.Row] { try NCCLTestsLog.parse(text, file: "all_reduce_perf.log").rows }

    @Test func tabsAndCRLFGiveTheSameRows() throws {
        let plain = syntheticLog(noise: 0)
        let tabs = plain.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.replacingOccurrences(of: "   ", with: "\t")
        }.joined(separator: "\n")
        #expect(tabs != plain)
        #expect(try rows(tabs) == rows(plain))
        #expect(try rows(plain.replacingOccurrences(of: "\n", with: "\r\n")) == rows(plain))
    }

    /// nccl-tests 2.19 prints a version line, `cputime` with -C, a timestamp column with -S,
    /// and OK after the average; NCCL_DEBUG=INFO puts NCCL's own lines in between.
    @Test func newVersionsLinesAndColumnsAreRead() throws {
        var lines = syntheticLog(noise: 0).components(separatedBy: "\n")
        let header = lines.firstIndex { $0.contains("size") && $0.contains("count") }!
        lines[header] = lines[header].replacingOccurrences(of: "time", with: "cputime") + " timestamp"
        for i in lines.indices where lines[i].hasPrefix("    ") && !lines[i].hasPrefix("#") && !lines[i].isEmpty {
            lines[i] += "  2026-11-29 10:00:00"
        }
        let average = lines.firstIndex { $0.contains("Avg bus bandwidth") }!
        lines[average] += " OK"
        lines.insert("# nccl-tests version 2.19.6 nccl-headers=22807 nccl-library=22807", at: 0)
        lines.insert("node1:1234:1234 [0] NCCL INFO Bootstrap : Using eth0:10.0.0.1<0>", at: 1)
        lines.insert("NCCL version 2.28.7+cuda13.0", at: 2)
        lines.insert("node1:1234:1240 [3] NCCL INFO comm 0x55 rank 3 nranks 8 - Init COMPLETE", at: header + 6)
        lines.append("node1:1234:1234 [0] NCCL INFO comm 0x55 rank 0 nranks 8 - Destroy COMPLETE")
        let log = try NCCLTestsLog.parse(lines.joined(separator: "\n"), file: "all_reduce_perf.log")
        #expect(log.rows == (try rows(syntheticLog(noise: 0))))
        #expect(log.averageBusGBPerSecond != nil)
        #expect(log.ranks == 8)
    }

    /// A row whose size was corrupted to 1e17 would fit a bandwidth the catalog
    /// rejects; it is refused at its own line instead.
    @Test func aRowContradictingItsAlgbwIsRefusedAtItsLine() throws {
        var lines = syntheticLog(noise: 0).components(separatedBy: "\n")
        let row = lines.firstIndex { $0.hasPrefix("    33554432") }!
        let cells = lines[row].split(separator: " ")
        lines[row] = (["1e17"] + cells.dropFirst()).joined(separator: " ")
        do {
            _ = try NCCLTestsLog.parse(lines.joined(separator: "\n"), file: "dir/x\ny.log")
            Issue.record("the corrupted row was accepted")
        } catch let error as ConfigError {
            #expect(error.line == row + 1)
            #expect(!"\(error)".contains("\n"))
            #expect("\(error)".hasPrefix("dir/x\\ny.log:\(row + 1): "))
        }
    }

    @Test(arguments: ["nan", "inf", "0x10", "12abc", "-3", "1e400"])
    func unreadableNumbersAreRefusedAtTheirLine(bad: String) throws {
        var lines = syntheticLog(noise: 0).components(separatedBy: "\n")
        let row = lines.firstIndex { $0.hasPrefix("        2048") }!
        var cells = lines[row].split(separator: " ").map(String.init)
        cells[5] = bad   // the out-of-place time
        lines[row] = cells.joined(separator: " ")
        do {
            _ = try NCCLTestsLog.parse(lines.joined(separator: "\n"), file: "x.log")
            Issue.record("'\(bad)' was read as a time")
        } catch let error as ConfigError {
            #expect(error.line == row + 1)
        }
    }
}

@Suite struct LayerTimesFormsTests {
    static let header = "model,layer,kind,batch,precision,in_channels,height,width,out,kernel,stride,pad,groups,forward_ms,backward_ms"
    static let rows = ["resnet50,conv1,conv,32,fp32,3,224,224,64,7,2,3,1,0.39301,0.93800",
                       "resnet50,fc,fc,32,fp32,2048,1,1,1000,1,1,0,1,0.02,0.05"]
    static var plain: String { ([header] + rows).joined(separator: "\n") + "\n" }

    @Test func csvAsOtherToolsWriteItGivesTheSameRows() throws {
        let expected = try LayerTimes(csv: Self.plain, file: "t.csv").rows.map { var r = $0; r.line = 0; return r }
        func same(_ text: String) throws {
            let rows = try LayerTimes(csv: text, file: "t.csv").rows.map { var r = $0; r.line = 0; return r }
            #expect(rows == expected, "\(text.debugDescription)")
        }
        try same(Self.plain.replacingOccurrences(of: "\n", with: "\r\n"))
        try same("\u{FEFF}" + Self.plain)
        // Every field quoted, as csv.QUOTE_ALL writes; a layer name with a comma and a quote.
        let quoted = ([Self.header] + Self.rows).map { $0.split(separator: ",").map { "\"\($0)\"" }.joined(separator: ",") }
        var withName = quoted
        withName[1] = withName[1].replacingOccurrences(of: "\"conv1\"", with: "\"conv1, the \"\"stem\"\"\"")
        try same(withName.joined(separator: "\r\n"))
        // Columns in another order, with extra ones.
        let columns = Self.header.split(separator: ",").map(String.init)
        let order = Array(columns.indices.reversed())
        func reorder(_ line: String, extra: String) -> String {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (order.map { cells[$0] } + [extra]).joined(separator: ",")
        }
        try same(([reorder(Self.header, extra: "gpu_name")] + Self.rows.map { reorder($0, extra: "\"H200, SXM\"") }).joined(separator: "\n"))
    }

    /// Each numeric column refuses what is not a number in range, at the row's line,
    /// before a layer is built: the 1e7-unit fc on a 1e7^3 input trapped in the cost model.
    @Test(arguments: ["1e400", "nan", "-3", "0x10", "12abc", "1.5", "10000001", "inf", ""])
    func badIntegersAreRefusedAtTheirLine(bad: String) throws {
        for column in ["batch", "in_channels", "height", "out", "kernel", "groups"] {
            let index = Self.header.split(separator: ",").firstIndex { $0 == column }!
            var cells = Self.rows[1].split(separator: ",").map(String.init)
            cells[index] = bad
            let text = Self.header + "\n" + Self.rows[0] + "\n" + cells.joined(separator: ",") + "\n"
            do {
                _ = try LayerTimes(csv: text, file: "t.csv")
                Issue.record("\(column) = '\(bad)' was accepted")
            } catch let error as ConfigError {
                #expect(error.line == 3)
                #expect(error.message.contains(column))
            }
        }
    }

    @Test(arguments: ["1e400", "nan", "-3", "0x10", "12abc", "inf", "3600001"])
    func badTimesAreRefusedAtTheirLine(bad: String) throws {
        let text = Self.header + "\n" + Self.rows[0].replacingOccurrences(of: "0.39301", with: bad) + "\n"
        do {
            _ = try LayerTimes(csv: text, file: "t.csv")
            Issue.record("forward_ms = '\(bad)' was accepted")
        } catch let error as ConfigError {
            #expect(error.line == 2)
        }
    }

    /// A layer whose window does not fit its input is refused at its line under the name the
    /// file gives it, or its kind where the file names none.
    @Test func aLayerThatDoesNotFitItsInputIsNamedAsTheFileNamesIt() throws {
        let row = "resnet50,stem,conv,32,fp32,3,5,5,8,7,1,0,1,1.0,2.0"
        let unnamed = "conv,32,fp32,3,5,5,8,7,1,0,1,1.0,2.0"
        let unnamedHeader = Self.header.replacingOccurrences(of: "model,layer,", with: "")
        for (text, name) in [(Self.header + "\n" + row + "\n", "stem"), (unnamedHeader + "\n" + unnamed + "\n", "conv")] {
            do {
                _ = try LayerTimes(csv: text, file: "t.csv")
                Issue.record("a 7x7 window on a 5x5 input was accepted")
            } catch let error as ConfigError {
                #expect(error.line == 2)
                #expect(error.message == "layer '\(name)': a window of 7 with padding 0 does not fit an input of 5", "\(error.message)")
            }
        }
    }

    @Test(arguments: [
        "resnet50,conv1,fc,32,fp32,10000000,10000000,10000000,10000000,7,2,3,1,0.39301,0.93800",   // the fuzzer's row
        "m,l,fc,32,fp32,10000000,100000,100000,10000000,1,1,0,1,0.1,0.1",                         // each column in range
        "m,l,conv,1000000,fp32,10000000,100000,100000,10000000,3,1,1,1,0.1,0.1",
        "m,l,fc,1000000,fp32,100000,100,100,10000000,1,1,0,1,0.1,0.1",                              // too many operations
        "m,l,conv,1,fp32,1,100000,100000,10000000,1,1,0,1,0.1,0.1",                                 // too large an output
    ])
    func layersTooLargeToModelAreRefusedNotTrapped(row: String) throws {
        do {
            _ = try LayerTimes(csv: Self.header + "\n" + row + "\n", file: "x\ny.csv")
            Issue.record("an oversized layer was accepted")
        } catch let error as ConfigError {
            #expect(error.line == 2)
            #expect(!"\(error)".contains("\n"))
        }
    }
}
