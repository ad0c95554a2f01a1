extension Zoo {
    /// torchvision's `alexnet`: the one-tower variant of "One weird trick" (2014).
    @Sendable static func alexNetOWT(input: TensorShape = imageNetInput) throws -> Network {
        var b = NetworkBuilder(name: "alexnet-owt", input: input)
        try b.conv("conv1", out: 64, kernel: 11, stride: 4, pad: 2); try b.relu("relu1")
        try b.maxPool("pool1", kernel: 3, stride: 2)
        try b.conv("conv2", out: 192, kernel: 5, pad: 2); try b.relu("relu2")
        try b.maxPool("pool2", kernel: 3, stride: 2)
        try b.conv("conv3", out: 384, kernel: 3, pad: 1); try b.relu("relu3")
        try b.conv("conv4", out: 256, kernel: 3, pad: 1); try b.relu("relu4")
        try b.conv("conv5", out: 256, kernel: 3, pad: 1); try b.relu("relu5")
        try b.maxPool("pool5", kernel: 3, stride: 2)
        try b.adaptiveAvgPool("avgpool", height: 6, width: 6)
        try b.dropout("drop6", probability: 0.5)
        try b.fc("fc6", units: 4096); try b.relu("relu6")
        try b.dropout("drop7", probability: 0.5)
        try b.fc("fc7", units: 4096); try b.relu("relu7")
        try b.fc("fc8", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }

    /// The cuda-convnet2 one-tower net the paper timed: conv1 without padding (its
    /// last feature map is 5x5, not 6x6) and response normalization (size 5) after
    /// conv1 and conv2.
    @Sendable static func alexNetOWTcc2(input: TensorShape = imageNetInput) throws -> Network {
        var b = NetworkBuilder(name: "alexnet-owt-cc2", input: input)
        try b.conv("conv1", out: 64, kernel: 11, stride: 4); try b.relu("relu1")
        try b.lrn("rnorm1", size: 5)
        try b.maxPool("pool1", kernel: 3, stride: 2)
        try b.conv("conv2", out: 192, kernel: 5, pad: 2); try b.relu("relu2")
        try b.lrn("rnorm2", size: 5)
        try b.maxPool("pool2", kernel: 3, stride: 2)
        try b.conv("conv3", out: 384, kernel: 3, pad: 1); try b.relu("relu3")
        try b.conv("conv4", out: 256, kernel: 3, pad: 1); try b.relu("relu4")
        try b.conv("conv5", out: 256, kernel: 3, pad: 1); try b.relu("relu5")
        try b.maxPool("pool5", kernel: 3, stride: 2)
        try b.fc("fc6", units: 4096); try b.relu("relu6")
        try b.dropout("drop6", probability: 0.5)
        try b.fc("fc7", units: 4096); try b.relu("relu7")
        try b.dropout("drop7", probability: 0.5)
        try b.fc("fc8", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }
}
