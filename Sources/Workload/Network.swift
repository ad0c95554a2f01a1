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

    /// The index of the layer named `name`, if any.
    public func index(of name: String) -> Int? { layers.firstIndex { $0.name == name } }
}
