/// The kinds of input the fuzzer makes, each fed to the commands that read it.
public enum FuzzFamily: String, CaseIterable, Sendable, Comparable {
    /// The repository's scenarios, tree-mutated, through simulate, explain, trace, sweep, plan, chart, report.
    case scenario
    /// A calibration profile (`cost_model: {profile: ...}`), tree-mutated, through simulate.
    case profile
    /// A valid small scenario with extreme or malformed flags (`--gpus`, `--vary`, `--budget`, `--shard`, ...).
    case flags
    /// nccl-tests logs, through `import nccl-tests`.
    case ncclLog = "nccl-log"
    /// Per-layer time CSVs, through `import layer-times`.
    case layerTimes = "layer-times"
    /// cuBLAS GEMM timing CSVs, through `calibrate --gemm-csv`.
    case gemmCSV = "gemm-csv"
    /// Sweep shards, tree-mutated, dropped or repeated, through `merge`.
    case merge
    /// A valid scenario under a hostile file name, or a path that is not a regular file.
    case fileName = "file-name"
    /// A valid scenario whose name and run labels are shell and gnuplot injections, through
    /// chart and report (opt-in: `--family labels`; weight 0 in the default mix, which keeps
    /// the default run's inputs those of BENCHMARKS.md).
    case labels

    public static func < (a: FuzzFamily, b: FuzzFamily) -> Bool { a.rawValue < b.rawValue }
}
