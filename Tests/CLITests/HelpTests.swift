import ArgumentParser
import Testing
@testable import ScaleCastCLI

/// Every subcommand answers `--help` and `help` with its own usage, not the root's.
@Suite struct HelpTests {
    /// Every command path below the root: `["simulate"]`, `["import", "layer-times"]`...
    static func paths(_ command: ParsableCommand.Type = ScaleCastCommand.self, prefix: [String] = []) -> [[String]] {
        command.configuration.subcommands.flatMap { sub -> [[String]] in
            let path = prefix + [sub._commandName]
            return [path] + paths(sub, prefix: path)
        }
    }

    @Test func everySubcommandShowsItsOwnHelp() {
        let all = Self.paths()
        #expect(all.count >= 15)
        for path in all {
            let usage = "USAGE: scalecast \(path.joined(separator: " "))"
            for arguments in [path + ["--help"], ["help"] + path] {
                let out = CLI.execute(arguments)
                #expect(out.exitCode == 0, "\(arguments)")
                #expect(out.stdout.contains(usage), "\(arguments) printed: \(out.stdout.prefix(200))")
                if let abstract = Self.command(path)?.configuration.abstract.prefix(30), !abstract.isEmpty {
                    #expect(out.stdout.replacingOccurrences(of: "\n", with: " ").contains(abstract), "\(arguments)")
                }
            }
        }
    }

    /// A command group run bare shows its subcommands.
    @Test func aBareCommandGroupListsItsSubcommands() {
        let out = CLI.execute(["import"])
        #expect(out.exitCode == 0)
        #expect(out.stdout.contains("USAGE: scalecast import <subcommand>"))
        for name in ["nccl-tests", "layer-times", "kernel-times"] { #expect(out.stdout.contains(name)) }
    }

    static func command(_ path: [String]) -> ParsableCommand.Type? {
        var current: ParsableCommand.Type = ScaleCastCommand.self
        for name in path {
            guard let next = current.configuration.subcommands.first(where: { $0._commandName == name }) else { return nil }
            current = next
        }
        return current
    }
}
