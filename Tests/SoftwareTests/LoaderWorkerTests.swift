import Foundation
import Testing
import ScaleCastCLI
import Scenario
import Simulation
import Software
import YAMLSupport

/// The DataLoader's workers (issue 13, item 7): PyTorch runs `num_workers` worker
/// processes per training process, i.e. per GPU, so on one GPU of a node only that
/// GPU's workers decode, at most one per core; the node's measured rate still caps
/// the node.
@Suite struct LoaderWorkerTests {
    func metrics(_ software: String, gpus: Int, cores: Int? = nil) throws -> StepMetrics {
        let cluster = cores.map { "\n  cpu_cores_per_node: \($0)" } ?? ""
        let yaml = scenario(gpus: [1, 8], extra: "software: \(software)")
            .replacingOccurrences(of: "  gpus_per_node: 8", with: "  gpus_per_node: 8" + cluster)
        return try simulateFirstRun(yaml, gpus: gpus).metrics
    }

    @Test func fewWorkersBindOneGPUAndTheNodeCapBindsEight() throws {
        let one = try metrics("ideal", gpus: 1)
        let eight = try metrics("ideal", gpus: 8)
        // The node cap binds at 8 GPUs only (as in LoaderCeilingTests); two workers per GPU
        // deliver half of one GPU's rate, so they bind at 1 GPU, and 8 GPUs' 16 workers
        // would deliver 4x one GPU's rate, more than the node cap's 2x.
        let cap = 2 * one.imagesPerSecond
        #expect(eight.imagesPerSecond > cap)
        let perWorker = one.imagesPerSecond / 4
        let software = "{profile: ideal, loader: cpu, loader_images_per_second_per_node: \(cap), "
            + "loader_images_per_second_per_worker: \(perWorker), loader_workers_per_gpu: 2}"
        let boundOne = try metrics(software, gpus: 1)
        #expect(abs(boundOne.imagesPerSecond / (2 * perWorker) - 1) < 1e-9)
        #expect(boundOne.isInputBound && boundOne.computeSeconds == one.computeSeconds)
        let boundEight = try metrics(software, gpus: 8)
        #expect(abs(boundEight.imagesPerSecond / cap - 1) < 1e-9)
        // Enough workers: one GPU runs at its own rate.
        let many = try metrics(software.replacingOccurrences(of: "loader_workers_per_gpu: 2", with: "loader_workers_per_gpu: 8"), gpus: 1)
        #expect(many == one)
    }

    @Test func theNodesCoresBoundItsWorkers() throws {
        let eight = try metrics("ideal", gpus: 8)
        // 8 workers per GPU on 8 GPUs are 64 processes; 16 cores run 16 of them at a time.
        let perWorker = eight.imagesPerSecond / 64
        let software = "{profile: ideal, loader: cpu, loader_images_per_second_per_node: 1000000, "
            + "loader_images_per_second_per_worker: \(perWorker), loader_workers_per_gpu: 8}"
        let unbound = try metrics(software, gpus: 8)
        #expect(abs(unbound.imagesPerSecond / eight.imagesPerSecond - 1) < 1e-9)
        let cores = try metrics(software, gpus: 8, cores: 16)
        #expect(abs(cores.imagesPerSecond / (16 * perWorker) - 1) < 1e-9)
    }

    /// A cluster and run, with the ceiling expected: 17,800 images/s per node, 8 workers per GPU at 278 each.
    struct Case: Sendable, CustomStringConvertible {
        var cores: Int, gpus: Int, gpusPerNode: Int
        var expected: Double
        var limit: LoaderCeiling.Limit
        var description: String { "\(gpus) GPUs, \(gpusPerNode) per node, \(cores) cores" }
    }

    static let cases: [Case] = [
        Case(cores: 40, gpus: 1, gpusPerNode: 8, expected: 8 * 278, limit: .workers),
        Case(cores: 40, gpus: 8, gpusPerNode: 8, expected: 40 * 278, limit: .cores),
        // 64 workers x 278 = 17,792, just under the node's 17,800.
        Case(cores: 128, gpus: 8, gpusPerNode: 8, expected: 64 * 278, limit: .workers),
        Case(cores: 128, gpus: 16, gpusPerNode: 16, expected: 17_800, limit: .node),
        Case(cores: 128, gpus: 1, gpusPerNode: 8, expected: 8 * 278, limit: .workers),
        // 12 GPUs on two nodes: the fuller node's 8 GPUs share 40 cores, 5 workers' worth each.
        Case(cores: 40, gpus: 12, gpusPerNode: 8, expected: 12 * 5 * 278, limit: .cores),
        // 24 GPUs on two nodes of 16: the full node's 16 GPUs share its 17,800 and the step waits
        // for them, so 24 x 17,800 / 16, not 2 x 17,800.
        Case(cores: 128, gpus: 24, gpusPerNode: 16, expected: 24 * 17_800 / 16, limit: .node),
    ]

