import Foundation
import Testing
@testable import ScaleCastCLI
import Reports
import Scenario

/// Scenario names, run labels and file names that try to run commands through
/// gnuplot (issue 17): they must reach a chart script only as inert text.
@Suite struct HostileNameTests {
    /// Text that, were it pasted raw into a gnuplot script, would create `marker`:
    /// quotes of both kinds, a backquote substitution, `system()`, a macro, a
    /// quote-breaking `'; system(...); '`, and newlines that would start new commands.
    static func hostile(_ marker: String) -> String {
        "'; q' d\" `touch \(marker)` system(\"touch \(marker)\") @m '; system(\"touch \(marker)\"); ' \\\n"
            + "system(\"touch \(marker)\")\r\nset output '\(marker)'"
    }

    /// `text` as a YAML double-quoted scalar.
    static func yamlQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r") + "\""
    }

    /// A small priced scenario, two runs, named and labelled with `text`.
    static func scenario(named text: String) -> String {
        """
        name: \(yamlQuoted(text))
        model: alexnet-owt
        batch_per_gpu: 64
        precision: fp32
        cluster: {gpu: A100-SXM4-40GB, gpus_per_node: 4, fabric: nvswitch, network: {link: eth-100g}}
        gpus: [1, 2, 4]
        training: {epochs: 1}
        pricing: {mode: cloud}
        runs:
          - {label: \(yamlQuoted(text + " one")), strategy: {kind: data, allreduce: ring, bucket_mb: 25}}
          - {label: \(yamlQuoted(text + " two")), strategy: {kind: data, allreduce: ring, bucket_mb: 5}}
        """
    }

    /// The script's text outside single-quoted strings (`''` inside one stands
    /// for a quote), comment lines left out: what gnuplot would substitute in.
    static func outsideSingleQuotes(_ script: String) -> String {
        var outside = ""
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix("#") {
            var quoted = false
            var characters = line.makeIterator()
            var pending = characters.next()
            while let c = pending {
                pending = characters.next()
                if c == "'" {
                    if quoted && pending == "'" { pending = characters.next(); continue }
                    quoted.toggle()
                } else if !quoted {
                    outside.append(c)
                }
            }
            #expect(!quoted, "unterminated single-quoted string in: \(line)")
            outside.append("\n")
        }
        return outside
    }

    /// Every chart kind's files for a scenario named `text`, built without gnuplot.
    static func charts(named text: String) throws -> [Chart] {
        let scenario = try Scenario.load(path: try writeTemporary(scenario(named: text)))
        var charts = try ChartCommand.Kind.allCases.map { kind in
            try ChartBuilder.chart(kind, scenario: scenario, run: nil, gpus: kind == .gantt ? [4] : [2, 4], link: nil,
                                   bandwidths: [10, 100], format: .png)
        }
        let points = [Charts.CostTimePoint(hours: 1, dollars: 10, label: text + " one"),
                      Charts.CostTimePoint(hours: 2, dollars: 5, label: text + " two")]
        charts.append(try Charts.costTime(all: points, front: points, chosen: points[1], deadlineHours: 1.5, budgetDollars: 8,
                                          title: "\(text): time and cost to train", format: .png))
        return charts
    }

    @Test func escapedStringsAreSingleQuotedOnOneLine() {
        #expect(Chart.gnuplotString("it's") == "'it\u{2019}s'")
        #expect(Chart.gnuplotString("'; x") == "'\u{2019}; x'")   // gnuplot reads a leading '' as an empty string
        #expect(Chart.gnuplotString("a\nb\r\tc\u{2028}d") == "'a b  c d'")
        #expect(Chart.gnuplotString("`x` @m \"q\" \\") == "'`x` @m \"q\" \\'")
        #expect(Chart.dataLabel("say \"hi\"\nnow") == "\"say 'hi' now\"")
        #expect(Chart.dataComment("a\nb") == "a b")
    }

    @Test func hostileTextStaysInsideSingleQuotedStrings() throws {
        let hostile = try Self.charts(named: Self.hostile("PWNED"))
        let benign = try Self.charts(named: "plain")
        for (chart, plain) in zip(hostile, benign) {
            #expect(chart.script.contains("PWNED"), "\(chart.name): the test text should reach the script")
            let outside = Self.outsideSingleQuotes(chart.script)
            for forbidden in ["PWNED", "`", "system", "@"] {
                #expect(!outside.contains(forbidden), "\(chart.name).gp: '\(forbidden)' outside a single-quoted string")
            }
            #expect(chart.script.split(separator: "\n", omittingEmptySubsequences: false).count
                        == plain.script.split(separator: "\n", omittingEmptySubsequences: false).count,
                    "\(chart.name).gp: the text added lines")
            for line in chart.data.split(separator: "\n") where line.contains("PWNED") {
                // A label column first, the text only inside it, the rest of the row whole (a row may end with a label of its own).
                let rest = line.dropFirst().drop { $0 != "\"" }.dropFirst()
                let isLabel = line.hasPrefix("\"") && !rest.contains("PWNED") && rest.filter { $0 == "\"" }.count % 2 == 0
                #expect(line.hasPrefix("#") || isLabel, "\(chart.name).dat: a row is broken by the text: \(line)")
            }
            #expect(chart.data.split(separator: "\n", omittingEmptySubsequences: false).count
                        == plain.data.split(separator: "\n", omittingEmptySubsequences: false).count,
                    "\(chart.name).dat: the text added lines")
        }
    }

    @Test(.enabled(if: Gnuplot.executable != nil, "gnuplot is not installed"))
    func gnuplotRunsNoCommandFromAnyChart() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-hostile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let marker = root + "/PWNED"
        let scenario = root + "/s.yaml"
        try Self.scenario(named: Self.hostile(marker)).write(toFile: scenario, atomically: true, encoding: .utf8)
        // plan puts the file name in its title: one that tries the same, relative to gnuplot's folder.
        let named = root + "/p'`touch PWNED`\"; system(\"touch PWNED\"); '\nsystem(\"touch PWNED\") @m.yaml"
        try FileManager.default.copyItem(atPath: scenario, toPath: named)
        let runs: [(arguments: [String], images: [String])] = [
            (["chart", "scaling", scenario, "--out", root + "/scaling"], ["scaling.png"]),
            (["chart", "throughput", scenario, "--out", root + "/throughput"], ["throughput.png"]),
            (["chart", "time-to-train", scenario, "--out", root + "/time"], ["timetotrain.png"]),
            (["chart", "breakdown", scenario, "--out", root + "/breakdown"], ["breakdown.png"]),
            (["chart", "bandwidth", scenario, "--gpus", "2,4", "--bandwidths", "10,100", "--out", root + "/bandwidth"], ["bandwidth.png"]),
            (["chart", "gantt", scenario, "--gpus", "4", "--out", root + "/gantt"], ["gantt.png"]),
            (["plan", named, "--deadline-hours", "100", "--quiet", "--out", root + "/plan"], ["costtime.png"]),
            (["report", scenario, "--out", root + "/report"], ["throughput.png", "timetotrain.png", "scaling.png", "breakdown.png", "gantt.png"]),
        ]
        for run in runs {
            let out = CLI.execute(run.arguments)
            #expect(out.exitCode == 0, "\(run.arguments[0...1]): \(out.stderr)")
            let folder = run.arguments[run.arguments.firstIndex(of: "--out")! + 1]
            for image in run.images {
                let size = (try? FileManager.default.attributesOfItem(atPath: folder + "/" + image)[.size] as? Int) ?? 0
                #expect(size > 0, "\(folder)/\(image) was not drawn")
            }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            #expect(!files.contains { $0.contains("PWNED") || $0.hasSuffix(".tmp") }, "\(folder): \(files)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "a chart ran a command from the scenario")
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/PWNED"))
    }
}
