import Testing
@testable import ScaleCastCLI

/// The sweep's progress bar only moves forward and says how long the rest will take.
@Suite struct ProgressBarTests {
    final class Recorder: @unchecked Sendable {
        var lines: [String] = []
        var now = 0.0
    }

    /// Threads report out of order (6 before 5): the bar never shows a count lower than one it showed.
    @Test func theCounterNeverStepsBack() {
        let recorder = Recorder()
        let bar = ProgressBar(write: { recorder.lines.append($0) }, clock: { recorder.now })
        for (done, time) in [(1, 1.0), (3, 2.0), (2, 2.5), (6, 4.0), (5, 4.1), (4, 4.2), (10, 9.0), (9, 9.5)] {
            recorder.now = time
            bar.update(done, 10)
        }
        bar.finish()
        let counts = recorder.lines.compactMap { line -> Int? in
            guard let range = line.range(of: #"\] [0-9]+/"#, options: .regularExpression) else { return nil }
            return Int(line[range].dropFirst(2).dropLast())
        }
        #expect(counts == [1, 3, 6, 10])
        #expect(recorder.lines.last == "\n")
    }

    /// The time left is the rate so far applied to what is left.
    @Test func theTimeLeftComesFromTheRateSoFar() {
        #expect(ProgressBar.line(done: 10, total: 40, elapsed: 12).contains("10/40 simulations, about 36 s left"))
        #expect(ProgressBar.line(done: 1, total: 100, elapsed: 10).contains("about 16 min 30 s left"))
        #expect(ProgressBar.line(done: 1, total: 1000, elapsed: 60).contains("about 16 h 39 min left"))
        #expect(ProgressBar.line(done: 40, total: 40, elapsed: 75).contains("40/40 simulations, done in 1 min 15 s"))
        #expect(!ProgressBar.line(done: 0, total: 40, elapsed: 1).contains("left"))
        #expect(ProgressBar.line(done: 10, total: 40, elapsed: 12).hasPrefix("[#######" + String(repeating: " ", count: 23) + "]"))
    }

    /// Between percentage steps the bar is redrawn at most twice a second.
    @Test func redrawsAreThrottled() {
        let recorder = Recorder()
        let bar = ProgressBar(write: { recorder.lines.append($0) }, clock: { recorder.now })
        for done in 1...999 {
            recorder.now = Double(done) * 0.001
            bar.update(done, 100_000)
        }
        #expect(recorder.lines.count <= 3)
    }
}
