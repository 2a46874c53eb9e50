/// Reputation and slashing (`federation.slashing`): how a defence's verdicts, once on the chain,
/// cost a client its stake and its seat in training.
///
/// Each client starts with reputation 1. When a round's record is confirmed, every client whose
/// update the round aggregated moves its reputation towards 1 (accepted) or 0 (rejected):
/// r <- decay r + (1 - decay) [accepted]. A client whose update was rejected and whose reputation
/// is then below `threshold` is slashed: `fraction` of its node's stake is burned (the consensus
/// uses the reduced stake from its next epoch or election) and it is excluded from the next
/// `exclusionRounds` rounds. Its reputation is not reset, so a repeat offender is slashed at its
/// next rejection.
public struct SlashingRule: Sendable, Equatable {
    /// Share of the node's current stake burned per slash.
    public var fraction: Double
    /// Reputation below which a rejected client is slashed.
    public var threshold: Double
    /// Weight of the old reputation in each update (0: only the last verdict counts).
    public var decay: Double
    /// Rounds a slashed client sits out.
    public var exclusionRounds: Int

    /// Creates a rule.
    public init(fraction: Double, threshold: Double, decay: Double, exclusionRounds: Int) {
        self.fraction = fraction
        self.threshold = threshold
        self.decay = decay
        self.exclusionRounds = exclusionRounds
    }
}

/// Per client: reputation, slashes and the stake burned.
public struct ReputationBook: Sendable, Equatable {
    /// Each client's reputation, in [0, 1].
    public private(set) var reputation: [Double]
    /// Times each client was slashed.
    public private(set) var slashes: [Int]
    /// Stake burned from each client's node.
    public internal(set) var burned: [Double]

    /// Every client at reputation 1, never slashed.
    public init(clients: Int) {
        reputation = [Double](repeating: 1, count: clients)
        slashes = [Int](repeating: 0, count: clients)
        burned = [Double](repeating: 0, count: clients)
    }

    /// Applies one confirmed round's verdicts: the `aggregated` clients, of which the defence
    /// used `accepted`. Returns the clients to slash, in `aggregated` order.
    public mutating func record(aggregated: [Int], accepted: [Int], rule: SlashingRule) -> [Int] {
        let used = Set(accepted)
        var slashed: [Int] = []
        for client in aggregated {
            let verdict: Double = used.contains(client) ? 1 : 0
            reputation[client] = rule.decay * reputation[client] + (1 - rule.decay) * verdict
            if verdict == 0 && reputation[client] < rule.threshold {
                slashes[client] += 1
                slashed.append(client)
            }
        }
        return slashed
    }
}
