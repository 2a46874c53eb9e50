import Foundation
import Metrics
import Scenario
import XCTest

final class FederationRunTests: XCTestCase {
    static let overrides = ["network.nodes=40", "federation.rounds=3", "federation.clients=10", "federation.clients_per_round=5",
                            "federation.local.epochs=2", "stop={time_s: 100000}", "consensus.block_interval_s=20"]

    /// A federated run writes /fl/rounds and the FL summary keys, and `verify` accepts it; a
    /// changed metric, or a changed model hash, is reported at its round.
    func testVerifyAcceptsARunAndFindsTampering() throws {
        let outcome = try Runner.run(RunSetup.quickstart(overrides: Self.overrides))
        XCTAssertEqual(outcome.record.summaryValue("fl_rounds"), .double(3))
        XCTAssertEqual(outcome.stopReason, .queueEmpty, "block production stops after the last round")
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fl.h5").path
        try HDF5Writer.write(outcome.record, to: path)
        let honest = try RecordVerifier.verify(HDF5File(readingAt: path))
        XCTAssertEqual(honest.rounds, 3)
        XCTAssertEqual(honest.problems, [])

        func tampered(_ column: String, row: Int, _ change: (ColumnData, Int) -> ColumnData) throws -> [String] {
            var record = outcome.record
            let table = record.table("/fl/rounds")!
            let columns = table.columns.map { $0.name == column ? Column($0.name, change($0.data, row)) : $0 }
            record.setTable("/fl/rounds", Table(columns, attributes: table.attributes))
            try HDF5Writer.write(record, to: path)
            return try RecordVerifier.verify(HDF5File(readingAt: path)).problems
        }
        let metric = try tampered("test_accuracy", row: 1) { data, row in
            guard case .double(var v) = data else { return data }
            v[row] += 0.01
            return .double(v)
        }
        XCTAssertEqual(metric.count, 2)
        XCTAssertTrue(metric[0].hasPrefix("round 2: the record's fields do not hash"), "\(metric)")
        XCTAssertEqual(metric[1], "round 2: fl/rounds.test_accuracy changed since the run wrote it", "the round and the field")
        let model = try tampered("model_sha256", row: 0) { data, row in
            guard case .string(var v) = data else { return data }
            v[row] = String(repeating: "0", count: 64)
            return .string(v)
        }
        XCTAssertTrue(model.contains { $0.hasPrefix("round 1: the record's fields") }, "\(model)")
        XCTAssertTrue(model.contains { $0.hasPrefix("round 2: its parent is not the previous round's model") }, "\(model)")
    }

    /// The federated run is deterministic like every other run.
    func testFederatedRunIsDeterministic() throws {
        let a = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        let b = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        assertSameTables(a, b, ["/fl/rounds", "/chain/blocks"])
    }

    /// A committee aggregates and rewards follow measured contributions: `/fl/committees` and
    /// the `contribution` and `reward` columns are written, `verify` accepts the run, and a
    /// changed contribution is reported.
    func testCommitteeAndContributionRewards() throws {
        let overrides = Self.overrides + ["federation.aggregator=committee", "federation.committee_size=4", "federation.reward_split=contribution"]
        let outcome = try Runner.run(RunSetup.quickstart(overrides: overrides))
        let record = outcome.record
        guard case .int64(let leader)? = record.table("/fl/committees")?.columns.first(where: { $0.name == "leader" })?.data,
              case .double(let contribution)? = record.table("/fl/participants")?.columns.first(where: { $0.name == "contribution" })?.data,
              case .double(let reward)? = record.table("/fl/participants")?.columns.first(where: { $0.name == "reward" })?.data
        else { return XCTFail("missing FL tables") }
        XCTAssertEqual(leader.filter { $0 == 1 }.count, 3, "one leader per round")
        XCTAssertGreaterThan(leader.count, 3, "committees of more than one node")
        XCTAssertTrue(contribution.allSatisfy { $0 >= 0 })
        XCTAssertEqual(reward.reduce(0, +), 3, accuracy: 1e-9)

        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fl.h5").path
        try HDF5Writer.write(record, to: path)
        XCTAssertEqual(try RecordVerifier.verify(HDF5File(readingAt: path)).problems, [])
        var changed = record
        let table = changed.table("/fl/participants")!
        changed.setTable("/fl/participants", Table(table.columns.map { column in
            guard column.name == "contribution", case .double(var values) = column.data else { return column }
            values[0] += 0.5
            return Column(column.name, .double(values))
        }, attributes: table.attributes))
        try HDF5Writer.write(changed, to: path)
        XCTAssertEqual(try RecordVerifier.verify(HDF5File(readingAt: path)).problems,
                       ["round 1: the record's fields do not hash to its record_sha256 (the record was changed)",
                        "round 1: fl/participants.contribution changed since the run wrote it"])
    }

