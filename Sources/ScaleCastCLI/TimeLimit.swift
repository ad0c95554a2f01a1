import ArgumentParser
import Foundation
import YAMLSupport

/// `--max-seconds`: a wall-clock guard for commands that simulate. Simulation
/// time grows quickly with the GPUs for some strategies; rather than leave a user
/// (or a script) waiting on a configuration that would take hours, the command
/// gives up after the limit with exit code 2 and one line saying so.
struct TimeLimit: ParsableArguments {
    @Option(name: .customLong("max-seconds"), parsing: .unconditional, help: "Give up after this many seconds of wall-clock time (exit 2).",
            transform: DecimalArgument.parser("--max-seconds", in: 0.001...1e7))
    var maxSeconds: Double?
}

/// A command that takes `TimeLimit`'s option.
protocol TimeLimited {
    var limit: TimeLimit { get }
}

enum Watchdog {
    /// Ends the process with exit code 2 after `seconds` unless it has ended by
    /// then. Output files are written atomically, so what a command has not
    /// finished writing stays at most a temporary file (see the README).
    static func start(seconds: Double, command: String) {
        let message = "error: \(command): gave up after \(seconds) s (--max-seconds); "
            + "simulate fewer GPUs or configurations, or raise the limit"
        let thread = Thread {
            Thread.sleep(forTimeInterval: seconds)
            FileHandle.standardError.write(Data((message.singleLine + "\n").utf8))
            StreamedOutputFile.removeUnfinished()   // a file written piece by piece is left as it was
            exit(2)
        }
        thread.start()
    }
}
