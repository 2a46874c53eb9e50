import Foundation
import XCTest
import Yams

/// Mutates the shipped configs (wrong types, boundaries, NaN and infinities, huge and tiny
/// numbers, unknown keys, aliases) with a fixed seed and holds `validate` and `run` to one
/// verdict: no signal ever, exit 0 or 2, the same exit for both, and every exit-2 message located
/// at `file:line:column` (or the `--set` argument) with the key.
final class ConfigFuzzTests: XCTestCase {
    static let shipped = ["experiments/quickstart.yaml", "experiments/simblock-btc-2019.yaml", "experiments/selfish-mining/config.yaml",
                          "experiments/double-spend/config.yaml", "experiments/praos-slots/config.yaml",
                          "experiments/secagg-dropouts/config.yaml", "experiments/stale-rate-vs-interval/config.yaml",
                          "experiments/energy-comparison/base.yaml", "experiments/fedprox-synthetic/base.yaml"]
    static let replacements = [".nan", ".inf", "-.inf", "1e308", "-1e308", "0", "-1", "1", "2", "1e-320", "1e-12", "0.5",
                               "9223372036854775807", "18446744073709551616", "10000000000", "slow", "!!str 5", "'7'", "[1, 2]",
                               "{a: 1}", "true", "~", "''"]

    func testMutatedShippedConfigsValidateAndRunAlike() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // FEDCHAIN_FUZZ_CASES and FEDCHAIN_FUZZ_SEED run a longer hunt by hand; the suite runs 160.
        let environment = ProcessInfo.processInfo.environment
        let total = environment["FEDCHAIN_FUZZ_CASES"].flatMap { Int($0) } ?? 160
        var generator = SplitMix(seed: environment["FEDCHAIN_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20261202)
        var counts = (cases: 0, valid: 0, refused: 0)
        for index in 0..<total {
            let source = Self.shipped[index % Self.shipped.count]
            let text = try String(contentsOf: Harness.packageRoot.appendingPathComponent(source), encoding: .utf8)
            guard let document = try Yams.compose(yaml: text) else { continue }
            let (mutated, what) = mutate(document, &generator)
            let path = dir.appendingPathComponent("case\(index).yaml").path
            try (try Yams.serialize(node: mutated)).write(toFile: path, atomically: true, encoding: .utf8)
            let label = "case \(index) (\(source): \(what))"
            // Bounded work per case: a mutation may legitimately ask for a long run.
            let bound = ["--set", "stop.events=20000"]
            let validate = try Harness.run(fedchain, ["validate", path] + bound)
            let run = try Harness.run(fedchain, ["run", path, "--quiet", "-o", dir.appendingPathComponent("out.h5").path] + bound)
            counts.cases += 1
            for (name, result) in [("validate", validate), ("run", run)] {
                XCTAssertFalse(result.signalled, "\(label): \(name) died by signal \(result.status): \(result.stderr.prefix(300))")
                XCTAssertTrue([0, 2].contains(result.status), "\(label): \(name) exit \(result.status): \(result.stderr.prefix(300))")
            }
            XCTAssertEqual(validate.status, run.status, "\(label): validate and run disagree: \(validate.stderr) | \(run.stderr)")
            if validate.status == 0 { counts.valid += 1; continue }
            counts.refused += 1
            let line = validate.stderr.split(separator: "\n").first { $0.hasPrefix("fedchain: error: ") } ?? ""
            let located = line.hasPrefix("fedchain: error: \(path):") && line.dropFirst("fedchain: error: \(path):".count).first?.isNumber == true
            XCTAssertTrue(located, "\(label): the error is not at file:line:column: \(validate.stderr)")
        }
        print("config fuzz: \(counts.cases) cases, \(counts.valid) valid, \(counts.refused) refused, none crashed")
        XCTAssertGreaterThan(counts.refused, 20)
        XCTAssertGreaterThan(counts.valid, 5)
    }

    /// The same property for region files (their own loader): mutated tables are refused at
    /// their file:line:column or run, never crash, and `validate` agrees with `run`.
    func testMutatedRegionFilesValidateAndRunAlike() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = """
            name: two
            regions: [A, B]
            latency_ms: [[10, 100], [100, 10]]
            node_share: [0.5, 0.5]
            download_bps: [50.0e6, 20.0e6]
            upload_bps: [20.0e6, 5.0e6]

            """
        var generator = SplitMix(seed: 7)
        for index in 0..<60 {
            let (mutated, what) = mutate(try Yams.compose(yaml: table)!, &generator)
            let path = dir.appendingPathComponent("regions\(index).yaml").path
            try (try Yams.serialize(node: mutated)).write(toFile: path, atomically: true, encoding: .utf8)
            let arguments = ["--set", "network.regions=\(path)", "--set", "network.nodes=30", "--set", "stop.blocks=3"]
            let validate = try Harness.run(fedchain, ["validate"] + arguments)
            let run = try Harness.run(fedchain, ["run", "--quiet", "-o", dir.appendingPathComponent("out.h5").path] + arguments)
            for result in [validate, run] {
                XCTAssertFalse(result.signalled, "case \(index) (\(what)): \(result.stderr.prefix(300))")
                XCTAssertTrue([0, 2].contains(result.status), "case \(index) (\(what)): \(result.stderr.prefix(300))")
            }
            XCTAssertEqual(validate.status, run.status, "case \(index) (\(what)): \(validate.stderr) | \(run.stderr)")
            if validate.status == 2 {
                XCTAssertTrue(validate.stderr.hasPrefix("fedchain: error: \(path):"), "case \(index) (\(what)): \(validate.stderr)")
            }
        }
    }

