import Foundation
import Scenario
import Parallelism
import Simulation

/// The `fidelity` section of `make bench` (issue 16, item 6): on contended networks, the
/// step time of the aggregated fidelity (each collective by its closed form) against the
/// expanded one (every transfer simulated), per all-reduce algorithm and GPU count.
/// Gap = aggregated / expanded − 1; the goal is within 5%. `step` says what one step is.
func printFidelityAgreement(_ scenario: Scenario, gpuCounts: [Int],
                            step: String = "ResNet-50 (fp16, 64 images per GPU, 25 MB buckets)") {
    print("\nAggregated against expanded: one step of \(step), gap = aggregated / expanded - 1")
    print("(goal: within 5%; wall times are the two simulations')")
    print("network and algorithm           GPUs  expanded ms  aggregated ms      gap  expanded wall s  aggregated wall s")
    var gaps: [Double] = []
    for run in scenario.runs {
        for gpus in gpuCounts {
            var stepSeconds: [Double] = [], walls: [Double] = []
            for fidelity in [Fidelity.expanded, .aggregated] {
                var variant = run
                variant.fidelity = fidelity
                let start = ContinuousClock.now
                do {
                    stepSeconds.append(try ScenarioRunner.simulate(variant, gpus: gpus).metrics.stepSeconds)
                } catch {
                    // An expanded plan past PlanLimits (a network node symmetry cannot fold).
                    print((run.label ?? "").padding(toLength: 30, withPad: " ", startingAt: 0)
                          + String(format: "  %4d  ", gpus) + "\(fidelity) refused: plan too large to simulate transfer by transfer")
                    break
                }
                walls.append(seconds(ContinuousClock.now - start))
            }
            guard stepSeconds.count == 2 else { continue }
            let gap = stepSeconds[1] / stepSeconds[0] - 1
            gaps.append(abs(gap))
            print((run.label ?? "").padding(toLength: 30, withPad: " ", startingAt: 0)
                  + String(format: "  %4d  %11.1f  %13.1f  %+6.1f%%  %15.2f  %17.3f", gpus, stepSeconds[0] * 1e3, stepSeconds[1] * 1e3,
                           gap * 100, walls[0], walls[1]))
        }
    }
    print(String(format: "|gap|: median %.1f%%, largest %.1f%%, %d of %d within 5%%", median(gaps) * 100, (gaps.max() ?? 0) * 100,
                 gaps.filter { $0 <= 0.05 }.count, gaps.count))
}
