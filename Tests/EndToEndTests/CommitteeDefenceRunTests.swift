import Foundation
import Metrics
import Scenario
import XCTest

/// The committee as the defence: every member runs Multi-Krum and votes; a majority decides.
final class CommitteeDefenceRunTests: XCTestCase {
    /// Proof of stake, 12 clients of which 2 sign-flip (nodes 3 and 8); a committee of the 3
    /// latest distinct producers runs Multi-Krum (m 10, which rejects exactly the flippers).
    static let overrides = SlashingRunTests.overrides.filter { !$0.hasPrefix("federation.slashing") }
        + ["federation.aggregator=committee", "federation.committee_size=3", "consensus.block_interval_s=5"]

    private func ints(_ record: RunRecord, _ table: String, _ name: String) -> [Int64] {
        guard case .int64(let values)? = record.table(table)?.columns.first(where: { $0.name == name })?.data else { return [] }
        return values
    }

    /// Rounds' committees: (members, colluding members), in round order.
    private func committees(_ record: RunRecord) -> [(members: Int, colluding: Int, rejected: [Int64])] {
        let round = ints(record, "/fl/committees", "round"), malicious = ints(record, "/fl/committees", "malicious")
        let rejected = ints(record, "/fl/committees", "rejected")
        return Set(round).sorted().map { r in
            let rows = round.indices.filter { round[$0] == r }
            return (rows.count, rows.filter { malicious[$0] == 1 }.count, rows.map { rejected[$0] })
        }
    }

    /// Attackers without stake: no seat, every honest member rejects both flippers, and the
    /// record says so.
    func testHonestCommitteeRejectsTheAttackers() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["federation.attack.stake_share=0.0001"])).record
        XCTAssertEqual(ints(record, "/fl/rounds", "malicious_accepted"), [0, 0, 0, 0, 0, 0])
        for committee in committees(record) {
            XCTAssertEqual(committee.colluding, 0)
            XCTAssertEqual(committee.rejected, [Int64](repeating: 2, count: committee.members))
        }
        XCTAssertTrue(committees(record).contains { $0.members == 3 }, "a committee of 3 once the chain has 3 producers")
    }

    /// Attackers with 95 % of the stake win seats; in a round where they hold a majority of the
    /// seats their updates get in, otherwise the honest verdict stands. Colluding members
    /// reject nothing; honest ones reject the 2 flippers.
    func testColludingMajorityLetsTheAttackersIn() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["federation.attack.stake_share=0.95"])).record
        let accepted = ints(record, "/fl/rounds", "malicious_accepted"), malicious = ints(record, "/fl/rounds", "malicious")
        let rounds = committees(record)
        XCTAssertTrue(rounds.contains { 2 * $0.colluding > $0.members }, "some round has a colluding majority")
        for (i, committee) in rounds.enumerated() {
            XCTAssertEqual(accepted[i], 2 * committee.colluding > committee.members ? malicious[i] : 0, "round \(i + 1)")
            XCTAssertEqual(committee.rejected.sorted(), ([Int64](repeating: 0, count: committee.colluding)
                                                         + [Int64](repeating: 2, count: committee.members - committee.colluding)).sorted())
        }
    }

    /// The record of a voting committee's round lists the rejected clients; `verify` accepts it.
    func testVotedRecordsVerify() throws {
        let voting = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["federation.attack.stake_share=0.0001"])).record
        XCTAssertEqual(try verifierProblems(voting), [])
        XCTAssertEqual(ints(voting, "/fl/rounds", "rejected"), [2, 2, 2, 2, 2, 2])
    }
}
