import Foundation
import Testing
import ScaleCastCLI
import Scenario
import Simulation
import Software
import YAMLSupport

/// The input pipeline (issue 13, item 7): a node's loader delivers at most its
/// ceiling of images/s, shared by its GPUs; the step is the longer of the
/// simulated step and the loaders' time for the global batch.
@Suite struct LoaderCeilingTests {
    func outcome(_ yaml: String, gpus: Int) throws -> ScenarioRunner.Outcome {
        let s = try Scenario.load(path: try temporaryScenario(yaml))
        return try ScenarioRunner.simulate(s.runs[0], gpus: gpus)
    }

    func error(_ yaml: String) throws -> ConfigError { try loadError(yaml) }

    /// A one-node scenario with the cluster's CPU cores stated.
    func withCores(_ cores: Int, software: String) -> String {
        """
        name: loader-test
        model: alexnet-owt
        batch_per_gpu: 64
        cluster:
          gpu: V100
          gpus_per_node: 8
          cpu_cores_per_node: \(cores)
        gpus: [1, 8]
        software: \(software)
        """
    }

    @Test func theCeilingBindsWhenTheGPUsOutrunIt() throws {
        let one = try outcome(scenario(gpus: [1, 8], extra: "software: ideal"), gpus: 1).metrics
        let eight = try outcome(scenario(gpus: [1, 8], extra: "software: ideal"), gpus: 8).metrics
        // Between one GPU's rate and eight GPUs' rate: binds at 8, not at 1.
        let ceiling = 2 * one.imagesPerSecond
        #expect(eight.imagesPerSecond > ceiling)
        let software = "software: {profile: ideal, loader: cpu, loader_images_per_second_per_node: \(ceiling)}"
        let bound = try outcome(scenario(gpus: [1, 8], extra: software), gpus: 8).metrics
        #expect(abs(bound.imagesPerSecond / ceiling - 1) < 1e-9)
        #expect(bound.isInputBound)
        #expect(abs(bound.inputWaitSeconds - (bound.stepSeconds - eight.stepSeconds)) < 1e-12)
        // The wait is idle time: compute, exposed communication and idle still add up to the step.
        #expect(abs(bound.computeSeconds + bound.exposedCommunicationSeconds + bound.idleSeconds - bound.stepSeconds) < 1e-9)
        #expect(bound.computeSeconds == eight.computeSeconds)
        // Below the ceiling nothing changes.
        let free = try outcome(scenario(gpus: [1, 8], extra: software), gpus: 1).metrics
        #expect(free == one)
        #expect(!free.isInputBound)
    }

    @Test func aPerCoreRateIsMultipliedByTheNodesCores() throws {
        let eight = try outcome(scenario(gpus: [1, 8], extra: "software: ideal"), gpus: 8).metrics
        let perCore = eight.imagesPerSecond / 2 / 40  // 40 cores deliver half the GPUs' rate
        let bound = try outcome(withCores(40, software: "{profile: ideal, loader: cpu, loader_images_per_second_per_core: \(perCore)}"),
                                gpus: 8).metrics
        #expect(abs(bound.imagesPerSecond / (perCore * 40) - 1) < 1e-9)
        // A measured node rate wins over the per-core figure.
        let node = try outcome(withCores(40, software: "{profile: ideal, loader: cpu, loader_images_per_second_per_core: \(perCore), "
                                          + "loader_images_per_second_per_node: \(perCore * 20)}"), gpus: 8).metrics
        #expect(abs(node.imagesPerSecond / (perCore * 20) - 1) < 1e-9)
    }

