import Scenario

/// The terminal table of `scalecast simulate`.
public enum ResultsTable {
    public static func render(_ results: [ConfigurationResult], scenarioName: String) -> String {
        var out = "\(scenarioName)\n"
        var runs: [String?] = []
        for r in results where !runs.contains(where: { $0 == r.runLabel }) { runs.append(r.runLabel) }
        for run in runs {
            let rows = results.filter { $0.runLabel == run }
            guard let first = rows.first else { continue }
            out += "\n"
            out += "\(run.map { "\($0): " } ?? "")\(first.model) on \(first.gpuModel), \(first.precision), "
                + "batch \(first.batchPerGPU) per GPU, \(first.strategy.summary)\n"
            var table = TextTable(
                headers: ["GPUs", "nodes", "step ms", "images/s", "speedup", "efficiency", "compute ms", "exposed comm ms",
                          "idle ms", "memory/GPU GiB", "fits"],
                alignments: [.right, .right, .right, .right, .right, .right, .right, .right, .right, .right, .left])
            for r in rows {
                let m = r.metrics
                table.append([
                    "\(r.gpus)", "\(r.nodes)", Format.fixed(m.stepSeconds * 1e3, 1), Format.fixed(m.imagesPerSecond, 0),
                    Format.fixed(r.speedup, 2) + "x", Format.fixed(r.efficiency * 100, 0) + "%",
                    Format.fixed(m.computeSeconds * 1e3, 1), Format.fixed(m.exposedCommunicationSeconds * 1e3, 1),
                    Format.fixed(m.idleSeconds * 1e3, 1),
                    "\(Format.gib(r.memory.totalBytes)) of \(Format.gib(r.gpuMemoryBytes))", r.fitsInMemory ? "yes" : "NO",
                ])
            }
            out += table.render()
        }
        return out
    }
}
