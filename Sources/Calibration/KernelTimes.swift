import Foundation
import Hardware
import Parallelism
import Workload
import YAMLSupport

/// Measured times of single convolution kernels, one row per shape and
/// precision, pass by pass: the layout of `scenarios/validation/deepbench/*-conv-train.csv`
/// (Baidu DeepBench's training results).
public struct KernelTimes: Sendable {
    public struct Row: Sendable, Equatable {
        public var line: Int
        /// As written in the file (`fp32`, `fp16`, `fp16-tensor`, `tf32`, `bf16`).
        public var precisionName: String
        public var precision: Precision
        public var geometry: ConvolutionGeometry
        public var batch: Int
        /// Seconds per pass; nil where the row has no time (a first layer's data gradient).
        public var seconds: [ConvolutionPass: Double]

        /// The pass's work on one GPU.
        public func work(_ pass: ConvolutionPass) -> ConvolutionWork {
            ConvolutionWork(geometry: geometry, batch: Double(batch), fraction: 1, passes: [pass])
        }
    }

    public var file: String
    public var rows: [Row]

    static let columns: [ConvolutionPass: String] = [.forward: "forward_ms", .backwardData: "backward_inputs_ms",
                                                      .backwardFilter: "backward_params_ms"]

    /// Reads the CSV (RFC 4180, `#` comment lines, columns in any order): `precision`,
    /// `w`, `h`, `c`, `n`, `k`, `filter_w`, `filter_h`, `pad_w`, `pad_h`, `stride_w`,
    /// `stride_h`, `forward_ms`, `backward_inputs_ms`, `backward_params_ms` (an empty
    /// time: not measured). `fp16-tensor` is read as fp16 (tensor cores are how the
    /// cost model runs fp16 where the GPU has them).
    /// - Throws: `ConfigError` naming the line that cannot be read.
    public init(csv text: String, file: String) throws {
        self.file = file
        let shownFile = file.singleLine
        rows = []
        let bounds = LayerTimes.Bounds.self
        let table = try CSVTable(text, file: shownFile)
        for row in table.rows {
            func fail(_ message: String) -> ConfigError { row.fail(message) }
            func cell(_ name: String) throws -> String { try row.cell(name) }
            func int(_ name: String, in range: ClosedRange<Int>) throws -> Int { try row.int(name, in: range) }
            let name = try cell("precision")
            let precision: Precision
            if name == "fp16-tensor" { precision = .fp16 } else {
                guard let p = Precision(rawValue: name) else { throw fail("unknown precision '\(name.singleLine)'") }
                precision = p
            }
            let w = try int("w", in: bounds.extent), h = try int("h", in: bounds.extent)
            let c = try int("c", in: bounds.channels), n = try int("n", in: bounds.batch), k = try int("k", in: bounds.channels)
            let fw = try int("filter_w", in: bounds.extent), fh = try int("filter_h", in: bounds.extent)
            let pw = try int("pad_w", in: bounds.pad), ph = try int("pad_h", in: bounds.pad)
            let sw = try int("stride_w", in: bounds.extent), sh = try int("stride_h", in: bounds.extent)
            let outH = h + 2 * ph - fh, outW = w + 2 * pw - fw
            guard outH >= 0, outW >= 0 else { throw fail("the filter (\(fw)x\(fh)) is larger than the padded input (\(w)x\(h))") }
            let geometry = ConvolutionGeometry(inputChannels: c, outputChannels: k, inputHeight: h, inputWidth: w,
                                               outputHeight: outH / sh + 1, outputWidth: outW / sw + 1,
                                               kernelHeight: fh, kernelWidth: fw, strideHeight: sh, strideWidth: sw)
            let operations = geometry.multiplyAdds * Double(n) * 2
            guard operations <= bounds.flops else {
                throw fail("the layer does \(String(format: "%.3g", locale: nil, operations)) operations, more than \(String(format: "%.0e", locale: nil, bounds.flops))")
            }
            var seconds: [ConvolutionPass: Double] = [:]
            for (pass, column) in Self.columns {
                let text = try cell(column)
                if text.isEmpty { continue }
                guard let v = NumberText.decimal(text), v > 0, v <= bounds.milliseconds else {
                    throw fail("'\(column)' must be milliseconds above 0 and at most \(Int(bounds.milliseconds)), got '\(text.singleLine)'")
                }
                seconds[pass] = v / 1000
            }
            rows.append(Row(line: row.line, precisionName: name, precision: precision, geometry: geometry, batch: n, seconds: seconds))
        }
        guard table.hasHeader, !rows.isEmpty else {
            throw ConfigError(file: shownFile, keyPath: "", line: nil, message: "no kernel times found (expected DeepBench-style convolution rows)")
        }
    }

    /// Refuses rows of `precisions` that `gpu` cannot have produced (`MeasuredRate`):
    /// a precision it has no units for, or a pass's time that implies a rate above its
    /// peak (each pass does the forward's multiply-adds, `ConvolutionGeometry.multiplyAdds`
    /// per example, at most the filter area fewer with Winograd or FFT).
    /// - Throws: `ConfigError` naming the first such row's line.
    public func check(on gpu: GPUSpec, precisions: Set<Precision>) throws {
        for row in rows where precisions.contains(row.precision) {
            let fail = { (message: String) in ConfigError(file: file.singleLine, keyPath: "", line: row.line, message: message) }
            if let problem = MeasuredRate.missingUnits(row.precision.rawValue, on: gpu) { throw fail(problem) }
            let flops = row.geometry.multiplyAdds * Double(row.batch) * 2
            let savings = Double(row.geometry.kernelHeight * row.geometry.kernelWidth)
            for pass in [ConvolutionPass.forward, .backwardData, .backwardFilter] {
                guard let seconds = row.seconds[pass], let column = Self.columns[pass] else { continue }
                if let problem = MeasuredRate.impossible(flops: flops, seconds: seconds, precision: row.precision.rawValue, gpu: gpu,
                                                         savings: savings) {
                    throw fail("'\(column)': " + problem)
                }
            }
        }
    }
}
