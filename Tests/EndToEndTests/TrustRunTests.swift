import Foundation
import Learning
import Metrics
import Scenario
import XCTest

/// Poisoning and robust aggregation in whole runs: what /fl/rounds and /fl/participants record,
/// rewards, `verify`, determinism and the config errors.
final class TrustRunTests: XCTestCase {
    static let overrides = FederationRunTests.overrides.filter { !$0.hasPrefix("federation.clients") }
        + ["federation.clients=12", "federation.clients_per_round=12", "federation.dataset.kind=synthetic_iid",
           "federation.attack.kind=sign_flip", "federation.attack.boost=4", "federation.attack.clients=[2, 7]"]

    private func ints(_ record: RunRecord, _ table: String, _ column: String) -> [Int64] {
        guard case .int64(let values)? = record.table(table)?.columns.first(where: { $0.name == column })?.data else { return [] }
        return values
    }

    private func doubles(_ record: RunRecord, _ table: String, _ column: String) -> [Double] {
        guard case .double(let values)? = record.table(table)?.columns.first(where: { $0.name == column })?.data else { return [] }
        return values
    }

    /// Two clients (nodes 3 and 8) of 12, IID data, send -4 times their update: without a defence both enter every
    /// round; Multi-Krum with f = 2 rejects exactly them, they earn nothing, the record says so
    /// and `verify` checks it (a flipped `accepted` flag is caught).
    func testMultiKrumRejectsTheSignFlippers() throws {
        let open = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        XCTAssertEqual(ints(open, "/fl/rounds", "malicious"), [2, 2, 2])
        XCTAssertEqual(ints(open, "/fl/rounds", "malicious_accepted"), [2, 2, 2])
        XCTAssertEqual(ints(open, "/fl/rounds", "rejected"), [0, 0, 0])

        let defended = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["federation.strategy.robust={kind: multi_krum, f: 2}"])).record
        XCTAssertEqual(ints(defended, "/fl/rounds", "rejected"), [2, 2, 2])
        XCTAssertEqual(ints(defended, "/fl/rounds", "malicious_accepted"), [0, 0, 0])
        let nodes = ints(defended, "/fl/participants", "node"), accepted = ints(defended, "/fl/participants", "accepted")
        let rewards = doubles(defended, "/fl/participants", "reward")
        for i in nodes.indices {
            XCTAssertEqual(accepted[i] == 0, [3, 8].contains(nodes[i]), "node \(nodes[i])")
            XCTAssertEqual(rewards[i] == 0, accepted[i] == 0, "node \(nodes[i]) earns only when accepted")
        }
        XCTAssertEqual(ints(defended, "/fl/participants", "malicious"), accepted.map { 1 - $0 })
        XCTAssertGreaterThan(doubles(defended, "/fl/rounds", "test_accuracy").last!, doubles(open, "/fl/rounds", "test_accuracy").last!)

        XCTAssertEqual(try verifierProblems(defended), [])
        let problems = try verifierProblems(defended, replacing: Column("accepted", .int64(accepted.map { _ in 1 })), in: "/fl/participants")
        XCTAssertTrue(problems.contains { $0.hasPrefix("round 1: the record's fields do not hash") }, "\(problems)")
    }

    /// The attack's draws come from their own stream: the same config gives the same rounds.
    func testAttackedRunIsDeterministic() throws {
        let gaussian = Self.overrides.map { $0 == "federation.attack.kind=sign_flip" ? "federation.attack.kind=gaussian" : $0 }
            + ["federation.strategy.robust={kind: median}"]
        let a = try Runner.run(RunSetup.quickstart(overrides: gaussian)).record
        let b = try Runner.run(RunSetup.quickstart(overrides: gaussian)).record
        assertSameTables(a, b, ["/fl/rounds", "/fl/participants"])
    }

    /// Each bad setting names its key and what was expected.
    func testTrustConfigErrors() throws {
        let cases: [([String], String, String)] = [
            (["federation.strategy.robust={kind: krum, f: 5}"], "federation.strategy.robust.f", "at least 13 updates"),
            (["federation.strategy.robust={kind: trimmed_mean, beta: 0.5}"], "federation.strategy.robust.beta", "below 0.5"),
            (["federation.strategy.robust={kind: median}", "federation.secure_aggregation.protocol=secagg"], "federation.strategy.robust.kind", "only the sum"),
            (["federation.strategy.robust={kind: median}", "federation.strategy.kind=scaffold"], "federation.strategy.robust.kind", "scaffold"),
            (["federation.attack.fraction=0.2"], "federation.attack.clients", "either fraction or a list"),
            (["federation.attack.clients=[12]"], "federation.attack.clients", "from 0 to 11"),
            (["federation.attack.kind=none"], "federation.attack.kind", "expected an attack kind"),
            (["federation.attack.kind=alie", "federation.attack.clients=[]"], "federation.attack.fraction", "expected malicious clients"),
            (["federation.attack.kind=poison"], "federation.attack.kind", "label_flip"),
        ]
        for (extra, key, fragment) in cases {
            XCTAssertThrowsError(try RunSetup.quickstart(overrides: Self.overrides + extra), "\(extra)") { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(key) && text.contains(fragment), "\(extra): \(text)")
            }
        }
        XCTAssertThrowsError(try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["federation.attack.kind=label_flip", "federation.attack.target=10"]))) {
            XCTAssertTrue("\($0)".contains("federation.attack.target"), "\($0)")
        }
    }

    static let privateRun = FederationRunTests.overrides.filter { !$0.hasPrefix("federation.rounds") }
        + ["federation.rounds=6", "federation.privacy={kind: central, clip: 0.5, noise_multiplier: 1.1, delta: 1.0e-5}"]

    /// DP-FedAvg: each round's epsilon is the accountant's for q = 5/10, z = 1.1 after that many
    /// rounds; Poisson sampling varies the number of participants; the record carries epsilon
    /// and `verify` catches a changed one.
    func testCentralPrivacyReportsTheAccountantsEpsilon() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.privateRun)).record
        let epsilons = doubles(record, "/fl/rounds", "epsilon")
        XCTAssertEqual(epsilons.count, 6)
        var accountant = RDPAccountant()
        for (round, epsilon) in epsilons.enumerated() {
            accountant.compose(samplingRate: 0.5, noiseMultiplier: 1.1)
            XCTAssertEqual(epsilon, accountant.epsilon(delta: 1e-5).epsilon, accuracy: 1e-12, "round \(round + 1)")
        }
        XCTAssertEqual(record.summaryValue("fl_epsilon"), .double(epsilons.last!))
        XCTAssertGreaterThan(Set(ints(record, "/fl/rounds", "participants")).count, 1, "Poisson sampling: the count varies")

        XCTAssertEqual(try verifierProblems(record), [])
        let problems = try verifierProblems(record, replacing: Column("epsilon", .double(epsilons.map { $0 / 2 })), in: "/fl/rounds")
        XCTAssertTrue(problems.contains { $0.hasPrefix("round 1: the record's fields do not hash") }, "\(problems)")
        // Without privacy the column is NaN and the summary too.
        let plain = try Runner.run(RunSetup.quickstart(overrides: FederationRunTests.overrides)).record
        XCTAssertTrue(doubles(plain, "/fl/rounds", "epsilon").allSatisfy(\.isNaN))
    }

    /// A budget stops the run before the round that would exceed it, and one round over budget
    /// is refused up front.
    func testTargetEpsilonStopsTraining() throws {
        var accountant = RDPAccountant()
        var after: [Double] = []
        for _ in 0..<6 {
            accountant.compose(samplingRate: 0.5, noiseMultiplier: 1.1)
            after.append(accountant.epsilon(delta: 1e-5).epsilon)
        }
        let budget = (after[2] + after[3]) / 2   // room for three rounds, not four
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.privateRun + ["federation.privacy.target_epsilon=\(budget)"])).record
        XCTAssertEqual(record.summaryValue("fl_rounds"), .double(3))
        XCTAssertLessThanOrEqual(doubles(record, "/fl/rounds", "epsilon").last!, budget)
        XCTAssertThrowsError(try Runner.run(RunSetup.quickstart(overrides: Self.privateRun + ["federation.privacy.target_epsilon=\(after[0] / 2)"]))) {
            XCTAssertTrue("\($0)".contains("federation.privacy.target_epsilon: one round already spends"), "\($0)")
        }
        for (extra, key) in [(["federation.privacy.noise_multiplier=0"], "federation.privacy.noise_multiplier"),
                             (["federation.privacy.delta=1"], "federation.privacy.delta"),
                             (["federation.secure_aggregation.protocol=secagg"], "federation.privacy.kind"),
                             (["federation.privacy.kind=distributed"], "federation.privacy.kind")] {
            XCTAssertThrowsError(try RunSetup.quickstart(overrides: Self.privateRun + extra), "\(extra)") {
                XCTAssertTrue("\($0)".contains(key), "\(extra): \($0)")
            }
        }
    }

    /// Distributed DP under SecAgg+: the same accounting per round as central DP, records that
    /// verify; a quantizer range too small for the noise shares is refused.
    func testDistributedPrivacyUnderSecureAggregation() throws {
        let distributed = Self.privateRun.map { $0.hasPrefix("federation.privacy") ? "federation.privacy={kind: distributed, clip: 0.5, noise_multiplier: 1.1, delta: 1.0e-5}" : $0 }
            + ["federation.secure_aggregation.protocol=secaggplus"]
        let record = try Runner.run(RunSetup.quickstart(overrides: distributed)).record
        let epsilons = doubles(record, "/fl/rounds", "epsilon")
        var accountant = RDPAccountant()
        XCTAssertEqual(epsilons.count, 6)
        for epsilon in epsilons {
            accountant.compose(samplingRate: 0.5, noiseMultiplier: 1.1)
            XCTAssertEqual(epsilon, accountant.epsilon(delta: 1e-5).epsilon, accuracy: 1e-12)
        }
        XCTAssertEqual(try verifierProblems(record), [])
        XCTAssertThrowsError(try RunSetup.quickstart(overrides: distributed + ["federation.secure_aggregation.clip=0.6"])) {
            XCTAssertTrue("\($0)".contains("federation.secure_aggregation.clip: expected a range of at least"), "\($0)")
        }
    }
}
