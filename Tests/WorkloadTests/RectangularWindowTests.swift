import Testing
import YAMLSupport
@testable import Workload

/// A custom model's convolution may be rectangular, as Inception v3's 1x7 and 7x1
/// are, and its adaptive pooling may have a rectangular output: the exporter
/// (`tools/export_model.py`) writes them as `[height, width]`.
@Suite struct RectangularWindowTests {
    @Test func pairsReadAsHeightAndWidth() throws {
        let yaml = try YAMLValue.parse("""
            name: inception-c-branch
            input: [16, 17, 17]
            layers:
              - {name: a, type: conv, out: 8, kernel: [1, 7], pad: [0, 3], bias: false}
              - {name: b, type: conv, out: 8, kernel: [7, 1], stride: [2, 1], pad: [3, 0]}
              - {name: p, type: adaptive_avgpool, size: [4, 2]}
              - {name: p.loss, type: softmax}
              - {name: q, type: adaptive_avgpool, inputs: [b], size: 3}
              - {name: q.loss, type: softmax}
            """, file: "m.yaml")
        let net = try Network(yaml: yaml)
        var b = NetworkBuilder(name: "inception-c-branch", input: TensorShape(channels: 16, height: 17, width: 17))
        try b.conv("a", out: 8, kernel: (1, 7), pad: (0, 3), bias: false)
        let strided = try b.conv("b", out: 8, kernel: (7, 1), stride: (2, 1), pad: (3, 0))
        try b.adaptiveAvgPool("p", height: 4, width: 2)
        try b.softmax("p.loss")
        try b.adaptiveAvgPool("q", from: strided, height: 3, width: 3)
        try b.softmax("q.loss")
        #expect(net.layers == (try b.finish()).layers)
        #expect(net.layers[2].outputShape == TensorShape(channels: 8, height: 9, width: 17))
        #expect(net.layers[1].cost.parameters == 8 * 16 * 7)
    }

    @Test(arguments: [
        ("kernel: [1, 7, 1]", "kernel must be a number or [height, width]"),
        ("kernel: [0, 7]", "[0]"),
        ("kernel: [1, 7], pad: [0, -1]", "pad"),
        ("kernel: {h: 1}", "kernel"),
    ])
    func badPairsNameTheKeyAndLine(keys: String, fragment: String) throws {
        let yaml = try YAMLValue.parse("""
            name: bad
            input: [3, 8, 8]
            layers:
              - {name: c, type: conv, out: 4, \(keys)}
            """, file: "bad.yaml")
        let error = try #require(throws: ConfigError.self) { try Network(yaml: yaml) }
        #expect(error.description.contains("bad.yaml:4"))
        #expect(error.description.contains(fragment))
    }
}
