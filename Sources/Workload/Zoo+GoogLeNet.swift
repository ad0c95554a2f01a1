extension Zoo {
    /// torchvision's `googlenet`: `BasicConv2d` (conv without bias, batch norm,
    /// ReLU) everywhere, and, as torchvision does, a 3x3 convolution in the branch
    /// the paper draws as 5x5.
    ///
    /// With `auxLogits`, the two auxiliary classifiers torchvision trains with
    /// (`GoogLeNet(aux_logits=True)`, its constructor's default), each ending in
    /// its own loss: after inception4a and inception4d, adaptive average pooling to
    /// 4x4, a 1x1 `BasicConv2d` to 128 channels, FC 1024 with ReLU, dropout 0.7 and
    /// FC 1000. Without (`aux_logits=False`, as torchvision's pretrained weights
    /// are loaded), the network torchvision documents, 6,624,904 parameters.
    static func googLeNet(auxLogits: Bool = false, input: TensorShape = imageNetInput) throws -> Network {
        var b = NetworkBuilder(name: auxLogits ? "googlenet-aux" : "googlenet", input: input)
        try b.convBNReLU("conv1", out: 64, kernel: 7, stride: 2, pad: 3)
        try b.maxPool("maxpool1", kernel: 3, stride: 2, ceilMode: true)
        try b.convBNReLU("conv2", out: 64, kernel: 1)
        try b.convBNReLU("conv3", out: 192, kernel: 3, pad: 1)
        var x = try b.maxPool("maxpool2", kernel: 3, stride: 2, ceilMode: true)
        typealias Widths = (c1: Int, c3r: Int, c3: Int, c5r: Int, c5: Int, pool: Int)
        let blocks: [(String, Widths)] = [
            ("inception3a", (64, 96, 128, 16, 32, 32)), ("inception3b", (128, 128, 192, 32, 96, 64)),
            ("maxpool3", (0, 0, 0, 0, 0, 0)),
            ("inception4a", (192, 96, 208, 16, 48, 64)), ("inception4b", (160, 112, 224, 24, 64, 64)),
            ("inception4c", (128, 128, 256, 24, 64, 64)), ("inception4d", (112, 144, 288, 32, 64, 64)),
            ("inception4e", (256, 160, 320, 32, 128, 128)),
            ("maxpool4", (0, 0, 0, 0, 0, 0)),
            ("inception5a", (256, 160, 320, 32, 128, 128)), ("inception5b", (384, 192, 384, 48, 128, 128)),
        ]
        for (name, w) in blocks {
            if name == "maxpool3" { x = try b.maxPool(name, from: x, kernel: 3, stride: 2, ceilMode: true); continue }
            if name == "maxpool4" { x = try b.maxPool(name, from: x, kernel: 2, stride: 2, ceilMode: true); continue }
            let b1 = try b.convBNReLU("\(name).branch1", from: x, out: w.c1, kernel: 1)
            try b.convBNReLU("\(name).branch2.0", from: x, out: w.c3r, kernel: 1)
            let b2 = try b.convBNReLU("\(name).branch2.1", out: w.c3, kernel: 3, pad: 1)
            try b.convBNReLU("\(name).branch3.0", from: x, out: w.c5r, kernel: 1)
            let b3 = try b.convBNReLU("\(name).branch3.1", out: w.c5, kernel: 3, pad: 1)
            try b.maxPool("\(name).branch4.pool", from: x, kernel: 3, stride: 1, pad: 1, ceilMode: true)
            let b4 = try b.convBNReLU("\(name).branch4.1", out: w.pool, kernel: 1)
            x = try b.concat("\(name).concat", [b1, b2, b3, b4])
            if auxLogits, let aux = ["inception4a": "aux1", "inception4d": "aux2"][name] {
                try b.adaptiveAvgPool("\(aux).avgpool", from: x, height: 4, width: 4)
                try b.convBNReLU("\(aux).conv", out: 128, kernel: 1)
                try b.fc("\(aux).fc1", units: 1024)
                try b.relu("\(aux).relu")
                try b.dropout("\(aux).dropout", probability: 0.7)
                try b.fc("\(aux).fc2", units: 1000)
                try b.softmax("\(aux).loss")
            }
        }
        try b.adaptiveAvgPool("avgpool", height: 1, width: 1)
        try b.dropout("dropout", probability: 0.2)
        try b.fc("fc", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }
}
