import Markets
import SimKernel

/// Federated learning that sources its clients' data through the data market
/// (`federation.data_market`): client i's training data is dataset i, listed by a provider; the
/// task buys access for the clients it can afford, cheapest first, and a client trains only
/// while it holds a grant (docs/markets.md).
public struct DataSourcing: Sendable, Equatable {
    /// The node that lists client i's dataset.
    public var owners: [Int]
    /// Each dataset's price.
    public var prices: [Double]
    /// Each dataset's size, bytes: what a client downloads from the owner once granted.
    public var sizeBytes: [Int]
    /// Who may buy (the same policy for every dataset).
    public var policy: DataMarket.Policy
    /// The stake each client states when it buys (its node's stake in the consensus, 0 without).
    public var stakes: [Double]
    /// The most the task spends on datasets; `.infinity`: no limit.
    public var budget: Double
    /// Owner approval: how long an owner takes to decide, and the chance it approves.
    public var approvalDelay: SimDuration
    public var approvalRate: Double
    /// When the owners revoke `revokeShare` of the grants (nil: never).
    public var revokeAt: SimTime?
    public var revokeShare: Double
    /// Every call's fee and size as a transaction.
    public var callFee: Double
    public var callBytes: Int
    /// Blocks on the best chain before a node acts on a call's outcome.
    public var confirmations: Int

    public init(owners: [Int], prices: [Double], sizeBytes: [Int], policy: DataMarket.Policy, stakes: [Double], budget: Double,
                approvalDelay: SimDuration, approvalRate: Double, revokeAt: SimTime?, revokeShare: Double,
                callFee: Double, callBytes: Int, confirmations: Int) {
        precondition(owners.count == prices.count && prices.count == sizeBytes.count && sizeBytes.count == stakes.count,
                     "one owner, price, size and stake per client")
        self.owners = owners
        self.prices = prices
        self.sizeBytes = sizeBytes
        self.policy = policy
        self.stakes = stakes
        self.budget = budget
        self.approvalDelay = approvalDelay
        self.approvalRate = approvalRate
        self.revokeAt = revokeAt
        self.revokeShare = revokeShare
        self.callFee = callFee
        self.callBytes = callBytes
        self.confirmations = confirmations
    }

    /// The clients the task buys for: by price, cheapest first (ties by client), while the
    /// running total stays within the budget.
    public func purchases() -> [Int] {
        var spent = 0.0
        var chosen: [Int] = []
        for client in prices.indices.sorted(by: { (prices[$0], $0) < (prices[$1], $1) }) where spent + prices[client] <= budget {
            spent += prices[client]
            chosen.append(client)
        }
        return chosen.sorted()
    }
}

/// Where a client stands with its dataset.
public enum DataAccessStatus: UInt8, Sendable {
    /// The task did not buy it (over the budget).
    case notBought = 0
    /// Bought; the outcome is not confirmed yet (or the owner has not decided).
    case pending = 1
    /// Access granted and confirmed.
    case granted = 2
    /// The buy reverted (the policy refused the client).
    case denied = 3
    /// The owner refused the request.
    case refused = 4
    /// Granted, then revoked.
    case revoked = 5
}

/// What the nodes saw of one client's dataset, on the confirmed chain.
public struct DataAccessLog: Sendable, Equatable {
    /// The dataset's id in the contract, once its listing is confirmed.
    public var dataset: Int32?
    public var status: DataAccessStatus = .notBought
    /// When the buy was sent; when the grant was confirmed, and by which transaction; when the
    /// download finished (the client may train from then on); when a revocation was confirmed.
    public var buySent: SimTime?
    public var granted: SimTime?
    public var grantTransaction: Int32?
    public var ready: SimTime?
    public var revoked: SimTime?
    /// Reads logged on the confirmed chain, and reads that reverted (no live grant).
    public var reads = 0
    public var deniedReads = 0
}
