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
        run(jobs.map { ($0.task, $0.at, $0.duration, 1) })
    }

    /// Submits each job at its instant with its cap and returns when each ended.
    func run(_ jobs: [(task: Int, at: Int64, duration: Int64, cap: Double)]) -> [Int: Int64] {
        let sim = Simulator()
        let dispatcher = Dispatcher(sim)
        for job in jobs {
            sim.schedule(at: SimTime(nanoseconds: job.at)) {
                dispatcher.resource.submit(task: job.task, duration: SimDuration(nanoseconds: job.duration), cap: job.cap)
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

    /// A job capped at a quarter of the speed takes four times its work alone.
    @Test func aCappedJobAloneRunsAtItsCap() {
        #expect(run([(1, 0, 100, 0.25)]) == [1: 400])
    }

    /// Job 1 (100 ns, capped at 0.25) and job 2 (100 ns, uncapped) from 0: job 1 runs at
    /// 0.25 and job 2 takes the 0.75 left, ending at ⌈133.3⌉ = 134 with job 1 at
    /// 100 − 33.5 = 66.5 left, which at its cap takes 266 more: 400. Shared equally, job 2
    /// would have ended at 200.
    @Test func anUncappedJobTakesWhatACappedOneLeaves() {
        #expect(run([(1, 0, 100, 0.25), (2, 0, 100, 1)]) == [1: 400, 2: 134])
    }

    /// Caps above the equal share do not bind: two jobs capped at 0.6 share as uncapped ones.
    @Test func capsAboveTheEqualShareChangeNothing() {
        #expect(run([(1, 0, 100, 0.6), (2, 0, 100, 0.6)]) == [1: 200, 2: 200])
    }

    /// Water-filling among three: job 3 capped at 0.125 gets it, jobs 1 and 2 (capped at
    /// 0.6, above their share) split the 0.875 left, 0.4375 each, and end at ⌈228.6⌉ = 229;
    /// job 3 then has 100 − 28.625 = 71.375 left, 571 more at its cap: 800.
    @Test func aBindingCapLeavesItsShareToTheOthers() {
        #expect(run([(1, 0, 100, 0.6), (2, 0, 100, 0.6), (3, 0, 100, 0.125)]) == [1: 229, 2: 229, 3: 800])
    }
}
