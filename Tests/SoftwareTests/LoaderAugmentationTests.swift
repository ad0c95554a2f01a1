import Foundation
import Testing
import ScaleCastCLI
import Scenario
@testable import Simulation
import Software

/// An augmentation policy adds CPU time to each image on its worker
/// (`loader_augmentation`, `LoaderAugmentation`): every CPU rate the loader has falls by
/// the same factor, `1 / (1 + rate × extra)`.
@Suite struct LoaderAugmentationTests {
    /// torchvision-dataloader's rates: 17,800 images/s per node, 278 per worker.
    func profile(_ augmentation: LoaderAugmentation, workers: Int? = 8) -> ExecutionProfile {
        var profile = ExecutionProfile(name: "test", summary: "test")
        profile.loader = .cpu
        profile.loaderImagesPerSecondPerNode = 17_800
        profile.loaderImagesPerSecondPerWorker = 278
        profile.loaderWorkersPerGPU = workers
        profile.loaderAugmentation = augmentation
        return profile
    }

    @Test func theExtraTimesAreTheBenchmarksDifferences() {
        // The benchmark's medians (ms per image) less the plain pipeline's 1.856.
        let measured: [LoaderAugmentation: Double] = [.none: 1.856, .autoaugment: 2.536, .randaugment: 3.311,
                                                      .trivialaugmentWide: 2.616, .augmix: 8.365]
        for (policy, ms) in measured {
            #expect(abs(policy.extraSecondsPerImage * 1e3 - (ms - 1.856)) < 1e-9, "\(policy)")
        }
    }

    /// One worker at 278 images/s spends 1/278 s on an image; AutoAugment adds 0.68 ms.
    @Test func aWorkersRateIsOneOverItsTimePerImage() throws {
        let slowed = 1 / (1 / 278.0 + 0.68e-3)
        #expect(abs(LoaderAugmentation.autoaugment.slowed(278) - slowed) < 1e-9)
        #expect(LoaderAugmentation.none.slowed(278) == 278)
        // One GPU of an 8-GPU node: its 8 workers bind.
        let one = try #require(profile(.autoaugment).loaderCeiling(cpuCoresPerNode: 128, gpus: 1, gpusPerNode: 8))
        #expect(abs(try #require(one.imagesPerSecond) - 8 * slowed) < 1e-9 && one.limit == .workers)
        // Sixteen GPUs on one node: the node's measured rate binds, slowed by the same factor.
        let node = try #require(profile(.autoaugment).loaderCeiling(cpuCoresPerNode: 128, gpus: 16, gpusPerNode: 16))
        #expect(abs(try #require(node.imagesPerSecond) - 17_800 * slowed / 278) < 1e-9 && node.limit == .node)
        // The cores a GPU needs are counted at the slowed rate.
        #expect(node.imagesPerSecondPerCore.map { abs($0 - slowed) < 1e-9 } == true)
    }

    /// Without a policy every rate is the profile's, to the bit (1 / (1 / 278) is not 278).
    /// A step is input-bound from a wait of 0.5% of it (as plan says): a shorter wait is the
    /// loader keeping up within rounding, and neither simulate nor explain call it a limit.
    @Test func inputBoundStartsAtHalfAPercentOfTheStep() {
        let step = StepMetrics(stepSeconds: 1, globalBatch: 8, computeSeconds: 1, exposedCommunicationSeconds: 0, idleSeconds: 0)
        for (wait, bound) in [(0.0, false), (0.004, false), (0.005, true), (0.2, true)] {
            var m = step
            m.inputWaitSeconds = wait
            #expect(m.isInputBound == bound, "wait \(wait)")
        }
    }

    /// A per-worker rate alone makes no node rate, with or without a policy: the workers
    /// (at most one per core) bound the run.
    @Test func aPerWorkerRateAloneMakesNoNodeRate() throws {
        var profile = ExecutionProfile(name: "test", summary: "test")
        profile.loader = .cpu
        profile.loaderImagesPerSecondPerWorker = 100
        profile.loaderWorkersPerGPU = 4
        for policy in [LoaderAugmentation.none, .autoaugment] {
            profile.loaderAugmentation = policy
            let ceiling = try #require(profile.loaderCeiling(cpuCoresPerNode: 16, gpus: 8, gpusPerNode: 8))
            #expect(ceiling.nodeImagesPerSecond == nil && ceiling.limit == .cores)
            #expect(ceiling.imagesPerSecond == 16 * policy.slowed(100))
        }
    }

    @Test func withoutAugmentationTheRatesAreExactlyTheProfiles() throws {
        #expect(ExecutionProfile(name: "test", summary: "test").loaderAugmentation == .none)
        let cores = try #require(profile(.none).loaderCeiling(cpuCoresPerNode: 40, gpus: 8, gpusPerNode: 8))
        #expect(cores.imagesPerSecond == 40 * 278 && cores.imagesPerSecondPerCore == 278)
        let node = try #require(profile(.none).loaderCeiling(cpuCoresPerNode: 128, gpus: 16, gpusPerNode: 16))
        #expect(node.imagesPerSecond == 17_800 && node.measuredNodeImagesPerSecond == 17_800)
    }

