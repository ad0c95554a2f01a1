import Foundation
import Testing
import Parallelism
import Scenario
import Simulation
import Software
import Workload
import YAMLSupport

/// Two fully connected layers (fc1 4,198,400 and fc2 4,195,328 parameters: 33,574,912
/// bytes of fp32 gradients) data parallel on 2 V100s, one per node, joined by an
/// 80 Gb/s (10 GB/s) link with no latency of its own, all-reduced as a ring after backward.
func fusionScenario(software: String, bucket: String = "off") -> String {
    """
    name: fusion-test
    model:
      name: two-fc
      input: [1024, 1, 1]
      layers:
        - {name: fc1, type: fc, units: 4096}
        - {name: fc2, type: fc, units: 1024}
    batch_per_gpu: 32
    precision: fp32
    cluster:
      gpu: V100-SXM2-16GB
      gpus_per_node: 1
      network: {link: test-net, nics_per_node: 1}
    catalog:
      links:
        - {name: test-net, kind: ethernet, gbit_per_s: 80, latency_us: 0, source: "a test link"}
    strategy: {kind: data, allreduce: ring, bucket_mb: \(bucket)}
    gpus: [2]
    software: \(software)
    """
}

@Suite struct CommunicationMechanismsTests {
    static let gradientBytes = 33_574_912.0

    func step(_ software: String, bucket: String = "off") throws -> ScenarioRunner.Outcome {
        let s = try Scenario.load(path: try temporaryScenario(fusionScenario(software: software, bucket: bucket)))
        return try ScenarioRunner.simulate(s.runs[0], gpus: 2)
    }

    @Test func theHorovodProfileParsesWithItsSourcedDefaults() throws {
        let horovod = try #require(try ProfileCatalog.builtIn().profile(named: "horovod"))
        let c = horovod.communication
        #expect(c.fusionCycleSeconds == 0.005)
        #expect(abs((c.fusionThresholdBytes ?? 0) - 67_108_864) < 1e-6)
        #expect(c.socketStreams == 1)
        #expect(c.streamBytesPerSecond == 1.85e9)
        #expect(abs(c.socketStepLatencySeconds - 35e-6) < 1e-15)
        #expect(abs(c.negotiationRoundSeconds - 35e-6) < 1e-15)
        #expect(horovod.collective == .ring)
        #expect(!horovod.isIdeal)
        // Every communication field Horovod sets (all but the parameter server's) has its source.
        #expect(horovod.communication.settings.map(\.key) == CommunicationMechanisms.keys.filter { !["ps_host_gb_per_s", "gradient_groups"].contains($0) })
        for key in horovod.communication.settings.map(\.key) + ["collective"] {
            #expect(horovod.sources[key]?.isEmpty == false, "horovod needs a source for \(key)")
        }
    }

    @Test func negotiationIsOneRoundPerDoublingOfTheRanks() {
        var c = CommunicationMechanisms()
        c.negotiationRoundSeconds = 10e-6
        #expect(c.negotiationSeconds(ranks: 1) == 0)
        #expect(abs(c.negotiationSeconds(ranks: 2) - 10e-6) < 1e-15)
        #expect(abs(c.negotiationSeconds(ranks: 8) - 30e-6) < 1e-15)
        #expect(abs(c.negotiationSeconds(ranks: 9) - 40e-6) < 1e-15)
        #expect(abs(c.negotiationSeconds(ranks: 64) - 60e-6) < 1e-15)
        c.fusionCycleSeconds = 0.005
        #expect(abs(c.fusionStartDelaySeconds(ranks: 64) - (0.0025 + 60e-6)) < 1e-15)
    }

