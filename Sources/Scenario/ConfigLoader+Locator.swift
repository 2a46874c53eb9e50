import Yams

extension ConfigLoader {
    /// Maps a key path to where its value came from.
    struct Locator {
        let source: String
        let document: Node
        let overridden: [String: String]
        /// The document as the file gave it, before `--set` arguments.
        var fileDocument: Node? = nil

        /// The error for `keyPath`, located at the deepest user node on that path (or the `--set`
        /// argument that gave it).
        func error(at keyPath: String, _ message: String, fallbackMark: Mark? = nil) -> ConfigError {
            let parts = keyPath.isEmpty ? [] : keyPath.split(separator: ".").map(String.init)
            for length in stride(from: parts.count, through: 1, by: -1) {
                if let argument = overridden[parts.prefix(length).joined(separator: ".")] {
                    return ConfigError(origin: .override(argument: argument), keyPath: keyPath, message: message)
                }
            }
            // A key that only a `--set` created (a misspelt section, `Network.nodes=200`) is that
            // argument's fault, not the config file's.
            if !keyPath.isEmpty, let argument = overridden.keys.sorted().first(where: { $0.hasPrefix(keyPath + ".") }).map({ overridden[$0]! }),
               Self.child(fileDocument, parts) == nil {
                return ConfigError(origin: .override(argument: argument), keyPath: keyPath, message: message)
            }
            var node: Node? = document
            var mark = document.mark
            for part in parts {
                node = node.flatMap { Self.child($0, part) }
                if let m = node?.mark { mark = m }
            }
            if let m = fallbackMark ?? (node == nil ? nil : mark) ?? mark {
                return ConfigError(origin: .file(path: source, line: m.line, column: m.column), keyPath: keyPath, message: message)
            }
            return ConfigError(origin: .unlocated(path: source), keyPath: keyPath, message: message)
        }

        /// A decoding failure, as "expected X, found Y" at the value's location.
        func error(for decodingError: DecodingError) -> ConfigError {
            let context: DecodingError.Context
            let expected: String
            switch decodingError {
            case let .typeMismatch(type, c): context = c; expected = Self.describe(type)
            case let .valueNotFound(type, c): context = c; expected = Self.describe(type)
            case let .keyNotFound(key, c): context = c; expected = "key \(KeyCase.snake(key.stringValue))"
            case let .dataCorrupted(c): context = c; expected = ""
            @unknown default: return ConfigError(origin: .unlocated(path: source), keyPath: "", message: "\(decodingError)")
            }
            let keyPath = context.codingPath.map { $0.intValue.map(String.init) ?? KeyCase.snake($0.stringValue) }.joined(separator: ".")
            var found = "an unusable value"
            var node: Node? = document
            for part in keyPath.split(separator: ".") { node = node.flatMap { Self.child($0, String(part)) } }
            if let node { found = ConfigLoader.describe(node) }
            if expected.isEmpty {
                let detail = context.debugDescription.hasPrefix("expected") ? context.debugDescription : "expected a valid value, found \(found)"
                return error(at: keyPath, detail)
            }
            return error(at: keyPath, "expected \(expected), found \(found)")
        }

        /// The node at `parts` below `node`, if the path exists.
        static func child(_ node: Node?, _ parts: [String]) -> Node? {
            parts.reduce(node) { node, part in node.flatMap { child($0, part) } }
        }

        /// The value under `part` of a mapping, or element `part` (a number) of a list.
        static func child(_ node: Node, _ part: String) -> Node? {
            if case .sequence(let items) = node, let i = Int(part) { return i >= 0 && i < items.count ? items[i] : nil }
            return node[part]
        }

        private static func describe(_ type: Any.Type) -> String {
            switch type {
            case is Int.Type, is Int32.Type, is Int64.Type: return "an integer"
            case is UInt64.Type, is UInt.Type, is UInt32.Type: return "a non-negative integer"
            case is Double.Type, is Float.Type: return "a number"
            case is String.Type: return "a string"
            case is Bool.Type: return "true or false"
            default: return "a value of type \(type)"
            }
        }
    }
}

/// Conversion between Swift's camelCase property names and the config's snake_case keys.
enum KeyCase {
    /// `blockIntervalS` -> `block_interval_s`.
    static func snake(_ name: String) -> String {
        var result = ""
        for ch in name {
            if ch.isUppercase { result += "_" + ch.lowercased() } else { result.append(ch) }
        }
        return result
    }

    /// `block_interval_s` -> `blockIntervalS`.
    static func camel(_ name: String) -> String {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard let first = parts.first else { return name }
        return parts.dropFirst().reduce(String(first)) { $0 + $1.prefix(1).uppercased() + $1.dropFirst() }
    }

    /// `node` with every mapping's keys in sorted order, recursively.
    static func sortedKeys(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            let pairs = mapping.map { ($0, sortedKeys($1)) }.sorted { ($0.0.string ?? "") < ($1.0.string ?? "") }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(sortedKeys), sequence.tag, sequence.style))
        default:
            return node
        }
    }

    /// Mappings whose keys are the user's own (passed on verbatim, e.g. to a Python client):
    /// neither checked against the schema nor renamed. Their names are one word, the same in
    /// both cases.
    static let freeForm: Set<String> = ["federation.trainer.config"]

    /// `node` with every mapping key renamed by `rename` (except inside `freeForm` mappings,
    /// whose keys are sorted instead: their order means nothing, and the encoder's is random),
    /// values untouched.
    static func renameKeys(_ node: Node, _ rename: (String) -> String, path: String = "") -> Node {
        guard !freeForm.contains(path) else { return sortedKeys(node) }
        switch node {
        case .mapping(let mapping):
            let pairs = mapping.map { key, value in
                let child = key.string.map { path.isEmpty ? $0 : path + "." + $0 } ?? path
                return (key.string.map { Node(rename($0), key.tag, .plain) } ?? key, renameKeys(value, rename, path: child))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map { renameKeys($0, rename, path: path) }, sequence.tag, sequence.style))
        default:
            return node
        }
    }
}

/// "Did you mean" for misspelt keys.
public enum Suggest {
    /// The allowed name nearest to `word` by edit distance, if close enough to be a typo.
    public static func closest(to word: String, among names: [String]) -> String? {
        let scored = names.map { ($0, distance(word, $0)) }.min { $0.1 < $1.1 }
        guard let (name, d) = scored, d <= max(2, word.count / 3) else { return nil }
        return name
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
