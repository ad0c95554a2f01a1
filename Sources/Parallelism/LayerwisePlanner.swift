import Workload

/// Builds the task graph of one strategy, step by step.
///
/// Data-parallel layers: on every worker, forward over its own examples, backward
/// in reverse, gradients all-reduced bucket by bucket as backward produces them,
/// each bucket's update after its all-reduce and the end of backward.
///
/// Model-parallel layers (a chain from `split` to the loss): every worker holds
/// 1/K of each layer's output units and runs its slice on every example, chunk by
/// chunk. A layer that needs its whole input (fully connected, convolution,
/// softmax) first all-gathers the slices of the layer before; in backward, a
/// weighted layer's partial input gradient is reduce-scattered back into slices.
/// The first model-parallel layer gets the data-parallel activations by the
/// strategy's exchange scheme, and its input gradients return to the workers that
/// own the examples (summed there), where the data-parallel backward goes on
/// after the worker's model-parallel part (program order).
/// Model-parallel weights need no synchronization; they update once per step
/// (exact) or after every chunk (approximate).
///
/// The exchanges run point to point (each pair of workers its own transfer, or
/// cuda-convnet2's copy networks), or, under `ModelParallelExchanges.collectives`,
/// as a library's collectives: an all-gather of slices, a reduce-scatter of partial
/// input gradients, scheme (b)'s turn a broadcast from the owner and its gradient
/// return a reduce into it, schemes (a) and (c)'s activations an all-gather and their
/// gradient return a reduce-scatter. Aggregated, one worker (worker 0, which runs the
/// loss where it runs on one GPU) stands for every worker and each exchange is one
/// collective task: priced by its closed form under collectives, else by its expanded
/// transfers simulated alone (`replayed`); that worker waits for every chunk's gradient
/// return before its data-parallel backward, as the last owner does, whose examples come
/// back last and whose all-reduce everyone waits for.
/// Under a library whose collectives run on one stream per GPU, each worker runs its
/// exchanges one at a time, in one order every worker shares (`exchangesInIssueOrder`).
struct LayerwisePlanner {
    let setup: TrainingSetup
    let strategy: Strategy
    /// The first model-parallel layer, or nil for pure data parallelism.
    let split: Int?
    /// One worker stands for all; all-reduces and exchanges are single collective tasks.
    let aggregated: Bool
    /// Node 0's workers stand for every node's (`NodeSymmetry`); nil: every worker planned.
    let symmetry: NodeSymmetry?
    var graph: TaskGraph
    /// Set when planning stopped early because the plan outgrew `PlanLimits.tasks`:
    /// the fraction of the first step's model-parallel chunks planned by then.
    private var plannedFraction: Double?
    /// Under `exchangesInIssueOrder`, per worker laid out: the tasks that end its part of
    /// the collective issued last (`fence(since:)`), which its part of the next one waits for.
    private var exchangeFence: [[Int]] = []
    /// Aggregated, the exchanges laid out for `replayed` so far: their index in
    /// `graph.exchanges`, by what tells them apart (each step and turn repeats a few).
    private var replays: [ReplayKey: Int] = [:]
    /// Aggregated, the expanded planner of every worker that lays out the exchanges `replayed`,
    /// made once (its per-layer work priced once) and handed a fresh graph for each.
    private var expandedTwin: ExpandedTwin?
    /// Each data-parallel layer's forward and backward work at the batch per GPU, fusion
    /// included, by layer index (nil where the pass has no work): the same on every
    /// worker and in every step, so priced out once per plan.
    private let dataForward: [ComputeWork?]
    private let dataBackward: [ComputeWork?]
    /// Under gradient accumulation (`TrainingSetup.accumulationSteps` > 1), the backward
    /// of the micro-batches that do not synchronize: the first's, whose gradients become
    /// the parameters' own, and the later ones', which add theirs to them. Empty otherwise.
    private let firstLocalBackward: [ComputeWork?]
    private let laterLocalBackward: [ComputeWork?]

    private var net: Network { setup.network }
    /// Workers laid out in the graph (one when aggregated).
    private var workers: Int { graph.gpus }
    /// Workers the model-parallel layers are split over: every GPU, also when one stands for all.
    private var ranks: Int { setup.gpus }
    /// Whether the model-parallel exchanges run as a library's collectives.
    private var exchangesAsCollectives: Bool { setup.modelParallelExchanges == .collectives }
    /// Whether the model-parallel exchanges run one after another on each GPU, in one issue
    /// order every worker shares: a library's collectives launched on one CUDA stream per
    /// GPU (`AllReduceAlgorithm.runsInIssueOrder`), as the all-reduces after them are (one
    /// PyTorch process group runs every collective on one NCCL stream per device,
    /// ProcessGroupNCCL; NCCL requires every rank to issue its collectives in the same order).
    /// The order is the program's: a turn's (or round's) activations are issued one turn
    /// ahead, before the exchanges of the turn before (`roundsAhead`), then that turn's
    /// all-gathers, reduce-scatters and gradient return in the order its layers run.
    private var exchangesInIssueOrder: Bool {
        split != nil && exchangesAsCollectives && strategy.gradientSync.algorithm.runsInIssueOrder
    }
    private var bytesPerElement: Double { Double(setup.precision.activationBytes) }

    /// - Parameter symmetry: plan node 0's workers only, for a data-parallel plan that
    ///   `NodeSymmetry.refusal` accepts (expanded fidelity).
    init(setup: TrainingSetup, strategy: Strategy, split: Int?, aggregated: Bool = false, symmetry: NodeSymmetry? = nil) {
        precondition(symmetry == nil || (!aggregated && split == nil), "only an expanded data-parallel plan is planned for one node")
        self.setup = setup
        self.strategy = strategy
        self.split = split
        self.aggregated = aggregated
        self.symmetry = symmetry
        graph = TaskGraph(gpus: aggregated ? 1 : symmetry?.ranksPerNode ?? setup.gpus, steps: setup.steps, representing: setup.gpus,
                          symmetry: symmetry)
        (graph.taskLimit, graph.dependencyLimit) = (PlanLimits.tasks, PlanLimits.dependencies)
        if aggregated, strategy.gradientSync.algorithm == .psGPUs, let perNode = setup.gpusPerNode, setup.gpus > perNode,
           let nics = setup.nicOfLocalGPU {
            graph.crossLaneLoads = CrossLaneLoads(gpus: setup.gpus, gpusPerNode: perNode, nicOfLocalGPU: nics)
        }
        let layers = setup.network.layers, batch = setup.batchPerGPU, precision = setup.precision
        let data = 1..<(split ?? layers.count)
        func works(backward: Bool, _ has: (Layer) -> Bool, _ work: (Layer) -> ComputeWork) -> [ComputeWork?] {
            layers.indices.map { i in
                guard data.contains(i), has(layers[i]), !setup.fusion.absorbed.contains(i) else { return nil }
                return Self.fused(work(layers[i]), layer: i, backward: backward, setup: setup, batch: batch, fraction: 1)
            }
        }
        dataForward = works(backward: false, Planner.hasForwardWork) { LayerWork.forward($0, batch: batch, precision: precision) }
        let plain = works(backward: true, Planner.hasBackwardWork) { LayerWork.backward($0, batch: batch, precision: precision) }
        var backward = plain.indices.map { i in plain[i].map { Self.accumulating($0, layer: layers[i], setup: setup) } }
        // The first micro-batch finds no gradient to add to, unless the optimizer left them zeroed.
        firstLocalBackward = setup.accumulationSteps > 1 ? (setup.gradsZeroed ? backward : plain) : []
        laterLocalBackward = setup.accumulationSteps > 1 ? backward : []
        if setup.ddpBucketCopies && setup.gpus > 1 {
            // PyTorch DDP's autograd hook: each parameter tensor's gradient copied into its bucket.
            for i in data where backward[i] != nil {
                backward[i]!.kernels += layers[i].kind.parameterTensors
                backward[i]!.memoryBytes += 2 * Double(layers[i].cost.parameters * setup.gradientBytesPerElement)
            }
        }
        dataBackward = backward
        if exchangesInIssueOrder { exchangeFence = [[Int]](repeating: [], count: graph.gpus) }
    }

