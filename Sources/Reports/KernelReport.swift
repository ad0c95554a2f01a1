import CostModel
import Parallelism
import Scenario
import Workload

/// The part of `scalecast explain` that says which convolution algorithm each
/// pass runs, when the run's execution profile names a kernel library.
public enum KernelReport {
    /// One row per convolution layer: the algorithm of each pass at the run's batch
    /// per GPU on `gpus` GPUs, its time and the largest workspace it uses; "" without a library.
    /// - Throws: `ConfigError` when the model cannot be laid out on `gpus`.
    public static func render(_ run: RunSpec, gpus: Int) throws -> String {
        let cost = try run.costModel(for: run.setup(gpus: gpus))
        guard let library = cost.kernelLibrary else { return "" }
        let limit = cost.workspaceLimitBytes.map { "workspace up to \(Format.fixed($0 / 1_048_576, 0)) MB" } ?? "no workspace limit"
        var out = "\nConvolution kernels (\(library.name), \(limit)): the fastest algorithm that fits, per pass, "
            + "at \(run.batchPerGPU) images per GPU\n"
        var table = TextTable(headers: ["layer", "forward", "backward data", "backward filter", "ms", "workspace MB"],
                              alignments: [.left, .left, .left, .left, .right, .right])
        for layer in run.network.layers {
            guard let forward = LayerWork.forward(layer, batch: run.batchPerGPU, precision: run.precision).convolution,
                  let backward = LayerWork.backward(layer, batch: run.batchPerGPU, precision: run.precision).convolution else { continue }
            var cells = [layer.name]
            var seconds = 0.0, workspace = 0.0
            for pass in ConvolutionPass.allCases {
                let work = pass == .forward ? forward : backward
                guard work.passes.contains(pass) else { cells.append("-"); continue }
                let chosen = cost.chosenKernel(for: pass, of: work)
                cells.append(chosen.kernel.algorithm.rawValue)
                seconds += chosen.seconds
                workspace = max(workspace, chosen.kernel.workspaceBytes)
            }
            table.append(cells + [Format.fixed(seconds * 1e3, 2), Format.fixed(workspace / 1_048_576, 1)])
        }
        return out + table.render()
    }
}
