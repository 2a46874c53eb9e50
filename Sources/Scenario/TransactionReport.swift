import Consensus
import Ledger
import Metrics
import SimKernel

/// With a transaction workload: the `tx_*` summary keys and `/tx`, one row per transaction
/// created by the end of the run (or a sample of them, `output.tx_sample`). A transaction counts
/// as included when a main-chain block (of the best tip) holds it; its wait runs from its
/// creation to that block's creation.
enum TransactionReport {
    static func write(_ chain: ChainState, mainChain: [Bool], simTime: SimTime, sample: Double, into record: inout RunRecord) {
        guard var pool = chain.transactions else { return }
        // Arrivals after the last block up to the end of the run. The copy shares the run's
        // arrival stream (a reference), which this advances: the report is written once, at the end.
        pool.arrive(until: simTime)
        let tree = chain.tree
        var block = [Int64](repeating: -1, count: pool.count)
        for id in 1..<tree.count where mainChain[id] && id < pool.blockTransactions.count {
            for tx in pool.blockTransactions[id] { block[Int(tx)] = Int64(id) }
        }
        let status: [TransactionStatus] = block.indices.map { id in
            if block[id] >= 0 { return .included }
            if let lifetime = pool.parameters.lifetime, pool.created[id] + lifetime < simTime { return .expired }
            return pool.status(id) == .evicted ? .evicted : .pending
        }
        let included = block.indices.filter { block[$0] >= 0 }
        let waits = included.map { (tree.created[Int(block[$0])] - pool.created[$0]).seconds }.sorted()
        func count(_ wanted: TransactionStatus) -> Int64 { Int64(status.lazy.filter { $0 == wanted }.count) }
        record.setSummary("tx_created", .int(Int64(pool.count)))
        record.setSummary("tx_included", .int(Int64(included.count)))
        record.setSummary("tx_expired", .int(count(.expired)))
        record.setSummary("tx_evicted", .int(count(.evicted)))
        record.setSummary("tx_pending_end", .int(count(.pending)))
        record.setSummary("tx_throughput_per_s", .double(simTime.nanoseconds > 0 ? Double(included.count) / simTime.seconds : 0))
        record.setSummary("tx_wait_mean_s", .double(waits.isEmpty ? .nan : waits.reduce(0, +) / Double(waits.count)))
        for (key, q) in [("tx_wait_p50_s", 0.5), ("tx_wait_p90_s", 0.9), ("tx_wait_p99_s", 0.99)] {
            record.setSummary(key, .double(quantile(waits, q)))
        }
        record.setSummary("tx_fees_total", .double(included.reduce(0.0) { $0 + pool.fee[$1] }))
        if !pool.baseFee.isEmpty {
            record.setSummary("tx_burned_total", .double(included.reduce(0.0) { $0 + pool.baseFee[Int(block[$1])] * Double(pool.size[$1]) }))
            record.setSummary("base_fee_final", .double(pool.baseFee[Int(tree.bestTip())]))
            let mainFees = (1..<min(tree.count, pool.baseFee.count)).filter { mainChain[$0] }.map { pool.baseFee[$0] }
            record.setSummary("base_fee_mean", .double(mainFees.isEmpty ? .nan : mainFees.reduce(0, +) / Double(mainFees.count)))
        }
        let rows = sample >= 1 ? Array(block.indices) : block.indices.filter { isSampled($0, share: sample) }
        record.setTable("/tx", Table([
            Column("id", .int64(rows.map(Int64.init))),
            Column("created_ns", .int64(rows.map { Int64(clamping: pool.created[$0].nanoseconds) })),
            Column("size_bytes", .int64(rows.map { Int64(pool.size[$0]) })),
            Column("fee", .double(rows.map { pool.fee[$0] })),
            Column("kind", .uint8(rows.map { pool.kind[$0].rawValue })),
            Column("origin", .int64(rows.map { Int64(pool.origin[$0]) })),
            Column("status", .uint8(rows.map { status[$0].rawValue })),
            Column("block", .int64(rows.map { block[$0] })),
            Column("included_ns", .int64(rows.map { block[$0] < 0 ? -1 : Int64(clamping: tree.created[Int(block[$0])].nanoseconds) })),
            Column("wait_s", .double(rows.map { block[$0] < 0 ? .nan : (tree.created[Int(block[$0])] - pool.created[$0]).seconds })),
        ], attributes: [
            ("note", .string("one row per transaction created by the end of the run, in creation order (a share of them with "
                             + "output.tx_sample); block: the main-chain block that holds it (-1: none); wait_s: from creation to "
                             + "that block's creation")),
            ("kind_codes", .string("0 transfer, 1 record, 2 call")),
            ("status_codes", .string("0 pending, 1 included, 2 expired, 3 evicted")),
            ("sample", .double(sample)),
        ]))
    }

    /// Whether transaction `id` is in the `/tx` sample: a fixed hash of its id below the share,
    /// so a run's sample is the same whatever else changes.
    static func isSampled(_ id: Int, share: Double) -> Bool {
        Double(StableHash.mix64(UInt64(id)) >> 11) * 0x1p-53 < share
    }

    /// The nearest-rank q-quantile of sorted `values`; NaN when empty.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
