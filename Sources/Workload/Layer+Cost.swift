extension LayerKind {
    /// The output shape and the per-example costs of this layer kind applied to
    /// `inputs`.
    ///
    /// Formulas (per example; `out` and `in` are element counts):
    /// - convolution: MACs = Cout·Ho·Wo·(Cin/g)·kh·kw; forward = 2·MACs (+ Cout·Ho·Wo
    ///   for the bias); backward-data = 2·MACs; backward-weights = 2·MACs (+ bias).
    /// - fully connected: MACs = in·units, the same pattern.
    /// - pooling: k² per output forward; backward one per output (max) or k² (average).
    /// - local response norm: (2·size + 5) per element forward, twice that backward
    ///   (sum of squares over the window, then scale, power and divide).
    /// - batch norm (training): 8 per element forward, 9 backward-data and 3
    ///   backward-weights (normalise, scale, shift; the two reductions).
    /// - ReLU, dropout: 1 per element each way; add: (inputs − 1) per element;
    ///   softmax + cross-entropy: 5 per class forward, 1 backward; concat, flatten: 0.
    /// - other activations (`Activation`): per element, ReLU6 2 forward and 2
    ///   backward, sigmoid 4 and 3, hard sigmoid 4 and 3, SiLU 5 and 8, hard swish
    ///   5 and 6; traffic 2 elements per element forward (read x, write y), 3
    ///   backward (read dy and x or y, write dx); they keep one tensor of the
    ///   input's size, except ReLU6 run in place, which keeps none (as ReLU).
    /// - channel scale (x: C×H×W times gate: C×1×1): 1 per element of x forward;
    ///   backward 3 per element (dx = dy·gate, 1; dgate = Σ over H·W of dy·x, 2);
    ///   traffic 2·|x| + C forward, 3·|x| + 2·C backward; keeps its output.
    /// - stochastic depth: 1 per element each way (a multiply by the example's 0
    ///   or 1/(1 − p)); traffic 2 elements per element each way; keeps nothing (its
    ///   output becomes the residual add's, which keeps it; the per-example factor
    ///   is negligible).
    /// These small layers are memory-bound; their traffic, not their FLOPs, sets
    /// their time in the cost model.
    /// - Parameter inPlace: whether the layer overwrites its input (`Layer.runsInPlace`).
    /// - Throws: `ModelError` when the shapes do not fit this kind.
    func output(for inputs: [TensorShape], inputIsImage: Bool, inPlace: Bool) throws -> (TensorShape, LayerCost) {
        func single() throws -> TensorShape {
            guard inputs.count == 1 else { throw ModelError("\(shortName) takes exactly one input, got \(inputs.count)") }
            return inputs[0]
        }
        var cost = LayerCost.zero
        switch self {
        case .input:
            throw ModelError("the input layer cannot be added twice")

        case .convolution(let c):
            let x = try single()
            guard c.outChannels > 0, c.kernelHeight > 0, c.kernelWidth > 0, c.strideHeight > 0, c.strideWidth > 0,
                  c.padHeight >= 0, c.padWidth >= 0, c.groups > 0 else {
                throw ModelError("convolution needs positive channels, kernel, stride and groups and a non-negative pad")
            }
            guard x.channels % c.groups == 0, c.outChannels % c.groups == 0 else {
                throw ModelError("convolution groups (\(c.groups)) must divide input (\(x.channels)) and output (\(c.outChannels)) channels")
            }
            let ho = try windowOutput(x.height, c.kernelHeight, c.strideHeight, c.padHeight, ceil: false)
            let wo = try windowOutput(x.width, c.kernelWidth, c.strideWidth, c.padWidth, ceil: false)
            let out = try checkedShape(channels: Double(c.outChannels), height: ho, width: wo)
            try checkRepresentable(2 * Double(out.elements) * Double(x.channels / c.groups) * Double(c.kernelHeight) * Double(c.kernelWidth))
            let k = (x.channels / c.groups) * c.kernelHeight * c.kernelWidth
            let macs = out.elements * k
            let biasFLOPs = c.bias ? out.elements : 0
            cost.parameters = c.outChannels * k + (c.bias ? c.outChannels : 0)
            cost.forwardFLOPs = 2 * macs + biasFLOPs
            cost.backwardDataFLOPs = inputIsImage ? 0 : 2 * macs
            cost.backwardWeightFLOPs = 2 * macs + biasFLOPs
            cost.forwardTrafficElements = x.elements + out.elements
            cost.backwardTrafficElements = out.elements + x.elements + (inputIsImage ? 0 : x.elements)
            cost.storedActivationElements = out.elements
            cost.gemm = GEMMShape(m: c.outChannels / c.groups, nPerExample: ho * wo, k: k, count: c.groups)
            return (out, cost)

        case .maxPool(let p), .averagePool(let p):
            let x = try single()
            guard p.kernel > 0, p.stride > 0, p.pad >= 0, 2 * p.pad <= p.kernel else {
                throw ModelError("pooling needs a positive kernel and stride and a pad of at most half the kernel, "
                                 + "got kernel \(p.kernel), stride \(p.stride), pad \(p.pad)")
            }
            let ho = try windowOutput(x.height, p.kernel, p.stride, p.pad, ceil: p.ceilMode)
            let wo = try windowOutput(x.width, p.kernel, p.stride, p.pad, ceil: p.ceilMode)
            let out = try checkedShape(channels: Double(x.channels), height: ho, width: wo)
            let window = p.kernel * p.kernel
            try checkRepresentable(Double(window) * Double(out.elements))
            cost.forwardFLOPs = window * out.elements
            if case .maxPool = self { cost.backwardDataFLOPs = out.elements } else { cost.backwardDataFLOPs = window * out.elements }
            cost.forwardTrafficElements = x.elements + out.elements
            cost.backwardTrafficElements = out.elements + 2 * x.elements
            cost.storedActivationElements = out.elements
            return (out, cost)

        case .adaptiveAveragePool(let h, let w):
            let x = try single()
            guard h > 0, w > 0 else { throw ModelError("adaptive pooling needs a positive output size") }
            let out = try checkedShape(channels: Double(x.channels), height: h, width: w)
            cost.forwardFLOPs = x.elements
            cost.backwardDataFLOPs = x.elements
            cost.forwardTrafficElements = x.elements + out.elements
            cost.backwardTrafficElements = out.elements + x.elements
            cost.storedActivationElements = out.elements
            return (out, cost)

        case .localResponseNorm(let size):
            let x = try single()
            guard size > 0 else { throw ModelError("local response norm needs a positive size") }
            try checkRepresentable(Double(2 * size + 5) * Double(x.elements))
            cost.forwardFLOPs = (2 * size + 5) * x.elements
            cost.backwardDataFLOPs = 2 * cost.forwardFLOPs
            cost.forwardTrafficElements = 2 * x.elements
            cost.backwardTrafficElements = 4 * x.elements
            cost.storedActivationElements = x.elements
            return (x, cost)

        case .relu:
            let x = try single()
            cost.forwardFLOPs = x.elements
            cost.backwardDataFLOPs = x.elements
            cost.forwardTrafficElements = 2 * x.elements
            cost.backwardTrafficElements = 3 * x.elements
            cost.storedActivationElements = 0   // in place, as torchvision's ReLU(inplace=True)
            return (x, cost)

        case .activation(let a):
            let x = try single()
            cost.forwardFLOPs = a.forwardFLOPsPerElement * x.elements
            cost.backwardDataFLOPs = a.backwardFLOPsPerElement * x.elements
            cost.forwardTrafficElements = 2 * x.elements
            cost.backwardTrafficElements = 3 * x.elements
            cost.storedActivationElements = a.keepsATensorForBackward(inPlace: inPlace) ? x.elements : 0
            return (x, cost)

        case .channelScale:
            guard inputs.count == 2 else { throw ModelError("scale takes two inputs (a feature map and its per-channel gate), got \(inputs.count)") }
            let (x, gate) = (inputs[0], inputs[1])
            guard gate == TensorShape(channels: x.channels) else {
                throw ModelError("scale needs a gate of \(x.channels)x1x1 for a feature map of \(x), got \(gate)")
            }
            cost.forwardFLOPs = x.elements
            cost.backwardDataFLOPs = 3 * x.elements
            cost.forwardTrafficElements = 2 * x.elements + x.channels
            cost.backwardTrafficElements = 3 * x.elements + 2 * x.channels
            cost.storedActivationElements = x.elements
            return (x, cost)

        case .stochasticDepth(let p):
            let x = try single()
            guard p >= 0, p < 1 else { throw ModelError("stochastic depth probability must be in [0, 1), got \(p)") }
            cost.forwardFLOPs = x.elements
            cost.backwardDataFLOPs = x.elements
            cost.forwardTrafficElements = 2 * x.elements
            cost.backwardTrafficElements = 2 * x.elements
            return (x, cost)

        case .dropout(let p):
            let x = try single()
            guard p >= 0, p < 1 else { throw ModelError("dropout probability must be in [0, 1), got \(p)") }
            cost.forwardFLOPs = x.elements
            cost.backwardDataFLOPs = x.elements
            cost.forwardTrafficElements = 2 * x.elements
            cost.backwardTrafficElements = 3 * x.elements
            cost.storedActivationElements = x.elements
            return (x, cost)

        case .batchNorm:
            let x = try single()
            cost.parameters = 2 * x.channels
            cost.forwardFLOPs = 8 * x.elements
            cost.backwardDataFLOPs = 9 * x.elements
            cost.backwardWeightFLOPs = 3 * x.elements
            cost.forwardTrafficElements = 3 * x.elements
            cost.backwardTrafficElements = 4 * x.elements
            cost.storedActivationElements = x.elements
            return (x, cost)

        case .fullyConnected(let units, let bias):
            let x = try single()
            guard units > 0 else { throw ModelError("a fully connected layer needs a positive number of units") }
            let inputs = x.elements
            try checkRepresentable(2 * Double(inputs) * Double(units))
            let macs = inputs * units
            cost.parameters = macs + (bias ? units : 0)
            cost.forwardFLOPs = 2 * macs + (bias ? units : 0)
            cost.backwardDataFLOPs = inputIsImage ? 0 : 2 * macs
            cost.backwardWeightFLOPs = 2 * macs + (bias ? units : 0)
            cost.forwardTrafficElements = inputs + units
            cost.backwardTrafficElements = units + inputs + (inputIsImage ? 0 : inputs)
            cost.storedActivationElements = units
            cost.gemm = GEMMShape(m: units, nPerExample: 1, k: inputs)
            return (TensorShape(channels: units), cost)

        case .softmaxCrossEntropy:
            let x = try single()
            cost.forwardFLOPs = 5 * x.elements
            cost.backwardDataFLOPs = x.elements
            cost.forwardTrafficElements = 2 * x.elements
            cost.backwardTrafficElements = 2 * x.elements
            cost.storedActivationElements = x.elements
            return (x, cost)

        case .add:
            guard inputs.count >= 2 else { throw ModelError("add needs at least two inputs") }
            guard inputs.allSatisfy({ $0 == inputs[0] }) else {
                throw ModelError("add needs inputs of one shape, got \(inputs.map(\.description).joined(separator: ", "))")
            }
            let out = inputs[0]
            try checkRepresentable(Double(inputs.count + 1) * Double(out.elements))
            cost.forwardFLOPs = (inputs.count - 1) * out.elements
            cost.forwardTrafficElements = (inputs.count + 1) * out.elements
            cost.backwardTrafficElements = 0    // the gradient passes through unchanged
            cost.storedActivationElements = out.elements
            return (out, cost)

        case .concat:
            guard inputs.count >= 2 else { throw ModelError("concat needs at least two inputs") }
            guard inputs.allSatisfy({ $0.height == inputs[0].height && $0.width == inputs[0].width }) else {
                throw ModelError("concat needs inputs of one height and width, got \(inputs.map(\.description).joined(separator: ", "))")
            }
            let out = try checkedShape(channels: inputs.reduce(0) { $0 + Double($1.channels) }, height: inputs[0].height, width: inputs[0].width)
            cost.forwardTrafficElements = 2 * out.elements
            cost.backwardTrafficElements = 2 * out.elements
            cost.storedActivationElements = out.elements
            return (out, cost)

        case .flatten:
            let x = try single()
            return (TensorShape(channels: x.elements), cost)
        }
    }
}

