import Consensus
import Ledger
import Metrics
import NetworkModel
import SimKernel

/// The chain's summary keys and tables (`/chain/blocks`, `/chain/propagation`, `/nodes`,
/// `/metrics/chain`), computed once at the end of a run.
struct ChainReport<Model: ConsensusProtocol> {
    let model: Model
    let simTime: SimTime
    /// Which blocks are on the main chain (genesis included).
    let mainChain: [Bool]

    init(model: Model, simTime: SimTime) {
        self.model = model
        self.simTime = simTime
        self.mainChain = model.chain.tree.mainChainMask(tip: model.chain.tree.bestTip())
    }

    func write(into record: inout RunRecord) {
        let chain = model.chain
        let tree = chain.tree
        let tip = tree.bestTip()
        let onMain = mainChain
        let total = tree.count - 1
        let main = Int(tree.height[Int(tip)])
        let stale = total - main
        let mainBlocks = (1..<tree.count).filter { onMain[$0] }
        let reach = chain.relay.reach

        record.setSummary("blocks_total", .int(Int64(total)))
        record.setSummary("blocks_main", .int(Int64(main)))
        record.setSummary("blocks_stale", .int(Int64(stale)))
        record.setSummary("stale_rate", .double(total > 0 ? Double(stale) / Double(total) : 0))
        record.setSummary("block_interval_mean_s", .double(main > 0 ? tree.created[Int(tip)].seconds / Double(main) : .nan))
        record.setSummary("propagation_p50_s", .double(Self.median(mainBlocks.compactMap { reach.reach50[$0]?.seconds })))
        record.setSummary("propagation_p90_s", .double(Self.median(mainBlocks.compactMap { reach.reach90[$0]?.seconds })))
        record.setSummary("propagation_p100_s", .double(Self.median(mainBlocks.compactMap { reach.reach100[$0]?.seconds })))
        let mainTx = mainBlocks.reduce(0) { $0 + Int(tree.txCount[$1]) }
        record.setSummary("tx_per_s", .double(simTime.nanoseconds > 0 ? Double(mainTx) / simTime.seconds : 0))

        let ids = (0..<tree.count).map(Int64.init)
        record.setTable("/chain/blocks", Table([
            Column("id", .int64(ids)),
            Column("parent", .int64(tree.parent.map(Int64.init))),
            Column("height", .int64(tree.height.map(Int64.init))),
            Column("producer", .int64(tree.producer.map(Int64.init))),
            Column("created_ns", .int64(tree.created.map { Int64(clamping: $0.nanoseconds) })),
            Column("size_bytes", .int64(tree.sizeBytes.map(Int64.init))),
            Column("tx_count", .int64(tree.txCount.map(Int64.init))),
            Column("on_main_chain", .uint8(onMain.map { $0 ? 1 : 0 })),
            Column("difficulty_th", .double(tree.difficulty)),
        ] + Self.transactionColumns(chain.transactions)))
        // Genesis is left out: every node holds it from the start, so it has no propagation.
        let seconds: ([SimDuration?]) -> ColumnData = { .double($0.dropFirst().map { $0?.seconds ?? .nan }) }
        record.setTable("/chain/propagation", Table([
            Column("block", .int64(Array(ids.dropFirst()))),
            Column("t50_s", seconds(reach.reach50)),
            Column("t90_s", seconds(reach.reach90)),
            Column("t100_s", seconds(reach.reach100)),
            Column("nodes_reached", .int64((1..<max(tree.count, 1)).map { Int64(reach.holderCount($0)) })),
        ], attributes: [("note", .string("one row per block, genesis excluded; seconds from block creation until 50/90/100 % "
                                         + "of nodes hold it; NaN: never reached"))]))

        let network = chain.network
        let samples = reach.receiveTimes
        if !samples.isEmpty {
            record.setTable("/chain/receive_times", Table([
                Column("block", .int64(samples.map { Int64($0.item) })),
                Column("node", .int64(samples.map { Int64($0.node) })),
                Column("region", .string(samples.map { network.latency.table.regions[Int(network.regionOfNode[Int($0.node)])] })),
                Column("delay_s", .double(samples.map(\.delay.seconds))),
            ], attributes: [("note", .string("output.receive_times_nodes sampled nodes: when each received each block, seconds after its "
                                             + "creation, in the order it happened"))]))
        }
        var mined = [Int64](repeating: 0, count: network.nodeCount)
        var minedMain = [Int64](repeating: 0, count: network.nodeCount)
        for block in 1..<tree.count {
            let producer = Int(tree.producer[block])
            mined[producer] += 1
            if onMain[block] { minedMain[producer] += 1 }
        }
        let regionNames = network.latency.table.regions
        record.setTable("/nodes", Table([
            Column("id", .int64((0..<network.nodeCount).map(Int64.init))),
            Column("region", .string(network.regionOfNode.map { regionNames[Int($0)] })),
            Column("role", .string(chain.energy.role.map(\.name))),
            Column("uses_compact", .uint8(chain.relay.usesCompact.map { $0 ? 1 : 0 })),
            Column("degree", .int64((0..<network.nodeCount).map { Int64(network.topology.neighbours(of: $0).count) })),
        ] + model.nodeColumns().map { Column($0.name, .double($0.values)) } + [
            Column("blocks_mined", .int64(mined)),
            Column("blocks_main", .int64(minedMain)),
            Column("energy_j", .double(EnergyReport.perNodeJ(chain, at: simTime, workloadBytesSent: model.workloadBytesSent()))),
        ]))
        record.setTable("/metrics/chain", Table.timeSeries(times: chain.chainSeries.map(\.time), [
            Column("height", .int64(chain.chainSeries.map { Int64($0.height) })),
            Column("blocks_total", .int64(chain.chainSeries.map { Int64($0.blocks) })),
        ]))
        for (key, value) in model.summary(at: simTime) { record.setSummary(key, .double(value)) }
    }

    /// `/chain/blocks` columns of a transaction workload: the mempool after each block, and
    /// EIP-1559's base fee.
    static func transactionColumns(_ pool: TransactionPool?) -> [Column] {
        guard let pool else { return [] }
        return [Column("mempool", .int64(pool.pendingAfter.map(Int64.init)))]
            + (pool.baseFee.isEmpty ? [] : [Column("base_fee", .double(pool.baseFee))])
    }

    /// Median of `values`; NaN when empty.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
