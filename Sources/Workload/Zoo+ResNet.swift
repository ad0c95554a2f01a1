extension Zoo {
    /// torchvision's `resnet50` (v1.5: the stride sits on the 3x3 convolution of
    /// each bottleneck).
    @Sendable static func resnet50() throws -> Network {
        var b = NetworkBuilder(name: "resnet50", input: TensorShape(channels: 3, height: 224, width: 224))
        try b.convBNReLU("conv1", out: 64, kernel: 7, stride: 2, pad: 3)
        var x = try b.maxPool("maxpool", kernel: 3, stride: 2, pad: 1)
        let stages: [(blocks: Int, width: Int)] = [(3, 64), (4, 128), (6, 256), (3, 512)]
        for (s, stage) in stages.enumerated() {
            for i in 0..<stage.blocks {
                let stride = (i == 0 && s > 0) ? 2 : 1
                x = try bottleneck(&b, name: "layer\(s + 1).\(i)", from: x, width: stage.width, stride: stride,
                                   project: i == 0)
            }
        }
        try b.adaptiveAvgPool("avgpool", height: 1, width: 1)
        try b.fc("fc", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }

    /// A bottleneck block: 1x1 (width), 3x3 (width, stride), 1x1 (4 x width), plus
    /// the shortcut (a strided 1x1 projection with batch norm in the first block).
    private static func bottleneck(_ b: inout NetworkBuilder, name: String, from x: Int, width: Int, stride: Int,
                                   project: Bool) throws -> Int {
        try b.convBNReLU("\(name).conv1", from: x, out: width, kernel: 1)
        try b.convBNReLU("\(name).conv2", out: width, kernel: 3, stride: stride, pad: 1)
        try b.conv("\(name).conv3", out: 4 * width, kernel: 1, bias: false)
        let main = try b.batchNorm("\(name).conv3.bn")
        var shortcut = x
        if project {
            try b.conv("\(name).downsample", from: x, out: 4 * width, kernel: 1, stride: stride, bias: false)
            shortcut = try b.batchNorm("\(name).downsample.bn")
        }
        try b.addLayers("\(name).add", [main, shortcut])
        return try b.relu("\(name).relu")
    }
}
