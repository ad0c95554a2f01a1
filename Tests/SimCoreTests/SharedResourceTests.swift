import Testing
@testable import SimCore

/// A shared resource runs its jobs at once, each at 1/n of full speed with n jobs under
/// way (processor sharing), or, where caps bind, max-min fairly: worked out by hand below.
@Suite struct SharedResourceTests {
    final class Dispatcher: EventHandler {
        let simulator: Simulator
        var resource: SharedResource!
        var ends: [Int: Int64] = [:]

        init(_ simulator: Simulator) {
            self.simulator = simulator
            resource = SharedResource(name: "shared", simulator: simulator, completion: Event(kind: 0, target: 0))
        }

        func handle(_ event: Event) {
            let now = simulator.now.nanoseconds
            resource.complete(event) { ends[$0] = now }
        }
    }

    /// Submits each job at its instant and returns when each ended.
    func run(_ jobs: [(task: Int, at: Int64, duration: Int64)]) -> [Int: Int64] {
        run(jobs.map { ($0.task, $0.at, $0.duration, 1, nil) })
    }

    /// Submits each job at its instant with its cap and group and returns when each ended.
    func run(_ jobs: [(task: Int, at: Int64, duration: Int64, cap: Double, group: Int?)]) -> [Int: Int64] {
        run(jobs.map { ($0.task, $0.at, $0.duration, $0.cap, $0.group, 1) })
    }

    /// Submits each job at its instant with its cap, group and flows and returns when each ended.
    func run(_ jobs: [(task: Int, at: Int64, duration: Int64, cap: Double, group: Int?, flows: Int)]) -> [Int: Int64] {
        let sim = Simulator()
        let dispatcher = Dispatcher(sim)
        for job in jobs {
            sim.schedule(at: SimTime(nanoseconds: job.at)) {
                dispatcher.resource.submit(task: job.task, duration: SimDuration(nanoseconds: job.duration), cap: job.cap,
                                           group: job.group, flows: job.flows)
            }
        }
        sim.run(handler: dispatcher)
        #expect(dispatcher.resource.count == 0)
        return dispatcher.ends
    }

    /// A job alone takes its duration, to the nanosecond.
    @Test func aJobAloneTakesItsDuration() {
        #expect(run([(1, 7, 1_000)]) == [1: 1_007])
    }

    /// Two equal jobs submitted together both end after twice their duration.
    @Test func twoEqualJobsEndTogetherAtTwiceTheirDuration() {
        #expect(run([(1, 0, 100), (2, 0, 100)]) == [1: 200, 2: 200])
    }

    /// Job 1 (100 ns) from 0, job 2 (100 ns) from 40: alone until 40 (60 left), then each
    /// at half speed, so job 1 ends at 40 + 120 = 160 with job 2 at 40 left, which it
    /// does alone by 200. Job 3 (10 ns), submitted at 160 as job 1 ends, shares with job 2:
    /// job 3 ends at 180, job 2 (30 left) at 210.
    @Test func arrivalsAndDeparturesReshareTheSpeed() {
        #expect(run([(1, 0, 100), (2, 40, 100)]) == [1: 160, 2: 200])
        #expect(run([(1, 0, 100), (2, 40, 100), (3, 160, 10)]) == [1: 160, 2: 210, 3: 180])
    }

    /// A job of no work ends the instant it is submitted.
    @Test func aJobOfNoWorkEndsAtOnce() {
        #expect(run([(1, 0, 100), (2, 30, 0)]) == [1: 100, 2: 30])
    }

    /// A capped job alone takes its duration, using only its cap of the speed.
    @Test func aCappedJobAloneTakesItsDuration() {
        #expect(run([(1, 7, 1_000, 0.25, nil)]) == [1: 1_007])
    }

    /// Job 1 (400 ns alone at a cap of 0.25: 100 ns of work at full speed) and job 2 (100 ns,
    /// uncapped) from 0: job 1 keeps its 0.25 and job 2 takes the 0.75 left, ending at
    /// ⌈133.3⌉ = 134; job 1, at its pace all along, ends at 400. Shared equally, job 2 would
    /// have ended at 200.
    @Test func anUncappedJobTakesWhatACappedOneLeaves() {
        #expect(run([(1, 0, 400, 0.25, nil), (2, 0, 100, 1, nil)]) == [1: 400, 2: 134])
    }

