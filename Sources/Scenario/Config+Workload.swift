import Consensus
import Ledger
import Markets
import SimKernel

/// `workload`: what the chain carries (docs/transactions.md).
public struct WorkloadConfig: Codable, Equatable, Sendable {
    /// Transactions arriving into a mempool (off while `rate_per_s` is 0 and there is no trace).
    public var transactions = TransactionsConfig()
    /// The compute market (off while `providers` is 0; docs/markets.md).
    public var computeMarket = ComputeMarketConfig()
    /// The data market federated learning buys its clients' data through
    /// (`federation.data_market`; docs/markets.md).
    public var dataMarket = DataMarketConfig()
    public init() {}
}

/// `workload.transactions`: Poisson arrivals network-wide and a trace, their size and fee;
/// blocks are filled from a shared mempool, highest fee per byte first.
public struct TransactionsConfig: Codable, Equatable, Sendable {
    /// Poisson arrivals per second; 0 with no trace: every block full of notional transactions
    /// (no mempool).
    public var ratePerS: Double = 0
    /// A CSV of transactions (`time_s,size_bytes,fee`), relative to the config file; "": none.
    public var trace = ""
    /// Size of each Poisson arrival, bytes (a number is a constant).
    public var sizeBytes = DistributionConfig(distribution: .constant, mean: 250, sd: 0, min: 0, max: 0)
    /// Each Poisson arrival's fee (a number is a constant); its maximum under EIP-1559.
    public var fee = DistributionConfig(distribution: .constant, mean: 1, sd: 0, min: 0, max: 0)
    /// `first_price` or `eip1559`.
    public var feeMarket: FeeMarketKind = .firstPrice
    /// EIP-1559: the first block's base fee per byte.
    public var initialBaseFee: Double = 0.001
    /// Seconds a transaction may wait before it leaves the mempool unincluded; 0: forever.
    public var ttlS: Double = 0
    /// The mempool's limit, bytes; beyond it the lowest fee per byte is evicted. 0: no limit.
    public var mempoolLimitBytes: Int = 0
    /// `none` (producers see a transaction at once), `light` (after the relay delay from its
    /// origin) or `full` (gossiped message by message; small networks).
    public var propagation: TransactionPropagationKind = .none
    /// The light model: how many sampled origin nodes transactions start from.
    public var lightOrigins: Int = 16
    /// The most gas a block's contract calls may use; 0: no limit (bytes alone bound a block).
    public var blockGasLimit: Int = 0
    public init() {}

    /// Whether the workload is on.
    public var isOn: Bool { ratePerS > 0 || !trace.isEmpty }

    /// The workload these settings describe with the trace's transactions, or nil when off;
    /// with `carriesCalls`, a mempool for contract calls even without a workload of its own.
    public func parameters(trace entries: [TracedTransaction], carriesCalls: Bool = false) -> TransactionParameters? {
        guard isOn || carriesCalls else { return nil }
        var workload = TransactionParameters(ratePerSecond: ratePerS, size: sizeBytes.law, fee: fee.law,
                                             market: feeMarket == .eip1559 ? .eip1559(initialBaseFee: initialBaseFee) : .firstPrice,
                                             lifetime: ttlS > 0 ? SimDuration(seconds: ttlS) : nil,
                                             mempoolLimitBytes: mempoolLimitBytes > 0 ? mempoolLimitBytes : nil, trace: entries)
        switch propagation {
        case .none: break
        case .light: workload.propagation = .light(origins: lightOrigins)
        case .full: workload.propagation = .full
        }
        workload.blockGasLimit = blockGasLimit > 0 ? blockGasLimit : nil
        return workload
    }
}

