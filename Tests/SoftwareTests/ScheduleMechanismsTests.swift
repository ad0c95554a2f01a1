import Foundation
import Testing
import Hardware
import Parallelism
import ScaleCastCLI
import Scenario
import Simulation
import Software
import YAMLSupport

/// A hybrid (scheme b) run of the one-tower AlexNet on a PCIe server, with `software`.
func hybridScenario(software: String, variant: String = "exact") -> String {
    """
    name: mechanisms-test
    model: alexnet-owt-cc2
    batch_per_gpu: 128
    precision: fp32
    cluster:
      gpu: K20
      gpus_per_node: 8
      fabric: pcie-tree
    strategy: {kind: hybrid, scheme: b, variant: \(variant), allreduce: direct}
    gpus: [1, 2, 4]
    software: \(software)
    """
}

@Suite struct ScheduleMechanismsTests {
    func run(_ software: String, gpus: Int = 4) throws -> ScenarioRunner.Outcome {
        let s = try Scenario.load(path: try temporaryScenario(hybridScenario(software: software)))
        return try ScenarioRunner.simulate(s.runs[0], gpus: gpus)
    }

    /// The records of the measured step.
    func records(_ o: ScenarioRunner.Outcome) -> [TraceRecord] { o.trace.records.filter { $0.step == o.measuredStep } }

    @Test func chunksFollowTheCopyPipeline() {
        // min(elements, max(2, min(16, ceil(elements / 2^18)))), copypipeline.cu.
        #expect(CopyStages.chunks(elements: 0) == 0)
        #expect(CopyStages.chunks(elements: 1) == 1)
        #expect(CopyStages.chunks(elements: 1000) == 2)
        #expect(CopyStages.chunks(elements: 5 << 18) == 5)
        #expect(CopyStages.chunks(elements: (5 << 18) + 1) == 6)
        #expect(CopyStages.chunks(elements: 100 << 18) == 16)
        #expect(abs(CopyStages.seconds(elements: 5 << 18, pieces: 10, stageSeconds: 40e-6) - 20e-6) < 1e-15)
    }

    @Test func inputCopyIsAmortizedOverTheDataBatchAndPairsShareAPipe() throws {
        var m = ScheduleMechanisms()
        m.inputBytesPerElement = 4
        m.syncInputCopyEveryImages = 3072
        m.inputCopyGPUsPerPipe = 2
        m.inputMemcpyBytesPerSecond = 6e9
        let elements = 3 * 224 * 224
        let bytes = 128.0 * Double(elements) * 4
        let copy = bytes / 6e9 + bytes / 5e9
        // One GPU copies alone, once every 24 steps.
        #expect(abs(m.inputCopySeconds(batchPerGPU: 128, gpus: 1, gpusOnNode: 1, inputElements: elements, hostLinkBytesPerSecond: 5e9) - copy / 24) < 1e-12)
        // Two or more: a pair copies one after the other, once every 24/K steps.
        for k in [2, 4, 8] {
            let expected = 2 * copy * Double(k) / 24
            #expect(abs(m.inputCopySeconds(batchPerGPU: 128, gpus: k, gpusOnNode: k, inputElements: elements, hostLinkBytesPerSecond: 5e9) - expected) < 1e-12)
        }
        m.evaluationEveryImages = 617_472
        m.evaluationSeconds = 7.76
        #expect(abs(m.evaluationSecondsPerStep(globalBatch: 1024) - 7.76 * 1024 / 617_472) < 1e-12)
        #expect(ScheduleMechanisms().inputCopySeconds(batchPerGPU: 128, gpus: 8, gpusOnNode: 8, inputElements: elements, hostLinkBytesPerSecond: 5e9) == 0)
    }

    /// The input copies are priced on an NVSwitch node too, whose topology wires no host
    /// memory: at the GPU's own host link, as on a PCIe tree of that link.
    @Test func inputCopiesCostTheHostLinkOnNodesWithoutHostMemory() throws {
        func copySeconds(_ cluster: String) throws -> Double {
            let run = try Scenario.load(path: try temporaryScenario("""
                model: alexnet-owt-cc2
                batch_per_gpu: 128
                precision: fp32
                cluster: \(cluster)
                strategy: {kind: data}
                software: cuda-convnet2
                gpus: [4]
                """)).runs[0]
            let topology = Topology(cluster: run.simulatedCluster, gpus: 4)
            return run.inputCopySeconds(gpus: 4, topology: topology)
        }
        let nvswitch = try copySeconds("{gpu: H100, gpus_per_node: 4, fabric: nvswitch, host_link: pcie3-x16}")
        let tree = try copySeconds("{gpu: H100, gpus_per_node: 4, fabric: pcie-tree, host_link: pcie3-x16, pcie: {gpu_link: pcie3-x16, uplink: pcie3-x16}}")
        #expect(nvswitch > 0 && abs(nvswitch - tree) < 1e-12, "NVSwitch \(nvswitch) s, PCIe tree \(tree) s")
    }

