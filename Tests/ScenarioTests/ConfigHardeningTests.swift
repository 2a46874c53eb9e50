import Scenario
import XCTest

/// Inputs that once passed silently, hung or were blamed on the wrong place.
final class ConfigHardeningTests: XCTestCase {
    private func error(_ yaml: String, _ overrides: [String] = []) -> ConfigError? {
        do {
            _ = try ConfigLoader.load(yaml: yaml, source: "t.yaml", overrides: overrides)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    /// Nested aliases ("billion laughs") are refused by counting, before any step walks them.
    func testAliasBombIsRefusedQuickly() throws {
        var text = "a: &a [x, x, x, x, x, x, x, x, x]\n", previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
            previous = name
        }
        XCTAssertLessThan(text.utf8.count, 400)
        let e = error(text)
        XCTAssertEqual(e?.origin, .file(path: "t.yaml", line: 1, column: 1))
        XCTAssertTrue(e?.message.contains("more than \(ConfigLoader.maxExpandedNodes) nodes") ?? false, "\(String(describing: e))")
        // Aliases within the budget still work (and then meet the schema as usual).
        XCTAssertNil(error("stop: &s {blocks: 5}\nnetwork: {nodes: 50}\n"))
    }

    /// An error in a key that only a `--set` created is that argument's, not line 1 of the file.
    func testSetErrorsNameTheArgument() {
        let e = error("network: {nodes: 100}\n", ["Network.nodes=200"])
        XCTAssertEqual(e?.origin, .override(argument: "Network.nodes=200"))
        XCTAssertEqual(e?.keyPath, "Network")
        XCTAssertTrue(e?.message.contains("did you mean 'network'?") ?? false)
        XCTAssertEqual(error("network: {nodes: 100}\n", ["network.nodse=200"])?.origin, .override(argument: "network.nodse=200"))
        // A mistake in the file itself stays the file's.
        XCTAssertEqual(error("netwrk: {nodes: 100}\n", ["seed=3"])?.origin, .file(path: "t.yaml", line: 1, column: 1))
    }

    /// The documented minimum node count works with every other key at its default.
    func testTwoNodesRunWithDefaults() throws {
        for kind in ["pow", "pos"] {
            XCTAssertNil(error("network: {nodes: 2}\nconsensus: {kind: \(kind)}\n"), kind)
        }
        let hierarchical = error("network: {nodes: 2}\nconsensus: {kind: hierarchical}\n")
        XCTAssertEqual(hierarchical?.keyPath, "consensus.hierarchical.clusters", "checked when the consensus uses it")
    }

    /// A syntax error says where the unclosed construct began, not only where the parser gave up.
    func testSyntaxErrorNamesWhereTheConstructBegan() {
        let e = error("seed: 1\nnetwork: {nodes: [1, 2\n")
        XCTAssertEqual(e?.origin, .file(path: "t.yaml", line: 3, column: 1))
        XCTAssertTrue(e?.message.contains("started at 2:18") ?? false, "\(String(describing: e))")
    }

    /// A string where a number or a truth value belongs is an error, however it was written.
    func testQuotedAndTaggedStringsAreNotNumbers() {
        for text in ["!!str 500", "'500'", "\"500\""] {
            let e = error("network:\n  nodes: \(text)\n")
            XCTAssertEqual(e?.keyPath, "network.nodes", text)
            XCTAssertTrue(e?.message.contains("expected an integer, found the string '500'") ?? false, "\(String(describing: e))")
        }
        XCTAssertTrue(error("federation: {local: {learning_rate: !!str 0.1}}\n")?.message.contains("expected a number") ?? false)
        XCTAssertNil(error("network: {regions: 'btc-2019'}\n"), "a quoted string where a string belongs is fine")
    }

    /// List entries are checked against their schema: unknown and missing keys are errors.
    func testListEntriesAreChecked() {
        var e = error("consensus:\n  pow:\n    hash_rate_changes:\n      - {at_s: 5, factr: 2}\n")
        XCTAssertEqual(e?.keyPath, "consensus.pow.hash_rate_changes.0.factr")
        XCTAssertTrue(e?.message.contains("did you mean 'factor'?") ?? false, "\(String(describing: e))")
        e = error("consensus:\n  pow:\n    hash_rate_changes:\n      - {at_s: 5}\n")
        XCTAssertEqual(e?.keyPath, "consensus.pow.hash_rate_changes.0")
        XCTAssertTrue(e?.message.contains("missing key factor") ?? false, "\(String(describing: e))")
        XCTAssertNil(error("consensus:\n  pow:\n    hash_rate_changes:\n      - {at_s: 5, factor: 2}\n"))
    }

    /// Values the model cannot compute with are refused by validation, so `validate` accepts
    /// exactly what `run` runs: sub-microsecond blocks, times past the clock's range, rates whose
    /// sum overflows, a clip whose scale is not finite, a stake that gives nobody a block.
    func testValuesOutsideTheModelsRangeAreRefused() {
        let cases: [(String, String)] = [
            ("consensus: {block_interval_s: 1.0e-12}\n", "consensus.block_interval_s"),
            ("consensus: {kind: pos, pos: {slot_s: 1.0e12}}\n", "consensus.pos.slot_s"),
            ("stop: {time_s: 1.0e300}\n", "stop.time_s"),
            ("stop: {time_s: 1.0e-12}\n", "stop.time_s"),
            ("network: {latency: {fixed_ms: 1.0e300}}\n", "network.latency.fixed_ms"),
            ("federation: {secure_aggregation: {clip: 1.0e308}}\n", "federation.secure_aggregation.clip"),
            ("federation: {secure_aggregation: {clip: 1.0e-310}}\n", "federation.secure_aggregation.clip"),
            ("consensus: {pow: {hash_rate_th_s: {distribution: normal, mean: 1.0e308, sd: 1.0e308}}}\n", "consensus.pow.hash_rate_th_s.mean"),
            ("consensus: {kind: pos, pos: {stake: {distribution: constant, mean: 0}}}\n", "consensus.pos.stake.mean"),
            ("consensus: {pow: {hash_rate_changes: [{at_s: 1.0e300, factor: 2}]}}\n", "consensus.pow.hash_rate_changes.0.at_s"),
            ("network: {outbound_peers: 9223372036854775807}\n", "network.outbound_peers"),
            ("federation: {local: {epochs: 1000000000000}}\n", "federation.local.epochs"),
        ]
        for (yaml, key) in cases {
            XCTAssertEqual(error(yaml)?.keyPath, key, yaml)
        }
    }

    /// Asking for more representatives than the clusters hold is allowed but warned about: the
    /// clusters elect every member and fewer representatives mine.
    func testTooManyRepresentativesWarn() throws {
        let crowded = try ConfigLoader.load(yaml: "network: {nodes: 20}\nconsensus: {kind: hierarchical, hierarchical: {clusters: 5, representatives_per_cluster: 6}}\n",
                                            source: "t.yaml")
        XCTAssertTrue(crowded.warnings().contains { $0.hasPrefix("consensus.hierarchical.representatives_per_cluster: 6 per cluster asked") },
                      "\(crowded.warnings())")
        let fine = try ConfigLoader.load(yaml: "network: {nodes: 20}\nconsensus: {kind: hierarchical, hierarchical: {clusters: 5, representatives_per_cluster: 4}}\n",
                                         source: "t.yaml")
        XCTAssertEqual(fine.warnings(), [])
    }

    /// A Python trainer without a FLOPs figure is warned about (its training would take no
    /// simulated time unless the client reports FLOPs); with one, it is not.
    func testPythonTrainerWithoutFlopsWarns() throws {
        let yaml = "federation: {rounds: 1, dataset: {kind: fashion_mnist}, trainer: {kind: python, module: c.py}}\n"
        XCTAssertTrue(try ConfigLoader.load(yaml: yaml, source: "t.yaml").warnings()
            .contains { $0.hasPrefix("federation.trainer.flops_per_example: 0, so local training takes no simulated time") })
        XCTAssertEqual(try ConfigLoader.load(yaml: yaml, source: "t.yaml", overrides: ["federation.trainer.flops_per_example=1e6"]).warnings(), [])
    }
}