    /// The built-in DataLoader profile answers "how many cores per GPU" up to its node's
    /// measured share: 17,800 / 8 = 2,225 images/s per GPU takes 8 workers at its 278 (17,800 / 64
    /// rounded; a ratio 0.05% above 8 counts as 8), and any need above that share takes no more.
    @Test func theBuiltInDataLoaderNeedsEightWorkersToReachItsNodesShare() throws {
        let loader = try #require(try ProfileCatalog.builtIn().profile(named: "torchvision-dataloader"))
        let ceiling = try #require(loader.loaderCeiling(cpuCoresPerNode: 128, gpus: 8, gpusPerNode: 8))
        #expect(ceiling.nodeShare == 2225)
        #expect(ceiling.coresPerGPU(toDeliver: 2630) == 8 && ceiling.nodeShareCaps(2630))
        #expect(ceiling.coresPerGPU(toDeliver: 600) == 3 && !ceiling.nodeShareCaps(600))
        #expect(ceiling.coresPerGPU(toDeliver: 557) == 3, "557 / 278 = 2.0036: over by more than 0.1%")
    }

    @Test func idealAndASyntheticLoaderAreUnchanged() throws {
        let catalog = try ProfileCatalog.builtIn()
        for profile in catalog.profiles where !["torchvision-dataloader", "pytorch-ddp-dataloader", "dle-pytorch-21.03"].contains(profile.name) {
            #expect(profile.loader == .synthetic && profile.loaderCeiling(cpuCoresPerNode: 128, gpus: 8, gpusPerNode: 8) == nil)
        }
        #expect(ExecutionProfile.ideal.isIdeal && ExecutionProfile.ideal.loaderCeiling(cpuCoresPerNode: 1, gpus: 1, gpusPerNode: 1) == nil)
        let plain = try outcome(scenario(gpus: [1, 8], extra: "software: ideal"), gpus: 8).metrics
        let synthetic = try outcome(scenario(gpus: [1, 8], extra: "software: {profile: ideal, loader: synthetic}"), gpus: 8).metrics
        #expect(plain == synthetic)
        // The cluster key alone changes nothing.
        #expect(try outcome(withCores(40, software: "ideal"), gpus: 8).metrics == plain)
        // The built-in loader profile has a sourced per-node rate and nothing else beyond ideal.
        let loader = try #require(catalog.profile(named: "torchvision-dataloader"))
        #expect(loader.loader == .cpu && loader.loaderImagesPerSecondPerNode != nil && !loader.isIdeal)
        #expect(!loader.dispatchesOnHost && loader.gradientBytesPerElement == nil && loader.gradientSync == .buckets)
        #expect(loader.sources["loader_images_per_second_per_node"] != nil && loader.sources["loader"] != nil)
    }

