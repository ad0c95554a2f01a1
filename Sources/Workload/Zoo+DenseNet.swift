extension Zoo {
    /// torchvision's `densenet121` (Huang et al. 2017, `torchvision/models/densenet.py`):
    /// growth rate 32, blocks of 6, 12, 24 and 16 layers, 64 initial features,
    /// bottleneck width 4 x 32, no dropout.
    ///
    /// Stem: 7x7 stride-2 convolution (no bias), batch norm, ReLU, 3x3 stride-2 max
    /// pool. Each dense layer concatenates the block's input and every earlier
    /// layer's 32 new channels (`torch.cat`, `memory_efficient=False`: a new tensor
    /// each time), then batch norm, ReLU, 1x1 convolution to 128, batch norm,
    /// ReLU, 3x3 convolution to 32. Between blocks a transition halves the
    /// channels (batch norm, ReLU, 1x1 convolution) and the size (2x2 average
    /// pool). Then batch norm, ReLU, global average pooling and FC 1000.
    static func densenet121(input: TensorShape = imageNetInput) throws -> Network {
        let growth = 32, bottleneckWidth = 4 * 32
        var b = NetworkBuilder(name: "densenet121", input: input)
        try b.conv("features.conv0", out: 64, kernel: 7, stride: 2, pad: 3, bias: false)
        try b.batchNorm("features.norm0")
        try b.relu("features.relu0")
        var x = try b.maxPool("features.pool0", kernel: 3, stride: 2, pad: 1)
        var channels = 64
        let blocks = [6, 12, 24, 16]
        for (s, layers) in blocks.enumerated() {
            let block = "features.denseblock\(s + 1)"
            var features = [x]
            for i in 0..<layers {
                let name = "\(block).denselayer\(i + 1)"
                var input = x
                if features.count > 1 { input = try b.concat("\(name).cat", features) }
                try b.batchNorm("\(name).norm1", from: input)
                try b.relu("\(name).relu1")
                try b.conv("\(name).conv1", out: bottleneckWidth, kernel: 1, bias: false)
                try b.batchNorm("\(name).norm2")
                try b.relu("\(name).relu2")
                features.append(try b.conv("\(name).conv2", out: growth, kernel: 3, pad: 1, bias: false))
            }
            x = try b.concat("\(block).cat", features)
            channels += layers * growth
            if s < blocks.count - 1 {
                let transition = "features.transition\(s + 1)"
                channels /= 2
                try b.batchNorm("\(transition).norm", from: x)
                try b.relu("\(transition).relu")
                try b.conv("\(transition).conv", out: channels, kernel: 1, bias: false)
                x = try b.avgPool("\(transition).pool", kernel: 2, stride: 2)
            }
        }
        try b.batchNorm("features.norm5", from: x)
        try b.relu("relu")
        try b.adaptiveAvgPool("avgpool", height: 1, width: 1)
        try b.fc("classifier", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }
}
