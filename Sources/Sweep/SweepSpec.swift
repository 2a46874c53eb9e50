import Foundation
import Scenario
import Yams

/// One value of one axis, as the sweep file wrote it.
public struct AxisValue: Sendable, Equatable {
    /// The value as YAML (what `--set key=` would receive).
    public var yaml: String
    /// Where the value (or the axis that drew it) is in the sweep file.
    public var line: Int
    public var column: Int
}

/// How a `random` axis draws its values.
public enum RandomAxis: Sendable, Equatable {
    case uniform(Double, Double)
    case logUniform(Double, Double)
    case integer(Int, Int)
    case choice([AxisValue])
}

/// A sweep file (docs/sweeps.md): a base config and the axes that vary it.
public struct SweepSpec {
    /// The sweep file.
    public let path: String
    /// The base config: a file path (resolved), or an inline mapping.
    public let baseFile: String?
    let baseDocument: Node
    /// The folder relative paths in the base config are taken from.
    public let baseDirectory: String
    /// The sweep seed: replicate seeds and random draws derive from it.
    public let seed: UInt64
    public let replicates: Int
    public let grid: [(key: String, values: [AxisValue])]
    public let zip: [(key: String, values: [AxisValue])]
    public let runs: [[(key: String, value: AxisValue)]]
    public let random: (count: Int, axes: [(key: String, axis: RandomAxis, line: Int, column: Int)])?

    static let topKeys = ["base", "seed", "replicates", "grid", "zip", "runs", "random"]

    /// How many runs the sweep expands to, computed without expanding it: grid sizes x zip length
    /// x explicit runs (+ random points) x replicates (`replicates` replaces the file's). Saturates
    /// at `Int.max`.
    public func runCount(replicates: Int? = nil) -> Int {
        func times(_ a: Int, _ b: Int) -> Int {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? Int.max : product
        }
        var points = grid.reduce(1) { times($0, $1.values.count) }
        if let length = zip.first?.values.count { points = times(points, length) }
        if !runs.isEmpty { points = times(points, runs.count) }
        if let random {
            let onlyRandom = grid.isEmpty && zip.isEmpty && runs.isEmpty
            points = onlyRandom ? random.count : (points > Int.max - random.count ? Int.max : points + random.count)
        }
        return times(points, replicates ?? self.replicates)
    }

    /// Reads and checks the sweep file at `path`.
    public static func load(path: String) throws -> SweepSpec {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(origin: .unlocated(path: path), keyPath: "", message: "cannot read the sweep file")
        }
        return try SweepSpec(yaml: text, path: path)
    }

    /// Parses sweep `text`; `path` names the file in errors and anchors relative paths.
    public init(yaml text: String, path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let reader = Reader(path: path)
        let root = try ConfigLoader.parse(text, source: path)
        guard case .mapping(let top) = root else { throw reader.error(root, "", "expected a mapping with keys \(Self.topKeys.joined(separator: ", "))") }
        for (key, _) in top {
            let name = key.string ?? ""
            guard Self.topKeys.contains(name) else {
                let hint = Suggest.closest(to: name, among: Self.topKeys).map { "did you mean '\($0)'? " } ?? ""
                throw reader.error(key, name, "unknown key; \(hint)(allowed here: \(Self.topKeys.joined(separator: ", ")))")
            }
        }
        guard let base = top["base"] else { throw reader.error(root, "base", "missing: a config path (relative to the sweep file) or an inline mapping") }
        switch base {
        case .scalar(let scalar):
            let file = scalar.string.hasPrefix("/") ? scalar.string
                : URL(fileURLWithPath: directory).appendingPathComponent(scalar.string).standardized.path
            guard let baseText = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw reader.error(base, "base", "cannot read the base config '\(scalar.string)' (looked for \(file))")
            }
            baseFile = file
            baseDocument = try ConfigLoader.parse(baseText, source: file)
            baseDirectory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        case .mapping:
            baseFile = nil
            baseDocument = base
            baseDirectory = directory
        default:
            throw reader.error(base, "base", "expected a config path or a mapping, found \(Reader.describe(base))")
        }
        seed = try top["seed"].map { try reader.integer($0, "seed", atLeast: 0) }.map(UInt64.init) ?? 1
        replicates = try top["replicates"].map { try reader.integer($0, "replicates", atLeast: 1) } ?? 1
        grid = try top["grid"].map { try reader.axes($0, "grid") } ?? []
        zip = try top["zip"].map { try reader.axes($0, "zip") } ?? []
        if let first = zip.first, let other = zip.first(where: { $0.values.count != first.values.count }) {
            let mark = other.values.first ?? AxisValue(yaml: "", line: 0, column: 0)
            throw ConfigError(origin: .file(path: path, line: mark.line, column: mark.column), keyPath: "zip.\(other.key)",
                              message: "zip axes go in lockstep: expected \(first.values.count) values like \(first.key), found \(other.values.count)")
        }
        runs = try top["runs"].map { try reader.points($0) } ?? []
        random = try top["random"].map { try reader.random($0) }
    }
}

/// Reads sweep nodes into values, with located errors.
struct Reader {
    let path: String

