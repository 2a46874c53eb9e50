/// A configuration problem, located as precisely as the input allows.
///
/// Printed as `FILE:LINE:COLUMN: KEY.PATH: message`, e.g.
/// `run.yaml:4:10: network.nodes: expected an integer >= 2, found 0`.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// Where the offending value came from: a file with line and column, or a `--set` argument.
    public enum Origin: Equatable, Sendable {
        case file(path: String, line: Int, column: Int)
        case override(argument: String)
        case unlocated(path: String)
    }

    /// Where the value came from.
    public var origin: Origin
    /// Dotted key path (`network.nodes`); empty for the document itself.
    public var keyPath: String
    /// What was found and what was expected.
    public var message: String

    /// Creates an error.
    public init(origin: Origin, keyPath: String, message: String) {
        self.origin = origin
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let place: String
        switch origin {
        case let .file(path, line, column): place = "\(path):\(line):\(column)"
        case let .override(argument): place = "--set \(argument)"
        case let .unlocated(path): place = path
        }
        return keyPath.isEmpty ? "\(place): \(message)" : "\(place): \(keyPath): \(message)"
    }
}
