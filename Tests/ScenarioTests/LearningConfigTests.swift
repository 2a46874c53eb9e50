import Scenario
import XCTest

/// The native learner's keys: models, layers, optimiser, strategies, and the combinations that
/// cannot run, each refused naming the key.
final class LearningConfigTests: XCTestCase {
    func refusal(_ overrides: [String]) -> (key: String, message: String)? {
        do {
            _ = try ConfigLoader.load(yaml: "federation: {rounds: 2, clients: 4, clients_per_round: 2}\nnetwork: {nodes: 10}\n",
                                      source: "t.yaml", overrides: overrides)
            return nil
        } catch let error as ConfigError {
            return (error.keyPath, error.message)
        } catch {
            XCTFail("not a ConfigError: \(error)")
            return nil
        }
    }

    func assertRefused(_ overrides: [String], key: String, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let found = refusal(overrides) else { return XCTFail("accepted: \(overrides)", file: file, line: line) }
        XCTAssertEqual(found.key, key, found.message, file: file, line: line)
        XCTAssertTrue(found.message.contains(text), found.message, file: file, line: line)
    }

    func testKeysAreReadAndDefaultsAreNIIDBenchFree() throws {
        let config = try ConfigLoader.load(yaml: "federation: {model: {kind: layers, layers: [conv2d 6 5 same, relu, max_pool 2, flatten, dense 10], input_shape: [28, 28, 1]}, "
                                           + "strategy: {kind: fedyogi, server_learning_rate: 0.02, server_momentum: 0.5, server_beta2: 0.9, server_tau: 0.01}, "
                                           + "local: {momentum: 0.9, weight_decay: 1.0e-5}}\n", source: "t.yaml")
        XCTAssertEqual(config.federation.model.layers.count, 5)
        XCTAssertEqual(config.federation.model.inputShape, [28, 28, 1])
        let strategy = config.federation.strategy.strategy
        XCTAssertEqual(strategy.kind, .fedyogi)
        XCTAssertEqual(strategy.serverLearningRate, 0.02)
        XCTAssertEqual(strategy.serverMomentum, 0.5)
        XCTAssertEqual(config.federation.local.training.momentum, 0.9)
        XCTAssertEqual(config.federation.local.training.weightDecay, 1e-5)
        let defaults = try ConfigLoader.load(yaml: "seed: 1\n", source: "t.yaml").federation
        XCTAssertEqual(defaults.local.momentum, 0)
        XCTAssertEqual(defaults.local.weightDecay, 0)
        XCTAssertNil(defaults.strategy.strategy.serverLearningRate, "0 means the algorithm's own default")
    }

    func testImpossibleCombinationsAreRefused() {
        assertRefused(["federation.model.kind=layers"], key: "federation.model.layers", contains: "expected a list of layers")
        assertRefused(["federation.model={kind: layers, layers: [conv2d 6, dense 10]}"], key: "federation.model.layers.0",
                      contains: "expected conv2d FILTERS KERNEL [valid|same], found 'conv2d 6'")
        assertRefused(["federation.model={kind: simple_cnn, layers: [dense 10]}"], key: "federation.model.layers",
                      contains: "expected no layers with model.kind simple_cnn")
        assertRefused(["federation.model.input_shape=[28, 28]"], key: "federation.model.input_shape", contains: "[height, width, channels]")
        assertRefused(["federation.local.momentum=1"], key: "federation.local.momentum", contains: "from 0 to below 1")
        assertRefused(["federation.local.weight_decay=-1"], key: "federation.local.weight_decay", contains: "found -1")
        assertRefused(["federation.strategy.server_momentum=1.5"], key: "federation.strategy.server_momentum", contains: "below 1")
        assertRefused(["federation.strategy.server_tau=0"], key: "federation.strategy.server_tau", contains: "> 0")
        assertRefused(["federation.strategy.kind=scaffold", "federation.dataset={kind: hdf5, path: x.h5}",
                       "federation.trainer={kind: python, module: c.py}"], key: "federation.strategy.kind",
                      contains: "control variates that only the native trainer holds")
        assertRefused(["federation.strategy.kind=fednova", "federation.secure_aggregation.protocol=secagg"], key: "federation.strategy.kind",
                      contains: "fednova needs each update")
        XCTAssertNil(refusal(["federation.strategy.kind=fedadam", "federation.secure_aggregation.protocol=secaggplus"]))
    }

    /// A network that does not fit the data is refused when the run is built, naming the key
    /// and the layer.
    func testNetworksThatDoNotFitTheDataAreRefused() throws {
        let base = ["federation.rounds=1", "federation.clients=4", "federation.clients_per_round=2", "network.nodes=10"]
        XCTAssertThrowsError(try Runner.run(RunSetup.quickstart(overrides: base + ["federation.model.kind=simple_cnn"]))) {
            XCTAssertEqual("\($0)", "federation.model.kind: layer 0: conv2d 6 5 valid does not fit its 1x1x60 input (input 1x1x60, 10 classes)")
        }
        XCTAssertThrowsError(try Runner.run(RunSetup.quickstart(overrides: base + ["federation.model={kind: layers, layers: [dense 8, relu, dense 3]}"]))) {
            XCTAssertTrue("\($0)".hasPrefix("federation.model.layers: the last layer must be dense with one unit per class (10)"), "\($0)")
        }
        XCTAssertThrowsError(try Runner.run(RunSetup.quickstart(overrides: base + ["federation.model={kind: layers, layers: [conv2d 2 3, flatten, dense 10], input_shape: [6, 5, 1]}"]))) {
            XCTAssertTrue("\($0)".hasPrefix("federation.model.input_shape: 6x5x1 holds 30 values"), "\($0)")
        }
        // A fitting one runs: the synthetic data as 6 x 10 x 1 images.
        let outcome = try Runner.run(RunSetup.quickstart(overrides: base + ["federation.model={kind: layers, layers: [conv2d 2 3, relu, max_pool 2, flatten, dense 10], input_shape: [6, 10, 1]}"]))
        XCTAssertEqual(outcome.record.summaryValue("fl_rounds"), .double(1))
    }
}
