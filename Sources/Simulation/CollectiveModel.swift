import Hardware
import Parallelism

/// Closed forms of all-reduce time on a topology, with the contention its
/// concurrent transfers imply: the aggregated fidelity's price of a collective.
///
/// Every phase of an algorithm runs a set of transfers at once. A transfer's
/// bandwidth is that of the tightest link on its route shared equally by the
/// phase's transfers crossing it (the max-min share when, as here, the transfers
/// of a phase are alike); the phase lasts as long as its slowest transfer,
/// bytes / share + route latency. So the time is linear in the bytes:
/// `t(B) = B · secondsPerByte + latencySeconds`, computed once per algorithm.
/// - ring: 2(N−1) phases of N transfers of B/N to the next rank;
/// - tree: up and down a binary tree, B per transfer: up to 1,024 ranks its transfers
///   run as flows in dependency order (`treeSeconds`), above one phase per level;
/// - caffe-p2psync-tree: up `P2PSyncTree`, one phase per height, then one phase per
///   broadcast turn (a parent copies to its children one after another), B per transfer;
/// - direct: a reduce-scatter phase and an all-gather phase, N(N−1) transfers of B/N;
/// - hierarchical: g−1 phases of every node's ring (B/g), the g rings across nodes, 2(n−1)
///   steps of B/(g·n) each, run as flows (`hierarchicalSeconds`), g−1 phases of every
///   node's ring again;
/// - halving-doubling: MPICH's fold (B, if N is not a power of two p), log2 p phases
///   of pairs 1, 2, 4, ... apart exchanging B/2, B/4, ..., B/p, the same in reverse,
///   and the unfold (B);
/// - parameter-server: g−1 intra-node ring phases (B/g), a copy of B/g from every GPU
///   to its node's host memory, the push (every node's host to every other, B/S), the
///   pull (the same, back), the copy back (B/g), g−1 intra-node ring phases.
/// - ps-host, ps-gpus: every rank's whole gradient to the server (node 0's host memory,
///   or a GPU), then the whole result back, B per transfer; the server's sum and update
///   is a wait the planner adds (`ParameterServers.serverSeconds`).
/// The server's summation is hidden behind the pushes (see `AllReduceAlgorithm`).
/// On idle uniform links these reduce to the closed forms in `AllReduceAlgorithm`.
/// The direct and parameter-server phases (every rank or host to every other) have
/// quadratically many transfers: where the ranks fill a wiring the node shift maps onto
/// itself (`Topology+NodeShift`), only the transfers out of the first unit (into it, for
/// the pull) are priced, on their routes' images in node 0, which gives each the share it
/// has among all (`Phase.folded`); elsewhere `PlanLimits.pricedTransfers` bounds them.
/// Halving-doubling's phases fold the same way where N and a unit's ranks are powers of two,
/// and NCCL's rings (`ncclPhases`), which visit every node in the same order.
/// The model-parallel exchanges (`CollectiveKind` other than all-reduce) are priced in
/// `CollectiveModel+Exchanges`.
public final class CollectiveModel {
    let topology: Topology
    var cache: [Key: (secondsPerByte: Double, latency: Double)] = [:]
    /// The links more than one stage of a staged collective crosses, by the collective's key
    /// (`sharedStageLinks`): per stage, seconds per byte of the message and transfers at once.
    var sharedStageLinkCache: [Key: [SharedStageLink]] = [:]
    /// NCCL's ring, by its run, ranks and steps (`ncclRingSeconds`).
    var ringShapes: [RingShapeKey: RingShape] = [:]
    /// NCCL's tree, by the system it runs on, its ranks and its transfers' ceiling (`ncclTreeSeconds`).
    var treeShapes: [TreeShapeKey: TreeShape] = [:]

    struct TreeShapeKey: Hashable {
        var system: NCCLSystem
        var ranks: Int
        /// Each transfer's ceiling (`NCCLSystem.treeTransferCeilingBytesPerSecond`), wire bytes/s.
        var ceiling: Double
    }

    /// The hierarchical all-reduce's phases inside the nodes, by rank count (`hierarchicalIntraNodePrice`).
    private var hierarchicalIntraNodePrices: [Int: (secondsPerByte: Double, latency: Double)] = [:]

    /// Storage for the latencies of NCCL's tree at one message size (`ncclTreeSeconds`).
    private var treeLatencies: [TransferLatency] = []

    /// What NCCL's tree price keeps for every message size of one collective and ceiling (one
    /// per protocol): its channels, and its transfers' rates and route latencies.
    struct TreeShape {
        var layout: NCCLSystem.TreeLayout
        var shares: FluidShares
    }

    /// A fluid phase's max-min rates and route latencies (`fluidShares`), kept for the
    /// transfers that were priced; every transfer reads those of the one it takes them from.
    struct FluidShares {
        /// Per leg, each priced transfer's rate on it in bytes/s (NaN: the transfer has no such leg).
        var legRates: [[Double]]
        /// Each priced transfer's route latency in seconds, its legs' summed.
        var wire: [Double]
        /// For every transfer of the phase, the priced transfer whose rates and latency it
        /// takes (`NodeLocalFold.representative`); nil: every transfer was priced.
        var representative: [Int]?

        /// How many transfers the phase has.
        var count: Int { representative?.count ?? wire.count }

        /// The place in `legRates` and `wire` of transfer `t`'s rates and latency.
        func place(of t: Int) -> Int { representative?[t] ?? t }
    }

    /// What a closed form depends on: the algorithm and ranks, and for NCCL its
    /// system and choice (and for its tree the message size, which sets the chunks).
    struct Key: Hashable {
        var kind: CollectiveKind = .allReduce
        var algorithm: AllReduceAlgorithm
        var ranks: Int
        var perNode: Int?
        var nccl: NCCLRun?
        var bytes: Double?
        /// One stage of a staged collective (`stageSeconds`); nil: the whole collective.
        var stage: Int?
    }

    /// Prices shared between models of topologies with the same wiring (`SharedCollectivePrices`).
    static let shared = SharedCollectivePrices<SharedKey>(capacity: 4096)

    /// Forgets the prices shared between models (`shared`), so that the next run computes
    /// its own: what one configuration costs alone, for `make bench`.
    public static func forgetSharedPrices() { shared.removeAll() }

    struct SharedKey: Hashable {
        var wiring: Topology.Wiring
        var collective: Key
    }

