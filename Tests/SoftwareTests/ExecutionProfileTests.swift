import Foundation
import Testing
import Parallelism
import ScaleCastCLI
import Scenario
import Simulation
import Software
import YAMLSupport

/// The first run of the scenario `yaml` simulated on `gpus` GPUs.
func simulateFirstRun(_ yaml: String, gpus: Int) throws -> ScenarioRunner.Outcome {
    let s = try Scenario.load(path: try temporaryScenario(yaml))
    return try ScenarioRunner.simulate(s.runs[0], gpus: gpus)
}

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryScenario(_ text: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-software-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent("scenario.yaml")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

func scenario(batch: Int = 64, gpus: [Int] = [1, 2], precision: String = "fp32", extra: String = "") -> String {
    """
    name: software-test
    model: alexnet-owt
    batch_per_gpu: \(batch)
    precision: \(precision)
    cluster:
      gpu: V100
      gpus_per_node: 8
    gpus: \(gpus)
    \(extra)
    """
}

/// A scenario of `model` at batch 64 on one V100 under `software:` (a profile or its overrides).
func oneGPUScenario(model: String, precision: String = "fp32", software: String) -> String {
    """
    name: one-gpu
    model: \(model)
    batch_per_gpu: 64
    precision: \(precision)
    cluster: {gpu: V100, gpus_per_node: 8}
    gpus: [1]
    software: \(software)
    """
}

@Suite struct ProfileCatalogTests {
    @Test func theBuiltInCatalogParsesAndEveryFigureHasASource() throws {
        let catalog = try ProfileCatalog.builtIn()
        for name in ["ideal", "pytorch-ddp", "pytorch-compiled", "cuda-convnet2"] {
            #expect(catalog.profile(named: name) != nil, "missing built-in profile \(name)")
        }
        #expect(catalog.profile(named: "ideal") == ExecutionProfile.ideal)
        #expect(try #require(catalog.profile(named: "ideal")).isIdeal)
        for profile in catalog.profiles where profile.name != "ideal" {
            // The parser refuses a figure without a source; check that the texts say something.
            #expect(!profile.sources.isEmpty, "\(profile.name) cites nothing")
            for (key, text) in profile.sources {
                #expect(ExecutionProfile.fieldKeys.contains(key))
                #expect(text.count > 20, "\(profile.name).\(key): the source is too thin")
            }
        }
        let ddp = try #require(catalog.profile(named: "pytorch-ddp"))
        #expect(ddp.gradientBytesPerElement == 4 && ddp.dispatchesOnHost && ddp.gradientSync == .buckets)
        #expect(try #require(catalog.profile(named: "cuda-convnet2")).gradientSync == .afterBackward)
        #expect(try #require(catalog.profile(named: "pytorch-compiled")).dispatchesOnHost == false)
    }

    @Test func aFigureWithoutASourceIsRefused() throws {
        let yaml = try YAMLValue.parse("""
            profiles:
              - name: unsourced
                summary: no sources
                launch_us_per_kernel_forward: 3
            """, file: "p.yaml")
        #expect(throws: ConfigError.self) { _ = try ProfileCatalog(yaml: yaml) }
    }
}

/// The error loading `scenario(extra:)` gives, checked to name the file.
func scenarioError(_ extra: String) throws -> ConfigError { try loadError(scenario(extra: extra)) }

/// The error loading the scenario `yaml` gives, checked to name the file.
func loadError(_ yaml: String) throws -> ConfigError {
    let path = try temporaryScenario(yaml)
    do {
        _ = try Scenario.load(path: path)
    } catch let e as ConfigError {
        #expect(e.file == path)
        return e
    }
    Issue.record("expected a ConfigError for \(yaml)")
    return ConfigError(file: "", keyPath: "", line: nil, message: "")
}

@Suite struct SoftwareKeyTests {
    func error(_ extra: String) throws -> ConfigError { try scenarioError(extra) }

    @Test func aNameOrOverridesAreRead() throws {
        let named = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: pytorch-ddp")))
        #expect(named.runs[0].software.name == "pytorch-ddp")
        let overridden = try Scenario.load(path: try temporaryScenario(scenario(
            extra: "software: {profile: pytorch-ddp, launch_us_per_kernel_forward: 5, gradient_sync: after-backward}")))
        let p = overridden.runs[0].software
        #expect(abs(p.launchSecondsPerKernelForward - 5e-6) < 1e-15 && abs(p.launchSecondsPerKernelBackward - 15e-6) < 1e-15)
        #expect(p.gradientSync == .afterBackward && p.overridden == ["launch_us_per_kernel_forward", "gradient_sync"])
        // Without `software:`, the default: eager PyTorch with DDP.
        #expect(try Scenario.load(path: try temporaryScenario(scenario())).runs[0].software.name == ProfileCatalog.defaultProfileName)
        #expect(ProfileCatalog.defaultProfileName == "pytorch-ddp")
    }

    /// `software: {memory_format: nhwc}` (the README's channels-last example) overrides the
    /// default profile; under a top level naming a profile, a run's fields override that one.
    @Test func fieldsWithoutAProfileOverrideTheDefaultOrTheTopLevels() throws {
        let alone = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {memory_format: nhwc}"))).runs[0].software
        #expect(alone.name == ProfileCatalog.defaultProfileName && alone.memoryFormat == .nhwc && alone.overridden == ["memory_format"])
        let runs = try Scenario.load(path: try temporaryScenario(scenario(extra: """
            software: tensorflow-1
            runs:
              - {label: as named}
              - {label: overridden, software: {launch_us_per_kernel_forward: 1}}
              - {label: replaced, software: ideal}
            """))).runs
        #expect(runs.map(\.software.name) == ["tensorflow-1", "tensorflow-1", "ideal"])
        // A run's null drops the top level's override: the profile's own value again.
        let nulled = try Scenario.load(path: try temporaryScenario(scenario(extra: """
            software: {memory_format: nhwc}
            runs:
              - {label: top}
              - {label: nulled, software: {memory_format: ~}}
            """))).runs
        let profiles = try ProfileCatalog.builtIn()
        #expect(profiles.defaultProfile.memoryFormat == .nchw)
        #expect(nulled.map(\.software.memoryFormat) == [.nhwc, .nchw])
        #expect(nulled[1].software.overridden.isEmpty)
        #expect(runs[1].software.overridden == ["launch_us_per_kernel_forward"] && abs(runs[1].software.launchSecondsPerKernelForward - 1e-6) < 1e-15)
        #expect(runs[0].software.overridden.isEmpty && runs[0].software.launchSecondsPerKernelForward != runs[1].software.launchSecondsPerKernelForward)
        let unknown = try loadError(scenario(extra: "software: tensorflow-9\nruns:\n  - {software: {memory_format: nhwc}}"))
        #expect(unknown.line == 9 && unknown.message.contains("tensorflow-9"), "\(unknown)")
    }

    @Test func badInputIsLocated() throws {
        let unknown = try error("software: pytorch-eager")
        #expect(unknown.keyPath == "software" && unknown.line == 9 && unknown.message.contains("pytorch-ddp"))
        let field = try error("software: {profile: ideal, launch_cost: 3}")
        #expect(field.line == 9 && field.message.contains("launch_cost"))
        let negative = try error("software: {profile: ideal, launch_us_per_kernel_backward: -2}")
        #expect(negative.keyPath == "software.launch_us_per_kernel_backward" && negative.line == 9)
        let policy = try error("software: {profile: ideal, gradient_sync: sometimes}")
        #expect(policy.keyPath == "software.gradient_sync")
        let format = try error("software: {profile: ideal, memory_format: chw}")
        #expect(format.keyPath == "software.memory_format" && format.line == 9 && format.message.contains("nchw"))
        let depthwise = try error("software: {profile: ideal, depthwise_kernels: tensorflow}")
        #expect(depthwise.keyPath == "software.depthwise_kernels" && depthwise.line == 9 && depthwise.message.contains("pytorch"))
        let protocols = try error("software: {profile: ideal, nccl_protocols: [LL, LL129]}")
        #expect(protocols.keyPath == "software.nccl_protocols[1]" && protocols.line == 9 && protocols.message.contains("LL128"), "\(protocols)")
        let none = try error("software: {profile: ideal, nccl_protocols: []}")
        #expect(none.keyPath == "software.nccl_protocols" && none.message.contains("at least one"), "\(none)")
        let twice = try error("software: {profile: ideal, nccl_protocols: [simple, Simple]}")
        #expect(twice.message.contains("'Simple' is listed twice"), "\(twice)")
        let alone = try error("software: {profile: ideal, nccl_protocols: [LL128]}")
        #expect(alone.keyPath == "software.nccl_protocols" && alone.message.hasPrefix("LL128 alone"), "\(alone)")
    }

    /// `nccl_protocols` (as `NCCL_PROTO`, or a release without LL128) reaches NCCL's choice, any
    /// case of the names; a run whose all-reduce is not NCCL's is told it changes nothing.
    @Test func ncclProtocolsReachNCCLsChoice() throws {
        let run = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: pytorch-ddp, nccl_protocols: [ll, Simple]}"))).runs[0]
        #expect(run.software.ncclProtocols == [.ll, .simple])
        #expect(run.setup(gpus: 2).nccl?.protocols == [.ll, .simple])
        let ring = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: ideal, nccl_protocols: [LL]}"))).runs[0]
        #expect(ring.unusedKeys.contains { $0.keyPath == "software.nccl_protocols" && $0.message.contains("not NCCL's") }, "\(ring.unusedKeys)")
    }

    /// PyTorch's profiles run PyTorch's own depthwise kernels where PyTorch does, the
    /// others the library's; the run's cost model gets the scenario's choice.
    @Test func depthwiseKernelsAreThePyTorchRuleOrTheScenarios() throws {
        let catalog = try ProfileCatalog.builtIn()
        #expect(catalog.profile(named: "pytorch-ddp")?.depthwiseKernels == .pytorch)
        #expect(catalog.profile(named: "pytorch-compiled")?.depthwiseKernels == .pytorch)
        #expect(catalog.profile(named: "ideal")?.depthwiseKernels == .library && ExecutionProfile.ideal.isIdeal)
        #expect(try Scenario.load(path: try temporaryScenario(scenario())).runs[0].costModel.depthwiseKernels == .pytorch)
        let library = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: pytorch-ddp, depthwise_kernels: library}")))
        #expect(library.runs[0].costModel.depthwiseKernels == .library && library.runs[0].software.overridden == ["depthwise_kernels"])
    }

    /// PyTorch's profiles lay tensors out NCHW (its default), the others NHWC; a scenario
    /// can say which its script uses.
    @Test func theMemoryFormatIsThePyTorchDefaultOrTheScenarios() throws {
        let catalog = try ProfileCatalog.builtIn()
        #expect(catalog.profile(named: "pytorch-ddp")?.memoryFormat == .nchw)
        #expect(catalog.profile(named: "pytorch-compiled")?.memoryFormat == .nchw)
        #expect(catalog.profile(named: "ideal")?.memoryFormat == .nhwc)
        let channelsLast = try Scenario.load(path: try temporaryScenario(scenario(extra: "software: {profile: pytorch-ddp, memory_format: nhwc}")))
        #expect(channelsLast.runs[0].software.memoryFormat == .nhwc && channelsLast.runs[0].costModel.memoryFormat == .nhwc)
        #expect(try Scenario.load(path: try temporaryScenario(scenario())).runs[0].costModel.memoryFormat == .nchw)
    }

    @Test func badInputExitsTwo() throws {
        let path = try temporaryScenario(scenario(extra: "software: {profile: ideal, launch_us_per_kernel_forward: -1}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2)
        #expect(out.stderr.contains(path) && out.stderr.contains("software.launch_us_per_kernel_forward"))
    }
}

@Suite struct ExecutionProfileSimulationTests {
    func run(_ yaml: String, gpus: Int = 1) throws -> ScenarioRunner.Outcome {
        let s = try Scenario.load(path: try temporaryScenario(yaml))
        return try ScenarioRunner.simulate(s.runs[0], gpus: gpus)
    }

    /// NCHW tensors slow a step on tensor cores (fp16: each convolution pass transposes)
    /// and leave an fp32 step as it was (CUDA-core kernels take NCHW as it is).
    @Test func nchwSlowsOnlyTensorCoreSteps() throws {
        func step(_ precision: String, _ format: String) throws -> Double {
            try run(scenario(precision: precision, extra: "software: {profile: ideal, kernel_library: cudnn-8, memory_format: \(format)}"))
                .metrics.stepSeconds
        }
        #expect(try step("fp16", "nchw") > step("fp16", "nhwc") * 1.05)
        #expect(try step("fp32", "nchw") == step("fp32", "nhwc"))
    }

    /// No `software:` key runs the default profile, pytorch-ddp: the same bytes out of
    /// `simulate --json` as naming it; `ideal` (the hardware alone) launches for free
    /// (the step may still be shorter under pytorch-ddp: its cuDNN picks Winograd and FFT).
    @Test func noKeyIsByteIdenticalToTheDefaultProfile() throws {
        // The same path for both: the JSON names the scenario file.
        let path = try temporaryScenario(scenario())
        let plain = CLI.execute(["simulate", path, "--json"])
        try scenario(extra: "software: pytorch-ddp").write(toFile: path, atomically: true, encoding: .utf8)
        let ddp = CLI.execute(["simulate", path, "--json"])
        #expect(plain.exitCode == 0 && ddp.exitCode == 0)
        #expect(plain.stdout == ddp.stdout)
        let a = try run(scenario(), gpus: 2), b = try run(scenario(extra: "software: ideal"), gpus: 2)
        #expect(!a.trace.host.isEmpty && b.trace.host.isEmpty)
    }

    /// Kernels launched per step on worker 0.
    func kernelsPerStep(_ outcome: ScenarioRunner.Outcome) -> Int {
        outcome.graph.tasks.reduce(0) { sum, task in
            guard task.step == outcome.measuredStep, task.device == 0, case .compute(let work) = task.work else { return sum }
            return sum + work.kernels
        }
    }

    /// With a launch cost far above the kernels' run time, the step is the host's:
    /// at least K·L, and the same whatever the batch below that point.
    @Test func smallBatchesAreHostBound() throws {
        let L = 1000.0   // µs per kernel, every pass
        let software = "software: {profile: pytorch-ddp, launch_us_per_kernel_forward: \(L), launch_us_per_kernel_backward: \(L), "
            + "launch_us_per_kernel_update: \(L)}"
        let one = try run(scenario(batch: 1, extra: software)), two = try run(scenario(batch: 2, extra: software))
        let K = kernelsPerStep(one)
        #expect(K == kernelsPerStep(two) && K > 10)
        let floor = Double(K) * L * 1e-6
        #expect(one.metrics.stepSeconds >= floor * 0.999)
        #expect(two.metrics.stepSeconds >= floor * 0.999)
        #expect(abs(one.metrics.stepSeconds - two.metrics.stepSeconds) / floor < 0.01)
        let ideal = try run(scenario(batch: 1))
        #expect(ideal.metrics.stepSeconds < floor / 2)
        #expect(!one.trace.host.isEmpty && one.trace.host.allSatisfy { $0.end >= $0.start })
        // Every GPU part starts after its launch.
        let launchEnd = Dictionary(uniqueKeysWithValues: one.trace.host.map { ($0.task, $0.end) })
        #expect(one.trace.records.allSatisfy { r in launchEnd[r.task].map { r.start >= $0 } ?? true })
    }

    /// Large batches hide the launches behind the GPU: the step is close to ideal's
    /// (with the same kernel library, which pytorch-ddp names).
    @Test func largeBatchesHideTheHost() throws {
        let eager = try run(scenario(batch: 256, extra: "software: pytorch-ddp"))
        let ideal = try run(scenario(batch: 256, extra: "software: {profile: ideal, kernel_library: cudnn-8}"))
        #expect(eager.metrics.stepSeconds >= ideal.metrics.stepSeconds)
        #expect(eager.metrics.stepSeconds < ideal.metrics.stepSeconds * 1.05)
    }

    @Test func compiledMatchesIdeal() throws {
        // Without the interference of NCCL's blocks (which ideal does not model)...
        let compiled = try run(scenario(batch: 8, extra: "software: {profile: pytorch-compiled, collective_sm_share: 0}"), gpus: 2)
        // ...pytorch-compiled names PyTorch's kernel library; with the same library, ideal is the same step.
        let ideal = try run(scenario(batch: 8, extra: "software: {profile: ideal, kernel_library: cudnn-8, collective: nccl-auto}"), gpus: 2)
        #expect(compiled.metrics.stepSeconds == ideal.metrics.stepSeconds)
    }

    /// Bytes all-reduced per step on every worker.
    func gradientBytes(_ outcome: ScenarioRunner.Outcome) -> Double {
        outcome.graph.tasks.reduce(0) { $0 + ($1.kind == .transfer && $1.step == outcome.measuredStep ? $1.bytes : 0) }
    }

    @Test func fp16GradientsTravelAsFp32UnderPyTorchDDP() throws {
        let ideal = try run(scenario(precision: "fp16", extra: "software: ideal"), gpus: 2)
        let ddp = try run(scenario(precision: "fp16", extra: "software: pytorch-ddp"), gpus: 2)
        #expect(gradientBytes(ideal) > 0)
        #expect(gradientBytes(ddp) == 2 * gradientBytes(ideal))
        let fp32 = try run(scenario(extra: "software: pytorch-ddp"), gpus: 2), fp32Ideal = try run(scenario(extra: "software: ideal"), gpus: 2)
        #expect(gradientBytes(fp32) == gradientBytes(fp32Ideal))
    }

    @Test func afterBackwardIsOneAllReduce() throws {
        let convnet = try run(scenario(extra: "software: {profile: cuda-convnet2, sync_layers_in_turn: false}"), gpus: 2)
        let groups = Set(convnet.graph.tasks.compactMap { $0.kind == .transfer ? $0.group : nil })
        #expect(groups == ["allreduce bucket 0"])
        // As cuda-convnet2 runs it: one all-reduce per weighted layer, in turn.
        let inTurn = try run(scenario(extra: "software: cuda-convnet2"), gpus: 2)
        let layers = inTurn.setup.network.layers.filter { $0.cost.parameters > 0 }.count
        #expect(Set(inTurn.graph.tasks.compactMap { $0.kind == .transfer ? $0.group : nil }).count == layers)
    }
}

/// The per-tensor host fields refuse bad values at their line.
@Suite struct PerTensorFieldErrorTests {
    @Test(arguments: [("update_kernels_per_tensor: -1", "update_kernels_per_tensor"), ("update_kernels_per_tensor: 1.5", "update_kernels_per_tensor"),
                      ("optimizer_every_images: 0", "optimizer_every_images"), ("ddp_bucket_copies: maybe", "ddp_bucket_copies"),
                      ("autocast_weight_copies: 2", "autocast_weight_copies"), ("grads_zeroed: sometimes", "grads_zeroed"),
                      ("optimizer_step: 0", "optimizer_step")])
    func badValuesAreLocated(field: String, key: String) throws {
        let error = try scenarioError("software: {profile: ideal, \(field)}")
        #expect(error.keyPath == "software.\(key)")
        #expect(error.line == 9)
    }

    /// explain prices each per-tensor mechanism on a corpus case that runs them: the step
    /// less the same step without it, each a positive cost at 8 GPUs.
    @Test func explainPricesEachPerTensorMechanism() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scenarios/validation/published/dle-pytorch-resnext101-dgx1.yaml").standardized.path
        let out = CLI.execute(["explain", path, "--gpus", "8", "--run", "V100-16GB AMP"])
        #expect(out.exitCode == 0, "\(out.stderr)")
        for key in ["ddp_bucket_copies", "update_kernels_per_tensor", "grads_zeroed"] {
            let line = try #require(out.stdout.split(separator: "\n").first { $0.contains("(\(key))") }, "no line for \(key)")
            let cost = try #require(line.split(separator: " ").reversed().dropFirst().first.flatMap { Double($0) })
            #expect(cost > 1, "\(line)")
        }
    }

    /// The default profile copies gradients into DDP's buckets, as PyTorch's DDP does by
    /// default, and cites where that comes from; the compiled profile does not.
    @Test func theDefaultProfileCopiesGradientsIntoBuckets() throws {
        let catalog = try ProfileCatalog.builtIn()
        let ddp = try #require(catalog.profile(named: "pytorch-ddp"))
        #expect(ddp.mechanisms.ddpBucketCopies && ddp.mechanisms.updateKernelsPerTensor == 0)
        #expect(ddp.sources["ddp_bucket_copies"]?.contains("gradient_as_bucket_view") == true)
        #expect(try #require(catalog.profile(named: "pytorch-compiled")).mechanisms.ddpBucketCopies == false)
        // Mixed precision as autocast runs it, sourced, in both eager PyTorch profiles.
        #expect(ddp.autocastWeightCopies && ddp.sources["autocast_weight_copies"]?.contains("cached_cast") == true)
        #expect(try #require(catalog.profile(named: "dle-pytorch-21.03")).autocastWeightCopies)
        #expect(try #require(catalog.profile(named: "ideal")).autocastWeightCopies == false)
    }

    /// The DLE profile prices the per-tensor work and says where each figure comes from.
    @Test func theDLEProfileCarriesItsSources() throws {
        let profile = try #require(ProfileCatalog.builtIn().profile(named: "dle-pytorch-21.03"))
        #expect(profile.mechanisms.ddpBucketCopies && profile.mechanisms.updateKernelsPerTensor == 3 && profile.mechanisms.gradsZeroed)
        for key in ["ddp_bucket_copies", "update_kernels_per_tensor", "grads_zeroed", "launch_us_per_kernel_update"] {
            #expect(profile.sources[key] != nil)
        }
        // PyTorch 2.x sets gradients to None: the default profile does not zero them.
        #expect(try #require(ProfileCatalog.builtIn().profile(named: "pytorch-ddp")).mechanisms.gradsZeroed == false)
    }
}