/// `workload.compute_market`: providers offering compute through a contract, and jobs buying it.
public struct ComputeMarketConfig: Codable, Equatable, Sendable {
    /// Provider nodes, drawn from stream `market.providers`; 0: no market.
    public var providers: Int = 0
    /// Each provider's speed, GFLOP/s (a number or a distribution; one draw per provider).
    public var gflops = DistributionConfig(distribution: .constant, mean: 10_000, sd: 0, min: 0, max: 0)
    /// Each provider's posted price per TFLOP.
    public var pricePerTflop = DistributionConfig(distribution: .constant, mean: 0.01, sd: 0, min: 0, max: 0)
    /// Power a provider draws while working, W.
    public var watts: Double = 300
    /// Jobs to post, as a Poisson process at `job_rate_per_s`.
    public var jobs: Int = 100
    public var jobRatePerS: Double = 0.01
    /// Each job's size, TFLOP.
    public var jobTflop = DistributionConfig(distribution: .exponential, mean: 1_000, sd: 0, min: 0, max: 0)
    /// The most a job pays per TFLOP.
    public var maxPricePerTflop = DistributionConfig(distribution: .constant, mean: 0.02, sd: 0, min: 0, max: 0)
    /// Seconds from posting to a job's deadline.
    public var deadlineS: Double = 3_600
    /// Every call's fee and size as a transaction.
    public var callFee: Double = 1
    public var callBytes: Int = 200
    /// Blocks on the best chain before a node acts on a call's outcome.
    public var confirmations: Int = 1
    /// `posted_price` or `double_auction` (a sealed-bid call market cleared every
    /// `auction_interval_s` by node 0, at most `max_trades_per_clear` trades a call).
    public var matching: MatchingKind = .postedPrice
    public var auctionIntervalS: Double = 60
    public var maxTradesPerClear: Int = 64
    /// A CSV of provider absences (`provider,offline_from_s,offline_until_s`, providers from 0),
    /// relative to the config file; "": always available.
    public var availability = ""
    public init() {}

    /// Whether the market runs.
    public var isOn: Bool { providers > 0 }
}

/// `workload.data_market`: providers list the federated clients' datasets; the task buys access.
public struct DataMarketConfig: Codable, Equatable, Sendable {
    /// Provider nodes (drawn from stream `data.providers` among the nodes that host no client);
    /// provider k lists the datasets of clients k, k + providers, ...
    public var providers: Int = 5
    /// Each dataset's price (a number or a distribution; one draw per dataset).
    public var price = DistributionConfig(distribution: .constant, mean: 1, sd: 0, min: 0, max: 0)
    /// A dataset's size is its client's training examples times this: what the client downloads.
    public var bytesPerExample: Int = 784
    /// `open`, `allowlist`, `minimum_stake` or `owner_approval`.
    public var policy: DataPolicyKind = .open
    /// `allowlist`: the share of client nodes on it (drawn from stream `data.allowlist`).
    public var allowlistShare: Double = 1
    /// `minimum_stake`: the least stake a buyer's node holds in the consensus (PoS and
    /// hierarchical; 0 for every node under PoW).
    public var minStake: Double = 0
    /// `owner_approval`: seconds an owner takes to decide, and the chance it approves.
    public var approvalDelayS: Double = 60
    public var approvalRate: Double = 1
    /// The most the task spends on datasets; 0: no limit.
    public var budget: Double = 0
    /// When the owners revoke `revoke_share` of the grants; 0: never.
    public var revokeAtS: Double = 0
    public var revokeShare: Double = 0
    /// Every call's fee and size as a transaction.
    public var callFee: Double = 1
    public var callBytes: Int = 200
    /// Blocks on the best chain before a node acts on a call's outcome.
    public var confirmations: Int = 1
    public init() {}
}

/// How compute jobs meet providers.
public enum MatchingKind: String, ConfigChoice {
    case postedPrice = "posted_price"
    case doubleAuction = "double_auction"
}

/// Who may buy a dataset.
public enum DataPolicyKind: String, ConfigChoice {
    case open, allowlist
    case minimumStake = "minimum_stake"
    case ownerApproval = "owner_approval"
}

/// How transactions reach producers.
public enum TransactionPropagationKind: String, ConfigChoice {
    case none
    case light
    case full
}

/// Which fee market.
public enum FeeMarketKind: String, ConfigChoice {
    case firstPrice = "first_price"
    case eip1559
}

