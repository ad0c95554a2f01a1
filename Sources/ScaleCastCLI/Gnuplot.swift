import Foundation
import Reports

/// Writes charts and renders them with gnuplot, when it is installed.
enum Gnuplot {
    /// The gnuplot executable on PATH, if any.
    static var executable: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("gnuplot")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Writes each chart's `.dat` and `.gp` into `directory` and runs gnuplot on the
    /// script there.
    /// - Returns: notes for stderr (gnuplot missing or failing); the data and
    ///   scripts are written either way.
    /// - Parameter gnuplot: the program to render with (default: the one on PATH, if any).
    static func write(_ charts: [Chart], into directory: String, force: Bool, gnuplot: URL?? = nil) throws -> [String] {
        for chart in charts {
            try OutputFile.write(chart.data, to: directory + "/" + chart.dataFile, force: force)
            try OutputFile.write(chart.script, to: directory + "/" + chart.scriptFile, force: force)
            if !force && FileManager.default.fileExists(atPath: directory + "/" + chart.imageFile) {
                throw UsageError(message: "\(directory)/\(chart.imageFile) exists; pass --force to overwrite it")
            }
        }
        guard let gnuplot = gnuplot ?? executable else {
            return ["note: gnuplot is not installed, so no pictures were drawn; the .dat and .gp files are in \(directory) "
                    + "(install gnuplot-nox, then run `gnuplot NAME.gp` there)"]
        }
        var notes: [String] = []
        for chart in charts {
            let process = Process()
            process.executableURL = gnuplot
            process.arguments = [chart.scriptFile]
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationStatus != 0 {
                notes.append("note: gnuplot failed on \(directory)/\(chart.scriptFile): \(message.split(separator: "\n").last ?? "")")
            }
        }
        return notes
    }
}
