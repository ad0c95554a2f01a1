import Foundation
import Testing
@testable import ScaleCastCLI
import Reports

/// Outputs are written whole or not at all, never over a device, FIFO, folder
/// or symbolic link, and a chart claims only the pictures it drew (issue 17).
@Suite struct OutputSafetyTests {
    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-safety-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// An --out whose folder cannot be made because a file stands where a folder must: the
    /// message names that file, exit 2, and the file is left as it was.
    @Test func aFileInTheWayOfTheOutputsFolderIsNamed() throws {
        let folder = try temporaryDirectory()
        let file = folder + "/notes"
        try "mine".write(toFile: file, atomically: true, encoding: .utf8)
        let scenario = try writeTemporary(smallScenario)
        let out = CLI.execute(["sweep", scenario, "--quiet", "--out", file + "/sub/x.csv"])
        #expect(out.exitCode == 2 && out.stderr.hasSuffix("cannot create the folder \(file)/sub (\(file) is a file)\n"), "\(out.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "mine")
    }

    func files(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test func aWriteThatFailsPartWayKeepsTheOldFileAndLeavesNoTemporary() throws {
        let dir = try temporaryDirectory()
        try "precious".write(toFile: dir + "/t.json", atomically: true, encoding: .utf8)
        var calls = 0
        // The first write gets 10 bytes out, the second finds the disk full.
        let fullDisk: OutputFile.Writer = { descriptor, bytes in
            calls += 1
            if calls == 1 { return Foundation.write(descriptor, bytes.baseAddress, min(10, bytes.count)) }
            errno = ENOSPC
            return -1
        }
        #expect {
            try OutputFile.write(Data(repeating: 65, count: 1000), to: dir + "/t.json", force: true, writer: fullDisk)
        } throws: { error in
            let message = (error as? UsageError)?.message ?? ""
            return message.contains(dir + "/t.json") && message.contains("No space left on device")
        }
        #expect(calls == 2)
        #expect(try String(contentsOfFile: dir + "/t.json", encoding: .utf8) == "precious")
        #expect(files(in: dir) == ["t.json"])
    }

