import Foundation
import Hardware
@testable import Scenario
import Testing
import YAMLSupport
@testable import Planning

func writeScenario(_ text: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-plan-\(UUID().uuidString).yaml")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// A small CNN on DGX-style nodes, priced in the cloud: fast to sweep.
let planScenario = """
    name: planning fixture
    model:
      name: small-cnn
      input: [3, 64, 64]
      layers:
        - {name: conv1, type: conv, out: 64, kernel: 3, pad: 1}
        - {type: relu}
        - {type: maxpool, kernel: 2, stride: 2}
        - {name: conv2, type: conv, out: 128, kernel: 3, pad: 1}
        - {type: relu}
        - {type: maxpool, kernel: 2, stride: 2}
        - {name: fc1, type: fc, units: 1024}
        - {type: relu}
        - {name: fc2, type: fc, units: 100}
        - {type: softmax}
    batch_per_gpu: 64
    precision: bf16
    cluster: {gpu: A100-SXM4-40GB, gpus_per_node: 8, fabric: nvswitch, network: {link: eth-25g, nics_per_node: 1}}
    strategy: {kind: data, allreduce: ring}
    training: {images: 1281167, epochs: 10}
    pricing: {mode: cloud}
    gpus: [1, 8, 16]
    """

@Suite struct SweepTests {
    func sweep(_ vary: [String], scenario: String = planScenario) throws -> Sweep {
        try Sweep(scenarioPath: try writeScenario(scenario), axes: vary.map(Sweep.Axis.parse))
    }

    /// An owned run priced at network_port_usd costs the same network at every speed: a sweep of
    /// the network's speed says so once per run, and says nothing without that axis, without a
    /// price per link, or for a rental.
    @Test func aFlatPricePerLinkIsNotedWhereTheNetworkSpeedVaries() throws {
        let owned = planScenario.replacingOccurrences(
            of: "pricing: {mode: cloud}",
            with: "pricing: {mode: owned, purchase_per_gpu: 10000, lifetime_years: 4, power_usd_per_kwh: 0.1, pue: 1.5, network_port_usd: 2500}")
        let varied = try sweep(["gpus=8,16", "network_gbps=100,200"], scenario: owned)
        let notes = varied.flatNetworkPriceNotes(varied.points)
        #expect(notes.count == 1 && notes[0].contains("pricing.network_port_usd ($2500 a link, all in) whatever its speed"), "\(notes)")
        #expect(try sweep(["gpus=8,16"], scenario: owned).flatNetworkPriceNotes(varied.points).isEmpty)
        let rented = try sweep(["gpus=8,16", "network_gbps=100,200"])
        #expect(rented.flatNetworkPriceNotes(rented.points).isEmpty)
    }

    @Test func gridEnumeratesEveryCombinationInOrder() throws {
        let s = try sweep(["gpus=1,8", "network_gbps=10,100,400"])
        #expect(s.points.count == 6)
        #expect(s.points.map(\.gpus) == [1, 1, 1, 8, 8, 8])
        #expect(s.points.map { $0.values[1] } == ["10", "100", "400", "10", "100", "400"])
        // Without a gpus axis each run's own counts are used.
        #expect(try sweep(["precision=fp32,bf16"]).points.count == 6)
    }

    @Test func mergedShardsEqualTheUnshardedSweepByteForByte() throws {
        let path = try writeScenario(planScenario)
        let axes = try ["gpus=1,8,16", "network_gbps=25,100"].map(Sweep.Axis.parse)
        let s = try Sweep(scenarioPath: path, axes: axes)
        let whole = SweepDocument(scenario: path, sweep: .init(vary: axes, run: nil, points: s.points.count, shard: nil),
                                  results: try s.evaluate())
        var shards: [SweepDocument] = []
        for i in [3, 1, 2] {   // any order
            shards.append(SweepDocument(scenario: path, sweep: .init(vary: axes, run: nil, points: s.points.count, shard: "\(i)/3"),
                                        results: try s.evaluate(s.points(shard: i, of: 3))))
        }
        let merged = try SweepDocument.merge(shards)
        #expect(try merged.json() == whole.json())
        #expect(merged.csv() == whole.csv())
        // Through JSON text and back, as shard files travel.
        let decoded = try shards.map { try JSONDecoder().decode(SweepDocument.self, from: Data($0.json().utf8)) }
        #expect(try SweepDocument.merge(decoded).json() == whole.json())
    }

    /// A sweep evaluated a chunk at a time (as `sweep --out FILE.csv` writes it) gives the
    /// rows of the whole evaluation, in order, whatever the chunk size: chunks of 1, 4 and
    /// 5 of 12 points (the last ones short), each point's speedup against a baseline
    /// simulated in an earlier chunk; and the CSV made chunk by chunk is the whole one.
    @Test func aSweepInChunksGivesTheWholeSweepsRows() throws {
        let axes = try ["gpus=1,8,16", "network_gbps=25,100", "strategy.allreduce=ring,tree"].map(Sweep.Axis.parse)
        let s = try Sweep(scenarioPath: try writeScenario(planScenario), axes: axes)
        let whole = try s.evaluate()
        #expect(whole.count == 12 && Set(whole.map(\.speedup)).count > 2)
        for size in [1, 4, 5] {
            var chunks: [[SweepRow]] = []
            try s.evaluate(chunkPoints: size) { chunks.append($0) }
            #expect(chunks.map(\.count) == Array(repeating: size, count: 12 / size) + (12 % size == 0 ? [] : [12 % size]))
            #expect(chunks.flatMap { $0 } == whole, "chunks of \(size)")
            let csv = SweepDocument.csvHeader(vary: axes) + chunks.map { SweepDocument.csvLines($0, vary: axes) }.joined()
            #expect(csv == SweepDocument(scenario: "", sweep: .init(vary: axes, run: nil, points: 12, shard: nil), results: whole).csv())
        }
    }

    @Test func mergeRefusesMismatchedOrIncompleteShards() throws {
        let path = try writeScenario(planScenario)
        let axes = try [Sweep.Axis.parse("gpus=1,8")]
        let s = try Sweep(scenarioPath: path, axes: axes)
        let one = SweepDocument(scenario: path, sweep: .init(vary: axes, run: nil, points: 2, shard: "1/2"),
                                results: try s.evaluate(s.points(shard: 1, of: 2)))
        #expect(throws: SweepError.self) { try SweepDocument.merge([one]) }          // a shard is missing
        #expect(throws: SweepError.self) { try SweepDocument.merge([one, one]) }     // given twice
        var other = one
        other.sweep.vary = try [Sweep.Axis.parse("gpus=1,16")]
        other.sweep.shard = "2/2"
        #expect(throws: SweepError.self) { try SweepDocument.merge([one, other]) }   // another sweep
        // With file names, the message names the shard at fault.
        let twice = #expect(throws: SweepError.self) { try SweepDocument.merge([one, one], files: ["a.json", "b.json"]) }
        #expect(twice?.description.hasPrefix("b.json: merge: shard 1/2 is given twice") == true)
        let foreign = #expect(throws: SweepError.self) { try SweepDocument.merge([one, other], files: ["a.json", "c.json"]) }
        #expect(foreign?.description.hasPrefix("c.json: ") == true)
        // A header edited to vary one key twice: which value a row's column holds would be a guess.
        var edited = one, rest = one
        edited.sweep.vary = axes + axes
        rest.sweep.vary = axes + axes
        rest.sweep.shard = "2/2"
        rest.results = try s.evaluate(s.points(shard: 2, of: 2))
        let repeated = #expect(throws: SweepError.self) { try SweepDocument.merge([edited, rest]) }
        #expect(repeated?.description.contains("merge: the sweep's vary lists 'gpus' twice") == true, "\(String(describing: repeated))")
    }

    /// On a PCIe tree whose switch uplinks default to the GPU link, `gpu_link_gbps` is the
    /// scenario with that link at the new speed: the uplinks too, as the edited scenario has them.
    @Test func gpuLinkWhatIfOnAPCIeTreeIsTheEditedScenario() throws {
        let tree = """
            name: pcie
            model: vgg16
            batch_per_gpu: 8
            precision: bf16
            cluster: {gpu: A100-PCIe-80GB, gpus_per_node: 8, fabric: pcie-tree}
            strategy: {kind: data, allreduce: ring, bucket_mb: "off"}
            gpus: [8]
            """
        let swept = try sweep(["gpu_link_gbps=400"], scenario: tree).evaluate()[0]
        let edited = tree.replacingOccurrences(of: "fabric: pcie-tree}", with: "fabric: pcie-tree, pcie: {gpu_link: fast-pcie}}")
            + "\ncatalog: {links: [{name: fast-pcie, kind: pcie, gbit_per_s: 400, latency_us: 2.5, source: test}]}\n"
        let direct = try sweep(["gpus=8"], scenario: edited).evaluate()[0]
        #expect(abs(swept.stepSeconds / direct.stepSeconds - 1) < 1e-9, "swept \(swept.stepSeconds), edited \(direct.stepSeconds)")
        // A what-if the run cannot take names its axis and value.
        let noNetwork = #expect(throws: SweepError.self) { try sweep(["network_latency_us=5"], scenario: tree) }
        #expect(noNetwork?.description.contains("--vary network_latency_us=5:") == true, "\(String(describing: noNetwork))")
    }

    /// A swept profile field is laid over the profile the scenario names, as a run's `software:` is:
    /// an audit found `--vary software.memory_format=...` on `software: ideal` pricing the default
    /// pytorch-ddp profile instead (26.2 ms by simulate, 37.3 ms by the sweep).
    @Test func aSweptProfileFieldKeepsTheNamedProfile() throws {
        let named = """
            name: named profile
            model: resnet50
            batch_per_gpu: 64
            precision: bf16
            software: ideal
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8}
            gpus: [1]
            """
        let plain = try sweep(["gpus=1"], scenario: named).evaluate()[0]
        let swept = try sweep(["software.memory_format=nhwc"], scenario: named).evaluate()[0]
        let asRun = try sweep(["gpus=1"], scenario: named + "\nruns:\n  - {label: nhwc, software: {memory_format: nhwc}}\n").evaluate()[0]
        #expect(swept.stepSeconds == plain.stepSeconds && swept.stepSeconds == asRun.stepSeconds, "\(swept.stepSeconds), \(plain.stepSeconds)")
        // The default profile prices the same step otherwise: the check can tell them apart.
        let unnamed = named.replacingOccurrences(of: "software: ideal\n", with: "")
        #expect(try sweep(["software.memory_format=nhwc"], scenario: unnamed).evaluate()[0].stepSeconds != plain.stepSeconds)
    }

    @Test func moreBandwidthIsNeverSlowerAndAFasterGPUIsNeverSlower() throws {
        let unpriced = planScenario.replacingOccurrences(of: "pricing: {mode: cloud}\n", with: "")
        let rows = try sweep(["gpus=8,16", "network_gbps=10,25,100,400", "cluster.gpu=V100,A100-SXM4-40GB,H100"], scenario: unpriced).evaluate()
        for gpus in [8, 16] {
            for gpu in ["V100", "A100-SXM4-40GB", "H100"] {
                let steps = ["10", "25", "100", "400"].map { bw in
                    rows.first { $0.gpus == gpus && $0.vary["cluster.gpu"] == gpu && $0.vary["network_gbps"] == bw }!.stepSeconds
                }
                #expect(steps == steps.sorted(by: >), "\(gpu) on \(gpus) GPUs: \(steps)")
            }
            for bw in ["10", "25", "100", "400"] {
                let steps = ["V100", "A100-SXM4-40GB", "H100"].map { gpu in
                    rows.first { $0.gpus == gpus && $0.vary["cluster.gpu"] == gpu && $0.vary["network_gbps"] == bw }!.stepSeconds
                }
                #expect(steps == steps.sorted(by: >), "\(bw) Gb/s on \(gpus) GPUs: \(steps)")
            }
        }
    }

    @Test func badVaryValuesAreNamed() throws {
        do {
            _ = try sweep(["cluster.gpu=V100,V1000"])
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.keyPath.hasSuffix("cluster.gpu"))
            #expect(e.message.contains("--vary cluster.gpu=V1000"))
        }
        #expect(throws: ConfigError.self) { try sweep(["cluster.gpuz=V100"]) }
        #expect(throws: SweepError.self) { try sweep(["gpus=0"]) }
        #expect(throws: SweepError.self) { try sweep(["network_gbps=fast"]) }
        #expect(throws: SweepError.self) { try Sweep.Axis.parse("gpus") }
    }
}

