import CostModel
import Hardware
import Parallelism
import SimCore
import Software

/// The state of one `GraphSimulation.run`: what each task needs at run time, by
/// task index, and the engine's resources, in one object.
///
/// Every event the run schedules is an `Event` value (a kind, a GPU, a task index),
/// never a closure: the simulator, the serial resources and the network queue plain
/// data, and `handle(_:)`, the run's one dispatcher, does what each says in a
/// `switch`. No closure is allocated per event, job or transfer, and nothing the
/// engine holds refers back to this object (the simulator is handed it only for
/// `run`), so it is freed once the run is over.
final class GraphRun: EventHandler {
    /// What an event of the run does; `Event.kind` holds the raw value.
    enum EventKind: UInt8 {
        /// `target`'s compute stream: its running job is due.
        case computeDone
        /// `target`'s collective stream (aggregated collectives): its running job is due.
        case collectiveDone
        /// A stage of staged collectives (`CollectiveModel.stageSeconds`): stage
        /// `target % mostStages` of set `target / mostStages` of `collectiveStages` (a
        /// shared link's set has one resource, stage 0), a job is due.
        case collectiveStageDone
        /// `target`'s host thread: its running kernel launch is due.
        case launchDone
        /// The network: flows may be due.
        case networkWake
        /// Transfer `task`: the last byte of its current leg has arrived.
        case legArrived
        /// Transfer `task`: the latency its software adds has elapsed.
        case latencyElapsed
        /// Transfer `task`: the last byte of its last leg has left (its latency not yet elapsed).
        case lastByteSent
        /// Task `task`: its start delay has elapsed.
        case delayElapsed
        /// Exchange task `task` (`StartKind.exchange`): its duration has elapsed.
        case exchangeDone

        func event(target: Int = -1, task: Int = -1) -> Event {
            Event(kind: rawValue, target: Int32(target), task: task)
        }
    }

    let simulator: Simulator
    let topology: Topology
    let cost: CostModel
    let profile: ExecutionProfile
    let tasks: [TaskGraph.Task]

    /// What starting a task does.
    enum StartKind {
        case compute
        case transfer(bytes: Double, destination: Int)
        case collective
        /// An exchange priced by simulating `TaskGraph.exchanges[replay]` alone.
        case exchange(replay: Int)
    }

    // Per task, gathered in one pass.
    let devices: [Int]
    /// Per task, what starting it does, read without copying its `Work` (a compute
    /// task's is over a hundred bytes): a transfer's bytes and destination are here.
    let startKinds: [StartKind]
    /// Per compute task, its duration at full speed (`ComputePrices`, rounded up to the
    /// nanosecond), ready before the run so that starting a task copies and compares no
    /// `ComputeWork`; zero for other tasks.
    let computeDurations: [SimDuration]
    let latencies: [TransferLatency]
    /// Per task, the most bytes per second the software moves it (`Task.ceilingBytesPerSecond`;
    /// empty where no task has a ceiling): a transfer with one crosses, besides its route, a
    /// link of its own of that bandwidth (a max-min share with a cap is the share with the cap
    /// as one more link).
    let ceilings: [Double]
    /// Ceiling links no transfer holds, by bandwidth, reused by the next transfer of that ceiling.
    private var freeCeilingLinks: [Double: [LinkID]] = [:]
    /// The ceiling link each transfer under way holds.
    private var heldCeilingLinks: [Int: LinkID] = [:]
    /// Per task, the tasks that depend on it, in task order: task `id`'s are
    /// `dependents[dependentsStart[id] ..< dependentsStart[id + 1]]` (two flat arrays
    /// instead of one array per task).
    let dependentsStart: [Int]
    let dependents: [Int]
    /// Per transfer, the tasks that wait only for its last byte to leave (`Task.afterLastByteOf`),
    /// flat as `dependents`; both empty when no task waits so.
    let sentDependentsStart: [Int]
    let sentDependents: [Int]
    var waitingOn: [Int]
    /// Per task, its start delay (Horovod's cycle) and the dependencies it counts
    /// from, for the tasks that have one.
    let delays: [Int: (SimDuration, from: [Int])]

    // What the run measures.
    var starts: [SimTime]
    var ends: [SimTime]
    var waits: [WaitRecord] = []

