import Foundation
import Hardware
import Testing
@testable import Planning
import Scenario
import YAMLSupport

/// `training: {epochs: {B1: E1, B2: E2}}`: the epochs a recipe needs, by global batch,
/// interpolated linearly in log2 of the batch and held at the ends.
@Suite struct EpochsByGlobalBatchTests {
    static func scenario(epochs: String, gpus: [Int] = [1, 8]) -> String {
        """
        name: epochs by batch
        model: resnet18
        batch_per_gpu: 64
        cluster: {gpu: A100-SXM4-80GB, gpus_per_node: 8, fabric: nvswitch}
        software: ideal
        gpus: \(gpus)
        training: {images: 100000, epochs: \(epochs)}
        pricing: {mode: cloud, cloud_per_gpu_hour: 2}
        """
    }

    @Test func epochsAreInterpolatedInLog2OfTheBatchAndHeldAtTheEnds() throws {
        let goal = try #require(try Scenario.load(path: try writeScenario(Self.scenario(epochs: "{65536: 120, 8192: 90}"))).runs[0].training)
        #expect(goal.fixedEpochs == nil)
        #expect(goal.epochsByGlobalBatch.map(\.globalBatch) == [8192, 65536])
        #expect([1, 8192, 16384, 32768, 65536, 1_000_000].map(goal.epochs(atGlobalBatch:)) == [90, 90, 100, 110, 120, 120])
        #expect(goal.totalImages(atGlobalBatch: 16384) == 100_000 * 100)
        let fixed = try #require(try Scenario.load(path: try writeScenario(Self.scenario(epochs: "90"))).runs[0].training)
        #expect(fixed.epochs(atGlobalBatch: 1) == 90 && fixed.epochs(atGlobalBatch: 1 << 20) == 90)
    }

    /// Each configuration's time and cost to train take the epochs at its own global batch:
    /// 64 images on 1 GPU, 512 on 8.
    @Test func eachConfigurationTrainsTheEpochsAtItsOwnBatch() throws {
        let run = try Scenario.load(path: try writeScenario(Self.scenario(epochs: "{64: 10, 4096: 40}"))).runs[0]
        let catalog = try Catalog.builtIn()
        let one = try #require(try TrainingEstimate.estimate(run, gpus: 1, imagesPerSecond: 1000, catalog: catalog))
        let eight = try #require(try TrainingEstimate.estimate(run, gpus: 8, imagesPerSecond: 1000, catalog: catalog))
        #expect(abs(one.seconds - 100_000 * 10 / 1000) < 1e-9)
        // 512 = 64 x 2^3 of the 2^6 between the two stated batches: half-way, 25 epochs.
        #expect(abs(eight.seconds - 100_000 * 25 / 1000) < 1e-9)
        #expect(abs(eight.dollars - 8 * 2 * eight.seconds / 3600) < 1e-9)
    }