@Suite struct PlanTests {
    /// The cheapest configuration returned meets the deadline, and no cheaper one
    /// in the searched space does (checked against every row).
    @Test(arguments: [0.5, 2.0, 8.0])
    func cheapestMeetsTheDeadlineAndNothingCheaperDoes(deadlineHours: Double) throws {
        let s = try Sweep(scenarioPath: try writeScenario(planScenario),
                          axes: try ["gpus=1,2,4,8,16", "network_gbps=10,100", "cluster.gpu=A100-SXM4-40GB,H100"].map(Sweep.Axis.parse))
        let rows = try s.evaluate()
        let plan = try Plan(rows: rows, deadlineSeconds: deadlineHours * 3600)
        #expect(plan.rankings.count == 1, "one model, one ranking")
        let ranking = try #require(plan.rankings.first)
        let brute = rows.filter { $0.fitsInMemory && $0.timeToTrainSeconds! <= deadlineHours * 3600 }
        if let winner = ranking.meetingDeadline.first {
            #expect(winner.timeToTrainSeconds! <= deadlineHours * 3600)
            #expect(!brute.contains { $0.costUSD! < winner.costUSD! })
            #expect(ranking.explanation.contains("cheapest way to meet the deadline"))
        } else {
            #expect(brute.isEmpty)
            #expect(ranking.explanation.contains("No configuration meets the deadline"))
        }
        // The front: sorted by cost, strictly faster as it gets dearer, and nothing dominates a member.
        let front = ranking.paretoFront
        for (a, b) in zip(front, front.dropFirst()) {
            #expect(a.costUSD! <= b.costUSD! && a.timeToTrainSeconds! > b.timeToTrainSeconds!)
        }
        for member in front {
            #expect(!plan.candidates.contains { $0.costUSD! < member.costUSD! && $0.timeToTrainSeconds! < member.timeToTrainSeconds! })
        }
    }

    /// Two runs that tie exactly in cost and time are both on the front (neither dominates: an audit found an exported
    /// ResNet-101 missing beside the built-in one); one run's settings that change nothing are listed once.
    @Test func exactTiesOfTwoRunsAreBothOnTheFront() throws {
        let twoRuns = planScenario + "\nruns:\n  - {label: built-in}\n  - {label: again}\n"
        let rows = try Sweep(scenarioPath: try writeScenario(twoRuns), axes: [Sweep.Axis.parse("gpus=8")]).evaluate()
        let front = try #require(try Plan(rows: rows, deadlineSeconds: nil).rankings.first).paretoFront
        #expect(front.map(\.run) == ["built-in", "again"], "\(front.map(\.run))")
        // One node: the network speed is not used, so its values tie; the front lists the configuration once.
        let speeds = try Sweep(scenarioPath: try writeScenario(planScenario), axes: [Sweep.Axis.parse("gpus=8"), Sweep.Axis.parse("network_gbps=25,100")])
            .evaluate()
        #expect(speeds.count == 2 && speeds[0].timeToTrainSeconds == speeds[1].timeToTrainSeconds)
        #expect(try #require(try Plan(rows: speeds, deadlineSeconds: nil).rankings.first).paretoFront.count == 1)
    }

