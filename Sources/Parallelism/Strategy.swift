import Foundation
import Workload

/// How the GPUs of a run share the training work, layer by layer.
///
/// One mechanism covers every preset: layers before `modelParallelFrom` are
/// data-parallel (every GPU holds them whole and runs them on its own examples;
/// their gradients are all-reduced), layers from it on are model-parallel (every
/// GPU holds 1/K of each layer's output units and runs its slice on every example).
/// - `data`: no model-parallel layer.
/// - `model`: every layer model-parallel (the images are on every GPU).
/// - `hybrid`: Krizhevsky's "one weird trick" (2014): data-parallel up to the first
///   fully connected layer, model-parallel from there, the activations crossing
///   the boundary by scheme (a), (b) or (c).
public struct Strategy: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable { case data, model, hybrid }

    public var kind: Kind
    /// The first model-parallel layer of a hybrid, by name; nil means the first
    /// fully connected layer.
    public var modelParallelFrom: String?
    /// How the last data-parallel activations reach the model-parallel layers.
    public var scheme: ExchangeScheme
    /// When the model-parallel layers update their weights.
    public var variant: UpdateVariant
    /// How the data-parallel layers synchronize their gradients.
    public var gradientSync: DataParallelOptions

    public init(kind: Kind, modelParallelFrom: String? = nil, scheme: ExchangeScheme = .b, variant: UpdateVariant = .exact,
                gradientSync: DataParallelOptions = DataParallelOptions()) {
        self.kind = kind
        self.modelParallelFrom = modelParallelFrom
        self.scheme = scheme
        self.variant = variant
        self.gradientSync = gradientSync
    }

    /// Plain data parallelism.
    public static func data(_ options: DataParallelOptions = DataParallelOptions()) -> Strategy {
        Strategy(kind: .data, gradientSync: options)
    }

    /// The one-weird-trick hybrid. By default conv gradients are synchronized as the
    /// paper describes: each worker owns 1/K of each layer's gradient (direct
    /// reduce-scatter + all-gather), layer by layer as backward produces them.
    public static func hybrid(scheme: ExchangeScheme, variant: UpdateVariant, from layer: String? = nil,
                              gradientSync: DataParallelOptions = DataParallelOptions(algorithm: .direct, bucketBytes: 0)) -> Strategy {
        Strategy(kind: .hybrid, modelParallelFrom: layer, scheme: scheme, variant: variant, gradientSync: gradientSync)
    }

    /// Plain model parallelism.
    public static func model(variant: UpdateVariant = .exact) -> Strategy {
        Strategy(kind: .model, variant: variant)
    }

    /// The strategy's name in tables and JSON: `data`, `model` or `hybrid`.
    public var name: String { kind.rawValue }

    /// The scheme, for hybrid strategies only.
    public var schemeIfHybrid: ExchangeScheme? { kind == .hybrid ? scheme : nil }
    /// The update variant, where model-parallel layers exist.
    public var variantIfModelParallel: UpdateVariant? { kind == .data ? nil : variant }

    /// A short description for labels: `data (ring, 25 MB buckets)`, `hybrid (b), exact`.
    public var summary: String {
        switch kind {
        case .data: return "data (\(gradientSync.summary))"
        case .hybrid: return "hybrid (\(scheme.rawValue)), \(variant.rawValue)"
        case .model: return "model, \(variant.rawValue)"
        }
    }

    /// The index of the first model-parallel layer of `network`, or nil when every
    /// layer is data-parallel.
    /// - Throws: `ModelError` if the named layer does not exist, the network has no
    ///   fully connected layer to split at, or the model-parallel layers do not
    ///   form a chain (each fed by the one before it).
    public func modelParallelStart(in network: Network) throws -> Int? {
        let start: Int
        switch kind {
        case .data: return nil
        case .model: start = 1
        case .hybrid:
            if let name = modelParallelFrom {
                // The layers it could start at, for the messages.
                let products = network.layers.filter {
                    switch $0.kind { case .fullyConnected, .convolution: return true; default: return false }
                }.map(\.name)
                let listed = products.suffix(8).joined(separator: ", ") + (products.count > 8 ? " (the last 8 of \(products.count))" : "")
                guard let index = network.index(of: name), index > 0 else {
                    throw ModelError("\(network.name) has no layer named '\(name)' to start model parallelism at; its fully connected "
                                     + "and convolution layers: \(listed)")
                }
                switch network.layers[index].kind {
                case .fullyConnected, .convolution: break
                default:
                    throw ModelError("model parallelism must start at a fully connected or convolution layer, "
                                     + "and '\(name)' is a layer of kind \(network.layers[index].kind.shortName); candidates: \(listed)")
                }
                start = index
            } else {
                // The first fully connected layer from which the rest of the network is a chain
                // (Inception v3's auxiliary head comes before its main classifier).
                let candidates = network.layers.indices.filter {
                    if case .fullyConnected = network.layers[$0].kind { return Strategy.isChain(network, from: $0) }
                    return false
                }
                guard let index = candidates.first else {
                    throw ModelError("\(network.name) has no fully connected layer that ends it as a chain; "
                                     + "name the first model-parallel layer (model_parallel_from)")
                }
                start = index
            }
        }
        for i in start..<network.layers.count where network.layers[i].inputs != [i - 1] {
            throw ModelError("model parallelism from '\(network.layers[start].name)' needs the layers from there on to form a chain, "
                             + "but '\(network.layers[i].name)' is fed by \(network.layers[i].inputs.isEmpty ? "nothing" : network.layers[i].inputs.map { "'\(network.layers[$0].name)'" }.joined(separator: " and "))")
        }
        return start
    }

    static func isChain(_ network: Network, from start: Int) -> Bool {
        (start..<network.layers.count).allSatisfy { network.layers[$0].inputs == [$0 - 1] }
    }
}

