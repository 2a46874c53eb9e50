import Foundation
import Metrics
import Scenario
import XCTest

/// The transaction workload in whole runs: summary keys, `/tx`, determinism and config errors.
final class TransactionRunTests: XCTestCase {
    static let overrides = ["network.nodes=30", "stop.blocks=40", "consensus.kind=pos",
                            "workload.transactions={rate_per_s: 40, size_bytes: 500, fee: {distribution: exponential, mean: 2}}",
                            "consensus.block_size_bytes=10080"]

    private func summary(_ record: RunRecord, _ key: String) -> Double {
        switch record.summaryValue(key) {
        case .double(let value)?: return value
        case .int(let value)?: return Double(value)
        default: return .nan
        }
    }

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
        for (extra, key) in [("workload.transactions.rate_per_s=-1", "workload.transactions.rate_per_s"),
                             ("workload.transactions.size_bytes=10001", "workload.transactions.size_bytes"),
                             ("workload.transactions.fee={distribution: normal, mean: 1, sd: 1}", "workload.transactions.fee.distribution"),
                             ("workload.transactions.initial_base_fee=0", "workload.transactions.initial_base_fee"),
                             ("workload.transactions.fee_market=second_price", "workload.transactions.fee_market")] {
            XCTAssertThrowsError(try RunSetup.quickstart(overrides: Self.overrides + [extra]), extra) {
                XCTAssertTrue("\($0)".contains(key), "\(extra): \($0)")
            }
        }
    }
}
