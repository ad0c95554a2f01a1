import Hardware
import SimCore
import Scenario

/// Predictions as ranges, drawn from the simulator's measured errors: each
/// configuration's prediction multiplied by errors the simulator has made on
/// published measurements (`MeasuredErrors`), many times over (a fixed seed, so
/// runs repeat), and reported as the 10th and 90th percentiles.
///
/// A sample of a configuration predicted at R images/s on N GPUs:
/// - R x c x s images/s, with c drawn from the compute factors (published /
///   predicted 1-GPU images/s over the corpus) and, for N > 1, s drawn from the
///   scaling factors (published / predicted speedup) of the corpus points nearest
///   N; each drawn from the empirical distribution (its quantile at a uniform
///   draw, interpolated between neighbouring points), independently;
/// - the catalog prices of an owned cluster (GPUs, servers, NICs, switches, cables)
///   that the scenario does not state, each at one common point of its low-high
///   range, drawn uniformly (prices of one market move together).
/// Time to train is the training goal's images over the sampled rate, cost the
/// price of that time. Nothing is simulated again: the errors are those of the
/// whole prediction, as the corpus measured them.
///
/// The 10th and 90th percentiles reported are those of the calibrated spread: the
/// draws' `level`-th and (1 − `level`)-th percentiles, `level` the errors'
/// `rangeTails` for the GPU count (`RangeCalibration.tails`: the corpus's cases,
/// each held out in turn, fall inside 80% of the time; the draws' own 10th-90th
/// percentiles held only about three in four 1-GPU points).
public struct Uncertainty: Sendable, Equatable {
    public var samples: Int
    public var seed: UInt64
    public var errors: MeasuredErrors

    public init(samples: Int, seed: UInt64 = 1, errors: MeasuredErrors) {
        self.samples = samples
        self.seed = seed
        self.errors = errors
    }

    /// With the errors built into this binary.
    /// - Throws: `ConfigError` if they are missing from the build.
    public static func builtIn(samples: Int, seed: UInt64 = 1) throws -> Uncertainty {
        Uncertainty(samples: samples, seed: seed, errors: try MeasuredErrors.builtIn())
    }

    /// The 10th to 90th percentile of a configuration's images/s, of its time to train
    /// where its run states a training goal, and of its cost where it states pricing too.
    public struct Ranges: Sendable, Equatable {
        public var imagesPerSecond: ClosedRange<Double>
        public var seconds: ClosedRange<Double>?
        public var dollars: ClosedRange<Double>?
        /// Up-front purchase of an owned cluster (its prices drawn across their ranges).
        public var capex: ClosedRange<Double>?
    }

    /// The ranges of `run` on `gpus` GPUs, predicted at `imagesPerSecond`.
    ///
    /// Every configuration draws the same uniform numbers (`commonKey`; common random
    /// numbers, the standard way to compare simulated alternatives: Law, *Simulation
    /// Modeling and Analysis*, 5th ed., 2015, section 11.2). So two identical
    /// configurations get identical ranges, a shard draws what the whole sweep draws, and
    /// on one GPU count a faster prediction has the higher 10th and 90th percentiles:
    /// `plan --pessimistic` ranks configurations by their predictions and the corpus's
    /// errors, not by which draws each happened to get.
    ///
    /// A prediction the CPU loader bounds is drawn like any other: the corpus's errors are
    /// those of whole predictions, loader-bound ones among them (a loader's modelled rate
    /// is as uncertain as a GPU's), so a range may pass the loader's modelled ceiling.
    /// - Throws: what `TrainingEstimate.estimate` throws for a price it cannot find.
    public func ranges(_ run: RunSpec, gpus: Int, imagesPerSecond: Double, catalog: Catalog) throws -> Ranges {
        let factors = Factors(errors, gpus: gpus)
        var rates: [Double] = [], seconds: [Double] = [], dollars: [Double] = [], capex: [Double] = []
        for sample in 0..<max(1, samples) {
            var rng = generator(sample: sample, key: Self.commonKey)
            let (c, s) = factors.draw(&rng)
            let rate = imagesPerSecond * c * s
            rates.append(rate)
            // The time to train needs only the goal; its cost needs a price too.
            if let goal = run.training { seconds.append(goal.totalImages(atGlobalBatch: run.globalBatch(at: gpus)) / rate) }
            if let estimate = try TrainingEstimate.estimate(Self.withDrawnPrice(run, rng.unit(), catalog: catalog), gpus: gpus,
                                                            imagesPerSecond: rate, catalog: catalog, describing: false) {
                dollars.append(estimate.dollars)
                if let c = estimate.capexUSD { capex.append(c) }
            }
        }
        let level = errors.rangeTails.level(gpus: gpus)
        func range(_ values: [Double]) -> ClosedRange<Double>? {
            values.isEmpty ? nil : Self.range(sorted: values.sorted(), level: level)
        }
        return Ranges(imagesPerSecond: range(rates)!, seconds: range(seconds), dollars: range(dollars), capex: range(capex))
    }

