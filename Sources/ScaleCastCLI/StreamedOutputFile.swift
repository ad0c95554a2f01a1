import Foundation

/// A file the user asked for, written piece by piece as its text is made (a sweep's CSV,
/// a chunk of rows at a time), under `OutputFile`'s rules: the target is checked before
/// anything is computed (never an existing file without `--force`, never anything but a
/// regular file), the pieces go to the temporary file `.NAME.PID.tmp` beside it, and only
/// `commit` puts that in place of `NAME`, after flushing it to disk: without `--force`
/// by a link that fails if a file has appeared at `NAME` meanwhile (the work can take
/// hours), with it by a rename. If a piece cannot be written, or the work fails, or the
/// file is dropped without `commit`, or `--max-seconds` ends the run (`Watchdog`), or the
/// process is interrupted (SIGINT, SIGTERM, SIGHUP: `removeOnInterrupt`), the temporary
/// file is removed and `NAME` is left as it was.
final class StreamedOutputFile {
    /// The temporary files of the files being written, and the staging folders of the
    /// folders being written (`StagedFolder`), for `removeUnfinished`.
    nonisolated(unsafe) private static var unfinished: Set<String> = []   // guarded by unfinishedLock
    /// Each staging folder, with the folder it was made in where this run created that one.
    nonisolated(unsafe) private static var unfinishedFolders: [String: String?] = [:]   // guarded by unfinishedLock
    private static let unfinishedLock = NSLock()

    /// Removes the temporary files of every file still being written (in `folder`, if
    /// given), and every staging folder with what is in it: the process is about to end
    /// without finishing them (`Watchdog`, an interrupt).
    static func removeUnfinished(in folder: String? = nil) {
        unfinishedLock.lock()
        defer { unfinishedLock.unlock() }
        for temporary in unfinished where folder.map({ temporary.hasPrefix($0 + "/") }) ?? true {
            unlink(temporary)
            unfinished.remove(temporary)
        }
        for (staging, created) in unfinishedFolders where folder.map({ staging.hasPrefix($0 + "/") }) ?? true {
            try? FileManager.default.removeItem(atPath: staging)
            if let created { rmdir(created) }   // only an empty folder is removed
            unfinishedFolders[staging] = nil
        }
    }

    /// Counts `staging` among the folders `removeUnfinished` removes (`live`), or no longer;
    /// `created`: the folder it is in, where this run created it, removed after it if empty.
    static func trackFolder(_ staging: String, _ live: Bool, created: String? = nil) {
        unfinishedLock.lock()
        defer { unfinishedLock.unlock() }
        unfinishedFolders[staging] = live ? .some(created) : nil
    }

    private static func track(_ temporary: String, _ live: Bool) {
        unfinishedLock.lock()
        defer { unfinishedLock.unlock() }
        if live { unfinished.insert(temporary) } else { unfinished.remove(temporary) }
    }

    /// The signals that end a run a user or a scheduler stops, each watched by a dispatch source.
    nonisolated(unsafe) private static var interruptSources: [DispatchSourceSignal] = []   // set once, under unfinishedLock
    /// Where their handlers run: a queue of their own, not behind a sweep's work on the global ones.
    private static let interruptQueue = DispatchQueue(label: "scalecast.interrupt")

