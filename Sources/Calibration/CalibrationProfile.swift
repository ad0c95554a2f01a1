import Foundation
import YAMLSupport

/// What `scalecast calibrate` measured and fitted on one machine: the cost
/// model's parameters for this CPU and kernel, with the machine they belong to.
public struct CalibrationProfile: Sendable, Equatable {
    public var cpu: String
    public var kernel: String
    public var threads: Int
    /// Peak FLOP/s the efficiencies are relative to (cores × clock × FLOPs per cycle).
    public var peakFLOPsPerSecond: Double
    public var maxEfficiency: Double
    public var halfSaturation: Double
    public var copyBytesPerSecond: Double
    public var copyLatencySeconds: Double
    /// Bytes read plus written per second by streaming (element-wise) kernels.
    public var streamBytesPerSecond: Double
    /// Fixed time of one kernel call, in seconds: the layer fit's overhead.
    public var kernelOverheadSeconds: Double
    /// Bytes per second of a convolution's im2col traffic, fitted to the passes'
    /// time outside SGEMM (`Calibrator.fitApart`).
    public var loweringBytesPerSecond: Double
    /// Seconds per row segment of that traffic, fitted with the bandwidth (0 in
    /// profiles written before it was).
    public var loweringRowSeconds: Double
    /// The layer passes the fit was made from, per kernel, as products.
    public var products: [Calibrator.GEMMSample]
    public var residuals: [Double]

    public init(cpu: String, kernel: String, threads: Int, peakFLOPsPerSecond: Double, fit: Calibrator.EfficiencyFit,
                copyBytesPerSecond: Double, copyLatencySeconds: Double, streamBytesPerSecond: Double, kernelOverheadSeconds: Double,
                products: [Calibrator.GEMMSample]) {
        self.cpu = cpu
        self.kernel = kernel
        self.threads = threads
        self.peakFLOPsPerSecond = peakFLOPsPerSecond
        maxEfficiency = fit.maxEfficiency
        halfSaturation = fit.halfSaturation
        self.copyBytesPerSecond = copyBytesPerSecond
        self.copyLatencySeconds = copyLatencySeconds
        self.streamBytesPerSecond = streamBytesPerSecond
        self.kernelOverheadSeconds = kernelOverheadSeconds
        loweringBytesPerSecond = fit.loweringBytesPerSecond ?? .infinity
        loweringRowSeconds = fit.loweringRowSeconds
        self.products = products
        residuals = fit.residuals
    }

    /// The fitted figures that stopped at an end of their range: the curve's
    /// (`Calibrator.curveFiguresAtBounds`), a kernel overhead, im2col row time or copy
    /// latency of 0 (each fitted at least 0), an im2col bandwidth without bound (its
    /// inverse fitted at least 0). Each is where the fit stopped, not a measurement.
    public var figuresAtBounds: [FittedFigure] {
        var figures = Calibrator.curveFiguresAtBounds(maxEfficiency: maxEfficiency, halfSaturation: halfSaturation)
        if kernelOverheadSeconds <= 0 { figures.append(.overhead) }
        if !loweringBytesPerSecond.isFinite { figures.append(.loweringBandwidth) }
        if loweringRowSeconds <= 0 { figures.append(.loweringRowTime) }
        if copyLatencySeconds <= 0 { figures.append(.copyLatency) }
        return figures
    }

    /// The profile as YAML text.
    public var yaml: String {
        var out = "# ScaleCast calibration profile: written by `scalecast calibrate`; valid only on the machine below.\n"
        out += "cpu: \"\(cpu)\"\nkernel: \(kernel)\nthreads: \(threads)\n"
        out += "peak_gflops: \(Self.number(peakFLOPsPerSecond / 1e9))\n"
        out += "fitted:\n  max_efficiency: \(Self.number(maxEfficiency))\n  half_saturation: \(Self.number(halfSaturation))\n"
        out += "  copy_gb_per_s: \(Self.number(copyBytesPerSecond / 1e9))\n  copy_latency_us: \(Self.number(copyLatencySeconds * 1e6))\n"
        out += "  stream_gb_per_s: \(Self.number(streamBytesPerSecond / 1e9))\n  kernel_overhead_us: \(Self.number(kernelOverheadSeconds * 1e6))\n"
        out += "  lowering_gb_per_s: \(loweringBytesPerSecond.isFinite ? Self.number(loweringBytesPerSecond / 1e9) : "inf")\n"
        out += "  lowering_row_ns: \(Self.number(loweringRowSeconds * 1e9))\n"
        out += "products:   # layer passes run by the executor, per kernel: m, n, k, im2col bytes, im2col rows, seconds, "
            + "seconds in SGEMM, residual (efficiency)\n"
        for (sample, residual) in zip(products, residuals) {
            // A pass without lowering is all product; one whose product was not
            // timed apart (from an older profile) keeps the older six cells.
            guard let product = sample.productSeconds ?? (sample.loweringBytes == 0 ? sample.seconds : nil) else {
                out += "  - [\(sample.m), \(sample.n), \(sample.k), \(Self.number(sample.loweringBytes)), \(Self.number(sample.seconds)), "
                    + "\(Self.number(residual))]\n"
                continue
            }
            out += "  - [\(sample.m), \(sample.n), \(sample.k), \(Self.number(sample.loweringBytes)), \(Self.number(sample.loweringRows)), "
                + "\(Self.number(sample.seconds)), \(Self.number(product)), \(Self.number(residual))]\n"
        }
        return out
    }

