extension Calibrator {
    /// How many sets of calibration timings `calibrate` and `validate` measure before
    /// they give up on fitting one.
    public static let fitAttempts = 3

    /// The first fit `measure` returns in at most `attempts` tries, and the tries it
    /// took; nil with `attempts` tries when none fitted.
    ///
    /// Other work on the cores can leave one set of timings unfittable (a copy or
    /// stream line with no positive slope), so a caller measures afresh rather than
    /// failing on the first set. Errors `measure` throws end the tries at once: they
    /// are not the machine's noise.
    public static func firstFit<Fit>(attempts: Int = fitAttempts, _ measure: () throws -> Fit?) rethrows -> (fit: Fit?, tries: Int) {
        precondition(attempts >= 1)
        for tries in 1...attempts {
            if let fit = try measure() { return (fit, tries) }
        }
        return (nil, attempts)
    }
}
