import Foundation
import Testing
@testable import ScaleCastCLI

/// A notebook's commands find their files from the notebook's folder (or the
/// folder its root line names), whatever folder `scalecast notebook` runs from,
/// and print the same output from any folder.
@Suite struct NotebookPathTests {
    /// `dir/book/nb.md` with `dir/data/s.yaml` and `dir/book/local.yaml`.
    func layout() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-nbpaths-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/book", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try smallScenario.write(toFile: dir + "/data/s.yaml", atomically: true, encoding: .utf8)
        try smallScenario.replacingOccurrences(of: "name: cli test", with: "name: local")
            .write(toFile: dir + "/book/local.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func pathsStartFromTheNotebooksFolder() throws {
        let dir = try layout()
        let notebook = dir + "/book/nb.md"
        try "# Local\n\n```scalecast\nscalecast simulate local.yaml --gpus 1,2\nscalecast simulate ../data/s.yaml --gpus 1 --json\n```\n"
            .write(toFile: notebook, atomically: true, encoding: .utf8)
        let run = CLI.execute(["notebook", "run", notebook])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: notebook, encoding: .utf8)
        #expect(text.contains("\nlocal\n"), "the scenario beside the notebook was found")
        #expect(!text.contains("exit code"))
        // The path a command prints is the path as the notebook wrote it, not the absolute one it opened.
        #expect(text.contains("\"scenario\" : \"../data/s.yaml\""))
        #expect(!text.contains(dir))
        #expect(CLI.execute(["notebook", "check", notebook]).exitCode == 0)
    }

    /// The repository's notebooks say `<!-- scalecast:root .. -->` and name files from the repository's root.
    @Test func aRootLineMovesWherePathsStart() throws {
        let dir = try layout()
        let notebook = dir + "/book/nb.md"
        try "# Rooted\n<!-- scalecast:root .. -->\n\n```scalecast\nscalecast explain data/s.yaml --gpus 2 --top 3\n```\n"
            .write(toFile: notebook, atomically: true, encoding: .utf8)
        let run = CLI.execute(["notebook", "run", notebook])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: notebook, encoding: .utf8)
        #expect(text.contains("the 3 slowest of"))
        #expect(!text.contains("exit code"))
        // A chart's folder is under the root too, and its image is linked from the notebook.
        try "# Rooted\n<!-- scalecast:root .. -->\n\n```scalecast\nscalecast chart scaling data/s.yaml --out plots/s\n```\n"
            .write(toFile: notebook, atomically: true, encoding: .utf8)
        let chart = CLI.execute(["notebook", "run", notebook])
        #expect(chart.exitCode == 0, "\(chart.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/plots/s/scaling.gp"))
        #expect(try String(contentsOfFile: notebook, encoding: .utf8).contains("![scaling chart](../plots/s/scaling.png)"))
        // A folder with a space: the link's destination in angle brackets, as CommonMark reads one.
        try "# Rooted\n<!-- scalecast:root .. -->\n\n```scalecast\nscalecast chart scaling data/s.yaml --out \"plots/x y\"\n```\n"
            .write(toFile: notebook, atomically: true, encoding: .utf8)
        #expect(CLI.execute(["notebook", "run", notebook]).exitCode == 0)
        #expect(try String(contentsOfFile: notebook, encoding: .utf8).contains("![scaling chart](<../plots/x y/scaling.png>)"))
    }

    /// A folder given as the notebook is named as one.
    @Test func aFolderGivenAsTheNotebookIsSaidToBeOne() throws {
        let dir = try layout()
        let out = CLI.execute(["notebook", "check", dir + "/book"])
        #expect(out.exitCode == 2 && out.stderr.contains("cannot read the notebook: \(dir)/book: is a directory, not a file"), "\(out.stderr)")
    }

    @Test func aRootThatIsNotAFolderExitsWithTwo() throws {
        let dir = try layout()
        let notebook = dir + "/book/nb.md"
        try "# Bad root\n<!-- scalecast:root ../nowhere -->\n\n```scalecast\nscalecast models\n```\n"
            .write(toFile: notebook, atomically: true, encoding: .utf8)
        let out = CLI.execute(["notebook", "run", notebook])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("nb.md:2: scalecast:root"))
    }

    /// The same notebook is current whether checked from the repository's root or from elsewhere:
    /// one that simulates, and one whose `models FILE` names files (a command without
    /// `PathArguments` read them from the folder it ran in).
    @Test(arguments: ["data-or-trick.md", "bring-your-model.md"])
    func theRepositorysNotebooksRunFromAnyFolder(name: String) throws {
        let notebook = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../notebooks-md/" + name).standardized.path
        let (status, stdout, stderr) = try ExecutableTests().run(["notebook", "check", notebook], in: FileManager.default.temporaryDirectory.path)
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("current"))
    }
}