    /// The update of `bucket` in one step: the optimizer (`LayerWork.update`) and, under
    /// `gradsZeroed`, `zero_grad`'s zero kernel per parameter tensor (one write of the
    /// gradient), run in `setup.optimizerShare` of the steps and so charged that share of
    /// their work and of their kernels (the optimizer's one per bucket, or
    /// `updateKernelsPerTensor` per parameter tensor; rounded to whole kernels), plus,
    /// under `ddpBucketCopies` with gradients to all-reduce, every step's copy of each
    /// tensor's gradient back out of the bucket.
    private func updateWork(_ bucket: Planner.Bucket) -> ComputeWork {
        let tensors = bucket.layers.reduce(0) { $0 + net.layers[$1].kind.parameterTensors }
        var work = LayerWork.update(parameters: bucket.parameters, precision: setup.precision)
        let share = setup.optimizerShare
        var optimizerKernels = setup.updateKernelsPerTensor > 0 ? tensors * setup.updateKernelsPerTensor : work.kernels
        if setup.gradsZeroed {
            optimizerKernels += tensors
            work.memoryBytes += Double(bucket.parameters * setup.gradientBytesPerElement)
        }
        work.flops *= share
        work.memoryBytes *= share
        work.kernels = Int((Double(optimizerKernels) * share).rounded())
        if setup.ddpBucketCopies && setup.gpus > 1 {
            work.kernels += tensors
            work.memoryBytes += 2 * Double(bucket.parameters * setup.gradientBytesPerElement)
        }
        return work
    }

    /// The update of a model-parallel slice of `parameters`: the optimizer's work every
    /// step it runs (`optimizer_every_images` does not amortize it), none without an
    /// optimizer step (`setup.optimizerStep`).
    private func sliceUpdateWork(parameters: Int) -> ComputeWork {
        var work = LayerWork.update(parameters: parameters, precision: setup.precision)
        if !setup.optimizerStep { (work.flops, work.memoryBytes, work.kernels) = (0, 0, 0) }
        return work
    }

    /// Layers before the model-parallel part (the input excluded).
    private var dataLayers: Range<Int> { 1..<(split ?? net.layers.count) }
    private var modelLayers: Range<Int> { (split ?? net.layers.count)..<net.layers.count }

    /// - Throws: `PlanTooLargeError` once the first step shows the whole plan would
    ///   pass `PlanLimits`.
    mutating func build() throws -> TaskGraph {
        try checkAccumulatedSize()
        try checkRingSize()
        var stepDone = [[Int]](repeating: [], count: workers)
        for step in 0..<setup.steps {
            stepDone = planStep(step, after: stepDone)
            if step == 0 {
                try checkSize()
                // Every step plans the same tasks.
                graph.reserveCapacity(tasks: graph.tasks.count * setup.steps)
            }
        }
        return graph
    }

    /// Refuses, before laying out anything, a plan whose accumulated micro-batches alone
    /// would pass `PlanLimits.tasks` (each is a forward and a backward task per layer and
    /// worker, planned in full before `checkSize` sees the first step): a lower bound.
    private func checkAccumulatedSize() throws {
        guard setup.accumulationSteps > 1 else { return }
        let passes = Double(dataForward.compactMap { $0 }.count + dataBackward.compactMap { $0 }.count)
        let tasks = passes * Double(workers) * Double(setup.accumulationSteps) * Double(setup.steps)
        guard tasks > Double(PlanLimits.tasks) else { return }
        throw PlanTooLargeError(estimatedTasks: tasks, estimatedDependencies: tasks, estimatedExchangeWork: 0, isLowerBound: true)
    }

    /// Refuses, before laying out anything, a data-parallel plan whose ring all-reduces alone
    /// would pass `PlanLimits.tasks`: each bucket's ring is 2(N − 1) transfers from each
    /// worker laid out (node 0's under node symmetry), every step; a lower bound of the plan.
    private func checkRingSize() throws {
        guard split == nil, !aggregated, strategy.gradientSync.algorithm == .ring, ranks > 1 else { return }
        let buckets = Self.buckets(setup, strategy: strategy, layers: dataLayers).count
        let transfers = Double(workers) * Double(buckets) * Double(2 * (ranks - 1)) * Double(setup.steps)
        guard transfers > Double(PlanLimits.tasks) else { return }
        throw PlanTooLargeError(estimatedTasks: transfers, estimatedDependencies: transfers, estimatedExchangeWork: 0, isLowerBound: true)
    }

    /// Whether the graph planned so far is already beyond `PlanLimits`.
    private var isOverLimits: Bool { graph.isFull }

    /// Refuses the plan if one step's tasks, times the steps, pass `PlanLimits`.
    private func checkSize() throws {
        let steps = setup.steps
        // Stopped before any chunk was planned: what is planned already, times the steps, is a lower bound.
        let fraction = plannedFraction.map { $0 > 0 ? $0 : 1 } ?? 1
        let scale = Double(steps) / fraction
        let tasks = Double(graph.tasks.count) * scale, dependencies = Double(graph.dependencyCount) * scale
        var transfers = 0   // by index: a closure over the tasks would copy each (its strings and arrays retained)
        for id in graph.tasks.indices where graph.tasks[id].kind == .transfer { transfers += 1 }
        let work = split == nil ? 0 : Double(transfers) * scale * Double(workers) * Double(workers)
        // A full graph stopped planning part of its step (`TaskGraph.taskLimit`, `dependencyLimit`): refused whatever the estimate says.
        if graph.isFull || tasks > Double(PlanLimits.tasks) || dependencies > Double(PlanLimits.dependencies) || work > PlanLimits.exchangeWork {
            throw PlanTooLargeError(estimatedTasks: tasks, estimatedDependencies: dependencies, estimatedExchangeWork: work,
                                    isLowerBound: plannedFraction == 0 || graph.isFull)
        }
    }

    /// Plans one step; `after[w]` are the tasks worker w must finish first.
    /// - Returns: for each worker, the tasks that end its step.
    private mutating func planStep(_ step: Int, after: [[Int]]) -> [[Int]] {
        // Accumulated micro-batches: forward and backward on each worker alone.
        var start = after
        for micro in 0..<(setup.accumulationSteps - 1) {
            start = planLocalPass(step, after: start, backward: micro == 0 ? firstLocalBackward : laterLocalBackward)
        }
        // Data-parallel forward.
        var forwardEnd = start
        for w in 0..<workers {
            if isOverLimits { plannedFraction = 0; break }
            for i in dataLayers {
                guard let work = dataForward[i] else { continue }
                forwardEnd[w] = [compute(.forward, layer: i, on: w, work: work, after: forwardEnd[w], step: step)]
            }
        }
        // Model-parallel part; what each worker's data-parallel backward waits for.
        var backwardStart = forwardEnd
        var modelDone = [[Int]](repeating: [], count: workers)
        if split != nil {
            (backwardStart, modelDone) = planModelParallel(step, forwardEnd: forwardEnd)
        }
        // Data-parallel backward, bucketed all-reduce, updates.
        var dataDone = backwardStart
        if !dataLayers.isEmpty {
            dataDone = planDataBackward(step, start: backwardStart)
        }
        return (0..<workers).map { dataDone[$0] + modelDone[$0] }
    }

    /// `work`, a layer's backward, with what adding to an existing gradient costs where
    /// the parameter has one (gradient accumulation, `TrainingSetup.accumulationSteps` > 1,
    /// or gradients zeroed rather than freed, `TrainingSetup.gradsZeroed`; else `work`
    /// itself): autograd's AccumulateGrad adds each new gradient to the parameter's, one
    /// kernel per parameter tensor reading both and writing the sum (3 × the gradient's bytes).
    static func accumulating(_ work: ComputeWork, layer: Layer, setup: TrainingSetup) -> ComputeWork {
        guard setup.accumulationSteps > 1 || setup.gradsZeroed, layer.kind.parameterTensors > 0 else { return work }
        var w = work
        w.kernels += layer.kind.parameterTensors
        w.memoryBytes += 3 * Double(layer.cost.parameters * setup.gradientBytesPerElement)
        return w
    }

    /// One micro-batch of gradient accumulation on every worker: the data-parallel
    /// forward, then `backward` in reverse, nothing exchanged.
    /// - Returns: for each worker, the task that ends its pass.
    private mutating func planLocalPass(_ step: Int, after: [[Int]], backward: [ComputeWork?]) -> [[Int]] {
        precondition(split == nil, "gradient accumulation is planned for data parallelism only")
        var end = after
        for w in 0..<workers {
            for i in dataLayers {
                guard let work = dataForward[i] else { continue }
                end[w] = [compute(.forward, layer: i, on: w, work: work, after: end[w], step: step)]
            }
            for i in dataLayers.reversed() {
                guard let work = backward[i] else { continue }
                end[w] = [compute(.backward, layer: i, on: w, work: work, after: end[w], step: step)]
            }
        }
        return end
    }

