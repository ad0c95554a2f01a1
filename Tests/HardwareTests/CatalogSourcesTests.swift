import Testing
import YAMLSupport
@testable import Hardware

/// A catalog file's `sources:` table: every tag must be citable as `[tag]`
/// (`String.citedCatalogTags`), or no entry could ever point to it.
@Suite struct CatalogSourcesTests {
    @Test func citableTagsAreReadAndTheirCitationsResolve() throws {
        var catalog = Catalog(gpus: [], links: [])
        try catalog.readSources(try YAMLValue.parse("sources:\n  pcie-measured: \"a\"\n  cnbc2024: \"b\"\n", file: "t.yaml"))
        #expect(catalog.sources.map(\.tag) == ["pcie-measured", "cnbc2024"])
        #expect("[standards][pcie-measured] and [cnbc2024]".citedCatalogTags == ["standards", "pcie-measured", "cnbc2024"])
        // As the pattern \[([a-z0-9-]+)\] finds them: each once, nested or unclosed brackets skipped to the tag inside.
        #expect("[[a1] [A] [] [b [c-2]] [a1] [é] [d".citedCatalogTags == ["a1", "c-2"])
    }

    @Test(arguments: ["Upper", "under_score", "dot.ted", "sp ace"])
    func aTagNoCitationCouldNameIsRefusedAtItsLine(tag: String) throws {
        var catalog = Catalog(gpus: [], links: [])
        let yaml = try YAMLValue.parse("sources:\n  ok: \"a\"\n  \"\(tag)\": \"b\"\n", file: "t.yaml")
        do {
            try catalog.readSources(yaml)
            Issue.record("[\(tag)] was accepted")
        } catch let error as ConfigError {
            #expect(error.file == "t.yaml" && error.line == 3 && error.keyPath == "sources.\(tag)", "\(error)")
            #expect(error.message.contains("lowercase letters, digits and hyphens"))
        }
    }
}
