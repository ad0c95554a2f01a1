import Foundation
import Testing
@testable import Reports
@testable import ScaleCastCLI
import Scenario
import YAMLSupport

/// `max_global_batch`: above it each GPU's batch is cut to keep the global batch within it,
/// as large runs cut theirs (NVIDIA's MLPerf v0.6 ResNet-50: 208 per GPU on one DGX-1, 52 on 130).
@Suite struct MaxGlobalBatchTests {
    static func scenario(cap: Int, accumulation: Int = 1, gpus: [Int] = [1, 8, 32, 64]) -> String {
        """
        name: capped
        model: resnet18
        batch_per_gpu: 64
        max_global_batch: \(cap)
        accumulation_steps: \(accumulation)
        precision: fp16
        cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}
        strategy: {kind: data, allreduce: ring, bucket_mb: 25}
        software: ideal
        gpus: \(gpus)
        """
    }

    /// ⌊cap / (GPUs · accumulation_steps)⌋ where that is below `batch_per_gpu`, else `batch_per_gpu`.
    @Test func theBatchPerGPUIsCutWhereTheGlobalBatchWouldPassTheCap() throws {
        let run = try Scenario.load(path: try writeTemporary(Self.scenario(cap: 1000))).runs[0]
        #expect([1, 8, 15, 16, 32, 64, 1000].map(run.batchPerGPU(at:)) == [64, 64, 64, 62, 31, 15, 1])
        #expect(run.setup(gpus: 32).batchPerGPU == 31)
        let accumulating = try Scenario.load(path: try writeTemporary(Self.scenario(cap: 1000, accumulation: 2))).runs[0]
        #expect([8, 16, 32].map(accumulating.batchPerGPU(at:)) == [62, 31, 15])
        #expect(accumulating.setup(gpus: 32).globalBatch == 15 * 32 * 2)
    }

    /// The simulated step takes the cut batch: its global batch stays within the cap, the step
    /// is shorter than at the full batch, and each row says the batch it ran and needs less memory.
    @Test func simulationAndResultsRunTheCutBatch() throws {
        let capped = try Scenario.load(path: try writeTemporary(Self.scenario(cap: 1024)))
        let uncapped = try Scenario.load(path: try writeTemporary(Self.scenario(cap: 1_000_000)))
        let cut = try ScenarioRunner.results(capped), full = try ScenarioRunner.results(uncapped)
        #expect(cut.map(\.batchPerGPU) == [64, 64, 32, 16])
        #expect(cut.map(\.metrics.globalBatch) == [64, 512, 1024, 1024])
        #expect(full.map(\.metrics.globalBatch) == [64, 512, 2048, 4096])
        // Up to 8 GPUs the cap changes nothing; above, a step of a quarter of the batch is shorter and needs less memory.
        #expect(cut[1].metrics.stepSeconds == full[1].metrics.stepSeconds)
        #expect(cut[3].metrics.stepSeconds < 0.5 * full[3].metrics.stepSeconds)
        #expect(cut[3].memory.totalBytes < full[3].memory.totalBytes)
        #expect(ResultsTable.batchText(cut) == "batch per GPU 64, 32 from 32 GPUs, 16 from 64 (max_global_batch)")
        #expect(ResultsTable.batchText(full) == "batch 64 per GPU")
    }

    /// A cap below one image per GPU is refused where it is written, naming the GPU count.
    @Test func aCapBelowOneImagePerGPUIsRefusedAtItsLine() throws {
        let path = try writeTemporary(Self.scenario(cap: 40))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("\(path):4: max_global_batch: 40 images a step leave fewer than one per GPU at 64 GPUs"), "\(out.stderr)")
        #expect(out.stderr.contains("at least 64"), "\(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
        // The same from a sweep's varied GPU count.
        let swept = CLI.execute(["sweep", try writeTemporary(Self.scenario(cap: 40, gpus: [1, 8])), "--vary", "gpus=8,64"])
        #expect(swept.exitCode == 2)
        #expect(swept.stderr.contains("fewer than one per GPU at 64 GPUs"), "\(swept.stderr)")
    }
}

