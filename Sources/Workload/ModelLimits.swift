import Foundation

/// The largest models ScaleCast accepts, so that every count it keeps in an `Int`
/// (elements, FLOPs, parameters, bytes per example) stays far from overflow, and a
/// hostile or mistyped model is refused with a message instead of a crash.
///
/// Each bound is orders of magnitude beyond any real CNN: ResNet-152 needs about
/// 2.3e10 training FLOPs and keeps about 3e7 activation elements per 224x224
/// example; the largest GPU holds about 2e11 bytes.
public enum ModelLimits {
    /// Elements of one example's activation (or input): 1e11, 400 GB in fp32.
    public static let elementsPerTensor: Double = 1e11
    /// Operations (FLOPs or elements moved) of one layer for one example.
    public static let operationsPerLayer: Double = 1e15
    /// Operations of the whole network for one example, every pass and count
    /// added up; 1e17 keeps a sum of them 90x below `Int.max`.
    public static let operationsPerNetwork: Double = 1e17
    /// Layers in one model.
    public static let layers = 100_000

    /// `x` as `1.2e+17`, for messages.
    static func scientific(_ x: Double) -> String { String(format: "%.3g", locale: nil, x) }
}