    @Test(arguments: [("{}", "state the epochs at one global batch or more"),
                      ("{abc: 3}", "training.epochs.abc: 'abc' is no global batch"),
                      ("{0: 3}", "'0' is no global batch"),
                      ("{8192: 90, 08192: 80}", "global batch 8192 is stated twice"),
                      ("{8192: 0}", "training.epochs.8192: must be between 0.001 and 1000000, got 0")])
    func badTablesAreRefusedWhereTheyAre(table: String, message: String) throws {
        let path = try writeScenario(Self.scenario(epochs: table))
        #expect {
            _ = try Scenario.load(path: path)
        } throws: { error in
            "\(error)".contains(message) && "\(error)".hasPrefix("\(path):7: ")
        }
    }

    /// Three stated batches: each stretch between two is its own line in log2 of the batch.
    @Test func eachStretchOfATableIsItsOwnLine() throws {
        let goal = try #require(try Scenario.load(path: try writeScenario(Self.scenario(epochs: "{1024: 80, 8192: 90, 65536: 120}"))).runs[0].training)
        #expect(abs(goal.epochs(atGlobalBatch: 2048) - (80 + 10.0 / 3)) < 1e-12)
        #expect(abs(goal.epochs(atGlobalBatch: 16384) - 100) < 1e-12)
    }

    /// The batch is the one the configuration trains at: under max_global_batch and
    /// accumulation_steps, 16 images a GPU x 8 GPUs x 2 micro-batches = 256 a step.
    @Test func theBatchIsTheCutAndAccumulatedOne() throws {
        let text = Self.scenario(epochs: "{64: 10, 4096: 40}").replacingOccurrences(
            of: "batch_per_gpu: 64\n", with: "batch_per_gpu: 64\nmax_global_batch: 256\naccumulation_steps: 2\nstrategy: {kind: data}\n")
        let run = try Scenario.load(path: try writeScenario(text)).runs[0]
        #expect(run.globalBatch(at: 8) == 256)
        let estimate = try #require(try TrainingEstimate.estimate(run, gpus: 8, imagesPerSecond: 1000, catalog: try Catalog.builtIn()))
        // 256 = 64 x 2^2 of the 2^6 between the stated batches: a third of the way, 20 epochs.
        #expect(abs(estimate.seconds - 100_000 * 20 / 1000) < 1e-9)
    }

    /// A run's table, or a sweep's varied one, replaces the scenario's whole: no stated batch
    /// of the scenario's stays beside it.
    @Test func aRunsOrAVariedTableReplacesTheScenarios() throws {
        let text = Self.scenario(epochs: "{2048: 90, 32768: 100}") + "\nruns:\n  - {label: own, training: {epochs: {8192: 95}}}\n  - {label: inherited}\n"
        let runs = try Scenario.load(path: try writeScenario(text)).runs
        #expect(runs[0].training?.epochsByGlobalBatch.map(\.globalBatch) == [8192])
        #expect(runs[1].training?.epochsByGlobalBatch.map(\.globalBatch) == [2048, 32768])
        let sweep = try Sweep(scenarioPath: try writeScenario(Self.scenario(epochs: "{2048: 90, 32768: 100}")),
                              axes: [Sweep.Axis.parse("training.epochs={8192: 95}")])
        #expect(sweep.points[0].run.training?.epochsByGlobalBatch.map(\.epochs) == [95])
    }

    /// A bad key is named on its own line, not its value's.
    @Test func aBadKeyIsNamedOnItsLine() throws {
        let text = Self.scenario(epochs: "90").replacingOccurrences(
            of: "training: {images: 100000, epochs: 90}", with: "training:\n  epochs:\n    abc:\n      90")
        let path = try writeScenario(text)
        #expect {
            _ = try Scenario.load(path: path)
        } throws: { error in
            "\(error)".hasPrefix("\(path):9: ") && "\(error)".contains("'abc' is no global batch")
        }
    }

    /// The plan names more epochs as a reason a runner-up costs more.
    @Test func thePlanNamesMoreEpochsAsTheRunnerUpsCost() throws {
        let rows = try Sweep(scenarioPath: try writeScenario(Self.scenario(epochs: "{64: 10, 512: 40}")),
                             axes: [Sweep.Axis.parse("gpus=1,8")]).evaluate()
        let text = try #require(try Plan(rows: rows, deadlineSeconds: nil).rankings.first).explanation
        #expect(text.contains("costs $"), "\(text)")
        #expect(text.contains("at its global batch of 512 images it trains 300% more epochs (the training goal states them by batch)."), "\(text)")
        let fixed = try Sweep(scenarioPath: try writeScenario(Self.scenario(epochs: "10")), axes: [Sweep.Axis.parse("gpus=1,8")]).evaluate()
        #expect(!(try #require(try Plan(rows: fixed, deadlineSeconds: nil).rankings.first).explanation.contains("more epochs")))
    }
}