    /// One mutation of `document`: a scalar replaced, an unknown key added, or a value replaced by
    /// an alias to another part of the document.
    private func mutate(_ document: Node, _ generator: inout SplitMix) -> (Node, String) {
        var scalars: [[String]] = []
        collectScalarPaths(document, [], into: &scalars)
        guard !scalars.isEmpty else { return (document, "nothing") }
        let path = scalars[Int(generator.next() % UInt64(scalars.count))]
        switch generator.next() % 10 {
        case 0:
            let parent = Array(path.dropLast())
            return (replacing(document, at: parent + ["unknwn_key"], with: Node("1")), "unknown key beside \(path.joined(separator: "."))")
        default:
            let text = Self.replacements[Int(generator.next() % UInt64(Self.replacements.count))]
            let value = (try? Yams.compose(yaml: text)) ?? Node(text)
            return (replacing(document, at: path, with: value), "\(path.joined(separator: ".")) = \(text)")
        }
    }

    private func collectScalarPaths(_ node: Node, _ path: [String], into paths: inout [[String]]) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping { collectScalarPaths(value, path + [key.string ?? "?"], into: &paths) }
        case .sequence(let sequence):
            for (i, value) in sequence.enumerated() { collectScalarPaths(value, path + [String(i)], into: &paths) }
        case .scalar:
            paths.append(path)
        case .alias:
            break
        }
    }

    private func replacing(_ node: Node, at path: [String], with value: Node) -> Node {
        guard let head = path.first else { return value }
        switch node {
        case .mapping(var mapping):
            mapping[Node(head)] = replacing(mapping[Node(head)] ?? Node.mapping(Node.Mapping([])), at: Array(path.dropFirst()), with: value)
            return .mapping(mapping)
        case .sequence(var sequence):
            guard let i = Int(head), sequence.indices.contains(i) else { return node }
            sequence[i] = replacing(sequence[i], at: Array(path.dropFirst()), with: value)
            return .sequence(sequence)
        default:
            return node
        }
    }
}

/// A small repeatable generator (SplitMix64) for the fuzz cases.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
