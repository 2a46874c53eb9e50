import Foundation
import Metrics
import Scenario
import XCTest

/// The transaction workload in whole runs: summary keys, `/tx`, determinism and config errors.
final class TransactionRunTests: XCTestCase {
    static let overrides = ["network.nodes=30", "stop.blocks=40", "consensus.kind=pos",
                            "workload.transactions={rate_per_s: 40, size_bytes: 500, fee: {distribution: exponential, mean: 2}}",
                            "consensus.block_size_bytes=10080"]

    /// 40 transactions per second against blocks of 20 (one second slots, f 0.05: a block every
    /// 20 s on average) is overload: blocks are full, the rest waits; every count adds up.
    func testOverloadedChainRecordsEveryTransaction() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        let created = summary(record, "tx_created"), included = summary(record, "tx_included")
        XCTAssertEqual(Double(numbers(record, "/tx", "fee").count), created)
        XCTAssertEqual(summary(record, "tx_pending_end"), created - included)
        XCTAssertGreaterThan(created, included)
        let blocks = numbers(record, "/chain/blocks", "tx_count"), main = numbers(record, "/chain/blocks", "on_main_chain")
        XCTAssertEqual(blocks.indices.filter { main[$0] == 1 }.reduce(0) { $0 + blocks[$1] }, included)
        XCTAssertTrue(blocks.dropFirst().allSatisfy { $0 == 20 }, "overloaded blocks are full: \(blocks)")
        let waits = numbers(record, "/tx", "wait_s").filter { !$0.isNaN }.sorted()
        XCTAssertEqual(Double(waits.count), included)
        XCTAssertEqual(summary(record, "tx_wait_mean_s"), waits.reduce(0, +) / Double(waits.count), accuracy: 1e-9)
        XCTAssertLessThanOrEqual(summary(record, "tx_wait_p50_s"), summary(record, "tx_wait_p90_s"))
        // The highest fees go first: included transactions paid more on average than pending ones.
        let fees = numbers(record, "/tx", "fee"), block = numbers(record, "/tx", "block")
        let paid = fees.indices.filter { block[$0] >= 0 }.map { fees[$0] }, waiting = fees.indices.filter { block[$0] < 0 }.map { fees[$0] }
        XCTAssertGreaterThan(paid.reduce(0, +) / Double(paid.count), waiting.reduce(0, +) / Double(waiting.count))
        XCTAssertEqual(summary(record, "tx_fees_total"), paid.reduce(0, +), accuracy: 1e-9)
    }

    /// With `ttl_s`, transactions unincluded after 30 s leave: every one is included, expired or
    /// still young at the end, and none waited longer than 30 s.
    func testExpiredTransactionsLeaveTheMempool() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["workload.transactions.ttl_s=30"])).record
        let created = summary(record, "tx_created"), included = summary(record, "tx_included"), expired = summary(record, "tx_expired")
        XCTAssertGreaterThan(expired, 0)
        XCTAssertEqual(summary(record, "tx_pending_end"), created - included - expired)
        XCTAssertLessThanOrEqual(numbers(record, "/tx", "wait_s").filter { !$0.isNaN }.max()!, 30)
        let end = summary(record, "sim_time_s"), block = numbers(record, "/tx", "block"), createdNs = numbers(record, "/tx", "created_ns")
        let young = block.indices.filter { block[$0] < 0 && createdNs[$0] / 1e9 + 30 >= end }.count
        XCTAssertEqual(summary(record, "tx_pending_end"), Double(young), "only transactions of the last 30 s still wait")
    }

    /// Same config, same transactions; without a workload nothing changes from before.
    func testTransactionsAreDeterministicAndOptional() throws {
        let a = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        let b = try Runner.run(RunSetup.quickstart(overrides: Self.overrides)).record
        assertSameTables(a, b, ["/tx", "/chain/blocks"])
        let plain = try Runner.run(RunSetup.quickstart(overrides: Self.overrides.filter { !$0.hasPrefix("workload") })).record
        XCTAssertNil(plain.table("/tx"))
        XCTAssertTrue(numbers(plain, "/chain/blocks", "size_bytes").dropFirst().allSatisfy { $0 == 10080 })
    }

    /// EIP-1559 in a run: the base fee per block moves by at most 12.5 %, the summary's final base
    /// fee is the best tip's, and the burn is base fee x size over the included transactions.
    func testEIP1559BaseFeeIsRecorded() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["workload.transactions.fee_market=eip1559"])).record
        let base = numbers(record, "/chain/blocks", "base_fee"), parent = numbers(record, "/chain/blocks", "parent")
        XCTAssertEqual(base.count, numbers(record, "/chain/blocks", "id").count)
        for block in 2..<base.count {
            let step = base[block] / base[Int(parent[block])]
            XCTAssertTrue((0.875 - 1e-12...1.125 + 1e-12).contains(step), "block \(block): \(step)")
        }
        XCTAssertGreaterThan(base.last!, base[0], "overload raises the base fee")
        let txBlock = numbers(record, "/tx", "block")
        let burned = txBlock.filter { $0 >= 0 }.reduce(0.0) { $0 + base[Int($1)] * 500 }
        XCTAssertEqual(summary(record, "tx_burned_total"), burned, accuracy: 1e-9 * max(1, burned))
        let main = numbers(record, "/chain/blocks", "on_main_chain"), height = numbers(record, "/chain/blocks", "height")
        let tip = main.indices.filter { main[$0] == 1 }.max { height[$0] < height[$1] }!
        XCTAssertEqual(summary(record, "base_fee_final"), base[tip])
    }

    /// Each bad setting names its key.
    func testTransactionConfigErrors() throws {
        assertConfigErrors([("workload.transactions.rate_per_s=-1", "workload.transactions.rate_per_s"),
                            ("workload.transactions.size_bytes=10001", "workload.transactions.size_bytes"),
                            ("workload.transactions.size_bytes={distribution: exponential, mean: 300}", "workload.transactions.size_bytes"),
                            ("workload.transactions.fee={distribution: uniform, min: 2, max: 1}", "workload.transactions.fee.max"),
                            ("workload.transactions.mempool_limit_bytes=500", "workload.transactions.mempool_limit_bytes"),
                            ("workload.transactions.light_origins=0", "workload.transactions.light_origins"),
                            ("workload.transactions.propagation=gossip", "workload.transactions.propagation"),
                            ("workload.transactions.trace=/nonexistent/trace.csv", "workload.transactions.trace"),
                            ("output.tx_sample=0", "output.tx_sample"),
                            ("workload.transactions.initial_base_fee=0", "workload.transactions.initial_base_fee"),
                            ("workload.transactions.fee_market=second_price", "workload.transactions.fee_market")], base: Self.overrides)
    }

    /// A trace file's errors point at the file and line.
    func testTraceFileErrorsNameTheLine() throws {
        for (rows, expected) in [("time_s,size_bytes,fee\n1,100,2\n0.5,100,2\n", ":3"), ("1,100,2\n2,20000,1\n", ":2"), ("1,x,2\n", ":1")] {
            let path = try temporaryFile(rows)
            XCTAssertThrowsError(try RunSetup.quickstart(overrides: Self.overrides + ["workload.transactions.trace=\(path)"])) {
                XCTAssertTrue("\($0)".contains("\(path)\(expected)") && "\($0)".contains("workload.transactions.trace"), "\($0)")
            }
        }
    }

    /// A trace alone drives the workload: each row is a transaction of its size and fee, created
    /// at its time; a 50 % sample of `/tx` keeps about half the rows (the summary still counts all).
    func testTraceDrivesTheWorkloadAndTxIsSampled() throws {
        var rows = "time_s,size_bytes,fee\n"
        for i in 0..<400 { rows += "\(Double(i) * 0.5),\(100 + 37 * (i % 7)),\(1 + i % 5)\n" }
        let path = try temporaryFile(rows)
        let overrides = Self.overrides + ["workload.transactions.rate_per_s=0", "workload.transactions.trace=\(path)", "stop.blocks=20"]
        let record = try Runner.run(RunSetup.quickstart(overrides: overrides)).record
        let created = numbers(record, "/tx", "created_ns"), sizes = numbers(record, "/tx", "size_bytes")
        XCTAssertEqual(Double(created.count), summary(record, "tx_created"))
        XCTAssertGreaterThan(created.count, 20)
        for i in created.indices {
            XCTAssertEqual(created[i], Double(i) * 0.5e9)
            XCTAssertEqual(sizes[i], Double(100 + 37 * (i % 7)))
        }
        XCTAssertTrue(numbers(record, "/tx", "kind").allSatisfy { $0 == 0 })
        let sampled = try Runner.run(RunSetup.quickstart(overrides: overrides + ["output.tx_sample=0.5"])).record
        let ids = numbers(sampled, "/tx", "id")
        XCTAssertEqual(Double(ids.count), Double(created.count) / 2, accuracy: 4 * (Double(created.count) / 4).squareRoot())
        XCTAssertEqual(summary(sampled, "tx_created"), summary(record, "tx_created"))
        XCTAssertEqual(summary(sampled, "tx_wait_mean_s"), summary(record, "tx_wait_mean_s"))
        let fullWaits = numbers(record, "/tx", "wait_s"), sampledWaits = numbers(sampled, "/tx", "wait_s")
        for (row, id) in ids.enumerated() { XCTAssertEqual(sampledWaits[row].isNaN ? -1 : sampledWaits[row], fullWaits[Int(id)].isNaN ? -1 : fullWaits[Int(id)]) }
    }

    /// Under overload a 30 kB mempool evicts the lowest fees: what is left pending fits the limit,
    /// and every evicted transaction paid less per byte than the best one still pending.
    func testMempoolLimitEvictsTheCheapest() throws {
        let record = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["workload.transactions.mempool_limit_bytes=30000"])).record
        let status = numbers(record, "/tx", "status"), fee = numbers(record, "/tx", "fee")
        XCTAssertGreaterThan(summary(record, "tx_evicted"), 0)
        XCTAssertEqual(Double(status.filter { $0 == 3 }.count), summary(record, "tx_evicted"))
        XCTAssertEqual(summary(record, "tx_created"), summary(record, "tx_included") + summary(record, "tx_evicted") + summary(record, "tx_pending_end"))
        XCTAssertLessThanOrEqual(Double(status.filter { $0 == 0 }.count) * 500, 30_000)
        let bestPending = status.indices.filter { status[$0] == 0 }.map { fee[$0] }.max() ?? 0
        let evictedFees = status.indices.filter { status[$0] == 3 }.map { fee[$0] }
        XCTAssertLessThan(evictedFees.reduce(0, +) / Double(evictedFees.count), bestPending)
        // Under full gossip each producer evicts from its own mempool: nothing is evicted
        // everywhere, and what the shared pool would have dropped can still be included.
        let own = try Runner.run(RunSetup.quickstart(overrides: Self.overrides + ["workload.transactions.mempool_limit_bytes=30000",
                                                                               "workload.transactions.propagation=full"])).record
        XCTAssertEqual(summary(own, "tx_evicted"), 0)
        XCTAssertEqual(summary(own, "tx_created"), summary(own, "tx_included") + summary(own, "tx_pending_end"))
        XCTAssertGreaterThan(summary(own, "tx_pending_end") * 500, 30_000, "more pending than one node's limit")
    }

    /// The light model: with 500 ms per hop, no producer includes a transaction from another node
    /// sooner than 500 ms after its creation; with `propagation: none` some are.
    func testLightPropagationDelaysInclusion() throws {
        let base = Self.overrides + ["workload.transactions.rate_per_s=3", "network.latency.fixed_ms=500", "stop.blocks=60"]
        func quickInclusions(_ propagation: String) throws -> Int {
            let record = try Runner.run(RunSetup.quickstart(overrides: base + ["workload.transactions.propagation=\(propagation)"])).record
            let origin = numbers(record, "/tx", "origin"), block = numbers(record, "/tx", "block"), wait = numbers(record, "/tx", "wait_s")
            let producer = numbers(record, "/chain/blocks", "producer")
            XCTAssertGreaterThan(summary(record, "tx_included"), 100)
            return block.indices.filter { block[$0] >= 0 && producer[Int(block[$0])] != origin[$0] && wait[$0] < 0.5 }.count
        }
        XCTAssertEqual(try quickInclusions("light"), 0)
        XCTAssertEqual(try quickInclusions("full"), 0)
        XCTAssertGreaterThan(try quickInclusions("none"), 0)
    }

    /// Full gossip sends, per transaction, one 61-byte inv over every link end but the one each
    /// node got it from, a getdata and a body per node reached: 61 x (sum of degrees) + size x
    /// (nodes - 1) bytes of `tx` traffic, which the network energy counts. The run is
    /// deterministic, and above 10,000 nodes it is refused.
    func testFullGossipCountsEveryMessage() throws {
        let base = Self.overrides + ["network.nodes=60", "workload.transactions={rate_per_s: 4, size_bytes: 400}", "stop.blocks=30"]
        let full = try Runner.run(RunSetup.quickstart(overrides: base + ["workload.transactions.propagation=full"])).record
        let degrees = numbers(full, "/nodes", "degree").reduce(0, +)
        let lastBlock = numbers(full, "/chain/blocks", "created_ns").max()!
        let gossiped = Double(numbers(full, "/tx", "created_ns").filter { $0 <= lastBlock }.count)
        XCTAssertEqual(numbers(full, "/network/traffic", "tx_sent_bytes").reduce(0, +), gossiped * (61 * degrees + 400 * 59))
        XCTAssertEqual(numbers(full, "/network/traffic", "tx_received_bytes").reduce(0, +), gossiped * (61 * degrees + 400 * 59))
        let none = try Runner.run(RunSetup.quickstart(overrides: base)).record
        XCTAssertTrue(numbers(none, "/network/traffic", "tx_sent_bytes").allSatisfy { $0 == 0 })
        XCTAssertGreaterThan(summary(full, "energy_network_j"), summary(none, "energy_network_j"))
        let again = try Runner.run(RunSetup.quickstart(overrides: base + ["workload.transactions.propagation=full"])).record
        assertSameTables(full, again, ["/tx", "/network/traffic", "/chain/blocks"])
        XCTAssertThrowsError(try RunSetup.quickstart(overrides: base + ["workload.transactions.propagation=full", "network.nodes=10001"])) {
            XCTAssertTrue("\($0)".contains("workload.transactions.propagation"), "\($0)")
        }
    }

    /// With `federation.record_fee`, each round's record is a transaction from the aggregator: a
    /// high fee gets it into the next block even when the chain is overloaded (its `/tx` row is a
    /// record, in the block `/fl/rounds` names); a fee below the workload's never gets in, and
    /// the rounds stall.
    func testRecordsCompeteForBlockSpace() throws {
        let fl = ["network.nodes=40", "federation.rounds=3", "federation.clients=10", "federation.clients_per_round=5",
                  "federation.local.epochs=2", "consensus.block_interval_s=20", "consensus.block_size_bytes=10080",
                  "workload.transactions={rate_per_s: 3, size_bytes: 500, fee: {distribution: exponential, mean: 2}}"]
        let paid = try Runner.run(RunSetup.quickstart(overrides: fl + ["stop={time_s: 100000}", "federation.record_fee=1000"])).record
        XCTAssertEqual(summary(paid, "fl_rounds"), 3)
        let kind = numbers(paid, "/tx", "kind"), block = numbers(paid, "/tx", "block"), size = numbers(paid, "/tx", "size_bytes")
        let recordRows = kind.indices.filter { kind[$0] == 1 }
        XCTAssertEqual(numbers(paid, "/fl/rounds", "record_tx"), recordRows.map(Double.init))
        XCTAssertEqual(numbers(paid, "/fl/rounds", "block"), recordRows.map { block[$0] })
        XCTAssertTrue(recordRows.allSatisfy { size[$0] > 64 && size[$0] < 500 }, "a record's encoding and signature")
        XCTAssertGreaterThan(summary(paid, "tx_pending_end"), 0, "the chain is overloaded")
        let cheap = try Runner.run(RunSetup.quickstart(overrides: fl + ["stop={time_s: 3000}", "federation.record_fee=0.0001"])).record
        XCTAssertEqual(summary(cheap, "fl_rounds"), 0, "the first record never gets in")
        XCTAssertThrowsError(try RunSetup.quickstart(overrides: ["federation.rounds=1", "federation.record_fee=1"])) {
            XCTAssertTrue("\($0)".contains("federation.record_fee"), "\($0)")
        }
    }

    private func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "fedchain-trace-\(UUID().uuidString).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