    /// Whether this model reads and fills `shared` (tests compare against one that does not).
    let sharesPrices: Bool
    /// Whether phases the node shift maps onto themselves are priced one transfer per orbit
    /// (`Phase.folded`; tests compare against a model that prices every transfer).
    let foldsPhases: Bool

    public convenience init(topology: Topology) { self.init(topology: topology, sharesPrices: true) }

    init(topology: Topology, sharesPrices: Bool, foldsPhases: Bool = true) {
        self.topology = topology
        self.sharesPrices = sharesPrices
        self.foldsPhases = foldsPhases
    }

    /// Seconds for an all-reduce of `work.bytes` among ranks 0..<work.ranks (or the
    /// exchange `work.kind` says: `CollectiveModel+Exchanges`).
    public func seconds(for work: CollectiveWork) -> Double {
        let key: Key
        if work.kind != .allReduce {
            guard work.ranks > 1 else { return 0 }
            key = exchangeKey(work)
        } else {
            guard work.ranks > 1 || (work.algorithm.communicatesOnOneGPU && work.ranks == 1) else { return 0 }
            key = Key(algorithm: work.algorithm, ranks: work.ranks, perNode: work.ranksPerNode, nccl: work.nccl,
                      bytes: (work.nccl.map { $0.choice.algorithm != .nvls } ?? Self.pricesByBytes(work)) ? work.bytes : nil)
        }
        if cache[key] == nil {
            cache[key] = sharesPrices ? Self.shared.price(SharedKey(wiring: topology.wiring, collective: key)) { price(of: work) }
                : price(of: work)
        }
        let (secondsPerByte, latency) = cache[key]!
        return work.bytes * secondsPerByte + latency
    }

    /// Seconds of each stage of `work`, in order, where its algorithm runs stages on
    /// different resources that consecutive collectives pipeline; `[seconds(for: work)]`
    /// elsewhere. The parameter server across nodes (`parameterServerStages`) has four:
    /// inside the nodes (ring steps and copies to host memory), the push, the pull, inside
    /// the nodes again (copies back and ring steps); a single server (`ps-host`,
    /// `ps-gpus`: `serverStages`) two, the push and the pull (under `ps-gpus` across nodes, in
    /// the lane of the bucket's server NIC, `CollectiveWork.stageLane`, and on the other nodes'
    /// lanes, `CrossLaneLoads`). Their collectives do not run
    /// in issue order (`AllReduceAlgorithm.runsInIssueOrder`): the expanded plan lets one
    /// bucket's stage run while the next bucket's earlier stage does (a pull out of the
    /// server beside the next push into it, the links' two directions), and shares the
    /// links among the buckets in one stage at once; so the aggregated run gives each
    /// stage its own resource, shared among the collectives in it (`GraphRun`,
    /// `SharedResource`: equally, or under `ps-gpus` across nodes up to each one's cap).
    /// Where stages cross one link (the push and the pull the NICs; on NVLink and NVSwitch
    /// nodes the copies and the network the NIC's host link), the run also shares that link
    /// among the stages' transfers (`sharedStageLinks`).
    /// The stages sum to `seconds(for:)`.
    public func stageSeconds(for work: CollectiveWork) -> [Double] {
        guard let (count, stages) = stagePlan(for: work) else { return [seconds(for: work)] }
        var built: [[(phase: Phase, repeats: Int)]]?   // every stage's phases, built once when a stage is first priced
        return (0..<count).map { stage in
            let key = Key(algorithm: work.algorithm, ranks: work.ranks, perNode: work.ranksPerNode, stage: stage)
            if cache[key] == nil {
                if built == nil { built = stages() }
                let phases = built![stage]
                cache[key] = sharesPrices ? Self.shared.price(SharedKey(wiring: topology.wiring, collective: key)) { price(phases) }
                    : price(phases)
            }
            let (secondsPerByte, latency) = cache[key]!
            return work.bytes * secondsPerByte + latency
        }
    }

    /// How many stages `work` runs in and their phases (built only when called), where its
    /// algorithm runs stages (`stageSeconds`); nil where it runs as one.
    func stagePlan(for work: CollectiveWork) -> (count: Int, phases: () -> [[(phase: Phase, repeats: Int)]])? {
        guard work.kind == .allReduce, work.nccl == nil, work.ranks > 1 else { return nil }
        switch work.algorithm {
        case .parameterServer:
            let nodes = NodeGroups(ranks: Array(0..<work.ranks), gpusPerNode: work.ranksPerNode)
            guard nodes.members.count > 1 else { return nil }
            return (4, { self.parameterServerStages(nodes) })
        case .psHost, .psGPUs:
            return (2, { self.serverStages(work.algorithm, ranks: work.ranks) })
        default:
            return nil
        }
    }

    /// Seconds per byte and seconds of latency of `work`'s collective on this topology.
    private func price(of work: CollectiveWork) -> (secondsPerByte: Double, latency: Double) {
        if work.kind != .allReduce {
            return exchangePrice(of: work)
        } else if let nccl = work.nccl, nccl.choice.algorithm == .tree {
            // One fluid phase whose transfers end at different times: priced at its bytes.
            return (0, ncclTreeSeconds(nccl, ranks: work.ranks, bytes: work.bytes))
        } else if let nccl = work.nccl, nccl.choice.algorithm == .ring {
            // The larger of two bounds, not linear in the bytes: priced at its bytes.
            return (0, ncclRingSeconds(nccl, ranks: work.ranks, bytes: work.bytes, steps: 2 * (work.ranks - 1)))
        } else if let nccl = work.nccl {
            return price(ncclPhases(nccl, ranks: work.ranks, bytes: work.bytes))
        } else if Self.simulatesTree(work) {
            return (0, treeSeconds(ranks: work.ranks, bytes: work.bytes))
        } else if work.algorithm == .hierarchical, let seconds = hierarchicalSeconds(ranks: work.ranks, perNode: work.ranksPerNode, bytes: work.bytes) {
            return (0, seconds)
        }
        return closedForm(work.algorithm, ranks: work.ranks, perNode: work.ranksPerNode)
    }