    @Test func gradientsReadyInOneCycleFuseUpToTheBuffer() throws {
        // fc2's gradient (16.8 MB) ready 1 ms into backward, fc1's (16.8 MB) at 6 ms.
        let net = try Scenario.load(path: try temporaryScenario(fusionScenario(software: "ideal"))).runs[0].network
        let weighted = net.layers.indices.filter { net.layers[$0].cost.parameters > 0 }
        try #require(weighted.count == 2)
        let (fc1, fc2) = (weighted[0], weighted[1])
        let ready: [Int: Double] = [fc2: 0.001, fc1: 0.006]
        func groups(cycle: Double, threshold: Double) -> [[Int]] {
            TensorFusion(cycleSeconds: cycle, thresholdBytes: threshold, startDelaySeconds: 0, readySeconds: ready, copyBytesPerSecond: 1e9)
                .buckets(net, bytesPerElement: 4).map(\.layers)
        }
        // A 10 ms cycle holds both in cycle 0; a 5 ms cycle puts them in cycles 0 and 1.
        #expect(groups(cycle: 0.010, threshold: 64e6) == [[fc2, fc1]])
        #expect(groups(cycle: 0.005, threshold: 64e6) == [[fc2], [fc1]])
        // A 20 MB buffer holds one of them: the cycle's group splits.
        #expect(groups(cycle: 0.010, threshold: 20e6) == [[fc2], [fc1]])
        // A 10 MB buffer holds neither: each still goes, alone.
        #expect(groups(cycle: 0.010, threshold: 10e6) == [[fc2], [fc1]])
        let cycled = TensorFusion(cycleSeconds: 0.005, thresholdBytes: 64e6, startDelaySeconds: 0, readySeconds: ready, copyBytesPerSecond: 1e9)
        // Copies read and write the bytes; a group of one is reduced in place.
        #expect(cycled.copySeconds(layers: 2, bytes: 2e6) == 4e-3)
        #expect(cycled.copySeconds(layers: 1, bytes: 2e6) == 0)
    }

