import YAMLSupport

enum YAMLValueFixture {
    static func parse(_ text: String) throws -> YAMLValue { try YAMLValue.parse(text, file: "fixture.yaml") }
}