    /// A phase: transfers (source, destination endpoints) of `fraction` of the message
    /// each, with the latency their software adds to the route's.
    struct Phase {
        var transfers: [(from: Int, to: Int, fraction: Double, latency: TransferLatency)]
        /// Whether the transfers stand for a larger phase that the node shift maps onto itself
        /// (`Topology+NodeShift`), one transfer for each orbit of its transfers under the
        /// shift: they are then priced on their routes' images in node 0 (`transferPrices`),
        /// where each link carries one transfer for every transfer of the whole phase that
        /// crosses it, so each gets the share it has in the whole phase.
        var folded = false
        /// The most bytes per second each transfer moves whatever its share (`Task.ceilingBytesPerSecond`):
        /// each transfer's equal share of its tightest link, capped by it (the max-min share where
        /// no transfer is held below its share by another link, as in a ring's phase).
        var ceiling = Double.infinity

        init(pairs: [(Int, Int)], fraction: Double) { transfers = pairs.map { ($0.0, $0.1, fraction, .none) } }
        init(transfers: [(from: Int, to: Int, fraction: Double)]) { self.transfers = transfers.map { ($0.from, $0.to, $0.fraction, .none) } }
        init(transfers: [(from: Int, to: Int, fraction: Double, latency: TransferLatency)]) { self.transfers = transfers }
    }

    /// NCCL's all-reduce as `TaskGraph.ncclAllReduce` lays it out. The ring: 2(N−1)
    /// phases, each with every layout's N transfers of 1/(N·layouts) of the message
    /// over the protocol's wire efficiency, the base latency on the first. The tree:
    /// one phase with every edge of every channel both ways at once (the fluid
    /// pipeline), each of 1/channels of the message over `treeDataEfficiency`, the
    /// pipeline's fill on the transfers that deliver the result.
    /// `ringSteps`: the ring's steps (2(N−1) for the all-reduce; N−1 for an all-gather
    /// or a reduce-scatter, `CollectiveModel+Exchanges`).
    func ncclPhases(_ run: NCCLRun, ranks n: Int, bytes: Double, ringSteps: Int? = nil) -> [(phase: Phase, repeats: Int)] {
        let system = run.system, choice = run.choice
        let nodes = NodeGroups(ranks: Array(0..<n), gpusPerNode: system.gpusPerNode)
        let efficiency = choice.proto.wireEfficiency
        func node(_ rank: Int) -> Int { rank / system.gpusPerNode }
        switch choice.algorithm {
        case .ring:
            let orders = system.ringOrders(nodes)
            let fraction = 1 / (Double(n * orders.count) * efficiency)
            // Every node is visited in the same order, so the node shift maps each ring onto
            // itself: where it maps the wiring too, the first unit's transfers stand for all (`folded`).
            let folds = foldsNodes(ranks: n, perNode: system.gpusPerNode), unitRanks = firstUnitRanks
            func step(first: Bool) -> Phase {
                var phase = Phase(transfers: orders.flatMap { order in
                    order.indices.filter { !folds || order[$0] < unitRanks }.map { i in
                        let (a, b) = (order[i], order[(i + 1) % n])
                        return (a, b, fraction, system.ringStepLatency(choice, across: node(a) != node(b), firstStep: first))
                    }
                })
                phase.folded = folds
                phase.ceiling = system.ringTransferCeilingBytesPerSecond(choice, layouts: orders.count)
                return phase
            }
            return [(step(first: true), 1), (step(first: false), (ringSteps ?? 2 * (n - 1)) - 1)]
        case .tree:
            let layout = system.treeLayout(nodes)
            return [(treePhase(layout, latencies: system.treeLatencies(choice, layout: layout, bytes: bytes),
                               fraction: treeFraction(run, channels: layout.channels.count, bytes: bytes)), 1)]
        case .nvls:
            return [(Phase(transfers: system.nvlsTransfers(ranks: n).map { ($0.from, $0.to, system.nvlsWireShare, $0.latency) }), 1)]
        }
    }

    /// Ranks up to which the binary tree is priced by running its transfers (`treeSeconds`);
    /// above, level by level (`closedForm`).
    static let simulatedTreeRanks = 1024

    static func simulatesTree(_ work: CollectiveWork) -> Bool {
        work.algorithm == .tree && work.ranks <= simulatedTreeRanks
    }

    /// Whether `work`'s price is not linear in its bytes and is kept per message size: the
    /// simulated tree and the hierarchical all-reduce (`hierarchicalSeconds`).
    static func pricesByBytes(_ work: CollectiveWork) -> Bool {
        simulatesTree(work) || work.algorithm == .hierarchical
    }

    /// Seconds for the hierarchical all-reduce of `bytes` among ranks 0..<n on two or more
    /// equal nodes of `perNode`, on a wiring that is the same seen from every node
    /// (`Topology.nodeShiftRefusal` nil, the shift one node: not leaf by leaf, where node 0's
    /// transfers to node 1 stay under one leaf): g − 1 phases of every node's ring (B/g, `price`)
    /// before and after the cross-node stage (`crossNodeRingsSeconds`). Nil elsewhere: the
    /// phases' closed form (`closedForm`), where the slowest transfer of every phase, of
    /// whichever node, sets its length (a torus, a two-tier network), or the ring.
    private func hierarchicalSeconds(ranks n: Int, perNode: Int?, bytes: Double) -> Double? {
        let nodes = NodeGroups(ranks: Array(0..<n), gpusPerNode: perNode)
        guard nodes.members.count > 1, nodes.isUniform, perNode == topology.gpusPerNode,
              n == topology.gpuCount, topology.nodeShiftRefusal == nil, topology.nodeShiftNodes == 1 else { return nil }
        let g = nodes.members[0].count, k = nodes.members.count
        let intra = hierarchicalIntraNodePrice(nodes, ranks: n)
        let across = crossNodeRingsSeconds(rings: (0..<g).map { (nodes.members[0][$0], nodes.members[1][$0]) },
                                           steps: 2 * (k - 1), stepBytes: bytes / Double(g * k))
        return 2 * (intra.secondsPerByte * bytes + intra.latency) + across
    }

