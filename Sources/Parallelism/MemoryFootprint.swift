import Workload

/// Device memory one GPU needs to train, estimated from the model (not from the
/// schedule): weight state, the activations kept for backward, and a reserve.
public struct MemoryFootprint: Sendable, Equatable {
    /// Weights, gradients, momentum (and the fp32 master copy under mixed precision), in bytes.
    public var weightStateBytes: Double
    /// Activations stored for the backward pass over the GPU's batch, in bytes.
    public var activationBytes: Double
    /// What the CUDA context, framework and allocator hold beyond tensors, in bytes.
    public var reservedBytes: Double
    /// PyTorch DDP's communication buckets where gradients are copied into them
    /// (`TrainingSetup.ddpBucketCopies`, more than one GPU): a second copy of every
    /// data-parallel gradient, in bytes; 0 otherwise.
    public var gradientBucketBytes: Double = 0
    /// Autocast's 2-byte copies of the convolution and fully connected weights, each kept
    /// by its layer from the forward to the backward (`TrainingSetup.autocastWeightCopies`,
    /// fp16 or bf16), in bytes; 0 otherwise.
    public var autocastCopyBytes: Double = 0
    /// The largest convolution workspace the chosen kernels use, in bytes (the
    /// allocator keeps the largest block it has handed out); 0 without a kernel library.
    public var workspaceBytes: Double = 0
    /// Horovod's tensor-fusion buffer (`TrainingSetup.tensorFusion`, more than one GPU):
    /// `HOROVOD_FUSION_THRESHOLD` bytes, allocated on the device the first time tensors are
    /// fused and kept for the rest of the run ("Allocate fusion buffer of size
    /// HOROVOD_FUSION_THRESHOLD if it was not allocated before", github.com/horovod/horovod/blob/master/docs/tensor-fusion.md;
    /// `FusionBufferManager::InitializeBuffer`, horovod/common/fusion_buffer_manager.cc: "keep it
    /// forever per device"), in bytes; 0 otherwise.
    public var fusionBufferBytes: Double = 0

    public var totalBytes: Double {
        fixedBytes + activationBytes + workspaceBytes
    }

    /// The parts that do not shrink with the batch: weight state, reserve, DDP's buckets,
    /// autocast's weight copies and the fusion buffer, in bytes.
    public var fixedBytes: Double {
        weightStateBytes + reservedBytes + gradientBucketBytes + autocastCopyBytes + fusionBufferBytes
    }

