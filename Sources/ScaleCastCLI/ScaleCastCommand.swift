import ArgumentParser
import Foundation
import Planning
import Reports
import Scenario
import Workload
import YAMLSupport

/// The root `scalecast` command.
public struct ScaleCastCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "scalecast",
        abstract: "Predict how fast a CNN trains on a GPU cluster, with which parallel strategy, before buying it.",
        discussion: """
            Exit codes: 0 success; 1 the work ran but found a problem you asked about; \
            2 bad input (the message names the file, key and line).
            """,
        version: Version.text,
        subcommands: [SimulateCommand.self, ExplainCommand.self, TraceCommand.self, ChartCommand.self, ReportCommand.self,
                      SweepCommand.self, MergeCommand.self, PlanCommand.self, CalibrateCommand.self, ImportCommand.self, ValidateCommand.self,
                      NotebookCommand.self, ModelsCommand.self, HardwareCommand.self, SoftwareCommand.self])

    public init() {}
}

/// Runs the CLI on `arguments` (without the program name) and returns what it
/// would print. Bad input of any kind ends in exit code 2 and a one-line
/// message, never a trap.
public enum CLI {
    public static func execute(_ arguments: [String]) -> CommandOutput { execute(arguments, resolvingPaths: nil) }

    /// The message for a first argument that is no command (`simulat`), naming the nearest
    /// command within two edits; nil for a command or an option (`--help`, `--version`).
    static func unknownCommand(_ word: String) -> String? {
        guard !word.hasPrefix("-") else { return nil }
        let commands = ScaleCastCommand.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !commands.contains(word) else { return nil }
        let near = nearest(word, in: commands, maxEdits: 2)
        return "unknown command '\(word.singleLine)'" + (near.map { "; did you mean '\($0)'?" } ?? "") + " (scalecast --help lists the commands)"
    }

    /// The message for `help WORD...` whose words name no command (`help import nosuch`), each
    /// word a subcommand of the one before; nil when they all do (or an option comes first).
    static func unknownHelpTopic(_ words: [String]) -> String? {
        var command: ParsableCommand.Type = ScaleCastCommand.self
        var path = ["scalecast"]
        for word in words {
            guard !word.hasPrefix("-") else { return nil }
            let subcommands = command.configuration.subcommands
            if let next = subcommands.first(where: { $0._commandName == word }) {
                command = next
                path.append(word)
                continue
            }
            if path.count == 1 { return unknownCommand(word) }
            let names = subcommands.map { $0._commandName }
            return "'\(path.joined(separator: " "))' has no command '\(word)'"
                + (names.isEmpty ? "" : " (its commands: \(names.joined(separator: ", ")))")
        }
        return nil
    }

    /// Runs the CLI on `arguments`, each relative file path among them first
    /// rewritten by `resolve` where the command names its files (`PathArguments`):
    /// how a notebook runs a command as if from its own folder.
    static func execute(_ arguments: [String], resolvingPaths resolve: ((String) -> String)?) -> CommandOutput {
        // `help WORD...` asks about a command too: an unknown one is refused as `WORD...` alone is.
        let unknown = arguments.first == "help" ? unknownHelpTopic(Array(arguments.dropFirst())) : arguments.first.flatMap(unknownCommand)
        if let unknown { return CommandOutput(stderr: errorLine(unknown.singleLine), exitCode: 2) }
        do {
            var command = try ScaleCastCommand.parseAsRoot(arguments)
            if let resolve, var files = command as? PathArguments & ParsableCommand {
                files.resolvePaths(resolve)
                command = files
            }
            guard let producing = command as? OutputProducing else {
                // `X --help`, `help X` and a bare command group (`import`): their run
                // throws the help request of that command, answered below.
                var request = command
                try request.run()
                return CommandOutput(stdout: ScaleCastCommand.helpMessage() + "\n")
            }
            if let limited = command as? TimeLimited, let seconds = limited.limit.maxSeconds {
                Watchdog.start(seconds: seconds, command: type(of: command).configuration.commandName ?? "scalecast")
            }
            // Names and labels reach the tables as written: no control character reaches the terminal
            // in text for a person (data for a program is passed through as its encoder wrote it).
            var output = try producing.produce()
            if !((command as? MachineReadableOutput)?.printsData ?? false) { output.stdout = output.stdout.terminalSafe }
            output.stderr = output.stderr.terminalSafe
            return output
        } catch let error as ConfigError {
            return CommandOutput(stderr: errorLine("\(error)"), exitCode: 2)
        } catch let error as ModelError {
            return CommandOutput(stderr: errorLine(error.description.singleLine), exitCode: 2)
        } catch let error as UsageError {
            return CommandOutput(stderr: errorLine(error.message.singleLine), exitCode: 2)
        } catch let error as ChartError {
            return CommandOutput(stderr: errorLine(error.description.singleLine), exitCode: 2)
        } catch let error as SweepError {
            return CommandOutput(stderr: errorLine(error.description.singleLine), exitCode: 2)
        } catch let error as WhatIfError {
            return CommandOutput(stderr: errorLine(error.description.singleLine), exitCode: 2)
        } catch {
            let code = ScaleCastCommand.exitCode(for: error)
            // The argument parser's own message (several lines: the error, the usage): each line cut
            // and escaped as the one-line errors are, since it quotes the flag as typed.
            var message = ScaleCastCommand.fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                .map { clipped(String($0).terminalSafe) }.joined(separator: "\n")
            // Its "Error: " spelt as every other error line is, for scripts that look for "error:".
            if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst("Error: ".count) }
            if code == .success { return CommandOutput(stdout: message + "\n") }
            return CommandOutput(stderr: message + "\n", exitCode: 2)
        }
    }
}

/// The one line an error prints: `error: MESSAGE`, cut after 4,000 characters with the
/// count left out (a value of megabytes quoted in a message would otherwise print whole;
/// the longest message of its own, a catalog's list of names, is far shorter).
func errorLine(_ message: String) -> String { "error: \(clipped(message))\n" }

/// `text` cut after 4,000 Unicode scalars, with the count left out (scalars, not characters:
/// one character can hold any number of combining marks).
func clipped(_ text: String) -> String {
    let limit = 4_000, count = text.unicodeScalars.count
    guard count > limit else { return text }
    var kept = String.UnicodeScalarView()
    kept.append(contentsOf: text.unicodeScalars.prefix(limit))
    return String(kept) + "... (\(count - limit) more characters)"
}

/// A command-line mistake found after parsing.
struct UsageError: Error {
    var message: String
}
