import Foundation
import Learning
import Metrics
import Scenario
import XCTest

/// Reputation and slashing in whole runs, stake held by attackers, and label flipping's success.
final class SlashingRunTests: XCTestCase {
    /// Proof of stake, 12 clients, sign flippers 2 and 7 (nodes 3 and 8) that Multi-Krum (m 10)
    /// rejects whenever they take part, and never anyone else.
    static let overrides = TrustRunTests.overrides.filter { !$0.hasPrefix("federation.rounds") }
        + ["federation.rounds=6", "consensus.kind=pos", "consensus.pos.stake={distribution: constant, mean: 2}",
           "federation.strategy.robust={kind: multi_krum, f: 2, m: 10}",
           "federation.slashing={fraction: 0.5, threshold: 0.5, decay: 0.5, exclusion_rounds: 2}"]

    /// Rejected in round 1, reputation 1 -> 0.5 (not below the threshold); rejected again in
    /// round 2, 0.25: slashed (half their stake of 2) and out of rounds 3 and 4; rejected in
    /// round 5, 0.125: slashed again (half of the 1 left) and out of rounds 6 and 7.
    func testRejectedClientsLoseReputationStakeAndSeats() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        XCTAssertEqual(numbers(record, "/fl/rounds", "malicious"), [2, 2, 0, 0, 2, 0])
        XCTAssertEqual(numbers(record, "/fl/rounds", "slashed"), [0, 2, 0, 0, 2, 0])
        XCTAssertEqual(numbers(record, "/fl/rounds", "rejected"), [2, 2, 0, 0, 2, 0])
        XCTAssertEqual(numbers(record, "/fl/rounds", "participants"), [12, 12, 10, 10, 12, 10])
        let reputation = numbers(record, "/nodes", "fl_reputation"), burned = numbers(record, "/nodes", "fl_stake_slashed")
        let slashes = numbers(record, "/nodes", "fl_slashes"), stake = numbers(record, "/nodes", "stake")
        for node in 1...12 {
            let attacker = [3, 8].contains(node)
            XCTAssertEqual(reputation[node], attacker ? 0.125 : 1, "node \(node)")
            XCTAssertEqual(slashes[node], attacker ? 2 : 0, "node \(node)")
            XCTAssertEqual(burned[node], attacker ? 1.5 : 0, accuracy: 1e-12, "node \(node)")
            XCTAssertEqual(stake[node], 2, "the stake column is the configured stake")
        }
        XCTAssertTrue(reputation[0].isNaN, "node 0 aggregates and holds no client")
        XCTAssertEqual(burned[0], 0)
    }

    /// Without slashing, the /nodes columns are absent and every round has the attackers.
    func testNoSlashingWithoutTheSection() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides.filter { !$0.hasPrefix("federation.slashing") })).record
        XCTAssertEqual(numbers(record, "/fl/rounds", "malicious"), [2, 2, 2, 2, 2, 2])
        XCTAssertEqual(numbers(record, "/fl/rounds", "slashed"), [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(numbers(record, "/nodes", "fl_reputation"), [])
    }

    /// `stake_share`: the attackers' nodes hold that share of the total stake, split evenly
    /// here (constant stakes); the honest nodes share the rest.
    func testAttackersHoldTheirStakeShare() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["federation.attack.stake_share=0.4"])).record
        let stake = numbers(record, "/nodes", "stake")
        let total = 2.0 * 40
        XCTAssertEqual(stake.reduce(0, +), total, accuracy: 1e-9)
        XCTAssertEqual(stake[3], 0.2 * total, accuracy: 1e-9)
        XCTAssertEqual(stake[8], 0.2 * total, accuracy: 1e-9)
        XCTAssertEqual(stake[1], 0.6 * total / 38, accuracy: 1e-9)
        XCTAssertEqual(numbers(record, "/nodes", "fl_stake_slashed")[3], 0.75 * 0.2 * total, accuracy: 1e-9)
    }

    /// Each bad setting names its key.
    func testSlashingConfigErrors() throws {
        let plain = Self.overrides.filter { !$0.hasPrefix("federation.strategy.robust") }
        let cases: [([String], [String], String)] = [
            (plain, [], "federation.slashing.fraction"),
            (Self.overrides, ["federation.slashing.threshold=1.5"], "federation.slashing.threshold"),
            (Self.overrides, ["federation.slashing.decay=1"], "federation.slashing.decay"),
            (Self.overrides, ["federation.attack.stake_share=1"], "federation.attack.stake_share"),
            (Self.overrides, ["consensus.kind=pow", "federation.attack.stake_share=0.3"], "federation.attack.stake_share"),
        ]
        for (base, extra, key) in cases {
            XCTAssertThrowsError(try RunSetup.quickstart(overrides: base + extra), "\(extra)") {
                XCTAssertTrue("\($0)".contains(key), "\(extra): \($0)")
            }
        }
        let setup = try RunSetup.quickstart(overrides: Self.overrides + ["consensus.kind=pow"])
        XCTAssertTrue(setup.config.warnings().contains { $0.hasPrefix("federation.slashing.fraction: proof of work has no stake") })
    }

    /// Label flipping: `attack_success` is the share of flipped test examples predicted as the
    /// flipped label. Half the clients flip class 0 to 1; the attack's success after each round
    /// is a share, the summary repeats the last round's, and other attacks leave it NaN.
    func testLabelFlipSuccessIsRecorded() throws {
        let flip = TrustRunTests.overrides.filter { !$0.hasPrefix("federation.attack") }
            + ["federation.attack={kind: label_flip, fraction: 0.5, source: 0, target: 1}"]
        let record = try Runner.run(RunSetup.quickstart(overrides: flip)).record
        let success = numbers(record, "/fl/rounds", "attack_success")
        XCTAssertEqual(success.count, 3)
        XCTAssertTrue(success.allSatisfy { (0...1).contains($0) }, "\(success)")
        XCTAssertEqual(record.summaryValue("fl_attack_success"), .double(success.last!))
        let other = try Runner.run(RunSetup.quickstart(overrides: TrustRunTests.overrides)).record
        XCTAssertTrue(numbers(other, "/fl/rounds", "attack_success").allSatisfy(\.isNaN))
    }
}
