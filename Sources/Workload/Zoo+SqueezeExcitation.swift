extension Zoo {
    /// torchvision's `_make_divisible` (`torchvision/models/_utils.py`, from the
    /// TensorFlow MobileNet code): `v` rounded to the nearest multiple of
    /// `divisor`, at least `divisor`, and raised by one more `divisor` if rounding
    /// lost more than 10 %.
    static func makeDivisible(_ v: Double, _ divisor: Int = 8) -> Int {
        var rounded = max(divisor, Int(v + Double(divisor) / 2) / divisor * divisor)
        if Double(rounded) < 0.9 * v { rounded += divisor }
        return rounded
    }

    /// torchvision's `SqueezeExcitation` (`torchvision/ops/misc.py`; Hu et al.
    /// 2018) on the feature map `x` of `channels` channels: global average pooling,
    /// 1x1 convolution with bias to `squeeze` channels, `activation`, 1x1
    /// convolution with bias back to `channels`, the `gate` activation, then `x`
    /// times the gate, channel by channel. Layers are named as torchvision's
    /// modules under `name` (`avgpool`, `fc1`, `activation`, `fc2`, `scale_activation`);
    /// `activationInPlace`: the activation runs in place (`Layer.runsInPlace`), as
    /// EfficientNet's `activation=partial(nn.SiLU, inplace=True)` does and MobileNet v3's
    /// `nn.ReLU()` does not.
    /// - Returns: the index of the scaled feature map.
    static func squeezeExcitation(_ b: inout NetworkBuilder, _ name: String, from x: Int, channels: Int, squeeze: Int,
                                  activation: LayerKind, activationInPlace: Bool = false, gate: Activation) throws -> Int {
        try b.adaptiveAvgPool("\(name).avgpool", from: x, height: 1, width: 1)
        try b.conv("\(name).fc1", out: squeeze, kernel: 1)
        try b.add("\(name).activation", activation, inPlace: activationInPlace)
        try b.conv("\(name).fc2", out: channels, kernel: 1)
        let scale = try b.activation("\(name).scale_activation", gate)
        return try b.channelScale("\(name).scale", x, gate: scale)
    }
}
