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
