import Foundation
import Testing
import YAMLSupport
@testable import Scenario

/// Every scenario the repository ships loads: examples, what-ifs, the paper, the bench's
/// and the validation corpus's. `make bench` and the notebooks run some of them, but no
/// other test would notice one that a format change broke.
@Suite struct ShippedScenariosTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    /// The YAML files under `scenarios/` whose top level has `cluster` or `runs` (model
    /// files, calibration profiles and error tables live there too, and are not scenarios).
    static func scenarioFiles() throws -> [String] {
        let folder = root.appendingPathComponent("scenarios")
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder.path))
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".yaml") else { continue }
            let path = folder.appendingPathComponent(relative).path
            let yaml = try YAMLValue.load(path: path)
            if try yaml.optional("cluster") != nil || yaml.optional("runs") != nil { files.append(path) }
        }
        return files.sorted()
    }

    @Test func everyShippedScenarioLoads() throws {
        let files = try Self.scenarioFiles()
        #expect(files.count >= 40, "\(files.count) scenarios found under \(Self.root.path)/scenarios")
        #expect(files.contains { $0.hasSuffix("bench/fidelity-agreement.yaml") })
        for path in files {
            do { _ = try Scenario.load(path: path) } catch { Issue.record("\(path): \(error)") }
        }
    }
}
