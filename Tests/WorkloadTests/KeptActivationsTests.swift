import Testing
@testable import Workload

/// Which outputs the activation count keeps for the backward: a layer's output stays while
/// a later layer's backward reads it; a residual add, a concat and a dropout read none.
@Suite struct KeptActivationsTests {
    /// A bottleneck's tail: conv → bn → add (with the block's input) → relu. The batch norm
    /// feeds only the add, so its output is not kept; the convolution's output is (the batch
    /// norm reads it), and so is the add's (the in-place ReLU saves it as its output).
    @Test func anOutputOnlyAnAddReadsIsNotKept() throws {
        var b = NetworkBuilder(name: "tail", input: TensorShape(channels: 8, height: 4, width: 4))
        let x = try b.conv("stem", out: 8, kernel: 1)
        try b.conv("conv", out: 8, kernel: 3, pad: 1)
        let bn = try b.batchNorm("bn")
        let sum = try b.addLayers("add", [bn, x])
        try b.relu("relu", from: sum)
        try b.fc("fc", units: 10)
        try b.softmax("loss")
        let net = try b.finish()
        func kept(_ name: String) throws -> Int { try #require(net.layers.first { $0.name == name }).cost.storedActivationElements }
        #expect(try kept("bn") == 0)
        #expect(try kept("conv") == 128 && kept("add") == 128)
        // The stem feeds the convolution (which reads its input) as well as the add: kept.
        #expect(try kept("stem") == 128)
    }

    /// The same layers without the add keep the batch norm's output: the ReLU after it saves it.
    @Test func anOutputAReLUReadsIsKept() throws {
        var b = NetworkBuilder(name: "plain", input: TensorShape(channels: 8, height: 4, width: 4))
        try b.conv("conv", out: 8, kernel: 3, pad: 1)
        try b.batchNorm("bn")
        try b.relu("relu")
        try b.fc("fc", units: 10)
        try b.softmax("loss")
        let net = try b.finish()
        #expect(net.layers.first { $0.name == "bn" }?.cost.storedActivationElements == 128)
    }

    /// ResNet-50: each of the 16 bottlenecks' last batch norm and the 4 shortcut batch norms
    /// feed only an add; the zoo's count drops by exactly their outputs.
    @Test func resnet50DropsItsBottleneckTails() throws {
        let net = try #require(Zoo.model(named: "resnet50"))
        let adds = net.layers.indices.filter { net.layers[$0].kind == .add }
        let tails = Set(adds.flatMap { net.layers[$0].inputs }.filter { net.layers[$0].kind == .batchNorm })
        #expect(tails.count == 20)
        for i in tails { #expect(net.layers[i].cost.storedActivationElements == 0, "\(net.layers[i].name)") }
    }
}
