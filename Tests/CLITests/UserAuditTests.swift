import Foundation
import Planning
import Testing
import Reports
@testable import ScaleCastCLI
@testable import Scenario

/// What a user audit of 2026-12-04 found the commands telling a user wrongly: a host-bound
/// step called communication-bound, a fidelity offered that would be refused, costs and hours
/// rounded to zero, a pessimistic capex printed beside a central TCO, a negative budget read
/// as a missing value, and a report folder half written before its report.md was refused.
@Suite struct UserAuditTests {
    /// ResNet-50 under eager PyTorch on 8 H100s at `batch` images per GPU.
    func eager(batch: Int) throws -> String {
        try writeTemporary("name: eager\nmodel: resnet50\nbatch_per_gpu: \(batch)\nprecision: bf16\n"
                           + "cluster: {gpu: H100-SXM5, gpus_per_node: 8, fabric: nvswitch}\nsoftware: pytorch-ddp\n"
                           + "strategy: {kind: data}\ngpus: [8]\n")
    }

    /// At one image per GPU the host thread's launches (about 10 us each) take longer than
    /// the GPU's kernels: the GPUs' idle time is theirs, not communication's.
    @Test func aHostBoundStepIsCalledHostBound() throws {
        let small = CLI.execute(["explain", try eager(batch: 1), "--top", "1"])
        #expect(small.exitCode == 0, "\(small.stderr)")
        let verdict = small.stdout.split(separator: "\n").map(String.init)[2]
        #expect(verdict.hasPrefix("The step is host-bound: the host thread that launches each GPU's kernels is busy 100% of it"), "\(verdict)")
        #expect(!verdict.contains("wait on communication"), "\(verdict)")
        // At 128 per GPU the GPUs keep up with nothing to wait for: compute, as before.
        let large = CLI.execute(["explain", try eager(batch: 128), "--top", "1"])
        let computeBound = large.stdout.split(separator: "\n").map(String.init)[2]
        #expect(!computeBound.contains("host-bound") && computeBound.contains("compute is the bottleneck"), "\(computeBound)")
    }

