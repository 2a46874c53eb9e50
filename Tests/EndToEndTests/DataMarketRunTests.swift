import Foundation
import Metrics
import Scenario
import XCTest

/// Federated learning that buys its clients' data through the data market.
final class DataMarketRunTests: XCTestCase {
    static let overrides = ["network.nodes=40", "consensus.kind=pos", "stop={time_s: 4000}", "federation.rounds=4", "federation.clients=16",
                            "federation.clients_per_round=4", "federation.local.epochs=1", "federation.data_market=true",
                            "workload.data_market={providers: 3, price: {distribution: uniform, min: 1, max: 3}}"]

    static func run(_ extra: [String]) throws -> RunRecord { try Runner.run(RunSetup.quickstart(overrides: overrides + extra)).record }

    /// Under every consensus kind the task buys the cheapest datasets its budget covers; only
    /// granted clients train, each participant cites its client's grant, rounds start once every
    /// grant is downloaded, and `verify` accepts the run.
    func testBudgetBuysTheCheapestAndRecordsCiteTheGrants() throws {
        for kind in ["pos", "pow", "hierarchical"] {
            let record = try Self.run(["consensus.kind=\(kind)", "consensus.block_interval_s=15", "workload.data_market.budget=12"])
            let prices = numbers(record, "/market/datasets", "price"), status = numbers(record, "/market/datasets", "status")
            var spent = 0.0, expected: Set<Int> = []
            for client in prices.indices.sorted(by: { (prices[$0], $0) < (prices[$1], $1) }) where spent + prices[client] <= 12 {
                spent += prices[client]
                expected.insert(client)
            }
            XCTAssertEqual(Set(status.indices.filter { status[$0] == 2 }), expected, kind)
            XCTAssertEqual(summary(record, "data_spent"), spent, accuracy: 1e-9, kind)
            XCTAssertEqual(numbers(record, "/nodes", "data_revenue").reduce(0, +), spent, accuracy: 1e-9, kind)
            XCTAssertEqual(summary(record, "data_grants"), Double(expected.count), kind)
            XCTAssertEqual(summary(record, "fl_rounds"), 4, kind)
            let grantOfNode = Dictionary(uniqueKeysWithValues: zip(numbers(record, "/market/datasets", "node"), numbers(record, "/market/datasets", "grant_tx")))
            let nodes = numbers(record, "/fl/participants", "node"), cited = numbers(record, "/fl/participants", "grant_tx")
            XCTAssertFalse(nodes.isEmpty)
            for (node, grant) in zip(nodes, cited) {
                XCTAssertTrue(expected.contains(Int(node) - 1), "\(kind): node \(node) trained without a grant")
                XCTAssertEqual(grant, grantOfNode[node], kind)
            }
            let ready = numbers(record, "/market/datasets", "ready_ns").max()!
            XCTAssertEqual(numbers(record, "/fl/rounds", "start_ns").first, ready, kind)
            XCTAssertEqual(summary(record, "data_ready_s"), ready / 1e9, accuracy: 1e-9, kind)
            let sent = numbers(record, "/market/datasets", "buy_sent_ns"), granted = numbers(record, "/market/datasets", "granted_ns")
            for client in expected { XCTAssertTrue(sent[client] < granted[client], kind) }
            XCTAssertEqual(summary(record, "data_reads"), Double(nodes.count), "\(kind): one read per participant")
            XCTAssertEqual(try verifierProblems(record), [], kind)
        }
    }

    /// `verify` finds a participant with no grant, a grant given to another node, and a grant
    /// confirmed after the round started.
    func testVerifyFindsTrainingWithoutAccess() throws {
        let record = try Self.run(["workload.data_market.budget=12"])
        let grants = numbers(record, "/fl/participants", "grant_tx").map(Int64.init)
        var forged = grants
        forged[0] = -1
        XCTAssertTrue(try verifierProblems(record, replacing: Column("grant_tx", .int64(forged)), in: "/fl/participants")
            .contains { $0.contains("trained without a data market grant") })
        let node = numbers(record, "/fl/participants", "node")[0]
        let row = numbers(record, "/market/datasets", "node").firstIndex(of: node)!
        var holders = numbers(record, "/market/datasets", "node").map(Int64.init)
        holders[row] = 0
        XCTAssertTrue(try verifierProblems(record, replacing: Column("node", .int64(holders)), in: "/market/datasets")
            .contains { $0.contains("does not show it was given") })
        var late = numbers(record, "/market/datasets", "granted_ns").map(Int64.init)
        late[row] = Int64(numbers(record, "/fl/rounds", "end_ns").last!) + 1
        XCTAssertTrue(try verifierProblems(record, replacing: Column("granted_ns", .int64(late)), in: "/market/datasets")
            .contains { $0.contains("confirmed after the round started") })
    }

