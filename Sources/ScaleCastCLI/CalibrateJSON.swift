import Reports

/// The JSON of `scalecast calibrate --json`: on the CPU (`mode: "cpu"`), the
/// fitted profile and each timed pass beside its fit; on a GPU (`mode: "gpu"`,
/// `--cuda` or `--gemm-csv`), each precision's efficiency curve and its shapes.
/// Keys are snake_case; times in seconds, rates per second, efficiencies and
/// errors as fractions; an absent value is null, never a missing key.
enum CalibrateJSON {
    /// The version of these layouts; bumped when a key changes meaning or goes away.
    static let schemaVersion = 1

    struct Pass: Encodable {
        var m, n, k: Int
        var loweringBytes: Double
        var loweringRows: Double
        var measuredSeconds: Double
        /// Of the measured time, the part in SGEMM; null where it was not timed apart.
        @NullWhenAbsent var sgemmSeconds: Double?
        var fittedSeconds: Double
        var relativeError: Double
        enum CodingKeys: String, CodingKey {
            case m, n, k, loweringBytes = "lowering_bytes", loweringRows = "lowering_rows", measuredSeconds = "measured_seconds"
            case sgemmSeconds = "sgemm_seconds", fittedSeconds = "fitted_seconds", relativeError = "relative_error"
        }
    }

    struct CPUDocument: Encodable {
        var schemaVersion = CalibrateJSON.schemaVersion
        var mode = "cpu"
        var cpu: String
        var threads: Int
        var kernel: String
        var peakFLOPsPerSecond: Double
        var maxEfficiency: Double
        var halfSaturation: Double
        var overheadSeconds: Double
        /// Null when the fit found the im2col traffic free (unbounded bandwidth).
        @NullWhenAbsent var loweringBytesPerSecond: Double?
        var loweringRowSeconds: Double
        var copyBytesPerSecond: Double
        var copyLatencySeconds: Double
        var streamBytesPerSecond: Double
        /// The keys above whose fit stopped at an end of its range (`FittedFigure`).
        var figuresAtBound: [String]
        var medianAbsError: Double
        var largestAbsError: Double
        var passes: [Pass]
        @NullWhenAbsent var wrote: String?
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", mode, cpu, threads, kernel, peakFLOPsPerSecond = "peak_flops_per_second"
            case maxEfficiency = "max_efficiency", halfSaturation = "half_saturation", overheadSeconds = "overhead_seconds"
            case loweringBytesPerSecond = "lowering_bytes_per_second", loweringRowSeconds = "lowering_row_seconds"
            case copyBytesPerSecond = "copy_bytes_per_second", copyLatencySeconds = "copy_latency_seconds"
            case streamBytesPerSecond = "stream_bytes_per_second", figuresAtBound = "figures_at_bound", medianAbsError = "median_abs_error"
            case largestAbsError = "largest_abs_error", passes, wrote
        }
    }

    struct Shape: Encodable {
        var m, n, k: Int
        var seconds: Double
        var efficiency: Double
        var fittedEfficiency: Double
        var residual: Double
        enum CodingKeys: String, CodingKey { case m, n, k, seconds, efficiency, fittedEfficiency = "fitted_efficiency", residual }
    }

    struct Precision: Encodable {
        var precision: String
        var peakFLOPsPerSecond: Double
        var maxEfficiency: Double
        var halfSaturation: Double
        var rmsResidual: Double
        /// 90th percentile of |relative time error| of the shapes, as the profile's `reported_error`.
        var reportedError: Double
        /// `max_efficiency` and/or `half_saturation` where the fit stopped at an end of its range.
        var figuresAtBound: [String]
        /// What the timings leave unchecked in the curve (`CalibrateCommand.curveCautions`).
        var cautions: [String]
        var shapes: [Shape]
        enum CodingKeys: String, CodingKey {
            case precision, peakFLOPsPerSecond = "peak_flops_per_second", maxEfficiency = "max_efficiency"
            case halfSaturation = "half_saturation", rmsResidual = "rms_residual", reportedError = "reported_error"
            case figuresAtBound = "figures_at_bound", cautions, shapes
        }
    }

    struct GPUDocument: Encodable {
        var schemaVersion = CalibrateJSON.schemaVersion
        var mode = "gpu"
        /// The device the timings name (the CSV's `# device:` line, or the GPU timed).
        var device: String
        /// The catalog GPU whose peaks the efficiencies are fractions of.
        var gpu: String
        /// The CSV read; null when this machine's GPU was timed (--cuda).
        @NullWhenAbsent var gemmCSV: String?
        var precisions: [Precision]
        /// The profile's YAML text (for cost_model: {profile: FILE}); null when a figure is outside what a scenario accepts.
        @NullWhenAbsent var profile: String?
        @NullWhenAbsent var wrote: String?
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", mode, device, gpu, gemmCSV = "gemm_csv", precisions, profile, wrote
        }
    }
}
