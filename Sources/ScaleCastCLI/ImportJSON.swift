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
        var medianSigned: Double?
        enum CodingKeys: String, CodingKey {
            case count, medianAbsolute = "median_abs_error", p90Absolute = "p90_abs_error", medianSigned = "median_signed_error"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(count, forKey: .count)
            try c.encode(medianAbsolute, forKey: .medianAbsolute)
            try c.encode(p90Absolute, forKey: .p90Absolute)
            try c.encode(medianSigned, forKey: .medianSigned)
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
        var heldOut: Errors?
        enum CodingKeys: String, CodingKey {
            case precision, layersFitted = "layers_fitted", maxEfficiency = "max_efficiency", halfSaturation = "half_saturation"
            case launchOverheadSeconds = "launch_overhead_seconds", reportedError = "reported_error", heldOut = "held_out"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(precision, forKey: .precision)
            try c.encode(layersFitted, forKey: .layersFitted)
            try c.encode(maxEfficiency, forKey: .maxEfficiency)
            try c.encode(halfSaturation, forKey: .halfSaturation)
            try c.encode(launchOverheadSeconds, forKey: .launchOverheadSeconds)
            try c.encode(reportedError, forKey: .reportedError)
            try c.encode(heldOut, forKey: .heldOut)
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
        var wrote: String?
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", csv, gpu, layers, holdout, fits, profile, wrote }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(schemaVersion, forKey: .schemaVersion)
            try c.encode(csv, forKey: .csv)
            try c.encode(gpu, forKey: .gpu)
            try c.encode(layers, forKey: .layers)
            try c.encode(holdout, forKey: .holdout)
            try c.encode(fits, forKey: .fits)
            try c.encode(profile, forKey: .profile)
            try c.encode(wrote, forKey: .wrote)
        }
    }

    // MARK: - kernel-times

    struct KernelPassFit: Encodable {
        var precision: String
        var pass: String
        var kernels: Int
        var efficiency: Double
        /// True where the fit stopped at a bound of the efficiency's range.
        var atBound: Bool
        var before: Errors
        var after: Errors
        var heldOut: Errors?
        enum CodingKeys: String, CodingKey {
            case precision, pass, kernels, efficiency, atBound = "at_bound", before, after, heldOut = "held_out"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(precision, forKey: .precision)
            try c.encode(pass, forKey: .pass)
            try c.encode(kernels, forKey: .kernels)
            try c.encode(efficiency, forKey: .efficiency)
            try c.encode(atBound, forKey: .atBound)
            try c.encode(before, forKey: .before)
            try c.encode(after, forKey: .after)
            try c.encode(heldOut, forKey: .heldOut)
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
        var wrote: String?
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", csv, gpu, library, kernels, fits, entry, wrote }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(schemaVersion, forKey: .schemaVersion)
            try c.encode(csv, forKey: .csv)
            try c.encode(gpu, forKey: .gpu)
            try c.encode(library, forKey: .library)
            try c.encode(kernels, forKey: .kernels)
            try c.encode(fits, forKey: .fits)
            try c.encode(entry, forKey: .entry)
            try c.encode(wrote, forKey: .wrote)
        }
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
        var logAverageBusBytesPerSecond: Double?
        /// The link's latency per hop as written: alpha over the collective's steps and two hops.
        var latencyPerHopSeconds: Double
        var sizes: [NCCLSize]
        enum CodingKeys: String, CodingKey {
            case log, collective, ranks, link, alphaSeconds = "alpha_seconds", algorithmBytesPerSecond = "algorithm_bytes_per_second"
            case busBytesPerSecond = "bus_bytes_per_second", logAverageBusBytesPerSecond = "log_average_bus_bytes_per_second"
            case latencyPerHopSeconds = "latency_per_hop_seconds", sizes
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(log, forKey: .log)
            try c.encode(collective, forKey: .collective)
            try c.encode(ranks, forKey: .ranks)
            try c.encode(link, forKey: .link)
            try c.encode(alphaSeconds, forKey: .alphaSeconds)
            try c.encode(algorithmBytesPerSecond, forKey: .algorithmBytesPerSecond)
            try c.encode(busBytesPerSecond, forKey: .busBytesPerSecond)
            try c.encode(logAverageBusBytesPerSecond, forKey: .logAverageBusBytesPerSecond)
            try c.encode(latencyPerHopSeconds, forKey: .latencyPerHopSeconds)
            try c.encode(sizes, forKey: .sizes)
        }
    }

    struct NCCLDocument: Encodable {
        var schemaVersion = ImportJSON.schemaVersion
        var links: [NCCLLink]
        /// The catalog file's YAML text.
        var catalog: String
        var wrote: String?
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", links, catalog, wrote }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(schemaVersion, forKey: .schemaVersion)
            try c.encode(links, forKey: .links)
            try c.encode(catalog, forKey: .catalog)
            try c.encode(wrote, forKey: .wrote)
        }
    }

    /// Pretty, key-sorted JSON text ending in a newline (byte-identical for identical input).
    static func encode<T: Encodable>(_ document: T) throws -> String { try ResultsJSON.encode(document) }
}
