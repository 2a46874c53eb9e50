import SimKernel

/// What a transaction does.
public enum TransactionKind: UInt8, Sendable, CaseIterable {
    /// A payment from the workload (Poisson arrivals or a trace).
    case transfer = 0
    /// A federated round's record.
    case record = 1
    /// A contract call.
    case call = 2
}

/// Where a transaction stands (on the pool's chain; `/tx` uses the same codes for the main chain).
public enum TransactionStatus: UInt8, Sendable {
    case pending = 0
    case included = 1
    /// It outlived its lifetime unincluded.
    case expired = 2
    /// The mempool was full and its fee per byte was the lowest.
    case evicted = 3
}

/// How fees are paid.
public enum FeeMarket: Sendable, Equatable {
    /// Each transaction pays its fee to the producer; blocks take the highest fee per byte first.
    case firstPrice
    /// EIP-1559: each block has a base fee per byte, set from its parent's by
    /// base x (1 + (used - target) / target / 8) with the target half the block's capacity. A
    /// transaction's fee is its maximum: it is included only when its fee per byte covers the base
    /// fee, pays its maximum (its tip is the rest: users bid their maximum), and the base fee
    /// times its size is burned.
    case eip1559(initialBaseFee: Double)
}

/// How transactions reach block producers.
public enum TransactionPropagation: Sendable, Equatable {
    /// Every producer sees a transaction when it is created (the closed forms' case).
    case none
    /// Each transaction starts at one of `origins` sampled nodes and reaches each producer after
    /// the relay's delay from that node (`TransactionVisibility`); no messages are simulated.
    case light(origins: Int)
    /// Each transaction is gossiped from its origin over the peer graph, message by message
    /// (`BlockRelay.gossipTransaction`), counted in traffic and energy; a producer includes it
    /// once it has reached the producer. For small networks: it keeps every node's arrival time
    /// of each transaction until the transaction has reached every node.
    case full
}

/// One transaction of a trace.
public struct TracedTransaction: Sendable, Equatable {
    public var time: SimTime
    public var sizeBytes: Int
    /// Its fee (its maximum under EIP-1559).
    public var fee: Double

    public init(time: SimTime, sizeBytes: Int, fee: Double) {
        self.time = time
        self.sizeBytes = sizeBytes
        self.fee = fee
    }
}

/// The transaction workload: Poisson arrivals network-wide with a size and a fee each, and the
/// transactions of a trace, merged in time order.
public struct TransactionParameters: Sendable, Equatable {
    /// Poisson arrivals per second (0: none; the trace and submitted transactions alone).
    public var ratePerSecond: Double
    /// Size of each Poisson arrival, bytes (rounded, at least 1).
    public var size: ValueLaw
    /// Fee of each Poisson arrival (its maximum under EIP-1559).
    public var fee: ValueLaw
    /// How fees are paid.
    public var market: FeeMarket
    /// How long a transaction may wait before it leaves the mempool unincluded; nil: forever.
    public var lifetime: SimDuration?
    /// The mempool's size limit, bytes: beyond it, the pending transaction with the lowest fee
    /// per byte is evicted. Nil: no limit.
    public var mempoolLimitBytes: Int?
    /// Transactions given by a trace, in time order.
    public var trace: [TracedTransaction]
    /// The most gas a block's transactions may use (contract calls); nil: no limit.
    public var blockGasLimit: Int?
    /// How transactions reach the producers.
    public var propagation: TransactionPropagation = .none

    /// Creates the workload.
    public init(ratePerSecond: Double, size: ValueLaw, fee: ValueLaw, market: FeeMarket = .firstPrice, lifetime: SimDuration? = nil,
                mempoolLimitBytes: Int? = nil, trace: [TracedTransaction] = []) {
        precondition(ratePerSecond >= 0 && size.lowerBound >= 0)
        precondition(zip(trace, trace.dropFirst()).allSatisfy { $0.time <= $1.time }, "a trace is in time order")
        self.ratePerSecond = ratePerSecond
        self.size = size
        self.fee = fee
        self.market = market
        self.lifetime = lifetime
        self.mempoolLimitBytes = mempoolLimitBytes
        self.trace = trace
    }

    /// Every Poisson arrival `sizeBytes` long.
    public init(ratePerSecond: Double, sizeBytes: Int, fee: ValueLaw, market: FeeMarket = .firstPrice, lifetime: SimDuration? = nil) {
        self.init(ratePerSecond: ratePerSecond, size: .constant(Double(sizeBytes)), fee: fee, market: market, lifetime: lifetime)
    }
}

/// When each block producer first sees a transaction (the light propagation model): a
/// transaction starts at one of a few sampled origin nodes and reaches node n after that
/// origin's relay delay to n. Without it every producer sees a transaction when it is created.
public struct TransactionVisibility: Sendable {
    /// The origin nodes transactions are drawn among.
    public let sources: [Int32]
    /// Relay delay from `sources[k]` to node n, microseconds, at `k * nodeCount + n`.
    public let delayMicros: [UInt32]
    public let nodeCount: Int

    /// `delayMicros[k * nodeCount + n]` is the delay from `sources[k]` to node n.
    public init(sources: [Int32], delayMicros: [UInt32], nodeCount: Int) {
        precondition(!sources.isEmpty && delayMicros.count == sources.count * nodeCount)
        self.sources = sources
        self.delayMicros = delayMicros
        self.nodeCount = nodeCount
    }

    /// The delay from origin `source` (an index into `sources`) to `node`.
    @inlinable public func delay(from source: Int, to node: Int) -> SimDuration {
        SimDuration(nanoseconds: UInt64(delayMicros[source * nodeCount + node]) * 1_000)
    }
}
