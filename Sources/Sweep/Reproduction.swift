import Foundation
import Scenario
import Yams

/// A published experiment to reproduce: `experiments/NAME/expected.yaml` names the sweep and
/// the published figures with their sources and tolerances (docs/sweeps.md).
public struct Reproduction {
    /// One published figure.
    public struct Quantity: Sendable {
        public var name: String
        /// Summary key, averaged over the matching runs.
        public var metric: String
        /// Axis values that select the runs (all of them when empty).
        public var match: [(key: String, value: String)]
        /// When given, the figure is a difference: the mean over `match` minus the mean over
        /// these runs.
        public var baseline: [(key: String, value: String)]?
        public var published: Double
        /// Largest accepted |simulated - published|.
        public var tolerance: Double
        /// Paper, table or equation.
        public var source: String
        /// What kind of figure `published` is.
        public var reference: ReferenceKind
    }

    /// What a check compares against: how much a pass says about the simulator.
    public enum ReferenceKind: String, CaseIterable, Sendable {
        /// A figure measured on a real system.
        case publishedMeasurement = "published measurement"
        /// Another simulator's output (its model, not the world).
        case publishedSimulation = "published simulation"
        /// A formula derived from the model's assumptions.
        case closedForm = "closed form"
        /// What the protocol promises by construction (exactness, safety).
        case protocolGuarantee = "protocol guarantee"
        /// The simulator's own formula applied to the same inputs: checks the arithmetic only.
        case identity
    }

    /// One line of the comparison.
    public struct Comparison: Sendable {
        public var quantity: Quantity
        public var simulated: Double
        public var runs: Int
        public var difference: Double { simulated - quantity.published }
        public var tolerance: Double
        public var within: Bool { runs > 0 && abs(difference) <= tolerance }
    }

    public let title: String
    public let sweepPath: String
    public let quantities: [Quantity]
    /// Reduced size for `--quick`: overrides, replicates, and a factor on every tolerance.
    public let quickOverrides: [String]
    public let quickReplicates: Int?
    public let quickToleranceScale: Double

    /// Reads `directory/expected.yaml`.
    public init(directory: String) throws {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("expected.yaml").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(origin: .unlocated(path: path), keyPath: "", message: "cannot read the experiment's expected.yaml")
        }
        let reader = Reader(path: path)
        let root = try ConfigLoader.parse(text, source: path)
        guard case .mapping(let top) = root else { throw reader.error(root, "", "expected a mapping") }
        func string(_ node: Node?, _ key: String) throws -> String {
            guard let node, case .scalar(let scalar) = node else { throw reader.error(node ?? root, key, "expected a text value") }
            return scalar.string
        }
        title = try string(top["title"], "title")
        let defaultSource = (try? string(top["source"], "source")) ?? ""
        func referenceKind(_ node: Node?, _ key: String, fallback: ReferenceKind?) throws -> ReferenceKind {
            guard let node else {
                guard let fallback else {
                    throw reader.error(root, key, "expected a reference kind (\(ReferenceKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return fallback
            }
            guard let kind = ReferenceKind(rawValue: try string(node, key)) else {
                throw reader.error(node, key, "expected one of \(ReferenceKind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(node.string ?? "")'")
            }
            return kind
        }
        let defaultReference = try top["reference"].map { try referenceKind($0, "reference", fallback: nil) }
        sweepPath = URL(fileURLWithPath: directory).appendingPathComponent(try string(top["sweep"], "sweep")).path
        guard case .sequence(let list)? = top["quantities"], !list.isEmpty else {
            throw reader.error(top["quantities"] ?? root, "quantities", "expected a non-empty list of {name, metric, where, published, tolerance}")
        }
        quantities = try list.enumerated().map { index, item in
            guard case .mapping(let q) = item else { throw reader.error(item, "quantities.\(index)", "expected a mapping") }
            func selection(_ key: String) throws -> [(key: String, value: String)]? {
                guard let node = q[key] else { return nil }
                guard case .mapping(let m) = node else { throw reader.error(node, "quantities.\(index).\(key)", "expected a mapping of axis: value") }
                return m.map { ($0.string ?? "", reader.value($1).yaml) }
            }
            let match = try selection("where") ?? []
            let baseline = try selection("minus")
            return Quantity(name: try string(q["name"], "quantities.\(index).name"), metric: try string(q["metric"], "quantities.\(index).metric"),
                            match: match, baseline: baseline, published: try reader.number(q["published"] ?? item, "quantities.\(index).published"),
                            tolerance: try reader.number(q["tolerance"] ?? item, "quantities.\(index).tolerance"),
                            source: (try? string(q["source"], "")) ?? defaultSource,
                            reference: try referenceKind(q["reference"], "quantities.\(index).reference", fallback: defaultReference))
        }
        if case .mapping(let quick)? = top["quick"] {
            if case .sequence(let sets)? = quick["set"] { quickOverrides = sets.compactMap(\.string) } else { quickOverrides = [] }
            quickReplicates = try quick["replicates"].map { try reader.integer($0, "quick.replicates", atLeast: 1) }
            quickToleranceScale = try quick["tolerance_scale"].map { try reader.number($0, "quick.tolerance_scale") } ?? 1
        } else {
            quickOverrides = []
            quickReplicates = nil
            quickToleranceScale = 1
        }
    }

    /// Compares the merged runs with the published figures.
    public func compare(_ rows: [SweepMerge.Row], quick: Bool) -> [Comparison] {
        quantities.map { quantity in
            func mean(_ selection: [(key: String, value: String)]) -> (value: Double, runs: Int) {
                let matching = rows.filter { row in
                    selection.allSatisfy { key, value in
                        guard let actual = row.axes.last(where: { $0.key == key })?.value else { return false }
                        if let a = Double(actual), let b = Double(value) { return a == b }
                        return Self.canonical(actual) == Self.canonical(value)
                    }
                }
                let values = matching.compactMap { $0.summary.last { $0.key == quantity.metric }?.value }.filter { $0.isFinite }
                return (values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count), values.count)
            }
            let (value, runs) = mean(quantity.match)
            let baseline = quantity.baseline.map(mean)
            return Comparison(quantity: quantity, simulated: value - (baseline?.value ?? 0), runs: min(runs, baseline?.runs ?? runs),
                              tolerance: quantity.tolerance * (quick ? quickToleranceScale : 1))
        }
    }

    /// A YAML value in one spelling (flow style, plain scalars), so equal values compare equal.
    static func canonical(_ yaml: String) -> String {
        guard let node = try? Yams.compose(yaml: yaml) else { return yaml }
        return Reader(path: "").value(node).yaml
    }

    /// The comparison as a Markdown table, sources numbered below it.
    public static func table(_ comparisons: [Comparison]) -> String {
        var sources: [String] = []
        for c in comparisons where !sources.contains(c.quantity.source) { sources.append(c.quantity.source) }
        var lines = ["| quantity | reference | published | simulated | difference | tolerance | within | runs | source |",
                     "|---|---|---|---|---|---|---|---|---|"]
        for c in comparisons {
            let note = (sources.firstIndex(of: c.quantity.source) ?? 0) + 1
            lines.append(String(format: "| %@ | %@ | %.4g | %.4g | %+.4g | %.3g | %@ | %d | [%d] |", c.quantity.name, c.quantity.reference.rawValue,
                                c.quantity.published, c.simulated, c.difference, c.tolerance, c.within ? "yes" : "NO", c.runs, note))
        }
        lines.append("")
        for (i, source) in sources.enumerated() { lines.append("[\(i + 1)] \(source)") }
        return lines.joined(separator: "\n")
    }
}
