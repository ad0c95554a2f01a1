/// How far the uncertainty ranges (`Uncertainty`: report, `sweep --samples`,
/// `plan --pessimistic`) reach into the tails of their draws, and how well they
/// then cover measurements they were not drawn from.
///
/// Each published point of the corpus is held out with every point of its case (a
/// case's points share one setup, so its errors go together) and gets the factors
/// published / predicted images/s that the other cases' errors draw for it
/// (`Uncertainty.factorDraws`, as report draws them). A point is covered by a range
/// when its own factor lies in it:
/// - a 1-GPU point's factor is its published / predicted images/s;
/// - a multi-GPU point's is its run's 1-GPU factor times its published / predicted
///   speedup (= published / predicted images/s at that GPU count), for the speedups
///   whose run has a published 1-GPU point.
///
/// **Tails** (`tails`): the draws' own 10th-90th percentiles held only about three
/// in four held-out 1-GPU points of the corpus of 2026-12 (errors cluster by case, so
/// a case held out is often unlike the rest). So for each kind (1 GPU, 2+ GPUs) the
/// range is the `level`-th to (1 − `level`)-th percentile of the draws, `level` the
/// largest of 0.100, 0.095, ..., 0 at which the held-out ranges cover at least
/// ⌈0.8 · (n + 1)⌉ of the kind's n points (at most n): never narrower than the draws'
/// 10th-90th percentiles. This is split-conformal calibration with the case as the unit
/// held out (Vovk, Gammerman and Shafer, *Algorithmic Learning in a Random World*, 2005;
/// Lei et al., "Distribution-Free Predictive Inference for Regression", JASA 2018),
/// counting as its finite-sample rule does: for exchangeable scores, the ⌈(n + 1)(1 − α)⌉-th
/// smallest of n bounds a new one with probability at least 1 − α (Lei et al., section
/// 2.2), where the ⌈n (1 − α)⌉-th falls a little short. Here the points cluster by case
/// and the levels move in steps of 0.005, so the rule is a correction in that style, not
/// a guarantee: a level chosen to cover 80% of the points it is chosen on covers a little
/// less of a case it has not seen (the held-out check, `heldOut`, measures how much).
///
/// **Coverage** (`heldOut`): choosing the levels on the points they are then checked
/// on would flatter them, so each case is held out twice: its ranges are drawn from
/// the other cases' errors at the levels those cases alone choose (their own
/// held-out check). Ranges that are honest cover about 80% of the points; fewer
/// means the ranges are too narrow (or biased), more that they are wider than they
/// need to be. The width (upper / lower bound) says how much a range commits to.
public struct RangeCalibration: Sendable, Equatable {
    /// The points of one kind and how many their held-out ranges covered.
    public struct Coverage: Sendable, Equatable {
        public var points: Int
        public var covered: Int
        /// The median of upper / lower bound over the points' ranges (1: a single value).
        public var medianWidth: Double

        /// covered / points; nil without points.
        public var fraction: Double? { points == 0 ? nil : Double(covered) / Double(points) }
    }

    /// The share of held-out points a 10th-90th percentile range should cover.
    public static let nominal = 0.8
    /// The tail levels tried, narrowest range first: 0.100, 0.095, ..., 0.
    public static let candidateLevels: [Double] = (0...20).reversed().map { Double($0) / 200 }
    /// Draws per point: as many as `report` makes for its range.
    public static let samples = 2000

    /// The levels chosen on every case (those the ranges use).
    public var tails: MeasuredErrors.RangeTails
    /// Coverage of each case's points at levels chosen without the case.
    public var singleGPU: Coverage
    public var multiGPU: Coverage
    /// Coverage of the 1-GPU points with every point of their GPU's architecture held out,
    /// at the 1-GPU level the ranges use: how the ranges fare on a GPU whose architecture
    /// the corpus has no point on (`heldOut`'s `architectureOf`); nil without it.
    public var newArchitecture: Coverage? = nil

    /// `errors` with `rangeTails` chosen by `tails`: what `make validation-errors` writes.
    public static func calibrated(_ errors: MeasuredErrors, samples: Int = samples, seed: UInt64 = 1) -> MeasuredErrors {
        var chosen = errors
        chosen.rangeTails = tails(errors, samples: samples, seed: seed)
        return chosen
    }

    /// For each kind, the largest candidate level at which ranges drawn without each
    /// point's case cover at least ⌈`nominal` · (n + 1)⌉ of the kind's n points (the smallest
    /// candidate where none does; the nominal 0.1 for a kind without points).
    public static func tails(_ errors: MeasuredErrors, samples: Int = samples, seed: UInt64 = 1) -> MeasuredErrors.RangeTails {
        tails(heldOutDraws(errors, samples: samples, seed: seed))
    }

    /// `tails` from the points' held-out draws.
    static func tails(_ draws: (single: [HeldOutDraws], multi: [HeldOutDraws])) -> MeasuredErrors.RangeTails {
        func choose(_ points: [HeldOutDraws], nominalLevel: Double) -> Double {
            guard !points.isEmpty else { return nominalLevel }
            let needed = min(points.count, Int((nominal * Double(points.count + 1)).rounded(.up)))
            return candidateLevels.first { level in points.filter { $0.isCovered(at: level) }.count >= needed }
                ?? candidateLevels[candidateLevels.count - 1]
        }
        return MeasuredErrors.RangeTails(singleGPU: choose(draws.single, nominalLevel: MeasuredErrors.RangeTails.nominal.singleGPU),
                                         multiGPU: choose(draws.multi, nominalLevel: MeasuredErrors.RangeTails.nominal.multiGPU))
    }