    // Resources.
    let network: FlowNetwork
    let gpus: [SerialResource]
    let collectiveStreams: [SerialResource]
    /// Per GPU that has run a staged collective, and per lane (`CollectiveWork.stageLane`: a
    /// NIC, whichever GPU issues the collective), one resource per stage, shared by the
    /// collectives in that stage (made when first needed): such collectives do not run in
    /// issue order (`AllReduceAlgorithm.runsInIssueOrder`), and the expanded run shares the
    /// links among those in flight. Per link that stages share (`sharedLinkStages`), a list
    /// of one resource, on which the stages crossing it run their parts.
    private var collectiveStages: [[SharedResource]] = []
    /// Each GPU's own stage resources' index in `collectiveStages`, made when first used.
    private var gpuStages: [Int: Int] = [:]
    /// Each lane's stage resources' index in `collectiveStages` (-1: none yet), by lane:
    /// an array, as a stage of a bucket served through one NIC runs on every other node's.
    private var laneStages: [Int] = []
    /// A staged collective task under way: the durations of its stages, the stage it is in,
    /// and the parts of that stage still running (its own, those on other lanes:
    /// `crossLaneLoads`, and those on the links it shares with other stages: `sharedLinks`).
    private struct StagedCollective {
        var durations: [SimDuration]
        /// The links its stages share with other stages (`CollectiveModel.sharedStageLinks`);
        /// empty under lanes, whose stages share NICs through `crossLaneLoads` instead.
        var sharedLinks: [CollectiveModel.SharedStageLink] = []
        var stage = 0
        var pending = 0
    }
    /// The most stages a staged collective has (the parameter server's four,
    /// `CollectiveModel.stageSeconds`): a stage resource's completion event carries
    /// `mostStages × index + stage`.
    static let mostStages = 4
    /// Each link that stages of staged collectives share (`StagedCollective.sharedLinks`):
    /// its resource's index in `collectiveStages` (a list of one), made when first used.
    private var sharedLinkStages: [Int: Int] = [:]
    /// Per staged collective task under way, by task index.
    private var staged: [Int: StagedCollective] = [:]
    /// Under `psGPUs` across nodes: the other lanes each stage also runs on (`TaskGraph.crossLaneLoads`),
    /// with the quiet nodes' lanes folded by the lanes the graph's buckets are served through.
    private let crossLaneLoads: CrossLaneLoads?
    private let crossLaneFolding: CrossLaneLoads.Folding?
    let collectives: CollectiveModel
    /// The graph's exchanges priced by simulating them alone (`TaskGraph.exchanges`), and
    /// each one's duration once simulated (`exchangeDuration`).
    private let exchanges: [TaskGraph]
    private var exchangeDurations: [SimDuration?]
    /// Each replayed exchange's links (`exchangeLinks`), made when first used.
    private var exchangeLinkUse: [[CollectiveModel.SharedStageLink]?]
    let interference: CollectiveInterference?
    let collectiveBlocks: InFlightCollectives?

    /// Routes depend only on the endpoints: each pair is resolved once, into
    /// `routes[routeIndex[source × endpoints + destination]]`, a list of legs. Under node
    /// symmetry (`TaskGraph.symmetry`) every link is node 0's image of the route's
    /// (`Topology.firstNodeLegs`): node 0's links carry what every node's carry.
    private var routes: [[[LinkID]]] = []
    private let symmetric: Bool
    private var routeIndex: [Int: Int] = [:]
    /// Per task, for transfers under way: its route, its leg in flight, and the latency
    /// its software adds after the last leg.
    private var transfers: [(route: Int, leg: Int, extra: SimDuration)]
    /// Per task with a start delay that is waiting it out: when it became ready.
    private var readyAt: [Int: SimTime] = [:]

    // Host dispatch (profiles whose kernels cost host time to launch).
    let dispatching: Bool
    var launched: [Bool]
    var dependenciesDone: [Bool]
    var hostStarts: [SimTime]
    var hostEnds: [SimTime]
    let hosts: [SerialResource]
    /// Under a host sync before the update: the gate state (`HostSync`).
    var hostSync: HostSync?

