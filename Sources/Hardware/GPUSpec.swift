/// A GPU model: its peaks, its memory and where those numbers come from.
public struct GPUSpec: Hashable, Sendable {
    public var name: String
    public var aliases: [String]
    public var architecture: String
    public var year: Int?
    /// Device memory in bytes.
    public var memoryBytes: Double
    /// Peak device-memory bandwidth in bytes per second.
    public var memoryBytesPerSecond: Double
    /// Dense peak FLOP/s by precision name (`fp32`, `tf32`, `fp16`, `bf16`, and `fp8`
    /// where the GPU has 8-bit float matrix units: a catalog fact, not a scenario
    /// precision; docs/add-a-gpu.md says why).
    public var peakFLOPsPerSecond: [String: Double]
    /// The catalog name of its host interface (e.g. `pcie3-x16`).
    public var hostLink: String
    /// The catalog name of its scale-up link (NVLink, AMD Infinity Fabric, Gaudi's
    /// integrated RoCE ports), if it has one: the GPU's total per direction.
    public var nvlink: String?
    /// The node fabric a cluster of this GPU gets when its scenario names none:
    /// `nvswitch` or `nvlink-mesh` (GPUs joined directly, all to all, as AMD's
    /// Infinity Fabric and Gaudi's RoCE ports join 8 GPUs). Nil: `nvswitch` for a
    /// GPU with a scale-up link, a PCIe tree without one.
    public var defaultFabric: String?
    /// Where the figures come from.
    public var source: String
    /// A measurement beside the datasheet, if the catalog has one.
    public var measured: String?
    /// Maximum board power in watts, for power bills.
    public var tdpWatts: Double?
    /// The fraction of peak that large matrix products reach on this GPU, by
    /// precision, where a measurement gives one (else the cost model's default).
    public var maxEfficiency: [String: Double] = [:]
    /// The matrix dimension at which a product on this GPU runs at half its best
    /// efficiency along that dimension, by precision, where a measured GEMM size
    /// curve gives one (`CostModel.efficiency`; else the cost model's default).
    public var halfSaturation: [String: Double] = [:]
    /// The measured size curve of the vendor BLAS's matrix products on this GPU, by
    /// precision (`gemm_curve:`): what prices products that are not convolutions (fully
    /// connected layers, which frameworks run as cuBLAS GEMMs) in place of
    /// `maxEfficiency` and `halfSaturation`, which stay with convolutions that no kernel
    /// library prices. Empty where no GEMM size curve was measured.
    public var gemmCurve: [String: GEMMCurve] = [:]
    /// The best fraction of peak convolution kernels reach on this GPU, by
    /// precision and pass (`forward`, `backward_data`, `backward_filter`), fitted
    /// to measured kernel times where the catalog has them (`scalecast import
    /// kernel-times`); used with a kernel library in place of `maxEfficiency`.
    public var kernelEfficiency: [String: [String: Double]] = [:]

    /// The coefficient of variation of one board's compute speed among boards of
    /// this model (`speed_variation_cv:`, a fraction; 0 where the catalog has no
    /// measurement): chips of one SKU leak differently, so under the same power cap
    /// they settle at different clocks, and a slow board is slow on every step. A
    /// synchronous step waits for the slowest of its N GPUs (`Stragglers`).
    public var speedVariationCV: Double = 0

    /// The fraction of `memoryBytesPerSecond` that streaming kernels reach on this GPU
    /// (`memory_efficiency:`), where a measurement gives one: bytes read plus bytes
    /// written over the time of a large device-to-device copy, over the datasheet's
    /// bandwidth. Nil: the cost model's default (`CostParameters.memoryEfficiency`).
    public var memoryEfficiency: Double?

    /// Streaming multiprocessors, where the catalog gives them: the shape model of
    /// fitted kernel efficiencies counts thread blocks per SM (`TileQuantization`).
    public var streamingMultiprocessors: Int?

    /// A matrix product's fraction of peak as a function of its shape,
    /// `maxEfficiency · s(m) · s(n) · s(k)` with `s(x) = x / (x + halfSaturation)`
    /// (`CostModel.efficiency`), fitted to measured GEMM times as `scalecast calibrate --gemm-csv`
    /// fits them (that command writes a profile; a catalog entry carries the figures by hand).
    public struct GEMMCurve: Hashable, Sendable {
        /// The fraction of peak the largest products approach, in (0, 1].
        public var maxEfficiency: Double
        /// The dimension at which a product runs at half its best along that dimension.
        public var halfSaturation: Double

        public init(maxEfficiency: Double, halfSaturation: Double) {
            self.maxEfficiency = maxEfficiency
            self.halfSaturation = halfSaturation
        }
    }

    /// The node fabric a scenario naming no `fabric:` builds for this GPU.
    public var nodeFabric: String { defaultFabric ?? (nvlink != nil ? "nvswitch" : "pcie-tree") }

