import Testing
import YAMLSupport
@testable import Workload

/// The layer kinds torchvision's newer CNNs need.
@Suite struct ActivationAndGateTests {
    @Test(arguments: Activation.allCases)
    func activationCostsFollowTheTable(activation: Activation) throws {
        var b = NetworkBuilder(name: "t", input: TensorShape(channels: 4, height: 5, width: 5))
        try b.conv("c", out: 8, kernel: 1)
        try b.activation("a", activation)
        let cost = try b.finish().layers[2].cost
        let n = 8 * 25
        let table: [Activation: (Int, Int)] = [.relu6: (2, 2), .sigmoid: (4, 3), .hardSigmoid: (4, 3), .silu: (5, 8), .hardSwish: (5, 6)]
        #expect(cost.forwardFLOPs == table[activation]!.0 * n)
        #expect(cost.backwardDataFLOPs == table[activation]!.1 * n)
        #expect(cost.parameters == 0)
        #expect(cost.forwardTrafficElements == 2 * n && cost.backwardTrafficElements == 3 * n)
        // Out of place every activation keeps a tensor of its input's size, ReLU6 too (hardtanh's
        // formula reads its input); in place ReLU6 keeps none, the others still one.
        #expect(cost.storedActivationElements == n)
        var inPlace = NetworkBuilder(name: "t", input: TensorShape(channels: 4, height: 5, width: 5))
        try inPlace.conv("c", out: 8, kernel: 1)
        try inPlace.activation("a", activation, inPlace: true)
        #expect(try inPlace.finish().layers[2].cost.storedActivationElements == (activation == .relu6 ? 0 : n))
    }

    @Test func channelScaleMultipliesByAPerChannelGate() throws {
        var b = NetworkBuilder(name: "se", input: TensorShape(channels: 16, height: 7, width: 7))
        let x = try b.conv("c", out: 16, kernel: 3, pad: 1)
        let net0 = try Zoo.squeezeExcitation(&b, "se", from: x, channels: 16, squeeze: 4, activation: .relu, gate: .sigmoid)
        let net = try b.finish()
        let scale = net.layers[net0]
        #expect(scale.kind == .channelScale)
        #expect(scale.outputShape == TensorShape(channels: 16, height: 7, width: 7))
        #expect(scale.cost.forwardFLOPs == 16 * 49)
        #expect(scale.cost.backwardDataFLOPs == 3 * 16 * 49)
        // fc1 16→4 and fc2 4→16 with biases.
        #expect(net.parameters - net.layers[1].cost.parameters == (16 * 4 + 4) + (4 * 16 + 16))
        var bad = NetworkBuilder(name: "bad", input: TensorShape(channels: 16, height: 7, width: 7))
        let y = try bad.conv("c", out: 16, kernel: 1)
        let gate = try bad.conv("g", from: 0, out: 8, kernel: 7)
        #expect(throws: ModelError.self) { try bad.channelScale("s", y, gate: gate) }
    }

    @Test func stochasticDepthKeepsNothingAndRefusesBadProbabilities() throws {
        var b = NetworkBuilder(name: "t", input: TensorShape(channels: 4, height: 5, width: 5))
        try b.conv("c", out: 4, kernel: 1)
        try b.stochasticDepth("sd", probability: 0.1)
        #expect(throws: ModelError.self) { try b.stochasticDepth("sd2", probability: 1) }
        let cost = try b.finish().layers[2].cost
        #expect(cost.forwardFLOPs == 100 && cost.storedActivationElements == 0)
    }

    /// A custom model may use the new kinds: an MBConv-style block in YAML.
    @Test func customModelsReadTheNewKinds() throws {
        let yaml = try YAMLValue.parse("""
            name: tiny-mbconv
            input: [8, 16, 16]
            layers:
              - {name: dw, type: conv, out: 8, kernel: 3, pad: 1, groups: 8, bias: false}
              - {name: bn, type: batchnorm}
              - {name: act, type: hardswish}
              - {type: adaptive_avgpool, size: 1}
              - {type: conv, out: 2, kernel: 1}
              - {type: silu}
              - {type: conv, out: 8, kernel: 1}
              - {name: gate, type: hardsigmoid}
              - {name: se, type: scale, inputs: [act, gate]}
              - {type: relu6}
              - {type: sigmoid}
              - {name: sd, type: stochastic_depth, p: 0.1}
              - {type: fc, units: 10}
              - {type: softmax}
            """, file: "m.yaml")
        let net = try Network(yaml: yaml)
        #expect(net.layers.map(\.kind.shortName).dropFirst().joined(separator: " ")
                == "conv batchnorm hardswish adaptive-avgpool conv silu conv hardsigmoid scale relu6 sigmoid stochastic-depth fc softmax")
        #expect(net.layers[net.index(of: "se")!].outputShape == TensorShape(channels: 8, height: 16, width: 16))
        #expect(net.layers[net.index(of: "sd")!].kind == .stochasticDepth(probability: 0.1))
        let bad = try YAMLValue.parse("""
            name: bad
            input: [8, 4, 4]
            layers:
              - {name: a, type: conv, out: 8, kernel: 1}
              - {name: s, type: scale, inputs: [a, a]}
            """, file: "bad.yaml")
        #expect(throws: ConfigError.self) { try Network(yaml: bad) }
    }

    @Test func makeDivisibleFollowsTorchvision() {
        #expect(Zoo.makeDivisible(32 * 1.1) == 32)      // 35.2 → 32 (within 10 %)
        #expect(Zoo.makeDivisible(320 * 1.1) == 352)
        #expect(Zoo.makeDivisible(16 * 1.2) == 24)      // 19.2 → 16, less than 0.9 · 19.2, raised to 24
        #expect(Zoo.makeDivisible(72 / 4) == 24)        // 18 → 16 < 16.2, raised to 24
        #expect(Zoo.makeDivisible(3) == 8)
    }
}
