import Foundation
import Metrics
import Scenario
import Sweep
import XCTest

final class SweepTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedchain-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A sweep of tiny PoW runs: 2 x 2 grid, 2 replicates.
    func tinySweep() throws -> SweepPlan {
        _ = try write("base.yaml", "network: {nodes: 30}\nstop: {blocks: 5}\nconsensus: {block_interval_s: 60, block_size_bytes: 20000}\n")
        let path = try write("sweep.yaml", """
            base: base.yaml
            seed: 3
            replicates: 2
            grid:
              network.nodes: [20, 30]
              consensus.block_interval_s: [30, 60]

            """)
        return try SweepPlan(SweepSpec.load(path: path))
    }

    func files(_ directory: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            result[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return result
    }

    /// Grid x replicates, stable run ids, seeds shared by a replicate across points.
    func testExpansion() throws {
        let plan = try tinySweep()
        XCTAssertEqual(plan.runs.count, 8)
        XCTAssertEqual(Set(plan.runs.map(\.runID)).count, 8, "distinct configs, distinct ids")
        XCTAssertEqual(plan.runs.map(\.replicate), [0, 1, 0, 1, 0, 1, 0, 1])
        XCTAssertEqual(Set(plan.runs.filter { $0.replicate == 0 }.map(\.seed)), [SweepPlan.replicateSeed(3, 0)])
        XCTAssertEqual(plan.runs[2].axes.map(\.value), ["20", "60"])
        XCTAssertEqual(plan.runs[2].setup.config.network.nodes, 20)
        XCTAssertEqual(plan.runs[2].setup.config.consensus.blockIntervalS, 60)
        XCTAssertEqual(try tinySweep().runs.map(\.runID), plan.runs.map(\.runID), "ids are stable")

        let mixed = try write("mixed.yaml", """
            base: {network: {nodes: 20}, stop: {blocks: 3}}
            zip: {consensus.block_interval_s: [600, 60], consensus.block_size_bytes: [535000, 53500]}
            runs: [{adversary.kind: selfish, adversary.share: 0.3}, {}]
            random: {count: 3, axes: {adversary.gamma: {uniform: [0, 1]}, network.outbound_peers: {integer: [2, 6]}}}

            """)
        let expanded = try SweepPlan(SweepSpec.load(path: mixed))
        XCTAssertEqual(expanded.runs.count, 2 * 2 + 3)
        XCTAssertEqual(expanded.runs[1].axes.map(\.key), ["consensus.block_interval_s", "consensus.block_size_bytes"])
        XCTAssertEqual(expanded.runs[2].setup.config.consensus.blockSizeBytes, 53500)
        XCTAssertEqual(expanded.runs[0].setup.config.adversary.share, 0.3)
        let gammas = expanded.runs.suffix(3).map(\.setup.config.adversary.gamma)
        XCTAssertTrue(gammas.allSatisfy { (0..<1).contains($0) })
        XCTAssertEqual(try SweepPlan(SweepSpec.load(path: mixed)).runs.map(\.runID), expanded.runs.map(\.runID), "random draws come from the sweep seed")
    }

    /// `--jobs 2` writes the same files, byte for byte, as `--jobs 1`; merge gives one row per
    /// run with the axes and summary keys.
    func testJobsDoNotChangeResults() throws {
        let plan = try tinySweep()
        let one = dir.appendingPathComponent("one"), two = dir.appendingPathComponent("two")
        let first = try SweepRunner.run(plan.runs, jobs: 1, directory: one.path) { _ in }
        let second = try SweepRunner.run(plan.runs, jobs: 2, directory: two.path) { _ in }
        XCTAssertEqual(first.ran, 8)
        XCTAssertEqual(second.ran, 8)
        XCTAssertEqual(try files(one), try files(two))
        XCTAssertEqual(try SweepMerge.merge(one.path), 8)
        let merged = try HDF5File(readingAt: one.appendingPathComponent("sweep.h5").path)
        XCTAssertEqual(try merged.rowCount("/runs"), 8)
        XCTAssertEqual(try merged.doubleColumn("/runs", "network.nodes").sorted(), [20, 20, 20, 20, 30, 30, 30, 30])
        XCTAssertEqual(try merged.doubleColumn("/runs", "blocks_main"), [Double](repeating: 5, count: 8))
        let csv = try String(contentsOf: one.appendingPathComponent("sweep.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 9)
        XCTAssertTrue(csv.hasPrefix("run_id,replicate,seed,network.nodes,consensus.block_interval_s,"))
    }

    /// An axis only some runs set stays numeric: NaN where a run lacks it (empty in the CSV);
    /// an axis with a non-number stays text.
    func testMergeKeepsPartlyMissingAxesNumeric() throws {
        let path = try write("partial.yaml", """
            base: {network: {nodes: 20}, stop: {blocks: 3}}
            runs: [{consensus.block_interval_s: 60}, {network.on_disconnected: repair}, {consensus.block_interval_s: 30}]

            """)
        let out = dir.appendingPathComponent("partial")
        _ = try SweepRunner.run(try SweepPlan(SweepSpec.load(path: path)).runs, jobs: 1, directory: out.path) { _ in }
        XCTAssertEqual(try SweepMerge.merge(out.path), 3)
        let merged = try HDF5File(readingAt: out.appendingPathComponent("sweep.h5").path)
        let intervals = try merged.doubleColumn("/runs", "consensus.block_interval_s")
        XCTAssertEqual(intervals.filter { !$0.isNaN }.sorted(), [30, 60])
        XCTAssertEqual(intervals.filter(\.isNaN).count, 1)
        XCTAssertEqual(try merged.stringColumn("/runs", "network.on_disconnected").sorted(), ["", "", "repair"])
        let csv = try String(contentsOf: out.appendingPathComponent("sweep.csv"), encoding: .utf8)
        XCTAssertFalse(csv.contains("nan"), "a missing axis is an empty CSV field")
    }

    /// A rerun skips finished runs and runs the rest; a temporary left by a killed writer is
    /// removed; every run ends present once and readable.
    func testResume() throws {
        let plan = try tinySweep()
        let out = dir.appendingPathComponent("out")
        _ = try SweepRunner.run(Array(plan.runs.prefix(3)), jobs: 2, directory: out.path) { _ in }
        let orphan = out.appendingPathComponent("\(plan.runs[5].runID).h5.tmp-999999-\(UUID().uuidString)")
        try Data("half a file".utf8).write(to: orphan)
        // Unlocked and unchanged for a minute: its writer is dead (a fresh one could be a writer
        // between its open and its flock).
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: orphan.path)
        let report = try SweepRunner.run(plan.runs, jobs: 2, directory: out.path) { _ in }
        XCTAssertEqual(report.skipped, 3)
        XCTAssertEqual(report.ran, 5)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(names, plan.runs.map { "\($0.runID).h5" }.sorted())
        for name in names { XCTAssertTrue(try HDF5File(readingAt: out.appendingPathComponent(name).path).exists("/summary")) }
    }

    /// Shards 1/2 and 2/2 together are the whole sweep, with no run twice.
    func testShardsPartitionTheSweep() throws {
        let plan = try tinySweep()
        let a = plan.shard(1, of: 2), b = plan.shard(2, of: 2)
        XCTAssertEqual(a.count + b.count, plan.runs.count)
        XCTAssertEqual(Set(a.map(\.runID)).union(b.map(\.runID)), Set(plan.runs.map(\.runID)))
        XCTAssertTrue(Set(a.map(\.runID)).isDisjoint(with: b.map(\.runID)))
        let out = dir.appendingPathComponent("sharded")
        _ = try SweepRunner.run(a, jobs: 1, directory: out.path) { _ in }
        _ = try SweepRunner.run(b, jobs: 1, directory: out.path) { _ in }
        XCTAssertEqual(try SweepMerge.merge(out.path), plan.runs.count)
    }

    /// Runs that name the same file share one copy of it (read once at plan time).
    func testRunsShareTheirFiles() throws {
        _ = try write("edges.csv", (0..<19).map { "\($0),\($0 + 1)" }.joined(separator: "\n") + "\n")
        _ = try write("base.yaml", "network: {nodes: 20, edges_file: edges.csv}\nstop: {blocks: 3}\n")
        let plan = try SweepPlan(SweepSpec.load(path: try write("sweep.yaml", "base: base.yaml\nreplicates: 3\n")))
        let buffers = plan.runs.map { $0.setup.edges!.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        XCTAssertEqual(plan.runs.count, 3)
        XCTAssertEqual(Set(buffers).count, 1, "one copy of the edges")
        XCTAssertEqual(plan.runs[2].setup.edges?.count, 19)
    }

    /// A failing run is reported with its error and the others finish.
    func testFailedRunDoesNotStopOthers() throws {
        _ = try write("edges.csv", "0,1\n2,3\n")   // two components and lone nodes
        _ = try write("base.yaml", "network: {nodes: 20, edges_file: edges.csv}\nstop: {blocks: 3}\n")
        let path = try write("sweep.yaml", "base: base.yaml\ngrid: {network.on_disconnected: [error, repair], seed: [1, 2]}\n")
        let plan = try SweepPlan(SweepSpec.load(path: path))
        let report = try SweepRunner.run(plan.runs, jobs: 2, directory: dir.appendingPathComponent("f").path) { _ in }
        XCTAssertEqual(report.ran, 2)
        XCTAssertEqual(report.failed.count, 2)
        XCTAssertTrue(report.failed.allSatisfy { $0.message.contains("network.on_disconnected is error") }, "\(report.failed)")
    }

    /// Bad sweep files are reported like bad configs: file:line:column, key path, expectation.
    func testErrorsAreLocated() throws {
        _ = try write("base.yaml", "network: {nodes: 20}\n")
        func error(_ text: String) throws -> ConfigError? {
            let path = try write("bad.yaml", text)
            do { _ = try SweepPlan(SweepSpec.load(path: path)); return nil } catch let e as ConfigError { return e }
        }
        let path = dir.appendingPathComponent("bad.yaml").path
        var e = try error("base: base.yaml\ngrid:\n  network.nodes: [10, 0]\n")
        XCTAssertEqual(e?.origin, .file(path: path, line: 3, column: 23))
        XCTAssertEqual(e?.keyPath, "network.nodes")
        XCTAssertTrue(e?.message.contains("expected an integer from 2") ?? false, "\(String(describing: e))")

        e = try error("base: base.yaml\ngrid:\n  network.nodse: [10]\n")
        XCTAssertEqual(e?.origin, .file(path: path, line: 3, column: 19))
        XCTAssertTrue(e?.message.contains("did you mean 'nodes'") ?? false, "\(String(describing: e))")

        e = try error("base: base.yaml\ngird: {network.nodes: [10]}\n")
        XCTAssertEqual(e?.origin, .file(path: path, line: 2, column: 1))
        XCTAssertTrue(e?.message.contains("did you mean 'grid'") ?? false)

        e = try error("base: base.yaml\nzip: {network.nodes: [10, 20], seed: [1]}\n")
        XCTAssertEqual(e?.keyPath, "zip.seed")
        XCTAssertTrue(e?.message.contains("lockstep") ?? false)

        e = try error("base: missing.yaml\n")
        XCTAssertEqual(e?.origin, .file(path: path, line: 1, column: 7))
        XCTAssertTrue(e?.message.contains("cannot read the base config") ?? false)

        e = try error("base: base.yaml\nrandom: {count: 2, axes: {adversary.share: {normal: [0, 1]}}}\n")
        XCTAssertEqual(e?.keyPath, "random.axes.adversary.share")

        e = try error("base: base.yaml\nreplicates: 0\n")
        XCTAssertEqual(e?.origin, .file(path: path, line: 2, column: 13))
        XCTAssertEqual(e?.keyPath, "replicates")
    }

    /// The run count is known before anything is expanded: a huge sweep is refused at once
    /// (and allowed by a higher limit); an integer axis wider than the generator's range is an
    /// error at its place.
    func testHugeSweepsAreRefusedBeforeExpanding() throws {
        let huge = try write("huge.yaml", "base: {stop: {blocks: 2}}\nreplicates: 9223372036854775807\ngrid: {network.nodes: [20, 30]}\n")
        XCTAssertEqual(try SweepSpec.load(path: huge).runCount(), Int.max)
        XCTAssertThrowsError(try SweepPlan(SweepSpec.load(path: huge))) { error in
            XCTAssertTrue("\(error)".contains("expands to over 9.2e18 runs, more than the limit of 100000"), "\(error)")
        }
        let grid = try write("grid.yaml", "base: {stop: {blocks: 2}}\nreplicates: 3\ngrid: {network.nodes: [20, 30], seed: [1, 2]}\n")
        XCTAssertEqual(try SweepSpec.load(path: grid).runCount(), 12)
        XCTAssertThrowsError(try SweepPlan(SweepSpec.load(path: grid), maxRuns: 11))
        XCTAssertEqual(try SweepPlan(SweepSpec.load(path: grid), maxRuns: 12).runs.count, 12)
        let wide = try write("wide.yaml", "base: {stop: {blocks: 2}}\nrandom: {count: 3, axes: {network.nodes: {integer: [2, 10000000000]}}}\n")
        XCTAssertThrowsError(try SweepSpec.load(path: wide)) { error in
            XCTAssertTrue("\(error)".contains("wide.yaml:2:"), "\(error)")
            XCTAssertTrue("\(error)".contains("at most 2^32 - 1 apart"), "\(error)")
        }
    }

    /// A run id covers the contents of the files the config names: editing an edge file makes
    /// every run that reads it new, so a rerun does not keep results computed from the old file.
    func testRunIDsCoverInputFileContents() throws {
        _ = try write("ring.txt", "0 1\n1 2\n2 3\n3 0\n")
        let sweep = try write("files.yaml", "base: {network: {nodes: 4, edges_file: ring.txt}, stop: {blocks: 2}}\nreplicates: 2\n")
        let before = try SweepPlan(SweepSpec.load(path: sweep)).runs
        XCTAssertEqual(before[0].setup.inputDigests.map(\.key), ["network.edges_file"])
        XCTAssertEqual(before[0].setup.inputDigests[0].sha256.count, 64)
        let out = dir.appendingPathComponent("files")
        _ = try SweepRunner.run(before, jobs: 1, directory: out.path) { _ in }
        let file = try HDF5File(readingAt: SweepRunner.file(of: before[0], in: out.path))
        XCTAssertEqual(try file.stringAttribute("inputs_sha256"), "network.edges_file: \(before[0].setup.inputDigests[0].sha256)\n")

        _ = try write("ring.txt", "0 1\n1 2\n2 3\n3 0\n0 2\n")
        let after = try SweepPlan(SweepSpec.load(path: sweep)).runs
        XCTAssertEqual(ConfigLoader.yaml(after[0].setup.config), ConfigLoader.yaml(before[0].setup.config), "same config text")
        XCTAssertNotEqual(after.map(\.runID), before.map(\.runID))
        let report = try SweepRunner.run(after, jobs: 1, directory: out.path) { _ in }
        XCTAssertEqual(report.ran, 2, "the edited file's runs are new, not skipped")
        XCTAssertEqual(report.skipped, 0)
    }

    /// Every shipped experiment names the kind of each reference figure; a missing or unknown
    /// kind is an error at its place.
    func testExpectedFilesLabelTheirReferenceKind() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let experiments = root.appendingPathComponent("experiments")
        let names = try FileManager.default.contentsOfDirectory(atPath: experiments.path)
            .filter { FileManager.default.fileExists(atPath: experiments.appendingPathComponent("\($0)/expected.yaml").path) }
        XCTAssertGreaterThanOrEqual(names.count, 8)
        var kinds = Set<String>()
        for name in names {
            let reproduction = try Reproduction(directory: experiments.appendingPathComponent(name).path)
            kinds.formUnion(reproduction.quantities.map(\.reference.rawValue))
        }
        XCTAssertTrue(kinds.isSuperset(of: ["closed form", "published simulation", "protocol guarantee", "identity"]), "\(kinds)")

        let base = "title: t\nsweep: s.yaml\nquantities:\n  - {name: q, metric: m, published: 1, tolerance: 0}\n"
        for (text, message) in [(base, "expected a reference kind"), ("reference: guess\n" + base, "expected one of published measurement")] {
            let folder = dir.appendingPathComponent("exp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try text.write(to: folder.appendingPathComponent("expected.yaml"), atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Reproduction(directory: folder.path)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
    }
}