    @Test func explainSaysInputBound() throws {
        let one = try outcome(scenario(gpus: [1, 8], extra: "software: ideal"), gpus: 1).metrics
        let path = try temporaryScenario(scenario(gpus: [1, 8], extra:
            "software: {profile: ideal, loader: cpu, loader_images_per_second_per_node: \(2 * one.imagesPerSecond)}"))
        let out = CLI.execute(["explain", path, "--gpus", "8"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("input-bound"))
        #expect(out.stdout.contains("loader: cpu, at most"))
    }

    /// "How many CPU cores per GPU": explain divides the rate the GPUs train at without
    /// the loader's limit by one core's rate and rounds up (a whole ratio stays whole),
    /// input-bound or not; in workers where the rate is a DataLoader worker's; up to the
    /// node's share where the profile also measures a whole node's rate, which more cores
    /// would not lift; not at all from a node's rate alone.
    @Test func explainSaysHowManyCoresPerGPUTheGPUsNeed() throws {
        let eight = try outcome(scenario(gpus: [1, 8], extra: "software: ideal"), gpus: 8).metrics
        let perGPU = eight.imagesPerSecond / 8
        func explain(_ software: String, json: Bool = false) throws -> String {
            let out = CLI.execute(["explain", try temporaryScenario(withCores(24, software: software)), "--gpus", "8"] + (json ? ["--json"] : []))
            #expect(out.exitCode == 0, "\(out.stderr)")
            return out.stdout
        }
        // 24 cores over 8 GPUs: 3 each; the GPUs need 3.5 (4 cores), 2.5 (3) or exactly 3 (3).
        for (ratio, cores, bound) in [(3.5, 4, true), (2.5, 3, false), (3.0, 3, false)] {
            let perCore = perGPU / ratio
            let software = "{profile: ideal, loader: cpu, loader_images_per_second_per_core: \(perCore)}"
            let text = try explain(software)
            #expect(text.contains(bound ? "the step is input-bound" : "the loader keeps up"))
            #expect(text.contains("The GPUs \(bound ? "could train" : "train") \(String(format: "%.0f", perGPU)) images/s each, which needs "
                                  + "\(cores) CPU cores per GPU at \(String(format: "%.0f", perCore)) images/s per core (the cluster has 3 per GPU)"))
            #expect(try explain(software, json: true).contains("\"loader_cores_per_gpu_needed\" : \(cores)"))
        }
        // A worker's rate: the answer is in workers, beside the run's own count.
        let workers = try explain("{profile: ideal, loader: cpu, loader_images_per_second_per_worker: \(perGPU / 2), loader_workers_per_gpu: 1}")
        #expect(workers.contains("which needs 2 DataLoader workers per GPU, each on its own core, at \(String(format: "%.0f", perGPU / 2)) "
                                 + "images/s per worker (the run has 1 per GPU; the cluster has 3 cores per GPU)"))
        // A measured node rate alone gives no count: nothing says what one core delivers.
        let nodeOnly = "{profile: ideal, loader: cpu, loader_images_per_second_per_node: \(perGPU)}"
        #expect(!(try explain(nodeOnly)).contains("per GPU at"))
        #expect(try explain(nodeOnly, json: true).contains("\"loader_cores_per_gpu_needed\" : null"))
        // With a per-core rate beside it, the count reaches the node's share (perGPU / 8 each) and no
        // further: more cores would not lift the node's measured rate.
        let both = "{profile: ideal, loader: cpu, loader_images_per_second_per_node: \(perGPU), loader_images_per_second_per_core: 10}"
        let share = perGPU / 8, capped = Int((share / 10).rounded(.up))
        let text = try explain(both)
        #expect(text.contains("which needs more than the node's measured \(String(format: "%.0f", share)) images/s per GPU; reaching that takes "
                              + "\(capped) CPU cores per GPU at 10 images/s per core"), "\(text)")
        // ... and says whose rate that is: here the scenario's own (ideal has none); with a policy,
        // the slowed rate beside it and a warning not to count the policy twice.
        #expect(text.contains("and more cores would not lift the node's rate: the \(String(format: "%.0f", perGPU)) images/s per node "
                              + "the scenario states"), "\(text)")
        let augmented = try explain("{profile: ideal, loader: cpu, loader_images_per_second_per_node: \(perGPU), loader_images_per_second_per_core: 10, "
                                    + "loader_augmentation: augmix}")
        let slowedNode = perGPU * LoaderAugmentation.augmix.slowed(10) / 10
        #expect(augmented.contains("which needs more than the node's measured rate, slowed by the augmentation, of "
                                   + "\(String(format: "%.0f", slowedNode / 8)) images/s per GPU"), "\(augmented)")
        #expect(augmented.contains("the \(String(format: "%.0f", perGPU)) images/s per node the scenario states (\(String(format: "%.0f", slowedNode)) "
                                   + "with augmix); a rate measured with the policy already in it counts the policy twice: state it without, "
                                   + "or set loader_augmentation: none"), "\(augmented)")
        #expect(try explain(both, json: true).contains("\"loader_cores_per_gpu_needed\" : \(capped)"))
    }

    /// Where a built-in profile's measured node rate caps the loaders, explain says it is one
    /// node's measurement and how to state one's own (taken without the policy, with one).
    @Test func explainSaysTheProfilesNodeRateIsOneMeasurement() throws {
        func explain(_ augmentation: String) throws -> String {
            let path = try temporaryScenario("""
                name: measured node
                model: resnet50
                batch_per_gpu: 256
                precision: bf16
                cluster: {gpu: H100-SXM5, gpus_per_node: 8, fabric: nvswitch, cpu_cores_per_node: 192}
                software: {profile: pytorch-ddp-dataloader, loader_workers_per_gpu: 24\(augmentation)}
                gpus: [8]
                """)
            let out = CLI.execute(["explain", path])
            #expect(out.exitCode == 0, "\(out.stderr)")
            return out.stdout
        }
        let plain = try explain("")
        #expect(plain.contains("and more cores would not lift the node's rate: the profile's 17800 images/s per node is one node's "
                               + "measurement (`scalecast software` gives its source); where your nodes deliver more, state your own "
                               + "measurement as software.loader_images_per_second_per_node"), "\(plain)")
        let augmented = try explain(", loader_augmentation: autoaugment")
        let slowed = String(format: "%.0f", 17_800 * LoaderAugmentation.autoaugment.slowed(278) / 278)
        #expect(augmented.contains("the profile's 17800 images/s per node (\(slowed) with autoaugment) is one node's measurement "
                                   + "(`scalecast software` gives its source); where your nodes deliver more, state your own measurement, "
                                   + "taken without the augmentation policy, as software.loader_images_per_second_per_node"), "\(augmented)")
    }

    @Test func badLoaderInputIsLocated() throws {
        let negative = try error(scenario(extra: "software: {profile: ideal, loader: cpu, loader_images_per_second_per_node: -5}"))
        #expect(negative.keyPath == "software.loader_images_per_second_per_node" && negative.line == 9)
        let zero = try error(scenario(extra: "software: {profile: ideal, loader: cpu, loader_images_per_second_per_core: 0}"))
        #expect(zero.keyPath == "software.loader_images_per_second_per_core")
        let huge = try error(scenario(extra: "software: {profile: ideal, loader: cpu, loader_images_per_second_per_node: 1000000000000}"))
        #expect(huge.keyPath == "software.loader_images_per_second_per_node")
        let unknown = try error(scenario(extra: "software: {profile: ideal, loader_rate: 3}"))
        #expect(unknown.keyPath.hasPrefix("software") && unknown.line == 9)
        let kind = try error(scenario(extra: "software: {profile: ideal, loader: gpu}"))
        #expect(kind.keyPath == "software.loader" && kind.message.contains("synthetic"))
        let noRate = try error(scenario(extra: "software: {profile: ideal, loader: cpu}"))
        #expect(noRate.keyPath == "software.loader" && noRate.message.contains("loader_images_per_second"))
        let noCores = try error(scenario(extra: "software: {profile: ideal, loader: cpu, loader_images_per_second_per_core: 100}"))
        #expect(noCores.keyPath == "software" && noCores.message.contains("cpu_cores_per_node"))
        let cores = try error(withCores(0, software: "ideal"))
        #expect(cores.keyPath == "cluster.cpu_cores_per_node" && cores.line == 7)
        let negativeCores = try error(withCores(-4, software: "ideal"))
        #expect(negativeCores.keyPath == "cluster.cpu_cores_per_node")

        let path = try temporaryScenario(scenario(extra: "software: {profile: ideal, loader: cpu, loader_images_per_second_per_node: -5}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains(path) && out.stderr.contains("software.loader_images_per_second_per_node"))
        #expect(out.stderr.split(separator: "\n").count == 1)
    }

    @Test func aCatalogCPULoaderWithoutARateIsRefused() throws {
        let yaml = try YAMLValue.parse("""
            profiles:
              - name: no-rate
                summary: a loader with no rate
                loader: cpu
                sources:
                  loader: "a source that says something about the loader"
            """, file: "p.yaml")
        #expect(throws: ConfigError.self) { _ = try ProfileCatalog(yaml: yaml) }
    }
}
