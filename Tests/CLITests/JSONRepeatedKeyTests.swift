import Foundation
import Testing
@testable import ScaleCastCLI

/// A key written twice in one JSON object is found at its second writing, with its key path;
/// what only looks like a repeat (a sibling object's key, a nested object's, a string value,
/// braces inside a string) is not.
@Suite struct JSONRepeatedKeyTests {
    @Test(arguments: [
        (#"{"a": 1, "b": 2, "a": 3}"#, "a", 1, 1, "a"),
        ("{\n \"results\": [\n  {\"point\": 0},\n  {\"point\": 1,\n   \"point\": 2}\n ]\n}", "point", 5, 4, "results[1].point"),
        (#"{"a": 1, "\u0061": 2}"#, "a", 1, 1, "a"),
        (#"{"o": {"x": 1}, "o": [2]}"#, "o", 1, 1, "o"),
        ("{\r\n\"a\": 1,\r\n\"a\": 2}", "a", 3, 2, "a"),
        ("{\r\"a\": true,\r\"s\": {\"n\": null, \"n\": 1}}", "n", 3, 3, "s.n"),
        (#"{"x": [[{"k": 1}], [{"j": 1, "k": 1, "k": 2}]]}"#, "k", 1, 1, "x[1][0].k"),
        (#"{"\ud83d\ude00": 1, "😀": 2}"#, "😀", 1, 1, #""😀""#),
    ])
    func aRepeatedKeyIsFoundAtItsSecondWriting(text: String, key: String, line: Int, firstLine: Int, keyPath: String) throws {
        let found = try #require(JSONRepeatedKey.first(in: Data(text.utf8)))
        #expect(found == JSONRepeatedKey(key: key, line: line, firstLine: firstLine, keyPath: keyPath))
    }

    @Test(arguments: [
        #"[{"a": 1}, {"a": 2}]"#,
        #"{"a": {"a": 1}}"#,
        #"{"a": "a", "b": "a"}"#,
        #"{"x": "{\"a\": 1, \"a\": 2}", "y": 1}"#,
        #"{"a": [1, 2, {"b": 1}], "b": {"a": 1}}"#,
        #"{"a\"": 1, "a": 2}"#,
        "[]",
    ])
    func keysWrittenOncePerObjectAreNotRepeats(text: String) {
        #expect(JSONRepeatedKey.first(in: Data(text.utf8)) == nil)
    }

    /// A hand-edited shard with a row's `point` written twice merged as whichever value the
    /// decoder kept; it is refused at the second writing.
    @Test func mergeRefusesAShardWithARepeatedKey() throws {
        let path = try writeTemporary("name: sw\nmodel: resnet50\nbatch_per_gpu: 32\nprecision: bf16\n"
                                      + "cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}\nstrategy: {kind: data}\ngpus: [1]\n")
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-repeat-\(UUID().uuidString)").path
        let shards = (1...2).map { "\(base)-\($0).json" }
        for (i, shard) in shards.enumerated() {
            let sweep = CLI.execute(["sweep", path, "--vary", "batch_per_gpu=16,32", "--shard", "\(i + 1)/2", "--out", shard, "--quiet"])
            #expect(sweep.exitCode == 0, "\(sweep.stderr)")
        }
        #expect(CLI.execute(["merge"] + shards).exitCode == 0)
        let text = try String(contentsOfFile: shards[1], encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let pointLine = try #require(lines.firstIndex { $0.contains("\"point\" :") })
        var edited = lines
        edited.insert(lines[pointLine].replacingOccurrences(of: "\"point\" : 1", with: "\"point\" : 0"), at: pointLine + 1)
        try edited.joined(separator: "\n").write(toFile: shards[1], atomically: true, encoding: .utf8)
        let merged = CLI.execute(["merge"] + shards)
        #expect(merged.exitCode == 2)
        #expect(merged.stderr.contains("\(shards[1]):\(pointLine + 2): results[0].point: duplicate key \"point\" (first written at line "
                                       + "\(pointLine + 1))"), "\(merged.stderr)")
        // A repeat the decoder fails on (it kept the other value) is named as the repeat, at its line.
        var wrongType = lines
        wrongType.insert(lines[pointLine].replacingOccurrences(of: "\"point\" : 1", with: "\"point\" : \"x\""), at: pointLine)
        try wrongType.joined(separator: "\n").write(toFile: shards[1], atomically: true, encoding: .utf8)
        let refused = CLI.execute(["merge"] + shards)
        #expect(refused.exitCode == 2 && refused.stderr.contains(":\(pointLine + 2): results[0].point: duplicate key \"point\""),
                "\(refused.stderr)")
    }

    /// A shard that is not JSON is refused at the line where it stops being JSON, nesting too
    /// deep for the reader included.
    @Test func invalidJSONIsRefusedAtItsLine() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-invalid-\(UUID().uuidString)").path
        try "{\n \"sweep\": {\n  \"points\": 1,\n  x\n}\n".write(toFile: base + "-a.json", atomically: true, encoding: .utf8)
        let bad = CLI.execute(["merge", base + "-a.json"])
        #expect(bad.exitCode == 2 && bad.stderr.contains("\(base)-a.json:4: not valid JSON: invalid value"), "\(bad.stderr)")
        try ("{\n\"results\":\n" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}")
            .write(toFile: base + "-b.json", atomically: true, encoding: .utf8)
        let deep = CLI.execute(["merge", base + "-b.json"])
        #expect(deep.exitCode == 2 && deep.stderr.contains("\(base)-b.json:3: not valid JSON: too many nested"), "\(deep.stderr)")
        // The line is the text's, whatever its encoding or line ends: UTF-16 with its byte order mark, \r alone.
        let text = "{\n \"sweep\": {\n  \"name\": \"\u{4E0A}\",\n  x\n}\n"
        for (name, data) in [("c", try #require(text.data(using: .utf16))), ("d", Data(text.replacingOccurrences(of: "\n", with: "\r").utf8)),
                             ("e", Data([0xEF, 0xBB, 0xBF] + Array(text.utf8)))] {
            try data.write(to: URL(fileURLWithPath: base + "-\(name).json"))
            let out = CLI.execute(["merge", base + "-\(name).json"])
            #expect(out.exitCode == 2 && out.stderr.contains("\(base)-\(name).json:4: not valid JSON"), "\(name): \(out.stderr)")
        }
    }

    /// The two errors Foundation's reader names no position for, a number a Double cannot hold and a lone
    /// half of a surrogate pair, are refused at their line too, in words.
    @Test func unplacedErrorsAreRefusedAtTheirLine() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-unplaced-\(UUID().uuidString)").path
        // A number is read only once the text is JSON throughout: a real shard, one figure edited.
        let path = try writeTemporary("name: sw\nmodel: resnet50\nbatch_per_gpu: 32\nprecision: bf16\n"
                                      + "cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}\nstrategy: {kind: data}\ngpus: [1]\n")
        #expect(CLI.execute(["sweep", path, "--vary", "batch_per_gpu=16,32", "--out", base + "-a.json", "--quiet"]).exitCode == 0)
        var lines = try String(contentsOfFile: base + "-a.json", encoding: .utf8).components(separatedBy: "\n")
        let figure = try #require(lines.firstIndex { $0.contains("\"images_per_second\" :") })
        lines[figure] = lines[figure].replacingOccurrences(of: #"("images_per_second" : )[0-9.e+-]+"#, with: "$11e400",
                                                           options: .regularExpression)
        try lines.joined(separator: "\n").write(toFile: base + "-a.json", atomically: true, encoding: .utf8)
        let number = CLI.execute(["merge", base + "-a.json"])
        #expect(number.exitCode == 2 && number.stderr.contains("\(base)-a.json:\(figure + 1): not valid JSON: the number 1e400 is out of a "
                                                               + "64-bit float's range"), "\(number.stderr)")
        // A string is read as the text is scanned: a lone half is found wherever it is, here before a line that is not JSON;
        // an escape that is no hex number at all is placed by the reader itself, and is no surrogate.
        let half = "a \\u escape that is half of a UTF-16 surrogate pair"
        for (name, field, says) in [("b", #""run": "\ud800""#, half), ("c", #""run": "x\udc00""#, half),
                                    ("d", #""run": "\uZZZZ""#, "invalid hex encoded sequence")] {
            try ("{\n \"sweep\": {\n  \"shard\": " + #""1e400 \"\ud83d\ude00""# + ",\n  \(field),\n  x\n}\n}\n")
                .write(toFile: base + "-\(name).json", atomically: true, encoding: .utf8)
            let out = CLI.execute(["merge", base + "-\(name).json"])
            #expect(out.exitCode == 2 && out.stderr.contains("\(base)-\(name).json:4: not valid JSON: \(says)"), "\(name): \(out.stderr)")
        }
        // A number's text is cut in the message past 24 characters.
        lines[figure] = lines[figure].replacingOccurrences(of: "1e400", with: String(repeating: "9", count: 400) + "e400")
        try lines.joined(separator: "\n").write(toFile: base + "-a.json", atomically: true, encoding: .utf8)
        let long = CLI.execute(["merge", base + "-a.json"])
        #expect(long.stderr.contains(String(repeating: "9", count: 20) + "... (404 characters) is out of"), "\(long.stderr)")
    }

    /// The scan behind those lines: a number is matched as a whole token outside strings, and a surrogate
    /// half only where its pair is missing.
    @Test func unplacedErrorsAreFoundInTheText() {
        let text = Array(#"{"1e400": "1e400", "a": 11e400, "b": 1e400}"#.utf8)
        #expect(JSONUnplacedError.offset(ofNumber: "1e400", in: text) == 37)
        #expect(JSONUnplacedError.offset(ofNumber: "2", in: text) == nil)
        #expect(JSONUnplacedError.offsetOfUnpairedSurrogate(in: Array(#"{"a": "\ud83d\ude00 \\ud800", "b": "\ud800x"}"#.utf8)) == 36)
        #expect(JSONUnplacedError.offsetOfUnpairedSurrogate(in: Array(#"{"a": "\ud83d\ude00"}"#.utf8)) == nil)
        #expect(JSONUnplacedError.offsetOfUnpairedSurrogate(in: Array(#"["\udc00"]"#.utf8)) == 2)
    }

    /// UTF-16 and UTF-32 texts (which the decoder reads) are scanned as their characters,
    /// not their bytes: a value's zero bytes open nothing and a repeat is found at its line.
    @Test(arguments: [String.Encoding.utf16LittleEndian, .utf16BigEndian, .utf16, .utf32LittleEndian, .utf32])
    func wideEncodingsAreScannedAsText(encoding: String.Encoding) throws {
        let clean = "{\n\"a\": \"\u{2200},\",\n\"b\": [\"x,y\"]\n}"
        #expect(JSONRepeatedKey.first(in: try #require(clean.data(using: encoding))) == nil)
        let repeated = "{\n\"a\": \"\u{2200}\",\n\"a\": 2\n}"
        #expect(JSONRepeatedKey.first(in: try #require(repeated.data(using: encoding)))
                == JSONRepeatedKey(key: "a", line: 3, firstLine: 2, keyPath: "a"))
    }

    /// Keys are compared by code point, as RFC 8259 compares names: a precomposed é and an e
    /// with a combining accent are two keys. A key that is not a plain name is quoted in the path.
    @Test func keysAreCodePointsAndOddKeysAreQuoted() {
        #expect(JSONRepeatedKey.first(in: Data("{\"\u{E9}\": 1, \"e\u{301}\": 2}".utf8)) == nil)
        #expect(JSONRepeatedKey.first(in: Data(#"{"v": {"a.b": 1, "a.b": 2}}"#.utf8))?.keyPath == #"v."a.b""#)
        #expect(JSONRepeatedKey.first(in: Data(#"{"": {"x": 1, "x": 2}}"#.utf8))?.keyPath == #""".x"#)
        #expect(JSONRepeatedKey.first(in: Data(#"{"a\".b": {"x": 1, "x": 2}}"#.utf8))?.keyPath == #""a\".b".x"#)
    }
}
