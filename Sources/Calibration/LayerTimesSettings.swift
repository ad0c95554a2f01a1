import Software
import YAMLSupport

/// How a per-layer file of `tools/profile_layers.py` was measured, as its own columns say:
/// `cudnn_benchmark` (true: cuDNN timed its algorithms and ran the fastest, `cudnnFind`;
/// false: cuDNN's heuristic pick, `cudnnGet`) and `timing` (`events`: CUDA events around the
/// Python call, host dispatch included; `kernels`: the kernels' device time alone). Files
/// written before the tool had those columns say neither (nil).
public struct LayerTimesSettings: Sendable, Equatable {
    /// The algorithm choice the file's `cudnn_benchmark` column records.
    public let algorithmChoice: AlgorithmChoice?
    /// The line of the first row that says it (where a disagreement is reported).
    public let algorithmChoiceLine: Int?
    /// `events` or `kernels`, as the file's `timing` column records.
    public let timing: String?

    /// Reads the two columns of `table`; every row must say the same.
    /// - Throws: `ConfigError` at the line of a value that is not one the tool writes, or
    ///   that differs from the first row's (two measurements in one file fit apart).
    public init(_ table: CSVTable) throws {
        var choice: (AlgorithmChoice, line: Int)?
        var timing: (String, line: Int)?
        for row in table.rows {
            if table.columns.contains("cudnn_benchmark") {
                let text = try row.cell("cudnn_benchmark")
                let value: AlgorithmChoice
                switch text.lowercased() {
                case "true": value = .fastest
                case "false": value = .heuristic
                default: throw row.fail("'cudnn_benchmark' must be true or false (tools/profile_layers.py writes it), got '\(text.singleLine)'")
                }
                if let first = choice, first.0 != value {
                    throw row.fail("'cudnn_benchmark' is \(text.lowercased()) here but \(first.0 == .fastest) on line \(first.line): "
                                   + "one file holds two measurements; fit them apart")
                }
                choice = choice ?? (value, row.line)
            }
            if table.columns.contains("timing") {
                let text = try row.cell("timing").lowercased()
                guard ["events", "kernels"].contains(text) else {
                    throw row.fail("'timing' must be events or kernels (tools/profile_layers.py writes it), got '\(text.singleLine)'")
                }
                if let first = timing, first.0 != text {
                    throw row.fail("'timing' is \(text) here but \(first.0) on line \(first.line): one file holds two measurements; fit them apart")
                }
                timing = timing ?? (text, row.line)
            }
        }
        algorithmChoice = choice?.0
        algorithmChoiceLine = choice?.line
        self.timing = timing?.0
    }
}
