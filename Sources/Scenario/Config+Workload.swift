import Consensus
import Ledger
import SimKernel

/// `workload`: what the chain carries (docs/transactions.md).
public struct WorkloadConfig: Codable, Equatable, Sendable {
    /// Transactions arriving into a mempool (off while `rate_per_s` is 0).
    public var transactions = TransactionsConfig()
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
    /// `none` (producers see a transaction at once) or `light` (after the relay delay from its origin).
    public var propagation: TransactionPropagationKind = .none
    /// The light model: how many sampled origin nodes transactions start from.
    public var lightOrigins: Int = 16
    /// The most gas a block's contract calls may use; 0: no limit (bytes alone bound a block).
    public var blockGasLimit: Int = 0
    public init() {}

    /// Whether the workload is on.
    public var isOn: Bool { ratePerS > 0 || !trace.isEmpty }

    /// The workload these settings describe with the trace's transactions, or nil when off.
    public func parameters(trace entries: [TracedTransaction]) -> TransactionParameters? {
        guard isOn else { return nil }
        var workload = TransactionParameters(ratePerSecond: ratePerS, size: sizeBytes.law, fee: fee.law,
                                             market: feeMarket == .eip1559 ? .eip1559(initialBaseFee: initialBaseFee) : .firstPrice,
                                             lifetime: ttlS > 0 ? SimDuration(seconds: ttlS) : nil,
                                             mempoolLimitBytes: mempoolLimitBytes > 0 ? mempoolLimitBytes : nil, trace: entries)
        if propagation == .light { workload.propagation = .light(origins: lightOrigins) }
        workload.blockGasLimit = blockGasLimit > 0 ? blockGasLimit : nil
        return workload
    }
}

/// How transactions reach producers.
public enum TransactionPropagationKind: String, ConfigChoice {
    case none
    case light
}

/// Which fee market.
public enum FeeMarketKind: String, ConfigChoice {
    case firstPrice = "first_price"
    case eip1559
}

extension FedChainConfig {
    /// `workload.transactions`.
    func checkWorkload(into issues: inout Validator) {
        let tx = workload.transactions, key = "workload.transactions"
        issues.check(tx.ratePerS.isFinite && (0...1e7).contains(tx.ratePerS), "\(key).rate_per_s",
                     "expected arrivals per second from 0 (off) to 1e7, found \(tx.ratePerS)")
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
        issues.check(tx.blockGasLimit >= 0, "\(key).block_gas_limit", "expected 0 (no limit) or gas > 0, found \(tx.blockGasLimit)")
        issues.check((1...4_096).contains(tx.lightOrigins), "\(key).light_origins",
                     "expected an integer from 1 to 4096, found \(tx.lightOrigins)")
        issues.check(output.txSample > 0 && output.txSample <= 1, "output.tx_sample",
                     "expected the share of transactions written to /tx, above 0 and at most 1, found \(output.txSample)")
    }
}
