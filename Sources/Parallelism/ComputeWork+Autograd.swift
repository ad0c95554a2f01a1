import Workload

extension ComputeWork {
    /// This work with what the stack's autograd adds to the pass (`AutogradPasses`):
    /// `(extra.trafficElements · bytes per element + extra.trafficBytes) · batch · fraction`
    /// more bytes read and written, and `extra.kernels` more kernels. The passes are memory-bound copies and
    /// reductions of layers that are no convolutions, so no convolution pricing reads them.
    /// - Parameters:
    ///   - extra: the pass's extra work per example.
    ///   - batch: examples in the pass.
    ///   - fraction: the share of the layer's units this GPU computes.
    public func adding(_ extra: AutogradPasses.Extra, batch: Int, precision: Precision, fraction: Double = 1) -> ComputeWork {
        guard extra != .zero else { return self }
        var work = self
        work.memoryBytes += (Double(extra.trafficElements) * Double(precision.activationBytes) + Double(extra.trafficBytes))
            * Double(batch) * fraction
        work.kernels += extra.kernels
        return work
    }
}
