import Hardware
import YAMLSupport

/// What `scalecast --version` prints: the program's version and the date of
/// the catalog it carries, so that an answer can be traced to the prices and
/// specifications behind it.
enum Version {
    /// ScaleCast's version (semantic versioning; 0.x until a first release).
    static let number = "0.1.0"

    /// `scalecast 0.1.0 (catalog 2026-11-29)`, or the reason the catalog's date is unknown.
    static var text: String {
        do { return "scalecast \(number) (catalog \(try Catalog.builtInDate()))" } catch {
            return "scalecast \(number) (catalog date unknown: \("\(error)".singleLine))"
        }
    }
}
