import Consensus
import Ledger
import Markets
import Metrics
import SimKernel

extension World {
    /// `base` with the compute market of `setup` (streams `market.providers`, `market.gflops`,
    /// `market.prices`, and the market's own).
    static func computeMarket<Base: ConsensusProtocol>(_ base: Base, _ setup: RunSetup) -> ComputeMarketChain<Base> {
        let config = setup.config, market = config.workload.computeMarket
        let streams = RandomStreams(seed: config.seed)
        let nodes = sample(market.providers, of: config.network.nodes, streams.stream("market.providers"))
        let speeds = market.gflops.drawPerNode(nodes.count, from: streams.stream("market.gflops"))
        let prices = market.pricePerTflop.drawPerNode(nodes.count, from: streams.stream("market.prices"))
        let providers = nodes.indices.map {
            ComputeProvider(node: Int(nodes[$0]), gflops: max(speeds[$0], 1e-6), pricePerTflop: prices[$0], watts: market.watts)
        }
        let parameters = ComputeMarketParameters(providers: providers, jobs: market.jobs, jobRatePerSecond: market.jobRatePerS,
                                                 jobTflop: market.jobTflop.law, maxPricePerTflop: market.maxPricePerTflop.law,
                                                 deadline: SimDuration(seconds: market.deadlineS), callFee: market.callFee,
                                                 callBytes: market.callBytes, confirmations: market.confirmations)
        return ComputeMarketChain(base: base, parameters: parameters, streams: streams)
    }
}

/// The compute market's tables: `/market/jobs` (one row per job posted on the best chain) and
/// `/market/providers` (one row per provider).
enum MarketReport {
    static func write<Base>(_ market: ComputeMarketChain<Base>, simTime: SimTime, into record: inout RunRecord) {
        let state = market.marketState
        let logs = market.jobLogs
        func ns(_ time: SimTime?) -> Int64 { time.map { Int64(clamping: $0.nanoseconds) } ?? -1 }
        func log(_ job: Int) -> ComputeMarketChain<Base>.JobLog? { job < logs.count ? logs[job] : nil }
        let jobs = state.jobs
        record.setTable("/market/jobs", Table([
            Column("id", .int64(jobs.indices.map(Int64.init))),
            Column("owner", .int64(jobs.map { Int64($0.owner) })),
            Column("tflop", .double(jobs.map(\.tflop))),
            Column("max_price_per_tflop", .double(jobs.map(\.maxPricePerTflop))),
            Column("sent_ns", .int64(jobs.indices.map { ns(log($0)?.sent) })),
            Column("posted_ns", .int64(jobs.map { ns($0.posted) })),
            Column("started_ns", .int64(jobs.indices.map { ns(log($0)?.started) })),
            Column("finished_ns", .int64(jobs.indices.map { ns(log($0)?.finished) })),
            Column("settled_ns", .int64(jobs.indices.map { ns(log($0)?.settled) })),
            Column("provider", .int64(jobs.map { $0.provider < 0 ? -1 : Int64(state.providers[Int($0.provider)].node) })),
            Column("paid", .double(jobs.map(\.paid))),
            Column("status", .uint8(jobs.map(\.status.rawValue))),
        ], attributes: [
            ("note", .string("jobs as the contract holds them on the best chain; sent: the post call's creation; posted: the block that ran it; "
                             + "started: when the provider acted on its confirmed match; settled: when the payment or miss was confirmed (-1: not yet)")),
            ("status_codes", .string("0 queued, 1 running, 2 paid, 3 missed")),
        ]))
        let providers = market.parameters.providers
        let revenue = Dictionary(state.providers.map { ($0.node, $0.revenue) }, uniquingKeysWith: { a, _ in a })
        record.setTable("/market/providers", Table([
            Column("node", .int64(providers.map { Int64($0.node) })),
            Column("gflops", .double(providers.map(\.gflops))),
            Column("price_per_tflop", .double(providers.map(\.pricePerTflop))),
            Column("busy_s", .double(market.busySeconds)),
            Column("utilisation", .double(market.busySeconds.map { simTime.seconds > 0 ? $0 / simTime.seconds : .nan })),
            Column("tflop_paid", .double(market.tflopPaid)),
            Column("revenue", .double(providers.map { revenue[$0.node] ?? 0 })),
            Column("energy_j", .double(zip(market.busySeconds, providers).map { $0 * $1.watts })),
        ]))
    }
}