    /// - Parameter computeSeconds: each task's compute seconds (`ComputePrices.seconds(of:cost:)`).
    init(graph: TaskGraph, topology: Topology, cost: CostModel, profile: ExecutionProfile, computeSeconds: [Double], simulator: Simulator) {
        precondition(computeSeconds.count == graph.tasks.count, "one compute price per task")
        self.simulator = simulator
        self.topology = topology
        self.cost = cost
        self.profile = profile
        let tasks = graph.tasks
        self.tasks = tasks
        symmetric = graph.symmetry != nil
        crossLaneLoads = graph.crossLaneLoads
        crossLaneFolding = graph.crossLaneLoads.map { loads in
            var servingLanes: Set<Int> = []
            if loads.foldsQuietNodes {
                for id in tasks.indices { if case .collective(let work) = tasks[id].work, let lane = work.stageLane { servingLanes.insert(lane) } }
            } else {
                servingLanes = Set(loads.gpusOfLane.indices)
            }
            return loads.folding(servingLanes: servingLanes)
        }
        var devices: [Int] = [], startKinds: [StartKind] = [], latencies: [TransferLatency] = [], waitingOn: [Int] = []
        devices.reserveCapacity(tasks.count)
        startKinds.reserveCapacity(tasks.count)
        latencies.reserveCapacity(tasks.count)
        waitingOn.reserveCapacity(tasks.count)
        // Tasks are read field by field (`tasks[id].device`), never copied whole: a task
        // holds strings and arrays, and copying one retains and releases each.
        var dependentsStart = [Int](repeating: 0, count: tasks.count + 1)
        for id in tasks.indices { for d in tasks[id].dependencies { dependentsStart[d + 1] += 1 } }
        for id in tasks.indices { dependentsStart[id + 1] += dependentsStart[id] }
        var dependents = [Int](repeating: 0, count: dependentsStart[tasks.count])
        var filled = Array(dependentsStart.dropLast())
        var sentDependentsStart: [Int] = [], sentDependents: [Int] = []
        if tasks.contains(where: { !$0.afterLastByteOf.isEmpty }) {
            sentDependentsStart = [Int](repeating: 0, count: tasks.count + 1)
            for id in tasks.indices { for d in tasks[id].afterLastByteOf { sentDependentsStart[d + 1] += 1 } }
            for id in tasks.indices { sentDependentsStart[id + 1] += sentDependentsStart[id] }
            sentDependents = [Int](repeating: 0, count: sentDependentsStart[tasks.count])
            var sentFilled = Array(sentDependentsStart.dropLast())
            for id in tasks.indices {
                for d in tasks[id].afterLastByteOf {
                    sentDependents[sentFilled[d]] = id
                    sentFilled[d] += 1
                }
            }
        }
        var movesBytes = false
        var delays: [Int: (SimDuration, from: [Int])] = [:]
        let ceilings: [Double] = tasks.contains { $0.ceilingBytesPerSecond < .infinity }
            ? tasks.map(\.ceilingBytesPerSecond) : []
        for id in tasks.indices {
            devices.append(tasks[id].device)
            latencies.append(tasks[id].latency)
            waitingOn.append(tasks[id].dependencies.count + tasks[id].afterLastByteOf.count)
            for d in tasks[id].dependencies {
                dependents[filled[d]] = tasks[id].id
                filled[d] += 1
            }
            switch tasks[id].work {
            case .compute:
                startKinds.append(.compute)
            case .transfer(let bytes, let destination):
                startKinds.append(.transfer(bytes: bytes, destination: destination))
                movesBytes = true
            case .collective:
                startKinds.append(.collective)
            case .exchange(let replay, _):
                startKinds.append(.exchange(replay: replay))
            }
            if tasks[id].startDelaySeconds > 0 {
                delays[tasks[id].id] = (SimDuration(secondsRoundingUp: tasks[id].startDelaySeconds), tasks[id].delayCountsFrom)
            }
        }
        self.devices = devices
        self.startKinds = startKinds
        computeDurations = computeSeconds.map { SimDuration(secondsRoundingUp: $0) }
        self.latencies = latencies
        self.ceilings = ceilings
        self.waitingOn = waitingOn
        self.dependentsStart = dependentsStart
        self.dependents = dependents
        self.sentDependentsStart = sentDependentsStart
        self.sentDependents = sentDependents
        self.delays = delays
        starts = [SimTime](repeating: .zero, count: tasks.count)
        ends = [SimTime](repeating: .zero, count: tasks.count)
        transfers = Array(repeating: (0, 0, .zero), count: movesBytes ? tasks.count : 0)

        // Links matter only to transfers: a graph of compute and priced collectives (the
        // aggregated fidelity) registers none, which changes nothing it measures.
        network = FlowNetwork(simulator: simulator, wake: EventKind.networkWake.event(), arrival: EventKind.legArrived.event(),
                              sent: EventKind.lastByteSent.event())
        if movesBytes {
            network.reserveLinks(topology.links.count)
            for link in topology.links {
                network.addLink(name: link.name, bytesPerSecond: link.bytesPerSecond,
                                latency: SimDuration(secondsRoundingUp: link.latencySeconds))
            }
        }
        gpus = (0..<graph.gpus).map {
            SerialResource(name: "gpu\($0)", simulator: simulator, completion: EventKind.computeDone.event(target: $0))
        }
        interference = GraphSimulation.interference(profile: profile, gpu: cost.gpu, compute: gpus, simulator: simulator)
        collectiveBlocks = interference.map { _ in InFlightCollectives(graph) }
        // Aggregated collectives run one at a time per GPU, beside its compute (as NCCL's stream).
        collectiveStreams = (0..<graph.gpus).map {
            SerialResource(name: "gpu\($0) collectives", simulator: simulator, completion: EventKind.collectiveDone.event(target: $0))
        }
        collectives = CollectiveModel(topology: topology)
        exchanges = graph.exchanges
        exchangeDurations = [SimDuration?](repeating: nil, count: graph.exchanges.count)
        exchangeLinkUse = [[CollectiveModel.SharedStageLink]?](repeating: nil, count: graph.exchanges.count)

        dispatching = profile.dispatchesOnHost
        launched = [Bool](repeating: !dispatching, count: dispatching ? tasks.count : 0)
        dependenciesDone = [Bool](repeating: false, count: dispatching ? tasks.count : 0)
        hostStarts = [SimTime](repeating: .zero, count: dispatching ? tasks.count : 0)
        hostEnds = [SimTime](repeating: .zero, count: dispatching ? tasks.count : 0)
        hosts = !dispatching ? [] : (0..<graph.gpus).map {
            SerialResource(name: "gpu\($0) host", simulator: simulator, completion: EventKind.launchDone.event(target: $0))
        }
    }

