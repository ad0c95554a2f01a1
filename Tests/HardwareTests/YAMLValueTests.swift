import Testing
import YAMLSupport

/// How `YAMLValue` reads scalars and keys: the reading every scenario and catalog file goes
/// through, with Yams resolving only booleans (`YAMLValue.resolver`).
@Suite struct YAMLValueTests {
    func value(_ text: String) throws -> YAMLValue { try YAMLValue.parse(text, file: "t.yaml") }

    @Test func scalarsAreReadFromTheirText() throws {
        let yaml = try value("a: true\nb: yes\nc: False\nd: 12\ne: 1.5e3\nf: \"7\"\ng: A100-SXM4-80GB\n")
        #expect(try yaml.required("a").bool() && yaml.required("b").bool() && !yaml.required("c").bool())
        #expect(try yaml.required("d").int() == 12 && yaml.required("e").double() == 1500)
        #expect(try yaml.required("f").int() == 7)   // a quoted number is still a number to ScaleCast
        #expect(try yaml.required("g").string() == "A100-SXM4-80GB")
    }

    @Test func aQuotedTrueIsTextNotABoolean() throws {
        #expect(throws: ConfigError.self) { try value("a: \"true\"\n").required("a").bool() }
        #expect(throws: ConfigError.self) { try value("a: 1\n").required("a").bool() }
    }

    @Test func nullIsAbsentUnlessQuoted() throws {
        let yaml = try value("a: ~\nb: null\nc:\nd: 'null'\n")
        #expect(try yaml.optional("a") == nil && yaml.optional("b") == nil && yaml.optional("c") == nil)
        #expect(try yaml.optional("d")?.string() == "null")
        #expect(try yaml.optional("e") == nil)
    }

    /// `optional` reads the first entry of a key, and refuses a mapping with a key that is
    /// not text wherever that key stands, as `entries` does.
    @Test func optionalReadsAsEntriesDoes() throws {
        let yaml = try value("a: 1\nb: 2\n")
        #expect(try yaml.optional("b")?.int() == 2)
        #expect(try yaml.optional("b")?.keyPath == "b")
        let nested = try value("top:\n  x: 3\n").required("top")
        #expect(try nested.required("x").keyPath == "top.x")
        for text in ["a: 1\n[1, 2]: 3\n", "[1, 2]: 3\na: 1\n"] {
            let bad = try value(text)
            #expect(throws: ConfigError.self) { try bad.optional("a") }
            #expect(throws: ConfigError.self) { try bad.entries() }
        }
        #expect(throws: ConfigError.self) { try value("- 1\n").optional("a") }
    }

    /// A key repeated through an alias carries its anchor's line, before the first writing: the
    /// error stays at the first writing rather than name a line where nothing is repeated.
    @Test func aKeyRepeatedThroughAnAliasStaysAtTheFirstWriting() {
        let e = #expect(throws: ConfigError.self) { try value("x: &k model\nmodel: 1\n*k : 2\n") }
        #expect(e?.line == 2 && e?.message == "invalid YAML: duplicate key model", "\(String(describing: e))")
    }