/// Operations per example (FLOPs, two per multiply-add, as `scalecast models` counts
/// them; or elements read) at or above `ModelLimits.operationsPerLayer` are refused:
/// a step of a batch of them would overflow the simulator's counters long before
/// it could finish.
func checkRepresentable(_ operations: Double) throws {
    guard operations < ModelLimits.operationsPerLayer else {
        throw ModelError("this layer needs \(ModelLimits.scientific(operations)) operations per example, "
                         + "more than ScaleCast can simulate (\(ModelLimits.scientific(ModelLimits.operationsPerLayer)))")
    }
}

/// An activation shape whose element count is checked before it is formed, so
/// that no product of its sides can overflow.
/// - Throws: `ModelError` beyond `ModelLimits.elementsPerTensor` elements per example.
func checkedShape(channels: Double, height: Int, width: Int) throws -> TensorShape {
    let elements = channels * Double(height) * Double(width)
    guard elements <= ModelLimits.elementsPerTensor else {
        throw ModelError("an activation of \(ModelLimits.scientific(elements)) elements per example is more than any GPU holds "
                         + "(at most \(ModelLimits.scientific(ModelLimits.elementsPerTensor)))")
    }
    return TensorShape(channels: Int(channels), height: height, width: width)
}

/// Output length of a sliding window: floor((n + 2p − k) / s) + 1, or with
/// `ceil` the PyTorch `ceil_mode` rule (round up, but no window may start in
/// the right padding).
func windowOutput(_ n: Int, _ k: Int, _ s: Int, _ p: Int, ceil: Bool) throws -> Int {
    let span = n + 2 * p - k
    guard span >= 0 else { throw ModelError("a window of \(k) with padding \(p) does not fit an input of \(n)") }
    var out = (ceil ? (span + s - 1) / s : span / s) + 1
    if ceil && (out - 1) * s >= n + p { out -= 1 }
    return out
}

/// A model that cannot be built: bad hyper-parameters or shapes that do not fit.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