    // MARK: Events

    /// The run's dispatcher: does what `event` says, at the simulator's `now`.
    func handle(_ event: Event) {
        let now = simulator.now
        switch EventKind(rawValue: event.kind)! {
        case .computeDone:
            gpus[Int(event.target)].complete(event, finished: { finish($0, at: now) }, started: { starts[$0] = now })
        case .collectiveDone:
            collectiveStreams[Int(event.target)].complete(event, finished: { collectiveEnded($0) }, started: { collectiveStarted($0) })
        case .collectiveStageDone:
            collectiveStages[Int(event.target) / Self.mostStages][Int(event.target) % Self.mostStages].complete(event) { collectiveStagePartEnded($0) }
        case .launchDone:
            hosts[Int(event.target)].complete(event, finished: { launchEnded($0) }, started: { hostStarts[$0] = now })
        case .networkWake:
            network.wake(event)
        case .legArrived:
            legArrived(event.task)
        case .latencyElapsed:
            finish(event.task, at: now)
        case .lastByteSent:
            release(sentDependents, sentDependentsStart[event.task]..<sentDependentsStart[event.task + 1])
        case .delayElapsed:
            let id = event.task
            waits.append(WaitRecord(task: id, device: devices[id], start: readyAt.removeValue(forKey: id)!, end: now, step: tasks[id].step,
                                    cause: tasks[id].startDelayCause!))
            start(id)
        case .exchangeDone:
            collectiveStagePartEnded(event.task)
        }
    }

    // MARK: Tasks

    /// Task `id` has ended at `time`: its dependents that wait for nothing else become ready.
    func finish(_ id: Int, at time: SimTime) {
        ends[id] = time
        if let interference, let collectiveBlocks { collectiveBlocks.transferEnded(id, interference) }
        if hostSync != nil { hostSyncSawFinish(id) }
        release(dependents, dependentsStart[id]..<dependentsStart[id + 1])
    }

    /// Tasks `list[range]` have one dependency fewer to wait for: those that wait for nothing
    /// else become ready.
    private func release(_ list: [Int], _ range: Range<Int>) {
        for k in range {
            let next = list[k]
            waitingOn[next] -= 1
            if waitingOn[next] == 0 { startWhenReady(next) }
        }
    }

    /// Task `id` is ready: it starts now, or after its start delay where it has one.
    func startWhenReady(_ id: Int) {
        guard !delays.isEmpty, let (delay, from) = delays[id] else { return start(id) }
        // The wait counts from the dependencies it names (all of them by default): the
        // task starts at the later of their last end plus the delay and now.
        let since = from.isEmpty ? simulator.now : from.map { ends[$0] }.max()!
        let until = since + delay
        guard until > simulator.now else { return start(id) }
        readyAt[id] = simulator.now
        simulator.schedule(EventKind.delayElapsed.event(task: id), after: until - simulator.now)
    }

