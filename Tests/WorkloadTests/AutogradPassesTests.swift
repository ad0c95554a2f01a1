import Testing
import YAMLSupport
@testable import Workload

/// Eager PyTorch autograd's own memory passes (`AutogradPasses`): which layers they
/// touch and by how many elements, summed by hand on a small network.
@Suite struct AutogradPassesTests {
    /// conv 3→4 (3x3, pad 1) on 8x8, batch norm, SiLU in place (torchvision's
    /// `Conv2dNormActivation`), squeeze-and-excitation with a SiLU not in place
    /// (`SqueezeExcitation`'s default `activation()`) and a sigmoid gate, FC 10.
    static func network(activation: Activation = .silu) throws -> Network {
        var b = NetworkBuilder(name: "tiny-mbconv", input: TensorShape(channels: 3, height: 8, width: 8))
        let x = try b.convNormActivation("c", out: 4, kernel: 3, activation: .activation(activation))
        _ = try Zoo.squeezeExcitation(&b, "se", from: x, channels: 4, squeeze: 2, activation: .activation(.silu), gate: .sigmoid)
        try b.fc("fc", units: 10)
        return try b.finish()
    }

    static let eager = AutogradPasses(clonesInPlaceActivationInput: true, reducesBroadcastGradient: true)

    /// The in-place SiLU's input is 4 × 8 × 8 = 256 elements: the clone reads and writes
    /// it, 512 elements in one kernel. The SE's SiLU is not in place here, the sigmoid
    /// differentiates from its output: nothing.
    @Test func theInPlaceSiLUIsClonedOnce() throws {
        let net = try Self.network()
        let silu = try #require(net.index(of: "c.2")), seSiLU = try #require(net.index(of: "se.activation"))
        let gate = try #require(net.index(of: "se.scale_activation"))
        #expect(net.layers[silu].runsInPlace && !net.layers[seSiLU].runsInPlace)
        #expect(Self.eager.forward(net.layers[silu]) == AutogradPasses.Extra(trafficElements: 512, kernels: 1))
        #expect(Self.eager.backward(net.layers[silu]) == .zero)
        for i in net.layers.indices where i != silu {
            #expect(Self.eager.forward(net.layers[i]) == .zero, "\(net.layers[i].name)")
        }
        #expect(Self.eager.forward(net.layers[gate]) == .zero)
        // The clone is the copy autograd keeps, which the layer's stored activation already counts.
        #expect(net.layers[silu].cost.storedActivationElements == 256)
    }

    /// Hard swish and hard sigmoid differentiate from their input too; ReLU6, ReLU and
    /// sigmoid do not, so in place they are not cloned.
    @Test(arguments: Activation.allCases)
    func onlyActivationsWhoseDerivativeReadsTheInputAreCloned(activation: Activation) throws {
        let layer = try Self.network(activation: activation).layers[3]
        #expect(layer.runsInPlace)
        let cloned = [.silu, .hardSwish, .hardSigmoid].contains(activation)
        #expect(Self.eager.forward(layer) == (cloned ? AutogradPasses.Extra(trafficElements: 512, kernels: 1) : .zero))
        var b = NetworkBuilder(name: "relu", input: TensorShape(channels: 3, height: 8, width: 8))
        let relu = try b.convNormActivation("c", out: 4, kernel: 3, activation: .relu)
        #expect(Self.eager.forward(try b.finish().layers[relu]) == .zero)
    }

