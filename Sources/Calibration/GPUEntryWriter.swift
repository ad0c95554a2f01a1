import Hardware

/// Writes a GPU as a catalog file (`gpus:` with one entry), for importers that
/// add a measurement to a catalog GPU: a scenario naming the file with
/// `catalog: {files: [FILE]}` gets the GPU with the measurement in place of the built-in one.
/// Every field the catalog loader reads (`GPUSpec.init(yaml:catalog:)`) is written, so the
/// entry loads back as the GPU it was written from, with the measurement added.
public enum GPUEntryWriter {
    /// The entry in the catalog's YAML form, every figure in the catalog's units,
    /// `measuredNote` first in the entry's `measured:`, the catalog's own note after it
    /// (it describes the figures the new ones replace, so it must not read as current).
    /// - Parameter links: the links the entry names that the built-in catalog lacks (or has
    ///   with other figures), written beside it so that the file loads on its own.
    public static func yaml(_ gpu: GPUSpec, measuredNote: String, links: [LinkSpec] = []) -> String {
        func number(_ x: Double) -> String { String(format: "%.10g", locale: nil, x) }
        func table(_ values: [String: Double], scale: Double = 1) -> String {
            "{" + values.keys.sorted().map { "\($0): \(number(values[$0]! / scale))" }.joined(separator: ", ") + "}"
        }
        var out = "# \(ImportText.yamlQuoted(gpu.name)) with measured kernel efficiencies; name this file in a scenario with "
            + "catalog: {files: [...]}.\n"
        if !links.isEmpty {
            out += "links:\n"
            for link in links {
                out += "  - {name: \(ImportText.yamlQuoted(link.name)), kind: \(link.kind.rawValue), "
                    + "bandwidth_gb_per_s: \(number(link.bytesPerSecond / 1e9)), latency_us: \(number(link.latencySeconds * 1e6)), "
                    + "source: \(ImportText.yamlQuoted(link.source))}\n"
            }
        }
        out += "gpus:\n"
        out += "  - name: \(ImportText.yamlQuoted(gpu.name))\n"
        if !gpu.aliases.isEmpty { out += "    aliases: [\(gpu.aliases.map(ImportText.yamlQuoted).joined(separator: ", "))]\n" }
        out += "    architecture: \(ImportText.yamlQuoted(gpu.architecture))\n"
        if let year = gpu.year { out += "    year: \(year)\n" }
        out += "    memory_gib: \(number(gpu.memoryBytes / 1_073_741_824))\n"
        out += "    memory_bandwidth_gb_per_s: \(number(gpu.memoryBytesPerSecond / 1e9))\n"
        out += "    peak_tflops: \(table(gpu.peakFLOPsPerSecond, scale: 1e12))\n"
        if !gpu.maxEfficiency.isEmpty { out += "    max_efficiency: \(table(gpu.maxEfficiency))\n" }
        if !gpu.halfSaturation.isEmpty { out += "    half_saturation: \(table(gpu.halfSaturation))\n" }
        if !gpu.gemmCurve.isEmpty {
            out += "    gemm_curve:\n"
            for precision in gpu.gemmCurve.keys.sorted() {
                let curve = gpu.gemmCurve[precision]!
                out += "      \(precision): {max_efficiency: \(number(curve.maxEfficiency)), half_saturation: \(number(curve.halfSaturation))}\n"
            }
        }
        if let sms = gpu.streamingMultiprocessors { out += "    sms: \(sms)\n" }
        if gpu.speedVariationCV > 0 { out += "    speed_variation_cv: \(number(gpu.speedVariationCV))\n" }
        if let fraction = gpu.memoryEfficiency { out += "    memory_efficiency: \(number(fraction))\n" }
        if !gpu.kernelEfficiency.isEmpty {
            out += "    kernel_efficiency:\n"
            for precision in gpu.kernelEfficiency.keys.sorted() { out += "      \(precision): \(table(gpu.kernelEfficiency[precision]!))\n" }
        }
        if let tdp = gpu.tdpWatts { out += "    tdp_watts: \(number(tdp))\n" }
        out += "    host_link: \(ImportText.yamlQuoted(gpu.hostLink))\n"
        if let nvlink = gpu.nvlink { out += "    nvlink: \(ImportText.yamlQuoted(nvlink))\n" }
        if let fabric = gpu.defaultFabric { out += "    fabric: \(fabric)\n" }
        out += "    source: \(ImportText.yamlQuoted(gpu.source))\n"
        // The catalog's note describes the figures it was written with; the new note says which it replaces.
        out += "    measured: \(ImportText.yamlQuoted(measuredNote + (gpu.measured.map { "; before that, the catalog's note: " + $0 } ?? "")))\n"
        return out
    }
}
