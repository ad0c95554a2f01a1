import Foundation
import YAMLSupport

extension Network {
    /// Reads a custom model:
    /// ```yaml
    /// name: tiny-cnn
    /// input: [3, 32, 32]          # channels, height, width
    /// layers:
    ///   - {name: conv1, type: conv, out: 32, kernel: 3, pad: 1}
    ///   - {type: relu}
    ///   - {type: maxpool, kernel: 2, stride: 2}
    ///   - {name: fc, type: fc, units: 10}
    ///   - {type: softmax}
    /// ```
    /// Each layer feeds the next unless it names `inputs:` (layer names), as `add`
    /// and `concat` must; every layer feeds a later one or is a loss (`softmax`, an
    /// auxiliary classifier's end), but for the last of a model without a loss. A convolution's `kernel`, `stride`
    /// and `pad`, and an adaptive pooling's `size`, are one number for both sides or `[height, width]`
    /// (Inception's 1x7 and 7x1 convolutions: `kernel: [1, 7], pad: [0, 3]`). Types: conv, maxpool, avgpool, adaptive_avgpool, lrn, relu,
    /// relu6, sigmoid, hardsigmoid, silu, hardswish, dropout, stochastic_depth,
    /// batchnorm, fc, softmax, add, concat, scale (`inputs: [feature map, gate]`,
    /// the gate C×1×1), flatten. Unnamed layers are called `<type><position>`.
    /// - Throws: `ConfigError` naming the file, key path and line of the first problem.
    public init(yaml: YAMLValue) throws {
        try yaml.checkKeys(["name", "input", "layers"])
        let nameNode = try yaml.required("name")
        let name = try nameNode.string()
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw nameNode.error("a model needs a name (tables and reports print it)") }
        let inputNode = try yaml.required("input")
        let dims = try inputNode.items().enumerated().map { i, item in
            try item.int(in: i == 0 ? Limits.width : Limits.extent)
        }
        guard dims.count == 3 || dims.count == 1 else {
            throw inputNode.error("input must be [channels, height, width] or [features]")
        }
        do {
            _ = try checkedShape(channels: Double(dims[0]), height: dims.count == 3 ? dims[1] : 1, width: dims.count == 3 ? dims[2] : 1)
        } catch let error as ModelError {
            throw inputNode.error(error.message)
        }
        var builder = NetworkBuilder(name: name, input: dims.count == 3
                                     ? TensorShape(channels: dims[0], height: dims[1], width: dims[2])
                                     : TensorShape(channels: dims[0]))
        let layers = try yaml.required("layers").items()
        guard !layers.isEmpty else { throw yaml.error("a model needs at least one layer") }
        for (position, item) in layers.enumerated() {
            try Network.addLayer(item, position: position + 1, to: &builder)
        }
        self = try builder.finish()
        // Layer i of the network is the model's `layers[i - 1]` (layer 0 is the input).
        if let unread = unreadLayers.first {
            throw layers[unread - 1].error("layer '\(self.layers[unread].name)' feeds no later layer and is not a loss, so its forward, "
                                           + "backward and gradients would be priced for a result nothing uses; name it in a later "
                                           + "layer's `inputs`, end its branch in a `softmax` (an auxiliary classifier's loss), or remove it")
        }
        if let loss = readLosses.first {
            throw layers[loss - 1].error("layer '\(self.layers[loss].name)' is a softmax, which ScaleCast prices as the loss (softmax with "
                                         + "the cross-entropy), and a later layer reads it; a loss ends the model or an auxiliary "
                                         + "branch: move it to the end, or leave it out where the network continues")
        }
        guard hasWeightedLayer else { throw yaml.error(noWeightedLayerMessage) }
    }

    /// Layer types a custom model may use, with their keys.
    public static let yamlLayerTypes: [String: [String]] = [
        "conv": ["out", "kernel", "stride", "pad", "groups", "bias"],
        "maxpool": ["kernel", "stride", "pad", "ceil_mode"],
        "avgpool": ["kernel", "stride", "pad", "ceil_mode"],
        "adaptive_avgpool": ["size"],
        "lrn": ["size"],
        "relu": ["inplace"], "batchnorm": [], "softmax": [], "flatten": [], "add": [], "concat": [], "scale": [],
        "relu6": ["inplace"], "sigmoid": ["inplace"], "hardsigmoid": ["inplace"], "silu": ["inplace"], "hardswish": ["inplace"],
        "dropout": ["p"], "stochastic_depth": ["p"],
        "fc": ["units", "bias"],
    ]

    /// Keys that PyTorch's convolution and pooling layers take and the format prices only at
    /// their defaults, with what other values describe and whether a value is the default
    /// (exporters write `dilation: 1` and `padding_mode: zeros` on every layer).
    static let defaultOnlyLayerKeys: [(key: String, what: String, isDefault: @Sendable (YAMLValue) -> Bool)] = [
        ("dilation", "dilated (atrous) convolutions and pooling windows", { node in
            if let one = try? node.int() { return one == 1 }
            return (try? node.items().map { try $0.int() }).map { !$0.isEmpty && $0.allSatisfy { $0 == 1 } } ?? false
        }),
        ("padding_mode", "padding modes other than zeros", { node in (try? node.string()) == "zeros" }),
    ]

    private static func addLayer(_ item: YAMLValue, position: Int, to b: inout NetworkBuilder) throws {
        let typeNode = try item.required("type")
        let type = try typeNode.string()
        guard let keys = yamlLayerTypes[type] else {
            throw typeNode.error("unknown layer type '\(type)'; expected one of: \(yamlLayerTypes.keys.sorted().joined(separator: ", "))")
        }
        // Keys the format prices only at their defaults: accepted there, else named as what they
        // describe rather than as typos.
        var defaulted: [String] = []
        for (key, what, isDefault) in defaultOnlyLayerKeys where keys.contains("kernel") {
            guard let node = try item.optional(key) else { continue }
            guard isDefault(node) else {
                throw node.error("\(what) are not modelled (a \(type) layer takes: \(keys.joined(separator: ", "))); "
                                 + "docs/bring-your-model.md lists what ScaleCast cannot price")
            }
            defaulted.append(key)
        }
        try item.checkKeys(["name", "type", "inputs"] + keys + defaulted)
        let name: String
        if let nameNode = try item.optional("name") {
            name = try nameNode.string()
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw nameNode.error("a blank layer name; name the layer, or leave the key out to have it called \(type)\(position)")
            }
        } else {
            name = "\(type)\(position)"
            // The clash is the unnamed layer's only by position: say where the name came from.
            if let other = b.layers.firstIndex(where: { $0.name == name }) {
                throw item.error("an unnamed layer is called <type><position>, here '\(name)', which layers[\(other - 1)] is already named; "
                                 + "give one of them another name")
            }
        }
        var inputs: [Int]?
        if let inputsNode = try item.optional("inputs") {
            inputs = try inputsNode.items().map { ref in
                let refName = try ref.string()
                guard let index = b.layers.firstIndex(where: { $0.name == refName }) else {
                    let near = nearest(refName, in: b.layers.map(\.name), maxEdits: 2)
                    throw ref.error("no earlier layer is named '\(refName)'" + (near.map { "; did you mean '\($0)'?" } ?? ""))
                }
                return index
            }
        }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            if let node = try item.optional(key) { return try node.int(in: key == "out" || key == "units" ? Limits.width : Limits.extent) }
            if let value { return value }
            throw ConfigError(file: item.file, keyPath: "\(item.keyPath).\(key)", line: item.line, message: "missing required key '\(key)'")
        }
        func pad() throws -> Int {
            guard let node = try item.optional("pad") else { return 0 }
            return try node.int(in: 0...Limits.extent.upperBound)
        }
        /// `key` as `n` (both sides) or `[height, width]`, each in `range`.
        func pair(_ key: String, in range: ClosedRange<Int>, default value: Int? = nil) throws -> (Int, Int) {
            guard let node = try item.optional(key) else {
                let side = try int(key, default: value)
                return (side, side)
            }
            guard node.isSequence else {
                let side = try node.int(in: range)
                return (side, side)
            }
            let sides = try node.items()
            guard sides.count == 2 else { throw node.error("\(key) must be a number or [height, width]") }
            return (try sides[0].int(in: range), try sides[1].int(in: range))
        }
        let kind: LayerKind
        switch type {
        case "conv":
            kind = .convolution(Convolution(outChannels: try int("out"), kernel: try pair("kernel", in: Limits.extent),
                                            stride: try pair("stride", in: Limits.extent, default: 1),
                                            pad: try pair("pad", in: 0...Limits.extent.upperBound, default: 0),
                                            groups: try int("groups", default: 1),
                                            bias: try item.optional("bias")?.bool() ?? true))
        case "maxpool", "avgpool":
            let kernel = try int("kernel")
            let pooling = Pooling(kernel: kernel, stride: try int("stride", default: kernel), pad: try pad(),
                                  ceilMode: try item.optional("ceil_mode")?.bool() ?? false)
            kind = type == "maxpool" ? .maxPool(pooling) : .averagePool(pooling)
        case "adaptive_avgpool":
            let (height, width) = try pair("size", in: Limits.extent, default: 1)
            kind = .adaptiveAveragePool(height: height, width: width)
        case "lrn": kind = .localResponseNorm(size: try int("size", default: 5))
        case "relu": kind = .relu
        case "batchnorm": kind = .batchNorm
        case "softmax": kind = .softmaxCrossEntropy
        case "flatten": kind = .flatten
        case "add": kind = .add
        case "concat": kind = .concat
        case "scale": kind = .channelScale
        case "relu6", "sigmoid", "hardsigmoid", "silu", "hardswish": kind = .activation(Activation(rawValue: type)!)
        case "dropout":
            let p = try item.optional("p")?.double() ?? 0.5
            kind = .dropout(probability: p)
        case "stochastic_depth":
            let p = try item.optional("p")?.double() ?? 0
            kind = .stochasticDepth(probability: p)
        default:  // "fc"
            kind = .fullyConnected(units: try int("units"), bias: try item.optional("bias")?.bool() ?? true)
        }
        // PyTorch's `inplace=True` (`Layer.runsInPlace`); an activation's only key.
        let inPlace = try item.optional("inplace")?.bool() ?? false
        do {
            try b.add(name, kind, inputs: inputs, inPlace: inPlace)
        } catch let error as ModelError {
            throw item.error(error.message)
        }
    }
}