    /// `work` (the forward pass, or with `backward` the backward pass, of layer `i`) with
    /// what the stack adds to it: fusion, the tensors a batch norm's fused kernel moves
    /// beyond its own or no longer moves (`FusionPlan.extraElements`: the addend read forward,
    /// less what a convolution's epilogue or prologue does for it; backward the addend's
    /// gradient, or XLA's reads of the fused ReLU's gradient and output); the
    /// stack's autograd, its passes (`AutogradPasses`: an in-place activation's clone
    /// forward, a channel scale's `sum_to` backward, a max pool's indices written forward
    /// and read backward).
    private func fused(_ work: ComputeWork, layer i: Int, backward: Bool, batch: Int, fraction: Double) -> ComputeWork {
        Self.fused(work, layer: i, backward: backward, setup: setup, batch: batch, fraction: fraction)
    }

    static func fused(_ work: ComputeWork, layer i: Int, backward: Bool, setup: TrainingSetup, batch: Int,
                      fraction: Double) -> ComputeWork {
        let layer = setup.network.layers[i]
        var w = work.adding(backward ? setup.autograd.backward(layer) : setup.autograd.forward(layer), batch: batch,
                            precision: setup.precision, fraction: fraction)
        let extra = setup.fusion.extraElements(of: i, backward: backward)
        if extra != 0 {
            w.memoryBytes = max(0, w.memoryBytes + Double(extra) * Double(batch) * Double(setup.precision.activationBytes) * fraction)
        }
        return w
    }

    // MARK: Data-parallel backward

    /// The gradient buckets of the data-parallel layers `layers`, in the order they are
    /// all-reduced: Horovod's fused groups under tensor fusion, else the strategy's buckets.
    static func buckets(_ setup: TrainingSetup, strategy: Strategy, layers: Range<Int>) -> [Planner.Bucket] {
        setup.tensorFusion?.buckets(setup.network, layers: layers, bytesPerElement: setup.gradientBytesPerElement)
            ?? Planner.gradientBuckets(setup.network, precision: setup.precision, bucketBytes: strategy.gradientSync.bucketBytes,
                                       layers: layers, bytesPerElement: setup.gradientBytesPerElement)
    }

    private mutating func planDataBackward(_ step: Int, start: [[Int]]) -> [[Int]] {
        let fusion = setup.tensorFusion
        let buckets = Self.buckets(setup, strategy: strategy, layers: dataLayers)
        // The all-reduces run over every rank; under node symmetry only node 0's are laid out.
        let ranks = Array(0..<(symmetry?.ranks ?? workers))
        var closing = [[Int]](repeating: [], count: workers)   // per worker, per bucket
        var lastBackward = start
        for w in 0..<workers {
            // A plan past its limits stops here (before any bucket waits on a worker's backward), to be refused.
            if isOverLimits { plannedFraction = 0; return start }
            var chain = start[w]
            var closingTask = [Int: Int]()
            for i in dataLayers.reversed() {
                guard let work = dataBackward[i] else { continue }
                let id = compute(.backward, layer: i, on: w, work: work, after: chain, step: step)
                chain = [id]
                closingTask[i] = id
            }
            lastBackward[w] = chain
            closing[w] = buckets.map { closingTask[$0.closingLayer]! }
        }
        var updates = [[Int]](repeating: [], count: workers)
        let algorithm = strategy.gradientSync.algorithm
        var previousSync: [Int] = []      // in turn: the all-reduce before, on every worker
        // Per worker: where the all-reduce before ended (the model-parallel collectives' end, on the same stream).
        var previousDone = (0..<workers).map { fenceOf($0) }
        // TensorFlow's local parameter servers: which GPU serves each bucket (variables are
        // placed in creation order, the reverse of the buckets'), and the server's arithmetic.
        let servers = Array(ParameterServers.owners(elements: buckets.reversed().map(\.parameters), gpus: setup.gpus).reversed())
        let serverRate = algorithm == .psHost ? setup.hostServerBytesPerSecond : setup.gpuServerBytesPerSecond
        for (b, bucket) in buckets.enumerated() {
            if isOverLimits { plannedFraction = 0; break }
            let serverSeconds = algorithm.updatesOnServer
                ? ParameterServers.serverSeconds(parameters: bucket.parameters, ranks: setup.gpus,
                                                 gradientBytesPerElement: setup.gradientBytesPerElement, bytesPerSecond: serverRate,
                                                 includingUpdate: algorithm.updatesOffGPU && setup.optimizerStep)
                : 0
            let group = "allreduce bucket \(b)"
            // NCCL chooses its algorithm and protocol per collective, by its size.
            let nccl = setup.nccl.flatMap { NCCLRun(algorithm, system: $0, bytes: bucket.bytes) }
            precondition(algorithm.ncclAlgorithms == nil || nccl != nil, "NCCL's algorithms need the setup's NCCL system")
            if step == 0 {
                graph.collectives.append(CollectivePlan(group: group, bytes: bucket.bytes, algorithm: algorithm, nccl: nccl?.choice,
                                                        ncclEstimateSeconds: nccl.flatMap { $0.system.estimatedSeconds($0.choice, bytes: bucket.bytes) },
                                                        ncclChannels: nccl.map { $0.system.kernelChannels($0.choice, bytes: bucket.bytes) },
                                                        ncclRunnerUp: nccl.flatMap { run in algorithm.ncclAlgorithms.flatMap {
                                                            run.system.runnerUp(to: run.choice, bytes: bucket.bytes, among: $0) } }))
            }
            let done: [[Int]]
            if aggregated && replaysAllReduces {
                let inTurn = setup.syncLayersInTurn
                done = replayed("allreduce", bytes: bucket.bytes, root: servers[b], after: inTurn ? lastBackward[0] + previousSync : [closing[0][b]],
                                step: step, group: group) {
                    _ = $0.allReduceTransfers(b, bucket: bucket, ready: $1, step: 0, nccl: nccl, server: servers[b], serverSeconds: serverSeconds)
                }
                previousSync = done[0]
            } else if aggregated {
                // Across nodes, a bucket served by a GPU moves through that GPU's NIC (its node's
                // only one, the one it is pinned to, or the one its routes cross): its lane (`stageLane`), and through
                // the other nodes' NICs (`TaskGraph.crossLaneLoads`).
                let perNode = setup.gpusPerNode ?? setup.gpus
                let lane = algorithm == .psGPUs && setup.gpus > perNode
                    ? CrossLaneLoads.lane(ofGPU: servers[b], gpusPerNode: perNode, nicOfLocalGPU: setup.nicOfLocalGPU) : nil
                // In turn (cuda-convnet2's Weights::update), as the expanded plan below: once backward
                // is done, after the layer before (tensor fusion's cycle decides instead where it runs).
                let inTurn = setup.syncLayersInTurn && fusion == nil
                let id = graph.add(.collective, label: group, device: 0,
                                   work: .collective(CollectiveWork(algorithm: algorithm, bytes: bucket.bytes, ranks: setup.gpus,
                                                                    ranksPerNode: setup.gpusPerNode, nccl: nccl, stageLane: lane,
                                                                    stageServer: lane == nil ? nil : servers[b])),
                                   after: inTurn ? lastBackward[0] + previousSync : [closing[0][b]], step: step, group: group)
                previousSync = [id]
                if let fusion {
                    graph.delayStart(of: id, by: fusion.startDelaySeconds + fusion.copySeconds(layers: bucket.layers.count, bytes: bucket.bytes),
                                     cause: .fusion)
                } else if serverSeconds > 0 {
                    // The server's sum and update between the pushes and the pulls: the same end, waited first.
                    graph.delayStart(of: id, by: serverSeconds, cause: .serverUpdate)
                }
                done = [[id]]
            } else if let fusion {
                // Horovod's background thread: the group goes once its gradients are ready on
                // every rank (the negotiation), at the next cycle, after the copy into the buffer
                // (the wait counts from the gradients), and after the group before it: the host
                // thread enqueues without waiting, but every all-reduce runs on one stream per GPU
                // (v0.16.4, horovod/common/ops/cuda_operations.cc, InitCUDAQueue: streams[device];
                // HOROVOD_NUM_NCCL_STREAMS from v0.17, 1 by default), whose kernels run in order.
                let everyone = (0..<workers).map { closing[$0][b] }
                let first = graph.tasks.count
                done = graph.allReduce(algorithm, bytes: bucket.bytes, ranks: ranks,
                                       ready: (0..<workers).map { _ in everyone + previousSync }, step: step, group: group,
                                       bucket: (b, bucket.parameters), gpusPerNode: setup.gpusPerNode, nccl: nccl,
                                       cudaConvnet2Networks: false, symmetry: symmetry)
                let delay = fusion.startDelaySeconds + fusion.copySeconds(layers: bucket.layers.count, bytes: bucket.bytes)
                for id in first..<graph.tasks.count where graph.tasks[id].dependencies.contains(where: { everyone.contains($0) }) {
                    graph.delayStart(of: id, by: delay, from: everyone, cause: .fusion)
                }
                previousSync = done.flatMap { $0 }
            } else {
                // In turn (cuda-convnet2's Weights::update, weights.cu): once backward is done,
                // and after the layer before is synchronized everywhere. Otherwise once the
                // bucket's gradients are ready and, where the algorithm's collectives run in issue
                // order (`runsInIssueOrder`: one CUDA stream per GPU), the worker's all-reduce before
                // it is over, as the aggregated fidelity's collective stream runs them.
                let ready = setup.syncLayersInTurn ? (0..<workers).map { lastBackward[$0] + previousSync }
                    : (0..<workers).map { [closing[$0][b]] + (algorithm.runsInIssueOrder ? previousDone[$0] : []) }
                done = allReduceTransfers(b, bucket: bucket, ready: ready, step: step, nccl: nccl, server: servers[b], serverSeconds: serverSeconds)
                previousSync = done.flatMap { $0 }
                previousDone = done
                if exchangesInIssueOrder { exchangeFence = done }
            }
            for w in 0..<workers {
                // Under a parameter server in host memory the CPU updates (priced in serverSeconds); the worker applies nothing.
                let id = graph.add(.update, label: "update bucket \(b)", device: w,
                                   work: .compute(algorithm.updatesOffGPU ? ComputeWork.none : updateWork(bucket)),
                                   after: done[w] + lastBackward[w] + updates[w].suffix(1), step: step,
                                   operation: .updateLayers(bucket.layers))
                // The copy out of the fusion buffer, on Horovod's stream, before the gradients can be applied.
                if let fusion { graph.delayStart(of: id, by: fusion.copySeconds(layers: bucket.layers.count, bytes: bucket.bytes), cause: .fusion) }
                updates[w].append(id)
            }
        }
        return (0..<workers).map { updates[$0].last.map { [$0] } ?? lastBackward[$0] }
    }

