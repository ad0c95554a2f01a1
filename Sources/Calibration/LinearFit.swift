import CGSL

/// A least-squares straight line y = intercept + slope · x, fitted by GSL.
public struct LinearFit: Sendable, Equatable {
    public var intercept: Double
    public var slope: Double
    /// Sum of squared residuals.
    public var residualSumOfSquares: Double

    /// Fits `y = c0 + c1·x` by ordinary least squares (`gsl_fit_linear`).
    /// Used for alpha-beta link models: time = latency + bytes / bandwidth.
    /// - Returns: nil with fewer than two points or when all x are equal.
    public init?(x: [Double], y: [Double]) {
        precondition(x.count == y.count, "x and y need the same length")
        guard x.count >= 2, Set(x).count >= 2 else { return nil }
        var c0 = 0.0, c1 = 0.0, cov00 = 0.0, cov01 = 0.0, cov11 = 0.0, sumsq = 0.0
        let status = gsl_fit_linear(x, 1, y, 1, x.count, &c0, &c1, &cov00, &cov01, &cov11, &sumsq)
        guard status == GSL_SUCCESS else { return nil }
        intercept = c0
        slope = c1
        residualSumOfSquares = sumsq
    }

    /// The GSL version this build links (e.g. "2.7.1").
    public static var gslVersion: String { GSL_VERSION }
}