    /// The footprint of one worker under `strategy`.
    ///
    /// Data-parallel layers: whole weights, activations for the worker's own batch.
    /// Model-parallel layers: 1/K of the weights and of the activations, for the
    /// examples of one chunk (the whole global batch under scheme (a) exact or
    /// plain model parallelism exact), plus the boundary activations of the whole
    /// global batch (scheme (a) receives them at once; under (b) and (c) the
    /// broadcasts may run ahead of the computation, so all may be resident).
    /// Plain model parallelism holds the images of the whole global batch. The footprint
    /// is worker 0's, the fullest: a layer that all-gathers its input (`LayerwisePlanner
    /// .gatheredLayers`) keeps it whole for its backward, and under `lossOnFirstWorker`
    /// worker 0 holds the last weighted layer onwards whole (weights and activations).
    /// weights = parameters × `Precision.trainingStateBytesPerParameter`;
    /// activations = stored elements per example × examples × bytes per element, plus
    /// what the stack's autograd keeps beyond the layers' own counts (`AutogradPasses`:
    /// an in-place ReLU6's input copy, in elements; max-pool indices, in bytes).
    /// Under `ddpBucketCopies` on more than one GPU, DDP's buckets hold the data-parallel
    /// gradients a second time: data-parallel parameters × `gradientBytesPerElement`
    /// (PyTorch's DistributedDataParallel documents that `gradient_as_bucket_view=True`, off
    /// by default, saves "the total gradients size" of memory).
    /// Under `autocastWeightCopies` in fp16 or bf16, 2 bytes per convolution and fully
    /// connected weight (biases aside: no layer keeps their casts for its backward) of the
    /// worker's share: autocast casts a leaf parameter once per forward and caches the copy
    /// until the autocast region ends (PyTorch, aten/src/ATen/autocast_mode.cpp, `cached_cast`),
    /// and the convolution's or matrix product's autograd node keeps it for the backward.
    /// Under tensor fusion on more than one GPU, the fusion buffer (`fusionBufferBytes`).
    /// Convolution workspaces are added by the caller, who knows the kernels (`workspaceBytes`).
    public static func estimate(_ setup: TrainingSetup, strategy: Strategy, reservedBytes: Double) throws -> MemoryFootprint {
        let net = setup.network
        let k = Double(setup.gpus)
        let split = setup.gpus == 1 ? nil : try strategy.modelParallelStart(in: net)
        let boundary = split ?? net.layers.count
        func sum(_ range: Range<Int>, _ value: (Layer) -> Int) -> Double { Double(range.reduce(0) { $0 + value(net.layers[$1]) }) }
        let state = Double(setup.precision.trainingStateBytesPerParameter)
        let act = Double(setup.precision.activationBytes)
        let dataRange = 0..<boundary, modelRange = boundary..<net.layers.count
        var weights = sum(dataRange) { $0.cost.parameters } * state
        let imagesHeld = Double(setup.batchPerGPU) * (strategy.kind == .model && split != nil ? k : 1)
        let autograd = setup.autograd
        // Bytes kept for the backward per example by the layers of `range`.
        func kept(_ range: Range<Int>) -> Double {
            sum(range) { $0.cost.storedActivationElements + autograd.keptElements($0) } * act + sum(range) { autograd.keptBytes($0) }
        }
        var activations = kept(dataRange) * Double(setup.batchPerGPU) + Double(net.inputShape.elements) * imagesHeld * act
        if split != nil {
            let wholeBatch = strategy.kind == .model || strategy.scheme == .a
            let chunk = Double(setup.batchPerGPU) * (wholeBatch && strategy.variant == .exact ? k : 1)
            weights += sum(modelRange) { $0.cost.parameters } * state / k
            activations += kept(modelRange) * chunk / k
            if strategy.kind == .hybrid {
                activations += Double(net.layers[boundary - 1].outputShape.elements) * Double(setup.batchPerGPU) * k * act
            }
            // Worker 0, the fullest: the inputs it gathers whole, kept for their layers' backward
            // (its own 1/K slice of each is counted above), and under lossOnFirstWorker the tail whole.
            let tail = LayerwisePlanner.tailOnFirstWorker(net, split: boundary, workers: setup.gpus, lossOnFirstWorker: setup.lossOnFirstWorker)
            let gathered = LayerwisePlanner.gatheredLayers(net, split: boundary, tail: tail)
                .reduce(0.0) { $0 + Double(net.layers[$1 - 1].outputShape.elements) }
            activations += gathered * act * chunk * (1 - 1 / k)
            if let tail {
                let tailRange = tail..<net.layers.count
                weights += sum(tailRange) { $0.cost.parameters } * state * (1 - 1 / k)
                activations += kept(tailRange) * chunk * (1 - 1 / k)
            }
        }
        // Worker 0's whole tail under lossOnFirstWorker (its autocast copies too).
        let wholeTail = split.flatMap {
            LayerwisePlanner.tailOnFirstWorker(net, split: $0, workers: setup.gpus, lossOnFirstWorker: setup.lossOnFirstWorker)
        }.map { $0..<net.layers.count }
        var footprint = MemoryFootprint(weightStateBytes: weights, activationBytes: activations, reservedBytes: reservedBytes)
        if setup.autocastWeightCopies && setup.precision.activationBytes == 2 {
            func castWeights(_ layer: Layer) -> Int {
                switch layer.kind {
                case .convolution(let c): return layer.cost.parameters - (c.bias ? c.outChannels : 0)
                case .fullyConnected(let units, let bias): return layer.cost.parameters - (bias ? units : 0)
                default: return 0
                }
            }
            footprint.autocastCopyBytes = 2 * (sum(dataRange, castWeights) + (split == nil ? 0 : sum(modelRange, castWeights) / k)
                + (wholeTail.map { sum($0, castWeights) } ?? 0) * (1 - 1 / k))
        }
        if setup.ddpBucketCopies && setup.gpus > 1 {
            footprint.gradientBucketBytes = sum(dataRange) { $0.cost.parameters } * Double(setup.gradientBytesPerElement)
        }
        if let fusion = setup.tensorFusion, setup.gpus > 1 { footprint.fusionBufferBytes = fusion.thresholdBytes }
        return footprint
    }
}
