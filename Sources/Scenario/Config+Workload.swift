import Consensus
import Ledger
import SimKernel

/// `workload`: what the chain carries (docs/transactions.md).
public struct WorkloadConfig: Codable, Equatable, Sendable {
    /// Transactions arriving into a mempool (off while `rate_per_s` is 0).
    public var transactions = TransactionsConfig()
    public init() {}
}

/// `workload.transactions`: Poisson arrivals network-wide, their size and fee; blocks are filled
/// from a shared mempool, highest fee per byte first (first-price fee market).
public struct TransactionsConfig: Codable, Equatable, Sendable {
    /// Arrivals per second; 0: every block full of notional transactions (no mempool).
    public var ratePerS: Double = 0
    /// Size of every transaction, bytes.
    public var sizeBytes: Int = 250
    /// Each transaction's fee (constant, exponential or uniform); its maximum under EIP-1559.
    public var fee = DistributionConfig(distribution: .constant, mean: 1, sd: 0, min: 0, max: 0)
    /// `first_price` or `eip1559`.
    public var feeMarket: FeeMarketKind = .firstPrice
    /// EIP-1559: the first block's base fee per byte.
    public var initialBaseFee: Double = 0.001
    /// Seconds a transaction may wait before it leaves the mempool unincluded; 0: forever.
    public var ttlS: Double = 0
    public init() {}

    /// The workload these settings describe, or nil when off.
    public var parameters: TransactionParameters? {
        guard ratePerS > 0 else { return nil }
        let law: FeeLaw
        switch fee.distribution {
        case .exponential: law = .exponential(mean: fee.mean)
        case .uniform: law = .uniform(min: fee.min, max: fee.max)
        case .constant, .normal: law = .constant(fee.mean)
        }
        return TransactionParameters(ratePerSecond: ratePerS, sizeBytes: sizeBytes, fee: law,
                                     market: feeMarket == .eip1559 ? .eip1559(initialBaseFee: initialBaseFee) : .firstPrice,
                                     lifetime: ttlS > 0 ? SimDuration(seconds: ttlS) : nil)
    }
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
        guard tx.ratePerS > 0 else { return }
        let room = consensus.blockSizeBytes - ChainState.headerBytes
        issues.check((1...max(1, room)).contains(tx.sizeBytes), "\(key).size_bytes",
                     "expected bytes from 1 to what a block holds after its \(ChainState.headerBytes)-byte header (\(room)), found \(tx.sizeBytes)")
        tx.fee.check(at: "\(key).fee", into: &issues)
        issues.check(tx.fee.distribution != .normal, "\(key).fee.distribution",
                     "expected constant, exponential or uniform, found normal")
        issues.seconds(tx.ttlS, "\(key).ttl_s", allowZero: true)
        issues.check(tx.initialBaseFee.isFinite && tx.initialBaseFee > 0 && tx.initialBaseFee <= 1e12, "\(key).initial_base_fee",
                     "expected a base fee per byte > 0 (a zero base fee never moves), found \(tx.initialBaseFee)")
    }
}
