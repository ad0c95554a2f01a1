import Foundation

/// The cost of waiting for the slowest worker in a synchronous step.
///
/// If each worker's compute time in a step varies independently around its mean
/// with standard deviation σ (a coefficient of variation `cv` of the compute time
/// `c`: σ = cv · c), a synchronous step ends when the slowest of N has finished,
/// and its expected excess over the mean is σ · E[max of N standard normals]
/// (the expected largest order statistic; David & Nagaraja, "Order Statistics",
/// 3rd ed. 2003, §4.2). E[max] is 0 for N = 1, 1/√π ≈ 0.564 for N = 2, and grows
/// like √(2 ln N).
public enum Stragglers {
    /// E[max of `n` independent standard normal variables], by numerical
    /// integration of x · n · φ(x) · Φ(x)^(n−1) over [−12, 12] (Simpson's rule,
    /// 24,000 intervals: more accurate than 1e-9 for n up to a million).
    public static func expectedMaximum(of n: Int) -> Double {
        guard n > 1 else { return 0 }
        let low = -12.0, high = 12.0, intervals = 24_000
        let h = (high - low) / Double(intervals)
        func f(_ x: Double) -> Double {
            let density = exp(-x * x / 2) / (2 * Double.pi).squareRoot()
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            return x * Double(n) * density * pow(cdf, Double(n - 1))
        }
        var sum = f(low) + f(high)
        for i in 1..<intervals { sum += f(low + Double(i) * h) * (i % 2 == 1 ? 4 : 2) }
        return sum * h / 3
    }

    /// Seconds the slowest of `workers` adds to a step whose compute takes
    /// `computeSeconds` per worker with coefficient of variation `cv`.
    public static func excessSeconds(computeSeconds: Double, cv: Double, workers: Int) -> Double {
        guard cv > 0, workers > 1 else { return 0 }
        return cv * computeSeconds * expectedMaximum(of: workers)
    }
}

extension StepMetrics {
    /// The step as the slowest of `workers` sets it, each worker's compute varying
    /// with coefficient of variation `cv` (`Stragglers`): the expected excess is
    /// added to the step and counted as idle time, waiting for the slowest.
    public func withStragglers(cv: Double, workers: Int) -> StepMetrics {
        let excess = Stragglers.excessSeconds(computeSeconds: computeSeconds, cv: cv, workers: workers)
        guard excess > 0 else { return self }
        var slowed = self
        slowed.stepSeconds += excess
        slowed.idleSeconds += excess
        slowed.stragglerWaitSeconds = excess
        return slowed
    }
}
