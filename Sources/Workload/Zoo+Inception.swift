extension Zoo {
    /// torchvision's `inception_v3` on 299x299 inputs, with its auxiliary
    /// classifier (`aux_logits=True`, the default, used in training: 27,161,264
    /// parameters, the count torchvision documents) or without it
    /// (`aux_logits=False`: 23,834,568).
    static func inceptionV3(auxLogits: Bool = true, input: TensorShape = inceptionInput) throws -> Network {
        var b = NetworkBuilder(name: auxLogits ? "inception-v3" : "inception-v3-noaux", input: input)
        try b.convBNReLU("Conv2d_1a_3x3", out: 32, kernel: 3, stride: 2)
        try b.convBNReLU("Conv2d_2a_3x3", out: 32, kernel: 3)
        try b.convBNReLU("Conv2d_2b_3x3", out: 64, kernel: 3, pad: 1)
        try b.maxPool("maxpool1", kernel: 3, stride: 2)
        try b.convBNReLU("Conv2d_3b_1x1", out: 80, kernel: 1)
        try b.convBNReLU("Conv2d_4a_3x3", out: 192, kernel: 3)
        var x = try b.maxPool("maxpool2", kernel: 3, stride: 2)
        x = try inceptionA(&b, "Mixed_5b", x, poolFeatures: 32)
        x = try inceptionA(&b, "Mixed_5c", x, poolFeatures: 64)
        x = try inceptionA(&b, "Mixed_5d", x, poolFeatures: 64)
        x = try inceptionB(&b, "Mixed_6a", x)
        x = try inceptionC(&b, "Mixed_6b", x, c7: 128)
        x = try inceptionC(&b, "Mixed_6c", x, c7: 160)
        x = try inceptionC(&b, "Mixed_6d", x, c7: 160)
        x = try inceptionC(&b, "Mixed_6e", x, c7: 192)
        if auxLogits {
            // The auxiliary head branches off Mixed_6e and ends in its own loss.
            try b.avgPool("AuxLogits.pool", from: x, kernel: 5, stride: 3)
            try b.convBNReLU("AuxLogits.conv0", out: 128, kernel: 1)
            try b.convBNReLU("AuxLogits.conv1", out: 768, kernel: 5)
            try b.adaptiveAvgPool("AuxLogits.avgpool", height: 1, width: 1)
            try b.fc("AuxLogits.fc", units: 1000)
            try b.softmax("AuxLogits.loss")
        }
        x = try inceptionD(&b, "Mixed_7a", x)
        x = try inceptionE(&b, "Mixed_7b", x)
        x = try inceptionE(&b, "Mixed_7c", x)
        try b.adaptiveAvgPool("avgpool", from: x, height: 1, width: 1)
        try b.dropout("dropout", probability: 0.5)
        try b.fc("fc", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }

    private static func inceptionA(_ b: inout NetworkBuilder, _ n: String, _ x: Int, poolFeatures: Int) throws -> Int {
        let b1 = try b.convBNReLU("\(n).branch1x1", from: x, out: 64, kernel: 1)
        try b.convBNReLU("\(n).branch5x5_1", from: x, out: 48, kernel: 1)
        let b5 = try b.convBNReLU("\(n).branch5x5_2", out: 64, kernel: 5, pad: 2)
        try b.convBNReLU("\(n).branch3x3dbl_1", from: x, out: 64, kernel: 1)
        try b.convBNReLU("\(n).branch3x3dbl_2", out: 96, kernel: 3, pad: 1)
        let b3 = try b.convBNReLU("\(n).branch3x3dbl_3", out: 96, kernel: 3, pad: 1)
        try b.avgPool("\(n).branch_pool.avg", from: x, kernel: 3, stride: 1, pad: 1)
        let bp = try b.convBNReLU("\(n).branch_pool", out: poolFeatures, kernel: 1)
        return try b.concat("\(n).concat", [b1, b5, b3, bp])
    }

    private static func inceptionB(_ b: inout NetworkBuilder, _ n: String, _ x: Int) throws -> Int {
        let b3 = try b.convBNReLU("\(n).branch3x3", from: x, out: 384, kernel: 3, stride: 2)
        try b.convBNReLU("\(n).branch3x3dbl_1", from: x, out: 64, kernel: 1)
        try b.convBNReLU("\(n).branch3x3dbl_2", out: 96, kernel: 3, pad: 1)
        let bd = try b.convBNReLU("\(n).branch3x3dbl_3", out: 96, kernel: 3, stride: 2)
        let bp = try b.maxPool("\(n).branch_pool", from: x, kernel: 3, stride: 2)
        return try b.concat("\(n).concat", [b3, bd, bp])
    }

    private static func inceptionC(_ b: inout NetworkBuilder, _ n: String, _ x: Int, c7: Int) throws -> Int {
        let b1 = try b.convBNReLU("\(n).branch1x1", from: x, out: 192, kernel: 1)
        try b.convBNReLU("\(n).branch7x7_1", from: x, out: c7, kernel: 1)
        try b.convBNReLU("\(n).branch7x7_2", out: c7, kernel: (1, 7), pad: (0, 3))
        let b7 = try b.convBNReLU("\(n).branch7x7_3", out: 192, kernel: (7, 1), pad: (3, 0))
        try b.convBNReLU("\(n).branch7x7dbl_1", from: x, out: c7, kernel: 1)
        try b.convBNReLU("\(n).branch7x7dbl_2", out: c7, kernel: (7, 1), pad: (3, 0))
        try b.convBNReLU("\(n).branch7x7dbl_3", out: c7, kernel: (1, 7), pad: (0, 3))
        try b.convBNReLU("\(n).branch7x7dbl_4", out: c7, kernel: (7, 1), pad: (3, 0))
        let bd = try b.convBNReLU("\(n).branch7x7dbl_5", out: 192, kernel: (1, 7), pad: (0, 3))
        try b.avgPool("\(n).branch_pool.avg", from: x, kernel: 3, stride: 1, pad: 1)
        let bp = try b.convBNReLU("\(n).branch_pool", out: 192, kernel: 1)
        return try b.concat("\(n).concat", [b1, b7, bd, bp])
    }

    private static func inceptionD(_ b: inout NetworkBuilder, _ n: String, _ x: Int) throws -> Int {
        try b.convBNReLU("\(n).branch3x3_1", from: x, out: 192, kernel: 1)
        let b3 = try b.convBNReLU("\(n).branch3x3_2", out: 320, kernel: 3, stride: 2)
        try b.convBNReLU("\(n).branch7x7x3_1", from: x, out: 192, kernel: 1)
        try b.convBNReLU("\(n).branch7x7x3_2", out: 192, kernel: (1, 7), pad: (0, 3))
        try b.convBNReLU("\(n).branch7x7x3_3", out: 192, kernel: (7, 1), pad: (3, 0))
        let b7 = try b.convBNReLU("\(n).branch7x7x3_4", out: 192, kernel: 3, stride: 2)
        let bp = try b.maxPool("\(n).branch_pool", from: x, kernel: 3, stride: 2)
        return try b.concat("\(n).concat", [b3, b7, bp])
    }

    private static func inceptionE(_ b: inout NetworkBuilder, _ n: String, _ x: Int) throws -> Int {
        let b1 = try b.convBNReLU("\(n).branch1x1", from: x, out: 320, kernel: 1)
        let s3 = try b.convBNReLU("\(n).branch3x3_1", from: x, out: 384, kernel: 1)
        let a = try b.convBNReLU("\(n).branch3x3_2a", from: s3, out: 384, kernel: (1, 3), pad: (0, 1))
        let c = try b.convBNReLU("\(n).branch3x3_2b", from: s3, out: 384, kernel: (3, 1), pad: (1, 0))
        try b.convBNReLU("\(n).branch3x3dbl_1", from: x, out: 448, kernel: 1)
        let d = try b.convBNReLU("\(n).branch3x3dbl_2", out: 384, kernel: 3, pad: 1)
        let da = try b.convBNReLU("\(n).branch3x3dbl_3a", from: d, out: 384, kernel: (1, 3), pad: (0, 1))
        let db = try b.convBNReLU("\(n).branch3x3dbl_3b", from: d, out: 384, kernel: (3, 1), pad: (1, 0))
        try b.avgPool("\(n).branch_pool.avg", from: x, kernel: 3, stride: 1, pad: 1)
        let bp = try b.convBNReLU("\(n).branch_pool", out: 192, kernel: 1)
        return try b.concat("\(n).concat", [b1, a, c, da, db, bp])
    }
}
