import Foundation
import Reports

/// Writes charts and renders them with gnuplot, when it is installed.
enum Gnuplot {
    /// What `write` did: the pictures drawn, and notes for stderr.
    struct Outcome: Equatable {
        /// The paths of the pictures gnuplot drew, in the charts' order; empty
        /// when gnuplot is not installed.
        var images: [String] = []
        var notes: [String] = []
    }

    /// The gnuplot executable on PATH, if any.
    static var executable: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("gnuplot")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Refuses a folder, or a picture, data or script file of the chart called `name`, that
    /// cannot be written (`OutputFile.checkTarget`): what a command checks before the
    /// simulations a chart needs, which can take minutes, as `write` checks again.
    static func checkTargets(_ name: String, format: Chart.Format, into directory: String, force: Bool) throws {
        // An empty folder name would make `"" + "/" + name` a path at the file system's root.
        guard !directory.isEmpty else { throw UsageError(message: "--out: the folder name is empty") }
        try OutputFile.checkFolderName(directory, writes: "the chart's picture, data and script")
        for file in ["\(name).\(format.rawValue)", "\(name).dat", "\(name).gp"] {
            try OutputFile.checkTarget(directory + "/" + file, force: force)
        }
    }

    /// Writes each chart's `.dat` and `.gp` into `directory` and runs gnuplot on the
    /// script there.
    ///
    /// gnuplot draws each picture into a temporary file beside it
    /// (`.NAME.png.PID.tmp`, named by `gnuplot -e "outfile='...'"`), which is
    /// renamed into place only when gnuplot succeeds, so a failure or a kill
    /// never leaves half a picture under its real name. gnuplot runs with
    /// `--default-settings` (no gnuplotrc or ~/.gnuplot) and an environment of
    /// PATH alone, so it executes nothing but the script written here.
    /// - Returns: the pictures drawn, or a note that gnuplot is missing; the
    ///   data and scripts are written either way.
    /// - Throws: `UsageError` if a file exists (without `force`), is not a
    ///   regular file, cannot be written, or gnuplot fails (its temporary
    ///   picture is removed).
    /// - Parameter gnuplot: the program to render with (default: the one on PATH, if any).
    /// - Parameter shown: the folder the files end up in, where `directory` stages them
    ///   (`StagedFolder`): what the notes and the pictures' paths name.
    static func write(_ charts: [Chart], into directory: String, force: Bool, gnuplot: URL?? = nil,
                      shownAs shown: String? = nil) throws -> Outcome {
        // Every file first: a refusal leaves the folder as it was, not with some of the charts' files written.
        for chart in charts { try checkTargets(chart.name, format: chart.format, into: directory, force: force) }
        for chart in charts {
            try OutputFile.write(chart.data, to: directory + "/" + chart.dataFile, force: force)
            try OutputFile.write(chart.script, to: directory + "/" + chart.scriptFile, force: force)
        }
        guard let gnuplot = gnuplot ?? executable else {
            return Outcome(notes: ["note: gnuplot is not installed, so no pictures were drawn; the .dat and .gp files are in \(shown ?? directory) "
                                   + "(install gnuplot-nox, then run `gnuplot NAME.gp` there)"])
        }
        for chart in charts { try render(chart, into: directory, gnuplot: gnuplot) }
        return Outcome(images: charts.map { (shown ?? directory) + "/" + $0.imageFile })
    }

    /// Runs gnuplot on `chart`'s script in `directory`, drawing into a temporary
    /// file there that is then renamed to the picture's name.
    private static func render(_ chart: Chart, into directory: String, gnuplot: URL) throws {
        let image = directory + "/" + chart.imageFile
        // Relative to gnuplot's folder, and of safe characters: the chart's name is ours.
        let temporaryName = URL(fileURLWithPath: OutputFile.temporaryPath(for: chart.imageFile)).lastPathComponent
        let temporary = directory + "/" + temporaryName
        unlink(temporary)
        let process = Process()
        process.executableURL = gnuplot
        process.arguments = ["--default-settings", "-e", "\(Chart.outputVariable) = \(Chart.gnuplotString(temporaryName))", chart.scriptFile]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
        let errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw UsageError(message: "cannot run \(gnuplot.path) on \(directory)/\(chart.scriptFile): \(error.localizedDescription)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, process.terminationReason == .exit,
              FileManager.default.fileExists(atPath: temporary) else {
            unlink(temporary)
            throw UsageError(message: "gnuplot failed on \(directory)/\(chart.scriptFile), so \(image) was not drawn: \(summary(of: message))")
        }
        // gnuplot exits 0 even when it could not write the whole picture (a full disk, a
        // file-size limit: its terminals do not check their writes), so the picture is read back.
        guard isWhole(picture: temporary, format: chart.format) else {
            unlink(temporary)
            throw UsageError(message: "gnuplot on \(directory)/\(chart.scriptFile) wrote only part of the picture (is the disk full, "
                             + "or a file-size limit set?), so \(image) was not drawn; nothing was changed")
        }
        try OutputFile.commit(temporary, to: image, for: image)
    }

    /// Whether the picture at `path` is whole: a PNG that ends with its IEND chunk (PNG
    /// specification, 5.6 and 11.2.5: the last chunk, empty, with the CRC AE 42 60 82), or an
    /// SVG whose text ends with the closing `</svg>` tag.
    static func isWhole(picture path: String, format: Chart.Format) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        switch format {
        case .png:
            let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            let end: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
            return data.count >= signature.count + end.count && Array(data.prefix(8)) == signature && Array(data.suffix(12)) == end
        case .svg:
            return String(decoding: data.suffix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>")
        }
    }

    /// gnuplot's error, on one line: the line that names the script line (or
    /// the last line) and any system error after it.
    static func summary(of stderr: String) -> String {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.allSatisfy { $0 == "^" } }
        guard !lines.isEmpty else { return "no message" }
        let start = lines.lastIndex { $0.contains(" line ") } ?? lines.count - 1
        return lines[start...].joined(separator: "; ")
    }
}