    /// Whether an aggregated plan replays its all-reduces (`replayed`) instead of pricing them
    /// by closed forms, which leave out a copy stage's software cost and host-staged
    /// broadcasts: in a plan with model-parallel layers (whose exchanges it replays too, and
    /// which stays small) under a profile with either; not under tensor fusion, whose cycle
    /// decides when a bucket runs (its stage cost is then left out, as for data parallelism).
    private var replaysAllReduces: Bool {
        split != nil && setup.tensorFusion == nil && (replaysStagedCollectives || setup.hostStagedSyncFromGPUs != nil)
    }

    /// Whether an aggregated plan with model-parallel layers replays a library's collectives
    /// whose copies carry a stage cost (`setup.stageSeconds`), up to `PlanLimits.replayedRanks`
    /// GPUs; past it their closed forms leave that cost out (`ScenarioRunner.stageCostLeftOut`).
    private var replaysStagedCollectives: Bool {
        split != nil && setup.stageSeconds > 0 && ranks <= PlanLimits.replayedRanks
    }

    /// Bucket `b`'s all-reduce as the algorithm's transfers among every worker laid out (node
    /// 0's under symmetry), each worker's part after its `ready` tasks, with the stack's cost
    /// per copy stage (`chargeStages`).
    /// - Returns: for each worker laid out, the tasks after which it holds the sum.
    private mutating func allReduceTransfers(_ b: Int, bucket: Planner.Bucket, ready: [[Int]], step: Int, nccl: NCCLRun?, server: Int,
                                             serverSeconds: Double) -> [[Int]] {
        let first = graph.tasks.count
        let done = graph.allReduce(strategy.gradientSync.algorithm, bytes: bucket.bytes, ranks: Array(0..<(symmetry?.ranks ?? workers)),
                                   ready: ready, step: step, group: "allreduce bucket \(b)",
                                   bucket: (b, bucket.parameters), gpusPerNode: setup.gpusPerNode, nccl: nccl,
                                   cudaConvnet2Networks: setup.hostStagedSyncFromGPUs.map { workers >= $0 } ?? false,
                                   server: server, serverSeconds: serverSeconds, symmetry: symmetry,
                                   canPeer: { [setup] a, b in Self.canPeer(a, b, setup: setup) })
        chargeStages(since: first, elementBytes: Double(setup.gradientBytesPerElement))
        return done
    }

    // MARK: Model-parallel part

    /// A chunk of examples the model-parallel layers process together.
    struct Chunk {
        /// Examples of each owning worker in this chunk (zero counts left out).
        var owners: [(worker: Int, examples: Int)]
        var examples: Int { owners.reduce(0) { $0 + $1.examples } }
    }

    /// The chunks of one step, by scheme and variant.
    func chunks() -> [Chunk] {
        let b = setup.batchPerGPU, k = ranks
        let everyone = Chunk(owners: (0..<k).map { ($0, b) })
        if strategy.kind == .model || strategy.scheme == .a {
            return strategy.variant == .exact ? [everyone] : (0..<k).map { Chunk(owners: [($0, b)]) }
        }
        switch strategy.scheme {
        case .b:
            return (0..<k).map { Chunk(owners: [($0, b)]) }
        default:  // .c: the r-th of K pieces of every worker's examples; with fewer examples than
            // workers the pieces past the last example are empty, and no round runs for them.
            return (0..<k).map { r in
                Chunk(owners: (0..<k).map { ($0, b / k + (r < b % k ? 1 : 0)) }.filter { $0.1 > 0 })
            }.filter { !$0.owners.isEmpty }
        }
    }

    /// Per-example elements of the activation entering the model-parallel part.
    private var boundaryElements: Double { Double(net.layers[split! - 1].outputShape.elements) }

