/// The shape of one example's activation: channels x height x width.
/// A flat vector (an FC layer's output) is `channels x 1 x 1`.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int = 1, width: Int = 1) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Elements per example.
    public var elements: Int { channels * height * width }

    public var isFlat: Bool { height == 1 && width == 1 }

    public var description: String { isFlat ? "\(channels)" : "\(channels)x\(height)x\(width)" }
}
