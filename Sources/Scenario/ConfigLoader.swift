import Foundation
import Yams

/// Reads configuration: YAML text (or a file) plus `--set key.path=value` overrides, checked
/// strictly and resolved into a `FedChainConfig`.
///
/// The user's document is merged over the encoded defaults, so the defaults are the schema: a
/// key the defaults lack is unknown (reported with a "did you mean"), a mapping where a value
/// belongs (or the reverse) is a structural error, and every error is located at the user's
/// node (file:line:column) or at the `--set` argument that supplied it.
public enum ConfigLoader {
    /// Loads and resolves the config file at `path`, applying `overrides` (`a.b=value`).
    public static func load(path: String, overrides: [String] = []) throws -> FedChainConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(origin: .unlocated(path: path), keyPath: "", message: "cannot read the file (\(readFailure(path)))")
        }
        return try load(yaml: text, source: path, overrides: overrides)
    }

    /// Loads and resolves YAML `text`; `source` names it in errors (a file path).
    public static func load(yaml text: String, source: String, overrides: [String] = []) throws -> FedChainConfig {
        try load(document: try parse(text, source: source), source: source, overrides: overrides)
    }

    /// Resolves a composed YAML document (its marks locate errors in `source`), applying
    /// `overrides`; a sweep file's inline base comes this way.
    public static func load(document base: Node, source: String, overrides: [String] = []) throws -> FedChainConfig {
        let locate = try locator(base, source: source, overrides: overrides)
        let document = locate.document
        var defaults = try encodeNode(FedChainConfig())
        if document["stop"] != nil { defaults = replacing(defaults, key: "stop", with: try encodeNode(StopConfig.unlimited)) }
        let merged = try merge(document, over: defaults, path: [], locate: locate)
        let config: FedChainConfig
        do {
            config = try YAMLDecoder().decode(FedChainConfig.self, from: KeyCase.renameKeys(merged, KeyCase.camel))
        } catch let error as DecodingError {
            throw locate.error(for: error)
        }
        if let issue = config.validationIssues().first {
            throw locate.error(at: issue.path, issue.message)
        }
        return config
    }

    /// The document with `overrides` applied, and what locates its keys.
    static func locator(_ base: Node, source: String, overrides: [String]) throws -> Locator {
        var document = base
        var overridden: [String: String] = [:]
        for argument in overrides {
            let (path, value) = try parseOverride(argument)
            document = try setValue(value, at: path[...], in: document, argument: argument)
            overridden[path.joined(separator: ".")] = argument
        }
        return Locator(source: source, document: document, overridden: overridden, fileDocument: base)
    }

    /// `error` placed at its key's line and column in `text` (or at the `--set` argument), when
    /// it was raised without a place in `source` (a file the key names could not be read).
    static func relocate(_ error: ConfigError, text: String, source: String, overrides: [String]) -> ConfigError {
        guard error.origin == .unlocated(path: source), !error.keyPath.isEmpty,
              let document = try? parse(text, source: source), let locate = try? locator(document, source: source, overrides: overrides) else {
            return error
        }
        return locate.error(at: error.keyPath, error.message)
    }

    /// The resolved config as YAML: every key, in schema order (what `fedchain validate` prints
    /// and what a run stores in its HDF5 file).
    public static func yaml(_ config: FedChainConfig) -> String {
        do {
            return try Yams.serialize(node: try encodeNode(config), width: -1)
        } catch {
            preconditionFailure("a resolved config always encodes: \(error)")
        }
    }

    // MARK: - Parsing

    /// Composes YAML `text` into a node tree with marks; a syntax error names `source`.
    public static func parse(_ text: String, source: String) throws -> Node {
        let node: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else { return Node.mapping(Node.Mapping([])) }
            node = composed
        } catch let error as YamlError {
            throw yamlSyntaxError(error, source: source)
        }
        if case .scalar(let s) = node, s.tag == .implicit || s.string.isEmpty, s.string.isEmpty {
            return Node.mapping(Node.Mapping([]))
        }
        try checkExpandedSize(node, source: source)
        return node
    }

    /// Most nodes a document may hold once its aliases are expanded. Aliases are shared when
    /// composed, but every later step (merge, decode) walks the expanded tree: a few hundred bytes
    /// of nested aliases ("billion laughs") would take minutes and gigabytes.
    public static let maxExpandedNodes = 1_000_000

    /// Counts the expanded nodes, stopping as soon as the budget is spent.
    static func checkExpandedSize(_ node: Node, source: String) throws {
        var budget = maxExpandedNodes
        func visit(_ node: Node) -> Bool {
            budget -= 1
            guard budget >= 0 else { return false }
            switch node {
            case .mapping(let mapping): return mapping.allSatisfy { visit($0.key) && visit($0.value) }
            case .sequence(let sequence): return sequence.allSatisfy(visit)
            case .scalar, .alias: return true
            }
        }
        guard visit(node) else {
            let mark = node.mark
            throw ConfigError(origin: mark.map { .file(path: source, line: $0.line, column: $0.column) } ?? .unlocated(path: source), keyPath: "",
                              message: "the document expands to more than \(maxExpandedNodes) nodes once its aliases are resolved")
        }
    }

    static func yamlSyntaxError(_ error: YamlError, source: String) -> ConfigError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            // libyaml reports where it gave up (often past the end of the file) and, for an
            // unclosed construct, where that construct began: both are needed to find the typo.
            var message = "YAML syntax error: \(problem)"
            if let context {
                message += " (\(context.text.replacingOccurrences(of: "while ", with: "")) that started at \(context.mark.line):\(context.mark.column))"
            }
            return ConfigError(origin: .file(path: source, line: mark.line, column: mark.column), keyPath: "", message: message)
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigError(origin: .file(path: source, line: context.mark.line, column: context.mark.column), keyPath: "",
                               message: "duplicate key \(duplicates.sorted().joined(separator: ", "))")
        default:
            return ConfigError(origin: .unlocated(path: source), keyPath: "", message: "YAML error: \(error)")
        }
    }

    private static func parseOverride(_ argument: String) throws -> ([String], Node) {
        guard let equals = argument.firstIndex(of: "=") else {
            throw ConfigError(origin: .override(argument: argument), keyPath: "", message: "expected key.path=value")
        }
        let path = argument[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigError(origin: .override(argument: argument), keyPath: "", message: "expected key.path=value with a non-empty key path")
        }
        let valueText = String(argument[argument.index(after: equals)...])
        do {
            return (path, try Yams.compose(yaml: valueText) ?? Node(""))
        } catch {
            throw ConfigError(origin: .override(argument: argument), keyPath: path.joined(separator: "."),
                              message: "the value is not valid YAML")
        }
    }

    /// `document` with `value` at `path` (the tail of the argument's key path), creating mappings
    /// on the way.
    private static func setValue(_ value: Node, at path: ArraySlice<String>, in document: Node, argument: String) throws -> Node {
        guard let key = path.first else { return value }
        guard case .mapping(var mapping) = document else {
            throw ConfigError(origin: .override(argument: argument), keyPath: String(argument.prefix { $0 != "=" }),
                              message: "cannot set a key inside a value that is not a mapping")
        }
        let child = mapping[Node(key)] ?? Node.mapping(Node.Mapping([]))
        mapping[Node(key)] = try setValue(value, at: path.dropFirst(), in: child, argument: argument)
        return .mapping(mapping)
    }

    // MARK: - Defaults and merging

    /// The snake_case node tree of an encodable value.
    static func encodeNode<T: Encodable>(_ value: T) throws -> Node {
        let text = try YAMLEncoder().encode(value)
        return readableNumbers(KeyCase.renameKeys(try Yams.compose(yaml: text)!, KeyCase.snake))
    }

    /// Yams writes doubles as `6e+2`; rewrite plain float scalars in Swift's shortest round-trip
    /// form (`600.0`), which reads back to the same value.
    private static func readableNumbers(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { ($0, readableNumbers($1)) }, mapping.tag, mapping.style))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(readableNumbers), sequence.tag, sequence.style))
        case .scalar(let scalar) where scalar.style == .plain && Int(scalar.string) == nil:
            guard let value = Double(scalar.string) else { return node }
            return Node(value.description, scalar.tag, .plain)
        default:
            return node
        }
    }

    private static func replacing(_ node: Node, key: String, with value: Node) -> Node {
        guard case .mapping(var mapping) = node else { return node }
        mapping[Node(key)] = value
        return .mapping(mapping)
    }

    /// The user's node merged over the defaults' node: keys in schema order, the user's value (and
    /// its location) wherever given.
    private static func merge(_ user: Node, over defaults: Node, path: [String], locate: Locator) throws -> Node {
        let here = path.joined(separator: ".")
        if KeyCase.freeForm.contains(here) {
            guard case .mapping = user else { throw locate.error(at: here, "expected a mapping of your own keys, found \(describe(user))") }
            return user
        }
        switch defaults {
        case .mapping(let schema):
            // A plain number where a distribution goes is that constant.
            if case .scalar(let scalar) = user, scalar.style == .plain, Double(scalar.string) != nil,
               schema.keys.compactMap(\.string) == Self.distributionKeys {
                let constant = Node.mapping(Node.Mapping([(Node("distribution"), Node("constant")), (Node("mean"), user)]))
                return try merge(constant, over: defaults, path: path, locate: locate)
            }
            guard case .mapping(let given) = user else {
                let keys = schema.keys.compactMap(\.string).joined(separator: ", ")
                throw locate.error(at: here, "expected a mapping with keys \(keys), found \(describe(user))")
            }
            var givenByKey: [String: Node] = [:]
            for (keyNode, value) in given {
                guard let key = keyNode.string, case .scalar = keyNode else {
                    throw locate.error(at: here, "keys must be plain names")
                }
                let allowed = Array(schema.keys.compactMap(\.string))
                guard allowed.contains(key) else {
                    let childPath = (path + [key]).joined(separator: ".")
                    let hint = Suggest.closest(to: key, among: allowed).map { "did you mean '\($0)'? " } ?? ""
                    throw locate.error(at: childPath, "unknown key; \(hint)(allowed here: \(allowed.joined(separator: ", ")))",
                                       fallbackMark: keyNode.mark)
                }
                givenByKey[key] = value
            }
            var pairs: [(Node, Node)] = []
            for (keyNode, defaultValue) in schema {
                let key = keyNode.string!
                if let value = givenByKey[key] {
                    pairs.append((keyNode, try merge(value, over: defaultValue, path: path + [key], locate: locate)))
                } else {
                    pairs.append((keyNode, defaultValue))
                }
            }
            return .mapping(Node.Mapping(pairs))
        case .sequence:
            guard case .sequence(let items) = user else { throw locate.error(at: here, "expected a list, found \(describe(user))") }
            // A list of mappings is checked entry by entry against its entry's schema, so an
            // unknown key inside an entry is reported as one.
            guard let template = try listEntryTemplates[here].map({ try $0() }) else { return user }
            let merged = try items.enumerated().map { i, item in
                let entry = try merge(item, over: template, path: path + [String(i)], locate: locate)
                // An entry has no defaults: every key must be given.
                if case .mapping(let given) = item, case .mapping(let schema) = template,
                   let missing = schema.keys.compactMap(\.string).first(where: { given[Node($0)] == nil }) {
                    let keys = schema.keys.compactMap(\.string).joined(separator: ", ")
                    throw locate.error(at: (path + [String(i)]).joined(separator: "."), "missing key \(missing) (each entry needs \(keys))")
                }
                return entry
            }
            return .sequence(Node.Sequence(merged, items.tag, items.style))
        case .scalar(let expected):
            guard case .scalar(let scalar) = user else { throw locate.error(at: here, "expected a single value, found \(describe(user))") }
            // A plain empty or null scalar is "nothing"; a quoted empty string ('') is a value.
            if scalar.style == .plain && (scalar.string.isEmpty || user.null != nil) {
                throw locate.error(at: here, "expected a value, found nothing")
            }
            // A number or true/false given as a string ('7', "true", !!str 5) is a string:
            // YAML says so, and taking it as a number would hide a typo.
            let explicitString = scalar.tag.description == Tag.Name.str.rawValue || scalar.style != .plain
            if explicitString, let kind = Self.plainKind(expected) {
                throw locate.error(at: here, "expected \(kind), found the string '\(scalar.string)'")
            }
            return user
        case .alias:
            return user
        }
    }

    /// The keys of a distribution (`DistributionConfig`), in schema order.
    private static let distributionKeys = ["distribution", "mean", "sd", "min", "max"]

    /// The schemas of list entries that are mappings, by key path.
    private static let listEntryTemplates: [String: @Sendable () throws -> Node] = [
        "consensus.pow.hash_rate_changes": { try encodeNode(HashRateChange(atS: 0, factor: 1)) },
    ]

    /// "an integer", "a number" or "true or false" for a default scalar of that kind; nil for text.
    private static func plainKind(_ scalar: Node.Scalar) -> String? {
        guard scalar.style == .plain else { return nil }
        if Int(scalar.string) != nil { return "an integer" }
        if Double(scalar.string) != nil { return "a number" }
        if scalar.string == "true" || scalar.string == "false" { return "true or false" }
        return nil
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s): return "'\(s.string)'"
        case .alias: return "an alias"
        }
    }

    private static func readFailure(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        return isDirectory.boolValue ? "it is a directory" : "not readable as UTF-8 text"
    }
}
