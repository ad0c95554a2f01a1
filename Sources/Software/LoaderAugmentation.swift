import YAMLSupport

/// The augmentation policy a CPU loader applies to each image beyond the pipeline its
/// rates were measured on (`loader_augmentation:`).
///
/// The built-in loader rates (`torchvision-dataloader`) were measured with JPEG decoding,
/// RandomResizedCrop and a horizontal flip. Training recipes often add an automatic
/// augmentation policy, which costs each image more CPU time on the worker that prepares
/// it; that time is added to the image's, so one worker delivers
///
///     rate' = 1 / (1 / rate + extraSecondsPerImage)
///
/// images/s, and a node's measured rate falls by the same factor (its workers each do the
/// same extra work; `ExecutionProfile.loaderCeiling`).
///
/// The extra times are one measurement: torchvision's own transforms benchmark as its
/// developers ran it (github.com/vfdev-5/tvapiv2_benchmarks @ d7fe8fe,
/// output/20221031-140758_output_classification_all_2e8335206.log: PyTorch
/// 1.14.0.dev20221013, torchvision 0.15.0a0, one thread, the stable transforms API on
/// 400 x 500 PIL images, no decoding), the median time per image of the classification
/// pipeline (RandomResizedCrop 224 bilinear, horizontal flip, to tensor, convert, normalize)
/// with the policy less the same pipeline without it (1.856 ms). The benchmark's CPU is
/// not stated, nor is the one the per-worker rate was measured on.
public enum LoaderAugmentation: String, CaseIterable, Sendable {
    /// Nothing beyond the measured pipeline.
    case none
    /// torchvision's `AutoAugment(AutoAugmentPolicy.IMAGENET)` (Cubuk et al., 2019):
    /// 2.536 − 1.856 = 0.680 ms per image.
    case autoaugment
    /// `RandAugment(num_ops=2, magnitude=9)` (Cubuk et al., 2020): 3.311 − 1.856 = 1.455 ms.
    case randaugment
    /// `TrivialAugmentWide()` (Müller and Hutter, 2021): 2.616 − 1.856 = 0.760 ms.
    case trivialaugmentWide = "trivialaugment-wide"
    /// `AugMix(severity=3, mixture_width=3)` (Hendrycks et al., 2020): 8.365 − 1.856 = 6.509 ms.
    case augmix

    /// Where the extra times come from, in one line (`scalecast software` prints it).
    public static let source = "torchvision's transforms benchmark (github.com/vfdev-5/tvapiv2_benchmarks @ d7fe8fe, "
        + "output/20221031-140758_output_classification_all_2e8335206.log; torchvision 0.15.0a0, one thread, stable API, "
        + "400 x 500 PIL images, no decoding): the classification pipeline's median ms per image with the policy less "
        + "without it (1.856 ms); the CPU is not stated"

    /// Reads `loader_augmentation:`: a policy's name in any case, with or without its
    /// hyphen (`AutoAugment`, `TrivialAugmentWide` and `trivialaugment-wide` are the same).
    /// - Throws: `ConfigError` at `value` for any other name, listing the policies.
    public init(yaml value: YAMLValue) throws {
        func key(_ name: String) -> String { name.lowercased().filter { $0.isLetter || $0.isNumber } }
        let written = try value.string()
        guard let policy = Self.allCases.first(where: { key($0.rawValue) == key(written) }) else {
            throw value.error("'\(written)' is not an augmentation policy ScaleCast has a measured cost for; one of: "
                              + Self.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = policy
    }

    /// CPU seconds the policy adds to one image on one core.
    public var extraSecondsPerImage: Double {
        switch self {
        case .none: return 0
        case .autoaugment: return 0.680e-3
        case .randaugment: return 1.455e-3
        case .trivialaugmentWide: return 0.760e-3
        case .augmix: return 6.509e-3
        }
    }

    /// `rate` images/s of one core or worker with the policy's extra time per image added
    /// (`rate` itself, exactly, without a policy).
    public func slowed(_ rate: Double) -> Double {
        self == .none ? rate : 1 / (1 / rate + extraSecondsPerImage)
    }
}
