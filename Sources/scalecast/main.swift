import Calibration
import Foundation
import ScaleCastCLI

// Calibration and validation time OpenBLAS, whose kernel is chosen when the library loads:
// re-execute once with the right kernel for this CPU before anything runs.
if ["calibrate", "validate"].contains(CommandLine.arguments.dropFirst().first) {
    OpenBLASKernel.selectFastKernel()
    HeapPolicy.keepFreedMemory()   // before any other thread allocates, so that one arena serves all
}

/// Writes `text` from its own storage, not from a copy of it (a sweep's CSV is tens of MB).
func write(_ text: String, to handle: FileHandle) {
    var text = text
    text.withUTF8 { bytes in
        guard let base = bytes.baseAddress else { return }
        handle.write(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none))
    }
}

let output = CLI.execute(Array(CommandLine.arguments.dropFirst()))
write(output.stdout, to: FileHandle.standardOutput)
write(output.stderr, to: FileHandle.standardError)
exit(output.exitCode)
