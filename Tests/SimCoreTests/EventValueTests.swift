import Testing
@testable import SimCore

/// The engine's events as values: the simulator orders `Event`s and closures in one
/// (time, insertion) order, a serial resource queues task indices, a flow network
/// reports arrivals by task index, and each behaves exactly as its callback form.
@Suite struct EventValueTests {
    /// A handler that logs what it is handed and forwards the resources' own events.
    final class Dispatcher: EventHandler {
        enum Kind: UInt8 { case jobDone, networkWake, arrived, plain }
        let simulator: Simulator
        var resources: [SerialResource] = []
        var network: FlowNetwork?
        var log: [(what: String, task: Int, at: Int64)] = []
        /// Called with a task whose job has just ended, before the next job starts.
        var afterFinish: (Int) -> Void = { _ in }

        init(_ simulator: Simulator) { self.simulator = simulator }

        func handle(_ event: Event) {
            let now = simulator.now.nanoseconds
            switch Kind(rawValue: event.kind)! {
            case .jobDone:
                resources[Int(event.target)].complete(event, finished: { task in
                    log.append(("end", task, now))
                    afterFinish(task)
                }, started: { log.append(("start", $0, now)) })
            case .networkWake: network!.wake(event)
            case .arrived: log.append(("arrived", event.task, now))
            case .plain: log.append(("plain", event.task, now))
            }
        }

        func resource(_ target: Int) -> SerialResource {
            let resource = SerialResource(name: "r\(target)", simulator: simulator,
                                          completion: Event(kind: Kind.jobDone.rawValue, target: Int32(target)))
            resources.append(resource)
            return resource
        }
    }

    /// Events and closures at one instant run in the order they were scheduled, events
    /// carry their fields through unchanged, and both count as processed events.
    @Test func eventsAndClosuresAtOneInstantKeepInsertionOrder() {
        let sim = Simulator()
        let dispatcher = Dispatcher(sim)
        let plain = Dispatcher.Kind.plain.rawValue
        sim.schedule(Event(kind: plain, task: 0), at: SimTime(nanoseconds: 10))
        sim.schedule(at: SimTime(nanoseconds: 10)) { dispatcher.log.append(("closure", 1, sim.now.nanoseconds)) }
        sim.schedule(Event(kind: plain, task: 2), at: SimTime(nanoseconds: 10))
        sim.schedule(Event(kind: plain, task: 3), after: SimDuration(nanoseconds: 5))
        sim.schedule(at: SimTime(nanoseconds: 10)) {
            // Scheduled during the run, at the same instant: after everything pending.
            sim.schedule(Event(kind: plain, task: 5), after: .zero)
            dispatcher.log.append(("closure", 4, sim.now.nanoseconds))
        }
        sim.run(handler: dispatcher)
        #expect(dispatcher.log.map(\.task) == [3, 0, 1, 2, 4, 5])
        #expect(dispatcher.log.map(\.at) == [5, 10, 10, 10, 10, 10])
        #expect(sim.eventsProcessed == 6)
    }

    /// The simulator keeps no reference to the handler once `run` returns.
    @Test func runDoesNotKeepItsHandler() {
        let sim = Simulator()
        weak var weakHandler: Dispatcher?
        do {
            let dispatcher = Dispatcher(sim)
            weakHandler = dispatcher
            sim.schedule(Event(kind: Dispatcher.Kind.plain.rawValue, task: 7), after: SimDuration(nanoseconds: 1))
            sim.run(handler: dispatcher)
            #expect(dispatcher.log.map(\.task) == [7])
        }
        #expect(weakHandler == nil)
        #expect(sim.pendingEvents == 0)
    }

