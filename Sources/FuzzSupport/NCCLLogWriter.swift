import Foundation

/// Writes a valid log in the format nccl-tests' `all_reduce_perf` and its siblings
/// print (2.x, with the `#wrong` column, or the older ` error` column), from a
/// seeded alpha-beta with a little noise: the fuzzer's valid starting point, so
/// mutations exercise the parser beyond its first check.
public struct NCCLLogWriter {
    /// The collectives nccl-tests measures, by the name `import nccl-tests --collective` takes.
    public static let collectives = ["all_reduce", "all_gather", "reduce_scatter", "broadcast", "sendrecv"]

    public init() {}

    /// A log of `collective` on `ranks` GPUs, 8 bytes to `maxBytes` by factors of 4.
    public func log(collective: String, ranks: Int, maxBytes: Double = 1_073_741_824, oldHeader: Bool,
                    random: inout FuzzRandom) -> String {
        let alpha = 5 + Double(random.below(50)), gbps = 10 + Double(random.below(400))
        let factor: Double
        switch collective {
        case "all_reduce": factor = 2 * Double(ranks - 1) / Double(ranks)
        case "all_gather", "reduce_scatter": factor = Double(ranks - 1) / Double(ranks)
        default: factor = 1
        }
        let wrong = oldHeader ? " error" : "#wrong"
        var text = """
            # nThread 1 nGpus \(ranks) minBytes 8 maxBytes \(Int(maxBytes)) step: 4(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0
            #
            # Using devices

            """
        for r in 0..<ranks { text += "#  Rank \(r) Group  0 Pid  1000 on host device  \(r) [0x00] NVIDIA H100 80GB HBM3\n" }
        text += "#\n#                                                              out-of-place                       in-place\n"
        text += "#       size         count      type   redop    root     time   algbw   busbw \(wrong)     time   algbw   busbw \(wrong)\n"
        text += "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)\n"
        var size = 8.0, busSum = 0.0, count = 0.0
        let redop = collective == "all_reduce" || collective == "reduce_scatter" ? "sum" : "none"
        let w = oldHeader ? "0e+00" : "0"
        while size <= maxBytes {
            let noise = 1 + 0.03 * (Double(random.below(2001)) / 1000 - 1) / 2
            let t = (alpha + size / (gbps * 1e3)) * noise
            let algbw = size / t / 1e3, busbw = algbw * factor
            busSum += busbw
            count += 1
            text += String(format: "%12.0f %13.0f     float %7@ %7d %8.2f %7.2f %7.2f %6@ %8.2f %7.2f %7.2f %6@\n",
                           size, size / 4, redop as NSString, -1, t, algbw, busbw, w as NSString, t, algbw, busbw, w as NSString)
            size *= 4
        }
        text += "# Out of bounds values : 0 OK\n# Avg bus bandwidth    : \(String(format: "%.4f", busSum / max(count, 1)))\n#\n"
        return text
    }
}