    /// Where configurations over the budget would meet the deadline, the answer says so and names the
    /// cheapest of them, instead of asking for more or faster GPUs.
    @Test func aDeadlineOnlyTheBudgetRulesOutIsSaidToBeTheBudgets() throws {
        // Priced per GPU-hour as stated: whole 8-GPU instances would make every count below 8 dearer than 8, leaving none within the budget.
        let perGPU = planScenario.replacingOccurrences(of: "pricing: {mode: cloud}\n", with: "pricing: {mode: cloud, cloud_per_gpu_hour: 4.1}\n")
        let rows = try Sweep(scenarioPath: try writeScenario(perGPU), axes: [Sweep.Axis.parse("gpus=1,2,4,8,16")]).evaluate()
        // The deadline: the fastest row's time; the budget: below that row's cost and every row's that meets it.
        let fastest = try #require(rows.min { $0.timeToTrainSeconds! < $1.timeToTrainSeconds! })
        let meeting = rows.filter { $0.timeToTrainSeconds! <= fastest.timeToTrainSeconds! }
        let budget = meeting.map { $0.costUSD! }.min()! * 0.999
        try #require(rows.contains { $0.costUSD! <= budget }, "some row must be within the budget")
        let ranking = try #require(try Plan(rows: rows, deadlineSeconds: fastest.timeToTrainSeconds!,
                                            budgets: Plan.Budgets(costToTrainUSD: budget)).rankings.first)
        #expect(ranking.meetingDeadline.isEmpty)
        let cheapest = try #require(meeting.min { $0.costUSD! < $1.costUSD! })
        #expect(ranking.explanation.contains("meets the deadline, but \(meeting.count) beyond the budget")
                && ranking.explanation.contains("the nearest to it, \(Plan.describe(cheapest)), takes")
                && ranking.explanation.contains("over the cost-to-train budget. Within it the fastest")
                && !ranking.explanation.contains("No configuration meets") && !ranking.explanation.contains("because"),
                "\(ranking.explanation)")
        // Without a budget nothing is over it: the plain answer.
        let unbounded = try #require(try Plan(rows: rows, deadlineSeconds: fastest.timeToTrainSeconds! * 0.5).rankings.first)
        #expect(unbounded.explanation.contains("No configuration meets the deadline"), "\(unbounded.explanation)")
    }

    @Test func fastestWithinBudgetRespectsIt() throws {
        let s = try Sweep(scenarioPath: try writeScenario(planScenario), axes: try [Sweep.Axis.parse("gpus=1,8,16")])
        let rows = try s.evaluate()
        let budget = rows.map { $0.costUSD! }.sorted()[1]
        let plan = try Plan(rows: rows, deadlineSeconds: nil, budgets: Plan.Budgets(costToTrainUSD: budget))
        let ranking = try #require(plan.rankings.first)
        #expect(ranking.withinBudget.allSatisfy { $0.costUSD! <= budget })
        let fastest = try #require(ranking.withinBudget.first)
        #expect(!rows.contains { $0.costUSD! <= budget && $0.timeToTrainSeconds! < fastest.timeToTrainSeconds! })
        // Over budget is no candidate anywhere: not under the deadline, not on the front.
        #expect(ranking.paretoFront.allSatisfy { $0.costUSD! <= budget })
        #expect(ranking.explanation.hasPrefix("1 of 3 configurations that fit in memory exceed a cost to train of $"))
    }

    /// Runs of different models train different things: each model is ranked on its own.
    @Test func differentModelsAreRankedApart() throws {
        let twoModels = planScenario.replacingOccurrences(of: "gpus: [1, 8, 16]", with: """
            gpus: [1, 8]
            runs:
              - {label: small}
              - {label: wide, model: {name: wide-cnn, input: [3, 64, 64], layers: [{type: conv, out: 256, kernel: 3, pad: 1}, {type: relu}, {type: fc, units: 100}, {type: softmax}]}}
            """)
        let rows = try Sweep(scenarioPath: try writeScenario(twoModels), axes: []).evaluate()
        let plan = try Plan(rows: rows, deadlineSeconds: 3600)
        #expect(plan.rankings.map(\.model) == ["small-cnn", "wide-cnn"])
        for ranking in plan.rankings {
            #expect(ranking.fitting.count == 2)
            for row in ranking.meetingDeadline + ranking.paretoFront + ranking.withinBudget { #expect(row.model == ranking.model) }
        }
    }

    /// A configuration whose CPU loaders set the pace is called input-bound, with the
    /// wait the row records: faster GPUs would not help it.
    @Test func aLoaderBoundConfigurationIsCalledInputBound() throws {
        let fed = planScenario.replacingOccurrences(
            of: "pricing: {mode: cloud}\n", with: "pricing: {mode: cloud}\nsoftware: {profile: ideal, loader: cpu, loader_images_per_second_per_node: 20000}\n")
        let rows = try Sweep(scenarioPath: try writeScenario(fed), axes: [Sweep.Axis.parse("gpus=8")]).evaluate()
        let row = try #require(rows.first)
        let wait = try #require(row.inputWaitSeconds)
        #expect(wait > 0.05 * row.stepSeconds)
        #expect(abs(row.stepSeconds - Double(row.globalBatch) / 20000) < 1e-12)
        let percent = Int((wait / row.stepSeconds * 100).rounded())
        #expect(Plan.limit(of: row).hasPrefix("it is input-bound: its CPU loaders deliver fewer images than its GPUs can train, "
                                              + "so the GPUs wait for them \(percent)% of each step"))
        // Without the ceiling the same point is no longer input-bound.
        let free = try Sweep(scenarioPath: try writeScenario(planScenario), axes: [Sweep.Axis.parse("gpus=8")]).evaluate()[0]
        #expect(free.inputWaitSeconds == 0 && !Plan.limit(of: free).contains("input-bound"))
    }

    /// A runner-up whose GPUs wait for the loader is said to be input-bound, not less
    /// "efficient": its GPUs are not what holds it back.
    @Test func anInputBoundRunnerUpIsCalledSo() throws {
        // 20,000 images/s per node: 8 GPUs on one node are input-bound, as are 16 on two. Priced per GPU-hour as stated
        // (whole 8-GPU instances would make 1 GPU dearer than 8).
        let fed = planScenario.replacingOccurrences(
            of: "pricing: {mode: cloud}\n",
            with: "pricing: {mode: cloud, cloud_per_gpu_hour: 4.1}\nsoftware: {profile: ideal, loader: cpu, loader_images_per_second_per_node: 20000}\n")
        let rows = try Sweep(scenarioPath: try writeScenario(fed), axes: [Sweep.Axis.parse("gpus=1,8,16")]).evaluate()
        let plan = try Plan(rows: rows, deadlineSeconds: nil)
        let text = try #require(plan.rankings.first).explanation
        let runnerUp = try #require(text.range(of: "The next cheapest, "))
        let said = text[runnerUp.lowerBound...]
        #expect(said.contains(": it is input-bound: its CPU loaders deliver fewer images than its GPUs can train"), "\(text)")
        #expect(!said.contains("efficient against"), "\(text)")
    }

    /// Configurations as cheap to the cent as the winner in another time are named with it: GPUs
    /// that scale linearly cost the same per image however many train, and the runner-up, which
    /// costs a cent more at least, would hide that the same money trains on fewer GPUs.
    @Test func asCheapButSlowerConfigurationsAreNamed() throws {
        var rows = try Sweep(scenarioPath: try writeScenario(planScenario), axes: [Sweep.Axis.parse("gpus=8,16,32")]).evaluate()
        // 16 GPUs at the cost of 8 and twice their time: linear scaling; 32 a dollar dearer.
        rows[1].timeToTrainSeconds = rows[0].timeToTrainSeconds! * 2
        rows[1].costUSD = rows[0].costUSD
        rows[2].costUSD = rows[0].costUSD! + 1
        let text = try #require(try Plan(rows: rows, deadlineSeconds: nil).rankings.first).explanation
        #expect(text.contains(" The same $\(Plan.money(rows[0].costUSD!)) also trains it on one other configuration: "
                              + "\(Plan.describe(rows[1])) in \(Plan.duration(rows[1].timeToTrainSeconds!)). The next cheapest, "
                              + "\(Plan.describe(rows[2]))"), "\(text)")
    }

    /// Waiting for the slowest worker or for periodic work is no communication; a row
    /// read from a file written before those waits were recorded (nil) counts all of
    /// its idle time as communication, as plan did then.
    @Test func waitsThatAreNoCommunicationDoNotMakeARowCommunicationBound() throws {
        var row = try Sweep(scenarioPath: try writeScenario(planScenario), axes: [Sweep.Axis.parse("gpus=8")]).evaluate()[0]
        let extra = row.stepSeconds
        row.stepSeconds += extra
        row.idleSeconds += extra
        row.stragglerWaitSeconds = extra * 0.6
        row.periodicSeconds = extra * 0.4
        // Half the step waits: 30% for the slowest GPU, 20% for periodic work.
        #expect(Plan.limit(of: row) == "its GPUs wait 50% of each step for the slowest GPU (30%) "
                + "and for periodic work, tests, checkpoints and synchronous input copies (20%)")
        row.stragglerWaitSeconds = extra * 0.3
        row.periodicSeconds = 0
        #expect(Plan.limit(of: row).hasPrefix("it is communication-bound"))
        // A data-parallel run is told its two remedies; another strategy is not offered accumulation.
        #expect(Plan.limit(of: row).hasSuffix("faster links between its GPUs (the fabric inside a node, the network between nodes), or gradient accumulation (accumulation_steps, a larger global batch), would help"))
        var hybrid = row
        hybrid.strategy = "hybrid"
        #expect(!Plan.limit(of: hybrid).contains("accumulation"))
        row.stragglerWaitSeconds = nil
        row.periodicSeconds = nil
        #expect(Plan.limit(of: row).hasPrefix("it is communication-bound"))
    }

    /// Where max_global_batch cut a row's batch, accumulating (or a larger batch per GPU) is
    /// what the cap rules out: the plan advises fewer GPUs instead.
    @Test func underABindingCapThePlanAdvisesFewerGPUs() throws {
        let capped = planScenario.replacingOccurrences(of: "batch_per_gpu: 64\n", with: "batch_per_gpu: 64\nmax_global_batch: 512\n")
        var rows = try Sweep(scenarioPath: try writeScenario(capped), axes: [Sweep.Axis.parse("gpus=4,8,16")]).evaluate()
        // Below the cap at 4 GPUs; at it, uncut, at 8 (8 x 64 = 512); cut to 32 per GPU at 16.
        #expect(rows.map(\.batchAtCap) == [false, true, true])
        #expect(rows.map(\.globalBatch) == [256, 512, 512])
        // Made communication-bound: half the step waiting on it.
        for i in rows.indices {
            rows[i].exposedCommunicationSeconds = rows[i].stepSeconds
            rows[i].stepSeconds *= 2
        }
        for row in rows.dropFirst() {
            #expect(Plan.limit(of: row).hasSuffix("the network between nodes), or fewer GPUs, each with a larger batch "
                                                  + "(the global batch is at max_global_batch here), would help"), "\(Plan.limit(of: row))")
        }
        #expect(Plan.limit(of: rows[0]).contains("or gradient accumulation"))
        // With accumulation one more image per GPU is one per micro-batch: 4 GPUs x 64 x 2 = 512 under a cap of
        // 517 leave room for 4 more images a step but not for the 8 one more per micro-batch would add.
        let accumulated = planScenario.replacingOccurrences(of: "batch_per_gpu: 64\n",
                                                            with: "batch_per_gpu: 64\naccumulation_steps: 2\nmax_global_batch: 517\n")
        let atCap = try Sweep(scenarioPath: try writeScenario(accumulated), axes: [Sweep.Axis.parse("gpus=4")]).evaluate()
        #expect(atCap.map(\.globalBatch) == [512] && atCap.map(\.batchAtCap) == [true])
    }

    /// The waits travel with the row in JSON and CSV, and a row from an older file
    /// (without them) reads back with nil.
    @Test func rowsCarryTheirWaitsAndOldRowsReadBack() throws {
        let path = try writeScenario(planScenario)
        let axes = try [Sweep.Axis.parse("gpus=8")]
        let rows = try Sweep(scenarioPath: path, axes: axes).evaluate()
        let document = SweepDocument(scenario: path, sweep: .init(vary: axes, run: nil, points: 1, shard: nil), results: rows)
        let json = try document.json()
        for key in ["input_wait_seconds", "straggler_wait_seconds", "periodic_seconds"] {
            #expect(json.contains("\"\(key)\" : 0,"))
        }
        // The four columns before the batch and the epochs, in this order, with the row's values (the host thread's busy time last).
        let lines = document.csv().split(separator: "\n")
        #expect(lines[0].hasSuffix(",input_wait_seconds,straggler_wait_seconds,periodic_seconds,host_busy_seconds,batch_per_gpu,epochs,epochs_held"))
        let row = rows[0]
        #expect(lines[1].hasSuffix(",\(row.inputWaitSeconds!),\(row.stragglerWaitSeconds!),\(row.periodicSeconds!),\(row.hostBusySeconds!),64,10.0,"))
        #expect(row.hostBusySeconds! > 0, "the plan scenario's profile launches its kernels from a host thread")
        let newer = ["_wait_seconds", "periodic_seconds", "host_busy", "\"batch_per_gpu\"", "\"epochs\"", "\"epochs_held\""]
        let old = json.split(separator: "\n").filter { line in !newer.contains { line.contains($0) } }.joined(separator: "\n")
        let read = try JSONDecoder().decode(SweepDocument.self, from: Data(old.utf8))
        #expect(read.results[0].inputWaitSeconds == nil && read.results[0].hostBusySeconds == nil && read.results[0].stepSeconds == rows[0].stepSeconds)
        #expect(read.results[0].batchPerGPU == nil && read.results[0].epochs == nil && rows[0].batchPerGPU == 64 && rows[0].epochs == 10)
        #expect(read.results[0].epochsHeld == nil)
    }

    @Test func planNeedsTrainingAndPricing() throws {
        let text = planScenario.replacingOccurrences(of: "training: {images: 1281167, epochs: 10}\n", with: "")
        let rows = try Sweep(scenarioPath: try writeScenario(text), axes: []).evaluate()
        #expect(throws: SweepError.self) { try Plan(rows: rows, deadlineSeconds: 3600) }
    }
}