    /// A serial resource runs its queued task indices first come first served, also
    /// across changes of rate, and ignores the completions a change of rate superseded.
    /// Tasks 10 (100 ns), 11 (50 ns), 12 (30 ns): half speed from 40 ns to 140 ns.
    /// Task 10 has done 40 ns by 40 and 50 more by 140 (at half speed), so its last 10
    /// end it at 150; 11 and 12 then run at full speed: 150-200, 200-230.
    @Test func queuedIndicesRunInOrderAcrossRateChanges() {
        let sim = Simulator()
        let dispatcher = Dispatcher(sim)
        let gpu = dispatcher.resource(0)
        for (task, ns) in [(10, 100), (11, 50), (12, 30)] as [(Int, Int64)] {
            gpu.submit(task: task, duration: SimDuration(nanoseconds: ns)) { dispatcher.log.append(("start", $0, sim.now.nanoseconds)) }
        }
        #expect(gpu.queueLength == 2)
        sim.schedule(at: SimTime(nanoseconds: 40)) { gpu.setRate(0.5) }
        sim.schedule(at: SimTime(nanoseconds: 140)) { gpu.setRate(1) }
        sim.run(handler: dispatcher)
        #expect(dispatcher.log.map(\.what) == ["start", "end", "start", "end", "start", "end"])
        #expect(dispatcher.log.map(\.task) == [10, 10, 11, 11, 12, 12])
        #expect(dispatcher.log.map(\.at) == [0, 150, 150, 200, 200, 230])
        #expect(gpu.busyTime == SimDuration(nanoseconds: 180))
        // Two completions of task 10 were superseded (due at 100, then at 160; 150 kept):
        // 3 jobs' completions + 2 superseded + the 2 rate changes.
        #expect(sim.eventsProcessed == 7)
    }

    /// A job submitted when another ends queues behind those already waiting, as
    /// with callbacks.
    @Test func aJobSubmittedAtAnEndQueuesBehindTheWaitingOnes() {
        let sim = Simulator()
        let dispatcher = Dispatcher(sim)
        let gpu = dispatcher.resource(0)
        dispatcher.afterFinish = { task in
            if task == 0 { gpu.submit(task: 2, duration: SimDuration(nanoseconds: 1)) { _ in Issue.record("2 cannot start at once") } }
        }
        gpu.submit(task: 0, duration: SimDuration(nanoseconds: 4)) { _ in }
        gpu.submit(task: 1, duration: SimDuration(nanoseconds: 3)) { _ in }
        sim.run(handler: dispatcher)
        #expect(dispatcher.log.filter { $0.what == "end" }.map(\.task) == [0, 1, 2])
        #expect(dispatcher.log.filter { $0.what == "end" }.map(\.at) == [4, 7, 8])
    }

    /// Random jobs and rate changes on three resources: the indexed form and the
    /// callback form give the same starts and ends, in the same order, with the same
    /// number of events.
    @Test(arguments: 0..<25)
    func indexedJobsMatchCallbackJobs(seed: Int) {
        var rng = SplitMix64(seed: UInt64(seed) &+ 7_000)
        var jobs: [(at: Int64, resource: Int, duration: Int64)] = []
        for _ in 0..<(1 + Int(rng.next() % 40)) {
            jobs.append((Int64(rng.next() % 500), Int(rng.next() % 3), Int64(rng.next() % 90)))
        }
        let rates: [(at: Int64, resource: Int, rate: Double)] = (0..<Int(rng.next() % 12)).map { _ in
            (Int64(rng.next() % 600), Int(rng.next() % 3), [1, 0.5, 0.3, 0.75][Int(rng.next() % 4)])
        }

        let indexedSim = Simulator()
        let dispatcher = Dispatcher(indexedSim)
        let indexed = (0..<3).map { dispatcher.resource($0) }
        for (task, job) in jobs.enumerated() {
            indexedSim.schedule(at: SimTime(nanoseconds: job.at)) {
                indexed[job.resource].submit(task: task, duration: SimDuration(nanoseconds: job.duration)) {
                    dispatcher.log.append(("start", $0, indexedSim.now.nanoseconds))
                }
            }
        }
        for change in rates { indexedSim.schedule(at: SimTime(nanoseconds: change.at)) { indexed[change.resource].setRate(change.rate) } }
        indexedSim.run(handler: dispatcher)

        let callbackSim = Simulator()
        let withCallbacks = (0..<3).map { SerialResource(name: "r\($0)", simulator: callbackSim) }
        var log: [(what: String, task: Int, at: Int64)] = []
        for (task, job) in jobs.enumerated() {
            callbackSim.schedule(at: SimTime(nanoseconds: job.at)) {
                withCallbacks[job.resource].submit(duration: SimDuration(nanoseconds: job.duration),
                                                   started: { log.append(("start", task, $0.nanoseconds)) },
                                                   finished: { log.append(("end", task, $0.nanoseconds)) })
            }
        }
        for change in rates { callbackSim.schedule(at: SimTime(nanoseconds: change.at)) { withCallbacks[change.resource].setRate(change.rate) } }
        callbackSim.run()

        #expect(dispatcher.log.count == 2 * jobs.count)
        #expect(dispatcher.log.map(\.what) == log.map(\.what), "seed \(seed)")
        #expect(dispatcher.log.map(\.task) == log.map(\.task), "seed \(seed)")
        #expect(dispatcher.log.map(\.at) == log.map(\.at), "seed \(seed)")
        #expect(indexedSim.eventsProcessed == callbackSim.eventsProcessed)
        #expect(indexed.map(\.busyTime) == withCallbacks.map(\.busyTime))
    }