    private mutating func planModelParallel(_ step: Int, forwardEnd: [[Int]]) -> (backwardStart: [[Int]], done: [[Int]]) {
        let chunks = chunks()
        // Where each chunk's examples sit in their owners' batches.
        var offset = [Int](repeating: 0, count: ranks)
        let layout = chunks.map { chunk in
            chunk.owners.map { owner, n -> TaskGraph.ChunkPart in
                defer { offset[owner] += n }
                return TaskGraph.ChunkPart(owner: owner, examples: offset[owner]..<(offset[owner] + n))
            }
        }
        graph.chunks = layout
        graph.modelParallelStart = split
        graph.modelParallelExchanges = setup.modelParallelExchanges
        // The activations each chunk needs, round by round: every round before the first
        // chunk, or, in issue order, each round one ahead of its chunk (`roundsAhead`).
        var arrivals: [[[Int]]] = [], previousRound: [Int] = []
        let roundsAhead = exchangesInIssueOrder ? 1 : chunks.count
        planRounds(through: roundsAhead - 1, step: step, chunks: chunks, layout: layout, forwardEnd: forwardEnd,
                   arrivals: &arrivals, previousRound: &previousRound)
        var chain = forwardEnd                      // each worker's model-parallel program order
        var returned = [[Int]](repeating: [], count: workers)
        let slices = Double(ranks)
        let modelParameters = modelLayers.reduce(0) { $0 + net.layers[$1].cost.parameters }
        // cuda-convnet2's placement: the last weighted layer onwards (fc8, softmax, cost) whole on worker 0.
        let tail = tailOnFirstWorker
        let tailParameters = tail.map { t in modelLayers.filter { $0 >= t }.reduce(0) { $0 + net.layers[$1].cost.parameters } } ?? 0
        // Layers whose input is gathered whole first (every worker's, or worker 0's in the tail).
        let gathered = Set(Self.gatheredLayers(net, split: split!, tail: tail))
        for (c, chunk) in chunks.enumerated() {
            // One step alone can outgrow what a run may hold: stop, and let `build` refuse it.
            if isOverLimits {
                plannedFraction = Double(c) / Double(chunks.count)
                break
            }
            planRounds(through: c + roundsAhead, step: step, chunks: chunks, layout: layout, forwardEnd: forwardEnd,
                       arrivals: &arrivals, previousRound: &previousRound)
            // Round c was planned (in issue order, with chunk c − 1) unless the limits stopped it, which the check above sees.
            precondition(c < arrivals.count, "round \(c) of \(chunks.count) is not planned")
            let n = chunk.examples
            for w in 0..<workers { chain[w] += arrivals[c][w] }
            // Forward through the chain, all-gathering slices where a layer needs its whole input.
            for i in modelLayers {
                let layer = net.layers[i]
                if let tail, i >= tail {
                    if gathered.contains(i) {
                        let bytes = Double(n) * Double(net.layers[i - 1].outputShape.elements) / slices * bytesPerElement
                        chain = exchangeWithFirst(bytes, toFirst: true, after: chain, step: step, group: "gather \(layer.name) input on gpu0, chunk \(c)",
                                                  operation: .gatherSlice(layer: i, chunk: c))
                    }
                    if Planner.hasForwardWork(layer) && !setup.fusion.absorbed.contains(i) {
                        chain[0] = [compute(.forward, layer: i, on: 0,
                                            work: fused(LayerWork.forward(layer, batch: n, precision: setup.precision), layer: i, backward: false,
                                                        batch: n, fraction: 1),
                                            after: chain[0], step: step, chunk: c)]
                    }
                    continue
                }
                if gathered.contains(i) {
                    let bytes = Double(n) * Double(net.layers[i - 1].outputShape.elements) / slices * bytesPerElement
                    chain = allGather(bytes, after: chain, step: step, group: "all-gather \(layer.name) input, chunk \(c)",
                                      operation: .gatherSlice(layer: i, chunk: c))
                }
                if Planner.hasForwardWork(layer) && !setup.fusion.absorbed.contains(i) {
                    let fraction = fractionOf(layer)
                    for w in 0..<workers {
                        chain[w] = [compute(.forward, layer: i, on: w,
                                            work: fused(LayerWork.forward(layer, batch: n, precision: setup.precision, fraction: fraction),
                                                        layer: i, backward: false, batch: n, fraction: fraction),
                                            after: chain[w], step: step, chunk: c)]
                    }
                }
            }
            // Backward, reduce-scattering partial input gradients of layers that gathered their input.
            for i in modelLayers.reversed() {
                let layer = net.layers[i]
                if let tail, i >= tail {
                    if Planner.hasBackwardWork(layer) && !setup.fusion.absorbed.contains(i) {
                        chain[0] = [compute(.backward, layer: i, on: 0,
                                            work: fused(LayerWork.backward(layer, batch: n, precision: setup.precision), layer: i, backward: true,
                                                        batch: n, fraction: 1),
                                            after: chain[0], step: step, chunk: c)]
                    }
                    if gathered.contains(i) && layer.kind.hasWeights {
                        let bytes = Double(n) * Double(net.layers[i - 1].outputShape.elements) / slices * bytesPerElement
                        chain = exchangeWithFirst(bytes, toFirst: false, after: chain, step: step, group: "scatter \(layer.name) gradient from gpu0, chunk \(c)",
                                                  operation: .scatterGradient(layer: i, chunk: c))
                    }
                    continue
                }
                if Planner.hasBackwardWork(layer) && !setup.fusion.absorbed.contains(i) {
                    let fraction = fractionOf(layer)
                    for w in 0..<workers {
                        chain[w] = [compute(.backward, layer: i, on: w,
                                            work: fused(LayerWork.backward(layer, batch: n, precision: setup.precision, fraction: fraction),
                                                        layer: i, backward: true, batch: n, fraction: fraction),
                                            after: chain[w], step: step, chunk: c)]
                    }
                }
                if gathered.contains(i) && layer.kind.hasWeights {
                    let bytes = Double(n) * Double(net.layers[i - 1].outputShape.elements) / slices * bytesPerElement
                    chain = reduceScatter(bytes, after: chain, step: step, group: "reduce-scatter \(layer.name) gradient, chunk \(c)",
                                          operation: .scatterGradient(layer: i, chunk: c))
                }
            }
            // The first model-parallel layer's input gradients go back to the examples' owners,
            // summed on the way (`returnGradients`); aggregated, a library's reduce (one owner)
            // or reduce-scatter, or the program's own copies replayed.
            if !dataLayers.isEmpty {
                let returnBytes = Double(n) * boundaryElements * bytesPerElement
                let group = "gradient return, chunk \(c)"
                if aggregated && exchangesAsCollectives {
                    returned[0] += collective(chunk.owners.count == 1 ? .reduce : .reduceScatter, bytes: returnBytes,
                                              root: chunk.owners[0].worker, after: chain, step: step, group: group)[0]
                } else if aggregated {
                    returned[0] += replayed("gradient return", bytes: returnBytes, root: c, after: chain[0], step: step, group: group) {
                        var returned = [[Int]](repeating: [], count: $1.count)
                        $0.returnGradients(c, chunk: chunk, parts: layout[c], bytes: returnBytes, after: $1, step: 0, into: &returned)
                    }[0]
                } else {
                    returnGradients(c, chunk: chunk, parts: layout[c], bytes: returnBytes, after: chain, step: step, into: &returned)
                }
            }
            if strategy.variant == .approximate || c == chunks.count - 1 {
                for w in 0..<workers {
                    let parameters = Int((Double(modelParameters - tailParameters) / slices).rounded(.up)) + (w == 0 ? tailParameters : 0)
                    chain[w] = [graph.add(.update, label: "update model-parallel slice", device: w,
                                          work: .compute(sliceUpdateWork(parameters: parameters)),
                                          after: chain[w], step: step, operation: .updateSlices)]
                }
            }
            // cuda-convnet2 ends every pass with synchronous messages to every worker's
            // thread (ConvNet::updateWeights, convnet.cu: sync=true, a ThreadSynchronizer
            // barrier): no worker starts the next pass's model-parallel work before all are through.
            if setup.passBarrier {
                let all = chain.flatMap { $0 }
                chain = [[Int]](repeating: all, count: workers)
            }
        }
        // Program order, as cuda-convnet2 runs it: a worker's data-parallel backward
        // follows its model-parallel part, once its examples' gradients are back.
        return ((0..<workers).map { returned[$0] + chain[$0] }, chain)
    }

    /// Chunk `c`'s input gradients of the first model-parallel layer (`bytes` in all, its
    /// examples' `parts`) back to the workers that own the examples, summed on the way, after
    /// each worker's `after` tasks, appending to `returned[w]` the tasks after which worker w
    /// has its examples' gradients: as a library's reduce (one owner) or reduce-scatter under
    /// collectives; under scheme (b) otherwise by cuda-convnet2's reducer under its networks,
    /// else down a pipelined chain ending at the owner; directly from every worker otherwise.
    private mutating func returnGradients(_ c: Int, chunk: Chunk, parts: [TaskGraph.ChunkPart], bytes returnBytes: Double,
                                          after chain: [[Int]], step: Int, into returned: inout [[Int]]) {
        let features = Int(boundaryElements)
        let returnKind: CollectiveKind = chunk.owners.count == 1 ? .reduce : .reduceScatter
        let group = "gradient return, chunk \(c)"
        if exchangesAsCollectives && !(strategy.scheme == .b && chunk.owners.count == 1) {
            // Scheme (b)'s return is the pipelined chain reduce below, a library's reduce already.
            let owner = chunk.owners[0].worker
            let done = collective(returnKind, bytes: returnBytes, root: owner, after: chain, step: step, group: group)
            for part in parts { returned[part.owner] += done[part.owner] }
        } else if strategy.scheme == .b, let owner = chunk.owners.first?.worker, chunk.owners.count == 1 {
            let part = parts[0]
            let first = graph.tasks.count
            defer { chargeStages(since: first, pieces: TaskGraph.pieces(for: returnBytes)) }
            func operation(_ elements: Range<Int>) -> TaskGraph.Operation {
                .returnGradient(chunk: c, owner: owner, examples: part.examples, elements: elements)
            }
            if usesConvnet2Reducer {
                returned[owner] += chain[owner] + convnet2Reduce(returnBytes, into: owner, ready: chain, step: step, group: group,
                                                                 operation: operation(0..<(part.examples.count * features)))
            } else {
                // In issue order, each hop once its sender and its receiver are through the collective before.
                let order = Array(ring(from: owner).dropFirst()) + [owner]
                returned[owner] += graph.chainReduce(returnBytes, chain: order, ready: order.map { chain[$0] + fenceOf($0) },
                                                     receiverReady: order.map { fenceOf($0) }, step: step,
                                                     group: group, elements: part.examples.count * features, operation: operation)
                fence(since: first)
            }
        } else {
            for part in parts {
                let owner = part.owner, examples = part.examples.count
                returned[owner] += chain[owner]
                for w in 0..<workers where w != owner {
                    returned[owner].append(graph.transfer(Double(examples) * boundaryElements * bytesPerElement, from: w, to: owner,
                                                          label: "gradient return chunk \(c)", after: chain[w], step: step, group: group,
                                                          operation: .returnGradient(chunk: c, owner: owner, examples: part.examples,
                                                                                     elements: 0..<(examples * features))))
                }
            }
        }
    }