@Suite struct CostTests {
    func run(_ pricing: String) throws -> (RunSpec, Catalog) {
        let text = planScenario.replacingOccurrences(of: "pricing: {mode: cloud}", with: pricing)
        let scenario = try Scenario.load(path: try writeScenario(text))
        return (scenario.runs[0], scenario.catalog)
    }

    @Test func cloudCostIsGPUsTimesPriceTimesHours() throws {
        let (spec, catalog) = try run("pricing: {mode: cloud}")
        let e = try #require(try TrainingEstimate.estimate(spec, gpus: 8, imagesPerSecond: 1000, catalog: catalog))
        let hours = 1_281_167.0 * 10 / 1000 / 3600
        #expect(abs(e.seconds - hours * 3600) < 1e-6)
        #expect(abs(e.dollars - 8 * 32.77 / 8 * hours) < 1e-9)   // AWS p4d.24xlarge in the catalog
        #expect(e.basis == PriceBasis(offer: "AWS p4d.24xlarge", usdPerGPUHour: 32.77 / 8, seen: "2024-Q2", source: "[xither]",
                                      details: e.basis.details))
        #expect(e.priceBasis.contains("p4d.24xlarge") && e.capexUSD == nil && e.tcoUSD == nil)
        let (stated, _) = try run("pricing: {mode: cloud, cloud_per_gpu_hour: 2.5}")
        #expect(abs(try #require(try TrainingEstimate.estimate(stated, gpus: 8, imagesPerSecond: 1000, catalog: catalog)).dollars - 20 * hours) < 1e-9)
    }

    /// A provider rents an instance whole: fewer GPUs than an instance holds pay for all of it, and
    /// a count past a whole number of instances pays for the next one (an audit found a 1-GPU run on
    /// an 8-GPU instance priced at an eighth of its bill, and plan recommending it).
    @Test func cloudInstancesAreRentedWhole() throws {
        let (spec, catalog) = try run("pricing: {mode: cloud}")   // A100 40 GB: AWS p4d.24xlarge, 8 GPUs at $32.77/h
        let hours = 1_281_167.0 * 10 / 1000 / 3600
        for (gpus, instances) in [(1, 1), (4, 1), (8, 1), (12, 2), (16, 2)] {
            let e = try #require(try TrainingEstimate.estimate(spec, gpus: gpus, imagesPerSecond: 1000, catalog: catalog))
            #expect(abs(e.dollars - Double(instances) * 32.77 * hours) < 1e-9, "\(gpus) GPUs: \(e.dollars)")
            #expect(abs(e.basis.usdPerGPUHour - Double(instances) * 32.77 / Double(gpus)) < 1e-12)
            #expect(e.basis.details.contains("; rented whole: \(instances) instance\(instances == 1 ? "" : "s") of 8 GPUs for the run's \(gpus)")
                    == (gpus % 8 != 0), "\(e.basis.details)")
        }
        // A price stated per GPU-hour is taken as stated.
        let (stated, _) = try run("pricing: {mode: cloud, cloud_per_gpu_hour: 2.5}")
        #expect(abs(try #require(try TrainingEstimate.estimate(stated, gpus: 1, imagesPerSecond: 1000, catalog: catalog)).dollars - 2.5 * hours) < 1e-9)
    }

    /// An offer of one GPU per instance prices a run of 8-GPU nodes as so many
    /// instances: the price basis says so, and how to state a quote for the cluster.
    @Test func aSmallInstancePricingWholeNodesIsCaveated() throws {
        let text = planScenario.replacingOccurrences(of: "gpu: A100-SXM4-40GB, gpus_per_node: 8, fabric: nvswitch", with: "gpu: L40S, gpus_per_node: 8, fabric: pcie-tree")
        let scenario = try Scenario.load(path: try writeScenario(text))
        let (spec, catalog) = (scenario.runs[0], scenario.catalog)
        let offer = try #require(catalog.cheapestCloudPrice(for: spec.cluster.gpu, gpus: 8))
        #expect(offer.gpusPerInstance == 1)
        let eight = try #require(try TrainingEstimate.estimate(spec, gpus: 8, imagesPerSecond: 1000, catalog: catalog))
        #expect(eight.basis.details.contains("; its instance holds 1 GPU, fewer than a node of this run (8): the run's nodes and the "
                                             + "network between them are priced as 8 such instances"), "\(eight.basis.details)")
        #expect(eight.basis.details.hasSuffix("(state pricing.cloud_per_gpu_hour from a quote for the whole cluster)"))
        // One GPU needs no more than the instance holds.
        let one = try #require(try TrainingEstimate.estimate(spec, gpus: 1, imagesPerSecond: 1000, catalog: catalog))
        #expect(!one.basis.details.contains("fewer than a node"))
        // An 8-GPU instance for 8-GPU nodes (the A100's p4d) needs no caveat either.
        let (a100, a100Catalog) = try run("pricing: {mode: cloud}")
        #expect(!(try #require(try TrainingEstimate.estimate(a100, gpus: 16, imagesPerSecond: 1000, catalog: a100Catalog))).basis.details
            .contains("fewer than a node"))
    }

    /// An 8-GPU instance for a run of 6-GPU nodes: the run is simulated on nodes joined by its
    /// network but rented as instances whose GPUs share one machine; the basis says so and names
    /// the key that simulates the offer's machines (owned mode refuses the mismatch outright).
    @Test func aLargeInstancePricingSmallerNodesIsCaveated() throws {
        let text = planScenario.replacingOccurrences(of: "gpus_per_node: 8", with: "gpus_per_node: 6")
        let scenario = try Scenario.load(path: try writeScenario(text))
        let (spec, catalog) = (scenario.runs[0], scenario.catalog)
        let sixteen = try #require(try TrainingEstimate.estimate(spec, gpus: 16, imagesPerSecond: 1000, catalog: catalog))
        #expect(sixteen.basis.details.contains("; its instance holds 8 GPUs in one machine, more than a node of this run (6): the run is "
                                               + "simulated on 3 nodes joined by its network but priced as the offer's 2 instances "
                                               + "(give cluster.gpus_per_node: 8 to simulate the offer's machines)"), "\(sixteen.basis.details)")
        // Within one of its nodes nothing is simulated across a network.
        let six = try #require(try TrainingEstimate.estimate(spec, gpus: 6, imagesPerSecond: 1000, catalog: catalog))
        #expect(!six.basis.details.contains("more than a node"))
        let (eight, eightCatalog) = try run("pricing: {mode: cloud}")
        #expect(!(try #require(try TrainingEstimate.estimate(eight, gpus: 16, imagesPerSecond: 1000, catalog: eightCatalog))).basis.details
            .contains("more than a node"))
    }

    /// Owned: the purchase (GPUs, the catalog's server, the stated all-in network
    /// links) spread over the life, plus GPU and host power.
    @Test func ownedCostSpreadsThePurchaseAndAddsPower() throws {
        let (spec, catalog) = try run("pricing: {mode: owned, purchase_per_gpu: 10000, lifetime_years: 4, power_usd_per_kwh: 0.1, pue: 1.5, network_port_usd: 1000}")
        let e = try #require(try TrainingEstimate.estimate(spec, gpus: 16, imagesPerSecond: 1000, catalog: catalog))
        let hours = 1_281_167.0 * 10 / 1000 / 3600
        let server = try #require(catalog.serverPrice(for: spec.cluster.gpu))   // the 8-GPU HGX A100 server
        let capex = 16 * 10000.0 + 2 * server.price.midpoint + 2 * 1000.0      // 2 nodes x 1 NIC, all in
        let power = (16 * 400 + 2 * server.hostWatts) * 1.5 / 1000 * 0.1        // A100 SXM4: 400 W
        #expect(abs(try #require(e.capexUSD) - capex) < 1e-6)
        #expect(abs(e.dollars - (capex / (4 * 8766) + power) * hours) < 1e-6)
        #expect(abs(try #require(e.tcoUSD) - (capex + power * 4 * 8766)) < 1e-3)
        #expect(e.basis.offer == "owned, 4-year life" && e.basis.seen == "scenario")
        #expect(e.priceBasis.contains("servers 2 x $53,000") && e.priceBasis.contains("hosting and staff not counted")
                && e.priceBasis.hasSuffix("; the purchase spread over every hour of the life, as if the cluster were busy all of it"))
    }

    /// A cluster busy half its life (`utilization: 0.5`) spreads its purchase and its hosting
    /// over the busy hours: each training hour carries twice their share, the power the same;
    /// its TCO counts the power of the busy hours only, and the basis says so.
    @Test func utilizationSpreadsThePurchaseOverTheBusyHours() throws {
        let pricing = "pricing: {mode: owned, purchase_per_gpu: 10000, lifetime_years: 4, power_usd_per_kwh: 0.1, pue: 1.5, "
            + "network_port_usd: 1000, hosting_usd_per_node_year: 5000"
        let (busy, catalog) = try run(pricing + "}")
        let (half, _) = try run(pricing + ", utilization: 0.5}")
        let full = try #require(try TrainingEstimate.estimate(busy, gpus: 16, imagesPerSecond: 1000, catalog: catalog))
        let shared = try #require(try TrainingEstimate.estimate(half, gpus: 16, imagesPerSecond: 1000, catalog: catalog))
        let hours = 1_281_167.0 * 10 / 1000 / 3600, life = 4 * 8766.0
        let server = try #require(catalog.serverPrice(for: busy.cluster.gpu))
        let capex = 16 * 10000.0 + 2 * server.price.midpoint + 2 * 1000.0
        let power = (16 * 400 + 2 * server.hostWatts) * 1.5 / 1000 * 0.1, hosting = 2 * 5000 / 8766.0
        #expect(abs(full.dollars - (capex / life + power + hosting) * hours) < 1e-6)
        #expect(abs(shared.dollars - (capex / (life / 2) + power + hosting * 2) * hours) < 1e-6)
        #expect(abs(try #require(shared.tcoUSD) - (capex + power * life / 2 + hosting * life)) < 1e-3)
        #expect(shared.capexUSD == full.capexUSD)
        #expect(shared.priceBasis.contains("Over 4 years, busy 50% of the time (utilization), run at full power: ")
                && shared.priceBasis.hasSuffix("; the purchase and the hosting spread over its busy hours, idle power not counted"),
                "\(shared.priceBasis)")
        let refused = #expect(throws: ConfigError.self) { try run(pricing + ", utilization: 0}") }
        #expect(refused?.keyPath.hasSuffix("utilization") == true, "\(String(describing: refused))")
    }

    /// The bill's items add up to the capex it states: the built-in catalog's A100 80GB price
    /// is the middle of a range, $13,749.50, which the bill wrote as $13,750 (eight of them $4
    /// over), so unit prices keep their cents where they have some (a 49th-session audit's
    /// finding); here the scenario states that price.
    @Test func theBillsItemsAddUpToTheCapex() throws {
        let (spec, catalog) = try run("pricing: {mode: owned, purchase_per_gpu: 13749.5, lifetime_years: 4, power_usd_per_kwh: 0.1, pue: 1.5, network_port_usd: 1000}")
        let e = try #require(try TrainingEstimate.estimate(spec, gpus: 8, imagesPerSecond: 1000, catalog: catalog))
        let bought = try #require(e.priceBasis.components(separatedBy: "bought: ").last?.components(separatedBy: ". Over").first)
        var sum = 0.0
        for item in bought.components(separatedBy: "; ") where item.contains(" x $") {
            let words = item.components(separatedBy: " x $")
            let count = try #require(words[0].split(separator: " ").last)
            let quantity = try #require(Double(count))
            let price = try #require(Double(words[1].prefix { $0.isNumber || $0 == "," || $0 == "." }.replacingOccurrences(of: ",", with: "")))
            sum += quantity * price
        }
        #expect(e.priceBasis.contains("GPUs 8 x $13,749.50"), "\(e.priceBasis)")
        #expect(abs(sum - (try #require(e.capexUSD))) < 0.01, "\(bought) against \(e.capexUSD ?? 0)")
        #expect(OwnedCost.unitMoney(53000) == "53,000" && OwnedCost.unitMoney(810) == "810.00" && OwnedCost.unitMoney(1234.567) == "1,234.57")
    }

    @Test func ownedClustersMustStateWhatOnlyTheBuyerKnows() throws {
        #expect(throws: ConfigError.self) { try run("pricing: {mode: owned, purchase_per_gpu: 10000}") }
    }

    @Test func aGPUWithoutAPriceIsAClearError() throws {
        let text = planScenario.replacingOccurrences(of: "gpu: A100-SXM4-40GB", with: "gpu: K40")
            .replacingOccurrences(of: "fabric: nvswitch", with: "fabric: pcie-tree")
        let scenario = try Scenario.load(path: try writeScenario(text))
        do {
            _ = try TrainingEstimate.estimate(scenario.runs[0], gpus: 1, imagesPerSecond: 100, catalog: scenario.catalog)
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.keyPath == "pricing")
            #expect(e.message.contains("K40"))
        }
    }
}

