import ArgumentParser
import Foundation
import YAMLSupport

/// `scalecast notebook run|check FILE...`.
struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Run the scalecast blocks of markdown notebooks and insert their output (run), or verify it is current (check).",
        subcommands: [Run.self, Check.self])

    struct Run: ParsableCommand, OutputProducing {
        static let configuration = CommandConfiguration(abstract: "Rerun every scalecast block and rewrite the notebooks in place.")
        @Argument(help: "Notebook files.") var files: [String]

        func produce() throws -> CommandOutput {
            var output = CommandOutput()
            for file in files {
                let original = try NotebookCommand.read(file)
                let outcome = try Notebook(path: file).process(original, mode: .run)
                if outcome.text != original { try OutputFile.write(outcome.text, to: file, force: true, flag: "notebook") }
                output.stdout += "\(file): \(NotebookCommand.summary(outcome, textChanged: outcome.text != original))\n"
            }
            return output
        }
    }

    struct Check: ParsableCommand, OutputProducing {
        static let configuration = CommandConfiguration(abstract: "Exit 1 if running the notebooks would change them or their charts.")
        @Argument(help: "Notebook files.") var files: [String]

        func produce() throws -> CommandOutput {
            var output = CommandOutput()
            for file in files {
                let original = try NotebookCommand.read(file)
                let outcome = try Notebook(path: file).process(original, mode: .check)
                if !outcome.hasBlocks {
                    output.stdout += "\(file): \(NotebookCommand.summary(outcome, textChanged: false))\n"
                } else if outcome.text != original || !outcome.staleFiles.isEmpty {
                    output.exitCode = 1
                    var why = outcome.text != original ? ["its outputs"] : []
                    why += outcome.staleFiles
                    output.stderr += "\(file): out of date (\(why.joined(separator: ", "))); run `scalecast notebook run \(file)`\n"
                } else {
                    output.stdout += "\(file): current\n"
                }
            }
            return output
        }
    }

    /// What a run did to one notebook: its text rewritten, only its charts redrawn, or nothing.
    static func summary(_ outcome: Notebook.Outcome, textChanged: Bool) -> String {
        if !outcome.hasBlocks { return "no scalecast blocks, nothing to run" }
        if textChanged { return "updated" }
        if !outcome.staleFiles.isEmpty { return "charts redrawn (\(outcome.staleFiles.joined(separator: ", ")))" }
        return "unchanged"
    }

    /// The notebook's text, a byte order mark kept (Foundation's decoder drops it, and a run
    /// would then change a byte outside the generated output).
    static func read(_ file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            // TextFile says which of missing, a folder, unreadable or not UTF-8 (where the encoding breaks) it is.
            do { _ = try TextFile.read(file) } catch let error as ConfigError { throw UsageError(message: "cannot read the notebook: \(error)") }
            throw UsageError(message: "\(file): cannot read the notebook (no such file, or not UTF-8 text)")
        }
        let hasMark = data.starts(with: [0xEF, 0xBB, 0xBF])
        return hasMark && !text.hasPrefix("\u{FEFF}") ? "\u{FEFF}" + text : text
    }
}
