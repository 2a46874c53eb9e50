import Foundation
import XCTest

/// docs/hdf5-schema.json, docs/hdf5-schema.md and what runs write agree: every kind of run
/// passes scripts/check_h5.py (nothing missing, nothing undocumented), every documented item is
/// written by some run, and the page names every item of the JSON.
final class SchemaTests: XCTestCase {
    func testEveryRunKindMatchesTheDocumentedSchema() throws {
        let fedchain = try Harness.fedchain
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let chain = ["--set", "network.nodes=40", "--set", "stop.blocks=5"]
        let federated = ["--set", "network.nodes=40", "--set", "federation.rounds=2", "--set", "federation.clients=12",
                         "--set", "federation.clients_per_round=4", "--set", "stop={time_s: 100000}"]
        let kinds: [(String, [String])] = [
            ("pow", chain + ["--set", "output.receive_times_nodes=5"]), ("praos", chain + ["--set", "consensus.kind=pos"]),
            ("ethereum", chain + ["--set", "consensus.kind=pos", "--set", "consensus.pos.mode=ethereum"]),
            ("hierarchical", chain + ["--set", "consensus.kind=hierarchical", "--set", "consensus.hierarchical.clusters=3"]),
            ("selfish", chain + ["--set", "adversary.kind=selfish", "--set", "adversary.share=0.3"]),
            ("double-spend", chain + ["--set", "adversary.kind=double_spend", "--set", "adversary.share=0.3"]),
            ("fl", federated), ("secagg", federated + ["--set", "federation.secure_aggregation.protocol=secaggplus"]),
            ("tx", chain + ["--set", "consensus.kind=pos", "--set", "workload.transactions={rate_per_s: 50, size_bytes: 500, fee_market: eip1559}"]),
            ("market", chain + ["--set", "consensus.kind=pos", "--set", "workload.compute_market={providers: 3, jobs: 5, job_rate_per_s: 0.05, job_tflop: 50}"]),
            ("data-market", federated + ["--set", "consensus.kind=pos", "--set", "federation.data_market=true", "--set", "federation.target_accuracy=0.2"]),
            ("slashing", federated + ["--set", "consensus.kind=pos", "--set", "federation.strategy.robust={kind: median}",
                                      "--set", "federation.slashing.fraction=0.5"]),
        ]
        var files: [String] = []
        for (name, arguments) in kinds {
            let path = dir.appendingPathComponent("\(name).h5").path
            let run = try Harness.run(fedchain, ["run", "--quiet", "-o", path] + arguments)
            XCTAssertEqual(run.status, 0, "\(name): \(run.stderr)")
            files.append(path)
        }
        let sweep = dir.appendingPathComponent("s.yaml")
        try "base: {stop: {blocks: 2}}\ngrid: {network.nodes: [20, 30]}\n".write(to: sweep, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("sweep")
        XCTAssertEqual(try Harness.run(fedchain, ["sweep", sweep.path, "--output-dir", out.path]).status, 0)
        XCTAssertEqual(try Harness.run(fedchain, ["merge", out.path]).status, 0)
        files += try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".h5") }.map { out.appendingPathComponent($0).path }

        let python = URL(fileURLWithPath: "/usr/bin/env")
        let check = try Harness.run(python, ["python3", "scripts/check_h5.py", "--coverage"] + files)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("ok (run, pos, ethereum)"), check.stdout)
        XCTAssertTrue(check.stdout.contains("ok (merged)"), check.stdout)
        let docs = try Harness.run(python, ["python3", "scripts/check_h5.py", "--docs"])
        XCTAssertEqual(docs.status, 0, docs.stdout)

        // Something written but not documented fails the check.
        let extra = try Harness.run(python, ["python3", "-c", "import h5py; h5py.File('\(files[0])', 'r+')['summary'].attrs['new_key'] = 1.0"])
        XCTAssertEqual(extra.status, 0, extra.stderr)
        let undocumented = try Harness.run(python, ["python3", "scripts/check_h5.py", files[0]])
        XCTAssertEqual(undocumented.status, 1)
        XCTAssertTrue(undocumented.stdout.contains("undocumented summary key new_key"), undocumented.stdout)
    }
}