/// Errors small enough to reason about: 1-GPU factors 0.5, 1 and 1.5; speedup
/// factors 0.9 at 2-8 GPUs and 0.5 at 64.
let fixtureErrors = MeasuredErrors(
    corpus: "fixture",
    compute: [0.5, 1.0, 1.5].enumerated().map { (i: Int, f: Double) -> MeasuredErrors.ComputePoint in
        MeasuredErrors.ComputePoint(caseName: "c\(i)", run: nil, precision: "fp32", gpu: "V100-SXM2-16GB", model: "resnet50",
                                    publishedImagesPerSecond: 100 * f, predictedImagesPerSecond: 100)
    },
    scaling: [(2, 0.9), (4, 0.9), (8, 0.9), (64, 0.5)].map { (gpus: Int, f: Double) -> MeasuredErrors.ScalingPoint in
        let linear = Double(gpus) * 0.9
        return MeasuredErrors.ScalingPoint(caseName: "s\(gpus)", run: "r", gpus: gpus, precision: "fp32", gpu: "V100-SXM2-16GB",
                                           model: "resnet50", publishedSpeedup: linear * f, predictedSpeedup: linear)
    })

@Suite struct UncertaintyTests {
    @Test func samplesGiveOrderedRangesThatRepeatAndSurviveSharding() throws {
        let path = try writeScenario(planScenario)
        let axes = try [Sweep.Axis.parse("gpus=4,8"), Sweep.Axis.parse("network_gbps=10,100")]
        let s = try Sweep(scenarioPath: path, axes: axes)
        let u = Uncertainty(samples: 64, seed: 7, errors: fixtureErrors)
        let rows = try s.evaluate(uncertainty: u)
        #expect(try s.evaluate(uncertainty: u) == rows)
        for r in rows {
            let low = try #require(r.timeToTrainSecondsP10), high = try #require(r.timeToTrainSecondsP90)
            #expect(low < r.timeToTrainSeconds! && r.timeToTrainSeconds! < high)
            #expect(try #require(r.costUSDP10) < #require(r.costUSDP90))
            #expect(try #require(r.imagesPerSecondP10) < r.imagesPerSecond && r.imagesPerSecond < #require(r.imagesPerSecondP90))
        }
        let other = try s.evaluate(uncertainty: Uncertainty(samples: 64, seed: 8, errors: fixtureErrors))
        #expect(other != rows)
        let merged = try SweepDocument.merge((1...2).map { i in
            SweepDocument(scenario: path, sweep: .init(vary: axes, run: nil, points: 4, shard: "\(i)/2"),
                          results: try s.evaluate(s.points(shard: i, of: 2), uncertainty: u))
        })
        #expect(merged.results == rows)
    }