    /// The hierarchical all-reduce's cross-node stage: g rings, one per local rank l, each
    /// 2(n − 1) steps in which every node sends B/(g·n) to the next node's rank l, a step
    /// starting once the one before has arrived. On a wiring the same from every node
    /// (`Topology+NodeShift`) every node's ring-l transfer of a step runs at the same time
    /// and rate, so node 0's transfers to node 1 (`rings`: their endpoints) stand for all:
    /// their routes hold both the sending and the receiving side of a node's links (node
    /// 0's NIC out, node 1's NIC in).
    ///
    /// The rings do not wait for each other: a fluid run of the g transfers, sharing links
    /// max-min fairly (`MaxMinRates`), each ring's next step (or a staged transfer's next
    /// leg) starting its route's latency after the last arrived. Where the rings are alike
    /// they stay in step and this is 2(n − 1)·(B/(g·n) at the shared rate + the latency),
    /// the phases' closed form. Where they are not (on a PCIe tree the GPUs under the NIC's
    /// switch reach it more directly than the others), they drift apart, and a ring in its
    /// latency leaves the link to the rest: priced as phases, each as long as the slowest
    /// ring with all g sharing, the step at 1,024 GPUs on PCIe trees was 6.5% above the
    /// expanded plan's (BENCHMARKS.md).
    ///
    /// The rates depend only on which rings send on which leg; the rings repeat a few such
    /// sets step after step, so each set's rates are computed once (`MaxMinRates` is a
    /// function of its routes: the same set gives the same rates to the bit).
    /// - Complexity: O(g · steps · legs), with a rate computation over at most g flows per
    ///   distinct set of sending rings and legs.
    private func crossNodeRingsSeconds(rings: [(Int, Int)], steps: Int, stepBytes: Double) -> Double {
        let legs = rings.map { topology.legs(from: $0.0, to: $0.1) }
        let capacities = topology.links.map(\.bytesPerSecond)
        let g = rings.count, legCount = legs.map(\.count).max() ?? 1
        var step = [Int](repeating: 0, count: g), leg = [Int](repeating: 0, count: g)
        var remaining = [Double](repeating: stepBytes, count: g)
        var resumesAt = [Double?](repeating: nil, count: g)   // in a leg's latency until then
        var now = 0.0
        var running = steps > 0 ? Array(0..<g) : []
        /// Rates by the sending rings' codes `ring · legCount + leg`, ascending by ring.
        var ratesBySending: [[Int]: [Double]] = [:]
        while !running.isEmpty {
            let sending = running.filter { resumesAt[$0] == nil }
            let code = sending.map { $0 * legCount + leg[$0] }
            let rates: [Double]
            if let known = ratesBySending[code] {
                rates = known
            } else {
                rates = MaxMinRates.rates(routes: sending.map { legs[$0][leg[$0]] }, capacities: capacities)
                ratesBySending[code] = rates
            }
            var dt = running.compactMap { resumesAt[$0].map { $0 - now } }.min() ?? .infinity
            for (i, r) in sending.enumerated() { dt = min(dt, remaining[r] / rates[i]) }
            now += dt
            for (i, r) in sending.enumerated() {
                remaining[r] -= rates[i] * dt
                if remaining[r] <= stepBytes * 1e-12 { resumesAt[r] = now + topology.latency(of: legs[r][leg[r]]) }
            }
            for r in running where !sending.contains(r) && resumesAt[r]! <= now {
                resumesAt[r] = nil
                remaining[r] = stepBytes
                if leg[r] + 1 < legs[r].count { leg[r] += 1 } else { leg[r] = 0; step[r] += 1 }
            }
            running = running.filter { step[$0] < steps }
        }
        return now
    }

    /// Seconds for the binary tree's all-reduce of `bytes` (parent of r is (r−1)/2) as
    /// the expanded plan runs it in steady state: a rank sends its whole buffer up once its
    /// children's have arrived, and each child's copy down once its parent holds the result;
    /// transfers run as flows sharing links max-min fairly (`treeFinishTimes`).
    ///
    /// In a run of steps the ranks do not start together: each starts its next collective
    /// (or its next step's compute, the same for every rank) where it finished the last,
    /// that is once it holds the result, the root first and the deepest leaves last. The
    /// price is the collective's duration at the fixed point of that map, where every rank
    /// starts at its own finish offset of the collective before, o_r = f_r − min f, found by
    /// running the collective from the offsets until they repeat (two runs on every network
    /// the bench tries: from the second the finish offsets equal the start offsets). Started
    /// all at once, the transfers into shared uplinks and NICs contend more, and the price was
    /// 4-16% above the expanded plan's steady state at 64-256 GPUs on NIC-bound, oversubscribed
    /// and PCIe-tree networks; at the fixed point the two agree within 0.2% there (BENCHMARKS.md).
    /// Pricing level by level instead (each level as long as its slowest transfer) makes
    /// every subtree wait for the slowest link at its depth, and errs long by a third at 32
    /// GPUs on one NIC per node.
    private func treeSeconds(ranks n: Int, bytes: Double) -> Double {
        // The steady state: each rank starts a collective where it finished the last one
        // (it holds the result first at the root, last at the deepest leaves), so the ranks'
        // start offsets are a fixed point of one collective's finish offsets.
        // Transfer t < n − 1 carries rank t + 1 up to its parent; t ≥ n − 1 carries rank t − n + 2 down.
        let pairs = (1..<n).map { ($0, ($0 - 1) / 2) } + (1..<n).map { (($0 - 1) / 2, $0) }
        let legs = pairs.map { topology.legs(from: $0.0, to: $0.1) }
        var offsets = [Double](repeating: 0, count: n)
        var duration = 0.0
        for _ in 0..<Self.treeSteadyStateRounds {
            let finish = treeFinishTimes(ranks: n, bytes: bytes, legs: legs, starts: offsets)
            duration = zip(finish, offsets).map { $0 - $1 }.max() ?? 0
            let earliest = finish.min() ?? 0
            let next = finish.map { $0 - earliest }
            let moved = zip(next, offsets).map { abs($0 - $1) }.max() ?? 0
            offsets = next
            if moved <= duration * 1e-9 { break }
        }
        return duration
    }

    /// The most runs `treeSeconds` tries to reach its fixed point (it stops at the last).
    static let treeSteadyStateRounds = 32

