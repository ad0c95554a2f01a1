import Foundation

/// Writing files the user asked for: never over an existing file unless told,
/// never over anything but a regular file (not a device, a FIFO, a folder or a
/// symbolic link, even when told), and atomically, so a reader never
/// sees half a file.
///
/// Each file is written to a temporary file beside it, `.NAME.PID.tmp` (PID: the
/// writing process), flushed to disk, then renamed over `NAME`. If the write
/// fails (a full disk, a file-size limit), the temporary file is removed, the
/// old `NAME` is kept as it was, and the error names the path and the reason.
/// Only a process killed mid-write (SIGINT, SIGKILL, power loss) can leave a
/// `.NAME.PID.tmp` behind, one per file it was writing; no run reads such files,
/// and the next run that writes `NAME` removes it once it is `staleAfterSeconds` old and no
/// live process here has that PID.
enum OutputFile {
    /// Writes bytes to an open file descriptor, as write(2) does: the count
    /// written, or -1 with `errno` set. A seam so tests can make a write fail.
    typealias Writer = (Int32, UnsafeRawBufferPointer) -> Int

    /// write(2) itself.
    static func systemWriter(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        bytes.isEmpty ? 0 : Foundation.write(descriptor, bytes.baseAddress, bytes.count)
    }

    /// Writes `text` to `path`.
    /// - Throws: `UsageError` if the file exists and `force` is false, is not a
    ///   regular file, or cannot be written.
    static func write(_ text: String, to path: String, force: Bool, flag: String = "--out") throws {
        try write(Data(text.utf8), to: path, force: force, flag: flag)
    }

    /// Writes `data` to `path` through `writer` (write(2) unless a test says
    /// otherwise).
    static func write(_ data: Data, to path: String, force: Bool, flag: String = "--out", writer: Writer = systemWriter) throws {
        ignoreFileSizeSignal()
        guard !path.isEmpty else { throw UsageError(message: "\(flag): the file name is empty") }
        let target = try checkTarget(path, force: force, flag: flag)
        try createParent(of: target, for: path, flag: flag)
        let temporary = temporaryPath(for: target)
        try writeTemporary(data, to: temporary, for: path, flag: flag, writer: writer)
        try commit(temporary, to: target, for: path, flag: flag)
    }