    /// The scale's x is 256 elements: backward gains the full-size product (read dy and x,
    /// write it: 768) and its `sum_to` read (256; the gate's C writes are in both), 768
    /// + 256 = 3 · 256 more elements and two more kernels: 6 · 256 + 2 · 4 in all.
    @Test func theChannelScaleGradientIsReducedBySumTo() throws {
        let net = try Self.network()
        let scale = net.layers[try #require(net.index(of: "se.scale"))]
        #expect(scale.cost.backwardTrafficElements == 3 * 256 + 2 * 4)
        #expect(Self.eager.backward(scale) == AutogradPasses.Extra(trafficElements: 768, kernels: 2))
        #expect(scale.cost.backwardTrafficElements + Self.eager.backward(scale).trafficElements == 6 * 256 + 2 * 4)
        #expect(Self.eager.forward(scale) == .zero)
        for layer in net.layers where layer.name != "se.scale" { #expect(Self.eager.backward(layer) == .zero, "\(layer.name)") }
    }

    /// Each pass answers to its own switch; `none` adds nothing anywhere.
    @Test func eachPassHasItsOwnSwitch() throws {
        let net = try Self.network()
        let silu = net.layers[3], scale = net.layers[try #require(net.index(of: "se.scale"))]
        let cloneOnly = AutogradPasses(clonesInPlaceActivationInput: true)
        let sumToOnly = AutogradPasses(reducesBroadcastGradient: true)
        #expect(cloneOnly.forward(silu) != .zero && cloneOnly.backward(scale) == .zero)
        #expect(sumToOnly.forward(silu) == .zero && sumToOnly.backward(scale) != .zero)
        #expect(!AutogradPasses.none.applies(to: net) && cloneOnly.applies(to: net) && sumToOnly.applies(to: net))
        // ResNet-50: in-place ReLUs and no scale, so neither pass touches it.
        #expect(!Self.eager.applies(to: Zoo.model(named: "resnet50")!))
    }

    /// ReLU6 in place on the 256-element map: under `clonesInPlaceReLU6Input` (PyTorch 1.10
    /// and later) the clone reads and writes it (512 elements, one kernel) and autograd
    /// keeps the copy (256 elements beyond the layer's own, which is none); without it,
    /// or for a ReLU6 not in place, nothing.
    @Test func theInPlaceReLU6IsClonedAndItsCopyKeptOnlyWhereTheProfileSays() throws {
        let net = try Self.network(activation: .relu6)
        let relu6 = net.layers[3]
        #expect(relu6.runsInPlace && relu6.cost.storedActivationElements == 0)
        let newer = AutogradPasses(clonesInPlaceReLU6Input: true)
        #expect(newer.forward(relu6) == AutogradPasses.Extra(trafficElements: 512, kernels: 1))
        #expect(newer.keptElements(relu6) == 256 && newer.keptBytes(relu6) == 0 && newer.backward(relu6) == .zero)
        #expect(Self.eager.forward(relu6) == .zero && Self.eager.keptElements(relu6) == 0)
        var b = NetworkBuilder(name: "out-of-place", input: TensorShape(channels: 3, height: 8, width: 8))
        try b.conv("c", out: 4, kernel: 3, pad: 1)
        let notInPlace = try b.activation("a", .relu6)
        try b.fc("fc", units: 10)
        let layer = try b.finish().layers[notInPlace]
        // Out of place hardtanh keeps its input in any version: the layer's own count, no clone.
        #expect(!layer.runsInPlace && newer.forward(layer) == .zero && newer.keptElements(layer) == 0)
        #expect(layer.cost.storedActivationElements == 256)
    }

    /// A 2x2 max pool of stride 2 on 4x8x8 gives 4x4x4 = 64 outputs: 8 bytes each, 512
    /// bytes written forward, read backward and kept, in no kernel of its own and in any
    /// precision (the extra is in bytes, not elements); an average pool keeps none.
    @Test func aMaxPoolKeepsAnInt64IndexPerOutput() throws {
        var b = NetworkBuilder(name: "pools", input: TensorShape(channels: 3, height: 8, width: 8))
        try b.conv("c", out: 4, kernel: 3, pad: 1)
        let maxPool = try b.maxPool("max", kernel: 2, stride: 2)
        let averagePool = try b.avgPool("avg", kernel: 2, stride: 2)
        try b.fc("fc", units: 10)
        let net = try b.finish()
        let pools = AutogradPasses(keepsMaxPoolIndices: true)
        let indices = AutogradPasses.Extra(trafficElements: 0, kernels: 0, trafficBytes: 512)
        #expect(pools.forward(net.layers[maxPool]) == indices && pools.backward(net.layers[maxPool]) == indices)
        #expect(pools.keptBytes(net.layers[maxPool]) == 512 && pools.keptElements(net.layers[maxPool]) == 0)
        #expect(pools.forward(net.layers[averagePool]) == .zero && pools.keptBytes(net.layers[averagePool]) == 0)
        #expect(Self.eager.keptBytes(net.layers[maxPool]) == 0 && pools.applies(to: net) && !Self.eager.applies(to: net))
    }

    /// torchvision's EfficientNet-B0: the stem, 15 expansions, 16 depthwise convolutions,
    /// the head and the 16 SE blocks (`partial(nn.SiLU, inplace=True)`) run SiLU in place
    /// (49 clones); 16 scales.
    @Test func efficientNetB0HasFortyNineClonesAndSixteenReductions() {
        let net = Zoo.model(named: "efficientnet_b0")!
        #expect(net.layers.filter { Self.eager.forward($0) != .zero }.count == 49)
        #expect(net.layers.filter { $0.name.hasSuffix(".activation") && Self.eager.forward($0) != .zero }.count == 16)
        #expect(net.layers.filter { Self.eager.backward($0) != .zero }.count == 16)
        // MobileNet v3 large: hard swish in place in its Conv2dNormActivation blocks and classifier;
        // its SE's hard sigmoid is not in place.
        let mobile = Zoo.model(named: "mobilenet_v3_large")!
        let clonedNames = mobile.layers.filter { Self.eager.forward($0) != .zero }.map(\.name)
        #expect(clonedNames.contains("classifier.1") && clonedNames.contains("features.0.2"))
        #expect(!clonedNames.contains { $0.hasSuffix("scale_activation") })
    }
}

/// A custom model marks an in-place activation with `inplace: true`.
@Suite struct InPlaceYAMLTests {
    @Test func customModelsMarkInPlaceActivations() throws {
        let yaml = try YAMLValue.parse("""
            name: tiny
            input: [4, 8, 8]
            layers:
              - {name: c, type: conv, out: 4, kernel: 1}
              - {name: a, type: silu, inplace: true}
              - {name: b, type: hardswish}
              - {name: r, type: relu, inplace: false}
            """, file: "m.yaml")
        let net = try Network(yaml: yaml)
        #expect(net.layers.map(\.runsInPlace) == [false, false, true, false, false])
        #expect(AutogradPassesTests.eager.forward(net.layers[2]) == AutogradPasses.Extra(trafficElements: 512, kernels: 1))
        #expect(AutogradPassesTests.eager.forward(net.layers[3]) == .zero)
        let bad = try YAMLValue.parse("""
            name: bad
            input: [4, 8, 8]
            layers:
              - {name: c, type: conv, out: 4, kernel: 1, inplace: true}
            """, file: "bad.yaml")
        #expect(throws: ConfigError.self) { try Network(yaml: bad) }
        let notABool = try YAMLValue.parse("""
            name: bad
            input: [4, 8, 8]
            layers:
              - {name: a, type: silu, inplace: maybe}
            """, file: "bad.yaml")
        #expect(throws: ConfigError.self) { try Network(yaml: notABool) }
    }
}
