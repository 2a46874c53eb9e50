import Consensus
import Ledger
import Metrics
import SimKernel

/// With a transaction workload: the `tx_*` summary keys and `/tx`, one row per transaction
/// created by the end of the run. A transaction counts as included when a main-chain block (of
/// the best tip) holds it; its wait runs from its creation to that block's creation.
enum TransactionReport {
    static func write(_ chain: ChainState, mainChain: [Bool], simTime: SimTime, into record: inout RunRecord) {
        guard var pool = chain.transactions else { return }
        // Arrivals after the last block up to the end of the run. The copy shares the run's
        // arrival stream (a reference), which this advances: the report is written once, at the end.
        pool.arrive(until: simTime)
        let tree = chain.tree
        var block = [Int64](repeating: -1, count: pool.count)
        for id in 1..<tree.count where mainChain[id] && id < pool.blockTransactions.count {
            for tx in pool.blockTransactions[id] { block[Int(tx)] = Int64(id) }
        }
        let included = block.indices.filter { block[$0] >= 0 }
        var expired = 0
        if let lifetime = pool.parameters.lifetime {
            expired = block.indices.filter { block[$0] < 0 && pool.created[$0] + lifetime < simTime }.count
        }
        let waits = included.map { (tree.created[Int(block[$0])] - pool.created[$0]).seconds }.sorted()
        let fees = included.reduce(0.0) { $0 + pool.fee[$1] }
        record.setSummary("tx_created", .int(Int64(pool.count)))
        record.setSummary("tx_included", .int(Int64(included.count)))
        record.setSummary("tx_expired", .int(Int64(expired)))
        record.setSummary("tx_pending_end", .int(Int64(pool.count - included.count - expired)))
        record.setSummary("tx_throughput_per_s", .double(simTime.nanoseconds > 0 ? Double(included.count) / simTime.seconds : 0))
        record.setSummary("tx_wait_mean_s", .double(waits.isEmpty ? .nan : waits.reduce(0, +) / Double(waits.count)))
        for (key, q) in [("tx_wait_p50_s", 0.5), ("tx_wait_p90_s", 0.9), ("tx_wait_p99_s", 0.99)] {
            record.setSummary(key, .double(quantile(waits, q)))
        }
        record.setSummary("tx_fees_total", .double(fees))
        if !pool.baseFee.isEmpty {
            let size = Double(pool.parameters.sizeBytes)
            record.setSummary("tx_burned_total", .double(included.reduce(0.0) { $0 + pool.baseFee[Int(block[$1])] * size }))
            record.setSummary("base_fee_final", .double(pool.baseFee[Int(tree.bestTip())]))
        }
        record.setTable("/tx", Table([
            Column("created_ns", .int64(pool.created.map { Int64(clamping: $0.nanoseconds) })),
            Column("fee", .double(pool.fee)),
            Column("block", .int64(block)),
            Column("included_ns", .int64(block.map { $0 < 0 ? -1 : Int64(clamping: tree.created[Int($0)].nanoseconds) })),
            Column("wait_s", .double(block.indices.map { block[$0] < 0 ? .nan : (tree.created[Int(block[$0])] - pool.created[$0]).seconds })),
        ], attributes: [("note", .string("one row per transaction created by the end of the run, in creation order; block: the main-chain "
                                         + "block that holds it (-1: pending at the end); wait_s: from creation to that block's creation"))]))
    }

    /// The nearest-rank q-quantile of sorted `values`; NaN when empty.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