    /// plan names the same limit: a host-bound fastest configuration is not "communication-bound",
    /// and sweep rows carry the host thread's busy time.
    @Test func planCallsAHostBoundConfigurationHostBound() throws {
        let path = try writeTemporary("name: eager\nmodel: resnet50\nbatch_per_gpu: 1\nprecision: bf16\n"
                                      + "cluster: {gpu: H100-SXM5, gpus_per_node: 8, fabric: nvswitch}\nsoftware: pytorch-ddp\n"
                                      + "strategy: {kind: data}\ntraining: {images: 1281167, epochs: 1}\npricing: {mode: cloud}\ngpus: [8]\n")
        let out = CLI.execute(["plan", path, "--deadline-hours", "0.01", "--vary", "gpus=8"])
        #expect(out.exitCode == 1, "\(out.stderr)")   // nothing meets 36 seconds: the plan is printed, exit 1
        #expect(out.stdout.contains("because it is host-bound: the host thread that launches its kernels is busy 100% of each step")
                && !out.stdout.contains("communication-bound"), "\(out.stdout)")
        let json = path + ".json"
        let sweep = CLI.execute(["sweep", path, "--vary", "gpus=8", "--quiet", "--out", json])
        #expect(sweep.exitCode == 0, "\(sweep.stderr)")
        let document = try Data(contentsOf: URL(fileURLWithPath: json))
        let rows = try #require((try JSONSerialization.jsonObject(with: document) as? [String: Any])?["results"] as? [[String: Any]])
        let row = try #require(rows.first)
        let host = try #require(row["host_busy_seconds"] as? Double), step = try #require(row["step_seconds"] as? Double)
        #expect(host >= 0.95 * step && host <= step * (1 + 1e-9), "\(host) of \(step)")
    }

    /// Data parallelism on 4,096 GPUs of 4-node leaves: the expanded plan is too large
    /// (about 3.2 million tasks), so the sentence must not offer `fidelity: expanded`; on
    /// one non-blocking switch node 0 stands for every node and the offer stands.
    @Test func expandedIsOfferedOnlyWhereItWouldRun() throws {
        func verdict(_ network: String) throws -> String {
            let path = try writeTemporary("name: big\nmodel: resnet50\nbatch_per_gpu: 256\nprecision: bf16\n"
                                          + "cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: \(network)}\n"
                                          + "strategy: {kind: data, allreduce: ring, bucket_mb: 25}\ngpus: [4096]\n")
            let out = CLI.execute(["explain", path, "--top", "1"])
            #expect(out.exitCode == 0, "\(out.stderr)")
            return out.stdout.split(separator: "\n").map(String.init)[2]
        }
        let leaves = try verdict("{link: eth-25g, nics_per_node: 1, nodes_per_leaf: 4, oversubscription: 2}")
        #expect(leaves.contains("no per-link breakdown") && !leaves.contains("fidelity: expanded"), "\(leaves)")
        let oneSwitch = try verdict("{link: eth-25g, nics_per_node: 1}")
        #expect(oneSwitch.contains("simulation: {fidelity: expanded} gives one"), "\(oneSwitch)")
    }

    @Test func dollarsAndHoursKeepTheDigitsASmallFigureNeeds() {
        #expect(Format.dollars(0.4) == "0.40")
        #expect(Format.dollars(31.234) == "31.23")
        #expect(Format.dollars(99.994) == "99.99")
        #expect(Format.dollars(1_366_968.4) == "1,366,968")
        #expect(Format.hours(0.05) == "0.050")
        #expect(Format.hours(2.345) == "2.35")
        #expect(Format.hours(26.26) == "26.3")
        // Under 1.8 s, three decimals would read as no time at all.
        #expect(Format.hours(0.2 / 3600) == "<0.001" && Format.hours(0.0006) == "0.001" && Format.hours(0) == "0.000")
    }

    /// A rate or a count as reports print it: rounded, grouped; a figure Int cannot hold is
    /// written in three significant figures, never a trap.
    @Test func wholeFiguresRoundAndNeverTrap() {
        #expect(Format.whole(24_460.6) == "24,461")
        #expect(Format.whole(-1_234.4) == "-1,234")
        #expect(Format.whole(2e19) == "2e+19")
        #expect(Format.whole(.infinity) == "inf")
        #expect(Format.whole(.nan) == "nan")
    }

    /// Under --pessimistic the capex is drawn across its prices' ranges; the TCO is not, so
    /// the explanation gives the central capex (which the TCO includes) and the 90th
    /// percentile beside it, never the percentile alone next to the central TCO.
    @Test func aPessimisticCapexIsLabelledBesideTheCentralOne() throws {
        let out = CLI.execute(["plan", PlanCostTests.scenario, "--deadline-hours", "12", "--pessimistic", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let explanation = try #require(out.stdout.split(separator: "\n").map(String.init).first { $0.contains("is the cheapest way") })
        let pattern = #/\(capex \$([0-9,]+), \$([0-9,]+) at the 90th percentile of its prices, TCO \$([0-9,]+) over its life\)/#
        let match = try #require(explanation.firstMatch(of: pattern), "\(explanation)")
        func number(_ s: Substring) -> Double { Double(s.replacingOccurrences(of: ",", with: "")) ?? .nan }
        #expect(number(match.1) < number(match.2))
        #expect(number(match.1) < number(match.3), "the TCO includes the capex it is beside")
        // The runner-up's capex, which the explanation gives alone, is named as the percentile it is.
        #expect(explanation.range(of: #"up front \(capex \$[0-9,]+ at the 90th percentile of its prices\)"#, options: .regularExpression) != nil,
                "\(explanation)")
    }

    /// A model file can be a swept value, written as a scenario writes it; a misspelt `file`
    /// key is named as such.
    @Test func aModelFileIsASweptValue() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "name: tiny\ninput: [3, 32, 32]\nlayers:\n  - {type: conv, out: 8, kernel: 3, pad: 1}\n  - {type: fc, units: 10}\n"
            .write(to: dir.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
        let scenario = dir.appendingPathComponent("s.yaml").path
        try "name: s\nmodel: resnet18\nbatch_per_gpu: 32\nprecision: fp32\ncluster: {gpu: V100, gpus_per_node: 1}\nstrategy: {kind: data}\ngpus: [1]\n"
            .write(toFile: scenario, atomically: true, encoding: .utf8)
        let out = CLI.execute(["sweep", scenario, "--vary", "model=resnet18,{file: tiny.yaml}", "--quiet"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("tiny") && out.stdout.contains("resnet18"), "\(out.stdout)")
        let typo = try writeTemporary("name: t\nmodel: {fiel: tiny.yaml}\nbatch_per_gpu: 8\ncluster: {gpu: V100, gpus_per_node: 1}\ngpus: [1]\n")
        let refused = CLI.execute(["simulate", typo])
        #expect(refused.exitCode == 2 && refused.stderr.contains("did you mean 'file'?"), "\(refused.stderr)")
    }

    /// Compute the layers' rows leave out (DDP's copies into its gradient buckets) gets its own
    /// line, so the table adds up to the header's compute.
    @Test func computeInNoLayerIsSaid() throws {
        let out = CLI.execute(["explain", try eager(batch: 64), "--top", "1"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let line = try #require(out.stdout.split(separator: "\n").map(String.init).first { $0.contains("of compute in no layer's row") },
                                "\(out.stdout)")
        let header = try #require(out.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("step ") })
        let computeMatch = try #require(header.firstMatch(of: #/compute ([0-9.]+) ms/#))
        let inAllMatch = try #require(line.firstMatch(of: #/: ([0-9.]+) ms of the step's compute in all/#))
        let compute = try #require(Double(computeMatch.1)), inAll = try #require(Double(inAllMatch.1))
        #expect(abs(inAll - compute) < 0.051, "\(line) / \(header)")
    }

    /// A plan where no configuration fits in memory is bad input, as simulate, explain and
    /// report treat one: exit 2, naming the one that needs least and what would help.
    @Test func aPlanWhereNothingFitsExits2() throws {
        let path = try writeTemporary("name: huge\nmodel: vgg16\nbatch_per_gpu: 4096\nprecision: fp32\ncluster: {gpu: V100, gpus_per_node: 8}\n"
                                      + "strategy: {kind: data}\ntraining: {images: 1281167, epochs: 1}\npricing: {mode: cloud}\ngpus: [1]\n")
        let out = CLI.execute(["plan", path, "--deadline-hours", "10", "--vary", "gpus=1,8"])
        #expect(out.exitCode == 2 && out.stdout.isEmpty, "\(out.stdout)")
        #expect(out.stderr.contains("\(path):3: batch_per_gpu: none of the 2 configurations searched fits in GPU memory")
                && out.stderr.contains("GiB per GPU, where the V100-SXM2-16GB has 16.0 GiB")
                && out.stderr.contains("lower batch_per_gpu"), "\(out.stderr)")
    }

    /// The cost-time chart draws the configurations within the budgets, and its title says so.
    @Test func thePlanChartSaysItsConfigurationsAreWithinTheBudgets() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-audit-\(UUID().uuidString)").path
        let out = CLI.execute(["plan", PlanCostTests.scenario, "--deadline-hours", "12", "--capex-budget", "350000", "--quiet", "--out", dir])
        #expect(out.exitCode == 0, "\(out.stderr)")
        // A long title wraps where a space was: '...'."\n".'...' in the script.
        let script = try String(contentsOfFile: dir + "/costtime.gp", encoding: .utf8).replacingOccurrences(of: "'.\"\\n\".'", with: " ")
        #expect(script.contains("time and cost to train, 2 configurations within the budgets"), "\(script.prefix(500))")
    }

    /// A cost budget nothing meets names the cheapest configuration, as a capex budget does.
    @Test func aCloudBudgetNothingMeetsNamesTheCheapest() throws {
        let out = CLI.execute(["plan", PlanCostTests.scenario, "--deadline-hours", "12", "--cloud-budget", "1", "--quiet"])
        #expect(out.exitCode == 1, "\(out.stderr)")   // nothing within the budget: the plan is printed, exit 1
        #expect(out.stdout.contains("exceed a cost to train of $1.00; the cheapest to train costs $"), "\(out.stdout)")
    }

    @Test func aNegativeBudgetIsOutOfRangeNotMissing() {
        for flag in ["--deadline-hours", "--cloud-budget", "--capex-budget"] {
            var arguments = ["plan", PlanCostTests.scenario, flag, "-1"]
            if flag != "--deadline-hours" { arguments += ["--deadline-hours", "12"] }
            let out = CLI.execute(arguments)
            #expect(out.exitCode == 2, "\(flag)")
            #expect(out.stderr.contains("\(flag) must be between") && out.stderr.contains("got -1"), "\(flag): \(out.stderr)")
        }
        // Bounds as a person writes them, not 1e-06 and 1000000000000.0.
        let zero = CLI.execute(["plan", PlanCostTests.scenario, "--deadline-hours", "12", "--capex-budget", "0"])
        #expect(zero.stderr.contains("--capex-budget must be between 0.000001 and 1000000000000, got 0"), "\(zero.stderr)")
    }

    /// An owned cluster's life in months or its power in cents is refused, the unit named.
    @Test func aLifeInMonthsOrPowerInCentsIsRefusedWithItsUnit() throws {
        let owned = "model: resnet18\nbatch_per_gpu: 32\ncluster: {gpu: V100, gpus_per_node: 8}\ngpus: [8]\ntraining: {epochs: 1}\n"
            + "pricing: {mode: owned, lifetime_years: LIFE, power_usd_per_kwh: POWER, pue: 1.3}\n"
        for (life, power, message) in [("36", "0.12", "pricing.lifetime_years: must be between 0.01 and 20, got 36 (years: 36 months is 3)"),
                                       ("3", "12", "pricing.power_usd_per_kwh: must be between 0 and 5, got 12 (dollars per kWh: 12 cents is 0.12)")] {
            let out = CLI.execute(["simulate", try writeTemporary(owned.replacingOccurrences(of: "LIFE", with: life)
                .replacingOccurrences(of: "POWER", with: power))])
            #expect(out.exitCode == 2 && out.stderr.hasSuffix(":6: \(message)\n"), "\(out.stderr)")
        }
    }

    /// A negative count is out of range wherever a flag takes one, and a folder where a file
    /// belongs is refused without offering the --force that would not replace it either.
    @Test func negativeCountsAndFoldersAreNamedForWhatTheyAre() throws {
        for arguments in [["explain", "scenarios/paper/one-weird-trick.yaml", "--gpus", "-1"],
                          ["explain", "scenarios/paper/one-weird-trick.yaml", "--top", "-1"],
                          ["simulate", "scenarios/paper/one-weird-trick.yaml", "--gpus", "-1"]] {
            let out = CLI.execute(arguments)
            #expect(out.exitCode == 2 && !out.stderr.contains("Missing value"), "\(arguments): \(out.stderr)")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-audit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let trace = CLI.execute(["trace", "scenarios/paper/one-weird-trick.yaml", "--gpus", "2", "--out", folder])
        #expect(trace.exitCode == 2 && trace.stderr.contains("never replaced") && !trace.stderr.contains("pass --force"), "\(trace.stderr)")
    }

    /// A memory efficiency of 1e-300 (a fraction in (0, 1], so the catalog and scenario checks
    /// take it) makes a step of about 10^290 days: refused with exit 2, the days in three
    /// figures and the figures to check named, not three hundred digits.
    @Test func anAbsurdlySlowStepIsRefusedInAFewWords() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-slow-\(UUID().uuidString).yaml").path
        try """
        name: slow
        model: resnet50
        batch_per_gpu: 64
        precision: bf16
        gpus: [1]
        cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch}
        cost_model: {memory_efficiency: 1e-300}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2, "\(out.stdout)")
        #expect(out.stderr.contains("days; check the hardware figures") && out.stderr.contains("memory_efficiency")
                && out.stderr.contains("e+") && out.stderr.count < 400, "\(out.stderr)")
        #expect(ScenarioRunner.days(86400 * 3.4) == "3" && ScenarioRunner.days(86400 * 2.5e8) == "2.5e+08")
    }

    /// A timeline that shows only the busiest links says so in its title, and starts where the
    /// step's first task does (two nodes: some GPUs start the step before GPU 0).
    @Test func aGanttSaysWhichLinksItShowsAndCutsNoGPUsStart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-audit-\(UUID().uuidString)").path
        let out = CLI.execute(["chart", "gantt", "scenarios/whatif/two-nodes.yaml", "--out", dir])
        #expect(out.exitCode == 0, "\(out.stderr)")
        let script = try String(contentsOfFile: dir + "/gantt.gp", encoding: .utf8)
        // The title as one line (a long one is wrapped where it fits, as '...'."\n".'...').
        let title = script.replacingOccurrences(of: "'.\"\\n\".'", with: " ")
        #expect(title.contains("(the 16 busiest of") && title.contains(" links)"), "\(script.prefix(600))")
        let data = try String(contentsOfFile: dir + "/gantt.dat", encoding: .utf8)
        let starts = data.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line -> Double? in
            let cells = line.split(separator: " ")
            return cells.count == 3 && cells[0] != "-10" ? Double(cells[1]) : nil
        }
        #expect(!starts.isEmpty && starts.allSatisfy { $0 >= 0 }, "\(starts.min() ?? .nan)")
    }

    /// validate --against: one configuration written two ways is a duplicate; a GPU count of 0, a
    /// step of 1e300 s are refused at their line; a configuration the model says does not fit is
    /// compared, with a note saying so.
    @Test func validateAgainstReadsConfigurationsAsTheyAreMeant() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-against-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "scenarios/validation/h200-one-gpu.yaml", toPath: dir + "/h200.yaml")
        let header = "scenario,model,batch_per_gpu,precision,gpus,measured_step_seconds\n"
        func run(_ rows: String) throws -> (code: Int32, stdout: String, stderr: String) {
            let csv = dir + "/m-\(UUID().uuidString).csv"
            try (header + rows).write(toFile: csv, atomically: true, encoding: .utf8)
            let out = CLI.execute(["validate", "--against", csv, "--tolerance", "1000"])
            return (out.exitCode, out.stdout, out.stderr)
        }
        let twice = try run("h200.yaml,alexnet,64,fp32,1,0.1\n./h200.yaml,alexnet-owt,64,FP32,1,0.1\n")
        #expect(twice.code == 2 && twice.stderr.contains(":3: the same configuration as line 2"), "\(twice.stderr)")
        let none = try run("h200.yaml,resnet50,64,fp32,0,0.1\n")
        #expect(none.code == 2 && none.stderr.contains(":2: gpus must be from 1"), "\(none.stderr)")
        let huge = try run("h200.yaml,resnet50,64,fp32,1,1e300\n")
        #expect(huge.code == 2 && huge.stderr.contains("up to 86,400 (a day)"), "\(huge.stderr)")
        // A problem in the --profile file is the flag's, not the first row's, and no --vary was given.
        try "gpu: H200-SXM\nbogus: 1\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let csv = dir + "/p.csv"
        try (header + "h200.yaml,resnet50,64,fp32,1,0.08\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let profiled = CLI.execute(["validate", "--against", csv, "--profile", dir + "/bad.yaml"])
        #expect(profiled.exitCode == 2 && profiled.stderr.contains("--profile: \(dir)/bad.yaml:2:") && !profiled.stderr.contains("--vary"),
                "\(profiled.stderr)")
        let oversized = try run("h200.yaml,resnet50,4096,fp32,1,10\n")
        #expect(oversized.code == 0 && oversized.stderr.contains(":2: the model needs") && oversized.stderr.contains("measured as written?"),
                "\(oversized.stderr)")
    }

    /// `report --force` into a folder whose report.md is a symbolic link: refused before a
    /// single chart is drawn, so the folder is left as it was.
    @Test func aRefusedReportWritesNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let target = dir.appendingPathComponent("elsewhere.md").path
        try "keep me\n".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("report.md").path, withDestinationPath: target)
        let out = CLI.execute(["report", "scenarios/paper/one-weird-trick.yaml", "--out", dir.path, "--force"])
        #expect(out.exitCode == 2 && out.stderr.contains("report.md is a symbolic link"), "\(out.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["elsewhere.md", "report.md"])
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me\n")
    }

    /// Found by the 49th session's audit of the buyer's commands: `--pessimistic --samples 0`
    /// ranked plain predictions and called them 90th percentiles; `--vary network_gbps=0x10`
    /// ran at 16 Gb/s though numbers are read as plain decimal (docs/limits.md); a value
    /// listed twice (`gpus=8,8`, `cluster.gpu=H100,h100`) swept one configuration twice
    /// and a plan listed it as two. Each is refused with exit 2 before anything runs.
    @Test func aPlansAndSweepsDoubtfulValuesAreRefused() throws {
        let scenario = "scenarios/whatif/resnet50-deadline.yaml"
        let pessimistic = CLI.execute(["plan", scenario, "--deadline-hours", "12", "--vary", "gpus=8,16", "--pessimistic", "--samples", "0"])
        #expect(pessimistic.exitCode == 2 && pessimistic.stderr.contains("give --samples 10 or more"), "\(pessimistic.stderr)")
        // Too few draws for a 10th-90th percentile, and a seed that would seed nothing.
        for (command, extra, message) in [("sweep", ["--samples", "5"], "--samples must be 0 (no ranges) or 10 to 2000"),
                                          ("sweep", ["--seed", "7"], "--seed seeds the --samples draws"),
                                          ("plan", ["--seed", "7", "--deadline-hours", "12"], "--seed seeds the --samples draws")] {
            let refused = CLI.execute([command, scenario, "--vary", "gpus=8,16", "--quiet"] + extra)
            #expect(refused.exitCode == 2 && refused.stderr.contains(message), "\(command) \(extra): \(refused.stderr)")
        }
        for vary in ["network_gbps=0x10", "gpu_link_gbps=0X10", "network_latency_us=0x1p4"] {
            let hex = CLI.execute(["sweep", scenario, "--vary", vary, "--quiet"])
            #expect(hex.exitCode == 2 && hex.stderr.contains("is not a number; give one between"), "\(vary): \(hex.stderr)")
        }
        let twice = CLI.execute(["sweep", scenario, "--vary", "gpus=8,8", "--quiet"])
        #expect(twice.exitCode == 2 && twice.stderr.contains("--vary gpus: '8' is listed twice"), "\(twice.stderr)")
        let cased = CLI.execute(["plan", scenario, "--deadline-hours", "12", "--vary", "cluster.gpu=H100,h100"])
        #expect(cased.exitCode == 2 && cased.stderr.contains("'h100' is listed twice (as 'H100' too)"), "\(cased.stderr)")
        // Numbers are compared as numbers; files and labels are named with their case.
        for twice in ["gpus=8,08", "network_gbps=100,100.0", "network_gbps=100,1_00"] {
            #expect(throws: SweepError.self, "\(twice)") { try Sweep.Axis.parse(twice) }
        }
        #expect(try Sweep.Axis.parse("model={file: A.yaml},{file: a.yaml}").values == ["{file: A.yaml}", "{file: a.yaml}"])
        #expect(try Sweep.Axis.parse("label=A,a").values == ["A", "a"])
        // `--out S.JSON` was written as CSV without a word: a name ending in .json, in any case, asks for JSON.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-audit-\(UUID().uuidString)").path
        let upper = CLI.execute(["sweep", scenario, "--vary", "gpus=8", "--quiet", "--out", dir + "/S.JSON"])
        let written = try String(contentsOfFile: dir + "/S.JSON", encoding: .utf8)
        #expect(upper.exitCode == 0 && written.hasPrefix("{"), "\(upper.stderr)")
    }
}