    func error(_ node: Node, _ key: String, _ message: String) -> ConfigError {
        let mark = node.mark
        return ConfigError(origin: mark.map { .file(path: path, line: $0.line, column: $0.column) } ?? .unlocated(path: path), keyPath: key,
                           message: message)
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let s): "'\(s.string)'"
        case .alias: "an alias"
        }
    }

    func value(_ node: Node) -> AxisValue {
        let text: String
        if case .scalar(let scalar) = node {
            text = scalar.style == .plain ? scalar.string : (try? Yams.serialize(node: node))?.trimmingCharacters(in: .newlines) ?? scalar.string
        } else {
            text = (try? Yams.serialize(node: Self.flow(node), width: -1))?.trimmingCharacters(in: .newlines) ?? ""
        }
        return AxisValue(yaml: text, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    /// `node` with every mapping and list in flow style, so a value fits on one line.
    static func flow(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping): .mapping(Node.Mapping(mapping.map { (flow($0), flow($1)) }, mapping.tag, .flow))
        case .sequence(let sequence): .sequence(Node.Sequence(sequence.map(flow), sequence.tag, .flow))
        default: node
        }
    }

    func integer(_ node: Node, _ key: String, atLeast minimum: Int) throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string), value >= minimum else {
            throw error(node, key, "expected an integer >= \(minimum), found \(Self.describe(node))")
        }
        return value
    }

    func number(_ node: Node, _ key: String) throws -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else {
            throw error(node, key, "expected a number, found \(Self.describe(node))")
        }
        return value
    }

    /// `{key.path: [values...], ...}`.
    func axes(_ node: Node, _ section: String) throws -> [(key: String, values: [AxisValue])] {
        guard case .mapping(let mapping) = node else { throw error(node, section, "expected a mapping of key.path: [values], found \(Self.describe(node))") }
        return try mapping.map { key, values in
            let name = key.string ?? ""
            guard case .sequence(let list) = values, !list.isEmpty else {
                throw error(values, "\(section).\(name)", "expected a non-empty list of values, found \(Self.describe(values))")
            }
            return (name, list.map(value))
        }
    }

    /// `[{key.path: value, ...}, ...]`.
    func points(_ node: Node) throws -> [[(key: String, value: AxisValue)]] {
        guard case .sequence(let list) = node else { throw error(node, "runs", "expected a list of mappings, found \(Self.describe(node))") }
        return try list.enumerated().map { index, item in
            guard case .mapping(let mapping) = item else { throw error(item, "runs.\(index)", "expected a mapping of key.path: value, found \(Self.describe(item))") }
            return mapping.map { ($0.string ?? "", value($1)) }
        }
    }

    /// `{count: N, axes: {key.path: {uniform: [a, b]} | {log_uniform: [a, b]} | {integer: [a, b]} | {choice: [...]}}}`.
    func random(_ node: Node) throws -> (count: Int, axes: [(key: String, axis: RandomAxis, line: Int, column: Int)]) {
        guard case .mapping(let mapping) = node, let countNode = mapping["count"], let axesNode = mapping["axes"],
              case .mapping(let axes) = axesNode else {
            throw error(node, "random", "expected {count: N, axes: {key.path: {uniform: [a, b]}, ...}}")
        }
        for (key, _) in mapping where !["count", "axes"].contains(key.string ?? "") {
            throw error(key, "random.\(key.string ?? "")", "unknown key; allowed here: count, axes")
        }
        let count = try integer(countNode, "random.count", atLeast: 1)
        let kinds = ["uniform", "log_uniform", "integer", "choice"]
        let parsed = try axes.map { key, spec -> (key: String, axis: RandomAxis, line: Int, column: Int) in
            let name = key.string ?? ""
            let where_ = "random.axes.\(name)"
            guard case .mapping(let choice) = spec, choice.count == 1, let (kindNode, argument) = choice.first.map({ ($0.key, $0.value) }),
                  let kind = kindNode.string, kinds.contains(kind) else {
                throw error(spec, where_, "expected one of {uniform: [a, b]}, {log_uniform: [a, b]}, {integer: [a, b]}, {choice: [values]}")
            }
            guard case .sequence(let list) = argument, !list.isEmpty else { throw error(argument, "\(where_).\(kind)", "expected a list") }
            let axis: RandomAxis
            if kind == "choice" {
                axis = .choice(list.map(value))
            } else {
                guard list.count == 2 else { throw error(argument, "\(where_).\(kind)", "expected [low, high]") }
                if kind == "integer" {
                    let low = try integer(list[0], "\(where_).\(kind)", atLeast: Int.min), high = try integer(list[1], "\(where_).\(kind)", atLeast: low)
                    let (span, overflow) = high.subtractingReportingOverflow(low)
                    guard !overflow, span < 1 << 32 else {
                        throw error(argument, "\(where_).\(kind)", "expected [low, high] at most 2^32 - 1 apart, found [\(low), \(high)]")
                    }
                    axis = .integer(low, high)
                } else {
                    let low = try number(list[0], "\(where_).\(kind)"), high = try number(list[1], "\(where_).\(kind)")
                    guard high > low, kind == "uniform" || low > 0 else {
                        throw error(argument, "\(where_).\(kind)", kind == "uniform" ? "expected low < high" : "expected 0 < low < high")
                    }
                    axis = kind == "uniform" ? .uniform(low, high) : .logUniform(low, high)
                }
            }
            return (name, axis, spec.mark?.line ?? 0, spec.mark?.column ?? 0)
        }
        return (count, parsed)
    }
}