    @Test(arguments: cases)
    func theCeilingIsTheLowestLimit(_ c: Case) throws {
        let (cores, gpus, gpusPerNode) = (c.cores, c.gpus, c.gpusPerNode)
        var profile = ExecutionProfile(name: "test", summary: "test")
        profile.loader = .cpu
        profile.loaderImagesPerSecondPerNode = 17_800
        profile.loaderImagesPerSecondPerWorker = 278
        profile.loaderWorkersPerGPU = 8
        let ceiling = try #require(profile.loaderCeiling(cpuCoresPerNode: cores, gpus: gpus, gpusPerNode: gpusPerNode))
        #expect(abs(try #require(ceiling.imagesPerSecond) / c.expected - 1) < 1e-12)
        #expect(ceiling.limit == c.limit)
        // Without a worker count only the node's rate applies, as before workers were modelled.
        profile.loaderWorkersPerGPU = nil
        let nodeOnly = try #require(profile.loaderCeiling(cpuCoresPerNode: cores, gpus: gpus, gpusPerNode: gpusPerNode))
        #expect(nodeOnly.imagesPerSecond == Double(gpus) * 17_800 / Double(min(gpus, gpusPerNode)) && nodeOnly.limit == .node)
    }

    @Test func theBuiltInProfileWithoutWorkersIsTheNodeRateAlone() throws {
        let builtIn = try metrics("torchvision-dataloader", gpus: 8, cores: 40)
        // torchvision-dataloader's autograd fields as they are, so that the loader is the only difference.
        let nodeOnly = try metrics("{profile: ideal, loader: cpu, loader_images_per_second_per_node: 17800, inplace_activation_clone: true, "
                                   + "broadcast_grad_sum_to: true, inplace_relu6_clone: true, max_pool_indices: true}", gpus: 8, cores: 40)
        #expect(builtIn == nodeOnly)
        let profile = try #require(try ProfileCatalog.builtIn().profile(named: "torchvision-dataloader"))
        #expect(profile.loaderWorkersPerGPU == nil && profile.loaderImagesPerSecondPerWorker == 278)
        let source = try #require(profile.sources["loader_images_per_second_per_worker"])
        #expect(source.contains("17,800") && source.contains("64") && source.contains("composer/yamls/models/resnet50.yaml")
                && source.contains("not printed in the blog"))
    }

    /// pytorch-ddp-dataloader is pytorch-ddp with torchvision-dataloader's loader, field for field.
    @Test func theDDPDataLoaderProfileIsDDPWithTheLoader() throws {
        let catalog = try ProfileCatalog.builtIn()
        let combined = try #require(catalog.profile(named: "pytorch-ddp-dataloader"))
        var expected = try #require(catalog.profile(named: "pytorch-ddp"))
        let loader = try #require(catalog.profile(named: "torchvision-dataloader"))
        expected.loader = loader.loader
        expected.loaderImagesPerSecondPerNode = loader.loaderImagesPerSecondPerNode
        expected.loaderImagesPerSecondPerWorker = loader.loaderImagesPerSecondPerWorker
        expected.name = combined.name
        expected.summary = combined.summary
        expected.sources = combined.sources
        #expect(combined == expected)
        // Where the loader keeps up, the step is pytorch-ddp's.
        let one = try metrics("pytorch-ddp-dataloader", gpus: 1)
        let ddp = try metrics("pytorch-ddp", gpus: 1)
        #expect(!one.isInputBound && one == ddp)
    }

    @Test func explainNamesTheWorkersWhenTheyBind() throws {
        let one = try metrics("ideal", gpus: 1)
        let path = try temporaryScenario(scenario(gpus: [1, 8], extra: "software: {profile: torchvision-dataloader, "
            + "loader_images_per_second_per_worker: \(one.imagesPerSecond / 4), loader_workers_per_gpu: 2}"))
        let out = CLI.execute(["explain", path, "--gpus", "1"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("loader: cpu, at most \(Int((one.imagesPerSecond / 2).rounded())) images/s: "))
        #expect(out.stdout.contains("from the DataLoader workers (2 per GPU x"))
        #expect(out.stdout.contains("below the node's 17800 images/s per node x 1 node; the step is input-bound"))
    }

    /// 12 GPUs on nodes of 8: the node term is the fullest node's share for every GPU, and
    /// `explain` says so rather than "x 2 nodes".
    @Test func explainSaysThePartlyFilledNodeWaitsForTheFullest() throws {
        let path = try temporaryScenario(scenario(gpus: [12], extra: "software: {profile: torchvision-dataloader}")
            .replacingOccurrences(of: "  gpus_per_node: 8\n", with: "  gpus_per_node: 8\n  network: {link: ib-hdr, nics_per_node: 1}\n"))
        let out = CLI.execute(["explain", path, "--gpus", "12"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        #expect(out.stdout.contains("loader: cpu, at most 26700 images/s: 17800 images/s per node shared by the fullest node's 8 GPUs, "
                                    + "x 12 GPUs (the step waits for them)"), "\(out.stdout)")
    }

    @Test(arguments: ["0", "-3", "2.5", "many", "[8]"])
    func aBadWorkerCountIsLocated(value: String) throws {
        let e = try scenarioError("software: {profile: torchvision-dataloader, loader_workers_per_gpu: \(value)}")
        #expect(e.keyPath == "software.loader_workers_per_gpu" && e.line == 9, "\(value): \(e)")
        let path = try temporaryScenario(scenario(extra: "software: {profile: torchvision-dataloader, loader_workers_per_gpu: \(value)}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains("\(path):9") && out.stderr.contains("software.loader_workers_per_gpu"))
        #expect(out.stderr.split(separator: "\n").count == 1)
    }

    @Test func aWorkerCountNeedsACPULoaderWithAPerWorkerRate() throws {
        let synthetic = try scenarioError("software: {profile: ideal, loader_workers_per_gpu: 8}")
        #expect(synthetic.keyPath == "software.loader_workers_per_gpu" && synthetic.message.contains("cpu loader"))
        let noRate = try scenarioError("software: {profile: ideal, loader: cpu, loader_images_per_second_per_node: 100, loader_workers_per_gpu: 8}")
        #expect(noRate.keyPath == "software.loader_workers_per_gpu" && noRate.message.contains("loader_images_per_second_per_worker"))
        // Workers and a per-worker rate are a rate on their own.
        let workersOnly = try metrics("{profile: ideal, loader: cpu, loader_images_per_second_per_worker: 10, loader_workers_per_gpu: 1}", gpus: 1)
        #expect(abs(workersOnly.imagesPerSecond - 10) < 1e-9)
    }

    /// A field set for a mechanism the run does not use would change nothing: a loader rate
    /// beside a synthetic loader, a host server's rate beside an all-reduce that has no host
    /// server, a gradient sync policy where the profile syncs layer by layer in turn. Each is
    /// refused at its key; a profile's own rates under `loader: synthetic`
    /// are not (the run leaves the loader out on purpose).
    @Test func figuresForAMechanismTheRunDoesNotUseAreRefused() throws {
        for key in ExecutionProfile.loaderRateKeys {
            let e = try scenarioError("software: {\(key): 1}")
            #expect(e.keyPath == "software.\(key)" && e.message.contains("loader: cpu"), "\(e)")
        }
        let inTurn = try scenarioError("software: {profile: cuda-convnet2, gradient_sync: buckets}")
        #expect(inTurn.keyPath == "software.gradient_sync" && inTurn.message.contains("sync_layers_in_turn: false"), "\(inTurn)")
        _ = try metrics("{profile: cuda-convnet2, gradient_sync: buckets, sync_layers_in_turn: false}", gpus: 1)
        let server = try scenarioError("software: {profile: tensorflow-1-ps, ps_host_gb_per_s: 1}")
        #expect(server.keyPath == "software.ps_host_gb_per_s" && server.message.contains("ps-gpus"), "\(server)")
        let withLoader = try metrics("torchvision-dataloader", gpus: 8, cores: 64)
        let without = try metrics("{profile: torchvision-dataloader, loader: synthetic}", gpus: 8, cores: 64)
        #expect(without.stepSeconds <= withLoader.stepSeconds)
    }

    /// `scalecast software` lists the per-worker rate with its source.
    @Test func theSoftwareListingShowsTheWorkers() throws {
        let json = CLI.execute(["software", "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let loader = try #require(list.first { $0["name"] as? String == "torchvision-dataloader" })
        #expect(loader["loader_images_per_second_per_worker"] as? Double == 278 && loader["loader_workers_per_gpu"] == nil)
        let text = CLI.execute(["software"]).stdout
        #expect(text.contains("torchvision-dataloader loader: cpu, at most 17800 images/s per node; and at most 278 images/s per DataLoader worker"))
        #expect(text.contains("  loader_images_per_second_per_worker: Derived, printed by no source: 17,800 images/s"))
    }
}