    func start(_ id: Int) {
        switch startKinds[id] {
        case .compute:
            if dispatching && !launched[id] {
                dependenciesDone[id] = true     // the launch, when done, submits it
            } else {
                runOnGPU(id)
            }
        case .transfer(let bytes, let destination):
            startTransfer(id, bytes: bytes, destination: destination)
        case .collective:
            guard case .collective(let work) = tasks[id].work else { return }
            let stages = collectives.stageSeconds(for: work).map { SimDuration(secondsRoundingUp: $0) }
            guard stages.count > 1 || work.stageLane != nil else {
                return collectiveStreams[devices[id]].submit(task: id, duration: stages[0]) { [self] in collectiveStarted($0) }
            }
            precondition(stages.count <= Self.mostStages, "collectiveStageDone's target encodes at most \(Self.mostStages) stages")
            staged[id] = StagedCollective(durations: stages,
                                          sharedLinks: work.stageLane == nil ? collectives.sharedStageLinks(for: work) : [])
            collectiveStarted(id)
            submitStage(0, of: id)
        case .exchange(let replay):
            // A one-stage collective: its time alone, and a part on each link it keeps busy, shared
            // there with the other exchanges and stages in flight (`submitSharedLinkParts`).
            starts[id] = simulator.now
            let duration = exchangeDuration(replay)
            staged[id] = StagedCollective(durations: [duration], sharedLinks: exchangeLinks(replay, duration: duration))
            staged[id]!.pending = 1
            simulator.schedule(EventKind.exchangeDone.event(task: id), after: duration)
            submitSharedLinkParts(0, of: id)
        }
    }

    /// The links replayed exchange `replay`'s transfers keep busy (`TaskGraph.exchanges`), sorted,
    /// each with the seconds its bytes keep it busy, Σ bytes / β_link, and its transfers at
    /// once there, counted as its distinct sender-receiver pairs (a pipelined copy's pieces
    /// follow one another). Exchanges in flight together share each link they both cross
    /// as staged collectives do (`submitSharedLinkParts`): an exchange alone keeps its time,
    /// one whose transfers meet another's on a full link waits for its share, as the expanded
    /// run's flows would.
    private func exchangeLinks(_ replay: Int, duration: SimDuration) -> [CollectiveModel.SharedStageLink] {
        if let known = exchangeLinkUse[replay] { return known }
        // Bytes per sender-receiver pair first: a pipelined copy's pieces share their route.
        var bytesOfPair: [Int: Double] = [:]
        for task in exchanges[replay].tasks {
            guard case .transfer(let bytes, let destination) = task.work, bytes > 0 else { continue }
            bytesOfPair[task.device * topology.endpointCount + destination, default: 0] += bytes
        }
        var seconds: [Int: Double] = [:], pairs: [Int: Int] = [:]
        for pair in bytesOfPair.keys.sorted() {   // in one order every run: the sums below are the same to the bit
            let bytes = bytesOfPair[pair]!
            for link in topology.legs(from: pair / topology.endpointCount, to: pair % topology.endpointCount).joined() {
                seconds[link, default: 0] += bytes / topology.links[link].bytesPerSecond
                pairs[link, default: 0] += 1
            }
        }
        // Only the links it keeps busy at least half its time alone, and at least half as long as its
        // busiest: where one more such exchange would hold it back (a part on every link it crosses
        // made the paper's hybrid's simulation 1.6 times as long for the same steps within 0.3%).
        let busiest = seconds.values.max() ?? 0
        let links = seconds.keys.sorted().filter { seconds[$0]! >= 0.5 * max(busiest, duration.seconds) }.map { link in
            CollectiveModel.SharedStageLink(link: link, seconds: [seconds[link]!], transfers: [pairs[link]!])
        }
        exchangeLinkUse[replay] = links
        return links
    }

    /// How long exchange `replay` (`TaskGraph.exchanges`) takes: its transfers simulated
    /// alone on the run's topology under its profile, from all ready to the last one's
    /// end, once per run; an exchange that is the image of one simulated before
    /// (`ExchangeImage`: a turn's broadcast from a GPU in a like place) takes its time.
    private func exchangeDuration(_ replay: Int) -> SimDuration {
        if let known = exchangeDurations[replay] { return known }
        let like = exchangeDurations.indices.first { other in
            exchangeDurations[other] != nil && ExchangeImage.isImage(exchanges[replay], of: exchanges[other], on: topology)
        }
        let duration = like.flatMap { exchangeDurations[$0] }
            ?? GraphSimulation.makespan(exchanges[replay], topology: topology, cost: cost, profile: profile) - .zero
        exchangeDurations[replay] = duration
        return duration
    }

    /// The thread blocks NCCL's kernel runs for collective task `id`, where compute
    /// feels them (`CollectiveInterference`); nil otherwise.
    private func collectiveBlocks(_ id: Int) -> Int? {
        guard interference != nil, case .collective(let work) = tasks[id].work else { return nil }
        return work.nccl.map { $0.system.kernelChannels($0.choice, bytes: work.bytes) }
    }

