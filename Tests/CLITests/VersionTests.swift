import Foundation
import Hardware
import Testing
@testable import ScaleCastCLI

/// `scalecast --version`, and the shell completion scripts argument-parser generates.
@Suite struct VersionTests {
    @Test func versionNamesTheProgramAndTheCatalogDate() throws {
        let out = CLI.execute(["--version"])
        #expect(out.exitCode == 0)
        #expect(out.stderr.isEmpty)
        #expect(out.stdout == "scalecast \(Version.number) (catalog \(try Catalog.builtInDate()))\n")
        #expect(CLI.execute(["--help"]).stdout.contains("--version"))
    }

    /// The scripts complete the subcommands and their options.
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsKnowTheSubcommands(shell: String) {
        let out = CLI.execute(["--generate-completion-script", shell])
        #expect(out.exitCode == 0)
        for word in ["simulate", "explain", "sweep", "vary", "deadline-hours"] {
            #expect(out.stdout.contains(word), "\(shell) completion lacks \(word)")
        }
    }

    @Test func anUnknownShellExitsWithTwo() {
        let out = CLI.execute(["--generate-completion-script", "tcsh"])
        #expect(out.exitCode == 2)
        #expect(out.stdout.isEmpty)
    }
}