    /// Policies: off the allowlist the buy reverts; an owner refuses at the configured rate after
    /// the configured delay; below the minimum stake the buy reverts.
    func testPoliciesDenyAndRefuse() throws {
        let allowlist = try Self.run(["workload.data_market.policy=allowlist", "workload.data_market.allowlist_share=0.5"])
        XCTAssertEqual(summary(allowlist, "data_grants"), 8)
        XCTAssertEqual(summary(allowlist, "data_denied"), 8)
        XCTAssertEqual(numbers(allowlist, "/market/datasets", "status").filter { $0 == 3 }.count, 8)

        let approval = try Self.run(["workload.data_market.policy=owner_approval", "workload.data_market.approval_rate=0.5",
                                     "workload.data_market.approval_delay_s=100"])
        let status = numbers(approval, "/market/datasets", "status")
        let refused = status.filter { $0 == 4 }.count, granted = status.filter { $0 == 2 }.count
        XCTAssertEqual(refused + granted, 16)
        XCTAssertTrue(refused > 0 && granted > 0, "\(refused) refused")
        let sent = numbers(approval, "/market/datasets", "buy_sent_ns"), at = numbers(approval, "/market/datasets", "granted_ns")
        for client in status.indices where status[client] == 2 { XCTAssertGreaterThan(at[client] - sent[client], 100e9) }

        let stakes = try Self.run(["workload.data_market.policy=minimum_stake", "workload.data_market.min_stake=2",
                                   "consensus.pos.stake={distribution: exponential, mean: 2}"])
        let stake = numbers(stakes, "/nodes", "stake")
        let rich = (1...16).filter { stake[$0] >= 2 }.count
        XCTAssertTrue(rich > 0 && rich < 16, "\(rich) clients with stake >= 2")
        XCTAssertEqual(summary(stakes, "data_grants"), Double(rich))
        XCTAssertEqual(summary(stakes, "data_denied"), Double(16 - rich))
    }

    /// Revoked clients are never selected once the revocation is confirmed; `verify` accepts it.
    func testRevokedClientsStopTraining() throws {
        let record = try Self.run(["workload.data_market.revoke_at_s=60", "workload.data_market.revoke_share=0.5", "federation.rounds=8"])
        XCTAssertEqual(summary(record, "data_revoked"), 8)
        let revoked = numbers(record, "/market/datasets", "revoked_ns"), nodes = numbers(record, "/market/datasets", "node")
        var revokedAt: [Double: Double] = [:]
        for (node, time) in zip(nodes, revoked) where time >= 0 { revokedAt[node] = time }
        let startOfRound = Dictionary(uniqueKeysWithValues: zip(numbers(record, "/fl/rounds", "round"), numbers(record, "/fl/rounds", "start_ns")))
        let rounds = numbers(record, "/fl/participants", "round")
        for (round, node) in zip(rounds, numbers(record, "/fl/participants", "node")) {
            if let at = revokedAt[node] { XCTAssertGreaterThan(at, startOfRound[round]!, "round \(round) node \(node)") }
        }
        XCTAssertGreaterThan(numbers(record, "/fl/rounds", "start_ns").last!, revoked.max()!, "rounds ran after the revocations")
        XCTAssertEqual(try verifierProblems(record), [])
    }

    /// Same config, same bytes in every data market table.
    func testDataMarketIsDeterministic() throws {
        let a = try Self.run(["workload.data_market.budget=10"]), b = try Self.run(["workload.data_market.budget=10"])
        assertSameTables(a, b, ["/market/datasets", "/fl/participants", "/fl/rounds", "/tx"])
    }

    /// Each bad setting names its key.
    func testDataMarketConfigErrors() throws {
        assertConfigErrors([("workload.data_market.providers=30", "workload.data_market.providers"),
                            ("workload.data_market.approval_rate=2", "workload.data_market.approval_rate"),
                            ("workload.data_market.confirmations=0", "workload.data_market.confirmations"),
                            ("federation.target_accuracy=1.5", "federation.target_accuracy"),
                            ("federation.rounds=0", "federation.data_market"),
                            ("workload.transactions.block_gas_limit=40000", "workload.transactions.block_gas_limit")], base: Self.overrides)
        let unused = try RunSetup.quickstart(overrides: Self.overrides + ["federation.data_market=false"])
        XCTAssertTrue(unused.config.warnings().contains { $0.hasPrefix("workload.data_market") })
    }
}