    /// Random flows (the incremental-sharing workloads, empty paths and zero bytes
    /// included): arrivals reported by task index come at the instants and in the
    /// order the callbacks do, with the same number of events.
    @Test(arguments: 0..<200)
    func indexedFlowsMatchCallbackFlows(seed: UInt64) {
        let workload = IncrementalSharingTests.Workload(seed: seed &+ 31_000)
        func build(_ sim: Simulator, _ net: FlowNetwork) -> [LinkID] {
            zip(workload.bandwidths, workload.latencies).enumerated().map { i, l in
                net.addLink(name: "l\(i)", bytesPerSecond: l.0, latency: SimDuration(nanoseconds: l.1))
            }
        }
        let indexedSim = Simulator()
        let dispatcher = Dispatcher(indexedSim)
        let indexed = FlowNetwork(simulator: indexedSim, wake: Event(kind: Dispatcher.Kind.networkWake.rawValue),
                                  arrival: Event(kind: Dispatcher.Kind.arrived.rawValue))
        dispatcher.network = indexed
        let indexedLinks = build(indexedSim, indexed)
        for (task, flow) in workload.flows.enumerated() {
            indexedSim.schedule(at: SimTime(nanoseconds: flow.at)) {
                indexed.startFlow(bytes: flow.bytes, path: flow.path.map { indexedLinks[$0] }, task: task)
            }
        }
        indexedSim.run(handler: dispatcher)

        let callbackSim = Simulator()
        let withCallbacks = FlowNetwork(simulator: callbackSim)
        let links = build(callbackSim, withCallbacks)
        var arrivals: [(task: Int, at: Int64)] = []
        for (task, flow) in workload.flows.enumerated() {
            callbackSim.schedule(at: SimTime(nanoseconds: flow.at)) {
                withCallbacks.startFlow(bytes: flow.bytes, path: flow.path.map { links[$0] }) { arrivals.append((task, $0.nanoseconds)) }
            }
        }
        callbackSim.run()

        #expect(dispatcher.log.count == workload.flows.count)
        #expect(dispatcher.log.map(\.task) == arrivals.map(\.task), "seed \(seed)")
        #expect(dispatcher.log.map(\.at) == arrivals.map(\.at), "seed \(seed)")
        #expect(indexedSim.eventsProcessed == callbackSim.eventsProcessed)
        #expect(indexed.bytesCarried == withCallbacks.bytesCarried && indexed.busyTime == withCallbacks.busyTime)
        #expect(indexed.activeFlows == 0)
    }
}
