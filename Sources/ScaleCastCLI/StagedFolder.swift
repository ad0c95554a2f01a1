import Foundation

/// The files of one answer written into one folder (a report: `report.md` and its charts'
/// data, scripts and pictures) so that a failure changes nothing there. Each file is
/// written, by `OutputFile`'s rules, into a staging folder inside the target,
/// `.scalecast.PID.tmp`; only once all of them are written does `commit` rename them into
/// place, a rename each (over an earlier report's files under `--force`). A failure before
/// that (a full disk, a file-size limit, gnuplot failing), dropping it without `commit`, or
/// an interrupt or `--max-seconds` (`StreamedOutputFile.removeUnfinished`) removes the
/// staging folder with what is in it, and the target folder too where this run created it
/// and it is empty. Before, a report that failed at its fifth chart had replaced four
/// charts of the report in the folder, beside the old `report.md`.
final class StagedFolder {
    /// The folder the user named.
    let target: String
    /// The folder the files are written into first.
    let staging: String
    private let flag: String
    private let createdTarget: Bool
    private var open = true

    /// Creates the staging folder in `target` (and `target`, where it is missing).
    /// - Throws: `UsageError` if a folder cannot be created there.
    init(_ target: String, flag: String = "--out") throws {
        self.target = target
        self.flag = flag
        var isFolder: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: target, isDirectory: &isFolder)
        guard !existed || isFolder.boolValue else {
            throw UsageError(message: "\(flag): \(target.singleLine) is a file, not a folder; name a folder to write into")
        }
        createdTarget = !existed
        staging = target + "/.scalecast.\(ProcessInfo.processInfo.processIdentifier).tmp"
        StreamedOutputFile.removeOnInterrupt()
        StreamedOutputFile.trackFolder(staging, true, created: createdTarget ? target : nil)   // before it exists: an interrupt from now on removes it
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            discard()
            throw UsageError(message: "\(flag): cannot write into \(target.singleLine): cannot create the folder \(staging.singleLine)")
        }
    }

    /// The path in the staging folder of the file `name` of the target folder.
    func path(of name: String) -> String { staging + "/" + name }

    /// `error`, with the staging folder's paths in its message written as the target's: the
    /// files a user asked for are named where they were to be.
    func described(_ error: Error) -> Error {
        guard let usage = error as? UsageError else { return error }
        return UsageError(message: usage.message.replacingOccurrences(of: staging + "/", with: target + "/"))
    }

    /// Renames every file of the staging folder into the target folder, then removes the
    /// staging folder. Without `replacing`, a file of the same name that appeared in the
    /// target while the work ran (another run writing the same new folder) is never
    /// replaced: each file is put in place by a hard link, which fails where a name is
    /// taken, and on the first such failure the links made are undone and nothing is changed.
    /// - Throws: `UsageError` naming the file that could not be put in place and those
    ///   that were (a rename inside one folder fails only where the file system does).
    func commit(replacing: Bool = true) throws {
        precondition(open, "commit after commit or discard")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []).sorted()
        if !replacing, try linkIntoPlace(names) {
            for name in names { unlink(path(of: name)) }
            open = false
            rmdir(staging)
            StreamedOutputFile.trackFolder(staging, false)
            return
        }
        var moved: [String] = []
        for name in names {
            guard rename(path(of: name), target + "/" + name) == 0 else {
                let reason = String(cString: strerror(errno))
                discard()
                throw UsageError(message: "\(flag): cannot put \(target.singleLine)/\(name.singleLine) in place: \(reason); "
                                 + (moved.isEmpty ? "nothing was changed" : "replaced before it: \(moved.joined(separator: ", "))"))
            }
            moved.append(name)
        }
        open = false
        rmdir(staging)
        StreamedOutputFile.trackFolder(staging, false)
    }

    /// Links each of `names` from the staging folder into the target (`commit(replacing: false)`).
    /// - Returns: true when all are linked; false, with nothing linked, on a file system
    ///   without hard links, where each name is checked free and `commit` renames as with
    ///   `replacing` (a file appearing in that moment is the one race left).
    /// - Throws: `UsageError` where a name is taken in the target: the links made are removed
    ///   and the staging folder is discarded.
    private func linkIntoPlace(_ names: [String]) throws -> Bool {
        var linked: [String] = []
        for name in names {
            guard link(path(of: name), target + "/" + name) == 0 else {
                let reason = errno
                for made in linked { unlink(target + "/" + made) }
                var status = stat()
                let taken = reason == EEXIST || names.contains { lstat(target + "/" + $0, &status) == 0 }
                if !taken && linked.isEmpty { return false }   // no hard links on this file system: commit renames
                discard()
                if taken {
                    throw UsageError(message: "\(flag): \(target.singleLine)/\(name.singleLine) appeared while the work ran (another run "
                                     + "writing the same folder?); pass --force to replace it (nothing was written)")
                }
                throw UsageError(message: "\(flag): cannot put \(target.singleLine)/\(name.singleLine) in place: "
                                 + "\(String(cString: strerror(reason))); nothing was changed")
            }
            linked.append(name)
        }
        return true
    }

    /// Removes the staging folder with what is in it, and the target folder where this run
    /// created it and it is empty.
    func discard() {
        open = false
        try? FileManager.default.removeItem(atPath: staging)
        StreamedOutputFile.trackFolder(staging, false)
        if createdTarget { rmdir(target) }   // only an empty folder is removed
    }

    deinit {
        if open { discard() }
    }
}
