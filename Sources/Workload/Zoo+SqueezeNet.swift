extension Zoo {
    /// torchvision's `squeezenet1_0` and `squeezenet1_1` (Iandola et al. 2016,
    /// `torchvision/models/squeezenet.py`).
    ///
    /// 1.0: a 7x7 stride-2 convolution to 96, then max pools (3x3, stride 2, rounded
    /// up) before fire2, fire5 and fire9. 1.1: a 3x3 stride-2 convolution to 64, the
    /// pools before fire2, fire4 and fire6. A fire module squeezes (1x1 to s
    /// channels, ReLU) and expands (1x1 to e and 3x3 to e, each with ReLU,
    /// concatenated). The classifier: dropout 0.5, a 1x1 convolution to 1000, ReLU,
    /// global average pooling. Convolutions have biases and no batch norm.
    static func squeezeNet(version: String, input: TensorShape = imageNetInput) throws -> Network {
        guard version == "1_0" || version == "1_1" else { throw ModelError("SqueezeNet has no version \(version)") }
        let v10 = version == "1_0"
        var b = NetworkBuilder(name: "squeezenet\(version)", input: input)
        try b.conv("features.0", out: v10 ? 96 : 64, kernel: v10 ? 7 : 3, stride: 2)
        try b.relu("features.1")
        // (squeeze, expand) of fire2 ... fire9; the pools come before the fires listed.
        let fires = [(16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192), (64, 256), (64, 256)]
        let poolsBefore: Set<Int> = v10 ? [2, 5, 9] : [2, 4, 6]
        for (i, fire) in fires.enumerated() {
            let number = i + 2
            if poolsBefore.contains(number) { try b.maxPool("fire\(number).pool", kernel: 3, stride: 2, ceilMode: true) }
            let name = "fire\(number)"
            try b.conv("\(name).squeeze", out: fire.0, kernel: 1)
            let squeezed = try b.relu("\(name).squeeze_activation")
            try b.conv("\(name).expand1x1", from: squeezed, out: fire.1, kernel: 1)
            let e1 = try b.relu("\(name).expand1x1_activation")
            try b.conv("\(name).expand3x3", from: squeezed, out: fire.1, kernel: 3, pad: 1)
            let e3 = try b.relu("\(name).expand3x3_activation")
            try b.concat("\(name).cat", [e1, e3])
        }
        try b.dropout("classifier.0", probability: 0.5)
        try b.conv("classifier.1", out: 1000, kernel: 1)
        try b.relu("classifier.2")
        try b.adaptiveAvgPool("classifier.3", height: 1, width: 1)
        try b.add("flatten", .flatten)
        try b.softmax("loss")
        return try b.finish()
    }
}
