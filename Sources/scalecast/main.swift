import Calibration
import Foundation
import ScaleCastCLI

// Calibration and validation time OpenBLAS, whose kernel is chosen when the library loads:
// re-execute once with the right kernel for this CPU before anything runs.
let command = CommandLine.arguments.dropFirst().first
if ["calibrate", "validate"].contains(command) {
    OpenBLASKernel.selectFastKernel()
}
// OpenBLAS's workers spin for ~0.1 s after the library loads; stop them (they restart on demand).
BLAS.stopIdleThreads()
// Before any other thread allocates (HeapPolicy): the executor's one arena where it is timed
// (calibrate; validate, but not against the published corpus, which only simulates).
if command == "calibrate" || (command == "validate" && !CommandLine.arguments.contains("--published")) {
    HeapPolicy.keepFreedMemory(.executor)
} else {
    HeapPolicy.keepFreedMemory(.simulation)   // a simulation's plan and trace reuse the last one's pages
}

/// Writes `text` to file descriptor `fd` from its own storage, not from a copy of it (a
/// sweep's CSV is tens of MB), retrying short writes.
/// - Returns: nil when all of it was written, else the system's reason (`strerror`): a full
///   disk, a closed descriptor (`FileHandle.write(_:)` would trap on either).
func write(_ text: String, to fd: Int32) -> String? {
    var text = text
    return text.withUTF8 { bytes -> String? in
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += written
        }
        return nil
    }
}

let output = CLI.execute(Array(CommandLine.arguments.dropFirst()))
if let reason = write(output.stdout, to: STDOUT_FILENO) {
    // Standard output is full or closed (`> /dev/full`, `>&-`): one line on standard error, exit 2.
    _ = write("error: cannot write standard output: \(reason)\n", to: STDERR_FILENO)
    exit(2)
}
_ = write(output.stderr, to: STDERR_FILENO)
exit(output.exitCode)
