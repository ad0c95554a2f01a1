/// A problem in a user's input file, located by file, key path and line.
///
/// Printed as `FILE:LINE: KEY.PATH: message`, the form compilers use, so that
/// editors can jump to it.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// Dotted path of the offending key, e.g. `cluster.gpus_per_node` or `runs[2].gpus`.
    public var keyPath: String
    /// 1-based line, where the parser knows it.
    public var line: Int?
    public var message: String

    public init(file: String, keyPath: String, line: Int?, message: String) {
        self.file = file
        self.keyPath = keyPath
        self.line = line
        self.message = message
    }

    /// One line, whatever the file name, key or message hold (see `String.singleLine`).
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        return (keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)").singleLine
    }
}