    /// A time to train needs a training goal, not a price: a sweep of a run without `pricing:`
    /// still gives each point's time (as `simulate` does) and its range, and no cost.
    @Test func aGoalWithoutPricingStillGivesTheTimeToTrain() throws {
        let path = try writeScenario(planScenario.replacingOccurrences(of: "pricing: {mode: cloud}\n", with: ""))
        let s = try Sweep(scenarioPath: path, axes: [try Sweep.Axis.parse("gpus=8,16")])
        let rows = try s.evaluate(uncertainty: Uncertainty(samples: 64, seed: 7, errors: fixtureErrors))
        #expect(rows.count == 2)
        for r in rows {
            let seconds = try #require(r.timeToTrainSeconds)
            #expect(abs(seconds - 1_281_167 * 10 / r.imagesPerSecond) <= 1e-9 * seconds)
            let low = try #require(r.timeToTrainSecondsP10), high = try #require(r.timeToTrainSecondsP90)
            #expect(low < seconds && seconds < high)
            #expect(r.costUSD == nil && r.costUSDP10 == nil && r.costUSDP90 == nil)
        }
    }

    /// Every configuration draws the same numbers: the same configuration twice gets the same
    /// ranges, and on one GPU count the faster configuration has the higher percentiles, so a
    /// ranking by a range's bound is a ranking by the prediction (plan --pessimistic).
    @Test func configurationsAreComparedOnTheSameDraws() throws {
        let path = try writeScenario(planScenario)
        let s = try Sweep(scenarioPath: path, axes: [try Sweep.Axis.parse("gpus=16"), try Sweep.Axis.parse("network_gbps=10,100")])
        // The 100 Gb/s point twice (`--vary` refuses a value listed twice, so the points are chosen here).
        let rows = try s.evaluate([s.points[0], s.points[1], s.points[1]], uncertainty: Uncertainty(samples: 64, seed: 7, errors: fixtureErrors))
        #expect(rows.count == 3 && rows[1].imagesPerSecond == rows[2].imagesPerSecond)
        #expect(rows[1].imagesPerSecondP10 == rows[2].imagesPerSecondP10 && rows[1].costUSDP90 == rows[2].costUSDP90)
        let (slow, fast) = (rows[0], rows[1])
        #expect(slow.imagesPerSecond < fast.imagesPerSecond, "the faster network should be faster here")
        #expect(try #require(slow.imagesPerSecondP10) < #require(fast.imagesPerSecondP10))
        #expect(try #require(slow.imagesPerSecondP90) < #require(fast.imagesPerSecondP90))
        #expect(try #require(slow.timeToTrainSecondsP90) > #require(fast.timeToTrainSecondsP90))
    }

    @Test func rangesAreThePredictionTimesTheMeasuredErrors() throws {
        let run = try Scenario.load(path: try writeScenario(planScenario)).runs[0]
        let catalog = try Catalog.builtIn()
        let u = Uncertainty(samples: 2000, errors: fixtureErrors)
        // One GPU: only the compute factors, uniform over 0.5...1.5 once interpolated: 10th-90th percentile 0.6...1.4.
        let one = try u.ranges(run, gpus: 1, imagesPerSecond: 1000, catalog: catalog)
        #expect(abs(one.imagesPerSecond.lowerBound - 600) < 25 && abs(one.imagesPerSecond.upperBound - 1400) < 25)
        // Time to train is the goal's images over the rate: its range is the rate's, inverted.
        let seconds = try #require(one.seconds)
        #expect(abs(seconds.upperBound - 12_811_670 / one.imagesPerSecond.lowerBound) / seconds.upperBound < 0.02)
        // Eight GPUs: the neighbourhood of 8 is every point at 2-8 (factor 0.9) and, as the 16 nearest
        // take in the whole corpus, the 64-GPU point too; the range moves down with it.
        let eight = try u.ranges(run, gpus: 8, imagesPerSecond: 1000, catalog: catalog)
        #expect(eight.imagesPerSecond.upperBound < one.imagesPerSecond.upperBound)
        #expect(eight.imagesPerSecond.lowerBound < one.imagesPerSecond.lowerBound)
    }

