import Foundation
import Learning
import SimKernel
import TrainerBridge


/// `fedchain-bench bridge [--python P] [--workers W] [--size N]`: what the Python trainer bridge
/// costs (`--size`: only the round trip of an N-value model).
/// 1. A 1 M float32 model sent to an echo client and back (`fit`), per round trip; an 8-value
///    model for the fixed cost of a call.
/// 2. One round of 1,000 clients with a trivial NumPy client (100,000 parameters, no training),
///    per client call, with 1 and `--workers` workers.
enum BridgeBench {
    static let echo = """
        import numpy as np
        class Echo:
            def __init__(self, size):
                self.size = size
            def get_parameters(self, config):
                return [np.zeros(self.size, dtype=np.float32)]
            def fit(self, parameters, config):
                return parameters, 1, {}
            def evaluate(self, parameters, config):
                return 0.0, 1, {"accuracy": 0.0}
        def client_fn(cid, config):
            return Echo(int(config["size"]))
        """

    static func run(_ arguments: [String]) throws {
        let python = value(of: "--python", in: arguments) ?? "python3"
        let workers = Int(value(of: "--workers", in: arguments) ?? "2") ?? 2
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedchain-bench-bridge-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let module = directory.appendingPathComponent("echo.py").path
        try echo.write(toFile: module, atomically: true, encoding: .utf8)

        let sizes = value(of: "--size", in: arguments).flatMap(Int.init).map { [$0] } ?? [8, 1_000_000]
        for size in sizes {
            let bridge = try trainer(python: python, module: module, workers: 1, clients: 1, size: size)
            let model = try bridge.initialParameters(seed: 0)
            let task = [FitTask(client: 0, round: 1, epochs: 1, seed: 0)]
            _ = try bridge.fit(task, from: model, mu: 0)   // warm up
            let calls = size > 1000 ? 50 : 2000
            let start = monotonic()
            for _ in 0..<calls { _ = try bridge.fit(task, from: model, mu: 0) }
            let perCall = (monotonic() - start) / Double(calls)
            bridge.close()
            print(String(format: "bridge round trip, %d float32 (%.1f MB each way): %.3f ms per fit call", size, Double(size * 4) / 1e6, perCall * 1e3))
        }
        for count in Set([1, workers]).sorted() where value(of: "--size", in: arguments) == nil {
            let clients = 1_000, size = 100_000
            let bridge = try trainer(python: python, module: module, workers: count, clients: clients, size: size)
            let model = try bridge.initialParameters(seed: 0)
            let tasks = (0..<clients).map { FitTask(client: $0, round: 1, epochs: 1, seed: UInt64($0)) }
            let start = monotonic()
            _ = try bridge.fit(tasks, from: model, mu: 0)
            let elapsed = monotonic() - start
            bridge.close()
            print(String(format: "1,000 clients x %d float32, %d worker(s): %.2f s per round, %.2f ms per client call", size, count, elapsed,
                         elapsed / Double(clients) * 1e3))
        }
    }

    static func trainer(python: String, module: String, workers: Int, clients: Int, size: Int) throws -> PythonTrainer {
        let settings = PythonTrainerSettings(python: python, module: module, workers: workers, timeoutS: 600, flopsPerExample: 0,
                                             datasetKind: "none", datasetPath: "", local: LocalTraining(epochs: 1, batchSize: 1, learningRate: 0.1),
                                             config: ["size": .int(Int64(size))])
        return try PythonTrainer(settings: settings, partitions: (0..<clients).map { ([$0], [$0]) }, evaluators: [0],
                                 evaluationSeeds: RandomStreams(seed: 1).stream("fl.eval_seeds"))
    }

    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}
