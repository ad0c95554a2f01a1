/// Builds a `Network` layer by layer, inferring shapes and costs as it goes.
///
/// Each method appends one layer and returns its index. `from` defaults to the
/// layer added last, so a chain reads top to bottom:
/// ```swift
/// var b = NetworkBuilder(name: "tiny", input: TensorShape(channels: 3, height: 32, width: 32))
/// try b.conv("conv1", out: 16, kernel: 3, pad: 1)
/// try b.relu("relu1")
/// try b.fc("fc", units: 10)
/// let net = try b.finish()
/// ```
public struct NetworkBuilder {
    public private(set) var layers: [Layer]
    /// The layer the next call connects to by default.
    public private(set) var last: Int

    public init(name: String, input: TensorShape) {
        self.name = name
        layers = [Layer(name: "input", kind: .input, inputs: [], inputShapes: [], outputShape: input, cost: .zero)]
        names = ["input"]
        last = 0
    }

    private let name: String
    /// Every layer's name, to refuse a duplicate in constant time.
    private var names: Set<String>
    /// Every count of every layer so far, for one example, added up (see `ModelLimits.operationsPerNetwork`).
    private var operations: Double = 0

    /// Appends a layer of any kind fed by `inputs`; `inPlace`: it overwrites its input
    /// (`Layer.runsInPlace`).
    /// - Throws: `ModelError` for a duplicate name, an unknown input, or shapes that do not fit.
    @discardableResult
    public mutating func add(_ layerName: String, _ kind: LayerKind, inputs: [Int]? = nil, inPlace: Bool = false) throws -> Int {
        let sources = inputs ?? [last]
        guard !layerName.isEmpty else { throw ModelError("a layer needs a name") }
        guard layerName != layers[0].name else {
            throw ModelError("'\(layerName)' names the model's input image (other layers list it in `inputs` to read the image); "
                             + "give this layer another name")
        }
        guard !names.contains(layerName) else { throw ModelError("layer name '\(layerName)' is used twice") }
        guard sources.allSatisfy({ $0 >= 0 && $0 < layers.count }) else { throw ModelError("layer '\(layerName)' names an input that does not exist") }
        guard layers.count <= ModelLimits.layers else { throw ModelError("a model may have at most \(ModelLimits.layers) layers") }
        if sources.contains(0) {
            let input = layers[0].outputShape
            _ = try checkedShape(channels: Double(input.channels), height: input.height, width: input.width)
        }
        let shapes = sources.map { layers[$0].outputShape }
        let inputIsImage = sources.allSatisfy { $0 == 0 }
        let (out, cost): (TensorShape, LayerCost)
        do {
            (out, cost) = try kind.output(for: shapes, inputIsImage: inputIsImage, inPlace: inPlace)
        } catch let error as ModelError {
            throw ModelError("layer '\(layerName)': \(error.message)")
        }
        let counts = [cost.parameters, cost.forwardFLOPs, cost.backwardDataFLOPs, cost.backwardWeightFLOPs,
                      cost.forwardTrafficElements, cost.backwardTrafficElements, cost.storedActivationElements, out.elements]
        operations += counts.reduce(0) { $0 + Double($1) }
        guard operations <= ModelLimits.operationsPerNetwork else {
            throw ModelError("layer '\(layerName)': the model needs more than \(ModelLimits.scientific(ModelLimits.operationsPerNetwork)) "
                             + "operations per example, more than ScaleCast can simulate")
        }
        names.insert(layerName)
        layers.append(Layer(name: layerName, kind: kind, inputs: sources, inputShapes: shapes, outputShape: out, cost: cost,
                            runsInPlace: inPlace))
        last = layers.count - 1
        return last
    }

    public func shape(of index: Int) -> TensorShape { layers[index].outputShape }

    // MARK: Convenience for each kind

    @discardableResult
    public mutating func conv(_ name: String, from: Int? = nil, out: Int, kernel: Int, stride: Int = 1,
                              pad: Int = 0, groups: Int = 1, bias: Bool = true) throws -> Int {
        try conv(name, from: from, out: out, kernel: (kernel, kernel), stride: (stride, stride), pad: (pad, pad), groups: groups, bias: bias)
    }

    @discardableResult
    public mutating func conv(_ name: String, from: Int? = nil, out: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                              pad: (Int, Int) = (0, 0), groups: Int = 1, bias: Bool = true) throws -> Int {
        try add(name, .convolution(Convolution(outChannels: out, kernel: kernel, stride: stride, pad: pad, groups: groups, bias: bias)),
                inputs: from.map { [$0] })
    }

    @discardableResult
    public mutating func maxPool(_ name: String, from: Int? = nil, kernel: Int, stride: Int, pad: Int = 0, ceilMode: Bool = false) throws -> Int {
        try add(name, .maxPool(Pooling(kernel: kernel, stride: stride, pad: pad, ceilMode: ceilMode)), inputs: from.map { [$0] })
    }

    @discardableResult
    public mutating func avgPool(_ name: String, from: Int? = nil, kernel: Int, stride: Int, pad: Int = 0, ceilMode: Bool = false) throws -> Int {
        try add(name, .averagePool(Pooling(kernel: kernel, stride: stride, pad: pad, ceilMode: ceilMode)), inputs: from.map { [$0] })
    }