    /// The 10th to 90th percentile of the factor (published / predicted images/s) a
    /// prediction on `gpus` GPUs is multiplied by: the draws of `ranges` without a
    /// price (those of `ranges` for `commonKey`), the same for the same `key`, at the
    /// errors' `rangeTails`.
    public func factorRange(gpus: Int, key: UInt64) -> ClosedRange<Double> {
        Self.range(sorted: factorDraws(gpus: gpus, key: key), level: errors.rangeTails.level(gpus: gpus))
    }

    /// The factors `ranges` draws for a prediction on `gpus` GPUs (c x s per sample), sorted.
    func factorDraws(gpus: Int, key: UInt64) -> [Double] {
        let factors = Factors(errors, gpus: gpus)
        var drawn: [Double] = []
        drawn.reserveCapacity(max(1, samples))
        for sample in 0..<max(1, samples) {
            var rng = generator(sample: sample, key: key)
            let (c, s) = factors.draw(&rng)
            drawn.append(c * s)
        }
        return drawn.sorted()
    }

    /// The `level`-th to (1 − `level`)-th percentile of values sorted in increasing order.
    /// (Interpolating between equal values can round the lower one a unit in the last place
    /// above the upper: the two are ordered.)
    static func range(sorted: [Double], level: Double) -> ClosedRange<Double> {
        let (low, high) = (percentile(sorted: sorted, level), percentile(sorted: sorted, 1 - level))
        return min(low, high)...max(low, high)
    }

    /// The errors a prediction on some GPU count draws from, sorted.
    struct Factors {
        var compute: [Double]
        var scaling: [Double]

        init(_ errors: MeasuredErrors, gpus: Int) {
            compute = errors.computeFactors
            scaling = errors.scalingFactors(nearGPUs: gpus)
        }

        /// One compute factor `c` and one scaling factor `s` (1 for an empty kind),
        /// consuming two draws of `rng`.
        func draw(_ rng: inout SplitMix64) -> (c: Double, s: Double) {
            let c = compute.isEmpty ? 1 : Uncertainty.percentile(sorted: compute, rng.unit())
            let s = scaling.isEmpty ? 1 : Uncertainty.percentile(sorted: scaling, rng.unit())
            return (c, s)
        }
    }

    /// The key every configuration's ranges draw with (`ranges`); the calibration of the
    /// ranges' tails keys each held-out point apart (`RangeCalibration`).
    static let commonKey: UInt64 = 0

    /// The generator of one sample of the draws keyed by `key`.
    func generator(sample: Int, key: UInt64) -> SplitMix64 {
        SplitMix64(seed: seed ^ (key &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(sample + 1) &* 0xD1B5_4A32_D192_ED03)
    }

    /// `run` with every catalog price of an owned cluster that the scenario does not
    /// state taken at `u` (0...1) of its low-high range; unchanged otherwise.
    static func withDrawnPrice(_ run: RunSpec, _ u: Double, catalog: Catalog) -> RunSpec {
        guard var pricing = run.pricing, pricing.mode == .owned else { return run }
        var changed = run
        pricing.catalogRangePosition = u
        changed.pricing = pricing
        return changed
    }

    /// The p-th percentile (0...1) of `values`, linearly interpolated.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        percentile(sorted: values.sorted(), p)
    }

    /// `percentile` of values already sorted in increasing order.
    static func percentile(sorted: [Double], _ p: Double) -> Double {
        guard sorted.count > 1 else { return sorted.first ?? .nan }
        let x = p * Double(sorted.count - 1)
        let i = Int(x.rounded(.down)), f = x - Double(i)
        return i + 1 < sorted.count ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i]
    }

    /// A stable hash of text (FNV-1a), for seeds that do not change between processes.
    public static func stableHash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }
}