    /// MXNet 0.9's input split: one engine thread crops a node's slices in turn, each GPU's
    /// copy to the device runs on its own, and every step waits for the last GPU's.
    @Test func aNodesThreadsCropItsSlicesInTurnEveryStep() throws {
        var m = ScheduleMechanisms()
        m.inputBytesPerElement = 4
        m.syncInputCopyEveryStep = true
        m.inputMemcpyThreads = 1
        m.inputMemcpyBytesPerSecond = 6e9
        let elements = 3 * 224 * 224
        let bytes = 512.0 * Double(elements) * 4
        let crop = bytes / 6e9, toGPU = bytes / 12e9
        func seconds(_ gpus: Int, _ onNode: Int) -> Double {
            m.inputCopySeconds(batchPerGPU: 512, gpus: gpus, gpusOnNode: onNode, inputElements: elements, hostLinkBytesPerSecond: 12e9)
        }
        // Every step, not amortized: one GPU crops its whole batch, then copies it.
        #expect(abs(seconds(1, 1) - (crop + toGPU)) < 1e-12)
        // The last of a node's K GPUs waits for K crops and its own copy.
        for k in [2, 8, 16] { #expect(abs(seconds(k, k) - (Double(k) * crop + toGPU)) < 1e-12) }
        // Nodes crop side by side: 256 GPUs on 16-GPU nodes wait as one node does.
        #expect(abs(seconds(256, 16) - seconds(16, 16)) < 1e-15)
        // Four threads take a node's 16 slices four at a time.
        m.inputMemcpyThreads = 4
        #expect(abs(seconds(16, 16) - (4 * crop + toGPU)) < 1e-12)
        #expect(abs(seconds(15, 15) - (4 * crop + toGPU)) < 1e-12)
    }

    /// The `mxnet-0.9` profile's copies lengthen every step by the formula, as idle time,
    /// and `explain` names them.
    @Test func mxnetCropsLengthenEveryStep() throws {
        let plain = try run("ideal", gpus: 2)
        let cropped = try run("mxnet-0.9", gpus: 2)
        let bytes = 128.0 * 3 * 224 * 224 * 4
        #expect(cropped.metrics.inputCopySeconds > 2 * bytes / 6e9)
        #expect(abs(cropped.metrics.stepSeconds - plain.metrics.stepSeconds - cropped.metrics.inputCopySeconds) < 1e-9)
        let profile = try #require(try ProfileCatalog.builtIn().profile(named: "mxnet-0.9"))
        for key in profile.mechanisms.settings.map(\.key) { #expect(profile.sources[key] != nil, "mxnet-0.9.\(key) has no source") }
        let path = try temporaryScenario(hybridScenario(software: "mxnet-0.9"))
        let out = CLI.execute(["explain", path, "--gpus", "2"])
        #expect(out.exitCode == 0 && out.stdout.contains("synchronous input copies in every step"), "\(out.stdout)")
    }

    @Test func periodicWorkLengthensTheStepAsIdleTime() throws {
        let plain = try run("ideal")
        let periodic = try run("{profile: ideal, evaluation_every_images: 5120, evaluation_seconds: 2}")
        // 512 images per step at 4 GPUs: a tenth of the interval, 0.2 s per step.
        #expect(abs(periodic.metrics.evaluationSeconds - 0.2) < 1e-12)
        #expect(abs(periodic.metrics.stepSeconds - plain.metrics.stepSeconds - 0.2) < 1e-9)
        #expect(abs(periodic.metrics.idleSeconds - plain.metrics.idleSeconds - 0.2) < 1e-9)
    }

    @Test func theLossAndLastLayerRunWholeOnTheFirstGPU() throws {
        let split = try run("ideal")
        let first = try run("{profile: ideal, loss_placement: first-gpu}")
        let net = first.setup.network
        let fc8 = try #require(net.layers.lastIndex { $0.kind.hasWeights })
        let tail = records(first).filter { ($0.kind == .forward || $0.kind == .backward) && ($0.layer ?? -1) >= fc8 }
        #expect(!tail.isEmpty && tail.allSatisfy { $0.device == 0 })
        // Split, every GPU computes fc8's slice; on GPU 0 one GPU computes it whole.
        #expect(records(split).contains { $0.layer == fc8 && $0.device == 3 })
        let gathers = records(first).filter { $0.kind == .transfer && ($0.group ?? "").hasPrefix("gather") }
        #expect(!gathers.isEmpty && gathers.allSatisfy { $0.destination == 0 })
        #expect(first.metrics.stepSeconds > split.metrics.stepSeconds)
    }

    @Test func aPassBarrierHoldsEveryGPUUntilAllFinishedThePass() throws {
        let o = try run("{profile: ideal, loss_placement: first-gpu, pass_barrier: true}")
        let r = records(o)
        let modelStart = try #require(o.graph.modelParallelStart)
        // The end of every GPU's pass-0 work (its update included, exact: the last chunk updates) ...
        let chunkOf: [Int: Int] = Dictionary(uniqueKeysWithValues: o.graph.tasks.compactMap { t -> (Int, Int)? in
            if case .layer(let chunk?) = t.operation { return (t.id, chunk) } else { return nil }
        })
        let passZeroEnd = r.filter { chunkOf[$0.task] == 0 }.map(\.end).max()!
        // ... comes before any GPU starts pass 1's model-parallel compute.
        let passOneStart = r.filter { chunkOf[$0.task] == 1 && ($0.layer ?? 0) >= modelStart }.map(\.start).min()!
        #expect(passOneStart >= passZeroEnd)
        let free = try run("{profile: ideal, loss_placement: first-gpu}")
        #expect(o.metrics.stepSeconds >= free.metrics.stepSeconds)
    }

    /// Aggregated, one worker stands for all, so the barrier's cost reads 0: explain's line says why
    /// and where it is priced; expanded, the line is the plain one.
    @Test func theBarriersCostSaysWhyItIsZeroAggregated() throws {
        func barrier(_ fidelity: String) throws -> ScenarioRunner.MechanismCost {
            let yaml = hybridScenario(software: "{profile: ideal, loss_placement: first-gpu, pass_barrier: true}") + "\nsimulation: {fidelity: \(fidelity)}"
            let run = try Scenario.load(path: try temporaryScenario(yaml)).runs[0]
            let metrics = try ScenarioRunner.simulate(run, gpus: 4).metrics
            let costs = try ScenarioRunner.mechanismCosts(run, gpus: 4, stepSeconds: metrics.stepSeconds, metrics: metrics)
            return try #require(costs.first { $0.name.contains("pass_barrier") })
        }
        let aggregated = try barrier("aggregated")
        #expect(aggregated.seconds == 0 && aggregated.name.contains("waits for nobody") && aggregated.name.contains("fidelity: expanded"))
        let expanded = try barrier("expanded")
        #expect(expanded.name == "a barrier after every model-parallel pass (pass_barrier)" && expanded.seconds > 0, "\(expanded)")
    }

    @Test func copyStagesAddTheirCostToEveryExchange() throws {
        let o = try run("{profile: ideal, stage_us: 40}")
        let plain = try run("ideal")
        let gather = try #require(o.graph.tasks.first { $0.kind == .transfer && ($0.group ?? "").hasPrefix("all-gather") })
        let elements = Int((gather.bytes / 4).rounded())
        #expect(abs(gather.latency.addedSeconds - Double(CopyStages.chunks(elements: elements)) * 40e-6) < 1e-12)
        #expect(o.metrics.stepSeconds > plain.metrics.stepSeconds)
        #expect(plain.graph.tasks.allSatisfy { $0.latency == .none })
    }

    @Test func layersSyncInTurnAfterBackward() throws {
        let o = try run("{profile: ideal, sync_layers_in_turn: true}")
        let r = records(o).filter { $0.kind == .transfer && ($0.group ?? "").hasPrefix("allreduce bucket") }
        let buckets = Dictionary(grouping: r, by: { $0.group! })
        #expect(buckets.count == 5)   // the five conv layers, one all-reduce each
        for b in 0..<4 {
            let this = try #require(buckets["allreduce bucket \(b)"]), next = try #require(buckets["allreduce bucket \(b + 1)"])
            #expect(next.map(\.start).min()! >= this.map(\.end).max()!)
        }
        // Each GPU sends once its own backward is done (after backward, not during it).
        for send in r where send.device < 4 {
            let backwardEnd = records(o).filter { $0.kind == .backward && $0.device == send.device }.map(\.end).max()!
            #expect(send.start >= backwardEnd)
        }
    }

    @Test func synchronizedGradientsGoThroughHostMemoryFromThreeGPUs() throws {
        let software = "{profile: ideal, sync_layers_in_turn: true, host_staged_sync_from_gpus: 3}"
        let four = try run(software, gpus: 4), two = try run(software, gpus: 2)
        func hostTransfers(_ o: ScenarioRunner.Outcome) -> [TaskGraph.Task] {
            o.graph.tasks.filter { $0.kind == .transfer && ($0.group ?? "").hasPrefix("allreduce")
                && (o.graph.isHostEndpoint($0.device) || o.graph.isHostEndpoint($0.destination!)) }
        }
        #expect(hostTransfers(two).isEmpty)
        let staged = hostTransfers(four).filter { $0.step == four.measuredStep }
        // Per layer: each of 4 owners sends its piece up once and the host sends it down to 3 others.
        #expect(staged.count == 5 * (4 + 4 * 3))
        let up = staged.filter { !four.graph.isHostEndpoint($0.device) }
        #expect(up.count == 5 * 4 && up.allSatisfy { four.graph.isHostEndpoint($0.destination!) })
        // The reduce half as cuda-convnet2's SequentialWeightReducer: into each shard's owner,
        // one replica after another from the owner's successor.
        let intoZero = four.graph.tasks.filter { $0.step == four.measuredStep && $0.kind == .transfer && $0.destination == 0
            && ($0.group ?? "") == "allreduce bucket 0" && !four.graph.isHostEndpoint($0.device) }
        #expect(intoZero.map(\.device) == [1, 2, 3])
        #expect(intoZero[1].dependencies.contains(intoZero[0].id) && intoZero[2].dependencies.contains(intoZero[1].id))
    }

    @Test func activationsGoThroughHostMemoryAsCudaConvnet2BroadcastsThem() throws {
        func firstTurn(_ gpus: Int) throws -> (graph: TaskGraph, edges: Set<[Int]>) {
            let yaml = hybridScenario(software: "{profile: ideal, activation_broadcast: cuda-convnet2}")
                .replacingOccurrences(of: "fabric: pcie-tree", with: "fabric: pcie-tree\n  pcie: {gpu_link: pcie2-x16-p2p, uplink: pcie3-x16, socket_link: qpi-8gt, gpus_per_switch: 2, switches_per_socket: 2, cross_socket: staged}")
            let s = try Scenario.load(path: try temporaryScenario(yaml))
            let o = try ScenarioRunner.simulate(s.runs[0], gpus: gpus)
            let turn = o.graph.tasks.filter { $0.step == 0 && $0.group == "activations round 0" }
            return (o.graph, Set(turn.map { [$0.device, $0.destination!] }))
        }
        // Four GPUs: source -> host -> every other GPU (NaiveBroadcaster).
        let (four, naive) = try firstTurn(4)
        let host4 = four.hostEndpoint(node: 0)
        #expect(naive == [[0, host4], [host4, 1], [host4, 2], [host4, 3]])
        // Eight GPUs in two peer groups of four: EightGPUBroadcaster1's tree.
        let (eight, tree) = try firstTurn(8)
        let host8 = eight.hostEndpoint(node: 0)
        #expect(tree == [[0, host8], [host8, 1], [host8, 2], [host8, 4], [host8, 5], [2, 3], [4, 6], [5, 7]])
        // Two GPUs copy peer to peer.
        let (_, pair) = try firstTurn(2)
        #expect(pair == [[0, 1]])
    }

    /// The model-parallel layers' exchanges that sum (the input-gradient reduce-scatter
    /// and scheme (b)'s gradient return) run as cuda-convnet2's reducers under its
    /// networks, and its all-gathers as its broadcasts (`gradreducer.cu`, `reducepipeline.cu`).
    @Test func summingExchangesRunAsCudaConvnet2Reducers() throws {
        func outcome(_ gpus: Int) throws -> ScenarioRunner.Outcome {
            let yaml = hybridScenario(software: "{profile: ideal, activation_broadcast: cuda-convnet2}")
                .replacingOccurrences(of: "fabric: pcie-tree", with: "fabric: pcie-tree\n  pcie: {gpu_link: pcie2-x16-p2p, uplink: pcie3-x16, socket_link: qpi-8gt, gpus_per_switch: 2, switches_per_socket: 2, cross_socket: staged}")
            return try ScenarioRunner.simulate(try Scenario.load(path: try temporaryScenario(yaml)).runs[0], gpus: gpus)
        }
        func transfers(_ o: ScenarioRunner.Outcome, _ group: String) -> [TaskGraph.Task] {
            o.graph.tasks.filter { $0.step == 0 && $0.kind == .transfer && $0.group == group }
        }
        // Eight GPUs in two peer groups of four: EightGPUReducer1 into the chunk's owner (GPU 0):
        // a chain through its own group, two chains of two of the other group into host memory, host to owner.
        let eight = try outcome(8)
        let host = eight.graph.hostEndpoint(node: 0)
        let returned = transfers(eight, "gradient return, chunk 0")
        #expect(Set(returned.map { [$0.device, $0.destination!] })
                == [[3, 2], [2, 1], [1, 0], [4, 5], [5, host], [7, 6], [6, host], [host, 0]])
        // It starts once every GPU's contribution is ready: the first pieces of the three chain heads
        // (GPUs 3, 4 and 7) list all eight backward passes, and every other first piece waits for them
        // through the pieces it follows.
        let firstPieces = returned.filter { !eight.graph.isHostEndpoint($0.device) && $0.label.hasSuffix("piece 0") }
        let backward = Set(eight.graph.tasks.filter { $0.step == 0 && $0.kind == .backward }.map(\.id))
        let heads = firstPieces.filter { [3, 4, 7].contains($0.device) }
        let contributions = Set(heads.first?.dependencies ?? []).intersection(backward)
        #expect(heads.count == 3 && contributions.count >= 8)
        #expect(heads.allSatisfy { Set($0.dependencies).intersection(backward) == contributions })
        func waitsFor(_ id: Int) -> Set<Int> {
            var seen = Set<Int>(), pending = eight.graph.tasks[id].dependencies
            while let d = pending.popLast() { if seen.insert(d).inserted { pending += eight.graph.tasks[d].dependencies } }
            return seen
        }
        #expect(firstPieces.count == 7 && firstPieces.allSatisfy { waitsFor($0.id).isSuperset(of: contributions) })
        // The reduce-scatter runs one such reducer per GPU; the all-gather one broadcast per GPU, each through host memory.
        let scattered = transfers(eight, "reduce-scatter fc7 gradient, chunk 0")
        #expect(Set(scattered.filter { eight.graph.isHostEndpoint($0.device) }.map { $0.destination! }) == Set(0..<8))
        let gathered = transfers(eight, "all-gather fc7 input, chunk 0")
        #expect(Set(gathered.filter { eight.graph.isHostEndpoint($0.destination!) }.map(\.device)) == Set(0..<8))
        // Four GPUs: SequentialActGradReducer, one whole add after another into the owner, from its successor on.
        let four = try outcome(4)
        let sequential = transfers(four, "gradient return, chunk 0")
        #expect(sequential.map(\.device) == [1, 2, 3] && sequential.allSatisfy { $0.destination == 0 })
        #expect(sequential[1].dependencies.contains(sequential[0].id) && sequential[2].dependencies.contains(sequential[1].id))
        // Two GPUs: the one peer-to-peer add (in pieces).
        let two = try outcome(2)
        #expect(Set(transfers(two, "gradient return, chunk 0").map { [$0.device, $0.destination!] }) == [[1, 0]])
    }

    @Test func theBuiltInProfileCarriesTheMechanisms() throws {
        let p = try #require(try ProfileCatalog.builtIn().profile(named: "cuda-convnet2"))
        let m = p.mechanisms
        #expect(m.lossPlacement == .firstGPU && m.passBarrier && m.syncLayersInTurn && m.inputCopyGPUsPerPipe == 2)
        #expect(m.syncInputCopyEveryImages == 3072 && m.evaluationEveryImages == 201 * 3072)
        // Every mechanism but eager PyTorch's per-tensor ones and MXNet's input split, each with its source.
        let others = ["ddp_bucket_copies", "grads_zeroed", "update_kernels_per_tensor", "optimizer_every_images", "optimizer_step",
                      "sync_input_copy_every_step", "input_memcpy_threads"]
        #expect(m.settings.map(\.key) == ScheduleMechanisms.keys.filter { !others.contains($0) })
        for key in m.settings.map(\.key) { #expect(p.sources[key] != nil, "cuda-convnet2.\(key) has no source") }
        #expect(!p.isIdeal)
    }

    @Test func softwareListsTheMechanismsAsWritten() throws {
        let json = CLI.execute(["software", "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let convnet = try #require(list.first { $0["name"] as? String == "cuda-convnet2" })
        #expect(convnet["stage_us"] as? Int == 40 && convnet["pass_barrier"] as? Bool == true)
        #expect(convnet["loss_placement"] as? String == "first-gpu" && convnet["evaluation_seconds"] as? Double == 7.76)
        #expect(convnet["input_memcpy_gb_per_s"] as? Int == 6)
        let ideal = try #require(list.first { $0["name"] as? String == "ideal" })
        #expect(ideal["stage_us"] == nil)
        let text = CLI.execute(["software"]).stdout
        #expect(text.contains("cuda-convnet2 schedule: loss_placement first-gpu, pass_barrier true, stage_us 40,"))
    }

    @Test func explainListsTheMechanismsTheCostliestFirst() throws {
        let path = try temporaryScenario(hybridScenario(software: "cuda-convnet2"))
        let out = CLI.execute(["explain", path, "--gpus", "4"])
        #expect(out.exitCode == 0)
        let lines = out.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("What each mechanism costs the step") })
        let costs = lines[(header + 3)...].prefix { $0.contains("(") }.compactMap { line -> Double? in
            Double(line.split(separator: " ").dropLast().last ?? "")
        }
        #expect(costs.count == 9)
        #expect(costs == costs.sorted(by: >))
        #expect(lines[header + 3].contains("loss_placement") || lines[header + 3].contains("input"))
        // explain --json carries the same costs, in the same order.
        let json = CLI.execute(["explain", path, "--gpus", "4", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let run = try #require((document["runs"] as? [[String: Any]])?.first)
        let mechanisms = try #require(run["mechanisms"] as? [[String: Any]])
        #expect(mechanisms.count == 9)
        let milliseconds: [Double] = mechanisms.map { entry in
            let seconds = entry["seconds"] as? Double ?? .nan
            return (seconds * 1e5).rounded() / 100
        }
        #expect(milliseconds == costs)
        #expect((mechanisms.first?["name"] as? String).map { lines[header + 3].hasPrefix($0) } == true)
    }

    @Test func badValuesAreLocated() throws {
        let negative = try scenarioError("software: {profile: cuda-convnet2, stage_us: -3}")
        #expect(negative.keyPath == "software.stage_us" && negative.line == 9 && negative.message.contains("negative"))
        let placement = try scenarioError("software: {profile: ideal, loss_placement: gpu3}")
        #expect(placement.keyPath == "software.loss_placement" && placement.message.contains("first-gpu"))
        let evaluation = try scenarioError("software: {profile: ideal, evaluation_seconds: -1}")
        #expect(evaluation.keyPath == "software.evaluation_seconds")
        let incomplete = try scenarioError("software: {profile: ideal, sync_input_copy_every_images: 3072}")
        #expect(incomplete.line == 9 && incomplete.message.contains("input_bytes_per_element"))
        let everyStep = try scenarioError("software: {profile: ideal, sync_input_copy_every_step: true, input_bytes_per_element: 4}")
        #expect(everyStep.line == 9 && everyStep.message.contains("input_memcpy_gb_per_s"))
        let both = try scenarioError("software: {profile: mxnet-0.9, sync_input_copy_every_images: 3072}")
        #expect(both.line == 9 && both.message.contains("exclude each other"))
        let pipesAndThreads = try scenarioError("software: {profile: mxnet-0.9, input_copy_gpus_per_pipe: 2}")
        #expect(pipesAndThreads.line == 9 && pipesAndThreads.message.contains("input_memcpy_threads"))
        let threads = try scenarioError("software: {profile: mxnet-0.9, input_memcpy_threads: 0}")
        #expect(threads.keyPath == "software.input_memcpy_threads")
        let pipe = try scenarioError("software: {profile: ideal, input_copy_gpus_per_pipe: 0}")
        #expect(pipe.keyPath == "software.input_copy_gpus_per_pipe")
        let path = try temporaryScenario(scenario(extra: "software: {profile: cuda-convnet2, input_memcpy_gb_per_s: -6}"))
        let out = CLI.execute(["simulate", path])
        #expect(out.exitCode == 2 && out.stderr.contains(path) && out.stderr.contains("software.input_memcpy_gb_per_s"))
    }
}
