import CostModel
import Foundation
import Hardware
import Parallelism

/// How the simulator sees the executor's workers, from a calibration profile:
/// each worker is one core running single-threaded OpenBLAS, a device whose
/// peak is one core's clock × FLOPs per cycle, with the profile's fitted
/// efficiency curve, per-call overhead and im2col bandwidth and row time for products and its
/// streaming bandwidth for everything else. Workers are joined pairwise by
/// memory copies (about two per transfer, at the profile's copy bandwidth and
/// latency) or by a paced link
/// that the executor emulates (`Executor.PacedLink`).
public struct ExecutorModel: Sendable {
    public var profile: CalibrationProfile
    public var pacedLink: Executor.PacedLink

    public init(profile: CalibrationProfile, pacedLink: Executor.PacedLink) {
        self.profile = profile
        self.pacedLink = pacedLink
    }

    /// One worker core as the cost model sees it.
    public var device: GPUSpec {
        GPUSpec(name: "cpu-core", architecture: profile.cpu, memoryBytes: Double(ProcessInfo.processInfo.physicalMemory),
                memoryBytesPerSecond: profile.streamBytesPerSecond,
                peakFLOPsPerSecond: ["fp32": profile.peakFLOPsPerSecond / Double(profile.threads)], hostLink: "memory",
                source: "scalecast calibrate on this machine (\(profile.cpu), OpenBLAS \(profile.kernel))",
                maxEfficiency: ["fp32": profile.maxEfficiency])
    }

    /// The cost model's constants from the profile: its per-call overhead, its
    /// half-saturation dimension, streaming bandwidth used as measured (efficiency
    /// 1), and convolutions lowered by im2col at the fitted bandwidth, as the
    /// executor's kernels do.
    public var parameters: CostParameters {
        var p = CostParameters()
        p.launchOverheadSeconds = profile.kernelOverheadSeconds
        p.halfSaturationDimension[.fp32] = profile.halfSaturation
        p.memoryEfficiencyOverride = 1
        p.reservedMemoryBytes = 0
        p.convolutionLowering = .im2col
        p.loweringBytesPerSecond = profile.loweringBytesPerSecond
        p.loweringRowSeconds = profile.loweringRowSeconds
        return p
    }

    public var costModel: CostModel { CostModel(gpu: device, precision: .fp32, parameters: parameters) }

    /// The link between two workers, per direction.
    public func linkSpec(_ link: ExecutorValidation.Link) -> LinkSpec {
        switch link {
        case .memory:
            // The executor moves most transfers' bytes twice: copied out of the
            // sender's buffer (a snapshot; a gathered slice goes out as it is) and
            // written or added into the receiver's when it drains its mailbox.
            return LinkSpec(name: "memcpy", kind: .pcie, bytesPerSecond: profile.copyBytesPerSecond / 2,
                            latencySeconds: profile.copyLatencySeconds,
                            source: "scalecast calibrate: memory copies on this machine, two per transfer")
        case .paced:
            return LinkSpec(name: "paced", kind: .pcie, bytesPerSecond: pacedLink.bytesPerSecond, latencySeconds: pacedLink.latencySeconds,
                            source: "the executor's paced link")
        }
    }

    /// `workers` cores, each pair joined by its own link in each direction (a mesh
    /// whose per-worker bandwidth, spread over the K − 1 peers, gives each pair the link's).
    public func cluster(workers: Int, link: ExecutorValidation.Link) -> ClusterSpec {
        var spec = linkSpec(link)
        let pair = spec
        spec.bytesPerSecond *= Double(max(1, workers - 1))
        return ClusterSpec(gpu: device, gpusPerNode: workers, fabric: .nvlinkMesh(spec), network: nil, hostLink: pair)
    }
}