    /// When each rank holds the result of one tree all-reduce, in seconds from the start of
    /// the earliest rank, when rank r sends nothing up before `starts[r]`: a fluid run of the
    /// 2(N−1) transfers, re-shared max-min fairly (`IncrementalMaxMinRates`) whenever one starts or ends, each
    /// ending `bytes / rate` plus its route's latency after it starts (a staged transfer's
    /// legs one after the other); O(N) rate computations, each over the flows a start or end touches.
    /// `legs[t]`: transfer t's route legs (t < n − 1 carries rank t + 1 up, the rest down).
    private func treeFinishTimes(ranks n: Int, bytes: Double, legs: [[[Int]]], starts: [Double]) -> [Double] {
        var waitingChildren = (0..<n).map { r in [2 * r + 1, 2 * r + 2].filter { $0 < n }.count }
        var active: [(transfer: Int, leg: Int, remaining: Double)] = []
        var arriving: [(time: Double, transfer: Int, leg: Int)] = []
        var wakeups: [(time: Double, rank: Int)] = []
        var finish = [Double](repeating: 0, count: n)
        var now = 0.0
        // The rates depend only on the active flows' routes: they are recomputed after a
        // flow has started or ended, and only for the flows that share links with it.
        var sharing = IncrementalMaxMinRates(capacities: topology.links.map(\.bytesPerSecond))
        func route(_ i: Int) -> [Int] { legs[active[i].transfer][active[i].leg] }
        func start(_ transfer: Int, leg: Int) {
            active.append((transfer, leg, bytes))
            sharing.append(route: legs[transfer][leg])
        }
        func send(_ transfer: Int) { start(transfer, leg: 0) }
        func holdsResult(_ r: Int) {
            finish[r] = now
            for c in [2 * r + 1, 2 * r + 2] where c < n { send(n - 2 + c) }
        }
        func reduced(_ r: Int) { if r == 0 { holdsResult(0) } else { send(r - 1) } }
        func childrenIn(_ r: Int) { if starts[r] <= now { reduced(r) } else { wakeups.append((starts[r], r)) } }
        for r in 0..<n where waitingChildren[r] == 0 { childrenIn(r) }
        while !active.isEmpty || !arriving.isEmpty || !wakeups.isEmpty {
            sharing.refresh(routes: route)
            var step = min(arriving.map { $0.time - now }.min() ?? .infinity, wakeups.map { $0.time - now }.min() ?? .infinity)
            for (i, flow) in active.enumerated() { step = min(step, flow.remaining / sharing.rates[i]) }
            now += step
            for i in active.indices { active[i].remaining -= sharing.rates[i] * step }
            let ended = active.indices.filter { active[$0].remaining <= bytes * 1e-12 }
            for i in ended {
                let flow = active[i]
                arriving.append((now + topology.latency(of: legs[flow.transfer][flow.leg]), flow.transfer, flow.leg))
            }
            sharing.remove(at: ended, routes: route)
            active.removeAll { $0.remaining <= bytes * 1e-12 }
            let woken = wakeups.filter { $0.time <= now }
            wakeups.removeAll { $0.time <= now }
            for (_, r) in woken { reduced(r) }
            let landed = arriving.filter { $0.time <= now }
            arriving.removeAll { $0.time <= now }
            for (_, transfer, leg) in landed {
                if leg + 1 < legs[transfer].count {
                    start(transfer, leg: leg + 1)
                    continue
                }
                if transfer < n - 1 {
                    let parent = transfer / 2   // (rank − 1) / 2 with rank = transfer + 1
                    waitingChildren[parent] -= 1
                    if waitingChildren[parent] == 0 { childrenIn(parent) }
                } else {
                    holdsResult(transfer - n + 2)
                }
            }
        }
        return finish
    }

    /// Seconds per byte and of latency of the hierarchical all-reduce's g − 1 phases of every
    /// node's ring (`hierarchicalSeconds`): the same for every message size, so priced once per
    /// rank count. Where the node shift maps the wiring onto itself (`foldsNodes`), every node's
    /// ring step is the image of node 0's, whose transfers stand for all (`Phase.folded`): a link
    /// inside a node carries only its own node's transfers, so each keeps its share.
    private func hierarchicalIntraNodePrice(_ nodes: NodeGroups, ranks n: Int) -> (secondsPerByte: Double, latency: Double) {
        let g = nodes.members[0].count
        if let known = hierarchicalIntraNodePrices[n] { return known }
        var step = intraNodeRingStep(nodes)
        if foldsNodes(ranks: n, perNode: g) {
            step = intraNodeRingStep(NodeGroups(ranks: Array(0..<firstUnitRanks), gpusPerNode: g))
            step.folded = true
        }
        let found = price([(step, g - 1)])
        hierarchicalIntraNodePrices[n] = found
        return found
    }

    /// One step of a ring inside every node at once (nodes of one rank send nothing).
    private func intraNodeRingStep(_ nodes: NodeGroups) -> Phase {
        Phase(transfers: nodes.members.filter { $0.count > 1 }.flatMap { m in
            m.indices.map { (m[$0], m[($0 + 1) % m.count], 1 / Double(m.count)) }
        })
    }