    @Test func scalingErrorsComeFromTheNearestGPUCounts() {
        var errors = fixtureErrors
        errors.scaling = (1...8).flatMap { k in   // 2, 4, ..., 256 GPUs, three points each, factor 1 - k/100
            (0..<3).map { j in
                MeasuredErrors.ScalingPoint(caseName: "s\(k)-\(j)", run: nil, gpus: 1 << k, precision: "fp32", gpu: "V100-SXM2-16GB",
                                            model: "resnet50", publishedSpeedup: 1 - Double(k) / 100,
                                            predictedSpeedup: 1)
            }
        }
        #expect(errors.scalingFactors(nearGPUs: 1).isEmpty)
        // 16 nearest of 2 GPUs: 2, 4, 8, 16, 32 (15 points) and then all three at 64 (a tie kept whole).
        let two = errors.scalingFactors(nearGPUs: 2)
        #expect(two.count == 18)
        #expect(Set(two.map { ($0 * 100).rounded() }) == [94, 95, 96, 97, 98, 99])
        // 256 and beyond: the largest counts, never a point from 2-4 GPUs.
        for gpus in [256, 4096] {
            let large = errors.scalingFactors(nearGPUs: gpus)
            #expect(large.count == 18)
            #expect(large.allSatisfy { $0 <= 0.971 })
        }
        // Between counts (48 GPUs): the counts on either side come first.
        #expect(errors.scalingFactors(nearGPUs: 48).contains { abs($0 - 0.95) < 1e-12 })
    }

    /// A validation's errors keep predictions to 0.001 images/s (speedups to 1e-4), as the file
    /// stores them: an error computed from the file (explain, report) is the one validate prints,
    /// to 1e-4, down to predictions of 10 images/s (at 0.1 images/s, 25.04449 read 25.0: -0.2%).
    @Test func validationErrorsKeepPredictionsToAThousandth() throws {
        let point = PublishedValidation.Point(caseName: "c", run: nil, gpus: 1, precision: .fp32, gpu: "V100-SXM2-16GB",
                                              model: "resnet50", publishedImagesPerSecond: 38.26, predictedImagesPerSecond: 25.04449)
        let errors = MeasuredErrors(PublishedValidation(cases: [], points: [point], speedups: []), corpus: "fixture")
        #expect(errors.compute.first?.predictedImagesPerSecond == 25.044)
        let back = try MeasuredErrors(yaml: YAMLValue.parse(errors.yaml(), file: "errors.yaml"))
        #expect(back.compute == errors.compute)
        let fromFile = 25.044 / 38.26 - 1, live = point.relativeError
        #expect(abs(fromFile - live) < 1e-4)
    }