    /// Collective task `id` starts on its GPU's collective stream.
    private func collectiveStarted(_ id: Int) {
        starts[id] = simulator.now
        if let blocks = collectiveBlocks(id) { interference!.begin(gpu: devices[id], channels: blocks) }
    }

    /// Staged collective task `id` enters stage `stage` on its GPU's resource for it, in its
    /// lane; under `crossLaneLoads`, also on every other node's lane, in the other stage's
    /// resource (the NIC's other direction), for the seconds that lane's NIC takes to carry
    /// its GPUs' copies of the bucket (one lane standing for the quiet nodes' lanes of each
    /// GPU count, `CrossLaneLoads.Folding`). There its own part is capped at the share of its NIC
    /// it uses: the NIC's time for the remote GPUs' copies over the stage's time alone, below
    /// 1 where more than the NIC sets that time (the server GPU's PCIe link, the route's
    /// latency), so that buckets of other servers behind the NIC use what it leaves; buckets
    /// of one server share their cap, as they share its link (`CollectiveWork.stageServer`).
    private func submitStage(_ stage: Int, of id: Int) {
        guard case .collective(let work) = tasks[id].work else { return }
        let duration = staged[id]!.durations[stage]
        staged[id]!.stage = stage
        staged[id]!.pending = 1
        let own = stageResources(gpu: devices[id], lane: work.stageLane)[stage]
        guard let crossLaneLoads, let crossLaneFolding, let lane = work.stageLane, staged[id]!.durations.count == 2,
              let nic = topology.wiring.network?.nic else {
            own.submit(task: id, duration: duration)
            return submitSharedLinkParts(stage, of: id)
        }
        // The time a NIC takes to carry the bucket's copies of `gpus` GPUs.
        func nicTime(gpus: Int) -> SimDuration { SimDuration(secondsRoundingUp: work.bytes * Double(gpus) / nic.bytesPerSecond) }
        let others = crossLaneLoads.crossLanes(of: lane, folding: crossLaneFolding)
        let ownNICTime = min(duration, nicTime(gpus: crossLaneLoads.remoteGPUs(of: lane)))
        let cap = ownNICTime > .zero && ownNICTime < duration ? Double(ownNICTime.nanoseconds) / Double(duration.nanoseconds) : 1
        own.submit(task: id, duration: duration, cap: cap, group: work.stageServer)
        for (other, gpus) in others {
            staged[id]!.pending += 1
            stageResources(gpu: devices[id], lane: other)[1 - stage].submit(task: id, duration: nicTime(gpus: gpus))
        }
    }

    /// The stage resources of `lane`, or without one `gpu`'s own, made when first used.
    private func stageResources(gpu: Int, lane: Int?) -> [SharedResource] {
        if let lane, lane < laneStages.count, laneStages[lane] >= 0 { return collectiveStages[laneStages[lane]] }
        if lane == nil, let known = gpuStages[gpu] { return collectiveStages[known] }
        let index = collectiveStages.count
        if let lane {
            if lane >= laneStages.count { laneStages += [Int](repeating: -1, count: lane + 1 - laneStages.count) }
            laneStages[lane] = index
        } else {
            gpuStages[gpu] = index
        }
        collectiveStages.append((0..<Self.mostStages).map { s in
            SharedResource(name: (lane.map { "lane \($0)" } ?? "gpu\(gpu)") + " collective stage \(s)", simulator: simulator,
                           completion: EventKind.collectiveStageDone.event(target: Self.mostStages * index + s))
        })
        return collectiveStages[index]
    }

    /// Staged collective task `id`'s parts of stage `stage` on the links it shares with other
    /// stages (`StagedCollective.sharedLinks`): one per link, as long as the stage alone,
    /// capped at the share of the link the stage uses alone (its seconds on the link over
    /// the stage's) and standing for as many flows as the stage runs transfers on the link at
    /// once, so that the link's transfers share it max-min fairly, as the expanded run's flows
    /// do (`SharedResource`). A stage alone keeps its time; one whose transfers meet another
    /// stage's on a full link waits for its share of it.
    private func submitSharedLinkParts(_ stage: Int, of id: Int) {
        let duration = staged[id]!.durations[stage]
        guard duration > .zero else { return }
        for shared in staged[id]!.sharedLinks where shared.seconds[stage] > 0 {
            precondition(shared.transfers[stage] >= 1, "a stage busy on a link crosses it with at least one transfer")
            staged[id]!.pending += 1
            sharedLinkResource(shared.link).submit(task: id, duration: duration, cap: min(1, shared.seconds[stage] / duration.seconds),
                                                   flows: shared.transfers[stage])
        }
    }

