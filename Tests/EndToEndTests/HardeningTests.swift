import Foundation
import XCTest

/// Hostile files, full disks and dead writers: every command ends with a message and an exit
/// status from 1 to 127, never a signal, and never loses a file it had written before.
final class HardeningTests: XCTestCase {
    /// A process that holds an exclusive `flock` on `path` for 30 s (terminate it when done).
    private func holdLock(on path: String) throws -> Process {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [path, "sleep", "30"]
        try holder.run()
        Thread.sleep(forTimeInterval: 0.3)
        return holder
    }

    /// A small federated run, the source that the hostile-file generator mutates.
    private func federatedRun(in dir: URL) throws -> String {
        let path = dir.appendingPathComponent("fl.h5").path
        let run = try Harness.run(try Harness.fedchain, ["run", "--quiet", "--output", path, "--set", "network.nodes=40",
                                                         "--set", "federation.rounds=2", "--set", "federation.clients=12",
                                                         "--set", "federation.clients_per_round=4", "--set", "stop={time_s: 100000}"])
        XCTAssertEqual(run.status, 0, run.stderr)
        return path
    }

    /// `inspect`, `verify` and `merge` on every layout of scripts/fuzz/hostile_h5.py: arrays,
    /// empty and odd-typed attributes, tables of the wrong shape or type, dangling links,
    /// shapes far beyond memory.
    func testHostileFilesNeverCrashTheReaders() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try federatedRun(in: dir)
        let marked = try Harness.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", """
            import h5py; f = h5py.File('\(source)', 'r+'); f.attrs['run_id'] = 'r1'; f.attrs['sweep_axes'] = '{network.nodes: 40}'
            """])
        XCTAssertEqual(marked.status, 0, marked.stderr)
        let hostile = dir.appendingPathComponent("hostile")
        let made = try Harness.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "scripts/fuzz/hostile_h5.py", source, hostile.path])
        XCTAssertEqual(made.status, 0, "scripts/fuzz/hostile_h5.py needs h5py (scripts/setup): \(made.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: hostile.path).filter { $0.hasSuffix(".h5") }.sorted()
        XCTAssertGreaterThan(names.count, 150)
        var failures = 0
        for name in names {
            let path = hostile.appendingPathComponent(name).path
            let sweepDir = dir.appendingPathComponent("merge-\(name)")
            try FileManager.default.createDirectory(at: sweepDir, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: path, toPath: sweepDir.appendingPathComponent(name).path)
            for arguments in [["inspect", path], ["verify", path], ["merge", sweepDir.path]] {
                let result = try Harness.run(fedchain, arguments)
                let clean = !result.signalled && result.status < 128 && (result.status == 0 || result.stderr.hasPrefix("fedchain: error: "))
                if !clean {
                    failures += 1
                    XCTFail("\(arguments.joined(separator: " ")): status \(result.status) signalled \(result.signalled): \(result.stderr.prefix(400))")
                }
            }
        }
        XCTAssertEqual(failures, 0)
        let array = try Harness.run(fedchain, ["inspect", hostile.appendingPathComponent("attr_summary_blocks_total_int_array.h5").path])
        XCTAssertEqual(array.status, 1)
        XCTAssertTrue(array.stderr.contains("/summary attribute blocks_total: expected a scalar integer, found int64[3]"), array.stderr)
        XCTAssertEqual(array.stdout, "", "nothing is printed before the error")
    }

    /// A write that fails part-way (here a file-size limit, as a full disk would) is reported,
    /// leaves no temporary and keeps the previous file; no command crashes on its way out.
    func testFailedWriteKeepsTheOldFileAndExitsCleanly() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("q.h5").path
        let first = try Harness.run(fedchain, ["run", "--quiet", "--set", "network.nodes=20", "--set", "stop.blocks=3", "--output", output])
        XCTAssertEqual(first.status, 0, first.stderr)
        let before = try Data(contentsOf: URL(fileURLWithPath: output))
        let limited = "ulimit -f 8; exec \"$0\" \"$@\""   // 8 KiB: every run file is larger
        let cases: [[String]] = [
            ["run", "--quiet", "--set", "network.nodes=200", "--output", output],
            ["merge", dir.path],
        ]
        try "{network.nodes: 20}".write(to: dir.appendingPathComponent("x.h5.yaml"), atomically: true, encoding: .utf8)
        for arguments in cases {
            let result = try Harness.run(URL(fileURLWithPath: "/bin/sh"), ["-c", limited, fedchain.path] + arguments)
            XCTAssertFalse(result.signalled, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("File too large"), result.stderr)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output)), before, "the old file is kept")
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
            XCTAssertEqual(left, [], "no temporary is left")
        }
        let sweep = dir.appendingPathComponent("s.yaml")
        try "base: {stop: {blocks: 3}}\ngrid: {network.nodes: [20, 30]}\n".write(to: sweep, atomically: true, encoding: .utf8)
        let sweepDir = dir.appendingPathComponent("sweep")
        let result = try Harness.run(URL(fileURLWithPath: "/bin/sh"), ["-c", limited, fedchain.path, "sweep", sweep.path, "--output-dir", sweepDir.path])
        XCTAssertFalse(result.signalled, result.stderr)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stdout.contains("2 failed"), result.stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sweepDir.path), [])
    }

    /// A killed writer's temporary (its lock is gone) is removed by the next run of the same
    /// output or the next sweep in its folder; a live one (locked) is kept.
    func testDeadTemporariesAreRemovedAndLiveOnesKept() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("q.h5").path
        let dead = output + ".tmp-999999-\(UUID().uuidString)"
        let live = output + ".tmp-1-\(UUID().uuidString)"
        let unrelated = dir.appendingPathComponent("notes.tmp-keep").path
        for path in [dead, live, unrelated] {
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
            let old = Date(timeIntervalSinceNow: -60)
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        }
        // Another process holds the live one's lock for the whole run (as a writer on another
        // machine of the cluster would).
        let holder = try holdLock(on: live)
        defer { holder.terminate() }
        let result = try Harness.run(fedchain, ["run", "--quiet", "--set", "network.nodes=20", "--set", "stop.blocks=2", "--output", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead), "the dead temporary is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: live), "a locked temporary is alive and kept")
        XCTAssertTrue(FileManager.default.fileExists(atPath: unrelated), "a file that is not a temporary is kept")
    }

    /// `-o` onto the config itself, a directory, a FIFO or a device is refused before running.
    func testOutputOntoAnInputOrASpecialFileIsRefused() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("c.yaml")
        try "network: {nodes: 20}\nstop: {blocks: 2}\n".write(to: config, atomically: true, encoding: .utf8)
        let fifo = dir.appendingPathComponent("pipe").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        for (target, expected) in [(config.path, "that is the input file"), (dir.path, "a directory"), (fifo, "a FIFO"), ("/dev/null", "a device")] {
            let result = try Harness.run(fedchain, ["run", config.path, "--output", target])
            XCTAssertEqual(result.status, 2, result.stderr)
            XCTAssertTrue(result.stderr.contains(expected), result.stderr)
        }
        XCTAssertEqual(try String(contentsOf: config, encoding: .utf8), "network: {nodes: 20}\nstop: {blocks: 2}\n")
    }

    /// Every case of scripts/fuzz/hostile_data.py is refused before anything is allocated or
    /// run: exit 2, the data file and the key named, no signal; the good file runs.
    func testHostileDataFilesAreLocatedErrors() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try Harness.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "scripts/fuzz/hostile_data.py", dir.path])
        XCTAssertEqual(made.status, 0, "scripts/fuzz/hostile_data.py needs h5py (scripts/setup): \(made.stderr)")
        let expected = [
            "huge_declared": "more than this machine's memory can hold", "int_overflow_declared": "more than this machine's memory can hold",
            "no_feature_columns": "X has no feature columns", "label_int32_max": "y row 17 is 2147483647.0; expected an integer class",
            "label_1e5": "y row 17 is 100000.0", "label_inf": "y row 17 is inf", "label_nan": "y row 17 is nan",
            "label_negative": "y row 17 is -1.0", "label_fractional": "y row 17 is 1.5", "feature_nan": "X row 5, column 2 is nan",
            "feature_inf": "X row 5, column 2 is inf", "fewer_rows_than_clients": "federation.clients: the data set has 5 rows",
        ]
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".h5") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 20)
        for name in names {
            let path = dir.appendingPathComponent(name).path
            let result = try Harness.run(fedchain, ["run", "--quiet", "-o", dir.appendingPathComponent("out.h5.run").path,
                                                    "--set", "network.nodes=20", "--set", "federation.rounds=1", "--set", "federation.clients=10",
                                                    "--set", "federation.clients_per_round=5", "--set", "federation.dataset.kind=hdf5",
                                                    "--set", "federation.dataset.path=\(path)", "--set", "stop={time_s: 1000}"])
            XCTAssertFalse(result.signalled, "\(name): \(result.stderr)")
            if name == "good.h5" {
                XCTAssertEqual(result.status, 0, result.stderr)
                continue
            }
            XCTAssertEqual(result.status, 2, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("fedchain: error: \(path): federation."), "\(name): \(result.stderr)")
            if let text = expected[String(name.dropLast(3))] { XCTAssertTrue(result.stderr.contains(text), "\(name): \(result.stderr)") }
        }
    }

    /// `verify` reports every edit a careless hand or script makes to a federated run file, with
    /// the round and the field: truncation, columns outside the on-chain record, rewards, the
    /// summary's round count and the stored config.
    func testVerifyReportsEveryEditWithRoundAndField() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = dir.appendingPathComponent("fl.h5").path
        let run = try Harness.run(fedchain, ["run", "--quiet", "--output", source, "--set", "network.nodes=40", "--set", "federation.rounds=3",
                                             "--set", "federation.clients=12", "--set", "federation.clients_per_round=4",
                                             "--set", "stop={time_s: 100000}"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try Harness.run(fedchain, ["verify", source]).status, 0)
        let made = try Harness.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "scripts/fuzz/tampered_fl.py", source, dir.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        let expected = [
            "truncated": "/fl/rounds has 0 rows but summary.fl_rounds is 3", "last_round_removed": "/fl/rounds has 2 rows",
            "participants": "round 2: fl/rounds.participants changed", "dropped": "round 3: fl/rounds.dropped changed",
            "block": "round 1: fl/rounds.block changed", "start_ns": "round 2: fl/rounds.start_ns changed",
            "aggregator": "round 3: fl/rounds.aggregator changed", "reward": "round 1: fl/participants.reward changed",
            "fl_reward": "node 4: fl_reward 77.0 is not the sum of its rewards", "summary_rounds": "summary.fl_rounds changed",
            "config": "config changed since the run wrote it",
        ]
        for (name, text) in expected {
            let result = try Harness.run(fedchain, ["verify", dir.appendingPathComponent("\(name).h5").path])
            XCTAssertEqual(result.status, 1, "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(text), "\(name): \(result.stderr)")
        }
    }

    /// Sweeps sharing a folder (the Slurm set-up): a temporary whose writer holds its lock, even
    /// one with a pid this machine does not know and an old timestamp, is never removed by
    /// another sweep's resume.
    func testSweepsSharingAFolderKeepEachOthersLiveTemporaries() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let live = out.appendingPathComponent("0123456789abcdef.h5.tmp-424242-\(UUID().uuidString)").path
        XCTAssertTrue(FileManager.default.createFile(atPath: live, contents: Data("being written".utf8)))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -600)], ofItemAtPath: live)
        let holder = try holdLock(on: live)
        defer { holder.terminate() }
        let sweep = dir.appendingPathComponent("s.yaml")
        try "base: {stop: {blocks: 2}}\ngrid: {network.nodes: [20, 30]}\n".write(to: sweep, atomically: true, encoding: .utf8)
        let result = try Harness.run(fedchain, ["sweep", sweep.path, "-j", "2", "--output-dir", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: live), "another writer's live temporary is kept")
    }

    /// A run whose known allocations exceed the memory it may use (here `ulimit -v`) is refused
    /// up front with the key that drives them, not ended by an allocation abort.
    func testRunsTooLargeForMemoryAreRefusedUpFront() throws {
        let fedchain = try Harness.fedchain
        let limited = "ulimit -v 1500000; exec \"$0\" \"$@\""   // about 1.4 GiB
        let cases = [(["--set", "network.nodes=3000000"], "network.nodes: this run needs about"),
                     (["--set", "federation.rounds=1", "--set", "federation.model.kind=mlp", "--set", "federation.model.hidden=1000000",
                       "--set", "network.nodes=50"], "federation.model.hidden: this run needs about")]
        for (arguments, text) in cases {
            let result = try Harness.run(URL(fileURLWithPath: "/bin/sh"), ["-c", limited, fedchain.path, "run", "--quiet", "-o", "/dev/null/x.h5"] + arguments)
            XCTAssertFalse(result.signalled, result.stderr)
            XCTAssertEqual(result.status, 2, result.stderr)
            XCTAssertTrue(result.stderr.contains(text), result.stderr)
            XCTAssertTrue(result.stderr.contains("more than the"), result.stderr)
        }
    }

    /// A run stopped by SIGTERM or SIGINT ends by that signal and leaves no temporary beside
    /// its output (nor an output file).
    func testSignalledRunLeavesNoTemporary() throws {
        let fedchain = try Harness.fedchain
        for signal in [SIGTERM, SIGINT] {
            let dir = try Harness.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let process = Process()
            process.executableURL = fedchain
            process.arguments = ["run", "--quiet", "-o", dir.appendingPathComponent("long.h5").path,
                                 "--set", "network.nodes=2000", "--set", "stop.blocks=100000"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: 1.0)
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
            XCTAssertEqual(process.terminationStatus, signal)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
        }
    }
}