    /// Plans the exchanges that bring each chunk's boundary activations to every worker,
    /// from round `arrivals.count` through round `last` (or the last chunk's), appending
    /// each round's to `arrivals` (`arrivals[c][w]`: the tasks after which worker w holds
    /// chunk c's input); `previousRound` is where the round before ended, which the next
    /// waits for. Stops early where the plan passes its limits.
    private mutating func planRounds(through last: Int, step: Int, chunks: [Chunk], layout: [[TaskGraph.ChunkPart]],
                                     forwardEnd: [[Int]], arrivals: inout [[[Int]]], previousRound: inout [Int]) {
        while arrivals.count <= min(last, chunks.count - 1) {
            let r = arrivals.count
            if dataLayers.isEmpty {
                // Plain model parallelism: the images are everywhere.
                arrivals.append([[Int]](repeating: [], count: workers))
            } else if strategy.scheme == .a && r > 0 {
                // Scheme (a) exchanges every example at once, for every chunk.
                arrivals.append(arrivals[0])
            } else {
                if isOverLimits { return }
                arrivals.append(aggregated ? planAggregatedRound(r, step: step, chunks: chunks, layout: layout, forwardEnd: forwardEnd,
                                                                 previousRound: &previousRound)
                                : planRound(r, step: step, chunks: chunks, layout: layout, forwardEnd: forwardEnd, previousRound: &previousRound))
            }
        }
    }

    /// Round `r`'s transfers of boundary activations (scheme (a): the one exchange of
    /// every example), after the round before (`previousRound`, updated).
    /// - Returns: for each worker, the tasks after which it holds chunk r's input.
    private mutating func planRound(_ r: Int, step: Int, chunks: [Chunk], layout: [[TaskGraph.ChunkPart]], forwardEnd: [[Int]],
                                    previousRound: inout [Int]) -> [[Int]] {
        let perExample = boundaryElements * bytesPerElement
        let features = Int(boundaryElements), b = setup.batchPerGPU
        switch strategy.scheme {
        case .a where exchangesAsCollectives:
            // One all-gather of every worker's examples.
            return collective(.allGather, bytes: Double(ranks * b) * perExample, after: forwardEnd, step: step, group: "activations all-gather")
        case .c where exchangesAsCollectives:
            // Round r: one all-gather of every worker's r-th piece, after the round before.
            let done = collective(.allGather, bytes: Double(chunks[r].examples) * perExample,
                                  after: forwardEnd.map { $0 + previousRound }, step: step, group: "activations round \(r)")
            previousRound = Array(Set(done.joined())).sorted()
            return done
        case .a:
            // Everyone sends all its examples to everyone at once.
            var into = [[Int]](repeating: [], count: workers)
            for o in 0..<workers {
                into[o] += forwardEnd[o]
                for v in 0..<workers where v != o {
                    into[v].append(graph.transfer(Double(setup.batchPerGPU) * perExample, from: o, to: v, label: "activations",
                                                  after: forwardEnd[o], step: step, group: "activations all-to-all",
                                                  operation: .activations(chunk: 0, owner: o, examples: 0..<b, elements: 0..<(b * features))))
                }
            }
            return into
        case .b:
            // Turns: worker r broadcasts its examples down a pipelined chain (r, r+1, ...)
            // once round r−1's broadcast is through (and, in issue order, each GPU once it
            // is through the collective before).
            let chunk = chunks[r], owner = chunk.owners[0].worker
            let order = ring(from: owner)
            let part = layout[r][0]
            let first = graph.tasks.count
            defer { chargeStages(since: first, pieces: TaskGraph.pieces(for: Double(chunk.examples) * perExample)) }
            let done = graph.treeBroadcast(Double(chunk.examples) * perExample, root: owner, edges: broadcastEdges(from: owner),
                                           ready: forwardEnd[owner] + previousRound + fenceOf(owner), receiverReady: exchangeFence,
                                           step: step, group: "activations round \(r)", elements: part.examples.count * features) {
                .activations(chunk: r, owner: owner, examples: part.examples, elements: $0)
            }
            fence(since: first)
            var arrived = [[Int]](repeating: [], count: workers)
            for w in order.dropFirst() { arrived[w] = done[w]! }
            arrived[owner] = forwardEnd[owner]
            // The next turn starts once this one has reached every GPU.
            previousRound = setup.activationBroadcast == .chain ? done[order.last!]! : order.dropFirst().flatMap { done[$0]! }
            return arrived
        case .c:
            // Turns: in round r every worker sends its r-th piece of examples to all others,
            // each transfer after the whole round before (K^2 dependencies each).
            var arrived = [[Int]](repeating: [], count: workers), round: [Int] = []
            for part in layout[r] {
                let o = part.owner, examples = part.examples.count
                arrived[o] += forwardEnd[o]
                for v in 0..<workers where v != o {
                    let id = graph.transfer(Double(examples) * perExample, from: o, to: v, label: "activations round \(r)",
                                            after: forwardEnd[o] + previousRound, step: step, group: "activations round \(r)",
                                            operation: .activations(chunk: r, owner: o, examples: part.examples,
                                                                    elements: 0..<(examples * features)))
                    arrived[v].append(id)
                    round.append(id)
                }
            }
            previousRound = round
            return arrived
        }
    }

    /// `planRound` when one worker stands for all (aggregated): under collectives scheme
    /// (a)'s exchange one all-gather of every worker's examples, scheme (b)'s turn one
    /// broadcast and scheme (c)'s round one all-gather, after the turn or round before; the
    /// program's own copies replayed (`replayed`) otherwise.
    /// - Returns: `[arrival]`, the tasks after which the worker holds chunk r's input.
    private mutating func planAggregatedRound(_ r: Int, step: Int, chunks: [Chunk], layout: [[TaskGraph.ChunkPart]], forwardEnd: [[Int]],
                                              previousRound: inout [Int]) -> [[Int]] {
        let perExample = boundaryElements * bytesPerElement
        if !exchangesAsCollectives {
            let bytes = strategy.scheme == .a ? Double(ranks * setup.batchPerGPU) * perExample : Double(chunks[r].examples) * perExample
            let done = replayed("activations", bytes: bytes, root: r, after: forwardEnd[0] + previousRound, step: step,
                                group: strategy.scheme == .a ? "activations all-to-all" : "activations round \(r)") {
                var previous: [Int] = []
                _ = $0.planRound(r, step: 0, chunks: chunks, layout: layout, forwardEnd: $1, previousRound: &previous)
            }
            previousRound = done[0]
            return done
        }
        if strategy.scheme == .a {
            return collective(.allGather, bytes: Double(ranks * setup.batchPerGPU) * perExample, after: forwardEnd, step: step,
                              group: "activations all-gather")
        }
        let done = collective(strategy.scheme == .b ? .broadcast : .allGather, bytes: Double(chunks[r].examples) * perExample,
                              root: chunks[r].owners[0].worker, after: [forwardEnd[0] + previousRound], step: step,
                              group: "activations round \(r)")
        previousRound = done[0]
        return done
    }

    /// A model-parallel exchange of `kind` among every worker as a collective library
    /// runs it (`CollectiveKind`; `bytes` the whole message): aggregated, one task on
    /// worker 0's collective stream after its `after` tasks, priced by its closed form;
    /// else the algorithm's transfers (`TaskGraph.exchange`), `root` sending a broadcast
    /// or receiving a reduce.
    /// - Returns: for each worker laid out, the tasks after which it holds its result.
    /// Under NCCL's algorithms an all-gather or reduce-scatter runs on NCCL's rings, the
    /// protocol NCCL's tuning picks for a ring of that size (`NCCLSystem.choose`).
    private mutating func collective(_ kind: CollectiveKind, bytes: Double, root: Int = 0, after: [[Int]], step: Int,
                                     group: String) -> [[Int]] {
        let algorithm = strategy.gradientSync.algorithm
        let after = after.indices.map { after[$0] + fenceOf($0) }
        let first = graph.tasks.count
        defer { fence(since: first) }
        let ncclRing = kind == .allGather || kind == .reduceScatter
            ? setup.nccl.flatMap { algorithm.ncclAlgorithms == nil ? nil : NCCLRun(system: $0, choice: $0.choose(bytes: bytes, among: [.ring])) }
            : nil
        if aggregated && replaysStagedCollectives {
            // The closed forms leave out the stack's cost per copy stage: the library's transfers, replayed.
            return replayed(kind.rawValue, bytes: bytes, root: root, after: after[0], step: step, group: group) {
                _ = $0.collective(kind, bytes: bytes, root: root, after: $1, step: 0, group: group)
            }
        }
        if aggregated {
            let work = CollectiveWork(kind, algorithm: algorithm, bytes: bytes, ranks: ranks, ranksPerNode: setup.gpusPerNode, ncclRing: ncclRing)
            return [[graph.add(.collective, label: group, device: 0, work: .collective(work), after: after[0], step: step, group: group)]]
        }
        defer { chargeStages(since: first, pieces: kind == .broadcast || kind == .reduce ? TaskGraph.pieces(for: bytes) : 1) }
        return graph.exchange(kind, bytes: bytes, ranks: Array(0..<workers), root: root, ready: after, step: step, group: group,
                              ncclRing: ncclRing, receiverReady: exchangeFence)
    }

