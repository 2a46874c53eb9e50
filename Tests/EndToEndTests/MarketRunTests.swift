import Foundation
import Metrics
import Scenario
import XCTest

/// The compute market in whole runs: jobs, payments, utilisation and energy, on every consensus kind.
final class MarketRunTests: XCTestCase {
    static let overrides = ["network.nodes=50", "consensus.kind=pos", "stop={time_s: 20000}",
                            "workload.compute_market={providers: 4, jobs: 40, job_rate_per_s: 0.004, job_tflop: 500}"]

    /// At light load every job is paid its provider's price x size; with 3 confirmations (no
    /// fork that deep here) the times run sent <= posted <= started < finished <= settled; work takes size / speed; energy per TFLOP is watts /
    /// TFLOP/s; the calls are transactions of kind 2.
    func testJobsArePaidAndAccountedFor() throws {
        for kind in ["pos", "pow", "hierarchical"] {
            let overrides = Self.overrides + ["consensus.kind=\(kind)", "consensus.block_interval_s=20", "workload.compute_market.confirmations=3"]
            let record = try Runner.run(RunSetup.quickstart(overrides: overrides)).record
            XCTAssertEqual(summary(record, "market_jobs_paid"), 40, kind)
            let paid = numbers(record, "/market/jobs", "paid"), tflop = numbers(record, "/market/jobs", "tflop")
            XCTAssertTrue(paid.indices.allSatisfy { abs(paid[$0] - 0.01 * tflop[$0]) < 1e-9 }, kind)
            XCTAssertEqual(summary(record, "market_revenue_total"), paid.reduce(0, +), accuracy: 1e-9)
            XCTAssertEqual(numbers(record, "/market/providers", "revenue").reduce(0, +), paid.reduce(0, +), accuracy: 1e-9)
            let sent = numbers(record, "/market/jobs", "sent_ns"), posted = numbers(record, "/market/jobs", "posted_ns")
            let started = numbers(record, "/market/jobs", "started_ns"), finished = numbers(record, "/market/jobs", "finished_ns")
            let settled = numbers(record, "/market/jobs", "settled_ns")
            for job in sent.indices {
                XCTAssertTrue(sent[job] <= posted[job] && posted[job] <= started[job] && started[job] < finished[job] && finished[job] <= settled[job],
                              "\(kind) job \(job)")
                XCTAssertEqual((finished[job] - started[job]) / 1e9, tflop[job] * 1_000 / 10_000, accuracy: 1e-6)
            }
            let busy = numbers(record, "/market/providers", "busy_s").reduce(0, +)
            XCTAssertEqual(busy, tflop.reduce(0, +) / 10, accuracy: 1e-6)
            XCTAssertEqual(summary(record, "market_utilisation"), busy / (4 * summary(record, "sim_time_s")), accuracy: 1e-9)
            XCTAssertEqual(summary(record, "market_energy_per_tflop_j"), 300.0 / 10, accuracy: 1e-9)
            let share = summary(record, "useful_work_share")
            XCTAssertTrue(share > 0 && share < 1, "\(kind): \(share)")
            let kinds = numbers(record, "/tx", "kind")
            XCTAssertEqual(kinds.filter { $0 == 2 }.count, 4 + 40 + 40, "\(kind): offers, posts and deliveries")
        }
    }

