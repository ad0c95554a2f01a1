import Foundation
import Testing
@testable import ScaleCastCLI

/// `sweep` without `--shard` inside a Slurm job array computes the array task's shard.
@Suite struct SweepShardTests {
    @Test func withoutSlurmOrShardTheWholeSweepRuns() throws {
        #expect(try SweepShard.select(option: nil, environment: [:]) == nil)
        #expect(try SweepShard.select(option: nil, environment: ["SLURM_JOB_ID": "7"]) == nil)
    }

    /// `--array=0-3`: tasks 0...3 are shards 1...4 of 4; `--array=1-4` the same from 1.
    @Test(arguments: [(["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4"], 1, 4),
                      (["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"], 4, 4),
                      (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"], 1, 4),
                      (["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"], 4, 4),
                      (["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1",
                        "SLURM_ARRAY_TASK_STEP": "2"], 4, 4)])
    func anArrayTaskComputesItsShard(environment: [String: String], index: Int, count: Int) throws {
        let shard = try #require(try SweepShard.select(option: nil, environment: environment))
        #expect(shard.index == index)
        #expect(shard.count == count)
        #expect(shard.origin?.contains("SLURM_ARRAY_TASK_ID=\(environment["SLURM_ARRAY_TASK_ID"]!)") == true)
    }

    @Test func theOptionWinsOverSlurm() throws {
        let shard = try SweepShard.select(option: "2/3", environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4"])
        #expect(shard == SweepShard(index: 2, count: 3))
    }

    /// Each bad value exits 2 naming the variable that is wrong.
    @Test(arguments: [(["SLURM_ARRAY_TASK_ID": "two", "SLURM_ARRAY_TASK_COUNT": "4"], "SLURM_ARRAY_TASK_ID"),
                      (["SLURM_ARRAY_TASK_ID": "-1", "SLURM_ARRAY_TASK_COUNT": "4"], "SLURM_ARRAY_TASK_ID"),
                      (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "0"], "SLURM_ARRAY_TASK_COUNT"),
                      (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4x"], "SLURM_ARRAY_TASK_COUNT"),
                      (["SLURM_ARRAY_TASK_ID": "1"], "SLURM_ARRAY_TASK_COUNT"),
                      (["SLURM_ARRAY_TASK_COUNT": "4"], "SLURM_ARRAY_TASK_ID"),
                      (["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"], "SLURM_ARRAY_TASK_ID=4"),
                      (["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"], "SLURM_ARRAY_TASK_ID=0"),
                      (["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1",
                        "SLURM_ARRAY_TASK_STEP": "2"], "SLURM_ARRAY_TASK_ID=2"),
                      (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_STEP": "0"], "SLURM_ARRAY_TASK_STEP"),
                      (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": ""], "SLURM_ARRAY_TASK_MIN")])
    func badSlurmValuesNameTheVariable(environment: [String: String], named: String) {
        #expect {
            try SweepShard.select(option: nil, environment: environment)
        } throws: { error in
            (error as? UsageError)?.message.contains(named) ?? false
        }
    }

    /// The executable in a Slurm array: each task writes its shard (noting where it
    /// came from), bad variables exit 2 naming them, and the shards merge into the whole sweep.
    @Test func arrayTasksMergeIntoTheWholeSweep() throws {
        let scenario = try writeTemporary(smallScenario)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-slurm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let vary = ["--vary", "gpus=1,2,4", "--vary", "batch_per_gpu=32,64", "--quiet"]
        #expect(CLI.execute(["sweep", scenario] + vary + ["--out", dir + "/whole.json"]).exitCode == 0)
        for task in 0..<3 {
            let (status, _, stderr) = try ExecutableTests().run(["sweep", scenario] + vary + ["--out", dir + "/task\(task).json"],
                                              environment: ["SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_TASK_COUNT": "3"])
            #expect(status == 0, "\(stderr)")
            #expect(stderr.contains("shard \(task + 1)/3 from SLURM_ARRAY_TASK_ID=\(task)"))
        }
        let merged = CLI.execute(["merge", dir + "/task2.json", dir + "/task0.json", dir + "/task1.json"])
        #expect(merged.exitCode == 0)
        #expect(merged.stdout == (try String(contentsOfFile: dir + "/whole.json", encoding: .utf8)))
        // A shard left out is named; a shard that is not there is no such file.
        let partial = CLI.execute(["merge", dir + "/task2.json", dir + "/task0.json"])
        #expect(partial.exitCode == 2 && partial.stderr.contains("shard 2/3 is not among those given"), "\(partial.stderr)")
        let absent = CLI.execute(["merge", dir + "/task0.json", dir + "/task9.json"])
        #expect(absent.exitCode == 2 && absent.stderr.contains("task9.json: no such file"), "\(absent.stderr)")
        let (status, stdout, stderr) = try ExecutableTests().run(["sweep", scenario] + vary, environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "three"])
        #expect(status == 2)
        #expect(stdout.isEmpty)
        #expect(stderr.hasPrefix("error: SLURM_ARRAY_TASK_COUNT"))
    }

    /// Shards are of one sweep when their scenario's contents are the same, whatever path
    /// names it: a shard run on an edited scenario at the same path is refused, one run on
    /// the same file through another spelling of its path joins.
    @Test func shardsOfAnEditedScenarioAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-digest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let scenario = dir + "/s.yaml"
        try smallScenario.write(toFile: scenario, atomically: true, encoding: .utf8)
        let vary = ["--vary", "gpus=1,2", "--quiet"]
        #expect(CLI.execute(["sweep", scenario] + vary + ["--shard", "1/2", "--out", dir + "/a.json"]).exitCode == 0)
        #expect(CLI.execute(["sweep", dir + "/./s.yaml"] + vary + ["--shard", "2/2", "--out", dir + "/b.json"]).exitCode == 0)
        let joined = CLI.execute(["merge", dir + "/a.json", dir + "/b.json"])
        #expect(joined.exitCode == 0, "\(joined.stderr)")
        try (smallScenario + "# edited\n").write(toFile: scenario, atomically: true, encoding: .utf8)
        #expect(CLI.execute(["sweep", scenario] + vary + ["--shard", "2/2", "--out", dir + "/c.json"]).exitCode == 0)
        let mixed = CLI.execute(["merge", dir + "/a.json", dir + "/c.json"])
        #expect(mixed.exitCode == 2 && mixed.stderr.contains("is from another sweep"), "\(mixed.stderr)")
    }

    /// merge refuses rows whose figures do not agree with one another (images/s not the global
    /// batch over the step; a breakdown that does not add up to the step), and a shard left out
    /// even where it held no points (more shards than points).
    @Test func mergeRefusesFiguresThatDoNotAddUpAndAnEmptyShardLeftOut() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-addup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let scenario = try writeTemporary(smallScenario)
        let vary = ["--vary", "gpus=1,2", "--quiet"]
        for shard in 1...3 {
            #expect(CLI.execute(["sweep", scenario] + vary + ["--shard", "\(shard)/3", "--out", dir + "/s\(shard).json"]).exitCode == 0)
        }
        let whole = CLI.execute(["merge", dir + "/s1.json", dir + "/s2.json", dir + "/s3.json"])
        #expect(whole.exitCode == 0, "\(whole.stderr)")
        // A folder, or a sweep's CSV, given where a shard's JSON goes: said as such.
        let folder = CLI.execute(["merge", dir])
        #expect(folder.exitCode == 2 && folder.stderr.contains("is a folder; give the shards' files"), "\(folder.stderr)")
        #expect(CLI.execute(["sweep", scenario] + vary + ["--out", dir + "/whole.csv"]).exitCode == 0)
        let csv = CLI.execute(["merge", dir + "/whole.csv"])
        #expect(csv.exitCode == 2 && csv.stderr.contains("merge takes the JSON shards of sweep --out FILE.json, not CSV"), "\(csv.stderr)")
        let empty = CLI.execute(["merge", dir + "/s1.json", dir + "/s2.json"])
        #expect(empty.exitCode == 2 && empty.stderr.contains("shard 3/3 is not among those given (it holds no points"), "\(empty.stderr)")
        // One figure of shard 1's row edited: each check names it.
        let text = try String(contentsOfFile: dir + "/s1.json", encoding: .utf8)
        for (key, message) in [("images_per_second", "is not global_batch"), ("compute_seconds", "add up to")] {
            let edited = try #require(text.range(of: "\"\(key)\" : ") ?? text.range(of: "\"\(key)\":"))
            let changed = text.replacingCharacters(in: edited, with: text[edited] + "1")
            try changed.write(toFile: dir + "/e.json", atomically: true, encoding: .utf8)
            let out = CLI.execute(["merge", dir + "/e.json", dir + "/s2.json", dir + "/s3.json"])
            #expect(out.exitCode == 2 && out.stderr.contains(message) && out.stderr.contains("damaged or was edited"), "\(key): \(out.stderr)")
        }
    }
}