extension FedChainConfig {
    /// The largest network the full transaction gossip model runs on.
    static let maxFullGossipNodes = 10_000

    /// `workload.compute_market`.
    func checkComputeMarket(into issues: inout Validator) {
        let market = workload.computeMarket, key = "workload.compute_market"
        issues.check(market.providers == 0 || (market.providers > 0 && market.providers <= network.nodes), "\(key).providers",
                     "expected an integer from 0 (no market) to network.nodes (\(network.nodes)), found \(market.providers)")
        guard market.isOn else { return }
        market.gflops.check(at: "\(key).gflops", requirePositive: true, into: &issues)
        market.pricePerTflop.check(at: "\(key).price_per_tflop", into: &issues)
        market.jobTflop.check(at: "\(key).job_tflop", requirePositive: true, into: &issues)
        market.maxPricePerTflop.check(at: "\(key).max_price_per_tflop", into: &issues)
        issues.bounded(market.watts, "\(key).watts", 0...1e7)
        issues.check((0...10_000_000).contains(market.jobs), "\(key).jobs", "expected an integer from 0 to 1e7, found \(market.jobs)")
        issues.check(market.jobRatePerS.isFinite && market.jobRatePerS > 0 && market.jobRatePerS <= 1e6, "\(key).job_rate_per_s",
                     "expected jobs per second > 0 and <= 1e6, found \(market.jobRatePerS)")
        issues.seconds(market.deadlineS, "\(key).deadline_s", allowZero: false)
        issues.bounded(market.callFee, "\(key).call_fee", 0...Self.maxMagnitude)
        let room = consensus.blockSizeBytes - ChainState.headerBytes
        issues.check((1...max(1, room)).contains(market.callBytes), "\(key).call_bytes",
                     "expected bytes from 1 to what a block holds after its header (\(room)), found \(market.callBytes)")
        issues.check((1...1_000).contains(market.confirmations), "\(key).confirmations",
                     "expected an integer from 1 to 1000, found \(market.confirmations)")
        issues.seconds(market.auctionIntervalS, "\(key).auction_interval_s", allowZero: false)
        issues.check((1...10_000).contains(market.maxTradesPerClear), "\(key).max_trades_per_clear",
                     "expected an integer from 1 to 10000, found \(market.maxTradesPerClear)")
        let gasLimit = workload.transactions.blockGasLimit
        let calls: [ComputeMarket.Call] = [.post(tflop: 1, maxPricePerTflop: 0, deadline: .zero), .offer(gflops: 1, pricePerTflop: 0), .deliver(job: 0),
                                           .finish(job: 0), .settle(job: 0), .setAvailable(true)] + (market.matching == .doubleAuction ? [.clear(maxTrades: market.maxTradesPerClear)] : [])
        let largest = calls.map(ComputeMarket.gas).max()!
        issues.check(gasLimit == 0 || gasLimit >= largest, "workload.transactions.block_gas_limit",
                     "expected 0 or at least the largest market call's gas (\(largest)), found \(gasLimit)")
    }