    /// The precisions `peak_tflops` may give; `fp8` is listed, never simulated.
    public static let peakPrecisionKeys = ["fp32", "tf32", "fp16", "bf16", "fp8"]
    /// The precisions a scenario runs in, and so the keys of the fitted tables.
    public static let scenarioPrecisionKeys = ["fp32", "tf32", "fp16", "bf16"]
    /// The fabrics `fabric:` may name.
    public static let scaleUpFabrics = ["nvswitch", "nvlink-mesh"]

    /// The keys of `kernelEfficiency`'s inner tables.
    public static let kernelPassKeys = ["forward", "backward_data", "backward_filter"]

    public init(name: String, aliases: [String] = [], architecture: String, year: Int? = nil, memoryBytes: Double,
                memoryBytesPerSecond: Double, peakFLOPsPerSecond: [String: Double], hostLink: String, nvlink: String? = nil,
                source: String, measured: String? = nil, tdpWatts: Double? = nil, maxEfficiency: [String: Double] = [:]) {
        self.name = name
        self.aliases = aliases
        self.architecture = architecture
        self.year = year
        self.memoryBytes = memoryBytes
        self.memoryBytesPerSecond = memoryBytesPerSecond
        self.peakFLOPsPerSecond = peakFLOPsPerSecond
        self.hostLink = hostLink
        self.nvlink = nvlink
        self.source = source
        self.measured = measured
        self.tdpWatts = tdpWatts
        self.maxEfficiency = maxEfficiency
    }

    /// Peak FLOP/s for a precision, falling back as the hardware does: tf32 runs as
    /// fp32 without TF32 tensor cores; bf16 as fp16, and fp16 as fp32, without
    /// half-precision units.
    public func peakFLOPsPerSecond(precision: String) -> Double {
        peakFLOPsPerSecond[unitsRunning(precision)] ?? 0
    }

    /// NVIDIA's compute capability x 10 of an architecture name as the catalog spells it; 0
    /// for other vendors' and for names it does not know.
    public static func computeCapability(architecture: String) -> Int {
        switch architecture.lowercased() {
        case "kepler": return 35
        case "maxwell": return 52
        case "pascal": return 60
        case "volta": return 70
        case "turing": return 75
        case "ampere": return 80
        case "ada lovelace", "ada": return 89
        case "hopper": return 90
        case "blackwell": return 100
        default: return 0
        }
    }

    /// Whether the GPU's fp16, bf16 and TF32 peaks are NVIDIA tensor cores' (Volta on, compute
    /// capability 7.0 and later), which only a kernel library with tensor-core kernels for the
    /// precision reaches (`KernelLibrary.tensorCorePrecisions`). False before Volta (Pascal's
    /// fp16 peak is its CUDA cores' paired rate), for other vendors and for an architecture the
    /// catalog does not know.
    public var hasTensorCores: Bool { computeCapability >= 70 }

    /// The GPU's compute capability x 10 (`computeCapability(architecture:)`): which of NCCL's
    /// tuning tables apply, and whether it has tensor cores; 0 for other vendors' GPUs.
    public var computeCapability: Int { Self.computeCapability(architecture: architecture) }

    /// The precision whose peak runs `precision` on this GPU (`peakFLOPsPerSecond(precision:)`):
    /// itself where the catalog gives its peak, else the first of the fallbacks that has one.
    public func unitsRunning(_ precision: String) -> String {
        let chain: [String]
        switch precision {
        case "tf32": chain = ["tf32", "fp32"]
        case "bf16": chain = ["bf16", "fp16", "fp32"]
        case "fp16": chain = ["fp16", "fp32"]
        default: chain = ["fp32"]
        }
        return chain.first { peakFLOPsPerSecond[$0] != nil } ?? "fp32"
    }
}

/// The kind of an interconnect, which decides how a topology wires it.
public enum LinkKind: String, CaseIterable, Sendable {
    case pcie, nvlink, interSocket = "inter-socket", infiniband, ethernet
    /// AMD's GPU-to-GPU links (xGMI), the Instinct GPUs' scale-up fabric.
    case infinityFabric = "infinity-fabric"
    /// Ethernet ports built into an accelerator that join the accelerators of a node
    /// with RDMA (RoCE v2), Gaudi's scale-up fabric; not a NIC to the network.
    case roceScaleUp = "roce-scale-up"

    /// The kinds that join the GPUs of a node as a scale-up fabric (`nvlink:`).
    public static let scaleUp: [LinkKind] = [.nvlink, .infinityFabric, .roceScaleUp]
    /// The kinds of NIC that join nodes (`cluster.network.link`).
    public static let network: [LinkKind] = [.infiniband, .ethernet]
}

/// One kind of link: bandwidth per direction and latency per hop.
public struct LinkSpec: Hashable, Sendable {
    public var name: String
    public var kind: LinkKind
    /// Bandwidth of each direction, in bytes (1e0) per second.
    public var bytesPerSecond: Double
    /// Latency added by each hop of this kind, in seconds.
    public var latencySeconds: Double
    public var source: String

    public init(name: String, kind: LinkKind, bytesPerSecond: Double, latencySeconds: Double, source: String) {
        self.name = name
        self.kind = kind
        self.bytesPerSecond = bytesPerSecond
        self.latencySeconds = latencySeconds
        self.source = source
    }
}