/// How the last data-parallel activations reach the model-parallel layers
/// (Krizhevsky 2014, section 4).
public enum ExchangeScheme: String, CaseIterable, Sendable {
    /// Every worker sends its examples' activations to every other; then one big batch.
    case a
    /// Workers take turns broadcasting their examples; each chunk is computed while
    /// the next is sent.
    case b
    /// Every worker sends 1/K of its examples to all others per turn: K mixed chunks.
    case c
}

/// When model-parallel layers update their weights.
public enum UpdateVariant: String, CaseIterable, Sendable {
    /// Accumulate over the step's K chunks, update once: batch (128K, 128K).
    case exact
    /// Update after every chunk: batch (128K, 128), K updates per step.
    case approximate
}

/// Options of gradient synchronization for data-parallel layers.
public struct DataParallelOptions: Sendable, Equatable {
    public var algorithm: AllReduceAlgorithm
    /// Gradients are all-reduced in buckets of at least this many bytes, each as soon
    /// as the backward pass has produced it (as PyTorch DDP's `bucket_cap_mb`); 0
    /// gives every weighted layer its own bucket; nil synchronizes all gradients
    /// once the backward pass is over.
    public var bucketBytes: Double?

    public init(algorithm: AllReduceAlgorithm = .ring, bucketBytes: Double? = 25e6) {
        self.algorithm = algorithm
        self.bucketBytes = bucketBytes
    }

    public var summary: String {
        let buckets: String
        switch bucketBytes {
        case nil: buckets = "after backward"
        case 0?: buckets = "per layer"
        case let bytes?: buckets = "\(formatMB(bytes)) MB buckets"
        }
        return "\(algorithm.rawValue), \(buckets)"
    }
}

func formatMB(_ bytes: Double) -> String {
    let mb = bytes / 1e6
    if mb == mb.rounded(), let whole = Int(exactly: mb) { return String(whole) }
    // Below 0.01 MB two decimals would say 0.0: the significant digits instead (0.001).
    if mb < 0.01 { return String(format: "%g", locale: nil, mb) }
    return "\((mb * 100).rounded() / 100)"
}
