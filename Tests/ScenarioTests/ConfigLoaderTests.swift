import Scenario
import SimKernel
import XCTest

final class ConfigLoaderTests: XCTestCase {
    func error(_ yaml: String, overrides: [String] = []) -> ConfigError? {
        do {
            _ = try ConfigLoader.load(yaml: yaml, source: "t.yaml", overrides: overrides)
            return nil
        } catch let e as ConfigError {
            return e
        } catch {
            XCTFail("not a ConfigError: \(error)")
            return nil
        }
    }

    func assertError(_ yaml: String, _ overrides: [String] = [], at origin: ConfigError.Origin, key: String, contains text: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let e = error(yaml, overrides: overrides) else { return XCTFail("accepted: \(yaml) \(overrides)", file: file, line: line) }
        XCTAssertEqual(e.origin, origin, "\(e)", file: file, line: line)
        XCTAssertEqual(e.keyPath, key, "\(e)", file: file, line: line)
        XCTAssertTrue(e.message.contains(text), "\(e)", file: file, line: line)
    }

    /// `federation.trainer.config` is the user's own mapping: any keys, not renamed to camel
    /// case, any JSON-like values, and printed in sorted key order so a run's stored config is
    /// the same text every time.
    func testTrainerConfigIsFreeFormAndCanonical() throws {
        let yaml = """
            federation:
              dataset: {kind: fashion_mnist}
              trainer: {kind: python, module: m.py, config: {zeta: 1, hidden_units: [64, 32], nested: {b: true, a: x}, rate: 0.5}}
            """
        let config = try ConfigLoader.load(yaml: yaml, source: "t.yaml", overrides: ["federation.trainer.config.extraKey=7"])
        XCTAssertEqual(config.federation.trainer.config["hidden_units"], .array([.int(64), .int(32)]))
        XCTAssertEqual(config.federation.trainer.config["extraKey"], .int(7))
        XCTAssertEqual(config.federation.trainer.config["nested"], .object(["a": .string("x"), "b": .bool(true)]))
        let texts = try (0..<5).map { _ in ConfigLoader.yaml(try ConfigLoader.load(yaml: yaml, source: "t.yaml")) }
        XCTAssertEqual(Set(texts).count, 1)
        let printed = texts[0]
        let keys = ["hidden_units", "nested", "rate", "zeta"].map { printed.range(of: "      \($0):")!.lowerBound }
        XCTAssertEqual(keys, keys.sorted(), printed)
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "federation: {trainer: {config: 3}}", source: "t.yaml")) {
            XCTAssertTrue("\($0)".contains("federation.trainer.config: expected a mapping of your own keys"), "\($0)")
        }
    }

    func testRangeAndTypeErrorsNameFileLineColumnAndKey() {
        assertError("seed: -1\n", at: .file(path: "t.yaml", line: 1, column: 7), key: "seed", contains: "non-negative integer, found '-1'")
        assertError("network:\n  nodes: 0\n", at: .file(path: "t.yaml", line: 2, column: 10), key: "network.nodes", contains: "from 2 to")
        assertError("consensus:\n  block_interval_s: \"slow\"\n", at: .file(path: "t.yaml", line: 2, column: 21),
                    key: "consensus.block_interval_s", contains: "expected a number, found the string 'slow'")
        assertError("consensus:\n  block_interval_s: -5\n", at: .file(path: "t.yaml", line: 2, column: 21),
                    key: "consensus.block_interval_s", contains: "expected a number from 1e-06 to 1e+09, found -5")
        assertError("consensus:\n  block_interval_s: .nan\n", at: .file(path: "t.yaml", line: 2, column: 21),
                    key: "consensus.block_interval_s", contains: "found nan")
        assertError("network:\n  nodes: 1.5\n", at: .file(path: "t.yaml", line: 2, column: 10), key: "network.nodes", contains: "an integer")
        assertError("consensus:\n  kind: proof\n", at: .file(path: "t.yaml", line: 2, column: 9), key: "consensus.kind", contains: "one of pow")
        assertError("network:\n  latency: {distribution: gauss}\n", at: .file(path: "t.yaml", line: 2, column: 27),
                    key: "network.latency.distribution", contains: "one of constant, normal, pareto")
        assertError("consensus:\n  pow:\n    hash_rate_th_s: {distribution: uniform, min: 5, max: 2}\n",
                    at: .file(path: "t.yaml", line: 3, column: 58), key: "consensus.pow.hash_rate_th_s.max", contains: "> min")
    }

    func testAdversaryRanges() {
        assertError("adversary: {kind: selfish, share: 1.5}\n", at: .file(path: "t.yaml", line: 1, column: 35), key: "adversary.share",
                    contains: "between 0 and 1")
        assertError("adversary: {share: 0.3}\n", at: .file(path: "t.yaml", line: 1, column: 20), key: "adversary.share",
                    contains: "expected 0 when adversary.kind is none")
        assertError("adversary: {kind: double_spend, share: 0.1, confirmations: 0}\n", at: .file(path: "t.yaml", line: 1, column: 60),
                    key: "adversary.confirmations", contains: "from 1 to 10")
        assertError("consensus: {kind: pos}\nadversary: {kind: selfish, share: 0.3}\n", at: .file(path: "t.yaml", line: 2, column: 19),
                    key: "adversary.kind", contains: "expected none with consensus.kind pos")
        assertError("consensus: {pos: {active_slot_coefficient: 0}}\n", at: .file(path: "t.yaml", line: 1, column: 44),
                    key: "consensus.pos.active_slot_coefficient", contains: "(0, 1]")
        assertError("adversary: {kind: eclipse}\n", at: .file(path: "t.yaml", line: 1, column: 19), key: "adversary.kind",
                    contains: "one of none, selfish, double_spend")
    }

    func testStructuralErrors() {
        assertError("network:\n  nodse: 10\n", at: .file(path: "t.yaml", line: 2, column: 3), key: "network.nodse", contains: "did you mean 'nodes'")
        assertError("netwrk: {}\n", at: .file(path: "t.yaml", line: 1, column: 1), key: "netwrk", contains: "did you mean 'network'")
        assertError("network: 5\n", at: .file(path: "t.yaml", line: 1, column: 10), key: "network", contains: "expected a mapping")
        assertError("seed: [1, 2]\n", at: .file(path: "t.yaml", line: 1, column: 7), key: "seed", contains: "single value, found a list")
        assertError("network:\n  nodes:\n", at: .file(path: "t.yaml", line: 2, column: 9), key: "network.nodes", contains: "found nothing")
        assertError("- 1\n- 2\n", at: .file(path: "t.yaml", line: 1, column: 1), key: "", contains: "expected a mapping")
        assertError("seed: 1\nseed: 2\n", at: .file(path: "t.yaml", line: 1, column: 1), key: "", contains: "duplicate key seed")
        assertError("network: [1, 2\n", at: .file(path: "t.yaml", line: 2, column: 1), key: "", contains: "YAML syntax error")
        assertError("stop: {blocks: 0}\n", at: .file(path: "t.yaml", line: 1, column: 7), key: "stop", contains: "at least one of")
    }

    func testOverridesAreCheckedTheSameWay() throws {
        assertError("", ["network.nodes=abc"], at: .override(argument: "network.nodes=abc"), key: "network.nodes", contains: "an integer")
        assertError("", ["network.nodez=5"], at: .override(argument: "network.nodez=5"), key: "network.nodez", contains: "did you mean 'nodes'")
        assertError("", ["seed"], at: .override(argument: "seed"), key: "", contains: "key.path=value")
        assertError("seed: 5\n", ["seed.x=1"], at: .override(argument: "seed.x=1"), key: "seed.x", contains: "not a mapping")
        let config = try ConfigLoader.load(yaml: "network: {nodes: 50}\n", source: "t.yaml",
                                           overrides: ["network.nodes=70", "consensus.block_interval_s=60", "seed=9"])
        XCTAssertEqual(config.network.nodes, 70)
        XCTAssertEqual(config.consensus.blockIntervalS, 60)
        XCTAssertEqual(config.seed, 9)
    }

    func testDefaultsAndStopReplacement() throws {
        let empty = try ConfigLoader.load(yaml: "", source: "t.yaml")
        XCTAssertEqual(empty, FedChainConfig())
        let timed = try ConfigLoader.load(yaml: "stop: {time_s: 3600}\n", source: "t.yaml")
        XCTAssertEqual(timed.stop, StopConfig(blocks: 0, timeS: 3600, events: 0), "naming one limit does not inherit the default block limit")
    }

    /// What `validate` prints (and runs store) loads back to the same config.
    func testResolvedYAMLRoundTrips() throws {
        let config = try ConfigLoader.load(yaml: Quickstart.yaml, source: "q.yaml", overrides: ["network.latency.fixed_ms=12.5"])
        let text = ConfigLoader.yaml(config)
        XCTAssertTrue(text.contains("block_interval_s: 600.0"), text)
        XCTAssertEqual(try ConfigLoader.load(yaml: text, source: "resolved.yaml"), config)
    }

    /// The embedded quickstart is the committed experiments/quickstart.yaml.
    func testEmbeddedQuickstartMatchesTheFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("experiments/quickstart.yaml"), encoding: .utf8)
        XCTAssertEqual(file, Quickstart.yaml)
    }

    /// Thousands of corrupted configs: each either loads or gives a ConfigError; none crashes.
    /// Mutations replace, delete or duplicate characters of the quickstart; the seed is printed.
    func testMutatedConfigsNeverCrash() {
        let source = Array(Quickstart.yaml.unicodeScalars)
        let alphabet = Array("{}[]:,-#&*!|>'\"%@` \n\t0123456789.eE+-_abcxyz~?".unicodeScalars)
        var rejected = 0
        for seed in UInt64(0)..<3000 {
            let stream = RandomStream(seed: seed)
            var text = source
            for _ in 0..<(1 + stream.int(below: 4)) {
                let at = stream.int(below: text.count)
                switch stream.int(below: 3) {
                case 0: text[at] = alphabet[stream.int(below: alphabet.count)]
                case 1: text.remove(at: at)
                default: text.insert(text[at], at: at)
                }
            }
            var yaml = ""
            yaml.unicodeScalars.append(contentsOf: text)
            do {
                _ = try ConfigLoader.load(yaml: yaml, source: "mutant-\(seed).yaml")
            } catch is ConfigError {
                rejected += 1
            } catch {
                XCTFail("seed \(seed): unexpected error type \(error)")
            }
        }
        XCTAssertGreaterThan(rejected, 300, "mutations should often be rejected")
    }
}
