import ArgumentParser
import Hardware
import YAMLSupport

/// `--catalog FILE` (repeatable): catalog files read over the built-in catalog, in the
/// form a scenario's `catalog: {files: [...]}` loads (`gpus:`, `links:`), so a command
/// that names a GPU (`import layer-times --gpu`, `calibrate --gpu`) can name one the
/// user added (docs/add-a-gpu.md) before any scenario uses it.
struct CatalogFiles: ParsableArguments {
    @Option(name: .customLong("catalog"),
            help: "A catalog file (gpus:, links:, as a scenario's catalog: {files: [...]} loads) read over the built-in catalog (repeatable).")
    var paths: [String] = []

    /// The built-in catalog with every file read over it, in order.
    /// - Throws: `ConfigError` naming the file, key and line of what a file gets wrong.
    func catalog() throws -> Catalog {
        var catalog = try Catalog.builtIn()
        for path in paths {
            let file = try YAMLValue.load(path: path)
            // A file whose top level names neither list (`gpu:` for `gpus:`) would add nothing, silently.
            try file.checkKeys(["gpus", "links"])
            try catalog.read(gpus: file.optional("gpus"), links: file.optional("links"))
        }
        return catalog
    }

    /// The message for a `--gpu` the catalog does not know, with the way to add one.
    func unknownGPU(_ name: String, in catalog: Catalog) -> String {
        "--gpu: " + catalog.unknownGPUMessage(name.singleLine)
            + (paths.isEmpty ? " (a GPU of your own: its catalog file with --catalog FILE)" : "")
    }
}
