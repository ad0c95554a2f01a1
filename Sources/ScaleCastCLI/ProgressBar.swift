import Foundation

/// A progress bar on standard error, shown only on a terminal: how many of the
/// simulations are done and, from the rate so far, about how long the rest will take.
///
/// Simulations finish on several threads and report in whatever order their
/// threads reach the bar, so a count lower than one already shown is ignored:
/// the bar only moves forward.
final class ProgressBar: @unchecked Sendable {
    private let write: ((String) -> Void)?
    private let clock: () -> Double
    private let lock = NSLock()
    private let start: Double
    private var highest = 0
    private var lastLine = ""
    private var lastPercent = -1
    private var lastDrawn = -Double.infinity

    /// - Parameters:
    ///   - enabled: false for `--quiet`; the bar is also off when standard error is not a terminal.
    convenience init(enabled: Bool) {
        let terminal = enabled && isatty(STDERR_FILENO) != 0
        self.init(write: terminal ? { FileHandle.standardError.write(Data($0.utf8)) } : nil,
                  clock: { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 })
    }

    /// - Parameters:
    ///   - write: where the bar's text goes; nil draws nothing.
    ///   - clock: seconds on a monotonic clock.
    init(write: ((String) -> Void)?, clock: @escaping () -> Double) {
        self.write = write
        self.clock = clock
        start = clock()
    }

    /// `done` of `total` simulations have finished.
    func update(_ done: Int, _ total: Int) {
        guard let write else { return }
        lock.lock()
        defer { lock.unlock() }
        guard done > highest else { return }
        highest = done
        // Redrawn when the percentage moves, at the end, and otherwise at most twice a second (for the time left).
        let now = clock(), percent = Self.percent(done, total)
        guard percent != lastPercent || done >= total || now - lastDrawn >= 0.5 else { return }
        let line = Self.line(done: done, total: total, elapsed: now - start)
        (lastPercent, lastDrawn) = (percent, now)
        guard line != lastLine else { return }
        lastLine = line
        write("\r" + line)
    }

    /// Ends the bar's line.
    func finish() {
        guard let write else { return }
        lock.lock()
        defer { lock.unlock() }
        if !lastLine.isEmpty { write("\n") }
    }

    /// `[#####     ] 12/40 simulations, about 34 s left`; padded with spaces so
    /// that a shorter line fully covers a longer one drawn before it.
    /// - Note: the time left is elapsed / done x (total - done): the rate so far.
    static func line(done: Int, total: Int, elapsed: Double) -> String {
        let filled = percent(done, total) * 30 / 100
        var text = "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled) + "] \(done)/\(total) simulations"
        if done >= total {
            text += ", done in \(duration(elapsed))"
        } else if done > 0 {
            text += ", about \(duration(elapsed / Double(done) * Double(total - done))) left"
        }
        return text.padding(toLength: max(text.count, 72), withPad: " ", startingAt: 0)
    }

    static func percent(_ done: Int, _ total: Int) -> Int { total == 0 ? 100 : min(100, done * 100 / total) }

    /// `7 s`, `3 min 05 s`, `2 h 10 min`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(String(format: "%02d", s % 60)) s" }
        return "\(s / 3600) h \(String(format: "%02d", s % 3600 / 60)) min"
    }
}
