import Calibration
import Reports

/// The JSON of `scalecast import layer-times | kernel-times | nccl-tests --json`:
/// what was fitted, how well, and the file text written (or that `--out` would
/// write). Keys are snake_case; times in seconds, bandwidths in bytes per second,
/// efficiencies and errors as fractions; an absent value is null, never a missing key.
enum ImportJSON {
    /// The version of these layouts; bumped when a key changes meaning or goes away.
    static let schemaVersion = 1

    /// Relative errors over a set of layers or kernels.
    struct Errors: Encodable {
        var count: Int
        var medianAbsolute: Double
        var p90Absolute: Double
        /// The median signed error (positive: predicted too slow); null where not computed.
        @NullWhenAbsent var medianSigned: Double?
        enum CodingKeys: String, CodingKey {
            case count, medianAbsolute = "median_abs_error", p90Absolute = "p90_abs_error", medianSigned = "median_signed_error"
        }

        init(count: Int, medianAbsolute: Double, p90Absolute: Double, medianSigned: Double?) {
            (self.count, self.medianAbsolute, self.p90Absolute, self.medianSigned) = (count, medianAbsolute, p90Absolute, medianSigned)
        }

        init(_ summary: KernelEfficiencyFit.ErrorSummary) {
            self.init(count: summary.count, medianAbsolute: summary.medianAbsolute, p90Absolute: summary.p90Absolute,
                      medianSigned: summary.medianSigned)
        }
    }

    // MARK: - layer-times

    struct LayerTimesFit: Encodable {
        var precision: String
        var layersFitted: Int
        var maxEfficiency: Double
        var halfSaturation: Double
        var launchOverheadSeconds: Double
        /// 90th percentile of |relative error| of the fitted layers' forward times.
        var reportedError: Double
        /// Null without --holdout.
        @NullWhenAbsent var heldOut: Errors?
        enum CodingKeys: String, CodingKey {
            case precision, layersFitted = "layers_fitted", maxEfficiency = "max_efficiency", halfSaturation = "half_saturation"
            case launchOverheadSeconds = "launch_overhead_seconds", reportedError = "reported_error", heldOut = "held_out"
        }
    }

    struct LayerTimesDocument: Encodable {
        var schemaVersion = ImportJSON.schemaVersion
        var csv: String
        var gpu: String
        var layers: Int
        var holdout: Bool
        var fits: [LayerTimesFit]
        /// The profile's YAML text.
        var profile: String
        /// The file written; null without --out.
        @NullWhenAbsent var wrote: String?
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", csv, gpu, layers, holdout, fits, profile, wrote }
    }

    // MARK: - kernel-times

    struct KernelPassFit: Encodable {
        var precision: String
        /// The pass fitted (`forward`, `backward-data`, `backward-filter`), or
        /// `backward-data+backward-filter` for a per-layer file's backward.
        var pass: String
        /// Kernels (or, from a per-layer file, convolution layers) fitted.
        var kernels: Int
        var efficiency: Double
        /// True where the fit stopped at a bound of the efficiency's range.
        var atBound: Bool
        var before: Errors
        var after: Errors
        @NullWhenAbsent var heldOut: Errors?
        /// After the fit, the median predicted / measured in each quarter of the kernels by
        /// arithmetic, smallest first; null under 8 kernels (`KernelEfficiencyFit.PassFit.bySize`).
        @NullWhenAbsent var bySize: [Double]?
        enum CodingKeys: String, CodingKey {
            case precision, pass, kernels, efficiency, atBound = "at_bound", before, after, heldOut = "held_out", bySize = "by_size"
        }
    }

    struct KernelTimesDocument: Encodable {
        var schemaVersion = ImportJSON.schemaVersion
        var csv: String
        var gpu: String
        var library: String
        var kernels: Int
        var fits: [KernelPassFit]
        /// The GPU's catalog entry with the fitted kernel_efficiency (YAML).
        var entry: String
        @NullWhenAbsent var wrote: String?
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", csv, gpu, library, kernels, fits, entry, wrote }
    }

    // MARK: - nccl-tests

    struct NCCLSize: Encodable {
        var bytes: Double
        var measuredSeconds: Double
        var fittedSeconds: Double
        var relativeError: Double
        enum CodingKeys: String, CodingKey {
            case bytes, measuredSeconds = "measured_seconds", fittedSeconds = "fitted_seconds", relativeError = "relative_error"
        }
    }

    struct NCCLLink: Encodable {
        var log: String
        var collective: String
        var ranks: Int
        var link: String
        /// The fitted alpha (latency of the whole collective).
        var alphaSeconds: Double
        var algorithmBytesPerSecond: Double
        var busBytesPerSecond: Double
        /// The average bus bandwidth the log itself prints; null if it prints none.
        @NullWhenAbsent var logAverageBusBytesPerSecond: Double?
        /// The link's latency per hop as written: alpha over the collective's steps and two hops.
        var latencyPerHopSeconds: Double
        var sizes: [NCCLSize]
        enum CodingKeys: String, CodingKey {
            case log, collective, ranks, link, alphaSeconds = "alpha_seconds", algorithmBytesPerSecond = "algorithm_bytes_per_second"
            case busBytesPerSecond = "bus_bytes_per_second", logAverageBusBytesPerSecond = "log_average_bus_bytes_per_second"
            case latencyPerHopSeconds = "latency_per_hop_seconds", sizes
        }
    }

    struct NCCLDocument: Encodable {
        var schemaVersion = ImportJSON.schemaVersion
        var links: [NCCLLink]
        /// The catalog file's YAML text.
        var catalog: String
        @NullWhenAbsent var wrote: String?
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", links, catalog, wrote }
    }

    /// Pretty, key-sorted JSON text ending in a newline (byte-identical for identical input).
    static func encode<T: Encodable>(_ document: T) throws -> String { try ResultsJSON.encode(document) }
}