    @Test func theErrorsFileReadsBackAsWritten() throws {
        var errors = fixtureErrors
        errors.compute[0].run = "a \"quoted\": run\nwith a line break"
        errors.rangeTails = MeasuredErrors.RangeTails(singleGPU: 0.075, multiGPU: 0.1)
        let text = errors.yaml()
        #expect(text.contains("range_tails: {single_gpu: 0.075, multi_gpu: 0.100}"))
        let back = try MeasuredErrors(yaml: YAMLValue.parse(text, file: "errors.yaml"))
        #expect(back == errors)
        // A file without the key (written before the tails were calibrated) reads with the nominal tails.
        let older = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("range_tails:") }.joined(separator: "\n")
        #expect(try MeasuredErrors(yaml: YAMLValue.parse(older, file: "errors.yaml")).rangeTails == .nominal)
        do {
            _ = try MeasuredErrors(yaml: YAMLValue.parse(text.replacingOccurrences(of: "single_gpu: 0.075", with: "single_gpu: 0.5"),
                                                         file: "errors.yaml"))
            Issue.record("a tail level of 0.5 (an empty range) was accepted")
        } catch let e as ConfigError {
            #expect(e.file == "errors.yaml" && e.line != nil && e.keyPath.contains("single_gpu"))
        }
        #expect(text.hasPrefix("# The simulator's errors on the published corpus"))
        #expect(text.contains("make validation-errors"))
        do {
            _ = try MeasuredErrors(yaml: YAMLValue.parse(text.replacingOccurrences(of: "predicted: 100.000", with: "predicted: -1"),
                                                         file: "errors.yaml"))
            Issue.record("a negative prediction was accepted")
        } catch let e as ConfigError {
            #expect(e.file == "errors.yaml" && e.line != nil)
        }
    }

    @Test func evidenceIsTheGPUsPointsInThePrecisionGroupTheModelsFirst() throws {
        func point(_ name: String, _ gpu: String, _ precision: String, _ model: String, _ published: Double, _ predicted: Double)
            -> MeasuredErrors.ComputePoint {
            .init(caseName: name, run: nil, precision: precision, gpu: gpu, model: model,
                  publishedImagesPerSecond: published, predictedImagesPerSecond: predicted)
        }
        var errors = fixtureErrors
        errors.compute = [point("a", "A100-SXM4-80GB", "fp16", "vgg16", 100, 150),      // +50%
                          point("b", "A100-SXM4-80GB", "tf32", "resnet50", 100, 90),    // another precision group
                          point("c", "A100-SXM4-80GB", "bf16", "resnet50", 100, 80),    // -20%, fp16+bf16 like a
                          point("d", "H100-SXM5", "fp16", "resnet50", 100, 110),        // another GPU
                          point("e", "A100-SXM4-80GB", "fp16", "resnet50", 200, 210)]   // +5%
        let e = errors.evidence(gpu: "A100-SXM4-80GB", precision: .bf16, model: "resnet50")
        #expect(e.precisionGroup == "fp16+bf16")
        // resnet50's points first (c, e, in corpus order), then the others (a).
        #expect(e.points.map(\.caseName) == ["c", "e", "a"])
        #expect(e.sameModel.map(\.caseName) == ["c", "e"])
        let range = e.errorRange!
        #expect(abs(range.lowest + 0.2) < 1e-12 && abs(range.highest - 0.5) < 1e-12)
        #expect(abs(e.medianAbsError! - 0.2) < 1e-12)   // |errors| 0.05, 0.2, 0.5
        // The whole corpus: five points, |errors| 0.5, 0.1, 0.2, 0.1, 0.05.
        #expect(e.corpusPoints == 5 && abs(e.corpusMedianAbsError! - 0.1) < 1e-12)
        // TF32 is its own group; a GPU the corpus never measured has no points, only the corpus's record.
        #expect(errors.evidence(gpu: "A100-SXM4-80GB", precision: .tf32, model: "vgg16").points.map(\.caseName) == ["b"])
        let none = errors.evidence(gpu: "L4", precision: .fp16, model: "resnet50")
        #expect(none.points.isEmpty && none.medianAbsError == nil && none.errorRange == nil && none.corpusPoints == 5)
        #expect(none.architecture == nil && none.architecturePoints.isEmpty)
        // An H200 (Hopper), which the fixture never measured: its Hopper sibling's fp16+bf16 point (d, +10%),
        // not the Ampere ones; an unknown architecture gets none.
        let architectures = ["A100-SXM4-80GB": "Ampere", "H100-SXM5": "Hopper"]
        let hopper = errors.evidence(gpu: "H200-SXM", precision: .bf16, model: "resnet50", architecture: "Hopper",
                                     architectureOf: { architectures[$0] })
        #expect(hopper.points.isEmpty && hopper.architecture == "Hopper" && hopper.architecturePoints.map(\.caseName) == ["d"])
        #expect(abs(hopper.architectureMedianAbsError! - 0.1) < 1e-12)
        // Its sibling's record checks kernels priced from measurements: a board priced at the default
        // efficiencies is warned that the record does not check it; one with fitted kernels, or
        // beside siblings at the defaults, is not.
        let unfitted = errors.evidence(gpu: "H100-NVL", precision: .bf16, model: "resnet50", architecture: "Hopper",
                                       architectureOf: { architectures[$0] }, fitted: { $0 == "H100-SXM5" })
        #expect(unfitted.caution?.contains("priced at the model's default efficiencies") == true
                && unfitted.caution?.contains("other Hopper GPUs") == true, "\(unfitted.caution ?? "none")")
        #expect(errors.evidence(gpu: "H100-NVL", precision: .bf16, model: "resnet50", architecture: "Hopper",
                                architectureOf: { architectures[$0] }, fittedKernels: true, fitted: { _ in true }).caution == nil)
        #expect(hopper.caution == nil)
        // A board the corpus never measured whose architecture's record contradicts the model (its one sibling point ran at
        // 0.36x the prediction, outside the span of the errors on the GPUs outside the architecture) is cautioned by it.
        var blackwell = errors
        blackwell.compute.append(point("f", "B200-SXM", "bf16", "resnet50", 100, 278))
        let sibling = blackwell.evidence(gpu: "GB200", precision: .bf16, model: "resnet50", architecture: "Blackwell",
                                         architectureOf: { $0 == "B200-SXM" ? "Blackwell" : architectures[$0] })
        let span = try #require(blackwell.singleGPUFactorRange(excluding: Set(["B200-SXM", "GB200"])))
        #expect(!span.contains(100.0 / 278) && sibling.architectureFactorRange == span)
        #expect(sibling.caution?.contains("no published one-GPU training measurement on the GB200 in fp16+bf16; its only one-GPU measurement "
                                          + "on another Blackwell GPU (B200-SXM) ran at 0.36x the model's prediction") == true,
                "\(sibling.caution ?? "none")")
        // A scenario's own board may spell its architecture in another case, with spaces.
        #expect(errors.evidence(gpu: "My-Hopper", precision: .fp16, model: "resnet50", architecture: " hopper",
                                architectureOf: { architectures[$0] }).architecturePoints.map(\.caseName) == ["d"])
        // A GPU the corpus has measured keeps its own record: an A100 gets no Ampere siblings, even where
        // the corpus has some (the H100 point counted as Ampere here).
        let ampere = errors.evidence(gpu: "A100-SXM4-80GB", precision: .bf16, model: "resnet50", architecture: "Ampere",
                                     architectureOf: { $0 == "H100-SXM5" ? "Ampere" : architectures[$0] })
        #expect(ampere.points.count == 3 && ampere.architecturePoints.isEmpty && ampere.architectureMedianAbsError == nil)
        #expect(errors.evidence(gpu: "X", precision: .bf16, model: "resnet50", architecture: "unknown",
                                architectureOf: { _ in "unknown" }).architecturePoints.isEmpty)
    }

    @Test func theBuiltInErrorsAreWhatTheCorpusGives() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
        let corpus = root.appendingPathComponent("scenarios/validation/published")
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasSuffix(".yaml") }.sorted()
            .map { corpus.appendingPathComponent($0).path }
        let measured = RangeCalibration.calibrated(MeasuredErrors(try PublishedValidation.evaluate(files: files),
                                                                  corpus: "scenarios/validation/published"))
        let stored = try String(contentsOf: root.appendingPathComponent("Sources/Planning/MeasuredErrors/published-errors.yaml"),
                                encoding: .utf8)
        #expect(measured.yaml() == stored,
                "the simulator's errors on the corpus changed: run `make validation-errors` and commit the file")
        #expect(try MeasuredErrors.builtIn() == measured)
        #expect(measured.compute.count > 20 && measured.scaling.count > 20)
    }

    @Test func pessimisticPlansRankByTheNinetiethPercentile() throws {
        let s = try Sweep(scenarioPath: try writeScenario(planScenario), axes: [try Sweep.Axis.parse("gpus=1,2,4,8")])
        let rows = try s.evaluate(uncertainty: Uncertainty(samples: 64, errors: fixtureErrors))
        let deadline = rows.map { $0.timeToTrainSecondsP90! }.sorted()[2]
        let plan = try Plan(rows: rows, deadlineSeconds: deadline, pessimistic: true)
        let winner = try #require(plan.rankings.first?.meetingDeadline.first)
        #expect(winner.timeToTrainSecondsP90! <= deadline)
        #expect(!rows.contains { $0.timeToTrainSecondsP90! <= deadline && $0.costUSDP90! < winner.costUSDP90! })
    }

    /// An owned cluster's catalog prices are drawn across their ranges: capex gets a
    /// range, and a pessimistic plan bounds its 90th percentile by the capex budget.
    /// Prices the scenario states are not drawn.
    @Test func ownedPricesAreDrawnAcrossTheCatalogRanges() throws {
        let s = try Sweep(scenarioPath: try writeScenario(ownedScenario), axes: [try Sweep.Axis.parse("gpus=8,16")])
        let rows = try s.evaluate(uncertainty: Uncertainty(samples: 8, seed: 3, errors: fixtureErrors))
        for r in rows {
            let low = try #require(r.capexUSDP10), high = try #require(r.capexUSDP90)
            #expect(low < high, "the GPU, server and network prices span ranges")
        }
        let budget = rows[0].capexUSDP90! - 1   // the 8-GPU configuration's pessimistic capex, just out of reach
        #expect(rows[0].capexUSD! <= budget)
        let optimistic = try Plan(rows: rows, deadlineSeconds: nil, budgets: Plan.Budgets(capexUSD: budget))
        let pessimistic = try Plan(rows: rows, deadlineSeconds: nil, budgets: Plan.Budgets(capexUSD: budget), pessimistic: true)
        #expect(optimistic.candidates.map(\.gpus) == [8])
        #expect(pessimistic.candidates.isEmpty)
        #expect(pessimistic.rankings[0].explanation.contains("the smallest capex is $"))
        let stated = ownedScenario.replacingOccurrences(of: "pue: 1.3}", with: "pue: 1.3, purchase_per_gpu: 30000, server_usd_per_node: 40000}")
        let fixed = try Sweep(scenarioPath: try writeScenario(stated), axes: [try Sweep.Axis.parse("gpus=8")])
            .evaluate(uncertainty: Uncertainty(samples: 4, errors: fixtureErrors))
        #expect(fixed[0].capexUSDP10 == fixed[0].capexUSDP90 && fixed[0].capexUSD == 280_000)
    }
}

@Suite struct PlanWordingTests {
    /// Times to train in words, rounded before the unit is chosen: hours from one up, minutes
    /// below (0.1 h would hide a factor of two; tenths below ten minutes, as 1.44 min is not "1 min"), seconds below a
    /// minute, hundredths below ten; no "60 min", "10.0 min" or "60 s".
    @Test func hoursMinutesAndSeconds() {
        #expect(Plan.duration(3960) == "1.1 h")
        #expect(Plan.duration(3600) == "1.0 h")
        #expect(Plan.duration(3599) == "1.0 h")
        #expect(Plan.duration(3569) == "59 min")
        #expect(Plan.duration(540) == "9.0 min")
        #expect(Plan.duration(86.4) == "1.4 min")
        #expect(Plan.duration(599) == "10 min")
        #expect(Plan.duration(594) == "9.9 min")
        #expect(Plan.duration(59.7) == "1.0 min")
        #expect(Plan.duration(59.4) == "59 s")
        #expect(Plan.duration(9.996) == "10 s")
        #expect(Plan.duration(0.36) == "0.36 s")
    }

    /// A deadline reads as given, and a time that misses it reads longer than it: an audit found
    /// "Cheapest that finish within 1.3 h" above a configuration that "would take 1.3 h" (1.26 h and 1.29 h).
    @Test func aTimeThatMissesTheDeadlineReadsLongerThanIt() {
        #expect(Plan.deadline(hours: 1.26) == "1.26 h" && Plan.deadline(hours: 12) == "12 h" && Plan.deadline(hours: 0.25) == "15 min")
        #expect(Plan.duration(1.31 * 3600, missing: 1.3 * 3600) == "1.31 h")
        #expect(Plan.duration(1.3001 * 3600, missing: 1.3 * 3600) == "1.3001 h")
        #expect(Plan.duration(1.29 * 3600, missing: 1.26 * 3600) == "1.3 h")
        #expect(Plan.duration(30.2 * 60, missing: 1800) == "30.2 min")
        #expect(Plan.duration(5.004, missing: 5) == "5.004 s")
        // Within the deadline, or without one, the time reads as usual.
        #expect(Plan.duration(1.27 * 3600, missing: 1.3 * 3600) == "1.3 h")
        #expect(Plan.duration(1.31 * 3600, missing: nil) == "1.3 h")
    }
}