    /// A planner held by reference (`expandedTwin`), which a planner cannot hold by value.
    private final class ExpandedTwin {
        var planner: LayerwisePlanner
        init(_ planner: LayerwisePlanner) { self.planner = planner }
    }

    /// What tells apart the exchanges an aggregated plan replays: how it runs (`site`), its
    /// message's bytes and the worker it starts from or ends at (a turn's owner, a bucket's
    /// server), or the round.
    private struct ReplayKey: Hashable {
        var site: String
        var bytes: Double
        var root: Int
    }

    /// Aggregated, an exchange that the expanded plan lays out as transfers among every
    /// worker (cuda-convnet2's copy networks, point-to-point copies, copies into and out of
    /// worker 0 under a loss there, an all-reduce whose copies carry a stage cost): `plan`
    /// lays it out on an expanded planner of every worker, each ready at once (its second
    /// argument), into `graph.exchanges`, once per `site`, `bytes` (its whole message) and
    /// `root`; the plan gets one task on worker 0, after `after`, that takes as long as those
    /// transfers alone on the topology, or longer where it shares a link it keeps busy with
    /// another exchange in flight (`Work.exchange`, `GraphRun.exchangeLinks`), beside the
    /// worker's compute and collective stream. Left out against the expanded plan: the
    /// workers' skew (all start at once), which a reducer that takes one GPU after another
    /// amplifies (README, "Model-parallel exchanges as collectives").
    /// - Returns: `[[task]]`, after which the worker holds the exchange's result.
    private mutating func replayed(_ site: String, bytes: Double, root: Int = 0, after: [Int], step: Int, group: String,
                                   plan: (inout LayerwisePlanner, _ ready: [[Int]]) -> Void) -> [[Int]] {
        precondition(aggregated, "only an aggregated plan replays its exchanges")
        let key = ReplayKey(site: site, bytes: bytes, root: root)
        let index: Int
        if let known = replays[key] {
            index = known
        } else {
            let twin = expandedTwin ?? ExpandedTwin(LayerwisePlanner(setup: setup, strategy: strategy, split: split))
            expandedTwin = twin
            twin.planner.graph = TaskGraph(gpus: ranks, steps: setup.steps)
            twin.planner.exchangeFence = twin.planner.exchangesInIssueOrder ? [[Int]](repeating: [], count: ranks) : []
            plan(&twin.planner, [[Int]](repeating: [], count: ranks))
            index = graph.exchanges.count
            graph.exchanges.append(twin.planner.graph)
            replays[key] = index
        }
        // In issue order, after the worker's collective before and before its next (`fence`).
        let id = graph.add(.collective, label: group, device: 0, work: .exchange(replay: index, bytes: bytes), after: after + fenceOf(0),
                           step: step, group: group)
        fence(since: id)
        return [[id]]
    }

    /// The edges (parent, child) that broadcast a turn's activations from `owner`, in
    /// an order where each edge follows the edge into its parent: a chain in ring
    /// order, or cuda-convnet2's networks (`ActivationBroadcast`).
    private func broadcastEdges(from owner: Int) -> [(from: Int, to: Int)] {
        let order = ring(from: owner)
        let chain = zip(order, order.dropFirst()).map { (from: $0, to: $1) }
        guard setup.activationBroadcast == .cudaConvnet2, workers > 2 else { return chain }
        let host = graph.hostEndpoint(node: setup.gpusPerNode.map { owner / $0 } ?? 0)
        let others = Array(order.dropFirst())
        let (same, other) = peerGroups(around: owner)
        if workers == 8 && same.count == 3 && other.count == 4 {
            // EightGPUBroadcaster1::makeConnections: src → host → same[0], same[1], other[0], other[1];
            // same[1] → same[2], other[0] → other[2], other[1] → other[3].
            return [(owner, host), (host, same[0]), (host, same[1]), (host, other[0]), (host, other[1]),
                    (same[1], same[2]), (other[0], other[2]), (other[1], other[3])]
        }
        return [(owner, host)] + others.map { (from: host, to: $0) }
    }

    /// The other workers in ring order from `worker`, split into those it can copy peer
    /// to peer with (`canPeer`) and the rest.
    private func peerGroups(around worker: Int) -> (same: [Int], other: [Int]) {
        let others = ring(from: worker).dropFirst()
        return (others.filter { Self.canPeer(worker, $0, setup: setup) }, others.filter { !Self.canPeer(worker, $0, setup: setup) })
    }

    /// Whether GPUs `a` and `b` copy peer to peer: as the setup's matrix says
    /// (`peerAccess`), else within consecutive groups of `peerGroupSize` (the GPUs of one
    /// socket on a PCIe tree whose sockets cannot), else always.
    static func canPeer(_ a: Int, _ b: Int, setup: TrainingSetup) -> Bool {
        if let access = setup.peerAccess { return access.canPeer(a, b) }
        return setup.peerGroupSize.map { a / $0 == b / $0 } ?? true
    }

    /// The workers in ring order starting at `first`.
    private func ring(from first: Int) -> [Int] { (0..<workers).map { (first + $0) % workers } }

    /// Every worker sends `bytes` to every other after its own `after` tasks.
    /// - Returns: for each worker, the tasks after which it has received everything.
    private mutating func exchangeAllToAll(_ bytes: Double, after: [[Int]], step: Int, group: String,
                                           operation: TaskGraph.Operation) -> [[Int]] {
        let first = graph.tasks.count
        defer { chargeStages(since: first) }
        var received = after
        for w in 0..<workers {
            for v in 0..<workers where v != w {
                received[v].append(graph.transfer(bytes, from: w, to: v, label: group, after: after[w], step: step, group: group,
                                                  operation: operation))
            }
        }
        return received
    }

    /// Whether exchanges that sum run as cuda-convnet2's reducers (`convnet2Reduce`):
    /// under its networks (`ActivationBroadcast.cudaConvnet2`) on more than two GPUs (on
    /// two, its reducer is the one peer-to-peer add the other paths plan too).
    private var usesConvnet2Reducer: Bool { setup.activationBroadcast == .cudaConvnet2 && workers > 2 }

    /// How the model-parallel all-gathers and reduce-scatters run.
    private enum ExchangeRoute {
        /// As a library's collective (`ModelParallelExchanges.collectives`).
        case collective
        /// Through cuda-convnet2's copy networks: its broadcasts and reducers.
        case cudaConvnet2Networks
        /// Every pair its own transfer.
        case pointToPoint
    }

    private var exchangeRoute: ExchangeRoute {
        if usesConvnet2Reducer { return .cudaConvnet2Networks }
        return exchangesAsCollectives ? .collective : .pointToPoint
    }

    /// Every worker's `bytes` slice to every other (an all-gather of a layer's input):
    /// a library's all-gather (`collective`), each pair its own transfer, or, under
    /// cuda-convnet2's networks, as its layers hand their output to the GPUs of the next
    /// layers: one broadcast per worker through its network (`Layer::fpropNext` →
    /// `IBroadcastNetwork::make`, cudaconvnet/src/layer.cu and copypipeline.cu;
    /// `broadcastEdges`), all at once. Host-staged pieces carry no executor operation
    /// (the executor has no host memory).
    private mutating func allGather(_ bytes: Double, after: [[Int]], step: Int, group: String,
                                    operation: TaskGraph.Operation) -> [[Int]] {
        if aggregated && exchangeRoute != .collective {
            return replayed("all-gather", bytes: bytes * Double(ranks), after: after[0], step: step, group: group) {
                _ = $0.allGather(bytes, after: $1, step: 0, group: group, operation: operation)
            }
        }
        switch exchangeRoute {
        case .collective:
            return collective(.allGather, bytes: bytes * Double(ranks), after: after, step: step, group: group)
        case .pointToPoint:
            return exchangeAllToAll(bytes, after: after, step: step, group: group, operation: operation)
        case .cudaConvnet2Networks:
            let first = graph.tasks.count
            defer { chargeStages(since: first, pieces: TaskGraph.pieces(for: bytes)) }
            var received = after
            for w in 0..<workers {
                let done = graph.treeBroadcast(bytes, root: w, edges: broadcastEdges(from: w), ready: after[w], step: step, group: group)
                for v in 0..<workers where v != w { received[v] += done[v]! }
            }
            return received
        }
    }

