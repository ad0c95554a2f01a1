import Testing
@testable import SimCore

/// A serial resource whose speed changes mid-job keeps the work done so far.
@Suite struct SerialResourceRateTests {
    /// A job of 1000 ns: from 200 ns at half speed, back to full speed at 1000 ns. By
    /// 1000 ns it has done 200 + 800 × 0.5 = 600 ns of work; the other 400 end it at 1400.
    @Test func aRateChangeMidJobRepricesOnlyWhatIsLeft() {
        let sim = Simulator()
        let gpu = SerialResource(name: "gpu", simulator: sim)
        var end: SimTime?
        gpu.submit(duration: SimDuration(nanoseconds: 1000)) { end = $0 }
        sim.schedule(at: SimTime(nanoseconds: 200)) { gpu.setRate(0.5) }
        sim.schedule(at: SimTime(nanoseconds: 1000)) { gpu.setRate(1) }
        sim.run()
        #expect(end == SimTime(nanoseconds: 1400))
    }

    /// Slowed for the whole job, it takes duration / rate; at full speed, exactly its
    /// duration; jobs run one after another in submission order,
    /// also those submitted when one ends.
    @Test func wholeJobsAndOrder() {
        let sim = Simulator()
        let gpu = SerialResource(name: "gpu", simulator: sim)
        var log: [(String, Int64)] = []
        gpu.setRate(0.25)
        gpu.submit(duration: SimDuration(nanoseconds: 100)) { t in
            log.append(("a", t.nanoseconds))
            gpu.submit(duration: SimDuration(nanoseconds: 10)) { log.append(("c", $0.nanoseconds)) }
            gpu.setRate(1)
        }
        gpu.submit(duration: SimDuration(nanoseconds: 50)) { log.append(("b", $0.nanoseconds)) }
        sim.run()
        #expect(log.map(\.0) == ["a", "b", "c"])
        #expect(log.map(\.1) == [400, 450, 460])
    }

    /// A change of rate while idle only sets the speed of the next job; a change to the
    /// same rate schedules nothing.
    @Test func idleChangesAndNoOps() {
        let sim = Simulator()
        let gpu = SerialResource(name: "gpu", simulator: sim)
        var end: SimTime?
        gpu.setRate(0.5)
        gpu.setRate(0.5)
        gpu.submit(duration: SimDuration(nanoseconds: 7)) { end = $0 }
        sim.schedule(at: SimTime(nanoseconds: 3)) { gpu.setRate(0.5) }
        sim.run()
        #expect(end == SimTime(nanoseconds: 14))
        #expect(sim.eventsProcessed == 2)
    }
}
