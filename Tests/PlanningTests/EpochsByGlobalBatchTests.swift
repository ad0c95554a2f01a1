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
}
