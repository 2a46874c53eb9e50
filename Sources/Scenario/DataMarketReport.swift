import Federation
import Ledger
import Markets
import Metrics
import SimKernel

/// `/market/datasets`: one row per client's dataset, what the contract holds of it on the best
/// chain and what the client saw (`federation.data_market`).
enum DataMarketReport {
    static let statusCodes = "0 not bought, 1 pending, 2 granted, 3 denied by the policy, 4 refused by the owner, 5 revoked"

    static func write(_ market: DataMarketRun, clientNodes: [Int], tree: BlockTree, into record: inout RunRecord) {
        let state = market.state(on: tree)
        let logs = market.logs
        func ns(_ time: SimTime?) -> Int64 { time.map { Int64(clamping: $0.nanoseconds) } ?? -1 }
        func listed(_ log: DataAccessLog) -> DataMarket.Dataset? {
            guard let id = log.dataset, state.datasets.indices.contains(Int(id)) else { return nil }
            return state.datasets[Int(id)]
        }
        record.setTable("/market/datasets", Table([
            Column("client", .int64(logs.indices.map(Int64.init))),
            Column("node", .int64(clientNodes.map(Int64.init))),
            Column("dataset", .int64(logs.map { Int64($0.dataset ?? -1) })),
            Column("owner", .int64(market.sourcing.owners.map(Int64.init))),
            Column("price", .double(market.sourcing.prices)),
            Column("size_bytes", .int64(market.sourcing.sizeBytes.map(Int64.init))),
            Column("status", .uint8(logs.map(\.status.rawValue))),
            Column("grant_tx", .int64(logs.map { Int64($0.grantTransaction ?? -1) })),
            Column("buy_sent_ns", .int64(logs.map { ns($0.buySent) })),
            Column("granted_ns", .int64(logs.map { ns($0.granted) })),
            Column("ready_ns", .int64(logs.map { ns($0.ready) })),
            Column("revoked_ns", .int64(logs.map { ns($0.revoked) })),
            Column("revenue", .double(logs.map { listed($0)?.revenue ?? 0 })),
            Column("reads", .int64(logs.map { Int64($0.reads) })),
            Column("denied_reads", .int64(logs.map { Int64($0.deniedReads) })),
        ], attributes: [
            ("note", .string("client i's training data is dataset `dataset` (-1: listing not confirmed); times are when the outcome was confirmed "
                             + "on the best chain (ready: the download ended; -1: never); revenue: what the contract paid the owner for it; "
                             + "reads and denied_reads: access calls confirmed and reverted")),
            ("status_codes", .string(statusCodes)),
        ]))
    }
}
