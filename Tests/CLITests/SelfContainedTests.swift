import Foundation
import Testing

/// Whoever clones the repository has only the repository: no tracked file may point
/// to the development machine's shared folders.
@Suite struct SelfContainedTests {
    /// Tracked files, by `git ls-files` in the package root.
    static func trackedFiles() throws -> [String] {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "ls-files", "-z"]
        let pipe = Pipe()
        git.standardOutput = pipe
        try git.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        guard git.terminationStatus == 0 else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
    }

    @Test func noTrackedFileReferencesAPathOutsideTheRepository() throws {
        let files = try Self.trackedFiles()
        try #require(files.count > 100, "git ls-files found \(files.count) files: run the tests from a clone")
        // Built from pieces so that this file does not match itself.
        let forbidden = ["../" + "shared/", "/work/" + "shared", "/work/" + ".library"]
        var offenders: [String] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else { continue }
            for pattern in forbidden where text.contains(pattern) { offenders.append("\(file): \(pattern)") }
        }
        #expect(offenders.isEmpty, "\(offenders)")
    }
}
