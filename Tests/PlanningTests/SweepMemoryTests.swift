import Foundation
import Testing
@testable import Planning

/// What a large sweep holds per point: one run per variant, not one per point, and the
/// varied values as two arrays that encode as the JSON object they always were.
@Suite struct SweepMemoryTests {
    @Test func pointsOfOneVariantShareTheirRun() throws {
        let s = try Sweep(scenarioPath: try writeScenario(planScenario), axes: ["gpus=1,8,16", "network_gbps=10,100"].map(Sweep.Axis.parse))
        #expect(s.points.count == 6)
        // Points 0, 2, 4 are 10 Gb/s on 1, 8 and 16 GPUs; 1, 3, 5 are 100 Gb/s.
        #expect(s.points[0].shared === s.points[2].shared && s.points[2].shared === s.points[4].shared)
        #expect(s.points[1].shared === s.points[3].shared)
        #expect(s.points[0].shared !== s.points[1].shared)
        #expect(s.points[0].run.cluster.network?.nic.bytesPerSecond != s.points[1].run.cluster.network?.nic.bytesPerSecond)
        // Setting one point's run leaves the others' alone.
        var changed = s.points[0]
        var run = changed.run
        run.batchPerGPU = 7
        changed.run = run
        #expect(changed.run.batchPerGPU == 7 && s.points[2].run.batchPerGPU == 64)
    }

    @Test func variedValuesEncodeAsTheObjectADictionaryWould() throws {
        let pairs = ["network_gbps": "100", "gpus": "8", "cluster.gpu": "H100-SXM5-80GB"]
        let values = VariedValues(pairs)
        #expect(values.keys == ["cluster.gpu", "gpus", "network_gbps"])
        #expect(values["gpus"] == "8" && values["network_gbps"] == "100" && values["precision"] == nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(values) == encoder.encode(pairs))
        #expect(try JSONDecoder().decode(VariedValues.self, from: encoder.encode(pairs)) == values)
    }
}