    private func closedForm(_ algorithm: AllReduceAlgorithm, ranks n: Int, perNode: Int?) -> (secondsPerByte: Double, latency: Double) {
        precondition(algorithm.ncclAlgorithms == nil, "NCCL's algorithms are priced by ncclPhases")
        var phases: [(phase: Phase, repeats: Int)] = []
        let nodes = NodeGroups(ranks: Array(0..<n), gpusPerNode: perNode)
        var algorithm = algorithm
        if (algorithm == .hierarchical || algorithm == .parameterServer) && nodes.members.count < 2 { algorithm = .ring }
        if algorithm == .hierarchical && !nodes.isUniform { algorithm = .ring }
        switch algorithm {
        case .ring:
            phases = [(Phase(pairs: (0..<n).map { ($0, ($0 + 1) % n) }, fraction: 1 / Double(n)), 2 * (n - 1))]
        case .direct:
            // Every rank to every other, N(N − 1) transfers; where the node shift maps the
            // ranks onto themselves, those out of the first unit's stand for all (`folded`).
            let folds = foldsNodes(ranks: n, perNode: perNode)
            let sources = folds ? firstUnitRanks : n
            let all = (0..<sources).flatMap { i in (0..<n).filter { $0 != i }.map { (i, $0) } }
            var phase = Phase(pairs: all, fraction: 1 / Double(n))
            phase.folded = folds
            phases = [(phase, 2)]
        case .tree:
            // Level by level up the binary tree of ranks (parent of r is (r−1)/2), then down.
            var levels: [[(Int, Int)]] = []
            var depthOf = [Int](repeating: 0, count: n)
            for r in 1..<n { depthOf[r] = depthOf[(r - 1) / 2] + 1 }
            let depth = depthOf.max() ?? 0
            for d in stride(from: depth, through: 1, by: -1) {
                levels.append((1..<n).filter { depthOf[$0] == d }.map { ($0, ($0 - 1) / 2) })
            }
            for level in levels { phases.append((Phase(pairs: level, fraction: 1), 1)) }
            for level in levels.reversed() { phases.append((Phase(pairs: level.map { ($0.1, $0.0) }, fraction: 1), 1)) }
        case .p2psyncTree:
            // Caffe's tree over the pairs peer access allows: the copies up, a level (the
            // children's height) at a time, then the broadcast turns (a parent's copies in turn).
            let tree = P2PSyncTree(ranks: n) { topology.canCopyPeerToPeer($0, $1) }
            for level in tree.reduceLevels { phases.append((Phase(pairs: level.map { ($0.from, $0.to) }, fraction: 1), 1)) }
            for turn in tree.broadcastTurns { phases.append((Phase(pairs: turn.map { ($0.from, $0.to) }, fraction: 1), 1)) }
        case .hierarchical:
            let g = nodes.members[0].count, k = nodes.members.count
            let across = (0..<g).flatMap { l in (0..<k).map { (nodes.members[$0][l], nodes.members[($0 + 1) % k][l]) } }
            phases = [(intraNodeRingStep(nodes), g - 1),
                      (Phase(pairs: across, fraction: 1 / Double(g * k)), 2 * (k - 1)),
                      (intraNodeRingStep(nodes), g - 1)]
        case .halvingDoubling:
            var p = 1
            while p * 2 <= n { p *= 2 }
            let extra = n - p
            func real(_ k: Int) -> Int { k < extra ? 2 * k + 1 : k + extra }
            let masks = Array(sequence(first: 1) { $0 * 2 < p ? $0 * 2 : nil }.prefix(while: { $0 < p }))
            // With N a power of two (no extra ranks folded in) and a node's (or leaf's) ranks too, a phase's pairs map
            // onto themselves under r -> r XOR (a multiple of the unit's ranks), which permutes the
            // nodes (or leaves) as the wiring's symmetry allows: the first unit's pairs stand for all (`folded`).
            let unitRanks = firstUnitRanks
            let folds = extra == 0 && unitRanks & (unitRanks - 1) == 0 && foldsNodes(ranks: n, perNode: perNode)
            func exchange(_ mask: Int) -> Phase {
                var phase = Phase(pairs: (0..<(folds ? unitRanks : p)).map { (real($0), real($0 ^ mask)) }, fraction: 1 / Double(2 * mask))
                phase.folded = folds
                return phase
            }
            if extra > 0 { phases.append((Phase(pairs: (0..<extra).map { (2 * $0, 2 * $0 + 1) }, fraction: 1), 1)) }
            for mask in masks { phases.append((exchange(mask), 1)) }
            for mask in masks.reversed() { phases.append((exchange(mask), 1)) }
            if extra > 0 { phases.append((Phase(pairs: (0..<extra).map { (2 * $0 + 1, 2 * $0) }, fraction: 1), 1)) }
        case .parameterServer:
            phases = parameterServerStages(nodes).flatMap { $0 }
        case .psHost, .psGPUs:
            phases = serverStages(algorithm, ranks: n).flatMap { $0 }
        case .nccl, .ncclRing, .ncclTree:
            break
        }
        return price(phases)
    }

    /// A single server's phases in their two stages (`psHost`, `psGPUs`): every rank's whole
    /// gradient to the server (node 0's host memory, or GPU 0 standing for whichever GPU
    /// serves: on uniform links they cost the same), then the result back.
    private func serverStages(_ algorithm: AllReduceAlgorithm, ranks n: Int) -> [[(phase: Phase, repeats: Int)]] {
        let server = algorithm == .psHost ? topology.hostEndpoint(node: 0) : 0
        let pushes = (0..<n).filter { $0 != server }.map { ($0, server) }
        return [[(Phase(pairs: pushes, fraction: 1), 1)], [(Phase(pairs: pushes.map { ($0.1, $0.0) }, fraction: 1), 1)]]
    }

    /// The parameter server's phases (two or more nodes) in its four stages: g−1
    /// intra-node ring phases (B/g) and a copy of B/g from every GPU to its node's host
    /// memory; the push (every node's host to every other, B/S); the pull (the same,
    /// back); the copy back (B/g) and g−1 intra-node ring phases. The push and the pull are
    /// stages of their own, as the expanded plan runs them: a bucket's pull runs beside the
    /// next bucket's push, each on the links it shares with the other (`sharedStageLinks`).
    /// Every phase maps onto itself under the node shift: where the nodes fill a wiring it
    /// maps onto itself, only the first unit's transfers are priced (`Phase.folded`), those
    /// out of its nodes (into them, for the pull), S − 1 per node instead of S(S − 1) pushes.
    private func parameterServerStages(_ nodes: NodeGroups) -> [[(phase: Phase, repeats: Int)]] {
        let hosts = nodes.nodes.map { topology.hostEndpoint(node: $0) }
        let servers = hosts.count, longest = nodes.members.map(\.count).max()!
        let folds = foldsNodes(ranks: nodes.members.joined().count, perNode: nodes.members[0].count)
        let priced = folds ? topology.nodeShiftNodes : servers   // the nodes whose transfers are priced
        func phase(_ transfers: [(from: Int, to: Int, fraction: Double)]) -> Phase {
            var phase = Phase(transfers: transfers)
            phase.folded = folds
            return phase
        }
        // Nodes of fewer GPUs finish their rings sooner; each phase holds the rings still running.
        func ringStep(_ t: Int) -> Phase {
            phase(nodes.members.prefix(priced).filter { $0.count - 1 > t }.flatMap { m in
                m.indices.map { (m[$0], m[($0 + 1) % m.count], 1 / Double(m.count)) }
            })
        }
        func copies(toHost: Bool) -> Phase {
            phase((0..<priced).flatMap { a -> [(from: Int, to: Int, fraction: Double)] in
                let share = 1 / Double(nodes.members[a].count)
                return nodes.members[a].map { toHost ? ($0, hosts[a], share) : (hosts[a], $0, share) }
            })
        }
        let push = (0..<priced).flatMap { a in (0..<servers).filter { $0 != a }.map { (from: hosts[a], to: hosts[$0], fraction: 1 / Double(servers)) } }
        let pushes = phase(push), pulls = phase(push.map { ($0.to, $0.from, $0.fraction) })
        // Ring steps between two node sizes run the same rings: each such run of steps is priced once, with its
        // repeats (g − 1 phases of N transfers each would be priced one by one on 1,024-GPU nodes otherwise).
        var rings: [(phase: Phase, repeats: Int)] = []
        var step = 0
        while step < longest - 1 {
            let nextStop = nodes.members.prefix(priced).map { $0.count - 1 }.filter { $0 > step }.min() ?? (longest - 1)
            rings.append((ringStep(step), nextStop - step))
            step = nextStop
        }
        return [rings + [(copies(toHost: true), 1)], [(pushes, 1)], [(pulls, 1)], [(copies(toHost: false), 1)] + rings]
    }

