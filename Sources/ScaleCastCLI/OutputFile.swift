import Foundation

/// Writing files the user asked for: never over an existing file unless told,
/// and atomically (a temporary file in the same folder, then a rename), so a
/// reader never sees half a file.
enum OutputFile {
    /// Writes `text` to `path`.
    /// - Throws: `UsageError` if the file exists and `force` is false, or it cannot be written.
    static func write(_ text: String, to path: String, force: Bool) throws {
        try write(Data(text.utf8), to: path, force: force)
    }

    static func write(_ data: Data, to path: String, force: Bool) throws {
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: url.path) && !force {
            throw UsageError(message: "\(path) exists; pass --force to overwrite it")
        }
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                try? FileManager.default.removeItem(at: temporary)
                throw UsageError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
        } catch let error as UsageError {
            throw error
        } catch {
            throw UsageError(message: "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
