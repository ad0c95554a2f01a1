import Foundation
import Testing

/// An interrupted sweep leaves nothing behind: the temporary file it streams its rows into is
/// removed, and the process ends as the signal ends it (a scheduler's SIGTERM, a user's Ctrl-C).
@Suite struct InterruptTests {
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func anInterruptedSweepRemovesItsTemporaryFile(signal number: Int32) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-interrupt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = try #require(ExecutableTests.executable, "the scalecast executable was not built")
        // Thousands of points: minutes of work, interrupted as soon as its file is open.
        process.arguments = ["sweep", FileManager.default.currentDirectoryPath + "/scenarios/default.yaml", "--vary", "gpus=8,16,32,64,128,256",
                             "--vary", "network_gbps=10,25,50,100,200,400,800,1600", "--vary", "batch_per_gpu=32,64,128,256,512",
                             "--vary", "strategy.bucket_mb=5,10,25,50,100", "--out", folder + "/big.csv", "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let temporary = folder + "/.big.csv.\(process.processIdentifier).tmp"
        var polls = 0
        while !FileManager.default.fileExists(atPath: temporary) && process.isRunning && polls < 6000 {
            usleep(10_000)
            polls += 1
        }
        #expect(FileManager.default.fileExists(atPath: temporary), "the sweep never opened its file")
        // Again until it ends: a signal that came before the process had taken them would be lost, not fatal.
        var sent = 0
        while process.isRunning && sent < 300 {
            kill(process.processIdentifier, number)
            sent += 1
            for _ in 0..<10 where process.isRunning { usleep(10_000) }
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == number)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "left behind")
    }
}
