import Foundation
import XCTest

/// The `fedchain` binary as a user runs it: exit codes, messages, files.
final class CLITests: XCTestCase {
    func testRunValidateInspectAndH5pyCheck() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("q.h5").path
        let run = try Harness.run(fedchain, ["run", "--quiet", "--set", "network.nodes=300", "--seed", "5", "--output", output])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("stale_rate"), run.stdout)
        XCTAssertTrue(run.stdout.contains("events/s"), run.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["q.h5"], "no temporary left behind")

        let inspect = try Harness.run(fedchain, ["inspect", output])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("/chain/propagation"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("seed: 5"), inspect.stdout)

        let validate = try Harness.run(fedchain, ["validate", "--set", "network.nodes=300"])
        XCTAssertEqual(validate.status, 0)
        XCTAssertTrue(validate.stdout.contains("nodes: 300"), validate.stdout)

        let check = try Harness.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "scripts/check_h5.py", output])
        XCTAssertEqual(check.status, 0, "scripts/check_h5.py (needs h5py: scripts/setup installs it): \(check.stdout) \(check.stderr)")
        XCTAssertTrue(check.stdout.contains(": ok"), check.stdout)
    }

    /// Bad input: a non-zero exit, the located message on stderr, and no output file.
    func testBadInputExitsNonZeroWithLocatedError() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String)] = [
            ("seed: -1\n", "bad.yaml:1:7: seed: expected a non-negative integer"),
            ("network:\n  nodes: 0\n", "bad.yaml:2:10: network.nodes: expected an integer from 2"),
            ("consensus:\n  block_interval_s: \"slow\"\n", "bad.yaml:2:21: consensus.block_interval_s: expected a number, found the string 'slow'"),
            ("network:\n  nodse: 3\n", "bad.yaml:2:3: network.nodse: unknown key; did you mean 'nodes'?"),
        ]
        for (yaml, expected) in cases {
            let config = dir.appendingPathComponent("bad.yaml")
            try yaml.write(to: config, atomically: true, encoding: .utf8)
            let output = dir.appendingPathComponent("out.h5").path
            let result = try Harness.run(fedchain, ["run", config.path, "--output", output], in: dir)
            XCTAssertEqual(result.status, 2, yaml)
            XCTAssertTrue(result.stderr.contains(expected.replacingOccurrences(of: "bad.yaml", with: config.path)), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output))
        }
        let warned = try Harness.run(fedchain, ["validate", "--set", "federation.rounds=3", "--set", "federation.clients_per_round=30", "--set", "federation.dropout=0.3",
                                                 "--set", "federation.secure_aggregation.protocol=secaggplus"])
        XCTAssertEqual(warned.status, 0, "a warning does not stop the command")
        XCTAssertTrue(warned.stderr.hasPrefix("fedchain: warning: federation.secure_aggregation: with dropout 0.3"), warned.stderr)
        let negative = try Harness.run(fedchain, ["validate", "--seed", "-5"])
        XCTAssertEqual(negative.status, 2)
        XCTAssertTrue(negative.stderr.contains("--set seed=-5: seed: expected a non-negative integer, found '-5'"), negative.stderr)
        let missing = try Harness.run(fedchain, ["validate", dir.appendingPathComponent("none.yaml").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no such file"), missing.stderr)
        let notH5 = try Harness.run(fedchain, ["inspect", dir.appendingPathComponent("bad.yaml").path])
        XCTAssertEqual(notH5.status, 1)
        XCTAssertTrue(notH5.stderr.contains("not an HDF5 file"), notH5.stderr)
    }

    /// The CLI's own words: help for the tool and each command (exit 0, on stdout), a version, the experiments listed, a wrong name answered with the
    /// valid ones, and argument errors in the same `fedchain: error:` form and exit 2 as config
    /// errors.
    func testVersionListAndArgumentErrors() throws {
        let fedchain = try Harness.fedchain
        let version = try Harness.run(fedchain, ["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
        for arguments in [["--help"], ["run", "--help"], ["help", "run"], ["sweep", "-h"]] {
            let help = try Harness.run(fedchain, arguments)
            XCTAssertEqual(help.status, 0, "\(arguments): \(help.stderr)")
            XCTAssertTrue(help.stdout.contains("USAGE: fedchain"), "\(arguments): \(help.stdout)")
            XCTAssertEqual(help.stderr, "", "\(arguments)")
        }
        let list = try Harness.run(fedchain, ["reproduce", "--list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains("selfish-mining"), list.stdout)
        XCTAssertTrue(list.stdout.hasPrefix("name "), list.stdout)
        let wrong = try Harness.run(fedchain, ["reproduce", "selfish"])
        XCTAssertEqual(wrong.status, 2)
        XCTAssertTrue(wrong.stderr.hasPrefix("fedchain: error: no experiment 'selfish'"), wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("selfish-mining"), wrong.stderr)
        for arguments in [["run", "--bogus"], ["sweep"], ["sweep", "s.yaml", "--jobs", "many"], ["inspect"]] {
            let result = try Harness.run(fedchain, arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("fedchain: error: "), "\(arguments): \(result.stderr)")
        }
        let missing = try Harness.run(fedchain, ["merge", "/nonexistent-fedchain-dir"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertFalse(missing.stderr.contains("NSCocoaErrorDomain"), missing.stderr)
        XCTAssertTrue(missing.stderr.hasPrefix("fedchain: error: /nonexistent-fedchain-dir"), missing.stderr)
    }

    /// A federated run reports progress (plain lines when stderr is not a terminal): rounds of
    /// the total with the last accuracy, blocks, simulated time and an ETA. The interval is
    /// 2 s of wall time by default; 0 here reports every slice.
    func testFederatedRunPrintsProgress() throws {
        let result = try Harness.run(try Harness.fedchain, [
            "run", "-o", "/tmp/fedchain-progress-\(UUID().uuidString).h5", "--progress-interval", "0", "--set", "network.nodes=40",
            "--set", "federation.rounds=4", "--set", "federation.clients=12", "--set", "federation.clients_per_round=4",
            "--set", "stop={time_s: 100000}"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stderr.split(separator: "\n").filter { $0.contains("FL round") }
        XCTAssertGreaterThanOrEqual(lines.count, 2, result.stderr)
        XCTAssertFalse(result.stderr.contains("\u{1B}[K"), "no terminal control codes in a pipe")
        XCTAssertTrue(lines.contains { $0.contains("FL round 4 of 4 (test accuracy ") }, result.stderr)
        XCTAssertTrue(lines.allSatisfy { $0.contains("s simulated of 100000") && $0.contains("ETA") }, result.stderr)
    }
}