    /// A tab indenting a key is named as a tab, where libyaml only says a character cannot start a
    /// token; any other such character keeps libyaml's words.
    @Test func aTabIndentingAKeyIsNamed() {
        let tab = #expect(throws: ConfigError.self) { try value("cluster:\n\tgpu: A100\n") }
        #expect(tab?.line == 2 && tab?.message == "invalid YAML: found a tab where a key or value may start: YAML indents with spaces only",
                "\(String(describing: tab))")
        let crlf = #expect(throws: ConfigError.self) { try value("cluster:\r\n\tgpu: A100\r\n") }
        #expect(crlf?.line == 2 && crlf?.message.contains("found a tab") == true, "\(String(describing: crlf))")
        let at = #expect(throws: ConfigError.self) { try value("cluster:\n  gpu: @\n") }
        #expect(at?.line == 2 && at?.message.hasPrefix("invalid YAML: found character that cannot start any token") == true,
                "\(String(describing: at))")
    }

    /// An unknown key that differs from a known one by a character that prints as nothing (a
    /// zero-width space) or as a blank (a no-break space) shows it escaped: printed as is, the
    /// key and the suggestion would look the same.
    @Test func anInvisibleCharacterInAnUnknownKeyIsShown() throws {
        let zeroWidth = #expect(throws: ConfigError.self) { try self.value("batch\u{200B}_per_gpu: 3\n").checkKeys(["batch_per_gpu"]) }
        #expect(zeroWidth?.message == "unknown key 'batch\\u{200B}_per_gpu' (with characters that print as nothing or as a space, "
                + "escaped here); did you mean 'batch_per_gpu'?", "\(String(describing: zeroWidth))")
        let noBreak = #expect(throws: ConfigError.self) { try self.value("batch\u{00A0}per_gpu: 3\n").checkKeys(["batch_per_gpu"]) }
        #expect(noBreak?.message.hasPrefix("unknown key 'batch\\u{A0}per_gpu'") == true, "\(String(describing: noBreak))")
        let plain = #expect(throws: ConfigError.self) { try self.value("batch_pr_gpu: 3\n").checkKeys(["batch_per_gpu"]) }
        #expect(plain?.message == "unknown key 'batch_pr_gpu'; did you mean 'batch_per_gpu'?")
    }

    /// A required key written without a value is said to be so at its own line, not missing
    /// at the mapping's; one not written at all is missing.
    @Test func aRequiredKeyWithoutAValueIsNamedAtItsLine() throws {
        for text in ["a: 1\nb:\n", "a: 1\nb: ~\n", "a: 1\nb: null\n"] {
            let e = #expect(throws: ConfigError.self) { try value(text).required("b") }
            #expect(e?.line == 2 && e?.keyPath == "b" && e?.message == "'b' has no value (null); give it one", "\(String(describing: e))")
        }
        let missing = #expect(throws: ConfigError.self) { try value("a: 1\n").required("b") }
        #expect(missing?.message == "missing required key 'b'")
        let digits = #expect(throws: ConfigError.self) { try value("a: 1e2\n").required("a").int() }
        #expect(digits?.message.contains("expected a whole number written in digits (such as 128), found '1e2'") == true, "\(String(describing: digits))")
    }

    @Test func aKeyWrittenTwiceIsRefusedQuotedOrNot() {
        for text in ["a: 1\na: 2\n", "1: x\n\"1\": y\n"] {
            #expect(throws: ConfigError.self, "\(text)") { try value(text) }
        }
    }

    /// The error points at the key's second writing, the one to remove, with its key path: in a
    /// block mapping at any depth (CRLF line ends too), past comments and deeper lines, quoted,
    /// written `? key`, in a flow mapping across lines; the third writing of a key is reported
    /// at the second; where a later mapping repeats the key too, at the first mapping's second
    /// writing, not the later mapping's first (Yams reports one mapping at a time).
    @Test(arguments: [("a: 1\nb: 2\na: 3\n", 3, "a"),
                      ("top:\n  a: 1\n  # note\n  deep:\n    a: 0\n\n  a: 2\nend: 1\n", 7, "top.a"),
                      ("runs:\n  - a: 1\n    b: 2\n    a: 3\n  - a: 4\n", 4, "runs[0].a"),
                      ("a: 1\r\nb: 2\r\na: 3\r\n", 3, "a"),
                      ("x: {a: 1, a: 2}\na: 3\n", 1, "x.a"),
                      ("\"a\": 1\nb: 2\n\"a\": 3\n", 3, "a"),
                      ("'a': 1\na: 3\n", 2, "a"),
                      ("? a\n: 1\nb: 2\n? a\n: 3\n", 4, "a"),
                      ("x: {a: 1,\n    b: 2,\n    a: 3}\n", 3, "x.a"),
                      ("é: 1\nx: {é: 2, y: 1,\n  é: 3}\n", 3, "x.é"),
                      ("a: 1\nb: 2\na: 3\na: 4\n", 3, "a"),
                      ("runs:\n  - l: a\n    b: 32\n    b: 16\n  - l: b\n    b: 32\n    b: 16\n", 4, "runs[0].b"),
                      ("g:\n  - y: 1\n    s: 2\n    y: 3\n  - y: 4\n    y: 5\n    y: 6\n", 4, "g[0].y"),
                      ("x:\n  y: 1\n  y: 2\nz:\n  y: 3\n  q: 4\n  y: 5\n", 3, "x.y"),
                      ("a: 1\na: 2\na: 3\na: 4\n", 2, "a"),
                      ("a: 1\r\na: 2\r\na: 3\r\na: 4\r\na: 5\r\n", 2, "a"),
                      ("x:\n  a: 1\n  a: 2\nz:\n  a: 3\n  b: 4\n  b: 5\n  a: 6\n", 3, "x.a")])
    func aRepeatedKeyIsReportedWhereItIsRepeated(text: String, line: Int, keyPath: String) {
        do {
            _ = try value(text)
            Issue.record("expected a duplicate key")
        } catch let error as ConfigError {
            #expect(error.line == line && error.keyPath == keyPath && error.message.contains("duplicate key \(keyPath.split(separator: ".").last ?? "a")"),
                    "\(error)")
        } catch { Issue.record("\(error)") }
    }
}