    static func number(_ x: Double) -> String { String(format: "%.6g", locale: nil, x) }

    /// `lowering_gb_per_s`: GB/s, or `inf` when the fit found im2col traffic free.
    private static func loweringBandwidth(_ node: YAMLValue) throws -> Double {
        if (try? node.string()) == "inf" { return .infinity }
        return try node.double(in: 1e-6...1e15) * 1e9
    }

    /// Reads a profile and checks it belongs to this machine.
    /// - Parameters:
    ///   - cpu: this machine's CPU model; nil skips the check.
    ///   - kernel: the OpenBLAS kernel running now; nil skips the check.
    /// - Throws: `ConfigError` naming the file, key and line if it is malformed, or
    ///   if it was made on another CPU or with another kernel.
    public static func load(path: String, cpu: String?, kernel: String?) throws -> CalibrationProfile {
        let root = try YAMLValue.load(path: path)
        try root.checkKeys(["cpu", "kernel", "threads", "peak_gflops", "fitted", "products"])
        let cpuNode = try root.required("cpu"), kernelNode = try root.required("kernel")
        let profileCPU = try cpuNode.string(), profileKernel = try kernelNode.string()
        if let cpu, cpu != profileCPU {
            throw cpuNode.error("this profile was made on '\(profileCPU)', but this machine is '\(cpu)'; run `scalecast calibrate` here")
        }
        if let kernel, kernel != profileKernel {
            throw kernelNode.error("this profile was made with the OpenBLAS kernel \(profileKernel), but \(kernel) runs now; run `scalecast calibrate` again")
        }
        let fitted = try root.required("fitted")
        try fitted.checkKeys(["max_efficiency", "half_saturation", "copy_gb_per_s", "copy_latency_us", "stream_gb_per_s", "kernel_overhead_us",
                                "lowering_gb_per_s", "lowering_row_ns"])
        var products: [Calibrator.GEMMSample] = []
        var residuals: [Double] = []
        for row in try root.required("products").items() {
            // Profiles from before the lowering's rows and the SGEMM time were
            // recorded have six cells: m, n, k, im2col bytes, seconds, residual.
            let cells = try row.items()
            guard cells.count == 8 || cells.count == 6 else {
                throw row.error("expected [m, n, k, im2col bytes, im2col rows, seconds, seconds in SGEMM, residual] "
                                + "(or, from older profiles, [m, n, k, im2col bytes, seconds, residual])")
            }
            let full = cells.count == 8
            let seconds = try cells[full ? 5 : 4].double(in: 1e-12...1e6)
            products.append(Calibrator.GEMMSample(m: try cells[0].int(in: 1...1_000_000), n: try cells[1].int(in: 1...1_000_000),
                                              k: try cells[2].int(in: 1...1_000_000), seconds: seconds,
                                              loweringBytes: try cells[3].double(in: 0...1e15),
                                              loweringRows: full ? try cells[4].double(in: 0...1e15) : 0,
                                              productSeconds: full ? try cells[6].double(in: 0...seconds) : nil))
            // What the fit left (achieved efficiency less fitted), written for the reader: a
            // pass timed while the machine was busy, whose time barely exceeds the fitted
            // overhead, can leave one far above 10 (27 on a loaded CI machine), and `calibrate`
            // must be able to read back what it wrote.
            residuals.append(try cells.last!.double(in: -1e9...1e9))
        }
        var profile = CalibrationProfile(
            cpu: profileCPU, kernel: profileKernel, threads: try root.required("threads").int(in: 1...4096),
            peakFLOPsPerSecond: try root.required("peak_gflops").double(in: 1e-3...1e9) * 1e9,
            fit: Calibrator.EfficiencyFit(maxEfficiency: try fitted.required("max_efficiency").double(in: 1e-6...1),
                                          halfSaturation: try fitted.required("half_saturation").double(in: 0...1e6),
                                          loweringBytesPerSecond: try loweringBandwidth(try fitted.required("lowering_gb_per_s")),
                                          loweringRowSeconds: (try fitted.optional("lowering_row_ns")?.double(in: 0...1e9) ?? 0) * 1e-9,
                                          residuals: residuals),
            copyBytesPerSecond: try fitted.required("copy_gb_per_s").double(in: 1e-6...1e15) * 1e9,
            copyLatencySeconds: try fitted.required("copy_latency_us").double(in: 0...1e6) * 1e-6,
            streamBytesPerSecond: try fitted.required("stream_gb_per_s").double(in: 1e-6...1e15) * 1e9,
            kernelOverheadSeconds: try fitted.required("kernel_overhead_us").double(in: 0...1e6) * 1e-6, products: products)
        profile.residuals = residuals
        return profile
    }
}