    /// A heavier policy never delivers more images.
    @Test func heavierPoliciesDeliverFewerImages() throws {
        let rates = try [LoaderAugmentation.none, .autoaugment, .trivialaugmentWide, .randaugment, .augmix].map {
            try #require(profile($0).loaderCeiling(cpuCoresPerNode: 128, gpus: 1, gpusPerNode: 8)?.imagesPerSecond)
        }
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 })
    }

    @Test func aRunSlowsWhereTheLoaderBinds() throws {
        let base = "{profile: torchvision-dataloader, loader_workers_per_gpu: 1"
        let plain = try simulateFirstRun(scenario(gpus: [1], extra: "software: \(base)}"), gpus: 1).metrics
        let augmented = try simulateFirstRun(scenario(gpus: [1], extra: "software: \(base), loader_augmentation: augmix}"), gpus: 1).metrics
        #expect(plain.isInputBound && augmented.isInputBound)
        #expect(abs(plain.imagesPerSecond - 278) < 1e-6)
        #expect(abs(augmented.imagesPerSecond - LoaderAugmentation.augmix.slowed(278)) < 1e-6)
        // simulate says which rows wait for the loader, and for how much of the step.
        let bound = CLI.execute(["simulate", try temporaryScenario(scenario(gpus: [1], extra: "software: \(base), loader_augmentation: augmix}"))])
        let share = Int((augmented.inputWaitSeconds / augmented.stepSeconds * 100).rounded())
        #expect(bound.stdout.contains("input-bound (the GPUs wait for the CPU loader, counted in idle ms; faster GPUs would not help: "
                                      + "`explain` names the loader's limit): 1 GPU \(share)% of the step\n"), "\(bound.stdout)")
        let free = CLI.execute(["simulate", try temporaryScenario(scenario(gpus: [1], extra: "software: torchvision-dataloader"))])
        #expect(free.exitCode == 0 && !free.stdout.contains("input-bound"), "\(free.stdout)")
        let path = try temporaryScenario(scenario(gpus: [1], extra: "software: \(base), loader_augmentation: autoaugment}"))
        let out = CLI.execute(["explain", path])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("(1 per GPU x 234 images/s per worker, with autoaugment's +0.68 ms of CPU per image"), "\(out.stdout)")
    }

    /// A policy's name is read in any case, with or without its hyphen, as its paper or library writes it.
    @Test(arguments: [("AutoAugment", LoaderAugmentation.autoaugment), ("RANDAUGMENT", .randaugment),
                      ("TrivialAugmentWide", .trivialaugmentWide), ("trivial_augment_wide", .trivialaugmentWide), ("AugMix", .augmix)])
    func aPolicyIsReadAsItIsWritten(written: String, policy: LoaderAugmentation) throws {
        let path = try temporaryScenario(scenario(gpus: [1], extra: "software: {profile: torchvision-dataloader, loader_augmentation: \(written)}"))
        #expect(try Scenario.load(path: path).runs[0].software.loaderAugmentation == policy)
    }

    @Test func anUnknownPolicyOrOneWithoutACoreRateIsLocated() throws {
        let unknown = try scenarioError("software: {profile: torchvision-dataloader, loader_augmentation: cutmix}")
        #expect(unknown.keyPath == "software.loader_augmentation" && unknown.line == 9, "\(unknown)")
        #expect(unknown.message.contains("autoaugment"))
        let synthetic = try scenarioError("software: {profile: ideal, loader_augmentation: autoaugment}")
        #expect(synthetic.keyPath == "software.loader_augmentation" && synthetic.message.contains("cpu loader"))
        let nodeOnly = try scenarioError("software: {profile: ideal, loader: cpu, loader_images_per_second_per_node: 100, "
                                         + "loader_augmentation: autoaugment}")
        #expect(nodeOnly.keyPath == "software.loader_augmentation" && nodeOnly.message.contains("per_worker"))
        let path = try temporaryScenario(scenario(extra: "software: {profile: torchvision-dataloader, loader_augmentation: cutmix}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains("\(path):9") && out.stderr.contains("software.loader_augmentation"))
    }

    /// `scalecast software` lists the policies with what each adds and where the figures come from.
    @Test func theSoftwareListingNamesThePolicies() {
        let text = CLI.execute(["software"]).stdout
        #expect(text.contains("none +0.000 ms, autoaugment +0.680 ms, randaugment +1.455 ms, trivialaugment-wide +0.760 ms, augmix +6.509 ms"))
        #expect(text.contains("vfdev-5/tvapiv2_benchmarks @ d7fe8fe"))
    }
}