extension MaxGlobalBatchTests {
    /// `plan` cautions where a configuration shown takes more images a step than an epoch
    /// holds, and not where every step fits in one; `sweep` counts such points, and `report`
    /// says so beside the ImageNet epoch it prices without a training goal.
    @Test func planCautionsWhereAStepIsLargerThanAnEpoch() throws {
        // One cluster, with a training goal of 100,000-image epochs, and without one (report prices an ImageNet epoch).
        let cluster = """
            name: big
            model: resnet18
            batch_per_gpu: 256
            precision: bf16
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}

            """
        let path = try writeTemporary(cluster + "gpus: [8]\ntraining: {epochs: 90, images: 100000}\npricing: {mode: cloud}\n")
        let large = CLI.execute(["plan", path, "--deadline-hours", "1", "--vary", "gpus=8,512", "--quiet"])
        #expect(large.stdout.contains("One configuration shown takes more images a step than an epoch of the training holds "
                                      + "(the largest, 512 GPUs: 131,072 images a step against 100,000 an epoch), so its time"), "\(large.stdout)")
        let small = CLI.execute(["plan", path, "--deadline-hours", "1", "--vary", "gpus=8,64", "--quiet"])
        #expect(small.exitCode == 0 || small.exitCode == 1, "\(small.stderr)")
        #expect(!small.stdout.contains("more images a step than an epoch"), "\(small.stdout)")
        // sweep counts such points on stderr, as it counts lower bounds.
        let swept = CLI.execute(["sweep", path, "--vary", "gpus=8,512", "--quiet"])
        #expect(swept.exitCode == 0 && swept.stderr.contains("sweep: 1 of 2 points take more images a step than an epoch "
                                                              + "(global_batch above training.images)"), "\(swept.stderr)")
        #expect(!CLI.execute(["sweep", path, "--vary", "gpus=8,64", "--quiet"]).stderr.contains("than an epoch"))
        // report without training: prices an ImageNet epoch, and says where a step holds more than one.
        let untrained = try writeTemporary(cluster + "gpus: [8, 8192]\n")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-epoch-\(UUID().uuidString)").path
        let report = CLI.execute(["report", untrained, "--out", folder])
        #expect(report.exitCode == 0, "\(report.stderr)")
        let text = try String(contentsOfFile: folder + "/report.md", encoding: .utf8)
        #expect(text.contains("Its step of 2,097,152 images is more than that epoch, so that time counts part of a step no run takes"),
                "\(text.prefix(1500))")
    }
}