    /// The resource on which stages of staged collectives share link `link`, made when first used.
    private func sharedLinkResource(_ link: Int) -> SharedResource {
        if let index = sharedLinkStages[link] { return collectiveStages[index][0] }
        let index = collectiveStages.count
        sharedLinkStages[link] = index
        collectiveStages.append([SharedResource(name: topology.links[link].name + " (collective stages)", simulator: simulator,
                                                completion: EventKind.collectiveStageDone.event(target: Self.mostStages * index))])
        return collectiveStages[index][0]
    }

    /// A part of staged collective task `id`'s current stage has ended: once all have, it
    /// enters the next stage, or has ended.
    private func collectiveStagePartEnded(_ id: Int) {
        staged[id]!.pending -= 1
        guard staged[id]!.pending == 0 else { return }
        let next = staged[id]!.stage + 1
        guard next < staged[id]!.durations.count else {
            staged[id] = nil
            return collectiveEnded(id)
        }
        submitStage(next, of: id)
    }

    /// Collective task `id` ends (on its GPU's collective stream, or its last stage).
    private func collectiveEnded(_ id: Int) {
        if let blocks = collectiveBlocks(id) { interference!.end(gpu: devices[id], channels: blocks) }
        finish(id, at: simulator.now)
    }

    /// Compute task `id` queues on its GPU.
    func runOnGPU(_ id: Int) {
        gpus[devices[id]].submit(task: id, duration: computeDurations[id]) { [self] in starts[$0] = simulator.now }
    }

    /// Transfer task `id` starts: its route's legs run one after the other (a copy
    /// staged through host memory), then the latency its software adds, if any.
    func startTransfer(_ id: Int, bytes: Double, destination: Int) {
        starts[id] = simulator.now
        if let interference, let collectiveBlocks { collectiveBlocks.transferStarted(id, interference) }
        let route = route(from: devices[id], to: destination)
        // The latency the software adds beyond the route's (a collective library's step cost).
        let extra = latencies[id] == .none ? .zero
            : SimDuration(secondsRoundingUp: latencies[id].extraSeconds(beyond: topology.latency(of: routes[route].flatMap { $0.map(\.index) })))
        transfers[id] = (route, 0, extra)
        if !ceilings.isEmpty, ceilings[id] < .infinity {
            let ceiling = ceilings[id]
            heldCeilingLinks[id] = freeCeilingLinks[ceiling]?.popLast()
                ?? network.addLink(name: "transfer ceiling", bytesPerSecond: ceiling, latency: .zero)
        }
        network.startFlow(bytes: bytes, path: path(of: id, leg: routes[route][0]), task: id, reportsSent: reportsSent(id, leg: 0, of: route))
    }

    /// Whether transfer `id`'s flow on leg `leg` of `route` reports its last byte leaving:
    /// on its last leg, where a task waits for that (`sentDependents`).
    private func reportsSent(_ id: Int, leg: Int, of route: Int) -> Bool {
        !sentDependentsStart.isEmpty && leg == routes[route].count - 1 && sentDependentsStart[id + 1] > sentDependentsStart[id]
    }

    /// Transfer `id`'s path on one leg of its route: the leg's links, and its ceiling link if it has one.
    private func path(of id: Int, leg: [LinkID]) -> [LinkID] {
        guard !ceilings.isEmpty, !leg.isEmpty, let link = heldCeilingLinks[id] else { return leg }
        return leg + [link]
    }

    /// The last byte of transfer `id`'s current leg has arrived: its next leg starts,
    /// or it ends, now or once the latency its software adds has elapsed.
    private func legArrived(_ id: Int) {
        let (route, leg, extra) = transfers[id]
        if leg + 1 < routes[route].count {
            transfers[id].leg = leg + 1
            guard case .transfer(let bytes, _) = startKinds[id] else { return }
            network.startFlow(bytes: bytes, path: path(of: id, leg: routes[route][leg + 1]), task: id,
                              reportsSent: reportsSent(id, leg: leg + 1, of: route))
            return
        }
        if !ceilings.isEmpty, let link = heldCeilingLinks.removeValue(forKey: id) { freeCeilingLinks[ceilings[id], default: []].append(link) }
        if extra == .zero {
            finish(id, at: simulator.now)
        } else {
            simulator.schedule(EventKind.latencyElapsed.event(task: id), after: extra)
        }
    }

