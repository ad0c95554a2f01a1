/// How well the uncertainty ranges (`Uncertainty`: report, `sweep --samples`,
/// `plan --pessimistic`) cover measurements they were not drawn from.
///
/// Each published point of the corpus is held out with every point of its case (a
/// case's points share one setup, so its errors go together) and gets the 10th-90th
/// percentile range of the factor published / predicted images/s that the other
/// cases' errors give (`Uncertainty.factorRange`). A point is covered when its own
/// factor lies in that range:
/// - a 1-GPU point's factor is its published / predicted images/s;
/// - a multi-GPU point's is its run's 1-GPU factor times its published / predicted
///   speedup (= published / predicted images/s at that GPU count), for the speedups
///   whose run has a published 1-GPU point.
/// Ranges that are honest cover about 80% of the points; fewer means the ranges are
/// too narrow (or biased), more that they are wider than they need to be. The width
/// (upper / lower bound) says how much a range commits to.
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

    public var singleGPU: Coverage
    public var multiGPU: Coverage

    /// The coverage of `errors`' points by ranges drawn, as `Uncertainty` draws them
    /// (`samples` draws, `seed`), from the other cases' errors.
    public static func heldOut(_ errors: MeasuredErrors, samples: Int, seed: UInt64 = 1) -> RangeCalibration {
        var single: [(covered: Bool, width: Double)] = [], multi: [(covered: Bool, width: Double)] = []
        var heldOut: [String: Uncertainty] = [:]
        func uncertainty(without name: String) -> Uncertainty {
            if let known = heldOut[name] { return known }
            let rest = MeasuredErrors(corpus: errors.corpus, compute: errors.compute.filter { $0.caseName != name },
                                      scaling: errors.scaling.filter { $0.caseName != name })
            let made = Uncertainty(samples: samples, seed: seed, errors: rest)
            heldOut[name] = made
            return made
        }
        func check(_ factor: Double, case name: String, gpus: Int, key: String) -> (covered: Bool, width: Double) {
            let range = uncertainty(without: name).factorRange(gpus: gpus, key: Uncertainty.stableHash(key))
            return (range.contains(factor), range.upperBound / range.lowerBound)
        }
        for point in errors.compute {
            single.append(check(point.factor, case: point.caseName, gpus: 1, key: "\(point.caseName)/\(point.run ?? "")/1"))
        }
        for point in errors.scaling {
            guard let base = errors.compute.first(where: { $0.caseName == point.caseName && $0.run == point.run }) else { continue }
            multi.append(check(base.factor * point.factor, case: point.caseName, gpus: point.gpus,
                               key: "\(point.caseName)/\(point.run ?? "")/\(point.gpus)"))
        }
        func coverage(_ checks: [(covered: Bool, width: Double)]) -> Coverage {
            let widths = checks.map(\.width).sorted()
            let median = widths.isEmpty ? .nan
                : widths.count % 2 == 1 ? widths[widths.count / 2] : (widths[widths.count / 2 - 1] + widths[widths.count / 2]) / 2
            return Coverage(points: checks.count, covered: checks.filter(\.covered).count, medianWidth: median)
        }
        return RangeCalibration(singleGPU: coverage(single), multiGPU: coverage(multi))
    }
}
