import Scenario

/// The terminal table of `scalecast simulate`.
public enum ResultsTable {
    /// Time and money to train, for a result whose run states a training goal.
    public struct TrainingCell: Sendable {
        public var hours: Double
        /// Nil without `pricing:`.
        public var dollars: Double?

        public init(hours: Double, dollars: Double?) {
            self.hours = hours
            self.dollars = dollars
        }
    }

    /// - Parameter training: per result (same order), its time and cost to train; runs
    ///   with any get "train h" (and "cost $") columns.
    public static func render(_ results: [ConfigurationResult], scenarioName: String, training: [TrainingCell?] = []) -> String {
        var out = "\(scenarioName)\n"
        var runs: [String?] = []
        for r in results where !runs.contains(where: { $0 == r.runLabel }) { runs.append(r.runLabel) }
        for run in runs {
            let indices = results.indices.filter { results[$0].runLabel == run }
            let rows = indices.map { results[$0] }
            guard let first = rows.first else { continue }
            let cells = indices.map { $0 < training.count ? training[$0] : nil }
            let timed = cells.contains { $0 != nil }, priced = cells.contains { $0?.dollars != nil }
            out += "\n"
            out += "\(run.map { "\($0): " } ?? "")\(first.model) on \(first.gpuModel), \(first.precision), "
                + "batch \(first.batchPerGPU) per GPU, \(first.strategy.summary)\n"
            var table = TextTable(
                headers: ["GPUs", "nodes", "step ms", "images/s", "speedup", "efficiency", "compute ms", "exposed comm ms",
                          "idle ms", "memory/GPU GiB", "fits"] + (timed ? ["train h"] : []) + (priced ? ["cost $"] : []),
                alignments: [.right, .right, .right, .right, .right, .right, .right, .right, .right, .right, .left]
                    + (timed ? [.right] : []) + (priced ? [.right] : []))
            for (r, cell) in zip(rows, cells) {
                let m = r.metrics
                table.append([
                    "\(r.gpus)", "\(r.nodes)", Format.fixed(m.stepSeconds * 1e3, 1), Format.fixed(m.imagesPerSecond, 0),
                    Format.fixed(r.speedup, 2) + "x", Format.fixed(r.efficiency * 100, 0) + "%",
                    Format.fixed(m.computeSeconds * 1e3, 1), Format.fixed(m.exposedCommunicationSeconds * 1e3, 1),
                    Format.fixed(m.idleSeconds * 1e3, 1),
                    "\(Format.gib(r.memory.totalBytes)) of \(Format.gib(r.gpuMemoryBytes))", r.fitsInMemory ? "yes" : "NO",
                ] + (timed ? [cell.map { Format.fixed($0.hours, 1) } ?? "-"] : [])
                  + (priced ? [cell?.dollars.map { Format.grouped(Int($0.rounded())) } ?? "-"] : []))
            }
            out += table.render()
        }
        return out
    }
}