    /// `workload.transactions`.
    func checkWorkload(into issues: inout Validator) {
        let tx = workload.transactions, key = "workload.transactions"
        issues.check(tx.ratePerS.isFinite && (0...1e7).contains(tx.ratePerS), "\(key).rate_per_s",
                     "expected arrivals per second from 0 (off) to 1e7, found \(tx.ratePerS)")
        issues.check(tx.blockGasLimit >= 0, "\(key).block_gas_limit", "expected 0 (no limit) or gas > 0, found \(tx.blockGasLimit)")
        issues.check(output.txSample > 0 && output.txSample <= 1, "output.tx_sample",
                     "expected the share of transactions written to /tx, above 0 and at most 1, found \(output.txSample)")
        guard tx.isOn else { return }
        let room = consensus.blockSizeBytes - ChainState.headerBytes
        tx.sizeBytes.check(at: "\(key).size_bytes", into: &issues)
        let size = tx.sizeBytes.law
        issues.check(size.upperBound >= 1 && size.upperBound <= Double(room), "\(key).size_bytes",
                     "expected sizes from 1 byte to what a block holds after its \(ChainState.headerBytes)-byte header (\(room) bytes); "
                         + (size.upperBound.isFinite ? "the largest is \(size.upperBound)" : "set max for a \(tx.sizeBytes.distribution.rawValue) size"))
        tx.fee.check(at: "\(key).fee", into: &issues)
        issues.seconds(tx.ttlS, "\(key).ttl_s", allowZero: true)
        issues.check(tx.initialBaseFee.isFinite && tx.initialBaseFee > 0 && tx.initialBaseFee <= 1e12, "\(key).initial_base_fee",
                     "expected a base fee per byte > 0 (a zero base fee never moves), found \(tx.initialBaseFee)")
        issues.check(tx.mempoolLimitBytes == 0 || tx.mempoolLimitBytes >= room, "\(key).mempool_limit_bytes",
                     "expected 0 (no limit) or at least one block's room (\(room) bytes), found \(tx.mempoolLimitBytes)")
        issues.check(tx.propagation != .full || network.nodes <= Self.maxFullGossipNodes, "\(key).propagation",
                     "expected none or light above \(Self.maxFullGossipNodes) nodes: full gossip keeps every node's arrival time of each "
                         + "spreading transaction and simulates every message (network.nodes is \(network.nodes))")
        issues.check((1...4_096).contains(tx.lightOrigins), "\(key).light_origins",
                     "expected an integer from 1 to 4096, found \(tx.lightOrigins)")
    }
}

extension FedChainConfig {
    /// `workload.data_market` and `federation.data_market`.
    func checkDataMarket(into issues: inout Validator) {
        let market = workload.dataMarket, key = "workload.data_market", fl = federation
        guard fl.dataMarket else { return }
        issues.check(fl.rounds > 0, "federation.data_market", "expected federated rounds to buy data for (federation.rounds > 0)")
        let spare = network.nodes - fl.clients - 1
        issues.check(market.providers >= 1 && market.providers <= max(spare, 1) && spare >= 1, "\(key).providers",
                     "expected an integer from 1 to the nodes that host neither the aggregator nor a client (network.nodes - federation.clients - 1 = \(spare)), found \(market.providers)")
        market.price.check(at: "\(key).price", into: &issues)
        issues.check((1...1_000_000_000).contains(market.bytesPerExample), "\(key).bytes_per_example",
                     "expected an integer from 1 to 1e9, found \(market.bytesPerExample)")
        issues.probability(market.allowlistShare, "\(key).allowlist_share")
        issues.bounded(market.minStake, "\(key).min_stake", 0...Self.maxMagnitude)
        issues.seconds(market.approvalDelayS, "\(key).approval_delay_s", allowZero: true)
        issues.probability(market.approvalRate, "\(key).approval_rate")
        issues.bounded(market.budget, "\(key).budget", 0...Self.maxMagnitude)
        issues.seconds(market.revokeAtS, "\(key).revoke_at_s", allowZero: true)
        issues.probability(market.revokeShare, "\(key).revoke_share")
        issues.bounded(market.callFee, "\(key).call_fee", 0...Self.maxMagnitude)
        let room = consensus.blockSizeBytes - ChainState.headerBytes
        issues.check(market.callBytes >= 1 && market.callBytes <= max(room, 1), "\(key).call_bytes",
                     "expected bytes from 1 to what a block holds after its header (\(room)), found \(market.callBytes)")
        issues.check((1...1_000).contains(market.confirmations), "\(key).confirmations", "expected an integer from 1 to 1000, found \(market.confirmations)")
        let gasLimit = workload.transactions.blockGasLimit
        let largest = DataMarket.largestGas
        issues.check(gasLimit == 0 || gasLimit >= largest, "workload.transactions.block_gas_limit",
                     "expected 0 or at least the largest data market call's gas (\(largest)), found \(gasLimit)")
    }
}