    /// The transfers the largest phase of `algorithm` among `gpus` GPUs, `wiring.gpusPerNode`
    /// to a node, has when it is priced: N(N − 1) for the direct all-reduce and S(S − 1) for
    /// the parameter server's push among S nodes, or, where the node shift maps the wiring onto
    /// itself (`Phase.folded`), those out of the first unit's u nodes, u·g·(N − 1) and
    /// u·(S − 1); nil for the other algorithms, whose phases have at most one transfer per rank
    /// and node. `PlanLimits.pricedTransfers` bounds it.
    public static func pricedPhaseTransfers(_ algorithm: AllReduceAlgorithm, gpus n: Int, wiring: Topology.Wiring) -> Int? {
        let g = wiring.gpusPerNode, nodes = (n + g - 1) / g
        let unit = wiring.nodeShiftRefusal == nil ? wiring.nodeShiftNodes : nil
        switch algorithm {
        case .direct: return (unit.map { $0 * g } ?? n) * (n - 1)
        case .parameterServer where nodes > 1: return (unit ?? nodes) * (nodes - 1)
        default: return nil
        }
    }

    /// Whether ranks 0..<n fill every GPU of the topology, `perNode` to a node, on a wiring
    /// the node shift maps onto itself (`Topology.nodeShiftRefusal` nil): a phase of theirs
    /// that the shift maps onto itself can then be priced by one transfer per orbit (`Phase.folded`).
    func foldsNodes(ranks n: Int, perNode: Int?) -> Bool {
        foldsPhases && n == topology.gpuCount && perNode == topology.gpusPerNode && topology.nodeShiftRefusal == nil
    }

    /// The ranks of the first unit the node shift moves (one node, or a leaf's nodes):
    /// those whose transfers a folded phase prices.
    var firstUnitRanks: Int { topology.nodeShiftNodes * topology.gpusPerNode }

    /// The share of the message each of NCCL's tree transfers carries: its channel's, over
    /// the share of its bytes that is data (`NCCLSystem.treeDataEfficiency`: the protocol's wire
    /// efficiency, with NCCL's size correction under LL and LL128).
    private func treeFraction(_ run: NCCLRun, channels: Int, bytes: Double) -> Double {
        1 / (Double(channels) * run.system.treeDataEfficiency(run.choice, bytes: bytes))
    }

    /// NCCL's tree as one fluid phase: every edge of `layout` both ways (`treeTransfers`),
    /// with `latencies` in that order (`NCCLSystem.treeLatencies`).
    private func treePhase(_ layout: NCCLSystem.TreeLayout, latencies: [TransferLatency], fraction: Double) -> Phase {
        Phase(transfers: zip(treeTransfers(layout), latencies).map { ($0.from, $0.to, fraction, $1) })
    }

    /// The transfers of NCCL's tree: every edge of `layout` both ways, the reduce (child to
    /// parent) then the broadcast, edge after edge.
    private func treeTransfers(_ layout: NCCLSystem.TreeLayout) -> [(from: Int, to: Int)] {
        var transfers: [(from: Int, to: Int)] = []
        transfers.reserveCapacity(2 * layout.edgeCount)
        for link in layout.channels.lazy.flatMap(\.links) {
            transfers.append((link.child, link.parent))
            transfers.append((link.parent, link.child))
        }
        return transfers
    }

    /// Seconds for NCCL's tree all-reduce of `bytes` among ranks 0..<n: one phase whose
    /// transfers all start at once and run side by side (the fluid pipeline, `ncclPhases`).
    /// Each transfer gets its max-min fair rate over the links it crosses (`MaxMinRates`),
    /// and the phase ends with its last transfer, `fraction × bytes / rate + latency`. Rates
    /// are those at the start: transfers that finish early leave their bandwidth to the rest
    /// in the simulation, so this errs long where the transfers on a link differ.
    /// A transfer staged through host memory (`Topology.legs`) moves its legs one after
    /// the other: its first leg shares links with the other transfers' first legs (and
    /// with every unstaged transfer), its second with the other second legs.
    /// Only the latencies the tree's pipeline adds change with the message size and the
    /// protocol (and the share of the message, with `treeDataEfficiency`): the
    /// layout, the transfers and their rates are the same for every bucket of one collective
    /// on one system, so they are built and shared out once (`treeShapes`), and each size
    /// computes only its latencies. Where the ranks fill a wiring the node shift maps onto
    /// itself (`foldsNodes`), the transfers inside each node may be priced once per unit
    /// (`NodeLocalFold`).
    private func ncclTreeSeconds(_ run: NCCLRun, ranks n: Int, bytes: Double) -> Double {
        let nodes = NodeGroups(ranks: Array(0..<n), gpusPerNode: run.system.gpusPerNode)
        let ceiling = run.system.treeTransferCeilingBytesPerSecond(run.choice, simulatedChannels: run.system.treeChannels(nodes))
        let key = TreeShapeKey(system: run.system, ranks: n, ceiling: ceiling)
        let shape: TreeShape
        if let known = treeShapes[key] {
            shape = known
        } else {
            let layout = run.system.treeLayout(nodes)
            // The shape keeps rates and route latencies alone: the pipeline's latencies, which
            // change with the message size, are computed below for each.
            shape = TreeShape(layout: layout, shares: fluidShares(of: treeTransfers(layout),
                                                                  foldsNodeLocal: foldsNodes(ranks: n, perNode: run.system.gpusPerNode),
                                                                  ceiling: ceiling))
            treeShapes[key] = shape
        }
        run.system.treeLatencies(run.choice, layout: shape.layout, bytes: bytes, into: &treeLatencies)
        let shares = shape.shares
        precondition(shares.count == treeLatencies.count, "one shape of collective has one set of transfers")
        let amount = treeFraction(run, channels: shape.layout.channels.count, bytes: bytes) * bytes
        var end = 0.0
        for (t, latency) in treeLatencies.enumerated() {
            let p = shares.place(of: t)
            var seconds = 0.0
            for rates in shares.legRates where !rates[p].isNaN { seconds += amount / rates[p] }
            end = max(end, seconds + shares.wire[p] + latency.extraSeconds(beyond: shares.wire[p]))
        }
        return end
    }

