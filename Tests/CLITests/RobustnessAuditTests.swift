import Foundation
@testable import Parallelism
import Planning
import Testing
@testable import ScaleCastCLI

/// What a robustness audit of 2026-12-04 found: charts and traces drawn for a configuration
/// that cannot run, a sweep CSV broken by a carriage return, merged shards nobody could have
/// written, a bandwidth what-if blamed on the scenario's batch, a control character reaching
/// the terminal, leftovers of an interrupted run kept forever, and messages that named the
/// wrong cause or no line.
@Suite struct RobustnessAuditTests {
    /// VGG-16 at 4,096 images per GPU needs about 283 GiB on a 5 GiB K20.
    let tooBig = "name: nofit\nmodel: vgg16\nbatch_per_gpu: 4096\nprecision: fp32\n"
        + "cluster: {gpu: K20, gpus_per_node: 8}\nstrategy: {kind: data}\ngpus: [1, 8]\n"

    func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-robust-\(UUID().uuidString)").path
    }

    /// simulate prints such configurations with fits NO and exits 2; a chart or a trace has no
    /// such column, so it is refused the same way, and nothing is written.
    @Test func chartsAndTracesRefuseAConfigurationThatDoesNotFit() throws {
        let path = try writeTemporary(tooBig)
        let out = folder()
        for arguments in [["chart", "scaling"], ["chart", "gantt"], ["chart", "bandwidth"], ["trace"]] {
            let target = arguments == ["trace"] ? out + "/t.json" : out
            let result = CLI.execute(arguments + [path, "--out", target])
            #expect(result.exitCode == 2, "\(arguments)")
            #expect(result.stderr.contains(":3: batch_per_gpu: vgg16 with 4096 images per GPU does not fit")
                    && result.stderr.contains("the K20 has 5.0 GiB"), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A label holding a carriage return is quoted in the CSV (RFC 4180), so every row keeps its columns.
    @Test func aCarriageReturnIsQuotedInTheCSV() throws {
        let path = try writeTemporary("name: cr\nmodel: resnet50\nbatch_per_gpu: 64\ncluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}\n"
                                      + "strategy: {kind: data}\ngpus: [1]\nruns:\n  - {label: \"a\\rb\"}\n")
        let csv = folder() + ".csv"
        let sweep = CLI.execute(["sweep", path, "--vary", "gpus=1", "--quiet", "--out", csv])
        #expect(sweep.exitCode == 0, "\(sweep.stderr)")
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        #expect(text.contains(",\"a\rb\","), "\(text.prefix(400))")
    }

    /// Shards are checked for what no sweep writes: a name that is not I/N, a point of another
    /// shard, a value the sweep did not vary, a negative rate, figures that do not add up.
    @Test func mergeRefusesShardsNoSweepWrote() throws {
        let path = try writeTemporary("name: sw\nmodel: resnet50\nbatch_per_gpu: 32\nprecision: bf16\n"
                                      + "cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}\nstrategy: {kind: data}\ngpus: [1, 8]\n")
        let base = folder()
        let shards = (1...2).map { "\(base)-\($0).json" }
        for (i, shard) in shards.enumerated() {
            let sweep = CLI.execute(["sweep", path, "--vary", "batch_per_gpu=16,32", "--shard", "\(i + 1)/2", "--out", shard, "--quiet"])
            #expect(sweep.exitCode == 0, "\(sweep.stderr)")
        }
        #expect(CLI.execute(["merge"] + shards).exitCode == 0)
        func edited(_ source: Int = 1, _ change: (inout [String: Any]) -> Void) throws -> String {
            var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: shards[source]))) as? [String: Any])
            change(&document)
            let edited = base + "-edited-\(UUID().uuidString).json"
            try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: edited))
            return edited
        }
        func firstRow(_ document: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
            var rows = document["results"] as! [[String: Any]]
            change(&rows[0])
            document["results"] = rows
        }
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("is named 'abc', not I/N", { d in var s = d["sweep"] as! [String: Any]; s["shard"] = "abc"; d["sweep"] = s }),
            ("which is shard 2/2's", { d in var s = d["sweep"] as! [String: Any]; s["shard"] = "1/2"; d["sweep"] = s }),
            ("batch_per_gpu = '999' is not one of the values the sweep varied",
             { d in firstRow(&d) { r in r["vary"] = ["batch_per_gpu": "999"] } }),
            ("images_per_second is -5.0, which no simulation gives", { d in firstRow(&d) { r in r["images_per_second"] = -5.0 } }),
            ("epochs is -1.0, which no simulation gives", { d in firstRow(&d) { r in r["epochs"] = -1.0 } }),
            ("batch_per_gpu 0, peak memory", { d in firstRow(&d) { r in r["batch_per_gpu"] = 0 } }),
            // Rows that add up no sweep writes: a global batch of no whole number of steps, epochs outside a
            // scenario's range or without a time to train, held epochs without epochs or of another side.
            ("is no whole number of steps of batch_per_gpu 17 on 8 GPUs", { d in firstRow(&d) { r in r["batch_per_gpu"] = 17 } }),
            ("epochs is 1e+300, outside the 0.001 to 1000000 a scenario may state", { d in firstRow(&d) { r in r["epochs"] = 1e300 } }),
            ("epochs is 2.0 where time_to_train_seconds is null", { d in firstRow(&d) { r in r["epochs"] = 2.0 } }),
            ("epochs_held is 'above' where epochs is null", { d in firstRow(&d) { r in r["epochs_held"] = "above" } }),
            ("epochs_held", { d in firstRow(&d) { r in r["epochs_held"] = "sideways" } }),
        ]
        for (message, change) in cases {
            // Shards 1 and 2 swapping names: each holds the other's points.
            let swapped = try edited(0) { d in var s = d["sweep"] as! [String: Any]; s["shard"] = "2/2"; d["sweep"] = s }
            let files = message.hasPrefix("which") ? [try edited(1, change), swapped] : [shards[0], try edited(1, change)]
            let merged = CLI.execute(["merge"] + files)
            #expect(merged.exitCode == 2 && merged.stderr.contains(message), "\(message): \(merged.stderr)")
        }
    }

    /// The what-if's bandwidths are links' bandwidths: outside what a catalog link may have, the flag is named.
    @Test func bandwidthsOutsideALinksRangeAreTheFlags() throws {
        let path = try writeTemporary("name: bw\nmodel: resnet50\nbatch_per_gpu: 64\nprecision: bf16\n"
                                      + "cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, network: {link: ib-hdr, nics_per_node: 1}}\n"
                                      + "strategy: {kind: data}\ngpus: [16]\n")
        let out = CLI.execute(["chart", "bandwidth", path, "--bandwidths", "1e-6", "--out", folder()])
        #expect(out.exitCode == 2 && out.stderr.contains("--bandwidths: 1e-06 Gb/s is outside the 8e-06 to 8e+06 Gb/s a link may have"),
                "\(out.stderr)")
    }

    /// A scenario's name or label reaches the table with its control characters escaped.
    @Test func controlCharactersDoNotReachTheTerminal() throws {
        let path = try writeTemporary("name: \"red \\e[31m\"\nmodel: resnet50\nbatch_per_gpu: 64\n"
                                      + "cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}\nstrategy: {kind: data}\ngpus: [1]\n"
                                      + "runs:\n  - {label: \"bell\\a\"}\n")
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(!out.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
        #expect(out.stdout.contains("red \\u{1B}[31m") && out.stdout.contains("bell\\u{7}"), "\(out.stdout.prefix(300))")
    }

    /// A `.NAME.PID.tmp` left by a run that was killed (an hour old, no process with its PID)
    /// is removed by the next write of NAME; one whose process still runs (PID 1), one written
    /// a minute ago (perhaps by another machine sharing the folder), another NAME's and a
    /// symbolic link are left alone.
    @Test func leftoversOfAKilledRunAreRemoved() throws {
        let dir = folder()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let stale = dir + "/.out.json.2147483646.tmp", live = dir + "/.out.json.1.tmp", recent = dir + "/.out.json.2147483645.tmp"
        let other = dir + "/.other.json.2147483646.tmp", link = dir + "/.out.json.2147483644.tmp"
        for leftover in [stale, live, recent, other] { try "partial".write(toFile: leftover, atomically: false, encoding: .utf8) }
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: other)
        let hourAgo = Date(timeIntervalSinceNow: -3_600)
        for old in [stale, live, other] { try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: old) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: recent)
        try OutputFile.write("{}\n", to: dir + "/out.json", force: false)
        #expect(!FileManager.default.fileExists(atPath: stale))
        for kept in [live, recent, other] { #expect(FileManager.default.fileExists(atPath: kept), "\(kept)") }
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == other)
    }

    /// Data for a program is passed through as its encoder wrote it: JSON with a C1 control or
    /// U+2028 in a label still parses, and sweep's CSV on standard output is the --out file's.
    @Test func dataOnStandardOutputIsNotEscaped() throws {
        let path = try writeTemporary("name: t\nmodel: resnet50\nbatch_per_gpu: 64\ncluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}\n"
                                      + "strategy: {kind: data}\ngpus: [1]\nruns:\n  - {label: \"a\\rb\\u2028c\\x9bd\"}\n")
        let json = CLI.execute(["simulate", path, "--json"])
        let rows = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        #expect((rows.first?["label"] as? String)?.hasPrefix("a\rb\u{2028}c\u{9B}d ·") == true)
        let csv = folder() + ".csv"
        #expect(CLI.execute(["sweep", path, "--vary", "gpus=1", "--quiet", "--out", csv]).exitCode == 0)
        #expect(CLI.execute(["sweep", path, "--vary", "gpus=1", "--quiet"]).stdout == (try String(contentsOfFile: csv, encoding: .utf8)))
        // The table for a person escapes them.
        #expect(CLI.execute(["simulate", path]).stdout.contains("a\\rb\\u{2028}c\\u{9B}d"))
    }

    /// The messages name the real cause at its line: a NUL byte, libyaml's nesting limit, a file
    /// large with no alias, a GPU count from --vary, a plan too large even aggregated.
    @Test func messagesNameTheCause() throws {
        let nul = try writeTemporary("name: t\n\u{0}x: 1\nmodel: resnet50\n")
        #expect(CLI.execute(["simulate", nul]).stderr.contains(":2: invalid YAML: control characters are not allowed (character U+0000)"))
        // Lines counted as characters: em dashes (3 bytes each) and CRLF line breaks before it do not move it.
        let dashes = try writeTemporary(String(repeating: "# " + String(repeating: "\u{2014}", count: 40) + "\r\n", count: 6) + "name: t\r\n\u{0}x: 1\r\n")
        #expect(CLI.execute(["simulate", dashes]).stderr.contains(":8: invalid YAML: control characters"))
        let deep = try writeTemporary("name: " + String(repeating: "[", count: 1_100) + String(repeating: "]", count: 1_100) + "\n")
        #expect(CLI.execute(["simulate", deep]).stderr.contains("invalid YAML: nested more than 1,000 levels deep"))
        let large = try writeTemporary("description:\n" + String(repeating: "  - x\n", count: 1_000_001))
        let refused = CLI.execute(["simulate", large]).stderr
        #expect(refused.contains("it holds more than 1000000 values") && !refused.contains("aliases"), "\(refused)")
        // One small alias in such a file is not what passed the limit.
        let aliasToo = try writeTemporary("name: &n t\nalias: *n\ndescription:\n" + String(repeating: "  - x\n", count: 1_000_001))
        #expect(CLI.execute(["simulate", aliasToo]).stderr.contains("it holds more than 1000000 values"))
        let noNetwork = try writeTemporary("name: n\nmodel: resnet50\nbatch_per_gpu: 32\ncluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}\n"
                                           + "strategy: {kind: data}\ngpus: [1, 8]\n")
        let sweep = CLI.execute(["sweep", noNetwork, "--vary", "gpus=16", "--quiet"])
        #expect(sweep.exitCode == 2 && sweep.stderr.contains("but the cluster has no network") && sweep.stderr.contains("(with --vary gpus=16)"),
                "\(sweep.stderr)")
        var aggregated = PlanTooLargeError(estimatedTasks: 3e6, estimatedDependencies: 3e6, estimatedExchangeWork: 0)
        // The error says what was refused; ScenarioRunner offers aggregated fidelity where the run can take it, once.
        #expect(aggregated.description.contains("transfer by transfer") && !aggregated.description.contains("fidelity: aggregated"))
        aggregated.wasAggregated = true
        #expect(!aggregated.description.contains("aggregated") && !aggregated.description.contains("transfer by transfer"))
        #expect(errorLine(String(repeating: "x", count: 5_000)) == "error: " + String(repeating: "x", count: 4_000) + "... (1000 more characters)\n")
        // One character of many combining marks is cut too; a flag as typed reaches the terminal escaped.
        #expect(errorLine("a" + String(repeating: "\u{301}", count: 10_000)).unicodeScalars.count < 4_100)
        let flag = CLI.execute(["simulate", nul, "--bogus\u{1B}[31m"])
        #expect(flag.exitCode == 2 && !flag.stderr.unicodeScalars.contains("\u{1B}") && flag.stderr.contains("\\u{1B}"), "\(flag.stderr)")
    }

    /// Under a parameter server whose last node is partly filled the GPUs run out of phase;
    /// a GPU's compute is still its own layers' (the same at every GPU and NIC count under
    /// `ideal`, which adds no interference), never a window's cut of two steps, and the
    /// three parts still make the step.
    @Test func computeIsTheGPUsOwnWorkWhenGPUsRunOutOfPhase() throws {
        let path = try writeTemporary("name: ps\nmodel: alexnet\nbatch_per_gpu: 128\nprecision: bf16\nsoftware: ideal\n"
            + "cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-edr, nics_per_node: 1}}\n"
            + "strategy: {kind: data, allreduce: parameter-server, bucket_mb: 25}\ngpus: [10, 12, 16]\n"
            + "runs:\n  - {label: one}\n  - {label: two, cluster: {network: {link: ib-edr, nics_per_node: 2}}}\n")
        let out = CLI.execute(["simulate", path, "--json"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let rows = try #require((try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        #expect(rows.count == 6)
        var computes: [Double] = []
        for row in rows {
            let parts = try #require(row["breakdown_seconds"] as? [String: Double])
            let compute = try #require(parts["compute"]), step = try #require(row["step_seconds"] as? Double)
            computes.append(compute)
            #expect(abs(compute + parts["exposed_communication"]! + parts["idle"]! - step) < 1e-9 * step, "\(row)")
        }
        #expect(computes.max()! - computes.min()! < 1e-6 * computes.max()!, "\(computes)")
    }

    /// A link that leads nowhere is said to be one, not "no such file"; notebook run names no
    /// --out flag it does not have when it cannot rewrite a notebook.
    @Test func linksAndNotebooksAreNamedForWhatTheyAre() throws {
        let dir = folder()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/a.yaml", withDestinationPath: dir + "/b.yaml")
        try FileManager.default.createSymbolicLink(atPath: dir + "/b.yaml", withDestinationPath: dir + "/a.yaml")
        let loop = CLI.execute(["simulate", dir + "/a.yaml"])
        #expect(loop.exitCode == 2 && loop.stderr.contains("a symbolic link that leads to no file"), "\(loop.stderr)")
        try "# A notebook\n\n```scalecast\nscalecast models\n```\n".write(toFile: dir + "/real.md", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/linked.md", withDestinationPath: dir + "/real.md")
        let notebook = CLI.execute(["notebook", "run", dir + "/linked.md"])
        #expect(notebook.exitCode == 2 && notebook.stderr.contains("error: notebook: ") && !notebook.stderr.contains("--out"),
                "\(notebook.stderr)")
        // --shard reads I/N as merge does: a sign is no shard.
        #expect(CLI.execute(["sweep", try writeTemporary(tooBig), "--vary", "gpus=1", "--shard", "+1/2"]).stderr
                    .contains("--shard: expected I/N with 1 <= I <= N, got '+1/2'"))
    }
}
