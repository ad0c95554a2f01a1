import CostModel
import Parallelism
import Workload

extension RunSpec {
    /// The cost model this run's kernels are chosen with on `setup`: the profile's
    /// workspace limit, lowered to the device memory the run's tensors leave free.
    /// cuDNN can only run an algorithm whose workspace it can allocate, so a
    /// framework that searches for the fastest (PyTorch's cudnn.benchmark, MXNet's
    /// and TensorFlow's autotune) picks among those that fit beside the model.
    /// Where the tensors alone exceed the memory the configuration does not run at all
    /// (it is reported as not fitting): it is priced as if the memory were there, the
    /// profile's limit only, so that its images/s are no artefact of a workspace of
    /// zero (a sweep's images/s fell 30% where its fits column turned false) and the
    /// memory it needs counts the workspace its kernels would take.
    /// - Throws: `ConfigError` when the model cannot be laid out on `setup`.
    public func costModel(for setup: TrainingSetup) throws -> CostModel {
        var cost = costModel
        guard cost.kernelLibrary != nil else { return cost }
        let tensors = try MemoryFootprint.estimate(setup, strategy: strategy, reservedBytes: costParameters.reservedMemoryBytes)
        guard tensors.totalBytes <= cluster.gpu.memoryBytes else { return cost }
        cost.workspaceLimitBytes = min(cost.workspaceLimitBytes ?? .infinity, cluster.gpu.memoryBytes - tensors.totalBytes)
        return cost
    }

    /// The memory one GPU needs on `setup`: `MemoryFootprint.estimate` plus the
    /// largest workspace of the convolution kernels the run's library chooses,
    /// over every convolution and pass at the batch per GPU.
    public func memoryFootprint(for setup: TrainingSetup) throws -> MemoryFootprint {
        var footprint = try MemoryFootprint.estimate(setup, strategy: strategy, reservedBytes: costParameters.reservedMemoryBytes)
        let cost = try costModel(for: setup)
        guard cost.kernelLibrary != nil else { return footprint }
        for layer in network.layers {
            for work in [LayerWork.forward(layer, batch: setup.batchPerGPU, precision: precision),
                         LayerWork.backward(layer, batch: setup.batchPerGPU, precision: precision)] {
                guard let convolution = work.convolution else { continue }
                for pass in convolution.passes {
                    footprint.workspaceBytes = max(footprint.workspaceBytes, cost.chosenKernel(for: pass, of: convolution).kernel.workspaceBytes)
                }
            }
        }
        return footprint
    }
}
