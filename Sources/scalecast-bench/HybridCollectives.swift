import Foundation
import Scenario
import Simulation

/// Issue 16's hybrid at hundreds of GPUs: the one-weird-trick hybrid (scheme b, exact)
/// under pytorch-ddp, whose model-parallel exchanges run as collectives, simulated
/// aggregated (each exchange one task priced by its closed form) at the scenario's GPU
/// counts: wall time (median of 3), peak RSS so far, growth exponent; goals 64 GPUs
/// within 1 s and 512 within 30 s, peak RSS within 1 GB. Then one step against the
/// expanded fidelity (every exchange's ring steps and pipelined chains) where that
/// is not refused (`PlanLimits`), gap = aggregated / expanded − 1.
func printHybridUnderCollectives(_ run: RunSpec) {
    let clock = ContinuousClock()
    print("\nHybrid under a collective library (scheme b, pytorch-ddp), aggregated: alexnet-owt-cc2 on DGX A100-style nodes, one HDR NIC per GPU")
    print("(goals: 64 GPUs under 1 s, 512 under 30 s, peak RSS under 1 GB; median of 3; peak RSS is the process's so far)")
    print("GPUs   tasks   step ms    wall ms  peak RSS MB")
    var measured: [(gpus: Double, seconds: Double)] = []
    for gpus in run.gpuCounts {
        var walls: [Double] = [], step = 0.0, tasks = 0
        for _ in 0..<3 {
            let start = clock.now
            let outcome = try! ScenarioRunner.simulate(run, gpus: gpus)
            walls.append(seconds(clock.now - start))
            step = outcome.metrics.stepSeconds
            tasks = outcome.graph.tasks.count
        }
        measured.append((Double(gpus), median(walls)))
        print(String(format: "%4d  %6d  %8.1f  %9.1f  %11.0f", gpus, tasks, step * 1e3, median(walls) * 1e3, peakResidentMegabytes()))
    }
    print(growthLine(measured))
    print("aggregated against expanded, one step: GPUs, expanded ms, aggregated ms, gap, expanded wall s")
    for gpus in [8, 16] {   // 32 expanded passes PlanLimits.exchangeWork
        var expanded = run
        expanded.fidelity = .expanded
        let start = clock.now
        let slow = try! ScenarioRunner.simulate(expanded, gpus: gpus).metrics.stepSeconds
        let wall = seconds(clock.now - start)
        let fast = try! ScenarioRunner.simulate(run, gpus: gpus).metrics.stepSeconds
        print(String(format: "%4d  %8.1f  %8.1f  %+6.1f%%  %8.2f", gpus, slow * 1e3, fast * 1e3, (fast / slow - 1) * 100, wall))
    }
}
