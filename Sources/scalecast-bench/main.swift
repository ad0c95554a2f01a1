// `make bench`: how fast the simulator itself runs. A release-built executable
// timing with ContinuousClock; each figure is the median of several runs.
import Foundation
import Scenario
import Simulation

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

let root = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "."
let path = root + "/scenarios/bench/resnet50-data-parallel.yaml"
let scenario: Scenario
do { scenario = try Scenario.load(path: path) } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}
let run = scenario.runs[0]
let clock = ContinuousClock()
print("Simulation speed: one step of ResNet-50, data parallel (ring, 25 MB buckets), every transfer expanded")
print("GPUs  tasks    events    wall ms (median of 5)  events/s")
for gpus in run.gpuCounts {
    var walls: [Double] = []
    var events = 0, tasks = 0
    for _ in 0..<5 {
        let start = clock.now
        let outcome = ScenarioRunner.simulate(run, gpus: gpus)
        walls.append(seconds(clock.now - start))
        events = outcome.trace.events
        tasks = outcome.graph.tasks.count
    }
    let wall = median(walls)
    let line = String(format: "%4d  %6d  %8d  %21.1f  %9.0f", gpus, tasks, events, wall * 1e3, Double(events) / wall)
    print(line)
}