    /// Every worker's partial sums for every other, `bytes` each, summed at their
    /// worker (a reduce-scatter of a layer's input gradient): a library's reduce-scatter,
    /// each pair its own transfer, or, under cuda-convnet2's networks, its reducers
    /// (`convnet2Reduce`), one per worker, all at once.
    private mutating func reduceScatter(_ bytes: Double, after: [[Int]], step: Int, group: String,
                                        operation: TaskGraph.Operation) -> [[Int]] {
        if aggregated && exchangeRoute != .collective {
            return replayed("reduce-scatter", bytes: bytes * Double(ranks), after: after[0], step: step, group: group) {
                _ = $0.reduceScatter(bytes, after: $1, step: 0, group: group, operation: operation)
            }
        }
        switch exchangeRoute {
        case .collective:
            return collective(.reduceScatter, bytes: bytes * Double(ranks), after: after, step: step, group: group)
        case .pointToPoint:
            return exchangeAllToAll(bytes, after: after, step: step, group: group, operation: operation)
        case .cudaConvnet2Networks:
            let first = graph.tasks.count
            defer { chargeStages(since: first, pieces: TaskGraph.pieces(for: bytes)) }
            return (0..<workers).map { after[$0] + convnet2Reduce(bytes, into: $0, ready: after, step: step, group: group, operation: operation) }
        }
    }

    /// Every worker's partial `bytes` summed into `target` by cuda-convnet2's reducer
    /// (`TaskGraph.cudaConvnet2Reduce`), its peer groups as `peerGroups` splits them.
    /// - Returns: the tasks after which `target` holds the sum.
    private mutating func convnet2Reduce(_ bytes: Double, into target: Int, ready: [[Int]], step: Int, group: String,
                                         operation: TaskGraph.Operation) -> [Int] {
        graph.cudaConvnet2Reduce(bytes, into: target, sources: Array(ring(from: target).dropFirst()),
                                 canPeer: { [setup] in Self.canPeer($0, $1, setup: setup) },
                                 host: graph.hostEndpoint(node: setup.gpusPerNode.map { target / $0 } ?? 0),
                                 ready: { ready[$0] }, step: step, group: group, operation: operation)
    }

    /// Every other worker sends `bytes` (its slice) to worker 0 (`toFirst`), or worker
    /// 0 sends each of them its slice, after the sender's own `after` tasks (and, in issue
    /// order, once both ends are through the collective before: `exchangeFence`).
    /// - Returns: each worker's tasks to go on after: its own and what it received.
    private mutating func exchangeWithFirst(_ bytes: Double, toFirst: Bool, after: [[Int]], step: Int, group: String,
                                            operation: TaskGraph.Operation) -> [[Int]] {
        if aggregated {
            return replayed(toFirst ? "gather on gpu0" : "scatter from gpu0", bytes: bytes * Double(ranks - 1), after: after[0], step: step,
                            group: group) {
                _ = $0.exchangeWithFirst(bytes, toFirst: toFirst, after: $1, step: 0, group: group, operation: operation)
            }
        }
        let first = graph.tasks.count
        defer { chargeStages(since: first) }
        var received = after
        for w in 1..<workers {
            let (from, to) = toFirst ? (w, 0) : (0, w)
            received[to].append(graph.transfer(bytes, from: from, to: to, label: group, after: after[from] + fenceOf(from) + fenceOf(to),
                                               step: step, group: group, operation: operation))
        }
        fence(since: first)
        return received
    }

    /// The first model-parallel layer that runs whole on worker 0 under
    /// `lossOnFirstWorker`: the last weighted layer (everything from it to the loss);
    /// nil when the option is off, on one worker, or when that layer would be the
    /// first model-parallel layer (its input is the exchange's, not slices).
    private var tailOnFirstWorker: Int? {
        Self.tailOnFirstWorker(net, split: split, workers: ranks, lossOnFirstWorker: setup.lossOnFirstWorker)
    }

    /// `tailOnFirstWorker` for `net` split at `split` over `workers` workers.
    static func tailOnFirstWorker(_ net: Network, split: Int?, workers: Int, lossOnFirstWorker: Bool) -> Int? {
        guard lossOnFirstWorker, workers > 1, let split,
              let last = (split..<net.layers.count).last(where: { net.layers[$0].kind.hasWeights }), last > split else { return nil }
        return last
    }

    /// The model-parallel layers (from `split`) whose whole input every worker gathers
    /// (`allGather`), or worker 0 alone from `tail` on (`exchangeWithFirst`): a layer that
    /// needs its whole input (`needsWholeInput`) after one whose output is split by units,
    /// the split layer itself aside (its input is the exchange's). Each keeps that input
    /// for its backward. The planner gathers at these layers and `MemoryFootprint` counts
    /// what they keep, so the two cannot disagree.
    static func gatheredLayers(_ net: Network, split: Int, tail: Int?) -> [Int] {
        var gathered: [Int] = [], sliced = false
        for i in split..<net.layers.count {
            let layer = net.layers[i]
            if i != split && sliced && needsWholeInput(layer) {
                gathered.append(i)
                sliced = false
            }
            if tail.map({ i >= $0 }) == true { continue }
            if isSplitByUnits(layer) { sliced = true } else if case .softmaxCrossEntropy = layer.kind { sliced = false }
        }
        return gathered
    }

    /// Under `exchangesInIssueOrder`, what worker `w`'s part of the next collective waits
    /// for (`exchangeFence`); nothing otherwise.
    private func fenceOf(_ w: Int) -> [Int] { w < exchangeFence.count ? exchangeFence[w] : [] }

    /// Under `exchangesInIssueOrder`, sets `exchangeFence` to where each worker's part of
    /// the collective planned since task `first` ends: its tasks there (those it computes,
    /// sends or receives) that none of its other tasks in the collective waits for: the
    /// last pieces of its pipelines, its ring's last step, or, aggregated, the collective
    /// task itself. A worker the collective leaves out keeps its fence.
    private mutating func fence(since first: Int) {
        guard exchangesInIssueOrder else { return }
        let end = graph.tasks.count
        var followed = [Set<Int>](repeating: [], count: workers)   // per worker: its tasks that another of its tasks waits for
        for id in first..<end {
            let mine = workersOf(id)
            // A pipelined ring's send waits for the last byte of its sender's previous one
            // (`afterLastByteOf`), whose arrival the receiver's next send waits for.
            for d in graph.tasks[id].dependencies + graph.tasks[id].afterLastByteOf where d >= first {
                for w in workersOf(d) where mine.contains(w) { followed[w].insert(d) }
            }
        }
        var ends = [[Int]](repeating: [], count: workers)
        for id in first..<end {
            for w in workersOf(id) where !followed[w].contains(id) { ends[w].append(id) }
        }
        for w in 0..<workers where !ends[w].isEmpty { exchangeFence[w] = ends[w] }
    }

    /// The workers laid out that task `id` runs on or moves data between (host memory aside).
    private func workersOf(_ id: Int) -> [Int] {
        let device = graph.tasks[id].device
        var result = device < workers ? [device] : []
        if let destination = graph.tasks[id].destination, destination < workers, destination != device { result.append(destination) }
        return result
    }

    /// Charges the stack's cost per copy stage (`setup.stageSeconds`, `CopyStages`) to
    /// the transfers planned since task `first`, each carrying 1/`pieces` of a message
    /// of `elementBytes`-byte values.
    private mutating func chargeStages(since first: Int, pieces: Int = 1, elementBytes: Double? = nil) {
        guard setup.stageSeconds > 0 else { return }
        let size = elementBytes ?? bytesPerElement
        for id in first..<graph.tasks.count where graph.tasks[id].kind == .transfer {
            let elements = Int((graph.tasks[id].bytes * Double(pieces) / size).rounded())
            graph.addLatency(CopyStages.seconds(elements: elements, pieces: pieces, stageSeconds: setup.stageSeconds), toTransfer: id)
        }
    }

    /// Layers that need every unit of their input: products and the loss.
    static func needsWholeInput(_ layer: Layer) -> Bool {
        switch layer.kind {
        case .fullyConnected, .convolution, .softmaxCrossEntropy: return true
        default: return false
        }
    }

    /// Layers whose output a model-parallel worker holds only a slice of.
    static func isSplitByUnits(_ layer: Layer) -> Bool {
        switch layer.kind {
        case .fullyConnected, .convolution: return true
        default: return false
        }
    }

    /// The share of a model-parallel layer's work one worker does: 1/K, except the
    /// loss, which every worker computes whole on the gathered outputs.
    private func fractionOf(_ layer: Layer) -> Double {
        if case .softmaxCrossEntropy = layer.kind { return 1 }
        return 1 / Double(ranks)
    }

    private mutating func compute(_ kind: TaskGraph.Kind, layer: Int, on worker: Int, work: ComputeWork, after: [Int], step: Int,
                                  chunk: Int? = nil) -> Int {
        graph.add(kind, label: net.layers[layer].name, layer: layer, device: worker, work: .compute(work), after: after, step: step,
                  operation: .layer(chunk: chunk))
    }
}
