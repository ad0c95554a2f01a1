import Workload

/// The convolution behind a compute task, for a cost model that prices each pass
/// with the algorithm a kernel library would pick (`CostModel` with a library).
public struct ConvolutionWork: Hashable, Sendable {
    public var geometry: ConvolutionGeometry
    /// Examples in the task's batch.
    public var batch: Double
    /// The share of the output channels this GPU computes (1 unless the layer is
    /// split by output units, as in model parallelism).
    public var fraction: Double
    /// The kernels the task runs: `[.forward]`, or the backward's data and filter
    /// gradients (the data gradient is absent when the input is the image).
    public var passes: [ConvolutionPass]

    public init(geometry: ConvolutionGeometry, batch: Double, fraction: Double, passes: [ConvolutionPass]) {
        self.geometry = geometry
        self.batch = batch
        self.fraction = fraction
        self.passes = passes
    }
}