    /// The tails `errors` choose, and the coverage of each case's points by ranges drawn
    /// from the other cases' errors at the levels the other cases alone choose.
    /// - Parameter architectureOf: a corpus GPU's architecture, by catalog name (nil:
    ///   unknown); given, `newArchitecture` is measured too.
    public static func heldOut(_ errors: MeasuredErrors, architectureOf: ((String) -> String?)? = nil, samples: Int = samples,
                               seed: UInt64 = 1) -> RangeCalibration {
        let draws = heldOutDraws(errors, samples: samples, seed: seed)
        var single: [(covered: Bool, width: Double)] = [], multi: [(covered: Bool, width: Double)] = []
        var levels: [String: MeasuredErrors.RangeTails] = [:]
        func tailsWithout(_ name: String) -> MeasuredErrors.RangeTails {
            if let known = levels[name] { return known }
            let chosen = tails(without(name, errors), samples: samples, seed: seed)
            levels[name] = chosen
            return chosen
        }
        for point in draws.single { single.append(point.check(at: tailsWithout(point.caseName).singleGPU)) }
        for point in draws.multi { multi.append(point.check(at: tailsWithout(point.caseName).multiGPU)) }
        let chosen = tails(draws)
        var calibration = RangeCalibration(tails: chosen, singleGPU: coverage(single), multiGPU: coverage(multi))
        if let architectureOf {
            calibration.newArchitecture = newArchitectureCoverage(errors, architectureOf: architectureOf, level: chosen.singleGPU,
                                                                  samples: samples, seed: seed)
        }
        return calibration
    }

    /// Each 1-GPU point of a known architecture against a range drawn from the errors on
    /// the other architectures' GPUs (every case's points on its architecture held out,
    /// 1-GPU and speedups alike), at `level`.
    static func newArchitectureCoverage(_ errors: MeasuredErrors, architectureOf: (String) -> String?, level: Double,
                                        samples: Int, seed: UInt64) -> Coverage {
        var others: [String: Uncertainty] = [:]
        var checks: [(covered: Bool, width: Double)] = []
        for point in errors.compute {
            guard let architecture = architectureOf(point.gpu) else { continue }
            let uncertainty = others[architecture] ?? Uncertainty(samples: samples, seed: seed, errors: MeasuredErrors(
                corpus: errors.corpus, compute: errors.compute.filter { architectureOf($0.gpu) != architecture },
                scaling: errors.scaling.filter { architectureOf($0.gpu) != architecture }, rangeTails: errors.rangeTails))
            others[architecture] = uncertainty
            let key = Uncertainty.stableHash("\(point.caseName)/\(point.run ?? "")/1")
            let draws = HeldOutDraws(caseName: point.caseName, factor: point.factor, sorted: uncertainty.factorDraws(gpus: 1, key: key))
            checks.append(draws.check(at: level))
        }
        return coverage(checks)
    }

    /// A point's own factor beside the factors the other cases' errors draw for it, sorted.
    struct HeldOutDraws {
        var caseName: String
        var factor: Double
        var sorted: [Double]

        func range(at level: Double) -> ClosedRange<Double> { Uncertainty.range(sorted: sorted, level: level) }
        func isCovered(at level: Double) -> Bool { range(at: level).contains(factor) }
        func check(at level: Double) -> (covered: Bool, width: Double) {
            let r = range(at: level)
            return (r.contains(factor), r.upperBound / r.lowerBound)
        }
    }

    /// Every 1-GPU point and every multi-GPU point whose run has a published 1-GPU point,
    /// each with the draws of `Uncertainty` over the errors of the other cases.
    static func heldOutDraws(_ errors: MeasuredErrors, samples: Int, seed: UInt64) -> (single: [HeldOutDraws], multi: [HeldOutDraws]) {
        var others: [String: Uncertainty] = [:]
        func uncertainty(without name: String) -> Uncertainty {
            if let known = others[name] { return known }
            let made = Uncertainty(samples: samples, seed: seed, errors: without(name, errors))
            others[name] = made
            return made
        }
        func draws(_ factor: Double, case name: String, run: String?, gpus: Int) -> HeldOutDraws {
            let key = Uncertainty.stableHash("\(name)/\(run ?? "")/\(gpus)")
            return HeldOutDraws(caseName: name, factor: factor, sorted: uncertainty(without: name).factorDraws(gpus: gpus, key: key))
        }
        let single = errors.compute.map { draws($0.factor, case: $0.caseName, run: $0.run, gpus: 1) }
        let multi = errors.scaling.compactMap { point -> HeldOutDraws? in
            guard let base = errors.compute.first(where: { $0.caseName == point.caseName && $0.run == point.run }) else { return nil }
            return draws(base.factor * point.factor, case: point.caseName, run: point.run, gpus: point.gpus)
        }
        return (single, multi)
    }

    /// `errors` without the points of case `name`.
    static func without(_ name: String, _ errors: MeasuredErrors) -> MeasuredErrors {
        MeasuredErrors(corpus: errors.corpus, compute: errors.compute.filter { $0.caseName != name },
                       scaling: errors.scaling.filter { $0.caseName != name }, rangeTails: errors.rangeTails)
    }

    static func coverage(_ checks: [(covered: Bool, width: Double)]) -> Coverage {
        let widths = checks.map(\.width).sorted()
        let median = widths.isEmpty ? .nan
            : widths.count % 2 == 1 ? widths[widths.count / 2] : (widths[widths.count / 2 - 1] + widths[widths.count / 2]) / 2
        return Coverage(points: checks.count, covered: checks.filter(\.covered).count, medianWidth: median)
    }
}
