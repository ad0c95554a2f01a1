/// A CNN as a directed acyclic graph of layers in topological order: every
/// layer's inputs come before it, and layer 0 is the input.
public struct Network: Hashable, Sendable {
    public var name: String
    public var layers: [Layer]

    public var inputShape: TensorShape { layers[0].outputShape }

    /// Trainable parameters of the whole network.
    public var parameters: Int { layers.reduce(0) { $0 + $1.cost.parameters } }
    public var forwardFLOPsPerExample: Int { layers.reduce(0) { $0 + $1.cost.forwardFLOPs } }
    public var backwardFLOPsPerExample: Int { layers.reduce(0) { $0 + $1.cost.backwardFLOPs } }
    /// Forward plus backward FLOPs for one example (about 3x the forward).
    public var trainingFLOPsPerExample: Int { forwardFLOPsPerExample + backwardFLOPsPerExample }

    /// Activation elements kept for the backward pass, per example, the input included.
    public var storedActivationElementsPerExample: Int {
        layers.reduce(0) { $0 + $1.cost.storedActivationElements } + inputShape.elements
    }

    /// Layers whose output no later layer reads, other than the losses (`softmax`) and,
    /// in a model without a loss, the last layer (its output): an auxiliary classifier's
    /// branch ends in its own loss, while any other layer left unread, after the loss
    /// too, is priced forward, backward and in its gradients although nothing uses its
    /// result, almost always a misspelt or forgotten `inputs:`.
    public var unreadLayers: [Int] {
        var read = [Bool](repeating: false, count: layers.count)
        for layer in layers { for i in layer.inputs { read[i] = true } }
        let hasLoss = layers.contains { $0.kind == .softmaxCrossEntropy }
        return layers.indices.dropFirst().filter { i in
            !read[i] && layers[i].kind != .softmaxCrossEntropy && (hasLoss || i != layers.count - 1)
        }
    }

    /// The losses (`softmax`: softmax with the cross-entropy loss) whose output a later layer
    /// reads. A loss ends the network or an auxiliary branch: its output is the loss value,
    /// which nothing computes on, so a softmax read further on is a misplaced layer.
    public var readLosses: [Int] {
        let reading = Set(layers.flatMap(\.inputs))
        return layers.indices.filter { layers[$0].kind == .softmaxCrossEntropy && reading.contains($0) }
    }

    /// Whether the network has a layer that trains weights by matrix products, a convolution
    /// or a fully connected layer: without one (pools, activations, batch norms and a loss
    /// alone) a model is no CNN, and nothing a GPU's matrix units would price.
    public var hasWeightedLayer: Bool {
        layers.contains { layer in
            switch layer.kind {
            case .convolution, .fullyConnected: return true
            default: return false
            }
        }
    }

    /// The message for a model without a weighted layer (`hasWeightedLayer`).
    public var noWeightedLayerMessage: String {
        "model '\(name)' has no convolution or fully connected layer, so nothing to train "
            + "(the matrix products those layers run are what ScaleCast prices a model by)"
    }

    /// The index of the layer named `name`, if any.
    public func index(of name: String) -> Int? { layers.firstIndex { $0.name == name } }
}