    /// From the first file streamed on, before it is opened: an interrupt (Ctrl-C, a scheduler's
    /// SIGTERM, a closed terminal's SIGHUP) removes the unfinished files, then ends the process
    /// as the signal would have (its default action, so the shell sees 128 + its number; exit
    /// 128 + it where the signal cannot be taken back). A signal the process was started
    /// ignoring (`nohup`, a job a shell started in the background) is left ignored. The signals
    /// are taken by dispatch sources, whose handlers run on a queue, not in signal context
    /// (unlinking under a lock is not async-signal-safe): a sweep of hours left a
    /// `.NAME.PID.tmp` of gigabytes behind that only a later write of the same name removed.
    static func removeOnInterrupt() {
        unfinishedLock.lock()
        defer { unfinishedLock.unlock() }
        guard interruptSources.isEmpty else { return }
        for number in [SIGINT, SIGTERM, SIGHUP] {
            let previous = signal(number, SIG_IGN)
            guard previous.map({ unsafeBitCast($0, to: Int.self) }) != unsafeBitCast(SIG_IGN, to: Int.self) else { continue }
            let source = DispatchSource.makeSignalSource(signal: number, queue: interruptQueue)
            source.setEventHandler {
                removeUnfinished()
                // Raised in this thread with the signal unblocked here: a process started with it blocked
                // (as a test runner may start it) would otherwise keep it pending, or hand it back to
                // this source, and run on.
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, number)
                pthread_sigmask(SIG_UNBLOCK, &set, nil)
                signal(number, SIG_DFL)
                raise(number)
                exit(128 + number)   // were the signal still not to end it
            }
            source.resume()
            interruptSources.append(source)
        }
    }

    private let path: String
    private let force: Bool
    private let target: String
    private let temporary: String
    private let flag: String
    private let writer: OutputFile.Writer
    private var descriptor: Int32

    /// Checks `path` and opens its temporary file.
    /// - Throws: `UsageError` as `OutputFile.write` does: the file exists and `force` is
    ///   false, is not a regular file, or cannot be created.
    init(path: String, force: Bool, flag: String = "--out", writer: @escaping OutputFile.Writer = OutputFile.systemWriter) throws {
        OutputFile.ignoreFileSizeSignal()
        guard !path.isEmpty else { throw UsageError(message: "\(flag): the file name is empty") }
        self.path = path
        self.force = force
        self.flag = flag
        self.writer = writer
        Self.removeOnInterrupt()
        target = try OutputFile.checkTarget(path, force: force, flag: flag)
        try OutputFile.createParent(of: target, for: path, flag: flag)
        temporary = OutputFile.temporaryPath(for: target)
        descriptor = try OutputFile.openTemporary(temporary, for: path, flag: flag)
        Self.track(temporary, true)
    }

    /// Appends `text`.
    /// - Throws: `UsageError` naming the path and the reason (a full disk, a file-size
    ///   limit); the temporary file is then removed.
    func append(_ text: String) throws {
        precondition(descriptor >= 0, "append after commit or failure")
        if let failure = OutputFile.writeAll(Data(text.utf8), to: descriptor, writer: writer) { try fail(failure) }
    }

    /// Flushes the text to disk and renames it over the target.
    func commit() throws {
        precondition(descriptor >= 0, "commit after commit or failure")
        if fsync(descriptor) != 0 && errno != EINVAL { try fail(errno) }
        let closed = close(descriptor)
        descriptor = -1
        if closed != 0 {
            let reason = errno
            discard()
            throw UsageError(message: "\(flag): cannot write \(path): \(String(cString: strerror(reason))); nothing was changed")
        }
        defer { Self.track(temporary, false) }
        guard !force else { return try OutputFile.commit(temporary, to: target, for: path, flag: flag) }
        // Checked before the work, but a file may have appeared since: a link never replaces one.
        guard link(temporary, target) == 0 else {
            let reason = errno
            guard reason != EEXIST else {
                discard()
                throw UsageError(message: "\(flag): \(path) appeared while the work ran; pass --force to overwrite it (nothing was written)")
            }
            // A file system without hard links: checked again, then renamed as any output is.
            do { try OutputFile.checkTarget(target, force: false, flag: flag) } catch {
                discard()
                throw error
            }
            return try OutputFile.commit(temporary, to: target, for: path, flag: flag)
        }
        unlink(temporary)
        OutputFile.removeStaleTemporaries(of: target)
    }

    /// Removes the temporary file, which no longer stands for anything.
    private func discard() {
        unlink(temporary)
        Self.track(temporary, false)
    }

    private func fail(_ reason: Int32) throws -> Never {
        close(descriptor)
        descriptor = -1
        discard()
        throw UsageError(message: "\(flag): cannot write \(path): \(String(cString: strerror(reason))); nothing was changed")
    }

    deinit {
        // Dropped without `commit` (the work failed): the target stays as it was.
        if descriptor >= 0 {
            close(descriptor)
            discard()
        }
    }
}