    @Test func theCycleDelaysTheLastAllReduceByHalfACycleAndTheCopies() throws {
        let plain = try step("ideal")
        let fused = try step("{profile: ideal, fusion_cycle_ms: 10, fusion_threshold_mb: 64}")
        // Both gradients are ready within 10 ms: one group of two tensors, copied in before
        // its all-reduce and out after it at 900 GB/s x 0.88 (V100 HBM2, the cost model's efficiency).
        let copy = 2 * Self.gradientBytes / (900e9 * 0.88)
        let expected = 0.005 + 2 * copy
        #expect(abs(fused.metrics.stepSeconds - plain.metrics.stepSeconds - expected) < 2e-6,
                "step grew by \(fused.metrics.stepSeconds - plain.metrics.stepSeconds) s, expected \(expected) s")
        // The waits are in the trace: one per GPU before the all-reduce, one per update after it
        // (the GPUs laid out: node 0's one GPU, which stands for the other node's under node symmetry).
        let waits = fused.trace.waits.filter { $0.step == fused.measuredStep }
        #expect(fused.graph.gpus == 1 && fused.graph.symmetry != nil)
        #expect(waits.count == 2 * fused.graph.gpus)
        #expect(fused.graph.collectives.count == 1)
    }

    @Test func fusedAllReducesRunOneAfterTheOther() throws {
        // A 20 MB buffer holds one of the two 16.8 MB gradients: two groups, fc2's then fc1's.
        let fused = try step("{profile: ideal, fusion_cycle_ms: 10, fusion_threshold_mb: 20}")
        #expect(fused.graph.collectives.count == 2)
        let records = fused.trace.records.filter { $0.step == fused.measuredStep && $0.kind == .transfer }
        let firstEnds = try #require(records.filter { $0.group == "allreduce bucket 0" }.map(\.end).max())
        let secondStarts = try #require(records.filter { $0.group == "allreduce bucket 1" }.map(\.start).min())
        #expect(secondStarts >= firstEnds)
    }

    @Test func negotiationAddsItsRoundsToTheCriticalPath() throws {
        let cycled = try step("{profile: ideal, fusion_cycle_ms: 10, fusion_threshold_mb: 64}")
        let negotiated = try step("{profile: ideal, fusion_cycle_ms: 10, fusion_threshold_mb: 64, negotiation_us: 200}")
        // Two ranks: one round.
        #expect(abs(negotiated.metrics.stepSeconds - cycled.metrics.stepSeconds - 200e-6) < 2e-6)
    }

    @Test func theSocketTransportCapsTheNICAtStreamsTimesTheirRate() throws {
        let line = try step("ideal")
        let capped = try step("{profile: ideal, net_socket_streams: 2, net_stream_gb_per_s: 0.5}")
        // A ring of 2 sends half the bytes twice: B over each NIC, at 1 GB/s instead of 10.
        let expected = Self.gradientBytes * (1 / 1e9 - 1 / 10e9)
        #expect(abs(capped.metrics.stepSeconds - line.metrics.stepSeconds - expected) < 2e-6)
        // A rate above the line rate changes nothing.
        let fast = try step("{profile: ideal, net_socket_streams: 1, net_stream_gb_per_s: 20}")
        #expect(fast.metrics.stepSeconds == line.metrics.stepSeconds)
    }

    /// `off` removes a profile's socket cap (NCCL's verbs transport over RoCE): with the horovod
    /// profile's latency zeroed too, the step is the uncapped one; `off` with a rate is refused.
    @Test func offRemovesAProfilesSocketCap() throws {
        let scenario = try Scenario.load(path: try temporaryScenario(fusionScenario(software: "{profile: horovod, net_socket_streams: off}", bucket: "64")))
        let communication = scenario.runs[0].software.communication
        #expect(communication.socketStreams == nil && communication.streamBytesPerSecond == nil)
        #expect(scenario.runs[0].software.overridden.contains("net_socket_streams"))
        let uncapped = try step("{profile: horovod, net_stream_gb_per_s: off, net_step_latency_us: 0}")
        let line = try step("{profile: horovod, net_socket_streams: 1, net_stream_gb_per_s: 1000, net_step_latency_us: 0}")
        #expect(uncapped.metrics.stepSeconds == line.metrics.stepSeconds)
        let capped = try step("{profile: horovod}")
        #expect(uncapped.metrics.stepSeconds < capped.metrics.stepSeconds)
        // off with a figure on the other key is refused, in either order, at the figure.
        for software in ["{profile: horovod, net_socket_streams: off, net_stream_gb_per_s: 2}",
                         "{profile: horovod, net_stream_gb_per_s: off, net_socket_streams: 4}"] {
            let error = try loadError(fusionScenario(software: software, bucket: "64"))
            #expect(error.message.contains(": off removes the socket cap, so ") && error.keyPath.hasPrefix("software.net_"), "\(error)")
        }
        let bad = try loadError(fusionScenario(software: "{profile: horovod, net_socket_streams: none}", bucket: "64"))
        #expect(bad.message.hasSuffix("(or off, for no socket cap)"), "\(bad)")
    }

    /// A socket cap below the NIC's line rate is said at `software`, with both rates: across nodes a
    /// faster network would change nothing. Not where it is off, above the line rate, or on InfiniBand.
    @Test func aSocketCapBelowTheLineRateIsSaid() throws {
        func notes(_ software: String, kind: String = "ethernet") throws -> [ConfigError] {
            let yaml = fusionScenario(software: software).replacingOccurrences(of: "kind: ethernet", with: "kind: \(kind)")
            let run = try Scenario.load(path: try temporaryScenario(yaml)).runs[0]
            return run.acrossNodesNotes(gpus: run.gpuCounts).filter { $0.message.contains("socket transport") }
        }
        let said = try notes("{profile: ideal, net_socket_streams: 2, net_stream_gb_per_s: 0.5}")
        #expect(said.count == 1 && said[0].keyPath == "software" && said[0].message.contains("at 1.00 GB/s")
                && said[0].message.contains("test-net NIC's 10.00 GB/s"), "\(said)")
        #expect(try notes("{profile: ideal, net_socket_streams: 1, net_stream_gb_per_s: 20}").isEmpty)
        #expect(try notes("{profile: horovod, net_socket_streams: off}").isEmpty)
        #expect(try notes("{profile: horovod}", kind: "infiniband").isEmpty)
    }

    /// On InfiniBand NICs NCCL runs its verbs transport, not sockets: neither the streams'
    /// cap nor the socket step latency applies there.
    @Test func infiniBandNICsRunNoSocketTransport() throws {
        func onInfiniBand(_ software: String) throws -> ScenarioRunner.Outcome {
            let yaml = fusionScenario(software: software, bucket: "off").replacingOccurrences(of: "kind: ethernet", with: "kind: infiniband")
            return try ScenarioRunner.simulate(try Scenario.load(path: try temporaryScenario(yaml)).runs[0], gpus: 2)
        }
        let line = try onInfiniBand("ideal")
        let sockets = try onInfiniBand("{profile: ideal, net_socket_streams: 2, net_stream_gb_per_s: 0.5, net_step_latency_us: 100}")
        #expect(sockets.metrics.stepSeconds == line.metrics.stepSeconds)
        #expect(try step("{profile: ideal, net_socket_streams: 2, net_stream_gb_per_s: 0.5}").metrics.stepSeconds > line.metrics.stepSeconds)
    }

    @Test func theSocketLatencyIsPaidOncePerRingStepBetweenNodes() throws {
        let line = try step("ideal")
        let slow = try step("{profile: ideal, net_step_latency_us: 100}")
        // A ring of 2: one reduce-scatter and one all-gather step, each a hop between nodes.
        #expect(abs(slow.metrics.stepSeconds - line.metrics.stepSeconds - 200e-6) < 2e-6)
    }

    @Test func explainListsEveryHorovodMechanism() throws {
        let s = try Scenario.load(path: try temporaryScenario(fusionScenario(software: "{profile: horovod}", bucket: "64")))
        let run = s.runs[0]
        let outcome = try ScenarioRunner.simulate(run, gpus: 2)
        let costs = try ScenarioRunner.mechanismCosts(run, gpus: 2, stepSeconds: outcome.metrics.stepSeconds, metrics: outcome.metrics)
        for key in ["fusion_cycle_ms", "negotiation_us", "net_socket_streams", "net_step_latency_us"] {
            #expect(costs.contains { $0.name.contains(key) }, "explain should list \(key)")
        }
        // The socket cap costs what the bandwidth formula says: 1.85 GB/s instead of 10.
        let cap = try #require(costs.first { $0.name.contains("net_socket_streams") })
        #expect(abs(cap.seconds - Self.gradientBytes * (1 / 1.85e9 - 1 / 10e9)) < 0.2e-3)
    }

    @Test func labelsNameTheFusionBufferInsteadOfTheBuckets() throws {
        let fused = try Scenario.load(path: try temporaryScenario(fusionScenario(software: "{profile: horovod}", bucket: "25")))
        #expect(fused.runs[0].strategySummary == "data (ring, fused up to 64 MB every 5 ms)")
        let result = try #require(try ScenarioRunner.results(fused).last)
        #expect(result.label == "2 GPUs, data (ring, fused up to 64 MB every 5 ms)")
        // Without a fusion cycle the scenario's buckets are what runs.
        let bucketed = try Scenario.load(path: try temporaryScenario(fusionScenario(software: "ideal", bucket: "25")))
        #expect(bucketed.runs[0].strategySummary == "data (ring, 25 MB buckets)")
    }

    @Test func badValuesStopAtTheirLine() throws {
        let cases: [(String, String)] = [
            ("{profile: horovod, fusion_cycle_ms: -1}", "software.fusion_cycle_ms: must not be negative"),
            ("{profile: ideal, fusion_cycle_ms: 5}", "fusion_cycle_ms and fusion_threshold_mb go together"),
            ("{profile: horovod, net_socket_streams: 0}", "software.net_socket_streams"),
            ("{profile: horovod, net_stream_gb_per_s: 0}", "software.net_stream_gb_per_s: must be positive"),
            ("{profile: ideal, negotiation_us: 5}", "negotiation_us needs fusion_cycle_ms"),
            ("{profile: horovod, net_step_latency_us: 2000000}", "software.net_step_latency_us: must be at most"),
        ]
        for (software, message) in cases {
            let path = try temporaryScenario(fusionScenario(software: software))
            do {
                _ = try Scenario.load(path: path)
                Issue.record("\(software) was accepted")
            } catch let error as ConfigError {
                #expect(error.description.contains("scenario.yaml:19:"), "\(error.description)")
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
    }
}
