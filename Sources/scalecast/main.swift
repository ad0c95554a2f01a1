import Calibration
import Foundation
import ScaleCastCLI

// Calibration and validation time OpenBLAS, whose kernel is chosen when the library loads:
// re-execute once with the right kernel for this CPU before anything runs.
if ["calibrate", "validate"].contains(CommandLine.arguments.dropFirst().first) {
    OpenBLASKernel.selectFastKernel()
    HeapPolicy.keepFreedMemory()   // before any other thread allocates, so that one arena serves all
}

let output = CLI.execute(Array(CommandLine.arguments.dropFirst()))
FileHandle.standardOutput.write(Data(output.stdout.utf8))
FileHandle.standardError.write(Data(output.stderr.utf8))
exit(output.exitCode)