    /// Secure aggregation in a configured run: `/secagg/rounds` has the four stages per attempt,
    /// the summary keys are there, and settings that cannot work are clear errors.
    func testSecureAggregationRun() throws {
        let overrides = Self.overrides + ["federation.secure_aggregation.protocol=secaggplus", "federation.dropout=0.2"]
        let outcome = try Runner.run(RunSetup.quickstart(overrides: overrides))
        let record = outcome.record
        XCTAssertEqual(record.summaryValue("fl_rounds"), .double(3))
        XCTAssertEqual(record.summaryValue("secagg_exact"), .double(1))
        // The config says 0 and 0 (automatic); the summary holds what the rounds used among 5
        // clients: the smallest even k >= log2 5, and t = k/2 + 1.
        XCTAssertTrue(ConfigLoader.yaml(try RunSetup.quickstart(overrides: overrides).config).contains("neighbours: 0"))
        XCTAssertEqual(record.summaryValue("secagg_neighbours"), .double(4))
        XCTAssertEqual(record.summaryValue("secagg_threshold"), .double(3))
        guard case .double(let bytes)? = record.summaryValue("secagg_bytes_per_client"), case .double(let error)? = record.summaryValue("secagg_max_abs_error")
        else { return XCTFail("missing secagg summary keys") }
        XCTAssertGreaterThan(bytes, 0)
        XCTAssertLessThan(error, 1e-3)
        guard case .string(let stages)? = record.table("/secagg/rounds")?.columns.first(where: { $0.name == "stage" })?.data
        else { return XCTFail("missing /secagg/rounds") }
        XCTAssertEqual(Array(stages.prefix(4)), ["advertise_keys", "share_keys", "masked_input_collection", "unmasking"])

        XCTAssertThrowsError(try RunSetup.quickstart(overrides: overrides + ["federation.reward_split=contribution"])) { error in
            XCTAssertTrue("\(error)".contains("federation.reward_split"), "\(error)")
        }
        XCTAssertThrowsError(try RunSetup.quickstart(overrides: overrides + ["federation.secure_aggregation.threshold=9"])) { error in
            XCTAssertTrue("\(error)".contains("federation.secure_aggregation.threshold"), "\(error)")
        }
        XCTAssertThrowsError(try RunSetup.quickstart(overrides: overrides + ["federation.secure_aggregation.timeout_s=-1"])) { error in
            XCTAssertTrue("\(error)".contains("federation.secure_aggregation.timeout_s: expected 0 or a time from 1e-09 to 1e+10 s, found -1"), "\(error)")
        }
        let timed = try RunSetup.quickstart(overrides: overrides + ["federation.secure_aggregation.timeout_s=20"])
        XCTAssertEqual(timed.config.federation.secureAggregation.timeoutS, 20)
    }

    /// Settings under which most rounds would abort get a warning naming the key; safe ones none.
    func testSecureAggregationAbortWarning() throws {
        let base = Self.overrides + ["network.nodes=100", "federation.clients=60", "federation.clients_per_round=30", "federation.secure_aggregation.protocol=secaggplus"]
        let risky = try RunSetup.quickstart(overrides: base + ["federation.dropout=0.3"]).config.warnings()
        XCTAssertEqual(risky.count, 1)
        XCTAssertTrue(risky[0].hasPrefix("federation.secure_aggregation: with dropout 0.3, about 9"), risky[0])
        XCTAssertTrue(risky[0].contains("(k = 6 neighbours each, threshold t = 4)"), risky[0])
        XCTAssertEqual(try RunSetup.quickstart(overrides: base).config.warnings(), [], "no dropouts, no aborts")
        let wider = base + ["federation.dropout=0.3", "federation.secure_aggregation.neighbours=20", "federation.secure_aggregation.threshold=8"]
        XCTAssertEqual(try RunSetup.quickstart(overrides: wider).config.warnings(), [])
    }

    /// With the same seed, a run with secure aggregation drops the same clients as the run
    /// without it: drops are drawn in plan order when a round starts, not in upload order.
    func testSameSeedDropsTheSameClientsWithAndWithoutSecureAggregation() throws {
        let base = Self.overrides + ["federation.dropout=0.3", "federation.clients_per_round=8", "federation.secure_aggregation.threshold=2"]
        func participants(_ extra: [String]) throws -> [[Int64]] {
            let record = try Runner.run(RunSetup.quickstart(overrides: base + extra)).record
            guard case .int64(let rounds)? = record.table("/fl/participants")?.columns.first(where: { $0.name == "round" })?.data,
                  case .int64(let nodes)? = record.table("/fl/participants")?.columns.first(where: { $0.name == "node" })?.data else { return [] }
            return (1...3).map { round in rounds.indices.filter { rounds[$0] == round }.map { nodes[$0] } }
        }
        let plain = try participants([])
        let secure = try participants(["federation.secure_aggregation.protocol=secagg"])
        XCTAssertEqual(plain.count, 3)
        XCTAssertEqual(plain[0], secure[0], "round 1: the same clients survive")
        XCTAssertLessThan(plain[0].count, 8, "some client dropped, so the comparison means something")
    }
}
