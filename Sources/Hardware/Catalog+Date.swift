import Foundation
import YAMLSupport

extension Catalog {
    /// The day the built-in catalog's figures were last checked against their
    /// sources, as `Catalog/catalog.yaml` states it (`YYYY-MM-DD`).
    /// - Throws: `ConfigError` naming the file, key and line if the file is
    ///   missing, or its `date` is not a calendar date.
    public static func builtInDate() throws -> String {
        guard let directory = Bundle.module.url(forResource: "Catalog", withExtension: nil) else {
            throw ConfigError(file: "Catalog", keyPath: "", line: nil, message: "the built-in catalog is missing from this build")
        }
        let root = try YAMLValue.load(path: directory.appendingPathComponent("catalog.yaml").path)
        try root.checkKeys(["date"])
        let node = try root.required("date")
        let text = try node.string()
        guard CatalogDate(text)?.precision == .day else { throw node.error("expected a date as YYYY-MM-DD, got '\(text.singleLine)'") }
        return text
    }
}
