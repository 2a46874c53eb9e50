import Foundation
import Metrics
import Scenario
import XCTest

final class DeterminismTests: XCTestCase {
    func runQuickstart(_ overrides: [String], to path: String) throws -> RunOutcome {
        let outcome = try Runner.run(RunSetup.quickstart(overrides: overrides))
        try HDF5Writer.write(outcome.record, to: path)
        return outcome
    }

    /// The quickstart twice with one seed: byte-identical files. Another seed: another chain.
    func testQuickstartIsByteIdenticalForASeedAndDiffersAcrossSeeds() throws {
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.h5"), b = dir.appendingPathComponent("b.h5"), c = dir.appendingPathComponent("c.h5")
        _ = try runQuickstart([], to: a.path)
        _ = try runQuickstart([], to: b.path)
        _ = try runQuickstart(["seed=43"], to: c.path)
        XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b))
        let chainA = try HDF5File(readingAt: a.path).int64Column("/chain/blocks", "created_ns")
        let chainC = try HDF5File(readingAt: c.path).int64Column("/chain/blocks", "created_ns")
        XCTAssertNotEqual(chainA, chainC)
    }

    /// Slicing the run for progress reports does not change the result.
    func testProgressSlicesDoNotChangeTheResult() throws {
        let setup = try RunSetup.quickstart(overrides: ["network.nodes=300", "stop.blocks=40"])
        var reports = 0
        let sliced = try Runner.run(setup) { _ in reports += 1 }
        let plain = try Runner.run(setup)
        XCTAssertGreaterThan(reports, 0)
        XCTAssertEqual(sliced.eventsProcessed, plain.eventsProcessed)
        XCTAssertEqual(sliced.record.table("/chain/blocks"), plain.record.table("/chain/blocks"))
    }

    /// The time and event limits stop the run where asked.
    func testTimeAndEventStops() throws {
        let timed = try Runner.run(RunSetup.quickstart(overrides: ["stop={time_s: 7200}", "network.nodes=200"]))
        XCTAssertEqual(timed.stopReason, .timeLimit)
        XCTAssertEqual(timed.simTime.seconds, 7200)
        let counted = try Runner.run(RunSetup.quickstart(overrides: ["stop={events: 12345}", "network.nodes=200"]))
        XCTAssertEqual(counted.stopReason, .eventLimit)
        XCTAssertEqual(counted.eventsProcessed, 12345)
    }

    /// Every chain summary key is written, with values that agree with the tables.
    func testSummaryAgreesWithTables() throws {
        let outcome = try Runner.run(RunSetup.quickstart(overrides: ["network.nodes=200", "consensus.block_interval_s=2", "stop.blocks=200"]))
        let record = outcome.record
        let blocks = record.table("/chain/blocks")!
        guard case .uint8(let onMain) = blocks.columns.first(where: { $0.name == "on_main_chain" })!.data else { return XCTFail() }
        let total = record.summaryValue("blocks_total")!.number!, main = record.summaryValue("blocks_main")!.number!
        XCTAssertEqual(Double(blocks.rowCount), total + 1)
        XCTAssertEqual(Double(onMain.filter { $0 == 1 }.count), main + 1)
        XCTAssertEqual(main, 200)
        XCTAssertGreaterThan(total, main, "a 2 s interval on a global network forks")
        XCTAssertEqual(record.summaryValue("stale_rate")!.number!, (total - main) / total, accuracy: 1e-12)
        XCTAssertGreaterThan(record.summaryValue("propagation_p90_s")!.number!, record.summaryValue("propagation_p50_s")!.number!)
    }
}
