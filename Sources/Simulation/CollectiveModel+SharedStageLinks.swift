import Hardware
import Parallelism

extension CollectiveModel {
    /// A link that more than one stage of a staged collective crosses, with what each stage
    /// puts on it: `seconds[s]` busy and `transfers[s]` transfers at once (0 and 0 where
    /// stage s does not cross it).
    public struct SharedStageLink: Sendable, Equatable {
        public var link: Int
        public var seconds: [Double]
        public var transfers: [Int]
    }

    /// The links of the first unit the node shift moves (node 0, or a leaf's nodes) that
    /// more than one stage of `work` crosses (`stageSeconds`), sorted by link, each with the
    /// seconds every stage keeps it busy,
    ///
    ///     busy(stage, link) = B · Σ_phases repeats · Σ_{transfers crossing it} fraction / β_link,
    ///
    /// and the most transfers a phase of the stage runs across it at once. Empty for a
    /// collective that runs as one, or whose stages cross no link in common.
    ///
    /// The aggregated run gives each stage its own resource, so that one bucket's stage runs
    /// beside the next bucket's earlier one; where two stages cross one link the expanded run
    /// shares it between their transfers. On NVLink and NVSwitch nodes GPUs reach host memory
    /// through the link between the NIC and the host (`Topology`, "Endpoints"), which the
    /// parameter server's copies into and out of host memory (eight transfers at once on an
    /// eight-GPU node) and its pushes and pulls (one) all cross: a pull beside the previous
    /// bucket's copies back gets a ninth of that link, not the network's rate (BENCHMARKS.md,
    /// forty-eighth session). `GraphRun` runs each stage's transfers on such a link as parts
    /// of the stage on a resource the stages share.
    public func sharedStageLinks(for work: CollectiveWork) -> [SharedStageLink] {
        guard let (count, stages) = stagePlan(for: work) else { return [] }
        let key = Key(algorithm: work.algorithm, ranks: work.ranks, perNode: work.ranksPerNode)
        if sharedStageLinkCache[key] == nil {
            var links: [Int: SharedStageLink] = [:]
            for (s, phases) in stages().enumerated() {
                for (phase, repeats) in phases where repeats > 0 {
                    var crossing: [Int: Int] = [:]
                    for transfer in phase.transfers {
                        let legs = phase.folded ? topology.firstNodeLegs(from: transfer.from, to: transfer.to)
                                                : topology.legs(from: transfer.from, to: transfer.to)
                        for link in legs.joined() where topology.shiftUnit(ofLink: link) == 0 {
                            links[link, default: SharedStageLink(link: link, seconds: Array(repeating: 0, count: count),
                                                                 transfers: Array(repeating: 0, count: count))]
                                .seconds[s] += transfer.fraction * Double(repeats) / topology.links[link].bytesPerSecond
                            crossing[link, default: 0] += 1   // links are directed: a route crosses one once
                        }
                    }
                    for (link, n) in crossing { links[link]!.transfers[s] = max(links[link]!.transfers[s], n) }
                }
            }
            sharedStageLinkCache[key] = links.values.filter { $0.seconds.filter { $0 > 0 }.count > 1 }.sorted { $0.link < $1.link }
        }
        return sharedStageLinkCache[key]!.map { shared in
            var scaled = shared
            scaled.seconds = shared.seconds.map { $0 * work.bytes }
            return scaled
        }
    }
}
