import Testing
import YAMLSupport
@testable import Planning

/// `sweep --vary` over the network's design: its topology and its spine's oversubscription.
@Suite struct NetworkSweepTests {
    /// Four nodes of eight GPUs on eight 25 Gb/s NICs, each node its own leaf (or group of
    /// rail switches): every transfer between nodes crosses the spine.
    static let scenario = planScenario
        .replacingOccurrences(of: "network: {link: eth-25g, nics_per_node: 1}",
                              with: "network: {link: eth-25g, nics_per_node: 8, nodes_per_leaf: 1}")
        .replacingOccurrences(of: "pricing: {mode: cloud}\n", with: "")

    /// A leaf-spine network's leaf sends its node's eight NICs' worth up, and the ring
    /// sends one flow through it: 8:1 still leaves that flow a NIC's bandwidth. A rail
    /// switch's uplink carries one NIC's worth over the oversubscription: 8:1 starves it.
    @Test func topologyAndOversubscriptionAreSweepAxes() throws {
        let sweep = try Sweep(scenarioPath: try writeScenario(Self.scenario),
                              axes: ["gpus=32", "cluster.network.topology=leaf-spine,rail-optimized", "cluster.network.oversubscription=1,8"]
                                .map(Sweep.Axis.parse))
        let rows = try sweep.evaluate()
        #expect(rows.count == 4)
        func step(_ topology: String, _ oversubscription: String) -> Double {
            rows.first { $0.vary["cluster.network.topology"] == topology && $0.vary["cluster.network.oversubscription"] == oversubscription }!
                .stepSeconds
        }
        #expect(step("leaf-spine", "8") == step("leaf-spine", "1"))
        #expect(step("rail-optimized", "8") > step("rail-optimized", "1") * 1.2)
    }

    /// Varying the network under a profile whose socket transport caps each NIC (horovod: 1 x 1.85
    /// GB/s, 14.8 Gb/s): the points across nodes run alike above the cap, and the sweep says so once
    /// per run, naming the speeds; none where the cap is off, and none on one node.
    @Test func aSocketCapBelowTheVariedSpeedsIsSaid() throws {
        func notes(_ software: String, gpus: String = "16") throws -> ([String], [SweepRow]) {
            let sweep = try Sweep(scenarioPath: try writeScenario(planScenario + "\nsoftware: \(software)\n"),
                                  axes: ["gpus=\(gpus)", "network_gbps=25,100"].map(Sweep.Axis.parse))
            let rows = try sweep.evaluate()
            return (sweep.socketCapNotes(sweep.points), rows)
        }
        let (capped, rows) = try notes("horovod")
        #expect(capped.count == 1 && capped[0].contains(": profile 'horovod' drives each NIC through NCCL's socket transport at 14.8 Gb/s "
                                                        + "(net_socket_streams x net_stream_gb_per_s), so across nodes its networks of "
                                                        + "25, 100 Gb/s run alike; net_socket_streams: off"), "\(capped)")
        #expect(rows.count == 2 && rows[0].stepSeconds == rows[1].stepSeconds)
        #expect(try notes("{profile: horovod, net_socket_streams: off}").0.isEmpty)
        #expect(try notes("horovod", gpus: "8").0.isEmpty)
    }

    /// A key varied twice is refused by name, with the form that varies it once.
    @Test func aKeyVariedTwiceIsNamed() throws {
        let path = try writeScenario(Self.scenario)
        #expect { try Sweep(scenarioPath: path, axes: ["network_gbps=100", "gpus=8", "network_gbps=200"].map(Sweep.Axis.parse)) }
            throws: { "\($0)".contains("network_gbps is varied twice") && "\($0)".contains("--vary network_gbps=A,B") }
    }

    /// A torus's dimensions are a list: commas inside brackets belong to the value, so
    /// two shapes of the same 16 nodes are two points, and an unclosed bracket is refused.
    @Test func listValuesKeepTheirCommas() throws {
        let axis = try Sweep.Axis.parse("cluster.network.dimensions=[4,4], [2,8]")
        #expect(axis.values == ["[4,4]", "[2,8]"])
        #expect(try Sweep.Axis.parse("strategy={kind: data, allreduce: ring},{kind: data}").values == ["{kind: data, allreduce: ring}", "{kind: data}"])
        for bad in ["cluster.network.dimensions=[4,4", "cluster.network.dimensions=4,4]"] {
            #expect(throws: SweepError.self) { try Sweep.Axis.parse(bad) }
        }
        let torus = Self.scenario.replacingOccurrences(of: "nics_per_node: 8, nodes_per_leaf: 1}", with: "nics_per_node: 1, topology: torus, dimensions: [4, 4]}")
        let sweep = try Sweep(scenarioPath: try writeScenario(torus), axes: [axis, try Sweep.Axis.parse("gpus=128")])
        #expect(sweep.points.map { $0.run.cluster.network?.layout } == [.torus(dimensions: [4, 4]), .torus(dimensions: [2, 8])])
        let rows = try sweep.evaluate()
        #expect(rows.count == 2 && rows.map { $0.vary["cluster.network.dimensions"] } == ["[4,4]", "[2,8]"])
        #expect(throws: SweepError.self) { try Sweep(scenarioPath: try writeScenario(torus), axes: [try Sweep.Axis.parse("cluster.network.dimensions=[4, {]}")]) }
    }

    /// A swept network that names another topology drops the scenario's keys of the old
    /// one (`nodes_per_leaf` does not apply to a torus) and keeps its NIC keys.
    @Test func aSweptTopologyDropsTheOldTopologysKeys() throws {
        let axis = try Sweep.Axis.parse("cluster.network={topology: torus, dimensions: [4, 4]},{topology: leaf-spine}")
        let sweep = try Sweep(scenarioPath: try writeScenario(Self.scenario), axes: [axis, try Sweep.Axis.parse("gpus=32")])
        let networks = sweep.points.map { $0.run.cluster.network }
        #expect(networks.map { $0?.layout } == [.torus(dimensions: [4, 4]), .leafSpine])
        #expect(networks.map { $0?.nodesPerLeaf } == [nil, 1] && networks.allSatisfy { $0?.nicsPerNode == 8 })
        // A key varied inside the varied network is refused (which value wins would depend on the
        // flags' order): nodes_per_leaf belongs inside the network's values.
        #expect(throws: SweepError.self) {
            try Sweep(scenarioPath: try writeScenario(Self.scenario),
                      axes: ["cluster.network.nodes_per_leaf=2", "cluster.network={topology: torus, dimensions: [4, 4]}", "gpus=32"]
                        .map(Sweep.Axis.parse))
        }
    }

    /// A value the network cannot take stops the sweep at that key, naming the --vary values.
    @Test func badNetworkValuesNameTheVariedKey() throws {
        for axis in ["cluster.network.topology=leaf-spine,mesh", "cluster.network.oversubscription=0.5"] {
            do {
                _ = try Sweep(scenarioPath: try writeScenario(Self.scenario), axes: [Sweep.Axis.parse(axis)])
                Issue.record("--vary \(axis) was accepted")
            } catch let error as ConfigError {
                #expect(error.keyPath == String(axis.prefix { $0 != "=" }) && error.message.contains("--vary"), "\(error)")
            }
        }
    }
}