    /// The max-min fair rates of a fluid phase's transfers (endpoints), leg by leg, and each
    /// transfer's route latency (`FluidShares`).
    /// Where `foldsNodeLocal` and the phase allow it (`NodeLocalFold`), only the first unit's
    /// transfers inside a node and the transfers between nodes are routed and shared out; every
    /// other node's transfers inside it take the rates and latency of their images in the first unit.
    /// Each transfer moves at most `ceiling` bytes/s (one more link of its own, as the expanded
    /// run's `GraphRun.ceilings`).
    private func fluidShares(of transfers: [(from: Int, to: Int)], foldsNodeLocal: Bool, ceiling: Double = .infinity) -> FluidShares {
        let fold = foldsNodeLocal ? NodeLocalFold(transfers, topology: topology) : nil
        let priced = fold?.priced ?? Array(transfers.indices)
        let legs = TransferLegs(priced.map { transfers[$0] }, on: topology)
        if let fold, !fold.isolates(legs, on: topology) { return fluidShares(of: transfers, foldsNodeLocal: false, ceiling: ceiling) }
        let linkCount = topology.links.count
        let capacities = topology.links.map(\.bytesPerSecond) + (ceiling < .infinity ? Array(repeating: ceiling, count: priced.count) : [])
        // Rates (by leg) and route latencies of the priced transfers, by their place in `priced`.
        let legCount = (0..<legs.count).map(legs.legCount).max() ?? 0
        var legRates = [[Double]](repeating: [Double](repeating: .nan, count: priced.count), count: legCount)
        var pricedWire = [Double](repeating: 0, count: priced.count)
        for k in 0..<legCount {
            let moving = (0..<legs.count).filter { legs.legCount(of: $0) > k }
            var (routeStart, routeLinks) = legs.routes(leg: k, of: moving)
            if ceiling < .infinity { (routeStart, routeLinks) = Self.withOwnLinks(routeStart, routeLinks, of: moving, after: linkCount) }
            let rates = MaxMinRates.rates(routeStart: routeStart, routeLinks: routeLinks, capacities: capacities)
            for (f, p) in moving.enumerated() {
                legRates[k][p] = rates[f]
                pricedWire[p] += topology.latency(of: legs.links(of: p, leg: k))
            }
        }
        // Every transfer reads its own (or its image's) rates, leg by leg, and route latency (`FluidShares.place`).
        return FluidShares(legRates: legRates, wire: pricedWire, representative: fold?.representative)
    }

    /// Routes (`routeStart`, `routeLinks`, as `MaxMinRates` takes them) of the transfers
    /// `transfers`, each with link `firstOwnLink + transfer` appended: a link of its own.
    static func withOwnLinks(_ routeStart: [Int], _ routeLinks: [Int], of transfers: [Int], after firstOwnLink: Int) -> ([Int], [Int]) {
        var start = [0], links: [Int] = []
        start.reserveCapacity(routeStart.count)
        links.reserveCapacity(routeLinks.count + transfers.count)
        for (f, t) in transfers.enumerated() {
            links.append(contentsOf: routeLinks[routeStart[f]..<routeStart[f + 1]])
            links.append(firstOwnLink + t)
            start.append(links.count)
        }
        return (start, links)
    }

    /// Seconds per byte and seconds of latency of `phases`: each lasts as long as its
    /// slowest transfer, bytes over the tightest shared link of its route plus the
    /// route's latency and what its software adds (`TransferLatency`). A transfer
    /// staged through host memory (`Topology.legs`) pays each leg in turn, its k-th leg
    /// sharing links with the other transfers' k-th legs (unstaged transfers have
    /// only a first), since a second leg starts when its first has ended.
    func price(_ phases: [(phase: Phase, repeats: Int)]) -> (secondsPerByte: Double, latency: Double) {
        var perByte = 0.0, latency = 0.0
        for (phase, repeats) in phases where repeats > 0 && !phase.transfers.isEmpty {
            let transfers = transferPrices(phase)
            perByte += (transfers.map(\.secondsPerByte).max() ?? 0) * Double(repeats)
            latency += (transfers.map(\.latency).max() ?? 0) * Double(repeats)
        }
        return (perByte, latency)
    }

    /// Each transfer of `phase` alone: seconds per byte of the message at the share of
    /// the tightest link of its route among the phase's transfers (leg by leg, as `price`
    /// says; `shared` false: at the link's whole bandwidth, as if alone; either way at most the
    /// phase's `ceiling`), and seconds of latency (the route's and what its software adds).
    func transferPrices(_ phase: Phase, shared: Bool = true) -> [(secondsPerByte: Double, latency: Double)] {
        let legs = phase.transfers.map {
            phase.folded ? topology.firstNodeLegs(from: $0.from, to: $0.to) : topology.legs(from: $0.from, to: $0.to)
        }
        var count = [[Int]](repeating: [Int](repeating: 0, count: topology.links.count), count: legs.map(\.count).max() ?? 0)
        for transferLegs in legs { for (k, leg) in transferLegs.enumerated() { for link in leg { count[k][link] += 1 } } }
        return zip(legs, phase.transfers).map { transferLegs, transfer in
            var transferPerByte = 0.0, wire = 0.0
            for (k, leg) in transferLegs.enumerated() {
                let share = min(phase.ceiling, leg.map { topology.links[$0].bytesPerSecond / Double(shared ? count[k][$0] : 1) }.min() ?? .infinity)
                transferPerByte += transfer.fraction / share
                wire += topology.latency(of: leg)
            }
            return (transferPerByte, wire + transfer.latency.extraSeconds(beyond: wire))
        }
    }
}
