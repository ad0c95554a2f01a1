extension Int {
    /// `value` rounded toward zero and clamped to `Int`'s range (NaN gives 0), for
    /// writing a count that comes out of floating-point arithmetic: Swift's
    /// `Int(_: Double)` traps on a value it cannot hold.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 0x1p63 {
            self = .max
        } else if value < -0x1p63 {
            self = .min
        } else {
            self = Int(value)
        }
    }
}
