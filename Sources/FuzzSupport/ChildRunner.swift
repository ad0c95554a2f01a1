import Foundation

/// Runs the binary under test on one set of arguments with a wall-clock limit and an
/// address-space limit, its output in files (no pipe to fill up), its input empty.
///
/// The limit is set by `ulimit -v` in a `/bin/sh` that then `exec`s the binary, so
/// the process the fuzzer waits for and kills is the binary itself, and a signal
/// that ends it is seen as such.
public struct ChildRunner: Sendable {
    public var binary: String
    public var seconds: Double
    /// The address-space limit, in bytes.
    public var memoryBytes: UInt64
    /// At most this much of standard output and error is kept.
    public var keepBytes = 1 << 20

    public init(binary: String, seconds: Double, memoryBytes: UInt64) {
        self.binary = binary
        self.seconds = seconds
        self.memoryBytes = memoryBytes
    }

    /// Runs `arguments` in `directory`, writing the output to files in `outputDirectory`.
    public func run(_ arguments: [String], in directory: String, outputDirectory: String) -> RunResult {
        let outPath = outputDirectory + "/stdout", errPath = outputDirectory + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        guard let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
            return RunResult(ending: .exited(-1), stderr: "fuzzer: cannot create \(outPath)")
        }
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v \(memoryBytes / 1024) || exit 99; exec \"$0\" \"$@\"", binary] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "dumb"
        process.environment = environment
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        let start = Date()
        do {
            try process.run()
        } catch {
            return RunResult(ending: .exited(-1), stderr: "fuzzer: cannot start \(binary): \(error)")
        }
        var timedOut = false
        if done.wait(timeout: .now() + seconds) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            done.wait()
        }
        let elapsed = Date().timeIntervalSince(start)
        let ending: RunResult.Ending
        if timedOut {
            ending = .timedOut
        } else if process.terminationReason == .uncaughtSignal {
            ending = .signaled(process.terminationStatus)
        } else {
            ending = .exited(process.terminationStatus)
        }
        return RunResult(ending: ending, stdout: read(outPath), stderr: read(errPath), seconds: elapsed,
                         pwned: Self.containsMarker(directory))
    }

    private func read(_ path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: keepBytes)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether a file named `PWNED` exists under `directory`.
    public static func containsMarker(_ directory: String) -> Bool {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return false }
        for case let path as String in walker where (path as NSString).lastPathComponent == "PWNED" { return true }
        return false
    }
}
