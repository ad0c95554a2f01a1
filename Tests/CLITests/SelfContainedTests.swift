import Foundation
import Testing
import YAMLSupport

/// Whoever clones the repository has only the repository: no tracked file may point
/// to the development machine's folders or to a document the repository lacks, and
/// every source the catalog cites names a public document.
@Suite struct SelfContainedTests {
    /// The package root (this file is `Tests/CLITests/SelfContainedTests.swift`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Tracked files, by `git ls-files` in the package root.
    static func trackedFiles() throws -> [String] {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "ls-files", "-z"]
        git.currentDirectoryURL = root
        let pipe = Pipe()
        git.standardOutput = pipe
        try git.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        guard git.terminationStatus == 0 else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
    }

    /// Tracked files with their text (files that are not UTF-8 text are left out).
    static func trackedTexts() throws -> [(file: String, text: String)] {
        let files = try trackedFiles()
        try #require(files.count > 100, "git ls-files found \(files.count) files: run the tests from a clone")
        return files.compactMap { file in
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(file).path),
                  let text = String(data: data, encoding: .utf8) else { return nil }
            return (file, text)
        }
    }

    @Test func noTrackedFileReferencesAPathOutsideTheRepository() throws {
        // Built from pieces so that this file does not match itself: the shared folder
        // beside the checkout, and any absolute path on the development machine.
        let forbidden = ["../" + "shared/", "/" + "work/", "/.lib" + "rary"]
        var offenders: [String] = []
        for (file, text) in try Self.trackedTexts() {
            for pattern in forbidden where text.contains(pattern) { offenders.append("\(file): \(pattern)") }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }

    /// `[text](target)` links in Markdown files resolve to a tracked file or folder.
    /// Reports written under `Snapshots/` are left out: their charts are drawn beside
    /// them when a report is made, not tracked.
    @Test func markdownLinksPointInsideTheRepository() throws {
        let texts = try Self.trackedTexts()
        let tracked = Set(try Self.trackedFiles())    // charts too, which are not text
        let folders = Set(tracked.flatMap { file -> [String] in
            var parts = file.split(separator: "/").map(String.init)
            var prefixes: [String] = []
            while parts.count > 1 { parts.removeLast(); prefixes.append(parts.joined(separator: "/")) }
            return prefixes
        })
        let link = try NSRegularExpression(pattern: #"\]\(([^)\s]+)(?:\s+"[^"]*")?\)"#)
        var dangling: [String] = []
        for (file, text) in texts where file.hasSuffix(".md") && !file.contains("Snapshots/") {
            let directory = (file as NSString).deletingLastPathComponent
            for line in Self.linesOutsideCodeFences(text) {
                let range = NSRange(line.startIndex..., in: line)
                for match in link.matches(in: line, range: range) {
                    var target = String(line[Range(match.range(at: 1), in: line)!])
                    if target.hasPrefix("http://") || target.hasPrefix("https://") || target.hasPrefix("mailto:") || target.hasPrefix("#") {
                        continue
                    }
                    if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
                    let resolved = Self.normalized(directory.isEmpty ? target : directory + "/" + target)
                    if tracked.contains(resolved) || folders.contains(resolved) { continue }
                    dangling.append("\(file): \(target)")
                }
            }
        }
        #expect(dangling.isEmpty, "links to files the repository lacks: \(dangling)")
    }

    /// A project document named in any tracked file (a page under `docs/`, or an
    /// upper-case name such as `BENCHMARKS.md`) is in the repository. Names inside a URL
    /// or a longer path (another project's `.../docs/perf.md`) are someone else's.
    @Test func documentsNamedInTrackedFilesExist() throws {
        let texts = try Self.trackedTexts()
        let tracked = Set(texts.map(\.file))
        let basenames = Set(tracked.map { ($0 as NSString).lastPathComponent })
        let name = try NSRegularExpression(pattern: #"(?<![\w./:-])(docs/[\w.-]+\.md|[A-Z][A-Z0-9_-]*\.md)\b"#)
        var missing: [String] = []
        for (file, text) in texts {
            let range = NSRange(text.startIndex..., in: text)
            for match in name.matches(in: text, range: range) {
                let document = String(text[Range(match.range(at: 1), in: text)!])
                let present = document.hasPrefix("docs/")
                    ? tracked.contains(document)
                    : basenames.contains(document)
                if !present { missing.append("\(file): \(document)") }
            }
        }
        #expect(missing.isEmpty, "documents named but not in the repository: \(missing)")
    }

    /// Every tag in the catalog's `sources:` tables names a public URL or a document
    /// in the repository; a tag defined in two files means the same in both (the
    /// legend prints one text for it); every `[tag]` an entry cites is defined.
    @Test func catalogSourceTagsNameAPublicDocument() throws {
        let tracked = try Self.trackedFiles().filter { $0.contains("/") }
        let catalog = Self.root.appendingPathComponent("Sources/Hardware/Catalog")
        var definitions: [String: (file: String, text: String)] = [:]
        var problems: [String] = []
        var cited: [(file: String, tag: String)] = []
        let citation = try NSRegularExpression(pattern: #"\[([a-z][a-z0-9-]*)\]"#)
        for name in ["gpus.yaml", "links.yaml", "prices.yaml"] {
            let file = try YAMLValue.load(path: catalog.appendingPathComponent(name).path)
            for (tag, value) in try file.optional("sources")?.entries() ?? [] {
                let text = try value.string()
                let public_ = text.contains("https://") || text.contains("http://")
                if !public_ && !tracked.contains(where: { text.contains($0) }) {
                    problems.append("\(name): [\(tag)] cites neither a public URL nor a file in the repository")
                }
                if let earlier = definitions[tag], earlier.text != text {
                    problems.append("\(name): [\(tag)] is also defined in \(earlier.file) with another text")
                }
                definitions[tag] = (name, text)
            }
            for list in ["gpus", "links", "cloud", "purchase"] {
                for entry in try file.optional(list)?.items() ?? [] {
                    for key in ["source", "measured"] {
                        guard let text = try entry.optional(key)?.string() else { continue }
                        for match in citation.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                            cited.append((name, String(text[Range(match.range(at: 1), in: text)!])))
                        }
                    }
                }
            }
        }
        for (file, tag) in cited where definitions[tag] == nil { problems.append("\(file): [\(tag)] is cited but defined nowhere") }
        #expect(problems.isEmpty, "\(problems)")
    }

    /// The lines of a Markdown text outside ``` fences.
    static func linesOutsideCodeFences(_ text: String) -> [String] {
        var inside = false
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inside.toggle(); continue }
            if !inside { lines.append(String(line)) }
        }
        return lines
    }

    /// `a/b/../c` as `a/c`, `./x` as `x`.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }
}
