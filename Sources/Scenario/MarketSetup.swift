import Consensus
import Federation
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
        var parameters = ComputeMarketParameters(providers: providers, jobs: market.jobs, jobRatePerSecond: market.jobRatePerS,
                                                 jobTflop: market.jobTflop.law, maxPricePerTflop: market.maxPricePerTflop.law,
                                                 deadline: SimDuration(seconds: market.deadlineS), callFee: market.callFee,
                                                 callBytes: market.callBytes, confirmations: market.confirmations)
        parameters.matching = market.matching == .doubleAuction ? .doubleAuction : .postedPrice
        parameters.auctionInterval = SimDuration(seconds: market.auctionIntervalS)
        parameters.maxTradesPerClear = market.maxTradesPerClear
        parameters.unavailable = setup.providerAbsences
        return ComputeMarketChain(base: base, parameters: parameters, streams: streams)
    }
}

extension World {
    /// Where `federation.data_market` sources the clients' data (streams `data.providers`,
    /// `data.prices` and `data.allowlist`): client i (node i + 1) holds `examples[i]` rows;
    /// `stakes` are the consensus's per-node stakes, if it has any.
    static func dataSourcing(_ config: FedChainConfig, examples: [Int], stakes: [Double]?) -> DataSourcing {
        let market = config.workload.dataMarket, clients = config.federation.clients
        let streams = RandomStreams(seed: config.seed)
        // Providers live on the nodes after the aggregator (0) and the clients (1...clients).
        let providers = sample(market.providers, of: config.network.nodes - clients - 1, streams.stream("data.providers"))
            .map { Int($0) + clients + 1 }
        let prices = market.price.drawPerNode(clients, from: streams.stream("data.prices")).map { max($0, 0) }
        let policy: DataMarket.Policy
        switch market.policy {
        case .open: policy = .open
        case .allowlist:
            let allowed = sample(Int((market.allowlistShare * Double(clients)).rounded()), of: clients, streams.stream("data.allowlist"))
            policy = .allowlist(allowed.map { Int($0) + 1 })
        case .minimumStake: policy = .minimumStake(market.minStake)
        case .ownerApproval: policy = .ownerApproval
        }
        return DataSourcing(owners: (0..<clients).map { providers[$0 % providers.count] }, prices: prices,
                            sizeBytes: examples.map { max($0, 1) * market.bytesPerExample }, policy: policy,
                            stakes: (1...clients).map { stakes?[$0] ?? 0 }, budget: market.budget > 0 ? market.budget : .infinity,
                            approvalDelay: SimDuration(seconds: market.approvalDelayS), approvalRate: market.approvalRate,
                            revokeAt: market.revokeAtS > 0 ? .zero + SimDuration(seconds: market.revokeAtS) : nil, revokeShare: market.revokeShare,
                            callFee: market.callFee, callBytes: market.callBytes, confirmations: market.confirmations)
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
            Column("price_per_tflop", .double(jobs.map { $0.provider < 0 ? .nan : $0.pricePerTflop })),
            Column("paid", .double(jobs.map(\.paid))),
            Column("status", .uint8(jobs.map(\.status.rawValue))),
        ], attributes: [
            ("note", .string("jobs as the contract holds them on the best chain; sent: the post call's creation; posted: the block that ran it; "
                             + "started: when the provider acted on its confirmed match; settled: when the payment or miss was confirmed (-1: not yet)")),
            ("status_codes", .string("0 queued, 1 running, 2 paid, 3 missed, 4 finished, awaiting its owner's proof")),
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
