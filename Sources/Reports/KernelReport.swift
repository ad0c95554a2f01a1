import CostModel
import Parallelism
import Scenario
import Software
import Workload

/// The part of `scalecast explain` that says which convolution algorithm each
/// pass runs, when the run's execution profile names a kernel library.
public enum KernelReport {
    /// One convolution layer's kernels.
    public struct Row: Sendable {
        public var layer: String
        /// The algorithm of each pass the layer runs (a first layer has no data gradient).
        public var algorithms: [ConvolutionPass: String]
        /// The passes' time together, seconds.
        public var seconds: Double
        /// The largest workspace of the passes, bytes.
        public var workspaceBytes: Double
        /// Of `seconds`, the NCHW transposes around tensor-core kernels
        /// (`CostModel.layoutTransposeSeconds`), seconds.
        public var transposeSeconds: Double = 0
    }

    /// The rows of `run` on `gpus` GPUs, at its batch per GPU, with the cost model the
    /// simulation uses (its workspace limit included); empty without a kernel library.
    /// - Throws: `ConfigError` when the model cannot be laid out on `gpus`.
    public static func rows(_ run: RunSpec, gpus: Int) throws -> (cost: CostModel, rows: [Row]) {
        let setup = run.setup(gpus: gpus)
        let cost = try run.costModel(for: setup)
        guard cost.kernelLibrary != nil else { return (cost, []) }
        var rows: [Row] = []
        for layer in run.network.layers {
            guard let forward = LayerWork.forward(layer, batch: setup.batchPerGPU, precision: run.precision).convolution,
                  let backward = LayerWork.backward(layer, batch: setup.batchPerGPU, precision: run.precision).convolution else { continue }
            var row = Row(layer: layer.name, algorithms: [:], seconds: 0, workspaceBytes: 0)
            for pass in ConvolutionPass.allCases {
                let work = pass == .forward ? forward : backward
                guard work.passes.contains(pass) else { continue }
                let chosen = cost.chosenKernel(for: pass, of: work)
                // A TF32 run may take a CUDA-core kernel where it is faster (TF32 allows tensor cores, it does not oblige).
                let cudaCores = cost.precision == .tf32 && !chosen.kernel.usesTensorCores
                row.algorithms[pass] = chosen.kernel.algorithm.rawValue + (cudaCores ? " (CUDA cores)" : "")
                row.seconds += chosen.seconds
                row.workspaceBytes = max(row.workspaceBytes, chosen.kernel.workspaceBytes)
                row.transposeSeconds += cost.layoutTransposeSeconds(chosen.kernel)
            }
            rows.append(row)
        }
        return (cost, rows)
    }

    /// Where the kernels' fractions of peak come from, in one line: the scenario's own
    /// `max_efficiency`, the catalog's figures fitted to measured kernel times on this board
    /// (or its die), or, where nothing was measured, the large-GEMM ceiling with the size curve.
    static func efficiencySource(_ run: RunSpec, cost: CostModel) -> String {
        let precision = run.precision
        if run.costParameters.maxEfficiencyOverride[precision] != nil {
            return "kernel efficiencies: the scenario's max_efficiency for \(precision.rawValue) with the size curve"
        }
        if let fitted = run.cluster.gpu.kernelEfficiency[precision.rawValue] {
            let passes = ConvolutionPass.allCases.compactMap { pass in fitted[pass.catalogKey].map { "\(pass.catalogKey) \(Format.fixed($0, 3))" } }
            return "kernel efficiencies: fitted to measured kernel times (the catalog's \(run.cluster.gpu.name) \(precision.rawValue): "
                + passes.joined(separator: ", ") + " of peak; `scalecast hardware` gives the measurement)"
                + (precision == .fp32 ? "" : "; passes off the tensor cores (Winograd, FFT) take the fp32 figures")
        }
        // Products other than convolutions take the catalog's measured GEMM curve where it has one; a scenario's
        // max_efficiency would price them too, so writing the ceiling printed here is not the same run.
        let gemm = run.cluster.gpu.gemmCurve[precision.rawValue].map { curve in
            "; the other products take the catalog's measured GEMM curve (\(Format.fixed(curve.maxEfficiency, 3)) of peak, "
                + "half-saturation \(Format.fixed(curve.halfSaturation, 1))), which a scenario's max_efficiency would replace"
        } ?? ""
        return "kernel efficiencies: no kernel measurement on the \(run.cluster.gpu.name) in \(precision.rawValue), so the large-GEMM "
            + "ceiling (\(Format.fixed(cost.maxEfficiency, 3)) of peak) with the size curve\(gemm) (docs/kernel-model.md; the published "
            + "evidence above says how close that has come on this GPU)"
    }

