import Foundation
import Learning
import SimKernel
import TrainerBridge
import XCTest

extension RandomStream: RandomSource {}

/// The bridge in process: arrays cross exactly, results do not depend on the number of
/// workers, and a failed worker leaves no process behind.
final class BridgeTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let example = packageRoot.appendingPathComponent("examples/pytorch-fmnist/numpy_client.py").path
    static let faulty = packageRoot.appendingPathComponent("Tests/Fixtures/faulty_client.py").path

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedchain-bridge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import h5py, numpy as np
            rng = np.random.default_rng(1)
            y = rng.integers(0, 3, size=120)
            with h5py.File('\(directory.path)/data.h5', 'w') as f:
                f['X'] = (rng.normal(size=(120, 5)) + y[:, None]).astype(np.float32)
                f['y'] = y
            """]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "python3 with h5py and numpy is needed (scripts/setup installs them)")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func trainer(module: String, workers: Int, config: [String: JSONValue] = [:], timeoutS: Double = 60) throws -> PythonTrainer {
        let settings = PythonTrainerSettings(python: "python3", module: module, workers: workers, timeoutS: timeoutS, flopsPerExample: 10,
                                             datasetKind: "hdf5", datasetPath: directory.appendingPathComponent("data.h5").path,
                                             local: LocalTraining(epochs: 2, batchSize: 8, learningRate: 0.1), config: config)
        let partitions = (0..<6).map { c in (train: Array((c * 20)..<(c * 20 + 15)), test: Array((c * 20 + 15)..<(c * 20 + 20))) }
        return try PythonTrainer(settings: settings, partitions: partitions, evaluators: Array(0..<6),
                                 evaluationSeeds: RandomStreams(seed: 1).stream("fl.eval_seeds"))
    }

    func tasks(round: Int) -> [FitTask] {
        (0..<6).map { FitTask(client: $0, round: round, epochs: 1 + $0 % 2, seed: UInt64(100 + $0)) }
    }

    /// One worker or three: the same outcomes, in task order, and the same evaluation.
    func testOutcomesDoNotDependOnTheWorkers() throws {
        var outcomes: [[FitOutcome]] = [], evaluations: [ModelEvaluation] = []
        for workers in [1, 3] {
            let bridge = try trainer(module: Self.example, workers: workers)
            defer { bridge.close() }
            let initial = try bridge.initialParameters(seed: 7)
            XCTAssertEqual(initial.count, 5 * 3 + 3)
            let fitted = try bridge.fit(tasks(round: 1), from: initial, mu: 0)
            outcomes.append(fitted)
            evaluations.append(try bridge.evaluate(fitted[0].parameters, round: 1))
            XCTAssertEqual(fitted.map(\.examples), [15, 15, 15, 15, 15, 15])
            XCTAssertEqual(fitted[1].flops, 2 * 15 * 10, "epochs x examples x flops_per_example when the client reports none")
        }
        XCTAssertEqual(outcomes[0], outcomes[1])
        XCTAssertEqual(evaluations[0], evaluations[1])
        XCTAssertNotEqual(outcomes[0][0].parameters, outcomes[0][2].parameters, "clients train on their own rows")
        XCTAssertEqual(outcomes[0].map(\.steps), [2, 4, 2, 4, 2, 4], "epochs x ceil(15 / 8) when the client reports no steps (FedNova)")
    }

    /// SCAFFOLD's correction cannot reach a NumPyClient: the call fails, naming the client,
    /// instead of silently training FedAvg.
    func testACorrectionIsRefused() throws {
        let bridge = try trainer(module: Self.example, workers: 1)
        defer { bridge.close() }
        let initial = try bridge.initialParameters(seed: 7)
        var task = tasks(round: 1)[2]
        task.correction = [Double](repeating: 0, count: initial.count)
        XCTAssertThrowsError(try bridge.fit([task], from: initial, mu: 0)) {
            XCTAssertEqual("\($0)", "round 1, client 2: the Python trainer cannot apply SCAFFOLD's control variates (use the native trainer)")
        }
    }

    /// A million float32 values and an int64 array cross both ways unchanged.
    func testLargeArraysCrossExactly() throws {
        let module = directory.appendingPathComponent("echo.py").path
        try """
            import numpy as np
            class Echo:
                def get_parameters(self, config):
                    return [np.arange(1_000_000, dtype=np.float32) * np.float32(0.25), np.array([3, -4], dtype=np.int64)]
                def fit(self, parameters, config):
                    return parameters, 1, {"flops": 123.0}
                def evaluate(self, parameters, config):
                    return float(parameters[0][-1]), 1, {"accuracy": float(parameters[1][0])}
            def client_fn(cid, config):
                return Echo()
            """.write(toFile: module, atomically: true, encoding: .utf8)
        let bridge = try trainer(module: module, workers: 2)
        defer { bridge.close() }
        let initial = try bridge.initialParameters(seed: 0)
        XCTAssertEqual(initial.count, 1_000_002)
        XCTAssertEqual(initial[999_999], 249_999.75)
        XCTAssertEqual(Array(initial.suffix(2)), [3, -4])
        var global = initial
        global[5] = 1.0 / 3.0   // not a float32: crosses as the nearest one
        let outcome = try bridge.fit([FitTask(client: 2, round: 1, epochs: 1, seed: 1)], from: global, mu: 0)[0]
        XCTAssertEqual(outcome.parameters[5], Double(Float(1.0 / 3.0)))
        XCTAssertEqual(Array(outcome.parameters[6...]), Array(global[6...]))
        XCTAssertEqual(outcome.flops, 123, "a client's reported FLOPs win")
        let evaluation = try bridge.evaluate(global, round: 1)
        XCTAssertEqual(evaluation.testAccuracy, 3)
    }

    /// A worker killed mid-call: the error names the client and round, and afterwards this
    /// process has no child left (no zombie, no orphan worker).
    func testAKilledWorkerLeavesNoProcessBehind() throws {
        let bridge = try trainer(module: Self.faulty, workers: 3,
                                 config: ["fault": .string("kill"), "fault_client": .int(4), "fault_round": .int(2)])
        let initial = try bridge.initialParameters(seed: 7)
        XCTAssertEqual(Self.children().count, 3)
        XCTAssertNoThrow(try bridge.fit(tasks(round: 1), from: initial, mu: 0))
        XCTAssertThrowsError(try bridge.fit(tasks(round: 2), from: initial, mu: 0)) { error in
            let failure = error as? TrainerError
            XCTAssertEqual(failure?.client, 4)
            XCTAssertEqual(failure?.round, 2)
        }
        XCTAssertEqual(Self.children(), [], "every worker is reaped")
        XCTAssertThrowsError(try bridge.fit(tasks(round: 3), from: initial, mu: 0), "a failed bridge stays failed")
        bridge.close()
    }

    /// Closing stops every worker.
    func testCloseStopsTheWorkers() throws {
        let bridge = try trainer(module: Self.example, workers: 2)
        XCTAssertEqual(Self.children().count, 2)
        bridge.close()
        XCTAssertEqual(Self.children(), [])
    }

    /// Processes whose parent is this one (any state, zombies included).
    static func children() -> [Int32] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == me
        }.sorted()
    }
}
