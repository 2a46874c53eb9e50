import Foundation
import Metrics
import XCTest

final class SweepCLITests: XCTestCase {
    /// A sweep killed with SIGKILL midway leaves only complete files under final names; the
    /// rerun finishes the rest, and every run is there once.
    func testKilledSweepResumes() throws {
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sweep = dir.appendingPathComponent("sweep.yaml")
        let config = Harness.packageRoot.appendingPathComponent("experiments/selfish-mining/config.yaml").path
        try "base: \(config)\ngrid: {adversary.share: [0.1, 0.2, 0.3, 0.4], adversary.gamma: [0, 1]}\n".write(to: sweep, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("runs")
        let process = Process()
        process.executableURL = try Harness.fedchain
        process.arguments = ["sweep", sweep.path, "--jobs", "1", "--output-dir", out.path]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Kill it once the first run has finished (not after a fixed delay, which a busy machine
        // may not reach the first file in).
        func done() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []).filter { $0.hasSuffix(".h5") } }
        let deadline = Date().addingTimeInterval(300)
        while done().isEmpty && process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let finished = done()
        XCTAssertGreaterThan(finished.count, 0, "the first run finished before the kill")
        XCTAssertLessThan(finished.count, 8, "killed midway")
        for name in finished { XCTAssertTrue(try HDF5File(readingAt: out.appendingPathComponent(name).path).exists("/summary"), name) }

        let rerun = try Harness.run(try Harness.fedchain, ["sweep", sweep.path, "--jobs", "2", "--output-dir", out.path])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("\(8 - finished.count) ran, \(finished.count) already done, 0 failed"), rerun.stdout)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path)
        XCTAssertEqual(names.filter { $0.hasSuffix(".h5") }.count, 8)
        XCTAssertEqual(names.count, 8, "no temporaries left: \(names)")
        let merged = try Harness.run(try Harness.fedchain, ["merge", out.path])
        XCTAssertEqual(merged.status, 0)
        XCTAssertEqual(try HDF5File(readingAt: out.appendingPathComponent("sweep.h5").path).rowCount("/runs"), 8)
    }

    /// `--dry-run` lists the runs; a bad sweep file exits 2 with its location.
    func testDryRunAndErrors() throws {
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sweep = dir.appendingPathComponent("s.yaml")
        try "base: {stop: {blocks: 2}}\nreplicates: 3\ngrid: {network.nodes: [10, 20]}\n".write(to: sweep, atomically: true, encoding: .utf8)
        let dry = try Harness.run(try Harness.fedchain, ["sweep", sweep.path, "--dry-run", "--shard", "2/2"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.hasPrefix("3 runs (of 6)"), dry.stdout)
        try "base: {stop: {blocks: 2}}\ngrid: {network.nodes: [10, -1]}\n".write(to: sweep, atomically: true, encoding: .utf8)
        let bad = try Harness.run(try Harness.fedchain, ["sweep", sweep.path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("s.yaml:2:28: network.nodes: expected an integer from 2"), bad.stderr)
    }

    /// `fedchain reproduce` on the reduced selfish-mining experiment: every figure within its
    /// (widened) tolerance.
    func testReproduceQuick() throws {
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Harness.run(try Harness.fedchain, ["reproduce", "selfish-mining", "--quick", "--jobs", "2", "--output-dir", dir.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("21 of 21 within tolerance"), result.stdout)
        XCTAssertTrue(result.stdout.contains("(quick: reduced size, every tolerance x3; a quick pass is a smoke test, not the reproduction)"),
                      result.stdout)
        XCTAssertTrue(result.stdout.contains("| quantity | reference | published |"), result.stdout)
        XCTAssertTrue(result.stdout.contains("| closed form |"), result.stdout)
    }

    /// The NIID-Bench table's pipeline at smoke-test size: every strategy on every partition runs
    /// natively on Fashion-MNIST with simple-cnn (1 round), and the table compares each cell's
    /// best test accuracy (a number between chance and 1) with the reference.
    func testReproduceNIIDBenchQuick() throws {
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = try Harness.run(try Harness.fedchain, ["reproduce", "niid-bench-fmnist", "--quick", "--jobs", "2", "--output-dir", dir.path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("20 of 20 within tolerance"), result.stdout)
        let rows = result.stdout.split(separator: "\n").filter { $0.contains(": best test accuracy |") }
        XCTAssertEqual(rows.count, 20, result.stdout)
        for row in rows {
            let simulated = Double(row.split(separator: "|")[3].trimmingCharacters(in: .whitespaces)) ?? .nan
            XCTAssertTrue((0.05...1).contains(simulated), String(row))
        }
    }

    /// The trust reproductions at smoke-test size: every run of each finishes and the table has
    /// a row per quantity. DP-FedAvg's quick size keeps q = 0.1 and 30 rounds, so its epsilons
    /// are the full size's and must match dp-accounting's within 1 %.
    func testReproduceTrustExperimentsQuick() throws {
        try assertQuickReproductions([("flanders-gaussian", 6), ("biscotti-poisoning", 1), ("dp-fedavg-fmnist", 6)])
    }

    /// The transaction and market reproductions at smoke-test size: every figure within its
    /// (widened) tolerance.
    func testReproduceTransactionExperimentsQuick() throws {
        try assertQuickReproductions([("tx-bulk-queue", 4), ("eip1559-equilibrium", 4), ("compute-market", 3), ("data-market-budget", 6)])
    }

    /// Runs `reproduce NAME --quick` for each experiment: it exits 0 with all its quantities
    /// (the count given) within tolerance.
    private func assertQuickReproductions(_ experiments: [(name: String, quantities: Int)], file: StaticString = #filePath, line: UInt = #line) throws {
        for (name, quantities) in experiments {
            let dir = try Harness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let result = try Harness.run(try Harness.fedchain, ["reproduce", name, "--quick", "--jobs", "2", "--output-dir", dir.path])
            XCTAssertEqual(result.status, 0, name + ": " + result.stdout + result.stderr, file: file, line: line)
            XCTAssertTrue(result.stdout.contains("\(quantities) of \(quantities) within tolerance"), name + ": " + result.stdout, file: file, line: line)
        }
    }

    /// Text axes of a merged sweep reach plot.py as `str`, so a comparison with "pos" holds and
    /// legends show `pos`, not `b'pos'`; integer axes stay integers in sweep.h5.
    func testMergedTextAxesDecodeAsStrAndIntegerAxesStayIntegers() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sweep = dir.appendingPathComponent("kinds.yaml")
        try "base: {stop: {blocks: 2}}\ngrid: {consensus.kind: [pow, pos], network.nodes: [20, 30]}\n".write(to: sweep, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out").path
        XCTAssertEqual(try Harness.run(fedchain, ["sweep", sweep.path, "--output-dir", out]).status, 0)
        XCTAssertEqual(try Harness.run(fedchain, ["merge", out]).status, 0)
        let check = try Harness.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", """
            import sys; sys.path.insert(0, "scripts"); import plot, h5py
            t = plot.runs("\(out)")
            kinds = list(t["consensus.kind"])
            assert all(type(k) is str for k in kinds), kinds
            assert sorted(kinds) == ["pos", "pos", "pow", "pow"], kinds
            assert h5py.File("\(out)/sweep.h5")["runs"].dtype["network.nodes"].kind == "i"
            print("ok")
            """])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertEqual(check.stdout, "ok\n")
    }
}
