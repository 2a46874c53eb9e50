import Foundation
import Metrics
import XCTest

/// The Python trainer bridge through the CLI: a NumPy client (examples/pytorch-fmnist/
/// numpy_client.py) on HDF5 data, every federation feature, determinism over worker counts, and
/// every fault a client or its interpreter can produce.
final class PythonTrainerTests: XCTestCase {
    static let example = Harness.packageRoot.appendingPathComponent("examples/pytorch-fmnist/numpy_client.py").path
    static let faulty = Harness.packageRoot.appendingPathComponent("Tests/Fixtures/faulty_client.py").path

    /// A directory holding `blobs.h5` (1,200 rows of 10 separable classes) and `run.yaml`.
    func workspace(module: String = example) throws -> URL {
        let dir = try Harness.temporaryDirectory()
        let data = try Harness.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", """
            import h5py, numpy as np
            rng = np.random.default_rng(0)
            centres = rng.normal(size=(10, 20)) * 2
            y = rng.integers(0, 10, size=1200)
            with h5py.File('blobs.h5', 'w') as f:
                f['X'] = (centres[y] + rng.normal(size=(1200, 20))).astype(np.float32)
                f['y'] = y
            """], in: dir)
        XCTAssertEqual(data.status, 0, "python3 with h5py and numpy is needed (scripts/setup installs them): \(data.stderr)")
        try """
            seed: 5
            network: {nodes: 20}
            consensus: {kind: pos, block_interval_s: 12}
            stop: {time_s: 100000}
            federation:
              rounds: 2
              clients: 6
              clients_per_round: 6
              dataset: {kind: hdf5, path: blobs.h5, partition: iid}
              local: {epochs: 1, batch_size: 16, learning_rate: 0.1}
              trainer: {kind: python, module: \(module), workers: 2, flops_per_example: 1000}

            """.write(to: dir.appendingPathComponent("run.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    /// Runs `fedchain run run.yaml -o out.h5` with `overrides`.
    func run(_ dir: URL, _ overrides: [String] = [], output: String = "out.h5") throws -> Harness.Result {
        try Harness.run(try Harness.fedchain, ["run", "run.yaml", "-o", output, "--quiet"] + overrides.flatMap { ["--set", $0] }, in: dir)
    }

    /// FedAvg, FedProx with stragglers, SecAgg+, and the server-side strategies (FedAvgM,
    /// FedNova, FedAdam under SecAgg+) all run with a Python client: the model learns, `/fl/clients` holds the partition, `verify` accepts each file, and SecAgg+
    /// reproduces the plain aggregate exactly.
    func testEveryStrategyAndSecureAggregationWithAPythonClient() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let variants: [(String, [String])] = [
            ("fedavg.h5", []),
            ("fedprox.h5", ["federation.strategy={kind: fedprox, mu: 0.1}", "federation.stragglers=0.5", "federation.local.epochs=3"]),
            ("secagg.h5", ["federation.secure_aggregation.protocol=secaggplus", "federation.aggregator=committee"]),
            // Server-side strategies work with any trainer; FedAdam under secure aggregation
            // steps on the securely computed average.
            ("fedavgm.h5", ["federation.strategy={kind: fedavgm, server_momentum: 0.5}"]),
            ("fednova.h5", ["federation.strategy.kind=fednova", "federation.stragglers=0.5", "federation.local.epochs=3"]),
            ("fedadam.h5", ["federation.strategy={kind: fedadam, server_learning_rate: 0.05}",
                            "federation.secure_aggregation.protocol=secaggplus"]),
        ]
        for (name, overrides) in variants {
            let result = try run(dir, overrides, output: name)
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            let path = dir.appendingPathComponent(name).path
            let file = try HDF5File(readingAt: path)
            let accuracy = try file.doubleColumn("/fl/rounds", "test_accuracy")
            XCTAssertEqual(accuracy.count, 2, name)
            XCTAssertGreaterThan(accuracy.last!, 0.5, "\(name): the client learns the separable classes")
            XCTAssertEqual(try file.int64Column("/fl/clients", "train_examples").reduce(0, +) + (try file.int64Column("/fl/clients", "test_examples").reduce(0, +)), 1200)
            XCTAssertEqual(try file.columnNames("/fl/clients").filter { $0.hasPrefix("label_") }.count, 10)
            let verify = try Harness.run(try Harness.fedchain, ["verify", path], in: dir)
            XCTAssertEqual(verify.status, 0, "\(name): \(verify.stdout) \(verify.stderr)")
            if name == "secagg.h5" || name == "fedadam.h5" {
                XCTAssertEqual(try file.attribute("secagg_exact", of: "/summary"), .double(1))
            }
            if name == "fedprox.h5" {
                XCTAssertGreaterThan(try file.int64Column("/fl/rounds", "stragglers").reduce(0, +), 0)
            }
        }
    }

    /// The same config and seed give byte-identical files with 1, 2 and 4 workers, and a
    /// different seed gives a different file.
    func testSameBytesForOneTwoAndFourWorkers() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [Data] = []
        for workers in [1, 2, 4] {
            let name = "w\(workers).h5"
            let result = try run(dir, ["federation.trainer.workers=\(workers)", "federation.strategy={kind: fedprox, mu: 0.01}",
                                       "federation.stragglers=0.3", "federation.local.epochs=2"], output: name)
            XCTAssertEqual(result.status, 0, result.stderr)
            files.append(try Data(contentsOf: dir.appendingPathComponent(name)))
        }
        XCTAssertEqual(files[0], files[1], "1 and 2 workers")
        XCTAssertEqual(files[0], files[2], "1 and 4 workers")
        XCTAssertEqual(try run(dir, ["seed=6"], output: "other.h5").status, 0)
        XCTAssertNotEqual(try Data(contentsOf: dir.appendingPathComponent("other.h5")), files[0])
    }

    /// Every fault of a client is an error naming the client and the round, with exit status
    /// 1-127 (not a crash), and no output file.
    func testClientFaultsNameTheClientAndRound() throws {
        let dir = try workspace(module: Self.faulty)
        defer { try? FileManager.default.removeItem(at: dir) }
        // (the fault's config, further overrides, what the error must say)
        let cases: [(fault: String, overrides: [String], expected: [String])] = [
            ("fault: raise", [], ["round 2, client 4: fit raised ValueError: client refused to train", "Traceback", "faulty_client.py"]),
            ("fault: shape", [], ["round 2, client 4: fit returned array 0 as float32 [3, 3], expected float32 [20, 10]"]),
            ("fault: count", [], ["round 2, client 4: fit returned 1 arrays, expected 2"]),
            ("fault: dtype", [], ["round 2, client 4: fit's parameters[0] has dtype float16"]),
            ("fault: 'nan'", [], ["round 2, client 4: fit returned nan in array 0 at flat index 0; parameters must be finite"]),
            ("fault: 'inf'", [], ["round 2, client 4: fit returned inf in array 1"]),
            ("fault: zero_examples", [], ["round 2, client 4: fit returned num_examples 0; expected a positive integer"]),
            ("fault: negative_examples", [], ["round 2, client 4: fit returned num_examples -5"]),
            ("fault: not_a_tuple", [], ["round 2, client 4: fit must return (parameters, num_examples, metrics), got list"]),
            ("fault: kill", [], ["round 2, client 4: the Python worker was killed by signal 9 (SIGKILL) during fit"]),
            ("fault: exit", [], ["round 2, client 4: fit raised SystemExit: 3"]),
            ("fault: hang", ["federation.trainer.timeout_s=2"],
             ["round 2, client 4: fit did not answer within 2.0 s (federation.trainer.timeout_s); its worker was killed"]),
            ("fault: raise, fault_method: evaluate", [], ["round 2, client 4: evaluate raised RuntimeError: evaluation failed on purpose"]),
        ]
        for (index, (fault, overrides, expected)) in cases.enumerated() {
            let output = "fault\(index).h5"
            let result = try run(dir, ["federation.trainer.config={\(fault), fault_client: 4, fault_round: 2}"] + overrides, output: output)
            XCTAssertFalse(result.signalled, "\(fault): FedChain itself must not crash")
            XCTAssertTrue((1...127).contains(result.status), "\(fault): exit \(result.status)")
            for text in expected { XCTAssertTrue(result.stderr.contains(text), "\(fault): expected '\(text)' in:\n\(result.stderr)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent(output).path), "\(fault): no output")
        }
    }

    /// The PyTorch example (examples/pytorch-fmnist: simple-cnn on Fashion-MNIST, PoS, SecAgg+),
    /// shortened to 2 rounds of 3 clients out of 60: it learns, SecAgg+ is exact, and 1 and 2
    /// workers give the same bytes (torch's deterministic CPU algorithms, one thread).
    func testPyTorchExampleShortRun() throws {
        let torch = try Harness.run(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", "import torch"])
        XCTAssertEqual(torch.status, 0, "Debian's python3-torch is needed (scripts/setup installs it): \(torch.stderr)")
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = Harness.packageRoot.appendingPathComponent("examples/pytorch-fmnist/fmnist.yaml").path
        var files: [Data] = []
        for workers in [1, 2] {
            let output = dir.appendingPathComponent("w\(workers).h5").path
            let result = try Harness.run(try Harness.fedchain, ["run", config, "-o", output, "--quiet",
                                                               "--set", "federation.rounds=2", "--set", "federation.clients=60",
                                                               "--set", "federation.clients_per_round=3", "--set", "federation.local.epochs=1",
                                                               "--set", "federation.trainer.eval_clients=3",
                                                               "--set", "federation.dataset.partition=iid", "--set", "federation.local.learning_rate=0.05",
                                                               "--set", "federation.local.batch_size=16",
                                                               "--set", "federation.trainer.workers=\(workers)"])
            XCTAssertEqual(result.status, 0, result.stderr)
            files.append(try Data(contentsOf: URL(fileURLWithPath: output)))
            let file = try HDF5File(readingAt: output)
            XCTAssertEqual(try file.attribute("secagg_exact", of: "/summary"), .double(1))
            XCTAssertGreaterThan(try file.doubleColumn("/fl/rounds", "test_accuracy").last!, 0.2, "better than chance (0.1) after 2 rounds")
            XCTAssertEqual(try file.int64Column("/fl/clients", "train_examples").reduce(0, +), 60_000)
        }
        XCTAssertEqual(files[0], files[1], "1 and 2 workers")
    }

    /// The native and the Python trainers get the same partition: with the same seed, a native
    /// run and a Python run on Fashion-MNIST write the same `/fl/clients` (NIID-Bench's #C=2).
    func testNativeAndPythonTrainersSeeTheSamePartition() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let common = ["federation.dataset={kind: fashion_mnist, partition: labels_per_client, labels_per_client: 2}",
                      "federation.rounds=1", "federation.clients_per_round=2", "federation.trainer.eval_clients=1"]
        XCTAssertEqual(try run(dir, common + ["federation.trainer.kind=native"], output: "native.h5").status, 0)
        XCTAssertEqual(try run(dir, common, output: "python.h5").status, 0)
        let native = try HDF5File(readingAt: dir.appendingPathComponent("native.h5").path)
        let python = try HDF5File(readingAt: dir.appendingPathComponent("python.h5").path)
        let columns = try native.columnNames("/fl/clients")
        XCTAssertEqual(columns, try python.columnNames("/fl/clients"))
        for column in columns { XCTAssertEqual(try native.int64Column("/fl/clients", column), try python.int64Column("/fl/clients", column), column) }
        let held = try (0..<10).map { try native.int64Column("/fl/clients", "label_\($0)") }
        for client in 0..<6 {
            XCTAssertEqual(held.filter { $0[client] > 0 }.count, 2, "client \(client) holds 2 classes")
            XCTAssertGreaterThan(held[client % 10][client], 0, "client \(client) holds class \(client) mod 10")
        }
    }

    /// Problems with the module or the interpreter: each a clear error, no output file.
    func testModuleAndInterpreterProblems() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "def client_fn(cid, config)\n    return None\n".write(to: dir.appendingPathComponent("syntax.py"), atomically: true, encoding: .utf8)
        try "import numpy\n".write(to: dir.appendingPathComponent("nofn.py"), atomically: true, encoding: .utf8)
        // An interpreter without site-packages: NumPy cannot be imported.
        let bare = dir.appendingPathComponent("bare-python")
        try "#!/bin/sh\nexec python3 -S \"$@\"\n".write(to: bare, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bare.path)
        let cases: [(overrides: [String], status: ClosedRange<Int32>, expected: [String])] = [
            (["federation.trainer.module=missing.py"], 2...2, ["federation.trainer.module", "missing.py"]),
            (["federation.trainer.module=syntax.py"], 1...127, ["SyntaxError", "syntax.py"]),
            (["federation.trainer.module=nofn.py"], 1...127, ["nofn.py defines no client_fn(cid, config)"]),
            (["federation.trainer.python=python-that-does-not-exist"], 1...127, ["federation.trainer.python: cannot start 'python-that-does-not-exist' (not found)"]),
            (["federation.trainer.python=\(bare.path)"], 1...127, ["NumPy is not installed for"]),
            (["federation.dataset.kind=synthetic"], 2...2, ["federation.dataset.kind", "expected hdf5 or fashion_mnist with trainer.kind python"]),
        ]
        for (overrides, status, expected) in cases {
            let result = try run(dir, overrides)
            XCTAssertTrue(status.contains(result.status), "\(overrides): exit \(result.status): \(result.stderr)")
            for text in expected { XCTAssertTrue(result.stderr.contains(text), "\(overrides): expected '\(text)' in:\n\(result.stderr)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.h5").path), "\(overrides): no output")
        }
    }
}
