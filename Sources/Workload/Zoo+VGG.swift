extension Zoo {
    /// torchvision's VGG configurations (`cfgs` in `torchvision/models/vgg.py`):
    /// the 3x3 convolutions of each of the five stages, each stage ending in a 2x2
    /// max pool. A (vgg11), B (vgg13), D (vgg16), E (vgg19).
    static let vggStages: [Int: [[Int]]] = [
        11: [[64], [128], [256, 256], [512, 512], [512, 512]],
        13: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
        16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
        19: [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]],
    ]

    /// torchvision's `vgg11`...`vgg19` and their `_bn` variants: 3x3 convolutions
    /// with bias (batch norm after each in the `_bn` variants), ReLU, adaptive
    /// average pooling to 7x7, then FC 4096, 4096 and 1000 with ReLU and dropout 0.5.
    static func vgg(depth: Int, batchNorm: Bool, input: TensorShape = imageNetInput) throws -> Network {
        guard let stages = vggStages[depth] else { throw ModelError("VGG has no configuration of depth \(depth)") }
        var b = NetworkBuilder(name: "vgg\(depth)\(batchNorm ? "_bn" : "")", input: input)
        for (s, widths) in stages.enumerated() {
            for (i, width) in widths.enumerated() {
                try b.conv("conv\(s + 1)_\(i + 1)", out: width, kernel: 3, pad: 1)
                if batchNorm { try b.batchNorm("bn\(s + 1)_\(i + 1)") }
                try b.relu("relu\(s + 1)_\(i + 1)")
            }
            try b.maxPool("pool\(s + 1)", kernel: 2, stride: 2)
        }
        try b.adaptiveAvgPool("avgpool", height: 7, width: 7)
        try b.fc("fc6", units: 4096); try b.relu("relu6"); try b.dropout("drop6", probability: 0.5)
        try b.fc("fc7", units: 4096); try b.relu("relu7"); try b.dropout("drop7", probability: 0.5)
        try b.fc("fc8", units: 1000)
        try b.softmax("loss")
        return try b.finish()
    }

    /// Network in Network for ImageNet (Lin, Chen & Yan 2013), as the Caffe Model
    /// Zoo's NIN-ImageNet: four mlpconv blocks (a convolution and two 1x1 "cccp"
    /// layers), the last ending in 1000 maps and global average pooling.
    /// Parameters: 7,595,176 (sum of the prototxt's weights and biases).
    @Sendable static func networkInNetwork(input: TensorShape = imageNetInput) throws -> Network {
        var b = NetworkBuilder(name: "nin", input: input)
        let blocks: [(out: Int, kernel: Int, stride: Int, pad: Int, cccp: [Int])] = [
            (96, 11, 4, 0, [96, 96]), (256, 5, 1, 2, [256, 256]), (384, 3, 1, 1, [384, 384]), (1024, 3, 1, 1, [1024, 1000]),
        ]
        var cccp = 1
        for (i, block) in blocks.enumerated() {
            if i == 3 { try b.dropout("drop", probability: 0.5) }
            try b.conv("conv\(i + 1)", out: block.out, kernel: block.kernel, stride: block.stride, pad: block.pad)
            try b.relu("relu\(i + 1)")
            for width in block.cccp {
                try b.conv("cccp\(cccp)", out: width, kernel: 1)
                try b.relu("relu_cccp\(cccp)")
                cccp += 1
            }
            if i < 3 { try b.maxPool("pool\(i + 1)", kernel: 3, stride: 2, ceilMode: true) }  // Caffe rounds pooling up
        }
        let size = b.shape(of: b.last)
        guard size.height == size.width else {
            throw ModelError("nin pools its last \(size.height)x\(size.width) map with a square kernel, as Caffe's prototxt does: give a square input")
        }
        try b.avgPool("pool4", kernel: size.height, stride: 1)
        try b.add("flatten", .flatten)
        try b.softmax("loss")
        return try b.finish()
    }
}