    @discardableResult
    public mutating func adaptiveAvgPool(_ name: String, from: Int? = nil, height: Int, width: Int) throws -> Int {
        try add(name, .adaptiveAveragePool(height: height, width: width), inputs: from.map { [$0] })
    }

    @discardableResult
    public mutating func relu(_ name: String, from: Int? = nil) throws -> Int { try add(name, .relu, inputs: from.map { [$0] }) }

    @discardableResult
    public mutating func activation(_ name: String, _ activation: Activation, from: Int? = nil, inPlace: Bool = false) throws -> Int {
        try add(name, .activation(activation), inputs: from.map { [$0] }, inPlace: inPlace)
    }

    /// `x` times the per-channel `gate` (squeeze-and-excitation's `scale * input`).
    @discardableResult
    public mutating func channelScale(_ name: String, _ x: Int, gate: Int) throws -> Int {
        try add(name, .channelScale, inputs: [x, gate])
    }

    @discardableResult
    public mutating func stochasticDepth(_ name: String, from: Int? = nil, probability: Double) throws -> Int {
        try add(name, .stochasticDepth(probability: probability), inputs: from.map { [$0] })
    }

    @discardableResult
    public mutating func batchNorm(_ name: String, from: Int? = nil) throws -> Int { try add(name, .batchNorm, inputs: from.map { [$0] }) }

    @discardableResult
    public mutating func lrn(_ name: String, from: Int? = nil, size: Int) throws -> Int {
        try add(name, .localResponseNorm(size: size), inputs: from.map { [$0] })
    }

    @discardableResult
    public mutating func dropout(_ name: String, from: Int? = nil, probability: Double) throws -> Int {
        try add(name, .dropout(probability: probability), inputs: from.map { [$0] })
    }

    @discardableResult
    public mutating func fc(_ name: String, from: Int? = nil, units: Int, bias: Bool = true) throws -> Int {
        try add(name, .fullyConnected(units: units, bias: bias), inputs: from.map { [$0] })
    }

    @discardableResult
    public mutating func softmax(_ name: String, from: Int? = nil) throws -> Int { try add(name, .softmaxCrossEntropy, inputs: from.map { [$0] }) }

    @discardableResult
    public mutating func addLayers(_ name: String, _ inputs: [Int]) throws -> Int { try add(name, .add, inputs: inputs) }

    @discardableResult
    public mutating func concat(_ name: String, _ inputs: [Int]) throws -> Int { try add(name, .concat, inputs: inputs) }

    /// A convolution without bias followed by batch norm and ReLU: torchvision's
    /// `BasicConv2d` (GoogLeNet, Inception v3) and ResNet's conv-bn-relu.
    @discardableResult
    public mutating func convBNReLU(_ name: String, from: Int? = nil, out: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                                    pad: (Int, Int) = (0, 0), groups: Int = 1) throws -> Int {
        try conv(name, from: from, out: out, kernel: kernel, stride: stride, pad: pad, groups: groups, bias: false)
        try batchNorm("\(name).bn")
        return try relu("\(name).relu")
    }

    @discardableResult
    public mutating func convBNReLU(_ name: String, from: Int? = nil, out: Int, kernel: Int, stride: Int = 1, pad: Int = 0,
                                    groups: Int = 1) throws -> Int {
        try convBNReLU(name, from: from, out: out, kernel: (kernel, kernel), stride: (stride, stride), pad: (pad, pad), groups: groups)
    }

    /// torchvision's `Conv2dNormActivation`: a convolution without bias, padded by
    /// (kernel − 1) / 2 so that a stride of 1 keeps the size, batch norm, then
    /// `activation` (`.relu`, `.activation(...)`, or nil for none), run in place as
    /// torchvision's default `inplace=True` runs it. As in torchvision's
    /// `nn.Sequential`, the three are named `name.0`, `name.1`, `name.2`.
    @discardableResult
    public mutating func convNormActivation(_ name: String, from: Int? = nil, out: Int, kernel: Int, stride: Int = 1,
                                            groups: Int = 1, activation: LayerKind?) throws -> Int {
        try conv("\(name).0", from: from, out: out, kernel: kernel, stride: stride, pad: (kernel - 1) / 2, groups: groups, bias: false)
        let bn = try batchNorm("\(name).1")
        guard let activation else { return bn }
        return try add("\(name).2", activation, inPlace: true)
    }

    /// The finished network, with the outputs no later layer's backward reads dropped from
    /// the activations kept for backward: a layer that keeps its output for its readers
    /// (`LayerKind.storesOutputForReaders`) keeps nothing when every layer it feeds reads
    /// no input (`readsInputInBackward`: a residual add, a concat, a dropout). A ResNet
    /// bottleneck's last batch norm and its shortcut's feed only the add, so autograd frees
    /// their outputs after the forward.
    /// - Throws: `ModelError` if it has no layer besides the input.
    public func finish() throws -> Network {
        guard layers.count > 1 else { throw ModelError("model '\(name)' has no layers") }
        var finished = layers
        var fed = [Bool](repeating: false, count: layers.count), read = fed
        for layer in layers {
            for i in layer.inputs {
                fed[i] = true
                if layer.kind.readsInputInBackward { read[i] = true }
            }
        }
        for i in finished.indices where finished[i].kind.storesOutputForReaders && fed[i] && !read[i] {
            finished[i].cost.storedActivationElements = 0
        }
        return Network(name: name, layers: finished)
    }
}