    /// Caps that sum above the speed share it equally: two jobs of 100 ns alone at a cap of
    /// 0.6 (60 ns of work each) get 0.5 each and end at 120.
    @Test func capsAboveTheEqualShareShareEqually() {
        #expect(run([(1, 0, 100, 0.6, nil), (2, 0, 100, 0.6, nil)]) == [1: 120, 2: 120])
    }

    /// Water-filling among three: job 3 (800 ns alone at 0.125) keeps its cap; jobs 1 and 2
    /// (100 ns alone at 0.6) split the 0.875 left, 0.4375 each, 0.729 of their pace, and end
    /// at ⌈137.1⌉ = 138; job 3, at its pace all along, ends at 800.
    @Test func aBindingCapLeavesItsShareToTheOthers() {
        #expect(run([(1, 0, 100, 0.6, nil), (2, 0, 100, 0.6, nil), (3, 0, 800, 0.125, nil)]) == [1: 138, 2: 138, 3: 800])
    }

    /// Jobs 1 and 2 (100 ns alone at a cap of 0.25) with job 3 (100 ns, uncapped). Apart,
    /// each keeps its 0.25 and ends at 100, and job 3, at 0.5 until then, at 150. As one group
    /// they share one cap of 0.25: 0.125 each, half their pace, while job 3 takes 0.75 and
    /// ends at ⌈133.3⌉ = 134; they then have 33 ns left, 66 more at half pace: 200.
    @Test func jobsOfOneGroupShareTheirCap() {
        #expect(run([(1, 0, 100, 0.25, nil), (2, 0, 100, 0.25, nil), (3, 0, 100, 1, nil)]) == [1: 100, 2: 100, 3: 150])
        #expect(run([(1, 0, 100, 0.25, 7), (2, 0, 100, 0.25, 7), (3, 0, 100, 1, nil)]) == [1: 200, 2: 200, 3: 134])
    }

    /// A job of eight flows (310 ns alone at a cap of 0.96, 0.12 a flow) beside one of one
    /// flow (100 ns alone at 0.5): nine flows share the speed, 1/9 each (below both caps), so
    /// the eight run at 8/9 / 0.96 of their pace and end at ⌈334.8⌉ = 335, the one at 2/9 of
    /// its pace (74.4 ns of its 100 done by then) and, alone after, at ⌈360.6⌉ = 361. Eight jobs
    /// of one flow at 0.12 each end the same; the eight flows as one job of one flow would
    /// split the speed evenly with the other (0.5 each: it ends at 100, they at ⌈357.9⌉ = 358).
    @Test func aJobOfSeveralFlowsTakesAShareForEach() {
        #expect(run([(1, 0, 310, 0.96, nil, 8), (2, 0, 100, 0.5, nil, 1)]) == [1: 335, 2: 361])
        let eight = (0..<8).map { (task: 10 + $0, at: Int64(0), duration: Int64(310), cap: 0.12, group: Int?.none, flows: 1) }
        let apart = run(eight + [(2, 0, 100, 0.5, nil, 1)])
        #expect(apart[2] == 361 && (10..<18).allSatisfy { apart[$0] == 335 }, "\(apart)")
        #expect(run([(1, 0, 310, 0.96, nil, 1), (2, 0, 100, 0.5, nil, 1)]) == [1: 358, 2: 100])
    }

    /// Where a job's cap per flow binds it keeps its cap and leaves the rest: eight flows at
    /// 0.4 (0.05 a flow, below the ninth each could take) end at 100 as alone; the one flow
    /// beside them gets 0.6 until then (60 of its 100 ns) and ends at 140. Three flows alone
    /// at a cap of 0.7 end at their duration to the nanosecond, with a group beside them
    /// taking the rest as before (two jobs of 0.1 sharing 0.1: 0.05 each, half their pace).
    @Test func aJobOfSeveralFlowsAtItsCapKeepsIt() {
        #expect(run([(1, 0, 100, 0.4, nil, 8), (2, 0, 100, 1, nil, 1)]) == [1: 100, 2: 140])
        #expect(run([(1, 0, 1_000_003, 0.7, nil, 3)]) == [1: 1_000_003])
        #expect(run([(1, 0, 100, 0.7, nil, 3), (2, 0, 100, 0.1, 4, 1), (3, 0, 100, 0.1, 4, 1)]) == [1: 100, 2: 200, 3: 200])
    }
}