    /// Checks that `path` may be written: nothing is there, or (with `force`) a
    /// regular file.
    /// - Returns: `path`.
    /// - Throws: `UsageError` if something is there and `force` is false, or it
    ///   is not a regular file: a folder, a device such as /dev/null, a FIFO, a
    ///   socket, or a symbolic link (whatever it points to: renaming over a link
    ///   replaces the link, and following it could replace any file, e.g. the one
    ///   behind /proc/self/fd/1). `--force` replaces files, never those.
    @discardableResult
    static func checkTarget(_ path: String, force: Bool, flag: String = "--out") throws -> String {
        var status = stat()
        guard lstat(path, &status) == 0 else { return path }   // nothing there yet
        // What --force would not replace either is said first, without offering --force.
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw UsageError(message: "\(flag): \(path) is \(kind(of: status.st_mode)), not a regular file; "
                             + "it is never replaced, even with --force: choose another name")
        }
        if !force { throw UsageError(message: "\(flag): \(path) exists; pass --force to overwrite it") }
        return path
    }

    /// Which file `path` is: its device and inode where it exists (a hard link, a symbolic
    /// link and another spelling of one file are the same file), else its resolved path.
    static func identity(of path: String) -> String {
        var status = stat()
        if stat(path, &status) == 0 { return "\(status.st_dev):\(status.st_ino)" }
        return URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Refuses an output file that is one of the command's inputs: even with `--force`,
    /// writing it would replace the measurement it was made from.
    /// - Throws: `UsageError` naming both.
    static func checkNotAnInput(_ path: String?, inputs: [String], flag: String = "--out") throws {
        guard let path else { return }
        let target = identity(of: path)
        if let input = inputs.first(where: { identity(of: $0) == target }) {
            throw UsageError(message: "\(flag): \(path.singleLine) is the input \(input.singleLine); write to another file")
        }
    }

    /// Refuses a new folder named as a file (`--out plan.json`): the command writes several
    /// files into `path`, and a folder called `plan.json` is never what was meant. A folder
    /// of that name that exists already is used as it is.
    /// - Throws: `UsageError` saying what the flag takes.
    static func checkFolderName(_ path: String, writes what: String, flag: String = "--out") throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { return }
        let suffix = (path as NSString).pathExtension.lowercased()
        guard fileSuffixes.contains(suffix) else { return }
        throw UsageError(message: "\(flag): \(path.singleLine) names a file; \(flag) takes the folder to write \(what) into")
    }

    /// The file name suffixes no output folder is likely to be named with.
    static let fileSuffixes: Set<String> = ["json", "csv", "png", "svg", "pdf", "md", "html", "yaml", "yml", "txt", "dat", "gp"]

    /// Makes a write past the file-size limit (`ulimit -f`) fail with EFBIG,
    /// which is reported and cleaned up, instead of killing the process with
    /// SIGXFSZ and leaving the temporary file. gnuplot inherits the setting.
    static func ignoreFileSizeSignal() {
        signal(SIGXFSZ, SIG_IGN)
    }

    /// `.NAME.PID.tmp` in the folder of `path`.
    static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
    }

    /// Renames `temporary` over `target`; on failure removes `temporary`.
    /// - Parameter path: the path as the user gave it, for the message.
    static func commit(_ temporary: String, to target: String, for path: String, flag: String = "--out") throws {
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw UsageError(message: "\(flag): cannot write \(path): \(reason)")
        }
        removeStaleTemporaries(of: target)
    }

    /// How old a `.NAME.PID.tmp` must be to be taken for a killed run's: a writer on another
    /// machine sharing the folder (its PID means nothing here) is not 15 minutes into a write.
    /// A file written piece by piece (`StreamedOutputFile`) is touched at each piece, a sweep's
    /// chunk of points, so only a chunk that takes longer could be mistaken for a killed run's.
    static let staleAfterSeconds: Double = 900

    /// Removes what killed runs left beside `target`: regular files `.NAME.PID.tmp` last
    /// written `staleAfterSeconds` ago or more whose writer is gone (no process here has
    /// that PID). Nothing else is touched, and a file that cannot be removed stays.
    static func removeStaleTemporaries(of target: String) {
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path, prefix = ".\(url.lastPathComponent).", own = ProcessInfo.processInfo.processIdentifier
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let digits = name.dropFirst(prefix.count).dropLast(4)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let pid = Int32(digits), pid != own,
                  kill(pid, 0) == -1 && errno == ESRCH else { continue }
            let leftover = folder + "/" + name
            var status = stat()
            guard lstat(leftover, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
                  Double(time(nil) - status.st_mtim.tv_sec) >= staleAfterSeconds else { continue }
            unlink(leftover)
        }
    }

    static func createParent(of target: String, for path: String, flag: String) throws {
        let directory = URL(fileURLWithPath: target).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            // Say which part of the path is in the way: a file where a folder must be, or a folder not writable.
            var blocker = directory
            while blocker.path != "/" && !FileManager.default.fileExists(atPath: blocker.path) { blocker.deleteLastPathComponent() }
            var isFolder: ObjCBool = false
            let isFile = FileManager.default.fileExists(atPath: blocker.path, isDirectory: &isFolder) && !isFolder.boolValue
            let why = isFile ? " (\(blocker.path) is a file)"
                : FileManager.default.isWritableFile(atPath: blocker.path) ? "" : " (\(blocker.path) is not writable)"
            throw UsageError(message: "\(flag): cannot write \(path): cannot create the folder \(directory.path)\(why)")
        }
    }

    /// Creates `temporary` afresh (a leftover of a killed run is removed first;
    /// a symbolic link there is not followed), writes all of `data`, and flushes
    /// it to disk. On any failure removes `temporary`.
    private static func writeTemporary(_ data: Data, to temporary: String, for path: String, flag: String, writer: Writer) throws {
        let descriptor = try openTemporary(temporary, for: path, flag: flag)
        var failure = writeAll(data, to: descriptor, writer: writer)
        if failure == nil && fsync(descriptor) != 0 && errno != EINVAL { failure = errno }
        if close(descriptor) != 0 && failure == nil { failure = errno }
        if let failure {
            unlink(temporary)
            throw UsageError(message: "\(flag): cannot write \(path): \(String(cString: strerror(failure))); nothing was changed")
        }
    }

    /// Opens `temporary` (a stale one of this process's ID removed first) for writing, as a
    /// new file that is not a link: the descriptor.
    /// - Throws: `UsageError` naming `path` and the reason.
    static func openTemporary(_ temporary: String, for path: String, flag: String) throws -> Int32 {
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw UsageError(message: "\(flag): cannot write \(path): \(String(cString: strerror(errno)))") }
        return descriptor
    }

    /// Writes all of `data` to `descriptor` through `writer`, again after an interrupted
    /// call: nil, or the `errno` of the call that failed.
    static func writeAll(_ data: Data, to descriptor: Int32, writer: Writer) -> Int32? {
        var failure: Int32? = nil
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = writer(descriptor, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { failure = written < 0 ? errno : EIO; return }
                offset += written
            }
        }
        return failure
    }

    /// What a non-regular file is, in words.
    private static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a folder"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "a special file"
        }
    }
}