    /// The table of `rows(run, gpus:)`; "" without a library.
    /// - Parameter top: how many layers to list, the slowest (in network order); nil lists them
    ///   all. The rest are summed on one line, as `explain --top` sums its layer table's.
    /// - Throws: `ConfigError` when the model cannot be laid out on `gpus`.
    public static func render(_ run: RunSpec, gpus: Int, top: Int? = nil) throws -> String {
        let (cost, rows) = try rows(run, gpus: gpus)
        guard let library = cost.kernelLibrary else { return "" }
        // The limit, not the use (the table's last column): the profile's workspace_mb, or else the memory the rest leaves.
        let limit = cost.workspaceLimitBytes.map { bytes in
            let mib = Format.fixed(bytes / 1_048_576, 0)
            return run.software.workspaceLimitBytes == bytes ? "a kernel's workspace limited to \(mib) MiB by the profile's workspace_mb"
                : "a kernel's workspace limited to the \(mib) MiB the other tensors leave free"
        } ?? "no workspace limit"
        let choice = cost.algorithmChoice == .fastest
            ? "the fastest algorithm that fits" : "cuDNN's heuristic choice (algorithm_choice: heuristic: the fastest that fits, no FFT)"
        // The slowest `top` (ties in network order), listed in network order.
        let slowest = Set(rows.indices.sorted { rows[$0].seconds != rows[$1].seconds ? rows[$0].seconds > rows[$1].seconds : $0 < $1 }
            .prefix(top ?? rows.count))
        var out = "\nConvolution kernels (\(library.name), \(limit)): \(choice), per pass, "
            + "at \(run.batchPerGPU(at: gpus)) images per GPU"
            + (slowest.count < rows.count ? "; the \(slowest.count) slowest of \(rows.count) layers, in network order (--all lists every one)" : "")
            + "\n"
        var table = TextTable(headers: ["layer", "forward", "backward data", "backward filter", "ms", "workspace MiB"],
                              alignments: [.left, .left, .left, .left, .right, .right])
        for (i, row) in rows.enumerated() where slowest.contains(i) {
            table.append([row.layer] + ConvolutionPass.allCases.map { row.algorithms[$0] ?? "-" }
                         + [Format.fixed(row.seconds * 1e3, 2), Format.fixed(row.workspaceBytes / 1_048_576, 1)])
        }
        let rest = rows.indices.filter { !slowest.contains($0) }
        if !rest.isEmpty {
            table.append(["(\(rest.count) other layers)", "", "", "", Format.fixed(rest.reduce(0) { $0 + rows[$1].seconds } * 1e3, 2),
                          Format.fixed((rest.map { rows[$0].workspaceBytes }.max() ?? 0) / 1_048_576, 1)])
        }
        out += table.render()
        out += efficiencySource(run, cost: cost) + "\n"
        let transposes = rows.reduce(0) { $0 + $1.transposeSeconds }, total = rows.reduce(0) { $0 + $1.seconds }
        if transposes > 0 {
            out += "NCHW tensors (memory_format: nchw): \(Format.fixed(transposes * 1e3, 2)) ms of the convolutions' "
                + "\(Format.fixed(total * 1e3, 2)) ms transpose tensor-core operands to NHWC and back; "
                + "channels-last tensors (memory_format: nhwc) would not\n"
        }
        let pytorchDepthwise = rows.filter { $0.algorithms.values.contains(ConvolutionAlgorithm.pytorchDepthwise.rawValue) }
        if !pytorchDepthwise.isEmpty {
            let seconds = pytorchDepthwise.reduce(0) { $0 + $1.seconds }
            out += "PyTorch's own depthwise kernels (depthwise_kernels: pytorch, on NCHW tensors not in fp16): "
                + "\(Format.fixed(seconds * 1e3, 2)) ms of the convolutions' \(Format.fixed(total * 1e3, 2)) ms; their gradients run at "
                + "\(Format.fixed(DepthwiseKernels.pytorchBackwardEfficiency * 100, 1))% of the fp32 peak; "
                + "channels-last or fp16 tensors would run cuDNN's\n"
        }
        return out
    }
}
