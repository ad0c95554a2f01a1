/// What a layer does, with its hyper-parameters.
public enum LayerKind: Hashable, Sendable {
    /// The network's input (images).
    case input
    /// 2-D convolution (cross-correlation), as PyTorch's `Conv2d`.
    case convolution(Convolution)
    case maxPool(Pooling)
    case averagePool(Pooling)
    /// Average pooling to a fixed output size, as PyTorch's `AdaptiveAvgPool2d`.
    case adaptiveAveragePool(height: Int, width: Int)
    /// Local response normalization across `size` neighbouring channels.
    case localResponseNorm(size: Int)
    case relu
    /// An element-wise activation other than ReLU (ReLU6, sigmoid, hard sigmoid,
    /// SiLU, hard swish).
    case activation(Activation)
    /// A feature map times a per-channel gate: inputs `[x, gate]`, `x` of shape
    /// C×H×W and `gate` of C×1×1, as squeeze-and-excitation's `scale * input`.
    case channelScale
    case dropout(probability: Double)
    /// Stochastic depth in "row" mode, as torchvision's `StochasticDepth`: in
    /// training each example's residual branch is zeroed with `probability` and
    /// otherwise scaled by 1 / (1 − probability).
    case stochasticDepth(probability: Double)
    case batchNorm
    /// Fully connected layer with `units` outputs; flattens its input.
    case fullyConnected(units: Int, bias: Bool)
    /// Softmax followed by the cross-entropy loss.
    case softmaxCrossEntropy
    /// Element-wise sum of its inputs (a residual connection).
    case add
    /// Channel-wise concatenation of its inputs (an inception block's join).
    case concat
    case flatten

    /// Whether the layer's backward reads its input tensor, so that autograd keeps the
    /// producer's output until then (PyTorch, `tools/autograd/derivatives.yaml`): every kind
    /// but `add` (its gradient is the output's, `handle_r_to_c(..., grad)`, nothing saved),
    /// `concat` (`cat_tensors_backward` keeps only the inputs' sizes) and `dropout` (it
    /// keeps its mask). An in-place ReLU counts as reading it: the output it saves is the
    /// same storage. A view (`flatten`) counts too: its readers read the producer's storage.
    public var readsInputInBackward: Bool {
        switch self {
        case .add, .concat, .dropout: return false
        default: return true
        }
    }

    /// Whether the layer's `LayerCost.storedActivationElements` is its own output, kept for
    /// the layers that read it (convolutions, fully connected layers, batch norms, pools,
    /// response norms, adds and concats), rather than a tensor its own backward reads (an
    /// activation's input, a dropout's mask, a channel scale's operands).
    public var storesOutputForReaders: Bool {
        switch self {
        case .convolution, .fullyConnected, .batchNorm, .maxPool, .averagePool, .adaptiveAveragePool, .localResponseNorm,
             .add, .concat:
            return true
        default:
            return false
        }
    }

    /// A short name for tables: `conv`, `fc`, `maxpool`...
    public var shortName: String {
        switch self {
        case .input: return "input"
        case .convolution: return "conv"
        case .maxPool: return "maxpool"
        case .averagePool: return "avgpool"
        case .adaptiveAveragePool: return "adaptive-avgpool"
        case .localResponseNorm: return "lrn"
        case .relu: return "relu"
        case .activation(let a): return a.rawValue
        case .channelScale: return "scale"
        case .dropout: return "dropout"
        case .stochasticDepth: return "stochastic-depth"
        case .batchNorm: return "batchnorm"
        case .fullyConnected: return "fc"
        case .softmaxCrossEntropy: return "softmax"
        case .add: return "add"
        case .concat: return "concat"
        case .flatten: return "flatten"
        }
    }

    /// True for layers that hold trainable weights.
    public var hasWeights: Bool {
        switch self {
        case .convolution, .fullyConnected, .batchNorm: return true
        default: return false
        }
    }

    /// The parameter tensors a framework keeps for the layer, each its own optimizer
    /// and bucket bookkeeping: a weight and, where the layer has one, a bias; batch
    /// norm's scale and shift.
    public var parameterTensors: Int {
        switch self {
        case .convolution(let c): return c.bias ? 2 : 1
        case .fullyConnected(_, let bias): return bias ? 2 : 1
        case .batchNorm: return 2
        default: return 0
        }
    }
}

/// Hyper-parameters of a 2-D convolution.
public struct Convolution: Hashable, Sendable {
    public var outChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var padHeight: Int
    public var padWidth: Int
    public var groups: Int
    public var bias: Bool

    public init(outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                pad: (Int, Int) = (0, 0), groups: Int = 1, bias: Bool = true) {
        self.outChannels = outChannels
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        (padHeight, padWidth) = pad
        self.groups = groups
        self.bias = bias
    }
}

/// Hyper-parameters of a pooling window.
public struct Pooling: Hashable, Sendable {
    public var kernel: Int
    public var stride: Int
    public var pad: Int
    /// Round the output size up, as PyTorch's `ceil_mode=True`.
    public var ceilMode: Bool

    public init(kernel: Int, stride: Int, pad: Int = 0, ceilMode: Bool = false) {
        self.kernel = kernel
        self.stride = stride
        self.pad = pad
        self.ceilMode = ceilMode
    }
}

/// One layer of a network, with its inferred shape and its costs per example.
public struct Layer: Hashable, Sendable {
    /// Unique within its network.
    public var name: String
    public var kind: LayerKind
    /// Indices of the layers whose outputs feed this one (empty for the input).
    public var inputs: [Int]
    public var inputShapes: [TensorShape]
    public var outputShape: TensorShape
    public var cost: LayerCost
    /// Whether the layer overwrites its input with its output, as PyTorch's
    /// `inplace=True` modules do: the activations of torchvision's
    /// `Conv2dNormActivation` (`torchvision/ops/misc.py`, `inplace: Optional[bool] = True`),
    /// EfficientNet's squeeze-and-excitation SiLU (`activation=partial(nn.SiLU,
    /// inplace=True)`) and MobileNet v3's classifier `nn.Hardswish(inplace=True)`; not
    /// MobileNet v3's squeeze-and-excitation ReLU and hard sigmoid; in a custom model, the
    /// activations its YAML marks `inplace: true` (PyTorch's modules default to `inplace=False`).
    /// It changes no count of `cost`; an eager stack's autograd prices it
    /// (`AutogradPasses`).
    public var runsInPlace = false
}