    /// A deadline shorter than the work: every job is missed and nobody is paid.
    func testLateDeliveriesAreNotPaid() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["workload.compute_market.deadline_s=30"])).record
        XCTAssertEqual(summary(record, "market_jobs_missed"), 40)
        XCTAssertEqual(summary(record, "market_revenue_total"), 0)
        XCTAssertTrue(numbers(record, "/market/jobs", "status").allSatisfy { $0 == 3 })
    }

    /// Same config, same market; with federated learning on top both run.
    func testMarketIsDeterministicAndRunsUnderFederation() throws {
        let a = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        let b = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        assertSameTables(a, b, ["/market/jobs", "/market/providers", "/tx"])
        let fl = Self.overrides + ["workload.compute_market.job_rate_per_s=0.5", "federation.rounds=2", "federation.clients=8", "federation.clients_per_round=4", "federation.local.epochs=1"]
        let both = try Runner.run(RunSetup.quickstart(overrides: fl)).record
        XCTAssertEqual(summary(both, "fl_rounds"), 2)
        XCTAssertGreaterThan(summary(both, "market_jobs_posted"), 0)
        XCTAssertNotNil(both.table("/market/jobs"))
    }

    /// Proof of work at 2 s blocks forks often; with one confirmation nodes act on blocks that
    /// later lose, and the market must keep going (jobs may be matched twice: docs/markets.md).
    func testForksDeeperThanTheConfirmationsDoNotStopTheMarket() throws {
        let overrides = Self.overrides + ["consensus.kind=pow", "consensus.block_interval_s=2", "workload.compute_market.job_rate_per_s=0.05"]
        let record = try Runner.run(RunSetup.quickstart(overrides: overrides)).record
        XCTAssertGreaterThan(summary(record, "stale_rate"), 0.05)
        XCTAssertGreaterThan(summary(record, "market_jobs_paid"), 30)
    }

    /// A double auction on the chain: jobs wait for the keeper's clearing, every job is paid the
    /// uniform price (all asks 0.01 and bids 0.02: 0.015), and the clear calls are transactions.
    func testDoubleAuctionClearsOnTheChain() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["workload.compute_market.matching=double_auction",
                                                                                  "workload.compute_market.auction_interval_s=120"])).record
        XCTAssertEqual(summary(record, "market_jobs_paid"), 40)
        let paid = numbers(record, "/market/jobs", "paid"), tflop = numbers(record, "/market/jobs", "tflop")
        XCTAssertTrue(paid.indices.allSatisfy { abs(paid[$0] - 0.015 * tflop[$0]) < 1e-9 })
        XCTAssertTrue(numbers(record, "/market/jobs", "price_per_tflop").allSatisfy { $0 == 0.015 })
        XCTAssertEqual(summary(record, "market_price_mean"), 0.015, accuracy: 1e-12)
        let posted = numbers(record, "/market/jobs", "posted_ns"), started = numbers(record, "/market/jobs", "started_ns")
        XCTAssertTrue(posted.indices.allSatisfy { started[$0] >= posted[$0] })
        let postedPrice = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        XCTAssertGreaterThan(summary(record, "market_wait_mean_s"), summary(postedPrice, "market_wait_mean_s") + 30,
                             "bids wait for a clearing, every 120 s")
        let clears = numbers(record, "/tx", "kind").filter { $0 == 2 }.count - 4 - 40 - 40
        XCTAssertGreaterThanOrEqual(clears, Int(numbers(record, "/market/jobs", "posted_ns").max()! / 120e9), "one clear per interval while jobs come")
    }

    /// A provider away for the whole run never works; the others take every job. A bad trace
    /// line is an error naming the file, line and key.
    func testAvailabilityTrace() throws {
        let dir = try Harness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("away.csv")
        try "provider,offline_from_s,offline_until_s\n0,0,1e9\n".write(to: trace, atomically: true, encoding: .utf8)
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["workload.compute_market.availability=\(trace.path)"])).record
        XCTAssertEqual(summary(record, "market_jobs_paid"), 40)
        let busy = numbers(record, "/market/providers", "busy_s")
        XCTAssertEqual(busy[0], 0)
        XCTAssertTrue(busy.dropFirst().allSatisfy { $0 > 0 })
        try "provider,offline_from_s,offline_until_s\n4,0,10\n".write(to: trace, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunSetup.quickstart(overrides: Self.overrides + ["workload.compute_market.availability=\(trace.path)"])) {
            let text = "\($0)"
            XCTAssertTrue(text.contains("away.csv") && text.contains("2") && text.contains("workload.compute_market.availability")
                              && text.contains("provider from 0 to 3"), text)
        }
    }

    /// Federated clients without a device rent their training: with every client renting, each
    /// participant's update is one job of the client's node, paid once the round's record is
    /// confirmed; the work takes size / speed on the provider, and the rounds take longer than
    /// on the clients' own devices. The same
    /// holds under the double auction, whose clearings restart for the rented jobs.
    func testFederatedClientsRentTheirTraining() throws {
        let fl = ["network.nodes=50", "consensus.kind=pos", "stop={time_s: 100000}", "federation.rounds=3", "federation.clients=12",
                  "federation.clients_per_round=4", "federation.local.epochs=2",
                  "workload.compute_market={providers: 2, jobs: 0, gflops: 100}"]
        let own = try Runner.run(RunSetup.quickstart(overrides: fl)).record
        XCTAssertEqual(summary(own, "market_jobs_rented"), 0)
        for matching in ["posted_price", "double_auction"] {
            let record = try Runner.run(RunSetup.quickstart(overrides: fl + ["federation.rent_share=1", "workload.compute_market.matching=\(matching)",
                                                                             "workload.compute_market.auction_interval_s=30"])).record
            XCTAssertEqual(summary(record, "fl_rounds"), 3, matching)
            let participants = numbers(record, "/fl/participants", "node")
            XCTAssertEqual(summary(record, "market_jobs_rented"), Double(participants.count), matching)
            XCTAssertEqual(summary(record, "market_jobs_paid"), Double(participants.count), matching)
            XCTAssertEqual(numbers(record, "/market/jobs", "owner").sorted(), participants.sorted(), matching)
            let tflop = numbers(record, "/market/jobs", "tflop"), started = numbers(record, "/market/jobs", "started_ns")
            let finished = numbers(record, "/market/jobs", "finished_ns")
            for job in tflop.indices { XCTAssertEqual((finished[job] - started[job]) / 1e9, tflop[job] * 1_000 / 100, accuracy: 1e-6) }
            // Paid only after the record citing the update confirmed: no earlier than the first round's end.
            let settled = numbers(record, "/market/jobs", "settled_ns"), firstEnd = numbers(record, "/fl/rounds", "end_ns").min()!
            XCTAssertTrue(settled.allSatisfy { $0 >= firstEnd }, matching)
            XCTAssertGreaterThan(summary(record, "fl_round_latency_mean_s"), summary(own, "fl_round_latency_mean_s"), matching)
            XCTAssertEqual(numbers(record, "/fl/rounds", "test_accuracy"), numbers(own, "/fl/rounds", "test_accuracy"), "\(matching): the same models")
        }
        XCTAssertThrowsError(try RunSetup.quickstart(overrides: ["federation.rounds=1", "federation.rent_share=0.5"])) {
            XCTAssertTrue("\($0)".contains("federation.rent_share"), "\($0)")
        }
    }

    /// Each bad setting names its key.
    func testMarketConfigErrors() throws {
        assertConfigErrors([("workload.compute_market.providers=51", "workload.compute_market.providers"),
                            ("workload.compute_market.job_rate_per_s=0", "workload.compute_market.job_rate_per_s"),
                            ("workload.compute_market.gflops=0", "workload.compute_market.gflops"),
                            ("workload.compute_market.confirmations=0", "workload.compute_market.confirmations"),
                            ("workload.compute_market.call_bytes=0", "workload.compute_market.call_bytes"),
                            ("workload.transactions.block_gas_limit=30000", "workload.transactions.block_gas_limit"),
                            ("workload.compute_market.matching=vickrey", "workload.compute_market.matching"),
                            ("workload.compute_market.auction_interval_s=0", "workload.compute_market.auction_interval_s"),
                            ("workload.compute_market.max_trades_per_clear=0", "workload.compute_market.max_trades_per_clear"),
                            ("workload.compute_market.availability=/nonexistent.csv", "workload.compute_market.availability")], base: Self.overrides)
    }
}
