import Foundation
import Reports
import Scenario
import Testing

/// `explain`'s and `report`'s memory section names each part a run holds, Horovod's
/// fusion buffer among them, and leaves out the parts it does not have.
@Suite struct MemoryReportTests {
    func section(software: String, gpus: Int) throws -> String {
        let text = """
        name: memory-report
        model: resnet18
        batch_per_gpu: 32
        precision: fp32
        cluster: {gpu: V100-SXM2-16GB, gpus_per_node: 8}
        strategy: {kind: data}
        software: \(software)
        gpus: [\(gpus)]
        """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalecast-memory-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("scenario.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try Scenario.load(path: path).runs[0]
        return MemoryReport.render(try run.memoryFootprint(for: run.setup(gpus: gpus)), gpuMemoryBytes: run.cluster.gpu.memoryBytes)
    }

    /// 64 MiB of fusion buffer (`fusion_threshold_mb: 64`) is 0.06 GiB on its own row, on more
    /// than one GPU; one GPU fuses nothing, and a profile without fusion has no such row.
    @Test func theFusionBufferHasARowOfItsOwn() throws {
        let row = "Horovod's fusion buffer (fusion_threshold_mb)"
        let fused = try section(software: "{profile: ideal, fusion_cycle_ms: 5, fusion_threshold_mb: 64}", gpus: 8)
        let line = try #require(fused.split(separator: "\n").first { $0.contains(row) }, "\(fused)")
        #expect(line.split(separator: " ").contains("0.06"), "\(line)")
        #expect(!(try section(software: "{profile: ideal, fusion_cycle_ms: 5, fusion_threshold_mb: 64}", gpus: 1)).contains(row))
        #expect(!(try section(software: "ideal", gpus: 8)).contains(row))
    }
}
