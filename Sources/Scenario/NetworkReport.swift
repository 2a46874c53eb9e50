import Metrics
import NetworkModel

/// The network's tables: `/network/regions` (the table the run used), `/network/traffic` (bytes
/// per node and message kind) and `/metrics/receive_delay` (histogram of every node's receive
/// delay of every block), plus the summary key `ancestor_fetches`.
struct NetworkReport {
    let relay: BlockRelay

    func write(into record: inout RunRecord) {
        let network = relay.network
        let table = network.latency.table
        record.setSummary("ancestor_fetches", .int(Int64(relay.ancestorFetches)))

        record.setTable("/network/regions", Table([
            Column("region", .string(table.regions)),
            Column("node_share", .double(table.nodeShare)),
            Column("download_bps", .double(table.downloadBps)),
            Column("upload_bps", .double(table.uploadBps)),
        ] + table.regions.indices.map { receiver in
            Column("latency_ms_to_\(table.regions[receiver])", .double(table.regions.indices.map { table.meanLatencyMs(from: $0, to: receiver) }))
        }, attributes: [("name", .string(table.name)),
                        ("note", .string("row = sender region; latency_ms_to_X = mean one-way latency to region X"))]))

        var columns = [Column("node", .int64((0..<network.nodeCount).map(Int64.init)))]
        let traffic = relay.traffic
        for kind in MessageKind.allCases {
            columns.append(Column("\(kind.name)_sent_bytes", .int64(traffic.bytesSent(kind).map { Int64(clamping: $0) })))
            columns.append(Column("\(kind.name)_received_bytes", .int64(traffic.bytesReceived(kind).map { Int64(clamping: $0) })))
        }
        record.setTable("/network/traffic", Table(columns))

        let bins = relay.reach.delays.counts.indices
        record.setTable("/metrics/receive_delay", Table([
            Column("lower_s", .double(bins.map(DelayHistogram.lowerEdgeS))),
            Column("upper_s", .double(bins.map(DelayHistogram.upperEdgeS))),
            Column("count", .int64(relay.reach.delays.counts.map { Int64(clamping: $0) })),
        ], attributes: [("note", .string("receive delay of every (node, block) pair, from block creation until the node holds the block and its ancestors; the producer excluded"))]))
    }
}