    /// The index in `routes` of the legs from `source` to `destination`.
    private func route(from source: Int, to destination: Int) -> Int {
        let key = source &* topology.endpointCount &+ destination
        if let cached = routeIndex[key] { return cached }
        let legs = symmetric ? topology.firstNodeLegs(from: source, to: destination) : topology.legs(from: source, to: destination)
        routes.append(legs.map { $0.map(LinkID.init) })
        routeIndex[key] = routes.count - 1
        return routes.count - 1
    }

    // MARK: Host dispatch

    /// Queues compute task `id`'s kernel launches on its worker's host thread; once
    /// they are through, the task runs on the GPU if its dependencies are done (and,
    /// under a host sync, the worker's next launch is submitted).
    func submitLaunch(_ id: Int) {
        guard case .compute(let work) = tasks[id].work else { return }
        let perKernel: Double
        switch tasks[id].kind {
        case .forward: perKernel = profile.launchSecondsPerKernelForward
        case .backward: perKernel = profile.launchSecondsPerKernelBackward
        default: perKernel = profile.launchSecondsPerKernelUpdate
        }
        hosts[devices[id]].submit(task: id, duration: SimDuration(secondsRoundingUp: Double(work.kernels) * perKernel)) { [self] in
            hostStarts[$0] = simulator.now
        }
    }

    /// Compute task `id`'s kernel launches are through.
    private func launchEnded(_ id: Int) {
        hostEnds[id] = simulator.now
        launched[id] = true
        if dependenciesDone[id] { runOnGPU(id) }
        if hostSync != nil { launchNext(devices[id]) }
    }

    /// Every worker's host thread launches its compute tasks in program order, from the start.
    func launchEverything() {
        for id in tasks.indices { if case .compute = startKinds[id] { submitLaunch(tasks[id].id) } }
    }

    /// What a host sync before the update waits for.
    struct HostSync {
        /// Per worker, its compute tasks in program order, and how many it has launched.
        var queues: [[Int]]
        var position: [Int]
        /// A gradient task -> the first updates it gates.
        var gates: [Int: [Int]]
        /// First update -> gradient tasks not finished yet.
        var pending: [Int: Int]
        /// First updates whose launch waits for their gradients.
        var blocked = Set<Int>()
    }

    /// Once per step, before the step's first update task, the host blocks until the
    /// step's gradients are ready: every task the updates launched with it depend on,
    /// other than updates, has finished (the AMP scaler's `.item()` on found_inf, after
    /// DDP has waited for its all-reduces). The updates launched with it are those that
    /// follow it in the worker's program order without compute between them: all of a
    /// data-parallel step's; under model-parallel layers, whose slices are updated
    /// before the data-parallel backward (or after each chunk), the first block only, as
    /// the host could not launch the compute the later updates wait for while it blocks.
    /// Each worker's launches are chained, the next submitted when the previous is through.
    func launchWithHostSync(workers: Int) {
        var queues = [[Int]](repeating: [], count: workers)
        var gates: [Int: [Int]] = [:]
        var pending: [Int: Int] = [:]
        for task in tasks { if case .compute = task.work { queues[task.device].append(task.id) } }
        for queue in queues {
            var synced = Set<Int>()             // steps whose first update is gated
            var i = 0
            while i < queue.count {
                let first = tasks[queue[i]]
                guard first.kind == .update, synced.insert(first.step).inserted else { i += 1; continue }
                while i < queue.count, tasks[queue[i]].kind == .update, tasks[queue[i]].step == first.step {
                    for d in tasks[queue[i]].dependencies where tasks[d].kind != .update && !(gates[d]?.contains(first.id) ?? false) {
                        gates[d, default: []].append(first.id)
                        pending[first.id, default: 0] += 1
                    }
                    i += 1
                }
            }
        }
        hostSync = HostSync(queues: queues, position: [Int](repeating: 0, count: workers), gates: gates, pending: pending)
        for worker in 0..<workers { launchNext(worker) }
    }

    private func launchNext(_ worker: Int) {
        guard hostSync!.position[worker] < hostSync!.queues[worker].count else { return }
        let id = hostSync!.queues[worker][hostSync!.position[worker]]
        hostSync!.position[worker] += 1
        if let waiting = hostSync!.pending[id], waiting > 0 { hostSync!.blocked.insert(id); return }
        submitLaunch(id)
    }

    private func hostSyncSawFinish(_ id: Int) {
        for first in hostSync!.gates[id] ?? [] {
            hostSync!.pending[first]! -= 1
            if hostSync!.pending[first] == 0 && hostSync!.blocked.remove(first) != nil {
                submitLaunch(first)
            }
        }
    }
}