    /// A file written piece by piece (a sweep's CSV, a chunk at a time) under the same
    /// rules: refused before anything is written where the target exists; on a failed piece,
    /// or dropped without a commit, the old file stays and no temporary is left; committed,
    /// it holds every piece.
    @Test func aFileWrittenPieceByPieceIsWholeOrNotThere() throws {
        let dir = try temporaryDirectory()
        try "precious".write(toFile: dir + "/t.csv", atomically: true, encoding: .utf8)
        #expect(throws: UsageError.self) { try StreamedOutputFile(path: dir + "/t.csv", force: false) }
        var calls = 0
        let fullDisk: OutputFile.Writer = { descriptor, bytes in
            calls += 1
            if calls == 1 { return Foundation.write(descriptor, bytes.baseAddress, bytes.count) }
            errno = ENOSPC
            return -1
        }
        let failing = try StreamedOutputFile(path: dir + "/t.csv", force: true, writer: fullDisk)
        try failing.append("header\n")
        #expect(files(in: dir).count == 2)   // the file and the temporary beside it
        #expect {
            try failing.append("row\n")
        } throws: { error in
            ((error as? UsageError)?.message ?? "").contains("No space left on device")
        }
        #expect(try String(contentsOfFile: dir + "/t.csv", encoding: .utf8) == "precious")
        #expect(files(in: dir) == ["t.csv"])
        do {   // dropped without a commit: the work failed
            let dropped = try StreamedOutputFile(path: dir + "/t.csv", force: true)
            try dropped.append("half")
        }
        #expect(try String(contentsOfFile: dir + "/t.csv", encoding: .utf8) == "precious")
        #expect(files(in: dir) == ["t.csv"])
        let file = try StreamedOutputFile(path: dir + "/t.csv", force: true)
        for piece in ["a,b\n", "1,2\n", "3,4\n"] { try file.append(piece) }
        try file.commit()
        #expect(try String(contentsOfFile: dir + "/t.csv", encoding: .utf8) == "a,b\n1,2\n3,4\n")
        #expect(files(in: dir) == ["t.csv"])
        // Without --force, a file that appears while the work runs is not replaced.
        let late = try StreamedOutputFile(path: dir + "/late.csv", force: false)
        try late.append("rows\n")
        try "written meanwhile".write(toFile: dir + "/late.csv", atomically: true, encoding: .utf8)
        #expect {
            try late.commit()
        } throws: { error in
            ((error as? UsageError)?.message ?? "").contains("appeared while the work ran; pass --force")
        }
        #expect(try String(contentsOfFile: dir + "/late.csv", encoding: .utf8) == "written meanwhile")
        #expect(files(in: dir) == ["late.csv", "t.csv"])
        // Ended by --max-seconds (the watchdog exits the process): its temporary file is removed first.
        let cut = try StreamedOutputFile(path: dir + "/cut.csv", force: false)
        try cut.append("half")
        #expect(files(in: dir).count == 3)
        StreamedOutputFile.removeUnfinished(in: dir)   // this folder's only: other tests write at the same time
        #expect(files(in: dir) == ["late.csv", "t.csv"])
    }

    /// `sweep --out FILE.csv` (written a chunk at a time) writes what `sweep` prints, and
    /// refuses an existing file (checked before any configuration is simulated).
    @Test func aSweepWrittenToAFileIsWhatItPrints() throws {
        let dir = try temporaryDirectory()
        let scenario = try writeTemporary(smallScenario)
        let vary = ["--vary", "gpus=1,2,4", "--vary", "batch_per_gpu=32,64", "--quiet"]
        let printed = CLI.execute(["sweep", scenario] + vary)
        let written = CLI.execute(["sweep", scenario, "--out", dir + "/s.csv"] + vary)
        #expect(printed.exitCode == 0 && written.exitCode == 0 && written.stdout == "wrote \(dir)/s.csv: 6 points\n")
        #expect(try String(contentsOfFile: dir + "/s.csv", encoding: .utf8) == printed.stdout)
        let again = CLI.execute(["sweep", scenario, "--out", dir + "/s.csv"] + vary)
        #expect(again.exitCode == 2 && again.stderr.contains("exists; pass --force"), "\(again.stderr)")
        #expect(try String(contentsOfFile: dir + "/s.csv", encoding: .utf8) == printed.stdout)
    }

    @Test func aWriteThatSucceedsLeavesOnlyTheFile() throws {
        let dir = try temporaryDirectory()
        try OutputFile.write("new", to: dir + "/sub/a.txt", force: false)
        #expect(files(in: dir + "/sub") == ["a.txt"])
        // A temporary file left by a killed run with this PID is overwritten, not read.
        try "stale".write(toFile: OutputFile.temporaryPath(for: dir + "/sub/a.txt"), atomically: false, encoding: .utf8)
        try OutputFile.write("newer", to: dir + "/sub/a.txt", force: true)
        #expect(try String(contentsOfFile: dir + "/sub/a.txt", encoding: .utf8) == "newer")
        #expect(files(in: dir + "/sub") == ["a.txt"])
    }

    @Test func forceNeverReplacesAFIFOAFolderOrASymbolicLink() throws {
        let dir = try temporaryDirectory()
        #expect(mkfifo(dir + "/fifo", 0o644) == 0)
        try FileManager.default.createDirectory(atPath: dir + "/folder", withIntermediateDirectories: false)
        try "kept".write(toFile: dir + "/real.json", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.json", withDestinationPath: dir + "/real.json")
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling.json", withDestinationPath: dir + "/nothing")
        let scenario = try writeTemporary(smallScenario)
        for (name, kind) in [("fifo", "a FIFO"), ("folder", "a folder"), ("link.json", "a symbolic link"), ("dangling.json", "a symbolic link")] {
            let out = CLI.execute(["trace", scenario, "--gpus", "2", "--out", dir + "/" + name, "--force"])
            #expect(out.exitCode == 2)
            #expect(out.stderr.contains("\(dir)/\(name) is \(kind), not a regular file"), "\(out.stderr)")
            #expect(out.stderr.split(separator: "\n").count == 1)
        }
        var status = stat()
        #expect(lstat(dir + "/fifo", &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO)
        #expect(lstat(dir + "/link.json", &status) == 0 && (status.st_mode & S_IFMT) == S_IFLNK)
        #expect(try String(contentsOfFile: dir + "/real.json", encoding: .utf8) == "kept")
        #expect(files(in: dir) == ["dangling.json", "fifo", "folder", "link.json", "real.json"])
        // A chart's picture is checked the same way, before anything is written.
        #expect(mkfifo(dir + "/folder/breakdown.png", 0o644) == 0)
        let refused = CLI.execute(["chart", "breakdown", scenario, "--out", dir + "/folder", "--force"])
        #expect(refused.exitCode == 2)
        #expect(refused.stderr.contains("breakdown.png is a FIFO"))
        #expect(!files(in: dir + "/folder").contains("breakdown.dat"))
    }

    /// A chart's files are checked before its simulations, which can take minutes: here the
    /// configurations do not fit in memory, which the simulations would find, yet each kind
    /// is refused for its existing data file first (`ChartCommand.Kind.chartName`).
    @Test(arguments: ChartCommand.Kind.allCases)
    func aChartsFilesAreRefusedBeforeItsSimulations(kind: ChartCommand.Kind) throws {
        let dir = try temporaryDirectory()
        let scenario = try writeTemporary(smallScenario.replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 16384"))
        try "keep me\n".write(toFile: dir + "/\(kind.chartName).dat", atomically: true, encoding: .utf8)
        let out = CLI.execute(["chart", kind.rawValue, scenario, "--gpus", "4", "--out", dir])
        #expect(out.exitCode == 2 && out.stderr.contains("\(kind.chartName).dat exists"), "\(kind): \(out.stderr)")
        #expect(files(in: dir) == ["\(kind.chartName).dat"])
        // Without the file, the same command reaches the simulations and the memory they need; on a
        // batch that fits, it writes the files that were checked.
        try FileManager.default.removeItem(atPath: dir + "/\(kind.chartName).dat")
        let simulated = CLI.execute(["chart", kind.rawValue, scenario, "--gpus", "4", "--out", dir])
        #expect(simulated.exitCode == 2 && simulated.stderr.contains("does not fit"), "\(kind): \(simulated.stderr)")
        let drawn = CLI.execute(["chart", kind.rawValue, try writeTemporary(smallScenario), "--gpus", "4", "--out", dir])
        #expect(drawn.exitCode == 0, "\(kind): \(drawn.stderr)")
        #expect(Set(["\(kind.chartName).dat", "\(kind.chartName).gp"]).isSubset(of: files(in: dir)), "\(kind): \(files(in: dir))")
    }

    @Test func invalidBandwidthListsExitWithTwoBeforeAnyFileIsWritten() throws {
        let dir = try temporaryDirectory()
        let scenario = try writeTemporary(smallScenario)
        for list in ["", "1,,2", "10,", "-5", "0", "abc", "nan", "inf", "0x10", "1e400", "1e-400", "10;20"] {
            // `--bandwidths=-5`: argument-parser reads a separate `-5` as an option.
            let option = list.hasPrefix("-") ? ["--bandwidths=\(list)"] : ["--bandwidths", list]
            let out = CLI.execute(["chart", "bandwidth", scenario, "--gpus", "4"] + option + ["--out", dir])
            #expect(out.exitCode == 2, "--bandwidths '\(list)'")
            #expect(out.stderr.hasPrefix("error: --bandwidths"), "--bandwidths '\(list)': \(out.stderr)")
        }
        #expect(files(in: dir).isEmpty)
        #expect(try ChartCommand.parseBandwidths(" 10, 2.5e1 ,100") == [10, 25, 100])
    }

    /// A stand-in for gnuplot that writes part of the picture it was asked for
    /// (`-e "outfile = '...'"`) and fails, as a full disk would make it.
    func failingGnuplot(in dir: String) throws -> URL {
        let path = dir + "/fake-gnuplot"
        try """
            #!/bin/sh
            out=$(printf '%s' "$3" | sed "s/^outfile = '\\(.*\\)'$/\\1/")
            printf 'half a picture' > "$out"
            echo '"scaling.gp" line 20: could not write the picture' >&2
            exit 1

            """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, 0o755) == 0)
        return URL(fileURLWithPath: path)
    }

    @Test func aFailedDrawingKeepsTheOldPictureAndLeavesNoTemporary() throws {
        let dir = try temporaryDirectory()
        let chart = Chart(name: "scaling", format: .png, data: "1 1\n", script: "plot x\n")
        try "old picture".write(toFile: dir + "/scaling.png", atomically: true, encoding: .utf8)
        #expect {
            try Gnuplot.write([chart], into: dir, force: true, gnuplot: .some(try failingGnuplot(in: dir)))
        } throws: { error in
            let message = (error as? UsageError)?.message ?? ""
            return message.contains("gnuplot failed on \(dir)/scaling.gp") && message.contains("line 20: could not write")
                && !message.contains("\n")
        }
        #expect(try String(contentsOfFile: dir + "/scaling.png", encoding: .utf8) == "old picture")
        #expect(files(in: dir) == ["fake-gnuplot", "scaling.dat", "scaling.gp", "scaling.png"])
    }

    /// gnuplot exits 0 after a write that a full disk or `ulimit -f` cut short: a stand-in
    /// that writes the first 20 bytes of a PNG and succeeds leaves the old picture in place,
    /// and the command fails (exit 2), where it said it wrote a truncated picture before.
    @Test func aPictureWrittenInPartKeepsTheOldOne() throws {
        let dir = try temporaryDirectory()
        let chart = Chart(name: "scaling", format: .png, data: "1 1\n", script: "plot x\n")
        try "old picture".write(toFile: dir + "/scaling.png", atomically: true, encoding: .utf8)
        let path = dir + "/truncating-gnuplot"
        try """
            #!/bin/sh
            out=$(printf '%s' "$3" | sed "s/^outfile = '\\(.*\\)'$/\\1/")
            printf '\\211PNG\\r\\n\\032\\n\\0\\0\\0\\rIHDR\\0\\0' > "$out"
            exit 0

            """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, 0o755) == 0)
        #expect {
            try Gnuplot.write([chart], into: dir, force: true, gnuplot: .some(URL(fileURLWithPath: path)))
        } throws: { error in
            ((error as? UsageError)?.message ?? "").contains("wrote only part of the picture")
        }
        #expect(try String(contentsOfFile: dir + "/scaling.png", encoding: .utf8) == "old picture")
        #expect(files(in: dir) == ["scaling.dat", "scaling.gp", "scaling.png", "truncating-gnuplot"])
        // What the check accepts: the PNG signature and the IEND chunk; an SVG's closing tag.
        let whole = dir + "/whole.png"
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
            .write(to: URL(fileURLWithPath: whole))
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 0])
            .write(to: URL(fileURLWithPath: dir + "/cut.png"))
        #expect(Gnuplot.isWhole(picture: whole, format: .png) && !Gnuplot.isWhole(picture: dir + "/cut.png", format: .png))
        try "<svg>\n</svg>\n".write(toFile: dir + "/a.svg", atomically: true, encoding: .utf8)
        try "<svg>\n<g>".write(toFile: dir + "/b.svg", atomically: true, encoding: .utf8)
        #expect(Gnuplot.isWhole(picture: dir + "/a.svg", format: .svg) && !Gnuplot.isWhole(picture: dir + "/b.svg", format: .svg))
    }

    @Test(.enabled(if: Gnuplot.executable != nil, "gnuplot is not installed"))
    func gnuplotDrawsIntoATemporaryNameThatTheScriptDefaultsAway() throws {
        let dir = try temporaryDirectory()
        let out = CLI.execute(["chart", "scaling", try writeTemporary(smallScenario), "--out", dir])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("wrote \(dir)/scaling.png"))
        #expect(files(in: dir) == ["scaling.dat", "scaling.gp", "scaling.png"])
        let script = try String(contentsOfFile: dir + "/scaling.gp", encoding: .utf8)
        #expect(script.contains("if (!exists(\"outfile\")) outfile = 'scaling.png'\nset output outfile\n"))
    }

    @Test func withoutGnuplotTheChartDoesNotClaimAPicture() throws {
        let executable = try #require(ExecutableTests.executable, "the scalecast executable was not built")
        let dir = try temporaryDirectory()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["chart", "scaling", try writeTemporary(smallScenario), "--out", dir]
        process.environment = ["PATH": dir + "/no-such-folder"]
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let printed = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let notes = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(!printed.contains("scaling.png"), "\(printed)")
        #expect(printed.contains("no picture"))
        #expect(notes.contains("gnuplot is not installed"))
        #expect(files(in: dir) == ["scaling.dat", "scaling.gp"])
    }

    /// Nor does the report: without gnuplot its charts are not linked as pictures that do not
    /// exist; each caption says how to draw it from the files written.
    @Test func withoutGnuplotTheReportLinksNoPicture() throws {
        let executable = try #require(ExecutableTests.executable, "the scalecast executable was not built")
        let dir = try temporaryDirectory() + "/report"
        let process = Process()
        process.executableURL = executable
        process.arguments = ["report", try writeTemporary(smallScenario), "--out", dir]
        process.environment = ["PATH": dir + "/no-such-folder"]
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let report = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(!report.contains("](throughput.png)"), "\(report)")
        #expect(report.contains("Not drawn: gnuplot was not installed when this report was written. In this folder, `gnuplot throughput.gp` "
                                + "draws `throughput.png` from `throughput.dat`."), "\(report)")
        #expect(!files(in: dir).contains { $0.hasSuffix(".png") })
    }

    @Test func aFileSizeLimitEndsInExitTwoNotASignalOrATemporaryFile() throws {
        let dir = try temporaryDirectory()
        try "precious".write(toFile: dir + "/t.json", atomically: true, encoding: .utf8)
        // 1 block of 512 bytes.
        let run = try runUnderFileSizeLimit(1, ["trace", try writeTemporary(smallScenario), "--gpus", "2", "--out", dir + "/t.json", "--force"])
        #expect(run.reason == .exit)
        #expect(run.status == 2)
        #expect(run.stderr == "error: --out: cannot write \(dir)/t.json: File too large; nothing was changed\n")
        #expect(try String(contentsOfFile: dir + "/t.json", encoding: .utf8) == "precious")
        #expect(files(in: dir) == ["t.json"])
    }

    /// A report that fails part-way changes nothing in its folder: every file is written into
    /// a staging folder first and put in place only once all are written. Before, a report
    /// stopped by a file-size limit at one chart had replaced the charts before it, beside the
    /// old report.md, and said "nothing was changed".
    @Test func aReportThatFailsPartWayLeavesItsFolderAsItWas() throws {
        let dir = try temporaryDirectory()
        #expect(CLI.execute(["report", try writeTemporary(smallScenario), "--out", dir]).exitCode == 0)
        func snapshot() -> [String: Data] {
            Dictionary(uniqueKeysWithValues: files(in: dir).map { ($0, FileManager.default.contents(atPath: dir + "/" + $0) ?? Data()) })
        }
        let before = snapshot()
        #expect(before.keys.contains("report.md") && before.count > 5)
        // Another scenario, so that every chart would change; 4 blocks of 512 bytes: report.md cannot be written.
        let other = try writeTemporary(smallScenario.replacingOccurrences(of: "name: cli test", with: "name: another test")
            .replacingOccurrences(of: "batch_per_gpu: 64", with: "batch_per_gpu: 32"))
        let replaced = try runUnderFileSizeLimit(4, ["report", other, "--out", dir, "--force"])
        #expect(replaced.reason == .exit && replaced.status == 2)
        // The file that failed (a chart's data or picture, or report.md) named where it was to be, not in the staging folder.
        #expect(replaced.stderr.hasPrefix("error: ") && replaced.stderr.hasSuffix("nothing was changed\n")
                && replaced.stderr.contains(dir + "/") && !replaced.stderr.contains(".scalecast."), "\(replaced.stderr)")
        #expect(snapshot() == before, "every file as it was, and no staging folder left")
        // A new folder that fails is not left behind, empty or not.
        let fresh = dir + "/new"
        #expect(try runUnderFileSizeLimit(4, ["report", other, "--out", fresh]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }

    /// Two reports into one new folder at once, neither with --force: the later never replaces
    /// what the earlier put there. Its commit links each file into place, and a name taken
    /// meanwhile undoes its links and leaves the folder as the other run left it; without a
    /// conflict, every file is in place and no staging folder is left.
    @Test func aReportFolderFilledWhileTheWorkRanIsNotReplaced() throws {
        let dir = try temporaryDirectory() + "/race"
        let late = try StagedFolder(dir)
        try "late report".write(toFile: late.path(of: "report.md"), atomically: false, encoding: .utf8)
        try "late chart".write(toFile: late.path(of: "scaling.dat"), atomically: false, encoding: .utf8)
        try "the other run's".write(toFile: dir + "/scaling.dat", atomically: false, encoding: .utf8)
        #expect { try late.commit(replacing: false) } throws: { error in
            "\(error)".contains("race/scaling.dat appeared while the work ran") && "\(error)".contains("nothing was written")
        }
        #expect(files(in: dir) == ["scaling.dat"], "its report.md, linked first, is undone")
        #expect(try String(contentsOfFile: dir + "/scaling.dat", encoding: .utf8) == "the other run's")
        let fresh = try StagedFolder(dir + "/fresh")
        try "report".write(toFile: fresh.path(of: "report.md"), atomically: false, encoding: .utf8)
        try fresh.commit(replacing: false)
        #expect(files(in: dir + "/fresh") == ["report.md"])
    }

    /// A report written with --force over an earlier one leaves one report in the folder: the
    /// chart files only the earlier one wrote (its time to train) are removed by name and named
    /// on standard error; a user's own file stays.
    @Test func aForcedReportRemovesTheEarlierReportsOtherCharts() throws {
        let dir = try temporaryDirectory()
        let trained = try writeTemporary(smallScenario + "\ntraining: {epochs: 1}\n")
        #expect(CLI.execute(["report", trained, "--out", dir]).exitCode == 0)
        #expect(files(in: dir).contains("timetotrain.dat"))
        try "mine".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let plain = CLI.execute(["report", try writeTemporary(smallScenario), "--out", dir, "--force"])
        #expect(plain.exitCode == 0, "\(plain.stderr)")
        #expect(!files(in: dir).contains { $0.hasPrefix("timetotrain.") }, "\(files(in: dir))")
        #expect(files(in: dir).contains("notes.txt") && files(in: dir).contains("throughput.dat"))
        #expect(plain.stderr.contains("of an earlier report in \(dir) that this one does not write: ")
                && plain.stderr.contains("timetotrain.dat, timetotrain.gp"), "\(plain.stderr)")
        // The same scenario again removes nothing and says nothing of it.
        let again = CLI.execute(["report", try writeTemporary(smallScenario), "--out", dir, "--force"])
        #expect(again.exitCode == 0 && !again.stderr.contains("earlier report"), "\(again.stderr)")
    }

    /// Runs the scalecast executable with `arguments` under a file-size limit of `blocks`
    /// blocks of 512 bytes, SIGXFSZ left at its default (which would kill it).
    func runUnderFileSizeLimit(_ blocks: Int, _ arguments: [String]) throws
        -> (reason: Process.TerminationReason, status: Int32, stderr: String) {
        let executable = try #require(ExecutableTests.executable, "the scalecast executable was not built")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -f \(blocks) && exec \"$0\" \"$@\"", executable.path] + arguments
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus, message)
    }
}
