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

/// Writes `text` from its own storage, not from a copy of it (a sweep's CSV is tens of MB).
func writeWithoutCopy(_ text: String, to handle: FileHandle) {
    var text = text
    text.withUTF8 { bytes in
        guard let base = bytes.baseAddress else { return }
        handle.write(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none))
    }
}

let output = CLI.execute(Array(CommandLine.arguments.dropFirst()))
writeWithoutCopy(output.stdout, to: FileHandle.standardOutput)
writeWithoutCopy(output.stderr, to: FileHandle.standardError)
exit(output.exitCode)
