import Foundation
import Hardware

/// Variations of a run for what-if questions ("what if we buy 100 Gb/s instead of 25?").
public enum WhatIf {
    /// Which link of a cluster a what-if changes.
    public enum LinkChoice: String, CaseIterable, Sendable {
        /// The NICs between nodes.
        case network
        /// The links that join a node's GPUs: PCIe GPU links, NVLink, NVSwitch ports.
        case gpu
    }

    /// The link a what-if on `run` changes by default: the network if the run spans
    /// nodes at `gpus`, else the GPUs' own links.
    public static func defaultLink(_ run: RunSpec, gpus: Int) -> LinkChoice {
        run.cluster.nodes(for: gpus) > 1 ? .network : .gpu
    }

    /// A short description of the chosen link, e.g. `network (eth-100g)`.
    public static func describe(_ choice: LinkChoice, in run: RunSpec) -> String {
        switch choice {
        case .network: return "network (\(run.cluster.network?.nic.name ?? "none"))"
        case .gpu:
            switch run.cluster.fabric {
            case .pcieTree(let tree): return "GPU PCIe link (\(tree.gpuLink.name))"
            case .nvlinkMesh(let link), .nvswitch(let link): return "NVLink (\(link.name))"
            }
        }
    }

    /// `run` with the chosen link's bandwidth set to `bytesPerSecond` per direction.
    /// - Throws: `WhatIfError` when the run has no network to change.
    public static func withBandwidth(_ run: RunSpec, link choice: LinkChoice, bytesPerSecond: Double) throws -> RunSpec {
        var changed = run
        switch choice {
        case .network:
            guard var network = run.cluster.network else { throw WhatIfError("the cluster has no network to vary") }
            network.nic.bytesPerSecond = bytesPerSecond
            changed.cluster.network = network
        case .gpu:
            switch run.cluster.fabric {
            case .pcieTree(var tree):
                // A scenario without `uplink:` gets its GPU link's (Scenario+YAML): that uplink is the
                // same link and takes the new speed too, as the edited scenario would.
                if tree.uplink == tree.gpuLink { tree.uplink.bytesPerSecond = bytesPerSecond }
                tree.gpuLink.bytesPerSecond = bytesPerSecond
                changed.cluster.fabric = .pcieTree(tree)
            case .nvlinkMesh(var link):
                link.bytesPerSecond = bytesPerSecond
                changed.cluster.fabric = .nvlinkMesh(link)
            case .nvswitch(var link):
                link.bytesPerSecond = bytesPerSecond
                changed.cluster.fabric = .nvswitch(link)
            }
        }
        return changed
    }
}

extension WhatIf {
    /// The unit a bandwidth what-if is stated and drawn in: the one the link is
    /// sold in, Gb/s for NICs, GB/s for PCIe and NVLink (as the catalog and the
    /// vendors quote them). One unit per chart, never both.
    public enum BandwidthUnit: String, Sendable {
        case gigabitsPerSecond = "Gb/s"
        case gigabytesPerSecond = "GB/s"

        /// Bytes per second in one unit.
        public var bytesPerSecond: Double { self == .gigabitsPerSecond ? 1e9 / 8 : 1e9 }
    }

    public static func unit(for choice: LinkChoice) -> BandwidthUnit {
        choice == .network ? .gigabitsPerSecond : .gigabytesPerSecond
    }

    /// The link a what-if on `choice` changes, as the run has it: its operating point.
    /// - Returns: nil when the run has no network to change.
    public static func link(_ choice: LinkChoice, in run: RunSpec) -> LinkSpec? {
        switch choice {
        case .network: return run.cluster.network?.nic
        case .gpu:
            switch run.cluster.fabric {
            case .pcieTree(let tree): return tree.gpuLink
            case .nvlinkMesh(let link), .nvswitch(let link): return link
            }
        }
    }

    /// The kinds of catalog link a what-if on `choice` could buy instead.
    public static func alternatives(for choice: LinkChoice) -> Set<LinkKind> {
        choice == .network ? [.ethernet, .infiniband] : [.pcie, .nvlink, .infinityFabric, .roceScaleUp]
    }

    /// The default bandwidths of a what-if, in bytes/s: centred on the run's own
    /// (`operating`), in factors of two each way, as many as reach the slowest and
    /// fastest alternative in the catalog (`alternatives`) and at least a factor 8,
    /// at most 32: e.g. 25 Gb/s Ethernet from 0.78 to 800 Gb/s (the catalog's
    /// 10 GbE to XDR InfiniBand), NVLink 3 at 300 GB/s from 9.4 to 9,600 GB/s
    /// (PCIe 3.0 x16 to NVLink 5 inside it).
    public static func defaultBandwidths(around operating: Double, alternatives: [Double]) -> [Double] {
        let reach = alternatives.map { max($0 / operating, operating / $0) }.max() ?? 1
        let steps = min(5, max(3, Int(log2(max(reach, 1)).rounded(.up))))
        return (-steps...steps).map { operating * pow(2, Double($0)) }
    }

    /// `run` with every network hop's latency set to `seconds`.
    public static func withNetworkLatency(_ run: RunSpec, seconds: Double) throws -> RunSpec {
        guard var network = run.cluster.network else { throw WhatIfError("the cluster has no network to vary") }
        network.nic.latencySeconds = seconds
        var changed = run
        changed.cluster.network = network
        return changed
    }
}

/// A what-if that does not apply to a run.
public struct WhatIfError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