extension MaxGlobalBatchTests {
    /// Exactly one image per GPU is allowed; a cap set in one run is refused at that run's line.
    @Test func oneImagePerGPUIsTheLeastAndARunsOwnCapIsNamedWhereItIs() throws {
        let path = try writeTemporary(Self.scenario(cap: 128, accumulation: 2))
        let run = try Scenario.load(path: path).runs[0]
        #expect(run.batchPerGPU(at: 64) == 1)
        #expect(CLI.execute(["simulate", path]).exitCode == 0)
        let perRun = try writeTemporary("""
            name: per run
            model: resnet18
            batch_per_gpu: 64
            cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch, network: {link: ib-hdr, nics_per_node: 8}}
            software: ideal
            gpus: [1, 16]
            runs:
              - {label: free}
              - {label: capped, max_global_batch: 8, accumulation_steps: 2}
            """)
        let out = CLI.execute(["simulate", perRun])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("\(perRun):9: runs[1].max_global_batch: 8 images a step leave fewer than one per GPU "
                                    + "in each of 2 micro-batches at 16 GPUs; raise max_global_batch to at least 32"), "\(out.stderr)")
    }

    /// The heading lists the batches in ascending GPU counts whatever order the run lists them in,
    /// and names the cap where it cut every count listed.
    @Test func theHeadingFollowsTheGPUCounts() throws {
        let unordered = try Scenario.load(path: try writeTemporary(Self.scenario(cap: 1024, gpus: [64, 1, 32])))
        #expect(ResultsTable.batchText(try ScenarioRunner.results(unordered)) == "batch per GPU 64, 32 from 32 GPUs, 16 from 64 (max_global_batch)")
        #expect(ResultsTable.batchText(try ScenarioRunner.results(unordered, gpuOverride: [64])) == "batch 16 per GPU (max_global_batch)")
        // explain names the cut batch beside the run; not where the cap does not bind.
        let path = try writeTemporary(Self.scenario(cap: 1024))
        #expect(CLI.execute(["explain", path, "--gpus", "64"]).stdout.hasPrefix(
            "resnet18 on 64 x A100-SXM4-80GB, data (ring, 25 MB buckets), 16 images per GPU (cut from 64 by max_global_batch)\n"))
        #expect(!CLI.execute(["explain", path, "--gpus", "8"]).stdout.contains("max_global_batch"))
    }

    /// `validate --against` predicts each measurement at the batch it was measured at, whatever
    /// the scenario's cap would make of it.
    @Test func measurementsArePredictedAtTheirOwnBatch() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-cap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.scenario(cap: 1024).write(to: dir.appendingPathComponent("capped.yaml"), atomically: true, encoding: .utf8)
        try Self.scenario(cap: 1_000_000).write(to: dir.appendingPathComponent("free.yaml"), atomically: true, encoding: .utf8)
        let csv = dir.appendingPathComponent("steps.csv")
        try """
            scenario,model,batch_per_gpu,precision,gpus,measured_step_seconds
            capped.yaml,resnet18,64,fp16,64,0.05
            free.yaml,resnet18,64,fp16,64,0.05
            """.write(to: csv, atomically: true, encoding: .utf8)
        let out = CLI.execute(["validate", "--against", csv.path, "--json"])
        #expect(out.exitCode == 0 || out.exitCode == 1, "\(out.stderr)")
        let cases = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])["cases"] as? [[String: Any]]
        let predicted = try #require(cases).compactMap { $0["predicted_step_seconds"] as? Double }
        #expect(predicted.count == 2 && predicted[0] == predicted[1], "\(out.stdout)")
    }
}

extension MaxGlobalBatchTests {
    /// Sweep rows carry the batch each GPU trains under the cap and the epochs the time to
    /// train takes at the row's global batch, in the JSON and as the CSV's columns before `epochs_held`.
    @Test func sweepRowsCarryTheCutBatchAndTheEpochs() throws {
        let path = try writeTemporary(Self.scenario(cap: 1024, gpus: [1]) + "\ntraining: {epochs: {64: 10, 1024: 50}}\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-batch-\(UUID().uuidString).json").path
        let json = CLI.execute(["sweep", path, "--vary", "gpus=1,32", "--out", file, "--quiet"])
        #expect(json.exitCode == 0, "\(json.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let rows = try #require(document["results"] as? [[String: Any]])
        #expect(rows.map { $0["batch_per_gpu"] as? Int } == [64, 32])
        // 64 images a step: the table's first figure; 32 x 32 = 1,024: its last.
        #expect(rows.map { $0["epochs"] as? Double } == [10, 50])
        let csv = CLI.execute(["sweep", path, "--vary", "gpus=1,32", "--quiet"])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first?.hasSuffix(",host_busy_seconds,batch_per_gpu,epochs,epochs_held") == true, "\(lines.first ?? "")")
        #expect(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).suffix(3).joined(separator: ",") }
                == ["64,10.0,", "32,50.0,"], "\(csv.stdout)")
        let untimed = CLI.execute(["sweep", try writeTemporary(Self.scenario(cap: 1024, gpus: [1])), "--vary", "gpus=32", "--quiet"])
        #expect(untimed.stdout.split(separator: "\n").last?.hasSuffix(",32,,") == true, "\(untimed.stdout)")
    }
}
